"""The ``autograd-mlp`` command (also ``python -m autograd_mlp``).

Each subcommand is a pair of functions: ``_add_<name>(subparsers)`` declares its arguments and
``_run_<name>(args)`` does the work and returns an exit code. Exit codes: 0 ok, 2 usage error,
1 any other failure, always with one readable line on stderr (a traceback only with --debug).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from . import __version__

__all__ = ["main", "UsageError"]


class UsageError(ValueError):
    """A problem with the command line itself: exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() decides the exit code and message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


Runner = Callable[[argparse.Namespace], int]


# ------------------------------------------------------------------------------------------------
# demo
# ------------------------------------------------------------------------------------------------


def _add_demo(sub: argparse._SubParsersAction[_Parser]) -> Runner:
    p = sub.add_parser(
        "demo",
        help="run the main job: the lesson's 3–2–2 network, forward, backward, gradient check",
        description="Run the main job.",
        epilog="example: autograd-mlp demo",
    )
    del p
    return _run_demo


def _run_demo(args: argparse.Namespace) -> int:
    from .gradcheck import numerical_gradient
    from .teach.lesson import LESSON_X, lesson_error, lesson_network

    model = lesson_network()
    params = model.parameters()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    error = lesson_error(y)
    error.backward()

    def error_of(*values: object) -> object:
        for p, v in zip(params, values):
            p.data = v.data  # type: ignore[attr-defined]
        out = model(list(LESSON_X))
        assert isinstance(out, list)
        return lesson_error(out)

    analytic = [p.grad for p in params]
    start = [p.data for p in params]
    numeric = numerical_gradient(error_of, start)  # type: ignore[arg-type]
    for p, v in zip(params, start):
        p.data = v

    print("The lesson's 3–2–2 network: sigmoid hidden layer, linear outputs, E = Σ (t − y)²")
    print(f"outputs y = ({y[0].data:.6f}, {y[1].data:.6f})   error E = {error.data:.6f}")
    print()
    print(f"{'parameter':<10} {'value':>9} {'backward dE/dp':>16} {'central difference':>20}")
    worst = 0.0
    for p, ana, num in zip(params, analytic, numeric):
        worst = max(worst, abs(ana - num))
        print(f"{p.label:<10} {p.data:>9.4f} {ana:>16.10f} {num:>20.10f}")
    print()
    print(f"largest difference between backward and central differences: {worst:.2e}")

    # Then the lesson's loop: repeat W' = W − a·∂E/∂W until the error is below a target.
    from .optim import SGD
    from .teach.lesson import LESSON_LR, LESSON_T
    from .train import fit

    target = 1e-4
    fresh = lesson_network()
    print()
    print(f"training with gradient descent, a = {LESSON_LR}, until E ≤ {target:g}:")
    history = fit(
        fresh,
        [list(LESSON_X)],
        [list(LESSON_T)],
        loss="sse",  # Σ (t − y)² over the outputs of the one sample: the lesson's E
        optimizer=SGD(fresh.parameters(), lr=LESSON_LR),
        target_loss=target,
        max_steps=10_000,
        progress=True,
    )
    print(f"error before training E = {history.loss[0]:.6f}")
    print(
        f"error after {history.steps} steps E = {history.final_loss:.6g} "
        f"(stopped because of {history.stopped_because})"
    )
    return 0


# ------------------------------------------------------------------------------------------------
# render
# ------------------------------------------------------------------------------------------------


def _add_render(sub: argparse._SubParsersAction[_Parser]) -> Runner:
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
    p.add_argument("--highlight", metavar="NAME", help="draw every path from this variable")
    p.add_argument("--label", help="label of the result (default: the expression)")
    p.add_argument("--rankdir", choices=("LR", "TB"), default="LR", help="layout direction")
    p.add_argument("--precision", type=int, default=4, help="decimals printed (default 4)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write FILE (.svg, .png, .pdf, or .dot for the DOT text); default: DOT on stdout",
    )
    return _run_render


def _parse_assignments(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"render: --set expects NAME=VALUE (e.g. x=2), got {item!r}")
        if name in values:
            raise UsageError(f"render: --set gives {name} twice")
        try:
            values[name] = float(text)
        except ValueError:
            raise UsageError(f"render: --set {name}: {text!r} is not a number") from None
    return values


def _run_render(args: argparse.Namespace) -> int:
    from .expr import ExpressionError, build, variable_names
    from .viz import draw_graph, save

    values = _parse_assignments(args.assignments)
    try:
        names = variable_names(args.expression)
        unknown = [name for name in values if name not in names]
        if unknown:
            raise UsageError(
                f"render: --set {unknown[0]}: no variable {unknown[0]!r} in the expression "
                f"(its variables: {', '.join(names) or 'none'})"
            )
        root, leaves = build(args.expression, values, label=args.label)
    except ExpressionError as exc:
        raise UsageError(f"render: {exc}") from None
    if args.highlight is not None and args.highlight not in leaves:
        raise UsageError(
            f"render: --highlight {args.highlight}: not a variable of the expression "
            f"(its variables: {', '.join(leaves) or 'none'})"
        )
    if not 0 <= args.precision <= 17:
        raise UsageError(f"render: --precision must be from 0 to 17, got {args.precision}")
    root.backward()
    graph = draw_graph(
        root,
        rankdir=args.rankdir,
        precision=args.precision,
        highlight=leaves[args.highlight] if args.highlight is not None else None,
    )
    if args.output is None:
        sys.stdout.write(graph.source)
        return 0
    if not args.output.lower().endswith((".svg", ".png", ".pdf", ".dot", ".gv")):
        raise UsageError(
            f"render: -o {args.output}: the file name must end in .svg, .png, .pdf or .dot"
        )
    path = save(graph, args.output)
    print(f"wrote {path}")
    return 0


# ------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------

_COMMANDS: Sequence[Callable[[argparse._SubParsersAction[_Parser]], Runner]] = (
    _add_demo,
    _add_render,
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
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    parser, runners = build_parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        args = parser.parse_args(args_list)
        if args.command is None:
            parser.print_help()
            return 2
        return runners[args.command](args)
    except UsageError as exc:
        if debug:
            raise
        print(str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograd-mlp: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one readable line, not a traceback
        if debug:
            raise
        print(f"autograd-mlp: error: {exc}", file=sys.stderr)
        return 1
