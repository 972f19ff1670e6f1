"""Loss functions: one number that says how wrong the network is, built from `Value` ops.

Every loss here is ordinary algebra on Values, so ``loss.backward()`` needs nothing special and a
rendered graph shows each term. Each takes the network's outputs and the targets and returns a
single `Value`:

* `mse`          -- mean (or sum) of squared errors, PyTorch's ``MSELoss``
* `sse`          -- sum of squared errors, optionally with the factor ½ that makes ∂E/∂y = y − t
* `hinge`        -- max-margin loss for labels ±1, as in micrograd's moons demo
* `binary_cross_entropy` -- for one logit per sample and labels in [0, 1], computed from logits
* `cross_entropy`        -- softmax over a list of logits and an integer class

Shapes: ``outputs`` is what the model returned for one sample (a Value, or a list of Values for
several outputs) or a list of those, one per sample; ``targets`` has the same shape with plain
numbers. ``reduction="mean"`` averages over every term (PyTorch's convention: for `mse` that is
every sample *and* every output), ``"sum"`` adds them up.

The numerically stable forms (binary cross-entropy from logits, softmax with the maximum
subtracted) follow the standard derivations, e.g. Goodfellow, Bengio & Courville, *Deep Learning*
(2016), sections 6.2.2.2–6.2.2.3, and match ``torch.nn.functional`` in float64.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Union

from ..engine import Value

__all__ = [
    "mse",
    "sse",
    "hinge",
    "binary_cross_entropy",
    "cross_entropy",
    "LOSSES",
    "get_loss",
]

Scalar = Union[Value, float, int]  # noqa: UP007 (a runtime alias, kept readable on 3.10)
REDUCTIONS = ("mean", "sum")


# ------------------------------------------------------------------------------------------------
# Helpers: flatten outputs and targets to matching lists, add Values without a leading 0
# ------------------------------------------------------------------------------------------------


def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _flatten(outputs: object, targets: object, name: str) -> tuple[list[Value], list[float]]:
    """Pair every output Value with its target number, checking that the shapes agree.

    Accepts one scalar, a list of scalars, or a list of lists (one list per sample).
    """
    if isinstance(outputs, (Value, numbers.Real)):
        outputs, targets = [outputs], [targets]
    if isinstance(outputs, (str, bytes)) or not isinstance(outputs, Sequence):
        raise TypeError(
            f"{name}: outputs must be a Value or a list of Values, got {type(outputs).__name__}"
        )
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
        raise TypeError(
            f"{name}: targets must be a number or a list of numbers, got {type(targets).__name__}"
        )
    if len(outputs) != len(targets):
        raise ValueError(f"{name}: got {len(outputs)} outputs but {len(targets)} targets")
    if len(outputs) == 0:
        raise ValueError(f"{name}: outputs are empty; expected at least one output")
    flat_out: list[Value] = []
    flat_tgt: list[float] = []
    for i, (o, t) in enumerate(zip(outputs, targets)):
        if isinstance(o, Sequence) and not isinstance(o, (str, bytes)):
            if isinstance(t, (str, bytes)) or not isinstance(t, Sequence) or len(t) != len(o):
                raise ValueError(
                    f"{name}: sample {i} has {len(o)} outputs, so its target must be a list of "
                    f"{len(o)} numbers, got {t!r}"
                )
            pairs = list(zip(o, t))
        else:
            pairs = [(o, t)]
        for oj, tj in pairs:
            if not isinstance(oj, Value):
                if not _is_number(oj):
                    raise TypeError(f"{name}: output {oj!r} is not a Value or a number")
                oj = Value(oj)
            if not _is_number(tj):
                raise TypeError(f"{name}: target {tj!r} of sample {i} is not a number")
            flat_out.append(oj)
            flat_tgt.append(float(tj))  # type: ignore[arg-type,unused-ignore]
    return flat_out, flat_tgt


def _total(terms: Sequence[Value]) -> Value:
    """Σ terms as a chain of additions (Python's sum() would start from a constant 0)."""
    out = terms[0]
    for term in terms[1:]:
        out = out + term
    return out


def _reduce(terms: Sequence[Value], reduction: str, name: str) -> Value:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean' or 'sum', got {reduction!r}")
    total = _total(terms)
    return total / len(terms) if reduction == "mean" else total


# ------------------------------------------------------------------------------------------------
# Regression losses
# ------------------------------------------------------------------------------------------------


def mse(outputs: object, targets: object, reduction: str = "mean") -> Value:
    """Mean squared error (1/n)·Σ (yᵢ − tᵢ)² over every output of every sample.

    With ``reduction="sum"`` it is Σ (yᵢ − tᵢ)², the lesson's error E for one sample.
    ∂/∂yᵢ of each term is 2·(yᵢ − tᵢ).
    """
    ys, ts = _flatten(outputs, targets, "mse")
    return _reduce([(y - t) ** 2 for y, t in zip(ys, ts)], reduction, "mse")


def sse(outputs: object, targets: object, half: bool = False) -> Value:
    """Sum of squared errors Σ (yᵢ − tᵢ)², or ½·Σ (yᵢ − tᵢ)² with ``half=True``.

    The ½ is the textbook convenience (Rumelhart, Hinton & Williams 1986): it cancels the 2 of
    the derivative, so ∂E/∂yᵢ = yᵢ − tᵢ. It scales every gradient by ½ and nothing else.
    """
    ys, ts = _flatten(outputs, targets, "sse")
    total = _total([(y - t) ** 2 for y, t in zip(ys, ts)])
    return total * 0.5 if half else total


# ------------------------------------------------------------------------------------------------
# Classification losses
# ------------------------------------------------------------------------------------------------


def hinge(outputs: object, targets: object, reduction: str = "mean") -> Value:
    """Max-margin (hinge) loss: mean of max(0, 1 − tᵢ·sᵢ) for scores sᵢ and labels tᵢ ∈ {−1, +1}.

    A sample scored on the right side with a margin of at least 1 costs nothing; otherwise the
    loss grows linearly. ∂/∂sᵢ = −tᵢ where 1 − tᵢ·sᵢ > 0, else 0 (relu'(0) = 0).
    Labels 0/1 are rejected on purpose: with t = 0 every sample would cost exactly 1.
    Use `autograd_mlp.data.to_signed` to turn 0/1 labels into ±1.
    """
    scores, labels = _flatten(outputs, targets, "hinge")
    for t in labels:
        if t not in (-1.0, 1.0):
            raise ValueError(f"hinge: labels must be -1 or +1, got {t!r}")
    return _reduce([(1 + -t * s).relu() for s, t in zip(scores, labels)], reduction, "hinge")


def _softplus(z: Value) -> Value:
    """log(1 + eᶻ), stable for any z: for z ≥ 0 it is z + log(1 + e⁻ᶻ), and e⁻ᶻ never overflows."""
    if z.data >= 0.0:
        return z + (1 + (-z).exp()).log()
    return (1 + z.exp()).log()


def binary_cross_entropy(outputs: object, targets: object, reduction: str = "mean") -> Value:
    """Binary cross-entropy from logits: −[t·log σ(z) + (1 − t)·log(1 − σ(z))], t ∈ [0, 1].

    Computing σ(z) first and then its log fails at |z| ≈ 40 (σ rounds to 1, log(1 − 1) = −inf).
    The same quantity rewritten with softplus(z) = log(1 + eᶻ) is

        ℓ(z, t) = max(z, 0) − z·t + log(1 + e^(−|z|))

    in which no exponential can overflow, so it is finite at z = ±1000 (PyTorch's
    ``binary_cross_entropy_with_logits`` uses the same identity). Its derivative is
    ∂ℓ/∂z = σ(z) − t. Here max(z, 0) + log(1 + e^(−|z|)) is built as `_softplus`.
    """
    logits, labels = _flatten(outputs, targets, "binary_cross_entropy")
    for t in labels:
        if not 0.0 <= t <= 1.0:
            raise ValueError(
                f"binary_cross_entropy: targets must be in [0, 1] (labels 0 or 1), got {t!r}"
            )
    terms = [_softplus(z) - z * t for z, t in zip(logits, labels)]
    return _reduce(terms, reduction, "binary_cross_entropy")


def _cross_entropy_one(logits: Sequence[Value], target: object, i: int) -> Value:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"cross_entropy: target of sample {i} must be an int class, got {target!r}")
    k = int(target)
    if not 0 <= k < len(logits):
        raise ValueError(
            f"cross_entropy: target class of sample {i} must be in 0..{len(logits) - 1} "
            f"(one per logit), got {k}"
        )
    # −log softmax(z)ₖ = log Σⱼ e^(zⱼ) − zₖ = log Σⱼ e^(zⱼ − m) − (zₖ − m) for any constant m.
    # With m = maxⱼ zⱼ every exponent is ≤ 0, so nothing overflows and the largest term is 1.
    # m is a plain number, not a Value: the shift cancels, so the gradient is softmax − onehot.
    m = max(z.data for z in logits)
    if math.isinf(m):
        m = 0.0  # an infinite logit cannot be shifted away; let IEEE arithmetic give inf/nan
    shifted = [z - m for z in logits]
    return _total([s.exp() for s in shifted]).log() - shifted[k]


def cross_entropy(outputs: object, targets: object, reduction: str = "mean") -> Value:
    """Softmax cross-entropy: −log(e^(zₖ) / Σⱼ e^(zⱼ)) for logits z and the correct class k.

    ``outputs`` is a list of logits for one sample (with ``targets`` an int) or a list of such
    lists (with ``targets`` a list of ints). Classes are numbered from 0, as in PyTorch.
    ∂/∂zⱼ = softmax(z)ⱼ − [j = k].
    """
    if isinstance(outputs, Sequence) and outputs and isinstance(outputs[0], Value):
        outputs, targets = [outputs], [targets]
    if isinstance(outputs, (str, bytes)) or not isinstance(outputs, Sequence) or not outputs:
        raise ValueError(
            f"cross_entropy: outputs must be a list of logits (or one list per sample), "
            f"got {outputs!r}"
        )
    if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence):
        raise TypeError(f"cross_entropy: targets must be a list of int classes, got {targets!r}")
    if len(outputs) != len(targets):
        raise ValueError(f"cross_entropy: got {len(outputs)} samples but {len(targets)} targets")
    terms = []
    for i, (logits, target) in enumerate(zip(outputs, targets)):
        if isinstance(logits, Value) or not isinstance(logits, Sequence) or len(logits) < 2:
            raise ValueError(
                f"cross_entropy: sample {i} needs a list of at least 2 logits (one per class), "
                f"got {logits!r}"
            )
        values = [z if isinstance(z, Value) else Value(z) for z in logits]
        terms.append(_cross_entropy_one(values, target, i))
    return _reduce(terms, reduction, "cross_entropy")


# ------------------------------------------------------------------------------------------------
# Lookup by name, for fit(loss="...")
# ------------------------------------------------------------------------------------------------

LOSSES: dict[str, Callable[..., Value]] = {
    "mse": mse,
    "sse": sse,
    "hinge": hinge,
    "bce": binary_cross_entropy,
    "binary_cross_entropy": binary_cross_entropy,
    "cross_entropy": cross_entropy,
}


def get_loss(name: str) -> Callable[..., Value]:
    """The loss function called ``name`` (one of the keys of `LOSSES`)."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown loss {name!r}; expected one of {', '.join(map(repr, LOSSES))} "
            f"or a callable (outputs, targets) -> Value"
        ) from None
