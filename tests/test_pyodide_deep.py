"""Deep graphs where the stack is small: the engine's iterative free (engine/value.py, on under
Pyodide) frees a graph of 10⁵ operations at constant depth. Checked natively with the switch
on, and inside Pyodide under Node, where a recursive free of such a graph would kill the
interpreter with "Maximum call stack size exceeded"."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mlp.engine import Value, weighted_sum
from autograd_mlp.engine import value as value_module
from tests.conftest import IN_CI, needs_web

ROOT = Path(__file__).resolve().parent.parent


def run_in_pyodide(
    script: Path, *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a Python script inside Pyodide under Node, with this checkout's package on its path
    (web/pyodide_run.mjs)."""
    needs_web("pyodide/pyodide.mjs")
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is missing; it is required under CI=true")
        pytest.skip("node is not installed")
    command = [node, str(ROOT / "web" / "pyodide_run.mjs"), "--mount", f"{ROOT}=/src"]
    command += ["--path", "/src", str(script), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def iterative_free() -> object:
    value_module.use_iterative_free(True)
    yield
    value_module.use_iterative_free(sys.platform == "emscripten")


def test_the_native_engine_has_no_finalizer() -> None:
    # Natively CPython's trashcan frees deep chains; a finalizer per node would cost time.
    assert ("__del__" in Value.__dict__) == (sys.platform == "emscripten")


@pytest.mark.parametrize("shape", ["chain", "weighted sums", "shared"])
def test_the_iterative_free_frees_everything_it_is_given(
    iterative_free: object, shape: str
) -> None:
    x = Value(2.0)
    if shape == "chain":
        y = x
        for _ in range(100_000):
            y = y * 1.0 + 0.0
    elif shape == "weighted sums":
        y = x
        for _ in range(50_000):
            y = weighted_sum([Value(1.0), Value(0.5)], [y, 1.0], Value(0.0))
    else:  # one node reached by many paths
        y = x
        for _ in range(50_000):
            y = y + y * 0.5
    y.backward()
    assert x.grad != 0.0
    del y
    # Everything was dropped: nothing waits in the list, and no free is under way.
    assert value_module._orphans == [] and value_module._draining is False
    assert x._a is None and x.data == 2.0  # a leaf still held is untouched


def test_a_freed_node_still_referenced_keeps_its_graph(iterative_free: object) -> None:
    x = Value(3.0)
    middle = x * 2.0
    top = middle + 1.0
    del top  # middle is still held: its inputs stay
    assert middle._prev[0] is x and middle.data == 6.0
    middle.backward()
    assert x.grad == 2.0


def test_a_deep_graph_is_built_differentiated_and_freed_inside_pyodide(tmp_path: Path) -> None:
    script = ROOT / "tests" / "pyodide" / "deep_graph.py"
    done = run_in_pyodide(script, "100000")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.split()
    assert lines[:2] == ["emscripten", "100000"], done.stdout
    # d/dx of ((x·1.0001 + 0)·1.0001 + 0)... 10⁵ times is 1.0001^100000, as natively.
    grad = float(lines[2])
    assert grad == pytest.approx(1.0001**100_000, rel=1e-9)
    assert lines[3] == "freed"
