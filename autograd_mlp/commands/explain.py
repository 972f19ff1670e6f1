"""``autograd-mlp explain``: the lesson's worked example, step by step, as text, Markdown or LaTeX
(`autograd_mlp.teach.worked.worked_example`), printed on stdout."""

from __future__ import annotations

import argparse
import sys

from .._text import quote
from .arguments import add_choice, add_lesson_argument, lesson_from_args
from .base import Runner, Subparsers, UsageError, add_command, check_range, usage

__all__ = ["add"]


HELP = "print the lesson's worked example step by step (3–2–2 network, one training step)"
DESCRIPTION = """
The classic backprop lesson, with the project's documented numbers or a lesson of your own
(--lesson FILE: any number of layers, sizes, activations and error convention): the forward
pass layer by layer, the error, the output layer's gradients, each hidden layer's gradients as
sums over paths (two for a weight of the 3–2–2 example) and again layer by layer
(backpropagation's δ recursion, with the count of multiplications that makes it cheaper), the
update W' = W − a·∂E/∂W, then the error after more steps and the step at which a target error
is reached.
"""
EXAMPLE = """\
example: autograd-mlp explain --format latex --latex-wrapper beamer > slides.tex
also:    autograd-mlp explain --format markdown > docs/worked-example.md"""


def add(sub: Subparsers) -> Runner:
    """Declare ``explain`` and its options; return its runner."""
    from ..teach.lesson import LESSON_LR
    from ..teach.worked import DEFAULT_STEPS, DEFAULT_TARGET

    p = add_command(sub, "explain", HELP, DESCRIPTION, EXAMPLE)
    add_choice(
        p,
        "--format",
        ("text", "markdown", "latex"),
        "text",
        "text for a terminal, markdown for a page, latex for slides (default: text)",
    )
    p.add_argument(
        "--round",
        type=int,
        default=None,
        metavar="DECIMALS",
        help="round every intermediate number to DECIMALS (at least 1) as a hand calculation "
        "would, half away from zero, and print that many decimals (e.g. 2)",
    )
    add_choice(
        p,
        "--latex-wrapper",
        ("article", "standalone", "beamer", "none"),
        "article",
        "with --format latex: a complete document that pdflatex compiles -- an A4 article "
        "(default), a standalone page cropped to the content, beamer 16:9 slides -- or none, "
        "the bare fragment to paste into a document of your own",
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
    return _run


def _run(args: argparse.Namespace) -> int:
    from ..teach.worked import MAX_STEPS, worked_example

    check_range("explain", "--steps", args.steps, 0, MAX_STEPS)
    if args.round is not None and args.round < 1:
        raise UsageError(
            f"explain: --round must be at least 1 decimal, got {quote(args.round)} (with 0 "
            "decimals σ(0.2) prints as σ(0) and every sigmoid derivative rounds to 0)"
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
        raise usage("explain", exc) from None
    sys.stdout.write(text)
    return 0
