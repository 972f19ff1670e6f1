"""Layer 1 of the engine tests: Hypothesis properties against central differences.

Every op is checked the same way: its forward against a plain-float reference written with
`math`, and the gradient `backward` produces against the central difference
(f(x+h) - f(x-h)) / 2h of that reference, in float64. The reference never touches the engine, so
a wrong local derivative cannot agree with it by construction.

Inputs are drawn away from kinks and singularities, where a derivative does not exist or the
difference quotient is meaningless: relu away from 0, log and pow bases positive, divisors away
from 0. (minitorch's test tables shift their inputs the same way.)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_mlp.engine import Value, weighted_sum
from autograd_mlp.engine.gradcheck import gradcheck

EXAMPLES = settings(max_examples=40, deadline=None)
H = 1e-6  # central-difference step: truncation O(h²) and rounding O(ε/h) both near 1e-10


def real(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


ANY = real(-5.0, 5.0)
POSITIVE = real(0.05, 5.0)  # log and pow bases: ln a needs a > 0
AWAY_FROM_ZERO = real(0.1, 5.0) | real(-5.0, -0.1)  # divisors, and relu off its kink
EXPONENT = real(-3.0, 3.0)


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


@dataclass(frozen=True)
class Op:
    """One row of the table: the op on Values, the same function on floats, its domain."""

    name: str
    on_values: Callable[..., Value]
    on_floats: Callable[..., float]
    domain: tuple[st.SearchStrategy[float], ...]


OPS = [
    Op("a + b", lambda a, b: a + b, lambda a, b: a + b, (ANY, ANY)),
    Op("a + 2.5", lambda a: a + 2.5, lambda a: a + 2.5, (ANY,)),
    Op("2.5 + a", lambda a: 2.5 + a, lambda a: 2.5 + a, (ANY,)),
    Op("a - b", lambda a, b: a - b, lambda a, b: a - b, (ANY, ANY)),
    Op("a - 2.5", lambda a: a - 2.5, lambda a: a - 2.5, (ANY,)),
    Op("2.5 - a", lambda a: 2.5 - a, lambda a: 2.5 - a, (ANY,)),
    Op("a * b", lambda a, b: a * b, lambda a, b: a * b, (ANY, ANY)),
    Op("a * -1.5", lambda a: a * -1.5, lambda a: a * -1.5, (ANY,)),
    Op("-1.5 * a", lambda a: -1.5 * a, lambda a: -1.5 * a, (ANY,)),
    Op("a / b", lambda a, b: a / b, lambda a, b: a / b, (ANY, AWAY_FROM_ZERO)),
    Op("a / 4", lambda a: a / 4, lambda a: a / 4, (ANY,)),
    Op("4 / a", lambda a: 4 / a, lambda a: 4 / a, (AWAY_FROM_ZERO,)),
    Op("-a", lambda a: -a, lambda a: -a, (ANY,)),
    Op("a ** 2", lambda a: a**2, lambda a: a**2, (ANY,)),
    Op("a ** 3", lambda a: a**3, lambda a: a**3, (ANY,)),
    Op("a ** -1", lambda a: a**-1, lambda a: a**-1, (AWAY_FROM_ZERO,)),
    Op("a ** 0.5", lambda a: a**0.5, lambda a: math.sqrt(a), (POSITIVE,)),
    Op("a ** -2.5", lambda a: a**-2.5, lambda a: a**-2.5, (POSITIVE,)),
    Op("a ** b", lambda a, b: a**b, lambda a, b: math.exp(b * math.log(a)), (POSITIVE, EXPONENT)),
    Op("2 ** b", lambda b: 2**b, lambda b: math.exp(b * math.log(2.0)), (EXPONENT,)),
    Op("exp", lambda a: a.exp(), math.exp, (ANY,)),
    Op("log", lambda a: a.log(), math.log, (POSITIVE,)),
    Op("tanh", lambda a: a.tanh(), math.tanh, (ANY,)),
    Op("sigmoid", lambda a: a.sigmoid(), _sigmoid, (real(-20.0, 20.0),)),
    Op("relu", lambda a: a.relu(), lambda a: max(a, 0.0), (AWAY_FROM_ZERO,)),
]


def _central_differences(f: Callable[..., float], xs: Sequence[float]) -> list[float]:
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += H
        down[i] -= H
        grads.append((f(*up) - f(*down)) / (2 * H))
    return grads


def _close(analytic: float, numeric: float, scale: float) -> bool:
    # Rounding in f(x±h) costs about ε·|f|/h ≈ 1e-10·|f|; allow 1e-6 of the function's scale.
    return abs(analytic - numeric) <= 1e-6 * max(1.0, scale) + 1e-6 * abs(numeric)


def _check_op(op: Op, xs: list[float]) -> None:
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    out = op.on_values(*leaves)
    want = op.on_floats(*xs)
    assert out.data == pytest.approx(want, rel=1e-14, abs=1e-300), f"{op.name} forward at {xs}"
    out.backward()
    numeric = _central_differences(op.on_floats, xs)
    for i, (leaf, num) in enumerate(zip(leaves, numeric)):
        assert _close(leaf.grad, num, abs(want)), (
            f"{op.name} at {xs}: d/dx{i} analytic {leaf.grad!r}, central difference {num!r}"
        )


@pytest.mark.parametrize("op", OPS, ids=[op.name for op in OPS])
@EXAMPLES
@given(data=st.data())
def test_op_gradient_matches_central_differences(op: Op, data: st.DataObject) -> None:
    xs = [data.draw(domain, label=f"x{i}") for i, domain in enumerate(op.domain)]
    _check_op(op, xs)


@EXAMPLES
@given(
    n=st.integers(min_value=1, max_value=6),
    data=st.data(),
)
def test_weighted_sum_matches_central_differences(n: int, data: st.DataObject) -> None:
    # z = Σ wᵢxᵢ + b as one node; the reference is the same sum over floats.
    xs = data.draw(st.lists(ANY, min_size=2 * n + 1, max_size=2 * n + 1), label="w, x, b")

    def on_values(*v: Value) -> Value:
        return weighted_sum(v[0 : 2 * n : 2], v[1 : 2 * n : 2], v[-1])

    def on_floats(*v: float) -> float:
        # in the engine's documented order, ((b + w₁x₁) + w₂x₂) + ...: a different order
        # rounds differently, by more than the 1e-14 asked below when the terms cancel
        total = v[-1]
        for i in range(n):
            total += v[2 * i] * v[2 * i + 1]
        return total

    _check_op(Op("weighted_sum", on_values, on_floats, ()), xs)


def test_weighted_sum_adds_in_the_documented_order() -> None:
    # Found by Hypothesis: w = (1.4654513806926381, 3.0), x = (-4.25, 3.0), b = -2.75. The sum
    # nearly cancels, so the order of the additions shows in the last digits:
    # ((b + w₁x₁) + w₂x₂) is what the engine (and micrograd's sum(..., b)) computes.
    w1, x1, w2, x2, b = 1.4654513806926381, -4.25, 3.0, 3.0, -2.75
    z = weighted_sum([Value(w1), Value(w2)], [Value(x1), Value(x2)], Value(b))
    assert z.data == (b + w1 * x1) + w2 * x2
    assert z.data != b + (w1 * x1 + w2 * x2)  # the other order: a different float


# ------------------------------------------------------------------------------------------------
# Random composite expressions, checked with the public gradcheck
# ------------------------------------------------------------------------------------------------

# Each step reads one or two earlier values of the pool (by index) and appends its result.
# Unsafe inputs are made safe by construction: divisors and log/pow bases are u² + c > 0.
STEP_KINDS = ("+", "-", "*", "/", "neg", "**2", "**v", "exp", "log", "tanh", "sigmoid", "relu")
Step = tuple[str, int, int]


def _run_program(
    program: Sequence[Step], inputs: Sequence[Value], relu_args: list[float] | None = None
) -> Value:
    pool = list(inputs)
    for kind, i, j in program:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if kind == "+":
            out = a + b
        elif kind == "-":
            out = a - b
        elif kind == "*":
            out = a * b
        elif kind == "/":
            out = a / (b * b + 1.0)
        elif kind == "neg":
            out = -a
        elif kind == "**2":
            out = a**2
        elif kind == "**v":
            out = (a * a + 0.5) ** b.tanh()
        elif kind == "exp":
            out = a.tanh().exp()
        elif kind == "log":
            out = (a * a + 0.1).log()
        elif kind == "tanh":
            out = a.tanh()
        elif kind == "sigmoid":
            out = a.sigmoid()
        else:  # relu
            if relu_args is not None:
                relu_args.append(a.data)
            out = a.relu()
        pool.append(out)
    # Sum the last few values so that most of the program reaches the root.
    return sum(pool[-3:], Value(0.0))


programs = st.lists(
    st.tuples(st.sampled_from(STEP_KINDS), st.integers(0, 20), st.integers(0, 20)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(program=programs, xs=st.lists(real(-2.0, 2.0), min_size=1, max_size=4))
def test_random_expressions_pass_gradcheck(program: list[Step], xs: list[float]) -> None:
    relu_args: list[float] = []
    root = _run_program(program, [Value(x) for x in xs], relu_args)
    # Off relu's kink, and small enough for a difference quotient to keep its digits.
    assume(all(abs(r) > 1e-3 for r in relu_args))
    assume(math.isfinite(root.data) and abs(root.data) < 1e6)
    assert gradcheck(lambda *v: _run_program(program, v), xs)


def test_gradcheck_table_catches_a_wrong_derivative() -> None:
    # The check above must be able to fail: a program whose "gradient" we corrupt is rejected.
    x = Value(0.7)
    y = x.tanh()
    y._da = 0.5  # its one edge's local derivative; the true one is 1 - tanh²(0.7) ≈ 0.6347
    assert y._local == (0.5,)
    y.backward()
    numeric = _central_differences(math.tanh, [0.7])[0]
    assert not _close(x.grad, numeric, abs(y.data))
