"""A class marked at once: every student's answers against the class key, one row each.

ANSWERS is a CSV file -- a header with ``id`` and one column per blank (``?1``, ``?2``... or
``1``, ``2``...; a ``name`` column and other columns are ignored; ``,``, ``;`` or tab between
fields) -- or a folder of one file per student, named by the id (``s01.txt``, any suffix), in
the ``?N = VALUE`` form of `exercise check`. Every case has one outcome (`OUTCOMES`):

* a student of the key with no answers: a row ``not submitted``, score 0;
* a line of the CSV that cannot be read (more or fewer fields than the header, no id, not
  UTF-8) or a student's file that cannot be read (a line that is not ``?N = VALUE``, a blank
  answered twice): reported with its line number, and the student is marked ``not submitted``
  with that reason -- nothing is dropped silently;
* an id with no sheet in the key: reported with its line number, and a row ``no sheet``;
* an id given twice: the first line is marked, the later one reported;
* a column or line for a blank the sheet does not have (``?9`` of 6): reported and ignored;
  a second column for the same blank: reported, the first is read;
* an empty cell: that blank is ``no answer``;
* an answer that is not a number: that blank is ``unreadable``, marked wrong, with the reason;
* a decimal comma on a sheet that asks for one, and ``−`` (U+2212) for minus: read as the
  number; a decimal comma on a sheet with a decimal point (or the other way round) is
  ``unreadable``, with a reason that says how the sheet writes it.

`mark_class` returns the `Grades` (rows and problems); `Grades.csv_bytes` is ``grades.csv``:
id, name, status, score, out of, one column per blank (right, wrong, no answer, unreadable)
and what was wrong in words.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..._files import read_user_file, read_user_text, shown_path
from ..._text import quote
from ..exercise import Sheet, number_text, read_number
from .key import ClassKey
from .roster import sniff_delimiter

__all__ = ["mark_class", "Grades", "Row", "OUTCOMES", "read_answers"]

OUTCOMES = ("right", "wrong", "no answer", "unreadable")
MAX_ANSWERS_BYTES = 50_000_000
MAX_FILE_BYTES = 1_000_000


@dataclass
class Submission:
    """What one student handed in: raw answer texts by blank, where it came from."""

    id: str
    where: str  # "line 4" or "file s01.txt"
    answers: dict[int, str] = field(default_factory=dict)
    unreadable: str = ""  # why the whole submission could not be read ("" when it could)
    extra: list[str] = field(default_factory=list)  # blanks that do not exist


@dataclass
class Row:
    id: str
    name: str
    status: str  # "submitted", "not submitted", "no sheet"
    score: int
    out_of: int
    marks: list[str]
    feedback: str


@dataclass
class Grades:
    rows: list[Row]
    problems: list[str]
    blanks: int

    def csv_bytes(self, delimiter: str = ",") -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
        numbers = [f"?{i}" for i in range(1, self.blanks + 1)]
        writer.writerow(["id", "name", "status", "score", "out_of", *numbers, "feedback"])
        for r in self.rows:
            marks = r.marks + [""] * (self.blanks - len(r.marks))
            writer.writerow([r.id, r.name, r.status, r.score, r.out_of, *marks, r.feedback])
        return out.getvalue().encode("utf-8")


def _blank_column(name: str) -> int | None:
    text = name.strip().lstrip("?").strip()
    return int(text) if text.isdecimal() and len(text) < 10 else None


def _read_csv(text: str, source: str, blanks: int) -> tuple[list[Submission], list[str]]:
    problems: list[str] = []
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        raise ValueError(f"{source}: empty; expected a header with 'id' and ?1 ... ?{blanks}")
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines[0]))
    header = [cell.strip() for cell in next(reader)]
    lowered = [h.lower() for h in header]
    if "id" not in lowered:
        raise ValueError(f"{source} line 1: expected a header with an 'id' column")
    at_id = lowered.index("id")
    columns: dict[int, int] = {}
    for i, name in enumerate(header):
        n = _blank_column(name)
        if n is None or i == at_id:
            continue
        if not 1 <= n <= blanks:
            problems.append(
                f"{source} line 1: column {quote(name, 20)} is not a blank of the sheets "
                f"(?1 … ?{blanks}); ignored"
            )
            continue
        if n in columns.values():
            problems.append(
                f"{source} line 1: column {quote(name, 20)} is ?{n} again; the first is read"
            )
            continue
        columns[i] = n
    out = []
    for row in reader:
        lineno = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        sid = row[at_id].strip() if at_id < len(row) else ""
        sub = Submission(sid, f"line {lineno}")
        if len(row) != len(header):
            sub.unreadable = (
                f"{source} line {lineno}: {len(row)} fields, the header has {len(header)}"
            )
        elif not sid:
            sub.unreadable = f"{source} line {lineno}: no id"
        else:
            for i, n in columns.items():
                if row[i].strip():
                    sub.answers[n] = row[i]
        out.append(sub)
    return out, problems + [s.unreadable for s in out if s.unreadable]


_LINE = re.compile(r"\??\s*(\d{1,9})\s*[=:]\s*(.*)")


def _read_folder(folder: Path, blanks: int) -> list[Submission]:
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        where = f"answers file {shown_path(path.name)}"
        sub = Submission(path.stem, f"file {path.name}")
        out.append(sub)
        try:
            text = read_user_file(path, where, MAX_FILE_BYTES).decode("utf-8")
        except UnicodeDecodeError as exc:
            sub.unreadable = f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})"
            continue
        except (OSError, ValueError) as exc:
            sub.unreadable = f"{where}: {getattr(exc, 'strerror', None) or exc}"
            continue
        lines: dict[int, int] = {}
        for lineno, raw in enumerate(text.lstrip("\ufeff").splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            match = _LINE.fullmatch(line)
            if match is None:
                sub.unreadable = (
                    f"{where} line {lineno}: expected '?N = VALUE', got {quote(line, 40)}"
                )
                break
            n = int(match.group(1))
            if n in lines:
                sub.unreadable = f"{where} line {lineno}: ?{n} is answered twice (line {lines[n]})"
                break
            lines[n] = lineno
            if 1 <= n <= blanks:
                sub.answers[n] = match.group(2)
            else:
                sub.extra.append(f"?{n}")
        if sub.unreadable:
            sub.answers.clear()
            sub.extra.clear()
    return out


def read_answers(path: str | os.PathLike[str], key: ClassKey) -> tuple[list[Submission], list[str]]:
    """The submissions in ``path`` (a CSV file or a folder), and the problems found reading."""
    target = Path(path)
    blanks = len(key.blanks)
    if target.is_dir():
        subs = _read_folder(target, blanks)
        problems = [s.unreadable for s in subs if s.unreadable]
        problems += [
            f"{s.where}: {', '.join(s.extra)} not blanks of the sheet (?1 … ?{blanks}); ignored"
            for s in subs
            if s.extra
        ]
        return subs, problems
    where = f"answers {shown_path(path)}"
    text = read_user_text(path, where, MAX_ANSWERS_BYTES)
    return _read_csv(text, where, blanks)


def _mark(sheet: Sheet, answers: dict[int, str]) -> tuple[int, list[str], list[str]]:
    marks, said = [], []
    score = 0
    for b in sheet.blanks:
        text = answers.get(b.number)
        expected = number_text(b.answer, sheet.precision, sheet.decimal)
        if text is None:
            marks.append("no answer")
            said.append(f"?{b.number}: no answer (expected {expected})")
            continue
        try:
            value = read_number(text, sheet.decimal)
        except ValueError as exc:
            marks.append("unreadable")
            said.append(f"?{b.number}: {exc}")
            continue
        if sheet.marking.accepts(value, b.answer, b.exact):
            marks.append("right")
            score += 1
        else:
            marks.append("wrong")
            given = number_text(value, sheet.precision, sheet.decimal)
            said.append(f"?{b.number}: {given} is wrong (expected {expected})")
    return score, marks, said


def mark_class(key: ClassKey, submissions: list[Submission], problems: list[str]) -> Grades:
    """One row per student of the key (in its order), then one per id with no sheet."""
    entries = key.by_id()
    first: dict[str, Submission] = {}
    strangers: list[Submission] = []
    problems = list(problems)
    for sub in submissions:
        if not sub.id:
            continue
        if sub.id not in entries:
            problems.append(f"{sub.where}: id {quote(sub.id, 40)} has no sheet in the key")
            strangers.append(sub)
            continue
        if sub.id in first:
            problems.append(
                f"{sub.where}: id {sub.id!r} already answered ({first[sub.id].where}); "
                "the first is marked"
            )
            continue
        first[sub.id] = sub
    n = len(key.blanks)
    rows = []
    for e in key.entries:
        handed = first.get(e.student.id)
        if handed is None or handed.unreadable:
            why = (
                "no answers submitted"
                if handed is None
                else f"could not be read: {handed.unreadable}"
            )
            rows.append(
                Row(e.student.id, e.student.name, "not submitted", 0, n, ["no answer"] * n, why)
            )
            continue
        score, marks, said = _mark(e.sheet, handed.answers)
        if handed.extra:
            said.append(f"{', '.join(handed.extra)}: not blanks of the sheet (ignored)")
        feedback = "; ".join(said) if said else "all right"
        rows.append(Row(e.student.id, e.student.name, "submitted", score, n, marks, feedback))
    for sub in strangers:
        rows.append(
            Row(sub.id, "", "no sheet", 0, n, [], f"{sub.where}: no sheet in the key for this id")
        )
    return Grades(rows, problems, n)
