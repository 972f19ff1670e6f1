"""``autograd-mlp class export KEY --format moodle|prairielearn|gradescope -o OUT``: the class for
the gradebook a school uses (`autograd_mlp.teach.classroom.export`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from .base import CommandFailed, Runner, UsageError, make_folder, one_line

if TYPE_CHECKING:
    from .base import Parser

__all__ = ["add"]

_SUFFIX = {"moodle": ".xml", "gradescope": ".zip"}


def add(actions: argparse._SubParsersAction[Parser]) -> Runner:
    p = actions.add_parser(
        "export",
        help="the class for Moodle (XML), PrairieLearn (a question) or Gradescope (autograder)",
        description=(
            "KEY is class-key.json from 'class sheets'. moodle: -o quiz.xml, a question bank "
            "(one category per blank, one numerical question per student with their sheet's "
            "picture); prairielearn: -o DIR, laid out as a course (questions/QID/ with "
            "info.json, question.html, server.py; serverFilesCourse/ with this package); "
            "gradescope: -o autograder.zip (setup.sh, run_autograder marking with 'class mark'). "
            "Each marks as 'class mark' does. See docs/classroom.md for importing each."
        ),
    )
    p.add_argument("key", metavar="KEY", help="class-key.json")
    p.add_argument(
        "--format", required=True, choices=("moodle", "prairielearn", "gradescope"), help="format"
    )
    p.add_argument("-o", "--output", metavar="FILE", required=True, help="file or folder")
    return _run


def _run(args: argparse.Namespace) -> int:
    from .._files import write_atomic
    from ..teach.classroom import export as ex
    from ..teach.classroom import load_key

    command = "class export"
    out = Path(args.output)
    suffix = _SUFFIX.get(args.format)
    if suffix is not None and out.suffix.lower() != suffix:
        raise UsageError(f"{command}: --format {args.format} writes a {suffix} file, got -o {out}")
    try:
        key = load_key(args.key)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{command}: {one_line(exc)}") from None
    if not key.entries:
        raise UsageError(f"{command}: the key has no student")
    if args.format == "moodle":
        write_atomic(out, ex.moodle_xml(key))
        print(f"wrote {out}: {len(key.blanks)} categories of {len(key.entries)} questions")
        return 0
    if args.format == "gradescope":
        write_atomic(out, ex.zip_bytes(ex.gradescope_files(key)))
        print(f"wrote {out}: the autograder of {len(key.entries)} students")
        return 0
    problem = make_folder(str(out), "-o")
    if problem is not None:
        raise CommandFailed(command, problem)
    files = ex.prairielearn_files(key)
    for name, data in files:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
    print(f"wrote {out}/questions/{ex.question_id(key)}/ and {out}/serverFilesCourse/")
    return 0
