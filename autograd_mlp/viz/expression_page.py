"""``to_html(root)``: the interactive page of one expression's gradient graph.

One self-contained HTML document (an `HtmlPage`, a ``str``) that opens from disk with no network
and no server, made of the page kit's three parts (`autograd_mlp.viz.page_kit`):

* the drawing (`autograd_mlp.viz.page_svg`): the graph laid out once, with stable element ids,
  on the shared layout (`autograd_mlp.viz.layout`, the one the lesson graph, the backward
  frames and the worksheet are drawn on), or top to bottom as ``draw_graph`` draws it;
* the numbers (`autograd_mlp.viz.page_numbers`), serialised from the engine's stored data,
  local derivatives and gradients, every one already formatted as the page shows it;
* the behaviour, ``page.js``, which only looks numbers up and shows them.

Why SVG from Python rather than a Graphviz WASM build inlined in the page: the layout must be the
one the static pictures use (the same ids, the same positions), Graphviz already runs here, and
a WASM Graphviz would add about 1.5 MB to every page and a second layout engine whose version
could drift from the one that drew the frames.

A view built on this page (the lesson page, `autograd_mlp.teach.lesson_page`) calls
`graph_page` with a `TrainPanel` (states of the graph after each training step) and its own
layout; drawing itself knows nothing of lessons.

Labels are untrusted text: in the SVG they are XML-escaped, in the JSON ``<``, ``>``, ``&``,
U+2028 and U+2029 are written as ``\\uXXXX`` escapes (so ``</script>`` or ``<!--`` in a label
cannot end the block), and the script writes text with ``textContent`` only, never as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import Value, topological_order
from .dot import DEFAULT_MAX_NODES, DotGraph, GraphTooLarge
from .measure import FONT_SIZE
from .naming import NodeNames, formula
from .page_kit import MAX_PAGE_BYTES, HtmlPage, chart, check_size, document, json_for_script
from .page_numbers import (
    check_decimal,
    edges_of,
    page_names,
    page_numbers,
    snapshot,
    with_separator,
)
from .page_svg import LayoutMaker, graphviz_svg, shared_svg
from .render import DEFAULT_TIMEOUT

__all__ = ["to_html", "graph_page", "TrainPanel"]


@dataclass(frozen=True)
class TrainPanel:
    """The train panel of a page: the graph's numbers after each step of training.

    ``snapshots[t]`` is `autograd_mlp.viz.page_numbers.snapshot` of the graph after t steps,
    with ``"E"``, the root's value, formatted; ``errors[t]`` that value as a number (the chart's
    curve); ``lr`` the learning rate shown; ``stopped`` why the steps end ("the target error",
    "the step limit", ...); ``symbol`` the learning constant's symbol (a, η or α: the lesson's
    notation)."""

    lr: float
    snapshots: list[dict[str, Any]]
    errors: Sequence[float]
    stopped: str
    symbol: str = "a"


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an int from {low} to {high}, got {value!r}")
    return value


def to_html(
    root: Value | DotGraph,
    *,
    title: str | None = None,
    precision: int = 4,
    rankdir: str = "LR",
    cluster: str | None = None,
    practise_only: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_PAGE_BYTES,
    decimal: str = ".",
) -> HtmlPage:
    """One self-contained HTML page to step through, question and practise ``root``'s backprop.

    ``root`` is a Value (or a graph from ``draw_graph``, whose root is used). The page shows the
    graph laid out once; step through the forward and backward passes (buttons, slider,
    play/pause, ← → and space), click a node to see its chain rule with numbers (a leaf: every
    path to the root and their sum), or practise: enter the gradients in backward order.

    Options: ``title`` (default: "Backpropagation through <root>"), ``precision`` (decimals
    shown), ``rankdir`` ("LR" or "TB"), ``cluster`` ("neuron"/"layer" boxes for ``nn`` graphs),
    ``practise_only`` (a worksheet page with no gradients in it), ``max_nodes`` (draw_graph's
    size guard: a bigger graph is refused with `GraphTooLarge`, a ValueError saying how big it
    is), ``timeout`` (seconds Graphviz may take), ``max_bytes`` (a page larger than this, 2 MB
    by default, is refused with `autograd_mlp.viz.page_kit.PageTooLarge`, a ValueError saying
    how large; its data grows linearly with the graph, about 1 kB a Value), ``decimal`` (the
    decimal separator of every number shown, "." or ","; answers are accepted with either).
    Gradients are
    computed from the stored local derivatives by backward()'s recurrence, so the page is right
    whether or not ``backward()`` has run.
    """
    return graph_page(
        root,
        title=title,
        precision=precision,
        rankdir=rankdir,
        cluster=cluster,
        practise_only=practise_only,
        max_nodes=max_nodes,
        timeout=timeout,
        max_bytes=max_bytes,
        decimal=decimal,
    )


def graph_page(
    root: Value | DotGraph,
    *,
    title: str | None = None,
    precision: int = 4,
    rankdir: str = "LR",
    cluster: str | None = None,
    practise_only: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_PAGE_BYTES,
    train: TrainPanel | None = None,
    lay_out_with: LayoutMaker | None = None,
    decimal: str = ".",
) -> HtmlPage:
    """`to_html` with two more options for a view built on it: ``train``, the train panel's
    steps (`TrainPanel`; not shown on a practise-only page), and ``lay_out_with``, which makes
    the left-to-right layout from the texts the page will print (default: the graph laid out
    alone)."""
    if isinstance(root, DotGraph):
        graph_root = getattr(root, "root_value", None)
        if not isinstance(graph_root, Value):
            raise TypeError("to_html: this graph does not know its root; pass the root Value")
        root = graph_root
    if not isinstance(root, Value):
        raise TypeError(f"to_html expects a Value as root, got {type(root).__name__}")
    precision = _check_int("precision", precision, 0, 17)
    max_nodes = _check_int("max_nodes", max_nodes, 1, 100_000)
    max_bytes = _check_int("max_bytes", max_bytes, 1, 10**12)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    decimal = check_decimal(decimal)
    if practise_only not in (True, False):
        raise ValueError(f"practise_only must be True or False, got {practise_only!r}")
    order = topological_order(root)
    if len(order) > max_nodes:  # draw_graph's size guard; a page has no collapsed neurons
        too_big = GraphTooLarge(len(order), None, max_nodes)
        too_big.args = (
            "to_html: "
            + too_big.describe(smaller="a smaller part of it (a page steps through every Value)"),
        )
        raise too_big
    index = {v: i for i, v in enumerate(order)}
    edges = edges_of(order, index)
    symbols = NodeNames(root)
    names = page_names(symbols, order)
    snapshots = [snapshot(order, precision, decimal)]
    if train is not None:
        snapshots += train.snapshots
    widths = (
        max(len(d) for snap in snapshots for d in snap["d"]),
        max(len(g) for snap in snapshots for g in snap["g"]),
    )
    data = page_numbers(root, order, edges, names, precision, practise_only, symbols, decimal)
    shown: dict[str, Any] | None = None  # the train panel's data
    if train is not None and not practise_only:
        shown = {
            "lr": with_separator(f"{train.lr:g}", decimal),
            "symbol": train.symbol,
            "stopped": train.stopped,
            "steps": train.snapshots,
        }
    # Refused before Graphviz runs when the numbers alone are too many.
    advice = "draw a smaller part of the graph (a page steps through every Value)"
    numbers = len(json_for_script(data).encode("utf-8"))
    if shown is not None:
        numbers += len(json_for_script(shown).encode("utf-8"))
    check_size(numbers, max_bytes, "to_html", advice, at_least=True)
    # every text an arrow will show: its local derivative in each state, its contribution's
    # card (two lines: local × upstream, = contribution)
    arrows = {
        row["id"]: [snap["l"][k] for snap in snapshots] + ["\n".join(row.get("card", []))]
        for k, row in enumerate(data["edges"])
    }
    if rankdir == "LR":  # the shared layout is left to right
        svg = shared_svg(
            root,
            order,
            names,
            snapshots,
            arrows,
            precision=precision,
            timeout=timeout,
            lay_out_with=lay_out_with,
        )
        view = {"pxPerUnit": 1.0, "fontPx": float(FONT_SIZE), "rankdir": "LR"}  # it draws in px
    else:
        svg = graphviz_svg(
            root,
            order,
            edges,
            names,
            precision=precision,
            rankdir=rankdir,
            cluster=cluster,
            max_nodes=max_nodes,
            timeout=timeout,
            widths=widths,
        )
        # Graphviz draws in points (4/3 CSS px each) and draw_graph's boxes in 12 pt text
        view = {"pxPerUnit": 4 / 3, "fontPx": 12 * 4 / 3, "rankdir": rankdir}
    data["view"] = view
    heading = f"Backpropagation through {names[-1]}"
    if names[-1] != symbols(root).text:  # a root labelled with its expression's text is f
        heading += f" = {formula(symbols, root)}"  # in the names the page uses: σ, ln, ·
    heading = title if title is not None else heading
    data["title"] = heading
    plot = ""
    if train is not None and shown is not None:
        drawn = chart(train.errors, precision, decimal)
        data["train"] = {**shown, "dots": drawn["dots"]}
        plot = drawn["svg"]
    page = HtmlPage(document(heading, svg, data, plot))
    check_size(len(page.encode("utf-8")), max_bytes, "to_html", advice)
    return page
