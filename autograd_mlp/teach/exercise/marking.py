"""How a worksheet is marked: a student's answers read and checked against the key.

`parse_answers` reads answers as a student writes them (``?1 = 0.25`` lines, or JSON), and
`load_answers` reads them from a file (only a regular file, at most `MAX_ANSWER_CHARS`, opened
without blocking) or from standard input; every problem is one ValueError line naming the file
and the line or blank. `check` marks them by the sheet's `Marking` and returns a `Report`, one
`Marked` per blank, whose text gives the expected value and the working for every wrong or
missing answer.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..._files import parse_json, read_user_text, shown_path
from ...viz.naming import printable
from .sheet import DECIMALS, Blank, Exercise, Marking, Sheet, _quote, number_text

__all__ = [
    "check",
    "parse_answers",
    "load_answers",
    "read_number",
    "Marked",
    "Report",
    "MAX_ANSWER_CHARS",
]

MINUS = "−"  # U+2212, the minus sign the sheets print: read as "-"
_SPACES = (" ", "\u00a0", "\u2009", "\u202f")  # spaces a number may be written with


def read_number(text: str, decimal: str = ".") -> float:
    """One answer as a student writes it, on a sheet whose decimal separator is ``decimal``:
    ``-0.25``, ``−0.25`` (the minus sign the sheet prints), ``1e-5``, spaces ignored; on a sheet
    with a decimal comma ``−0,25``. The other separator is refused with a ValueError that says
    which one the sheet asks for (``0,25`` on a decimal-point sheet could be 0.25 or, grouped,
    25); so is anything that is not a finite number."""
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be '.' or ',', got {_quote(decimal)}")
    cleaned = str(text).strip().replace(MINUS, "-")
    for space in _SPACES:
        cleaned = cleaned.replace(space, "")
    other = "," if decimal == "." else "."
    if other in cleaned:
        wanted = cleaned.replace(other, decimal).replace("-", MINUS)
        said = "a decimal comma" if other == "," else "a decimal point"
        asks = "a decimal point" if decimal == "." else "a decimal comma"
        raise ValueError(
            f"{_quote(text)} is written with {said}; this sheet asks for {asks}: {wanted}"
        )
    try:
        value = float(cleaned.replace(",", "."))
    except ValueError:
        raise ValueError(f"{_quote(text)} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{_quote(text)} is not a finite number")
    return value


MAX_ANSWER_CHARS = 1_000_000  # a class's answers are a few kB; refuse more than this, not cut it
_MAX_DIGITS = 9  # digits of a blank's number: no sheet has a billion blanks


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
    decimal: str = "."

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return self.score == len(self.marks)

    def __str__(self) -> str:
        # names and working may come from a sheet file: printed, they must not hold a line
        # break or a terminal's control sequence (printable)
        lines = [f"{self.score} of {len(self.marks)} correct ({self.marking.describe()})"]
        for m in self.marks:
            b = m.blank
            name = printable(b.name)
            expected = number_text(b.answer, self.precision, self.decimal)
            if m.correct:
                lines.append(f"?{b.number}  {name}: right")
                continue
            if m.given is None:
                lines.append(f"?{b.number}  {name}: no answer; expected {expected}")
            else:
                given = number_text(m.given, self.precision, self.decimal)
                lines.append(f"?{b.number}  {name}: {given} is wrong; expected {expected}")
            lines.append(f"     {printable(b.hint)}")
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
    return Report(marks, ex.precision, rule, ex.decimal)


def _blank_number(key: object, n: int) -> int:
    text = str(key).strip().lstrip("?") if isinstance(key, (str, int)) else ""
    # isdecimal, not isdigit: "²" is a digit to isdigit() and no number to int()
    if (
        isinstance(key, bool)
        or not text.isdecimal()
        or len(text) > _MAX_DIGITS
        or not 1 <= int(text) <= n
    ):
        raise ValueError(f"check: {_quote(key)} is not a blank number (expected 1 to {n}, or '?1')")
    return int(text)


def _answer_value(value: object, number: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"check: the answer to ?{number} must be a number, got {type(value).__name__}: "
            f"{_quote(value)}"
        )
    try:
        return float(value)
    except OverflowError:  # an int of 309 digits or more
        raise ValueError(
            f"check: the answer to ?{number} must be a finite number, got {_quote(value)}"
        ) from None


def parse_answers(text: str, source: str = "answers", decimal: str = ".") -> dict[int, float]:
    """A student's answers from text: one ``?N = VALUE`` per line (``N = VALUE`` and ``?N:
    VALUE`` too; ``#`` starts a comment; blank lines are ignored; − may be typed as -), or a
    JSON object ``{"1": 0.5, "?2": -3}`` or list ``[0.5, -3]``. ``decimal``: the sheet's
    decimal separator, with which each VALUE is read (`read_number`; a JSON number is a JSON
    number, and a JSON text such as ``"0,25"`` is read as a VALUE).

    Raises ValueError, one line starting with ``source``, naming the line that is not an
    answer, or a blank given twice (also as a JSON key given twice, or as "1" and "?1").
    """
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        data = parse_json(stripped, source)
        if isinstance(data, list):
            data = {str(i + 1): v for i, v in enumerate(data) if v is not None}
        if not isinstance(data, dict):
            raise ValueError(f"{source}: a JSON answers file is an object or a list")
        out: dict[int, float] = {}
        for key, value in data.items():
            number = _number_of(str(key), f"key {_quote(key)}", source)
            if isinstance(value, str):
                try:
                    value = read_number(value, decimal)
                except ValueError as exc:
                    raise ValueError(f"{source}: ?{number} must be a number: {exc}") from None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{source}: ?{number} must be a number, got {_quote(value)}")
            if number in out:
                raise ValueError(f"{source}: ?{number} is answered twice (key {_quote(key)})")
            try:
                out[number] = float(value)
            except OverflowError:  # an int of 309 digits or more
                raise ValueError(
                    f"{source}: ?{number} must be a finite number, got {_quote(value)}"
                ) from None
        return out
    out = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        sep = "=" if "=" in line else ":" if ":" in line else None
        if sep is None:
            raise ValueError(
                f"{source} line {lineno}: expected '?N = VALUE' (e.g. ?1 = 0.25), got "
                f"{_quote(line)}"
            )
        left, right = (part.strip() for part in line.split(sep, 1))
        number = _number_of(left, f"line {lineno}", source)
        try:
            value = read_number(right, decimal)
        except ValueError as exc:
            raise ValueError(f"{source} line {lineno}: ?{number}: {exc}") from None
        if number in out:
            raise ValueError(f"{source} line {lineno}: ?{number} is answered twice")
        out[number] = value
    return out


def _number_of(text: str, where: str, source: str) -> int:
    digits = text.strip().lstrip("?").strip()
    # isdecimal, not isdigit: "²" is a digit to isdigit() and no number to int()
    if not digits.isdecimal() or len(digits) > _MAX_DIGITS:
        raise ValueError(f"{source} {where}: {_quote(text)} is not a blank such as ?1")
    return int(digits)


def load_answers(path: str | os.PathLike[str], decimal: str = ".") -> dict[int, float]:
    """A student's answers from a file (`parse_answers` says how they are written), or from
    standard input when ``path`` is ``"-"``.

    Only a regular file is read, opened without blocking (a FIFO is refused at once), and at
    most `MAX_ANSWER_CHARS`: more is refused, never cut. Every problem is one ValueError line
    naming the file; a file that cannot be opened is an OSError naming it.
    """
    if os.fspath(path) == "-":
        text = sys.stdin.read(MAX_ANSWER_CHARS + 1)
        if len(text) > MAX_ANSWER_CHARS:
            raise ValueError(
                f"answers on stdin: more than {MAX_ANSWER_CHARS:,} characters (the limit); "
                "a class's answers are far shorter: give each student's answers on their own"
            )
        return parse_answers(text, "answers on stdin", decimal)
    where = f"answers file {shown_path(path)}"
    text = read_user_text(path, where, MAX_ANSWER_CHARS)
    return parse_answers(text, where, decimal)
