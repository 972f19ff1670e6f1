"""The core installs from pure wheels and runs without NumPy (issue 21; DESIGN §7, §11).

NumPy is the ``fast`` extra. A wheel built from this checkout is installed, with no extra, into
a new virtual environment, which then holds only the package's pure dependencies (graphviz,
tqdm); ``tools/wheel_check.py --core`` runs there and checks the core API and the fast path's
error. In this environment (which has NumPy) the core must not import it, and NumPy scalars
must still be numbers to `Value`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-3000:]}"
    return done


@pytest.mark.slow
def test_the_wheel_installs_with_only_pure_dependencies_and_runs_without_numpy(
    tmp_path: Path,
) -> None:
    # built from a copy, so that the build leaves nothing in the checkout
    source = tmp_path / "source"
    shutil.copytree(ROOT / "autograd_mlp", source / "autograd_mlp",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp_path / "dist",
         source)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("autograd_mlp-*.whl")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    _run(python, "-m", "pip", "install", "--quiet", wheel)
    listed = _run(python, "-m", "pip", "list", "--format=freeze").stdout
    installed = {line.split("==")[0].lower() for line in listed.split()}
    assert installed - {"pip", "setuptools"} == {"autograd_mlp", "graphviz", "tqdm"}, installed
    run = tmp_path / "run"
    run.mkdir()
    done = _run(python, ROOT / "tools" / "wheel_check.py", "--core", cwd=run)
    assert "wheel check --core: ok" in done.stdout
    assert "digraph" in done.stdout  # the DOT text of a gradient graph, printed
    assert "trace without NumPy: ImportError: trace (the fast path" in done.stdout
    assert 'pip install "autograd_mlp[fast]"' in done.stdout


def test_the_core_does_not_import_numpy_and_takes_numpy_scalars() -> None:
    """Training without fast=True, drawing and explaining never import NumPy; the engine
    recognises NumPy's scalars without importing it (they register as numbers.Real when NumPy
    is imported, and NumPy's bool by its type's name), so they work once the user has it."""
    code = """
import sys
from autograd_mlp import MLP, Value, draw_graph, explain, fit
from autograd_mlp.teach.worked import worked_example

model = MLP(2, [3, 1], seed=0)
fit(model, [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0], loss="hinge", max_steps=3, progress=False)
x = Value(1.5, label="x")
y = (x * 2.0).tanh()
y.backward()
draw_graph(y).source
explain(y, x)
worked_example()
assert "numpy" not in sys.modules, "the core imported numpy"

import numpy as np

for raw, want in ((np.float64(1.5), 1.5), (np.float32(0.25), 0.25), (np.int64(-3), -3.0),
                  (np.bool_(True), 1.0), (np.uint8(7), 7.0)):
    v = Value(raw)
    assert type(v.data) is float and v.data == want, (raw, v.data)
z = np.float64(2.0) * Value(3.0) + np.int32(1)
assert isinstance(z, Value) and z.data == 7.0
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
