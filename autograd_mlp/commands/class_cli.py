"""``autograd-mlp class``: a whole class -- a sheet per student, the class marked at once, the
class exported to a gradebook.

The actions live each in a module of their own: ``sheets`` in `class_sheets`, ``mark`` in
`class_mark`, ``export`` in `class_export`; this module declares the command and hands each
action its arguments (`autograd_mlp.teach.classroom` does the work).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from . import class_export, class_mark, class_sheets
from .base import Parser, Runner, Subparsers, UsageError, add_command

__all__ = ["add"]

HELP = "a whole class: a sheet per student, the class marked at once, gradebook exports"
DESCRIPTION = """
A sheet per student with their own numbers ('sheets': drawn from the lesson, the student's id
and the class --seed by a documented rule, so the same roster and seed give the same files and
a student's numbers do not change when the roster grows), one key for the teacher listing every
student's answers; every student marked at once ('mark': a CSV of answers or a folder of
'?N = VALUE' files, one row of grades.csv per student); and the class for a gradebook
('export': Moodle XML, a PrairieLearn question, a Gradescope autograder). See docs/classroom.md.
"""
EXAMPLE = """\
example: autograd-mlp class sheets roster.csv --lesson my-lesson.json --seed 2026 -o class/
then:    autograd-mlp class mark class/class-key.json answers.csv -o grades.csv
also:    autograd-mlp class export class/class-key.json --format moodle -o quiz.xml"""

_ACTIONS: dict[str, Callable[[argparse._SubParsersAction[Parser]], Runner]] = {
    "sheets": class_sheets.add,
    "mark": class_mark.add,
    "export": class_export.add,
}


def add(sub: Subparsers) -> Runner:
    """Declare ``class`` and its actions; return its runner."""
    p = add_command(sub, "class", HELP, DESCRIPTION, EXAMPLE)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    runners = {name: add_action(actions) for name, add_action in _ACTIONS.items()}

    def run(args: argparse.Namespace) -> int:
        if args.action is None:
            raise UsageError(f"class: missing ACTION, one of: {', '.join(runners)}")
        return runners[args.action](args)

    return run
