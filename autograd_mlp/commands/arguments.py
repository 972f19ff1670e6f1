"""The options that several commands share, declared once and read back once.

``--lesson FILE`` (every teaching command and the demo), ``--size`` (the real size of a
lesson's pictures), an expression with ``--set NAME=VALUE`` (render and exercise),
``-o/--output FILE`` and ``--precision``. Each ``add_*`` declares an option on a command's
parser; the reader next to it turns what was given into what the command uses, raising a
`UsageError` that names the option.
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._text import quote, shorten
from .base import UsageError, one_line, usage

if TYPE_CHECKING:
    from ..engine import Value
    from ..teach.lesson import Lesson

__all__ = [
    "add_lesson_argument",
    "lesson_from_args",
    "SIZE_CHOICES",
    "add_size_argument",
    "add_assignments",
    "parse_assignments",
    "build_expression",
    "check_finite",
    "listed",
    "add_choice",
    "add_list",
    "add_expression",
    "add_output",
    "add_precision",
]


# ------------------------------------------------------------------------------------------------
# --lesson FILE
# ------------------------------------------------------------------------------------------------


def add_lesson_argument(p: argparse.ArgumentParser) -> None:
    """Give a command the ``--lesson FILE`` option (read it back with `lesson_from_args`)."""
    p.add_argument(
        "--lesson",
        metavar="FILE",
        default=None,
        help=(
            "the lesson: a JSON file with inputs, targets, layers (activation, weights, "
            "biases), learning_rate and error (sum | half | mean); default: the project's "
            "3–2–2 example (see docs/teaching.md)"
        ),
    )


def lesson_from_args(args: argparse.Namespace, command: str) -> Lesson:
    """The lesson named by ``--lesson`` (the default lesson without it).

    A file that cannot be read or parsed is a usage error (exit 2) with one line that names
    the file and the field.
    """
    from ..teach.lesson import DEFAULT_LESSON, Lesson

    path = getattr(args, "lesson", None)
    if path is None:
        return DEFAULT_LESSON
    try:
        return Lesson.load(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{command}: --lesson: {one_line(exc)}") from None


# ------------------------------------------------------------------------------------------------
# --size projector|a4|letter
# ------------------------------------------------------------------------------------------------

SIZE_CHOICES = ("projector", "a4", "letter")


def add_size_argument(p: argparse.ArgumentParser, default: str = "projector") -> None:
    """Give a command ``--size projector|a4|letter`` (the picture's real size)."""
    add_choice(
        p,
        "--size",
        SIZE_CHOICES,
        default,
        "projector: 1920×1080 slides, body text ≥ 18 px; a4 / letter: landscape pages for print, "
        f"body text ≥ 10 pt (default {default}); graphs too big for one page are split into "
        "views, not shrunk",
    )


# ------------------------------------------------------------------------------------------------
# An expression and --set NAME=VALUE
# ------------------------------------------------------------------------------------------------


def add_assignments(p: argparse.ArgumentParser) -> None:
    """Give a command ``--set NAME=VALUE ...`` (read back with `parse_assignments`)."""
    add_list(
        p, "--set", "assignments", "NAME=VALUE", "values of the variables, e.g. --set x=2 w=-3"
    )


def parse_assignments(items: Sequence[str], command: str) -> dict[str, float]:
    """``["x=2", "w=-3"]`` as ``{"x": 2.0, "w": -3.0}``; a malformed item is a usage error."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        # Python reads names in NFKC form (the expression's ｘ is x), so --set reads them so too
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep or not name.isidentifier():
            raise UsageError(f"{command}: --set expects NAME=VALUE (e.g. x=2), got {quote(item)}")
        if name in values:
            raise UsageError(f"{command}: --set gives {shorten(name)} twice")
        try:
            values[name] = float(text)
        except ValueError:
            raise UsageError(
                f"{command}: --set {shorten(name)}: {quote(text)} is not a number"
            ) from None
    return values


def build_expression(
    command: str, expression: str, assignments: Sequence[str], *, label: str | None = None
) -> tuple[Value, dict[str, Value]]:
    """The graph of ``expression`` with the ``--set`` values: (root, {name: leaf}).

    A ``--set`` name the expression does not use, and anything the expression language
    refuses (`autograd_mlp.engine.expr`), is a usage error of ``command``.
    """
    from ..engine.expr import ExpressionError, build, variable_names

    values = parse_assignments(assignments, command)
    try:
        _check_names(command, variable_names(expression), values)
        return build(expression, values, label=label)
    except ExpressionError as exc:
        raise usage(command, exc) from None


def _check_names(command: str, names: Sequence[str], values: dict[str, float]) -> None:
    """Every ``--set`` name is a variable of the expression, and every variable has a value;
    each list in the message is bounded (the expression language would print them all)."""
    for name in values:
        if name not in names:
            raise UsageError(
                f"{command}: --set {shorten(name)}: no variable {quote(name)} in the expression "
                f"(its variables: {listed(names)})"
            )
    missing = [name for name in names if name not in values]
    if missing:
        noun = "variables" if len(missing) > 1 else "variable"
        example = f"--set {shorten(missing[0])}=1.0"
        raise UsageError(f"{command}: no value for {noun} {listed(missing)} (e.g. {example})")


def listed(names: Sequence[str], most: int = 8) -> str:
    """``x, w, b``, or the first ``most`` names and how many more, for a message."""
    if not names:
        return "none"
    shown = ", ".join(shorten(name, 30) for name in names[:most])
    return shown if len(names) <= most else f"{shown} and {len(names) - most:,} more"


def check_finite(command: str, root: Value, what: str) -> None:
    """Refuse (usage error) a graph with a value that is not a finite number, naming the first
    one in forward order: ``what`` (e.g. "a worksheet") cannot show or ask for inf or nan.
    Linear in the graph's size."""
    from ..engine import topological_order

    for v in topological_order(root):
        if math.isfinite(v.data):
            continue
        if not v._prev:  # a leaf: a variable set with --set, or a number written in the text
            name = f"--set {shorten(v.label)}" if v.label else "a number in the expression"
        else:
            name = quote(v.label) if v.label else f"the result of {v._op}"
        why = "too large for a float" if math.isinf(v.data) else "not a number"
        raise UsageError(
            f"{command}: {name} is {v.data} ({why}); {what} needs finite numbers: use smaller "
            "ones, or values where every function is defined"
        )


# ------------------------------------------------------------------------------------------------
# -o/--output FILE and --precision
# ------------------------------------------------------------------------------------------------


def add_choice(
    p: argparse.ArgumentParser, option: str, choices: Sequence[str], default: str, help: str
) -> None:
    """Give a command ``option``, one of ``choices`` (``default`` when not given)."""
    p.add_argument(option, choices=choices, default=default, help=help)


def add_list(p: argparse.ArgumentParser, option: str, dest: str, metavar: str, help: str) -> None:
    """Give a command ``option`` taking one or more values, repeatable (``dest`` collects them
    all, in order: ``--set x=1 --set w=2`` is ``--set x=1 w=2``)."""
    p.add_argument(
        option, dest=dest, nargs="+", action="extend", default=[], metavar=metavar, help=help
    )


def add_expression(p: argparse.ArgumentParser, help: str, *, optional: bool = False) -> None:
    """Give a command its EXPRESSION argument (optional: it may be left out)."""
    if optional:
        p.add_argument("expression", nargs="?", default=None, help=help)
    else:
        p.add_argument("expression", help=help)


def add_output(p: argparse.ArgumentParser, help: str, *, required: bool = False) -> None:
    """Give a command ``-o/--output FILE``."""
    p.add_argument("-o", "--output", metavar="FILE", required=required, help=help)


def add_precision(p: argparse.ArgumentParser) -> None:
    """Give a command ``--precision N`` (decimals printed)."""
    p.add_argument("--precision", type=int, default=4, help="decimals printed (default 4)")
