"""The lesson of the learning constant: how big is too big?

The lesson ends on a warning: "if this constant is too big, the result will not be
convergent; if it's too small, more iterations are needed". The curvature of the error says
how big is too big. Near a point, E is close to a quadratic bowl whose steepness in each
direction is an eigenvalue λ of the Hessian H (the 14×14 matrix of second derivatives
∂²E/∂wᵢ∂wⱼ). A gradient step W' = W − a·∇E multiplies the distance to the bottom of that bowl,
along the eigenvector of λ, by (1 − a·λ): it shrinks when |1 − a·λ| < 1, that is when
a < 2/λ. The steepest direction, λ_max, decides: on a quadratic, gradient descent converges
for every a < 2/λ_max and diverges for every a above it.

E is not a quadratic, so this is a statement about one point. This module computes H at the
lesson's starting weights (`autograd_mlp.hessian`: gradients of gradients), its eigenvalues
(NumPy) and 2/λ_max, then runs gradient descent from the same start with several constants
and reports what actually happens; and it puts one Newton step, W' = W − H⁻¹∇E (the step to
the bottom of the quadratic model), beside one gradient step. References: Nocedal & Wright,
*Numerical Optimization* (2nd ed., 2006), sections 3.3 and 3.5; LeCun, Bottou, Orr & Müller,
"Efficient BackProp" (1998), section 5.

Also for class: `second_derivative_graph` gives the second derivative of tanh or sigmoid as
a Value whose graph can be drawn (`draw_graph`) and explained (`explain`).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._optional import require_numpy
from ..engine import Value, topological_order
from ..engine.functional import grad, hessian
from ..engine.modes import enable_grad
from ..viz.naming import minus, printable
from .lesson import DEFAULT_LESSON, Lesson

__all__ = [
    "Run",
    "Curvature",
    "lesson_curvature",
    "lesson_hessian",
    "curvature_text",
    "plot_learning_constants",
    "learning_constants_figure",
    "second_derivative_graph",
    "largest_eigenvalue",
    "TARGET",
]

TARGET = 1e-4  # the lesson loop's target error (as the demo's)
MAX_STEPS = 2000  # give up on reaching the target after this many updates
DIVERGED = 1e6  # an error this large (or inf, nan) counts as diverged


@dataclass
class Run:
    """Gradient descent from the lesson's start with one learning constant."""

    name: str  # why this constant is in the table
    lr: float
    outcome: str  # "converges", "diverges" or "does not reach the target"
    steps: int  # updates until E ≤ target (or until it diverged, or MAX_STEPS)
    errors: list[float] = field(default_factory=list)  # E before each update, and the last
    weights: list[float] = field(default_factory=list)  # where it stopped


@dataclass
class Curvature:
    """The curvature of the lesson's error at its starting weights, and what follows."""

    labels: list[str]  # the 14 parameters, in `MLP.parameters()` order
    error: float  # E at the start
    gradient: list[float]
    hessian: list[list[float]]
    eigenvalues: list[float]  # ascending
    lambda_max: float
    threshold: float  # 2/λ_max
    runs: list[Run]
    gradient_step_error: float  # E after one step with a = 0.02
    newton_step_error: float  # E after one Newton step
    newton_step_size: float  # |ΔW| of the Newton step
    gradient_step_size: float  # |ΔW| of the gradient step
    target: float = TARGET
    lesson: Lesson = DEFAULT_LESSON  # whose error this is the curvature of


def _error_at(weights: Sequence[float], lesson: Lesson = DEFAULT_LESSON) -> Value:
    model = lesson.network()
    for p, w in zip(model.parameters(), weights):
        p.data = float(w)
    return lesson.forward_of(model)


def lesson_hessian(
    weights: Sequence[float] | None = None, lesson: Lesson = DEFAULT_LESSON
) -> tuple[list[str], list[list[float]], list[float]]:
    """(labels, H, ∇E) of the lesson's error at ``weights`` (default: the lesson's start);
    ``lesson`` defaults to the built-in 3–2–2 one."""
    _check_lesson(lesson)
    model = lesson.network()
    params = model.parameters()
    if weights is not None:
        if len(weights) != len(params):
            raise ValueError(f"expected {len(params)} weights, got {len(weights)}")
        for p, w in zip(params, weights):
            p.data = float(w)
    with enable_grad():  # a graph to differentiate, even when called inside no_grad()
        e = lesson.forward_of(model)
    g = [float(v) for v in grad(e, params)]  # type: ignore[arg-type]  # floats
    return [p.label for p in params], hessian(e, params), g


def _check_lesson(lesson: object) -> None:
    if not isinstance(lesson, Lesson):
        raise TypeError(f"lesson must be a Lesson, got {type(lesson).__name__}")


def _descend(
    name: str,
    lr: float,
    start: Sequence[float],
    target: float,
    steps: int,
    lesson: Lesson = DEFAULT_LESSON,
) -> Run:
    weights = list(start)
    errors: list[float] = []
    for step in range(steps + 1):
        model = lesson.network()
        params = model.parameters()
        for p, w in zip(params, weights):
            p.data = w
        e = lesson.forward_of(model)
        errors.append(e.data)
        if e.data <= target:
            return Run(name, lr, "converges", step, errors, weights)
        if not math.isfinite(e.data) or e.data > DIVERGED:
            return Run(name, lr, "diverges", step, errors, weights)
        if step == steps:
            break
        gradient = grad(e, params)
        weights = [w - lr * float(g) for w, g in zip(weights, gradient)]  # type: ignore[arg-type]
    return Run(name, lr, "does not reach the target", steps, errors, weights)


def lesson_curvature(
    target: float = TARGET, max_steps: int = MAX_STEPS, lesson: Lesson = DEFAULT_LESSON
) -> Curvature:
    """The Hessian of E at the lesson's start, 2/λ_max, and gradient descent from there with
    a = the lesson's (0.02 for the built-in one), a/4 (smaller), 0.95·2/λ_max and 1.05·2/λ_max
    (just below and just above the threshold) and 2·2/λ_max (far above); one Newton step
    beside one gradient step. Needs NumPy (the ``fast`` extra) for the eigenvalues. A lesson
    whose E does not curve up anywhere at its start (λ_max ≤ 0) has no threshold: ValueError."""
    require_numpy("lesson_curvature (the eigenvalues of the Hessian)")
    import numpy as np

    _check_lesson(lesson)
    lr0 = lesson.learning_rate

    if not (isinstance(target, (int, float)) and target > 0):
        raise ValueError(f"target must be a positive number, got {target!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    labels, h, g = lesson_hessian(lesson=lesson)
    start = [p.data for p in lesson.network().parameters()]
    e0 = _error_at(start, lesson).data
    eigenvalues = [float(v) for v in np.linalg.eigvalsh(np.array(h))]
    lam = eigenvalues[-1]
    if not lam > 1e-12:
        raise ValueError(
            f"{printable(lesson.name)}: λ_max of the Hessian at the start is {lam:.3g}; E does "
            "not curve up in any direction there, so there is no threshold 2/λ_max to compare a "
            "with"
        )
    threshold = 2.0 / lam
    constants = [
        ("the lesson's a", lr0),
        ("smaller", lr0 / 4),
        ("just below 2/λ_max", 0.95 * threshold),
        ("just above 2/λ_max", 1.05 * threshold),
        ("twice 2/λ_max", 2.0 * threshold),
    ]
    runs = [_descend(name, lr, start, target, max_steps, lesson) for name, lr in constants]
    # H is singular (E depends on 14 weights through 2 outputs), so H⁻¹ does not exist: the
    # least-squares solution is the shortest step to where the quadratic model is flat.
    newton = np.linalg.lstsq(np.array(h), np.array(g), rcond=None)[0]
    after_newton = _error_at([w - float(d) for w, d in zip(start, newton)], lesson).data
    after_gradient = _error_at([w - lr0 * d for w, d in zip(start, g)], lesson).data
    return Curvature(
        labels=labels,
        error=e0,
        gradient=g,
        hessian=h,
        eigenvalues=eigenvalues,
        lambda_max=lam,
        threshold=threshold,
        runs=runs,
        gradient_step_error=after_gradient,
        newton_step_error=after_newton,
        newton_step_size=float(np.linalg.norm(newton)),
        gradient_step_size=lr0 * math.sqrt(sum(d * d for d in g)),
        target=float(target),
        lesson=lesson,
    )


def largest_eigenvalue(h: Sequence[Sequence[float]], iterations: int = 5000) -> float:
    """λ_max of a symmetric matrix by power iteration, in plain Python, for callers that must
    not import NumPy (the command line does not). The matrix is shifted by a bound on its
    spectrum (Gershgorin's) so that λ_max is the largest in size."""
    n = len(h)
    shift = max(sum(abs(x) for x in row) for row in h)
    v = [1.0 / math.sqrt(n)] * n
    lam = 0.0
    for _ in range(iterations):
        w = [sum(h[i][j] * v[j] for j in range(n)) + shift * v[i] for i in range(n)]
        norm = math.sqrt(sum(x * x for x in w))
        if norm == 0.0:
            return -shift
        new = sum(a * b for a, b in zip(v, w)) - shift  # the Rayleigh quotient of H
        v = [x / norm for x in w]
        if abs(new - lam) <= 1e-15 * max(1.0, abs(new)):
            return new
        lam = new
    return lam


def _curvature_at_end(run: Run, lesson: Lesson = DEFAULT_LESSON) -> float | None:
    """λ_max where a converged run stopped (None for one that did not converge)."""
    if run.outcome != "converges":
        return None
    require_numpy("the learning-constant lesson (the eigenvalues of the Hessian)")
    import numpy as np

    _, h, _ = lesson_hessian(run.weights, lesson)
    return float(np.linalg.eigvalsh(np.array(h))[-1])


def _updates(n: int) -> str:
    return f"{n} update" + ("" if n == 1 else "s")


def _times(ratio: float, spec: str) -> str:
    """A ratio of learning constants as printed; one too big for a float (a = 1e308 over
    2/λ_max) said so, not printed as inf."""
    if not math.isfinite(ratio):
        return "more than 1.8e308"
    return format(ratio, spec) if ratio < 1e6 else f"{ratio:.3g}"  # not 300 digits


def _fixed(x: float) -> str:
    """4 decimals, or scientific notation for a number too big to print in full."""
    return f"{x:.4f}" if abs(x) < 1e15 or not math.isfinite(x) else f"{x:.4e}"


def _rises(run: Run) -> bool:
    """Did E go up at some update of the run (a step that overshot)?"""
    return any(b > a for a, b in itertools.pairwise(run.errors))


def _rises_each_time(run: Run) -> bool:
    """Did E go up at every one of the run's last updates (at least two): steps that overshoot
    further each time?"""
    last = [e for e in run.errors if math.isfinite(e)][-4:]
    return len(last) >= 3 and all(b > a for a, b in itertools.pairwise(last))


def _outcome(run: Run) -> str:
    if run.outcome == "converges" and run.steps == 0:
        return "is at the target before any update"
    if run.outcome == "converges":
        return f"reaches the target in {_updates(run.steps)}"
    if run.outcome == "diverges":
        return f"diverges (E = {run.errors[-1]:.3g} after {_updates(run.steps)})"
    return f"does not reach the target in {_updates(run.steps)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _above_text(above: Run, end_lam: float | None) -> str:
    """What the run just above the threshold did, said from the run itself."""
    start = "Just *above* the threshold the quadratic picture predicts divergence, and "
    if above.outcome == "diverges":
        return (
            start + f"it does diverge (E = {above.errors[-1]:.3g} after {_updates(above.steps)})."
        )
    if above.outcome != "converges":
        return start + f"indeed it {_outcome(above)}."
    if above.steps <= 1:
        return (
            start + f"yet it {_outcome(above)}: E is not a quadratic, and 2/λ_max describes E "
            "near the start only."
        )
    where = (
        f" (where this run stops, λ_max = {end_lam:.3f}, so 2/λ_max = {2 / end_lam:.3f} > a)"
        if end_lam is not None
        else ""
    )
    rises = (
        " On the way E rises at some updates (those steps overshoot) before it falls."
        if _rises(above)
        else " E falls at every update."
    )
    return (
        start + "yet it converges: E is not a quadratic. 2/λ_max describes E near the start "
        "only; after the first steps the weights are elsewhere, where E curves differently"
        f"{where}. Gradient descent can only settle where a < 2/λ_max, and here it finds such "
        f"a place in {_updates(above.steps)}.{rises}"
    )


def _newton_verdict(lesson_run: Run) -> str:
    """One Newton step that reaches the target, against the lesson's gradient steps."""
    if lesson_run.outcome == "converges" and lesson_run.steps <= 1:
        return "Here one Newton step reaches the target, as one gradient step does. "
    if lesson_run.outcome == "converges":
        return f"Here one Newton step does what {lesson_run.steps} gradient steps do. "
    return f"Here one Newton step does more than {lesson_run.steps} gradient steps do. "


def _far_above_text(far: Run) -> str:
    """What the run at twice the threshold did, said from the run itself."""
    start = "Far above, at twice the threshold,"
    if far.outcome == "diverges":
        how = (
            " the steps overshoot further each time and E explodes"
            if _rises_each_time(far)
            else " E explodes"
        )
        return (
            f"{start}{how} (E = {far.errors[-1]:.3g} after {_updates(far.steps)}): that is "
            "'not convergent'."
        )
    if far.outcome == "converges" and far.steps <= 1:
        return (
            f"{start} E still {_outcome(far)}: that one step lands where E is small, which the "
            "quadratic picture near the start does not foresee."
        )
    if far.outcome == "converges":
        rises = (
            ", although E rises at some updates on the way (those steps overshoot)"
            if _rises(far)
            else ", and E falls at every update"
        )
        return (
            f"{start} E still {_outcome(far)}{rises}: this far from the start the quadratic "
            "picture says little."
        )
    return f"{start} E neither explodes nor reaches the target: it {_outcome(far)}."


def curvature_text(c: Curvature) -> str:
    """The lesson of the learning constant as Markdown: the numbers, the table, the words."""
    zero = sum(1 for v in c.eigenvalues if abs(v) < 1e-9)
    negative = [v for v in c.eigenvalues if v < -1e-9]
    rows = []
    for r in c.runs:
        if r.outcome == "converges":
            what = f"converges: E ≤ {c.target:g} after {_updates(r.steps)}"
        elif r.outcome == "diverges":
            what = f"diverges: E = {r.errors[-1]:.3g} after {_updates(r.steps)}"
        else:
            what = f"does not reach E ≤ {c.target:g} in {_updates(r.steps)}"
        rows.append(f"| {r.name} | {r.lr:.4g} | {_times(r.lr / c.threshold, '.2f')} | {what} |")
    above = next(r for r in c.runs if r.name == "just above 2/λ_max")
    below = next(r for r in c.runs if r.name == "just below 2/λ_max")
    smaller = next(r for r in c.runs if r.name == "smaller")
    end_lam = _curvature_at_end(above, c.lesson)
    lr0 = c.lesson.learning_rate
    n = len(c.labels)
    outputs = len(c.lesson.targets)
    lesson_run = next(r for r in c.runs if r.name == "the lesson's a")
    lines = [
        "# The lesson of the learning constant",
        "",
        '"If this constant is too big, the result will not be convergent; if it is too small, '
        'more iterations are needed." How big is too big? The curvature of the error says so.',
        "",
        "## The curvature at the start",
        "",
        f"At the lesson's starting weights E = {c.error:.4f}. The Hessian H is the "
        f"{len(c.labels)}×{len(c.labels)} table of second derivatives ∂²E/∂wᵢ∂wⱼ, computed "
        "as gradients of gradients (`autograd_mlp.hessian`). Its eigenvalues are the "
        "steepness of E along its {n} principal directions:".format(n=len(c.labels)),
        "",
        "    " + ", ".join("0" if abs(v) < 1e-9 else minus(f"{v:.4f}") for v in c.eigenvalues),
        "",
        f"The largest, λ_max = {c.lambda_max:.4f}, is the steepest direction. In a bowl that "
        "steep, one gradient step multiplies the distance to the bottom by (1 − a·λ_max): "
        "it shrinks when a < 2/λ_max and grows (the steps overshoot further each time) when "
        f"a > 2/λ_max. Here **2/λ_max = {c.threshold:.4f}**: the lesson's a = {lr0} is "
        + (
            f"{_times(c.threshold / lr0, '.0f')} times smaller, safe and slow."
            if lr0 < c.threshold
            else f"{_times(lr0 / c.threshold, '.2f')} times that, above the threshold."
        ),
        "",
        f"{zero} eigenvalues are 0 (up to rounding): E depends on the {len(c.labels)} weights "
        f"only through the {outputs} output{'s' if outputs != 1 else ''} of one sample, so "
        "many directions do not change it at all. "
        + (
            f"{len(negative)} are negative ("
            + ", ".join(minus(f"{v:.3f}") for v in negative)
            + "): at the "
            "start E curves *down* along those directions, so it is not even a bowl there."
            if negative
            else "None is negative: near the start E is a bowl."
        ),
        "",
        "## What gradient descent actually does",
        "",
        f"From the same start, W' = W − a·∇E until E ≤ {c.target:g}:",
        "",
        "| constant | a | a ÷ (2/λ_max) | result |",
        "|---|---|---|---|",
        *rows,
        "",
        (
            f"The smaller constant needs {smaller.steps / max(lesson_run.steps, 1):.1f} times "
            f"the updates of a = {lr0} ({smaller.steps} against {lesson_run.steps}): the cost "
            "of being careful."
            if lesson_run.outcome == smaller.outcome == "converges"
            else f"With the lesson's a = {lr0} gradient descent {_outcome(lesson_run)}; with a "
            f"quarter of it, it {_outcome(smaller)}."
        )
        + f" Just below the threshold it {_outcome(below)}.",
        "",
        _above_text(above, end_lam) + " " + _far_above_text(c.runs[-1]),
        "",
        "## One Newton step beside one gradient step",
        "",
        "A gradient step goes downhill by a fixed fraction of the slope. A Newton step "
        "W' = W − H⁻¹∇E jumps to the bottom of the quadratic model, using the curvature "
        "in every direction. "
        + (
            "H has no inverse here (its zero eigenvalues), so the step is the shortest one "
            "that makes the model's slope zero (least squares)."
            if zero
            else "H has an inverse here (no eigenvalue is 0)."
        ),
        "",
        "| one step | size of the step | E after |",
        "|---|---|---|",
        f"| gradient, a = {lr0} | {_fixed(c.gradient_step_size)} | {c.gradient_step_error:.4g} |",
        f"| Newton | {_fixed(c.newton_step_size)} | {c.newton_step_error:.3g} |",
        "",
        (
            _newton_verdict(lesson_run)
            if c.newton_step_error <= c.target
            else "Here the Newton step does not reach the target: the quadratic model is "
            "wrong that far from the start. "
        )
        + "It is not a free lunch: it needs all second derivatives "
        f"(a {n}×{n} matrix here, a "
        "billion entries for a network with 30,000 weights) and a linear solve; and the "
        "model's flat point need not be a minimum: with negative eigenvalues it can as well "
        "be a saddle or a top, and Newton walks there just as gladly. "
        + (
            "It lands on a minimum here because E ≥ 0 and the point it finds has E ≈ 0."
            if c.newton_step_error <= c.target
            else ""
        ),
        "",
    ]
    # in the lesson's notation: its symbol of the learning constant, its decimal separator
    return c.lesson.notation.apply("\n".join(lines))


def plot_learning_constants(c: Curvature, path: str | os.PathLike[str]) -> Path:
    """E per update for each run of the table, on a log scale (matplotlib, extra ``plot``),
    written atomically as PNG, SVG or PDF. The axes hold every run to its last update, and
    every label is outside the axes, where no curve crosses it (`learning_constants_figure`)."""
    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise ValueError(f"plot_learning_constants writes .png, .svg or .pdf, got {str(path)!r}")
    from ..viz.plot import save_figure

    return save_figure(learning_constants_figure(c), target)


ZOOM_UPDATES = 15  # the zoomed panel: the first updates, where the near-threshold runs differ


def learning_constants_figure(c: Curvature) -> Any:
    """The matplotlib figure of `plot_learning_constants` (the caller closes it): two panels,
    every update of every run and the first `ZOOM_UPDATES`, with the legend below them (the
    target's dotted line is in it), in the lesson's notation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    write = c.lesson.notation.apply
    colours = ["#1f5fa8", "#7a7a7a", "#2a9d4b", "#c2571a", "#b2182b"]
    styles = ["-", "-", "-", "--", "-"]
    fig, (ax, zoom) = plt.subplots(
        1, 2, figsize=(13, 6.4), dpi=110, gridspec_kw={"width_ratios": [3, 2]}
    )
    first = ZOOM_UPDATES
    longest = max(len(r.errors) for r in c.runs) - 1  # updates of the longest run
    shown_all: list[float] = []
    for run, colour, style in zip(c.runs, colours, styles):
        shown = [e for e in run.errors if math.isfinite(e) and e > 0]
        shown_all += shown
        if run.outcome == "converges":
            what = (
                "at the target from the start"
                if run.steps == 0
                else f"converges in {_updates(run.steps)}"
            )
        elif run.outcome == "diverges":
            what = f"diverges after {_updates(run.steps)}"
        else:
            what = f"not at the target after {_updates(run.steps)}"
        label = write(f"a = {run.lr:.3g} ({run.name}): {what}")
        ax.plot(range(len(shown)), shown, color=colour, linestyle=style, linewidth=2.2, label=label)
        zoom.plot(
            range(min(len(shown), first + 1)),
            shown[: first + 1],
            color=colour,
            linestyle=style,
            linewidth=2.2,
            marker="o",
            markersize=5,
        )
    low = min([c.target, *shown_all]) / 10
    high = max([c.target, *shown_all]) * 10
    for axis in (ax, zoom):
        target_line = axis.axhline(c.target, color="black", linestyle=":", linewidth=1.2)
        axis.set_yscale("log")
        axis.set_ylim(low, high)
        axis.set_xlabel("update", fontsize=12)
        axis.grid(alpha=0.3)
    target_line.set_label(write(f"target E = {c.target:g}"))
    ax.set_xlim(0, max(longest, 1))  # every run to its last update
    zoom.set_xlim(0, first)
    ax.set_ylabel("error E (log scale)", fontsize=12)
    ax.set_title(write(f"E per update; at the start 2/λ_max = {c.threshold:.3f}"), fontsize=13)
    zoom.set_title(f"the first {first} updates", fontsize=13)
    handles, labels = ax.get_legend_handles_labels()
    handles.append(target_line)
    labels.append(target_line.get_label())
    for axis in (ax, zoom):
        axis.tick_params(labelsize=12)
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=12, frameon=False)
    fig.tight_layout(rect=(0, 0.17, 1, 1))  # the legend's rows below the panels
    return fig


def second_derivative_graph(function: str, x: float = 0.5) -> tuple[Value, Value]:
    """(the second derivative of ``function`` at x as a Value, the input x), for
    ``function`` "tanh" or "sigmoid": grad of grad, whose graph ``draw_graph`` draws and
    ``explain(second, x)`` derives (giving the third derivative)."""
    if function not in ("tanh", "sigmoid"):
        raise ValueError(f"function must be 'tanh' or 'sigmoid', got {function!r}"[:100])
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"x must be a number, got {type(x).__name__}")
    leaf = Value(float(x), label="x")
    y = leaf.tanh() if function == "tanh" else leaf.sigmoid()
    y.label = f"{function}(x)"
    (first,) = grad(y, leaf, create_graph=True)
    assert isinstance(first, Value)  # create_graph=True gives Values
    first.label = f"{function}′(x)"
    (second,) = grad(first, leaf, create_graph=True)
    assert isinstance(second, Value)
    second.label = f"{function}″(x)"
    for node in topological_order(second):  # name the factors a student recognises
        if not node.label and node.op == "1-x²":
            node.label = "tanh′(x)"
        elif not node.label and function == "sigmoid" and node.data == first.data:
            node.label = "σ′(x)"
        elif not node.label and function == "sigmoid" and node.op == "+":
            node.label = "1 − 2σ(x)"  # (1 − σ) + (−σ)
    return second, leaf
