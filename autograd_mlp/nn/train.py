"""`fit`: the training loop, with the lesson's stopping rules, a progress bar and a history.

One training *step* is what the lesson does by hand, repeated:

1. forward: run the model on a batch of samples and compute the loss,
2. backward: ``loss.backward()`` fills every parameter's ``.grad``,
3. update: the optimizer changes each parameter (W' = W − a·∂E/∂W for plain SGD),
4. zero the gradients, because leaf gradients accumulate across backward calls.

Training stops at the first of: ``max_steps`` updates, ``epochs`` passes over the data, the loss
reaching ``target_loss`` (the lesson: "until an iteration count or a target error is reached"),
the loss becoming inf or nan, or an update that would make a weight inf or nan (training has
diverged: every later step would only spread the nan), or Ctrl-C. Whatever stopped it, `fit`
returns a `History`; ``stopped_because`` says which.

Bad data is not divergence: X and y are checked once, before any work, by one function
(`check_data`) for both engines -- every row the same length and finite, every target of the
shape and range the named loss needs -- so the two engines accept and refuse the same data
with the same ValueError or TypeError.

Ctrl-C never leaves an update half-done: while the optimizer changes the parameters, an
interrupt is held back until every parameter has its new value (see `_HoldCtrlC`). The handler
is in place before any work starts (the fast engine's tracing included), and a second Ctrl-C
while `fit` winds down after the first is absorbed, so Ctrl-C always ends in a returned
history.

The same loop runs both engines: the eager one rebuilds the graph for each sample, the fast one
(``fast=True``) replays a traced graph with NumPy (`autograd_mlp.fast`). Only the computation
of a batch's loss and gradients differs, so stopping rules, callback and Ctrl-C behave alike.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any, Union

from .._optional import require_numpy
from .._progress import shows_bars
from .._text import quote
from ..engine import Value, no_grad
from .losses import LOSSES, binary_cross_entropy, cross_entropy, hinge
from .modules import Module
from .optim import SGD, Optimizer

__all__ = ["fit", "check_data", "History", "DEFAULT_LR", "DEFAULT_MAX_STEPS"]

LossFn = Callable[[Any, Any], Value]
Callback = Callable[[int, float, Module], object]
LossArg = Union[str, LossFn]  # noqa: UP007 (a runtime alias, kept readable on 3.10)
# One batch, samples [start, stop): its loss, its accuracy (None when not measured) and a
# function that fills every parameter's .grad with the gradient of that loss.
Batch = Callable[[int, int], tuple[float, float | None, Callable[[], None]]]


def _nothing() -> None:
    pass


@dataclass
class _Engine:
    """How one engine computes and applies a step; `_loop` around it is the same for both.

    ``update`` applies the optimizer's step to every parameter or to none: it returns False,
    the step undone, when a weight would become inf or nan. ``sync`` makes the Values (and
    the optimizer) show the current weights and gradients, for an engine that keeps them
    elsewhere during training; ``reload`` takes back what a callback may have changed.
    """

    batch: Batch
    update: Callable[[], bool]
    zero_grad: Callable[[], None]
    sync: Callable[[], None] = _nothing
    reload: Callable[[], None] = _nothing


DEFAULT_LR = 0.1  # for the SGD made when no optimizer is given: small nets, unit-scale data
# A safety net when only target_loss is given: a target that is never reached must not train
# for ever.
DEFAULT_MAX_STEPS = 10_000

STOP_REASONS = ("max_steps", "epochs", "target_loss", "interrupted")


@dataclass
class History:
    """What happened during `fit`.

    * ``loss[i]``     -- the loss of step i's batch, computed *before* that step's update
    * ``accuracy[i]`` -- the fraction of step i's batch classified correctly, for the losses
      where that means something (hinge, bce, cross_entropy); empty otherwise
    * ``steps``       -- how many updates were applied
    * ``stopped_because`` -- "max_steps", "epochs", "target_loss", "diverged" (the loss became
      inf or nan, or the next update would have made a weight inf or nan) or "interrupted"

    When training stops because of ``target_loss`` or "diverged", the last loss is the one that
    stopped it and no update follows it (an update that would have made a weight non-finite is
    undone), so ``len(loss) == steps + 1``; otherwise the two are equal (or ``loss`` is one
    longer when Ctrl-C arrived between the loss and the update).
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    steps: int = 0
    epochs: int = 0
    stopped_because: str = ""

    @property
    def final_loss(self) -> float:
        """The last loss computed (nan if none was)."""
        return self.loss[-1] if self.loss else math.nan


def _resolve_loss(loss: LossArg) -> tuple[LossFn, Callable[[Any, Any], float] | None]:
    """The loss function and, for classification losses, how to measure accuracy."""
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(
                f"unknown loss {loss!r}; expected one of {', '.join(map(repr, LOSSES))} "
                f"or a callable (outputs, targets) -> Value"
            )
        fn: LossFn = LOSSES[loss]
    elif callable(loss):
        fn = loss
    else:
        raise TypeError(
            f"loss must be a name or a callable (outputs, targets) -> Value, got {loss!r}"
        )
    accuracy: dict[object, Callable[[Any, Any], float]] = {
        hinge: _accuracy_sign,
        binary_cross_entropy: _accuracy_logit,
        cross_entropy: _accuracy_argmax,
    }
    return fn, accuracy.get(fn)


def _accuracy_sign(outputs: Sequence[Value], targets: Sequence[float]) -> float:
    """Labels ±1: right when the score has the label's sign (score 0 counts as wrong)."""
    right = sum(1 for s, t in zip(outputs, targets) if s.data * t > 0.0)
    return right / len(targets)


def _accuracy_logit(outputs: Sequence[Value], targets: Sequence[float]) -> float:
    """Labels 0/1: predict 1 when the logit is positive (probability σ(z) > ½)."""
    right = sum(1 for z, t in zip(outputs, targets) if (z.data > 0.0) == (t >= 0.5))
    return right / len(targets)


def _accuracy_argmax(outputs: Sequence[Sequence[Value]], targets: Sequence[int]) -> float:
    """Classes 0..K−1: predict the class with the largest logit."""
    right = 0
    for logits, t in zip(outputs, targets):
        scores = [z.data for z in logits]
        right += scores.index(max(scores)) == t
    return right / len(targets)


def _check_positive_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int or None, got {value!r}")
    return value


class _HoldCtrlC:
    """Ctrl-C during `fit` raises KeyboardInterrupt once, except inside ``with hold:`` blocks
    (the parameter updates), where it is held until the block is done and raised then.

    So an update is applied to every parameter or to none. Once the interrupt has been raised,
    `fit` is stopping: a further Ctrl-C (a key pressed twice, a second signal a millisecond
    later) is absorbed instead of breaking into the clean-up. It works through a SIGINT
    handler, installed for the duration of `fit` and then restored. Only when Python's own
    handler is in place: someone else's handler (or a fit outside the main thread, where
    signal handlers cannot be set and Ctrl-C is not delivered anyway) is left alone.
    """

    def __init__(self) -> None:
        self.updating = False
        self.pending = False
        self.raised = False
        self.installed = False

    def install(self) -> None:
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self.installed = True  # first: a Ctrl-C right after the next line is ours
                signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread of the main interpreter
            self.installed = False

    def restore(self) -> None:
        """Put Python's handler back, unless something replaced ours during training."""
        if self.installed and signal.getsignal(signal.SIGINT) == self._handle:
            signal.signal(signal.SIGINT, signal.default_int_handler)
        self.installed = False

    def stopping(self) -> None:
        """From now on `fit` is winding down: absorb any further Ctrl-C."""
        self.raised = True

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.raised:
            return  # already stopping
        if self.updating:
            self.pending = True
        else:
            self.raised = True
            raise KeyboardInterrupt

    def __enter__(self) -> None:
        self.updating = True

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.updating = False
        if self.pending and kind is None and not self.raised:
            self.pending = False
            self.raised = True
            raise KeyboardInterrupt


def _progress_bar(enabled: bool, total: int | None) -> Any:
    if not enabled:
        return None
    if not shows_bars():  # a redirected log: no line of carriage returns per refresh
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="training", unit="step", leave=True, dynamic_ncols=True)


# ------------------------------------------------------------------------------------------------
# The data: checked once, up front, the same for both engines
# ------------------------------------------------------------------------------------------------

# What each named loss needs of one target number (cross_entropy's int class is checked apart)
_TARGET_RANGE: dict[str, tuple[Callable[[float], bool], str]] = {
    "hinge": (lambda t: t in (-1.0, 1.0), "labels -1 or +1"),
    "bce": (lambda t: 0.0 <= t <= 1.0, "targets in [0, 1] (labels 0 or 1)"),
}


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def check_data(model: Module, X: Sequence[Any], y: Sequence[Any], loss: LossArg = "mse") -> None:
    """Check samples ``X`` and targets ``y`` for `fit`, for both engines alike, before any work.

    Every row of X is a list of finite numbers, all of the same length (the model's number of
    inputs); for a loss given by name every target has the shape of the model's output (a
    number for one output, a list of that many numbers for several; one int class per sample
    for cross_entropy) and the range the loss needs, and is finite. NaN or inf in the data is
    reported here, as bad data, rather than found later as a loss that "diverged". Raises
    TypeError or ValueError naming the first bad sample.
    """
    for i, row in enumerate(X):
        if isinstance(row, (str, bytes, Value)) or not hasattr(row, "__len__"):
            raise TypeError(f"X[{i}] must be a list of numbers (one sample), got {quote(row)}")
        if len(row) != len(X[0]):
            raise ValueError(
                f"X[{i}] has {len(row)} numbers but X[0] has {len(X[0])}: every sample needs "
                f"the same number of inputs"
            )
        for j, v in enumerate(row):
            number = v.data if isinstance(v, Value) else v
            if not _is_number(number):
                raise TypeError(f"X[{i}][{j}] must be a number, got {quote(v)}")
            if not math.isfinite(number):
                raise ValueError(
                    f"X[{i}][{j}] is {number!r}: the data must be finite numbers (fix or drop "
                    f"that sample; training on it would only give a nan loss)"
                )
    if not isinstance(loss, str):
        return  # a loss function of the user's own defines its own targets
    name = "bce" if loss == "binary_cross_entropy" else loss
    with no_grad():
        first = model(list(X[0]))  # type: ignore[operator]  # also checks the row's length
    outputs = 1 if isinstance(first, Value) else len(first)
    if name == "cross_entropy":
        if outputs < 2:
            raise ValueError(
                f"loss 'cross_entropy' needs at least 2 outputs (one logit per class), the "
                f"model has {outputs}; use 'bce' for one logit and labels 0/1"
            )
        for i, t in enumerate(y):
            if isinstance(t, bool) or not isinstance(t, numbers.Integral):
                raise TypeError(f"y[{i}] must be an int class for 'cross_entropy', got {quote(t)}")
            if not 0 <= int(t) < outputs:
                raise ValueError(
                    f"y[{i}] is class {quote(t)}, but the model has {outputs} outputs: "
                    f"classes are 0..{outputs - 1}"
                )
        return
    allowed, needs = _TARGET_RANGE.get(name, (lambda t: True, ""))
    for i, t in enumerate(y):
        if outputs == 1:
            if not _is_number(t):
                raise TypeError(
                    f"y[{i}] must be a number (the model has one output), got {quote(t)}"
                )
            row = [t]
        else:
            if isinstance(t, (str, bytes)) or not hasattr(t, "__len__") or len(t) != outputs:
                raise ValueError(
                    f"y[{i}] must be a list of {outputs} numbers (one per output of the model), "
                    f"got {quote(t)}"
                )
            row = list(t)
        for j, tj in enumerate(row):
            at = f"y[{i}]" if outputs == 1 else f"y[{i}][{j}]"
            if not _is_number(tj):
                raise TypeError(f"{at} must be a number, got {quote(tj)}")
            if not math.isfinite(tj):
                raise ValueError(f"{at} is {tj!r}: targets must be finite numbers")
            if not allowed(float(tj)):
                raise ValueError(f"{at} is {quote(tj)}, but loss {loss!r} needs {needs}")


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: LossArg = "mse",
    optimizer: Optimizer | None = None,
    epochs: int | None = None,
    max_steps: int | None = None,
    batch_size: int | None = None,
    target_loss: float | None = None,
    progress: bool = True,
    fast: bool = False,
    callback: Callback | None = None,
) -> History:
    """Train ``model`` on samples ``X`` with targets ``y``; return the `History`.

    ``loss`` is a name -- "mse", "sse", "hinge" (labels ±1), "bce" or "binary_cross_entropy"
    (one logit per sample, labels 0/1), "cross_entropy" (K logits per sample, int classes) -- or
    any callable ``(outputs, targets) -> Value``, where ``outputs`` is the list of what the model
    returned for each sample of the batch and ``targets`` the matching slice of ``y``.

    ``optimizer`` is an `SGD`/`Adam` (or anything with ``step()`` and ``zero_grad()``) built on
    ``model.parameters()``; by default ``SGD(model.parameters(), lr=DEFAULT_LR)``.

    Stopping: ``max_steps`` updates, ``epochs`` passes over the data, or the step's loss ≤
    ``target_loss``. At least one must be given; with only ``target_loss``, ``max_steps``
    defaults to `DEFAULT_MAX_STEPS`. Training also stops at the first loss that is inf or nan,
    and at the first update that would make a weight inf or nan (an overflowing step: it is
    undone), with ``stopped_because == "diverged"``: the weights are those after
    ``history.steps`` updates, all finite (an optimizer's own state, such as Adam's moments,
    has seen the undone step). X and y are checked first by `check_data`, the same for both
    engines: bad data (a NaN, a target out of range, a wrong shape) is a ValueError or
    TypeError before any training.
    ``batch_size`` None means the whole dataset per step (full-batch gradient descent);
    otherwise consecutive slices of X in order (the `data` generators already shuffle).

    ``progress=True`` shows a tqdm bar with the live loss. ``callback(step, loss, model)`` runs
    after each update, with the number of updates so far and the loss computed before this one;
    what it returns is ignored. Ctrl-C stops training and returns the history so far with
    ``stopped_because == "interrupted"``; so does a callback that raises KeyboardInterrupt
    (other exceptions propagate). A Ctrl-C that arrives during an update lets the update finish
    first, so the parameters are always those after ``history.steps`` whole updates.

    ``fast=True`` replays a traced graph with NumPy (`autograd_mlp.fast`) instead of rebuilding
    it per sample: same batches, steps, stopping rules, accuracy, callback and Ctrl-C handling.
    It needs the loss by name (a callable loss could branch on values, which a trace cannot
    replay).
    """
    if not isinstance(model, Module):
        raise TypeError(f"model must be an autograd_mlp Module (e.g. MLP), got {model!r}")
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)} targets")
    if len(X) == 0:
        raise ValueError("X is empty: need at least one sample to train on")
    epochs = _check_positive_int(epochs, "epochs")
    max_steps = _check_positive_int(max_steps, "max_steps")
    batch_size = _check_positive_int(batch_size, "batch_size")
    if target_loss is not None:
        if (
            isinstance(target_loss, bool)
            or not isinstance(target_loss, (int, float))
            or math.isnan(target_loss)
        ):
            raise ValueError(f"target_loss must be a number or None, got {target_loss!r}")
        target_loss = float(target_loss)
    if epochs is None and max_steps is None:
        if target_loss is None:
            raise ValueError(
                "fit needs a stopping rule: give epochs=, max_steps= and/or target_loss="
            )
        max_steps = DEFAULT_MAX_STEPS
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be a function (step, loss, model), got {callback!r}")
    loss_fn, accuracy_fn = _resolve_loss(loss)
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=DEFAULT_LR)
    elif not (
        callable(getattr(optimizer, "step", None))
        and callable(getattr(optimizer, "zero_grad", None))
    ):
        raise TypeError(
            f"optimizer must have step() and zero_grad(), e.g. "
            f"SGD(model.parameters(), lr=0.1); got {optimizer!r}"
        )
    params = model.parameters()
    history = History()
    hold = _HoldCtrlC()
    bar = None
    engine: _Engine | None = None
    try:
        hold.install()  # before any work: from here on, Ctrl-C ends in a returned history
        if fast:
            # NumPy's first import, held against Ctrl-C until it is whole: an import broken
            # off half-way cannot be redone in this process (review N15), so the interrupt
            # is raised after it, and stops this fit like any other
            with hold:
                _import_fast()
        check_data(model, X, y, loss)
        if fast:
            engine = _fast_engine(model, X, y, loss, optimizer, params)
        else:
            batch = _eager_batches(model, X, y, loss_fn, accuracy_fn, optimizer)
            engine = _Engine(batch, _value_update(optimizer, params), optimizer.zero_grad)
        n = len(X)
        size = n if batch_size is None else min(batch_size, n)
        batches_per_epoch = math.ceil(n / size)
        limits = [m for m in (max_steps, epochs and epochs * batches_per_epoch) if m]
        # With a target the step count is open-ended: the bar counts steps instead of showing
        # a fraction of a limit that is only a safety net.
        total = min(limits) if limits and target_loss is None else None
        bar = _progress_bar(progress, total)
        with _blas_threads(fast):
            history.stopped_because = _loop(
                model, engine, n, size, epochs, max_steps, target_loss, history, bar, callback,
                hold,
            )  # fmt: skip
    except KeyboardInterrupt:
        hold.stopping()
        history.stopped_because = "interrupted"
        # a half-finished backward leaves partial gradients behind
        (optimizer.zero_grad if engine is None else engine.zero_grad)()
    finally:
        hold.stopping()  # a Ctrl-C during the clean-up below is absorbed, not raised
        if engine is not None:
            engine.sync()  # the fast engine's weights, from its arrays into the Values
        if bar is not None:
            bar.close()
        hold.restore()
    return history


def _loop(
    model: Module,
    engine: _Engine,
    n: int,
    size: int,
    epochs: int | None,
    max_steps: int | None,
    target_loss: float | None,
    history: History,
    bar: Any,
    callback: Callback | None,
    hold: _HoldCtrlC,
) -> str:
    """Run steps until a stopping rule fires; return its name. Fills ``history`` as it goes."""
    while True:
        for start in range(0, n, size):
            if max_steps is not None and history.steps >= max_steps:
                return "max_steps"
            value, accuracy, backward = engine.batch(start, start + size)
            history.loss.append(value)
            if accuracy is not None:
                history.accuracy.append(accuracy)
            if not math.isfinite(value):  # e.g. a learning rate too large: stop, don't spread nan
                return "diverged"
            if target_loss is not None and value <= target_loss:
                if bar is not None:
                    bar.set_postfix(loss=f"{value:.6g}")
                return "target_loss"
            backward()
            with hold, no_grad():  # Ctrl-C waits until every parameter is updated
                finite = engine.update()
                if finite:
                    history.steps += 1
            if not finite:
                engine.zero_grad()
                return "diverged"
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{value:.6g}", refresh=False)
            if callback is not None:
                with hold:  # the callback sees every parameter as it is after this update
                    engine.sync()
                callback(history.steps, value, model)
                engine.reload()
        history.epochs += 1
        if epochs is not None and history.epochs >= epochs:
            return "epochs"


def _value_update(optimizer: Optimizer, params: list[Value]) -> Callable[[], bool]:
    """The optimizer's own step on the Values, undone when a weight would become inf or nan
    (e.g. Adam with a huge lr: undo the update rather than keep ±inf weights)."""

    def update() -> bool:
        before = [p.data for p in params]
        optimizer.step()
        if _all_finite(params):
            return True
        for p, data in zip(params, before):
            p.data = data
        return False

    return update


def _all_finite(params: Sequence[Value]) -> bool:
    # One sum is finite when every term is (and a finite sum proves they are): the common
    # case costs one pass; an overflowing sum of finite weights gets the exact check.
    if math.isfinite(sum(p.data for p in params)):
        return True
    return all(math.isfinite(p.data) for p in params)


def _eager_batches(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss_fn: LossFn,
    accuracy_fn: Callable[[Any, Any], float] | None,
    optimizer: Optimizer,
) -> Batch:
    """Batches computed by the engine: a graph per sample, then ``loss.backward()``."""

    def batch(start: int, stop: int) -> tuple[float, float | None, Callable[[], None]]:
        xs, ts = X[start:stop], y[start:stop]
        outputs = [model(x) for x in xs]  # type: ignore[operator]
        loss = loss_fn(outputs, ts)
        if not isinstance(loss, Value):
            raise TypeError(f"the loss function must return a Value, got {loss!r}")
        accuracy = accuracy_fn(outputs, ts) if accuracy_fn is not None else None

        def backward() -> None:
            optimizer.zero_grad()  # leaf gradients accumulate: start each step from 0
            loss.backward()

        return loss.data, accuracy, backward

    return batch


def _import_fast() -> None:
    """Import `autograd_mlp.nn.fast` and NumPy on first use (the eager loop never loads NumPy,
    an extra); ImportError naming the extra when NumPy is not installed."""
    require_numpy("fit(fast=True)")
    from . import fast  # noqa: F401


def _blas_threads(fast: bool) -> contextlib.AbstractContextManager[None]:
    """The fast engine trains with NumPy's BLAS on one thread (when threadpoolctl can set it;
    see `autograd_mlp.nn.fast.one_blas_thread`)."""
    if not fast:
        return contextlib.nullcontext()
    from .fast import one_blas_thread

    return one_blas_thread()


def _fast_engine(
    model: Module,
    X: Sequence[Sequence[float]],
    y: Sequence[Any],
    loss: LossArg,
    optimizer: Optimizer,
    params: list[Value],
) -> _Engine:
    """Batches replayed by ``autograd_mlp.nn.fast``: one traced graph, run on the whole batch.

    With `SGD` or `Adam` the weights stay in arrays for the whole of `fit` (`fast.FitSteps`),
    written back to the Values when it returns and before each callback. Any other optimizer
    runs its own ``step()`` on the Values, which the replay then reads and fills at every step.
    """
    import numpy as np  # both already imported by `_import_fast`

    from . import fast

    if not isinstance(loss, str):
        raise ValueError(
            f"fit(fast=True) needs the loss by name (mse, sse, hinge, bce, cross_entropy), "
            f"got {loss!r}; use fast=False for a custom loss function"
        )
    name = "bce" if loss == "binary_cross_entropy" else loss
    reduction = "sum" if name == "sse" else "mean"  # as the eager losses reduce
    try:
        inputs = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"fit(fast=True) needs X as a table of numbers, one row per sample: {exc}"
        ) from None
    targets = np.asarray(y)
    # (Module declares no __call__; its subclasses, the models fit trains, all have one)
    step = fast.trace(model, inputs[0].tolist())  # type: ignore[arg-type]
    steps = fast.FitSteps.create(step, optimizer, params, inputs, targets, name, reduction)
    if steps is not None:

        def array_batch(start: int, stop: int) -> tuple[float, float | None, Callable[[], None]]:
            value, accuracy = steps.batch(start, stop)
            return value, accuracy, steps.backward

        return _Engine(array_batch, steps.apply, steps.zero_grad, steps.sync, steps.reload)

    def batch(start: int, stop: int) -> tuple[float, float | None, Callable[[], None]]:
        out = step.forward(inputs[start:stop])
        ts = targets[start:stop]
        value, grad = fast.loss_and_grad(out, ts, name, reduction)

        def backward() -> None:
            optimizer.zero_grad()  # leaf gradients accumulate: start each step from 0
            step.backward(grad)

        return value, fast.accuracy(out, ts, name), backward

    return _Engine(batch, _value_update(optimizer, params), optimizer.zero_grad)
