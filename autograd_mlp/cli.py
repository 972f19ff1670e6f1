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
    return 0


# ------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------

_COMMANDS: Sequence[Callable[[argparse._SubParsersAction[_Parser]], Runner]] = (_add_demo,)


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
