"""One layout of a gradient graph, computed once and drawn many times without moving.

Why this module exists. Graphviz lays a graph out from its labels: when a frame of the
backward pass prints a longer gradient than the frame before, ``dot`` lays that frame out anew
and boxes jump (by ~115 px in the old lesson GIF). A student cannot follow a picture that moves.
So the layout is computed *once*, with every box already as wide as the widest text it will
ever show, and every picture -- the lesson graph, each backward frame, each slide, the worksheet,
the interactive page -- is drawn from that one `Layout`.

How positions stay pixel-identical. Graphviz (``dot``, through the project's renderer chain:
``dot`` on PATH, else pygraphviz's bundled Graphviz in a child process) is asked once for the
positions, sizes and edge routes (its JSON output) of fixed-size empty boxes. After that no
Graphviz runs: this module draws the SVG itself (and the PNG with Pillow) from those numbers.
Re-running Graphviz with pinned positions (``neato -n2``) was tried and rejected: it recomputes
the bounding box and the translation of the whole drawing from the labels, re-clips edges and
warns about cell sizes, so "pinned" positions still shift when a label grows. Drawing from the
numbers makes identical positions true by construction, keeps the SVG's element ids ours, and
lets a picture be cut into tiles (a projector slide of one layer) with the same coordinates.

Coordinates are layout units: 1 unit = 1 pt = 1 CSS px at scale 1, origin top left, y down.
A `Layout` is plain data (`Layout.to_dict` gives JSON): for each node id its box ``x, y, w, h``
(top-left corner and size), for each edge its route (cubic Bézier control points), its arrow
head and the box reserved for its label, and each neuron's cluster box.

Ids come from the graph's structure, as in `autograd_mlp.viz.draw_graph`: ``v<i>`` is the i-th
Value in topological order, ``op<i>`` the operation that produced it, ``e<i>_<k>`` the arrow
that brings argument k into ``op<i>``, ``e<i>_out`` the arrow from ``op<i>`` to ``v<i>``, and
``cluster_L<l>_N<n>`` a neuron's box. In the SVG every node, edge and cluster is a ``<g>`` with
that id, and each text of a Value box has the id ``<node>-label``, ``-data``, ``-grad``,
``-note``, so a page can change a number without touching the drawing.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine import CONST, INPUT, PARAM, Value, role, topological_order
from .dot import ROLES, format_number, op_symbol
from .render import DEFAULT_TIMEOUT, layout_json

__all__ = [
    "Layout",
    "NodeBox",
    "EdgeRoute",
    "ClusterBox",
    "Look",
    "FONT_SIZE",
    "ROWS",
    "lay_out",
    "render_svg",
    "render_png",
    "text_width",
    "display_name",
    "default_texts",
    "default_look",
    "crossings",
    "paint",
]

MARGIN = 12.0  # white space around a whole picture
FONT_SIZE = 14.0  # body text, in layout units; a picture scales it (≥ 18 px on a projector)
LINE = round(FONT_SIZE * 1.3)  # one row of a Value box
PAD_X = 8.0  # inside a box, left and right of the widest text
PAD_Y = 4.0
SLACK = 1.06  # browsers may draw the SVG with a slightly wider font than the one measured
ROWS = ("label", "data", "grad", "note")  # the rows of a Value box, top to bottom
OP_SIZE = 34.0
CLUSTER_FONT = FONT_SIZE
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
TEXT = "#1a1a1a"
GRAD_TEXT = "#9c1c1c"
EDGE = "#5f6b7a"
EDGE_TEXT = "#174a8b"
HIGHLIGHT = "#d0312d"
_NEURON = re.compile(r"^L(\d+)\.N(\d+)\.")

# ------------------------------------------------------------------------------------------------
# Text measurement (DejaVu Sans, the font the PNGs are drawn with)
# ------------------------------------------------------------------------------------------------

_FONT_PLACES = (
    "/usr/share/fonts/truetype/dejavu/{name}",
    "/usr/share/fonts/dejavu/{name}",
    "/usr/local/share/fonts/{name}",
    "/Library/Fonts/{name}",
)


@functools.lru_cache(maxsize=2)
def font_path(bold: bool = False) -> str | None:
    """A DejaVu Sans file: the system's, else matplotlib's copy; None when neither exists."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for place in _FONT_PLACES:
        path = Path(place.format(name=name))
        if path.is_file():
            return str(path)
    try:
        import matplotlib
    except ImportError:
        return None
    path = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / name
    return str(path) if path.is_file() else None


@functools.lru_cache(maxsize=64)
def _font(size: float, bold: bool) -> Any:
    from PIL import ImageFont

    path = font_path(bold)
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=max(1, round(size)))


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of ``text`` in layout units at font ``size`` (measured with DejaVu Sans;
    without Pillow, an over-estimate of 0.62 em a character)."""
    try:
        font = _font(size * 4, bold)  # measured large, for sub-unit precision
    except ImportError:
        return len(text) * size * (0.68 if bold else 0.62)
    return float(font.getlength(text)) / 4


# ------------------------------------------------------------------------------------------------
# The layout, as data
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeBox:
    """A node's box: ``x, y`` its top-left corner, ``w, h`` its size (layout units)."""

    id: str
    kind: str  # "value" or "op"
    x: float
    y: float
    w: float
    h: float
    role: str = ""  # value boxes: input, param, const, inner, root (the colours of draw_graph)
    label: str = ""  # value boxes: the Value's label; op nodes: the op's printed symbol
    rows: tuple[str, ...] = ()  # which of ROWS the box has, top to bottom
    cluster: str = ""  # the id of the neuron box it sits in ("" for none)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class EdgeRoute:
    """An arrow: from node ``source`` to node ``target``; ``path`` holds the cubic Bézier
    control points (p0, c1, c2, p1, c1, c2, p2, ...), ``arrow`` the three corners of its head,
    ``label`` the box reserved for its text (x, y, w, h) or None."""

    id: str
    source: str
    target: str
    path: tuple[tuple[float, float], ...]
    arrow: tuple[tuple[float, float], ...]
    label: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class ClusterBox:
    id: str
    title: str
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True)
class Layout:
    """Where everything is, once: node boxes, edge routes, neuron boxes (see the module doc)."""

    width: float
    height: float
    nodes: Mapping[str, NodeBox]
    edges: tuple[EdgeRoute, ...]
    clusters: Mapping[str, ClusterBox]
    ids: Mapping[Value, str] = field(repr=False, compare=False)  # each Value's node id
    precision: int = 4

    def edge(self, edge_id: str) -> EdgeRoute:
        for e in self.edges:
            if e.id == edge_id:
                return e
        raise KeyError(f"no edge {edge_id!r} in the layout")

    def to_dict(self) -> dict[str, Any]:
        """The layout as JSON-ready data: what the interactive page reads."""
        return {
            "width": self.width,
            "height": self.height,
            "font_size": FONT_SIZE,
            "nodes": {
                n.id: {
                    "kind": n.kind,
                    "x": n.x,
                    "y": n.y,
                    "w": n.w,
                    "h": n.h,
                    "role": n.role,
                    "label": n.label,
                    "rows": list(n.rows),
                    "cluster": n.cluster,
                }
                for n in self.nodes.values()
            },
            "edges": [
                {
                    "id": e.id,
                    "source": e.source,
                    "target": e.target,
                    "path": [list(p) for p in e.path],
                    "arrow": [list(p) for p in e.arrow],
                    "label": list(e.label) if e.label is not None else None,
                }
                for e in self.edges
            ],
            "clusters": {
                c.id: {"title": c.title, "x": c.x, "y": c.y, "w": c.w, "h": c.h}
                for c in self.clusters.values()
            },
        }


def _role(v: Value, root: Value) -> str:
    if v is root:
        return "root"
    if v._prev:
        return "inner"
    return {PARAM: "param", INPUT: "input", CONST: "const"}.get(role(v), "leaf")


def _cluster_of(v: Value) -> str:
    m = _NEURON.match(v.label)
    return f"cluster_L{m.group(1)}_N{m.group(2)}" if m else ""


def _shows_local(v: Value, k: int, clusters: Mapping[Value, str]) -> bool:
    """Every arrow into an op carries its local derivative, except the arrows that bring a
    neuron's Σwx+b its inputs from outside its box: there ∂z/∂xᵢ = wᵢ, the weight printed just
    above in the box, and a dozen numbers on crossing arrows cannot be told apart."""
    if v._op != "Σwx+b" or k % 2 == 0 or k == len(v._prev) - 1:
        return True
    return clusters.get(v._prev[k], "") == clusters.get(v, "")


_INFIX = {"+": "+", "-": "−", "*": "·", "/": "/"}
MAX_NAME = 22  # characters: a longer derived name is replaced by the op's name


def display_name(v: Value) -> str:
    """A Value's name as the board writes it: its label, else built from its inputs'
    (``t1 − L2.N1.z``, ``(t1 − L2.N1.z)²``), else its op (``the × node``)."""
    if v.label:
        return v.label
    if not v._prev:
        return "const" if role(v) == CONST else format_number(v.data)
    names = [display_name(c) for c in v._prev]
    if v._op in _INFIX and len(names) == 2:
        text = f"{names[0]} {_INFIX[v._op]} {names[1]}"
    elif v._op.startswith("**") and len(names) == 1:
        symbol = op_symbol(v._op)  # x², x^0.5
        power = symbol[1:] if symbol.startswith("x") else v._op[2:]
        text = f"({names[0]}){power}"
    elif len(names) == 1:
        text = f"{op_symbol(v._op)}({names[0]})"
    else:
        text = ""
    if not text or len(text) > MAX_NAME:
        return f"the {op_symbol(v._op)} node"
    return text


def default_texts(v: Value, precision: int) -> dict[str, str]:
    """What a Value box prints when nothing else is asked: its name, data and grad."""
    label = display_name(v) if v.label or v._prev else ("const" if role(v) == CONST else "")
    return {
        "label": label,
        "data": f"data {format_number(v.data, precision)}",
        "grad": f"grad {format_number(v.grad, precision)}",
    }


def lay_out(
    root: Value,
    *,
    precision: int = 4,
    reserve: Mapping[Value, Mapping[str, Sequence[str]]] | None = None,
    edge_reserve: Mapping[str, Sequence[str]] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Layout:
    """Lay ``root``'s graph out once (Graphviz ``dot``, left to right, neurons boxed).

    Each Value box has the rows label, data, grad (and note, when ``reserve`` gives one), each
    as wide as the widest text ``reserve[value][row]`` lists for it (besides the default texts),
    so no later picture needs more room. ``edge_reserve`` does the same for arrows' labels
    (by edge id; a text with line breaks reserves as many rows as it has lines). Inputs come
    first, top to bottom in order (x1, x2, x3); in a neuron's box its weights are stacked in
    order (w1, w2, w3, then b).
    """
    if not isinstance(root, Value):
        raise TypeError(f"lay_out expects a Value, got {type(root).__name__}")
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    reserve = reserve or {}
    edge_reserve = edge_reserve or {}
    clusters = {v: _cluster_of(v) for v in order}
    # An op belongs to its output's cluster; a Value made by an op inside a neuron too.
    rows_of: dict[Value, tuple[str, ...]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    labels: dict[str, str] = {}
    for v in order:
        texts = default_texts(v, precision)
        extra = reserve.get(v, {})
        rows = tuple(r for r in ROWS if (texts.get(r) or extra.get(r)))
        widest = 0.0
        for r in rows:
            candidates = [texts.get(r, ""), *extra.get(r, ())]
            widest = max(widest, *(text_width(t, bold=(r == "label")) for t in candidates if t))
        w = math.ceil(widest * SLACK + 2 * PAD_X)
        h = len(rows) * LINE + 2 * PAD_Y
        rows_of[v] = rows
        sizes[f"v{index[v]}"] = (w, h)
        labels[f"v{index[v]}"] = texts["label"]
        if v._prev:
            symbol = op_symbol(v._op)
            op_w = max(OP_SIZE, math.ceil(text_width(symbol) + 2 * PAD_X))
            sizes[f"op{index[v]}"] = (op_w, OP_SIZE)
    # One width for every Value box: the columns line up, and a box never has to grow.
    widest_box = max(w for nid, (w, _) in sizes.items() if nid.startswith("v"))
    for nid, (_, h) in list(sizes.items()):
        if nid.startswith("v"):
            sizes[nid] = (widest_box, h)
    edges: list[tuple[str, str, str, tuple[float, float] | None]] = []
    for v in order:
        if not v._prev:
            continue
        i = index[v]
        for k, child in enumerate(v._prev):
            eid = f"e{i}_{k}"
            label_box = None
            if _shows_local(v, k, clusters):
                candidates = [format_number(v._local[k], precision), *edge_reserve.get(eid, ())]
                lines = [t.split("\n") for t in candidates]
                lw = max(text_width(t) for rows in lines for t in rows) * SLACK + 4
                label_box = (math.ceil(lw), LINE * max(len(rows) for rows in lines))
            edges.append((eid, f"v{index[child]}", f"op{i}", label_box))
        edges.append((f"e{i}_out", f"op{i}", f"v{i}", None))
    source = _layout_dot(order, index, clusters, sizes, edges)
    data = layout_json(source, timeout=timeout).data
    return _read_layout(data, order, index, clusters, rows_of, labels, root, precision)


def _inches(units: float) -> str:
    return f"{units / 72:.4f}"


def _layout_dot(
    order: list[Value],
    index: dict[Value, int],
    clusters: dict[Value, str],
    sizes: dict[str, tuple[float, float]],
    edges: list[tuple[str, str, str, tuple[float, float] | None]],
) -> str:
    """DOT of empty boxes of the right sizes, for Graphviz to place."""
    lines = [
        "digraph layout {",
        '\tgraph [rankdir=LR nodesep="0.12" ranksep="0.22" newrank=true ordering=in '
        'remincross=false pad="0" margin="0" splines=spline]',
        '\tnode [shape=box fixedsize=true label="" margin="0"]',
        "\tedge [arrowsize=0.8]",
    ]

    def node_line(v: Value) -> list[str]:
        i = index[v]
        w, h = sizes[f"v{i}"]
        out = [f'v{i} [id="v{i}" width={_inches(w)} height={_inches(h)}]']
        if v._prev:
            ow, oh = sizes[f"op{i}"]
            out.append(f'op{i} [id="op{i}" shape=ellipse width={_inches(ow)} height={_inches(oh)}]')
        return out

    # The network's inputs first, in a column of their own, in order; then each neuron's box
    # (Graphviz keeps the declaration order within a rank when `ordering` and the invisible
    # chain below say so), then everything else.
    inputs = [v for v in order if not v._prev and role(v) == INPUT]
    inputs.sort(key=lambda v: _natural(v.label))
    grouped: dict[str, list[Value]] = {}
    rest: list[Value] = []
    for v in order:
        if v in inputs:
            continue
        key = clusters[v]
        if key:
            grouped.setdefault(key, []).append(v)
        else:
            rest.append(v)
    if inputs:
        lines.append("\t{ rank=min " + " ".join(f"v{index[v]}" for v in inputs) + " }")
        for v in inputs:
            lines.extend("\t" + line for line in node_line(v))
    title_w = math.ceil(text_width("layer 9 · neuron 99", CLUSTER_FONT, bold=True) + 8)
    for key in sorted(grouped, key=_natural):
        lines.append(
            f'\tsubgraph {key} {{ id="{key}" margin="8" labeljust="l" labelloc="t" '
            f'label=<<TABLE BORDER="0" FIXEDSIZE="TRUE" WIDTH="{title_w}" '
            f'HEIGHT="{math.ceil(CLUSTER_FONT * 1.5)}"><TR><TD></TD></TR></TABLE>>'
        )
        members = grouped[key]
        for v in members:
            lines.extend("\t\t" + line for line in node_line(v))
        lines.append("\t}")
    # Each layer's parameters in one column, in reading order: neuron 1's w1, w2, w3, b, then
    # neuron 2's. With newrank a rank constraint may span clusters, and at the top level an
    # invisible same-rank chain is stacked top-down in its order.
    layers: dict[str, list[Value]] = {}
    for key in sorted(grouped, key=_natural):
        params = [v for v in grouped[key] if not v._prev]
        params.sort(key=lambda v: _param_order(v.label), reverse=True)
        layers.setdefault(key.rsplit("_N", 1)[0], []).extend(params)
    for params in layers.values():
        if len(params) > 1:
            chain = " -> ".join(f"v{index[p]}" for p in params)
            lines.append(f"\t{{ rank=same {chain} [style=invis] }}")
    # Weights one column right of the inputs: the inputs' arrows then enter each neuron's box
    # from the left instead of climbing past a neighbour's box.
    for v in rest:
        lines.extend("\t" + line for line in node_line(v))
    if len(inputs) > 1:
        chain = " -> ".join(f"v{index[v]}" for v in inputs)
        lines.append(f"\t{{ rank=same {chain} [style=invis] }}")
    # Likewise a later layer's weights one column right of the outputs of the layer before:
    # its neurons then sit beside the earlier ones instead of above and below them.
    for members in grouped.values():
        params = [v for v in members if not v._prev]
        if not params:
            continue
        feeding = [
            p for z in members for p in z._prev if p not in members and (p in inputs or p._prev)
        ]
        for p in dict.fromkeys(feeding):
            lines.append(f"\tv{index[p]} -> v{index[params[0]]} [style=invis]")
    for eid, src, dst, label in edges:
        attrs = [f'id="{eid}"']
        if label is not None:
            lw, lh = label
            attrs.append(
                f'label=<<TABLE BORDER="1" CELLBORDER="0" FIXEDSIZE="TRUE" WIDTH="{lw:.0f}" '
                f'HEIGHT="{lh:.0f}"><TR><TD></TD></TR></TABLE>>'
            )
        lines.append(f"\t{src} -> {dst} [{' '.join(attrs)}]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _natural(text: str) -> tuple[Any, ...]:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text))


def _param_order(label: str) -> tuple[int, int]:
    """w1, w2, w3, then b."""
    name = label.rsplit(".", 1)[-1]
    if name.startswith("w") and name[1:].isdigit():
        return (0, int(name[1:]))
    return (1, 0)


def _points(
    spec: str, height: float
) -> tuple[tuple[float, float] | None, list[tuple[float, float]]]:
    """Graphviz's edge ``pos`` ("e,x,y x,y x,y ...") as (arrow tip, control points), y down."""
    tip = None
    points = []
    for part in spec.split():
        if part.startswith("e,"):
            x, y = part[2:].split(",")
            tip = (float(x), height - float(y))
        elif part.startswith("s,"):
            continue
        else:
            x, y = part.split(",")
            points.append((float(x), height - float(y)))
    return tip, points


def _arrow_head(
    tip: tuple[float, float], base: tuple[float, float]
) -> tuple[tuple[float, float], ...]:
    dx, dy = tip[0] - base[0], tip[1] - base[1]
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    half = 3.6
    return (
        (round(tip[0], 2), round(tip[1], 2)),
        (round(base[0] - uy * half, 2), round(base[1] + ux * half, 2)),
        (round(base[0] + uy * half, 2), round(base[1] - ux * half, 2)),
    )


def _labels_on_their_lines(routes: list[EdgeRoute]) -> list[EdgeRoute]:
    """Move each arrow's number onto its own line, just after the box it leaves.

    Graphviz puts an edge label beside the middle of its edge; where several arrows converge
    on one Σwx+b, a number then sits between two lines and a student cannot tell whose it is.
    Sitting on the line (over a white patch), right where the arrow leaves its box, it can
    only be read as that arrow's. A box with several labelled arrows leaving it keeps
    Graphviz's places (the numbers would sit on top of each other).
    """
    leaving: dict[str, int] = {}
    for r in routes:
        if r.label is not None:
            leaving[r.source] = leaving.get(r.source, 0) + 1
    out = []
    for r in routes:
        if r.label is None or leaving[r.source] > 1:
            out.append(r)
            continue
        _, _, lw, lh = r.label
        samples = _bezier(r.path, steps=60)
        x0, y0 = samples[0]
        want = lw / 2 + 5
        at = next((p for p in samples if math.hypot(p[0] - x0, p[1] - y0) >= want), samples[-1])
        box = (round(at[0] - lw / 2, 2), round(at[1] - lh / 2, 2), lw, lh)
        out.append(dataclasses.replace(r, label=box))
    return out


def _read_layout(
    data: dict[str, Any],
    order: list[Value],
    index: dict[Value, int],
    clusters: dict[Value, str],
    rows_of: dict[Value, tuple[str, ...]],
    labels: dict[str, str],
    root: Value,
    precision: int,
) -> Layout:
    x0, y0, x1, y1 = (float(t) for t in data["bb"].split(","))
    height = y1 - y0
    by_name: dict[str, dict[str, Any]] = {}
    cluster_boxes: dict[str, ClusterBox] = {}
    for obj in data.get("objects", []):
        name = obj.get("name", "")
        if name.startswith("cluster_") and "bb" in obj:
            a, b, c, d = (float(t) for t in obj["bb"].split(","))
            m = re.match(r"cluster_L(\d+)_N(\d+)", name)
            title = f"layer {m.group(1)} · neuron {m.group(2)}" if m else name
            cluster_boxes[name] = ClusterBox(name, title, a, height - d, c - a, d - b)
        elif "pos" in obj:
            by_name[name] = obj
    nodes: dict[str, NodeBox] = {}
    for v in order:
        i = index[v]
        for nid in (f"v{i}", f"op{i}") if v._prev else (f"v{i}",):
            obj = by_name[nid]
            cx, cy = (float(t) for t in obj["pos"].split(","))
            w = float(obj["width"]) * 72
            h = float(obj["height"]) * 72
            x, y = round(cx - w / 2, 2), round(height - cy - h / 2, 2)
            if nid.startswith("v"):
                nodes[nid] = NodeBox(
                    nid,
                    "value",
                    x,
                    y,
                    round(w, 2),
                    round(h, 2),
                    _role(v, root),
                    labels[nid],
                    rows_of[v],
                    clusters[v],
                )
            else:
                nodes[nid] = NodeBox(
                    nid,
                    "op",
                    x,
                    y,
                    round(w, 2),
                    round(h, 2),
                    "op",
                    op_symbol(v._op),
                    (),
                    clusters[v],
                )
    routes = []
    for e in data.get("edges", []):
        eid = e.get("id", "")
        if not eid:  # the invisible edges that order the columns
            continue
        tip, points = _points(e["pos"], height)
        points = [(round(px, 2), round(py, 2)) for px, py in points]
        arrow = _arrow_head(tip, points[-1]) if tip is not None else ()
        label = None
        if "lp" in e:
            lx, ly = (float(t) for t in e["lp"].split(","))
            m = re.search(r'WIDTH="(\d+)" HEIGHT="(\d+)"', e.get("label", ""))
            lw, lh = (float(m.group(1)), float(m.group(2))) if m else (40.0, LINE)
            label = (round(lx - lw / 2, 2), round(height - ly - lh / 2, 2), lw, lh)
        src = data["objects"][e["tail"]]["name"]
        dst = data["objects"][e["head"]]["name"]
        routes.append(EdgeRoute(eid, src, dst, tuple(points), arrow, label))
    routes = _labels_on_their_lines(routes)
    routes.sort(key=lambda r: _natural(r.id))
    return Layout(
        round(x1 - x0, 2),
        round(height, 2),
        nodes,
        tuple(routes),
        cluster_boxes,
        dict((v, f"v{index[v]}") for v in order),
        precision,
    )


# ------------------------------------------------------------------------------------------------
# What one picture shows
# ------------------------------------------------------------------------------------------------


@dataclass
class Look:
    """What one picture prints on the layout (everything optional, by node/edge id).

    ``text[node_id][row]`` replaces a Value box's row (``"grad"``: ``"grad 0.2151"``; a blank
    row is ``""``); ``edge_text[edge_id]`` an arrow's number; ``highlight`` the ids drawn in
    red and bold (nodes and edges); ``hidden`` node ids and edge-label ids (``<edge>-label``)
    are not drawn (a page leaves out the boxes its edge would cut).
    """

    text: dict[str, dict[str, str]] = field(default_factory=dict)
    edge_text: dict[str, str] = field(default_factory=dict)
    highlight: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)  # not drawn (a box cut by a page's edge)


def default_look(layout: Layout) -> Look:
    """Every box with its Value's label, data and grad; every arrow with its local derivative."""
    look = Look()
    for v, nid in layout.ids.items():
        look.text[nid] = default_texts(v, layout.precision)
        if v._prev:
            i = nid[1:]
            for k, local in enumerate(v._local):
                look.edge_text[f"e{i}_{k}"] = format_number(local, layout.precision)
    return look


# ------------------------------------------------------------------------------------------------
# Drawing: a list of primitives, written as SVG or painted with Pillow
# ------------------------------------------------------------------------------------------------


@dataclass
class _Shape:
    kind: str  # rect, text, path, polygon, ellipse
    group: str
    args: dict[str, Any]


def _scene(layout: Layout, look: Look) -> list[tuple[str, str, list[_Shape]]]:
    """(group id, css class, shapes) in drawing order: clusters, edges, nodes."""
    groups: list[tuple[str, str, list[_Shape]]] = []
    for c in sorted(layout.clusters.values(), key=lambda c: _natural(c.id)):
        title = f"{c.id}-title"
        shapes = [
            _Shape(
                "rect",
                c.id,
                dict(x=c.x, y=c.y, w=c.w, h=c.h, r=8, fill="#fafafa", stroke="#9e9e9e", sw=1.0),
            ),
            _Shape(
                "text",
                c.id,
                dict(
                    x=c.x + 8,
                    y=c.y + CLUSTER_FONT + 4,
                    text=c.title,
                    size=CLUSTER_FONT,
                    bold=True,
                    fill="#333333",
                    anchor="start",
                    id=title,
                ),
            ),
        ]
        if title in look.hidden:
            shapes.pop()
        groups.append((c.id, "cluster", shapes))
    for e in layout.edges:
        hot = e.id in look.highlight
        colour = HIGHLIGHT if hot else EDGE
        width = 2.6 if hot else 1.2
        shapes = [
            _Shape("path", e.id, dict(points=e.path, stroke=colour, sw=width)),
            _Shape("polygon", e.id, dict(points=e.arrow, fill=colour)),
        ]
        text = look.edge_text.get(e.id)
        if e.label is not None and text and f"{e.id}-label" not in look.hidden:
            lx, ly, lw, lh = e.label
            # the white patch under the number is cut to the number: the box reserved for the
            # longest text this arrow shows in any view (the page's contribution cards) may be
            # much larger, and would break the line for nothing
            pw = min(lw, text_width(text, bold=hot) * SLACK + 4)
            ph = min(lh, LINE)
            patch = dict(x=lx + (lw - pw) / 2, y=ly + (lh - ph) / 2, w=pw, h=ph)
            shapes.append(
                _Shape("rect", e.id, dict(**patch, r=3, fill="white", stroke="none", sw=0))
            )
            shapes.append(
                _Shape(
                    "text",
                    e.id,
                    dict(
                        x=lx + lw / 2,
                        y=ly + lh / 2 + FONT_SIZE * 0.36,
                        text=text,
                        size=FONT_SIZE,
                        bold=hot,
                        fill=HIGHLIGHT if hot else EDGE_TEXT,
                        anchor="middle",
                        id=f"{e.id}-label",
                    ),
                )
            )
        groups.append((e.id, "edge" + (" hot" if hot else ""), shapes))
    for n in layout.nodes.values():
        if n.id in look.hidden:
            continue
        hot = n.id in look.highlight
        shapes = []
        if n.kind == "op":
            shapes.append(
                _Shape(
                    "ellipse",
                    n.id,
                    dict(
                        cx=n.cx,
                        cy=n.cy,
                        rx=n.w / 2,
                        ry=n.h / 2,
                        fill="#f4f4f4",
                        stroke=HIGHLIGHT if hot else "#8a8a8a",
                        sw=3.0 if hot else 1.0,
                    ),
                )
            )
            size = FONT_SIZE * (1.15 if len(n.label) <= 2 else 1.0)
            shapes.append(
                _Shape(
                    "text",
                    n.id,
                    dict(
                        x=n.cx,
                        y=n.cy + size * 0.36,
                        text=n.label,
                        size=size,
                        bold=False,
                        fill=TEXT,
                        anchor="middle",
                        id=f"{n.id}-label",
                    ),
                )
            )
        else:
            role = ROLES.get(n.role, ROLES["inner"])
            shapes.append(
                _Shape(
                    "rect",
                    n.id,
                    dict(
                        x=n.x,
                        y=n.y,
                        w=n.w,
                        h=n.h,
                        r=6,
                        fill=role.fill,
                        stroke=HIGHLIGHT if hot else role.border,
                        sw=3.5 if hot else 1.2,
                    ),
                )
            )
            texts = look.text.get(n.id, {})
            for k, row in enumerate(n.rows):
                t = texts.get(row, "")
                if not t:
                    continue
                y = n.y + PAD_Y + LINE * k + LINE / 2 + FONT_SIZE * 0.36
                shapes.append(
                    _Shape(
                        "text",
                        n.id,
                        dict(
                            x=n.cx,
                            y=y,
                            text=t,
                            size=FONT_SIZE,
                            bold=(row == "label"),
                            fill=GRAD_TEXT if row in ("grad", "note") else TEXT,
                            anchor="middle",
                            id=f"{n.id}-{row}",
                        ),
                    )
                )
        cls = f"node {n.kind}" + (" hot" if hot else "")
        groups.append((n.id, cls, shapes))
    return groups


def _svg_shape(s: _Shape) -> str:
    a = s.args
    if s.kind == "rect":
        stroke = f' stroke="{a["stroke"]}" stroke-width="{a["sw"]:g}"' if a["sw"] else ""
        return (
            f'<rect x="{a["x"]:.2f}" y="{a["y"]:.2f}" width="{a["w"]:.2f}" height="{a["h"]:.2f}" '
            f'rx="{a["r"]}" fill="{a["fill"]}"{stroke}/>'
        )
    if s.kind == "ellipse":
        return (
            f'<ellipse cx="{a["cx"]:.2f}" cy="{a["cy"]:.2f}" rx="{a["rx"]:.2f}" '
            f'ry="{a["ry"]:.2f}" fill="{a["fill"]}" stroke="{a["stroke"]}" '
            f'stroke-width="{a["sw"]:g}"/>'
        )
    if s.kind == "path":
        pts = a["points"]
        d = f"M{pts[0][0]:.2f},{pts[0][1]:.2f}"
        for k in range(1, len(pts) - 2, 3):
            (ax, ay), (bx, by), (cx, cy) = pts[k : k + 3]
            d += f"C{ax:.2f},{ay:.2f} {bx:.2f},{by:.2f} {cx:.2f},{cy:.2f}"
        return f'<path d="{d}" fill="none" stroke="{a["stroke"]}" stroke-width="{a["sw"]:g}"/>'
    if s.kind == "polygon":
        pts = " ".join(f"{x:.2f},{y:.2f}" for x, y in a["points"])
        return f'<polygon points="{pts}" fill="{a["fill"]}"/>'
    weight = ' font-weight="bold"' if a["bold"] else ""
    ident = f' id="{a["id"]}"' if a.get("id") else ""
    return (
        f'<text{ident} x="{a["x"]:.2f}" y="{a["y"]:.2f}" font-size="{a["size"]:.1f}"'
        f'{weight} text-anchor="{a["anchor"]}" fill="{a["fill"]}">'
        f"{html.escape(a['text'], quote=False)}</text>"
    )


def render_svg(
    layout: Layout,
    look: Look | None = None,
    *,
    header: Sequence[str] = (),
    footer: Sequence[str] = (),
) -> str:
    """The picture as SVG text, in layout units (``header`` lines above, ``footer`` below).

    The graph is drawn at offset (MARGIN, header height): the same for every picture with the
    same number of header lines, so a node's coordinates in two frames are equal.
    """
    look = look if look is not None else default_look(layout)
    top = _band(header, HEADER_SIZES)
    bottom = _band(footer, FOOTER_SIZES)
    width = layout.width + 2 * MARGIN
    height = top + layout.height + bottom + 2 * MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.2f} {height:.2f}" font-family="{FONT_FAMILY}">',
        f'<rect width="{width:.2f}" height="{height:.2f}" fill="white"/>',
    ]
    y = MARGIN
    for k, line in enumerate(header):
        size = HEADER_SIZES[min(k, 1)]
        out.append(
            _svg_shape(
                _Shape(
                    "text",
                    "",
                    dict(
                        x=MARGIN,
                        y=y + size,
                        text=line,
                        size=size,
                        bold=(k == 0),
                        fill=TEXT,
                        anchor="start",
                        id=f"header-{k}",
                    ),
                )
            )
        )
        y += size * 1.35
    out.append(f'<g id="graph" transform="translate({MARGIN:.2f},{MARGIN + top:.2f})">')
    for gid, cls, shapes in _scene(layout, look):
        out.append(f'<g id="{gid}" class="{cls}">')
        out.extend(_svg_shape(s) for s in shapes)
        out.append("</g>")
    out.append("</g>")
    y = MARGIN + top + layout.height + FONT_SIZE * 0.6
    for k, line in enumerate(footer):
        size = FOOTER_SIZES[0]
        out.append(
            _svg_shape(
                _Shape(
                    "text",
                    "",
                    dict(
                        x=MARGIN,
                        y=y + size,
                        text=line,
                        size=size,
                        bold=False,
                        fill=TEXT,
                        anchor="start",
                        id=f"footer-{k}",
                    ),
                )
            )
        )
        y += size * 1.35
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _band(lines: Sequence[str], sizes: Sequence[float]) -> float:
    """The height of a band of text lines (each ``sizes[k]`` tall, or the last size)."""
    if not lines:
        return 0.0
    total = sum(sizes[min(k, len(sizes) - 1)] * 1.35 for k in range(len(lines)))
    return total + FONT_SIZE * 0.6


HEADER_SIZES = (FONT_SIZE * 1.4, FONT_SIZE * 1.15)
FOOTER_SIZES = (FONT_SIZE * 1.2,)


# ------------------------------------------------------------------------------------------------
# PNG (Pillow): the same primitives, painted at a scale
# ------------------------------------------------------------------------------------------------


def _bezier(points: Sequence[tuple[float, float]], steps: int = 16) -> list[tuple[float, float]]:
    out = [points[0]]
    for k in range(1, len(points) - 2, 3):
        p0, p1, p2, p3 = points[k - 1], points[k], points[k + 1], points[k + 2]
        for s in range(1, steps + 1):
            t = s / steps
            u = 1 - t
            out.append(
                (
                    u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                    u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
                )
            )
    return out


def paint(
    draw: Any,
    layout: Layout,
    look: Look,
    *,
    scale: float,
    origin: tuple[float, float],
) -> None:
    """Paint the graph on a Pillow ``ImageDraw``: layout point (x, y) lands on pixel
    ``origin + scale·(x, y)``. Used for every PNG, so all of them agree with the SVG."""
    ox, oy = origin

    def P(x: float, y: float) -> tuple[float, float]:
        return (ox + x * scale, oy + y * scale)

    for _, _, shapes in _scene(layout, look):
        for s in shapes:
            a = s.args
            if s.kind == "rect":
                box = [P(a["x"], a["y"]), P(a["x"] + a["w"], a["y"] + a["h"])]
                draw.rounded_rectangle(
                    box,
                    radius=a["r"] * scale,
                    fill=a["fill"],
                    outline=None if a["stroke"] == "none" else a["stroke"],
                    width=max(1, round(a["sw"] * scale)) if a["sw"] else 0,
                )
            elif s.kind == "ellipse":
                box = [
                    P(a["cx"] - a["rx"], a["cy"] - a["ry"]),
                    P(a["cx"] + a["rx"], a["cy"] + a["ry"]),
                ]
                draw.ellipse(
                    box, fill=a["fill"], outline=a["stroke"], width=max(1, round(a["sw"] * scale))
                )
            elif s.kind == "path":
                pts = [P(x, y) for x, y in _bezier(a["points"])]
                draw.line(
                    pts, fill=a["stroke"], width=max(1, round(a["sw"] * scale)), joint="curve"
                )
            elif s.kind == "polygon":
                draw.polygon([P(x, y) for x, y in a["points"]], fill=a["fill"])
            else:
                draw_text(
                    draw,
                    P(a["x"], a["y"]),
                    a["text"],
                    a["size"] * scale,
                    a["bold"],
                    a["fill"],
                    a["anchor"],
                )


def draw_text(
    draw: Any,
    at: tuple[float, float],
    text: str,
    size: float,
    bold: bool,
    fill: str,
    anchor: str = "start",
) -> None:
    """Text with its baseline at ``at`` (as SVG places it)."""
    font = _font(size, bold)
    draw.text(
        at, text, font=font, fill=fill, anchor={"start": "ls", "middle": "ms", "end": "rs"}[anchor]
    )


def render_png(
    layout: Layout,
    look: Look | None = None,
    *,
    scale: float = 1.5,
    header: Sequence[str] = (),
    footer: Sequence[str] = (),
) -> bytes:
    """The whole picture as PNG bytes at ``scale`` pixels per layout unit."""
    import io

    from PIL import Image, ImageDraw

    look = look if look is not None else default_look(layout)
    top = _band(header, HEADER_SIZES)
    bottom = _band(footer, FOOTER_SIZES)
    width = layout.width + 2 * MARGIN
    height = top + layout.height + bottom + 2 * MARGIN
    image = Image.new("RGB", (math.ceil(width * scale), math.ceil(height * scale)), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for k, line in enumerate(header):
        size = HEADER_SIZES[min(k, 1)]
        draw_text(draw, (MARGIN * scale, (y + size) * scale), line, size * scale, k == 0, TEXT)
        y += size * 1.35
    paint(draw, layout, look, scale=scale, origin=(MARGIN * scale, (MARGIN + top) * scale))
    y = MARGIN + top + layout.height + FONT_SIZE * 0.6
    for line in footer:
        size = FOOTER_SIZES[0]
        draw_text(draw, (MARGIN * scale, (y + size) * scale), line, size * scale, False, TEXT)
        y += size * 1.35
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------------


def crossings(layout: Layout, *, inset: float = 2.0) -> list[tuple[str, str]]:
    """(edge id, box id) for every arrow that passes through a node's box or a neuron's box it
    does not belong to (sampled along its curve; ``inset`` forgives touching an edge)."""
    found = []
    for e in layout.edges:
        ends = {e.source, e.target}
        own_clusters = {layout.nodes[n].cluster for n in ends}
        points = _bezier(e.path, steps=40)
        boxes: list[tuple[str, float, float, float, float]] = [
            (n.id, n.x, n.y, n.w, n.h) for n in layout.nodes.values() if n.id not in ends
        ]
        boxes += [
            (c.id, c.x, c.y, c.w, c.h) for c in layout.clusters.values() if c.id not in own_clusters
        ]
        for bid, x, y, w, h in boxes:
            if any(
                x + inset < px < x + w - inset and y + inset < py < y + h - inset
                for px, py in points
            ):
                found.append((e.id, bid))
    return found
