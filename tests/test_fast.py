"""The fast path replays a traced graph over a batch and gives the eager engine's results.

Reference: the eager engine itself, run example by example (its own correctness is tested
elsewhere against central differences and PyTorch). Tolerance 1e-12, relative to the largest
magnitude in each compared vector (a gradient that is a sum of cancelling terms can be ~1e-17
in one engine and 0 in the other, so per-element relative error is not meaningful there).
"""

from __future__ import annotations

import math
import random
import sys
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import MLP, TraceError, Value, trace
from autograd_mlp.nn import losses

TOL = 1e-12


def _close(fast: list[float], eager: list[float]) -> None:
    f, e = np.asarray(fast), np.asarray(eager)
    scale = max(1e-300, float(np.max(np.abs(e))))
    assert np.max(np.abs(f - e)) <= TOL * scale + 1e-15, (f, e)


def _eager_total(model: MLP, loss_of, xs, ts) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    model.zero_grad()
    total = 0.0
    for x, t in zip(xs, ts):
        loss = loss_of(model(list(x)), t)
        loss.backward()
        total += loss.data
    return total, [p.grad for p in model.parameters()]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    activation=st.sampled_from(["relu", "tanh", "sigmoid", "linear"]),
    output=st.sampled_from(["linear", "tanh", "sigmoid"]),
    sizes=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    batch=st.integers(1, 7),
)
def test_replay_equals_eager_on_random_networks_with_sse(
    seed: int, activation: str, output: str, sizes: list[int], batch: int
) -> None:
    rng = random.Random(seed)
    model = MLP(3, sizes, activation=activation, output_activation=output, seed=seed)
    xs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(batch)]
    ts: list = [[rng.uniform(-1, 1) for _ in range(sizes[-1])] for _ in range(batch)]  # type: ignore[type-arg]
    if sizes[-1] == 1:  # a one-neuron model returns a Value, so its target is a number
        ts = [t[0] for t in ts]
    total, eager = _eager_total(model, lambda y, t: losses.sse(y, t), xs, ts)
    step = trace(lambda x: model(x), xs[0])
    model.zero_grad()
    value = step.loss(np.array(xs), targets=np.array(ts), loss="sse")
    _close([value], [total])
    _close([p.grad for p in model.parameters()], eager)


@pytest.mark.parametrize(
    ("name", "nout", "targets"),
    [
        ("mse", 2, lambda rng: [rng.uniform(-1, 1), rng.uniform(-1, 1)]),
        ("hinge", 1, lambda rng: rng.choice([-1.0, 1.0])),
        ("bce", 1, lambda rng: rng.choice([0.0, 1.0])),
        ("cross_entropy", 3, lambda rng: rng.randrange(3)),
    ],
)
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_vectorised_losses_equal_the_library_losses(name, nout, targets, activation) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)
    model = MLP(2, [4, nout], activation=activation, seed=3)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(9)]
    ts = [targets(rng) for _ in range(9)]
    outs = [model(x) for x in xs]
    eager_loss = losses.get_loss(name)(outs, ts)  # type: ignore[operator]
    model.zero_grad()
    eager_loss.backward()
    eager = [p.grad for p in model.parameters()]
    model.zero_grad()
    step = trace(model, xs[0])
    value = step.loss(np.array(xs), targets=np.array(ts), loss=name)
    _close([value], [eager_loss.data])
    _close([p.grad for p in model.parameters()], eager)


def test_plain_value_expression_with_every_op() -> None:
    a, b = Value(0.7, label="a"), Value(-1.3, label="b")

    def f(x: Value, y: Value) -> Value:
        z = (x * a + y / (b - 2.0)) ** 2 + (-x).exp() * y.tanh()
        z = z + (x * x + 1.5).log() - (y * b).sigmoid() * (x - y).relu()
        return z + (x * x + 0.5) ** y + x**0.5 * 0 + 3.0 / (y * y + 1.0)

    rng = random.Random(1)
    xs = [rng.uniform(0.1, 2.0) for _ in range(6)]
    ys = [rng.uniform(-2.0, 2.0) for _ in range(6)]
    total = 0.0
    for x, y in zip(xs, ys):
        out = f(Value(x), Value(y))
        out.backward()
        total += out.data
    eager = [a.grad, b.grad]
    a.grad = b.grad = 0.0
    step = trace(f, xs[0], ys[0])
    value = step(np.array(xs), np.array(ys))
    _close([value], [total])
    _close([a.grad, b.grad], eager)


def test_sum_chains_and_shared_nodes_are_replayed_exactly() -> None:
    w = [Value(0.1 * (i + 1)) for i in range(10)]

    def f(x: Value) -> Value:
        h = x * x  # shared by every term below: a node with many consumers
        return sum(wi * h + wi for wi in w) + h  # type: ignore[return-value]

    xs = [0.5, -1.0, 2.0]
    for x in xs:
        f(Value(x)).backward()
    eager = [v.grad for v in w]
    for v in w:
        v.grad = 0.0
    step = trace(f, xs[0])
    step(np.array(xs))
    _close([v.grad for v in w], eager)
    # h is read by ten nodes of one group (a repeated row): its gradient must add up all ten.
    # ∂f/∂x = (Σ wᵢ + 1)·2x, with Σ wᵢ = 5.5 (hand computation)
    _close(list(step.input_grads[:, 0]), [6.5 * 2 * x for x in xs])
    # hand computation: ∂/∂wᵢ Σₓ (wᵢx² + wᵢ) = Σ (x² + 1) = (0.25+1) + (1+1) + (4+1) = 8.25
    assert abs(w[0].grad - 8.25) < 1e-12


def test_a_weight_or_term_used_twice_in_one_vectorised_op_gets_both_contributions() -> None:
    from autograd_mlp.engine import weighted_sum

    w, b = Value(0.5, label="w"), Value(0.25, label="b")

    def f(x1: Value, x2: Value) -> Value:
        z = weighted_sum([w, w], [x1, x2], b)  # the same weight twice in one matrix product
        h = z * z
        return h + h + b  # the same term twice in one fused sum

    xs = [(1.0, 2.0), (-0.5, 0.75)]
    for x1, x2 in xs:
        f(Value(x1), Value(x2)).backward()
    eager = [w.grad, b.grad]
    # by hand: z = w·(x1 + x2) + b, f = 2z² + b, ∂f/∂w = 4z·(x1 + x2), ∂f/∂b = 4z + 1
    zs = [0.5 * (x1 + x2) + 0.25 for x1, x2 in xs]
    assert eager == pytest.approx(
        [sum(4 * z * (x1 + x2) for z, (x1, x2) in zip(zs, xs)), sum(4 * z + 1 for z in zs)]
    )
    w.grad = b.grad = 0.0
    trace(f, *xs[0])(np.array([x for x, _ in xs]), np.array([x for _, x in xs]))
    _close([w.grad, b.grad], eager)


def test_replay_sees_parameter_updates() -> None:
    model = MLP(2, [3, 1], seed=1)
    step = trace(model, [0.0, 0.0])
    x = np.array([[0.5, -0.5], [1.0, 2.0]])
    first = step.forward(x)
    for p in model.parameters():
        p.data += 0.1
    second = step.forward(x)
    eager = [model(list(row)).data for row in x]  # type: ignore[union-attr]
    _close(list(second[:, 0]), eager)
    assert not np.allclose(first, second)


def test_leaves_can_come_from_an_array_and_gradients_go_to_one() -> None:
    # A loop that keeps its parameters in an array: forward(leaves=) reads them from there,
    # backward(add_to_grad=False) returns the totals without touching .grad.
    model = MLP(2, [4, 3, 1], seed=2)
    step = trace(model, [0.0, 0.0])
    params = model.parameters()
    assert step.leaves == params  # an MLP's leaves are listed as its parameters
    x = np.array([[0.5, -0.5], [1.0, 2.0], [-1.5, 0.25]])
    model.zero_grad()
    out = step.forward(x)
    totals = step.backward(np.ones_like(out))
    by_values = [p.grad for p in params]
    assert list(totals) == by_values
    shifted = np.array([p.data for p in params]) * 0.5
    model.zero_grad()
    out2 = step.forward(x, leaves=shifted)
    totals2 = step.backward(np.ones_like(out2), add_to_grad=False)
    assert all(p.grad == 0.0 for p in params)  # untouched
    for p, value in zip(params, shifted):
        p.data = float(value)
    _close(list(out2[:, 0]), [model(list(row)).data for row in x])  # type: ignore[union-attr]
    step.forward(x)
    _close(list(totals2), list(step.backward(np.ones_like(out2), add_to_grad=False)))
    # (4·3 + 3·5 + 1·4 = 31 parameters)
    with pytest.raises(ValueError, match=r"leaves must hold 31 numbers .* shape \(3,\)"):
        step.forward(x, leaves=[1.0, 2.0, 3.0])


def test_data_dependent_graph_is_detected() -> None:
    def f(x: Value) -> Value:
        return x * 2.0 if x.data > 0 else x * x  # Python control flow on a value

    step = trace(f, 1.0)
    with pytest.raises(TraceError, match="changes with the data"):
        step(np.array([1.0, -1.0]))


def test_an_op_of_the_users_own_is_refused_at_trace_time() -> None:
    # A Value made with Value(..., _op="softplus") has no NumPy form to replay: say so when
    # tracing, naming the op, rather than fail inside the first replay.
    def softplus(x: Value) -> Value:
        return Value(math.log1p(math.exp(x.data)), "", (x,), (0.5,), "softplus")

    with pytest.raises(TraceError, match=r"operation 'softplus'.*fast=False"):
        trace(lambda a: softplus(a[0]) * 2, [0.0])


def test_a_built_in_op_name_with_other_inputs_is_refused_at_trace_time() -> None:
    # Value(..., _op="*") made by hand with three inputs: the replay's '*' multiplies two
    def triple(x: Value) -> Value:
        return Value(x.data**3, "", (x, x, x), (1.0, 1.0, 1.0), "*")

    with pytest.raises(TraceError, match=r"op '\*' with 3 inputs"):
        trace(triple, 2.0)


def test_bad_batch_shapes_are_named() -> None:
    step = trace(MLP(2, [1], seed=0), [0.0, 0.0])
    with pytest.raises(ValueError, match=r"shape \(batch, \*\(2,\)\)"):
        step.forward(np.zeros((4, 3)))
    with pytest.raises(TypeError, match="expected 1 batched"):
        step.forward(np.zeros((4, 2)), np.zeros(4))
    with pytest.raises(TypeError, match="expected a function"):
        trace(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("loss", "labels", "nout"),
    [
        ("hinge", "signed", 1),
        ("bce", "binary", 1),
        ("cross_entropy", "classes", 3),
        ("mse", "signed", 1),
    ],
)
def test_fit_fast_follows_the_eager_fit(loss: str, labels: str, nout: int) -> None:
    from autograd_mlp.nn.optim import SGD
    from autograd_mlp.nn.train import fit

    rng = random.Random(4)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(12)]
    quadrant = [int(a > 0) + 2 * int(b > 0) for a, b in xs]
    ys: list[Any] = {
        "signed": [1.0 if q in (0, 3) else -1.0 for q in quadrant],
        "binary": [int(q in (0, 3)) for q in quadrant],
        "classes": [q % 3 for q in quadrant],
    }[labels]
    eager, fast = MLP(2, [4, nout], seed=6), MLP(2, [4, nout], seed=6)
    kwargs = {"loss": loss, "max_steps": 5, "batch_size": 6, "progress": False}
    h_eager = fit(eager, xs, ys, optimizer=SGD(eager.parameters(), lr=0.1), **kwargs)  # type: ignore[arg-type]
    h_fast = fit(fast, xs, ys, optimizer=SGD(fast.parameters(), lr=0.1), fast=True, **kwargs)  # type: ignore[arg-type]
    _close(h_fast.loss, h_eager.loss)
    _close([p.data for p in fast.parameters()], [p.data for p in eager.parameters()])
    assert h_fast.accuracy == h_eager.accuracy  # the same predictions, judged the same way
    assert (len(h_eager.accuracy) == 5) == (loss != "mse")
    assert h_fast.steps == h_eager.steps == 5
    assert h_fast.stopped_because == h_eager.stopped_because == "max_steps"


def test_batch_accuracy_judges_like_the_eager_loop() -> None:
    # The same outputs, judged by fit's eager rules and by the fast path's vectorised ones,
    # including the edge cases: a score of exactly 0 (wrong for hinge; predicts 0 for bce)
    # and a tie between two logits (the first wins).
    from autograd_mlp.nn.fast import accuracy
    from autograd_mlp.nn.train import _accuracy_argmax, _accuracy_logit, _accuracy_sign

    scores = [0.7, -0.2, 0.0, 1.5, -3.0, 0.0]
    signed, binary = [1.0, 1.0, -1.0, 1.0, -1.0, 1.0], [1, 0, 0, 1, 1, 1]
    out = np.array(scores)[:, None]
    values = [Value(s) for s in scores]
    assert accuracy(out, signed, "hinge") == _accuracy_sign(values, signed) == 3 / 6
    assert accuracy(out, binary, "bce") == _accuracy_logit(values, binary) == 4 / 6
    logits = [[0.1, 0.5, 0.5], [2.0, -1.0, 0.0], [0.0, 0.0, 0.0], [-1.0, -2.0, 3.0]]
    classes = [1, 0, 2, 2]
    rows = [[Value(z) for z in row] for row in logits]
    assert accuracy(np.array(logits), classes, "cross_entropy") == 3 / 4
    assert _accuracy_argmax(rows, classes) == 3 / 4
    assert accuracy(out, signed, "mse") is None


# ------------------------------------------------------------------------------------------------
# Bit for bit: random expressions over batches of IEEE edge values (issue 12)
# ------------------------------------------------------------------------------------------------

EDGES = [0.0, -0.0, math.inf, -math.inf, math.nan, 1000.0, -1000.0, 5e-324, -1e-300, 1.0, -1.0]
UNARY = ["relu", "**0", "**0.5", "**-0.5", "**2", "**3", "**-1", "**1.5", "log", "exp", "tanh"]
UNARY += ["sigmoid", "neg"]
BINARY = ["+", "-", "*", "/", "**"]


def _apply(op: str, a: Any, b: Any) -> Any:
    """One step of a program, the same for Values in the eager engine and in a trace."""
    if op in BINARY:
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op] if op != "**" else a**b
    if op.startswith("**"):
        return a ** float(op[2:])
    return -a if op == "neg" else getattr(a, op)()


programs = st.lists(
    st.tuples(st.sampled_from(UNARY + BINARY), st.integers(0, 50), st.integers(0, 50)),
    min_size=1,
    max_size=12,
)
numbers = st.one_of(st.sampled_from(EDGES), st.floats(-3.0, 3.0), st.floats(allow_nan=True))


def _run(program: list[tuple[str, int, int]], leaves: list[Any]) -> Any:
    pool = list(leaves)
    for op, i, j in program:  # operands from anywhere earlier: shared nodes, repeated inputs
        pool.append(_apply(op, pool[i % len(pool)], pool[j % len(pool)]))
    return pool[-1] + pool[len(pool) // 2] * 2.0  # a constant leaf, and a '+' at the root


def _bits(values: Any) -> list[str]:
    """Bit patterns, except that every nan is one nan (NumPy and Python may flip its sign)."""
    return ["nan" if math.isnan(x) else float(x).hex() for x in np.ravel(values).tolist()]


# NumPy's own exp, log and tanh (exact=False) may differ from the C library's in the last bit;
# every other operation is correctly rounded in both, so the default replay is bitwise too.
NUMPY_KERNELS = {"exp", "log", "tanh", "sigmoid"}


@pytest.mark.parametrize("exact", [True, False])
@settings(max_examples=300, deadline=None)
@given(
    program=programs,
    batch=st.lists(st.tuples(numbers, numbers, numbers), min_size=1, max_size=9),
)
def test_replay_is_bitwise_the_eager_engine_on_edge_values(
    exact: bool, program: list[tuple[str, int, int]], batch: list[tuple[float, float, float]]
) -> None:
    # Every value and every per-example input gradient equal bit for bit (the sign of zero
    # included; nan equals nan). relu, x**0 and the base of a**b at b = 0 select a +0 that an
    # inf or nan from above must not turn into nan; operands are drawn from everything
    # computed so far, so nodes with three or more consumers test the order of additions.
    if not exact:
        program = [step for step in program if step[0] not in NUMPY_KERNELS] or [("+", 0, 1)]
    p = Value(0.5, label="p")  # a leaf that is not an input: its .grad is a batch total
    values, grads, p_grads = [], [], []
    for x in batch:
        leaves = [Value(xi) for xi in x]
        out = _run(program, [*leaves, p])
        p.grad = 0.0
        out.backward()
        values.append(out.data)
        grads.append([v.grad for v in leaves])
        p_grads.append(p.grad)
    p.grad = 0.0
    step = trace(lambda a, b, c: _run(program, [a, b, c, p]), *batch[0], exact=exact)
    columns = [np.array([x[k] for x in batch]) for k in range(3)]
    fast_values = step.forward(*columns)
    step.backward(np.ones_like(fast_values))
    assert _bits(fast_values) == _bits(values)
    assert _bits(step.input_grads) == _bits(grads)
    # The one documented difference: a leaf's batch total is Σ of per-example totals, added
    # pairwise by NumPy, where the eager loop adds every contribution in turn into .grad. So
    # it is compared as a sum, not bit for bit: the same non-finite result, else within the
    # rounding error of a sum of n terms, n·ε·Σ|gᵢ| (Higham, Accuracy and Stability of Numerical
    # Algorithms, 2nd ed., §4.2). The bound scales with Σ|gᵢ|, not with the total: where the
    # terms cancel (2e-15 from terms near 1) a relative tolerance on the total cannot hold.
    if all(math.isfinite(g) for g in p_grads) and math.isfinite(p.grad):
        total = math.fsum(p_grads)
        bound = len(p_grads) * sys.float_info.epsilon * math.fsum(abs(g) for g in p_grads)
        assert abs(p.grad - total) <= bound
    elif all(math.isfinite(g) for g in p_grads):  # finite terms whose sum overflows
        assert (
            math.isinf(p.grad) and abs(math.fsum(g / 2 for g in p_grads)) > sys.float_info.max / 4
        )
    else:
        assert not math.isfinite(p.grad)


def _eager_and_fast(f: Any, *xs: float, exact: bool = False) -> tuple[list[str], list[str]]:
    """(bits of f's value and input gradients in the engine, the same from a trace)."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    eager = _bits([out.data, *(v.grad for v in leaves)])
    step = trace(f, *xs, exact=exact)
    value = step.forward(*(np.array([x]) for x in xs))
    step.backward(np.ones_like(value))
    return eager, _bits([*value[0], *step.input_grads[0]])


@pytest.mark.parametrize(
    ("name", "f", "xs", "expected"),
    [  # (value, input gradients): hand-computed as PyTorch gives them (docs/semantics.md)
        ("dead relu under log", lambda x: x.relu().log(), (-1.0,), (-math.inf, 0.0)),
        ("1/relu(-0.0)", lambda x: 1.0 / x.relu(), (-0.0,), (-math.inf, 0.0)),
        ("relu(nan), slope 1", lambda x: x.relu() * 3.0, (math.nan,), (math.nan, 3.0)),
        ("(-0)**0.5 is sqrt", lambda x: x**0.5, (-0.0,), (-0.0, -math.inf)),
        ("(-inf)**0.5", lambda x: x**0.5, (-math.inf,), (math.nan, math.nan)),
        # d/dx = -0.5·(-0)^-1.5 = -0.5·inf; at -inf, -0.5·(-inf)^-1.5 = -0.5·0 (a leaf: +0.0)
        ("(-0)**-0.5 is rsqrt", lambda x: x**-0.5, (-0.0,), (-math.inf, -math.inf)),
        ("(-inf)**-0.5", lambda x: x**-0.5, (-math.inf,), (math.nan, 0.0)),
        ("x**0 under inf", lambda x, y: x**0 * y, (2.0, math.inf), (math.inf, 0.0, 1.0)),
        ("a**b at b = 0", lambda a, b: (a**b) * math.inf, (-3.0, 0.0), (math.inf, 0.0, math.nan)),
        ("sigmoid(nan)", lambda x: x.sigmoid(), (math.nan,), (math.nan, math.nan)),
        # x gets three contributions, added as the engine adds them, the last node's first:
        # (−1e16 + 1e16) + 1 = 1, where the order of creation gives (1 + 1e16) − 1e16 = 0
        # (1e16 + 1 rounds to 1e16); the value, (2 + 2e16) − 2e16, is 0 the same way
        ("order of 3 adds", lambda x: x * 1.0 + x * 1e16 + x * -1e16, (2.0,), (0.0, 1.0)),
    ],
)
def test_edge_cases_by_hand(name: str, f: Any, xs: tuple[float, ...], expected: Any) -> None:
    eager, fast = _eager_and_fast(f, *xs)
    assert fast == eager == _bits(expected), name


@pytest.mark.parametrize("op", ["exp", "log", "tanh", "sigmoid"])
def test_numpy_kernels_agree_on_special_values_and_to_one_ulp(op: str) -> None:
    # exact=False: NumPy's vectorised exp, log and tanh (faster, not always the C library's
    # last bit): the special values exactly, the others within one unit in the last place.
    xs = [*EDGES, -5e-324, 1e-300, 709.0, 710.0, -745.0, 0.5, -2.5, 20.0, 1e300]
    xs += random.Random(op).sample(np.linspace(-30, 30, 10_001).tolist(), 200)
    eager = np.array([getattr(Value(x), op)().data for x in xs])
    step = trace(lambda x: getattr(x, op)(), 0.5)
    fast = step.forward(np.array(xs))[:, 0]
    special = ~np.isfinite(eager) | (eager == 0.0) | (np.abs(eager) == 1.0)
    assert _bits(fast[special]) == _bits(eager[special])
    finite = ~special
    assert np.all(np.abs(fast[finite] - eager[finite]) <= np.spacing(np.abs(eager[finite])))
    exact = trace(lambda x: getattr(x, op)(), 0.5, exact=True).forward(np.array(xs))[:, 0]
    assert _bits(exact) == _bits(eager)


def test_exact_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="exact must be True or False, got 'yes'"):
        trace(lambda x: x, 0.0, exact="yes")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# Compiling is linear in the graph's size (review 2026-12, Part C §5)
# ------------------------------------------------------------------------------------------------


def _best_of(repeat: int, work: Any) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return min(times)


def _timed(work: Any) -> tuple[float, Any]:
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def test_tracing_a_long_sum_takes_linear_time() -> None:
    """W6's L2 term, α·Σ p² over every weight, is one chain of additions. Fusing it into one
    n-ary sum walked the chain again from every '+' (n²/2 steps: 15 s at 4,417 weights, ~8
    minutes at 20,000). Now each node is visited a few times: measured against the eager
    forward and backward of the same function, so a loaded machine slows both alike."""
    ps = [Value(math.sin(i), label=f"p{i}") for i in range(20_000)]

    def l2() -> Value:
        return 1e-4 * sum(p * p for p in ps)  # type: ignore[return-value]

    eager = _best_of(3, lambda: l2().backward())
    elapsed, step = _timed(lambda: trace(l2))
    assert elapsed < 100 * eager + 1.0, (elapsed, eager)  # 13x here; quadratic would be ~10,000x
    for p in ps:
        p.grad = 0.0
    total = step()
    assert total == pytest.approx(1e-4 * math.fsum(p.data * p.data for p in ps), rel=1e-12)
    assert all(p.grad == 2e-4 * p.data for p in ps[:100])  # ∂(α p²)/∂p = 2αp, by hand


def test_tracing_wide_neurons_and_many_outputs_takes_linear_time() -> None:
    """micrograd's neuron, Σ wᵢxᵢ + b as a chain of additions, was n^1.5 (a chain of H per
    neuron, H² neurons' worth of walking: 3.2 s for MLP(2, [128, 128, 1])); and a function
    with K outputs sorted the shared graph once per output (K·n)."""
    rng = random.Random(5)
    width = 200
    ws = [[Value(rng.uniform(-1, 1)) for _ in range(width)] for _ in range(width)]
    first = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(width)]

    def net(x: list[Value]) -> list[Value]:
        h = [sum((w * xi for w, xi in zip(row, x)), Value(0.0)).relu() for row in first]
        return [sum((w * hi for w, hi in zip(row, h)), Value(0.0)) for row in ws]  # type: ignore[misc]

    def eager() -> None:
        out = net([Value(0.5), Value(-0.5)])
        sum(out, Value(0.0)).backward()

    reference = _best_of(3, eager)
    elapsed, step = _timed(lambda: trace(net, [0.5, -0.5]))
    assert elapsed < 40 * reference + 0.5, (elapsed, reference)  # 12x here; n^1.5 was ~30x more
    assert step.n_outputs == width
    x = np.array([[0.5, -0.5], [1.0, 2.0]])
    expected = [[v.data for v in net([Value(a), Value(b)])] for a, b in x]
    _close(list(step.forward(x).ravel()), list(np.ravel(expected)))


def test_tracing_a_deep_chain_does_not_recurse() -> None:
    # 60,000 operations deep: any recursion over the graph would hit Python's limit
    def chain(x: Value) -> Value:
        for _ in range(20_000):
            x = (x * 1.0001 + 0.0001).tanh()
        return x

    step = trace(chain, 0.3, exact=True)  # the C library's tanh, as the engine: bit for bit
    value = step.forward(np.array([0.3, -0.7]))
    assert list(value[:, 0]) == [chain(Value(0.3)).data, chain(Value(-0.7)).data]
