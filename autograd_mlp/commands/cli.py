"""The ``autograd-mlp`` command (also ``python -m autograd_mlp``).

Each subcommand is a pair of functions: ``_add_<name>(subparsers)`` declares its arguments and
``_run_<name>(args)`` does the work and returns an exit code. Exit codes: 0 ok, 2 usage error,
1 any other failure, always with one readable line on stderr (a traceback only with --debug).

Two conventions hold for every subcommand, because `_Parser` applies them:

* a negative number is a value, not an option: ``--target-loss -inf``, ``--timeout -1e-3``
  (argparse alone reads only ``-1`` and ``-0.5`` as numbers);
* an option whose metavar is FILE or DIR is a path: ``~`` is expanded as a shell would (also in
  ``--save=~/m.json``, where the shell does not), and an empty path is a usage error naming the
  option. A name that starts with ``-`` is given with ``=``: ``-o=-g.svg``, ``--output=-g.svg``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._text import quote, shorten
from .._version import __version__

if TYPE_CHECKING:
    from pathlib import Path

    from ..teach.lesson import Lesson

__all__ = [
    "main",
    "UsageError",
    "add_lesson_argument",
    "add_size_argument",
    "lesson_from_args",
]


class UsageError(ValueError):
    """A problem with the command line itself: exit code 2."""


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


def _path_value(text: str) -> str:
    """An argparse ``type`` for paths: ``~`` expanded; empty refused (argparse names the option).

    An empty path would otherwise mean the current folder ("cannot write .: Device or resource
    busy" for a file, files spilled into the working folder for a folder).
    """
    if text == "":
        raise argparse.ArgumentTypeError("the path is empty (give a file or folder name)")
    return os.path.expanduser(text)


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() decides the exit code and message,
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
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


Runner = Callable[[argparse.Namespace], int]


# ------------------------------------------------------------------------------------------------
# --lesson FILE (shared by every teaching command and the demo)
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
        raise UsageError(f"{command}: --lesson: {_one_line(exc)}") from None


# ------------------------------------------------------------------------------------------------
# demo
# ------------------------------------------------------------------------------------------------


def _add_demo(sub: argparse._SubParsersAction[_Parser]) -> Runner:
    from .demo import DEFAULT_OUT, DEFAULT_STEPS, QUICK_STEPS

    p = sub.add_parser(
        "demo",
        help="run the main job: the lesson's 3–2–2 network checked, trained, drawn and explained",
        description=(
            "Run the main job: the lesson's network, the 3–2–2 one unless --lesson gives "
            "another (gradients from backward next to central differences, then gradient "
            "descent to a target error), an MLP trained on two moons, and a folder of teaching "
            "material: the worked example, the lesson's gradient graph with a weight's "
            "chain-rule paths, the network diagram, the backward pass as slides (PDF) and a "
            "GIF, a worksheet with its answer key, the lesson's page for the browser, how big "
            "the learning constant may be, the training plot and the saved model (loaded back "
            "and re-scored as a check). Files whose tool is missing (Graphviz, matplotlib, "
            "Pillow) are skipped with a note."
        ),
        epilog=f"example: autograd-mlp demo --out {DEFAULT_OUT}   (add --quick for a fast run)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"folder for the files (default: {DEFAULT_OUT}; created if missing)",
    )
    steps = p.add_mutually_exclusive_group()
    steps.add_argument(
        "--steps",
        type=int,
        default=DEFAULT_STEPS,
        metavar="N",
        help=f"training steps on two moons (default {DEFAULT_STEPS})",
    )
    steps.add_argument(
        "--quick",
        dest="steps",
        action="store_const",
        const=QUICK_STEPS,
        help=f"a fast run, every file still written: --steps {QUICK_STEPS}",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show progress bars on stderr (default: on)",
    )
    add_lesson_argument(p)
    add_size_argument(p)
    return _run_demo


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run

    if args.steps < 1:
        raise UsageError(f"demo: --steps must be at least 1, got {args.steps}")
    lesson = lesson_from_args(args, "demo")
    problem = _make_folder(args.out, "--out")
    if problem is not None:
        print(f"autograd-mlp demo: error: {problem}", file=sys.stderr)
        return 1
    result = run(args.out, steps=args.steps, progress=args.progress, lesson=lesson, size=args.size)
    if result.problem is not None:
        print(f"autograd-mlp demo: error: {result.problem}", file=sys.stderr)
        return 1
    return 0


def _make_folder(folder: str, option: str) -> str | None:
    """Create ``folder`` (and its parents) now; None, or one line saying why it cannot be."""
    shown = shorten(folder, 200)  # a path, quoted in full unless it is absurdly long
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return f"{option} {shown}: it exists and is not a folder"
    except OSError as exc:
        return f"{option} {shown}: cannot create the folder: {exc.strerror or type(exc).__name__}"
    return None


def _usage(command: str, exc: BaseException) -> UsageError:
    """``exc`` as a usage error of ``command``, its prefix said once ("exercise: ...")."""
    message = str(exc)
    if not message.startswith(f"{command}:"):
        message = f"{command}: {message}"
    return UsageError(message)


# ------------------------------------------------------------------------------------------------
# render
# ------------------------------------------------------------------------------------------------


def _add_render(sub: argparse._SubParsersAction[_Parser]) -> Runner:
    from ..viz.dot import DEFAULT_MAX_NODES
    from ..viz.render import DEFAULT_TIMEOUT

    p = sub.add_parser(
        "render",
        help="draw the gradient graph of an expression as svg/png/pdf (or DOT text)",
        description=(
            "Build the expression from leaves, run backward, and draw the graph: data, grad and "
            "the local derivative on every edge. Expressions allow numbers, variable names, "
            "+ - * / **, unary -, and exp/log/tanh/sigmoid/relu(...); they are parsed, never "
            "evaluated as Python."
        ),
        epilog=(
            'example: autograd-mlp render "tanh(x*w + b)" --set x=2 w=-3 b=6.8814 '
            "--highlight w -o graph.svg"
        ),
    )
    _add_expression(p)
    p.add_argument("--highlight", metavar="NAME", help="draw every path from this variable")
    p.add_argument("--label", help="label of the result (default: the expression)")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction")
    p.add_argument("--precision", type=int, default=4, help="decimals printed (default 4)")
    p.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        metavar="N",
        help=f"refuse graphs of more than N Values (default {DEFAULT_MAX_NODES}): Graphviz needs "
        "minutes for thousands",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"stop Graphviz after SECONDS (default {DEFAULT_TIMEOUT:g}; inf: no limit)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help=(
            "write FILE (.svg, .png, .pdf, .dot for the DOT text, or .html for the interactive "
            "lesson page); default: DOT on stdout; a name that starts with '-' is given as "
            "-o=-g.svg or --output=-g.svg"
        ),
    )
    return _run_render


def _add_expression(p: _Parser) -> None:
    """The arguments of the commands that build an expression: render and exercise."""
    p.add_argument("expression", help='e.g. "tanh(x*w + b)"')
    p.add_argument(
        "--set",
        dest="assignments",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="values of the variables, e.g. --set x=2 w=-3",
    )


def _parse_assignments(items: Sequence[str], command: str = "render") -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        # Python reads names in NFKC form (the expression's ｘ is x), so --set reads them so too
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep or not name.isidentifier():
            raise UsageError(f"{command}: --set expects NAME=VALUE (e.g. x=2), got {quote(item)}")
        if name in values:
            raise UsageError(f"{command}: --set gives {name} twice")
        try:
            values[name] = float(text)
        except ValueError:
            raise UsageError(f"{command}: --set {name}: {quote(text)} is not a number") from None
    return values


def _run_render(args: argparse.Namespace) -> int:
    from ..engine.expr import ExpressionError, build, variable_names
    from ..viz import GraphTooLarge, RenderTimeout, draw_graph, save

    values = _parse_assignments(args.assignments)
    try:
        names = variable_names(args.expression)
        unknown = [name for name in values if name not in names]
        if unknown:
            raise UsageError(
                f"render: --set {unknown[0]}: no variable {quote(unknown[0])} in the expression "
                f"(its variables: {', '.join(names) or 'none'})"
            )
        root, leaves = build(args.expression, values, label=args.label)
    except ExpressionError as exc:
        raise _usage("render", exc) from None
    if args.highlight is not None:
        args.highlight = unicodedata.normalize("NFKC", args.highlight)
    if args.highlight is not None and args.highlight not in leaves:
        raise UsageError(
            f"render: --highlight {shorten(args.highlight)}: not a variable of the expression "
            f"(its variables: {', '.join(leaves) or 'none'})"
        )
    if not 0 <= args.precision <= 17:
        raise UsageError(f"render: --precision must be from 0 to 17, got {args.precision}")
    if args.max_nodes < 1:
        raise UsageError(f"render: --max-nodes must be a positive number, got {args.max_nodes}")
    if not args.timeout > 0:  # also nan
        raise UsageError(
            f"render: --timeout must be a positive number of seconds (inf: no limit), "
            f"got {args.timeout:g}"
        )
    root.backward()
    try:
        graph = draw_graph(
            root,
            rankdir=args.rankdir,
            precision=args.precision,
            highlight=leaves[args.highlight] if args.highlight is not None else None,
            max_nodes=args.max_nodes,
        )
    except GraphTooLarge as exc:  # its own message speaks Python (max_nodes=)
        raise UsageError(
            "render: " + exc.describe("--max-nodes ", "a smaller expression")
        ) from None
    if args.output is None:
        sys.stdout.write(graph.source)
        return 0
    if args.output.lower().endswith((".html", ".htm")):
        from ..viz import to_html

        try:
            page = to_html(
                root,
                precision=args.precision,
                rankdir=args.rankdir,
                max_nodes=args.max_nodes,
                timeout=args.timeout,
            )
        except RenderTimeout:
            raise RenderTimeout(
                f"render: Graphviz took more than {args.timeout:g} s and was stopped; pass a "
                f"larger --timeout (inf: no limit), or draw a smaller expression"
            ) from None
        print(f"wrote {page.save(args.output)}")
        return 0
    if not args.output.lower().endswith((".svg", ".png", ".pdf", ".dot", ".gv")):
        raise UsageError(
            f"render: -o {args.output}: the file name must end in .svg, .png, .pdf or .dot "
            "(or .html for the lesson page)"
        )
    try:
        path = save(graph, args.output, timeout=args.timeout)
    except RenderTimeout:
        raise RenderTimeout(
            f"render: Graphviz took more than {args.timeout:g} s and was stopped; pass a larger "
            f"--timeout (inf: no limit), or draw a smaller expression"
        ) from None
    print(f"wrote {path}")
    return 0


# ------------------------------------------------------------------------------------------------
# explain
# ------------------------------------------------------------------------------------------------


def _add_explain(sub: argparse._SubParsersAction[_Parser]) -> Runner:
    from ..teach.lesson import LESSON_LR
    from ..teach.worked import DEFAULT_STEPS, DEFAULT_TARGET

    p = sub.add_parser(
        "explain",
        help="print the lesson's worked example step by step (3–2–2 network, one training step)",
        description=(
            "The classic backprop lesson, with the project's documented numbers or a lesson of "
            "your own (--lesson FILE: any number of layers, sizes, activations and error "
            "convention): the forward pass layer by layer, the error, the output layer's "
            "gradients, each hidden layer's gradients as sums over paths (two for a weight of "
            "the 3–2–2 example) and again layer by layer (backpropagation's δ recursion, with "
            "the count of multiplications that makes it cheaper), the update "
            "W' = W − a·∂E/∂W, then the error after more steps and the step at which a target "
            "error is reached."
        ),
        epilog="example: autograd-mlp explain --format latex --latex-wrapper beamer > slides.tex\n"
        "also:    autograd-mlp explain --format markdown > docs/worked-example.md",
    )
    p.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        default="text",
        help="text for a terminal, markdown for a page, latex for slides (default: text)",
    )
    p.add_argument(
        "--round",
        type=int,
        default=None,
        metavar="DECIMALS",
        help="round every intermediate number to DECIMALS (at least 1) as a hand calculation "
        "would, half away from zero, and print that many decimals (e.g. 2)",
    )
    p.add_argument(
        "--latex-wrapper",
        choices=("article", "standalone", "beamer", "none"),
        default="article",
        help="with --format latex: a complete document that pdflatex compiles -- an A4 "
        "article (default), a standalone page cropped to the content, beamer 16:9 slides -- "
        "or none, the bare fragment to paste into a document of your own",
    )
    p.add_argument(
        "--lr",
        type=float,
        default=None,
        help=f"learning constant a (default: the lesson's, {LESSON_LR} for the 3–2–2 example)",
    )
    add_lesson_argument(p)
    p.add_argument(
        "--steps", type=int, default=DEFAULT_STEPS, help=f"further steps ({DEFAULT_STEPS})"
    )
    p.add_argument(
        "--target", type=float, default=DEFAULT_TARGET, help=f"target error ({DEFAULT_TARGET})"
    )
    return _run_explain


def _run_explain(args: argparse.Namespace) -> int:
    from ..teach.worked import worked_example

    if args.round is not None and args.round < 1:
        raise UsageError(
            f"explain: --round must be at least 1 decimal, got {args.round} (with 0 decimals "
            "σ(0.2) prints as σ(0) and every sigmoid derivative rounds to 0)"
        )
    if args.latex_wrapper != "article" and args.format != "latex":
        raise UsageError(
            f"explain: --latex-wrapper {args.latex_wrapper} needs --format latex, "
            f"got --format {args.format}"
        )
    lesson = lesson_from_args(args, "explain")
    try:
        text = worked_example(
            args.format,
            lesson=lesson,
            lr=args.lr,
            steps=args.steps,
            target=args.target,
            round_intermediate=args.round,
            document=args.latex_wrapper if args.format == "latex" else None,
        )
    except ValueError as exc:
        raise _usage("explain", exc) from None
    sys.stdout.write(text)
    return 0


# ------------------------------------------------------------------------------------------------
# exercise
# ------------------------------------------------------------------------------------------------


def _add_exercise(sub: argparse._SubParsersAction[_Parser]) -> Runner:
    p = sub.add_parser(
        "exercise",
        help="write a worksheet (graph with numbered blanks, key, PDF) or mark a student's answers",
        description=(
            "Write a worksheet: the gradient graph of an expression (parsed, never evaluated as "
            "Python) or, with no expression, of the lesson's error (--lesson FILE, default the "
            "3–2–2 example), with the gradients (or values, or local derivatives) replaced by "
            "numbered blanks. No blank can be read off a printed number: such numbers are "
            "hidden too, or the blank is replaced. A .pdf is the printable sheet (A4 or Letter: "
            "instructions, picture, a line to write each answer on, then the answer key with the "
            "working on its own page); beside it go FILE's stem + .answers.md (the key) and "
            "+ .sheet.json (blanks and key, for marking). "
            "'autograd-mlp exercise check SHEET.json [ANSWERS]' marks a student's answers: "
            "ANSWERS is a file of '?N = VALUE' lines (# comments) or a JSON object "
            '{"1": 0.5} or list, "-" for stdin; or give them as --answer ?1=0.5 ?2=-3. It '
            "prints right/wrong per blank and the score; exit 0 when all are right, 1 when some "
            "are wrong or missing, 2 for a bad file or answer."
        ),
        epilog='example: autograd-mlp exercise "tanh(x*w + b)" --set x=2 w=-3 b=6.88 -o sheet.pdf\n'
        "also:    autograd-mlp exercise --lesson my-lesson.json --count 6 --seed 1 -o lesson.pdf\n"
        "then:    autograd-mlp exercise check sheet.sheet.json answers.txt",
    )
    p.add_argument(
        "expression",
        nargs="?",
        default=None,
        help='e.g. "tanh(x*w + b)"; none: the lesson\'s error; "check": mark answers',
    )
    p.add_argument("check_files", nargs="*", metavar="SHEET [ANSWERS]", help=argparse.SUPPRESS)
    p.add_argument(
        "--set",
        dest="assignments",
        nargs="+",
        action="extend",
        default=[],
        metavar="NAME=VALUE",
        help="values of the variables, e.g. --set x=2 w=-3",
    )
    add_lesson_argument(p)
    p.add_argument(
        "--hide",
        choices=("grad", "data", "local"),
        default="grad",
        help="what the blanks replace: each Value's gradient (default), its value, or the "
        "local derivative on each edge",
    )
    p.add_argument("--count", type=int, default=None, help="blank about this many (at random)")
    p.add_argument("--seed", type=int, default=None, help="seed for choosing the blanks")
    p.add_argument("--precision", type=int, default=4, help="decimals printed (default 4)")
    p.add_argument(
        "--size", choices=("a4", "letter"), default="a4", help="paper of a .pdf (default a4)"
    )
    p.add_argument(
        "--marking",
        choices=("tolerance", "sigfigs"),
        default="tolerance",
        help="how answers are marked, stated on the sheet (default tolerance)",
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
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the worksheet (.pdf printable, or the picture as .png or .svg)",
    )
    p.add_argument(
        "--answer",
        dest="answers",
        nargs="+",
        action="extend",
        default=[],
        metavar="?N=VALUE",
        help="with check: answers on the command line, e.g. --answer ?1=0.5 ?2=-3",
    )
    return _run_exercise


def _run_exercise(args: argparse.Namespace) -> int:
    if args.expression == "check":
        return _run_exercise_check(args)
    if args.check_files:
        raise UsageError(
            f"exercise: unexpected argument {args.check_files[0]!r} (one expression, in quotes)"
        )
    if args.answers:
        raise UsageError("exercise: --answer is for 'autograd-mlp exercise check SHEET'")
    from pathlib import Path

    from .._files import write_atomic
    from ..engine.expr import ExpressionError, build
    from ..teach.exercise import exercise, write_pdf
    from ..viz import save

    if args.output is None:
        raise UsageError("exercise: -o FILE is required (a .pdf, .png or .svg)")
    out = Path(args.output)
    if out.suffix.lower() in (".html", ".htm"):
        if args.expression is None or args.lesson is not None:
            raise UsageError(
                "exercise: -o .html practises an expression's gradients; give the expression "
                "(a lesson's worksheet is a .pdf, .png or .svg)"
            )
        return _exercise_page(args, out)
    if out.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise UsageError(
            f"exercise: -o {args.output}: the file name must end in .png, .pdf or .svg "
            "(or .html for a practice page)"
        )
    if not 1 <= args.precision <= 12:
        raise UsageError(f"exercise: --precision must be from 1 to 12, got {args.precision}")
    if args.expression is None:
        if args.assignments:
            raise UsageError("exercise: --set needs an expression (the lesson has its numbers)")
        from ..teach.lesson_layout import lesson_layout

        lesson = lesson_from_args(args, "exercise")
        # the sheet is built on the graph the lesson's one layout was made from, so that its
        # picture is the lesson graph every other picture of the lesson shows
        board = lesson_layout(lesson, precision=args.precision)
        root, layout = board.error, board.layout
        title = f"Worksheet: {lesson.name}, {lesson.error_formula}"
    else:
        if args.lesson is not None:
            raise UsageError("exercise: give an expression or --lesson FILE, not both")
        values = _parse_assignments(args.assignments, "exercise")
        layout = None
        try:
            root, _ = build(args.expression, values)
        except ExpressionError as exc:
            raise _usage("exercise", exc) from None
        title = ""
    try:
        ex = exercise(
            root,
            hide=args.hide,
            seed=args.seed,
            count=args.count,
            precision=args.precision,
            marking=args.marking,
            tol=args.tol,
            sigfigs=args.sigfigs,
            title=title,
        )
    except (ValueError, TypeError) as exc:
        raise _usage("exercise", exc) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    note = ""
    if out.suffix.lower() == ".pdf":
        shared = layout if args.hide != "local" else None  # its arrows may carry no number
        printed = write_pdf(ex, out, size=args.size, layout=shared)
        sheet = printed.path
        note = f", {printed.pages} {args.size} pages"
        if printed.picture_text_pt < 10:
            note += (
                f"; the picture's smallest text prints at {printed.picture_text_pt:.1f} pt, "
                "too small to read: use a smaller expression"
            )
    else:
        sheet = save(ex.graph, out)
    key = out.with_name(out.stem + ".answers.md")
    write_atomic(key, ex.answer_key("markdown").encode("utf-8"))
    data = ex.save(out.with_name(out.stem + ".sheet.json"))
    print(f"wrote {sheet} ({len(ex.blanks)} blanks{note}), the answer key {key} and {data}")
    return 0


def _run_exercise_check(args: argparse.Namespace) -> int:
    from ..teach.exercise import check, load_sheet, parse_answers

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
        raise UsageError(f"exercise check: {_one_line(exc)}") from None
    given: dict[int, float] = {}
    try:
        if len(files) == 2:
            if files[1] == "-":
                text = sys.stdin.read(1_000_000)
            else:
                from pathlib import Path

                source = Path(files[1])
                if source.stat().st_size > 1_000_000:
                    raise ValueError(f"answers file {files[1][:40]!r} is too large")
                text = source.read_text(encoding="utf-8")
            given.update(parse_answers(text))
        for item in args.answers:
            for number, value in parse_answers(item.replace(",", "\n")).items():
                if number in given:
                    raise ValueError(f"?{number} is answered twice")
                given[number] = value
        report = check(sheet, given)
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise UsageError(f"exercise check: {_one_line(exc)}") from None
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


def _exercise_page(args: argparse.Namespace, out: Path) -> int:
    """``exercise ... -o sheet.html``: the practice page, whose answers are checked on the spot
    and which holds no gradient (`autograd_mlp.viz.to_html` with ``practise_only``)."""
    from ..engine.expr import ExpressionError, build
    from ..viz import to_html

    if args.hide != "grad" or args.count is not None:
        raise UsageError(
            "exercise: -o .html practises every gradient in backward order; "
            "--hide and --count apply to .png, .pdf and .svg worksheets"
        )
    values = _parse_assignments(args.assignments, "exercise")
    try:
        root, _ = build(args.expression, values)
        page = to_html(root, practise_only=True, precision=args.precision)
    except (ExpressionError, ValueError, TypeError) as exc:
        raise UsageError(f"exercise: {exc}") from None
    print(f"wrote {page.save(out)} (a practice page: gradients checked in the browser)")
    return 0


# ------------------------------------------------------------------------------------------------
# lesson: the teacher's lesson file, its graph and its slides
# ------------------------------------------------------------------------------------------------

SIZE_CHOICES = ("projector", "a4", "letter")


def add_size_argument(p: argparse.ArgumentParser, default: str = "projector") -> None:
    """Give a command ``--size projector|a4|letter`` (the picture's real size)."""
    p.add_argument(
        "--size",
        choices=SIZE_CHOICES,
        default=default,
        help=(
            "projector: 1920×1080 slides, body text ≥ 18 px; a4 / letter: landscape pages "
            f"for print, body text ≥ 10 pt (default {default}); graphs too big for one page "
            "are split into views, not shrunk"
        ),
    )


def _add_lesson(sub: argparse._SubParsersAction[_Parser]) -> Runner:
    p = sub.add_parser(
        "lesson",
        help="the lesson as data: write a lesson file, draw its graph, write its slides",
        description=(
            "A lesson is a small JSON file: inputs, targets, layers (activation, weights, "
            "biases), learning_rate and error (sum, half or mean). 'init' writes the project's "
            "3–2–2 lesson as a file to edit; 'graph' draws the lesson's gradient graph with a "
            "weight's chain-rule paths; 'network' its network diagram; 'slides' writes the "
            "backward pass as numbered 16:9 slides, one PDF and an animated GIF."
        ),
        epilog=(
            "example: autograd-mlp lesson slides --lesson my-lesson.json --size projector "
            "-o slides/\n"
            "also:    autograd-mlp lesson init -o my-lesson.json\n"
            "         autograd-mlp lesson graph --lesson my-lesson.json --size a4 -o graph.pdf"
        ),
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    init = actions.add_parser("init", help="write the default lesson as a JSON file to edit")
    init.add_argument("-o", "--output", metavar="FILE", required=True, help="the file to write")
    init.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_lesson_argument(init)
    graph = actions.add_parser("graph", help="draw the lesson's gradient graph")
    add_lesson_argument(graph)
    add_size_argument(graph)
    graph.add_argument(
        "--highlight",
        metavar="NAME",
        default="L1.N1.w1",
        help="the parameter whose chain-rule paths are drawn in red (default L1.N1.w1; "
        "'none' for no paths)",
    )
    graph.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        required=True,
        help="FILE.svg (the whole graph, vector), FILE.pdf (pages), FILE.png (one image "
        "per view: FILE-1.png, FILE-2.png ... when split) or FILE.html (the interactive page: "
        "step, ask a node, practise, train)",
    )
    network = actions.add_parser("network", help="draw the lesson's network (neurons, weights)")
    add_lesson_argument(network)
    add_size_argument(network)
    network.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="FILE.png or FILE.pdf (one page)"
    )
    slides = actions.add_parser("slides", help="write the backward pass as slides, PDF, GIF")
    add_lesson_argument(slides)
    add_size_argument(slides)
    slides.add_argument("-o", "--output", metavar="DIR", required=True, help="folder to write")
    slides.add_argument("--no-gif", dest="gif", action="store_false", help="no animated GIF")
    slides.add_argument(
        "--no-loop", dest="loop", action="store_false", help="the GIF plays once, then stops"
    )
    slides.add_argument(
        "--seconds",
        type=float,
        default=2.5,
        help="seconds each slide shows in the GIF (default 2.5; the last one 4 s)",
    )
    return _run_lesson


def _run_lesson(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.action is None:
        raise UsageError("lesson: missing ACTION, one of: init, graph, network, slides")
    lesson = lesson_from_args(args, f"lesson {args.action}")
    if args.action == "init":
        out = Path(args.output)
        if out.exists() and not args.force:
            raise UsageError(f"lesson init: {out} exists (pass --force to replace it)")
        if out.suffix.lower() != ".json":
            raise UsageError(f"lesson init: -o {args.output}: the file name must end in .json")
        print(f"wrote {lesson.save(out)}: edit it and pass it with --lesson")
        return 0
    if args.action == "graph":
        from ..teach.lesson_layout import save_lesson_graph

        if args.output.lower().endswith((".html", ".htm")):  # the lesson in the browser
            from ..teach.lesson_page import lesson_page

            print(f"wrote {lesson_page(lesson).save(args.output)}")
            return 0
        if not args.output.lower().endswith((".svg", ".png", ".pdf")):
            raise UsageError(
                f"lesson graph: -o {args.output}: the file name must end in .svg, .png or .pdf "
                "(or .html for the interactive page)"
            )
        highlight = None if args.highlight.lower() == "none" else args.highlight
        try:
            written = save_lesson_graph(args.output, lesson, size=args.size, highlight=highlight)
        except ValueError as exc:
            raise UsageError(f"lesson graph: {exc}") from None
        print(f"wrote {', '.join(str(p) for p in written)}")
        return 0
    if args.action == "network":
        from .._files import write_atomic
        from ..teach.lesson_layout import lesson_layout
        from ..teach.network import network_page
        from ..viz.pages import png_bytes, write_pdf

        out = Path(args.output)
        if out.suffix.lower() not in (".png", ".pdf"):
            raise UsageError(
                f"lesson network: -o {args.output}: the file name must end in .png or .pdf"
            )
        page = network_page(lesson_layout(lesson), size=args.size)
        if out.suffix.lower() == ".pdf":
            write_pdf(out, [page], args.size)
        else:
            write_atomic(out, png_bytes(page))
        print(f"wrote {out}")
        return 0
    from ..teach.slides import save_slides

    if not 0.1 <= args.seconds <= 60:
        raise UsageError(f"lesson slides: --seconds must be from 0.1 to 60, got {args.seconds}")
    written = save_slides(
        args.output,
        lesson,
        size=args.size,
        gif=args.gif,
        loop=args.loop,
        duration_ms=round(args.seconds * 1000),
    )
    slides = [p for p in written if p.suffix == ".png"]
    rest = [p.name for p in written if p.suffix != ".png"]
    print(
        f"wrote {len(slides)} slides ({slides[0].name} … {slides[-1].name}) and "
        f"{', '.join(rest)} into {args.output}"
    )
    return 0


# ------------------------------------------------------------------------------------------------
# train
# ------------------------------------------------------------------------------------------------

_DATASETS = ("moons", "circles", "xor", "spiral", "blobs")

# What `train` may build without --no-size-limit. The costs per sample and parameter were
# measured on this project's 2-CPU machine (resource.getrusage, perf_counter; MLP(2, [h, h, 1])
# on moons) and rounded up: eager, one step's graph holds about 70 bytes per (sample in the
# batch × parameter) and takes 1.5 µs for it; fast, the traced graph holds 2.5 KB per parameter
# and the replay 20 bytes and 0.1 µs per (sample × parameter); a generated sample, 300 bytes.
_MAX_TRAIN_BYTES = 2 * 10**9
_MAX_TRAIN_SECONDS = 3600.0
_EAGER_BYTES, _EAGER_SECONDS = 70, 1.5e-6
_FAST_BYTES_PER_PARAM, _FAST_BYTES, _FAST_SECONDS = 2500, 20, 1e-7
_SAMPLE_BYTES = 300


def _estimate_train(
    samples: int, batch: int, params: int, steps: int, fast: bool
) -> tuple[int, float]:
    """(bytes of memory, seconds) that a `train` run is expected to need, roughly."""
    work = batch * params  # (sample × parameter) pairs in one step
    if fast:
        memory = _FAST_BYTES_PER_PARAM * params + _FAST_BYTES * work
        seconds = _FAST_SECONDS * work * steps
    else:
        memory = _EAGER_BYTES * work
        seconds = _EAGER_SECONDS * work * steps
    return memory + _SAMPLE_BYTES * samples, seconds


def _check_size(args: argparse.Namespace, nout: int) -> None:
    sizes = [2, *args.hidden, nout]
    params = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))
    batch = args.samples if args.batch_size is None else min(args.batch_size, args.samples)
    memory, seconds = _estimate_train(args.samples, batch, params, args.steps, args.fast)
    if args.no_size_limit or (memory <= _MAX_TRAIN_BYTES and seconds <= _MAX_TRAIN_SECONDS):
        return
    engine = "--fast" if args.fast else "the eager engine"
    raise UsageError(
        f"train: this run would need about {_size(memory)} of memory and {_duration(seconds)} "
        f"({args.samples:,} samples, batches of {batch:,}, a model of {params:,} parameters, "
        f"{args.steps:,} step{'' if args.steps == 1 else 's'}, {engine}); the limits are "
        f"{_size(_MAX_TRAIN_BYTES)} and "
        f"{_duration(_MAX_TRAIN_SECONDS)}: use fewer --samples, --hidden or --steps, a smaller "
        f"--batch-size{'' if args.fast else ', --fast'}, or --no-size-limit to run it anyway"
    )


def _size(n: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n / 1e3:.3g} kB"


def _duration(seconds: float) -> str:
    for unit, scale in (("day", 86400.0), ("hour", 3600.0), ("minute", 60.0), ("second", 1.0)):
        if seconds >= scale or unit == "second":
            amount = f"{seconds / scale:.3g}"
            return f"{amount} {unit}{'' if amount == '1' else 's'}"
    raise AssertionError("unreachable")


_BINARY = ("moons", "circles", "xor")  # two classes, labels 0/1; spiral and blobs have K classes


def _add_train(sub: argparse._SubParsersAction[_Parser]) -> Runner:
    p = sub.add_parser(
        "train",
        help="train an MLP on a toy dataset and optionally save it as JSON",
        description=(
            "Generate a seeded toy dataset, build an MLP with the given hidden layers, train it "
            "with full-batch (or minibatch) gradient descent and print the loss and accuracy "
            "before and after. The output layer is chosen from the dataset: one logit for the "
            "two-class datasets (moons, circles, xor), one per class for spiral and blobs."
        ),
        epilog="example: autograd-mlp train --dataset moons --hidden 16 16 --steps 100 "
        "--save model.json",
    )
    p.add_argument("--dataset", choices=_DATASETS, default="moons", help="default: moons")
    p.add_argument("--samples", type=int, default=100, help="number of samples (default 100)")
    p.add_argument(
        "--noise",
        type=float,
        default=None,
        help="noise of the dataset (cluster spread for blobs); default: the dataset's own",
    )
    p.add_argument(
        "--classes", type=int, default=None, help="classes for spiral and blobs (default 2 / 3)"
    )
    p.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        default=[16, 16],
        metavar="N",
        help="sizes of the hidden layers (default: 16 16)",
    )
    p.add_argument(
        "--activation",
        choices=("relu", "tanh", "sigmoid"),
        default="relu",
        help="activation of the hidden layers (default relu)",
    )
    p.add_argument(
        "--loss",
        choices=("auto", "bce", "hinge", "mse", "cross_entropy"),
        default="auto",
        help="auto: bce for two classes, cross_entropy for more (hinge and mse use labels ±1)",
    )
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam", help="default adam")
    p.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    p.add_argument("--steps", type=int, default=100, help="updates to make (default 100)")
    p.add_argument("--batch-size", type=int, default=None, help="default: the whole dataset")
    p.add_argument(
        "--target-loss",
        type=float,
        default=None,
        metavar="LOSS",
        help="stop once the loss is ≤ LOSS (a negative value is read as one: -0.5, -1e-3, -inf)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the data and the weights (0)")
    p.add_argument("--fast", action="store_true", help="replay the graph with NumPy (faster)")
    p.add_argument(
        "--save",
        metavar="FILE",
        help="write the trained model to FILE (JSON); after Ctrl-C, FILE is kept as it was and "
        "the partly trained model goes to FILE's stem + .interrupted.json",
    )
    p.add_argument(
        "--no-size-limit",
        action="store_true",
        help=f"run even when the estimate exceeds the limits "
        f"(about {_size(_MAX_TRAIN_BYTES)} of memory and {_duration(_MAX_TRAIN_SECONDS)})",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    return _run_train


def _run_train(args: argparse.Namespace) -> int:
    from ..nn import MLP, data
    from ..nn.optim import SGD, Adam
    from ..nn.train import fit

    for name in ("samples", "steps"):
        if getattr(args, name) < 1:
            raise UsageError(f"train: --{name} must be at least 1, got {getattr(args, name)}")
    if any(n < 1 for n in args.hidden):
        raise UsageError(f"train: --hidden sizes must be at least 1, got {args.hidden}")
    if args.classes is not None and args.dataset in _BINARY:
        raise UsageError(f"train: --classes applies to spiral and blobs, not {args.dataset}")
    if args.classes is not None and args.classes < 2:  # else a loss error about the outputs
        raise UsageError(f"train: --classes must be at least 2, got {args.classes}")
    if args.batch_size is not None and args.batch_size < 1:
        raise UsageError(f"train: --batch-size must be at least 1, got {args.batch_size}")
    if not (args.lr > 0.0 and args.lr < float("inf")):
        raise UsageError(f"train: --lr must be a positive number, got {args.lr}")
    if args.target_loss is not None and args.target_loss != args.target_loss:  # nan
        raise UsageError("train: --target-loss must be a number, got nan")

    save_to = None
    if args.save is not None:
        from .._files import check_target

        check_target(args.save)  # a missing folder or a bad target fails now, not after training
        save_to = Path(args.save)
    classes = args.classes if args.classes is not None else (2 if args.dataset == "spiral" else 3)
    _check_size(args, 1 if args.dataset in _BINARY and args.loss != "cross_entropy" else classes)

    # The dataset: keyword arguments only for what was given, so each keeps its own defaults.
    kwargs: dict[str, object] = {"n_samples": args.samples, "seed": args.seed}
    if args.noise is not None:
        kwargs["cluster_std" if args.dataset == "blobs" else "noise"] = args.noise
    if args.classes is not None:
        kwargs["n_classes" if args.dataset == "spiral" else "centers"] = args.classes
    try:
        X, y = getattr(data, f"make_{args.dataset}")(**kwargs)
    except (TypeError, ValueError) as exc:
        raise _usage("train", exc) from None
    n_classes = max(y) + 1

    loss = args.loss
    if loss == "auto":
        loss = "bce" if n_classes == 2 else "cross_entropy"
    if loss != "cross_entropy" and n_classes > 2:
        raise UsageError(
            f"train: --loss {loss} needs two classes; {args.dataset} has {n_classes} "
            "(use --loss cross_entropy)"
        )
    targets: list[int] = y
    if loss in ("hinge", "mse"):
        targets = data.to_signed(y)  # these losses want labels −1/+1
    nout = n_classes if loss == "cross_entropy" else 1

    model = MLP(2, [*args.hidden, nout], activation=args.activation, seed=args.seed)
    optimizer = (SGD if args.optimizer == "sgd" else Adam)(model.parameters(), lr=args.lr)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    history = fit(
        model,
        X,
        targets,
        loss=loss,
        optimizer=optimizer,
        max_steps=args.steps,
        batch_size=args.batch_size,
        target_loss=args.target_loss,
        progress=progress,
        fast=args.fast,
    )

    sizes = ", ".join(str(n) for n in model.nouts)
    print(
        f"trained MLP(2, [{sizes}]) with {len(model.parameters())} parameters on "
        f"{args.dataset} ({len(X)} samples), loss {loss}, {args.optimizer} lr={args.lr}"
    )
    if history.loss:
        print(f"loss: {history.loss[0]:.6g} at step 1 → {history.final_loss:.6g} at the end")
    if history.accuracy:
        print(f"accuracy: {history.accuracy[0]:.1%} → {history.accuracy[-1]:.1%}")
    print(f"steps: {history.steps} (stopped because: {history.stopped_because})")
    if save_to is not None:
        if history.stopped_because == "interrupted":
            # A partly trained model does not replace the file: it goes beside it
            partial = save_to.with_name(f"{save_to.stem}.interrupted{save_to.suffix or '.json'}")
            model.save(partial)
            print(
                f"autograd-mlp train: interrupted after {history.steps} steps: {save_to} is "
                f"kept as it was; the partly trained model is in {partial}",
                file=sys.stderr,
            )
        else:
            print(f"saved the model to {model.save(save_to)}")
    if history.stopped_because == "diverged":
        print(
            f"autograd-mlp train: the loss became {history.final_loss} after "
            f"{history.steps} steps (training diverged): try a smaller --lr than {args.lr}",
            file=sys.stderr,
        )
        return 1
    return 130 if history.stopped_because == "interrupted" else 0


# ------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------

_COMMANDS: Sequence[Callable[[argparse._SubParsersAction[_Parser]], Runner]] = (
    _add_demo,
    _add_render,
    _add_explain,
    _add_exercise,
    _add_lesson,
    _add_train,
)


def build_parser() -> tuple[_Parser, dict[str, Runner]]:
    parser = _Parser(
        prog="autograd-mlp",
        description="A scalar autodiff engine that shows how neural networks learn.",
    )
    parser.add_argument("--version", action="version", version=f"autograd-mlp {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    runners = {}
    for add in _COMMANDS:
        runner = add(sub)
        runners[runner.__name__.removeprefix("_run_")] = runner
    # `autograd-mlp render ... --debug` works as well as `autograd-mlp --debug render ...`;
    # SUPPRESS keeps the subcommand's default from overwriting the top-level flag.
    for subparser in sub.choices.values():
        subparser.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        parser, runners = build_parser()
        args = parser.parse_args(args_list)
        if args.command is None:
            raise UsageError(
                f"autograd-mlp: missing COMMAND, one of: {', '.join(runners)} "
                "(see autograd-mlp --help)"
            )
        return runners[args.command](args)
    except UsageError as exc:
        if debug:
            raise
        message = _one_line(exc)
        if not message.startswith("autograd-mlp"):  # "render: ..." -> "autograd-mlp render: ..."
            message = f"autograd-mlp {message}"
        print(message, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograd-mlp: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one readable line, not a traceback
        if debug:
            raise
        print(f"autograd-mlp: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    """The exception's message on one line (its type when the message is empty)."""
    text = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    return text or type(exc).__name__
