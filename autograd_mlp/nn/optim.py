"""Optimizers: turn gradients into parameter updates.

An optimizer holds a list of parameters (leaf Values) and, on ``step()``, changes each ``.data``
using its ``.grad``. Updates write plain floats to ``.data`` and build no graph: they are not part
of the function being differentiated.

The update rules are PyTorch's, written out for one scalar so that a trajectory matches
``torch.optim`` to rounding error (checked in tests/test_optim.py):

* `SGD` -- gradient descent W' = W − a·g (the lesson's rule), with optional momentum, Nesterov
  momentum and L2 weight decay (Sutskever et al. 2013, "On the importance of initialization and
  momentum in deep learning", in PyTorch's formulation).
* `Adam` -- Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1, with
  PyTorch's placement of ε and optional L2 weight decay added to the gradient.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..engine import Value

__all__ = ["Optimizer", "SGD", "Adam"]


def _check_rate(value: object, name: str, *, upper: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0.0 or (upper is not None and value >= upper):
        bound = f"in [0, {upper:g})" if upper is not None else "≥ 0"
        raise ValueError(f"{name} must be {bound}, got {value!r}")
    return float(value)


class Optimizer:
    """Base class: keeps the parameter list and clears gradients."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list; pass model.parameters()")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"optimizer parameters must be Values, got {type(p).__name__}")
        self.lr = _check_rate(lr, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0: leaf gradients accumulate across backward calls."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent: p ← p − lr·g, where g is built from the gradient as follows.

    * weight decay λ (L2 penalty ½λ·p² added to the loss):  g = ∂L/∂p + λ·p
    * momentum μ: a velocity b accumulates past steps, b ← μ·b + g (b = g on the first step),
      and the update uses g ← b; with ``nesterov=True`` it uses g ← g + μ·b instead (a look-ahead).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_rate(momentum, "momentum")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        if nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs a momentum > 0")
        self.nesterov = bool(nesterov)
        self._velocity: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad
            if wd != 0.0:
                g = g + wd * p.data
            if mu != 0.0:
                b = self._velocity[i]
                b = g if b is None else mu * b + g
                self._velocity[i] = b
                g = g + mu * b if self.nesterov else b
            p.data -= lr * g


class Adam(Optimizer):
    """Adam: a step scaled per parameter by running averages of the gradient and its square.

    With g the gradient (plus λ·p when ``weight_decay`` = λ) and t the step number from 1:

        m ← β₁·m + (1 − β₁)·g            (first moment: the average direction)
        v ← β₂·v + (1 − β₂)·g²           (second moment: the average size)
        p ← p − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + ε)

    The divisions by 1 − βᵗ undo the bias of starting m and v at 0.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (β₁, β₂), got {betas!r}")
        self.betas = (
            _check_rate(betas[0], "betas[0]", upper=1.0),
            _check_rate(betas[1], "betas[1]", upper=1.0),
        )
        self.eps = _check_rate(eps, "eps")
        self.weight_decay = _check_rate(weight_decay, "weight_decay")
        self.t = 0
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        bias1 = 1.0 - beta1**self.t
        bias2_sqrt = math.sqrt(1.0 - beta2**self.t)
        step_size = self.lr / bias1
        wd = self.weight_decay
        for i, p in enumerate(self.params):
            g = p.grad
            if wd != 0.0:
                g = g + wd * p.data
            m = self._m[i] = beta1 * self._m[i] + (1.0 - beta1) * g
            v = self._v[i] = beta2 * self._v[i] + (1.0 - beta2) * g * g
            p.data -= step_size * m / (math.sqrt(v) / bias2_sqrt + self.eps)
