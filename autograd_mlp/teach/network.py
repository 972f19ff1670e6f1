"""``draw_network(model, x)``: the classic textbook figure of a multi-layer perceptron.

Neurons are circles in columns (inputs, hidden layers, outputs); each weight is written in a
small box that sits on its own edge (so that where edges cross, no label can be read as
belonging to the wrong one) and each bias inside its neuron. Given an input ``x`` every neuron
also shows its pre-activation z and its output a; after ``backward()`` every weight and bias
shows its gradient ∂E/∂w next to its value (``loss="L"`` names the root differently). Edge
colour encodes the sign of the weight (blue positive, orange negative: a pair that colour-blind
readers tell apart) and edge width its magnitude, so the strong connections stand out before
any number is read.

This is the *network* view (one circle per neuron); ``autograd_mlp.viz.draw_graph`` is the
*graph* view (one box per Value). The DOT text is built here; rendering goes through
``autograd_mlp.viz`` (``save(graph, "net.png")``), like every other figure.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from ..engine import Value
from ..nn import MLP
from ..viz import GradGraph
from ..viz import format_number as _fmt

__all__ = ["draw_network", "network_page", "MAX_NETWORK_EDGES"]

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

NETWORK_FONT_PT = 9  # the smallest text draw_network writes (the weights' boxes)


def network_page(
    model: MLP,
    x: Sequence[float | Value] | None,
    *,
    size: str = "projector",
    title: str,
    subtitle: str,
    timeout: float | None = None,
) -> Any:
    """The network diagram on one page of ``size`` (a Pillow image): rendered by Graphviz at
    the resolution that makes its smallest text (the weights, 9 pt) at least body size, under
    a header with ``title`` in large type and ``subtitle`` (the error convention)."""
    import io
    import math

    from PIL import Image, ImageDraw

    from ..viz.layout import TEXT, draw_text
    from ..viz.pages import TITLE_RATIO, body_px, size_named
    from ..viz.render import DEFAULT_TIMEOUT, render_bytes

    page = size_named(size)
    body = body_px(page)
    graph = draw_network(model, x)
    dpi = math.ceil(body / NETWORK_FONT_PT * 72)
    graph.graph_attr["dpi"] = str(dpi)
    data = render_bytes(graph, "png", timeout=timeout or DEFAULT_TIMEOUT, quiet=True)
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    m = page.margin
    top = m + body * TITLE_RATIO * 1.3 + body * 1.6
    room = (page.width - 2 * m, page.height - round(top) - m)
    if picture.width > room[0] or picture.height > room[1]:
        # A network too large for one page at this text size: shrink it to fit (its text is
        # then smaller than body size; draw one layer at a time for a class).
        ratio = min(room[0] / picture.width, room[1] / picture.height)
        picture = picture.resize(
            (int(picture.width * ratio), int(picture.height * ratio)), Image.Resampling.LANCZOS
        )
    image = Image.new("RGB", (page.width, page.height), "white")
    draw = ImageDraw.Draw(image)
    draw_text(draw, (m, m + body * TITLE_RATIO), title, body * TITLE_RATIO, True, TEXT)
    draw_text(draw, (m, m + body * TITLE_RATIO * 1.3 + body), subtitle, body, False, TEXT)
    image.paste(picture, ((page.width - picture.width) // 2, round(top)))
    return image
