"""``draw_graph``: the gradient graph a student reads, as the ``graphviz.Digraph`` a user gets.

`GradGraph` is the graph `draw_graph` returns: a ``graphviz.Digraph`` (DESIGN §5) whose DOT
text `autograd_mlp.viz.dot` wrote, rendered through the one seam to Graphviz
(`autograd_mlp.viz.render`), and which also saves itself to a file (`save_as`, any format of
`autograd_mlp.viz.save`) and makes its interactive page (`to_html`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from ..engine import Value
from .dot import (
    DEFAULT_MAX_NODES,
    DEFAULT_MAX_PATHS,
    DotGraph,
    EdgeText,
    NodeAttrs,
    NodeText,
    dot_graph,
)
from .expression_page import to_html
from .files import save
from .page_kit import HtmlPage
from .render import DEFAULT_TIMEOUT

__all__ = ["GradGraph", "draw_graph"]


class GradGraph(DotGraph):
    """The ``graphviz.Digraph`` that ``draw_graph`` returns, rendered through our renderer chain.

    ``pipe()``, ``render()``, ``view()`` and the Jupyter display keep graphviz's signatures for
    their common uses but go through `autograd_mlp.viz.render_bytes` (so they work with
    pygraphviz alone and stop after ``timeout`` seconds); see `autograd_mlp.viz.render.Digraph`.
    """

    def save_as(
        self, path: str | os.PathLike[str], *, timeout: float | None = DEFAULT_TIMEOUT
    ) -> Path:
        """Write this graph to an .svg/.png/.pdf/.dot file (see `autograd_mlp.viz.save`)."""
        return save(self, path, timeout=timeout)

    def to_html(self, **options: object) -> HtmlPage:
        """The interactive page of this graph's root (see `autograd_mlp.to_html`); it displays
        inline in Jupyter and saves with ``save(page, "graph.html")``."""
        return to_html(self, **options)  # type: ignore[arg-type]


def draw_graph(
    root: Value,
    *,
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    precision: int = 4,
    show_grad: bool = True,
    show_local: bool | Literal["auto"] = "auto",
    cluster: Literal["neuron", "layer"] | None = None,
    highlight: Value | str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_paths: int = DEFAULT_MAX_PATHS,
    collapse: bool | None = None,
    legend: bool = True,
    title: str | None = None,
    node_text: NodeText | None = None,
    node_attrs: NodeAttrs | None = None,
    edge_text: EdgeText | None = None,
    decimal: str = ".",
) -> GradGraph:
    """Draw the graph that produced ``root``: Values, operations and local derivatives.

    Returns a `GradGraph` (a ``graphviz.Digraph``): ``.source`` is the DOT text, and in Jupyter
    it displays inline as SVG. Save it with ``autograd_mlp.viz.save(graph, "graph.svg")``.

    Options:
        rankdir: "LR" draws inputs on the left, "TB" on top.
        precision: decimals printed for data, grad and local derivatives.
        show_grad: print the grad cell.
        show_local: print the local derivative on every arrow (True), on none (False), or
            ("auto", the default) on every arrow except, in a clustered drawing, the arrows
            that bring a neuron its inputs from outside its box: there ∂z/∂xᵢ = wᵢ, the data of
            the weight box beside it, and a dozen numbers on crossing arrows cannot be told
            apart. Arrows on a highlighted path always keep their numbers.
        cluster: "neuron" or "layer" boxes around the Values built by ``autograd_mlp.nn``
            (labels ``L1.N2.*``), titled "layer 1 · neuron 2". Neurons are drawn in order
            (neuron 1 above neuron 2) with their weights in order inside them.
        highlight: a Value (or the label of exactly one Value) in the graph. Every chain-rule
            path from it to the root is drawn bold, and the legend lists each path's product of
            local derivatives and their sum next to its ``.grad`` (after ``root.backward()``
            they are equal). Past ``max_paths`` paths only their number and sum are listed, and
            a path of more than 12 Values is listed by its ends. Finding them takes time linear
            in the size of the graph.
        max_nodes: above this many Values the graph is drawn with each neuron collapsed into
            one node; if it is still too big a `GraphTooLarge` (a ValueError) says how big and
            what to do.
        collapse: True/False forces collapsing neurons on/off; None decides by ``max_nodes``.
        legend: draw the colour key (and the path legend when highlighting), and a note on
            what inf and nan mean when the drawing prints one.
        title: a line of text above the graph.
        decimal: the decimal separator of every number printed, "." or "," (a decimal comma,
            as a lesson of a textbook that writes one sets it: ``lesson.notation.decimal``).

    Hooks (for building frames and exercises on top of the drawing), each called per node:
        node_text(value) -> {"label"|"data"|"grad": text} overrides what a box prints
            (``{"grad": "?"}`` hides a gradient);
        node_attrs(value) -> extra Graphviz attributes for that Value's node
            (``{"penwidth": "3", "color": "red"}``), each written as a quoted string whose
            text Graphviz shows as given (an ``xlabel`` of ``"<b>"`` prints ``<b>``);
        edge_text(input, output, argument_index) -> text replacing that arrow's number.
    """
    return dot_graph(
        root,
        rankdir=rankdir,
        precision=precision,
        show_grad=show_grad,
        show_local=show_local,
        cluster=cluster,
        highlight=highlight,
        max_nodes=max_nodes,
        max_paths=max_paths,
        collapse=collapse,
        legend=legend,
        title=title,
        node_text=node_text,
        node_attrs=node_attrs,
        edge_text=edge_text,
        decimal=decimal,
        cls=GradGraph,
    )
