"""The engine's contract at its edges: IEEE-754 results, bad input, modes, repr.

The IEEE expectations are the values the standard (and PyTorch, checked in
test_engine_torch.py) gives: exp overflows to inf, log(0) = -inf, log of a negative is nan,
x/0 = ±inf, 0/0 = nan. Nothing here may raise from Python's `math` module mid-computation.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp.engine import (
    AnomalyError,
    Value,
    detect_anomaly,
    is_grad_enabled,
    no_grad,
    role,
    weighted_sum,
)

INF = math.inf


def _same(got: float, want: float) -> bool:
    """Equal as IEEE values: nan matches nan, and the sign of inf matters."""
    return (math.isnan(got) and math.isnan(want)) or got == want


def _forward_and_grad(op: str, *args: float) -> tuple[float, list[float]]:
    """Apply ``op`` to leaves holding ``args``; return the output and the leaves' gradients."""
    leaves = [Value(a) for a in args]
    fns = {
        "exp": lambda a: a.exp(),
        "log": lambda a: a.log(),
        "tanh": lambda a: a.tanh(),
        "sigmoid": lambda a: a.sigmoid(),
        "relu": lambda a: a.relu(),
        "/": lambda a, b: a / b,
        "**": lambda a, b: a**b,
    }
    out = fns[op](*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


# ------------------------------------------------------------------------------------------------
# IEEE-754 semantics: inf and nan, never an exception
# ------------------------------------------------------------------------------------------------

# (op, inputs, expected output, expected input gradients), each worked out from the definitions.
IEEE_CASES = [
    ("exp", (1000.0,), INF, [INF]),  # e^1000 overflows; so does its derivative e^1000
    ("exp", (-1000.0,), 0.0, [0.0]),  # underflows to 0
    ("log", (0.0,), -INF, [INF]),  # ln 0 = -inf, d/da = 1/0 = +inf
    ("log", (-1.0,), math.nan, [-1.0]),  # ln of a negative is nan; 1/a is still -1
    ("sigmoid", (-1000.0,), 0.0, [0.0]),  # σ(-1000) = e^-1000/(1+e^-1000) underflows to 0
    ("sigmoid", (1000.0,), 1.0, [0.0]),  # σ(1000) rounds to 1, σ(1-σ) = 0
    ("tanh", (1000.0,), 1.0, [0.0]),
    ("tanh", (-1000.0,), -1.0, [0.0]),
    ("relu", (0.0,), 0.0, [0.0]),  # relu'(0) = 0, the PyTorch convention
    ("relu", (math.nan,), math.nan, [1.0]),  # nan <= 0 is false: slope 1 (PyTorch)
    ("/", (1.0, 0.0), INF, [INF, -INF]),  # d/db (a/b) = -a/b² = -inf
    ("/", (-1.0, 0.0), -INF, [INF, INF]),
    ("/", (0.0, 0.0), math.nan, [INF, math.nan]),
    ("/", (0.0, 5e-324), 0.0, [INF, -0.0]),  # d/db = -(a/b)/b = -0: no 0·inf = nan
    ("**", (0.0, -1.0), INF, [-INF, -INF]),  # 0⁻¹ = 1/0; d/da = -1·0⁻² = -inf; aᵇ·ln a = -inf
    ("**", (10.0, 400.0), INF, [INF, INF]),  # 10^400 overflows a double (max ≈ 1.8e308)
    ("**", (-10.0, 401.0), -INF, [INF, math.nan]),  # odd power keeps the sign; ln(-10) = nan
    ("**", (-8.0, 1.0 / 3.0), math.nan, [math.nan, math.nan]),  # real cube root is not pow
    ("**", (-10.0, 400.5), math.nan, [math.nan, math.nan]),  # fractional power of a negative
    ("**", (0.0, 0.0), 1.0, [0.0, 0.0]),  # 0⁰ = 1; both derivatives taken as 0 (PyTorch)
    ("**", (0.0, 2.0), 0.0, [0.0, 0.0]),  # d/db aᵇ·ln a is 0·(-inf): taken as 0 (PyTorch)
]


@pytest.mark.parametrize(("op", "args", "out", "grads"), IEEE_CASES)
def test_ieee_values_never_raise(
    op: str, args: tuple[float, ...], out: float, grads: list[float]
) -> None:
    got, got_grads = _forward_and_grad(op, *args)
    assert _same(got, out), f"{op}{args} = {got}, expected {out}"
    for i, (g, want) in enumerate(zip(got_grads, grads)):
        assert _same(g, want), f"d {op}{args} / d input {i} = {g}, expected {want}"


def test_constant_exponents_follow_ieee() -> None:
    # A plain-number exponent takes the "**n" path, with its own derivative n·aⁿ⁻¹.
    assert (Value(0.0) ** -1).data == INF
    assert (Value(-0.0) ** -1).data == -INF  # 1/(-0) keeps the sign of the zero
    assert (Value(0.0) ** -2).data == INF
    assert (Value(10.0) ** 1000).data == INF
    assert math.isnan((Value(-2.0) ** 0.5).data)
    assert math.isnan((Value(-1e10) ** 100.5).data)  # overflow of a complex power is still nan
    x = Value(0.0)
    y = x**0.5
    y.backward()
    assert (y.data, x.grad) == (0.0, INF)  # d√a/da = 1/(2√a) at 0
    x = Value(5.0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


def test_overflowing_products_and_sums_give_inf() -> None:
    big = Value(1e308)
    assert (big * 10).data == INF
    assert (big + big).data == INF
    assert (-big - big).data == -INF
    assert (big / 1e-308).data == INF
    assert math.isnan(((big * 10) - (big * 10)).data)


def test_nan_propagates_through_every_op() -> None:
    nan = Value(math.nan)
    for y in (
        nan + 1,
        nan * 2,
        nan / 2,
        nan**2,
        2**nan,
        nan.exp(),
        nan.log(),
        nan.tanh(),
        nan.sigmoid(),
        nan.relu(),
    ):
        assert math.isnan(y.data), y._op


# ------------------------------------------------------------------------------------------------
# Bad input and coercion
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [("3", "str"), (None, "NoneType"), ([1], "list"), (1 + 2j, "complex"), (b"1", "bytes")],
)
def test_value_rejects_non_real_data(bad: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_with_edges_needs_one_local_derivative_per_input() -> None:
    a, b = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"2 inputs \(_prev\) and 1 local derivatives"):
        Value(3.0, "", (a, b), (1.0,), "+")


def test_value_with_edges_checks_inputs_and_local_derivatives() -> None:
    a = Value(1.0)
    with pytest.raises(TypeError, match=r"input 1 in _prev must be a Value, got float: 2\.0"):
        Value(3.0, "", (a, 2.0), (1.0, 1.0), "+")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"_local must be real numbers, got str: '1'"):
        Value(3.0, "", (a,), ("1",), "neg")  # type: ignore[arg-type]
    out = Value(3.0, "", [a], [2], "twice")  # lists and ints are fine: stored as tuple, float
    assert out._prev == (a,) and out._local == (2.0,) and type(out._local[0]) is float


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5])
def test_edges_given_to_value_read_back_and_carry_gradients(n: int) -> None:
    # Value(...) with explicit edges, as a user-defined op builds its output: any number of
    # inputs is stored and read back as the tuples _prev and _local, and backward uses them.
    inputs = tuple(Value(float(i)) for i in range(n))
    local = tuple(0.5 * (i + 1) for i in range(n))
    out = Value(1.0, "out", inputs, local, "mine")
    assert out._prev == inputs and out._local == local and out.is_leaf == (n == 0)
    out.backward()
    assert [v.grad for v in inputs] == list(local)


def test_value_rejects_non_string_label() -> None:
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "make",
    [
        lambda: Value(1) + "a",
        lambda: "a" * Value(1),
        lambda: Value(1) * "a",
        lambda: "a" + Value(1),
        lambda: Value(1) - None,
        lambda: None / Value(1),
        lambda: Value(1) ** "2",
        lambda: "2" ** Value(1),
        lambda: Value(1) + [1],  # noqa: RUF005 (the TypeError is the point)
        lambda: Value(1) * (1 + 2j),
    ],
)
def test_operations_reject_non_numbers(make: object) -> None:
    with pytest.raises(TypeError):
        make()  # type: ignore[operator]


def test_real_numbers_are_coerced_to_python_float() -> None:
    for raw, want in (
        (3, 3.0),
        (True, 1.0),
        (Fraction(1, 4), 0.25),
        (np.float32(1.5), 1.5),
        (np.float64(2.5), 2.5),
        (np.int64(7), 7.0),
        (np.bool_(True), 1.0),
    ):
        v = Value(raw)  # type: ignore[arg-type]
        assert type(v.data) is float, type(raw)
        assert v.data == want
        assert type(v.grad) is float


def test_numpy_scalars_on_either_side_give_values() -> None:
    for y in (
        np.float64(2) * Value(3),
        Value(3) * np.float64(2),
        np.float32(2) + Value(4),
        np.int64(8) - Value(2),
        np.float64(12) / Value(2),
    ):
        assert isinstance(y, Value), type(y)
        assert type(y.data) is float
        assert y.data == 6.0
    y = np.float64(2) ** Value(3.0)
    assert isinstance(y, Value) and y.data == 8.0


def test_numbers_on_either_side_become_constant_leaves() -> None:
    x = Value(2.0, label="x")
    for y, const_index in ((x * 3, 1), (3 * x, 0), (x - 3, 1), (3 - x, 0), (3 / x, 0)):
        const = y._prev[const_index]
        assert role(const) == "const" and const._op == "" and const.data == 3.0 and not const._prev
    assert (x - 3).data == -1.0 and (3 - x).data == 1.0
    assert (x / 4).data == 0.5 and (4 / x).data == 2.0


def test_weighted_sum_rejects_weights_and_bias_that_are_not_values() -> None:
    with pytest.raises(TypeError, match=r"weight 1 must be a Value, got float: 2\.0"):
        weighted_sum([Value(1.0), 2.0], [1.0, 2.0], Value(0.0))  # type: ignore[list-item]
    with pytest.raises(TypeError, match=r"bias must be a Value, got int: 0"):
        weighted_sum([Value(1.0)], [1.0], 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="str"):
        weighted_sum([Value(1.0)], ["x"], Value(0.0))  # type: ignore[list-item]


def test_weighted_sum_rejects_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match=r"\(3\), got 2"):
        weighted_sum([Value(1.0)] * 3, [1.0, 2.0], Value(0.0))


# ------------------------------------------------------------------------------------------------
# no_grad and detect_anomaly
# ------------------------------------------------------------------------------------------------


def test_no_grad_records_no_graph_and_restores_the_mode() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        ys = [x + 1, x * x, x**2, x**x, x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu(), -x]
        ys.append(weighted_sum([x], [x], x))
    assert is_grad_enabled()
    for y in ys:
        assert y._prev == () and y._local == ()
    assert ys[1].data == 4.0
    # a graph built after the block records again
    assert (x * x)._prev == (x, x)


def test_no_grad_restores_the_mode_after_an_exception() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()
    assert (Value(1.0) + 1)._prev != ()


def test_detect_anomaly_names_the_op_inputs_and_labels() -> None:
    x = Value(0.0, label="x")
    with pytest.raises(AnomalyError) as info, detect_anomaly():
        x.log()
    message = str(info.value)
    assert "'log'" in message and "'x'" in message and "0.0" in message and "-inf" in message


def test_detect_anomaly_in_an_op_with_two_labelled_inputs() -> None:
    a, b = Value(1.0, label="numerator"), Value(0.0, label="denominator")
    with pytest.raises(AnomalyError) as info, detect_anomaly():
        a / b
    message = str(info.value)
    for part in ("'/'", "'numerator'", "'denominator'", "1.0", "inf"):
        assert part in message, (part, message)


def test_detect_anomaly_stops_at_the_first_non_finite_value() -> None:
    x = Value(1000.0, label="big")
    with pytest.raises(AnomalyError, match="'exp'") as info, detect_anomaly():
        y = x.exp()  # the first inf: raised here, not at the later log
        y.log()
    assert "'big' = 1000.0" in str(info.value)


def test_detect_anomaly_in_backward_names_the_op() -> None:
    x = Value(0.0, label="x")
    y = x**0.5  # finite forward (0.0) but infinite derivative at 0
    y.label = "root"
    with pytest.raises(AnomalyError) as info, detect_anomaly():
        y.backward()
    message = str(info.value)
    assert "'**0.5'" in message and "'x'" in message and "'root'" in message


def test_detect_anomaly_is_quiet_for_finite_graphs_and_restores_the_mode() -> None:
    a, b = Value(2.0), Value(3.0)
    with detect_anomaly():
        y = (a * b).tanh() + a.log()
        y.backward()
    assert a.grad == pytest.approx(3 * (1 - math.tanh(6.0) ** 2) + 0.5, rel=1e-12)
    assert (Value(0.0).log()).data == -INF  # outside the block: no exception


# Selecting ops and the sign of zero, as PyTorch 2.13 gives them (values checked against torch
# by hand; tests/test_engine_torch.py compares random trees)


def test_relu_passes_zero_not_zero_times_an_infinite_upstream() -> None:
    # PyTorch's threshold_backward selects: where(x <= 0, 0, g). 0·(-inf) would be nan.
    x = Value(-1.0)
    y = x.relu().log()  # log(0) = -inf, d/d(relu) = 1/0 = inf
    y.backward()
    assert y.data == -INF and x.grad == 0.0
    # ...and the nan no longer spreads into the other paths that share the input
    x = Value(-1.0)
    (x.relu().log() + 2.0 * x).backward()
    assert x.grad == 2.0


@pytest.mark.parametrize("upstream", [INF, -INF, math.nan, -2.0, -0.0])
def test_masked_relu_and_x_pow_0_give_exactly_plus_zero(upstream: float) -> None:
    for f in (lambda v: v.relu(), lambda v: v**0, lambda v: v**0.0):
        for x0 in (-1.0, 0.0, -0.0):
            x = Value(x0)
            x.grad = -0.0  # "no gradient yet": the contribution itself is what remains
            (f(x) * upstream).backward()
            assert math.copysign(1.0, x.grad) == 1.0 and x.grad == 0.0, (x0, upstream)


def test_value_exponent_zero_selects_for_the_base_only() -> None:
    # PyTorch: d/da of a**b is where(b == 0, 0, g·b·a^(b-1)); d/db multiplies: g·aᵇ·ln a
    a, b = Value(3.0), Value(0.0)
    (a**b * INF).backward()
    assert a.grad == 0.0 and b.grad == INF


def test_multiplying_by_zero_still_gives_nan_for_an_infinite_upstream() -> None:
    # x * 0.0 is not a selection: PyTorch computes g·0 = nan for g = inf, and so do we
    x = Value(3.0)
    (x * 0.0 * INF).backward()
    assert math.isnan(x.grad)
    x = Value(-1.0)
    ((x * 0.0).tanh() * INF).backward()  # tanh'(0) = 1, then 0·inf
    assert math.isnan(x.grad)


def test_relu_of_minus_zero_is_minus_zero() -> None:
    r = Value(-0.0).relu()
    assert math.copysign(1.0, r.data) == -1.0
    assert (1 / r).data == -INF  # as 1/relu(-0.0) in PyTorch
    assert math.copysign(1.0, Value(-3.0).relu().data) == 1.0  # relu(-3) = +0.0
    assert math.copysign(1.0, Value(0.0).relu().data) == 1.0


@pytest.mark.parametrize(
    ("x", "p", "value", "grad"),
    [  # torch.tensor(x, dtype=torch.float64, requires_grad=True) ** p, then .backward()
        (-0.0, 0.5, -0.0, -INF),
        (-INF, 0.5, math.nan, math.nan),
        (-0.0, -0.5, -INF, -INF),
        (-INF, -0.5, math.nan, -0.0),
        (0.0, 0.5, 0.0, INF),
        (INF, 0.5, INF, 0.0),
        (INF, -0.5, 0.0, -0.0),
        (4.0, -0.5, 0.5, -0.0625),
    ],
)
def test_square_roots_at_zero_and_infinity_as_pytorch(
    x: float, p: float, value: float, grad: float
) -> None:
    v = Value(x)
    v.grad = -0.0
    y = v**p
    y.backward()
    for got, want in ((y.data, value), (v.grad, grad)):
        if math.isnan(want):
            assert math.isnan(got)
        else:
            assert got == want and math.copysign(1.0, got) == math.copysign(1.0, want)


def test_a_minus_zero_gradient_stays_minus_zero() -> None:
    # PyTorch assigns the first contribution; we start each computed Value at -0.0, the
    # neutral element of +, which gives the same bits
    x = Value(1.0)
    t = x * 1.0
    y = t * -0.0 + t * -0.0
    y.backward()
    assert t.grad == 0.0 and math.copysign(1.0, t.grad) == -1.0  # -0 + -0 = -0
    # a leaf's running sum starts at +0.0 (its .grad before any backward), so there the sum
    # is +0.0; starting the leaf at -0.0 ("no gradient yet") gives PyTorch's -0.0
    assert math.copysign(1.0, x.grad) == 1.0 and math.copysign(1.0, Value(2.0).grad) == 1.0
    x.grad = -0.0
    y.backward()
    assert math.copysign(1.0, x.grad) == -1.0


def test_detect_anomaly_backward_also_selects() -> None:
    x = Value(-1.0)
    y = x.relu().log()
    with pytest.raises(AnomalyError, match="'log'"), detect_anomaly():
        y.backward()  # the inf coming down from log is still reported
    x = Value(-1.0)
    x.grad = -0.0
    with detect_anomaly():
        (x.relu() * -2.0).backward()
    assert math.copysign(1.0, x.grad) == 1.0  # selected +0, where 0·(-2) would be -0


# Modes are per thread (review fault D1): the reproducers of ../shared/reviews/reliability-review.md


def _in_thread(target: Callable[[], None]) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive()
    if errors:
        raise errors[0]


def test_overlapping_no_grad_blocks_in_two_threads_leave_recording_on() -> None:
    # A enters, B enters, A leaves, B leaves: before, B restored the "off" it saw on entry
    # and every later gradient in the process was silently 0.0.
    a, b, c = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with no_grad():
            a.set()
            assert b.wait(10)
        c.set()

    def second() -> None:
        assert a.wait(10)
        with no_grad():
            b.set()
            assert c.wait(10)

    threads = [threading.Thread(target=f) for f in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    x = Value(3.0)
    (x * x).backward()
    assert is_grad_enabled() and x.grad == 6.0


def test_gradients_in_one_thread_while_another_loops_in_no_grad() -> None:
    stop = threading.Event()
    inside = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with no_grad():
                inside.set()
                Value(1.0) * 2

    t = threading.Thread(target=loop)
    t.start()
    try:
        assert inside.wait(10)
        for _ in range(300):
            x = Value(3.0)
            (x * x + x.relu()).backward()
            assert x.grad == 7.0
            assert is_grad_enabled()
    finally:
        stop.set()
        t.join(timeout=30)


def test_anomaly_in_one_thread_does_not_raise_in_another() -> None:
    stop, inside = threading.Event(), threading.Event()

    def loop() -> None:
        while not stop.is_set():
            with detect_anomaly():
                inside.set()
                Value(1.0) + 1

    t = threading.Thread(target=loop)
    t.start()
    try:
        assert inside.wait(10)
        for _ in range(300):
            assert Value(0.0).log().data == -INF  # no AnomalyError in this thread
    finally:
        stop.set()
        t.join(timeout=30)


def test_a_new_thread_starts_with_grad_on_and_anomaly_off() -> None:
    seen: list[object] = []

    def look() -> None:
        seen.append(is_grad_enabled())
        x = Value(2.0)
        seen.append((x * x)._prev == (x, x))
        seen.append(Value(0.0).log().data)  # no AnomalyError

    with no_grad(), detect_anomaly():
        _in_thread(look)
        assert not is_grad_enabled()
    assert seen == [True, True, -INF]
    assert is_grad_enabled()


def test_is_grad_enabled_is_exported() -> None:
    import autograd_mlp

    assert autograd_mlp.is_grad_enabled is is_grad_enabled
    assert "is_grad_enabled" in autograd_mlp.__all__


# ------------------------------------------------------------------------------------------------
# repr and identity
# ------------------------------------------------------------------------------------------------


def test_repr_shows_data_grad_and_label() -> None:
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    v = Value(-1.5, label="w1")
    v.grad = 0.25
    assert repr(v) == "Value(data=-1.5, grad=0.25, label='w1')"


def test_values_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert len({a, b}) == 2  # equal data, two distinct nodes
    assert a in {a} and b not in {a}


# ------------------------------------------------------------------------------------------------
# No exception from any float, inf and nan included
# ------------------------------------------------------------------------------------------------

ALL_OPS: list[tuple[str, Callable[[Value, Value], Value]]] = [
    ("+", lambda a, b: a + b),
    ("-", lambda a, b: a - b),
    ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / b),
    ("rdiv", lambda a, b: 1.0 / a),
    ("**", lambda a, b: a**b),
    ("**const", lambda a, b: a**b.data),
    ("rpow", lambda a, b: a.data**b),
    ("neg", lambda a, b: -a),
    ("exp", lambda a, b: a.exp()),
    ("log", lambda a, b: a.log()),
    ("tanh", lambda a, b: a.tanh()),
    ("sigmoid", lambda a, b: a.sigmoid()),
    ("relu", lambda a, b: a.relu()),
    ("weighted_sum", lambda a, b: weighted_sum([a, b], [b, 2.0], a)),
]


@settings(max_examples=60, deadline=None)
@given(
    op=st.sampled_from(ALL_OPS),
    a=st.floats(),
    b=st.floats(),
)
def test_no_op_raises_on_any_float(
    op: tuple[str, Callable[[Value, Value], Value]], a: float, b: float
) -> None:
    x, y = Value(a), Value(b)
    out = op[1](x, y)
    out.backward()
    for v in (out, x, y):
        assert type(v.data) is float and type(v.grad) is float, op[0]
