"""The scalar autodiff engine: `Value`, its operations, and `backward`.

A `Value` holds one float. Every operation on Values returns a new Value that remembers its
inputs, the local derivative d(out)/d(input) of each edge (computed at forward time) and a
short name for the operation (``_op``). Readers of the graph see the edges as two tuples:

* ``_prev``  -- the inputs (``a + a`` keeps both edges, order is deterministic),
* ``_local`` -- the local derivative of each edge, in the same order.

Because the local derivatives are stored as numbers, ``backward`` is one tight loop over the
graph in reverse topological order: ``child.grad += local * node.grad`` -- the chain rule. The
renderer and the explainer read the same numbers to print on each edge.

No Value holds a closure or a reference to itself, so graphs contain no reference cycles and
are freed by reference counting as soon as the last reference to their root goes away, without
waiting for Python's cyclic garbage collector. That collector still *walks* every live object
it tracks, every few hundred allocations, while a graph is being built; so a node keeps its
edges in its own slots rather than in tuples, and is one such object instead of two or three:

* ``_a``, ``_da`` -- the first input and the local derivative of its edge,
* ``_b``, ``_db`` -- the second input and its local derivative (``_b`` is None for ``-a``,
  ``exp``, ``tanh``... which have one input),
* the n-ary weighted sum, the only op with more inputs, keeps them all as tuples: ``_a`` the
  inputs, ``_da`` their local derivatives, and ``_b = None``;
* a node whose first edge *selects* (`_selecting`: relu at a ≤ 0, ``x**0``) keeps its one or
  two edges as tuples too, with that first input also in ``_b``: backward passes it exactly 0;
* a leaf has ``_a = None``, and keeps its role (see `role`) in ``_da``, which it has no use
  for: its ``_op`` is ``""``, as in micrograd, so code that tests ``if v._op:`` sees no
  operation in a constant or a parameter.

``_prev`` and ``_local`` are properties that read these slots. A graph built op by op is built
and differentiated 1.4 to 4 times faster this way than with tuples (benchmark W3, alone in a
process and beside micrograd's objects: the more live objects, the more each one costs).

Reading order: how plain numbers are lifted and nodes are built (`_const`, `_node`) and their
edges read (`_inputs`); how a local derivative is written once for floats and Values (the
rules, for gradients of gradients: `autograd_mlp.functional`); the Value and its state;
primitive operations, each with its rule next to its forward; backward; the n-ary weighted
sum used by neurons; the rules by op name (`rule_for`, `register_rule`); the topological
order; IEEE arithmetic; the per-thread modes (no_grad, detect_anomaly).
References: the chain rule as in Goodfellow, Bengio & Courville, *Deep Learning* (2016),
section 6.5; numerical conventions follow PyTorch (IEEE 754 values, relu'(0) = 0).
"""

from __future__ import annotations

import functools
import gc
import math
import numbers
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Union

__all__ = [
    "Value",
    "Number",
    "AnomalyError",
    "no_grad",
    "detect_anomaly",
    "is_grad_enabled",
    "role",
    "topological_order",
    "weighted_sum",
    "rule_for",
    "register_rule",
]

Number = Union[int, float]  # noqa: UP007 (a runtime alias, kept readable on 3.10)
Operand = Union["Value", int, float]

INF = math.inf
NAN = math.nan

# Roles of leaves, read with `role`. Renderers use them to colour nodes; nothing in the
# arithmetic depends on them. A leaf is made with its role by passing it as the op name,
# ``Value(2.0, "", (), (), CONST)``; it is stored apart, and the leaf's ``_op`` is "".
LEAF = ""  # a Value the user created
CONST = "const"  # a plain number lifted into the graph by an operation (the 2 in ``x * 2``)
PARAM = "param"  # a trainable parameter created by autograd_mlp.nn
INPUT = "input"  # a network input created by autograd_mlp.nn from a plain number
_ROLES = (CONST, PARAM, INPUT)

_new_value = object.__new__  # allocates a Value without running __init__ (see _node)

# The modes (no_grad, detect_anomaly) are per thread, as in PyTorch, and live in `_modes` (see
# the end of the file). ``_plain`` is True while no thread anywhere is inside a mode block, so
# the common case costs one global lookup per operation; only when it is False does an
# operation look up its own thread's modes.
_plain = True


class AnomalyError(ValueError):
    """Raised inside `detect_anomaly()` at the first non-finite value or gradient."""


# ------------------------------------------------------------------------------------------------
# Numbers into the graph: user numbers checked, plain numbers lifted, computed nodes built
# ------------------------------------------------------------------------------------------------


def _real(x: object) -> float | None:
    """``x`` as a float if it is a real number (int, float, bool, NumPy scalar...), else None."""
    kind = type(x)
    if kind is float:
        return x  # type: ignore[return-value]
    if kind is int:  # the common cases first: the ABC check below is slow
        return float(x)  # type: ignore[arg-type]
    if isinstance(x, numbers.Real) or (
        kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")
    ):
        return float(x)  # type: ignore[arg-type]
    return None


def _coerce(
    data: object, expected: str = "Value() expects a real number (int, float, bool or NumPy scalar)"
) -> float:
    """A user's number as a Python float, or a TypeError saying what was expected and naming
    what was given instead."""
    f = _real(data)
    if f is None:
        raise TypeError(f"{expected}, got {type(data).__name__}: {data!r}")
    return f


def _const(x: object) -> Value | None:
    """A plain number met by an operation, lifted into the graph as a constant leaf (the 2 in
    ``x * 2``); None if ``x`` is not a real number, so the operator can return NotImplemented
    and Python raises its usual TypeError (``Value(1) + "a"``)."""
    f = _real(x)
    if f is None:
        return None
    v = _new_value(Value)  # a leaf: no edges, nothing for __init__ to check
    v.data = f
    v.grad = 0.0
    v.label = ""
    v._op = LEAF
    v._a = None
    v._da = CONST  # the leaf's role (see `role`)
    return v


def _node(
    data: float, op: str, a: Value, da: float, b: Value | None = None, db: float = 0.0
) -> Value:
    """The Value computed by an operation with one or two inputs: its result, its name, and
    each input with the local derivative of its edge (``b`` is None for one input).

    Every operation below ends here. It skips `Value.__init__` (whose checks are for numbers
    coming from users) because building nodes is most of the engine's work.
    """
    v = _new_value(Value)
    v.data = data if type(data) is float else float(data)
    v.grad = 0.0
    v.label = ""
    if _plain:
        v._op = op
        v._a = a
        v._da = da
        v._b = b
        v._db = db
    elif b is None:  # no_grad or detect_anomaly: the slow path
        v._record((a,), (da,), op)
    else:
        v._record((a, b), (da, db), op)
    return v


def _selecting(data: float, op: str, a: Value, b: Value | None = None, db: float = 0.0) -> Value:
    """The Value of an operation whose derivative with respect to ``a`` is 0 because it
    *selects* rather than computes: relu at a ≤ 0 and ``a**0`` pass their input the gradient
    +0 whatever arrives from above, as PyTorch's backward does (it picks 0, where 0·g would be
    nan for g = inf or nan, and -0 for g < 0). ``b`` is a second, ordinary edge (the exponent
    of ``a**b`` at b = 0).

    Such a node stores its edges as tuples, the form backward already tests for, with ``a``
    again in ``_b`` to mark it: the hot one- and two-input paths of backward stay one multiply
    per edge, and these nodes cost one check in the tuple branch (`Value.backward`).
    """
    v = _new_value(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    if not _plain:
        v._record((a,) if b is None else (a, b), (0.0,) if b is None else (0.0, db), op, True)
    elif b is None:  # relu at a ≤ 0 builds many of these: the plain case skips _record
        v._op, v._a, v._da, v._b = op, (a,), (0.0,), a
    else:
        v._op, v._a, v._da, v._b = op, (a, b), (0.0, db), a
    return v


def _checked_edges(
    prev: Sequence[object], local: Sequence[object]
) -> tuple[tuple[Value, ...], tuple[float, ...]]:
    """Edges passed to ``Value(...)``: Values, each with a real local derivative, or an error
    naming what is wrong (the operations build their edges themselves and skip this)."""
    if len(prev) != len(local):
        raise ValueError(
            f"Value: expected one local derivative per input, got {len(prev)} inputs "
            f"(_prev) and {len(local)} local derivatives (_local)"
        )
    inputs: list[Value] = []
    for i, p in enumerate(prev):
        if not isinstance(p, Value):
            raise TypeError(
                f"Value: input {i} in _prev must be a Value, got {type(p).__name__}: {p!r}"
            )
        inputs.append(p)
    expected = "Value: local derivatives in _local must be real numbers"
    return tuple(inputs), tuple(_coerce(d, expected) for d in local)


def _inputs(v: Value) -> tuple[Value, ...]:
    """The inputs of ``v`` as a tuple, read from its edge slots (``Value._prev``)."""
    a = v._a
    if a is None:
        return ()
    if isinstance(a, tuple):
        return a
    b = v._b
    return (a,) if b is None else (a, b)


# ------------------------------------------------------------------------------------------------
# Local derivatives written once, read twice
# ------------------------------------------------------------------------------------------------
# Each op's local derivatives are one small function beside its forward (``Value._d_tanh`` ...),
# taking the op's inputs and its output and returning one local derivative per input. It is
# written with arithmetic that works on floats and on Values alike, so the same rule serves
# both paths: called with floats it gives the numbers the forward stores for ``backward``;
# called with Values (by `autograd_mlp.functional.grad(..., create_graph=True)`) it builds the
# derivative as a graph, which can be differentiated again. The float forwards of + - · neg,
# relu, a**b, x**n and the weighted sum write their rule inline instead of calling it (the
# calls cost more than the op there); tests/test_higher_order.py checks, for every op, that
# the rule on floats gives those stored numbers bit for bit.
#
# A rule returns None for an edge where PyTorch *selects* rather than multiplies (relu at
# a ≤ 0, x**0): no gradient flows there, not even an inf or nan one, and the float forward
# stores 0.0. It returns ``Masked(d)`` where PyTorch computes a derivative d and then selects 0
# instead (``where(cond, 0, d)``, in a**b at b = 0 or at a = 0, b ≥ 0): the float forward
# stores 0.0 as well, but a derivative of the second order sees d behind the mask, as in
# PyTorch (0 flows into d, and 0·inf inside it is nan). PyTorch masks g·d for the base of a**b
# and d alone (then multiplies by g) for the exponent; ``with_grad`` says which.


class Masked:
    """A local derivative ``d`` that the op replaces by 0 (PyTorch's ``where(cond, 0, d)``,
    or ``where(cond, 0, g·d)`` for the upstream gradient g when ``with_grad``)."""

    __slots__ = ("d", "with_grad")

    def __init__(self, d: Value | float, with_grad: bool = False) -> None:
        self.d = d
        self.with_grad = with_grad


def _num(x: Value | float) -> float:
    """The number in ``x``: a rule's branches look at values, never build graph for them."""
    return x.data if isinstance(x, Value) else x


def _div(x: Value | float, y: Value | float) -> Value | float:
    """x / y for floats (IEEE: 1/0 = inf) and for Values."""
    if isinstance(x, Value) or isinstance(y, Value):
        return x / y
    return _divide(x, y)


def _pow(x: Value | float, y: Value | float) -> Value | float:
    """x ** y for floats (IEEE: 0**-1 = inf, (-1)**0.5 = nan) and for Values."""
    if isinstance(x, Value) or isinstance(y, Value):
        return x**y
    return _power(x, y)


def _pow_n(x: Value | float, n: float) -> Value | float:
    """x ** n for a plain exponent n: for floats as PyTorch computes it (`_scalar_power`)."""
    return x**n if isinstance(x, Value) else _scalar_power(x, n)


def _ln(x: Value | float) -> Value | float:
    """ln x for floats (IEEE: ln 0 = -inf, ln -1 = nan) and for Values."""
    return x.log() if isinstance(x, Value) else _log(x)


class Gate:
    """relu's local derivative: the upstream gradient g where relu's output is > 0 (or nan),
    exactly 0 elsewhere. As a graph it is the node relu′(g, output), as PyTorch builds
    ``threshold_backward(g, result)``: its second derivatives reach relu's output, with 0."""

    __slots__ = ("out",)

    def __init__(self, out: Value | float) -> None:
        self.out = out

    @property
    def keeps(self) -> bool:
        return not _num(self.out) <= 0.0  # nan passes, as nan <= 0 is false


def relu_gate(g: Value, out: Value) -> Value:
    """relu′(g, out) = g where out > 0 (or nan), else 0: a select on g, and 0 towards out."""
    keep = not out.data <= 0.0
    return _node(g.data if keep else 0.0, "relu′", g, 1.0 if keep else 0.0, out, 0.0)


def _one_minus_square(t: Value | float) -> Value | float:
    """1 - t², tanh's derivative, computed as (1 - t)(1 + t): 1 - t is exact near |t| = 1,
    where 1 - t·t would lose digits to the rounding of t·t (PyTorch's fused multiply-add).
    For a Value, one node "1-x²" with that value and d(1 - t²)/dt = -2t, as PyTorch's
    tanh_backward: differentiating (1 - t)(1 + t) instead would give -(1 + t) + (1 - t), which
    cancels to 0 for a tiny t where -2t does not."""
    if isinstance(t, Value):
        d = t.data
        return _node((1.0 - d) * (1.0 + d), "1-x²", t, -2.0 * d)
    return (1.0 - t) * (1.0 + t)


def _or_zero(d: Local) -> float:
    """A rule's float result as the number the forward stores (a select's is 0.0)."""
    if type(d) is Gate:
        return 1.0 if d.keeps else 0.0
    return 0.0 if d is None or type(d) is Masked else d  # type: ignore[return-value]


Scalar = Union["Value", float]
Local = Union["Value", float, Masked, Gate, None]


class Value:
    """A scalar that records the operations applied to it, for reverse-mode differentiation.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (-4.0, -2.0, 2.0)
    """

    # "__dict__" lets user code add attributes of its own (an optimizer's ``p.m``, a colour for
    # drawing), as micrograd's Values allow. The named slots stay as fast and the dict itself
    # is only created for a Value that is given one, but CPython 3.11 reserves room for it in
    # every Value: 32 bytes more per node in benchmark W4 (docs/performance.md).
    __slots__ = ("data", "grad", "label", "_op", "_a", "_da", "_b", "_db", "__dict__")
    # NumPy scalars on the left (np.float64(2) * v) defer to our reflected operators.
    __array_ufunc__ = None

    data: float
    grad: float
    label: str
    _op: str
    # The edges, as the module docstring describes: a leaf has _a = None, its role in _da and
    # _b, _db unset; the weighted sum has tuples in _a and _da and _b, _db unset.
    _a: Value | tuple[Value, ...] | None
    _da: float | tuple[float, ...] | str
    _b: Value | None
    _db: float

    def __init__(
        self,
        data: object,
        label: str = "",
        _prev: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str = LEAF,
    ) -> None:
        if type(data) is not float:
            data = _coerce(data)
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        if _prev or _local:  # edges given by hand (a user-defined op): checked, as numbers are
            _prev, _local = _checked_edges(_prev, _local)
        self.data = data
        self.grad = 0.0
        self.label = label
        self._record(_prev, _local, _op)

    def _record(
        self, prev: Sequence[Value], local: Sequence[float], op: str, selects: bool = False
    ) -> None:
        """Store the edges given as sequences (by __init__ and the weighted sum, and by `_node`
        outside the plain mode): no_grad drops them, detect_anomaly checks the value first.
        A leaf's op name, if it is a role (CONST, PARAM, INPUT), is stored as its role; with
        ``selects``, the first edge selects (see `_selecting`)."""
        if not _plain:
            modes = _modes
            if modes.anomaly and not math.isfinite(self.data):
                raise AnomalyError(_anomaly_message(self.data, prev, op, self.label))
            if not modes.grad_enabled:
                prev, local, op = (), (), (op if not prev else LEAF)
        if not prev:
            self._a = None
            if op in _ROLES:
                self._op, self._da = LEAF, op
            else:
                self._op, self._da = op, LEAF
            return
        self._op = op
        if selects:
            self._a, self._da, self._b = tuple(prev), tuple(local), prev[0]
        elif len(prev) == 1:
            self._a, self._da, self._b, self._db = prev[0], local[0], None, 0.0
        elif len(prev) == 2:
            self._a, self._da, self._b, self._db = prev[0], local[0], prev[1], local[1]
        else:
            self._a, self._da, self._b = tuple(prev), tuple(local), None

    # The edges as tuples, for everything that reads the graph (see the module docstring).
    _prev = property(_inputs, doc="The inputs of this Value, in order (empty for a leaf).")

    @property
    def _local(self) -> tuple[float, ...]:
        """The local derivative d(self)/d(input) of each edge, in the order of ``_prev``."""
        a = self._a
        if a is None:
            return ()
        if isinstance(a, tuple):
            return self._da  # type: ignore[return-value]
        return (self._da,) if self._b is None else (self._da, self._db)  # type: ignore[return-value]

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    @property
    def is_leaf(self) -> bool:
        """True for a Value created directly rather than by an operation."""
        return self._a is None

    @property
    def op(self) -> str:
        """The name of the operation that produced this Value ('' for a leaf)."""
        return "" if self._a is None else self._op

    # ----------------------------------------------------------------------------------------
    # Primitive operations. Each forward is followed by its local derivatives, one per input,
    # and each has its rule ``_d_<op>(inputs..., output)`` beside it (see "Local derivatives
    # written once" above).
    # ----------------------------------------------------------------------------------------

    @staticmethod
    def _d_add(a: Scalar, b: Scalar, out: Scalar) -> tuple[Local, ...]:
        return (1.0, 1.0)  # d(a + b)/da = 1,  d(a + b)/db = 1

    def __add__(self, other: Operand) -> Value:
        b = other if isinstance(other, Value) else _const(other)
        if b is None:
            return NotImplemented
        return _node(self.data + b.data, "+", self, 1.0, b, 1.0)  # Value._d_add

    def __radd__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a + self

    @staticmethod
    def _d_sub(a: Scalar, b: Scalar, out: Scalar) -> tuple[Local, ...]:
        return (1.0, -1.0)  # d(a - b)/da = 1,  d(a - b)/db = -1

    def __sub__(self, other: Operand) -> Value:
        b = other if isinstance(other, Value) else _const(other)
        if b is None:
            return NotImplemented
        return _node(self.data - b.data, "-", self, 1.0, b, -1.0)  # Value._d_sub

    def __rsub__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a - self

    @staticmethod
    def _d_mul(a: Scalar, b: Scalar, out: Scalar) -> tuple[Local, ...]:
        return (b, a)  # d(a·b)/da = b,  d(a·b)/db = a

    def __mul__(self, other: Operand) -> Value:
        b = other if isinstance(other, Value) else _const(other)
        if b is None:
            return NotImplemented
        return _node(self.data * b.data, "*", self, b.data, b, self.data)  # Value._d_mul

    def __rmul__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a * self

    @staticmethod
    def _d_div(a: Scalar, b: Scalar, out: Scalar) -> tuple[Local, ...]:
        # d(a/b)/da = 1/b,  d(a/b)/db = -a/b² = -(a/b)/b  (computed as PyTorch does, so that
        # 0/b for a tiny b gives -0, not -0·(1/b)² = 0·inf = nan)
        return (_div(1.0, b), -_div(out, b))

    def __truediv__(self, other: Operand) -> Value:
        b = other if isinstance(other, Value) else _const(other)
        if b is None:
            return NotImplemented
        out = _divide(self.data, b.data)
        da, db = Value._d_div(self.data, b.data, out)
        return _node(out, "/", self, da, b, db)  # type: ignore[arg-type]  # floats in, floats out

    def __rtruediv__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a / self

    @staticmethod
    def _d_neg(a: Scalar, out: Scalar) -> tuple[Local, ...]:
        return (-1.0,)  # d(-a)/da = -1

    def __neg__(self) -> Value:
        return _node(-self.data, "neg", self, -1.0)  # Value._d_neg

    def __pos__(self) -> Value:
        return self

    @staticmethod
    def _d_pow(a: Scalar, b: Scalar, out: Scalar) -> tuple[Local, ...]:
        # d(aᵇ)/da = b·aᵇ⁻¹,  d(aᵇ)/db = aᵇ·ln a. PyTorch selects 0 for the first where b = 0
        # and for the second where a = 0 and b ≥ 0, so 0**b does not produce 0·(-inf) = nan,
        # nor 0**0 give -inf.
        d_base: Local = b * _pow(a, b - 1.0)
        d_exp: Local = out * _ln(a)
        if _num(b) == 0.0:
            d_base = Masked(d_base, with_grad=True)  # type: ignore[arg-type]
        if _num(a) == 0.0 and _num(b) >= 0.0:
            d_exp = Masked(d_exp)  # type: ignore[arg-type]
        return (d_base, d_exp)

    @staticmethod
    def _d_pow_number(a: Scalar, out: Scalar, n: float) -> tuple[Local, ...]:
        # d(aⁿ)/da = n·aⁿ⁻¹; PyTorch selects 0 when n = 0
        return (None if n == 0.0 else n * _pow_n(a, n - 1.0),)

    def __pow__(self, other: Operand) -> Value:
        a = self.data
        if isinstance(other, Value):
            b = other.data
            out = _power(a, b)
            # Value._d_pow, inline: d(aᵇ)/da = b·aᵇ⁻¹,  d(aᵇ)/db = aᵇ·ln a  (taken as 0 where
            # a = 0 and b ≥ 0, as PyTorch does, so 0**b does not produce 0·(-inf) = nan, nor
            # 0**0 give -inf)
            d_exp = 0.0 if (a == 0.0 and b >= 0.0) else out * _log(a)
            if b == 0.0:  # d/da selects 0 (PyTorch's where(b == 0, 0, ...)); d/db multiplies
                return _selecting(out, "**", self, other, d_exp)
            return _node(out, "**", self, b * _power(a, b - 1.0), other, d_exp)
        n = _real(other)  # a plain exponent is part of the op ("**2"), not a node
        if n is None:
            return NotImplemented
        if n == 0.0:  # a⁰ = 1, and d(a⁰)/da selects 0, as PyTorch (even at a = 0, inf, nan)
            return _selecting(1.0, "**0", self)
        # d(aⁿ)/da = n·aⁿ⁻¹ (Value._d_pow_number, inline: x**2 is in every squared error)
        return _node(_scalar_power(a, n), _power_op(n), self, n * _scalar_power(a, n - 1.0))

    def __rpow__(self, other: Operand) -> Value:
        c = _const(other)
        return NotImplemented if c is None else c**self

    @staticmethod
    def _d_exp(a: Scalar, out: Scalar) -> tuple[Local, ...]:
        return (out,)  # d(eᵃ)/da = eᵃ

    def exp(self) -> Value:
        out = _exp(self.data)
        (d,) = Value._d_exp(self.data, out)
        return _node(out, "exp", self, d)  # type: ignore[arg-type]  # floats in, floats out

    @staticmethod
    def _d_log(a: Scalar, out: Scalar) -> tuple[Local, ...]:
        return (_div(1.0, a),)  # d(ln a)/da = 1/a

    def log(self) -> Value:
        a = self.data
        out = _log(a)
        (d,) = Value._d_log(a, out)
        return _node(out, "log", self, d)  # type: ignore[arg-type]  # floats in, floats out

    @staticmethod
    def _d_tanh(a: Scalar, t: Scalar) -> tuple[Local, ...]:
        return (_one_minus_square(t),)  # d(tanh a)/da = 1 - tanh²a

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        (d,) = Value._d_tanh(self.data, t)
        return _node(t, "tanh", self, d)  # type: ignore[arg-type]  # floats in, floats out

    @staticmethod
    def _d_sigmoid(a: Scalar, s: Scalar) -> tuple[Local, ...]:
        return (s * (1.0 - s),)  # dσ(a)/da = σ(a)·(1 - σ(a))

    def sigmoid(self) -> Value:
        s = _sigmoid(self.data)
        (d,) = Value._d_sigmoid(self.data, s)
        return _node(s, "sigmoid", self, d)  # type: ignore[arg-type]  # floats in, floats out

    @staticmethod
    def _d_relu(a: Scalar, out: Scalar) -> tuple[Local, ...]:
        # d relu(a)/da = 0 if a <= 0 else 1: PyTorch selects, where(a <= 0, 0, g), 0 at a = 0;
        # nan passes through with slope 1, as PyTorch's threshold_backward does, since
        # nan <= 0 is false
        return (Gate(out),)

    def relu(self) -> Value:
        a = self.data
        # Value._d_relu, inline (relu is most of a network's nodes). The 0 is selected, not
        # multiplied (`_selecting`); relu(-0.0) is -0.0, as PyTorch's.
        if a <= 0.0:
            return _selecting(0.0 if a < 0.0 else a, "relu", self)
        return _node(a, "relu", self, 1.0)

    # ----------------------------------------------------------------------------------------
    # Backward pass
    # ----------------------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill ``.grad`` of every Value this one depends on with d(self)/d(that Value).

        Leaf gradients accumulate across calls (as in PyTorch: two calls give twice the
        gradient; use ``zero_grad`` between steps). Gradients of intermediate Values are reset
        first, so they always describe this pass: to -0.0, which adds to any y giving y itself
        (bit for bit), so a gradient is its first contribution plus the others, as PyTorch
        assigns the first one (a gradient of -0.0 stays -0.0).
        """
        # Our graphs hold no reference cycles, so Python's cyclic garbage collector has nothing
        # to find in them; but it would still wake up every few hundred allocations and walk
        # every live container. Pausing it for the pass is safe and saves that work.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            order = _computed_order(self)  # also resets their gradients to -0.0
            self.grad += 1.0
            if not _plain and _modes.anomaly:
                _backward_checked(order)
                return
            # The chain rule, one edge at a time: ∂root/∂child += ∂node/∂child · ∂root/∂node.
            for node in reversed(order):
                g = node.grad
                a = node._a
                if isinstance(a, tuple):
                    if node._b is None:  # the weighted sum: a tuple of inputs
                        for child, local in zip(a, node._da):  # type: ignore[arg-type]
                            child.grad += local * g  # type: ignore[operator]
                    else:  # its first edge selects 0 (`_selecting`): relu at a ≤ 0, x**0
                        a[0].grad += 0.0
                        if len(a) == 2:
                            a[1].grad += node._da[1] * g  # type: ignore[index,operator]
                else:  # one or two inputs
                    a.grad += node._da * g  # type: ignore[union-attr,operator]
                    b = node._b
                    if b is not None:
                        b.grad += node._db * g
        finally:
            if gc_was_on:
                gc.enable()


# ------------------------------------------------------------------------------------------------
# The n-ary weighted sum: z = Σ wᵢ·xᵢ + b as one node, the op a neuron uses.
# ------------------------------------------------------------------------------------------------


def weighted_sum(
    w: Sequence[Value], x: Sequence[Value | float], b: Value, label: str = ""
) -> Value:
    """Return z = Σ wᵢ·xᵢ + b as a single node with one edge per weight, input and bias.

    Inputs are interleaved in ``_prev`` as (w₁, x₁, w₂, x₂, ..., b), with local derivatives
    ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1.
    Plain numbers among the inputs are lifted to constant leaves.
    """
    if len(w) != len(x):
        raise ValueError(
            f"weighted_sum: expected as many inputs as weights ({len(w)}), got {len(x)}"
        )
    try:
        # assume every input is a Value: plain numbers fail on .data and are handled below
        return _weighted_sum(w, x, b, label)  # type: ignore[arg-type]
    except (AttributeError, TypeError):  # not all Values: checked only when it happens
        _check_weighted_sum_args(w, b)  # a weight or the bias is not a Value: TypeError
        # plain numbers (and NumPy scalars) among the inputs become constant leaves
        expected = "weighted_sum: inputs must be Values or real numbers"
        xs = [xi if isinstance(xi, Value) else _const(_coerce(xi, expected)) for xi in x]
        return _weighted_sum(w, xs, b, label)  # type: ignore[arg-type]  # _const(float): a Value


def _d_weighted_sum(*inputs_and_out: Scalar) -> tuple[Local, ...]:
    """The rule of the weighted sum: inputs (w₁, x₁, ..., b) and the output z give
    ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1 (`_weighted_sum` writes it inline, for speed)."""
    inputs = inputs_and_out[:-1]
    local: list[Local] = []
    for i in range(0, len(inputs) - 1, 2):
        local += [inputs[i + 1], inputs[i]]
    local.append(1.0)
    return tuple(local)


def _weighted_sum(w: Sequence[Value], x: Sequence[Value], b: Value, label: str) -> Value:
    # This function builds most of the graph of a network, so it is written for speed: one
    # pass that fills preallocated lists (measured faster than slicing or appending).
    n = 2 * len(w)
    prev = [b] * (n + 1)  # (w₁, x₁, w₂, x₂, ..., b)
    local = [1.0] * (n + 1)  # ∂z/∂b = 1
    total = b.data  # z = ((b + w₁x₁) + w₂x₂) + ...: in this order, as micrograd's sum(..., b)
    i = 0
    for wi, xi in zip(w, x):
        wd = wi.data
        xd = xi.data
        total += wd * xd
        prev[i] = wi
        prev[i + 1] = xi
        local[i] = xd  # ∂z/∂wᵢ = xᵢ
        local[i + 1] = wd  # ∂z/∂xᵢ = wᵢ
        i += 2
    out = _new_value(Value)
    out.data = total
    out.grad = 0.0
    out.label = label
    out._record(prev, local, "Σwx+b")
    return out


def _check_weighted_sum_args(w: Sequence[object], b: object) -> None:
    """Raise TypeError naming the weight or bias that is not a Value (weighted_sum's inputs x
    may be plain numbers, but weights and bias are the trainable Values gradients flow to)."""
    for i, wi in enumerate(w):
        if not isinstance(wi, Value):
            raise TypeError(
                f"weighted_sum: weight {i} must be a Value, got {type(wi).__name__}: {wi!r}"
            )
    if not isinstance(b, Value):
        raise TypeError(f"weighted_sum: bias must be a Value, got {type(b).__name__}: {b!r}")


# ------------------------------------------------------------------------------------------------
# The rules by op name, for the Value path (autograd_mlp.functional)
# ------------------------------------------------------------------------------------------------

Rule = Callable[..., tuple[Local, ...]]

_RULES: dict[str, Rule] = {
    "+": Value._d_add,
    "-": Value._d_sub,
    "*": Value._d_mul,
    "/": Value._d_div,
    "neg": Value._d_neg,
    "**": Value._d_pow,
    "exp": Value._d_exp,
    "log": Value._d_log,
    "tanh": Value._d_tanh,
    "sigmoid": Value._d_sigmoid,
    "relu": Value._d_relu,
    "Σwx+b": _d_weighted_sum,
}


def masked(x: Value) -> Value:
    """0, with ``x`` behind it as an input that receives exactly 0 (PyTorch's
    ``where(cond, 0, x)`` where cond holds): how `Masked` derivatives enter a gradient graph."""
    return _node(0.0, "masked", x, 0.0)


def _d_masked(*inputs_and_out: Scalar) -> tuple[Local, ...]:
    return (None,) * (len(inputs_and_out) - 1)  # selects: nothing flows to its inputs


def _d_relu_gate(g: Scalar, out: Scalar, result: Scalar) -> tuple[Local, ...]:
    # ∂relu′(g, r)/∂g selects as relu does (PyTorch: threshold_backward(gg, r)); towards r it
    # is a gradient of exactly 0 (PyTorch: zeros_like), which still flows on from r
    return (Gate(out), None)


def _d_one_minus_square(t: Scalar, out: Scalar) -> tuple[Local, ...]:
    return (-2.0 * t,)  # d(1 - t²)/dt = -2t


_RULES["masked"] = _d_masked
_RULES["1-x²"] = _d_one_minus_square
_RULES["relu′"] = _d_relu_gate


def rule_for(op: str) -> Rule | None:
    """The rule of the op named ``op``: called as ``rule(*inputs, output)`` it returns one local
    derivative per input (None where the op selects), as floats or as Values, whichever it is
    given. None for an op without a rule (one made with ``Value(..., _op=...)``; see
    `register_rule`). x**n carries n in its name ("**2"), and its rule reads it from there."""
    rule = _RULES.get(op)
    if rule is None and op.startswith("**") and len(op) > 2:
        try:
            n = float(op[2:])
        except ValueError:
            return None
        return functools.partial(Value._d_pow_number, n=n)
    return rule if rule is not None else USER_RULES.get(op)


def register_rule(op: str, rule: Rule) -> None:
    """Give the op named ``op`` (one made with ``Value(..., _op=op)``) its rule, so that
    ``grad(..., create_graph=True)`` can differentiate it: ``rule(*inputs, output)`` must return
    one local derivative per input, built with Value arithmetic (it is called with Values).

    >>> register_rule("softplus", lambda a, out: (a.sigmoid(),))
    """
    if not isinstance(op, str) or not op:
        raise TypeError(f"register_rule: op must be a non-empty str, got {op!r}"[:200])
    if op in _RULES or op.startswith("**"):
        raise ValueError(f"register_rule: {op!r} is a built-in op; its rule cannot be replaced")
    if not callable(rule):
        raise TypeError(f"register_rule: rule must be callable, got {type(rule).__name__}")
    USER_RULES[op] = rule


# The rules given with register_rule: called with Values only (first-order gradients of these
# ops use the floats stored by the forward).
USER_RULES: dict[str, Rule] = {}


# ------------------------------------------------------------------------------------------------
# Graph traversal
# ------------------------------------------------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every Value ``root`` depends on, inputs before outputs, ``root`` last.

    Iterative depth-first search (no recursion, so a chain of 10⁶ operations is fine). The
    order is deterministic: it follows the order of each node's inputs (the post-order of a
    recursive DFS). Renderers and the explainer use it; ``backward`` uses the same search
    restricted to computed Values (`_computed_order`).
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value, got {type(root).__name__}: {root!r}")
    order: list[Value] = []
    visited = {root}
    # Each stack entry is a node and an iterator over its inputs: the node is emitted once its
    # iterator is exhausted, i.e. after every input (and their inputs) has been emitted.
    stack = [(root, iter(_inputs(root)))]
    while stack:
        node, inputs = stack[-1]
        for child in inputs:
            if child not in visited:
                visited.add(child)
                if child._a is not None:
                    stack.append((child, iter(_inputs(child))))
                    break  # descend; this node's loop resumes where it stopped
                order.append(child)  # a leaf: nothing to wait for
        else:
            stack.pop()
            order.append(node)
    return order


def _computed_order(root: Value) -> list[Value]:
    """The Values computed by operations that ``root`` depends on, in topological order, with
    their gradients reset to -0.0: what ``backward`` walks.

    The same search as `topological_order`, but leaves are neither visited nor listed: they
    have no inputs to pass a gradient to, so backward only needs to reach them. In a network
    most Values are leaves (weights, inputs, constants), so this halves the work.
    """
    order: list[Value] = []
    if root._a is None:
        return order
    visited = {root}
    stack = [(root, iter(_inputs(root)))]
    while stack:
        node, inputs = stack[-1]
        for child in inputs:
            if child._a is not None and child not in visited:
                visited.add(child)
                stack.append((child, iter(_inputs(child))))
                break
        else:
            stack.pop()
            node.grad = -0.0  # the neutral element of + (see backward)
            order.append(node)
    return order


# ------------------------------------------------------------------------------------------------
# IEEE-754 arithmetic: Python's math raises where PyTorch returns inf or nan.
# ------------------------------------------------------------------------------------------------


def _divide(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return NAN
        # the sign of a zero divisor matters: 1/-0.0 = -inf
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return INF


def _log(a: float) -> float:
    if a > 0.0:
        return math.log(a)
    if a == 0.0:
        return -INF
    return NAN  # negative or nan


def _sigmoid(a: float) -> float:
    # Two branches so that exp never overflows: stable at ±1000.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = _exp(a)
    return e / (1.0 + e)


def _power(a: float, b: float) -> float:
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
    # IEEE sqrt: sqrt(-0.0) = -0.0, and nan for every negative number, -inf included
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


@functools.lru_cache(maxsize=256)
def _power_op(n: float) -> str:
    """The op name of x**n: "**2", "**0.5"... (cached: the same few exponents come back)."""
    return f"**{int(n)}" if n.is_integer() and abs(n) < 1e15 else f"**{n!r}"


# ------------------------------------------------------------------------------------------------
# Modes: no_grad and detect_anomaly
# ------------------------------------------------------------------------------------------------


class _Modes(threading.local):
    """One thread's modes. A new thread starts with recording on and anomaly detection off,
    whatever the thread that started it is doing (as in PyTorch)."""

    grad_enabled = True
    anomaly = False


_modes = _Modes()
_blocks = 0  # mode blocks open in all threads; _plain is True exactly when it is 0
_blocks_lock = threading.Lock()


def _open_block() -> None:
    global _blocks, _plain
    with _blocks_lock:
        _blocks += 1
        _plain = False


def _close_block() -> None:
    global _blocks, _plain
    with _blocks_lock:
        _blocks -= 1
        _plain = _blocks == 0


def is_grad_enabled() -> bool:
    """True unless this thread is inside `no_grad()`."""
    return _plain or _modes.grad_enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Operations inside this block compute values but record no graph (``_prev`` is empty).

    Use it for evaluation and for parameter updates. The mode is per thread, as in PyTorch:
    other threads keep recording while one is inside the block.
    """
    modes = _modes
    previous = modes.grad_enabled
    _open_block()  # first, so that no operation of this thread takes the plain path
    modes.grad_enabled = False
    try:
        yield
    finally:
        modes.grad_enabled = previous
        _close_block()


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `AnomalyError` at the first operation whose result is inf or nan, and in
    ``backward`` at the first non-finite gradient. The message names the operation, its input
    values and their labels. Slower than normal mode: use it for debugging. Per thread, as
    `no_grad`."""
    modes = _modes
    previous = modes.anomaly
    _open_block()
    modes.anomaly = True
    try:
        yield
    finally:
        modes.anomaly = previous
        _close_block()


def role(v: Value) -> str:
    """What a leaf is: CONST ("const", a number lifted by an operation), PARAM ("param", a
    parameter made by `autograd_mlp.nn`), INPUT ("input", a network input made by
    `autograd_mlp.nn`), or LEAF ("", any other leaf). "" for a Value computed by an operation.
    """
    if v._a is not None:
        return LEAF
    return v._da  # type: ignore[return-value]  # a leaf's _da holds its role


def _describe(node: Value) -> str:
    name = (
        repr(node.label) if node.label else ("a constant" if role(node) == CONST else "unlabelled")
    )
    return f"{name} = {node.data!r}"


def _anomaly_message(data: float, prev: Sequence[Value], op: str, label: str) -> str:
    what = f"operation {op!r}" if prev else "leaf Value"
    inputs = ", ".join(_describe(p) for p in prev) or "none"
    named = f" (label {label!r})" if label else ""
    return f"detect_anomaly: {what}{named} produced {data!r}; inputs: {inputs}"


def _backward_checked(order: list[Value]) -> None:
    for node in reversed(order):
        g = node.grad
        selects = isinstance(node._a, tuple) and node._b is not None
        for i, (child, local) in enumerate(zip(node._prev, node._local)):
            child.grad += 0.0 if (selects and i == 0) else local * g
            if not math.isfinite(child.grad):
                raise AnomalyError(
                    f"detect_anomaly: backward through operation {node.op!r} "
                    f"(output {_describe(node)}, grad {g!r}) gave input {_describe(child)} "
                    f"the gradient {child.grad!r} (local derivative {local!r})"
                )
