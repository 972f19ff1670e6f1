"""The workloads of ``make bench``, each written once per contender in that contender's idiom.

W1  one step of micrograd's moons demo: MLP(2, [16, 16, 1]), 100 points, hinge loss + L2
W2  a deep chain y = 0.0001 + 1.0001·y, N times
W3  a pairwise tree sum of products aᵢ·bᵢ
W4  memory: bytes per node (tracemalloc) and RSS across repeated W1 steps
W5  the lesson's 3–2–2 network, SGD on one sample: with autograd_mlp's MLP (weighted sums), and
    written as micrograd's users write it, one * and + at a time, in both engines (27 nodes)
W6  the batched fast path on W1, and batched PyTorch on the same step

Contenders get the same data and the same initial weights; before anything is timed, the loss
and every gradient are checked equal (to 1e-9) so that we never time two different computations.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import autograd_mlp as am
from autograd_mlp.teach.lesson import LESSON_LR, LESSON_T, LESSON_X, lesson_error, lesson_network

ALPHA = 1e-4  # micrograd demo's L2 strength
LR = 0.05  # one fixed rate, so every timed step does the same work


# ------------------------------------------------------------------------------------------------
# Data: two interleaving half-circles, as sklearn.datasets.make_moons(n, noise=0.1), seeded
# ------------------------------------------------------------------------------------------------


def moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """Points on two half-moons with labels ±1 (the micrograd demo's ``y*2 - 1``)."""
    rng = random.Random(seed)
    n_out = n // 2
    n_in = n - n_out
    xs: list[list[float]] = []
    ys: list[float] = []
    for i in range(n_out):
        t = math.pi * i / max(n_out - 1, 1)
        xs.append([math.cos(t), math.sin(t)])
        ys.append(-1.0)
    for i in range(n_in):
        t = math.pi * i / max(n_in - 1, 1)
        xs.append([1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5])
        ys.append(1.0)
    xs = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in xs]
    return xs, ys


def micrograd() -> ModuleType | None:
    try:
        import micrograd.engine
        import micrograd.nn
    except ImportError:
        return None
    import micrograd as mg

    return mg


# ------------------------------------------------------------------------------------------------
# W1: the moons step. The micrograd version is the demo's loss() verbatim in spirit.
# ------------------------------------------------------------------------------------------------


def mg_moons_loss(
    mg: ModuleType, model: Any, xs: Sequence[Sequence[float]], ys: Sequence[float]
) -> Any:
    Value = mg.engine.Value
    inputs = [list(map(Value, row)) for row in xs]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def our_moons_loss(model: am.MLP, xs: Sequence[Sequence[float]], ys: Sequence[float]) -> am.Value:
    scores = [model(row) for row in xs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]  # type: ignore[operator]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    return data_loss + reg_loss  # type: ignore[no-any-return]


def mg_model(mg: ModuleType, seed: int = 1337) -> Any:
    random.seed(seed)  # micrograd draws its weights from the global RNG
    return mg.nn.MLP(2, [16, 16, 1])


def our_model_like(params: Sequence[float]) -> am.MLP:
    model = am.MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=0)
    for p, v in zip(model.parameters(), params):
        p.data = float(v)
    return model


def sgd(params: Sequence[Any], lr: float) -> None:
    for p in params:
        p.data -= lr * p.grad


def mg_step(mg: ModuleType, model: Any, xs: Any, ys: Any) -> Callable[[], float]:
    params = model.parameters()

    def step() -> float:
        loss = mg_moons_loss(mg, model, xs, ys)
        model.zero_grad()
        loss.backward()
        sgd(params, LR)
        return float(loss.data)

    return step


def our_step(model: am.MLP, xs: Any, ys: Any) -> Callable[[], float]:
    params = model.parameters()

    def step() -> float:
        loss = our_moons_loss(model, xs, ys)
        model.zero_grad()
        loss.backward()
        sgd(params, LR)
        return loss.data

    return step


class HandMLP:
    """The same network and step written by hand on Python floats: no graph at all.

    The reference row of W1: what the arithmetic itself costs in pure Python.
    """

    def __init__(self, params: Sequence[float], sizes: Sequence[int] = (2, 16, 16, 1)) -> None:
        self.layers: list[tuple[list[list[float]], list[float]]] = []
        it = iter(params)
        for nin, nout in itertools.pairwise(sizes):
            rows, bias = [], []
            for _ in range(nout):
                rows.append([next(it) for _ in range(nin)])
                bias.append(next(it))
            self.layers.append((rows, bias))

    def flat(self) -> list[float]:
        return [v for rows, bias in self.layers for r, b in zip(rows, bias) for v in (*r, b)]

    def step(self, xs: Sequence[Sequence[float]], ys: Sequence[float], lr: float) -> float:
        grads = [([[0.0] * len(r) for r in rows], [0.0] * len(bias)) for rows, bias in self.layers]
        n = len(xs)
        last = len(self.layers) - 1
        data_loss = 0.0
        for x, y in zip(xs, ys):
            acts = [list(x)]
            for k, (rows, bias) in enumerate(self.layers):
                h = acts[-1]
                z = [sum(w * hi for w, hi in zip(r, h)) + b for r, b in zip(rows, bias)]
                acts.append(z if k == last else [zi if zi > 0.0 else 0.0 for zi in z])
            margin = 1.0 - y * acts[-1][0]
            if margin <= 0.0:
                continue
            data_loss += margin
            delta = [-y / n]  # d loss / d score
            for k in range(last, -1, -1):
                rows, _ = self.layers[k]
                grows, gbias = grads[k]
                h = acts[k]
                if k != last:  # relu'(z) = 1 where the output was positive
                    delta = [d if a > 0.0 else 0.0 for d, a in zip(delta, acts[k + 1])]
                for j, d in enumerate(delta):
                    if d != 0.0:
                        gr = grows[j]
                        for i, hi in enumerate(h):
                            gr[i] += d * hi
                        gbias[j] += d
                if k:
                    delta = [
                        sum(delta[j] * rows[j][i] for j in range(len(rows))) for i in range(len(h))
                    ]
        reg = 0.0
        for (rows, bias), (grows, gbias) in zip(self.layers, grads):
            for j, r in enumerate(rows):
                for i, w in enumerate(r):
                    reg += w * w
                    r[i] = w - lr * (grows[j][i] + 2.0 * ALPHA * w)
                b = bias[j]
                reg += b * b
                bias[j] = b - lr * (gbias[j] + 2.0 * ALPHA * b)
        return data_loss / n + ALPHA * reg

    def loss_and_grads(self, xs: Any, ys: Any) -> tuple[float, list[float]]:
        """Loss and gradient (read back from a step with lr = 1 on a copy)."""
        before = self.flat()
        copy = HandMLP(before)
        loss = copy.step(xs, ys, 1.0)
        return loss, [b - a for b, a in zip(before, copy.flat())]


# ------------------------------------------------------------------------------------------------
# W2 / W3: graphs written op by op
# ------------------------------------------------------------------------------------------------


def chain(value_cls: Any, n: int) -> Any:
    """y = 0.0001 + 1.0001·y, n times (2n op nodes), then backward from y."""
    x = value_cls(1.0)
    y = x
    for _ in range(n):
        y = 0.0001 + 1.0001 * y
    y.backward()
    return x


def w3_data(n: int) -> list[tuple[float, float]]:
    """The n pairs (aᵢ, bᵢ) of W3, the same for every contender."""
    rng = random.Random(0)
    return [(rng.uniform(-1, 1), rng.uniform(-1, 1)) for _ in range(n)]


def w3_contenders(classes: dict[str, Any], n: int) -> dict[str, Callable[[], object]]:
    """W3 for each Value class: its leaves built once, then each call the forward + backward."""
    data = w3_data(n)
    return {
        name: functools.partial(
            tree_sum_of_products, [cls(a) for a, _ in data], [cls(b) for _, b in data]
        )
        for name, cls in classes.items()
    }


def tree_sum_of_products(a: Sequence[Any], b: Sequence[Any]) -> Any:
    """Σ aᵢ·bᵢ added pairwise (depth log₂ n), forward and backward."""
    level = [ai * bi for ai, bi in zip(a, b)]
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
    level[0].backward()
    return level[0]


# ------------------------------------------------------------------------------------------------
# W5: the lesson's 3–2–2 network (sigmoid hidden layer, linear outputs, E = Σ (t − y)²)
# ------------------------------------------------------------------------------------------------


def mg_sigmoid(mg: ModuleType, v: Any) -> Any:
    """micrograd 0.1.0 has no sigmoid: add one the way its README adds ops (a closure)."""
    Value = mg.engine.Value
    s = 1.0 / (1.0 + math.exp(-v.data))
    out = Value(s, (v,), "sigmoid")

    def _backward() -> None:
        v.grad += s * (1.0 - s) * out.grad

    out._backward = _backward
    return out


def lesson_steps_ours(steps: int) -> Callable[[], float]:
    model = lesson_network()
    params = model.parameters()
    x = list(LESSON_X)

    def run() -> float:
        error = 0.0
        for _ in range(steps):
            y = model(x)
            e = lesson_error(y)  # type: ignore[arg-type]
            model.zero_grad()
            e.backward()
            sgd(params, LESSON_LR)
            error = e.data
        return error

    return run


def lesson_steps_op_by_op(
    value_cls: Any, sigmoid: Callable[[Any], Any], steps: int
) -> Callable[[], float]:
    """W5 as micrograd's users write it: micrograd's Neuron, ``sum((wi * xi for ...), b)``,
    one ``*`` and one ``+`` at a time, then the activation; the lesson's error E = Σ (t − y)²
    added term by term; SGD by hand. The same code for every engine: only the Value class
    and its sigmoid differ. 27 computed nodes a step."""
    ours = lesson_network()
    w = [
        [value_cls(p.data) for p in n.parameters()] for layer in ours.layers for n in layer.neurons
    ]
    hidden, out = w[:2], w[2:]
    params = [p for n in w for p in n]

    def neuron(n: list[Any], x: list[Any]) -> Any:
        return sum((wi * xi for wi, xi in zip(n[:-1], x)), n[-1])

    def forward() -> Any:
        x = [value_cls(v) for v in LESSON_X]
        h = [sigmoid(neuron(n, x)) for n in hidden]
        y = [neuron(n, h) for n in out]
        terms = [(t - yk) ** 2 for yk, t in zip(y, LESSON_T)]
        return sum(terms[1:], terms[0])

    def run() -> float:
        error = 0.0
        for _ in range(steps):
            e = forward()
            for p in params:
                p.grad = 0.0
            e.backward()
            sgd(params, LESSON_LR)
            error = e.data
        return error

    return run


def lesson_steps_mg(mg: ModuleType, steps: int) -> Callable[[], float]:
    """W5 in micrograd (its sigmoid added as its README adds ops)."""
    return lesson_steps_op_by_op(mg.engine.Value, functools.partial(mg_sigmoid, mg), steps)


def lesson_steps_ours_op_by_op(steps: int) -> Callable[[], float]:
    """W5 in autograd_mlp, written as micrograd's users write it (`lesson_steps_op_by_op`)."""
    return lesson_steps_op_by_op(am.Value, am.Value.sigmoid, steps)
