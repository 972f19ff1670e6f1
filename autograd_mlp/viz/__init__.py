"""Drawing: gradient graphs as DOT, pictures and interactive pages. Knows nothing of lessons.

>>> from autograd_mlp import Value
>>> from autograd_mlp.viz import draw_graph
>>> x = Value(2.0, label="x")
>>> y = (x * x).tanh()
>>> y.backward()
>>> "digraph" in draw_graph(y).source
True

Where things are (a module imports only modules listed before it, or beside it on its line):

* `render` -- the one seam to Graphviz: DOT text in, a picture (svg/png/pdf) or a layout
  (Graphviz's JSON) out; backends ``dot`` on PATH, pygraphviz, (viz.js in the browser);
* `paths` (chain-rule paths for the highlight legend), `dot` (a graph of Values as DOT text),
  `naming` (names of nodes, escaping of text; it reads `dot`'s number format);
* `layout` (one layout of a graph, asked of Graphviz once: `layout_graphviz`), `paint`
  (that layout painted as SVG or PNG), `measure` (text widths), `pages` (projector and paper
  sizes);
* `page_kit` (the HTML shell of an interactive page), `page_numbers` and `page_svg` (what a
  graph's page holds), `expression_page` (`to_html`);
* `files` (`save`, by extension), `draw` (`draw_graph` and the `GradGraph` it returns);
* `plot` (training curves, matplotlib).
"""

from .dot import (
    DEFAULT_MAX_NODES,
    GraphTooLarge,
    format_number,
    node_ids,
    op_symbol,
)
from .draw import GradGraph, draw_graph
from .expression_page import to_html
from .files import save, save_html
from .page_kit import HtmlPage
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
    "HtmlPage",
    "save",
    "save_html",
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
