"""fit(): stopping rules, history, progress bar, Ctrl-C, the loss argument, fast=True."""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import pytest

from autograd_mlp import MLP, Value
from autograd_mlp.data import make_blobs, make_moons
from autograd_mlp.losses import mse
from autograd_mlp.optim import SGD, Adam
from autograd_mlp.train import History, fit

X4 = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
Y_AND = [0.0, 0.0, 0.0, 1.0]


def small() -> MLP:
    return MLP(2, [3, 1], activation="tanh", seed=0)


def test_max_steps_counts_updates_and_loss_falls() -> None:
    model = small()
    h = fit(model, X4, Y_AND, loss="mse", max_steps=30, progress=False)
    assert isinstance(h, History)
    assert (h.stopped_because, h.steps, len(h.loss)) == ("max_steps", 30, 30)
    assert h.accuracy == []  # mse is regression: no accuracy
    assert h.loss[-1] < h.loss[0]


def test_epochs_with_minibatches() -> None:
    # 4 samples in batches of 3: 2 steps per epoch (3 + 1), so 3 epochs are 6 steps
    seen: list[int] = []
    h = fit(
        small(),
        X4,
        Y_AND,
        epochs=3,
        batch_size=3,
        progress=False,
        callback=lambda step, loss, model: seen.append(step),
    )
    assert (h.stopped_because, h.steps, h.epochs) == ("epochs", 6, 3)
    assert seen == [1, 2, 3, 4, 5, 6]


def test_history_loss_is_the_loss_before_each_update() -> None:
    model = small()
    expected = mse([model(x) for x in X4], Y_AND).data  # type: ignore[misc]
    h = fit(model, X4, Y_AND, max_steps=2, progress=False)
    assert h.loss[0] == expected


def test_target_loss_stops_and_first_step_already_below_means_no_update() -> None:
    model = small()
    before = [p.data for p in model.parameters()]
    h = fit(model, X4, Y_AND, target_loss=1e9, progress=False)
    assert (h.stopped_because, h.steps, len(h.loss)) == ("target_loss", 0, 1)
    assert [p.data for p in model.parameters()] == before


def test_target_loss_is_reached_with_adam() -> None:
    model = small()
    h = fit(model, X4, Y_AND, optimizer=Adam(model.parameters(), lr=0.05), target_loss=0.01,
            max_steps=3000, progress=False)  # fmt: skip
    assert h.stopped_because == "target_loss"
    assert h.final_loss <= 0.01 < max(h.loss[:-1])


@pytest.mark.parametrize("where", ["callback", "loss"])
def test_ctrl_c_returns_the_history_so_far(where: str) -> None:
    k = 4  # raise on step k

    def callback(step: int, loss: float, model: Any) -> None:
        if where == "callback" and step == k:
            raise KeyboardInterrupt

    calls = 0

    def loss(outputs: Any, targets: Any) -> Value:
        nonlocal calls
        calls += 1
        if where == "loss" and calls == k:
            raise KeyboardInterrupt
        return mse(outputs, targets)

    model = small()
    h = fit(model, X4, Y_AND, loss=loss, max_steps=50, callback=callback, progress=False)
    assert h.stopped_because == "interrupted"
    # from the callback: k updates done; from the loss on call k: k − 1 updates done
    assert h.steps == (k if where == "callback" else k - 1)
    assert len(h.loss) == h.steps
    assert all(p.grad == 0.0 for p in model.parameters())  # no half-finished gradients left


def test_progress_bar_shows_live_loss_and_can_be_silenced(capsys: Any) -> None:
    fit(small(), X4, Y_AND, max_steps=5, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "loss=" in err and "5/5" in err
    fit(small(), X4, Y_AND, max_steps=5, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_hinge_on_moons_records_accuracy_and_learns() -> None:
    X, y = make_moons(40, noise=0.05, seed=3, signed=True)
    model = MLP(2, [8, 1], seed=1)
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    h = fit(model, X, y, loss="hinge", optimizer=opt, max_steps=60, progress=False)
    assert len(h.accuracy) == 60
    assert all(0.0 <= a <= 1.0 for a in h.accuracy)
    assert h.accuracy[-1] >= 0.85 and h.loss[-1] < h.loss[0]


def test_bce_and_cross_entropy_learn() -> None:
    X, y = make_moons(40, noise=0.05, seed=4)  # labels 0/1 for bce
    model = MLP(2, [8, 1], seed=2)
    h = fit(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.05), max_steps=60,
            progress=False)  # fmt: skip
    assert h.accuracy[-1] >= 0.85
    X, y = make_blobs(30, centers=[[-2.0, -2.0], [2.0, -2.0], [0.0, 2.0]], cluster_std=0.4, seed=5)
    model = MLP(2, [6, 3], seed=3)
    h = fit(model, X, y, loss="cross_entropy", optimizer=Adam(model.parameters(), lr=0.05),
            max_steps=40, progress=False)  # fmt: skip
    assert h.accuracy[-1] == 1.0  # three well-separated blobs
    assert h.loss[-1] < h.loss[0] / 4


def test_fast_true_needs_the_fast_module(monkeypatch: Any) -> None:
    # Pretend autograd_mlp.fast is absent, whether or not its owner has written it yet.
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "autograd_mlp.fast" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    with pytest.raises(NotImplementedError, match=r"fast=True needs autograd_mlp\.fast"):
        fit(small(), X4, Y_AND, max_steps=1, fast=True, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, ValueError, "needs a stopping rule"),
        ({"max_steps": 0}, ValueError, "max_steps must be a positive int or None, got 0"),
        ({"epochs": 1.5}, ValueError, "epochs must be a positive int"),
        ({"max_steps": 1, "loss": "l1"}, ValueError, "unknown loss 'l1'"),
        ({"max_steps": 1, "loss": 3}, TypeError, "loss must be a name or a callable"),
        ({"max_steps": 1, "loss": lambda o, t: 1.0}, TypeError, "must return a Value"),
        ({"max_steps": 1, "target_loss": "low"}, ValueError, "target_loss must be a number"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        fit(small(), X4, Y_AND, progress=False, **kwargs)


def test_mismatched_data() -> None:
    with pytest.raises(ValueError, match="X has 4 samples but y has 3 targets"):
        fit(small(), X4, Y_AND[:3], max_steps=1, progress=False)
    with pytest.raises(TypeError, match="Module"):
        fit(lambda x: x, X4, Y_AND, max_steps=1, progress=False)  # type: ignore[arg-type]


def test_final_loss_of_empty_history_is_nan() -> None:
    assert math.isnan(History().final_loss)
