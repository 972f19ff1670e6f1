"""A class's roster: a CSV file with a header and an ``id`` column (optionally ``name``).

Each id names the student's files (``sheet-ID.pdf``), so it is letters, digits, ``.``, ``_``
and ``-`` (at most 64, not starting with ``.``), and appears once. Every problem is one
ValueError naming the file and the line.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass

from ..._files import read_user_text, shown_path
from ..._text import quote

__all__ = ["Student", "read_roster", "parse_roster", "ID_PATTERN", "sniff_delimiter"]

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_ROSTER_BYTES = 5_000_000


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""


def sniff_delimiter(header: str) -> str:
    """``,`` unless the header line is split by ``;`` or a tab (a spreadsheet saved where the
    decimal separator is a comma writes ``;``)."""
    for delimiter in (",", ";", "\t"):
        if "id" in [cell.strip().lower() for cell in header.split(delimiter)]:
            return delimiter
    return ","


def parse_roster(text: str, source: str = "roster") -> list[Student]:
    """The students of a roster's text, in its order."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        raise ValueError(f"{source}: empty; expected a header with an 'id' column")
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sniff_delimiter(lines[0]))
    header = [cell.strip().lower() for cell in next(reader)]
    if "id" not in header:
        raise ValueError(
            f"{source} line 1: expected a header with an 'id' column, got {quote(lines[0], 60)}"
        )
    at_id = header.index("id")
    at_name = header.index("name") if "name" in header else None
    students: list[Student] = []
    seen: dict[str, int] = {}
    for row in reader:
        lineno = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise ValueError(
                f"{source} line {lineno}: {len(row)} fields, the header has {len(header)}"
            )
        sid = row[at_id].strip()
        if not ID_PATTERN.fullmatch(sid):
            raise ValueError(
                f"{source} line {lineno}: id {quote(sid, 40)} is not letters, digits, '.', '_' "
                "and '-' (at most 64, not starting with '.'): it names the student's files"
            )
        if sid in seen:
            raise ValueError(f"{source} line {lineno}: id {sid!r} is already on line {seen[sid]}")
        seen[sid] = lineno
        students.append(Student(sid, row[at_name].strip() if at_name is not None else ""))
    if not students:
        raise ValueError(f"{source}: no student (a header and one line per student)")
    return students


def read_roster(path: str | os.PathLike[str]) -> list[Student]:
    where = f"roster {shown_path(path)}"
    text = read_user_text(path, where, MAX_ROSTER_BYTES)
    return parse_roster(text, where)
