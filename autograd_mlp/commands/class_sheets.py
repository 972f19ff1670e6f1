"""``autograd-mlp class sheets ROSTER.csv``: a worksheet and a practise page per student, with
that student's own numbers, and the teacher's key of the whole class."""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING

from .arguments import add_choice, add_lesson_argument, lesson_from_args
from .base import CommandFailed, Runner, UsageError, check_range, make_folder, one_line
from .limits import check_lesson_drawable

if TYPE_CHECKING:
    from .base import Parser

__all__ = ["add", "KEY_JSON", "KEY_CSV", "KEY_PDF", "TEMPLATE"]

KEY_JSON = "class-key.json"
KEY_CSV = "class-key.csv"
KEY_PDF = "class-key.pdf"
TEMPLATE = "answers-template.csv"


def add(actions: argparse._SubParsersAction[Parser]) -> Runner:
    p = actions.add_parser(
        "sheets",
        help="a worksheet (PDF) and practise page per student, and the class key",
        description=(
            "For each student of ROSTER (a CSV with a header and an 'id' column, optionally "
            "'name'): sheet-ID.pdf and practise-ID.html with the student's own numbers; for the "
            f"teacher {KEY_JSON} (for 'class mark' and 'class export'), {KEY_CSV} (every "
            f"student's answers, for a spreadsheet) and {KEY_PDF} (each student's key with the "
            f"working, a page each, to mark paper sheets by); and {TEMPLATE} to collect "
            "answers in."
        ),
    )
    p.add_argument("roster", metavar="ROSTER", help="the roster CSV (id, optionally name)")
    add_lesson_argument(p)
    p.add_argument("-o", "--output", metavar="DIR", required=True, help="folder to write")
    p.add_argument("--seed", type=int, default=0, help="the class seed (default 0)")
    p.add_argument(
        "--count", type=int, default=6, help="blanks on every sheet (default 6; the same for all)"
    )
    p.add_argument("--precision", type=int, default=4, help="decimals printed (default 4)")
    add_choice(p, "--size", ("a4", "letter"), "a4", "paper of the sheets (default a4)")
    p.add_argument(
        "--key-only",
        action="store_true",
        help="write the key and the template only, no sheet nor page (fast: for an export)",
    )
    return _run


def _run(args: argparse.Namespace) -> int:
    from .._files import write_atomic, write_into
    from ..teach.classroom import read_roster
    from ..teach.classroom.sheets import build_class, write_student

    command = "class sheets"
    check_range(command, "--precision", args.precision, 1, 8)
    check_range(command, "--count", args.count, 1)
    lesson = lesson_from_args(args, command)
    if not args.key_only:
        check_lesson_drawable(command, lesson)
    try:
        students = read_roster(args.roster)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{command}: {one_line(exc)}") from None
    try:
        key = build_class(lesson, students, args.seed, count=args.count, precision=args.precision)
    except ValueError as exc:
        raise CommandFailed(command, one_line(exc)) from None
    problem = make_folder(args.output, "-o")
    if problem is not None:
        raise CommandFailed(command, problem)
    # a full run removes the sheets of students no longer on the roster; --key-only keeps them
    stale = None if args.key_only else _is_student_file
    with write_into(args.output, stale=stale) as stage:
        write_atomic(stage / KEY_JSON, key.json_bytes())
        write_atomic(stage / KEY_CSV, key.csv_bytes())
        write_atomic(stage / TEMPLATE, template(key).encode("utf-8"))
        if not args.key_only:
            from ..teach.exercise import write_key_pdf

            write_key_pdf(
                [e.sheet for e in key.entries],
                stage / KEY_PDF,
                size=args.size,
                title=f"Answer keys of the class: {lesson.name}, seed {args.seed}",
            )
            for entry in key.entries:
                write_student(key, entry, stage, size=args.size)
    what = "" if args.key_only else f"{len(students)} sheets and practise pages, "
    print(
        f"wrote {what}the key {KEY_JSON}, {KEY_CSV}{'' if args.key_only else ' and ' + KEY_PDF} "
        f"(for the teacher) and {TEMPLATE} "
        f"into {args.output}: {len(students)} students, {len(key.blanks)} blanks each"
    )
    return 0


def template(key: object) -> str:
    """The answers CSV to fill in: id, name, one empty column per blank."""
    from ..teach.classroom import ClassKey

    assert isinstance(key, ClassKey)
    delimiter = ";" if key.decimal == "," else ","
    head = ["id", "name", *(f"?{i}" for i in range(1, len(key.blanks) + 1))]
    lines = [delimiter.join(head)]
    for e in key.entries:
        name = e.student.name
        if delimiter in name or '"' in name:
            name = '"' + name.replace('"', '""') + '"'
        lines.append(delimiter.join([e.student.id, name, *[""] * len(key.blanks)]))
    return "\n".join(lines) + "\n"


def _is_student_file(name: str) -> bool:
    """A sheet or practise page of an earlier run (a student no longer on the roster)."""
    return re.fullmatch(r"(sheet-.+\.pdf|practise-.+\.html)", name) is not None
