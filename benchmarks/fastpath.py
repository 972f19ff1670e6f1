"""W6 by width: one training step of the fast path against batched PyTorch, for H × B.

``python -m benchmarks.fastpath [--quick]`` (``make bench`` runs it, through `table`): the
network is ``MLP(2, [H, H, 1])`` (relu, linear output) on B two-moons points, the step is
``fit(fast=True)``'s own (the replay, the hinge loss, backward and SGD with weight decay 2α,
which is gradient descent on the hinge plus α·Σp², W1's L2 term), and PyTorch's is the same
step in float64 on one thread. Before anything is timed, one step of each from the same
weights is checked to give the same loss and weights (to 1e-12). The two are timed
interleaved in this one process (benchmarks/timing.py), so the ratio (fast path ÷ PyTorch,
below 1 when the fast path is faster) holds on a shared machine even when the times wobble.

BLAS runs on one thread for both: PyTorch by ``torch.set_num_threads(1)``, NumPy by
OPENBLAS_NUM_THREADS=1 (and MKL's, Accelerate's), set below before NumPy is imported, which is
why `table` runs this module in its own process: the main benchmark process has imported
NumPy already.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before NumPy loads (see the docstring)

import argparse  # noqa: E402  (after the BLAS variables, on purpose)
import importlib.util  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from autograd_mlp import MLP  # noqa: E402
from autograd_mlp.nn.data import make_moons  # noqa: E402
from autograd_mlp.nn.optim import SGD  # noqa: E402
from autograd_mlp.nn.train import _fast_engine, _import_fast  # noqa: E402

from .timing import interleaved  # noqa: E402

ALPHA = 1e-4  # W1's L2 strength (micrograd's demo)
LR = 0.05
WIDTHS = (8, 16, 32, 64, 128)
BATCHES = (32, 100, 1000)
QUICK = ((16, 64), (100, 1000))


def _data(batch: int) -> tuple[list[list[float]], list[float]]:
    X, y = make_moons(batch, noise=0.1, seed=1, signed=True)
    return [list(map(float, row)) for row in X], [float(t) for t in y]


def engine_step(model: MLP, X: list[list[float]], y: list[float]) -> Callable[[], float]:
    """fit(fast=True)'s step on all of X: hinge loss, SGD with weight decay 2α. It keeps the
    weights in arrays; ``step.sync()`` writes them to the model (not needed for timing)."""
    _import_fast()
    params = model.parameters()
    optimizer = SGD(params, lr=LR, weight_decay=2 * ALPHA)
    engine = _fast_engine(model, X, y, "hinge", optimizer, params)
    size = len(X)

    def step() -> float:
        value, _, backward = engine.batch(0, size)
        backward()
        engine.update()
        return value

    step.sync = engine.sync  # type: ignore[attr-defined]
    return step


def fast_step(width: int, batch: int) -> tuple[Callable[[], float], MLP]:
    """`engine_step` for MLP(2, [width, width, 1]) on ``batch`` points, and the model."""
    X, y = _data(batch)
    model = MLP(2, [width, width, 1], seed=1)
    return engine_step(model, X, y), model


def torch_step(model: MLP, batch: int) -> Callable[[], float]:
    """The same step in PyTorch (float64, one thread), from ``model``'s weights."""
    import torch

    torch.set_num_threads(1)
    ws: list[Any] = []
    for layer in model.layers:
        rows = [[p.data for p in neuron.parameters()] for neuron in layer.neurons]
        t = torch.tensor(rows, dtype=torch.float64)
        ws += [t[:, :-1].clone().requires_grad_(), t[:, -1].clone().requires_grad_()]
    X, y = _data(batch)
    x = torch.tensor(X, dtype=torch.float64)
    target = torch.tensor(y, dtype=torch.float64)

    def step() -> float:
        h = x
        for i in range(0, len(ws), 2):
            h = h @ ws[i].T + ws[i + 1]
            if i < len(ws) - 2:
                h = torch.relu(h)
        loss = torch.relu(1 - target * h[:, 0]).mean()
        for p in ws:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in ws:
                p -= LR * (p.grad + 2 * ALPHA * p)  # SGD with weight decay, as ours
        return float(loss.detach())

    step.weights = ws  # type: ignore[attr-defined]
    return step


def _check(width: int, batch: int) -> None:
    """One step each from the same weights: the same loss and the same updated weights."""
    ours, model = fast_step(width, batch)
    theirs = torch_step(model, batch)
    a, b = ours(), theirs()
    ours.sync()  # type: ignore[attr-defined]
    mine = [p.data for p in model.parameters()]
    flat = []
    for w, bias in zip(theirs.weights[0::2], theirs.weights[1::2]):  # type: ignore[attr-defined]
        for row, b_j in zip(w.detach().tolist(), bias.detach().tolist()):
            flat += [*row, b_j]
    worst = float(np.max(np.abs(np.asarray(mine) - np.asarray(flat))))
    if abs(a - b) > 1e-12 * max(1.0, abs(a)) or worst > 1e-12:
        raise SystemExit(
            f"W6 H={width} B={batch}: fast path and PyTorch differ (loss {a!r} vs {b!r}, "
            f"worst weight diff {worst})"
        )


def measure(widths: tuple[int, ...], batches: tuple[int, ...], rounds: int) -> dict[Any, Any]:
    """{(H, B): (fast path seconds, PyTorch seconds)}, medians of interleaved rounds."""
    times = {}
    for width in widths:
        for batch in batches:
            _check(width, batch)
            ours, model = fast_step(width, batch)
            t = interleaved({"fast": ours, "torch": torch_step(model, batch)}, rounds)
            times[width, batch] = (t["fast"], t["torch"])
    return times


def _format(times: dict[Any, Any], widths: tuple[int, ...], batches: tuple[int, ...]) -> str:
    lines = [
        "W6 by width: one training step of MLP(2, [H, H, 1]), fast path ÷ PyTorch (float64, "
        "one BLAS thread each; < 1: the fast path is faster), and the two times",
        "H \\ B  " + "".join(f"{b:>22,}" for b in batches),
    ]
    for width in widths:
        cells = []
        for batch in batches:
            fast, torch = times[width, batch]
            cells.append(f"{fast / torch:6.2f} ({fast * 1e6:5.0f}/{torch * 1e6:5.0f} µs)")
        lines.append(f"{width:5}  " + "".join(f"{c:>22}" for c in cells))
    return "\n".join(lines)


def table(quick: bool) -> str:
    """The width table, measured in a process of its own (NumPy's BLAS threads are set when
    NumPy loads); the reason in one line when PyTorch is not installed."""
    if importlib.util.find_spec("torch") is None:
        return "W6 by width: torch not installed: skipped"
    command = [sys.executable, "-m", "benchmarks.fastpath"] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"W6 by width: failed: {done.stderr.strip()[-2000:]}"
    return done.stdout.rstrip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fastpath", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer sizes and rounds")
    args = parser.parse_args(argv)
    widths, batches = QUICK if args.quick else (WIDTHS, BATCHES)
    times = measure(widths, batches, 3 if args.quick else 7)
    print(_format(times, widths, batches))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
