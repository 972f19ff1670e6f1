"""Losses: parity with torch.nn.functional in float64 (value and gradient), properties against
central differences, exact hand-computed values, stability at ±1000, and input validation."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import Value
from autograd_mlp.engine.gradcheck import numerical_gradient
from autograd_mlp.nn.losses import (
    binary_cross_entropy,
    cross_entropy,
    get_loss,
    hinge,
    mse,
    sse,
)
from tests.conftest import needs

REL = 1e-12


def close(a: float, b: float, tol: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def leaves(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


# ------------------------------------------------------------------------------------------------
# Exact values, by hand
# ------------------------------------------------------------------------------------------------


def test_mse_and_sse_by_hand() -> None:
    # outputs (1, 2), targets (0, 4): errors 1 and −2, squares 1 and 4
    y = leaves([1.0, 2.0])
    loss = mse(y, [0.0, 4.0])
    loss.backward()
    assert loss.data == 2.5  # (1 + 4) / 2
    assert [v.grad for v in y] == [1.0, -2.0]  # 2·(y − t)/n
    assert mse(leaves([1.0, 2.0]), [0.0, 4.0], reduction="sum").data == 5.0
    assert sse(leaves([1.0, 2.0]), [0.0, 4.0]).data == 5.0
    z = leaves([1.0, 2.0])
    half = sse(z, [0.0, 4.0], half=True)
    half.backward()
    assert half.data == 2.5
    assert [v.grad for v in z] == [1.0, -2.0]  # the ½ cancels the 2: ∂E/∂y = y − t


def test_mse_over_samples_with_several_outputs_averages_every_element() -> None:
    # two samples × two outputs: squares 1, 0, 0, 9 → mean 10/4 (PyTorch MSELoss convention)
    out = [leaves([1.0, 0.0]), leaves([2.0, -1.0])]
    assert mse(out, [[0.0, 0.0], [2.0, 2.0]]).data == 2.5


def test_hinge_by_hand() -> None:
    # scores (2, 0.5, −1) with labels (+1, +1, +1): margins max(0, 1 − s) = 0, 0.5, 2
    s = leaves([2.0, 0.5, -1.0])
    loss = hinge(s, [1, 1, 1])
    loss.backward()
    assert loss.data == 2.5 / 3
    assert [v.grad for v in s] == [0.0, -1 / 3, -1 / 3]


def test_hinge_at_exact_margin_has_zero_gradient() -> None:
    s = Value(1.0)  # 1 − 1·1 = 0: relu'(0) = 0, as PyTorch's clamp
    loss = hinge([s], [1])
    loss.backward()
    assert (loss.data, s.grad) == (0.0, 0.0)


def test_bce_at_zero_logit_is_log_two() -> None:
    # σ(0) = ½, so −log ½ = ln 2 for either label; ∂/∂z = σ(0) − t = ±½
    for t, g in ((1, -0.5), (0, 0.5)):
        z = Value(0.0)
        loss = binary_cross_entropy([z], [t])
        loss.backward()
        assert close(loss.data, math.log(2.0))
        assert close(z.grad, g)


def test_cross_entropy_uniform_logits_is_log_k() -> None:
    # equal logits: softmax = 1/3 each, loss = ln 3; ∂/∂zⱼ = 1/3 − [j = k]
    z = leaves([0.7, 0.7, 0.7])
    loss = cross_entropy(z, 1)
    loss.backward()
    assert close(loss.data, math.log(3.0))
    assert all(close(v.grad, g) for v, g in zip(z, [1 / 3, -2 / 3, 1 / 3]))


def test_stable_at_plus_minus_1000() -> None:
    for z0, t, want, grad in (
        (1000.0, 1, 0.0, 0.0),  # confident and right: no loss, σ(z) − t = 0
        (1000.0, 0, 1000.0, 1.0),  # confident and wrong: loss ≈ z
        (-1000.0, 0, 0.0, 0.0),
        (-1000.0, 1, 1000.0, -1.0),
    ):
        z = Value(z0)
        loss = binary_cross_entropy([z], [t])
        loss.backward()
        assert (loss.data, z.grad) == (want, grad), (z0, t)
    logits = leaves([1000.0, -1000.0, 0.0])
    loss = cross_entropy(logits, 1)
    loss.backward()
    assert loss.data == 2000.0  # log Σ e^(z − 1000) − (−1000 − 1000) = log 1 + 2000
    assert [v.grad for v in logits] == [1.0, -1.0, 0.0]


# ------------------------------------------------------------------------------------------------
# Parity with PyTorch float64
# ------------------------------------------------------------------------------------------------

CASES: list[tuple[str, list[float], Any]] = [
    ("mse", [0.3, -1.2, 2.5, 0.0], [0.1, -1.0, 3.0, 0.5]),
    ("sse", [0.3, -1.2, 2.5], [0.1, -1.0, 3.0]),
    ("hinge", [0.3, -1.2, 2.5, 0.9, -0.2], [1, -1, -1, 1, 1]),
    ("bce", [0.3, -1.2, 2.5, 40.0, -35.0, 0.0], [1, 0, 0, 1, 0, 1]),
]


@pytest.mark.parametrize(("name", "outs", "targets"), CASES)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_parity_with_torch(name: str, outs: list[float], targets: Any, reduction: str) -> None:
    torch = needs("torch")
    F = torch.nn.functional
    zt = torch.tensor(outs, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(targets, dtype=torch.float64)
    reference: dict[str, Callable[[], Any]] = {
        "mse": lambda: F.mse_loss(zt, tt, reduction=reduction),
        "sse": lambda: F.mse_loss(zt, tt, reduction="sum"),
        "hinge": lambda: getattr(torch.clamp(1 - tt * zt, min=0), reduction)(),
        "bce": lambda: F.binary_cross_entropy_with_logits(zt, tt, reduction=reduction),
    }
    expected = reference[name]()
    expected.backward()
    z = leaves(outs)
    fn = get_loss(name)
    loss = fn(z, targets) if name == "sse" else fn(z, targets, reduction=reduction)
    loss.backward()
    assert close(loss.data, expected.item())
    for v, g in zip(z, zt.grad.tolist()):
        assert close(v.grad, g), (v.grad, g)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_parity_with_torch(reduction: str) -> None:
    torch = needs("torch")
    rows = [[0.2, -1.0, 3.0], [5.0, 5.0, -2.0], [-0.3, 0.1, 0.0], [300.0, -200.0, 299.0]]
    classes = [2, 0, 1, 1]
    zt = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(zt, torch.tensor(classes), reduction=reduction)
    expected.backward()
    z = [leaves(r) for r in rows]
    loss = cross_entropy(z, classes, reduction=reduction)
    loss.backward()
    assert close(loss.data, expected.item())
    for row, grads in zip(z, zt.grad.tolist()):
        for v, g in zip(row, grads):
            assert close(v.grad, g), (v.grad, g)


def test_bce_parity_with_torch_at_extremes() -> None:
    torch = needs("torch")
    outs = [1000.0, -1000.0, 1000.0, -1000.0, 36.0, -36.0]
    targets = [1.0, 0.0, 0.0, 1.0, 0.3, 0.7]  # soft labels in [0, 1] are allowed, as in PyTorch
    zt = torch.tensor(outs, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.binary_cross_entropy_with_logits(
        zt, torch.tensor(targets, dtype=torch.float64), reduction="sum"
    )
    expected.backward()
    z = leaves(outs)
    loss = binary_cross_entropy(z, targets, reduction="sum")
    loss.backward()
    assert math.isfinite(loss.data)
    assert close(loss.data, expected.item())
    assert all(close(v.grad, g) for v, g in zip(z, zt.grad.tolist()))


# ------------------------------------------------------------------------------------------------
# Properties: backward agrees with central differences
# ------------------------------------------------------------------------------------------------

logit = st.floats(-8.0, 8.0, allow_nan=False)


def _check_against_central_differences(f: Callable[..., Value], xs: list[float]) -> None:
    vs = leaves(xs)
    f(*vs).backward()
    numeric = numerical_gradient(f, xs)
    for v, n in zip(vs, numeric):
        assert math.isclose(v.grad, n, rel_tol=1e-5, abs_tol=1e-6), (xs, v.grad, n)


@settings(max_examples=40, deadline=None)
@given(st.lists(logit, min_size=2, max_size=5), st.data())
def test_cross_entropy_gradient_property(xs: list[float], data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(xs) - 1))
    _check_against_central_differences(lambda *z: cross_entropy(list(z), k), xs)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(logit, st.sampled_from([0, 1])), min_size=1, max_size=4))
def test_bce_gradient_property(pairs: list[tuple[float, int]]) -> None:
    labels = [t for _, t in pairs]
    _check_against_central_differences(
        lambda *z: binary_cross_entropy(list(z), labels), [x for x, _ in pairs]
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(logit, logit), min_size=1, max_size=4))
def test_mse_gradient_property(pairs: list[tuple[float, float]]) -> None:
    targets = [t for _, t in pairs]
    _check_against_central_differences(lambda *y: mse(list(y), targets), [x for x, _ in pairs])


# ------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: mse(leaves([1.0, 2.0]), [1.0]), "2 outputs but 1 targets"),
        (lambda: mse([], []), "empty"),
        (lambda: mse(leaves([1.0]), [1.0], reduction="avg"), "'avg'"),
        (lambda: mse([leaves([1.0, 2.0])], [[1.0]]), "list of 2 numbers"),
        (lambda: hinge(leaves([1.0, 2.0]), [1, 0]), "-1 or +1, got 0"),
        (lambda: binary_cross_entropy(leaves([1.0]), [2]), "[0, 1]"),
        (lambda: cross_entropy(leaves([1.0, 2.0]), 2), "0..1"),
        (lambda: cross_entropy([leaves([1.0])], [0]), "at least 2 logits"),
        (lambda: cross_entropy([leaves([1.0, 2.0])], [0, 1]), "1 samples but 2 targets"),
        (lambda: get_loss("l2"), "unknown loss 'l2'"),
    ],
)
def test_bad_input_raises_value_error_naming_it(call: Callable[[], Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_bad_types_raise_type_error() -> None:
    with pytest.raises(TypeError, match="not a number"):
        mse(leaves([1.0]), ["one"])
    with pytest.raises(TypeError, match="int class"):
        cross_entropy(leaves([1.0, 2.0]), 1.0)
