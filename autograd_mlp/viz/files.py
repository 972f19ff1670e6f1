"""``save``: a drawing written to a file, the format chosen by the file name's extension.

``.svg``, ``.png`` and ``.pdf`` are rendered through the seam to Graphviz
(`autograd_mlp.viz.render`), ``.dot``/``.gv`` are the DOT text itself, and ``.html`` is the
interactive page of the graph (`autograd_mlp.viz.expression_page.to_html`). Every file is
written atomically: a temporary file in the same folder, then a rename, so a failed render
never leaves half an image behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from .._files import check_folder, write_atomic
from ..engine import Value
from .dot import DotGraph
from .expression_page import to_html
from .page_kit import HtmlPage, write_page
from .render import DEFAULT_TIMEOUT, FORMATS, check_target, dot_source, render_bytes
from .render.targets import quoted

__all__ = ["save", "save_html"]


def save_html(page: object, path: str | os.PathLike[str]) -> Path:
    """Write ``page`` to an .html file: an `HtmlPage`/str is written as it is, a `Value` or a
    graph from ``draw_graph`` becomes ``to_html(...)``, anything with a ``to_html()`` method (a
    `autograd_mlp.teach.Lesson`) is asked for its page. Atomic: a temporary file, then a
    rename."""
    if isinstance(page, str):
        text = str(page)
    elif isinstance(page, (Value, DotGraph)):
        text = to_html(page)
    elif callable(getattr(page, "to_html", None)):
        text = page.to_html()  # type: ignore[attr-defined]
        if not isinstance(text, str):
            raise TypeError(f"{type(page).__name__}.to_html() must return a str, got {text!r}")
    else:
        raise TypeError(
            f"cannot make an HTML page from {type(page).__name__}: expected a Value, a graph "
            f"from draw_graph, a Lesson, a page from to_html, or an object with a to_html() method"
        )
    return write_page(text, path)


def save(
    graph: object, path: str | os.PathLike[str], *, timeout: float | None = DEFAULT_TIMEOUT
) -> Path:
    """Render ``graph`` to ``path``; the format comes from the extension (.svg, .png, .pdf, or
    .dot for the DOT text itself; .html writes the interactive page of
    `autograd_mlp.viz.to_html`, for a graph, a Value or a page). The file is written
    atomically: a temporary file in the same folder, then a rename, so a failed render never
    leaves half an image behind."""
    target = Path(path)
    ext = target.suffix.lower().lstrip(".")
    if ext in ("html", "htm"):  # the page, for a graph or a Value
        check_target(target)
        return save_html(graph, target)
    if ext not in ("dot", "gv", *FORMATS):
        raise ValueError(
            f"cannot tell the image format from {quoted(path)}: use a file name ending in "
            f".svg, .png, .pdf or .dot (or .html for the lesson page)"
        )
    if isinstance(graph, HtmlPage):
        raise TypeError(
            f"save: a page from to_html is HTML: write it to a .html file, not {quoted(path)}"
        )
    check_target(target)  # before a render that may take seconds
    check_folder(target)
    if ext in ("dot", "gv"):
        data = dot_source(graph).encode("utf-8")
    else:
        data = render_bytes(graph, ext, timeout=timeout)
    write_atomic(target, data)
    return target
