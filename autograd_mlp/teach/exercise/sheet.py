"""What a worksheet is: its blanks, its key, how it is marked, and its file.

A `Blank` is one numbered gap with its answer and working; `Marking` is the rule the sheet
states (within a tolerance, or to some significant figures); an `Exercise` is a sheet with its
graph and picture (`autograd_mlp.teach.exercise.build` makes one), and a `Sheet` is what
marking needs without the graph. A sheet is saved as JSON beside its PDF (`Sheet.save`,
format ``autograd_mlp.worksheet`` version 1: the blanks, the key, the working, the marking) and
read back by `load_sheet`, so that answers can be marked later
(`autograd_mlp.teach.exercise.marking`).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..._files import parse_json, read_user_file, shown_path, write_atomic
from ..._text import quote
from ...engine import Value
from ...viz import GradGraph
from ...viz import format_number as _fmt
from ...viz.naming import md_text, printable

__all__ = [
    "Blank",
    "Marking",
    "Sheet",
    "Exercise",
    "load_sheet",
    "sheet_from_dict",
    "HIDE",
    "MARKINGS",
    "NO_GIVEAWAY_RULE",
    "SHEET_FORMAT",
]


HIDE = ("grad", "data", "local")


MARKINGS = ("tolerance", "sigfigs")


DECIMALS = (".", ",")  # the decimal separators a sheet may be written with


def number_text(x: float, precision: int, decimal: str = ".") -> str:
    """``x`` as a sheet prints it: ``precision`` decimals (scientific notation for tiny and
    huge numbers, as the pictures), a true minus sign, and the sheet's decimal separator."""
    text = _fmt(x, precision)
    return text.replace(".", ",") if decimal == "," else text


SHEET_FORMAT = "autograd_mlp.worksheet"


SHEET_VERSION = 1


MAX_SHEET_BYTES = 2_000_000


NO_GIVEAWAY_RULE = (
    "No answer can be copied from this sheet: wherever a blank's answer equals a number "
    "printed here, that number is hidden too or the blank was replaced by another."
)


_QUOTE = 40


def _quote(value: object) -> str:
    """``repr(value)`` in at most about 40 characters (never a whole file, nor an int of 5,000
    digits, which Python refuses to print)."""
    return quote(value, _QUOTE)


@dataclass(frozen=True)
class Blank:
    """One numbered blank: what is hidden, where, and its answer."""

    number: int
    kind: str  # "grad", "data" or "local"
    node: Value | None  # the Value whose grad/data is hidden (the edge's output for "local")
    slot: int | None  # for "local": which input of ``node`` the edge comes from
    name: str  # readable name of the node (or of the edge, "∂out/∂in")
    answer: float  # the key: worked out from the numbers as printed
    hint: str  # the rule with numbers: how the answer is obtained
    exact: float = math.nan  # the unrounded value (nan when unknown)


@dataclass(frozen=True)
class Marking:
    """How answers are marked, and the sentence that says so on the sheet."""

    mode: str = "tolerance"  # "tolerance" or "sigfigs"
    tol: float = 1e-4  # tolerance: |given − answer| ≤ tol (answer: the key or the exact value)
    sigfigs: int = 3  # sigfigs: agreement to this many significant figures

    def __post_init__(self) -> None:
        if self.mode not in MARKINGS:
            raise ValueError(
                f"marking must be one of {', '.join(map(repr, MARKINGS))}, got {_quote(self.mode)}"
            )
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1e300:
            # 1e300 and not inf: an int of 400 digits is below inf and yet has no float
            raise ValueError(f"tol must be a non-negative number, got {_quote(tol)}")
        figs = self.sigfigs
        if isinstance(figs, bool) or not isinstance(figs, int) or not 1 <= figs <= 15:
            raise ValueError(f"sigfigs must be an int from 1 to 15, got {_quote(figs)}")

    def describe(self) -> str:
        if self.mode == "sigfigs":
            return (
                f"An answer is marked right when it agrees with the key to {self.sigfigs} "
                "significant figures."
            )
        return f"An answer is marked right when it is within ±{self.tol:g} of the key."

    def accepts(self, given: float, answer: float, exact: float) -> bool:
        targets = [t for t in (answer, exact) if not math.isnan(t)]
        if math.isnan(given):
            return math.isnan(answer)
        if self.mode == "sigfigs":
            return any(_sig(given, self.sigfigs) == _sig(t, self.sigfigs) for t in targets)
        # a hair of slack: 1.0019 − 1.0020 is 1.00000000000001e-4 in binary
        return any(abs(given - t) <= self.tol * (1 + 1e-9) + 1e-15 for t in targets)


def _sig(x: float, figs: int) -> str:
    return f"{x:.{figs - 1}e}" if x != 0 else "0"


@dataclass
class Sheet:
    """What a worksheet needs for marking, without its graph: saved beside the PDF as JSON."""

    hide: str
    precision: int
    marking: Marking
    blanks: list[Blank]
    instructions: str = ""
    title: str = ""
    decimal: str = "."  # the separator the sheet's numbers are written with, and answers read

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": SHEET_FORMAT,
            "version": SHEET_VERSION,
            "title": self.title,
            "hide": self.hide,
            "precision": self.precision,
            "decimal": self.decimal,
            "instructions": self.instructions,
            "rule": NO_GIVEAWAY_RULE,
            "marking": {
                "mode": self.marking.mode,
                "tol": self.marking.tol,
                "sigfigs": self.marking.sigfigs,
                "statement": self.marking.describe(),
            },
            "blanks": [
                {
                    "number": b.number,
                    "kind": b.kind,
                    "name": b.name,
                    "answer": b.answer,
                    "exact": None if math.isnan(b.exact) else b.exact,
                    "working": b.hint,
                }
                for b in self.blanks
            ],
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the sheet as JSON (atomically: a failed write leaves the old file)."""
        target = Path(path)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        write_atomic(target, text.encode("utf-8"))
        return target


@dataclass
class Exercise:
    """A worksheet: the graph with blanks, the blanks in order, and the answer key."""

    root: Value
    hide: str
    graph: GradGraph
    blanks: list[Blank]
    precision: int
    marking: Marking = field(default_factory=Marking)
    instructions: str = ""
    title: str = ""
    # draws the sheet's picture again, e.g. top to bottom for a portrait page:
    # redraw(rankdir, title, key=False) -> GradGraph (key: the blanks filled in)
    redraw: Callable[..., GradGraph] | None = None
    # what the sheet prints in each box and on each arrow, for a renderer of one's own (the
    # lesson's shared layout): node_text(value) -> {"grad": "?3"} | None and
    # edge_text(input, output, k) -> "?2" | None, the hooks `draw_graph` is given
    node_text: Callable[[Value], dict[str, str] | None] | None = None
    edge_text: Callable[[Value, Value, int], str | None] | None = None
    decimal: str = "."  # the sheet's decimal separator ("," for a decimal comma)

    @property
    def sheet(self) -> Sheet:
        return Sheet(
            self.hide,
            self.precision,
            self.marking,
            self.blanks,
            self.instructions,
            self.title,
            self.decimal,
        )

    def key_graph(self, rankdir: str = "LR") -> GradGraph:
        """The sheet's picture with every blank filled in, ``?3 = 0.2475``: the key of a
        picture-only sheet (.png or .svg), a file of its own."""
        if self.redraw is None:
            raise ValueError("key_graph: this exercise has no drawing to fill in")
        return self.redraw(rankdir, None, True)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the machine-readable sheet (blanks, key, working, marking) as JSON."""
        return self.sheet.save(path)

    def answer_key(self, format: str = "text") -> str:
        """The numbered answers, as plain text or as a markdown table."""
        return _answer_key(self.sheet, format)


def _answer_key(sheet: Sheet, format: str) -> str:
    if format not in ("text", "markdown"):
        raise ValueError(f"format must be 'text' or 'markdown', got {format!r}")
    what = {"grad": "gradients", "data": "values", "local": "local derivatives"}[sheet.hide]
    p = sheet.precision

    def _fmt(x: float, precision: int) -> str:
        return number_text(x, precision, sheet.decimal)

    if format == "markdown":
        lines = [
            f"# Answer key: {what}",
            "",
            sheet.marking.describe(),
            "",
            "| blank | quantity | answer | how |",
            "| ---: | --- | ---: | --- |",
        ]
        for b in sheet.blanks:
            lines.append(
                f"| ?{b.number} | {md_text(b.name)} | {_fmt(b.answer, p)} | {md_text(b.hint)} |"
            )
        return "\n".join(lines) + "\n"
    lines = [f"Answer key: {what}", sheet.marking.describe(), ""]
    for b in sheet.blanks:
        lines.append(f"?{b.number}  {printable(b.name)} = {_fmt(b.answer, p)}")
        lines.append(f"     {printable(b.hint)}")
    return "\n".join(lines) + "\n"


def load_sheet(path: str | os.PathLike[str]) -> Sheet:
    """Read a sheet saved by `Exercise.save`. Every problem is one ValueError line naming the
    file and the field; nothing else is read or changed."""
    where = f"sheet {shown_path(path)}"
    try:
        raw = read_user_file(path, where, MAX_SHEET_BYTES, too_big=" (a worksheet is smaller)")
    except OSError as exc:
        raise type(exc)(f"cannot read {where}: {exc.strerror or exc}") from None
    data = parse_json(raw, where)
    try:
        return _sheet_from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{where}: {exc}") from None


def sheet_from_dict(data: object) -> Sheet:
    """A sheet from its JSON object (`Sheet.to_dict`); a ValueError names the field."""
    return _sheet_from_dict(data)


def _sheet_from_dict(data: object) -> Sheet:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if data.get("format") != SHEET_FORMAT:
        raise ValueError(f"format: expected {SHEET_FORMAT!r}, got {_quote(data.get('format'))}")
    if data.get("version") != SHEET_VERSION:
        raise ValueError(f"version: expected {SHEET_VERSION}, got {_quote(data.get('version'))}")
    hide = data.get("hide")
    if hide not in HIDE:
        raise ValueError(f"hide: expected one of {', '.join(HIDE)}, got {_quote(hide)}")
    precision = data.get("precision")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 12:
        raise ValueError(f"precision: expected an int from 1 to 12, got {_quote(precision)}")
    m = data.get("marking")
    if not isinstance(m, dict):
        raise ValueError(f"marking: expected an object, got {_quote(m)}")
    try:
        marking = Marking(m.get("mode", "tolerance"), m.get("tol", 1e-4), m.get("sigfigs", 3))
    except ValueError as exc:
        raise ValueError(f"marking: {exc}") from None
    raw = data.get("blanks")
    if not isinstance(raw, list) or not raw:
        raise ValueError("blanks: expected a non-empty list")
    blanks = []
    for i, item in enumerate(raw):
        where = f"blanks[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object")
        if item.get("number") != i + 1:
            raise ValueError(f"{where}.number: expected {i + 1}, got {_quote(item.get('number'))}")
        values = {}
        for key in ("answer", "exact"):
            v = item.get(key)
            if key == "exact" and v is None:
                values[key] = math.nan
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"{where}.{key}: expected a number, got {_quote(v)}")
            try:
                values[key] = float(v)
            except OverflowError:  # an int of 309 digits or more: no float holds it
                raise ValueError(
                    f"{where}.{key}: expected a number a float can hold, got {_quote(v)}"
                ) from None
        name, hint = item.get("name"), item.get("working")
        if not isinstance(name, str) or not isinstance(hint, str):
            raise ValueError(f"{where}: name and working must be text")
        blanks.append(Blank(i + 1, hide, None, None, name, values["answer"], hint, values["exact"]))
    texts = {}
    for key in ("title", "instructions"):
        text = data.get(key, "")
        if not isinstance(text, str):
            raise ValueError(f"{key}: expected a text, got {_quote(text)}")
        texts[key] = text
    decimal = data.get("decimal", ".")
    if decimal not in DECIMALS:
        raise ValueError(f"decimal: expected '.' or ',', got {_quote(decimal)}")
    return Sheet(
        hide, precision, marking, blanks, texts["instructions"], texts["title"], str(decimal)
    )
