"""Optimizers: trajectories match torch.optim over 20 steps to 1e-10 relative; hand-computed
single steps; updates build no graph; bad settings raise ValueError."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_mlp import Value
from autograd_mlp.nn.optim import SGD, Adam
from tests.conftest import needs

START = [0.5, -1.5, 2.0]


def _loss(p: list[Any]) -> Any:
    """A smooth non-quadratic loss whose gradient changes along the path:
    L = (p₀ − 1)² + p₀·p₁ + 0.05·p₁⁴ + (p₂ + 0.3)²·p₀²  (works on Values and on tensors)."""
    return (p[0] - 1) ** 2 + p[0] * p[1] + 0.05 * p[1] ** 4 + (p[2] + 0.3) ** 2 * p[0] ** 2


def _ours(make: Any, steps: int = 20) -> list[list[float]]:
    params = [Value(x) for x in START]
    opt = make(params)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(params).backward()
        opt.step()
        path.append([p.data for p in params])
    return path


def _torchs(torch: Any, make: Any, steps: int = 20) -> list[list[float]]:
    params = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    opt = make(params)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        _loss(params).backward()
        opt.step()
        path.append([p.item() for p in params])
    return path


SETTINGS = [
    ("sgd", {"lr": 0.05}),
    ("sgd", {"lr": 0.05, "momentum": 0.9}),
    ("sgd", {"lr": 0.03, "momentum": 0.8, "nesterov": True}),
    ("sgd", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    ("adam", {"lr": 0.1}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.95), "eps": 1e-6}),
    ("adam", {"lr": 0.05, "weight_decay": 0.2}),
]


@pytest.mark.parametrize(("name", "kwargs"), SETTINGS)
def test_trajectory_matches_torch_optim(name: str, kwargs: dict[str, Any]) -> None:
    torch = needs("torch")
    ours_cls = {"sgd": SGD, "adam": Adam}[name]
    theirs_cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[name]
    ours = _ours(lambda ps: ours_cls(ps, **kwargs))
    theirs = _torchs(torch, lambda ps: theirs_cls(ps, **kwargs))
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for x, y in zip(a, b):
            assert math.isclose(x, y, rel_tol=1e-10, abs_tol=1e-12), (step, a, b)
    # the trajectory really moves (a test that could not fail would pass with step() = pass)
    assert abs(ours[-1][0] - START[0]) > 1e-3


def test_sgd_one_step_by_hand() -> None:
    # L = 3·w, ∂L/∂w = 3; W' = W − a·g = 1 − 0.1·3 = 0.7 (the lesson's update rule)
    w = Value(1.0)
    opt = SGD([w], lr=0.1)
    (3 * w).backward()
    opt.step()
    assert math.isclose(w.data, 0.7)


def test_sgd_momentum_two_steps_by_hand() -> None:
    # constant gradient g = 1, μ = 0.9: b₁ = 1, b₂ = 0.9·1 + 1 = 1.9; w = 0 − 0.1·1 − 0.1·1.9
    w = Value(0.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        (w * 1.0).backward()
        opt.step()
    assert math.isclose(w.data, -0.29)


def test_adam_first_step_is_lr_times_sign() -> None:
    # step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g) whatever |g| is
    for g in (1e-3, 5.0, -200.0):
        w = Value(0.0)
        opt = Adam([w], lr=0.01)
        (w * g).backward()
        opt.step()
        assert math.isclose(w.data, -0.01 * math.copysign(1.0, g), rel_tol=1e-4)


def test_step_builds_no_graph_and_zero_grad_clears() -> None:
    w = Value(2.0)
    opt = SGD([w], lr=0.5)
    (w * w).backward()
    assert w.grad == 4.0
    opt.step()
    assert w.data == 0.0 and w.is_leaf
    opt.zero_grad()
    assert w.grad == 0.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: SGD(p, lr=-0.1), "lr must be ≥ 0, got -0.1"),
        (lambda p: SGD(p, lr=math.nan), "lr must be a finite number"),
        (lambda p: SGD(p, lr=0.1, nesterov=True), "nesterov=True needs a momentum"),
        (lambda p: SGD(p, lr=0.1, momentum=-1), "momentum must be ≥ 0"),
        (lambda p: Adam(p, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\)"),
        (lambda p: Adam(p, betas=(0.9,)), "betas must be a pair"),
        (lambda p: SGD([], lr=0.1), "empty parameter list"),
    ],
)
def test_bad_settings_raise(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([Value(1.0)])


def test_non_value_parameter_is_type_error() -> None:
    with pytest.raises(TypeError, match="must be Values, got float"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]
