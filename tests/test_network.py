"""draw_network(): the textbook figure of the network, as DOT text and as an image."""

from __future__ import annotations

import math
import re

import pytest

from autograd_mlp import MLP, Value
from autograd_mlp.teach.lesson import (
    LESSON_T,
    LESSON_W1,
    LESSON_W2,
    LESSON_X,
    lesson_error,
    lesson_network,
)
from autograd_mlp.teach.network import NEGATIVE, POSITIVE, draw_network
from autograd_mlp.viz import format_number
from tests.conftest import needs


def _weights(dot: str) -> dict[str, tuple[str, str, str]]:
    """Every weight box: id -> (its node line, the edge into it, the edge out of it)."""
    lines = dot.splitlines()
    boxes = {}
    for line in lines:
        m = re.match(r"\s*(L\d+_N\d+_w\d+) \[", line)
        if m:
            box = m.group(1)
            (into,) = [ln for ln in lines if re.search(rf"-> {box} \[", ln)]
            (out,) = [ln for ln in lines if ln.strip().startswith(f"{box} ->")]
            boxes[box] = (line, into, out)
    return boxes


def _lesson_after_backward() -> MLP:
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    lesson_error(y).backward()
    return model


def test_structure_weights_on_their_edges_and_biases() -> None:
    model = lesson_network()
    dot = draw_network(model).source
    assert len(re.findall(r"^\s*in\d+ \[", dot, re.M)) == 3
    assert len(re.findall(r"^\s*L\d_N\d \[", dot, re.M)) == 4
    assert len(re.findall(r"shape=(?:double)?circle", dot)) == 3 + 4  # neurons are circles
    assert dot.count("doublecircle") == 2  # the outputs
    boxes = _weights(dot)
    assert len(boxes) == 3 * 2 + 2 * 2  # one box per weight
    assert len([ln for ln in dot.splitlines() if "->" in ln]) == 2 * len(boxes)
    # each weight sits on its own edge: source column -> box -> neuron, with its value
    for layer, weights in ((1, LESSON_W1), (2, LESSON_W2)):
        for j, row in enumerate(weights, 1):
            for i, w in enumerate(row, 1):
                node, into, out = boxes[f"L{layer}_N{j}_w{i}"]
                src = f"in{i}" if layer == 1 else f"L1_N{i}"
                assert into.strip().startswith(f"{src} -> ") and "dir=none" in into
                assert out.strip().startswith(f"L{layer}_N{j}_w{i} -> L{layer}_N{j} [")
                assert f"L{layer}.N{j}.w{i} = {format_number(w)}" in node
    assert "b = 0.0500" in dot and "b = −0.0500" in dot  # biases inside the output neurons
    assert "∂E/∂w" not in dot and "z = " not in dot  # no input, no backward: numbers only
    assert "<B>inputs</B>" in dot and "hidden layer 1</B> (σ)" in dot
    assert "outputs</B> (linear)" in dot


def test_colour_encodes_sign_and_width_encodes_magnitude() -> None:
    widths = {}
    for node, into, out in _weights(draw_network(lesson_network()).source).values():
        value = float(re.search(r"= (−?\d\.\d+)[<>]", node).group(1).replace("−", "-"))  # type: ignore[union-attr]
        colour = NEGATIVE if value < 0 else POSITIVE
        for line in (node, into, out):  # the box and both halves of the edge
            assert f'color="{colour}"' in line
        width = float(re.search(r"penwidth=([\d.]+)", into).group(1))  # type: ignore[union-attr]
        assert f"penwidth={width:.2f}" in out
        widths[abs(value)] = width
    ordered = [widths[k] for k in sorted(widths)]
    assert ordered == sorted(ordered) and ordered[0] < ordered[-1]
    assert widths[0.7] == 4.0  # the largest weight gets the widest edge
    assert POSITIVE != NEGATIVE


def test_forward_values_and_gradients_from_hand_algebra() -> None:
    model = _lesson_after_backward()
    before = [(p.data, p.grad) for p in model.parameters()]
    dot = draw_network(model, list(LESSON_X)).source
    assert before == [(p.data, p.grad) for p in model.parameters()]  # drawing changes nothing
    # Hand algebra: z = Σ w·x + b; h = σ(z); y = W2·h + b2; ∂E/∂L2.Nk.wj = −2(tₖ − yₖ)·hⱼ
    z = [0.1 * 1 - 0.2 * 0.5 + 0.3 * -1 + 0.1, 0.4 * 1 + 0.2 * 0.5 - 0.5 * -1 - 0.1]
    h = [1 / (1 + math.exp(-v)) for v in z]
    ys = [0.6 * h[0] - 0.3 * h[1] + 0.05, 0.2 * h[0] + 0.7 * h[1] - 0.05]
    assert f"<B>x3</B><BR/>{format_number(-1.0)}" in dot  # the inputs show their values
    for v in z:
        assert f"z = {format_number(v)}" in dot
    for v in h:
        assert f"a = σ(z) = {format_number(v)}" in dot
    for v in ys:  # linear outputs: a = z, printed as such
        assert f"z = {format_number(v)}<BR/>a = z = {format_number(v)}" in dot
    grad = -2 * (LESSON_T[0] - ys[0]) * h[1]
    node, _, _ = _weights(dot)["L2_N1_w2"]
    assert f"∂E/∂w = {format_number(grad)}" in node
    assert f"∂E/∂b = {format_number(-2 * (LESSON_T[1] - ys[1]))}" in dot
    # a first-layer weight: the sum over the two paths, by hand
    back = sum(-2 * (LESSON_T[k] - ys[k]) * LESSON_W2[k][0] for k in range(2))
    node, _, _ = _weights(dot)["L1_N1_w3"]
    assert f"∂E/∂w = {format_number(back * h[0] * (1 - h[0]) * LESSON_X[2])}" in node


def test_gradients_shown_only_after_backward_unless_asked() -> None:
    model = lesson_network()
    assert "∂E/∂" not in draw_network(model).source
    assert "∂E/∂w = 0.0000" in draw_network(model, show_grad=True).source
    trained = _lesson_after_backward()
    assert "∂E/∂w" in draw_network(trained).source
    assert "∂E/∂" not in draw_network(trained, show_grad=False).source
    renamed = draw_network(trained, loss="L").source
    assert "∂L/∂w = " in renamed and "∂L/∂b = " in renamed and "∂E/" not in renamed


def _layout(dot: str) -> dict[str, tuple[float, float, float, float]]:
    """Node centre and size in points, from Graphviz's own layout."""
    pygraphviz = needs("pygraphviz")
    graph = pygraphviz.AGraph(string=dot)
    graph.layout(prog="dot")
    out = {}
    for n in graph.nodes():
        x, y = (float(v) for v in n.attr["pos"].split(","))
        out[str(n)] = (x, y, float(n.attr["width"]) * 72, float(n.attr["height"]) * 72)
    return out


def test_layout_has_columns_and_no_overlaps() -> None:
    model = _lesson_after_backward()
    pos = _layout(draw_network(model, list(LESSON_X), title="lesson").source)
    columns = [
        ["in1", "in2", "in3"],
        [f"L1_N{j}_w{i}" for j in (1, 2) for i in (1, 2, 3)],
        ["L1_N1", "L1_N2"],
        [f"L2_N{k}_w{j}" for k in (1, 2) for j in (1, 2)],
        ["L2_N1", "L2_N2"],
    ]
    xs = []
    for column in columns:
        centres = {round(pos[n][0], 1) for n in column}
        assert len(centres) == 1, column  # one column: the same x for all
        xs.append(centres.pop())
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # left to right
    # inputs top to bottom in order (x1 on top), so the figure reads like the textbook's
    assert pos["in1"][1] > pos["in2"][1] > pos["in3"][1]
    # no two nodes overlap (labels are inside nodes: a weight box never covers another)
    names = list(pos)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (xa, ya, wa, ha), (xb, yb, wb, hb) = pos[a], pos[b]
            apart = abs(xa - xb) >= (wa + wb) / 2 or abs(ya - yb) >= (ha + hb) / 2
            assert apart, f"{a} overlaps {b}"


def test_renders_to_png() -> None:
    needs("pygraphviz")
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    out.backward()
    png = draw_network(model, [0.5, -1.0], title="2–3–1", loss="out").render_bytes("png")
    assert png.startswith(b"\x89PNG")


def test_bad_input() -> None:
    with pytest.raises(TypeError, match="expects an MLP, got list"):
        draw_network([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        draw_network(lesson_network(), [1.0, 2.0])
    with pytest.raises(TypeError, match="x must be a sequence of 3 numbers"):
        draw_network(lesson_network(), "abc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="has 900 weights"):
        draw_network(MLP(30, [30]))
    with pytest.raises(ValueError, match="precision must be an int"):
        draw_network(lesson_network(), precision=-2)
    with pytest.raises(TypeError, match="loss must be a non-empty str"):
        draw_network(lesson_network(), loss="")
