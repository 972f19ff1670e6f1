"""The worked example's numbers: one training step of a lesson, computed through the engine.

`compute_worked_example` runs the lesson's network, its error and ``backward()`` and collects
every number the document shows into a `WorkedExample`: the forward pass, the error, each
gradient as a sum over its chain-rule paths (from `autograd_mlp.teach.explain.derive`) and
again layer by layer (backpropagation's recursion: the δ of every neuron), the update, and
training on until an iteration count or a target error. With ``round_intermediate`` every
intermediate number is rounded as a hand calculation rounds it; the engine itself never
rounds, and the exact gradients are kept beside the rounded ones.

Nothing here writes words: the document (`autograd_mlp.teach.worked.document`) reads these
numbers and says what they are.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ...engine import no_grad, topological_order
from ...viz.naming import NodeNames, check_decimals, round_half_away
from ..explain import derive, exact_sum
from ..lesson import DEFAULT_LESSON, Lesson
from .hand import as_float, hand_calculation, routes

__all__ = [
    "WorkedExample",
    "compute_worked_example",
    "DEFAULT_STEPS",
    "DEFAULT_TARGET",
    "MAX_STEPS",
    "MAX_PATHS_LISTED",
    "curvature_at_start",
]

DEFAULT_STEPS = 50  # further steps after the first update: enough to see the error fall

DEFAULT_TARGET = 0.001  # a target error the lesson network reaches in a few dozen steps

MAX_STEPS = 10_000  # give up looking for the target after this many updates

# A parameter's gradient is written out as a sum over its paths only up to this many paths (a
# sum of 16 products still fits a page; a 3–2–2 weight has 2). 16 is the widest layer a lesson
# may have, so with one hidden layer every weight is written out.
MAX_PATHS_LISTED = 16


def _derivative(act: str, z: float, h: float) -> float:
    if act == "sigmoid":
        return h * (1.0 - h)
    if act == "tanh":
        return 1.0 - h * h
    if act == "relu":
        return 1.0 if z > 0 else 0.0
    return 1.0


_routes = routes  # the paths from a neuron of a layer to E (`autograd_mlp.teach.worked.hand`)


@dataclass
class WorkedExample:
    """All numbers of the worked example (exact unless ``round_intermediate`` is set).

    Lists per layer are indexed from the input side: ``weights[l]`` is layer l + 1 (labels
    ``L{l+1}.N…``), the last one the output layer.
    """

    lr: float
    round_intermediate: int | None
    x: list[float]
    t: list[float]
    weights: list[list[list[float]]]  # weights[l][j][i]: layer l + 1, neuron j, input i
    biases: list[list[float]]  # biases[l][j]
    z: list[list[float]]  # pre-activations z[l][j]
    a: list[list[float]]  # neuron outputs f(z) (a linear layer's: z itself); a[-1] is y
    error: float
    dE_dy: list[float]  # ∂E/∂yₖ: −2·(tₖ − yₖ) for "sum", −(tₖ − yₖ) "half", −(2/K)·(…) "mean"
    # ∂E/∂w and ∂E/∂b as shown: the sum over paths (the recursion's where not listed)
    grads_w: list[list[list[float]]]
    grads_b: list[list[float]]
    # terms_w[l][j][i][p]: the product along path p (see `_routes`); [] where not listed
    terms_w: list[list[list[list[float]]]]
    terms_b: list[list[list[float]]]
    paths: list[int]  # paths[l]: chain-rule paths from each parameter of layer l + 1 to E
    # the same gradients layer by layer (backpropagation's recursion):
    df: list[list[float]]  # f′(z) of every neuron, e.g. σ′(zⱼ) = hⱼ·(1 − hⱼ); 1 if linear
    deltas: list[list[float]]  # δ = ∂E/∂z: ∂E/∂yₖ·f′(zₖ) at the outputs, f′(zⱼ)·Σₖ wₖⱼ·δₖ below
    back_products: list[list[list[float]]]  # hidden layer l: [j][k] = w[l+1][k][j]·δ[l+1][k]
    back_sums: list[list[float]]  # hidden layer l: Σₖ w[l+1][k][j]·δ[l+1][k]
    rec_w: list[list[list[float]]]  # δⱼ·(input i of the layer), every layer
    exact: dict[str, float]  # every gradient without rounding, by parameter label
    new_params: dict[str, float]  # after one update, by label
    error_after_update: float
    steps: int
    error_after_steps: float
    target: float
    target_step: int | None  # number of updates after which E ≤ target; None if not reached
    max_steps: int  # the search for the target gives up after this many updates
    labels: list[str] = field(default_factory=list)
    lesson: Lesson = DEFAULT_LESSON
    # the update after which E was no longer a finite number (training stops there); None if
    # it stayed finite: a learning constant far too big makes the steps overshoot until E
    # overflows
    overflow_step: int | None = None

    @property
    def sizes(self) -> tuple[int, ...]:
        """Inputs, then each layer's size: (3, 2, 2) for the default lesson."""
        return self.lesson.sizes

    @property
    def activations(self) -> list[str]:
        return [layer.activation for layer in self.lesson.layers]

    @property
    def listed(self) -> list[bool]:
        """Per layer: are its gradients written out as sums over paths?"""
        return [p <= MAX_PATHS_LISTED for p in self.paths]

    @property
    def y(self) -> list[float]:
        """The outputs (the last layer's a)."""
        return self.a[-1]


def _check(lr: object, steps: object, target: object, round_intermediate: object) -> None:
    if (
        isinstance(lr, bool)
        or not isinstance(lr, (int, float))
        or not (math.isfinite(lr) and lr > 0)
    ):
        raise ValueError(f"learning rate must be a positive number, got {lr!r}")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be an int from 0 to {MAX_STEPS}, got {steps!r}")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not target > 0:
        raise ValueError(f"target error must be a positive number, got {target!r}")
    check_decimals(round_intermediate, "round")


def _check_lesson(lesson: object) -> Lesson:
    if lesson is None:
        return DEFAULT_LESSON
    if not isinstance(lesson, Lesson):
        raise TypeError(f"lesson must be a Lesson, got {type(lesson).__name__}")
    return lesson


def _error_gradient(convention: str, t: float, y: float, outputs: int) -> float:
    """∂E/∂yₖ by the lesson's error convention."""
    if convention == "half":
        return -(t - y)
    if convention == "mean":
        return -2.0 * (t - y) / outputs
    return -2.0 * (t - y)


def compute_worked_example(
    lr: float | None = None,
    steps: int = DEFAULT_STEPS,
    target: float = DEFAULT_TARGET,
    round_intermediate: int | None = None,
    *,
    max_steps: int = MAX_STEPS,
    lesson: Lesson | None = None,
) -> WorkedExample:
    """Run the lesson through the engine and collect every number the worked example shows.

    ``lesson``: any `Lesson` (default: the 3–2–2 example); ``lr`` defaults to its learning
    constant. Training looks for the target error for at most ``max_steps`` updates.
    """
    lesson = _check_lesson(lesson)
    lr = lesson.learning_rate if lr is None else lr
    _check(lr, steps, target, round_intermediate)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int, got {max_steps!r}")
    r = round_intermediate

    def rnd(v: float) -> float:
        return v if r is None else round_half_away(v, r)

    model, _, error = lesson.forward()
    error.backward()
    acts = [spec.activation for spec in lesson.layers]
    sizes = list(lesson.sizes[1:])
    depth = len(sizes)
    # the nodes, found by label in the graph (Lℓ.Nj.z; Lℓ.Nj.a unless the layer is linear)
    by_label = {v.label: v for v in topological_order(error) if v.label}
    z = [[by_label[f"L{li + 1}.N{j + 1}.z"].data for j in range(n)] for li, n in enumerate(sizes)]
    out = [
        [
            by_label[f"L{li + 1}.N{j + 1}.{'z' if acts[li] == 'linear' else 'a'}"].data
            for j in range(n)
        ]
        for li, n in enumerate(sizes)
    ]
    paths = [math.prod(sizes[li + 1 :]) for li in range(depth)]

    # One derivation per parameter, where its paths are listed: its path terms and their
    # (possibly rounded) sum. Path p of a parameter is `_routes(sizes, l)[p]`.
    derived: dict[str, tuple[list[float], float]] = {}
    names = NodeNames(error)  # once: naming the graph costs as much as the graph is big
    for li, layer in enumerate(model.layers):
        if paths[li] <= MAX_PATHS_LISTED and r is None:  # by hand: see below
            for p in layer.parameters():
                d = derive(error, p, round_intermediate=r, names=names)
                derived[p.label] = ([t.product for t in d.terms], d.total)
    params = model.parameters()
    exact = {p.label: p.grad for p in params}

    # Backpropagation by hand: each number computed once from the rounded ones above it.
    x = list(lesson.inputs)
    t = list(lesson.targets)
    a = [[rnd(v) for v in row] for row in out]
    inputs = [x, *a[:-1]]  # what each layer sees: x, then the layer below's outputs as shown
    y = a[-1]
    dE_dy = [rnd(_error_gradient(lesson.error, tk, yk, len(y))) for tk, yk in zip(t, y)]
    df = [
        [rnd(_derivative(acts[li], zj, aj)) for zj, aj in zip(z[li], a[li])] for li in range(depth)
    ]
    weights = [[list(row) for row in spec.weights] for spec in lesson.layers]
    deltas: list[list[float]] = [[] for _ in range(depth)]
    deltas[-1] = [rnd(d * f) for d, f in zip(dE_dy, df[-1])]
    back_products: list[list[list[float]]] = [[] for _ in range(depth - 1)]
    back_sums: list[list[float]] = [[] for _ in range(depth - 1)]
    for li in reversed(range(depth - 1)):  # from the top: layer l needs the δ of layer l + 1
        above, w_above = deltas[li + 1], weights[li + 1]
        back_products[li] = [
            [rnd(w_above[k][j] * above[k]) for k in range(sizes[li + 1])] for j in range(sizes[li])
        ]
        back_sums[li] = [rnd(exact_sum(ts)) for ts in back_products[li]]
        deltas[li] = [rnd(df[li][j] * back_sums[li][j]) for j in range(sizes[li])]
    rec_w = [
        [[rnd(deltas[li][j] * v) for v in inputs[li]] for j in range(sizes[li])]
        for li in range(depth)
    ]

    # The gradients as shown: the sums over paths, or the recursion's for a layer not listed.
    grads_w: list[list[list[float]]] = []
    grads_b: list[list[float]] = []
    terms_w: list[list[list[list[float]]]] = []
    terms_b: list[list[list[float]]] = []
    for li, layer in enumerate(model.layers):
        if paths[li] <= MAX_PATHS_LISTED and r is None:  # by hand: `_by_hand` sets them
            grads_w.append([[derived[w.label][1] for w in n.w] for n in layer.neurons])
            grads_b.append([derived[n.b.label][1] for n in layer.neurons])
            terms_w.append([[derived[w.label][0] for w in n.w] for n in layer.neurons])
            terms_b.append([derived[n.b.label][0] for n in layer.neurons])
        else:
            grads_w.append(rec_w[li])
            grads_b.append(deltas[li])
            terms_w.append([])
            terms_b.append([])
    shown = {}
    for li, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            shown.update({w.label: g for w, g in zip(neuron.w, grads_w[li][j])})
            shown[neuron.b.label] = grads_b[li][j]
    example = WorkedExample(
        lr=float(lr),
        round_intermediate=r,
        x=x,
        t=t,
        weights=weights,
        biases=[list(spec.biases) for spec in lesson.layers],
        z=[[rnd(v) for v in row] for row in z],
        a=a,
        error=rnd(error.data),
        dE_dy=dE_dy,
        grads_w=grads_w,
        grads_b=grads_b,
        terms_w=terms_w,
        terms_b=terms_b,
        paths=paths,
        df=df,
        deltas=deltas,
        back_products=back_products,
        back_sums=back_sums,
        rec_w=rec_w,
        exact=exact,
        new_params={p.label: rnd(p.data - lr * shown[p.label]) for p in params},
        error_after_update=0.0,
        steps=steps,
        error_after_steps=0.0,
        target=float(target),
        target_step=None,
        max_steps=max(max_steps, steps + 1),
        labels=[p.label for p in params],
        lesson=lesson,
    )
    _train(example, lr, steps, target)
    if r is not None:
        _by_hand(example, r)
    return example


def _by_hand(example: WorkedExample, r: int) -> None:
    """Replace every computed number of ``example`` by the hand calculation's with ``r``
    decimals: each from the numbers printed before it, then rounded (`hand_calculation`).
    Training on stays exact (the engine never rounds); E after the update is the hand
    calculation's forward pass from the printed W'."""
    hand = hand_calculation(example.lesson, example.lr, r, MAX_PATHS_LISTED)

    def fl(rows: object) -> object:
        if isinstance(rows, list):
            return [fl(v) for v in rows]
        return as_float(rows)  # type: ignore[arg-type]

    for name in (
        "z",
        "a",
        "dE_dy",
        "df",
        "deltas",
        "back_products",
        "back_sums",
        "rec_w",
        "grads_w",
        "grads_b",
        "terms_w",
        "terms_b",
    ):
        setattr(example, name, fl(getattr(hand, name)))
    example.error = as_float(hand.error)
    example.new_params = {k: as_float(v) for k, v in hand.new_params.items()}
    if example.overflow_step != 1:  # a first step that overflows is the engine's to report
        example.error_after_update = as_float(hand.error_after_update)


def _train(example: WorkedExample, lr: float, steps: int, target: float) -> None:
    """Gradient descent from the lesson's start with exact arithmetic (the engine never rounds).

    Update s gives the weights W⁽ˢ⁾ = W⁽ˢ⁻¹⁾ − a·∇E(W⁽ˢ⁻¹⁾); E⁽ˢ⁾ is the error at W⁽ˢ⁾.
    """
    lesson = example.lesson
    start = lesson.network()  # fresh weights: the loop must not depend on the explained step
    params = start.parameters()
    errors: list[float] = []
    limit = max(1 + steps, 1)
    s = 0
    reached: int | None = None
    while s < example.max_steps and (s < limit or reached is None):
        for p in params:
            p.grad = 0.0
        e = lesson.forward_of(start)
        e.backward()
        with no_grad():
            for p in params:
                p.data -= lr * p.grad
        s += 1
        with no_grad():
            e_after = lesson.forward_of(start).data
        errors.append(e_after)
        if reached is None and e_after <= target:
            reached = s
        if not math.isfinite(e_after):
            example.overflow_step = s
            break
    example.error_after_update = errors[0]
    example.error_after_steps = errors[min(steps, len(errors) - 1)]
    example.target_step = reached


def _by_label(weights: list[list[list[float]]], biases: list[list[float]]) -> dict[str, float]:
    """One number per parameter, by its label (L1.N1.w1, ..., L1.N1.b, ...)."""
    out: dict[str, float] = {}
    for li, (w, b) in enumerate(zip(weights, biases)):
        for j, row in enumerate(w):
            for i, v in enumerate(row):
                out[f"L{li + 1}.N{j + 1}.w{i + 1}"] = v
            out[f"L{li + 1}.N{j + 1}.b"] = b[j]
    return out


def _shown_grads(ex: WorkedExample) -> dict[str, float]:
    """Every gradient as the document shows it, by label."""
    return _by_label(ex.grads_w, ex.grads_b)


def _param_values(ex: WorkedExample) -> dict[str, float]:
    return _by_label(ex.weights, ex.biases)


def curvature_at_start(lesson: Lesson) -> tuple[int, float]:
    """(number of parameters, λ_max): the largest eigenvalue of the Hessian of the lesson's E
    at its starting weights, exact (not rounded: the threshold 2/λ_max is a property of E, not
    of a hand calculation); nan if E or its curvature is not finite there.

    The Hessian is never formed: Lanczos' iteration needs only Hessian-vector products, each
    one reverse pass over the graph of the first derivatives (built once), so the cost grows
    with the size of the network times the few dozen products it takes, where forming H and
    iterating on it grew with the square of the number of parameters (a 6×16 lesson: minutes).
    """
    from ...engine.functional import grad

    model = lesson.network()
    params = model.parameters()
    error = lesson.forward_of(model)
    if not math.isfinite(error.data):
        return len(params), math.nan
    first = grad(error, params, create_graph=True, allow_unused=True)  # Values: ∂E/∂wᵢ

    def times_h(v: list[float]) -> list[float]:
        products = grad(first, params, grad_outputs=v, allow_unused=True)  # type: ignore[arg-type]
        return [float(p) for p in products]  # type: ignore[arg-type]  # floats

    return len(params), _largest_eigenvalue(times_h, len(params))


LANCZOS_STEPS = 200  # at most this many Hessian-vector products (a few dozen is usual)


def _largest_eigenvalue(times_h: Callable[[list[float]], list[float]], n: int) -> float:
    """λ_max of the symmetric n×n matrix H that ``times_h`` multiplies by, by Lanczos'
    iteration with full reorthogonalisation (Golub & Van Loan, *Matrix Computations*, 4th ed.,
    section 10.1): the largest eigenvalue of the tridiagonal matrix it builds converges to
    λ_max from below, and is λ_max exactly once the iteration has spanned H's range."""
    rng = random.Random(0)  # a fixed start: the same lesson gives the same digits
    q = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    norm = math.sqrt(math.fsum(x * x for x in q))
    basis = [[x / norm for x in q]]
    alphas: list[float] = []
    betas: list[float] = []
    theta = -math.inf
    still = 0  # steps in a row in which the largest Ritz value did not move
    for _ in range(min(n, LANCZOS_STEPS)):
        q = basis[-1]
        w = times_h(q)
        if not all(math.isfinite(x) for x in w):
            return math.nan
        alphas.append(math.fsum(a * b for a, b in zip(q, w)))
        for _ in range(2):  # twice is enough (Kahan's "twice is enough") to stay orthogonal
            for b in basis:
                c = math.fsum(x * y for x, y in zip(b, w))
                w = [x - c * y for x, y in zip(w, b)]
        previous, theta = theta, _tridiagonal_max(alphas, betas)
        beta = math.sqrt(math.fsum(x * x for x in w))
        scale = max(abs(theta), max(abs(a) for a in alphas), 1e-300)
        still = still + 1 if abs(theta - previous) <= 1e-15 * scale else 0
        if beta <= 1e-13 * scale or still == 3:
            break  # H's range is spanned (exact), or the Ritz value has stopped moving
        betas.append(beta)
        basis.append([x / beta for x in w])
    return theta


def _tridiagonal_max(alphas: list[float], betas: list[float]) -> float:
    """The largest eigenvalue of the symmetric tridiagonal matrix with diagonal ``alphas`` and
    off-diagonal ``betas``, by bisection on its Sturm sequence (the number of eigenvalues
    below x is the number of negative pivots of T − x·I)."""
    radius = max(
        abs(a) + (abs(betas[i - 1]) if i > 0 else 0.0) + (abs(betas[i]) if i < len(betas) else 0.0)
        for i, a in enumerate(alphas)
    )  # Gershgorin: every eigenvalue is within this of 0
    low, high = -radius, radius

    def below(x: float) -> int:
        count, d = 0, 1.0
        for i, a in enumerate(alphas):
            off = betas[i - 1] ** 2 if i > 0 else 0.0
            d = a - x - (off / d if d != 0.0 else off / 1e-300)
            count += d < 0.0
        return count

    size = len(alphas)
    for _ in range(200):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break  # the interval is one float wide
        if below(mid) >= size:
            high = mid
        else:
            low = mid
    return high
