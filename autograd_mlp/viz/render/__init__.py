"""The one seam to Graphviz: DOT text in, a layout or a picture out.

Every call the package makes to Graphviz comes through this door, and nothing else in the
package imports ``graphviz`` or ``pygraphviz`` or runs ``dot`` (``tests/test_seam.py`` reads
every module to check). Two things can be asked:

* `render_bytes` -- a picture: the bytes of an svg, png or pdf file;
* `layout_json` -- a layout: Graphviz's JSON description of where it put every node, edge and
  cluster, from which `autograd_mlp.viz.layout` draws the lesson's pictures itself.

Behind the door, the backends (`backends`): ``dot`` on PATH, else pygraphviz's bundled Graphviz
in a child process, else `RendererNotFound` with both install hints; the browser edition adds
viz.js there. `find_renderer` says which one a call would use now.

Time limit. Every call with a ``timeout`` runs Graphviz in a child process (`process`) that is
stopped, with everything it started, when the limit passes: `RenderTimeout` (default
`DEFAULT_TIMEOUT`, 20 s). ``timeout=math.inf`` runs the child with no limit; ``timeout=None``
renders with pygraphviz in this process instead: no start-up cost, and no limit either. What
the renderer writes to stderr is quoted in errors and warnings only in part: its first and last
lines, and how much was cut.

`Digraph` is the ``graphviz.Digraph`` whose rendering goes through this door: its inherited
``pipe()``, ``render()``, ``view()`` and Jupyter display would otherwise run the ``dot`` program
directly (with no timeout, and failing where only pygraphviz is installed). ``draw_graph``
returns one (`autograd_mlp.viz.draw.GradGraph`). Its notebook display is made for a projector
(`display`: the smallest text 18 px, not shrunk to fit the cell); with no renderer it shows
the hint and its DOT text instead of a traceback.

Two more output formats live here without Graphviz: `pdf` writes the package's own pages
(slides, lesson views, the network) as vector PDF with embedded fonts, and `display` sizes an
SVG for a notebook.
"""

from __future__ import annotations

import html
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from ..._files import write_atomic
from .backends import BACKENDS, Backend
from .display import UNCONFINED, display_svg
from .errors import (
    DEFAULT_TIMEOUT,
    FORMATS,
    INSTALL_HINT,
    RendererNotFound,
    RenderTimeout,
    brief,
    check_format,
    check_timeout,
)
from .targets import check_target, quoted, same_file

__all__ = [
    "Digraph",
    "RendererNotFound",
    "RenderTimeout",
    "GraphvizLayout",
    "FORMATS",
    "INSTALL_HINT",
    "DEFAULT_TIMEOUT",
    "find_renderer",
    "render_bytes",
    "layout_json",
    "dot_source",
    "check_target",
    "check_timeout",
]


def find_renderer() -> str | None:
    """The renderer the chain would use now: "dot", "pygraphviz" or None."""
    for backend in BACKENDS:
        if backend.available():
            return backend.name
    return None


def _backend() -> Backend:
    """The backend of `find_renderer` (looked up through this module at call time, so that a
    test, or a notebook, that replaces ``find_renderer`` changes every call)."""
    name = find_renderer()
    for backend in BACKENDS:
        if backend.name == name:
            return backend
    raise RendererNotFound()


def dot_source(graph: object) -> str:
    """The DOT text of ``graph``: a Digraph's ``.source``, or a str that is DOT text already.

    A text that begins with ``<`` is markup, never DOT (an HTML page from ``to_html``, an SVG):
    it is refused here, naming what it looks like, rather than as a Graphviz syntax error."""
    if isinstance(graph, str):
        start = graph.lstrip("\ufeff \t\r\n")[:40]
        if start.startswith("<"):
            what = "an HTML page" if "html" in start.lower() else "markup (XML or HTML)"
            raise ValueError(
                f"expected DOT text (it begins with digraph, graph or strict), got {what} "
                f"beginning {start[:24]!r}; save a page from to_html to a .html file"
            )
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
    fmt = check_format(format)
    limit = check_timeout(timeout)
    source = dot_source(graph)
    backend = _backend()
    out = backend.run(source, fmt, limit)
    data = _checked(out.data, fmt, backend.name)
    if out.messages and not quiet:
        print(f"Graphviz: {out.messages}", file=sys.stderr)
    return data


@dataclass(frozen=True)
class GraphvizLayout:
    """Graphviz's layout of a DOT text (its ``-Tjson`` output, parsed), with what it said
    while making it (``messages``: a reader that finds the layout incomplete quotes them) and
    which backend made it (``renderer``)."""

    data: dict[str, Any]
    messages: str
    renderer: str


def layout_json(source: str, *, timeout: float | None = DEFAULT_TIMEOUT) -> GraphvizLayout:
    """Lay ``source`` out with Graphviz and return its JSON description, parsed.

    Checked here: that it is a JSON object with a bounding box (``bb``). Whether every node and
    edge of ``source`` is in it is for the reader to check, which knows what it asked for."""
    limit = check_timeout(timeout)
    backend = _backend()
    out = backend.run(dot_source(source), "json", limit)
    said = f" (Graphviz said: {out.messages})" if out.messages else ""
    try:
        data = json.loads(out.data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RuntimeError(
            f"Graphviz ({backend.name}) wrote a layout that is not JSON: {exc}{said}"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("bb"), str):
        raise RuntimeError(
            f"Graphviz ({backend.name}) wrote a layout without a bounding box "
            f"(it begins {brief(out.data[:40])}){said}"
        )
    return GraphvizLayout(data, out.messages, backend.name)


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
            f"(it begins {brief(data[:24])})"
        )
    return data


# ------------------------------------------------------------------------------------------------
# The Digraph whose rendering comes through the door
# ------------------------------------------------------------------------------------------------


class Digraph(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` rendered through this door (see the module docstring).

    ``pipe()``, ``render()``, ``view()`` and the Jupyter display keep graphviz's signatures for
    their common uses but go through `render_bytes` (so they work with pygraphviz alone and stop
    after ``timeout`` seconds). Only the ``dot`` engine and the svg/png/pdf formats are
    available; the other graphviz options (``renderer=``, ``formatter=``, ``neato_no_op=``,
    other engines) raise ValueError. In Jupyter a graph displays inline as SVG; with no renderer
    it shows the install hint and its DOT text instead (a cell never fails for want of Graphviz).
    """

    directory: str  # graphviz's, set in its __init__ (declared for the type checker)

    def render_bytes(
        self, format: str = "svg", *, timeout: float | None = DEFAULT_TIMEOUT
    ) -> bytes:
        """The svg/png/pdf bytes of this graph (see `autograd_mlp.viz.render_bytes`)."""
        return render_bytes(self, format, timeout=timeout)

    # -- graphviz's rendering methods, through the chain ----------------------------------------

    def _only_dot(self, engine: str | None, **unsupported: object) -> None:
        given = [name for name, value in unsupported.items() if value is not None]
        if given:
            raise ValueError(
                f"{type(self).__name__} renders through autograd_mlp's renderer chain, which "
                f"has no {', '.join(given)} option; use format= (svg, png or pdf)"
            )
        wanted = engine if engine is not None else self.engine
        if wanted != "dot":
            raise ValueError(
                f"{type(self).__name__} is laid out with the dot engine only, got {brief(wanted)}"
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
        fmt = check_format(format if format is not None else self.format)
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
                        f"cannot tell the image format from outfile={quoted(outfile)}: "
                        f"give it an extension (.svg, .png, .pdf) or pass format="
                    )
            if directory is None:
                image = Path(self.directory, image)
            if filename is None:
                filename = image.with_suffix(".gv")
        fmt = check_format(format if format is not None else self.format)
        if filename is not None:  # remembered for the next call, as graphviz does
            self.filename = os.fspath(filename)
        if directory is not None:
            self.directory = os.fspath(directory)
        source = Path(self.filepath)
        if image is None:
            image = Path(f"{source}.{fmt}")
        for path in (source, image):
            check_target(path)
        same = same_file(image, source)
        if same and not overwrite_source:
            raise ValueError(f"outfile {quoted(image)} is the DOT source file itself")
        if raise_if_result_exists and image.exists():
            raise graphviz.FileExistsError(f"output file exists: {quoted(image)}")
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
        """The SVG as a notebook shows it: its smallest text 18 px, never shrunk to fit
        (`autograd_mlp.viz.render.display`)."""
        return display_svg(render_bytes(self, "svg").decode("utf-8"))

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
    ) -> tuple[dict[str, str | bytes], dict[str, Any]]:
        """(data, metadata) as Jupyter takes them: SVG by default; ``include``/``exclude`` as
        in graphviz (svg and png are available). The SVG's smallest text is 18 px and the
        metadata asks the notebook not to shrink it (a wide graph scrolls). Any failure (no
        renderer, a timeout, bad DOT) shows its message and the DOT text."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        bundle: dict[str, str | bytes] = {}
        try:
            if "image/svg+xml" in wanted:
                bundle["image/svg+xml"] = self._repr_image_svg_xml()
            if "image/png" in wanted:
                bundle["image/png"] = self._repr_image_png()
        except Exception as exc:  # shown to the user instead of a traceback
            return self._fallback(str(exc) or type(exc).__name__), {}
        return bundle, (dict(UNCONFINED) if "image/svg+xml" in bundle else {})

    def _repr_svg_(self) -> str | None:
        try:
            return self._repr_image_svg_xml()
        except Exception:
            return None

    def _repr_html_(self) -> str:
        bundle, _ = self._repr_mimebundle_()
        page = bundle.get("text/html")
        if page is None:  # the SVG at its own size, scrolling sideways when wider than the page
            page = f'<div style="overflow-x:auto">{bundle["image/svg+xml"]!s}</div>'
        assert isinstance(page, str)  # both are text
        return page
