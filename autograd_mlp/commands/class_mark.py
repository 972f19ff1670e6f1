"""``autograd-mlp class mark KEY ANSWERS -o grades.csv``: every student marked at once."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from .base import Runner, UsageError, one_line

if TYPE_CHECKING:
    from .base import Parser

__all__ = ["add"]


def add(actions: argparse._SubParsersAction[Parser]) -> Runner:
    p = actions.add_parser(
        "mark",
        help="mark every student's answers against the class key: grades.csv",
        description=(
            "KEY is class-key.json (from 'class sheets'); ANSWERS a CSV (id, then one column "
            "per blank: ?1, ?2 ...) or a folder of one file per student named by the id, in the "
            "'?N = VALUE' form. grades.csv has one row per student: each blank right, wrong, no "
            "answer or unreadable, the score, and what was wrong in words. A line or file that "
            "cannot be read is reported with its line number and the student is marked 'not "
            "submitted'; an id with no sheet gets a row 'no sheet'. Exit 0 when every answer "
            "was read, 1 when something was reported (grades.csv is written either way)."
        ),
    )
    p.add_argument("key", metavar="KEY", help="class-key.json")
    p.add_argument("answers", metavar="ANSWERS", help="answers.csv or a folder of answer files")
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="grades.csv to write")
    return _run


def _run(args: argparse.Namespace) -> int:
    from .._files import write_atomic
    from ..teach.classroom import load_key, mark_class, read_answers

    command = "class mark"
    if not args.output.lower().endswith(".csv"):
        raise UsageError(f"{command}: -o {args.output}: the file name must end in .csv")
    try:
        key = load_key(args.key)
        submissions, problems = read_answers(args.answers, key)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{command}: {one_line(exc)}") from None
    grades = mark_class(key, submissions, problems)
    write_atomic(args.output, grades.csv_bytes())
    for problem in grades.problems:
        print(f"autograd-mlp {command}: {problem}", file=sys.stderr)
    handed = sum(r.status == "submitted" for r in grades.rows)
    print(
        f"wrote {args.output}: {len(grades.rows)} rows, {handed} submitted, "
        f"{len(grades.problems)} problem{'' if len(grades.problems) == 1 else 's'} reported"
    )
    return 1 if grades.problems else 0
