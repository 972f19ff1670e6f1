"""The worked example by hand, rounding as a student does: every number from the printed ones.

With ``round_intermediate=r`` the worked example is a hand calculation, and a student must be
able to redo every line of it from the page. So every result is computed from the numbers the
page prints before it, exactly as they are printed (the given numbers as given, every computed
number rounded to r decimals), and is then rounded to r decimals, half away from zero:

* the forward pass: z = Σ w·(input as printed) + b, then h = f(z as printed);
* E from the printed outputs, ∂E/∂yₖ from the printed yₖ;
* each gradient of the output layer from the printed ∂E/∂yₖ and inputs;
* each path's product from its printed factors (a sigmoid's derivative written h·(1 − h) with
  the printed h), and their sum from the printed products;
* layer by layer: Σₖ wₖⱼ·δₖ from the printed δ, f′ and δⱼ = f′·Σ from the printed f′ and Σ,
  δⱼ·input from the printed δⱼ;
* the update W' = W − a·∂E/∂W from the printed gradient, and E after it by the same forward
  pass from the printed W'.

The arithmetic is exact (`fractions.Fraction` of the printed decimals), so that a tie such as
0.45·0.55 = 0.2475 rounds to 0.25 as on paper, not by the binary value of the product; only σ
and tanh are evaluated in floating point, whose error is far below the last printed digit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..lesson import Lesson

__all__ = ["HandCalculation", "hand_calculation", "exact", "rounded", "as_float", "routes"]


def exact(v: float) -> Fraction:
    """A float as the decimal it prints as (its shortest repr): 0.1 is 1/10, not the binary
    value 0.1000000000000000055…"""
    return Fraction(Decimal(repr(float(v))))


def rounded(x: Fraction, decimals: int) -> Fraction:
    """``x`` rounded to ``decimals`` places, half away from zero, exactly."""
    scale = 10**decimals
    n = math.floor(abs(x) * scale + Fraction(1, 2))
    return Fraction(n if x >= 0 else -n, scale)


def as_float(x: Fraction) -> float:
    """The float nearest ``x`` (±inf past the largest float)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _activation(act: str, z: Fraction) -> Fraction:
    """f(z) of the printed z; σ and tanh in floating point (the result is rounded at once)."""
    if act == "linear":
        return z
    if act == "relu":
        return z if z > 0 else Fraction(0)
    zf = as_float(z)
    if act == "tanh":
        return exact(math.tanh(zf))
    # σ(z) = 1/(1 + e^(−z)), without overflow for a very negative z
    if zf >= 0:
        return exact(1.0 / (1.0 + math.exp(-zf)))
    e = math.exp(zf)
    return exact(e / (1.0 + e))


def derivative(act: str, z: Fraction, h: Fraction) -> Fraction:
    """f′(z) as the page writes it with the printed numbers: h·(1 − h), (1 − h²), 1 or 0."""
    if act == "sigmoid":
        return h * (1 - h)
    if act == "tanh":
        return 1 - h * h
    if act == "relu":
        return Fraction(1 if z > 0 else 0)
    return Fraction(1)


def error_gradient(convention: str, t: Fraction, y: Fraction, outputs: int) -> Fraction:
    """∂E/∂yₖ as the page writes it: −2·(t − y), −(t − y) or −(2/K)·(t − y)."""
    if convention == "half":
        return -(t - y)
    if convention == "mean":
        return -Fraction(2, outputs) * (t - y)
    return -2 * (t - y)


def error(convention: str, t: Sequence[Fraction], y: Sequence[Fraction]) -> Fraction:
    """E from the printed outputs, by the lesson's convention (before rounding)."""
    squares = sum(((tk - yk) ** 2 for tk, yk in zip(t, y)), Fraction(0))
    if convention == "half":
        return squares / 2
    if convention == "mean":
        return squares / len(y)
    return squares


@dataclass
class HandCalculation:
    """Every number of the worked example by hand (exact fractions of the printed decimals)."""

    z: list[list[Fraction]]
    a: list[list[Fraction]]
    error: Fraction
    dE_dy: list[Fraction]
    df: list[list[Fraction]]  # f′ of every neuron as printed in the recursion (rounded)
    deltas: list[list[Fraction]]
    back_products: list[list[list[Fraction]]]  # [l][j][k] = w·δ, each rounded (not printed)
    back_sums: list[list[Fraction]]
    rec_w: list[list[list[Fraction]]]
    grads_w: list[list[list[Fraction]]]  # as the page shows them: over paths where listed
    grads_b: list[list[Fraction]]
    terms_w: list[list[list[list[Fraction]]]]
    terms_b: list[list[list[Fraction]]]
    new_params: dict[str, Fraction]
    error_after_update: Fraction


def forward(
    lesson: Lesson,
    weights: Sequence[Sequence[Sequence[Fraction]]],
    biases: Sequence[Sequence[Fraction]],
    r: int,
) -> tuple[list[list[Fraction]], list[list[Fraction]], Fraction]:
    """The forward pass by hand: (z, outputs, E), each number rounded to ``r`` decimals."""
    inputs = [exact(v) for v in lesson.inputs]
    zs: list[list[Fraction]] = []
    outs: list[list[Fraction]] = []
    for spec, w, b in zip(lesson.layers, weights, biases):
        z = [rounded(sum((wi * xi for wi, xi in zip(row, inputs)), bj), r) for row, bj in zip(w, b)]
        a = [rounded(_activation(spec.activation, zj), r) for zj in z]
        zs.append(z)
        outs.append(a)
        inputs = a
    t = [exact(v) for v in lesson.targets]
    return zs, outs, rounded(error(lesson.error, t, outs[-1]), r)


def routes(sizes: Sequence[int], layer: int) -> list[tuple[int, ...]]:
    """The paths from a neuron of ``layer`` (0-based) to E, each as the neuron it passes in every
    later layer, output first: (k, …) — in the order `paths` lists them (outputs first, then
    each neuron's inputs in order). ``sizes`` are the layer sizes without the inputs."""
    later = [range(n) for n in reversed(sizes[layer + 1 :])]
    return list(itertools.product(*later))


def hand_calculation(lesson: Lesson, lr: float, r: int, max_paths: int) -> HandCalculation:
    """The worked example of ``lesson`` by hand with ``r`` decimals (see the module docstring).
    A layer whose parameters have more than ``max_paths`` paths is not written out as sums
    over paths: its gradients are the recursion's."""

    def rnd(x: Fraction) -> Fraction:
        return rounded(x, r)

    acts = [spec.activation for spec in lesson.layers]
    sizes = [spec.size for spec in lesson.layers]
    depth = len(sizes)
    weights = [[[exact(v) for v in row] for row in spec.weights] for spec in lesson.layers]
    biases = [[exact(v) for v in spec.biases] for spec in lesson.layers]
    x = [exact(v) for v in lesson.inputs]
    t = [exact(v) for v in lesson.targets]
    z, a, e = forward(lesson, weights, biases, r)
    inputs = [x, *a[:-1]]
    y = a[-1]
    dE_dy = [rnd(error_gradient(lesson.error, tk, yk, len(y))) for tk, yk in zip(t, y)]
    # f′ as a factor, written with the printed h (not rounded: it is part of a product), and
    # as a line of its own in the recursion (rounded)
    fprime = [[derivative(acts[li], zj, aj) for zj, aj in zip(z[li], a[li])] for li in range(depth)]
    df = [[rnd(v) for v in row] for row in fprime]
    deltas: list[list[Fraction]] = [[] for _ in range(depth)]
    deltas[-1] = [rnd(d * f) for d, f in zip(dE_dy, fprime[-1])]  # ∂E/∂yₖ·yₖ·(1 − yₖ)
    back_products: list[list[list[Fraction]]] = [[] for _ in range(depth - 1)]
    back_sums: list[list[Fraction]] = [[] for _ in range(depth - 1)]
    for li in reversed(range(depth - 1)):
        above, w_above = deltas[li + 1], weights[li + 1]
        products = [
            [w_above[k][j] * above[k] for k in range(sizes[li + 1])] for j in range(sizes[li])
        ]
        back_products[li] = [[rnd(p) for p in row] for row in products]
        back_sums[li] = [rnd(sum(row, Fraction(0))) for row in products]
        deltas[li] = [
            rnd(df[li][j] * back_sums[li][j]) if acts[li] != "linear" else back_sums[li][j]
            for j in range(sizes[li])
        ]
    rec_w = [
        [[rnd(deltas[li][j] * v) for v in inputs[li]] for j in range(sizes[li])]
        for li in range(depth)
    ]

    # the output layer: ∂E/∂yₖ·f′(zₖ)·input, one product from the printed numbers
    top = depth - 1
    out_w = [[rnd(dE_dy[k] * fprime[top][k] * v) for v in inputs[top]] for k in range(sizes[top])]
    out_b = [rnd(dE_dy[k] * fprime[top][k]) for k in range(sizes[top])]

    grads_w: list[list[list[Fraction]]] = []
    grads_b: list[list[Fraction]] = []
    terms_w: list[list[list[list[Fraction]]]] = []
    terms_b: list[list[list[Fraction]]] = []
    for li in range(depth):
        if li == top:
            grads_w.append(out_w)
            grads_b.append(out_b)
            terms_w.append([[[g] for g in row] for row in out_w])
            terms_b.append([[g] for g in out_b])
            continue
        count = math.prod(sizes[li + 1 :])
        if count > max_paths:
            grads_w.append(rec_w[li])
            grads_b.append(deltas[li])
            terms_w.append([])
            terms_b.append([])
            continue
        paths = routes(sizes, li)
        layer_w, layer_b, layer_tw, layer_tb = [], [], [], []
        for j in range(sizes[li]):
            # the factors of each path above the parameter's input, from E down
            heads = []
            for route in paths:
                k = route[0]
                head = dE_dy[k] * fprime[top][k]
                chain = (*route, j)
                for step in range(len(route)):
                    m = top - step
                    upper, lower = chain[step], chain[step + 1]
                    head *= weights[m][upper][lower] * fprime[m - 1][lower]
                heads.append(head)
            row_terms = [[rnd(h * v) for h in heads] for v in inputs[li]]
            bias_terms = [rnd(h) for h in heads]
            layer_tw.append(row_terms)
            layer_tb.append(bias_terms)
            layer_w.append([_total(ts, rnd) for ts in row_terms])
            layer_b.append(_total(bias_terms, rnd))
        grads_w.append(layer_w)
        grads_b.append(layer_b)
        terms_w.append(layer_tw)
        terms_b.append(layer_tb)

    rate = exact(lr)
    new_w = [
        [[rnd(w - rate * g) for w, g in zip(row, grow)] for row, grow in zip(lw, gw)]
        for lw, gw in zip(weights, grads_w)
    ]
    new_b = [[rnd(b - rate * g) for b, g in zip(lb, gb)] for lb, gb in zip(biases, grads_b)]
    new_params: dict[str, Fraction] = {}
    for li in range(depth):
        for j in range(sizes[li]):
            for i, v in enumerate(new_w[li][j]):
                new_params[f"L{li + 1}.N{j + 1}.w{i + 1}"] = v
            new_params[f"L{li + 1}.N{j + 1}.b"] = new_b[li][j]
    _, _, e_after = forward(lesson, new_w, new_b, r)
    return HandCalculation(
        z=z,
        a=a,
        error=e,
        dE_dy=dE_dy,
        df=df,
        deltas=deltas,
        back_products=back_products,
        back_sums=back_sums,
        rec_w=rec_w,
        grads_w=grads_w,
        grads_b=grads_b,
        terms_w=terms_w,
        terms_b=terms_b,
        new_params=new_params,
        error_after_update=e_after,
    )


def _total(terms: Sequence[Fraction], rnd: Callable[[Fraction], Fraction]) -> Fraction:
    """The sum of the printed products (one product is the gradient itself)."""
    if len(terms) == 1:
        return terms[0]
    return rnd(sum(terms, Fraction(0)))
