"""The ``autograd-mlp`` command (also ``python -m autograd_mlp``): its entry point.

Each command lives in a module of its own -- `demo`, `render`, `explain`, `exercise`, `lesson`,
`train`, `class_cli` (its actions in `class_sheets`, `class_mark`, `class_export`) -- whose
``add(subparsers)`` declares its options and returns the function that runs it and returns the
exit code. They share one parser, one way to report a failure (`base`: exit 0
ok, 2 usage error, 1 any other failure, one readable line on stderr, a traceback only with
``--debug``) and the options of `arguments`. This module puts them together and runs one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .._version import __version__
from . import class_cli, demo, exercise, explain, lesson, render, site, train
from .arguments import add_lesson_argument, add_size_argument, lesson_from_args
from .base import PROG, Parser, Runner, Subparsers, UsageError, report

__all__ = [
    "main",
    "build_parser",
    "UsageError",
    "add_lesson_argument",
    "add_size_argument",
    "lesson_from_args",
]

# The commands in the order --help lists them, each with the ``add`` of its module.
_COMMANDS: dict[str, Callable[[Subparsers], Runner]] = {
    "demo": demo.add,
    "render": render.add,
    "explain": explain.add,
    "exercise": exercise.add,
    "lesson": lesson.add,
    "train": train.add,
    "class": class_cli.add,
    "site": site.add,
}


def build_parser() -> tuple[Parser, dict[str, Runner]]:
    """The parser of every command, and each command's runner by name."""
    parser = Parser(
        prog=PROG,
        description="A scalar autodiff engine that shows how neural networks learn.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    runners = {name: add(sub) for name, add in _COMMANDS.items()}
    # `autograd-mlp render ... --debug` works as well as `autograd-mlp --debug render ...`;
    # SUPPRESS keeps the subcommand's default from overwriting the top-level flag.
    for subparser in sub.choices.values():
        subparser.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: the process's) and return its exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        parser, runners = build_parser()
        args = parser.parse_args(args_list)
        if args.command is None:
            raise UsageError(
                f"{PROG}: missing COMMAND, one of: {', '.join(runners)} (see {PROG} --help)"
            )
        return runners[args.command](args)
    except KeyboardInterrupt as exc:
        return report(exc)
    except Exception as exc:  # one readable line, not a traceback
        if debug:
            raise
        return report(exc)
