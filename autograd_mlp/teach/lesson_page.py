"""The lesson page: one HTML file to step through, question, practise and train a lesson.

``lesson_page(lesson)`` is the interactive page of a graph (`autograd_mlp.viz.to_html`) made
for a lesson: the lesson's gradient graph clustered by neuron, drawn on the lesson's one layout
(`autograd_mlp.teach.lesson_layout`, the layout of the lesson graph, the backward frames, the
slides and the worksheet, so nothing moves between them), plus a train panel: gradient descent
W' = W − a·∂E/∂W on the lesson's network, precomputed here step by step, which the page replays
with a slider next to a chart of E.

The lesson page is about 0.7 MB with 500 training steps (0.17 MB for the 63 it needs to reach
E ≤ 1e-4); `autograd_mlp.viz.page_kit.MAX_PAGE_BYTES` (2 MB) is checked by the tests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..engine import Value, topological_order
from ..viz.dot import format_number
from ..viz.expression_page import TrainPanel, graph_page
from ..viz.layout import Layout
from ..viz.page_kit import MAX_PAGE_BYTES, HtmlPage, PageTooLarge, json_for_script
from ..viz.page_numbers import snapshot, with_separator
from .lesson import DEFAULT_LESSON, Lesson, show_page_with
from .lesson_layout import lesson_layout

__all__ = ["lesson_page", "error_text", "MAX_TRAIN_STEPS"]

MAX_TRAIN_STEPS = 500  # precomputed gradient-descent steps in the train panel


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an int from {low} to {high}, got {value!r}")
    return value


def error_text(error: float, target: float, precision: int) -> str:
    """E as the train panel writes it: to ``precision`` decimals (as `format_number` writes a
    number), with more where fewer would put E on the wrong side of the target or on it: at
    the step where E first drops below 0.001, E = 0.00099 (not 0.0010, which reads as the
    target not reached); above it, 0.0010004 (not 0.0010)."""
    digits = precision
    while True:
        text = format_number(error, digits)
        if digits >= 17 or not math.isfinite(error):
            return text
        shown = float(text.replace("−", "-"))
        if (shown <= target) == (error <= target) and (shown != target or error == target):
            return text
        digits += 1


def _train_lesson(
    lesson: Lesson, steps: int, lr: float, target: float, precision: int
) -> TrainPanel:
    """Gradient descent W' = W − a·∂E/∂W on the lesson's network, one snapshot per step.

    It stops, like `autograd_mlp.fit`, at the first of: ``steps`` updates, E ≤ ``target``, or
    divergence -- E no longer finite (that state is the last one shown), or an update that
    would make a weight inf or nan (not made: the weights shown last are all finite)."""
    model = lesson.network()
    snapshots: list[dict[str, Any]] = []
    errors: list[float] = []
    shape: list[tuple[str, int]] | None = None
    notation = lesson.notation

    def number(text: str) -> str:
        return with_separator(text, notation.decimal)

    a = notation.learning_rate
    stopped = f"the step limit ({steps})"
    too_large = f"the learning constant {a} = {number(f'{lr:g}')} is too large"
    for t in range(steps + 1):
        error = lesson.forward_of(model)
        order = topological_order(error)
        this_shape = [(v._op, len(v._prev)) for v in order]
        if shape is None:
            shape = this_shape
        elif this_shape != shape:  # the layout is shared by every step: it must not change
            raise RuntimeError("the lesson's graph changed shape between training steps")
        for p in model.parameters():
            p.grad = 0.0
        error.backward()
        snap = snapshot(order, precision, notation.decimal)
        # E with the digits that show it on the right side of the target, on its box too
        snap["E"] = snap["d"][-1] = number(error_text(error.data, target, precision))
        snapshots.append(snap)
        errors.append(error.data)
        if not math.isfinite(error.data):
            stopped = f"divergence: E became {snap['E']} at step {t} ({too_large})"
            break
        if error.data <= target:
            stopped = f"the target error (E ≤ {number(f'{target:g}')})"
            break
        if t == steps:
            break
        params = model.parameters()
        new = [p.data - lr * p.grad for p in params]
        if not all(math.isfinite(x) for x in new):
            stopped = f"divergence: step {t + 1} would make a weight inf or nan ({too_large})"
            break
        for p, x in zip(params, new):
            p.data = x
    return TrainPanel(lr, snapshots, errors, stopped, a)


def _learning_rate(lr: object) -> float:
    """``lr`` as a float: a positive finite number (an int of any size, a bool not)."""
    good = isinstance(lr, (int, float)) and not isinstance(lr, bool)
    if good:
        try:
            rate = float(lr)  # type: ignore[arg-type]
        except OverflowError:  # an int past the floats
            good = False
        else:
            good = math.isfinite(rate) and rate > 0
    if not good:
        raise ValueError(f"lr must be a positive finite number, got {lr!r:.60}")
    return rate


def lesson_page(
    lesson: Lesson | None = None,
    *,
    steps: int = MAX_TRAIN_STEPS,
    lr: float | None = None,
    target: float = 1e-4,
    precision: int = 4,
    title: str | None = None,
    max_bytes: int = MAX_PAGE_BYTES,
) -> HtmlPage:
    """The page of a lesson (default: the 3–2–2 network of `autograd_mlp.teach.lesson`): its
    gradient graph clustered by neuron, plus a train panel of ``steps`` precomputed
    gradient-descent updates (at most `MAX_TRAIN_STEPS`) with the lesson's learning constant
    (or ``lr``, a positive finite number), stopping early at E ≤ ``target`` or where training
    diverges (as `autograd_mlp.fit` does). The heading is ``title``, else the lesson's (its
    ``title``, else its shape: "The lesson's 3–2–2 network: ..."), as on the lesson's pictures.
    A page larger than ``max_bytes`` is refused with `autograd_mlp.viz.page_kit.PageTooLarge`,
    which says how many steps would fit."""
    if lesson is None:
        lesson = DEFAULT_LESSON
    if not isinstance(lesson, Lesson):
        raise TypeError(f"lesson_page expects a Lesson or None, got {type(lesson).__name__}")
    steps = _check_int("steps", steps, 1, MAX_TRAIN_STEPS)
    rate = _learning_rate(lesson.learning_rate if lr is None else lr)
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not target >= 0:
        raise ValueError(f"target must be a number ≥ 0, got {target!r}")
    _, _, error = lesson.forward()
    training = _train_lesson(lesson, steps, rate, float(target), precision)
    index = {v: i for i, v in enumerate(topological_order(error))}

    def lay_out_lesson(
        reserve: Mapping[Value, Mapping[str, Sequence[str]]],
        edge_reserve: Mapping[str, Sequence[str]],
    ) -> Layout:
        # the lesson's own graph has the same structure, hence the same topological indexes
        by_index = {index[v]: rows for v, rows in reserve.items()}
        board = lesson_layout(
            lesson, precision=precision, reserve=by_index, edge_reserve=edge_reserve
        )
        return board.layout

    def page(training: TrainPanel, limit: int) -> HtmlPage:
        return graph_page(
            error,
            title=title or f"The lesson's {lesson.name}: backpropagation step by step",
            precision=precision,
            cluster="neuron",
            max_bytes=limit,
            train=training,
            lay_out_with=lay_out_lesson,
            decimal=lesson.notation.decimal,
        )

    try:
        return page(training, max_bytes)
    except PageTooLarge as too_big:  # most of a lesson page is its training steps
        if len(training.snapshots) < 2:
            raise
        # The page with its first state only, then as many steps as the room left holds (each
        # its numbers, and a point on the chart: under 40 bytes).
        first = TrainPanel(
            training.lr, training.snapshots[:1], training.errors[:1], "", training.symbol
        )
        room = max_bytes - len(page(first, 10**12).encode("utf-8"))
        fits = 0
        for snap in training.snapshots[1:]:
            room -= len(json_for_script(snap).encode("utf-8")) + 40
            if room < 0:
                break
            fits += 1
        if fits < 1:
            raise
        advice = f"pass fewer training steps (steps={fits} would fit)"
        raise PageTooLarge(
            "lesson_page", too_big.size, too_big.limit, advice, at_least=too_big.at_least
        ) from None


show_page_with(lesson_page)  # Lesson.to_html and a lesson in Jupyter show this page
