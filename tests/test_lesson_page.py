"""The lesson page (`autograd_mlp.teach.lesson_page`): its train panel when training diverges
(review N6) and its heading (N21). The page's other behaviour: tests/test_html.py and, in a
browser, tests/test_page_browser.py."""

from __future__ import annotations

import html
import json
import math
import re

import pytest

from autograd_mlp.teach import DEFAULT_LESSON, Lesson, lesson_page
from autograd_mlp.teach.lesson_layout import lesson_header
from tests.conftest import needs


@pytest.fixture(autouse=True)
def _graphviz() -> None:
    needs("pygraphviz")


def data_of(page: str) -> dict:  # type: ignore[type-arg]
    m = re.search(r'<script type="application/json" id="lesson-data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def _train(lesson: Lesson, lr: float) -> list[float]:
    """E after each step of W' = W − a·∂E/∂W, by hand from the lesson's own forward pass, as
    long as it stays finite: what the page must replay."""
    model = lesson.network()
    errors = []
    for _ in range(500):
        error = lesson.forward_of(model)
        errors.append(error.data)
        if not math.isfinite(error.data):
            break
        for p in model.parameters():
            p.grad = 0.0
        error.backward()
        new = [p.data - lr * p.grad for p in model.parameters()]
        if not all(math.isfinite(x) for x in new):
            break
        for p, x in zip(model.parameters(), new):
            p.data = x
    return errors


@pytest.mark.parametrize("lr", [2.0, 10.0, 1e6, 1e308])
def test_the_train_panel_stops_where_training_diverges(lr: float) -> None:
    """N6: with a = 2 the page raised "Out of range float values are not JSON compliant" (E
    overflowed and was put in the JSON as a number). Like fit, the precomputed training stops
    at divergence -- E no longer finite, or an update that would make a weight inf or nan --
    and the page says so."""
    page = DEFAULT_LESSON.to_html(lr=lr)
    train = data_of(page)["train"]
    expected = _train(DEFAULT_LESSON, lr)
    assert len(train["steps"]) == len(expected) < 501
    assert train["stopped"].startswith("divergence")
    assert f"a = {lr:g} is too large" in train["stopped"]
    last = expected[-1]
    if math.isfinite(last):
        assert "would make a weight" in train["stopped"]
    else:
        assert train["steps"][-1]["E"] in ("inf", "nan") and "E became" in train["stopped"]
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in train["dots"])


def test_a_converging_lesson_still_stops_at_its_target() -> None:
    train = data_of(lesson_page())["train"]
    assert train["stopped"] == "the target error (E ≤ 0.0001)"


def test_the_page_is_headed_with_the_lessons_title() -> None:
    """N21: the page ignored Lesson.title, which the lesson graph, its PNGs and the slides
    show: one lesson file, two headings."""
    titled = Lesson(
        inputs=DEFAULT_LESSON.inputs,
        targets=DEFAULT_LESSON.targets,
        layers=DEFAULT_LESSON.layers,
        learning_rate=DEFAULT_LESSON.learning_rate,
        title="Backprop, week 3",
    )
    page = lesson_page(titled, steps=2)
    heading = "The lesson's Backprop, week 3: backpropagation step by step"
    assert data_of(page)["title"] == heading
    assert f'<h1 id="title">{html.escape(heading)}</h1>' in page
    assert (
        lesson_header(titled, f"the lesson's {titled.name}")[0] == "the lesson's Backprop, week 3"
    )
    # without a title, the shape, as before; and title= still wins
    assert data_of(lesson_page(steps=2))["title"].startswith("The lesson's 3–2–2 network")
    assert data_of(lesson_page(titled, steps=2, title="Mine"))["title"] == "Mine"


@pytest.mark.parametrize("lr", [0, -1.0, math.inf, math.nan, 10**400, "2", True])
def test_a_learning_rate_that_is_not_a_positive_finite_number_is_refused(lr: object) -> None:
    with pytest.raises(ValueError, match=r"lr must be a positive finite number, got"):
        lesson_page(lr=lr)  # type: ignore[arg-type]
