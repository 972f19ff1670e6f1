"""The Pyodide lane: the package's tests that need no NumPy, PyTorch or subprocess, run by
pytest inside Pyodide under Node (tests/pyodide/lane.py lists them), with pytest's own pure
wheels from web/wheels (`make web`, pinned and hash-checked in web/pyodide-wheels.txt). No
network: the checkout and the unpacked wheels are mounted into Pyodide's file system."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import IN_CI, needs_web

ROOT = Path(__file__).resolve().parent.parent
WHEELS = ROOT / "web" / "wheels"
PINNED = ROOT / "web" / "pyodide-wheels.txt"


def pinned_wheels() -> list[Path]:
    """The wheels of web/pyodide-wheels.txt, from web/wheels: skipped (failed under CI) when
    one is missing."""
    found = []
    for line in PINNED.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==([^ ]+) ", line)
        if not match:
            continue
        name, version = match[1].replace("-", "_").lower(), match[2]
        wheels = [
            w for w in WHEELS.glob("*.whl") if w.name.lower().startswith(f"{name}-{version}-")
        ]
        if not wheels:
            message = f"web/wheels has no {name} {version} wheel: run `make web`"
            if IN_CI:
                pytest.fail(f"{message}; it is required under CI=true")
            pytest.skip(message)
        found.append(wheels[0])
    return found


def lane(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run tests/pyodide/lane.py in Pyodide with these pytest arguments (its list if none);
    tmp_path/"extra" is mounted at /extra."""
    needs_web("pyodide/pyodide.mjs")
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is missing; it is required under CI=true")
        pytest.skip("node is not installed")
    site = tmp_path / "site-packages"
    for wheel in pinned_wheels():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)
    command = [node, str(ROOT / "web" / "pyodide_run.mjs")]
    (tmp_path / "extra").mkdir(exist_ok=True)
    command += ["--mount", f"{ROOT}=/src", "--mount", f"{site}=/site"]
    command += ["--mount", f"{tmp_path / 'extra'}=/extra"]
    command += ["--path", "/src", "--path", "/site", "--cwd", "/src"]
    command += [str(ROOT / "tests" / "pyodide" / "lane.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)


@pytest.mark.slow
def test_the_pyodide_lane_passes(tmp_path: Path) -> None:
    done = lane(tmp_path)
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    passed = re.search(r"(\d+) passed", summary)
    assert passed and int(passed[1]) >= 300, summary  # it ran the tests, not none of them
    assert "failed" not in summary and "error" not in summary, summary


def test_the_pyodide_lane_fails_when_a_test_fails(tmp_path: Path) -> None:
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "test_fails.py").write_text(
        "import sys\n\ndef test_fails():\n    assert sys.platform + '!' == 'emscripten'\n",
        encoding="utf-8",
    )
    done = lane(tmp_path, "/extra/test_fails.py")
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 failed" in done.stdout and "emscripten!" in done.stdout
