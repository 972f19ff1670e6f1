"""What every command shares: one parser, one way to report a failure, one way to quote input.

Exit codes (DESIGN §8): 0 ok, 2 a usage error (`UsageError`: the command line, or a file or
value it names, cannot be used as given, and nothing was written), 1 any other failure
(`CommandFailed`, or any other exception), always with one readable line on stderr and a
traceback only with ``--debug``. `report` turns an exception into that line and its code; the
line is bounded (`MESSAGE_LIMIT`), however long the text a user gave.

Two conventions hold for every command, because `Parser` applies them:

* a negative number is a value, not an option: ``--target-loss -inf``, ``--timeout -1e-3``
  (argparse alone reads only ``-1`` and ``-0.5`` as numbers);
* an option whose metavar is FILE or DIR is a path: ``~`` is expanded as a shell would (also in
  ``--save=~/m.json``, where the shell does not), and an empty path is a usage error naming the
  option. A name that starts with ``-`` is given with ``=``: ``-o=-g.svg``, ``--output=-g.svg``.

Output paths follow one rule: the folder of a FILE must exist, as for ``open()`` and the shell's
``>`` (a missing one is "cannot write …: the folder … does not exist", exit 1); a DIR (``demo
--out``, ``lesson slides -o``) is created with its parents.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._text import quote, shorten

__all__ = [
    "UsageError",
    "CommandFailed",
    "Parser",
    "Runner",
    "Subparsers",
    "add_command",
    "report",
    "one_line",
    "usage",
    "make_folder",
    "check_range",
    "MESSAGE_LIMIT",
    "PROG",
]

PROG = "autograd-mlp"

# The longest error line printed: a message quotes at most a short piece of what it refuses
# (`_text.quote`), so only a message from deep inside can be longer; it is cut, not dropped.
MESSAGE_LIMIT = 600


class UsageError(ValueError):
    """A problem with the command line itself (or a file or value it names): exit code 2."""


class CommandFailed(Exception):
    """A command's own failure after the command line was accepted: exit code 1, printed as
    ``autograd-mlp COMMAND: error: MESSAGE``."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(message)
        self.command = command


class _Formatter(argparse.HelpFormatter):
    """Rewrap descriptions as usual, but print an epilog that starts with "example" as written,
    so a long example command stays on one line and can be copied into a shell."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(("example:", "examples:")):
            return "\n".join(indent + line for line in text.splitlines())
        return super()._fill_text(text, width, indent)


# Every spelling of a negative float that float() reads, inf and nan included: argparse's own
# pattern (-1, -0.5) takes "-inf" and "-1e-3" for options and then says "expected one argument".
_NEGATIVE_NUMBER = re.compile(
    r"^-(?:(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|inf|infinity|nan)$", re.IGNORECASE
)

# The metavars that mark an option as a path (see the module docstring).
_PATH_METAVARS = ("FILE", "DIR")

# A quotation in argparse's own messages ("invalid int value: '999…'"), to be kept short.
_QUOTED = re.compile(r"'([^']{41,})'")


def _path_value(text: str) -> str:
    """An argparse ``type`` for paths: ``~`` expanded; empty refused (argparse names the option).

    An empty path would otherwise mean the current folder ("cannot write .: Device or resource
    busy" for a file, files spilled into the working folder for a folder).
    """
    if text == "":
        raise argparse.ArgumentTypeError("the path is empty (give a file or folder name)")
    return os.path.expanduser(text)


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so `report` decides the exit code and message,
    reads negative numbers as values and FILE/DIR options as paths (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        # argparse's documented behaviour "negative numbers are values while no option looks
        # like one" keys on this pattern; only the pattern is widened
        self._negative_number_matcher = _NEGATIVE_NUMBER

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if kwargs.get("metavar") in _PATH_METAVARS and "type" not in kwargs:
            kwargs["type"] = _path_value
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse quotes the value it refuses in full (a 5,000-digit --precision)
        message = _QUOTED.sub(lambda m: quote(m.group(1), 40), message)
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


# What a command module gives `cli`: its parser is added to these, and it returns its runner.
if TYPE_CHECKING:  # generic only to the type checker
    Subparsers = argparse._SubParsersAction[Parser]
else:
    Subparsers = argparse._SubParsersAction
Runner = Callable[[argparse.Namespace], int]


def add_command(sub: Subparsers, name: str, help: str, description: str, example: str) -> Parser:
    """Add the command ``name``: ``help`` is its line in ``autograd-mlp --help``,
    ``description`` the text of its own --help (rewrapped), ``example`` the lines printed under
    it as they are written (each starts with "example:", "also:" or "then:")."""
    parser: Parser = sub.add_parser(name, help=help, description=description, epilog=example)
    return parser


def one_line(exc: BaseException) -> str:
    """The exception's message on one line (its type when the message is empty)."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return text or type(exc).__name__


def usage(command: str, exc: BaseException) -> UsageError:
    """``exc`` as a usage error of ``command``, its prefix said once ("exercise: ...")."""
    message = one_line(exc)
    if not message.startswith(f"{command}:"):
        message = f"{command}: {message}"
    return UsageError(message)


def report(exc: BaseException) -> int:
    """Print ``exc`` as the one line of DESIGN §8 on stderr and return the exit code."""
    if isinstance(exc, KeyboardInterrupt):
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    if isinstance(exc, UsageError):
        message, code = one_line(exc), 2
        if not message.startswith(PROG):  # "render: ..." -> "autograd-mlp render: ..."
            message = f"{PROG} {message}"
    elif isinstance(exc, CommandFailed):
        message, code = f"{PROG} {exc.command}: error: {one_line(exc)}", 1
    else:
        message, code = f"{PROG}: error: {one_line(exc)}", 1
    # room for the "… (12,345 characters)" that says how long the message was
    print(shorten(message, MESSAGE_LIMIT - 30), file=sys.stderr)
    return code


def make_folder(folder: str, option: str) -> str | None:
    """Create ``folder`` (and its parents) now; None, or one line saying why it cannot be."""
    shown = shorten(folder, 200)  # a path, quoted in full unless it is absurdly long
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"{option} {shown}: it exists and is not a folder"
    except OSError as exc:
        return f"{option} {shown}: cannot create the folder: {exc.strerror or type(exc).__name__}"
    return None


def check_range(
    command: str,
    option: str,
    value: float,
    low: float,
    high: float | None = None,
    *,
    unit: str = "",
) -> None:
    """Raise the usage error "COMMAND: OPTION must be from LOW to HIGH, got VALUE" (or "at
    least LOW" without ``high``) unless ``low <= value <= high``; a huge value is quoted short.
    """
    if low <= value and (high is None or value <= high):
        return
    shown = f"{value:g}" if isinstance(value, float) else quote(value)
    bound = f"at least {low}" if high is None else f"from {low} to {high}"
    raise UsageError(f"{command}: {option} must be {bound}{unit}, got {shown}")
