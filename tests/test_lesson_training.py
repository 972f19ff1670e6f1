"""The lesson, end to end: one gradient-descent step of the 3–2–2 network checked against a hand
computation, then training with `fit` until the error is below a target.

The hand computation is the generalized delta rule of Rumelhart, Hinton & Williams, "Learning
representations by back-propagating errors", Nature 323 (1986), 533–536, written out for this
network (the same steps as the lesson on the board):

    forward   zⱼ = Σᵢ W1ⱼᵢ·xᵢ + b1ⱼ,  hⱼ = σ(zⱼ) = 1/(1 + e^(−zⱼ))      (hidden, sigmoid)
              yₖ = Σⱼ W2ₖⱼ·hⱼ + b2ₖ                                   (output, purelin)
    error     E = Σₖ (tₖ − yₖ)²                                        (N = 1)
    output δ  δₖ = ∂E/∂yₖ = −2·(tₖ − yₖ)            (purelin: f' = 1)
    hidden δ  δⱼ = σ'(zⱼ)·(W2₁ⱼ·δ₁ + W2₂ⱼ·δ₂),  σ' = hⱼ·(1 − hⱼ)   (the sum over the two paths)
    gradients ∂E/∂W2ₖⱼ = δₖ·hⱼ,  ∂E/∂b2ₖ = δₖ,  ∂E/∂W1ⱼᵢ = δⱼ·xᵢ,  ∂E/∂b1ⱼ = δⱼ
    update    W' = W − a·∂E/∂W  with a = 0.02

The numbers are the documented example of `autograd_mlp.teach.lesson`; this file types them in
again rather than importing them, so a change to the lesson module shows up here.
"""

from __future__ import annotations

import math

from autograd_mlp.engine import Value
from autograd_mlp.nn.optim import SGD
from autograd_mlp.nn.train import fit
from autograd_mlp.teach.lesson import (
    DEFAULT_LESSON,
    LESSON_LR,
    LESSON_T,
    LESSON_X,
    lesson_error,
    lesson_network,
)
from tests.lessons import ONE_A, ONE_B1, ONE_B2, ONE_T, ONE_W1, ONE_W2, ONE_X, one_output_lesson

# The lesson's example (autograd_mlp/teach/lesson.py docstring).
x1, x2, x3 = 1.0, 0.5, -1.0
t1, t2 = 1.0, 0.0
W1 = [[0.1, -0.2, 0.3], [0.4, 0.2, -0.5]]
b1 = [0.1, -0.1]
W2 = [[0.6, -0.3], [0.2, 0.7]]
b2 = [0.05, -0.05]
a = 0.02


def hand_step() -> dict[str, float]:
    """Every parameter after one step, by the delta rule in plain float arithmetic."""
    # forward, hidden layer
    z1 = W1[0][0] * x1 + W1[0][1] * x2 + W1[0][2] * x3 + b1[0]  # 0.1 − 0.1 − 0.3 + 0.1 = −0.2
    z2 = W1[1][0] * x1 + W1[1][1] * x2 + W1[1][2] * x3 + b1[1]  # 0.4 + 0.1 + 0.5 − 0.1 = 0.9
    h1 = 1.0 / (1.0 + math.exp(-z1))
    h2 = 1.0 / (1.0 + math.exp(-z2))
    # forward, output layer (purelin)
    y1 = W2[0][0] * h1 + W2[0][1] * h2 + b2[0]
    y2 = W2[1][0] * h1 + W2[1][1] * h2 + b2[1]
    # output deltas: ∂E/∂yₖ for E = (t₁ − y₁)² + (t₂ − y₂)²
    d_out1 = -2.0 * (t1 - y1)
    d_out2 = -2.0 * (t2 - y2)
    # hidden deltas: each hidden neuron reaches E through both output neurons, so two paths add
    d_hid1 = h1 * (1.0 - h1) * (W2[0][0] * d_out1 + W2[1][0] * d_out2)
    d_hid2 = h2 * (1.0 - h2) * (W2[0][1] * d_out1 + W2[1][1] * d_out2)
    return {
        "L2.N1.w1": W2[0][0] - a * d_out1 * h1,
        "L2.N1.w2": W2[0][1] - a * d_out1 * h2,
        "L2.N1.b": b2[0] - a * d_out1,
        "L2.N2.w1": W2[1][0] - a * d_out2 * h1,
        "L2.N2.w2": W2[1][1] - a * d_out2 * h2,
        "L2.N2.b": b2[1] - a * d_out2,
        "L1.N1.w1": W1[0][0] - a * d_hid1 * x1,
        "L1.N1.w2": W1[0][1] - a * d_hid1 * x2,
        "L1.N1.w3": W1[0][2] - a * d_hid1 * x3,
        "L1.N1.b": b1[0] - a * d_hid1,
        "L1.N2.w1": W1[1][0] - a * d_hid2 * x1,
        "L1.N2.w2": W1[1][1] - a * d_hid2 * x2,
        "L1.N2.w3": W1[1][2] - a * d_hid2 * x3,
        "L1.N2.b": b1[1] - a * d_hid2,
    }


def hand_error() -> float:
    h = [1.0 / (1.0 + math.exp(-(sum(w * x for w, x in zip(row, (x1, x2, x3))) + b)))
         for row, b in zip(W1, b1)]  # fmt: skip
    y = [sum(w * hj for w, hj in zip(row, h)) + b for row, b in zip(W2, b2)]
    return (t1 - y[0]) ** 2 + (t2 - y[1]) ** 2


def test_the_example_numbers_are_the_documented_ones() -> None:
    model = lesson_network()
    assert ((x1, x2, x3), (t1, t2), a) == (LESSON_X, LESSON_T, LESSON_LR)
    got = [[w.data for w in n.w] + [n.b.data] for layer in model.layers for n in layer.neurons]
    assert got == [W1[0] + [b1[0]], W1[1] + [b1[1]], W2[0] + [b2[0]], W2[1] + [b2[1]]]


def test_one_step_matches_the_hand_computation() -> None:
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    error = lesson_error(y)
    assert math.isclose(error.data, hand_error(), rel_tol=1e-14)
    optimizer = SGD(model.parameters(), lr=LESSON_LR)
    optimizer.zero_grad()
    error.backward()
    optimizer.step()
    expected = hand_step()
    params = {p.label: p.data for p in model.parameters()}
    assert params.keys() == expected.keys()  # all 14 parameters, by their textbook labels
    for label, value in expected.items():
        assert math.isclose(params[label], value, rel_tol=1e-13, abs_tol=1e-15), label
    # and the step really moved every parameter away from the example's starting numbers
    start = [*W2[0], b2[0], *W2[1], b2[1], *W1[0], b1[0], *W1[1], b1[1]]
    assert all(params[label] != s for label, s in zip(expected, start))


def test_fit_takes_the_same_first_step() -> None:
    model = lesson_network()
    history = fit(
        model,
        [list(LESSON_X)],
        [list(LESSON_T)],
        loss="sse",  # E = Σₖ (tₖ − yₖ)² for one sample: the lesson's error
        optimizer=SGD(model.parameters(), lr=LESSON_LR),
        max_steps=1,
        progress=False,
    )
    assert history.stopped_because == "max_steps" and history.steps == 1
    assert math.isclose(history.loss[0], hand_error(), rel_tol=1e-14)
    for p in model.parameters():
        assert math.isclose(p.data, hand_step()[p.label], rel_tol=1e-13, abs_tol=1e-15)


def test_training_reaches_the_target_error_and_stops_there() -> None:
    model = lesson_network()
    target = 1e-4
    history = fit(
        model,
        [list(LESSON_X)],
        [list(LESSON_T)],
        loss="sse",
        optimizer=SGD(model.parameters(), lr=LESSON_LR),
        target_loss=target,
        max_steps=2000,
        progress=False,
    )
    assert history.stopped_because == "target_loss"
    assert history.final_loss <= target < history.loss[-2]  # stopped at the first step below
    assert history.steps == len(history.loss) - 1  # no update after the target was reached
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    assert math.isclose(lesson_error(y).data, history.final_loss, rel_tol=1e-12)
    assert abs(y[0].data - t1) < 0.01 and abs(y[1].data - t2) < 0.01


# ------------------------------------------------------------------------------------------------
# A lesson with one output neuron: MLP returns the Value itself, not a list of one
# ------------------------------------------------------------------------------------------------
# A 2–2–1 network, sigmoid hidden, purelin output, E = (t − y)². With one output every hidden
# neuron reaches E by one path: δⱼ = σ'(zⱼ)·W2ⱼ·δ, no sum over outputs.
def one_output_hand() -> tuple[float, float, dict[str, float]]:
    """y, E and every ∂E/∂p of the 2–2–1 lesson by the delta rule in plain floats."""
    z = [row[0] * ONE_X[0] + row[1] * ONE_X[1] + b for row, b in zip(ONE_W1, ONE_B1)]
    # z₁ = 0.3 + 0.1 + 0.1 = 0.5,  z₂ = 0.1 − 0.2 − 0.1 = −0.2
    h = [1.0 / (1.0 + math.exp(-zj)) for zj in z]
    y = ONE_W2[0] * h[0] + ONE_W2[1] * h[1] + ONE_B2
    d_out = -2.0 * (ONE_T - y)
    d_hid = [h[j] * (1.0 - h[j]) * ONE_W2[j] * d_out for j in range(2)]
    grads = {"L2.N1.w1": d_out * h[0], "L2.N1.w2": d_out * h[1], "L2.N1.b": d_out}
    for j in range(2):
        grads[f"L1.N{j + 1}.w1"] = d_hid[j] * ONE_X[0]
        grads[f"L1.N{j + 1}.w2"] = d_hid[j] * ONE_X[1]
        grads[f"L1.N{j + 1}.b"] = d_hid[j]
    return y, (ONE_T - y) ** 2, grads


def test_one_output_lesson_matches_the_hand_computation() -> None:
    lesson = one_output_lesson()
    model, y, error = lesson.backward()
    assert isinstance(model(list(ONE_X)), Value)  # micrograd: one output is the Value itself
    assert isinstance(y, list) and len(y) == 1  # the lesson always hands out a list
    hand_y, hand_e, hand_grads = one_output_hand()
    assert math.isclose(y[0].data, hand_y, rel_tol=1e-14)
    assert math.isclose(error.data, hand_e, rel_tol=1e-14)
    grads = {p.label: p.grad for p in model.parameters()}
    assert grads.keys() == hand_grads.keys()
    for label, g in hand_grads.items():
        assert math.isclose(grads[label], g, rel_tol=1e-13, abs_tol=1e-15), label
    assert [v.data for v in lesson.outputs_of(model)] == [y[0].data]


def test_one_output_lesson_trains_with_fit() -> None:
    """`Lesson.training_data` gives fit the target as a number when the model has one output
    (a list [t] is refused by fit, as micrograd-style data has one number per sample)."""
    lesson = one_output_lesson()
    samples, targets = lesson.training_data()
    assert samples == [list(ONE_X)] and targets == [ONE_T]
    model = lesson.network()
    history = fit(
        model,
        samples,
        targets,
        loss="sse",
        optimizer=SGD(model.parameters(), lr=ONE_A),
        max_steps=1,
        progress=False,
    )
    _, hand_e, hand_grads = one_output_hand()
    assert math.isclose(history.loss[0], hand_e, rel_tol=1e-14)
    start = lesson.network()
    for p, p0 in zip(model.parameters(), start.parameters()):
        expected = p0.data - ONE_A * hand_grads[p.label]
        assert math.isclose(p.data, expected, rel_tol=1e-13, abs_tol=1e-15), p.label
    # two outputs: one list of targets per sample, as before
    assert DEFAULT_LESSON.training_data() == ([list(LESSON_X)], [list(LESSON_T)])
