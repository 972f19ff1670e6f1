"""draw_network(): the textbook figure of the network, as DOT text and as an image."""

from __future__ import annotations

import math
import re

import pytest

from autograd_mlp import MLP, Value
from autograd_mlp.teach.lesson import LESSON_T, LESSON_X, lesson_error, lesson_network
from autograd_mlp.teach.network import draw_network
from autograd_mlp.viz import format_number
from tests.conftest import needs


def _edge_lines(dot: str) -> list[str]:
    return [ln for ln in dot.splitlines() if "->" in ln]


def test_structure_weights_and_biases() -> None:
    model = lesson_network()
    dot = draw_network(model).source
    assert len(re.findall(r"^\s*in\d+ \[", dot, re.M)) == 3
    assert len(re.findall(r"^\s*L\d_N\d \[", dot, re.M)) == 4
    edges = _edge_lines(dot)
    assert len(edges) == 3 * 2 + 2 * 2
    # each weight is printed on its own edge, e.g. x2 -> L1.N1 carries L1.N1.w2 = -0.2
    (edge,) = [e for e in edges if e.strip().startswith("in2 -> L1_N1")]
    assert "L1.N1.w2 = −0.2000" in edge
    assert "b = 0.0500" in dot and "b = −0.0500" in dot  # biases inside the output neurons
    assert "∂E/∂w" not in dot  # no backward yet: no gradients shown
    assert "doublecircle" in dot


def test_colour_encodes_sign_and_width_encodes_magnitude() -> None:
    dot = draw_network(lesson_network()).source
    widths = {}
    for e in _edge_lines(dot):
        value = float(re.search(r"= (−?\d\.\d+)[<>]", e).group(1).replace("−", "-"))  # type: ignore[union-attr]
        colour = re.search(r'color="(#[0-9a-f]+)"', e).group(1)  # type: ignore[union-attr]
        assert colour == ("#d95f02" if value < 0 else "#2166ac")
        widths[abs(value)] = float(re.search(r"penwidth=([\d.]+)", e).group(1))  # type: ignore[union-attr]
    ordered = [widths[k] for k in sorted(widths)]
    assert ordered == sorted(ordered) and ordered[0] < ordered[-1]
    assert widths[0.7] == 4.0  # the largest weight gets the widest edge


def test_forward_values_and_gradients_from_hand_algebra() -> None:
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    lesson_error(y).backward()
    before = [(p.data, p.grad) for p in model.parameters()]
    dot = draw_network(model, list(LESSON_X)).source
    assert before == [(p.data, p.grad) for p in model.parameters()]  # drawing changes nothing
    # Hand algebra: z = Σ w·x + b; h = σ(z); y = W2·h + b2; ∂E/∂L2.Nk.wj = −2(tₖ − yₖ)·hⱼ
    z = [0.1 * 1 - 0.2 * 0.5 + 0.3 * -1 + 0.1, 0.4 * 1 + 0.2 * 0.5 - 0.5 * -1 - 0.1]
    h = [1 / (1 + math.exp(-v)) for v in z]
    ys = [0.6 * h[0] - 0.3 * h[1] + 0.05, 0.2 * h[0] + 0.7 * h[1] - 0.05]
    for v in z:
        assert f"z = {format_number(v)}" in dot
    for v in h:
        assert f"a = σ(z) = {format_number(v)}" in dot
    for v in ys:
        assert f"z = {format_number(v)}" in dot
    grad = -2 * (LESSON_T[0] - ys[0]) * h[1]
    (edge,) = [e for e in _edge_lines(dot) if e.strip().startswith("L1_N2 -> L2_N1")]
    assert f"∂E/∂w = {format_number(grad)}" in edge
    assert f"∂E/∂b = {format_number(-2 * (LESSON_T[1] - ys[1]))}" in dot


def test_renders_to_png() -> None:
    needs("pygraphviz")
    model = MLP(2, [3, 1], activation="tanh", seed=1)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    out.backward()
    png = draw_network(model, [0.5, -1.0], title="2–3–1").render_bytes("png")
    assert png.startswith(b"\x89PNG")


def test_bad_input() -> None:
    with pytest.raises(TypeError, match="expects an MLP, got list"):
        draw_network([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        draw_network(lesson_network(), [1.0, 2.0])
    with pytest.raises(ValueError, match="has 900 weights"):
        draw_network(MLP(30, [30]))
    with pytest.raises(ValueError, match="precision must be an int"):
        draw_network(lesson_network(), precision=-2)
