"""Gradients of gradients: the functional API's contract, the rules' single source, exact higher
derivatives by hand, and gradgradcheck on every op (Hypothesis vs central differences).

Hand derivations (any calculus text; e.g. Spivak, *Calculus*, ch. 10 and 18):
  (x³)' = 3x², (x³)'' = 6x, (x³)''' = 6
  tanh' = 1 − t², tanh'' = −2t(1 − t²), tanh''' = −2(1 − t²)(1 − 3t²)     (t = tanh x)
  σ' = s(1 − s), σ'' = s(1 − s)(1 − 2s), σ''' = s(1 − s)(1 − 6s + 6s²)     (s = σ(x))
  (ln x)' = 1/x, (ln x)'' = −1/x², (ln x)''' = 2/x³
  aᵇ: ∂²/∂a² = b(b − 1)aᵇ⁻², ∂²/∂a∂b = aᵇ⁻¹(1 + b ln a), ∂²/∂b² = aᵇ ln²a
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import (
    GradcheckError,
    Value,
    draw_graph,
    explain,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    hvp,
    register_rule,
    weighted_sum,
)
from autograd_mlp.engine import rule_for, topological_order, value
from autograd_mlp.engine.rules import POWER_KEY, SELECT, Divided, builtin_rules, number, rule_key
from autograd_mlp.engine.value import _stored as _stored_forms


def _derivatives(f: Callable[[Value], Value], x0: float, order: int) -> list[float]:
    """f', f'', ... at x0, each the grad of the previous one (create_graph=True)."""
    x = Value(x0)
    y = f(x)
    out = []
    for _ in range(order):
        (y,) = grad(y, x, create_graph=True)  # type: ignore[assignment]
        out.append(y.data)
    return out


# ------------------------------------------------------------------------------------------------
# The contract
# ------------------------------------------------------------------------------------------------


def test_grad_leaves_every_grad_untouched() -> None:
    a, b = Value(2.0), Value(-3.0)
    a.grad, b.grad = 5.0, 7.0
    c = a * b + a
    c.grad = 11.0
    da, db = grad(c, [a, b], create_graph=True)
    (dda,) = grad(da, a, allow_unused=True)
    assert (a.grad, b.grad, c.grad) == (5.0, 7.0, 11.0)
    assert isinstance(da, Value) and isinstance(db, Value)
    assert (da.data, db.data, dda) == (-2.0, 2.0, 0.0)


def test_second_derivative_is_not_spoiled_by_a_filled_grad() -> None:
    # The trap grad avoids: backward on a first derivative whose leaves still hold the first
    # pass's .grad adds the two (here 3x² = 12 on top of 6x = 12 at x = 2 would give 24).
    x = Value(2.0)
    y = x**3
    y.backward()
    assert x.grad == 12.0
    (dy,) = grad(y, x, create_graph=True)
    (d2y,) = grad(dy, x)
    assert (dy.data, d2y, x.grad) == (12.0, 12.0, 12.0)  # type: ignore[union-attr]


def test_one_value_or_a_sequence_gives_one_gradient_per_input() -> None:
    x, y = Value(1.5), Value(-0.5)
    z = x * y
    assert grad(z, x) == (-0.5,)
    assert grad(z, [x, y]) == (-0.5, 1.5)
    assert grad([z], (y,)) == (1.5,)


def test_several_outputs_are_summed_or_weighted() -> None:
    x = Value(3.0)
    u, v = x * x, x * 4.0
    assert grad([u, v], x) == (6.0 + 4.0,)
    assert grad([u, v], x, grad_outputs=[2.0, -1.0]) == (2.0 * 6.0 - 4.0,)
    assert grad(u, x, grad_outputs=0.5) == (3.0,)
    assert grad([u, u], x) == (12.0,)  # the same output twice counts twice, as in PyTorch


def test_input_not_in_graph_is_a_value_error_naming_it() -> None:
    x, z = Value(1.0, label="x"), Value(2.0, label="zeta")
    y = x * 3.0
    with pytest.raises(ValueError, match=r"inputs\[1\] \('zeta', data 2.0\) is not in the graph"):
        grad(y, [x, z])
    assert grad(y, [x, z], allow_unused=True) == (3.0, 0.0)
    (g,) = grad(y, z, create_graph=True, allow_unused=True)
    assert isinstance(g, Value) and g.data == 0.0 and g.is_leaf


def test_an_output_is_its_own_input() -> None:
    x = Value(4.0)
    assert grad(x, x) == (1.0,)
    y = x.tanh()
    assert grad(y, [y, x])[0] == 1.0


@pytest.mark.parametrize(
    ("call", "kind", "message"),
    [
        (lambda x: grad(1.0, x), TypeError, "outputs must be a Value"),  # type: ignore[arg-type]
        (lambda x: grad(x, []), ValueError, "inputs is empty"),
        (lambda x: grad(x, [x, 2.0]), TypeError, r"inputs\[1\] must be a Value, got float"),  # type: ignore[list-item]
        (lambda x: grad(x, x, grad_outputs=[1.0, 2.0]), ValueError, "one grad_outputs weight"),
        (lambda x: grad(x, x, grad_outputs=["a"]), TypeError, r"grad_outputs\[0\]"),  # type: ignore[list-item]
        (lambda x: grad(x, x, create_graph=1), TypeError, "True or False"),  # type: ignore[arg-type]
        (lambda x: hessian(2.0, [x]), TypeError, "output must be a Value"),  # type: ignore[arg-type]
        (lambda x: hvp(x * x, [x], [1.0, 2.0]), ValueError, "sequence of 1 numbers"),
    ],
)
def test_bad_arguments_say_what_was_expected(
    call: Callable[[Value], Any], kind: type[Exception], message: str
) -> None:
    with pytest.raises(kind, match=message):
        call(Value(1.0))


def test_create_graph_gradients_are_graphs_that_draw_and_explain() -> None:
    x = Value(0.5, label="x")
    (d1,) = grad(x.tanh(), x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    assert isinstance(d2, Value)
    d2.label = "second derivative"
    source = draw_graph(d2).source
    assert "second derivative" in source and "tanh" in source
    text = explain(d2, x)
    t = math.tanh(0.5)
    d3 = -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)
    d2.backward()
    assert x.grad == pytest.approx(d3, rel=1e-12)
    assert f"= {x.grad:.4f}".replace("-", "−") in text  # explain prints a true minus sign


def test_hessian_shape_symmetry_and_hvp() -> None:
    a, b, c = Value(0.3), Value(-1.2), Value(2.0)
    f = a * b * c + (a * c).tanh() + b**3
    h = hessian(f, [a, b, c])
    assert len(h) == 3 and all(len(row) == 3 for row in h)
    for i in range(3):
        for j in range(3):
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-12)
    assert h[1][1] == pytest.approx(6.0 * -1.2)  # ∂²/∂b² = 6b
    v = [0.5, -2.0, 1.0]
    assert hvp(f, [a, b, c], v) == pytest.approx(
        [sum(h[i][j] * v[j] for j in range(3)) for i in range(3)], rel=1e-12
    )
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)


# ------------------------------------------------------------------------------------------------
# Exact higher derivatives, by hand
# ------------------------------------------------------------------------------------------------


def test_x_cubed_through_third_order_exactly() -> None:
    assert _derivatives(lambda x: x**3, 2.0, 4) == [12.0, 12.0, 6.0, 0.0]
    assert _derivatives(lambda x: x * x * x, -1.5, 3) == [6.75, -9.0, 6.0]


def test_log_through_third_order_exactly() -> None:
    assert _derivatives(lambda x: x.log(), 2.0, 3) == [0.5, -0.25, 0.25]


@pytest.mark.parametrize("x0", [-2.0, -0.3, 0.0, 0.7, 3.0])
def test_tanh_through_third_order(x0: float) -> None:
    t = math.tanh(x0)
    want = [1 - t * t, -2 * t * (1 - t * t), -2 * (1 - t * t) * (1 - 3 * t * t)]
    assert _derivatives(lambda x: x.tanh(), x0, 3) == pytest.approx(want, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("x0", [-2.0, -0.3, 0.0, 0.7, 3.0])
def test_sigmoid_through_third_order(x0: float) -> None:
    s = 1.0 / (1.0 + math.exp(-x0))
    want = [s * (1 - s), s * (1 - s) * (1 - 2 * s), s * (1 - s) * (1 - 6 * s + 6 * s * s)]
    assert _derivatives(lambda x: x.sigmoid(), x0, 3) == pytest.approx(want, rel=1e-12, abs=1e-15)


def test_value_power_value_second_derivatives() -> None:
    a, b = Value(2.0), Value(3.0)
    h = hessian(a**b, [a, b])
    ln2 = math.log(2.0)
    assert h[0][0] == 12.0  # b(b − 1)aᵇ⁻² = 3·2·2
    assert h[0][1] == pytest.approx(4.0 * (1.0 + 3.0 * ln2), rel=1e-14)
    assert h[1][0] == pytest.approx(h[0][1], rel=1e-14)
    assert h[1][1] == pytest.approx(8.0 * ln2 * ln2, rel=1e-14)


def test_relu_and_power_zero_have_zero_second_derivative() -> None:
    # relu's derivative is relu′(g, relu(x)), as PyTorch's threshold_backward(g, result): a
    # graph over x, so its own derivatives are 0, not "not in the graph"
    assert _derivatives(lambda x: x.relu() * x.relu(), 1.5, 3) == [3.0, 2.0, 0.0]
    assert _derivatives(lambda x: x.relu() * x.relu(), -1.5, 3) == [0.0, 0.0, 0.0]
    # x**0's derivative is a constant 0 (PyTorch: zeros_like, which does not require grad):
    # differentiating it again is "not in the graph" unless allow_unused
    x = Value(3.0)
    (d1,) = grad(x**0, x, create_graph=True)
    assert d1.is_leaf and d1.data == 0.0  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="not in the graph"):
        grad(d1, x)
    assert grad(d1, x, allow_unused=True) == (0.0,)
    assert hessian(x**0 * x, [x]) == [[0.0]]
    assert _derivatives(lambda x: x**0 * x * x, 3.0, 2) == [6.0, 2.0]


# ------------------------------------------------------------------------------------------------
# One source: each rule, run on floats, gives the numbers the forward stored, bit for bit
# ------------------------------------------------------------------------------------------------


def _bits(x: float) -> bytes:
    """The 8 bytes of a double (so -0.0 differs from 0.0); every nan counts as one value."""
    return b"nan" if math.isnan(x) else struct.pack("<d", x)


def _stored(d: object) -> float:
    return number(d)  # type: ignore[arg-type]  # the number a local derivative stands for


UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "**0": lambda a: a**0,
    "**1": lambda a: a**1,
    "**2": lambda a: a**2,
    "**3": lambda a: a**3,
    "**-1": lambda a: a**-1,
    "**0.5": lambda a: a**0.5,
    "**-2.5": lambda a: a**-2.5,
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "Σwx+b": lambda a, b: weighted_sum([a, b], [b, a], a),
}
EDGES = [0.0, -0.0, 1.0, -1.0, 2.0, -2.5, 1000.0, -1000.0, 5e-324, 1e308, math.inf, -math.inf]
FLOATS = st.one_of(st.floats(), st.sampled_from([*EDGES, math.nan]))


def _form(d: object) -> tuple[str, bytes]:
    """A stored local derivative as comparable bits: a number, a select, or 1/x applied as g/x."""
    if isinstance(d, Divided):
        return ("g/x", _bits(d.x))  # type: ignore[arg-type]
    if d is SELECT:
        return ("select", b"")
    return ("number", _bits(d))  # type: ignore[arg-type]


def _check_rule(node: Value) -> None:
    rule = rule_for(node._op)
    assert rule is not None, node._op
    raw = rule(*[p.data for p in node._prev], node.data)
    got = tuple(_stored(d) for d in raw)
    assert [_bits(g) for g in got] == [_bits(s) for s in node._local], (node._op, got)
    # and the forms backward applies (a select, g/x) are the rule's too
    assert [_form(d) for d in raw] == [_form(d) for d in _stored_forms(node)], node._op


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(sorted(UNARY)), a=FLOATS)
def test_unary_rule_on_floats_is_the_stored_local_derivative(op: str, a: float) -> None:
    _check_rule(UNARY[op](Value(a)))


@settings(max_examples=300, deadline=None)
@given(op=st.sampled_from(sorted(BINARY)), a=FLOATS, b=FLOATS)
def test_binary_rule_on_floats_is_the_stored_local_derivative(op: str, a: float, b: float) -> None:
    _check_rule(BINARY[op](Value(a), Value(b)))


def test_every_built_in_op_has_a_rule() -> None:
    a, b = Value(0.7), Value(1.3)
    for f in UNARY.values():
        assert rule_for(f(a)._op) is not None
    for g in BINARY.values():
        assert rule_for(g(a, b)._op) is not None


def _every_op_the_engine_builds() -> list[str]:
    """The op names of a graph with every operation, and of its derivative graphs."""
    x, y, z = Value(0.7), Value(1.3), Value(-0.4)
    outs = [
        x + y, x - y, x * y, x / y, -x, x**y, x**2, x**0.5, x**-1, x**0,
        x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu(), z.relu(), Value(0.0).relu(),
        weighted_sum([x, y], [z, x], y), 2.0 + x, 2.0 - x, 2.0 * x, 2.0 / x, 2.0**x,
    ]  # fmt: skip
    # derivative graphs add relu's gate, tanh's 1 - t² and the mask of a**b at b = 0
    (dx,) = grad(x.relu() * x + x.tanh(), x, create_graph=True)
    (dz,) = grad(z ** Value(0.0), z, create_graph=True)
    seen = []
    for root in [*outs, dx, dz]:
        seen += [v._op for v in topological_order(root) if not v.is_leaf]  # type: ignore[arg-type]
    return seen


def test_every_op_the_engine_builds_has_exactly_one_entry_in_the_rule_table() -> None:
    table = builtin_rules()
    ops = _every_op_the_engine_builds()
    keys = {rule_key(op) for op in ops}
    assert "relu′" in keys and "1-x²" in keys and "masked" in keys and POWER_KEY in keys
    for op in ops:
        assert [k for k in table if k == rule_key(op)] == [rule_key(op)], op
        assert rule_for(op) is not None, op
    # and no entry is left over: the table is exactly the ops the engine builds
    assert keys == set(table), set(table) ^ keys


def _closure(method: Any) -> dict[str, Any]:
    return {n: c.cell_contents for n, c in zip(method.__code__.co_freevars, method.__closure__)}


def test_each_forward_calls_the_rule_of_the_table() -> None:
    # No second copy of a derivative: the method of each op holds the very rule of the table,
    # and where it skips the call (constants, or a·b's inputs swapped: found by calling the
    # rule once at import), the rule gives just that ...
    table = builtin_rules()
    methods = {
        "+": Value.__add__, "-": Value.__sub__, "*": Value.__mul__, "/": Value.__truediv__,
        "neg": Value.__neg__, "**": Value._pow_values, "exp": Value.exp, "log": Value.log,
        "tanh": Value.tanh, "sigmoid": Value.sigmoid, "relu": Value.relu,
        "1-x²": value.one_minus_square, "relu′": value.relu_gate, "masked": value.masked,
    }  # fmt: skip
    assert set(methods) | {POWER_KEY, "Σwx+b"} == set(table)
    skipped = {}
    for op, method in methods.items():
        cells = _closure(method)
        rule = cells["rule"]
        assert rule is table[op], op
        one_input = op in ("neg", "exp", "log", "tanh", "sigmoid", "relu", "1-x²", "masked")
        args = (1.5, 3.75) if one_input else (1.5, 2.5, 3.75)  # inputs, then the output
        if cells["constant"] is not None:
            skipped[op] = "constant"
            assert rule(*args) == cells["constant"], op
        if cells.get("swapped"):
            skipped[op] = "swapped"
            assert rule(*args) == (2.5, 1.5), op
    assert skipped == {
        "+": "constant", "-": "constant", "neg": "constant", "masked": "constant",
        "*": "swapped",
    }  # fmt: skip


def test_x_pow_n_and_the_weighted_sum_call_their_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # ... and x**n and the weighted sum, written out by hand, call theirs
    calls: list[str] = []
    power, locals_of = value._d_pow_number, value._weighted_sum_locals

    def spy_power(*args: Any, **kwargs: Any) -> Any:
        calls.append("**n")
        return power(*args, **kwargs)

    def spy_locals(*args: Any) -> Any:
        calls.append("Σwx+b")
        return locals_of(*args)

    monkeypatch.setattr(value, "_d_pow_number", spy_power)
    monkeypatch.setattr(value, "_weighted_sum_locals", spy_locals)
    x, y = Value(0.7), Value(1.3)
    assert (x**3)._local == (power(0.7, 0.7**3, n=3.0)[0],)
    assert weighted_sum([x], [y], x)._local == (1.3, 0.7, 1.0)
    assert calls == ["**n", "Σwx+b"]
    assert rule_for("Σwx+b")(0.7, 1.3, 0.7, 1.61) == (1.3, 0.7, 1.0)  # type: ignore[misc]
    assert calls == ["**n", "Σwx+b", "Σwx+b"]  # the table's entry is the same rule


# ------------------------------------------------------------------------------------------------
# An op of the user's own
# ------------------------------------------------------------------------------------------------


def _softplus(a: Value, op: str) -> Value:
    s = 1.0 / (1.0 + math.exp(-a.data))
    return Value(math.log1p(math.exp(a.data)), "", (a,), (s,), _op=op)


def test_user_op_without_rule_names_itself_when_differentiated_twice() -> None:
    x = Value(0.3)
    y = _softplus(x, "softplus_norule")
    assert grad(y, x) == (1.0 / (1.0 + math.exp(-0.3)),)  # first order: its floats suffice
    with pytest.raises(TypeError, match=r"op 'softplus_norule'.*register_rule"):
        grad(y, x, create_graph=True)
    with pytest.raises(TypeError, match="softplus_norule"):
        gradgradcheck(lambda a: _softplus(a, "softplus_norule"), [0.3])


def test_register_rule_makes_a_user_op_twice_differentiable() -> None:
    register_rule("softplus_ruled", lambda a, out: (a.sigmoid(),))
    assert gradgradcheck(
        lambda a: _softplus(a, "softplus_ruled") * a,
        [
            0.3,
        ][:1],
    )
    s = 1.0 / (1.0 + math.exp(-0.3))
    assert _derivatives(lambda a: _softplus(a, "softplus_ruled"), 0.3, 2) == pytest.approx(
        [s, s * (1 - s)], rel=1e-14
    )
    with pytest.raises(ValueError, match="built-in"):
        register_rule("tanh", lambda a, out: (a,))
    with pytest.raises(ValueError, match="built-in"):
        register_rule("**2", lambda a, out: (a,))
    with pytest.raises(TypeError, match="callable"):
        register_rule("softplus_bad", 3)  # type: ignore[arg-type]


def test_gradgradcheck_names_the_wrong_second_derivative() -> None:
    register_rule("softplus_wrong", lambda a, out: (a * 0.0 + 0.5,))  # wrong: ignores a
    with pytest.raises(GradcheckError) as err:
        gradgradcheck(lambda a, b: _softplus(a, "softplus_wrong") * b, [Value(0.3, "p"), 2.0])
    message = str(err.value)
    # the first-order check passes (floats are right), the second-order one names the entry
    assert gradcheck(lambda a, b: _softplus(a, "softplus_wrong") * b, [0.3, 2.0])
    assert "∂²f/∂x0² (input 0 ('p'))" in message or "∂²f/∂x0∂x1" in message
    assert "analytic second derivative" in message and "numeric" in message
    assert not gradgradcheck(
        lambda a, b: _softplus(a, "softplus_wrong") * b, [0.3, 2.0], raise_exception=False
    )


def test_gradgradcheck_validates_its_arguments() -> None:
    with pytest.raises(TypeError, match="callable"):
        gradgradcheck(3, [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="eps must be a positive number"):
        gradgradcheck(lambda a: a * a, [1.0], eps=0.0)
    with pytest.raises(TypeError, match="must return a Value"):
        gradgradcheck(lambda a: 1.0, [1.0])  # type: ignore[arg-type,return-value]


# ------------------------------------------------------------------------------------------------
# gradgradcheck on every op, inputs drawn by Hypothesis away from kinks and singularities
# ------------------------------------------------------------------------------------------------

away = st.floats(-3.0, 3.0).filter(lambda x: abs(x) > 0.1)
positive = st.floats(0.2, 3.0)

OPS: list[tuple[str, Callable[..., Value], list[st.SearchStrategy[float]]]] = [
    ("+", lambda a, b: (a + b) * (a - 2.0 * b), [away, away]),  # + alone is linear: H = 0
    ("-", lambda a, b: (a - b) * (a - b) * b, [away, away]),
    ("*", lambda a, b: a * b * a, [away, away]),
    ("/", lambda a, b: a / b, [away, away]),
    ("rdiv", lambda a: 3.0 / a, [away]),
    ("neg", lambda a: -a * a.exp(), [away]),
    ("**3", lambda a: a**3, [away]),
    ("**-1", lambda a: a**-1, [away]),
    ("**0.5", lambda a: a**0.5, [positive]),
    ("**-2.5", lambda a: a**-2.5, [positive]),
    ("**0", lambda a: a**0 * a * a, [away]),
    ("** value", lambda a, b: a**b, [positive, away]),
    ("rpow", lambda b: 2.0**b, [away]),
    ("exp", lambda a: a.exp(), [away]),
    ("log", lambda a: a.log(), [positive]),
    ("tanh", lambda a: a.tanh(), [away]),
    ("sigmoid", lambda a: a.sigmoid(), [away]),
    ("relu", lambda a, b: a.relu() * b.relu() * a, [away, away]),
    ("weighted sum", lambda w, x, b: weighted_sum([w, x], [x, b], b) ** 2, [away, away, away]),
]


@pytest.mark.parametrize(("f", "domains"), [row[1:] for row in OPS], ids=[r[0] for r in OPS])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_gradgradcheck_every_op(
    f: Callable[..., Value], domains: list[st.SearchStrategy[float]], data: st.DataObject
) -> None:
    xs = [data.draw(d, label=f"x{i}") for i, d in enumerate(domains)]
    assert gradgradcheck(f, xs, atol=1e-4, rtol=1e-4)


def test_a_deep_chain_is_differentiated_twice_without_recursion() -> None:
    # 20,000 levels: far past Python's recursion limit, for the first pass and the second
    x = Value(0.3)
    y = x
    for _ in range(20_000):
        y = y * 1.0001 + 0.0
    (g,) = grad(y, x, create_graph=True)
    (h,) = grad(g, x, allow_unused=True)
    assert g.data == pytest.approx(1.0001**20_000, rel=1e-9)  # type: ignore[union-attr]
    assert h == 0.0  # y is linear in x


@pytest.mark.parametrize("seed", range(12))
def test_grad_gives_backwards_numbers_bit_for_bit(seed: int) -> None:
    # the first-order grad() reads the same rules backward() multiplies: the same floats
    from tests.test_engine_torch import _execute, _random_program

    xs, steps = _random_program(seed)
    leaves = [Value(x) for x in xs]
    y = _execute(steps, leaves)
    got = grad(y, leaves, allow_unused=True)
    (first,) = grad(y, leaves[0], create_graph=True, allow_unused=True)
    y.backward()
    assert [_bits(g) for g in got] == [_bits(v.grad) for v in leaves]  # type: ignore[arg-type]
    assert _bits(first.data) == _bits(leaves[0].grad)  # type: ignore[union-attr]
