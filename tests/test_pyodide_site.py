"""The browser edition's Python inside Pyodide under Node, with viz.js as its Graphviz (as the
site's pages run it): the lesson page and the playground's page show the very numbers of the
native pages -- their JSON data blocks, the numbers as printed, are equal digit for digit --
and the layout came from the viz.js backend. The floats themselves may differ in the last bit
(Pyodide's math library rounds tanh and exp differently from glibc for some inputs), so E and
the gradients are compared to 1e-12."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import IN_CI, needs_web
from tests.test_pyodide_lane import pinned_wheels

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "pyodide" / "lesson_numbers.py"
LESSON = {
    "inputs": [0.25, -2.0],
    "targets": [0.5],
    "layers": [
        {"activation": "tanh", "weights": [[0.3, -0.7], [1.1, 0.2]], "biases": [0.0, 0.4]},
        {"activation": "sigmoid", "weights": [[-0.6, 0.9]], "biases": [0.1]},
    ],
    "learning_rate": 0.5,
    "error": "half",
}


def in_pyodide(tmp_path: Path, *args: str) -> dict[str, object]:
    needs_web("pyodide/pyodide.mjs")
    needs_web("@viz-js/viz/dist/viz.js")
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is missing; it is required under CI=true")
        pytest.skip("node is not installed")
    site = tmp_path / "site-packages"
    for wheel in pinned_wheels():
        if wheel.name.startswith(("graphviz-", "tqdm-")):
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(site)
    command = [node, str(ROOT / "web" / "pyodide_run.mjs"), "--viz"]
    command += ["--mount", f"{ROOT}=/src", "--mount", f"{site}=/site"]
    command += ["--path", "/src", "--path", "/site", str(SCRIPT), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def natively(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", [None, LESSON], ids=["default lesson", "a 2-2-1 tanh lesson"])
def test_the_browser_pages_show_the_native_numbers(tmp_path: Path, lesson: object) -> None:
    args = () if lesson is None else (json.dumps(lesson),)
    browser = in_pyodide(tmp_path, *args)
    native = natively(*args)
    assert browser["renderer"] == "viz.js"
    assert native["renderer"] in ("dot", "pygraphviz")
    for key in ("lesson_data", "play_data"):  # the numbers as the pages print them
        assert browser[key] == native[key], key
    assert math.isclose(browser["lesson_error"], native["lesson_error"], rel_tol=1e-12)  # type: ignore[arg-type]
    assert math.isclose(browser["play_value"], native["play_value"], rel_tol=1e-12)  # type: ignore[arg-type]
    grads, expected = browser["play_grads"], native["play_grads"]
    assert (
        isinstance(grads, dict) and isinstance(expected, dict) and grads.keys() == expected.keys()
    )
    assert all(math.isclose(grads[k], expected[k], rel_tol=1e-12) for k in grads)
    assert browser["play_svg_has_paths"] is True
