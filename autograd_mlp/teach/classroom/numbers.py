"""A student's own numbers: drawn from the lesson, the student's id and the class seed.

**The rule** (`DRAW_RULE`, stated in the key and in docs/classroom.md). For student ``id`` of a
class with seed ``S``, attempt ``k = 0, 1, 2, ...``: the bytes
``SHAKE-256("autograd_mlp.class/1" NUL lesson NUL S NUL id NUL k)`` (``lesson``: the lesson file
as canonical JSON -- sorted keys, no spaces) give, two bytes at a time, one number per input,
weight and bias of the lesson, in the file's order (inputs; then each layer's weights row by
row, then its biases): the bytes ``b`` pick ``GRID[b mod 20]``, ``GRID`` being ±0.1, ±0.2, ...,
±1.0 (one decimal, never 0: easy to multiply by hand). The targets, activations, error and
learning constant stay the lesson's. Nothing else goes in: not the roster's order or length,
not Python's ``hash()`` (salted per process), not the clock -- so the same roster and seed give
the same numbers on any machine, and a student's numbers do not change when the roster grows.

The first attempt whose numbers make **a good exercise** is the student's (`problems` says why
an attempt is refused):

1. *no saturated activation*: every sigmoid's output is in [0.05, 0.95] and every tanh's in
   [−0.95, 0.95] (a flat σ gives gradients that are all nearly zero);
2. *no gradient that rounds to zero*: no gradient printed on the sheet rounds to zero, and
   every blank's answer is at least 10 units of the sheet's last decimal from zero (0.0010 at
   4 decimals: an answer of two significant figures at least, never 0.0002);
3. *no two blanks with the same answer* as printed;
4. *every blank answerable*: the sheet's blanks are the class's blanks -- the no-giveaway rule
   of the worksheets had to give none up nor hide another, so each blank is worked from printed
   numbers by the sheet's rule, as for every sheet (tests/test_exercise_answerable.py).

Up to `MAX_ATTEMPTS` attempts are tried; a lesson for which none is good is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from ...engine import Value, topological_order
from ...engine.paths import gradients
from ..exercise import Exercise, exercise, number_text
from ..lesson import Lesson

__all__ = [
    "DRAW_RULE",
    "GRID",
    "MAX_ATTEMPTS",
    "Drawn",
    "class_blanks",
    "draw_lesson",
    "problems",
    "sheet_for",
]

GRID = tuple(s * k / 10 for k in range(1, 11) for s in (1, -1))  # ±0.1 ... ±1.0
MAX_ATTEMPTS = 500
SMALLEST = 10  # a blank's answer is at least this many units of the last decimal from zero
SATURATED = 0.95  # |tanh| above this, or σ outside [0.05, 0.95], is saturated

DRAW_RULE = (
    "Each student's inputs, weights and biases are drawn from ±0.1, ±0.2, ..., ±1.0 by "
    "SHAKE-256 of the lesson, the class seed, the student's id and an attempt number; the "
    "first attempt that makes a good exercise is kept: no saturated sigmoid or tanh, no "
    "gradient that rounds to zero, no two blanks with the same answer, and the class's blanks "
    "all answerable from the sheet."
)


def canonical(lesson: Lesson) -> str:
    """The lesson as canonical JSON (sorted keys, no spaces): what the draw hashes."""
    return json.dumps(lesson.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _stream(lesson_text: str, seed: int, student: str, attempt: int, n: int) -> list[float]:
    message = "\0".join(("autograd_mlp.class/1", lesson_text, str(seed), student, str(attempt)))
    data = hashlib.shake_256(message.encode("utf-8")).digest(2 * n)
    return [GRID[int.from_bytes(data[2 * i : 2 * i + 2], "big") % len(GRID)] for i in range(n)]


def draw_lesson(lesson: Lesson, seed: int, student: str, attempt: int = 0) -> Lesson:
    """The lesson with the numbers of ``student``'s attempt ``attempt`` (the rule above)."""
    data = lesson.to_dict()
    count = len(data["inputs"]) + sum(
        len(row) for layer in data["layers"] for row in layer["weights"]
    )
    count += sum(len(layer["biases"]) for layer in data["layers"])
    numbers = iter(_stream(canonical(lesson), seed, student, attempt, count))
    data["inputs"] = [next(numbers) for _ in data["inputs"]]
    for layer in data["layers"]:
        layer["weights"] = [[next(numbers) for _ in row] for row in layer["weights"]]
        layer["biases"] = [next(numbers) for _ in layer["biases"]]
    return Lesson.from_dict(data)


@dataclass
class Drawn:
    """One student's draw: the lesson with their numbers, which attempt it was, their sheet."""

    lesson: Lesson
    attempt: int
    sheet: Exercise
    root: Value


def _activation_problems(root: Value) -> list[str]:
    found = []
    for v in topological_order(root):
        if v._op == "sigmoid" and not 1 - SATURATED <= v.data <= SATURATED:
            found.append(f"a sigmoid is saturated (σ = {v.data:.4f})")
        if v._op == "tanh" and abs(v.data) > SATURATED:
            found.append(f"a tanh is saturated (tanh = {v.data:.4f})")
    return found


def problems(ex: Exercise, root: Value, names: list[str]) -> list[str]:
    """Why the sheet ``ex`` of graph ``root`` is not a good exercise for a class whose blanks
    are ``names`` (empty: it is good). The four rules of the module docstring."""
    found = _activation_problems(root)
    unit = 10.0**-ex.precision
    grads = gradients(topological_order(root))
    for v, g in grads.items():
        shown = ex.node_text(v) if ex.node_text is not None else None
        text = (shown or {}).get("grad", "")
        if text and not text.startswith("?") and text != "–" and abs(g) < unit * 0.5:
            found.append(f"a printed gradient rounds to zero ({g:.2e})")
            break
    for b in ex.blanks:
        if abs(b.answer) < unit * SMALLEST or abs(b.exact) < unit * SMALLEST:
            found.append(f"?{b.number} ({b.name}) is too close to zero ({b.exact:.2e})")
    answers = [number_text(b.answer, ex.precision) for b in ex.blanks]
    if len(set(answers)) < len(answers):
        found.append("two blanks have the same answer")
    if [b.name for b in ex.blanks] != names:
        found.append("the no-giveaway rule changed the blanks (some would be read off the sheet)")
    return found


def _graph(lesson: Lesson, precision: int) -> Value:
    _, _, error = lesson.forward()
    return error


def class_blanks(lesson: Lesson, seed: int, count: int | None, precision: int) -> list[str]:
    """The blanks every student of the class fills in (the same for all, so that one column of
    the grades is one question): the gradients of the lesson, except those equal to another
    gradient of the graph with the lesson's own numbers (a bias's always is its neuron's sum's,
    since ∂z/∂b = 1: two blanks with one answer, or a blank read off the other); of these,
    ``count`` chosen by the class seed (sorted by SHAKE-256 of the lesson, the seed and the
    name), in solving order."""
    root = _graph(lesson, precision)
    every = exercise(root, precision=precision, count=None)  # every gradient, solving order
    order = topological_order(root)
    grads = gradients(order)
    counted: dict[float, int] = {}
    for v in order:
        if v is not root and (v._prev or v.label):
            counted[grads[v]] = counted.get(grads[v], 0) + 1
    names = [b.name for b in every.blanks if counted.get(b.exact, 0) <= 1]
    if not names:
        raise ValueError("class: this lesson has no gradient that equals no other")
    if count is None or count >= len(names):
        return names
    text = canonical(lesson)

    def rank(name: str) -> bytes:
        return hashlib.shake_256("\0".join((text, str(seed), name)).encode("utf-8")).digest(16)

    keep = set(sorted(names, key=rank)[:count])
    return [n for n in names if n in keep]


def sheet_for(
    lesson: Lesson,
    seed: int,
    student: str,
    names: list[str],
    *,
    count: int | None,
    precision: int = 4,
    title: str = "",
    root_of: Any = None,
) -> Drawn:
    """The first good draw of ``student`` (module docstring), with its sheet built on the graph
    ``root_of(lesson)`` gives (default: the lesson's forward graph; a caller drawing the sheet
    on the lesson's layout passes the layout's graph so the picture is the lesson graph)."""
    decimal = lesson.notation.decimal
    for attempt in range(MAX_ATTEMPTS):
        mine = draw_lesson(lesson, seed, student, attempt)
        root = _graph(mine, precision) if root_of is None else root_of(mine)
        if not all(math.isfinite(v.data) for v in topological_order(root)):
            continue
        try:
            ex = exercise(root, ask=names, precision=precision, title=title, decimal=decimal)
        except ValueError:
            continue
        if not problems(ex, root, names):
            return Drawn(mine, attempt, ex, root)
    raise ValueError(
        f"class: no draw of {MAX_ATTEMPTS} for student {student!r} makes a good exercise of "
        "this lesson (try another --seed, fewer --count blanks or a smaller lesson)"
    )
