"""IEEE 754 arithmetic on Python floats, as PyTorch computes it: where Python's ``/``, ``**`` and
`math` raise (ZeroDivisionError, OverflowError, ValueError) these return inf or nan.

The engine computes every forward value and every local derivative with these, so nothing
raises in the middle of training: 1/0 = inf, log 0 = -inf, log -1 = nan, exp 1000 = inf. The
fast path (`autograd_mlp.nn.fast`) applies the same functions element-wise where NumPy's
results would differ in the last bit.
"""

from __future__ import annotations

import math

__all__: list[str] = []  # the engine's own helpers, imported by name

INF = math.inf
NAN = math.nan


def _divide(a: float, b: float) -> float:
    """a / b, with a/0 = ±inf (the sign of the zero counts: 1/-0.0 = -inf) and 0/0 = nan."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _exp(a: float) -> float:
    """eᵃ, inf where it overflows."""
    try:
        return math.exp(a)
    except OverflowError:
        return INF


def _log(a: float) -> float:
    """ln a: -inf at 0 (either zero), nan below 0 and at nan."""
    if a > 0.0:
        return math.log(a)
    if a == 0.0:
        return -INF
    return NAN


def _sigmoid(a: float) -> float:
    """σ(a) = 1/(1 + e⁻ᵃ), in two branches so that exp never overflows: stable at ±1000."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = _exp(a)  # a < 0 or nan
    return e / (1.0 + e)


def _power(a: float, b: float) -> float:
    """aᵇ with C's pow semantics where Python raises: 0**-1 = inf, (-0.0)**-1 = -inf,
    overflow = ±inf, and nan (not a complex number) for a negative base and fractional b."""
    try:
        out: float = a**b
    except ZeroDivisionError:  # 0 ** negative
        if b == int(b) and int(b) % 2 == 1:
            return math.copysign(INF, a)
        return INF
    except OverflowError:
        if a < 0.0 and b != int(b):  # negative base, fractional exponent: nan, even if huge
            return NAN
        if a < 0.0 and int(b) % 2 == 1:
            return -INF
        return INF
    if isinstance(out, complex):  # negative base, fractional exponent
        return NAN
    return out


def _sqrt(a: float) -> float:
    """IEEE sqrt: sqrt(-0.0) = -0.0, and nan for every negative number, -inf included."""
    return math.sqrt(a) if a >= 0.0 else NAN


def _scalar_power(a: float, n: float) -> float:
    """aⁿ for a plain exponent as PyTorch computes it: the exponents 2, 3, -1, -2 by products
    and quotients, ±0.5 by a square root, the others with pow. This decides the last bit of
    a**3 and the edge cases of a**0.5: (-0.0)**0.5 = -0.0 and (-inf)**0.5 = nan, where C's
    pow gives 0.0 and inf (PyTorch's pow kernel; checked in tests/test_engine_torch.py)."""
    if n == 2.0:
        return a * a
    if n == 1.0:  # the derivative of a**2
        return a
    if n == 0.5:
        return _sqrt(a)
    if n == -0.5:
        return _divide(1.0, _sqrt(a))
    if n == 3.0:
        return a * a * a
    if n == -1.0:
        return _divide(1.0, a)
    if n == -2.0:
        return _divide(1.0, a * a)
    return _power(a, n)
