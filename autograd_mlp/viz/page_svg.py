"""The drawing of a page: the graph as inline SVG whose ids the page's script knows.

Two drawings, one set of ids:

* left to right (the default), the graph drawn on the shared layout
  (`autograd_mlp.viz.layout`: the one the lesson graph, the backward frames and the worksheet
  are drawn on), every box and every numbered arrow with room reserved for the longest text the
  page will print there (`shared_svg`);
* top to bottom, ``draw_graph``'s DOT rendered by Graphviz (`graphviz_svg`), its elements given
  the same ids afterwards.

The ids: ``v3`` is the Value of topological index 3, ``op3`` the operation that made it,
``e3_1`` the arrow bringing its argument 1, ``e3_out`` the arrow from ``op3`` to ``v3``,
``v3-data``/``v3-grad`` its numbers, ``e3_1-label`` an arrow's number. The data and grad cells
are laid out as wide as the widest number they will show and hold no number (the script writes
them in): nothing moves while the backward pass fills them in or training changes them, and a
practice page's SVG gives no answer away.

Labels are untrusted text: they are XML-escaped by Graphviz and by the serialiser.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..engine import Value
from .dot import DotGraph, dot_graph
from .layout import Layout, lay_out
from .measure import visible
from .page_numbers import Edge, op_symbol
from .paint import default_look, render_svg
from .render import render_bytes

__all__ = ["graphviz_svg", "shared_svg", "LayoutMaker", "NBSP"]

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
NBSP = "\u00a0"

# Lays the page's graph out with room reserved: (texts each Value's rows will show, by Value;
# texts each arrow will show, by edge id) -> the Layout. The lesson page passes its own (the
# lesson's shared layout); the default lays the graph out alone.
LayoutMaker = Callable[
    [Mapping[Value, Mapping[str, Sequence[str]]], Mapping[str, Sequence[str]]], Layout
]


def graphviz_svg(
    root: Value,
    order: list[Value],
    edges: list[Edge],
    names: list[str],
    *,
    precision: int,
    rankdir: str,
    cluster: str | None,
    max_nodes: int,
    timeout: float | None,
    widths: tuple[int, int],
) -> str:
    """The graph drawn once by Graphviz, as inline SVG with the page's ids on every node, arrow
    and number the script changes. Every data and grad cell is laid out as wide as the widest
    number it will show (``widths``; a grad with room for a partial sum's "+…") and holds no
    number (the script writes them in): nothing moves while the backward pass fills them in or
    training changes them, and a practice page's SVG gives no answer away."""
    data_blank = "0" * widths[0]
    grad_blank = "0" * widths[1] + NBSP * 4

    def text(v: Value) -> dict[str, str]:
        rows = {"data": data_blank, "grad": grad_blank}
        if v is root and names[-1] != v.label and v.label:
            rows["label"] = names[-1]  # a root labelled with its expression's text: f
        return rows

    graph = dot_graph(
        root,
        precision=precision,
        rankdir=rankdir,  # type: ignore[arg-type]
        cluster=cluster,  # type: ignore[arg-type]
        max_nodes=max_nodes,
        collapse=False,
        show_local=True,
        node_text=text,
        cls=DotGraph,
    )
    svg = render_bytes(graph, "svg", timeout=timeout, quiet=True).decode("utf-8")
    return _stable_ids(svg, order, edges, names)


def shared_svg(
    root: Value,
    order: list[Value],
    names: list[str],
    snapshots: list[dict[str, Any]],
    arrows: dict[str, list[str]],
    *,
    precision: int,
    timeout: float | None,
    lay_out_with: LayoutMaker | None = None,
) -> str:
    """The graph drawn on the shared layout (the one the lesson graph, the frames and the
    worksheet use): every box reserves room for the numbers this page will print in it, and
    every arrow that carries a number room for the longest text it will print (``arrows``, by
    edge id: its local derivatives and its ``local × upstream = contribution``), so that a
    contribution never covers a neighbouring box. The numbers themselves are left out (the
    script writes them in). ``lay_out_with`` makes the layout (default: `lay_out` of
    ``root``)."""
    reserve: dict[Value, dict[str, list[str]]] = {}
    for i, v in enumerate(order):
        reserve[v] = {
            "data": [f"data {snap['d'][i]}" for snap in snapshots],
            "grad": [f"grad {snap['g'][i]}" for snap in snapshots],
        }
    if lay_out_with is not None:
        layout = lay_out_with(reserve, arrows)
    else:
        layout = lay_out(
            root, precision=precision, reserve=reserve, edge_reserve=arrows, timeout=timeout
        )
    look = default_look(layout)
    if root.label and names[-1] != root.label:  # a root labelled with its expression's text: f
        look.text[layout.ids[root]]["label"] = names[-1]
    for nid, rows in look.text.items():
        rows["data"] = "data"
        rows["grad"] = "grad"
        if "note" in layout.nodes[nid].rows:
            rows["note"] = NBSP
    svg = render_svg(layout, look)
    return _stable_ids(svg, order, [], names, titled=True)


def _symbol(v: Value) -> str:
    """The op of ``v`` as the page prints it (an op of the user's own is untrusted text)."""
    return visible(op_symbol(v._op))


def _stable_ids(
    svg: str, order: list[Value], edges: list[Edge], names: list[str], *, titled: bool = False
) -> str:
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    tree = ET.fromstring(svg)  # comments and the DOCTYPE are dropped here
    ns = {"s": _SVG_NS}
    queues: dict[str, list[int]] = {}
    for k, e in enumerate(edges):
        queues.setdefault(f"v{e.child}->op{e.out}", []).append(k)
    for t in tree.iter(f"{{{_SVG_NS}}}text"):  # the natural logarithm is ln, as in the names
        m = re.fullmatch(r"op(\d+)-label", t.get("id", ""))
        if m is not None and order[int(m.group(1))]._op == "log" and t.text == "log":
            t.text = "ln"
    if titled:  # the shared layout's SVG already has our ids: make its nodes ask-able
        for g in tree.iter(f"{{{_SVG_NS}}}g"):
            m = re.fullmatch(r"(v|op)(\d+)", g.get("id", ""))
            if m is None or "node" not in (g.get("class") or ""):
                continue
            i = int(m.group(2))
            g.set("tabindex", "0")
            g.set("role", "button")
            what = "Value" if m.group(1) == "v" else f"operation {_symbol(order[i])} of"
            g.set("aria-label", f"ask the {what} {visible(names[i])}")
            tip = ET.Element(f"{{{_SVG_NS}}}title")
            tip.text = visible(names[i])
            g.insert(0, tip)
    for g in [] if titled else tree.iter(f"{{{_SVG_NS}}}g"):
        cls = g.get("class")
        title = g.find("s:title", ns)
        if title is None or title.text is None or cls not in ("node", "edge"):
            continue
        name = title.text
        texts = g.findall("s:text", ns)
        if cls == "node":
            m = re.fullmatch(r"(v|op)(\d+)", name)
            if m is None:
                continue
            i = int(m.group(2))
            g.set("id", name)
            g.set("tabindex", "0")
            g.set("role", "button")
            if m.group(1) == "v":
                g.set("aria-label", f"ask the Value {visible(names[i])}")
                title.text = visible(names[i])
                if len(texts) >= 2:
                    texts[-2].set("id", f"v{i}-data")
                    texts[-1].set("id", f"v{i}-grad")
            else:
                name = visible(names[i])
                g.set("aria-label", f"ask the operation {_symbol(order[i])} of {name}")
                for t in texts:  # the natural logarithm is ln, as in the names
                    if order[i]._op == "log" and t.text == "log":
                        t.text = "ln"
                title.text = f"{_symbol(order[i])} → {name}"
        else:
            m = re.fullmatch(r"op(\d+)->v(\d+)", name)
            if m is not None:
                g.set("id", f"e{m.group(1)}_out")
            elif queues.get(name):
                k = queues[name].pop(0)
                g.set("id", f"e{edges[k].out}_{edges[k].slot}")
                if texts:
                    texts[-1].set("id", f"e{edges[k].out}_{edges[k].slot}-label")
                    # draw_graph's 10 pt arrow numbers would be 15 px at the page's readable
                    # size; at the boxes' 12 pt they are 18 px, readable from the back
                    texts[-1].set("font-size", "12.00")
            title.text = ""
    for attr in ("width", "height"):
        tree.attrib.pop(attr, None)
    # For a screen reader the drawing is a group of buttons, one for each box and operation
    # (each named by its text, numbers included, which the script keeps up to date); the
    # arrows, the neuron frames and the legend are decoration to it (their numbers are in the
    # boxes' and the side panel's text). An image (role="img") may hold no focusable part.
    tree.set("id", "lesson-svg")
    tree.set("role", "group")
    tree.set("aria-label", "the gradient graph: a button for each box and each operation")
    for g in tree.iter(f"{{{_SVG_NS}}}g"):
        if g.get("role") is None and set((g.get("class") or "").split()) & _DECORATION:
            g.set("aria-hidden", "true")
    for child in tree:
        if child.tag in (f"{{{_SVG_NS}}}rect", f"{{{_SVG_NS}}}text", f"{{{_SVG_NS}}}title"):
            child.set("aria-hidden", "true")
    return ET.tostring(tree, encoding="unicode")


_DECORATION = frozenset(("edge", "cluster", "legend", "key"))
