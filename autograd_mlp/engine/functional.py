"""Gradients as return values: `grad`, and from it `hessian` and `hvp` (Hessian-vector product).

``Value.backward()`` *stores* first derivatives in ``.grad`` and accumulates them across calls.
`grad` instead *returns* d(outputs)/d(input) for each input and leaves every ``.grad`` as it
was, in PyTorch's vocabulary (``torch.autograd.grad``). With ``create_graph=True`` the
gradients it returns are Values built from the graph's own Values by each op's rule (the same
rule that gave the float local derivatives, see "Local derivatives written once" in
`autograd_mlp.engine`), so a gradient can itself be differentiated, drawn and explained:

>>> from autograd_mlp import Value, grad
>>> x = Value(3.0, label="x")
>>> (dy,) = grad(x**3, x, create_graph=True)   # 3x² as a Value
>>> (d2y,) = grad(dy, x)                        # 6x
>>> dy.data, d2y, x.grad
(27.0, 18.0, 0.0)

Because nothing is stored, the classic mistake of differentiating a first derivative whose
``.grad`` is still filled ("68 instead of 44") cannot happen. Why ``backward`` has no
``create_graph``: docs/semantics.md, "Gradients of gradients".

The reverse pass is the chain rule of ``backward``, with two differences that make it agree
with PyTorch to the last zero: an input's gradient is the sum of its contributions, starting
from the first one (not from 0.0, which would turn a gradient of -0.0 into 0.0); and where an
op *selects* (its rule gives None: relu at a ≤ 0, x**0) the contribution is exactly 0.0, even
from an inf or nan upstream gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union, cast

from .ieee import _divide
from .modes import enable_grad, is_grad_enabled
from .rules import Divided, Gate, Local, Masked, Select, rule_for
from .value import CONST, Value, _stored, masked, relu_gate

__all__ = ["grad", "hessian", "hvp", "MAX_HESSIAN_INPUTS"]

Gradient = Union[Value, float]  # noqa: UP007 (a runtime alias, kept readable on 3.10)


def _describe(v: Value) -> str:
    name = f"{v.label!r}" if v.label else "unlabelled"
    return f"{name[:60]}, data {v.data!r}"


def _values(what: str, xs: object) -> list[Value]:
    """``xs`` as a non-empty list of Values (one Value is a list of one), or a TypeError."""
    if isinstance(xs, Value):
        return [xs]
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(
            f"grad: {what} must be a Value or a sequence of Values, got {type(xs).__name__}"
        )
    if not xs:
        raise ValueError(f"grad: {what} is empty; expected at least one Value")
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(
                f"grad: {what}[{i}] must be a Value, got {type(x).__name__}: {x!r}"[:200]
            )
    return list(xs)


def _weights(grad_outputs: object, n: int) -> list[Gradient]:
    """The weight of each output: 1.0 by default, else numbers or Values, one per output."""
    if grad_outputs is None:
        return [1.0] * n
    if isinstance(grad_outputs, (Value, int, float)) and not isinstance(grad_outputs, bool):
        grad_outputs = [grad_outputs]
    if isinstance(grad_outputs, (str, bytes)) or not isinstance(grad_outputs, Sequence):
        raise TypeError(
            f"grad: grad_outputs must be a number, a Value or a sequence of them, got "
            f"{type(grad_outputs).__name__}"
        )
    if len(grad_outputs) != n:
        raise ValueError(
            f"grad: expected one grad_outputs weight per output ({n}), got {len(grad_outputs)}"
        )
    weights: list[Gradient] = []
    for i, w in enumerate(grad_outputs):
        if isinstance(w, Value):
            weights.append(w)
        elif isinstance(w, (int, float)) and not isinstance(w, bool):
            weights.append(float(w))
        else:
            raise TypeError(
                f"grad: grad_outputs[{i}] must be a number or a Value, got "
                f"{type(w).__name__}: {w!r}"[:200]
            )
    return weights


def _order(roots: Sequence[Value]) -> list[Value]:
    """The computed Values the roots depend on, inputs before outputs (iterative DFS, as
    ``backward``'s, but over several roots and without touching ``.grad``)."""
    order: list[Value] = []
    visited: set[Value] = set()
    for root in roots:
        if root._a is None or root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root._prev))]
        while stack:
            node, inputs = stack[-1]
            for child in inputs:
                if child._a is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child._prev)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def _constant(x: float) -> Value:
    """A number that enters a gradient graph, as a constant leaf (drawn as a constant)."""
    return Value(x, "", (), (), CONST)


def _times(d: Local, g: Gradient) -> Gradient:
    """The contribution d·g of one edge, without building ·1 and ·(-1) nodes (x·1 and -x are
    bitwise x·1.0 and x·(-1.0), so nothing changes but the size of the graph)."""
    if d is None or isinstance(d, Select):  # a select: exactly 0, whatever g is
        return 0.0
    if type(d) is Divided:  # 1/x applied as g/x, as PyTorch: a node g/x, or IEEE floats
        x = d.x
        if isinstance(x, Value):
            return g / x
        number = cast(float, x)  # not a Value: a number
        return g / number if isinstance(g, Value) else _divide(g, number)
    if type(d) is Gate:  # relu: g or exactly 0; as a graph, relu′(g, output)
        if not isinstance(d.out, Value):
            return g if d.keeps else 0.0
        return relu_gate(g if isinstance(g, Value) else _constant(g), d.out)
    if type(d) is Masked:  # 0, with d (or d·g) behind it for higher orders
        if not d.with_grad:
            inner = d.d
            return _times(masked(inner) if isinstance(inner, Value) else 0.0, g)
        inner = _times(d.d, g)
        return masked(inner) if isinstance(inner, Value) else 0.0
    if isinstance(d, float):
        if d == 1.0:
            return g
        if d == -1.0:
            return -g
    if not isinstance(d, (Value, float, int)):  # a user's rule (register_rule) gave something else
        raise TypeError(
            f"grad: a rule gave {type(d).__name__} {d!r} as a local derivative; expected a "
            f"Value or a number"[:200]
        )
    if isinstance(g, float) and g == 1.0:
        return d
    return d * g


def _locals(node: Value, create_graph: bool) -> tuple[Local, ...]:
    """The local derivative of each edge of ``node``: its rule applied to its input and output
    Values (for create_graph), else the ones its forward stored (the same rule, on floats)."""
    if not create_graph:
        return _stored(node)
    rule = rule_for(node._op)
    if rule is None:
        raise TypeError(
            f"grad(create_graph=True): the op {node._op[:40]!r} (output {_describe(node)}) "
            f"has only float local derivatives, so its derivative cannot be differentiated "
            f"again; give it a rule with autograd_mlp.register_rule({node._op[:40]!r}, "
            f"lambda *inputs_and_output: (...,)), one Value per input"
        )
    return rule(*node._prev, node)


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: float | Value | Sequence[float | Value] | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Gradient, ...]:
    """d(outputs)/d(input) for each input, as a tuple; every ``.grad`` is left untouched.

    ``outputs``: one Value, or several, whose gradients are summed (weighted by
    ``grad_outputs``, one number or Value per output, 1.0 each by default). ``inputs``: one
    Value or a sequence (leaves or computed Values). With ``create_graph=False`` the results
    are floats; with ``create_graph=True`` they are Values whose graphs can be differentiated
    again (a gradient that does not depend on anything is a constant Value; one may be a Value
    of the graph itself: d(a·b)/da is b). An input the outputs do not depend on is a
    ValueError, as in PyTorch, unless ``allow_unused=True``, which gives it 0.0 (PyTorch gives
    None there; 0.0 is what ``materialize_grads=True`` gives).

    Inside `no_grad()` a graph recorded before the block is differentiated as anywhere else,
    and ``create_graph=True`` still builds the derivative graph (as PyTorch does whatever the
    grad mode). An output with no graph at all is an error there, rather than a derivative of
    0: inside the block, operations record nothing.
    """
    outs = _values("outputs", outputs)
    wrt = _values("inputs", inputs)
    weights = _weights(grad_outputs, len(outs))
    if not isinstance(create_graph, bool) or not isinstance(allow_unused, bool):
        raise TypeError("grad: create_graph and allow_unused must be True or False")
    if not is_grad_enabled():
        _check_recorded("grad", outs, wrt)
        if create_graph:
            with enable_grad():  # for this thread, during this call
                return _grad(outs, wrt, weights, create_graph, allow_unused)
    return _grad(outs, wrt, weights, create_graph, allow_unused)


def _check_recorded(who: str, outs: Sequence[Value], wrt: Sequence[Value]) -> None:
    """Refuse an output that is a leaf (no graph) and not one of the inputs, with a message
    that names no_grad as the likely cause: its derivatives would all be a silent 0."""
    for i, out in enumerate(outs):
        if out._a is None and not any(out is x for x in wrt):
            where = (
                "this thread is inside no_grad(), where operations record nothing"
                if not is_grad_enabled()
                else "if it was computed inside no_grad(), which records nothing"
            )
            raise ValueError(
                f"{who}: output {i} ({_describe(out)}) has no graph to differentiate (it is a "
                f"leaf): {where}; compute it outside the block"
            )


def _grad(
    outs: list[Value],
    wrt: list[Value],
    weights: list[Gradient],
    create_graph: bool,
    allow_unused: bool,
) -> tuple[Gradient, ...]:

    grads: dict[Value, Gradient] = {}
    for out, w in zip(outs, weights):
        grads[out] = w if out not in grads else grads[out] + w
    for node in reversed(_order(outs)):
        g = grads.get(node)
        if g is None:  # only possible for a node no output depends on: never, but be safe
            continue
        for child, d in zip(node._prev, _locals(node, create_graph)):
            c = _times(d, g)
            grads[child] = c if child not in grads else grads[child] + c

    result: list[Gradient] = []
    for i, x in enumerate(wrt):
        if x in grads:
            r = grads[x]
        elif allow_unused:
            r = 0.0
        else:
            raise ValueError(
                f"grad: inputs[{i}] ({_describe(x)}) is not in the graph of the outputs (they "
                f"do not depend on it); pass allow_unused=True to get 0.0 for it"
            )
        if create_graph and not isinstance(r, Value):
            r = _constant(r)  # a constant gradient: a leaf, as PyTorch's has no grad_fn
        elif not create_graph and isinstance(r, Value):
            r = r.data
        result.append(r)
    return tuple(result)


MAX_HESSIAN_INPUTS = 1000


def hessian(
    output: Value, inputs: Sequence[Value], max_inputs: int = MAX_HESSIAN_INPUTS
) -> list[list[float]]:
    """The matrix of second derivatives H[i][j] = ∂²output/∂xᵢ∂xⱼ, as a list of rows.

    Row i is the gradient of ∂output/∂xᵢ (built with ``create_graph=True``): one reverse pass
    per input over the first derivatives' graph. A first derivative that does not depend on
    an input gives 0.0 there (as ``torch.func.hessian``). Works inside `no_grad()` on a graph
    recorded outside it; an output with no graph (a leaf) is a ValueError.

    Time and memory grow with the square of the number of inputs n (n passes, n² entries:
    10,001 inputs took 166 s and 3.9 GB), so more than ``max_inputs`` (1,000 by default) is a
    ValueError; use `hvp` for products H·v (two passes, no matrix), or raise ``max_inputs``.
    """
    if not isinstance(output, Value):
        raise TypeError(f"hessian: output must be a Value, got {type(output).__name__}")
    if isinstance(max_inputs, bool) or not isinstance(max_inputs, int):
        raise TypeError(f"hessian: max_inputs must be an int, got {max_inputs!r}"[:200])
    if max_inputs < 1:
        raise ValueError(f"hessian: max_inputs must be at least 1, got {max_inputs}")
    wrt = _values("inputs", inputs)
    n = len(wrt)
    if n > max_inputs:
        raise ValueError(
            f"hessian: {n:,} inputs make a {n:,} × {n:,} matrix ({n * n:,} entries, one "
            f"reverse pass per input; time and memory grow as n²), more than "
            f"max_inputs={max_inputs:,}. For products H·v use hvp(output, inputs, v): two "
            f"passes and no matrix. To form H anyway, pass max_inputs={n}."
        )
    _check_recorded("hessian", [output], wrt)
    first = grad(output, wrt, create_graph=True, allow_unused=True)
    rows: list[list[float]] = []
    for g in first:
        row = grad(cast(Value, g), wrt, allow_unused=True)
        rows.append([float(h) for h in row])  # type: ignore[arg-type]  # floats
    return rows


def hvp(output: Value, inputs: Sequence[Value], v: Sequence[float]) -> list[float]:
    """The Hessian-vector product H·v of ``output`` over ``inputs``, in two reverse passes and
    without forming H: the gradient of Σᵢ vᵢ·∂output/∂xᵢ (Pearlmutter, 1994). Works inside
    `no_grad()` on a graph recorded outside it; an output with no graph is a ValueError."""
    if not isinstance(output, Value):
        raise TypeError(f"hvp: output must be a Value, got {type(output).__name__}")
    wrt = _values("inputs", inputs)
    _check_recorded("hvp", [output], wrt)
    if isinstance(v, (str, bytes)) or not isinstance(v, Sequence) or len(v) != len(wrt):
        got = len(v) if isinstance(v, Sequence) else type(v).__name__
        raise ValueError(
            f"hvp: v must be a sequence of {len(wrt)} numbers, one per input, got {got}"
        )
    first = grad(output, wrt, create_graph=True, allow_unused=True)
    products = grad(cast(list[Value], list(first)), wrt, grad_outputs=list(v), allow_unused=True)
    return [float(p) for p in products]  # type: ignore[arg-type]  # floats
