"""Every blank of a gradient worksheet can be answered from the sheet alone (issue 20).

A student has the printed sheet and its rule, "grad of a box = Σ over its arrows of (number on
the arrow) × (grad of the result it feeds)". This file plays that student: it reads the numbers
the sheet prints -- from the DOT source of a Graphviz-drawn sheet, or from what the lesson's
layout paints (`Look` on `Layout`) -- never from the graph, fills the blanks in order from the
printed numbers and its own earlier answers, rounds each to the sheet's precision, and checks
that the sheet's marking accepts it.

A blank whose arrow prints no number cannot be answered. On the lesson's layout, an arrow the
layout reserves no room for (``EdgeRoute.label is None``: today the arrows into Σwx+b from x
and from a hidden neuron) is the layout's to label; the test tells those apart and holds the
sheet to everything it prints. Once the layout labels every arrow, nothing is excused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import Value
from autograd_mlp.teach.exercise import Exercise, exercise, number_text
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from tests.conftest import needs
from tests.lessons import LESSON_IDS, LESSONS

_NUMBER = r"−?\d+[.,]\d+(?:e[−+]\d+)?"


@dataclass
class Printed:
    """A gradient sheet as a student reads it: each box's grad cell, each arrow's number."""

    grad: dict[str, str] = field(default_factory=dict)  # box -> "0.2475" | "?3" | "–"
    arrows: list[tuple[str, str, str | None, bool]] = field(default_factory=list)
    # (from box, result box, the number printed on it or None, room for a number reserved)
    data: dict[str, str] = field(default_factory=dict)  # box -> "0.2000" | "?2"
    made_by: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    # box -> (the symbol of the op that makes it, its input boxes in argument order)
    slots: list[tuple[str, int, str | None]] = field(default_factory=list)
    # each arrow into an op: (the box the op makes, the argument's place, its printed text)


def _read(text: str, decimal: str) -> float:
    if decimal == ",":
        text = text.replace(",", ".")
    return float(text.replace("−", "-"))


def _from_dot(ex: Exercise) -> Printed:
    """The printed numbers of a sheet drawn by Graphviz, from its DOT source alone."""
    dot = ex.graph.source
    sheet = Printed()
    result_of: dict[str, str] = {}
    symbols: dict[str, str] = {}
    inputs: dict[str, list[str]] = {}
    for line in dot.splitlines():
        node = re.match(r"\s*(v\d+) \[shape=\"plain\"", line)
        if node:
            cell = re.search(r"grad ([^<]*)<", line)
            sheet.grad[node.group(1)] = cell.group(1) if cell else ""
            cell = re.search(r"data ([^<]*)<", line)
            sheet.data[node.group(1)] = cell.group(1) if cell else ""
        op = re.match(r"\s*(op\d+) \[shape=\"\w+\" label=<([^>]*)>", line)
        if op:
            symbols[op.group(1)] = op.group(2)
        out = re.match(r"\s*(op\d+) -> (v\d+)\s*$", line)
        if out:
            result_of[out.group(1)] = out.group(2)
    for line in dot.splitlines():
        arrow = re.match(r"\s*(v\d+) -> (op\d+)(.*)$", line)
        if arrow:
            label = re.search(r">([^<]*)</FONT>", arrow.group(3))
            text = label.group(1) if label else None
            sheet.arrows.append((arrow.group(1), result_of[arrow.group(2)], text, True))
            inputs.setdefault(arrow.group(2), []).append(arrow.group(1))  # in argument order
            k = len(inputs[arrow.group(2)]) - 1
            sheet.slots.append((result_of[arrow.group(2)], k, text))
    for op, box in result_of.items():
        sheet.made_by[box] = (unescape(symbols[op]), inputs.get(op, []))
    return sheet


def _from_layout(ex: Exercise, layout: object) -> Printed:
    """The printed numbers of a sheet on the lesson's layout: what `paint` draws of the look."""
    from autograd_mlp.teach.exercise.drawing import _layout_look

    look = _layout_look(ex, layout)  # type: ignore[arg-type]
    sheet = Printed()
    for nid, rows in look.text.items():
        sheet.grad[nid] = rows.get("grad", "").removeprefix("grad ").strip()
        sheet.data[nid] = rows.get("data", "").removeprefix("data ").strip()
    edges = layout.edges  # type: ignore[attr-defined]
    result_of = {e.source: e.target for e in edges if e.id.endswith("_out")}
    for e in edges:
        if e.id.endswith("_out"):
            continue
        room = e.label is not None
        text = look.edge_text.get(e.id) if room and f"{e.id}-label" not in look.hidden else None
        sheet.arrows.append((e.source, result_of[e.target], text or None, room))
    for op, box in result_of.items():
        ins = sorted(
            (e for e in edges if e.target == op and not e.id.endswith("_out")),
            key=lambda e: int(e.id.rsplit("_", 1)[1]),
        )
        symbol = layout.nodes[op].label  # type: ignore[attr-defined]
        sheet.made_by[box] = (symbol, [e.source for e in ins])
        for k, e in enumerate(ins):
            sheet.slots.append((box, k, look.edge_text.get(e.id) if e.label is not None else None))
    return sheet


def solve(ex: Exercise, sheet: Printed) -> tuple[list[str], list[str]]:
    """Fill the blanks as a student with the sheet does. Returns (problems of the sheet,
    arrows without a number where the drawing reserved no room for one)."""
    problems: list[str] = []
    unlabelled: list[str] = []
    answers: dict[int, float] = {}
    blank_box = {}
    for box, text in sheet.grad.items():
        if text.startswith("?"):
            blank_box[int(text[1:])] = box
    assert sorted(blank_box) == [b.number for b in ex.blanks], "every blank is on the picture"

    def grad_of(box: str, before: int) -> float | None:
        text = sheet.grad.get(box, "")
        if text.startswith("?"):
            n = int(text[1:])
            return answers.get(n) if n < before else None
        if re.fullmatch(_NUMBER, text):
            return _read(text, ex.decimal)
        return None

    for b in ex.blanks:
        box = blank_box[b.number]
        total = 0.0
        ok = True
        leaving = [a for a in sheet.arrows if a[0] == box]
        if not leaving:
            problems.append(f"?{b.number} ({b.name}): no arrow leaves its box")
            ok = False
        for _, result, label, room in leaving:
            if label is None or not re.fullmatch(_NUMBER, label):
                where = f"?{b.number} ({b.name}): the arrow {box} -> {result} prints no number"
                (problems if room else unlabelled).append(where)
                ok = False
                continue
            upstream = grad_of(result, b.number)
            if upstream is None:
                problems.append(f"?{b.number} ({b.name}): the grad of {result} is not known yet")
                ok = False
                continue
            total += _read(label, ex.decimal) * upstream
        if not ok:
            answers[b.number] = b.answer  # carry on as a student told the answer would
            continue
        mine = _read(number_text(total, ex.precision, ex.decimal), ex.decimal)
        answers[b.number] = mine
        if not ex.marking.accepts(mine, b.answer, b.exact):
            problems.append(
                f"?{b.number} ({b.name}): from the printed numbers {mine}, the key says {b.answer}"
            )
    return problems, unlabelled


_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def _apply(symbol: str, xs: list[float]) -> float:
    """An op as a student applies it to the printed numbers, known by its printed symbol."""
    if symbol == "Σwx+b":
        return sum(xs[i] * xs[i + 1] for i in range(0, len(xs) - 1, 2)) + xs[-1]
    if symbol.startswith("x") and len(symbol) > 1 and symbol not in ("xʸ",):
        return float(xs[0] ** float(symbol[1:].lstrip("^").translate(_SUPER)))
    table = {
        "+": lambda a: a[0] + a[1],
        "−": lambda a: a[0] - a[1],
        "×": lambda a: a[0] * a[1],
        "÷": lambda a: a[0] / a[1],
        "−x": lambda a: -a[0],
        "exp": lambda a: math.exp(a[0]),
        "log": lambda a: math.log(a[0]),
        "tanh": lambda a: math.tanh(a[0]),
        "σ": lambda a: 1 / (1 + math.exp(-a[0])),
        "relu": lambda a: max(0.0, a[0]),
    }
    return float(table[symbol](xs))


def solve_values(ex: Exercise, sheet: Printed) -> list[str]:
    """Fill the blanks of a value sheet as a student does: each box's value from the printed
    values of its inputs (or the student's earlier answers) by the printed operation."""
    problems: list[str] = []
    answers: dict[int, float] = {}
    box_of = {int(t[1:]): box for box, t in sheet.data.items() if t.startswith("?")}
    assert sorted(box_of) == [b.number for b in ex.blanks], "every blank is on the picture"

    def value(box: str) -> float | None:
        text = sheet.data.get(box, "")
        if text.startswith("?"):
            return answers.get(int(text[1:]))
        return _read(text, ex.decimal) if re.fullmatch(_NUMBER, text) else None

    for b in ex.blanks:
        box = box_of[b.number]
        symbol, ins = sheet.made_by[box]
        xs = [value(u) for u in ins]
        if any(x is None for x in xs):
            problems.append(f"?{b.number} ({b.name}): an input of {box} is not known yet")
            answers[b.number] = b.answer
            continue
        mine = _read(number_text(_apply(symbol, xs), ex.precision, ex.decimal), ex.decimal)  # type: ignore[arg-type]
        answers[b.number] = mine
        if not ex.marking.accepts(mine, b.answer, b.exact):
            problems.append(f"?{b.number} ({b.name}): by hand {mine}, the key says {b.answer}")
    return problems


def _tanh_neuron() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y


def test_the_solver_can_fail() -> None:
    ex = exercise(_tanh_neuron())
    sheet = _from_dot(ex)
    assert solve(ex, sheet) == ([], [])
    bare = Printed(sheet.grad, [(a, r, None, True) for a, r, _, _ in sheet.arrows])
    problems, _ = solve(ex, bare)
    assert problems and "prints no number" in problems[0]
    tampered = Printed(
        sheet.grad, [(a, r, "9.0000" if t else t, room) for a, r, t, room in sheet.arrows]
    )
    problems, _ = solve(ex, tampered)
    assert any("the key says" in p for p in problems)


@pytest.mark.parametrize("decimal", [".", ","])
def test_an_expression_sheet_is_answerable_from_its_picture(decimal: str) -> None:
    ex = exercise(_tanh_neuron(), decimal=decimal)
    assert solve(ex, _from_dot(ex)) == ([], [])


_leaf = st.floats(-2.0, 2.0, allow_nan=False).map(lambda x: round(x, 1))


@settings(max_examples=40, deadline=None)
@given(a=_leaf, b=_leaf, c=_leaf, d=_leaf, seed=st.integers(0, 5))
def test_random_expression_sheets_are_answerable(
    a: float, b: float, c: float, d: float, seed: int
) -> None:
    va, vb, vc, vd = (Value(x, label=n) for x, n in ((a, "a"), (b, "b"), (c, "c"), (d, "d")))
    root = ((va * vb + vc).tanh() * vd + va * vc).sigmoid()
    root.label = "y"
    try:
        ex = exercise(root, count=3, seed=seed)
    except ValueError:  # every candidate equals a printed number: no sheet to check
        return
    problems, unlabelled = solve(ex, _from_dot(ex))
    assert problems == [] and unlabelled == []


@pytest.mark.parametrize("lesson", LESSONS, ids=LESSON_IDS)
@pytest.mark.parametrize("count", [None, 6])
def test_a_lesson_sheet_is_answerable_from_what_it_prints(
    lesson: Lesson, count: int | None
) -> None:
    needs("pygraphviz")
    from autograd_mlp.teach.lesson_layout import lesson_layout

    board = lesson_layout(lesson)
    ex = exercise(board.error, count=count, seed=0)
    problems, unlabelled = solve(ex, _from_layout(ex, board.layout))
    assert problems == []
    # An arrow with no room for a number is the layout's to label (issue 20, "every factor of
    # every path on the picture"); every one is an arrow into Σwx+b from an input or a neuron.
    reserved = {e.id for e in board.layout.edges if e.label is None and not e.id.endswith("_out")}
    if not reserved:
        assert unlabelled == []


def test_a_lesson_with_a_decimal_comma_is_answerable() -> None:
    needs("pygraphviz")
    from autograd_mlp.teach.lesson_layout import lesson_layout

    komma = Lesson.from_dict({**DEFAULT_LESSON.to_dict(), "notation": {"decimal": ","}})
    board = lesson_layout(komma)
    ex = exercise(board.error, count=6, seed=1, decimal=",")
    problems, _ = solve(ex, _from_layout(ex, board.layout))
    assert problems == []


@pytest.mark.parametrize("decimal", [".", ","])
def test_a_value_sheet_is_answerable_from_its_picture(decimal: str) -> None:
    ex = exercise(_tanh_neuron(), hide="data", decimal=decimal)
    assert len(ex.blanks) == 3 and solve_values(ex, _from_dot(ex)) == []
    tampered = _from_dot(ex)
    tampered.data = {
        k: ("9.0000" if not v.startswith("?") else v) for k, v in tampered.data.items()
    }
    assert solve_values(ex, tampered)  # the solver can fail


@settings(max_examples=30, deadline=None)
@given(a=_leaf, b=_leaf, c=_leaf, seed=st.integers(0, 5))
def test_random_value_sheets_are_answerable(a: float, b: float, c: float, seed: int) -> None:
    va, vb, vc = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
    root = ((va * vb + vc).tanh() - va * vc).sigmoid() ** 2
    root.label = "y"
    try:
        ex = exercise(root, hide="data", count=3, seed=seed)
    except ValueError:
        return
    assert solve_values(ex, _from_dot(ex)) == []


@pytest.mark.parametrize("lesson", LESSONS, ids=LESSON_IDS)
def test_a_lesson_value_sheet_is_answerable_from_what_it_prints(lesson: Lesson) -> None:
    needs("pygraphviz")
    from autograd_mlp.teach.lesson_layout import lesson_layout

    board = lesson_layout(lesson)
    ex = exercise(board.error, hide="data", count=8, seed=0)
    assert solve_values(ex, _from_layout(ex, board.layout)) == []


def _local(symbol: str, xs: list[float], out: float, k: int) -> float:
    """A local derivative as a student writes it from the printed values (the op's rule)."""
    if symbol == "Σwx+b":
        return 1.0 if k == len(xs) - 1 else xs[k + 1] if k % 2 == 0 else xs[k - 1]
    if symbol.startswith("x") and len(symbol) > 1:
        n = float(symbol[1:].lstrip("^").translate(_SUPER))
        return float(n * xs[0] ** (n - 1))
    table = {
        "+": lambda: 1.0,
        "−": lambda: 1.0 if k == 0 else -1.0,
        "×": lambda: xs[1 - k],
        "−x": lambda: -1.0,
        "exp": lambda: out,
        "tanh": lambda: 1 - out * out,
        "σ": lambda: out * (1 - out),
    }
    return float(table[symbol]())


def solve_locals(ex: Exercise, sheet: Printed) -> list[str]:
    """Fill the blanks of a local-derivative sheet as a student does: each arrow's ∂out/∂in by
    the printed operation's rule, from the printed values."""
    problems: list[str] = []
    found = {int(t[1:]): (box, k) for box, k, t in sheet.slots if t and t.startswith("?")}
    assert sorted(found) == [b.number for b in ex.blanks], "every blank is on the picture"
    for b in ex.blanks:
        box, k = found[b.number]
        symbol, ins = sheet.made_by[box]
        texts = [sheet.data.get(u, "") for u in ins] + [sheet.data.get(box, "")]
        if not all(re.fullmatch(_NUMBER, t) for t in texts):
            problems.append(f"?{b.number} ({b.name}): a value it needs is not printed")
            continue
        *xs, out = (_read(t, ex.decimal) for t in texts)
        mine = _read(number_text(_local(symbol, xs, out, k), ex.precision, ex.decimal), ex.decimal)
        if not ex.marking.accepts(mine, b.answer, b.exact):
            problems.append(f"?{b.number} ({b.name}): by hand {mine}, the key says {b.answer}")
    return problems


@pytest.mark.parametrize("decimal", [".", ","])
def test_a_local_derivative_sheet_is_answerable_from_its_picture(decimal: str) -> None:
    ex = exercise(_tanh_neuron(), hide="local", decimal=decimal)
    assert ex.blanks and solve_locals(ex, _from_dot(ex)) == []
    tampered = _from_dot(ex)
    tampered.data = {k: "0.3000" for k in tampered.data}
    assert solve_locals(ex, tampered)  # the solver can fail


@settings(max_examples=30, deadline=None)
@given(a=_leaf, b=_leaf, c=_leaf, seed=st.integers(0, 5))
def test_random_local_derivative_sheets_are_answerable(
    a: float, b: float, c: float, seed: int
) -> None:
    va, vb, vc = Value(a, label="a"), Value(b, label="b"), Value(c, label="c")
    root = ((va * vb + vc).tanh() - va * vc).sigmoid() ** 2
    root.label = "y"
    try:
        ex = exercise(root, hide="local", count=3, seed=seed)
    except ValueError:
        return
    assert solve_locals(ex, _from_dot(ex)) == []
