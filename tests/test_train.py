"""fit(): stopping rules, history, progress bar, Ctrl-C, the loss argument, fast=True."""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from autograd_mlp import MLP, Value
from autograd_mlp.nn.data import make_blobs, make_moons
from autograd_mlp.nn.losses import mse
from autograd_mlp.nn.optim import SGD, Adam, Optimizer
from autograd_mlp.nn.train import History, fit

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


@pytest.mark.parametrize("fast", [False, True])
def test_a_diverging_run_stops_at_the_first_non_finite_loss(fast: bool) -> None:
    # One linear neuron y = w·x + b on x = 1, target 0: with s = w + b, E = s² and one SGD step
    # gives s' = s − lr·(2s + 2s) = (1 − 4·lr)·s. With lr = 10, |s| grows 39-fold per step, so
    # E = s² overflows to inf after about a hundred steps (hand computation).
    model = MLP(1, [1], activation="linear", seed=0)
    h = fit(model, [[1.0]], [0.0], loss="mse", optimizer=SGD(model.parameters(), lr=10.0),
            max_steps=1000, progress=False, fast=fast)  # fmt: skip
    assert h.stopped_because == "diverged"
    assert 50 < h.steps < 200 and len(h.loss) == h.steps + 1  # the inf loss, and no update
    assert h.loss[-1] == math.inf and all(math.isfinite(e) for e in h.loss[:-1])
    s = sum(p.data for p in model.parameters())
    assert abs(s) == pytest.approx(39 * math.sqrt(h.loss[-2]))  # one update after the last finite E


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


def test_progress_bar_shows_live_loss_and_can_be_silenced(
    capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # as in a terminal
    fit(small(), X4, Y_AND, max_steps=5, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "loss=" in err and "5/5" in err
    fit(small(), X4, Y_AND, max_steps=5, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_no_progress_bar_is_drawn_into_a_redirected_log(capsys: Any) -> None:
    # stderr captured here, as when redirected to a file: a bar would write a line of
    # carriage returns per refresh into the log
    assert not sys.stderr.isatty()
    fit(small(), X4, Y_AND, max_steps=5, progress=True)
    assert capsys.readouterr().err == ""


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
        ({"max_steps": 1, "target_loss": math.nan}, ValueError, "target_loss must be .*got nan"),
        ({"max_steps": 1, "optimizer": 0.1}, TypeError, r"optimizer must have step\(\) and"),
        ({"max_steps": 1, "callback": 3}, TypeError, "callback must be a function"),
        ({"max_steps": 1, "fast": True, "loss": mse}, ValueError, "needs the loss by name"),
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


# ------------------------------------------------------------------------------------------------
# callback with fast=True, and Ctrl-C during an update
# ------------------------------------------------------------------------------------------------


def test_fast_fit_calls_the_callback_as_the_eager_loop_does() -> None:
    runs = {}
    for fast in (False, True):
        model = small()
        seen: list[tuple[int, float, Any]] = []

        def record(step: int, loss: float, m: Any, seen: list[Any] = seen) -> None:
            seen.append((step, loss, m))

        h = fit(model, X4, Y_AND, max_steps=5, batch_size=3, fast=fast, progress=False,
                callback=record)  # fmt: skip
        assert [step for step, _, _ in seen] == [1, 2, 3, 4, 5]
        assert [loss for _, loss, _ in seen] == h.loss  # the loss before each update
        assert all(m is model for _, _, m in seen)
        runs[fast] = h.loss
    assert runs[True] == pytest.approx(runs[False], rel=1e-12)


@pytest.mark.parametrize("fast", [False, True], ids=["eager", "fast"])
def test_callback_raising_keyboard_interrupt_stops_both_loops_alike(fast: bool) -> None:
    def stop_at_3(step: int, loss: float, model: Any) -> str:
        if step == 3:
            raise KeyboardInterrupt
        return "ignored"  # what a callback returns does not matter

    model = small()
    h = fit(model, X4, Y_AND, max_steps=50, fast=fast, callback=stop_at_3, progress=False)
    assert (h.stopped_because, h.steps, len(h.loss)) == ("interrupted", 3, 3)
    assert all(p.grad == 0.0 for p in model.parameters())

    def broken(step: int, loss: float, model: Any) -> None:
        raise RuntimeError("callback bug")

    with pytest.raises(RuntimeError, match="callback bug"):  # other errors are not swallowed
        fit(small(), X4, Y_AND, max_steps=5, fast=fast, callback=broken, progress=False)


class CtrlCMidway(Optimizer):
    """Adds 1 to every parameter; on step ``at`` it presses Ctrl-C (SIGINT to this process)
    after the first parameter, as a user might at any moment."""

    def __init__(self, params: Any, at: int) -> None:
        super().__init__(params, lr=1.0)
        self.at, self.calls = at, 0

    def step(self) -> None:
        self.calls += 1
        for i, p in enumerate(self.params):
            p.data += 1.0
            if i == 0 and self.calls == self.at:
                os.kill(os.getpid(), signal.SIGINT)


def _fit_catching_escapes(*args: Any, **kwargs: Any) -> History:
    try:
        return fit(*args, **kwargs)
    except KeyboardInterrupt:  # would otherwise stop the whole pytest run
        pytest.fail("Ctrl-C escaped fit instead of ending training cleanly")


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("fast", [False, True], ids=["eager", "fast"])
def test_ctrl_c_during_the_update_lets_the_update_finish(fast: bool) -> None:
    model = small()
    before = [p.data for p in model.parameters()]
    opt = CtrlCMidway(model.parameters(), at=3)
    seen: list[int] = []
    h = _fit_catching_escapes(model, X4, Y_AND, optimizer=opt, max_steps=10, fast=fast,
                              progress=False, callback=lambda s, e, m: seen.append(s))  # fmt: skip
    assert h.stopped_because == "interrupted"
    assert (opt.calls, h.steps, len(h.loss)) == (3, 3, 3)  # step 3 finished, no step 4
    assert [p.data for p in model.parameters()] == [b + 1.0 + 1.0 + 1.0 for b in before]
    assert seen == [1, 2]  # the interrupt comes before step 3's callback
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
def test_ctrl_c_outside_the_update_still_stops_at_once() -> None:
    calls = 0

    def loss(outputs: Any, targets: Any) -> Value:
        nonlocal calls
        calls += 1
        if calls == 4:
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10**6):  # the interrupt arrives here, within the loss
                pass
            pytest.fail("Ctrl-C during the loss was held back")
        return mse(outputs, targets)

    model = small()
    h = _fit_catching_escapes(model, X4, Y_AND, loss=loss, max_steps=50, progress=False)
    assert (h.stopped_because, h.steps, len(h.loss)) == ("interrupted", 3, 3)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_sigint_handler_is_restored_after_an_error_and_left_alone_if_not_the_default() -> None:
    def not_a_value(outputs: Any, targets: Any) -> Any:
        return 1.0

    with pytest.raises(TypeError, match="must return a Value"):
        fit(small(), X4, Y_AND, loss=not_a_value, max_steps=1, progress=False)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler

    def mine(signum: int, frame: Any) -> None:
        pass

    old = signal.signal(signal.SIGINT, mine)
    try:
        seen: list[Any] = []
        fit(small(), X4, Y_AND, max_steps=2, progress=False,
            callback=lambda s, e, m: seen.append(signal.getsignal(signal.SIGINT)))  # fmt: skip
        assert seen == [mine, mine]  # someone else's Ctrl-C handler is not replaced
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, old)


def test_fit_in_a_worker_thread_trains_without_the_signal_handler() -> None:
    # signal.signal only works in the main thread; elsewhere fit trains as usual.
    results: list[Any] = []

    def work() -> None:
        try:
            results.append(fit(small(), X4, Y_AND, max_steps=3, progress=False))
        except BaseException as exc:  # report anything to the main thread
            results.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert isinstance(results[0], History) and results[0].steps == 3


# ------------------------------------------------------------------------------------------------
# Both engines check the data the same way, up front (reliability review D3, D7)
# ------------------------------------------------------------------------------------------------

BAD_DATA = {
    # name: (model outputs, loss, X, y, the error's type and words)
    "bce target 2": (1, "bce", X4, [0, 1, 2, 0], ValueError, "y[2] is 2, but loss 'bce' needs"),
    "hinge target 0": (1, "hinge", X4, [1, -1, 0, 1], ValueError, "labels -1 or +1"),
    "one logit for cross_entropy": (1, "cross_entropy", X4, [0, 1, 0, 1], ValueError,
                                    "needs at least 2 outputs"),
    "class 5 of 2": (2, "cross_entropy", X4, [0, 1, 5, 0], ValueError, "y[2] is class 5"),
    "float class": (2, "cross_entropy", X4, [0, 1, 0.5, 0], TypeError, "int class"),
    "bce with 2 outputs": (2, "bce", X4, [0, 1, 1, 0], ValueError, "y[0] must be a list of 2"),
    "list targets, 1 output": (1, "mse", X4, [[0.0], [1.0], [1.0], [0.0]], TypeError,
                               "y[0] must be a number (the model has one output)"),
    "string target": (1, "mse", X4, [0.0, "a", 1.0, 0.0], TypeError, "y[1] must be a number"),
    "nan target": (1, "mse", X4, [0.0, math.nan, 1.0, 0.0], ValueError, "y[1] is nan"),
    "nan in X": (1, "mse", [[0.0, 0.0], [0.0, math.nan]], [0.0, 1.0], ValueError,
                 "X[1][1] is nan: the data must be finite"),
    "inf in X": (1, "mse", [[0.0, math.inf], [0.0, 1.0]], [0.0, 1.0], ValueError, "X[0][1] is inf"),
    "ragged X": (1, "mse", [[0.0, 0.0], [0.0]], [0.0, 1.0], ValueError, "X[1] has 1 numbers"),
    "short rows": (1, "mse", [[0.0], [1.0]], [0.0, 1.0], ValueError, "expected 2 inputs, got 1"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_DATA))
def test_both_engines_refuse_bad_data_alike_before_training(case: str) -> None:
    outputs, loss, X, y, error, words = BAD_DATA[case]
    messages = []
    for fast in (False, True):
        model = MLP(2, [3, outputs], seed=0)
        before = [p.data for p in model.parameters()]
        with pytest.raises(error, match=re.escape(words)) as info:
            fit(model, X, y, loss=loss, max_steps=5, progress=False, fast=fast)
        assert [p.data for p in model.parameters()] == before  # refused before any step
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("fast", [False, True])
@pytest.mark.parametrize(
    ("make", "scale"),
    [
        (lambda m: Adam(m.parameters(), lr=1e308), 1.0),  # the review's cases: ±inf weights
        (lambda m: SGD(m.parameters(), lr=1e200), 1e200),
    ],
    ids=["adam", "sgd"],
)
def test_an_update_that_would_make_a_weight_non_finite_is_not_applied(
    fast: bool, make: Callable[[MLP], Optimizer], scale: float
) -> None:
    X = [[0.0, scale], [scale, 0.0]]
    model = MLP(2, [4, 1], seed=0)
    h = fit(model, X, [0, 1], loss="bce", optimizer=make(model), max_steps=10, progress=False,
            fast=fast)  # fmt: skip
    assert h.stopped_because == "diverged"
    assert all(math.isfinite(p.data) for p in model.parameters())
    assert len(h.loss) == h.steps + 1 and all(math.isfinite(e) for e in h.loss)
    assert all(p.grad == 0.0 for p in model.parameters())
    replay = MLP(2, [4, 1], seed=0)  # the weights are exactly those of h.steps whole updates
    if h.steps:
        fit(replay, X, [0, 1], loss="bce", optimizer=make(replay), max_steps=h.steps,
            progress=False, fast=fast)  # fmt: skip
    assert [p.data for p in replay.parameters()] == [p.data for p in model.parameters()]


# ------------------------------------------------------------------------------------------------
# fit(fast=True) keeps SGD's and Adam's weights in arrays (review 2026-12, Part C §6)
# ------------------------------------------------------------------------------------------------

OPTIMIZERS: dict[str, Callable[[list[Value], type], Optimizer]] = {
    "sgd": lambda ps, kind: kind(ps, lr=0.1),
    "momentum": lambda ps, kind: kind(ps, lr=0.05, momentum=0.9),
    "nesterov+decay": lambda ps, kind: kind(ps, lr=0.05, momentum=0.8, nesterov=True,
                                            weight_decay=0.01),
    "adam": lambda ps, kind: kind(ps, lr=0.01),
    "adam+decay": lambda ps, kind: kind(ps, lr=0.02, betas=(0.8, 0.9), weight_decay=0.1),
}  # fmt: skip


class _OwnSGD(SGD):
    """A subclass: fit(fast=True) runs its own step() on the Values (it could change it)."""


class _OwnAdam(Adam):
    """As _OwnSGD."""


def _two_moons_runs(
    name: str, **kwargs: Any
) -> tuple[MLP, MLP, Optimizer, Optimizer, list[History]]:
    """The same fast fit twice: the optimizer's update on arrays, and its own step()."""
    X, y = make_moons(60, noise=0.1, seed=3)
    runs: list[tuple[MLP, Optimizer, History]] = []
    base = Adam if name.startswith("adam") else SGD
    own = _OwnAdam if base is Adam else _OwnSGD
    for kind in (base, own):
        model = MLP(2, [8, 8, 1], seed=4)
        opt = OPTIMIZERS[name](model.parameters(), kind)
        h = fit(model, X, y, loss="bce", optimizer=opt, batch_size=16, progress=False, fast=True,
                **kwargs)  # fmt: skip
        runs.append((model, opt, h))
    (a, opt_a, h_a), (b, opt_b, h_b) = runs
    return a, b, opt_a, opt_b, [h_a, h_b]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_the_array_update_is_the_optimizers_own_bit_for_bit(name: str) -> None:
    # The update on arrays does per element what SGD.step / Adam.step do, in the same order:
    # the same weights, gradients and optimizer state, to the last bit, after 20 steps.
    a, b, opt_a, opt_b, (h_a, h_b) = _two_moons_runs(name, max_steps=20)
    assert h_a.loss == h_b.loss and h_a.accuracy == h_b.accuracy
    assert (h_a.steps, h_a.stopped_because) == (h_b.steps, h_b.stopped_because) == (20, "max_steps")
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.grad for p in a.parameters()] == [p.grad for p in b.parameters()]
    if isinstance(opt_a, Adam):
        assert (opt_a.t, opt_a._m, opt_a._v) == (opt_b.t, opt_b._m, opt_b._v)  # type: ignore[attr-defined]
    else:
        assert opt_a._velocity == opt_b._velocity  # type: ignore[attr-defined]


def test_the_array_path_stops_at_a_target_as_the_eager_loop() -> None:
    # At the target no backward runs: .grad keeps the step before's gradient, as eager's does.
    a, b, _, _, (h_a, h_b) = _two_moons_runs("momentum", target_loss=0.45, max_steps=500)
    assert h_a.stopped_because == h_b.stopped_because == "target_loss"
    assert h_a.loss == h_b.loss and len(h_a.loss) == h_a.steps + 1
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.grad for p in a.parameters()] == [p.grad for p in b.parameters()]


def test_a_callback_sees_the_weights_and_its_changes_are_kept() -> None:
    # The weights live in arrays during fit: before each callback they are written to the
    # Values (the callback sees the step's result), and read back after it (it may set some).
    seen: dict[str, list[list[float]]] = {"fast": [], "eager": []}
    models = {}
    for engine in ("eager", "fast"):
        model = MLP(2, [3, 1], activation="tanh", seed=0)

        def clip(step: int, loss: float, m: Any, engine: str = engine) -> None:
            seen[engine].append([p.data for p in m.parameters()])
            for p in m.parameters():  # a weight clip, as some training loops do
                p.data = max(-0.3, min(0.3, p.data))

        fit(model, X4, Y_AND, optimizer=Adam(model.parameters(), lr=0.1), max_steps=6,
            callback=clip, progress=False, fast=engine == "fast")  # fmt: skip
        models[engine] = model
    for fast_step, eager_step in zip(seen["fast"], seen["eager"], strict=True):
        assert fast_step == pytest.approx(eager_step, abs=1e-12)
    assert max(abs(p.data) for p in models["fast"].parameters()) <= 0.3
    assert [p.data for p in models["fast"].parameters()] == pytest.approx(
        [p.data for p in models["eager"].parameters()], abs=1e-12
    )


def test_an_optimizer_over_some_weights_and_others_outside_the_model() -> None:
    # SGD over the last layer only, plus a Value the model never uses: the other weights stay
    # as they were, the unused one moves by its weight decay alone (its gradient is 0), and
    # the fixed weights still collect their gradients in .grad, as in the eager loop.
    results = []
    for fast in (False, True):
        model = MLP(2, [4, 1], seed=5)
        stray = Value(2.0, label="stray")
        last = model.layers[-1].parameters()
        opt = SGD([*last, stray], lr=0.1, weight_decay=0.5)
        first_before = [p.data for p in model.layers[0].parameters()]
        fit(model, X4, Y_AND, optimizer=opt, max_steps=4, progress=False, fast=fast)
        assert [p.data for p in model.layers[0].parameters()] == first_before
        decayed = 2.0
        for _ in range(4):  # by hand: p ← p − lr·(0 + λ·p), as SGD computes it
            decayed -= 0.1 * (0.0 + 0.5 * decayed)
        assert stray.data == decayed and stray.grad == 0.0
        results.append(([p.data for p in model.parameters()], [p.grad for p in model.parameters()]))
    (eager_data, eager_grad), (fast_data, fast_grad) = results
    assert fast_data == pytest.approx(eager_data, abs=1e-12)
    assert fast_grad == pytest.approx(eager_grad, abs=1e-12)
    assert any(g != 0.0 for g in fast_grad[:12])  # the first layer's gradients, accumulated


# BLAS threads (review 2026-12, Part C §6: with two BLAS threads on a busy two-core machine the
# fast path ran 15 to 50 times slower than with one). Each case runs in a fresh interpreter,
# since BLAS reads its thread count once, when NumPy loads.
_BLAS_THREADS = """
import os, sys
if sys.argv[1] == "numpy first":
    import numpy
from threadpoolctl import threadpool_info
from autograd_mlp import MLP
from autograd_mlp.nn.train import fit

def blas_threads():
    return max(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")

before = blas_threads() if "numpy" in sys.modules else None
during = []
fit(MLP(2, [3, 1], seed=0), [[0.0, 1.0], [1.0, 0.0]], [0.0, 1.0], max_steps=2, progress=False,
    fast=True, callback=lambda *args: during.append(blas_threads()))
print(os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("MKL_NUM_THREADS"), before,
      during, blas_threads())
"""


@pytest.mark.parametrize(
    ("case", "variables", "expected"),
    [
        # the fast path imports NumPy: it asks for one BLAS thread before BLAS loads
        ("fresh", {}, "1 1 None [1, 1] 1"),
        # the user's own thread count is kept (threadpoolctl limits it to one during fit)
        ("fresh", {"OPENBLAS_NUM_THREADS": "2"}, "2 None None [1, 1] 2"),
        # NumPy imported first: nothing set; one thread during fit, BLAS's own count after
        ("numpy first", {}, "None None {n} [1, 1] {n}"),
    ],
    ids=["fresh", "user-set", "numpy-first"],
)
def test_the_fast_path_trains_with_one_blas_thread(
    case: str, variables: dict[str, str], expected: str
) -> None:
    from conftest import needs

    needs("threadpoolctl")
    from autograd_mlp.nn.fast import BLAS_THREAD_VARIABLES

    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES} | variables
    done = subprocess.run([sys.executable, "-c", _BLAS_THREADS, case], capture_output=True,
                          text=True, timeout=120, env=env, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    words = done.stdout.split(maxsplit=2)
    # BLAS's own count is the machine's (1 on a one-core machine: then "after" shows nothing)
    own = words[2].split()[0] if case == "numpy first" else ""
    assert done.stdout.strip() == expected.format(n=own)


# ------------------------------------------------------------------------------------------------
# Ctrl-C while fit starts up or winds down (reliability review D15)
# ------------------------------------------------------------------------------------------------


def test_ctrl_c_while_the_fast_engine_traces_returns_a_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import autograd_mlp.nn.fast as fast_module

    real_trace = fast_module.trace

    def trace_interrupted(*args: Any) -> Any:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C in the first milliseconds of fit
        return real_trace(*args)

    monkeypatch.setattr(fast_module, "trace", trace_interrupted)
    model = small()
    before = [p.data for p in model.parameters()]
    h = fit(model, X4, Y_AND, max_steps=50, progress=False, fast=True)
    assert (h.stopped_because, h.steps) == ("interrupted", 0)
    assert [p.data for p in model.parameters()] == before
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# A fresh interpreter whose first import of NumPy is interrupted: a finder on sys.meta_path
# presses Ctrl-C when NumPy asks for the module named in argv[1]. Measured with NumPy 2.4: a
# Ctrl-C as numpy._core._exceptions is imported (after the compiled core has loaded) makes every
# later import fail with "cannot load module more than once per process"; one as
# numpy._array_api_info is imported leaves a NumPy without numpy.ma.
_CTRL_C_IN_NUMPY_IMPORT = """
import importlib.abc, os, signal, sys

class CtrlC(importlib.abc.MetaPathFinder):
    pressed = False

    def find_spec(self, name, path, target=None):
        if name == sys.argv[1] and not CtrlC.pressed:
            CtrlC.pressed = True
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
from autograd_mlp import MLP
from autograd_mlp.nn.train import fit

assert "numpy" not in sys.modules
X, y = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0.0, 0.0, 0.0, 1.0]
first = fit(MLP(2, [3, 1], seed=0), X, y, max_steps=5, progress=False, fast=True)
second = fit(MLP(2, [3, 1], seed=0), X, y, max_steps=5, progress=False, fast=True)
print(CtrlC.pressed, first.stopped_because, first.steps, second.stopped_because, second.steps)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("module", ["numpy._core._exceptions", "numpy._array_api_info"])
def test_ctrl_c_while_fit_first_imports_numpy_leaves_the_fast_path_working(module: str) -> None:
    """Review N15: a Ctrl-C while fit(fast=True) imported NumPy for the first time returned
    "interrupted", and every later fit(fast=True) in the process raised ImportError. Now the
    interrupt waits until NumPy is imported whole, then stops that fit as any Ctrl-C does."""
    done = subprocess.run(
        [sys.executable, "-c", _CTRL_C_IN_NUMPY_IMPORT, module],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # pressed: the Ctrl-C did come during the import (else this NumPy imports other modules)
    assert done.stdout.split() == ["True", "interrupted", "0", "max_steps", "5"]


@pytest.mark.parametrize("fast", [False, True])
def test_a_second_ctrl_c_while_fit_winds_down_does_not_escape(fast: bool) -> None:
    class Twice(SGD):
        """Sends the second SIGINT from the clean-up after the first one."""

        interrupted = False

        def zero_grad(self) -> None:
            if self.interrupted:
                os.kill(os.getpid(), signal.SIGINT)
            super().zero_grad()

    model = small()
    opt = Twice(model.parameters(), lr=0.1)

    def callback(step: int, loss: float, model: Any) -> None:
        if step == 3:
            opt.interrupted = True
            os.kill(os.getpid(), signal.SIGINT)

    h = fit(model, X4, Y_AND, optimizer=opt, max_steps=50, callback=callback, progress=False,
            fast=fast)  # fmt: skip
    assert (h.stopped_because, h.steps) == ("interrupted", 3)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_imported_ipykernel_is_not_a_notebook(capsys: Any) -> None:
    """A process that has imported ipykernel (a test suite that runs notebooks) but is not a
    kernel still writes no bar into a redirected log; a kernel's shell does get one."""
    import ipykernel  # noqa: F401  (imported, as a notebook-running test suite does)

    from autograd_mlp._progress import in_notebook, shows_bars

    assert not in_notebook() and not shows_bars()
    fit(small(), X4, Y_AND, max_steps=5, progress=True)
    assert capsys.readouterr().err == ""
