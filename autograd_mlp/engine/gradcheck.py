"""Central-difference gradient checks: ``gradcheck`` compares ``backward`` with
(f(x+h) - f(x-h)) / 2h; ``gradgradcheck`` compares second derivatives (`hessian`) with central
differences of first derivatives, (∂f/∂xᵢ(x+h·eⱼ) - ∂f/∂xᵢ(x-h·eⱼ)) / 2h.

The numeric derivative has error O(h²) from truncation plus O(ε/h) from rounding (ε ≈ 1e-16),
so h = 1e-6 keeps both near 1e-10 for well-scaled functions (Nocedal & Wright, *Numerical
Optimization*, 2nd ed., section 8.1).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .modes import is_grad_enabled, no_grad
from .value import Value

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "numerical_gradient"]


class GradcheckError(ValueError):
    """The analytic and numeric derivatives disagree for some input."""


def _as_floats(inputs: Sequence[Value | float]) -> list[float]:
    if isinstance(inputs, (Value, str, bytes)) or not isinstance(inputs, Sequence):
        raise TypeError(
            f"gradcheck: inputs must be a sequence of numbers or Values, got "
            f"{type(inputs).__name__}"
        )
    out = []
    for i, x in enumerate(inputs):
        try:
            out.append(x.data if isinstance(x, Value) else Value(x).data)
        except TypeError:
            raise TypeError(
                f"gradcheck: input {i} must be a number or a Value, got {type(x).__name__}: {x!r}"
            ) from None
    return out


def _evaluate(f: Callable[..., Value], xs: Sequence[float]) -> float:
    with no_grad():
        y = f(*[Value(x) for x in xs])
    if not isinstance(y, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(y).__name__}: {y!r}")
    return y.data


def numerical_gradient(
    f: Callable[..., Value], inputs: Sequence[Value | float], eps: float = 1e-6
) -> list[float]:
    """The central-difference estimate of ∂f/∂xᵢ for every input."""
    xs = _as_floats(inputs)
    grads = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += eps
        down[i] -= eps
        grads.append((_evaluate(f, up) - _evaluate(f, down)) / (2.0 * eps))
    return grads


def _start(
    check: str,
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float,
    atol: float,
    rtol: float,
) -> tuple[list[float], list[Value], Value]:
    """What both checks do first: validate the arguments, then evaluate ``f`` once on fresh
    leaves (labelled as the inputs are). Returns the points, the leaves and ``f``'s Value."""
    if not callable(f):
        raise TypeError(f"{check}: f must be callable, got {type(f).__name__}")
    for name, tol in (("eps", eps), ("atol", atol), ("rtol", rtol)):
        if not isinstance(tol, (int, float)) or not tol >= 0 or (name == "eps" and tol == 0):
            raise ValueError(f"{check}: {name} must be a positive number, got {tol!r}")
    if not is_grad_enabled():
        # Inside no_grad() f would record no graph, every derivative would come out 0 and the
        # check would blame f's derivatives for it.
        raise RuntimeError(
            f"{check}: called inside no_grad(), where no graph is recorded; call it outside"
        )
    xs = _as_floats(inputs)
    labels = [x.label if isinstance(x, Value) and x.label else "" for x in inputs]
    leaves = [Value(x, label) for x, label in zip(xs, labels)]
    y = f(*leaves)
    if not isinstance(y, Value):
        raise TypeError(f"{check}: f must return a Value, got {type(y).__name__}: {y!r}")
    return xs, leaves, y


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check ``backward`` of ``f(*inputs)`` against central differences.

    ``f`` takes one Value per input and returns a Value. Each input passes when
    ``|analytic - numeric| <= atol + rtol·|numeric|``; a nan on either side fails, as in
    ``torch.autograd.gradcheck``. On failure raises `GradcheckError`
    naming the input, the analytic and the numeric derivative (or returns False when
    ``raise_exception=False``). The inputs themselves are not modified.

    >>> gradcheck(lambda a, b: a * b + a.tanh(), [0.5, -2.0])
    True
    """
    xs, leaves, y = _start("gradcheck", f, inputs, eps, atol, rtol)
    y.backward()
    numeric = numerical_gradient(f, xs, eps)
    for i, (leaf, num) in enumerate(zip(leaves, numeric)):
        ana = leaf.grad
        # nan fails, on one side or both (nan equals nothing), as in torch.autograd.gradcheck
        if not abs(ana - num) <= atol + rtol * abs(num):
            name = f"input {i}" + (f" ({leaf.label!r})" if leaf.label else "")
            message = (
                f"gradcheck failed for {name} at x = {leaf.data!r}: analytic derivative "
                f"{ana!r}, numeric (central difference, eps={eps}) {num!r}, "
                f"difference {abs(ana - num):.3g} > atol + rtol·|numeric| = "
                f"{atol + rtol * abs(num):.3g}"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _first_derivatives(f: Callable[..., Value], xs: Sequence[float]) -> list[float]:
    from .functional import grad

    leaves = [Value(x) for x in xs]
    y = f(*leaves)
    if not isinstance(y, Value):
        raise TypeError(f"gradgradcheck: f must return a Value, got {type(y).__name__}: {y!r}")
    return [float(g) for g in grad(y, leaves, allow_unused=True)]  # type: ignore[arg-type]


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the second derivatives of ``f(*inputs)`` against central differences of its
    first derivatives.

    The analytic side is `autograd_mlp.hessian` (``grad`` with ``create_graph=True``, then
    ``grad`` of each first derivative); the numeric side differentiates the first
    derivatives (``grad``, exact to rounding) by central differences, so only one derivative
    is numeric. Each entry ∂²f/∂xᵢ∂xⱼ passes when ``|analytic - numeric| <= atol +
    rtol·|numeric|``; on failure raises `GradcheckError` naming both inputs, the point, the
    analytic and the numeric second derivative (or returns False when
    ``raise_exception=False``). The inputs themselves are not modified.

    >>> gradgradcheck(lambda a, b: a * b.tanh() + a**3, [0.5, -2.0])
    True
    """
    from .functional import hessian

    xs, leaves, y = _start("gradgradcheck", f, inputs, eps, atol, rtol)
    analytic = hessian(y, leaves)
    numeric: list[list[float]] = [[0.0] * len(xs) for _ in xs]
    for j in range(len(xs)):
        up, down = list(xs), list(xs)
        up[j] += eps
        down[j] -= eps
        g_up, g_down = _first_derivatives(f, up), _first_derivatives(f, down)
        for i in range(len(xs)):
            numeric[i][j] = (g_up[i] - g_down[i]) / (2.0 * eps)

    def input_name(k: int) -> str:
        return f"input {k}" + (f" ({leaves[k].label!r})"[:64] if leaves[k].label else "")

    for i in range(len(xs)):
        for j in range(len(xs)):
            ana, num = analytic[i][j], numeric[i][j]
            if not abs(ana - num) <= atol + rtol * abs(num):  # nan fails, as in gradcheck
                which = (
                    f"∂²f/∂x{i}∂x{j} ({input_name(i)}, {input_name(j)})"
                    if i != j
                    else f"∂²f/∂x{i}² ({input_name(i)})"
                )
                message = (
                    f"gradgradcheck failed for {which} at x = {xs!r}"[:300]
                    + f": analytic second derivative {ana!r}, numeric (central difference "
                    f"of first derivatives, eps={eps}) {num!r}, difference "
                    f"{abs(ana - num):.3g} > atol + rtol·|numeric| = "
                    f"{atol + rtol * abs(num):.3g}"
                )
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True
