"""Gradient graphs as images: `draw_graph` builds the DOT text, `save` renders it.

>>> from autograd_mlp import Value
>>> from autograd_mlp.viz import draw_graph
>>> x = Value(2.0, label="x")
>>> y = (x * x).tanh()
>>> y.backward()
>>> "digraph" in draw_graph(y).source
True

`dot` builds graphs (no Graphviz needed), `paths` finds the chain-rule paths it highlights, and
`render` runs the renderer chain (``dot`` on PATH, else pygraphviz's bundled Graphviz, else
`RendererNotFound` with the install hint). Imports go one way: dot → render → paths.
"""

from .dot import (
    DEFAULT_MAX_NODES,
    GradGraph,
    GraphTooLarge,
    draw_graph,
    format_number,
    node_ids,
    op_symbol,
)
from .files import save
from .html import HtmlPage, lesson_page, to_html
from .paths import DEFAULT_MAX_PATHS, PathSummary
from .render import (
    FORMATS,
    INSTALL_HINT,
    RendererNotFound,
    RenderTimeout,
    find_renderer,
    render_bytes,
)

__all__ = [
    "draw_graph",
    "node_ids",
    "to_html",
    "lesson_page",
    "HtmlPage",
    "save",
    "render_bytes",
    "find_renderer",
    "GradGraph",
    "PathSummary",
    "GraphTooLarge",
    "RendererNotFound",
    "RenderTimeout",
    "FORMATS",
    "INSTALL_HINT",
    "DEFAULT_MAX_NODES",
    "DEFAULT_MAX_PATHS",
    "format_number",
    "op_symbol",
]
