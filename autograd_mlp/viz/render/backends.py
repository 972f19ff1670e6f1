"""The ways this machine can run Graphviz, each behind the same small interface.

A `Backend` has a ``name`` (shown in messages: "Graphviz (dot) failed: ..."), ``available()``
(can it run here, now?) and ``run(source, fmt, timeout)``: DOT text in, the bytes of ``fmt``
out -- a picture (svg, png, pdf) or ``json``, Graphviz's own description of where it put every
node and edge (what `autograd_mlp.viz.layout` draws from). ``timeout`` is seconds,
``math.inf`` for no limit, or None: no limit and no child process, where the backend can do that.

`BACKENDS` is the chain, tried in order:

1. `DotProgram`: the ``dot`` program on PATH (Debian/Ubuntu: ``apt-get install graphviz``);
2. `Pygraphviz`: the Graphviz bundled in the wheels of ``pygraphviz>=2.0.4``
   (``pip install "autograd_mlp[render]"``: no root and no system package needed), run in a
   child Python so that the timeout can stop it.

0. `VizJs`, first: the browser edition's viz.js (``@viz-js/viz``, Graphviz in WebAssembly),
   available only under Pyodide once the page has loaded it (`autograd_mlp.viz.render.vizjs`);
   there every layout and picture of the package comes from it.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from typing import Protocol

from . import vizjs
from .process import captured_fd2, run_child, useful_stderr

__all__ = ["Backend", "Output", "VizJs", "DotProgram", "Pygraphviz", "BACKENDS", "OUTPUTS"]

OUTPUTS = ("svg", "png", "pdf", "json")  # what a backend is asked for


@dataclass(frozen=True)
class Output:
    """What a backend returns: the bytes asked for, and Graphviz's warnings on one line."""

    data: bytes
    messages: str = ""


class Backend(Protocol):
    """One way to run Graphviz (see the module docstring)."""

    name: str

    def available(self) -> bool:
        """True when this backend can run on this machine now."""
        ...

    def run(self, source: str, fmt: str, timeout: float | None) -> Output:
        """Lay ``source`` out and write it as ``fmt`` (one of `OUTPUTS`)."""
        ...


class DotProgram:
    """The ``dot`` program on PATH, always in a child process (so a timeout can stop it)."""

    name = "dot"

    def available(self) -> bool:
        return shutil.which("dot") is not None

    def run(self, source: str, fmt: str, timeout: float | None) -> Output:
        dot = shutil.which("dot")
        if dot is None:  # gone since available() was asked
            raise RuntimeError("Graphviz (dot) could not be started: no `dot` on PATH")
        data, messages = run_child([dot, f"-T{fmt}"], source, timeout, self.name)
        return Output(data, messages)


# The pygraphviz child: reads DOT on stdin, writes the output on stdout, and reports a failure
# as one line on stderr (not a traceback). It gets this interpreter's sys.path, so it finds the
# same pygraphviz even when that was put on the path at run time (a notebook's sys.path.insert).
_CHILD = """\
import json, sys
sys.path[:] = json.loads(sys.argv[2])
import pygraphviz
source = sys.stdin.buffer.read().decode("utf-8")
try:
    data = pygraphviz.AGraph(string=source).draw(format=sys.argv[1], prog="dot")
except Exception as exc:
    sys.stderr.write(f"{type(exc).__name__}: {exc}\\n")
    sys.exit(1)
sys.stdout.buffer.write(data)
"""


class Pygraphviz:
    """The Graphviz library inside pygraphviz's wheels: in a child Python when there is a
    timeout (math.inf included), in this process when ``timeout`` is None."""

    name = "pygraphviz"

    def available(self) -> bool:
        try:
            import pygraphviz  # noqa: F401
        except ImportError:
            return False
        return True

    def run(self, source: str, fmt: str, timeout: float | None) -> Output:
        if timeout is None or not sys.executable:  # no limit asked, or no Python to start
            return self._in_process(source, fmt)
        path = json.dumps([p for p in sys.path if isinstance(p, str)])
        child = [sys.executable, "-c", _CHILD, fmt, path]
        data, messages = run_child(child, source, timeout, self.name)
        return Output(data, messages)

    def _in_process(self, source: str, fmt: str) -> Output:
        """Nothing can stop this one: used only when the caller asked for no limit."""
        import pygraphviz

        with captured_fd2() as messages:
            try:
                data = pygraphviz.AGraph(string=source).draw(format=fmt, prog="dot")
            except Exception as exc:  # pygraphviz raises several types for bad DOT
                data = None
                error: Exception | None = exc
            else:
                error = None
        stderr = "".join(messages)
        if error is not None or not data:
            reason = stderr or useful_stderr(str(error)) or type(error).__name__
            raise RuntimeError(f"Graphviz (pygraphviz) failed: {reason}") from error
        return Output(bytes(data), stderr)


class VizJs:
    """Graphviz in WebAssembly in the page, under Pyodide (`autograd_mlp.viz.render.vizjs`):
    first in the chain, and available only there, once the page has loaded it."""

    name = "viz.js"

    def available(self) -> bool:
        return vizjs.loaded()

    def run(self, source: str, fmt: str, timeout: float | None) -> Output:
        data, messages = vizjs.run(source, fmt)
        return Output(data, messages)


BACKENDS: tuple[Backend, ...] = (VizJs(), DotProgram(), Pygraphviz())
