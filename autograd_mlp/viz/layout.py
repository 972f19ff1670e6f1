"""One layout of a gradient graph, computed once and drawn many times without moving.

Why this module exists. Graphviz lays a graph out from its labels: when a frame of the
backward pass prints a longer gradient than the frame before, ``dot`` lays that frame out anew
and boxes jump (by ~115 px in the old lesson GIF). A student cannot follow a picture that moves.
So the layout is computed *once*, with every box already as wide as the widest text it will
ever show, and every picture -- the lesson graph, each backward frame, each slide, the worksheet,
the interactive page -- is drawn from that one `Layout`.

How positions stay pixel-identical. Graphviz is asked once, through the one seam
(`autograd_mlp.viz.layout_graphviz`), for the positions, sizes and edge routes of fixed-size
empty boxes. After that no Graphviz runs: `autograd_mlp.viz.paint` draws the SVG itself (and
the PNG with Pillow) from those numbers. Re-running Graphviz with pinned positions
(``neato -n2``) was tried and rejected: it recomputes the bounding box and the translation of
the whole drawing from the labels, re-clips edges and warns about cell sizes, so "pinned"
positions still shift when a label grows. Drawing from the numbers makes identical positions
true by construction, keeps the SVG's element ids ours, and lets a picture be cut into tiles (a
projector slide of one layer) with the same coordinates.

Coordinates are layout units: 1 unit = 1 pt = 1 CSS px at scale 1, origin top left, y down.
A `Layout` is plain data (`Layout.to_dict` gives JSON): for each node id its box ``x, y, w, h``
(top-left corner and size), for each edge its route (cubic Bézier control points), its arrow
head and the box reserved for its label, and each neuron's cluster box.

Ids come from the graph's structure, as in `autograd_mlp.viz.draw_graph`: ``v<i>`` is the i-th
Value in topological order, ``op<i>`` the operation that produced it, ``e<i>_<k>`` the arrow
that brings argument k into ``op<i>``, ``e<i>_out`` the arrow from ``op<i>`` to ``v<i>``, and
``cluster_L<l>_N<n>`` a neuron's box.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine import CONST, INPUT, PARAM, Value, role, topological_order
from .dot import format_number, op_symbol
from .layout_graphviz import natural, place
from .measure import FONT_SIZE, text_width
from .naming import board_names, display_name
from .render import DEFAULT_TIMEOUT

__all__ = [
    "Layout",
    "NodeBox",
    "EdgeRoute",
    "ClusterBox",
    "FONT_SIZE",
    "ROWS",
    "lay_out",
    "default_texts",
    "crossings",
    "bezier",
    "place_labels",
]

LINE = round(FONT_SIZE * 1.3)  # one row of a Value box
PAD_X = 8.0  # inside a box, left and right of the widest text
PAD_Y = 4.0
SLACK = 1.06  # browsers may draw the SVG with a slightly wider font than the one measured
ROWS = ("label", "data", "grad", "note")  # the rows of a Value box, top to bottom
OP_SIZE = 34.0
_NEURON = re.compile(r"^L(\d+)\.N(\d+)\.")

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
    ``label`` the box reserved for its text (x, y, w, h) or None, the longest text any view
    prints there (the page's contribution card), and ``number`` the size (w, h) of the white
    patch of the number itself, centred in ``label``: what a picture of the arrow draws."""

    id: str
    source: str
    target: str
    path: tuple[tuple[float, float], ...]
    arrow: tuple[tuple[float, float], ...]
    label: tuple[float, float, float, float] | None = None
    number: tuple[float, float] | None = None

    @property
    def number_box(self) -> tuple[float, float, float, float] | None:
        """Where the arrow's number is drawn (x, y, w, h): its patch, centred in ``label``."""
        if self.label is None:
            return None
        x, y, w, h = self.label
        nw, nh = self.number if self.number is not None else (w, h)
        return (x + (w - nw) / 2, y + (h - nh) / 2, nw, nh)


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


def _room_from_graphviz(v: Value, k: int, clusters: Mapping[Value, str]) -> bool:
    """Whether Graphviz is asked to leave room for the arrow's number: every arrow into an op,
    except the arrows that bring a neuron's Σwx+b its inputs from outside its box. Their
    numbers are placed on their lines afterwards (`place_labels`) like every other: room for
    them in Graphviz's ranks would only push the columns apart and reroute the arrows."""
    if v._op != "Σwx+b" or k % 2 == 0 or k == len(v._prev) - 1:
        return True
    return clusters.get(v._prev[k], "") == clusters.get(v, "")


def default_texts(
    v: Value, precision: int, name: str | None = None, decimal: str = "."
) -> dict[str, str]:
    """What a Value box prints when nothing else is asked: its name, data and grad. ``name`` is
    its board name (`autograd_mlp.viz.naming.board_names`) when the caller has it; without it,
    it is made here, in time linear in the size of ``v``'s graph. ``decimal`` is the numbers'
    separator ("." or ","); the name is left as it is (``L1.N1.w1`` keeps its dots)."""
    if v.label or v._prev:
        label = name if name is not None else display_name(v)
    else:
        label = "const" if role(v) == CONST else ""
    return {
        "label": label,
        "data": f"data {format_number(v.data, precision, decimal)}",
        "grad": f"grad {format_number(v.grad, precision, decimal)}",
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
    first, top to bottom in order (x1, x2, x3); each layer's neuron boxes are stacked in order
    (neuron 1 on top); in a neuron's box its weights are stacked in order (w1, w2, w3, then b).
    """
    if not isinstance(root, Value):
        raise TypeError(f"lay_out expects a Value, got {type(root).__name__}")
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    names = board_names(order)
    reserve = reserve or {}
    edge_reserve = edge_reserve or {}
    clusters = {v: _cluster_of(v) for v in order}
    # An op belongs to its output's cluster; a Value made by an op inside a neuron too.
    rows_of: dict[Value, tuple[str, ...]] = {}
    sizes: dict[str, tuple[float, float]] = {}
    labels: dict[str, str] = {}
    for v in order:
        texts = default_texts(v, precision, names[v])
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
    patches: dict[str, tuple[float, float]] = {}  # the white patch each arrow's number needs
    reserved: dict[str, tuple[float, float]] = {}  # the room for its longest text in any view
    for v in order:
        if not v._prev:
            continue
        i = index[v]
        for k, child in enumerate(v._prev):
            eid = f"e{i}_{k}"
            # every arrow into an op carries its local derivative, in every view
            number = format_number(v._local[k], precision)
            candidates = [number, *edge_reserve.get(eid, ())]
            lines = [t.split("\n") for t in candidates]
            lw = max(text_width(t) for rows in lines for t in rows) * SLACK + 4
            label_box = (math.ceil(lw), LINE * max(len(rows) for rows in lines))
            reserved[eid] = label_box
            patches[eid] = (math.ceil(text_width(number, bold=True) * SLACK + 4), LINE)
            room = label_box if _room_from_graphviz(v, k, clusters) else None
            edges.append((eid, f"v{index[child]}", f"op{i}", room))
        edges.append((f"e{i}_out", f"op{i}", f"v{i}", None))
    placed = place(order, index, clusters, sizes, edges, timeout)
    nodes: dict[str, NodeBox] = {}
    for v in order:
        i = index[v]
        box = placed.boxes[f"v{i}"]
        role_ = _role(v, root)
        nodes[f"v{i}"] = NodeBox(
            f"v{i}", "value", *box, role_, labels[f"v{i}"], rows_of[v], clusters[v]
        )
        if v._prev:
            box = placed.boxes[f"op{i}"]
            nodes[f"op{i}"] = NodeBox(f"op{i}", "op", *box, "op", op_symbol(v._op), (), clusters[v])
    routes = [
        EdgeRoute(r.id, r.source, r.target, r.points, r.arrow, r.label) for r in placed.routes
    ]
    routes = place_labels(
        routes, nodes, placed.clusters, patches, reserved, placed.width, placed.height
    )
    routes.sort(key=lambda r: natural(r.id))
    cluster_boxes = {
        cid: ClusterBox(cid, title, *box) for cid, (title, box) in placed.clusters.items()
    }
    return Layout(
        placed.width,
        placed.height,
        nodes,
        tuple(routes),
        cluster_boxes,
        {v: f"v{index[v]}" for v in order},
        precision,
    )


Rect = tuple[float, float, float, float]  # x, y (top left), w, h

_GAP = 3.0  # white space kept between a number and any box, arrow head or other number
# a browser's font can set a card's text a few per cent wider than it was measured here
_CARD_SLACK = 1.08
_FOREIGN_LIMIT = 64  # other lines under a number are counted up to this many
_CELL = 48.0  # the side of a cell of the grid that finds what is near a number


class _Grid:
    """Rectangles and points hashed into square cells: what lies near a rectangle is found
    by looking at the few cells it covers, so placing every number is linear in the graph."""

    def __init__(self) -> None:
        self.rects: dict[tuple[int, int], list[Rect]] = {}
        self.points: dict[tuple[int, int], list[tuple[str, float, float]]] = {}

    @staticmethod
    def _cells(x: float, y: float, w: float, h: float) -> list[tuple[int, int]]:
        x0, x1 = math.floor(x / _CELL), math.floor((x + w) / _CELL)
        y0, y1 = math.floor(y / _CELL), math.floor((y + h) / _CELL)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def add_rect(self, r: Rect) -> None:
        for c in self._cells(*r):
            self.rects.setdefault(c, []).append(r)

    def add_point(self, owner: str, x: float, y: float) -> None:
        self.points.setdefault((math.floor(x / _CELL), math.floor(y / _CELL)), []).append(
            (owner, x, y)
        )

    def overlaps(self, r: Rect) -> float:
        """The area of ``r`` that the rectangles cover (counted once per rectangle)."""
        x, y, w, h = r
        seen: set[Rect] = set()
        area = 0.0
        for c in self._cells(*r):
            for o in self.rects.get(c, ()):
                if o in seen:
                    continue
                seen.add(o)
                dx = min(x + w, o[0] + o[2]) - max(x, o[0])
                dy = min(y + h, o[1] + o[3]) - max(y, o[1])
                if dx > 0 and dy > 0:
                    area += dx * dy
        return area

    def foreign(self, r: Rect, owner: str, limit: int) -> int:
        """How many sampled points of other arrows' lines lie inside ``r`` (counted up to
        ``limit`` + 1: past it the count does not matter)."""
        x, y, w, h = r
        count = 0
        for c in self._cells(*r):
            for who, px, py in self.points.get(c, ()):
                if who != owner and x <= px <= x + w and y <= py <= y + h:
                    count += 1
                    if count > limit:
                        return count
        return count


def _dense(points: Sequence[tuple[float, float]], spacing: float) -> list[tuple[float, float]]:
    """Points along a cubic Bézier path about ``spacing`` apart."""
    out = [points[0]]
    for k in range(1, len(points) - 2, 3):
        steps = max(4, math.ceil(_chord(points[k - 1 : k + 3]) / spacing))
        out.extend(bezier(points[k - 1 : k + 3], steps=steps)[1:])
    return out


def _chord(points: Sequence[tuple[float, float]]) -> float:
    """The length of a Bézier path's control polygon: at least as long as the curve."""
    return sum(math.dist(a, b) for a, b in itertools.pairwise(points))


# Points sampled along all the arrows at most (a layer of 2,550 weights has arrows thousands of
# units long): past it they are sampled further apart, so the work stays linear in the graph.
_SAMPLES = 100_000
# Places tried for one number at most, spread along its arrow; a graph of thousands of arrows
# tries fewer for each (`_TRIES` in all), never fewer than `_FEWEST`.
_CANDIDATES = 240
_TRIES = 60_000
_FEWEST = 16


def place_labels(
    routes: Sequence[EdgeRoute],
    nodes: Mapping[str, NodeBox],
    clusters: Mapping[str, tuple[str, Rect]],
    patches: Mapping[str, tuple[float, float]],
    reserved: Mapping[str, tuple[float, float]],
    width: float,
    height: float,
) -> list[EdgeRoute]:
    """Put each arrow's number on its own line, where it covers nothing else.

    Graphviz puts an edge label beside the middle of its edge; where several arrows converge
    on one Σwx+b, a number then sits between two lines and a student cannot tell whose it is.
    Here each number is centred on a point of its own arrow: the point nearest the box it
    leaves whose white patch (``patches[edge id]``, the number's size) covers no box, no neuron
    box's title, no arrow head, no number placed before it (each with a gap of `_GAP`), keeps
    the whole box reserved for it in the picture, and has no other arrow's line running under
    it. Where no point is that free, the one that covers least: boxes first, then other lines.
    The box reserved for the arrow's longest text (``reserved``: the page's contribution card)
    is centred on the same point; among the points where the number itself is free, one
    where that card covers no box, no number and no card placed before it comes first (the
    page shows the cards there while a step runs). Every arrow in
    ``patches`` gets a place, whether Graphviz left room for it or not.
    """
    grid = _Grid()
    cards = _Grid()  # what a card must not cover: boxes, the numbers and cards placed so far
    for n in nodes.values():
        grid.add_rect((n.x - _GAP, n.y - _GAP, n.w + 2 * _GAP, n.h + 2 * _GAP))
        cards.add_rect((n.x - _GAP, n.y - _GAP, n.w + 2 * _GAP, n.h + 2 * _GAP))
    for title, (cx, cy, _, _) in clusters.values():
        tw = text_width(title, FONT_SIZE, bold=True)
        grid.add_rect((cx + 8 - _GAP, cy + 2 - _GAP, tw + 2 * _GAP, FONT_SIZE * 1.3 + 2 * _GAP))
    total = sum(_chord(r.path) for r in routes)
    spacing = max(3.0, total / _SAMPLES)
    lines: dict[str, list[tuple[float, float]]] = {}
    for r in routes:
        if r.arrow:
            xs = [p[0] for p in r.arrow]
            ys = [p[1] for p in r.arrow]
            grid.add_rect(
                (
                    min(xs) - _GAP,
                    min(ys) - _GAP,
                    max(xs) - min(xs) + 2 * _GAP,
                    max(ys) - min(ys) + 2 * _GAP,
                )
            )
        lines[r.id] = _dense(r.path, spacing)
        for px, py in lines[r.id]:
            grid.add_point(r.id, px, py)
    out = []
    pad = spacing / 2 + 0.5
    per_arrow = min(_CANDIDATES, max(_FEWEST, _TRIES // max(1, len(patches))))
    for r in routes:
        if r.id not in patches:
            out.append(r)
            continue
        pw, ph = patches[r.id]
        lw, lh = reserved[r.id]
        best: tuple[float, int, float, int, int] | None = None
        line = lines[r.id]
        tried = line[:: max(1, math.ceil(len(line) / per_arrow))]
        at = tried[len(tried) // 2]
        for k, (px, py) in enumerate(tried):
            patch = (px - pw / 2, py - ph / 2, pw, ph)
            # the whole reserved box stays in the picture: a view shows a number only when
            # that box is wholly in it (`autograd_mlp.viz.pages.cut_by`)
            outside = (
                max(0.0, lw / 2 - px)
                + max(0.0, px + lw / 2 - width)
                + max(0.0, lh / 2 - py)
                + max(0.0, py + lh / 2 - height)
            )
            covered = grid.overlaps(patch) + outside * ph
            if best is not None and covered > best[0]:
                continue
            # samples are at most `spacing` apart: a line that enters the patch has one within
            # half of that of it
            wider = (patch[0] - pad, patch[1] - pad, pw + 2 * pad, ph + 2 * pad)
            foreign = grid.foreign(wider, r.id, _FOREIGN_LIMIT)
            card = 0.0  # what the card, when wider than the number, would cover
            if (lw, lh) != (pw, ph):
                cw = lw * _CARD_SLACK
                card = cards.overlaps((px - cw / 2, py - lh / 2, cw, lh))
            # first the number (nothing under it, then no other line), then its card
            score = (covered, min(foreign, 1), card, foreign, k)
            if best is None or score < best:
                best, at = score, (px, py)
                if score[:4] == (0.0, 0, 0.0, 0):
                    break  # the nearest free point to the box the arrow leaves
        px, py = at
        grid.add_rect((px - pw / 2 - _GAP, py - ph / 2 - _GAP, pw + 2 * _GAP, ph + 2 * _GAP))
        cards.add_rect((px - pw / 2 - _GAP, py - ph / 2 - _GAP, pw + 2 * _GAP, ph + 2 * _GAP))
        cw = lw * _CARD_SLACK
        cards.add_rect((px - cw / 2 - _GAP, py - lh / 2 - _GAP, cw + 2 * _GAP, lh + 2 * _GAP))
        box = (round(px - lw / 2, 2), round(py - lh / 2, 2), lw, lh)
        out.append(dataclasses.replace(r, label=box, number=(pw, ph)))
    return out


# ------------------------------------------------------------------------------------------------
# Geometry and checks
# ------------------------------------------------------------------------------------------------


def bezier(points: Sequence[tuple[float, float]], steps: int = 16) -> list[tuple[float, float]]:
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


def crossings(layout: Layout, *, inset: float = 2.0) -> list[tuple[str, str]]:
    """(edge id, box id) for every arrow that passes through a node's box or a neuron's box it
    does not belong to (sampled along its curve; ``inset`` forgives touching an edge)."""
    found = []
    for e in layout.edges:
        ends = {e.source, e.target}
        own_clusters = {layout.nodes[n].cluster for n in ends}
        points = bezier(e.path, steps=40)
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
