"""The lesson's one layout: computed once, shared by every picture of the lesson.

`lesson_layout(lesson)` builds the lesson's network, runs the forward and backward pass, and
lays the graph of E out once (`autograd_mlp.viz.layout.lay_out`), with every box already as
wide as the widest text any view will print in it:

* the lesson graph: label, ``data …``, ``grad …``;
* each backward frame: a partial gradient ``grad 0.2151`` with, below it, how many
  contributions are still to come (``+1 more to come``);
* the worksheet: a blank ``grad ?12`` / ``data ?12``.

The result, a `LessonLayout`, carries the lesson, the network, its outputs, E (after
``backward()``) and the `Layout`. The interactive page reads ``lesson_layout().layout``:

>>> from autograd_mlp.teach.layout import lesson_layout
>>> board = lesson_layout()                                     # doctest: +SKIP
>>> board.layout.nodes["v3"].label, board.layout.to_dict()["nodes"]["v3"]["x"]  # doctest: +SKIP
('x1', 0.0)
>>> svg = board.svg()   # every node a <g id="v3">, its texts id="v3-data" ...  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..engine import Value
from ..nn import MLP
from ..viz.layout import Layout, Look, default_look, lay_out, render_svg
from ..viz.render import DEFAULT_TIMEOUT
from .lesson import DEFAULT_LESSON, Lesson

__all__ = ["LessonLayout", "lesson_layout", "BLANK_RESERVE", "lesson_header"]

# The widest blank a worksheet prints in a box (two-digit blank numbers).
BLANK_RESERVE = {"data": ("data ?99",), "grad": ("grad ?99",)}


@dataclass(frozen=True)
class LessonLayout:
    """A lesson, its graph after ``backward()``, and the graph's one layout."""

    lesson: Lesson
    model: MLP
    outputs: list[Value]
    error: Value
    layout: Layout

    @property
    def ids(self) -> Mapping[Value, str]:
        """Each Value's node id in the layout (``v<i>``, i its topological index)."""
        return self.layout.ids

    def header(self, title: str) -> list[str]:
        """The two header lines every lesson picture prints: a title, the error convention."""
        return lesson_header(self.lesson, title)

    def svg(self, look: Look | None = None, *, title: str | None = None) -> str:
        """The whole lesson graph as SVG (layout units), with stable element ids."""
        return render_svg(
            self.layout,
            look if look is not None else default_look(self.layout),
            header=self.header(title or f"the lesson's {self.lesson.name}"),
        )


def lesson_header(lesson: Lesson, title: str) -> list[str]:
    """``[title, "E = Σₖ (tₖ − yₖ)²   ·   learning constant a = 0.02"]``."""
    return [title, f"{lesson.error_formula}   ·   learning constant a = {lesson.learning_rate:g}"]


def lesson_layout(
    lesson: Lesson | None = None,
    *,
    precision: int = 4,
    reserve: Mapping[Value, Mapping[str, Sequence[str]]] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> LessonLayout:
    """Build ``lesson`` (default: the project's 3–2–2 lesson), run backward, lay it out once.

    Room is reserved for every text of the backward frames and of a worksheet; ``reserve``
    adds more (``{value: {"grad": ["grad 1.2345 …"]}}``).
    """
    from .frames import backward_steps, step_texts

    lesson = DEFAULT_LESSON if lesson is None else lesson
    if not isinstance(lesson, Lesson):
        raise TypeError(f"lesson must be a Lesson, got {type(lesson).__name__}")
    model, outputs, error = lesson.backward()
    wanted: dict[Value, dict[str, list[str]]] = {}
    for step in backward_steps(error):
        for v, rows in step_texts(step, precision).items():
            for row, text in rows.items():
                if text:
                    wanted.setdefault(v, {}).setdefault(row, []).append(text)
    for v in wanted:
        for row, blanks in BLANK_RESERVE.items():
            wanted[v].setdefault(row, []).extend(blanks)
    for v, extra in (reserve or {}).items():
        for row, more in extra.items():
            wanted.setdefault(v, {}).setdefault(row, []).extend(more)
    layout = lay_out(error, precision=precision, reserve=wanted, timeout=timeout)
    return LessonLayout(lesson, model, outputs, error, layout)
