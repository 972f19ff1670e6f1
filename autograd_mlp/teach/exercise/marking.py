"""How a worksheet is marked: a student's answers read and checked against the key.

`parse_answers` reads answers as a student writes them (``?1 = 0.25`` lines, or JSON);
`check` marks them by the sheet's `Marking` and returns a `Report`, one `Marked` per blank,
whose text gives the expected value and the working for every wrong or missing answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ...viz import format_number as _fmt
from .sheet import Blank, Exercise, Marking, Sheet, _quote

__all__ = ["check", "parse_answers", "Marked", "Report"]


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
    marking: Marking = field(default_factory=Marking)

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return self.score == len(self.marks)

    def __str__(self) -> str:
        lines = [f"{self.score} of {len(self.marks)} correct ({self.marking.describe()})"]
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


def check(
    ex: Exercise | Sheet,
    answers: Mapping[int, float]
    | Mapping[str, float]
    | Mapping[int | str, float]
    | Sequence[float | None],
    tol: float | None = None,
) -> Report:
    """Mark ``answers`` (a list in blank order, or a mapping ``{1: 0.5, "?2": -3}``).

    The sheet's `Marking` decides (tolerance or significant figures, as the sheet states);
    ``tol`` overrides the tolerance.
    """
    if not isinstance(ex, (Exercise, Sheet)):
        raise TypeError(f"check expects an Exercise or a Sheet, got {type(ex).__name__}")
    rule = ex.marking
    if tol is not None:
        rule = Marking("tolerance", tol, rule.sigfigs)
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
        marks.append(Marked(b, g, g is not None and rule.accepts(g, b.answer, b.exact)))
    return Report(marks, ex.precision, rule)


def _blank_number(key: object, n: int) -> int:
    text = str(key).strip().lstrip("?")
    if isinstance(key, bool) or not text.isdigit() or not 1 <= int(text) <= n:
        raise ValueError(f"check: {_quote(key)} is not a blank number (expected 1 to {n}, or '?1')")
    return int(text)


def _answer_value(value: object, number: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"check: the answer to ?{number} must be a number, got {type(value).__name__}: "
            f"{_quote(value)}"
        )
    return float(value)


def parse_answers(text: str) -> dict[int, float]:
    """A student's answers from text: one ``?N = VALUE`` per line (``N = VALUE`` and ``?N:
    VALUE`` too; ``#`` starts a comment; blank lines are ignored; − may be typed as -), or a
    JSON object ``{"1": 0.5, "?2": -3}`` or list ``[0.5, -3]``.

    Raises ValueError naming the line that is not an answer, or a blank given twice.
    """
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"answers: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(data, list):
            data = {str(i + 1): v for i, v in enumerate(data) if v is not None}
        if not isinstance(data, dict):
            raise ValueError("answers: a JSON answers file is an object or a list")
        out: dict[int, float] = {}
        for key, value in data.items():
            number = _number_of(str(key), f"key {_quote(key)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"answers: ?{number} must be a number, got {_quote(value)}")
            out[number] = float(value)
        return out
    out = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        sep = "=" if "=" in line else ":" if ":" in line else None
        if sep is None:
            raise ValueError(
                f"answers line {lineno}: expected '?N = VALUE' (e.g. ?1 = 0.25), got {_quote(line)}"
            )
        left, right = (part.strip() for part in line.split(sep, 1))
        number = _number_of(left, f"line {lineno}")
        try:
            value = float(right.replace("−", "-").replace(" ", ""))
        except ValueError:
            raise ValueError(
                f"answers line {lineno}: ?{number}: {_quote(right)} is not a number"
            ) from None
        if number in out:
            raise ValueError(f"answers line {lineno}: ?{number} is answered twice")
        out[number] = value
    return out


def _number_of(text: str, where: str) -> int:
    digits = text.strip().lstrip("?").strip()
    if not digits.isdigit():
        raise ValueError(f"answers {where}: {_quote(text)} is not a blank such as ?1")
    return int(digits)
