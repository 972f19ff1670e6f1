"""Layer 3 of the engine tests: exact values from published worked examples.

Each expected number comes from a source outside this project (cited next to it) or from a
hand derivation written out in the comments, never from running our own code.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from autograd_mlp.engine import Value, role, weighted_sum

# ------------------------------------------------------------------------------------------------
# The micrograd README example, https://github.com/karpathy/micrograd (README.md, "Example usage").
# It prints g = 24.7041, dg/da = 138.8338, dg/db = 645.5773. The exact values, derived by hand:
#
#   a = -4, b = 2
#   c = a + b;  c += c + 1;  c += 1 + c + (-a)          =>  c = 3a + 4b + 3             = -1
#   d = a·b + b³;  d += 2d + relu(b + a);  d += 3d + relu(b - a)
#                                      =>  d = 12(ab + b³) + 4·relu(a + b) + relu(b - a) = 6
#   e = c - d = -7,  f = e² = 49,  g = f/2 + 10/f = 2421/98 ≈ 24.7041
#
#   dg/df = 1/2 - 10/f² = 2381/4802,  df/de = 2e = -14   =>  dg/de = -2381/343
#   a + b = -2 < 0 so relu'(a + b) = 0;  b - a = 6 > 0 so relu'(b - a) = 1
#   de/da = 3 - (12b - 1)        = -20   =>  dg/da = 47620/343  ≈ 138.8338
#   de/db = 4 - (12(a + 3b²) + 1) = -93  =>  dg/db = 221433/343 ≈ 645.5773
# ------------------------------------------------------------------------------------------------

MICROGRAD_G = Fraction(2421, 98)
MICROGRAD_DA = Fraction(47620, 343)
MICROGRAD_DB = Fraction(221433, 343)


def _micrograd_readme(a: Value, b: Value) -> Value:
    """The README's expression, statement by statement (including the augmented assignments)."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_readme_hand_derivation_is_consistent() -> None:
    # Check the hand derivation above with exact rational arithmetic before trusting it.
    a, b = Fraction(-4), Fraction(2)
    c = 3 * a + 4 * b + 3
    d = 12 * (a * b + b**3) + 4 * max(a + b, Fraction(0)) + max(b - a, Fraction(0))
    f = (c - d) ** 2
    assert f / 2 + 10 / f == MICROGRAD_G
    dg_de = (Fraction(1, 2) - 10 / f**2) * 2 * (c - d)
    assert dg_de * (3 - (12 * b - 1)) == MICROGRAD_DA
    assert dg_de * (4 - (12 * (a + 3 * b**2) + 1)) == MICROGRAD_DB
    # and the README's printed 4-decimal values
    assert f"{float(MICROGRAD_G):.4f}" == "24.7041"
    assert f"{float(MICROGRAD_DA):.4f}" == "138.8338"
    assert f"{float(MICROGRAD_DB):.4f}" == "645.5773"


def test_micrograd_readme_example() -> None:
    a, b = Value(-4.0), Value(2.0)
    g = _micrograd_readme(a, b)
    g.backward()
    assert g.data == pytest.approx(float(MICROGRAD_G), rel=1e-12)
    assert a.grad == pytest.approx(float(MICROGRAD_DA), rel=1e-12)
    assert b.grad == pytest.approx(float(MICROGRAD_DB), rel=1e-12)


# ------------------------------------------------------------------------------------------------
# CS231n "Backpropagation, Intuitions", https://cs231n.github.io/optimization-2/
# ------------------------------------------------------------------------------------------------


def test_cs231n_add_multiply_circuit() -> None:
    # f(x, y, z) = (x + y)·z at x = -2, y = 5, z = -4: f = -12, df/dx = df/dy = z = -4,
    # df/dz = x + y = 3 (the notes' first circuit diagram).
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    assert q.grad == -4.0  # the notes' intermediate: df/dq = z


# The 2-D sigmoid neuron of the notes: f(w, x) = 1 / (1 + exp(-(w0·x0 + w1·x1 + w2))),
# w = [2, -3, -3], x = [-1, -2]. The notes print f = 0.73 and the gradients
# w: [-0.20, -0.39, 0.20], x: [0.39, -0.59]; to 4 decimals 0.7311, [-0.1966, -0.3932, 0.1966],
# [0.3932, -0.5898]. Exactly: the dot product is 2·(-1) + (-3)·(-2) + (-3) = 1, so f = σ(1) and
# every gradient is σ(1)(1 - σ(1)) times the other factor of its product.
CS231N_W = (2.0, -3.0, -3.0)
CS231N_X = (-1.0, -2.0)
SIGMA_1 = 1.0 / (1.0 + math.exp(-1.0))
DSIGMA_1 = SIGMA_1 * (1.0 - SIGMA_1)
CS231N_DW = (-1.0 * DSIGMA_1, -2.0 * DSIGMA_1, DSIGMA_1)
CS231N_DX = (2.0 * DSIGMA_1, -3.0 * DSIGMA_1)


def _check_cs231n_neuron(f: Value, w: list[Value], x: list[Value]) -> None:
    f.backward()
    assert f.data == pytest.approx(SIGMA_1, rel=1e-12)
    assert [v.grad for v in w] == pytest.approx(CS231N_DW, rel=1e-12)
    assert [v.grad for v in x] == pytest.approx(CS231N_DX, rel=1e-12)
    # the 4-decimal numbers as printed in the notes
    assert round(f.data, 4) == 0.7311
    assert [round(v.grad, 4) for v in w] == [-0.1966, -0.3932, 0.1966]
    assert [round(v.grad, 4) for v in x] == [0.3932, -0.5898]


def test_cs231n_sigmoid_neuron_from_primitive_ops() -> None:
    # Built gate by gate as in the notes' circuit: *, +, *-1, exp, +1, 1/x.
    w = [Value(v, label=f"w{i}") for i, v in enumerate(CS231N_W)]
    x = [Value(v, label=f"x{i}") for i, v in enumerate(CS231N_X)]
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1.0 + (-dot).exp())
    _check_cs231n_neuron(f, w, x)


def test_cs231n_sigmoid_neuron_from_weighted_sum() -> None:
    # The same neuron as our nn builds it: one Σwx+b node, then the sigmoid op.
    w = [Value(v, label=f"w{i}") for i, v in enumerate(CS231N_W)]
    x = [Value(v, label=f"x{i}") for i, v in enumerate(CS231N_X)]
    z = weighted_sum(w[:2], x, w[2])
    assert z.data == 1.0
    assert len(z._prev) == 5  # w0, x0, w1, x1, bias: one edge each
    _check_cs231n_neuron(z.sigmoid(), w, x)


# ------------------------------------------------------------------------------------------------
# Small hand computations, one per op (value and derivative worked out on paper)
# ------------------------------------------------------------------------------------------------


def test_hand_computed_local_derivatives() -> None:
    a, b = Value(3.0), Value(2.0)
    # a**b = 9, d/da = b·a^(b-1) = 6, d/db = a^b·ln a = 9 ln 3
    p = a**b
    p.backward()
    assert p.data == 9.0
    assert a.grad == 6.0
    assert b.grad == pytest.approx(9.0 * math.log(3.0), rel=1e-15)
    # 2 ** x at x = 3: 8, d/dx = 8 ln 2
    x = Value(3.0)
    q = 2**x
    q.backward()
    assert q.data == 8.0
    assert x.grad == pytest.approx(8.0 * math.log(2.0), rel=1e-15)
    # 1 / x at x = 4: 0.25, d/dx = -1/16
    x = Value(4.0)
    r = 1 / x
    r.backward()
    assert (r.data, x.grad) == (0.25, -0.0625)
    # 10 - x at x = 4: 6, d/dx = -1
    x = Value(4.0)
    s = 10 - x
    s.backward()
    assert (s.data, x.grad) == (6.0, -1.0)
    # tanh(0) = 0 with slope 1; sigmoid(0) = 1/2 with slope 1/4; exp(0) = 1; log(1) = 0, slope 1
    for op, value, slope in (
        ("tanh", 0.0, 1.0),
        ("sigmoid", 0.5, 0.25),
        ("exp", 1.0, 1.0),
    ):
        x = Value(0.0)
        y = getattr(x, op)()
        y.backward()
        assert (y.data, x.grad) == (value, slope), op
    x = Value(1.0)
    y = x.log()
    y.backward()
    assert (y.data, x.grad) == (0.0, 1.0)


def test_hand_computed_weighted_sum() -> None:
    # z = 0.5·2 + (-1)·3 + 0.25 = -1.75; ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1
    w = [Value(0.5), Value(-1.0)]
    x = [Value(2.0), 3.0]  # a plain number is lifted to a constant leaf
    b = Value(0.25)
    z = weighted_sum(w, x, b)
    z.backward()
    assert z.data == -1.75
    assert [v.grad for v in w] == [2.0, 3.0]
    assert x[0].grad == 0.5  # type: ignore[union-attr]
    assert b.grad == 1.0
    assert role(z._prev[3]) == "const" and z._prev[3]._op == "" and z._prev[3].data == 3.0
    assert z._local == (2.0, 0.5, 3.0, -1.0, 1.0)
