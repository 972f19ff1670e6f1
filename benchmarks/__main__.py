"""``python -m benchmarks [--quick]``: run every workload, print a table of ratios and times.

Ratio = micrograd's median time ÷ ours (bigger is better for us), measured interleaved in this
one process. micrograd runs exactly as published (the cyclic GC left on, as its users have it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import importlib.util
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import autograd_mlp as am
from autograd_mlp.nn.fast import trace

from . import ceiling, classroom, fastpath
from . import workloads as w
from .timing import interleaved, once

Row = tuple[str, str, str, str]  # workload, contender, time, ratio / note


def _fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _check_same(
    name: str, a: float, b: float, ga: list[float], gb: list[float], tol: float
) -> None:
    scale = max(1.0, max(abs(g) for g in ga))
    worst = max(abs(x - y) for x, y in zip(ga, gb))
    if abs(a - b) > tol * max(1.0, abs(a)) or worst > tol * scale:
        raise SystemExit(
            f"{name}: results differ (loss {a!r} vs {b!r}, worst gradient diff {worst})"
        )


def w1_w6(rounds: int, rows: list[Row], mg: Any) -> None:
    xs, ys = w.moons()
    mg_net = w.mg_model(mg)
    init = [float(p.data) for p in mg_net.parameters()]
    ours = w.our_model_like(init)
    hand = w.HandMLP(init)
    # The same computation, checked before anything is timed.
    l_mg = w.mg_moons_loss(mg, mg_net, xs, ys)
    mg_net.zero_grad()
    l_mg.backward()
    g_mg = [float(p.grad) for p in mg_net.parameters()]
    l_ours = w.our_moons_loss(ours, xs, ys)
    ours.zero_grad()
    l_ours.backward()
    params = ours.parameters()
    g_ours = [p.grad for p in params]
    _check_same("W1 ours vs micrograd", l_mg.data, l_ours.data, g_mg, g_ours, 1e-9)
    l_hand, g_hand = hand.loss_and_grads(xs, ys)
    _check_same("W1 hand vs micrograd", l_mg.data, l_hand, g_mg, g_hand, 1e-9)
    # The fast path: the model traced once, the hinge loss and L2 term replayed batched.
    X, Y = np.asarray(xs), np.asarray(ys)
    model_trace = trace(ours, [0.0, 0.0])
    reg_trace = trace(lambda: w.ALPHA * sum(p * p for p in params))
    ours.zero_grad()
    l_fast = model_trace.loss(X, targets=Y, loss="hinge") + reg_trace()
    _check_same("W6 fast vs eager", l_ours.data, l_fast, g_ours, [p.grad for p in params], 1e-12)

    # Timed as fit(fast=True) trains: the weights in arrays, SGD with weight decay 2α (descent
    # on the hinge plus α·Σp², the L2 term), checked against one eager W1 step first.
    stepped, eager_stepped = w.our_model_like(init), w.our_model_like(init)
    one = fastpath.engine_step(stepped, xs, ys)
    one()
    one.sync()  # type: ignore[attr-defined]
    w.our_step(eager_stepped, xs, ys)()
    _check_same("W6 fast step vs eager step", 0.0, 0.0,
                [p.data for p in eager_stepped.parameters()],
                [p.data for p in stepped.parameters()], 1e-12)  # fmt: skip
    fast_step = fastpath.engine_step(w.our_model_like(init), xs, ys)
    # The hand-written step skips the backward pass of every sample whose hinge is inactive, so
    # it gets cheaper as its weights train (about 2.5x within 30 steps), while a graph engine
    # does the same work at every step: it starts each call from the initial weights instead,
    # copying them in its timed call, so that it always times the step checked above.
    contenders: dict[str, Callable[[], object]] = {
        "micrograd": w.mg_step(mg, mg_net, xs, ys),
        "autograd_mlp eager": w.our_step(ours, xs, ys),
        "hand-written floats": lambda: w.HandMLP(init).step(xs, ys, w.LR),
        "autograd_mlp fast path": fast_step,
    }
    torch_step = _torch_step(init, X, Y)
    if torch_step is not None:
        contenders["PyTorch batched (1 thread)"] = torch_step
    t = interleaved(contenders, rounds)
    base = t["micrograd"]
    for name, sec in t.items():
        label = "W6" if name in ("autograd_mlp fast path", "PyTorch batched (1 thread)") else "W1"
        extra = ""
        if name == "autograd_mlp eager":
            extra = f"; {sec / t['hand-written floats']:.1f}x hand-written (target ≤ 5x)"
        rows.append((label, name, _fmt(sec), f"{base / sec:,.1f}x{extra}"))
    if torch_step is None:
        rows.append(("W6", "PyTorch batched", "-", "torch not installed: skipped"))


def _torch_step(init: list[float], X: Any, Y: Any) -> Callable[[], object] | None:
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    torch.set_num_threads(1)
    it = iter(init)
    ws: list[Any] = []
    for nin, nout in ((2, 16), (16, 16), (16, 1)):
        rows = [[next(it) for _ in range(nin + 1)] for _ in range(nout)]
        t = torch.tensor(rows, dtype=torch.float64)
        ws += [t[:, :nin].clone().requires_grad_(), t[:, nin].clone().requires_grad_()]
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)

    def step() -> float:
        h = x
        for i in range(0, 6, 2):
            h = h @ ws[i].T + ws[i + 1]
            if i < 4:
                h = torch.relu(h)
        loss = torch.relu(1 - y * h[:, 0]).mean() + w.ALPHA * sum((p * p).sum() for p in ws)
        for p in ws:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in ws:
                p -= w.LR * p.grad
        return float(loss.detach())

    return step


def w2(quick: bool, rows: list[Row], mg: Any) -> None:
    sizes = [100, 300, 1000, 10_000, 100_000] + ([] if quick else [1_000_000])
    for name, cls in (("micrograd", mg.engine.Value), ("autograd_mlp", am.Value)):
        best = None
        for n in sizes:
            try:
                sec = once(lambda cls=cls, n=n: w.chain(cls, n))
            except RecursionError:
                rows.append(("W2", name, "-", f"N = {n:,}: RecursionError (recursive topo sort)"))
                break
            best = (n, sec)
        if best is not None:
            n, sec = best
            rows.append(("W2", name, _fmt(sec / (2 * n)) + "/op", f"largest N that worked: {n:,}"))
    # Time per op where both work (micrograd's limit), so the per-op times can be compared.
    n = 300
    t = interleaved(
        {
            "micrograd": lambda: w.chain(mg.engine.Value, n),
            "autograd_mlp": lambda: w.chain(am.Value, n),
        },
        3,
    )
    for name, sec in t.items():
        rows.append(("W2", name, _fmt(sec / (2 * n)) + "/op", f"N = {n}, both engines"))
    # Memory per node of the chain graph (forward only, so micrograd can be measured at 10⁵).
    n = 100_000
    for name, cls in (("micrograd", mg.engine.Value), ("autograd_mlp", am.Value)):
        per = _peak_bytes(lambda cls=cls: _chain_forward(cls, n)) / (4 * n)
        rows.append(("W2", name, f"{per:.0f} B/node", f"graph memory, N = {n:,} (4N nodes)"))


def _chain_forward(cls: Any, n: int) -> Any:
    y = cls(1.0)
    for _ in range(n):
        y = 0.0001 + 1.0001 * y
    return y


def _peak_bytes(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        keep = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del keep
    return float(peak)


def w3_w4(quick: bool, rounds: int, rows: list[Row], mg: Any) -> None:
    n = 20_000 if quick else 100_000
    contenders = w.w3_contenders({"micrograd": mg.engine.Value, "autograd_mlp": am.Value}, n)
    t = interleaved(contenders, max(3, rounds // 2))
    ops = 2 * n - 1
    for name, sec in t.items():
        rows.append(
            ("W3", name, _fmt(sec / ops) + "/op", f"{t['micrograd'] / sec:,.1f}x; n = {n:,}")
        )
    # Where the time goes: the same runs with Python's cyclic garbage collector switched off
    # (as timeit measures). Not the target, which is measured as users run, with the GC on.
    with _gc_off():
        t = interleaved(contenders, max(3, rounds // 2))
    for name, sec in t.items():
        note = f"{t['micrograd'] / sec:,.1f}x with the cyclic GC off (explains, not the target)"
        rows.append(("W3", name, _fmt(sec / ops) + "/op", note))
    del contenders  # frees the leaves before W4 measures memory
    # And each engine alone in its own process, beside the least any pure-Python engine can do
    # (benchmarks/ceiling.py): where the W3 target stands against CPython's floor.
    rows.extend(ceiling.rows(quick))
    # W4: peak bytes per node, forward + backward (tracemalloc)
    for name, cls, pairs in (
        ("micrograd", mg.engine.Value, 100_000),
        ("autograd_mlp", am.Value, 100_000 if quick else 1_000_000),
    ):

        def build(cls: Any = cls, pairs: int = pairs) -> Any:
            a = [cls(0.5) for _ in range(pairs)]
            b = [cls(-0.25) for _ in range(pairs)]
            return w.tree_sum_of_products(a, b)

        per = _peak_bytes(build) / (4 * pairs - 1)
        rows.append(("W4", name, f"{per:.0f} B/node", f"peak, W3 at {pairs:,} pairs"))
    # W4: resident memory across 20 W1 steps (a leak would grow it)
    xs, ys = w.moons()
    for name, step in (
        ("micrograd", w.mg_step(mg, w.mg_model(mg), xs, ys)),
        ("autograd_mlp", w.our_step(w.our_model_like([0.1] * 337), xs, ys)),
    ):
        step()
        step()
        before = _rss()
        for _ in range(20):
            step()
        rows.append(
            ("W4", name, f"{(_rss() - before) / 1e6:+.1f} MB", "RSS growth over 20 W1 steps")
        )


@contextlib.contextmanager
def _gc_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def w5(rounds: int, rows: list[Row], mg: Any, steps: int) -> None:
    # The three contenders do the same step: checked on one step before anything is timed.
    errors = [
        run()
        for run in (
            w.lesson_steps_mg(mg, 1),
            w.lesson_steps_ours(1),
            w.lesson_steps_ours_op_by_op(1),
        )
    ]
    if max(errors) - min(errors) > 1e-12:
        raise SystemExit(f"W5: the contenders' errors differ: {errors}")
    t = interleaved(
        {
            "micrograd": w.lesson_steps_mg(mg, steps),
            "autograd_mlp": w.lesson_steps_ours(steps),
            "autograd_mlp op by op": w.lesson_steps_ours_op_by_op(steps),
        },
        rounds,
    )
    notes = {
        "autograd_mlp": "; its MLP (one weighted-sum node per neuron)",
        "autograd_mlp op by op": "; micrograd's code, 27 nodes a step (target ≥ 3x)",
    }
    for name, sec in t.items():
        ratio = f"{t['micrograd'] / sec:,.1f}x{notes.get(name, '')}"
        rows.append(("W5", name, _fmt(sec / steps) + "/step", ratio))


def rendering(rows: list[Row]) -> None:
    """draw_graph and the renderer on a 1,000-Value graph; the large-graph guard on W1."""
    from autograd_mlp.viz import draw_graph, find_renderer, render_bytes

    x = am.Value(0.5, label="x")
    y = x
    for _ in range(333):  # three Values per step (constant, product, tanh): about 1,000 in all
        y = (y * 0.999).tanh()
    y.backward()
    n = len(am.engine.topological_order(y))
    sec = once(lambda: draw_graph(y, max_nodes=n))
    rows.append(("viz", f"draw_graph ({n:,} Values)", _fmt(sec), "DOT text only"))
    graph = draw_graph(y, max_nodes=n)
    renderer = find_renderer()
    if renderer is None:
        rows.append(("viz", "SVG", "-", "no renderer (dot or pygraphviz): skipped"))
    else:
        # quiet: Graphviz warns that a graph this size "may take a long time"; it is timed here
        sec = once(lambda: render_bytes(graph, "svg", quiet=True))
        rows.append(("viz", f"SVG of {n:,} Values", _fmt(sec), f"renderer: {renderer}"))
    # The guard: one step of micrograd's moons demo is too big to lay out; draw_graph must
    # answer quickly (by collapsing neurons or refusing with a message), never hang.
    xs, ys = w.moons()
    loss = w.our_moons_loss(w.our_model_like([0.1] * 337), xs, ys)
    loss.backward()
    size = len(am.engine.topological_order(loss))
    start = time.perf_counter()
    try:
        draw_graph(loss)
        outcome = "collapsed"
    except ValueError:
        outcome = "refused with a message"
    sec = time.perf_counter() - start
    rows.append(("viz", f"guard on W1 ({size:,} Values)", _fmt(sec), f"{outcome} (limit 2 s)"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller sizes")
    parser.add_argument("--only", default="", help="comma-separated workloads, e.g. W1,W5")
    args = parser.parse_args(argv)
    mg = w.micrograd()
    if mg is None:
        print("micrograd is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 1
    rounds = 3 if args.quick else 9
    only = {s.strip().upper() for s in args.only.split(",") if s.strip()}

    def wanted(*names: str) -> bool:
        return not only or bool(only.intersection(names))

    rows: list[Row] = []
    print(
        f"autograd_mlp {am.__version__} benchmarks, {datetime.date.today()}, "
        f"Python {platform.python_version()}, {platform.machine()}, rounds={rounds}"
    )
    if wanted("W1", "W6"):
        w1_w6(rounds, rows, mg)
    if wanted("W2"):
        w2(args.quick, rows, mg)
    if wanted("W3", "W4"):
        w3_w4(args.quick, rounds, rows, mg)
    if wanted("W5"):
        w5(rounds, rows, mg, 200 if args.quick else 1000)
    if wanted("VIZ"):
        rendering(rows)
    if wanted("CLASS"):
        rows.extend(classroom.rows(rounds))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    head = f"{'':{widths[0]}}  {'contender':{widths[1]}}  {'time':>{widths[2]}}"
    print(f"{head}  ratio (micrograd ÷ this) / note")
    for r in rows:
        print(f"{r[0]:{widths[0]}}  {r[1]:{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    if wanted("W6"):  # the fast path by width, in a process of its own (benchmarks/fastpath.py)
        print()
        print(fastpath.table(args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
