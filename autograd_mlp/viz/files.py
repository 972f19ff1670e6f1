"""``save``: a drawing written to a file, the format chosen by the file name's extension.

``.svg``, ``.png`` and ``.pdf`` are rendered through the seam to Graphviz
(`autograd_mlp.viz.render`), ``.dot``/``.gv`` are the DOT text itself, and ``.html`` is the
interactive page of the graph (`autograd_mlp.viz.expression_page.to_html`). Every file is
written atomically: a temporary file in the same folder, then a rename, so a failed render
never leaves half an image behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._files import check_folder, write_atomic
from .render import DEFAULT_TIMEOUT, FORMATS, check_target, dot_source, render_bytes
from .render.targets import quoted

__all__ = ["save"]


class _PageMaker:
    """How `save` and `GradGraph.to_html` reach the page: `autograd_mlp.viz.html` (which
    imports this module, so this one may not import it back) registers its functions here
    when it is imported, and the package always imports it."""

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
    .dot for the DOT text itself; .html writes the interactive page of
    `autograd_mlp.viz.to_html`, for a graph, a Value or a page). The file is written
    atomically: a temporary file in the same folder, then a rename, so a failed render never
    leaves half an image behind."""
    target = Path(path)
    ext = target.suffix.lower().lstrip(".")
    if ext in ("html", "htm"):  # the page, for a graph or a Value
        check_target(target)
        written: Path = _pages().save(graph, target)
        return written
    if ext not in ("dot", "gv", *FORMATS):
        raise ValueError(
            f"cannot tell the image format from {quoted(path)}: use a file name ending in "
            f".svg, .png, .pdf or .dot (or .html for the lesson page)"
        )
    check_target(target)  # before a render that may take seconds
    check_folder(target)
    if ext in ("dot", "gv"):
        data = dot_source(graph).encode("utf-8")
    else:
        data = render_bytes(graph, ext, timeout=timeout)
    write_atomic(target, data)
    return target
