"""Exercises: a gradient graph with numbers blanked, a numbered answer key, checked answers.

``exercise(root, hide="grad")`` draws the graph with every gradient (except the root's seed 1)
replaced by a numbered blank ``?1``, ``?2``... in the order a student fills them in (backward
order for gradients, forward order for values and local derivatives). ``check(ex, answers)``
marks each answer, and for a wrong one gives the expected value and the rule that produces it:
for a gradient, the chain rule written out with that node's numbers --

    grad of x = Σ over its uses of local × grad of the output = 1.0000 × (−3.0000) + ... = −2.0

Three kinds of blanks:

* ``"grad"`` -- gradients; data and local derivatives are shown (the backward-pass exercise);
* ``"data"`` -- the value of every computed node; leaves are given (the forward-pass exercise);
* ``"local"`` -- the local derivative on every edge; data is given, gradients are hidden.

The expected answers are computed from the graph's stored data and local derivatives (the
backward recurrence run on the side), so the exercise never calls ``backward()`` and never
changes a ``.grad``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..engine import CONST, Value, role, topological_order
from ..viz import GradGraph, draw_graph
from ..viz import format_number as _fmt
from .naming import NodeNames, local_rule, wrap
from .paths import gradients

__all__ = ["Blank", "Exercise", "Marked", "Report", "exercise", "check", "HIDE"]

HIDE = ("grad", "data", "local")


@dataclass(frozen=True)
class Blank:
    """One numbered blank: what is hidden, where, and its answer."""

    number: int
    kind: str  # "grad", "data" or "local"
    node: Value  # the Value whose grad/data is hidden, or the output of the edge ("local")
    slot: int | None  # for "local": which input of ``node`` the edge comes from
    name: str  # readable name of the node (or of the edge, "∂out/∂in")
    answer: float
    hint: str  # the rule with numbers: how the answer is obtained


@dataclass
class Exercise:
    """A worksheet: the graph with blanks, the blanks in order, and the answer key."""

    root: Value
    hide: str
    graph: GradGraph
    blanks: list[Blank]
    precision: int

    def answer_key(self, format: str = "text") -> str:
        """The numbered answers, as plain text or as a markdown table."""
        if format not in ("text", "markdown"):
            raise ValueError(f"format must be 'text' or 'markdown', got {format!r}")
        what = {"grad": "gradients", "data": "values", "local": "local derivatives"}[self.hide]
        if format == "markdown":
            lines = [
                f"# Answer key: {what}",
                "",
                "| blank | quantity | answer | how |",
                "| ---: | --- | ---: | --- |",
            ]
            for b in self.blanks:
                lines.append(
                    f"| ?{b.number} | {_cell(b.name)} | {_fmt(b.answer, self.precision)} | "
                    f"{_cell(b.hint)} |"
                )
            return "\n".join(lines) + "\n"
        lines = [f"Answer key: {what}", ""]
        for b in self.blanks:
            lines.append(f"?{b.number}  {b.name} = {_fmt(b.answer, self.precision)}")
            lines.append(f"     {b.hint}")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Marked:
    """The mark for one blank."""

    blank: Blank
    given: float | None  # None: not answered
    correct: bool


@dataclass
class Report:
    """What `check` returns: one `Marked` per blank; ``str()`` is the feedback to print."""

    marks: list[Marked]
    precision: int

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return self.score == len(self.marks)

    def __str__(self) -> str:
        lines = [f"{self.score} of {len(self.marks)} correct"]
        for m in self.marks:
            b = m.blank
            if m.correct:
                lines.append(f"?{b.number}  {b.name}: right")
            elif m.given is None:
                lines.append(
                    f"?{b.number}  {b.name}: no answer; expected {_fmt(b.answer, self.precision)}"
                )
                lines.append(f"     {b.hint}")
            else:
                lines.append(
                    f"?{b.number}  {b.name}: {_fmt(m.given, self.precision)} is wrong; "
                    f"expected {_fmt(b.answer, self.precision)}"
                )
                lines.append(f"     {b.hint}")
        return "\n".join(lines)


def _cell(s: str) -> str:
    return s.replace("|", "\\|")


def _factor(x: float, precision: int) -> str:
    s = _fmt(x, precision)
    return f"({s})" if s.startswith("−") else s


def exercise(
    root: Value,
    hide: str = "grad",
    seed: int | None = None,
    *,
    count: int | None = None,
    precision: int = 4,
    rankdir: str = "LR",
) -> Exercise:
    """Build a worksheet from the graph of ``root`` with the ``hide`` numbers blanked.

    ``count`` blanks only that many, chosen at random with ``seed`` (the same seed gives the
    same worksheet); by default every eligible number is blanked. Blanks are numbered in the
    order they are solved: backward order for gradients, forward order otherwise.
    """
    if not isinstance(root, Value):
        raise TypeError(f"exercise expects a Value as root, got {type(root).__name__}: {root!r}")
    if hide not in HIDE:
        raise ValueError(f"hide must be one of {', '.join(map(repr, HIDE))}, got {hide!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}: {seed!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"count must be a positive int or None, got {count!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(f"precision must be an int from 0 to 17, got {precision!r}")

    order = topological_order(root)
    names = NodeNames(root)
    grads = gradients(order)
    users: dict[Value, list[tuple[Value, int]]] = {v: [] for v in order}
    for v in order:
        for k, child in enumerate(v._prev):
            users[child].append((v, k))

    def num(x: float) -> str:
        return _fmt(x, precision)

    def shown(x: float) -> float:  # a number as the student reads it off the sheet
        return float(num(x).replace("−", "-"))

    # Candidates, in solving order: (kind, node, slot, name, answer, hint)
    candidates: list[tuple[Value, int | None, str, float, str]] = []
    if hide == "grad":
        for v in reversed(order):
            if v is root or (role(v) == CONST and not v._prev):
                continue
            uses = users[v]
            terms = " + ".join(
                f"{_factor(out._local[k], precision)} × {_factor(grads[out], precision)}"
                for out, k in uses
            )
            # The factors are shown rounded; if their products do not give the shown answer
            # to the last digit, say so with ≈ rather than let the sum look wrong.
            by_hand = sum(shown(out._local[k]) * shown(grads[out]) for out, k in uses)
            equals = "=" if num(by_hand) == num(grads[v]) else "≈"
            hint = (
                f"grad of {names(v).text} = Σ over its uses of local × grad of the output = "
                f"{terms} {equals} {num(grads[v])}"
            )
            candidates.append((v, None, f"grad of {names(v).text}", grads[v], hint))
    elif hide == "data":
        for v in order:
            if not v._prev:
                continue
            inputs = ", ".join(f"{names(u).text} = {num(u.data)}" for u in v._prev)
            hint = f"data of {names(v).text}: apply {v._op} to {inputs} → {num(v.data)}"
            candidates.append((v, None, f"data of {names(v).text}", v.data, hint))
    else:
        for v in order:
            for k, (u, local) in enumerate(zip(v._prev, v._local)):
                rule = local_rule(names, v, k).text
                name = f"∂{wrap(names(v)).text}/∂{wrap(names(u)).text}"
                hint = f"{name} = {rule} = {num(local)}"
                candidates.append((v, k, name, local, hint))
    if not candidates:
        raise ValueError(
            f"exercise: the graph of {names(root).text!r} has nothing to hide for hide={hide!r} "
            "(it has no operations); build an expression with at least one operation"
        )
    chosen = list(range(len(candidates)))
    if count is not None and count < len(candidates):
        chosen = sorted(random.Random(seed).sample(chosen, count))
    blanks = [
        Blank(i + 1, hide, *candidates[c][:2], *candidates[c][2:])  # type: ignore[arg-type]
        for i, c in enumerate(chosen)
    ]
    node_blank = {b.node: b.number for b in blanks if b.slot is None}
    edge_blank = {(b.node, b.slot): b.number for b in blanks if b.slot is not None}

    def node_text(v: Value) -> dict[str, str] | None:
        n = node_blank.get(v)
        if v is root and hide == "grad":
            return {"grad": num(1.0)}  # the seed ∂root/∂root = 1, whether or not backward ran
        if n is not None:
            return {hide: f"?{n}"}
        if hide == "grad":
            # A given gradient is printed from the recurrence, not from .grad: before
            # backward() .grad is 0, and after two backward() calls it is doubled.
            return {"grad": num(grads[v])}
        return None

    def edge_text(inp: Value, out: Value, k: int) -> str | None:
        n = edge_blank.get((out, k))
        return None if n is None else f"?{n}"

    graph = draw_graph(
        root,
        rankdir=rankdir,  # type: ignore[arg-type]
        precision=precision,
        show_grad=hide == "grad",
        show_local=hide != "data",
        node_text=node_text,
        edge_text=edge_text,
        title=_instructions(hide, len(blanks)),
        legend=False,
    )
    return Exercise(root, hide, graph, blanks, precision)


def _instructions(hide: str, n: int) -> str:
    """The worksheet's caption: what to fill in and the rule that gives each number."""
    blanks = "?1" if n == 1 else f"the {n} blanks ?1 … ?{n}"
    rule = {
        "grad": "the grad of a box = Σ over its arrows of (number on the arrow) × "
        "(grad of the result it feeds)",
        "data": "the value of each box, from its inputs and the operation",
        "local": "the local derivative ∂out/∂in on each arrow",
    }[hide]
    return f"Fill in {blanks} in order: {rule}"


def check(
    ex: Exercise,
    answers: Mapping[int | str, float] | Sequence[float | None],
    tol: float = 1e-3,
) -> Report:
    """Mark ``answers`` (a list in blank order, or a mapping ``{1: 0.5, "?2": -3}``).

    An answer is right when ``|given − expected| ≤ tol · max(1, |expected|)``: absolute for
    small numbers, relative for large ones.
    """
    if not isinstance(ex, Exercise):
        raise TypeError(f"check expects an Exercise, got {type(ex).__name__}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol >= 0:
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    given: dict[int, float | None] = {}
    if isinstance(answers, Mapping):
        for key, value in answers.items():
            number = _blank_number(key, len(ex.blanks))
            given[number] = _answer_value(value, number)
    elif isinstance(answers, Sequence) and not isinstance(answers, (str, bytes)):
        if len(answers) > len(ex.blanks):
            raise ValueError(
                f"check: {len(answers)} answers for {len(ex.blanks)} blanks; "
                "give at most one answer per blank"
            )
        for i, item in enumerate(answers):
            given[i + 1] = None if item is None else _answer_value(item, i + 1)
    else:
        raise TypeError(
            "answers must be a list in blank order or a mapping {blank number: value}, "
            f"got {type(answers).__name__}"
        )
    marks = []
    for b in ex.blanks:
        g = given.get(b.number)
        ok = g is not None and (
            abs(g - b.answer) <= tol * max(1.0, abs(b.answer))
            or (math.isnan(g) and math.isnan(b.answer))
        )
        marks.append(Marked(b, g, ok))
    return Report(marks, ex.precision)


def _blank_number(key: object, n: int) -> int:
    text = str(key).strip().lstrip("?")
    if isinstance(key, bool) or not text.isdigit() or not 1 <= int(text) <= n:
        raise ValueError(f"check: {key!r} is not a blank number (expected 1 to {n}, or '?1')")
    return int(text)


def _answer_value(value: object, number: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"check: the answer to ?{number} must be a number, got {type(value).__name__}: "
            f"{value!r}"
        )
    return float(value)
