"""The teacher's key of a class: every student's sheet, in one file.

``class-key.json`` (format ``autograd_mlp.class_key`` version 1) holds the lesson, the class
seed, the blanks every student fills in, the rule the numbers were drawn by, and for each
student (in the roster's order) the id, the name, the attempt their numbers came from and
their sheet (`Sheet.to_dict`: blanks, answers, working, marking). `class mark` marks from it
alone, and ``class-key.csv`` is the same key for a spreadsheet: one row per student, one column
per blank, each answer as the sheet prints it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..._files import parse_json, read_user_file, shown_path, write_atomic
from ..._text import quote
from ..exercise import Sheet, number_text
from ..exercise.sheet import sheet_from_dict
from ..lesson import Lesson
from .numbers import DRAW_RULE
from .roster import Student

__all__ = ["ClassKey", "Entry", "load_key", "KEY_FORMAT"]

KEY_FORMAT = "autograd_mlp.class_key"
KEY_VERSION = 1
MAX_KEY_BYTES = 100_000_000


@dataclass
class Entry:
    """One student of the key: who, which draw, and their sheet."""

    student: Student
    attempt: int
    sheet: Sheet
    lesson: Lesson | None = None  # the student's lesson (their numbers), when known


@dataclass
class ClassKey:
    lesson: Lesson
    seed: int
    count: int | None
    precision: int
    blanks: list[str]
    entries: list[Entry] = field(default_factory=list)

    @property
    def decimal(self) -> str:
        return self.lesson.notation.decimal

    def by_id(self) -> dict[str, Entry]:
        return {e.student.id: e for e in self.entries}

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": KEY_FORMAT,
            "version": KEY_VERSION,
            "rule": DRAW_RULE,
            "lesson": self.lesson.to_dict(),
            "seed": self.seed,
            "count": self.count,
            "precision": self.precision,
            "blanks": self.blanks,
            "students": [
                {
                    "id": e.student.id,
                    "name": e.student.name,
                    "attempt": e.attempt,
                    "sheet": e.sheet.to_dict(),
                }
                for e in self.entries
            ],
        }

    def json_bytes(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n").encode("utf-8")

    def csv_bytes(self) -> bytes:
        """The key for a spreadsheet: id, name, then each blank's answer as printed."""
        out = io.StringIO()
        delimiter = ";" if self.decimal == "," else ","
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        writer.writerow(["id", "name", *(f"?{i}" for i in range(1, len(self.blanks) + 1))])
        writer.writerow(["", "(blank)", *self.blanks])
        for e in self.entries:
            row = [
                number_text(b.answer, e.sheet.precision, e.sheet.decimal) for b in e.sheet.blanks
            ]
            writer.writerow([e.student.id, e.student.name, *row])
        return out.getvalue().encode("utf-8")

    def save(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path)
        write_atomic(target, self.json_bytes())
        return target


def load_key(path: str | os.PathLike[str]) -> ClassKey:
    """Read ``class-key.json``; every problem is one ValueError naming the file and field."""
    where = f"class key {shown_path(path)}"
    try:
        raw = read_user_file(path, where, MAX_KEY_BYTES)
    except OSError as exc:
        raise type(exc)(f"cannot read {where}: {exc.strerror or exc}") from None
    data = parse_json(raw, where)
    try:
        return _from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{where}: {exc}") from None


def _from_dict(data: object) -> ClassKey:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if data.get("format") != KEY_FORMAT:
        raise ValueError(f"format: expected {KEY_FORMAT!r}, got {quote(data.get('format'), 40)}")
    if data.get("version") != KEY_VERSION:
        raise ValueError(f"version: expected {KEY_VERSION}, got {quote(data.get('version'), 40)}")
    lesson = Lesson.from_dict(data.get("lesson"))
    seed, count, precision = data.get("seed"), data.get("count"), data.get("precision")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an int, got {quote(seed, 40)}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
        raise ValueError(f"count: expected an int or null, got {quote(count, 40)}")
    if isinstance(precision, bool) or not isinstance(precision, int):
        raise ValueError(f"precision: expected an int, got {quote(precision, 40)}")
    blanks = data.get("blanks")
    if not isinstance(blanks, list) or not all(isinstance(b, str) for b in blanks) or not blanks:
        raise ValueError("blanks: expected a non-empty list of names")
    students = data.get("students")
    if not isinstance(students, list):
        raise ValueError("students: expected a list")
    entries = []
    for i, item in enumerate(students):
        if not isinstance(item, dict):
            raise ValueError(f"students[{i}]: expected an object")
        sid, name, attempt = item.get("id"), item.get("name", ""), item.get("attempt", 0)
        if not isinstance(sid, str) or not isinstance(name, str) or not isinstance(attempt, int):
            raise ValueError(f"students[{i}]: id and name must be text, attempt an int")
        try:
            sheet = sheet_from_dict(item.get("sheet"))
        except ValueError as exc:
            raise ValueError(f"students[{i}].sheet: {exc}") from None
        if len(sheet.blanks) != len(blanks):
            raise ValueError(
                f"students[{i}].sheet: {len(sheet.blanks)} blanks, the class has {len(blanks)}"
            )
        entries.append(Entry(Student(sid, name), attempt, sheet))
    return ClassKey(lesson, seed, count, precision, list(blanks), entries)
