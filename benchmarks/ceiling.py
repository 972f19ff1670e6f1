"""How far W3 can go in pure Python: each engine alone in its own process, and a bare engine.

``python -m benchmarks.ceiling [--quick]`` (also run by ``make bench``). An explanation of the
W3 row, not a target. It answers two questions the interleaved W3 row cannot:

* What does each engine cost *alone*, as a user runs it? In the interleaved run every
  contender's input leaves are alive during every turn (micrograd's 10⁵ + 10⁵ leaves are about
  600,000 objects the cyclic collector tracks), and how often CPython runs a full collection
  depends on how many objects are alive, so the neighbours change each other's times.
* What is the least a pure-Python engine can spend per op node? `BareValue` below does only
  what W3 needs: ``*`` and ``+`` with no checks, no modes, no constants lifted, no labels, its
  two edges kept in four slots as ours are (one object per node for the collector to track),
  but with no n-ary case to tell apart in backward. It is not a usable engine; it is the floor
  that any engine with more features sits above.

Each measurement runs in a fresh interpreter (``--engines NAMES`` is that child's entry point),
so none sees another's objects; a last row puts the bare engine beside micrograd, interleaved,
as the W3 row does, to show how much the neighbour's live objects change the result.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from typing import Any

from . import workloads as w
from .timing import interleaved

_new = object.__new__


class BareValue:
    """The least W3 needs: a product or a sum with two edges, and backward."""

    __slots__ = ("data", "grad", "_a", "_b", "_da", "_db")
    _b: BareValue
    _da: float
    _db: float

    def __init__(self, data: float) -> None:
        self.data = data
        self.grad = 0.0
        self._a: BareValue | None = None  # a leaf has no edges

    def __mul__(self, other: BareValue) -> BareValue:
        v = _new(BareValue)
        v.data = self.data * other.data
        v.grad = 0.0
        v._a, v._b, v._da, v._db = self, other, other.data, self.data
        return v

    def __add__(self, other: BareValue) -> BareValue:
        v = _new(BareValue)
        v.data = self.data + other.data
        v.grad = 0.0
        v._a, v._b, v._da, v._db = self, other, 1.0, 1.0
        return v

    def backward(self) -> None:
        gc_was_on = gc.isenabled()
        gc.disable()  # as our engine does: no garbage is made during the pass
        try:
            # Post-order DFS over computed nodes, each stack entry (node, inputs done?); a node
            # is marked when expanded, so one reached twice is still emitted after its inputs.
            order: list[BareValue] = []
            visited: set[BareValue] = set()
            stack: list[tuple[BareValue, bool]] = [(self, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                elif node not in visited:
                    visited.add(node)
                    stack.append((node, True))
                    for child in (node._b, node._a):
                        if child is not None and child._a is not None and child not in visited:
                            stack.append((child, False))
            self.grad = 1.0
            for node in reversed(order):
                g = node.grad
                node._a.grad += node._da * g  # type: ignore[union-attr]
                node._b.grad += node._db * g
        finally:
            if gc_was_on:
                gc.enable()


def _classes() -> dict[str, Any]:
    import autograd_mlp as am

    mg = w.micrograd()
    if mg is None:
        raise SystemExit("micrograd is not installed: pip install -e '.[bench]'")
    return {"micrograd": mg.engine.Value, "autograd_mlp": am.Value, "bare": BareValue}


def measure(names: list[str], n: int, rounds: int) -> dict[str, float]:
    """Median seconds per op node of W3, GC on, for these engines interleaved in this process
    (one engine: alone), each with its own leaves, all alive throughout as in the W3 row."""
    classes = _classes()
    contenders = w.w3_contenders({name: classes[name] for name in names}, n)
    return {name: sec / (2 * n - 1) for name, sec in interleaved(contenders, rounds).items()}


def check_bare(n: int = 1000) -> None:
    """The bare engine computes W3 as our engine does (so its time is for the same work)."""
    import autograd_mlp as am

    data = w.w3_data(n)
    bare = [BareValue(x) for x, _ in data], [BareValue(y) for _, y in data]
    ours = [am.Value(x) for x, _ in data], [am.Value(y) for _, y in data]
    rb = w.tree_sum_of_products(*bare)
    ro = w.tree_sum_of_products(*ours)
    grads_b = [v.grad for v in bare[0] + bare[1]]
    grads_o = [v.grad for v in ours[0] + ours[1]]
    if rb.data != ro.data or grads_b != grads_o:
        raise SystemExit("ceiling: the bare engine's W3 differs from autograd_mlp's")


def _in_child(names: list[str], quick: bool) -> dict[str, float]:
    """`measure` run in a fresh interpreter, so that no other objects are alive."""
    n, rounds = (20_000, 3) if quick else (100_000, 5)
    cmd = [sys.executable, "-m", "benchmarks.ceiling", f"--engines={','.join(names)}"]
    cmd += [f"--n={n}", f"--rounds={rounds}"]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"ceiling: {names} failed:\n{res.stderr}")
    out: dict[str, float] = json.loads(res.stdout)
    return out


def rows(quick: bool) -> list[tuple[str, str, str, str]]:
    check_bare()
    t = {name: _in_child([name], quick)[name] for name in ("micrograd", "autograd_mlp", "bare")}
    what = {
        "micrograd": "alone in its process",
        "autograd_mlp": "alone in its process",
        "bare": "alone; + and * only, no checks: the pure-Python floor",
    }
    out = [
        ("W3", name, f"{sec * 1e6:.1f} µs/op", f"{t['micrograd'] / sec:,.1f}x {what[name]}")
        for name, sec in t.items()
    ]
    # The bare engine in the W3 row's setting: interleaved with micrograd, whose leaves stay alive
    pair = _in_child(["micrograd", "bare"], quick)
    sec = pair["bare"]
    note = f"{pair['micrograd'] / sec:,.1f}x interleaved with micrograd, as in the W3 row"
    out.append(("W3", "bare", f"{sec * 1e6:.1f} µs/op", note))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ceiling", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller W3 and fewer rounds")
    parser.add_argument("--engines", default="", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=100_000, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.engines:  # the child's entry point
        print(json.dumps(measure(args.engines.split(","), args.n, args.rounds)))
        return 0
    for r in rows(args.quick):
        print(f"{r[0]}  {r[1]:13}  {r[2]:>11}  {r[3]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
