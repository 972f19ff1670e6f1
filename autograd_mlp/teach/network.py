"""``draw_network(model, x)``: the classic textbook figure of a multi-layer perceptron.

Neurons are circles in columns (inputs, hidden layers, outputs); each weight is written in a
small box that sits on its own edge (so that where edges cross, no label can be read as
belonging to the wrong one) and each bias inside its neuron. Given an input ``x`` every neuron
also shows its pre-activation z and its output a; after ``backward()`` every weight and bias
shows its gradient ∂E/∂w next to its value (``loss="L"`` names the root differently). Edge
colour encodes the sign of the weight (blue positive, orange negative: a pair that colour-blind
readers tell apart) and edge width its magnitude, so the strong connections stand out before
any number is read.

`network_page(board, size=...)` draws the same figure for a class, at a real size (projector or
paper), on the lesson's one layout (`autograd_mlp.teach.lesson_layout`): each input where its box is
in the gradient graph, each neuron at the centre of its neuron box, so the two views line up.
Columns (and rows) are brought closer, never closer than the weight boxes between them need,
rather than shrink the text below the size's body text (18 px on a projector).
`network_picture` draws it with any rows in the circles and boxes (`network_backward` draws
the backward pass on it, a neuron a slide); every page also draws itself as a vector PDF page.

This is the *network* view (one circle per neuron); ``autograd_mlp.viz.draw_graph`` is the
*graph* view (one box per Value). The DOT text is built here; rendering goes through
``autograd_mlp.viz`` (``save(graph, "net.png")``), like every other figure.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..engine import Value
from ..nn import MLP
from ..viz import GradGraph
from ..viz import format_number as _fmt

if TYPE_CHECKING:
    from .lesson_layout import LessonLayout

__all__ = ["draw_network", "network_page", "network_picture", "MAX_NETWORK_EDGES"]

MAX_NETWORK_EDGES = 400  # more weights than this make an unreadable hairball of labels

POSITIVE = "#2166ac"  # blue
NEGATIVE = "#d95f02"  # orange
GRAD = "#9c1c1c"  # gradients in dark red, as in the gradient graph
FILL = {"input": "#dff3df", "hidden": "#dce9fa", "output": "#ffe6a8"}
BORDER = {"input": "#2e7d32", "hidden": "#1f5fa8", "output": "#b26a00"}
_ACTIVATION_NAME = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": "linear"}


def _t(s: str) -> str:
    return html.escape(s, quote=True)


def _width(w: float, largest: float) -> str:
    """Edge width from 0.6 (tiny weight) to 4 (the largest weight in the network)."""
    if not largest > 0:
        return "1"
    return f"{0.6 + 3.4 * min(abs(w) / largest, 1.0):.2f}"


def _forward(model: MLP, x: Sequence[float | Value]) -> list[list[tuple[float, float]]]:
    """(z, a) of every neuron, layer by layer, computed in plain floats from the weights.

    Reading ``.data`` only: drawing must not change the model or any gradient.
    """
    h = [xi.data if isinstance(xi, Value) else float(xi) for xi in x]
    out = []
    for layer in model.layers:
        row = []
        for n in layer.neurons:
            z = sum(w.data * hi for w, hi in zip(n.w, h)) + n.b.data
            a = z if n.activation == "linear" else getattr(Value(z), n.activation)().data
            row.append((z, a))
        out.append(row)
        h = [a for _, a in row]
    return out


def draw_network(
    model: MLP,
    x: Sequence[float | Value] | None = None,
    *,
    precision: int = 4,
    show_grad: bool | None = None,
    title: str | None = None,
    loss: str = "E",
) -> GradGraph:
    """The network as circles and weighted edges (returns a graphviz Digraph; ``.source`` is DOT).

    Args:
        model: an `MLP`.
        x: an input; each neuron then shows z = Σ w·x + b and its output a = f(z).
        precision: decimals printed.
        show_grad: print each parameter's ``.grad``; None (default) prints them when any
            parameter has a non-zero gradient, i.e. after ``backward()``.
        title: a caption under the figure.
        loss: the name of what ``backward()`` was called on, for the gradients' labels
            (∂E/∂w by default, as in the lesson).
    """
    if not isinstance(model, MLP):
        raise TypeError(f"draw_network expects an MLP, got {type(model).__name__}: {model!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(f"precision must be an int from 0 to 17, got {precision!r}")
    n_edges = sum(len(n.w) for layer in model.layers for n in layer.neurons)
    if n_edges > MAX_NETWORK_EDGES:
        raise ValueError(
            f"draw_network: the network has {n_edges} weights, more than {MAX_NETWORK_EDGES} "
            "edges can be labelled legibly; draw a smaller network, or use "
            "autograd_mlp.viz.draw_graph on one neuron's output"
        )
    if not isinstance(loss, str) or not loss:
        raise TypeError(f"loss must be a non-empty str (a name such as 'E'), got {loss!r}")
    d_loss = f"∂{_t(loss)}"
    forward = None
    if x is not None:
        if isinstance(x, (str, bytes, Value)) or not isinstance(x, Sequence):
            raise TypeError(
                f"x must be a sequence of {model.nin} numbers, got {type(x).__name__}: {x!r}"
            )
        if len(x) != model.nin:
            raise ValueError(f"draw_network: expected {model.nin} inputs, got {len(x)}")
        forward = _forward(model, x)
    params = model.parameters()
    if show_grad is None:
        show_grad = any(p.grad != 0.0 for p in params)

    def num(v: float) -> str:
        return _fmt(v, precision)

    weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
    largest = max((abs(w.data) for w in weights), default=0.0)
    body: list[str] = []
    # Column 0: the inputs.
    body.append("\tsubgraph cluster_inputs {\n\t\tlabel=<<B>inputs</B>> color=white\n")
    for i in range(model.nin):
        rows = [f"<B>x{i + 1}</B>"]
        if x is not None:
            xi = x[i]
            rows.append(num(xi.data if isinstance(xi, Value) else float(xi)))
        label = "<" + "<BR/>".join(rows) + ">"
        body.append(
            f"\t\tin{i + 1} [label={label} shape=circle style=filled "
            f'fillcolor="{FILL["input"]}" color="{BORDER["input"]}"]\n'
        )
    body.append("\t}\n")
    last = len(model.layers) - 1
    for li, layer in enumerate(model.layers):
        kind = "output" if li == last else "hidden"
        name = "outputs" if li == last else f"hidden layer {li + 1}"
        act = _ACTIVATION_NAME.get(layer.activation, layer.activation)
        body.append(
            f"\tsubgraph cluster_L{li + 1} {{\n\t\tlabel=<<B>{_t(name)}</B> ({_t(act)})> "
            "color=white\n"
        )
        for j, n in enumerate(layer.neurons):
            rows = [f"<B>{_t(n.name)}</B>", f"b = {num(n.b.data)}"]
            if show_grad:
                rows.append(f'<FONT COLOR="{GRAD}">{d_loss}/∂b = {num(n.b.grad)}</FONT>')
            if forward is not None:
                z, a = forward[li][j]
                rows.append(f"z = {num(z)}")
                if n.activation == "linear":
                    rows.append(f"a = z = {num(a)}")  # the output is the pre-activation
                else:
                    rows.append(f"a = {_t(act)}(z) = {num(a)}")
            label = "<" + "<BR/>".join(rows) + ">"
            shape = "doublecircle" if kind == "output" else "circle"
            body.append(
                f"\t\t{_id(li, j)} [label={label} shape={shape} style=filled "
                f'fillcolor="{FILL[kind]}" color="{BORDER[kind]}"]\n'
            )
        body.append("\t}\n")
    # Edges: one per weight, from the previous column to the neuron, drawn as two segments
    # with the weight's box between them: the label sits on its own line. (A plain edge label
    # floats beside the edge, and where the 3 × 2 edges of the lesson cross, a student cannot
    # tell which edge a label belongs to.)
    for li, layer in enumerate(model.layers):
        for j, n in enumerate(layer.neurons):
            for i, w in enumerate(n.w):
                src = f"in{i + 1}" if li == 0 else _id(li - 1, i)
                box = _weight_id(li, j, i)
                text = f"{_t(w.label or 'w')} = {num(w.data)}"
                if show_grad:
                    text += f'<BR/><FONT COLOR="{GRAD}">{d_loss}/∂w = {num(w.grad)}</FONT>'
                colour = NEGATIVE if w.data < 0 else POSITIVE
                width = _width(w.data, largest)
                body.append(
                    f'\t{box} [label=<{text}> shape=box style="rounded,filled" '
                    f'fillcolor=white color="{colour}" fontcolor="{colour}" fontsize=9 '
                    'margin="0.05,0.02" width=0 height=0]\n'
                    f'\t{src} -> {box} [dir=none color="{colour}" penwidth={width}]\n'
                    f'\t{box} -> {_id(li, j)} [color="{colour}" penwidth={width}]\n'
                )
    key = (
        f'edge colour: <FONT COLOR="{POSITIVE}">positive weight</FONT> / '
        f'<FONT COLOR="{NEGATIVE}">negative weight</FONT>; width: |w|'
    )
    if show_grad:
        key += f'; <FONT COLOR="{GRAD}">{d_loss}/∂w</FONT>: gradient after backward()'
    caption = (f"<B>{_t(title)}</B><BR/>" if title else "") + key
    graph = GradGraph(
        name="network",
        graph_attr={
            "rankdir": "LR",
            "fontname": "Helvetica",
            "bgcolor": "white",
            "ranksep": "0.5",  # between a column of neurons and its column of weight boxes
            "nodesep": "0.25",
            "pad": "0.2",
            "splines": "true",
            "outputorder": "edgesfirst",  # a line that passes a weight box goes behind it
        },
        node_attr={"fontname": "Helvetica", "fontsize": "11", "fontcolor": "#1a1a1a"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9", "arrowsize": "0.7"},
    )
    graph.body.extend(body)
    graph.body.append(f'\tlabel=<{caption}>\n\tlabelloc="b"\n')
    return graph


def _id(layer_index: int, neuron_index: int) -> str:
    return f"L{layer_index + 1}_N{neuron_index + 1}"


def _weight_id(layer_index: int, neuron_index: int, input_index: int) -> str:
    """The box of weight ``input_index`` of a neuron: ``L1_N2_w3`` holds L1.N2.w3."""
    return f"{_id(layer_index, neuron_index)}_w{input_index + 1}"


# ------------------------------------------------------------------------------------------------
# At a real size: one page with the lesson's title and error convention
# ------------------------------------------------------------------------------------------------


Rows = list[tuple[str, str]]  # the lines of a circle or a weight box: (text, colour)


def network_page(
    board: LessonLayout,
    *,
    size: str = "projector",
    title: str | None = None,
) -> Any:
    """The lesson's network on one page of ``size`` (a Pillow image), drawn on the lesson's
    one layout: each input's circle where its box is in the gradient graph, each neuron's
    circle at the centre of its neuron box, at the same scale as the slides, so the two views
    of the lesson line up. Every weight is written in a box on its own line (with its
    gradient after backward), every neuron shows b, ∂E/∂b, z and a; the header gives the
    error convention."""
    lesson = board.lesson
    model = board.model
    forward = _forward(model, list(lesson.inputs))
    fmt = board_format(board)
    notation = lesson.notation
    neurons: dict[str, Rows] = {}
    for li, layer in enumerate(model.layers):
        act = _ACTIVATION_NAME.get(layer.activation, layer.activation)
        for j, n in enumerate(layer.neurons):
            z, a = forward[li][j]
            neurons[n.name] = [
                (n.name, TEXT_COLOUR),
                (f"b = {fmt(n.b.data)}", TEXT_COLOUR),
                (f"∂E/∂b = {fmt(n.b.grad)}", GRAD),
                (f"z = {fmt(z)}", TEXT_COLOUR),
                (
                    f"a = z = {fmt(a)}" if n.activation == "linear" else f"a = {act}(z) = {fmt(a)}",
                    TEXT_COLOUR,
                ),
            ]
    weights: dict[str, Rows] = {}
    for layer in model.layers:
        for n in layer.neurons:
            for w in n.w:
                colour = NEGATIVE if w.data < 0 else POSITIVE
                weights[w.label] = [
                    (f"{w.label} = {fmt(w.data)}", colour),
                    (f"∂E/∂w = {fmt(w.grad)}", GRAD),
                ]
    heading = title or f"the lesson's {lesson.name} after one backward pass"
    rate = notation.number(f"{lesson.learning_rate:g}")
    sub = f"{lesson.error_formula}   ·   {notation.learning_rate} = {rate}"
    key = "edge colour: blue positive weight, orange negative; width: |w|; red: ∂E/∂w, ∂E/∂b"
    return network_picture(board, size, [heading, sub], neurons, weights, key=key)


TEXT_COLOUR = "#1a1a1a"  # as viz.paint.TEXT


def board_format(board: LessonLayout) -> Any:
    """The number format of the lesson's pictures (its layout's precision), with the lesson's
    decimal separator (`autograd_mlp.teach.notation`)."""
    precision = board.layout.precision
    notation = board.lesson.notation

    def fmt(v: float) -> str:
        return str(notation.number(_fmt(v, precision)))

    return fmt


def network_picture(
    board: LessonLayout,
    size: str,
    header: Sequence[str],
    neurons: dict[str, Rows],
    weights: dict[str, Rows],
    *,
    reserve_neurons: dict[str, Rows] | None = None,
    reserve_weights: dict[str, Rows] | None = None,
    highlight: frozenset[str] = frozenset(),
    footer: Sequence[str] = (),
    footer_lines: int | None = None,
    key: str = "",
    beside: bool | None = None,
) -> Any:
    """The lesson's network on one page of ``size``: ``header`` (a title in large type, then
    body lines), a circle per input and per neuron (``neurons[name]`` its rows), a box on each
    weight's line (``weights[label]`` its rows), ``footer`` lines and a ``key`` at the bottom.

    Circles and boxes are as large as the rows of ``reserve_*`` (default: the rows drawn)
    need, so pictures that share the reserve put everything on the same pixels whatever they
    print. ``highlight`` names neurons and weights drawn in red; ``footer_lines`` the room kept
    for the footer; ``beside`` whether the second header line is on the title's line (default:
    when it fits; pictures of one set must agree). The text is drawn at the slides' scale
    (body text ≥ 18 px on a projector) whenever the network fits the page at that scale; a
    Pillow image whose ``info[VECTOR]`` draws it again on a PDF canvas."""
    from PIL import Image, ImageDraw

    from ..viz.layout import LINE
    from ..viz.measure import FONT_SIZE, text_width
    from ..viz.pages import LINE_RATIO, TITLE_RATIO, VECTOR, body_px, fits_beside, size_named
    from ..viz.paint import HIGHLIGHT, TEXT, draw_text

    page = size_named(size)
    body = body_px(page)
    scale = page.scale
    lesson = board.lesson
    model = board.model
    layout = board.layout
    name = {v: nid for v, nid in layout.ids.items()}
    reserve_neurons = reserve_neurons if reserve_neurons is not None else neurons
    reserve_weights = reserve_weights if reserve_weights is not None else weights
    fmt = board_format(board)

    m = page.margin
    title = body * TITLE_RATIO
    # the second header line beside the title when both fit on one line (the network gets it)
    if beside is None:
        beside = fits_beside(page, header[:1], header[1:2])
    beside = beside and len(header) > 1
    below = len(header) - 1 - (1 if beside else 0)
    head = m + title * 1.3 + body * (LINE_RATIO * below + 0.7)
    rows_below = footer_lines if footer_lines is not None else len(footer)
    foot = body * LINE_RATIO * rows_below + (body * 0.6 if rows_below else 0.0)
    key_h = body * 2.0 if key else body * 0.5
    room_w, room_h = page.width - 2 * m, page.height - head - m - key_h - foot
    y_min = min(n.y for n in layout.nodes.values())
    # The columns: the inputs', then each layer's, where the layout has them, and the room
    # between two columns that their circles and the weight boxes between them need.
    inputs_at = [
        layout.nodes[name[v]].cx for v in layout.ids if not v._prev and v.label.startswith("x")
    ]
    anchors = [sum(inputs_at) / max(len(inputs_at), 1)]
    widest_r = [
        max(
            (_radius(reserve_neurons.get(f"x{i + 1}", [(f"x{i + 1}", TEXT)]), text_width))
            for i in range(model.nin)
        )
    ]
    needs = []
    for li, layer in enumerate(model.layers):
        centres = [
            layout.clusters[f"cluster_L{li + 1}_N{j + 1}"] for j in range(len(layer.neurons))
        ]
        anchors.append(sum(c.x + c.w / 2 for c in centres) / len(centres))
        widest_r.append(max(_radius(reserve_neurons[n.name], text_width) for n in layer.neurons))
        box = max(
            max(text_width(t, FONT_SIZE) for t, _ in reserve_weights[w.label]) + 12
            for n in layer.neurons
            for w in n.w
        )
        needs.append(widest_r[-2] + widest_r[-1] + box + 24)

    def build(squeeze: float, rise: float = 1.0) -> tuple[Any, Any, Any, Any]:
        """Circles, lines, weight boxes and all boxes, the columns ``squeeze`` times (but
        never closer than their boxes need) and the rows ``rise`` times as far apart as in
        the layout."""
        placed_at = [anchors[0]]
        for k in range(1, len(anchors)):
            gap = max(needs[k - 1], (anchors[k] - anchors[k - 1]) * squeeze)
            placed_at.append(placed_at[-1] + gap)

        def sx(x: float) -> float:
            """``x`` moved with the columns around it (piecewise linear between them)."""
            if x <= anchors[0] or len(anchors) == 1:
                return placed_at[0] + (x - anchors[0])
            for k in range(1, len(anchors)):
                if x <= anchors[k] or k == len(anchors) - 1:
                    span = anchors[k] - anchors[k - 1] or 1.0
                    part = (x - anchors[k - 1]) / span
                    return placed_at[k - 1] + part * (placed_at[k] - placed_at[k - 1])
            return x  # unreachable: the loop returns at its last column

        def sy(y: float) -> float:
            return y_min + (y - y_min) * rise

        # Circles (layout units): centre, radius, key, colours.
        circles: list[tuple[float, float, float, str, str, str]] = []
        inputs = [v for v in layout.ids if not v._prev and v.label.startswith("x")]
        centre: dict[str, tuple[float, float, float]] = {}
        for i in range(model.nin):
            where = next(layout.nodes[name[v]] for v in inputs if v.label == f"x{i + 1}")
            key_ = f"x{i + 1}"
            rows = neurons.get(key_) or [(key_, TEXT), (fmt(lesson.inputs[i]), TEXT)]
            neurons.setdefault(key_, rows)
            r = _radius(reserve_neurons.get(key_, rows), text_width)
            centre[key_] = (sx(where.cx), sy(where.cy), r)
            circles.append((sx(where.cx), sy(where.cy), r, key_, FILL["input"], BORDER["input"]))
        last = len(model.layers) - 1
        for li, layer in enumerate(model.layers):
            for j, n in enumerate(layer.neurons):
                c = layout.clusters[f"cluster_L{li + 1}_N{j + 1}"]
                r = _radius(reserve_neurons[n.name], text_width)
                kind = "output" if li == last else "hidden"
                cx, cy = sx(c.x + c.w / 2), sy(c.y + c.h / 2)
                centre[n.name] = (cx, cy, r)
                circles.append((cx, cy, r, n.name, FILL[kind], BORDER[kind]))
        # Weight boxes on their lines, at the first place along the line that is clear.
        all_weights = [w for layer in model.layers for n in layer.neurons for w in n.w]
        largest = max((abs(w.data) for w in all_weights), default=0.0)
        lines = []
        placed: list[tuple[float, float, float, float]] = [
            (cx - r, cy - r, 2 * r, 2 * r) for cx, cy, r, *_ in circles
        ]
        labels = []
        for li, layer in enumerate(model.layers):
            for n in layer.neurons:
                for i, w in enumerate(n.w):
                    src = f"x{i + 1}" if li == 0 else model.layers[li - 1].neurons[i].name
                    (x0, y0, r0), (x1, y1, r1) = centre[src], centre[n.name]
                    colour = NEGATIVE if w.data < 0 else POSITIVE
                    width = float(_width(w.data, largest))
                    lines.append((x0, y0, r0, x1, y1, r1, colour, width, w.label))
                    wanted = reserve_weights[w.label]
                    bw = max(text_width(t, FONT_SIZE) for t, _ in wanted) + 12
                    bh = len(wanted) * LINE + 6
                    spot: tuple[float, float, float, float] | None = None
                    for t in (0.5, 0.42, 0.58, 0.34, 0.66, 0.27, 0.73, 0.2, 0.8):
                        px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                        cand = (px - bw / 2, py - bh / 2, bw, bh)
                        if not any(_overlap(cand, other) for other in placed):
                            spot = cand
                            break
                    if spot is None:  # crowded: the middle of the line, over the others
                        spot = ((x0 + x1 - bw) / 2, (y0 + y1 - bh) / 2, bw, bh)
                    placed.append(spot)
                    labels.append((spot, w.label, colour))
        return circles, lines, labels, placed

    def extent(placed: list[tuple[float, float, float, float]], axis: int) -> float:
        return max(b[axis] + b[axis + 2] for b in placed) - min(b[axis] for b in placed)

    def apart(circles: list[tuple[float, float, float, str, str, str]]) -> bool:
        return all(
            math.hypot(a[0] - b[0], a[1] - b[1]) >= a[2] + b[2] + 6
            for k, a in enumerate(circles)
            for b in circles[k + 1 :]
        )

    # A page narrower (or lower) than the layout brings the columns (rows) closer rather than
    # shrink the text; rows only as long as no two circles touch.
    for squeeze in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4):
        circles, lines, labels, placed = build(squeeze)
        if extent(placed, 0) * scale <= room_w:
            break
    for rise in (0.9, 0.8, 0.7, 0.6, 0.5):
        if extent(placed, 1) * scale <= room_h:
            break
        closer = build(squeeze, rise)
        if not apart(closer[0]):
            break
        circles, lines, labels, placed = closer
    # The page: header, then the network in layout coordinates (the slides' scale).
    xs = [b[0] for b in placed] + [b[0] + b[2] for b in placed]
    ys = [b[1] for b in placed] + [b[1] + b[3] for b in placed]
    left, top_u, right, bottom_u = min(xs), min(ys), max(xs), max(ys)
    fit = min(room_w / (right - left), room_h / (bottom_u - top_u))
    s_ = min(scale, fit)  # the slides' scale; smaller only for a network too big for a page
    ox = m + (room_w - (right - left) * s_) / 2 - left * s_
    oy = head + (room_h - (bottom_u - top_u) * s_) / 2 - top_u * s_

    def P(x: float, y: float) -> tuple[float, float]:
        return (ox + x * s_, oy + y * s_)

    def draw_all(draw: Any) -> None:
        """The page on a Pillow ImageDraw or a vector PDF canvas (`viz.pages.write_pdf`)."""
        y = m + title
        draw_text(draw, (m, y), header[0], title, True, TEXT)
        if beside:
            draw_text(draw, (page.width - m, y), header[1], body, False, TEXT, "end")
        y += title * 0.3 + body * 0.7
        for line in header[2 if beside else 1 :]:
            y += body * LINE_RATIO - body * 0.3
            draw_text(draw, (m, y), line, body, False, TEXT)
            y += body * 0.3
        for x0, y0, r0, x1, y1, r1, colour, width, label in lines:
            hot = label in highlight
            ink = HIGHLIGHT if hot else colour
            wide = max(width, 2.6) if hot else width
            length = math.hypot(x1 - x0, y1 - y0) or 1.0
            ux, uy = (x1 - x0) / length, (y1 - y0) / length
            start = P(x0 + ux * r0, y0 + uy * r0)
            end = P(x1 - ux * (r1 + 6), y1 - uy * (r1 + 6))
            draw.line([start, end], fill=ink, width=max(1, round(wide * s_)))
            tip = P(x1 - ux * r1, y1 - uy * r1)
            side = (-uy * 5 * s_, ux * 5 * s_)
            back = (tip[0] - ux * 11 * s_, tip[1] - uy * 11 * s_)
            draw.polygon(
                [
                    tip,
                    (back[0] + side[0], back[1] + side[1]),
                    (back[0] - side[0], back[1] - side[1]),
                ],
                fill=ink,
            )
        for cx, cy, r, key_, fill, border in circles:
            hot = key_ in highlight
            draw.ellipse(
                [P(cx - r, cy - r), P(cx + r, cy + r)],
                fill=fill,
                outline=HIGHLIGHT if hot else border,
                width=max(1, round((3.5 if hot else 1.5) * s_)),
            )
            rows = neurons[key_]
            height = len(reserve_neurons.get(key_, rows))
            y0 = cy - height * LINE / 2 + LINE / 2 + FONT_SIZE * 0.36
            for k, (text, colour) in enumerate(rows):
                if text:
                    at = P(cx, y0 + k * LINE)
                    draw_text(draw, at, text, FONT_SIZE * s_, k == 0, colour, "middle")
        for (bx, by, bw, bh), label, colour in labels:
            hot = label in highlight
            draw.rounded_rectangle(
                [P(bx, by), P(bx + bw, by + bh)],
                radius=5 * s_,
                fill="white",
                outline=HIGHLIGHT if hot else colour,
                width=max(1, round((2.6 if hot else 1.2) * s_)),
            )
            for k, (text, ink) in enumerate(weights[label]):
                if text:
                    y = by + 3 + LINE * (k + 0.5) + FONT_SIZE * 0.36
                    at = P(bx + bw / 2, y)
                    draw_text(draw, at, text, FONT_SIZE * s_, hot and k > 0, ink, "middle")
        y = page.height - m - key_h - foot + body * 1.1
        for line in footer:
            draw_text(draw, (m, y), line, body, False, TEXT)
            y += body * LINE_RATIO
        if key:
            draw_text(draw, (m, page.height - m - body * 0.5), key, body, False, TEXT)

    image = Image.new("RGB", (page.width, page.height), "white")
    draw_all(ImageDraw.Draw(image))
    image.info[VECTOR] = draw_all
    image.info["text_px"] = FONT_SIZE * s_
    return image


def _radius(rows: Sequence[tuple[str, str]], width: Any) -> float:
    from ..viz.layout import LINE
    from ..viz.measure import FONT_SIZE

    widest = max(float(width(t, FONT_SIZE, k == 0)) for k, (t, _) in enumerate(rows))
    # The corners of the block of text must be inside the circle, not only its middle.
    return math.hypot(widest / 2, len(rows) * LINE / 2) + 6


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
