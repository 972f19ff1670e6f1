"""The lesson of the learning constant (autograd_mlp.teach.curvature): the Hessian of the
lesson's E against central differences of its gradient, and every claim of the table checked
by running it again with the training loop (``fit`` with ``SGD``: ``backward``, not ``grad``)."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pytest

from autograd_mlp import SGD, draw_graph, explain, fit
from autograd_mlp.teach.curvature import (
    TARGET,
    Curvature,
    curvature_text,
    largest_eigenvalue,
    lesson_curvature,
    lesson_hessian,
    plot_learning_constants,
    second_derivative_graph,
)
from autograd_mlp.teach.lesson import (
    DEFAULT_LESSON,
    LESSON_LR,
    LESSON_T,
    LESSON_X,
    LayerSpec,
    Lesson,
    lesson_network,
)
from tests.conftest import needs


@pytest.fixture(scope="module")
def curvature() -> Curvature:
    return lesson_curvature()


def test_hessian_is_the_central_difference_of_the_gradient() -> None:
    labels, h, _ = lesson_hessian()
    start = [p.data for p in lesson_network().parameters()]
    assert len(labels) == 14 and len(h) == 14 and all(len(row) == 14 for row in h)
    eps = 1e-5
    for j in range(14):
        up, down = list(start), list(start)
        up[j] += eps
        down[j] -= eps
        g_up, g_down = lesson_hessian(up)[2], lesson_hessian(down)[2]
        for i in range(14):
            numeric = (g_up[i] - g_down[i]) / (2 * eps)
            assert h[i][j] == pytest.approx(numeric, rel=1e-6, abs=1e-8), (labels[i], labels[j])
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-12, abs=1e-15)


def test_threshold_is_two_over_the_largest_eigenvalue(curvature: Curvature) -> None:
    eig = np.linalg.eigvalsh(np.array(curvature.hessian))
    assert curvature.lambda_max == pytest.approx(float(eig[-1]), rel=1e-12)
    assert curvature.threshold == pytest.approx(2.0 / float(eig[-1]), rel=1e-12)
    assert curvature.eigenvalues == sorted(curvature.eigenvalues)
    # one sample, two outputs: most directions leave E unchanged, and the start is no bowl
    assert sum(abs(v) < 1e-9 for v in curvature.eigenvalues) == 8
    assert min(curvature.eigenvalues) < 0 < curvature.lambda_max
    assert curvature.threshold > 10 * LESSON_LR  # the lesson's a = 0.02 is far on the safe side


def test_power_iteration_finds_numpys_largest_eigenvalue(curvature: Curvature) -> None:
    assert largest_eigenvalue(curvature.hessian) == pytest.approx(curvature.lambda_max, rel=1e-10)
    # the largest eigenvalue, not the largest in size: here −5 is larger in size than 2
    assert largest_eigenvalue([[-5.0, 0.0], [0.0, 2.0]]) == pytest.approx(2.0, rel=1e-12)
    assert largest_eigenvalue([[0.0, 0.0], [0.0, 0.0]]) == 0.0


def _steps_with_fit(lr: float, max_steps: int = 2000) -> tuple[int, float, str]:
    model = lesson_network()
    history = fit(
        model,
        [list(LESSON_X)],
        [list(LESSON_T)],
        loss="sse",
        optimizer=SGD(model.parameters(), lr=lr),
        target_loss=TARGET,
        max_steps=max_steps,
        progress=False,
    )
    return history.steps, history.final_loss, history.stopped_because


def test_the_tables_claims_hold_when_run_again(curvature: Curvature) -> None:
    runs = {r.name: r for r in curvature.runs}
    assert set(runs) == {
        "the lesson's a",
        "smaller",
        "just below 2/λ_max",
        "just above 2/λ_max",
        "twice 2/λ_max",
    }
    assert runs["the lesson's a"].lr == LESSON_LR
    assert runs["smaller"].lr < LESSON_LR
    assert runs["just below 2/λ_max"].lr < curvature.threshold < runs["just above 2/λ_max"].lr
    # converges; the smaller constant converges more slowly; far above diverges
    for name in ("the lesson's a", "smaller", "just below 2/λ_max"):
        assert runs[name].outcome == "converges", name
    assert runs["smaller"].steps > 3 * runs["the lesson's a"].steps
    assert runs["just below 2/λ_max"].steps < runs["the lesson's a"].steps
    assert runs["twice 2/λ_max"].outcome == "diverges"
    # the quadratic picture is local: just above the threshold it still converges
    assert runs["just above 2/λ_max"].outcome == "converges"
    # the same numbers from the training loop, which uses backward() rather than grad()
    for run in runs.values():
        if run.outcome == "converges":
            steps, loss, _ = _steps_with_fit(run.lr)
            assert steps == run.steps and loss <= TARGET, run.name
    steps, loss, _ = _steps_with_fit(runs["twice 2/λ_max"].lr, max_steps=200)
    assert not (loss <= 1.0), loss  # E grew from 1.09: not convergent


def test_newton_step_beside_a_gradient_step(curvature: Curvature) -> None:
    assert curvature.gradient_step_error < curvature.error  # a small step downhill
    assert curvature.newton_step_error < 1e-12 < curvature.gradient_step_error
    assert curvature.newton_step_size > 10 * curvature.gradient_step_size


def test_text_states_what_was_computed(curvature: Curvature) -> None:
    text = curvature_text(curvature)
    assert f"2/λ_max = {curvature.threshold:.4f}" in text
    for run in curvature.runs:
        assert f"| {run.name} | {run.lr:.4g} |" in text
        if run.outcome == "converges":
            assert f"after {run.steps} updates" in text
    assert "yet it converges: E is not a quadratic" in text
    assert "diverges" in text and "Newton" in text


def test_plot_is_written(curvature: Curvature, tmp_path: Path) -> None:
    needs("matplotlib")
    path = plot_learning_constants(curvature, tmp_path / "lc.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ValueError, match=r"png, \.svg or \.pdf"):
        plot_learning_constants(curvature, tmp_path / "lc.txt")


@pytest.mark.parametrize("function", ["tanh", "sigmoid"])
def test_second_derivative_graph_draws_and_explains(function: str) -> None:
    second, x = second_derivative_graph(function, 0.5)
    if function == "tanh":
        t = math.tanh(0.5)
        want, third = -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)
    else:
        s = 1 / (1 + math.exp(-0.5))
        want, third = s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)
    assert second.data == pytest.approx(want, rel=1e-12)
    source = draw_graph(second).source
    assert f"{function}″(x)" in source
    assert ("tanh′(x)" if function == "tanh" else "σ′(x)") in source  # the first derivative
    text = explain(second, x)
    assert f"{third:.4f}".replace("-", "−") in text.splitlines()[-1]
    with pytest.raises(ValueError, match="'tanh' or 'sigmoid'"):
        second_derivative_graph("relu")


# A second lesson, not the built-in one: 2–2–2, tanh then linear, E = ½ Σ (t − y)², a = 0.1.
OTHER_LESSON = Lesson(
    inputs=(0.5, -0.5),
    targets=(1.0, 0.0),
    layers=(
        LayerSpec("tanh", ((0.3, -0.1), (0.2, 0.4)), (0.0, 0.1)),
        LayerSpec("linear", ((0.5, -0.5), (0.1, 0.9)), (0.0, 0.0)),
    ),
    error="half",
    learning_rate=0.1,
)


def test_another_lessons_curvature_is_its_own() -> None:
    """Hessian, λ_max and the runs follow the lesson given, not the built-in one."""
    labels, h, _ = lesson_hessian(lesson=OTHER_LESSON)
    model = OTHER_LESSON.network()
    assert len(labels) == len(model.parameters()) == 12
    start = [p.data for p in model.parameters()]
    eps = 1e-5
    for j in range(len(start)):
        up, down = list(start), list(start)
        up[j] += eps
        down[j] -= eps
        g_up = lesson_hessian(up, OTHER_LESSON)[2]
        g_down = lesson_hessian(down, OTHER_LESSON)[2]
        for i in range(len(start)):
            numeric = (g_up[i] - g_down[i]) / (2 * eps)
            assert h[i][j] == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    c = lesson_curvature(lesson=OTHER_LESSON)
    lam = float(np.linalg.eigvalsh(np.array(h))[-1])
    assert c.lambda_max == pytest.approx(lam, rel=1e-12) and c.threshold == 2.0 / c.lambda_max
    assert c.lesson is OTHER_LESSON and c.runs[0].lr == OTHER_LESSON.learning_rate
    assert c.error == pytest.approx(OTHER_LESSON.forward()[2].data, rel=1e-15)
    assert c.lambda_max != pytest.approx(lesson_curvature().lambda_max, rel=1e-3)
    text = curvature_text(c)
    assert f"2/λ_max = {c.threshold:.4f}" in text and "12×12 matrix" in text


def test_a_lesson_without_upward_curvature_has_no_threshold() -> None:
    flat = Lesson(  # every ReLU off at the start: E is flat in every direction
        inputs=(1.0,),
        targets=(1.0, 0.0),
        layers=(
            LayerSpec("relu", ((-1.0,), (-1.0,)), (0.0, 0.0)),
            LayerSpec("relu", ((1.0, 1.0), (1.0, 1.0)), (-1.0, -1.0)),
        ),
    )
    with pytest.raises(ValueError, match=r"λ_max.*no threshold"):
        lesson_curvature(lesson=flat)
    with pytest.raises(TypeError, match="lesson must be a Lesson, got str"):
        lesson_curvature(lesson="3-2-2")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# The text and the plot fit any lesson (issue 20): claims from the run, words that agree, axes
# that hold every run, labels that no curve crosses
# ------------------------------------------------------------------------------------------------

# a tanh neuron whose steps near and above 2/λ_max reach the target in one update
ONE_STEP = Lesson(
    inputs=[-1.3],
    targets=[-1.0],
    layers=[{"activation": "tanh", "weights": [[0.5]], "biases": [0.8]}],
    learning_rate=0.1,
)
# a linear neuron whose own constant (0.25 = 1/λ_max) reaches the bottom in one update
LINEAR = Lesson(
    inputs=[1.0],
    targets=[0.5],
    layers=[{"activation": "linear", "weights": [[0.2]], "biases": [0.1]}],
    learning_rate=0.25,
)
# the 3–2–2 lesson with a small constant: a quarter of it runs for about a thousand updates
SLOW = Lesson(inputs=LESSON_X, targets=LESSON_T, layers=DEFAULT_LESSON.layers, learning_rate=0.005)
PLURAL = re.compile(r"\b1 (?:updates|steps|gradient steps)\b|\bone steps\b")


def _says_nothing_false(c: Curvature) -> str:
    text = curvature_text(c)
    assert not PLURAL.search(text), PLURAL.findall(text)
    far = c.runs[-1]
    runs = text.split("## What gradient descent actually does")[1].split("## One Newton")[0]
    if "overshoot further each time" in runs:
        assert far.outcome == "diverges", "overshoot further each time, of a run that did not"
        last = far.errors[-4:]
        assert all(b > a for a, b in itertools.pairwise(last)), last
    if far.outcome == "converges":
        assert "explodes" not in runs and "not convergent" not in runs
    for run in c.runs:
        if run.outcome == "converges":
            n = run.steps
            assert f"after {n} update{'' if n == 1 else 's'} |" in text, (run.name, n)
    return text


def test_a_run_that_converges_in_one_step_is_said_to() -> None:
    c = lesson_curvature(lesson=ONE_STEP, max_steps=300)
    assert [r.steps for r in c.runs[2:]] == [1, 1, 1]  # the case this lesson provokes
    text = _says_nothing_false(c)
    assert "after 1 update |" in text and "still reaches the target in 1 update" in text
    assert "overshoot" not in text.split("## One Newton")[0].split("## What")[1]
    assert "does not reach E ≤ 0.0001 in 300 updates" in text  # not "300 update"


def test_a_lesson_whose_own_constant_takes_one_step() -> None:
    c = lesson_curvature(lesson=LINEAR)
    lesson_run = c.runs[0]
    assert lesson_run.outcome == "converges" and lesson_run.steps == 1
    text = _says_nothing_false(c)
    assert "as one gradient step does" in text and "more than 1 gradient" not in text
    # H = [[2, 2], [2, 2]]: eigenvalues 0 and 4, so H has no inverse, and the text says so
    assert ("H has no inverse" in text) == any(abs(v) < 1e-9 for v in c.eigenvalues)


def test_the_plot_holds_every_run_and_no_curve_crosses_a_label() -> None:
    needs("matplotlib")
    import matplotlib.pyplot as plt

    from autograd_mlp.teach.curvature import learning_constants_figure

    for lesson in (SLOW, ONE_STEP, LINEAR):
        c = lesson_curvature(lesson=lesson)
        longest = max(len(r.errors) for r in c.runs) - 1
        fig = learning_constants_figure(c)
        try:
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
            ax, zoom = fig.axes
            assert ax.get_xlim()[1] >= longest, (lesson.name, ax.get_xlim(), longest)
            low, high = ax.get_ylim()
            for run in c.runs:  # every point of every run inside the axes
                finite = [e for e in run.errors if math.isfinite(e) and e > 0]
                assert low <= min(finite) and max(finite) <= high, run.name
            # every label is outside both panels, where no curve is drawn
            boxes = [a.get_window_extent(renderer) for a in (ax, zoom)]
            assert not ax.texts and not zoom.texts and ax.get_legend() is None
            (legend,) = fig.legends
            label = legend.get_window_extent(renderer)
            assert not any(label.overlaps(box) for box in boxes)
            texts = [t.get_text() for t in legend.get_texts()]
            assert len(texts) == 6 and texts[-1].startswith("target E")
            assert not PLURAL.search(" ".join(texts))
        finally:
            plt.close(fig)


def test_the_slow_lesson_runs_past_three_hundred_updates() -> None:
    c = lesson_curvature(lesson=SLOW)
    assert max(len(r.errors) for r in c.runs) - 1 > 300
    _says_nothing_false(c)
