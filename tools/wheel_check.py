"""Check that a built wheel works on its own: ``make wheelcheck`` (part of ``make test``).

Run by the Python of a fresh virtual environment into which only the wheel (with its
``render`` extra) was installed, from a folder outside the checkout, with no Graphviz ``dot``
on PATH. It proves three things a user installing from the wheel relies on:

1. ``autograd_mlp`` is imported from that environment's site-packages, not from a checkout;
2. the package data the wheel must carry is there (``py.typed``);
3. a graph renders to SVG and PNG through the renderer chain's bundled Graphviz (pygraphviz),
   both from Python and from the ``autograd-mlp`` command.

With ``--core`` it checks instead the core install, the one the browser edition relies on
(DESIGN §7, §11): the wheel installed with no extra, so with only its pure dependencies
(graphviz, tqdm) and no NumPy. The package imports without NumPy, trains a small MLP with
`fit`, saves and loads it, prints a gradient graph's DOT text, explains a gradient and prints
the worked example; the fast path (`trace`, ``fit(fast=True)``) refuses with an ImportError
that names the extra to install. tests/test_core_install.py builds that environment and runs
this.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path


def _installed_from_site(package: Path) -> str | None:
    """None if ``package`` is in this environment's site-packages, else what is wrong."""
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    if site not in package.parents:
        return f"autograd_mlp was imported from {package}, not from {site}"
    if not (package / "py.typed").is_file():
        return "the wheel does not ship autograd_mlp/py.typed"
    return None


def core() -> int:
    """The checks of ``--core`` (see the module's docstring); 0 when all pass."""
    try:
        import numpy  # noqa: F401
    except ModuleNotFoundError:
        pass
    else:
        print("wheel check --core: NumPy is installed here; run in a venv with the core only")
        return 1

    import autograd_mlp

    for name in autograd_mlp.__all__:  # what `from autograd_mlp import *` resolves
        getattr(autograd_mlp, name)
    from autograd_mlp import MLP, SGD, Value, draw_graph, explain, fit, make_moons, mse, trace
    from autograd_mlp.teach.worked import worked_example

    problem = _installed_from_site(Path(autograd_mlp.__file__).resolve().parent)
    if problem is not None:
        print(f"wheel check --core: {problem}")
        return 1

    # the engine: d(x·w + b)/dw = x, by hand
    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8814, "b")
    y = (x * w + b).tanh()
    y.backward()
    if not abs(w.grad - 2.0 * (1.0 - y.data**2)) < 1e-12:
        print(f"wheel check --core: wrong gradient {w.grad}")
        return 1

    # networks and training, eager: the loss of a small MLP falls; the model file round-trips
    X, labels = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    history = fit(model, X, labels, loss="bce", optimizer=SGD(model.parameters(), lr=0.1),
                  max_steps=30, progress=False)  # fmt: skip
    if not history.loss[-1] < history.loss[0]:
        print(f"wheel check --core: training did not lower the loss: {history.loss}")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        path = model.save(Path(folder) / "model.json")
        again = MLP.load(path)
    if [p.data for p in again.parameters()] != [p.data for p in model.parameters()]:
        print("wheel check --core: the saved model loads with other weights")
        return 1
    small = MLP(2, [2, 1], seed=1)
    e = mse([small([0.5, -1.0])], [1.0])
    e.backward()

    # drawing (DOT text needs no Graphviz program) and the teaching text
    dot = draw_graph(y, highlight=w).source
    derivation = explain(y, w)
    worked = worked_example()
    if not dot.startswith("digraph") or "∂" not in derivation or "gradient" not in worked:
        print("wheel check --core: the DOT text, explain or the worked example is wrong")
        return 1
    print(dot)

    # the fast path: a clear ImportError that names the extra
    messages = []
    for call in (lambda: trace(lambda v: v * 2.0, 1.0),
                 lambda: fit(small, [[0.0, 1.0]], [1.0], max_steps=1, progress=False,
                             fast=True)):  # fmt: skip
        try:
            call()
        except ImportError as exc:
            messages.append(str(exc))
        else:
            print("wheel check --core: the fast path ran without NumPy")
            return 1
    if not all('pip install "autograd_mlp[fast]"' in m for m in messages):
        print(f"wheel check --core: the fast path's error does not name the extra: {messages}")
        return 1
    print(f"trace without NumPy: ImportError: {messages[0]}")
    if "numpy" in sys.modules:
        print("wheel check --core: something imported NumPy")
        return 1
    print(
        f"wheel check --core: ok ({len(autograd_mlp.__all__)} public names; trained "
        f"{history.steps} steps, loss {history.loss[0]:.3f} -> {history.loss[-1]:.3f})"
    )
    return 0


def main() -> int:
    if sys.argv[1:] == ["--core"]:
        return core()
    if shutil.which("dot") is not None:
        print("wheel check: a system 'dot' is on PATH; run with PATH limited to the venv")
        return 1

    import autograd_mlp
    from autograd_mlp import Value, draw_graph

    package = Path(autograd_mlp.__file__).resolve().parent
    problem = _installed_from_site(package)
    if problem is not None:
        print(f"wheel check: {problem}")
        return 1

    x, w, b = Value(2.0, "x"), Value(-3.0, "w"), Value(6.8814, "b")
    y = (x * w + b).tanh()
    y.backward()
    graph = draw_graph(y, highlight=w)
    svg = graph.pipe(format="svg").decode("utf-8")
    png = graph.pipe(format="png")
    if "<svg" not in svg or "grad" not in svg or not png.startswith(b"\x89PNG"):
        print("wheel check: the rendered graph is not an SVG/PNG of the graph")
        return 1

    out = Path("graph.svg")
    command = Path(sys.executable).with_name("autograd-mlp")
    done = subprocess.run(
        [
            str(command),
            "render",
            "tanh(x*w + b)",
            "--set",
            "x=2",
            "w=-3",
            "b=6.8814",
            "--highlight",
            "w",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or "<svg" not in out.read_text(encoding="utf-8"):
        print(f"wheel check: 'autograd-mlp render' failed: {done.stderr.strip()}")
        return 1
    print(f"wheel check: ok ({package}; svg {len(svg)} bytes, png {len(png)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
