"""Layer 2 of the engine tests: parity with PyTorch in float64, forward and gradient.

PyTorch is the reference the engine's conventions are defined against (DESIGN §3). Three kinds
of check:

* one line per op in a table (as tinygrad's test_ops does), with inputs from each op's domain;
* IEEE edge values (exp(1000), log(0), log(-1), sigmoid(±1000), relu at 0, pow at 0, x/0),
  where the conventions are the whole point and must match bit for bit (nan matches nan);
* random programs of 20–200 ops from a seeded generator, built twice (Values, tensors) from the
  same code, every leaf gradient compared to 1e-9 relative.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from autograd_mlp.engine import Value, weighted_sum
from tests.conftest import needs


@pytest.fixture(scope="module")
def torch() -> ModuleType:
    return needs("torch")


def _run_both(
    torch: ModuleType, f: Callable[..., Any], xs: Sequence[float]
) -> tuple[float, list[float], float, list[float]]:
    """f applied to Values and to float64 tensors: (value, grads, torch value, torch grads)."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = f(*tensors)
    t_out.backward()
    t_grads = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    return out.data, [v.grad for v in leaves], t_out.item(), t_grads


def _wsum(*v: Any) -> Any:
    """z = w₀x₀ + w₁x₁ + b: our one-node op for Values, the same sum written out for tensors."""
    w0, x0, w1, x1, b = v
    if isinstance(b, Value):
        return weighted_sum([w0, w1], [x0, x1], b)
    return b + w0 * x0 + w1 * x1  # the same order of additions as weighted_sum


# (name, function written once for both libraries, inputs)
OP_TABLE: list[tuple[str, Callable[..., Any], tuple[float, ...]]] = [
    ("add", lambda a, b: a + b, (1.25, -3.5)),
    ("add const", lambda a: a + 2.5, (-0.75,)),
    ("radd const", lambda a: 2.5 + a, (-0.75,)),
    ("sub", lambda a, b: a - b, (1.25, -3.5)),
    ("sub const", lambda a: a - 2.5, (0.3,)),
    ("rsub const", lambda a: 2.5 - a, (0.3,)),
    ("mul", lambda a, b: a * b, (1.7, -2.3)),
    ("mul const", lambda a: a * -1.5, (0.9,)),
    ("rmul const", lambda a: -1.5 * a, (0.9,)),
    ("div", lambda a, b: a / b, (1.7, -2.3)),
    ("div const", lambda a: a / 3.0, (1.7,)),
    ("rdiv const", lambda a: 3.0 / a, (-0.4,)),
    ("neg", lambda a: -a, (0.8,)),
    ("pow 2", lambda a: a**2, (-1.3,)),
    ("pow 3", lambda a: a**3, (-1.3,)),
    ("pow -1", lambda a: a**-1, (-1.3,)),
    ("pow 0.5", lambda a: a**0.5, (2.2,)),
    ("pow -2.5", lambda a: a**-2.5, (0.7,)),
    ("pow 0", lambda a: a**0, (0.7,)),
    ("pow value", lambda a, b: a**b, (1.9, -0.6)),
    ("rpow const", lambda b: 2.0**b, (0.45,)),
    ("exp", lambda a: a.exp(), (1.3,)),
    ("log", lambda a: a.log(), (0.37,)),
    ("tanh", lambda a: a.tanh(), (-0.8,)),
    ("tanh saturating", lambda a: a.tanh(), (12.602750350431858,)),  # 1 - t² near t = 1
    ("sigmoid", lambda a: a.sigmoid(), (-1.6,)),
    ("sigmoid large", lambda a: a.sigmoid(), (30.0,)),
    ("relu positive", lambda a: a.relu(), (0.6,)),
    ("relu negative", lambda a: a.relu(), (-0.6,)),
    ("weighted sum", _wsum, (0.5, -1.2, 0.3, 2.0, 0.1)),
]


@pytest.mark.parametrize(("f", "xs"), [row[1:] for row in OP_TABLE], ids=[r[0] for r in OP_TABLE])
def test_op_matches_torch(torch: ModuleType, f: Callable[..., Any], xs: tuple[float, ...]) -> None:
    data, grads, t_data, t_grads = _run_both(torch, f, xs)
    assert data == pytest.approx(t_data, rel=1e-13, abs=1e-300)
    assert grads == pytest.approx(t_grads, rel=1e-13, abs=1e-300)


# ------------------------------------------------------------------------------------------------
# IEEE edge values: the conventions must agree exactly
# ------------------------------------------------------------------------------------------------

EDGE_TABLE: list[tuple[str, Callable[..., Any], tuple[float, ...]]] = [
    ("exp(1000)", lambda a: a.exp(), (1000.0,)),
    ("exp(-1000)", lambda a: a.exp(), (-1000.0,)),
    ("log(0)", lambda a: a.log(), (0.0,)),
    ("log(-0.0)", lambda a: a.log(), (-0.0,)),
    ("log(-1)", lambda a: a.log(), (-1.0,)),
    ("sigmoid(1000)", lambda a: a.sigmoid(), (1000.0,)),
    ("sigmoid(-1000)", lambda a: a.sigmoid(), (-1000.0,)),
    ("tanh(1000)", lambda a: a.tanh(), (1000.0,)),
    ("tanh(-1000)", lambda a: a.tanh(), (-1000.0,)),
    ("relu(0)", lambda a: a.relu(), (0.0,)),
    ("1/0", lambda a, b: a / b, (1.0, 0.0)),
    ("-1/0", lambda a, b: a / b, (-1.0, 0.0)),
    ("0/0", lambda a, b: a / b, (0.0, 0.0)),
    ("0/5e-324", lambda a, b: a / b, (0.0, 5e-324)),  # 1/b overflows; d/db must stay 0
    ("0**0 value exponent", lambda a, b: a**b, (0.0, 0.0)),
    ("0**2 value exponent", lambda a, b: a**b, (0.0, 2.0)),
    ("0**0.5 value exponent", lambda a, b: a**b, (0.0, 0.5)),
    ("0**-1 value exponent", lambda a, b: a**b, (0.0, -1.0)),
    ("(-2)**2 value exponent", lambda a, b: a**b, (-2.0, 2.0)),
    ("(-1.9)**3 value exponent", lambda a, b: a**b, (-1.9, 3.0)),  # d/db: ln(-1.9) = nan
    ("(-8)**(1/3) value exponent", lambda a, b: a**b, (-8.0, 1.0 / 3.0)),
    ("10**400 value exponent", lambda a, b: a**b, (10.0, 400.0)),
    ("(-10)**400.5 value exponent", lambda a, b: a**b, (-10.0, 400.5)),
    ("0**0", lambda a: a**0, (0.0,)),
    ("0**2", lambda a: a**2, (0.0,)),
    ("0**0.5", lambda a: a**0.5, (0.0,)),
    ("0**-1", lambda a: a**-1, (0.0,)),
    ("(-0)**-1", lambda a: a**-1, (-0.0,)),
    ("0**-2", lambda a: a**-2, (0.0,)),
    ("(-2)**0.5", lambda a: a**0.5, (-2.0,)),
    ("10**1000", lambda a: a**1000, (10.0,)),
    ("(-10)**1001", lambda a: a**1001, (-10.0,)),
    ("1e308*10", lambda a: a * 10.0, (1e308,)),
    ("inf-inf", lambda a: a.exp() - a.exp(), (1000.0,)),
    ("relu(nan)", lambda a: a.log().relu(), (-1.0,)),  # relu passes nan on with slope 1
]


def _same(got: float, want: float) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    if math.isinf(want) or want == 0.0:
        return got == want
    return got == pytest.approx(want, rel=1e-13)


@pytest.mark.parametrize(
    ("f", "xs"), [row[1:] for row in EDGE_TABLE], ids=[r[0] for r in EDGE_TABLE]
)
def test_ieee_edge_matches_torch(
    torch: ModuleType, f: Callable[..., Any], xs: tuple[float, ...]
) -> None:
    data, grads, t_data, t_grads = _run_both(torch, f, xs)
    assert _same(data, t_data), f"forward {data!r}, torch {t_data!r}"
    for i, (g, t) in enumerate(zip(grads, t_grads)):
        assert _same(g, t), f"gradient of input {i}: {g!r}, torch {t!r}"


# ------------------------------------------------------------------------------------------------
# Random programs of 20–200 ops, built once with Values and once with tensors
# ------------------------------------------------------------------------------------------------

# Each step combines earlier values into a new one. Divisors and log/pow bases are u² + c > 0;
# mul and exp read one operand through tanh so magnitudes stay moderate over 200 steps.
STEPS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "+": lambda a, b, c: a + b,
    "-": lambda a, b, c: a - b,
    "*": lambda a, b, c: a * b.tanh(),
    "/": lambda a, b, c: a / (b * b + 1.0),
    "+const": lambda a, b, c: 0.5 + a,
    "-const": lambda a, b, c: 1.5 - a,
    "*const": lambda a, b, c: a * -0.75,
    "neg": lambda a, b, c: -a,
    "**3": lambda a, b, c: a.tanh() ** 3,
    "**-0.5": lambda a, b, c: (a * a + 0.25) ** -0.5,
    "**v": lambda a, b, c: (a * a + 0.5) ** b.tanh(),
    "2**v": lambda a, b, c: 2.0 ** b.tanh(),
    "exp": lambda a, b, c: a.tanh().exp(),
    "log": lambda a, b, c: (a * a + 0.1).log(),
    "tanh": lambda a, b, c: a.tanh(),
    "sigmoid": lambda a, b, c: a.sigmoid(),
    "relu": lambda a, b, c: a.relu(),
    "wsum": lambda a, b, c: _wsum(a, b, c, a, b),  # shared inputs: several edges to one node
}


def _random_program(seed: int) -> tuple[list[float], list[tuple[str, int, int, int]]]:
    """A seeded program: leaf values and steps (kind, three operand indices into the pool)."""
    rng = random.Random(seed)
    leaves = [rng.uniform(-2.0, 2.0) for _ in range(rng.randint(2, 6))]
    steps = []
    for n in range(len(leaves), len(leaves) + rng.randint(20, 200)):
        kind = rng.choice(sorted(STEPS))
        # mostly recent operands, so the graph is deep as well as wide
        pick = [max(0, n - 1 - int(rng.expovariate(0.3))) for _ in range(3)]
        steps.append((kind, pick[0], pick[1], pick[2]))
    return leaves, steps


def _execute(steps: Sequence[tuple[str, int, int, int]], leaves: Sequence[Any]) -> Any:
    pool = list(leaves)
    for kind, i, j, k in steps:
        pool.append(STEPS[kind](pool[i], pool[j], pool[k]))
    return sum(pool[-5:], 0.0 * pool[0])  # several outputs, so most of the graph is reached


@pytest.mark.parametrize("seed", range(12))
def test_random_program_matches_torch(torch: ModuleType, seed: int) -> None:
    leaves, steps = _random_program(seed)
    data, grads, t_data, t_grads = _run_both(torch, lambda *v: _execute(steps, v), leaves)
    assert math.isfinite(data)
    assert data == pytest.approx(t_data, rel=1e-9, abs=1e-12)
    # 1e-9 relative; an absolute floor relative to the largest gradient covers leaves whose
    # gradient cancels to nearly 0 (summation order then decides the last digits).
    floor = 1e-12 * max(1.0, *(abs(t) for t in t_grads))
    for i, (g, t) in enumerate(zip(grads, t_grads)):
        assert g == pytest.approx(t, rel=1e-9, abs=floor), f"leaf {i}: {g!r} vs torch {t!r}"


def test_random_programs_cover_every_step_kind() -> None:
    # The seeds above, together, exercise every kind of step (so no op escapes parity).
    used = {kind for seed in range(12) for kind, *_ in _random_program(seed)[1]}
    assert used == set(STEPS)
    lengths = [len(_random_program(seed)[1]) for seed in range(12)]
    assert min(lengths) >= 20 and max(lengths) <= 200


# ------------------------------------------------------------------------------------------------
# Any float at all, inf and nan included: same value and same gradient as PyTorch
# ------------------------------------------------------------------------------------------------

# Every op of the table above on arbitrary doubles (a**0.5 included: like PyTorch, the engine
# computes it as a square root, so (-0.0)**0.5 = -0.0 and (-inf)**0.5 = nan).
ANY_FLOAT_OPS = [row for row in OP_TABLE if row[0] != "weighted sum"]


def _close_ieee(got: float, want: float) -> bool:
    if math.isnan(want) or math.isinf(want):
        return _same(got, want)
    return got == pytest.approx(want, rel=1e-12, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_float_matches_torch(data: st.DataObject) -> None:
    torch = needs("torch")
    name, f, example = data.draw(st.sampled_from(ANY_FLOAT_OPS), label="op")
    xs = [data.draw(st.floats(), label=f"x{i}") for i in range(len(example))]
    value, grads, t_value, t_grads = _run_both(torch, f, xs)
    assert _close_ieee(value, t_value), f"{name}{xs}: {value!r}, torch {t_value!r}"
    for i, (g, t) in enumerate(zip(grads, t_grads)):
        assert _close_ieee(g, t), f"{name}{xs}, d/dx{i}: {g!r}, torch {t!r}"


# ------------------------------------------------------------------------------------------------
# Random expression trees on edge values: PyTorch's values and gradients, to the sign of zero
# ------------------------------------------------------------------------------------------------

EDGE_VALUES = [
    *(0.0, -0.0, math.inf, -math.inf, math.nan),
    *(1000.0, -1000.0, 1e-300, -1e-300, 1e300, -1e300),
    *(1.0, -1.0, 0.5, -2.0, 3.0),
]
EXPONENTS = [0.0, 0.5, -0.5, 1.0, 2.0, 3.0, -1.0, -2.0, 1.5, -1.5, 2.5]
UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu")
BINARY = ("+", "-", "*", "/", "**")
N_LEAVES = 3

# A tree is ("x", i) for leaf i, ("c", number) for a plain number, (unary, t), (binary, t, t)
# or ("pow", t, exponent): an exponent that is a plain number, the **2 of x**2.
_numbers = st.sampled_from(EDGE_VALUES) | st.floats(-10.0, 10.0)
_trees = st.recursive(
    st.tuples(st.just("x"), st.integers(0, N_LEAVES - 1)) | st.tuples(st.just("c"), _numbers),
    lambda t: (
        st.tuples(st.sampled_from(UNARY), t)
        | st.tuples(st.sampled_from(BINARY), t, t)
        | st.tuples(st.just("pow"), t, st.sampled_from(EXPONENTS))
    ),
    max_leaves=10,
)


def _build(tree: tuple[Any, ...], xs: Sequence[Any], lift: Callable[[float], Any]) -> Any:
    """The tree over ``xs`` (Values or tensors); a plain number stays a number, as in user
    code, until it meets a Value, except where both operands are numbers (lifted with ``lift``,
    a leaf that takes no gradient) and in c / x, lifted too: PyTorch computes a number divided
    by a tensor as x.reciprocal() * c, another rounding of the same quotient (semantics.md)."""
    kind = tree[0]
    if kind == "x":
        return xs[tree[1]]
    if kind == "c":
        return tree[1]
    a = _build(tree[1], xs, lift)
    if isinstance(a, float) and (kind in UNARY or kind == "pow"):
        a = lift(a)
    if kind == "neg":
        return -a
    if kind == "log" and isinstance(a, Value) and 0.0 < abs(a.data) < sys.float_info.min:
        reject()  # d(ln a)/da = 1/a overflows, as for a subnormal divisor
    if kind in UNARY:
        return getattr(a, kind)()
    if kind == "pow":
        return a ** tree[2]
    b = _build(tree[2], xs, lift)
    if isinstance(a, float) and (isinstance(b, float) or kind == "/"):
        a = lift(a)
    if kind == "/" and isinstance(b, Value) and 0.0 < abs(b.data) < sys.float_info.min:
        reject()  # a subnormal divisor: 1/b overflows (see _same_to_the_sign)
    if kind == "+":
        return a + b
    if kind == "-":
        return a - b
    if kind == "*":
        return a * b
    if kind == "/":
        return a / b
    return a**b


def _bits(x: float) -> str:
    """A float's identity: nan is nan, and 0.0, -0.0, inf, -inf are each themselves."""
    return "nan" if math.isnan(x) else x.hex()


def _same_to_the_sign(got: float, want: float, cancels: bool = False) -> bool:
    """Bit for bit where either side is 0, ±inf or nan (the conventions); to 1e-6 relative for
    other finite numbers (the op table and the random programs above check the digits; here
    1 - tanh(8.4)² turns the last bit of PyTorch's tanh, which is not always Python's, into
    the 9th digit). Two of our roundings differ in the last bit, too: the quotient rule, where
    we multiply g by the stored 1/b and PyTorch divides g by b, and PyTorch's sqrt. So where
    a leaf's gradient sums terms that cancel (``cancels``: the leaf is used twice, as in x/x),
    one side may be an exact 0 and the other the rounding left over; a subnormal divisor
    (1/b = inf, where g/b is finite) is left out of the trees. Both are in semantics.md."""
    special = not math.isfinite(want) or want == 0.0 or not math.isfinite(got) or got == 0.0
    if cancels and (got == 0.0 or want == 0.0) and math.isfinite(got) and math.isfinite(want):
        return True
    if special:
        return _bits(got) == _bits(want)
    return math.isclose(got, want, rel_tol=1e-6)


def _uses(tree: tuple[Any, ...], i: int) -> int:
    """How many times leaf i occurs in the tree."""
    if tree[0] == "x":
        return int(tree[1] == i)
    if tree[0] in ("c", "pow"):
        return 0 if tree[0] == "c" else _uses(tree[1], i)
    return sum(_uses(t, i) for t in tree[1:])


def _check_tree(torch: ModuleType, tree: tuple[Any, ...], xs: Sequence[float]) -> None:
    leaves = [Value(x) for x in xs]
    for v in leaves:
        v.grad = -0.0  # "no gradient yet", as PyTorch's None: its first contribution is kept
    out = _build(tree, leaves, Value)
    if isinstance(out, float):
        return  # no leaf in the tree: nothing to differentiate
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = _build(tree, tensors, lambda c: torch.tensor(c, dtype=torch.float64))
    t_value = t_out.item()
    assert _same_to_the_sign(out.data, t_value), f"{tree}: value {out.data!r}, {t_value!r}"
    if not t_out.requires_grad:
        return  # numbers only: nothing to differentiate
    out.backward()
    t_out.backward()
    for i, (v, t) in enumerate(zip(leaves, tensors)):
        if t.grad is None:
            assert _bits(v.grad) == _bits(-0.0), f"{tree}: x{i} is not in the tree"
            continue
        want = t.grad.item()
        cancels = _uses(tree, i) > 1
        assert _same_to_the_sign(v.grad, want, cancels), (
            f"{tree}, x={xs}: d/dx{i} {v.grad!r}, {want!r}"
        )


@settings(max_examples=400, deadline=None)
@given(tree=_trees, xs=st.lists(_numbers, min_size=N_LEAVES, max_size=N_LEAVES))
def test_random_trees_on_edge_values_match_torch_to_the_sign_of_zero(
    tree: tuple[Any, ...], xs: list[float]
) -> None:
    _check_tree(needs("torch"), tree, xs)
