"""Check that a built wheel works on its own: ``make wheelcheck`` (part of ``make test``).

Run by the Python of a fresh virtual environment into which only the wheel (with its
``render`` extra) was installed, from a folder outside the checkout, with no Graphviz ``dot``
on PATH. It proves three things a user installing from the wheel relies on:

1. ``autograd_mlp`` is imported from that environment's site-packages, not from a checkout;
2. the package data the wheel must carry is there (``py.typed``);
3. a graph renders to SVG and PNG through the renderer chain's bundled Graphviz (pygraphviz),
   both from Python and from the ``autograd-mlp`` command.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path


def main() -> int:
    if shutil.which("dot") is not None:
        print("wheel check: a system 'dot' is on PATH; run with PATH limited to the venv")
        return 1

    import autograd_mlp
    from autograd_mlp import Value, draw_graph

    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    package = Path(autograd_mlp.__file__).resolve().parent
    if site not in package.parents:
        print(f"wheel check: autograd_mlp was imported from {package}, not from {site}")
        return 1
    if not (package / "py.typed").is_file():
        print("wheel check: the wheel does not ship autograd_mlp/py.typed")
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
