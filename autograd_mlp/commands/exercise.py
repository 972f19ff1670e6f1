"""``autograd-mlp exercise``: a worksheet with its key, a practice page, or the marking of answers.

* ``exercise EXPRESSION -o F`` (or ``--lesson FILE``, or neither for the default lesson): the
  worksheet ``F`` (.pdf, .png or .svg) and, never inside it, its key ``F``'s stem + ``-key``
  + the same suffix (the key pages, or the picture with the blanks filled in), with
  + ``.answers.md`` (the key as Markdown) and + ``.sheet.json`` (blanks and key, for marking)
  beside it (`autograd_mlp.teach.exercise`);
* ``exercise EXPRESSION -o F.html``: the practice page, checked in the browser;
* ``exercise check SHEET [ANSWERS]``: marks a student's answers (exit 1 when some are wrong).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .arguments import (
    add_assignments,
    add_choice,
    add_expression,
    add_lesson_argument,
    add_list,
    add_output,
    add_precision,
    build_expression,
    check_finite,
    lesson_from_args,
)
from .base import Runner, Subparsers, UsageError, add_command, check_range, one_line, usage
from .limits import check_graph_size, check_lesson_drawable

if TYPE_CHECKING:
    from ..engine import Value
    from ..teach.exercise import Exercise
    from ..viz.layout import Layout

__all__ = ["add"]

_SHEETS = (".png", ".pdf", ".svg")
_PAGES = (".html", ".htm")
# The options that are `autograd_mlp.teach.exercise.exercise`'s keyword arguments, by its names
_SHEET_OPTIONS = ("hide", "seed", "count", "precision", "marking", "tol", "sigfigs")


HELP = "write a worksheet (graph with numbered blanks, key, PDF) or mark a student's answers"
DESCRIPTION = """
Write a worksheet: the gradient graph of an expression (parsed, never evaluated as Python) or,
with no expression, of the lesson's error (--lesson FILE, default the 3–2–2 example), with the
gradients (or values, or local derivatives) replaced by numbered blanks. No blank can be read
off a printed number: such numbers are hidden too, or the blank is replaced. A .pdf is the
printable sheet (A4 or Letter: instructions, picture, a line to write each answer on); the key
is never in it but in FILE's stem + -key.pdf (each answer with its working; for a .png or .svg
sheet, -key.png or -key.svg: the picture with the blanks filled in), and beside them go
FILE's stem + .answers.md (the key as Markdown) and + .sheet.json (blanks and key, for
marking). A lesson whose notation sets a decimal comma gets one on the sheet, in the key and in
the answers accepted. 'autograd-mlp exercise check SHEET.json
[ANSWERS]' marks a student's answers: ANSWERS is a file of '?N = VALUE' lines (# comments) or a
JSON object {"1": 0.5} or list, "-" for stdin; or give them as --answer ?1=0.5 ?2=-3. It prints
right/wrong per blank and the score; exit 0 when all are right, 1 when some are wrong or
missing, 2 for a bad file or answer.
"""
EXAMPLE = """\
example: autograd-mlp exercise "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o sheet.pdf
also:    autograd-mlp exercise --lesson my-lesson.json --count 6 --seed 1 -o lesson.pdf
then:    autograd-mlp exercise check sheet.sheet.json answers.txt"""


def add(sub: Subparsers) -> Runner:
    """Declare ``exercise`` (and ``exercise check``) and its options; return its runner."""
    p = add_command(sub, "exercise", HELP, DESCRIPTION, EXAMPLE)
    add_expression(
        p, 'e.g. "tanh(x*w + b)"; none: the lesson\'s error; "check": mark answers', optional=True
    )
    p.add_argument("check_files", nargs="*", metavar="SHEET [ANSWERS]", help=argparse.SUPPRESS)
    add_assignments(p)
    add_lesson_argument(p)
    add_choice(
        p,
        "--hide",
        ("grad", "data", "local"),
        "grad",
        "what the blanks replace: each Value's gradient (default), its value, or the local "
        "derivative on each edge",
    )
    p.add_argument("--count", type=int, default=None, help="blank about this many (at random)")
    p.add_argument("--seed", type=int, default=None, help="seed for choosing the blanks")
    add_precision(p)
    add_choice(p, "--size", ("a4", "letter"), "a4", "paper of a .pdf (default a4)")
    add_choice(
        p,
        "--marking",
        ("tolerance", "sigfigs"),
        "tolerance",
        "how answers are marked, stated on the sheet (default tolerance)",
    )
    p.add_argument(
        "--tol",
        type=float,
        default=None,
        help="tolerance for --marking tolerance (default: 1 in the last printed decimal)",
    )
    p.add_argument(
        "--sigfigs", type=int, default=3, help="significant figures for --marking sigfigs (3)"
    )
    add_output(p, "the worksheet (.pdf printable, or the picture as .png or .svg)")
    add_list(
        p,
        "--answer",
        "answers",
        "?N=VALUE",
        "with check: answers on the command line, e.g. --answer ?1=0.5 ?2=-3",
    )
    return _run


def _run(args: argparse.Namespace) -> int:
    if args.expression == "check":
        return _run_check(args)
    if args.check_files:
        raise UsageError(
            f"exercise: unexpected argument {args.check_files[0]!r} (one expression, in quotes)"
        )
    if args.answers:
        raise UsageError("exercise: --answer is for 'autograd-mlp exercise check SHEET'")
    if args.output is None:
        raise UsageError("exercise: -o FILE is required (a .pdf, .png or .svg)")
    out = Path(args.output)
    if out.suffix.lower() in _PAGES:
        if args.expression is None or args.lesson is not None:
            raise UsageError(
                "exercise: -o .html practises an expression's gradients; give the expression "
                "(a lesson's worksheet is a .pdf, .png or .svg)"
            )
        return _practice_page(args, out)
    if out.suffix.lower() not in _SHEETS:
        raise UsageError(
            f"exercise: -o {args.output}: the file name must end in .png, .pdf or .svg "
            "(or .html for a practice page)"
        )
    check_range("exercise", "--precision", args.precision, 1, 12)
    if args.count is not None:
        check_range("exercise", "--count", args.count, 1)
    return _worksheet(args, out)


def _worksheet(args: argparse.Namespace, out: Path) -> int:
    """The worksheet ``out`` with its key and sheet beside it, written all or nothing."""
    from .._files import check_target, write_atomic, write_together
    from ..teach.exercise import exercise

    paper_key = key_path(out)
    key = out.with_name(out.stem + ".answers.md")
    data = out.with_name(out.stem + ".sheet.json")
    for target in (out, paper_key, key, data):  # a missing folder or a read-only key fails now
        check_target(target)
    root, layout, title, decimal = _sheet_graph(args)
    options = {name: getattr(args, name) for name in _SHEET_OPTIONS}
    try:
        ex = exercise(root, title=title, decimal=decimal, **options)
    except (ValueError, TypeError) as exc:
        raise usage("exercise", exc) from None
    with write_together([out, paper_key, key, data]) as (
        sheet_file,
        paper_file,
        key_file,
        data_file,
    ):
        note = _write_sheet(ex, sheet_file, args, layout)
        _write_key(ex, paper_file, args)
        write_atomic(key_file, ex.answer_key("markdown").encode("utf-8"))
        ex.save(data_file)
    print(
        f"wrote {out} ({len(ex.blanks)} blanks{note}); for the teacher, the answer key "
        f"{paper_key}, {key} and {data}"
    )
    return 0


def key_path(sheet: Path) -> Path:
    """Where the key of the sheet ``sheet`` goes: ``worksheet.pdf`` -> ``worksheet-key.pdf``."""
    return sheet.with_name(f"{sheet.stem}-key{sheet.suffix}")


def _write_key(ex: Exercise, path: Path, args: argparse.Namespace) -> None:
    """The key, a file of its own: the key pages (.pdf) or the filled-in picture."""
    from ..teach.exercise import write_key_pdf
    from ..viz import save

    if path.suffix.lower() == ".pdf":
        write_key_pdf(ex, path, size=args.size)
    else:
        save(ex.key_graph(), path)


def _sheet_graph(args: argparse.Namespace) -> tuple[Value, Layout | None, str, str]:
    """The worksheet's graph: (its root, the lesson's one layout or None, the sheet's title,
    its decimal separator)."""
    if args.expression is not None:
        if args.lesson is not None:
            raise UsageError("exercise: give an expression or --lesson FILE, not both")
        root, _ = build_expression("exercise", args.expression, args.assignments)
        check_graph_size("exercise", root, "a worksheet")  # before the slow choice of blanks
        check_finite("exercise", root, "a worksheet")
        return root, None, "", "."
    if args.assignments:
        raise UsageError("exercise: --set needs an expression (the lesson has its numbers)")
    from ..teach.lesson_layout import lesson_layout

    lesson = lesson_from_args(args, "exercise")
    check_lesson_drawable("exercise", lesson)
    # the sheet is built on the graph the lesson's one layout was made from, so that its
    # picture is the lesson graph every other picture of the lesson shows
    board = lesson_layout(lesson, precision=args.precision)
    title = f"Worksheet: {lesson.name}, {lesson.error_formula}"
    return board.error, board.layout, title, lesson.notation.decimal


def _write_sheet(ex: Exercise, path: Path, args: argparse.Namespace, layout: Layout | None) -> str:
    """Write the sheet itself (.pdf, or the picture as .png or .svg); return a note on it."""
    from ..teach.exercise import write_pdf
    from ..viz import save

    if path.suffix.lower() != ".pdf":
        save(ex.graph, path)
        return ""
    shared = layout if args.hide != "local" else None  # its arrows may carry no number
    printed = write_pdf(ex, path, size=args.size, layout=shared)
    note = f", {printed.pages} {args.size} page{'' if printed.pages == 1 else 's'}"
    if printed.picture_text_pt < 10:
        note += (
            f"; the picture's smallest text prints at {printed.picture_text_pt:.1f} pt, "
            "too small to read: use a smaller expression"
        )
    return note


def _practice_page(args: argparse.Namespace, out: Path) -> int:
    """``exercise ... -o sheet.html``: the practice page, whose answers are checked on the spot
    and which holds no gradient (`autograd_mlp.viz.to_html` with ``practise_only``)."""
    from ..viz import to_html

    if args.hide != "grad" or args.count is not None:
        raise UsageError(
            "exercise: -o .html practises every gradient in backward order; "
            "--hide and --count apply to .png, .pdf and .svg worksheets"
        )
    root, _ = build_expression("exercise", args.expression, args.assignments)
    check_graph_size("exercise", root, "a practice page")
    check_finite("exercise", root, "a practice page")
    try:
        page = to_html(root, practise_only=True, precision=args.precision)
    except (ValueError, TypeError) as exc:
        raise usage("exercise", exc) from None
    print(f"wrote {page.save(out)} (a practice page: gradients checked in the browser)")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    """``exercise check SHEET [ANSWERS]``: mark the answers; exit 1 when some are not right."""
    from ..teach.exercise import check, load_answers, load_sheet, parse_answers

    files = args.check_files
    if not files or len(files) > 2:
        raise UsageError(
            "exercise check: expected SHEET.json and at most one ANSWERS file "
            "(or --answer ?1=VALUE ...)"
        )
    if args.lesson is not None:
        raise UsageError("exercise check: --lesson does not apply (the sheet has the key)")
    try:
        sheet = load_sheet(files[0])
    except (OSError, ValueError) as exc:
        raise UsageError(f"exercise check: {one_line(exc)}") from None
    given: dict[int, float] = {}
    try:
        if len(files) == 2:
            given.update(load_answers(files[1], sheet.decimal))
        for item in args.answers:
            # "?1=0.5,?2=-3" is two answers, unless the sheet writes a decimal comma
            split = item.replace(";", "\n")
            if sheet.decimal == ".":
                split = split.replace(",", "\n")
            for number, value in parse_answers(split, "--answer", sheet.decimal).items():
                if number in given:
                    raise ValueError(f"?{number} is answered twice")
                given[number] = value
        report = check(sheet, given)
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise UsageError(f"exercise check: {one_line(exc)}") from None
    if not given:
        raise UsageError("exercise check: no answers given (an ANSWERS file or --answer ?1=...)")
    print(report)
    if not report.all_correct:
        wrong = len(report.marks) - report.score
        print(
            f"autograd-mlp exercise check: {wrong} of {len(report.marks)} not right",
            file=sys.stderr,
        )
        return 1
    return 0
