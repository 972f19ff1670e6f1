"""Asking Graphviz for a layout, and reading its answer.

`autograd_mlp.viz.layout.lay_out` decides how large every box is. This module writes those boxes
as DOT -- empty, of fixed size, with the network's order spelt out (inputs first, in order;
each neuron's weights stacked in order; each layer's weights in one column) -- hands it to the
one seam to Graphviz (`autograd_mlp.viz.render.layout_json`), and reads Graphviz's JSON answer
back as plain positions (`Placement`): Graphviz's y axis points up and its sizes are in inches,
ours points down and is in layout units (1 unit = 1 pt = 1 CSS px at scale 1).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

from ..engine import INPUT, Value, role
from .measure import FONT_SIZE, text_width
from .render import GraphvizLayout, layout_json

__all__ = ["Placement", "Route", "place", "boxes_dot", "read_placement", "natural"]

CLUSTER_FONT = FONT_SIZE  # a neuron box's title
LABEL_LINE = round(FONT_SIZE * 1.3)  # one line of an arrow's number (as a Value box's row)

# An arrow Graphviz placed: from node ``source`` to node ``target`` along cubic Bézier control
# points, with its head's tip and the box reserved for its label, all in layout units, y down.
Box = tuple[float, float, float, float]  # x, y (top left), w, h


@dataclass(frozen=True)
class Route:
    """One arrow as Graphviz placed it (see `autograd_mlp.viz.layout.EdgeRoute`)."""

    id: str
    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    arrow: tuple[tuple[float, float], ...]
    label: Box | None


@dataclass(frozen=True)
class Placement:
    """Where Graphviz put everything: each node's box and each neuron box's (by id, with its
    title), each arrow's route, and the size of the whole."""

    width: float
    height: float
    boxes: dict[str, Box]
    routes: list[Route]
    clusters: dict[str, tuple[str, Box]]


Edge = tuple[str, str, str, "tuple[float, float] | None"]  # id, source, target, label w × h


def place(
    order: list[Value],
    index: dict[Value, int],
    clusters: dict[Value, str],
    sizes: dict[str, tuple[float, float]],
    edges: list[Edge],
    timeout: float | None,
) -> Placement:
    """Lay out boxes of ``sizes`` (by node id) joined by ``edges`` with Graphviz, once.
    Graphviz's answer is checked: every box and every arrow asked for must be in it.

    Neurons are stacked in order, neuron 1 on top. Graphviz orders a rank's neuron boxes to
    cross fewest arrows, and every neuron of a layer is wired alike, so it may stack a 2–3–1
    lesson's as N2, N1, N3; no constraint between boxes is kept (an invisible edge between two
    boxes is ignored). Which box lands where follows the order they are declared in, so when a
    layer comes out shuffled the boxes are declared again in the order that puts each in its
    place, and the graph laid out again (at most `RETRIES` times, for graphs of at most
    `RETRY_NODES` boxes; the first answer is kept when no other is better).
    """
    declared = _layers(clusters)
    answer, placed = _run(order, index, clusters, sizes, edges, timeout, declared)
    _check(answer, placed, sizes, edges)
    wrong = _out_of_order(placed, declared)
    for _ in range(RETRIES if len(sizes) <= RETRY_NODES else 0):
        if not wrong:
            break
        declared = _reordered(placed, declared)
        again, moved = _run(order, index, clusters, sizes, edges, timeout, declared)
        _check(again, moved, sizes, edges)
        now = _out_of_order(moved, declared)
        if now < wrong:
            answer, placed, wrong = again, moved, now
    return placed


# A layer whose neurons Graphviz stacked out of order is laid out again at most this many times,
# in graphs of at most this many boxes (one run of the 2,550-weight layer takes half a minute).
RETRIES = 3
RETRY_NODES = 2000


def _layers(clusters: dict[Value, str]) -> dict[str, list[str]]:
    """Each layer's neuron boxes (``cluster_L1`` → ``[cluster_L1_N1, cluster_L1_N2, ...]``),
    in order."""
    layers: dict[str, list[str]] = {}
    for key in sorted(set(clusters.values()) - {""}, key=natural):
        layers.setdefault(key.rsplit("_N", 1)[0], []).append(key)
    return layers


def _stacked(placed: Placement, keys: list[str]) -> list[str]:
    """The neuron boxes ``keys`` as Graphviz stacked them, top to bottom."""
    return sorted(keys, key=lambda k: (placed.clusters[k][1][1], natural(k)))


def _out_of_order(placed: Placement, declared: dict[str, list[str]]) -> int:
    """How many pairs of neurons of one layer are stacked the wrong way round."""
    count = 0
    for keys in declared.values():
        rank = {k: n for n, k in enumerate(sorted(keys, key=natural))}
        shown = [rank[k] for k in _stacked(placed, keys) if k in placed.clusters]
        count += sum(1 for a, b in itertools.combinations(shown, 2) if a > b)
    return count


def _reordered(placed: Placement, declared: dict[str, list[str]]) -> dict[str, list[str]]:
    """The declaration order that would put each neuron in its place if Graphviz sent the
    box declared j-th to the same place again: the box declared j-th went to place r(j), so
    declare there the neuron that belongs at r(j)."""
    out = {}
    for layer, keys in declared.items():
        stacked = _stacked(placed, keys)
        if len(stacked) != len(keys):
            out[layer] = keys
            continue
        place_of = {k: n for n, k in enumerate(stacked)}
        wanted = sorted(keys, key=natural)
        out[layer] = [wanted[place_of[k]] for k in keys]
    return out


def _run(
    order: list[Value],
    index: dict[Value, int],
    clusters: dict[Value, str],
    sizes: dict[str, tuple[float, float]],
    edges: list[Edge],
    timeout: float | None,
    declared: dict[str, list[str]],
) -> tuple[GraphvizLayout, Placement]:
    source = boxes_dot(order, index, clusters, sizes, edges, declared=declared)
    answer = layout_json(source, timeout=timeout)
    return answer, read_placement(answer)


def _check(
    answer: GraphvizLayout,
    placed: Placement,
    sizes: dict[str, tuple[float, float]],
    edges: list[Edge],
) -> None:
    missing = [nid for nid in sizes if nid not in placed.boxes]
    routed = {r.id for r in placed.routes}
    missing += [eid for eid, _, _, _ in edges if eid not in routed]
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5:,} more" if len(missing) > 5 else ""
        )
        said = f"; Graphviz said: {answer.messages}" if answer.messages else ""
        raise RuntimeError(
            f"Graphviz ({answer.renderer}) left {len(missing):,} of the "
            f"{len(sizes) + len(edges):,} boxes and arrows it was asked to place out of its "
            f"layout ({shown}){said}"
        )


def _inches(units: float) -> str:
    return f"{units / 72:.4f}"


def boxes_dot(
    order: list[Value],
    index: dict[Value, int],
    clusters: dict[Value, str],
    sizes: dict[str, tuple[float, float]],
    edges: list[tuple[str, str, str, tuple[float, float] | None]],
    *,
    declared: dict[str, list[str]] | None = None,
) -> str:
    """DOT of empty boxes of the right sizes, for Graphviz to place. ``declared`` gives each
    layer's neuron boxes in the order to declare them (default: in order, N1 first)."""
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
    inputs.sort(key=lambda v: natural(v.label))
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
    in_order = sorted(grouped, key=natural)
    if declared is not None:
        listed = [k for keys in declared.values() for k in keys if k in grouped]
        unlisted = set(grouped) - set(listed)
        in_order = listed + [k for k in in_order if k in unlisted]
    for key in in_order:
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
    for key in sorted(grouped, key=natural):
        params = [v for v in grouped[key] if not v._prev]
        params.sort(key=lambda v: _param_order(v.label), reverse=True)
        layers.setdefault(key.rsplit("_N", 1)[0], []).extend(params)
    for params in layers.values():
        if len(params) > 1:
            lines.append(_same_rank_chain([f"v{index[p]}" for p in params]))
    # Weights one column right of the inputs: the inputs' arrows then enter each neuron's box
    # from the left instead of climbing past a neighbour's box.
    for v in rest:
        lines.extend("\t" + line for line in node_line(v))
    if len(inputs) > 1:
        lines.append(_same_rank_chain([f"v{index[v]}" for v in inputs]))
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


def _same_rank_chain(ids: list[str]) -> str:
    """Nodes kept in one column in this order by invisible edges, one edge per statement:
    Graphviz's parser keeps a whole ``a -> b -> c -> ...`` statement on its stack, and one of
    some 2,500 nodes (the weights of MLP(50, [50, 1])'s first layer) overflows it ("memory
    exhausted"): the rest of the file is then dropped, with exit status 0."""
    edges = " ".join(f"{a} -> {b} [style=invis]" for a, b in itertools.pairwise(ids))
    return f"\t{{ rank=same {edges} }}"


def natural(text: str) -> tuple[Any, ...]:
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


def _floats(text: str, count: int) -> list[float]:
    """``count`` numbers from Graphviz's comma-separated text ("x,y", "x0,y0,x1,y1")."""
    parts = [float(t) for t in text.split(",")]
    if len(parts) != count:
        raise ValueError(f"expected {count} numbers, got {text!r}")
    return parts


def read_placement(answer: GraphvizLayout) -> Placement:
    """Graphviz's JSON layout as a `Placement`: node boxes by name (from their centre and size),
    neuron boxes (``cluster_*``) with their titles, and the routes of the arrows that have an
    id (the invisible ones that order the columns have none). A layout that cannot be read (a
    field missing or not a number) is a RuntimeError that says so and quotes Graphviz."""
    try:
        return _read(answer.data)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        said = f"; Graphviz said: {answer.messages}" if answer.messages else ""
        problem = f"no {exc}" if isinstance(exc, KeyError) else str(exc) or type(exc).__name__
        raise RuntimeError(
            f"Graphviz ({answer.renderer}) wrote a layout that cannot be read ({problem}){said}"
        ) from None


def _read(data: dict[str, Any]) -> Placement:
    x0, y0, x1, y1 = _floats(data["bb"], 4)
    height = y1 - y0
    objects: list[dict[str, Any]] = data.get("objects", [])
    boxes: dict[str, Box] = {}
    clusters: dict[str, tuple[str, Box]] = {}
    for obj in objects:
        name = obj.get("name", "")
        if name.startswith("cluster_") and "bb" in obj:
            a, b, c, d = _floats(obj["bb"], 4)
            m = re.match(r"cluster_L(\d+)_N(\d+)", name)
            title = f"layer {m.group(1)} · neuron {m.group(2)}" if m else name
            clusters[name] = (title, (a, height - d, c - a, d - b))
        elif "pos" in obj:
            cx, cy = _floats(obj["pos"], 2)
            w = float(obj["width"]) * 72
            h = float(obj["height"]) * 72
            x, y = round(cx - w / 2, 2), round(height - cy - h / 2, 2)
            boxes[name] = (x, y, round(w, 2), round(h, 2))
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
            lx, ly = _floats(e["lp"], 2)
            m = re.search(r'WIDTH="(\d+)" HEIGHT="(\d+)"', e.get("label", ""))
            lw, lh = (float(m.group(1)), float(m.group(2))) if m else (40.0, LABEL_LINE)
            label = (round(lx - lw / 2, 2), round(height - ly - lh / 2, 2), lw, lh)
        src = objects[e["tail"]]["name"]
        dst = objects[e["head"]]["name"]
        routes.append(Route(eid, src, dst, tuple(points), arrow, label))
    return Placement(round(x1 - x0, 2), round(height, 2), boxes, routes, clusters)
