"""``autograd-mlp render``: the gradient graph of an expression, as DOT, SVG, PNG, PDF or a page.

The expression is parsed, never evaluated as Python (`autograd_mlp.engine.expr`); its graph is
drawn with every Value's data and grad and each edge's local derivative, and with
``--highlight NAME`` every path from that variable to the result.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata

from .._text import quote, shorten
from .arguments import (
    add_assignments,
    add_choice,
    add_expression,
    add_output,
    add_precision,
    build_expression,
)
from .base import Runner, Subparsers, UsageError, add_command, check_range

__all__ = ["add"]

_PICTURES = (".svg", ".png", ".pdf", ".dot", ".gv")
_PAGES = (".html", ".htm")


HELP = "draw the gradient graph of an expression as svg/png/pdf (or DOT text)"
DESCRIPTION = """
Build the expression from leaves, run backward, and draw the graph: data, grad and the local
derivative on every edge. Expressions allow numbers, variable names, + - * / **, unary -, and
exp/log/tanh/sigmoid/relu(...); they are parsed, never evaluated as Python.
"""
EXAMPLE = """\
example: autograd-mlp render "tanh(x*w + b)" --set x=2 w=-3 b=6.8814 --highlight w -o graph.svg"""


def add(sub: Subparsers) -> Runner:
    """Declare ``render`` and its options; return its runner."""
    from ..viz.dot import DEFAULT_MAX_NODES
    from ..viz.render import DEFAULT_TIMEOUT

    p = add_command(sub, "render", HELP, DESCRIPTION, EXAMPLE)
    add_expression(p, 'e.g. "tanh(x*w + b)"')
    add_assignments(p)
    p.add_argument("--highlight", metavar="NAME", help="draw every path from this variable")
    p.add_argument("--label", help="label of the result (default: the expression)")
    add_choice(p, "--rankdir", ("LR", "TB"), "LR", "layout direction")
    add_precision(p)
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
    add_output(
        p,
        "write FILE (.svg, .png, .pdf, .dot for the DOT text, or .html for the interactive "
        "lesson page); default: DOT on stdout; a name that starts with '-' is given as "
        "-o=-g.svg or --output=-g.svg",
    )
    return _run


def _check_options(args: argparse.Namespace) -> None:
    check_range("render", "--precision", args.precision, 0, 17)
    if args.max_nodes < 1:
        raise UsageError(
            f"render: --max-nodes must be a positive number, got {quote(args.max_nodes)}"
        )
    if not args.timeout > 0:  # also nan
        raise UsageError(
            f"render: --timeout must be a positive number of seconds (inf: no limit), "
            f"got {args.timeout:g}"
        )
    if args.output is not None and not args.output.lower().endswith(_PICTURES + _PAGES):
        raise UsageError(
            f"render: -o {shorten(args.output, 200)}: the file name must end in .svg, .png, "
            ".pdf or .dot (or .html for the lesson page)"
        )


def _run(args: argparse.Namespace) -> int:
    from ..viz import GraphTooLarge, RenderTimeout, draw_graph, save

    root, leaves = build_expression("render", args.expression, args.assignments, label=args.label)
    if args.highlight is not None:
        args.highlight = unicodedata.normalize("NFKC", args.highlight)
        if args.highlight not in leaves:
            raise UsageError(
                f"render: --highlight {shorten(args.highlight)}: not a variable of the "
                f"expression (its variables: {', '.join(leaves) or 'none'})"
            )
    _check_options(args)
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
    try:
        if args.output.lower().endswith(_PAGES):
            from ..viz import to_html

            page = to_html(
                root,
                precision=args.precision,
                rankdir=args.rankdir,
                max_nodes=args.max_nodes,
                timeout=args.timeout,
            )
            path = page.save(args.output)
        else:
            path = save(graph, args.output, timeout=args.timeout)
    except RenderTimeout:
        raise RenderTimeout(
            f"render: Graphviz took more than {args.timeout:g} s and was stopped; pass a larger "
            f"--timeout (inf: no limit), or draw a smaller expression"
        ) from None
    print(f"wrote {path}")
    return 0
