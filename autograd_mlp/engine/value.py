"""The scalar autodiff engine: `Value`, its operations with their local derivatives, and
`backward`. Start reading here.

A `Value` holds one float. Every operation on Values returns a new Value that remembers its
inputs, the local derivative d(out)/d(input) of each edge (computed at forward time) and a
short name for the operation (``_op``). Readers of the graph see the edges as two tuples:

* ``_prev``  -- the inputs (``a + a`` keeps both edges, order is deterministic),
* ``_local`` -- the local derivative of each edge, as numbers, in the same order.

Because the local derivatives are stored, ``backward`` is one tight loop over the graph in
reverse topological order: ``child.grad += local * node.grad`` -- the chain rule. The renderer
and the explainer print the same numbers on each edge.

Each operation is its forward on floats and its **rule**, written once, beside it: a small
function of the op's inputs and output that returns one local derivative per input
(``Value._d_mul`` returns ``(b, a)``). The forward calls the rule with floats and stores what it
returns; ``grad(..., create_graph=True)`` (`autograd_mlp.engine.functional`) calls the same rule
with Values, to build the derivative as a graph that can be differentiated again. How a rule
works in both worlds, and the forms a local derivative can take besides a number (an edge that
*selects*, an edge PyTorch *divides*), is `autograd_mlp.engine.rules`.

How a node keeps its edges. No Value holds a closure or a reference to itself, so graphs have
no reference cycles and are freed by reference counting as soon as their root goes away.
Python's cyclic garbage collector still *walks* every live object it tracks, every few
hundred allocations, while a graph is being built; so a node keeps its edges in its own slots
rather than in tuples, and is one such object instead of two or three:

* ``_a``, ``_da`` -- the first input and the local derivative of its edge,
* ``_b``, ``_db`` -- the second input and its local derivative (``_b`` is None for ``-a``,
  ``exp``, ``tanh``... which have one input, and ``_db`` is then never set),
* the n-ary weighted sum, the only op with more inputs, keeps them as tuples: ``_a`` the
  inputs, ``_da`` their local derivatives, and ``_b = None``;
* a leaf has ``_a = None``, and keeps its role (see `role`) in ``_da``, which it has no use
  for: its ``_op`` is ``""``, as in micrograd, so code that tests ``if v._op:`` sees no
  operation in a constant or a parameter.

Reading order: how an operation is made from its forward and its rule (`_unary`, `_binary`:
a few lines that build the node); the Value and its state; the primitive operations, each with
its rule; the derived ones (reflected operators); ``backward``. After the class: the order
backward walks, the n-ary weighted sum that neurons use, the three small ops that only
derivative graphs contain, and the helpers (numbers lifted into the graph, edges read from a
node's slots, the messages of detect_anomaly).

The rooms beside this one: `ieee` (float arithmetic that returns inf and nan instead of
raising), `modes` (no_grad, detect_anomaly), `rules` (local derivatives in both worlds, the
table by op name), `functional` (grad, hessian, hvp).

References: the chain rule as in Goodfellow, Bengio & Courville, *Deep Learning* (2016),
section 6.5; numerical conventions follow PyTorch (IEEE 754 values, relu'(0) = 0).
"""

from __future__ import annotations

import copy
import math
import numbers
import operator
import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, Union, cast

from . import modes
from .ieee import _divide, _exp, _log, _power, _scalar_power, _sigmoid
from .modes import AnomalyError
from .rules import SELECT, Divided, Local, Rule, _gate, _masked, _num, builtin_rule, number

__all__ = ["Value", "Number", "role", "topological_order", "weighted_sum"]

Number = Union[int, float]  # noqa: UP007 (a runtime alias, kept readable on 3.10)
Operand = Union["Value", int, float]
Scalar = Union["Value", float]  # what a rule is given: floats, or Values
Locals = tuple[Local, ...]

# Roles of leaves, read with `role`. Renderers use them to colour nodes; nothing in the
# arithmetic depends on them. A leaf is made with its role by passing it as the op name,
# ``Value(2.0, "", (), (), CONST)``; it is stored apart, and the leaf's ``_op`` is "".
LEAF = ""  # a Value the user created
CONST = "const"  # a plain number lifted into the graph by an operation (the 2 in ``x * 2``)
PARAM = "param"  # a trainable parameter created by autograd_mlp.nn
INPUT = "input"  # a network input created by autograd_mlp.nn from a plain number
_ROLES = (CONST, PARAM, INPUT)

_new_value = object.__new__  # allocates a Value without running __init__ (see _unary)


# ------------------------------------------------------------------------------------------------
# How an operation builds its node: its forward on floats, then its rule on the same floats
# ------------------------------------------------------------------------------------------------
# In the class below, ``__mul__ = _binary("*", operator.mul, _d_mul)`` makes the method of a·b
# from its forward (the product of two floats) and its rule; the method computes the value,
# calls the rule with the same floats, and stores the result and the local derivatives in a
# new node. `_rule_of` also enters the rule in the table of rules, once per op.


class _StandIn:
    """An input or the output of an op, as `_rule_of` passes them to its rule at import."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def _rule_of(op: str, rule: Any, arity: int) -> tuple[Rule, Locals | None, bool]:
    """(the rule, its constant local derivatives or None, whether they are the inputs swapped)
    of the op ``op`` with ``arity`` inputs, after entering the rule in the table of rules.

    Some rules need no call on every operation: those of + - neg give constants, and that of
    a·b gives the inputs swapped (∂(a·b)/∂a = b). To find them, the rule is called once, here,
    with stand-ins for the inputs and the output: a rule that computes with them fails (a
    stand-in is not a number, and a helper it would call may not be defined yet while the
    class is being built) and is called on every operation; a rule that gives numbers gives
    them for every input; a rule that gives (b, a) gives the inputs swapped. A rule
    written as a ``@staticmethod`` in the class body is used as its plain function (calling a
    staticmethod object costs an indirection on every operation)."""
    function = cast(Rule, rule.__func__ if isinstance(rule, staticmethod) else rule)
    builtin_rule(op, function)
    stand_ins = [_StandIn(name) for name in ("a", "b")[:arity]]
    try:
        given: tuple[object, ...] = tuple(function(*stand_ins, _StandIn("out")))
    except (TypeError, AttributeError, NameError):  # the rule computes (see above)
        return function, None, False
    if all(type(d) is float or d is SELECT for d in given):
        return function, cast(Locals, given), False
    swapped = arity == 2 and given[0] is stand_ins[1] and given[1] is stand_ins[0]
    return function, None, swapped


def _unary(op: str, forward: Callable[[float], float], rule: Any) -> Callable[[Value], Value]:
    """The method of an operation with one input: ``forward`` computes the value from the
    input's number, ``rule(a, out)`` the local derivative of the edge. Enters the rule in the
    table of rules under ``op``."""
    rule, constant, _ = _rule_of(op, rule, 1)

    def unary_op(self: Value) -> Value:
        a = self.data
        out = forward(a)
        if constant is not None:  # the rule's number, the same for every input
            (da,) = constant
        else:
            (da,) = rule(a, out)
        # The node, built here rather than by a helper: this and `binary_op` are the engine's
        # hottest code, and a call would cost about as much as the rest of the operation.
        v = _new_value(Value)
        v.data = out
        v.grad = 0.0
        v.label = ""
        if modes.plain:
            v._op = op
            v._a = self
            v._da = da
            v._b = None
        else:  # no_grad or detect_anomaly somewhere: this thread's modes decide
            v._record((self,), (da,), op)
        return v

    unary_op.__doc__ = f"The operation {op!r}; its rule: ``{rule.__qualname__}``."
    return unary_op


def _binary(
    op: str, forward: Callable[[float, float], float], rule: Any
) -> Callable[[Value, Operand], Value]:
    """The method ``a <op> b`` of an operation with two inputs (a plain number on the right is
    lifted to a constant): ``forward`` computes the value from the two numbers, ``rule(a, b,
    out)`` the local derivatives of the two edges. Enters the rule in the table under ``op``."""
    rule, constant, swapped = _rule_of(op, rule, 2)

    def binary_op(self: Value, other: Operand) -> Value:
        b = other if isinstance(other, Value) else _const(other)
        if b is None:
            return NotImplemented  # type: ignore[no-any-return]  # Python raises its TypeError
        x = self.data
        y = b.data
        out = forward(x, y)
        if constant is not None:  # the rule's numbers, the same for every input
            da, db = constant
        elif swapped:  # the rule's (b, a), without calling it
            da, db = y, x
        else:
            da, db = rule(x, y, out)
        v = _new_value(Value)  # as in unary_op
        v.data = out
        v.grad = 0.0
        v.label = ""
        if modes.plain:
            v._op = op
            v._a = self
            v._da = da
            v._b = b
            v._db = db
        else:
            v._record((self, b), (da, db), op)
        return v

    binary_op.__doc__ = f"The operation {op!r}; its rule: ``{rule.__qualname__}``."
    return binary_op


# ------------------------------------------------------------------------------------------------
# The Value
# ------------------------------------------------------------------------------------------------


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
    # _b, _db unset; the weighted sum has tuples in _a and _da and _b = None.
    _a: Value | tuple[Value, ...] | None
    _da: Local | tuple[Local, ...] | str
    _b: Value | None
    _db: Local

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
        self.data = data
        self.grad = 0.0
        self.label = label
        if _prev or _local:  # edges given by hand (a user-defined op): checked, as numbers are
            _prev, _local = _checked_edges(_prev, _local)
        elif modes.plain:  # a leaf, the common case: stored here, as `_record` would
            self._a = None
            if _op in _ROLES:
                self._op, self._da = LEAF, _op
            else:
                self._op, self._da = _op, LEAF
            return
        self._record(_prev, _local, _op)

    def _record(self, prev: Sequence[Value], local: Sequence[Local], op: str) -> None:
        """Store the edges given as sequences (by __init__, the weighted sum, and every op while
        a mode block is open somewhere): no_grad drops them, detect_anomaly checks the value
        first. A leaf's op name, if it is a role (CONST, PARAM, INPUT), is stored as its role."""
        if not modes.plain:
            mode = modes.current
            if mode.anomaly and not math.isfinite(self.data):
                raise AnomalyError(_anomaly_message(self.data, prev, op, self.label))
            if not mode.grad_enabled:
                prev, local, op = (), (), (op if not prev else LEAF)
        if not prev:
            self._a = None
            if op in _ROLES:
                self._op, self._da = LEAF, op
            else:
                self._op, self._da = op, LEAF
            return
        self._op = op
        if len(prev) == 1:
            self._a, self._da, self._b = prev[0], local[0], None
        elif len(prev) == 2:
            self._a, self._da, self._b, self._db = prev[0], local[0], prev[1], local[1]
        else:
            self._a, self._da, self._b = tuple(prev), tuple(local), None

    # The edges as tuples, for everything that reads the graph (see the module docstring).
    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs of this Value, in order (empty for a leaf)."""
        return _inputs(self)

    @property
    def _local(self) -> tuple[float, ...]:
        """The local derivative d(self)/d(input) of each edge as a number, in the order of
        ``_prev`` (0 where the op selects, 1/x where backward computes g/x)."""
        return tuple([d if type(d) is float else number(d) for d in _stored(self)])

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
    # Primitive operations: each is its forward on floats and its rule beside it, the local
    # derivatives d(out)/d(input) as functions of the inputs and the output
    # ----------------------------------------------------------------------------------------

    @staticmethod
    def _d_add(a: Scalar, b: Scalar, out: Scalar) -> Locals:
        return (1.0, 1.0)  # ∂(a + b)/∂a = 1,  ∂(a + b)/∂b = 1

    __add__ = _binary("+", operator.add, _d_add)

    @staticmethod
    def _d_sub(a: Scalar, b: Scalar, out: Scalar) -> Locals:
        return (1.0, -1.0)  # ∂(a - b)/∂a = 1,  ∂(a - b)/∂b = -1

    __sub__ = _binary("-", operator.sub, _d_sub)

    @staticmethod
    def _d_mul(a: Scalar, b: Scalar, out: Scalar) -> Locals:
        return (b, a)  # ∂(a·b)/∂a = b,  ∂(a·b)/∂b = a

    __mul__ = _binary("*", operator.mul, _d_mul)

    @staticmethod
    def _d_div(a: Scalar, b: Scalar, out: Scalar) -> Locals:
        # ∂(a/b)/∂a = 1/b, applied as g/b (Divided);  ∂(a/b)/∂b = -a/b² = -(a/b)/b. Both as
        # PyTorch computes them: g/b is finite for a tiny b where 1/b overflows; -(a/b)/b is -0
        # for 0/b, where -a·(1/b)² would be 0·inf = nan; and a/b is computed again rather than
        # read from the output, so that as a graph it is a node of its own, as in PyTorch's
        # derivative (second derivatives at b → 0 then agree with PyTorch's, nan included).
        return (Divided(b), -_div(_div(a, b), b))

    __truediv__ = _binary("/", _divide, _d_div)

    @staticmethod
    def _d_neg(a: Scalar, out: Scalar) -> Locals:
        return (-1.0,)  # ∂(-a)/∂a = -1

    __neg__ = _unary("neg", operator.neg, _d_neg)

    @staticmethod
    def _d_pow(a: Scalar, b: Scalar, out: Scalar) -> Locals:
        # ∂(aᵇ)/∂a = b·aᵇ⁻¹,  ∂(aᵇ)/∂b = aᵇ·ln a. PyTorch masks the first where b = 0 (so no
        # gradient at all flows to a) and the second where a = 0 and b ≥ 0 (so that 0**b does
        # not give 0·(-inf) = nan, nor 0**0 -inf).
        d_base: Local = b * _pow(a, b - 1.0)
        d_exp: Local = out * _ln(a)
        if _num(b) == 0.0:
            d_base = _masked(d_base, with_grad=True)  # type: ignore[arg-type]
        if _num(a) == 0.0 and _num(b) >= 0.0:
            d_exp = _masked(d_exp)  # type: ignore[arg-type]
        return (d_base, d_exp)

    _pow_values = _binary("**", _power, _d_pow)

    @staticmethod
    def _d_pow_number(a: Scalar, out: Scalar, n: float) -> Locals:
        # ∂(aⁿ)/∂a = n·aⁿ⁻¹; PyTorch selects 0 when n = 0, even at a = 0, inf or nan
        return (SELECT if n == 0.0 else n * _pow_n(a, n - 1.0),)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return Value._pow_values(self, other)
        n = other if type(other) is float else _real(other)  # a plain exponent: part of the
        if n is None:  # op's name ("**2"), not a node
            return NotImplemented
        a = self.data
        out = _scalar_power(a, n)  # a⁰ = 1, even at a = 0, inf or nan
        (da,) = _d_pow_number(a, out, n)
        return _node(out, _POWER_OPS.get(n) or _power_op(n), self, da)

    @staticmethod
    def _d_exp(a: Scalar, out: Scalar) -> Locals:
        return (out,)  # ∂eᵃ/∂a = eᵃ

    exp = _unary("exp", _exp, _d_exp)

    @staticmethod
    def _d_log(a: Scalar, out: Scalar) -> Locals:
        return (Divided(a),)  # ∂(ln a)/∂a = 1/a, applied as g/a (as PyTorch: see _d_div)

    log = _unary("log", _log, _d_log)

    @staticmethod
    def _d_tanh(a: Scalar, t: Scalar) -> Locals:
        return (_one_minus_square(t),)  # ∂(tanh a)/∂a = 1 - tanh²a

    tanh = _unary("tanh", math.tanh, _d_tanh)

    @staticmethod
    def _d_sigmoid(a: Scalar, s: Scalar) -> Locals:
        return (s * (1.0 - s),)  # ∂σ(a)/∂a = σ(a)·(1 - σ(a))

    sigmoid = _unary("sigmoid", _sigmoid, _d_sigmoid)

    @staticmethod
    def _d_relu(a: Scalar, out: Scalar) -> Locals:
        # ∂relu(a)/∂a = 1 where the output is > 0, else 0, and that 0 is selected, as PyTorch's
        # threshold_backward(g, out) does (0 at a = 0; nan passes with slope 1, as nan <= 0 is
        # false). With Values, the gate relu′(g, out) (see autograd_mlp.engine.rules).
        return (_gate(out),)

    relu = _unary("relu", lambda a: 0.0 if a < 0.0 else a, _d_relu)  # relu(-0.0) = -0.0

    # ----------------------------------------------------------------------------------------
    # Derived operations: a number on the left is lifted and the primitive does the rest
    # ----------------------------------------------------------------------------------------

    def __radd__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a + self

    def __rsub__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a - self

    def __rmul__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a * self

    def __rtruediv__(self, other: Operand) -> Value:
        a = _const(other)
        return NotImplemented if a is None else a / self

    def __rpow__(self, other: Operand) -> Value:
        c = _const(other)
        return NotImplemented if c is None else c**self

    def __pos__(self) -> Value:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        """A copy of the whole graph, made in topological order, without recursion (the default
        deepcopy recurses once per level and fails on a chain of 10⁵ operations)."""
        for v in topological_order(self):
            if id(v) in memo:
                continue
            c = _new_value(Value)
            memo[id(v)] = c
            c.data, c.grad, c.label, c._op = v.data, v.grad, v.label, v._op
            a = v._a
            if a is None:
                c._a, c._da = None, v._da
            elif type(a) is tuple:
                c._a, c._da, c._b = tuple([memo[id(x)] for x in a]), v._da, None
            else:
                c._a, c._da, c._b = memo[id(a)], v._da, None
                if v._b is not None:
                    c._b, c._db = memo[id(v._b)], v._db
            if v.__dict__:  # attributes of the user's own (p.m, a colour)
                c.__dict__.update(copy.deepcopy(v.__dict__, memo))
        return memo[id(self)]  # type: ignore[no-any-return]

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

        Backward passes run one at a time: a call waits while another thread's backward is
        running, so concurrent calls on one graph give the sum of their gradients, as
        sequential calls do (docs/semantics.md, "Threads").
        """
        with _backward_lock:
            order = _computed_order(self)  # also resets their gradients to -0.0
            self.grad += 1.0
            if not modes.plain and modes.current.anomaly:
                _backward_checked(order)
                return
            # The chain rule, one edge at a time: ∂root/∂child += ∂node/∂child · ∂root/∂node
            # (a stored local derivative that is SELECT or Divided does its own product). Only
            # floats are made here, which Python's cyclic garbage collector does not track, so
            # it does not wake up during the pass.
            for node in reversed(order):
                g = node.grad
                b = node._b
                if b is not None:  # two inputs, the most common case first
                    node._a.grad += node._da * g  # type: ignore[union-attr,operator]
                    b.grad += node._db * g  # type: ignore[operator]
                else:
                    a = node._a
                    if type(a) is tuple:  # the weighted sum: a tuple of inputs
                        for child, local in zip(a, node._da):  # type: ignore[arg-type]
                            child.grad += local * g  # type: ignore[operator]
                    else:  # one input
                        a.grad += node._da * g  # type: ignore[union-attr,operator]


# The rule of x**n as a plain function, for __pow__ (its entry in the table is "**n").


_d_pow_number = _rule_of("**n", Value.__dict__["_d_pow_number"], 1)[0]

# One backward at a time (see Value.backward). A new lock in a child process made by fork, in
# case another thread of the parent held it at that moment.
_backward_lock = threading.Lock()


def _new_backward_lock() -> None:
    global _backward_lock
    _backward_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_backward_lock)


# ------------------------------------------------------------------------------------------------
# The order backward walks
# ------------------------------------------------------------------------------------------------


def topological_order(root: Value) -> list[Value]:
    """Every Value ``root`` depends on, inputs before outputs, ``root`` last.

    Iterative depth-first search (no recursion, so a chain of 10⁶ operations is fine). The
    order is deterministic: it follows the order of each node's inputs (the post-order of a
    recursive DFS). Renderers and the explainer use it; ``backward`` uses the same order
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
    """The Values computed by operations that ``root`` depends on, in the order of
    `topological_order`, with their gradients reset to -0.0: what ``backward`` walks.

    Leaves are neither visited nor listed: they have no inputs to pass a gradient to, so
    backward only needs to reach them; in a network most Values are leaves.

    The search is the same depth-first search as `topological_order`, written for speed (for
    a small network it is a third of a training step): a stack of nodes instead of
    iterators, and no set of visited nodes. Instead, a node's ``.grad`` (which must be reset
    anyway) holds a mark: ``entered`` when the search reaches the node, ``done`` once every
    input is listed. Both are -0.0, made fresh for this call, so ``grad is done`` can only be
    true of a node this very call has marked (a float made elsewhere is another object).
    One backward runs at a time (`_backward_lock`), so no other search moves the marks.
    """
    order: list[Value] = []
    if root._a is None:
        return order
    entered = math.copysign(0.0, -1.0)  # two new float objects, each -0.0
    done = math.copysign(0.0, -1.0)
    stack = [root]
    while stack:
        node = stack.pop()
        mark = node.grad
        if mark is entered:  # its inputs have all been listed: list it
            node.grad = done
            order.append(node)
            continue
        if mark is done:  # reached again by another path: already listed
            continue
        # Not yet entered: push it back, to be met again (as entered) after its inputs, which
        # are pushed last to first so that the first is searched first, as a recursive search
        # would (the order decides how gradients at a shared node are summed). A node with no
        # input left to search is listed at once. Two inputs first: most nodes have two.
        a = node._a
        b = node._b
        if b is not None:
            if b._a is not None and b.grad is not done:
                node.grad = entered
                stack.append(node)
                stack.append(b)
                if a._a is not None and a.grad is not done:  # type: ignore[union-attr]
                    stack.append(a)  # type: ignore[arg-type]
                continue
        elif type(a) is tuple:  # the weighted sum
            node.grad = entered
            stack.append(node)
            for child in reversed(a):
                if child._a is not None and child.grad is not done:
                    stack.append(child)
            continue
        if a._a is not None and a.grad is not done:  # type: ignore[union-attr]
            node.grad = entered
            stack.append(node)
            stack.append(a)  # type: ignore[arg-type]
        else:
            node.grad = done
            order.append(node)
    return order


# ------------------------------------------------------------------------------------------------
# The n-ary weighted sum: z = Σ wᵢ·xᵢ + b as one node, the op a neuron uses
# ------------------------------------------------------------------------------------------------


def weighted_sum(
    w: Sequence[Value], x: Sequence[Value | float], b: Value, label: str = ""
) -> Value:
    """Return z = Σ wᵢ·xᵢ + b as a single node with one edge per weight, input and bias.

    Inputs are interleaved in ``_prev`` as (w₁, x₁, w₂, x₂, ..., b), with local derivatives
    ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1 (`_weighted_sum_locals`).
    Plain numbers among the inputs are lifted to constant leaves.
    """
    n = len(w)
    if n != len(x):
        raise ValueError(f"weighted_sum: expected as many inputs as weights ({n}), got {len(x)}")
    # Most of a network's graph is built here, so this is written for speed: the inputs are
    # interleaved by slices (in C), and one plain loop sums and collects the numbers.
    prev = [b] * (2 * n + 1)  # (w₁, x₁, w₂, x₂, ..., b)
    prev[0:-1:2] = w
    prev[1:-1:2] = x  # type: ignore[assignment]  # numbers: see except
    ws = [0.0] * n
    xs = [0.0] * n
    try:
        total = b.data  # z = ((b + w₁x₁) + w₂x₂) + ...: in this order, as micrograd's sum(..., b)
        i = 0
        for wi, xi in zip(w, x):  # every input a Value, as in a network: plain numbers fail
            wd = wi.data
            xd = xi.data  # type: ignore[union-attr]
            total += wd * xd
            ws[i] = wd
            xs[i] = xd
            i += 1  # noqa: SIM113 (a counter: faster than enumerate(zip()) here)
    except (AttributeError, TypeError):  # not all Values: checked only when it happens
        _check_weighted_sum_args(w, b)  # a weight or the bias is not a Value: TypeError
        # plain numbers (and NumPy scalars) among the inputs become constant leaves
        expected = "weighted_sum: inputs must be Values or real numbers"
        lifted = [xi if isinstance(xi, Value) else _const(_coerce(xi, expected)) for xi in x]
        return weighted_sum(w, lifted, b, label)  # type: ignore[arg-type]  # all Values now
    local = _weighted_sum_locals(ws, xs)
    out = _new_value(Value)
    out.data = total
    out.grad = 0.0
    out.label = label
    if modes.plain:
        out._op = "Σwx+b"
        out._a = tuple(prev)
        out._da = tuple(local)
        out._b = None
    else:
        out._record(prev, local, "Σwx+b")
    return out


def _weighted_sum_locals(w: Sequence[Scalar], x: Sequence[Scalar]) -> list[Local]:
    """The rule of the weighted sum, from the weights w and the inputs x: ∂z/∂wᵢ = xᵢ,
    ∂z/∂xᵢ = wᵢ, ∂z/∂b = 1, in the order of the node's inputs (w₁, x₁, ..., wₙ, xₙ, b)."""
    local: list[Local] = [1.0] * (2 * len(w) + 1)  # ∂z/∂b = 1 (the last)
    local[0:-1:2] = x  # ∂z/∂wᵢ = xᵢ
    local[1:-1:2] = w  # ∂z/∂xᵢ = wᵢ
    return local


def _d_weighted_sum(*inputs_and_out: Scalar) -> Locals:
    """The weighted sum's entry in the table of rules, called as every rule is, with the
    inputs (w₁, x₁, ..., wₙ, xₙ, b) and the output: `_weighted_sum_locals` (the forward
    calls that directly, with its lists of numbers, which saves a copy)."""
    inputs = inputs_and_out[:-1]
    return tuple(_weighted_sum_locals(inputs[0:-1:2], inputs[1:-1:2]))


builtin_rule("Σwx+b", _d_weighted_sum)


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
# Arithmetic for the rules: IEEE floats in one world, Value nodes in the other
# ------------------------------------------------------------------------------------------------


def _div(x: Scalar, y: Scalar) -> Scalar:
    """x / y for floats (IEEE: 1/0 = inf) and for Values."""
    if type(x) is float and type(y) is float:
        return _divide(x, y)
    return x / y


def _pow(x: Scalar, y: Scalar) -> Scalar:
    """x ** y for floats (IEEE: 0**-1 = inf, (-1)**0.5 = nan) and for Values."""
    if type(x) is float and type(y) is float:
        return _power(x, y)
    return x**y


def _pow_n(x: Scalar, n: float) -> Scalar:
    """x ** n for a plain exponent n: for floats as PyTorch computes it (`_scalar_power`)."""
    return _scalar_power(x, n) if type(x) is float else x**n


def _ln(x: Scalar) -> Scalar:
    """ln x for floats (IEEE: ln 0 = -inf, ln -1 = nan) and for Values."""
    return _log(x) if type(x) is float else x.log()  # type: ignore[union-attr]


# ------------------------------------------------------------------------------------------------
# Three ops that only derivative graphs contain (built by autograd_mlp.engine.functional)
# ------------------------------------------------------------------------------------------------


def _d_one_minus_square(t: Scalar, out: Scalar) -> Locals:
    return (-2.0 * t,)  # ∂(1 - t²)/∂t = -2t


# 1 - t², tanh's derivative, as one node (PyTorch's tanh_backward): computed as (1 - t)(1 + t),
# as PyTorch's kernel does (1 - t is exact near |t| = 1, where 1 - t·t loses digits); and
# differentiated as -2t, which does not cancel to 0 for a tiny t as -(1 + t) + (1 - t) would.
one_minus_square = _unary("1-x²", lambda t: (1.0 - t) * (1.0 + t), _d_one_minus_square)


def _one_minus_square(t: Scalar) -> Scalar:
    """1 - t² for a float, or the node "1-x²" for a Value (tanh's rule, in both worlds)."""
    if type(t) is float:
        return (1.0 - t) * (1.0 + t)
    return one_minus_square(t)  # type: ignore[arg-type]


def _d_relu_gate(g: Scalar, result: Scalar, out: Scalar) -> Locals:
    # ∂relu′(g, r)/∂g selects as relu does (PyTorch: threshold_backward(gg, r)); towards r it
    # is a gradient of exactly 0 (PyTorch: zeros_like), which still flows on from r
    return (_gate(result), SELECT)


# relu′(g, r) = g where relu's output r is > 0 (or nan), else 0: a select on g, 0 towards r.
relu_gate = _binary("relu′", lambda g, r: g if not r <= 0.0 else 0.0, _d_relu_gate)


def _d_masked(*inputs_and_out: Scalar) -> Locals:
    return (SELECT,) * (len(inputs_and_out) - 1)  # selects: nothing flows to its inputs


# 0, with x behind it as an input that receives exactly 0 (PyTorch's where(cond, 0, x) where
# cond holds): how `Masked` derivatives enter a gradient graph.
masked = _unary("masked", lambda x: 0.0, _d_masked)


# ------------------------------------------------------------------------------------------------
# Numbers into the graph, and a node's edges read from its slots
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
    f = x if type(x) is float else _real(x)
    if f is None:
        return None
    v = _new_value(Value)  # a leaf: no edges, nothing for __init__ to check
    v.data = f  # a float
    v.grad = 0.0
    v.label = ""
    v._op = LEAF
    v._a = None
    v._da = CONST  # the leaf's role (see `role`)
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
    if type(a) is tuple:
        return a
    b = v._b
    return (a,) if b is None else (a, b)  # type: ignore[return-value]


def _stored(v: Value) -> Locals:
    """The local derivatives ``v`` stores, one per input, in the forms of
    `autograd_mlp.engine.rules` (a number, SELECT or Divided): what backward applies."""
    a = v._a
    if a is None:
        return ()
    if type(a) is tuple:
        return v._da  # type: ignore[return-value]
    return (v._da,) if v._b is None else (v._da, v._db)  # type: ignore[return-value]


def _power_op(n: float) -> str:
    """The op name of x**n: "**2", "**0.5"..."""
    name = _POWER_OPS.get(n)
    if name is None:
        name = f"**{int(n)}" if n.is_integer() and abs(n) < 1e15 else f"**{n!r}"
        if len(_POWER_OPS) < 256:  # the same few exponents come back: keep their names
            _POWER_OPS[n] = name
    return name


_POWER_OPS: dict[float, str] = {}


def _node(data: float, op: str, a: Value, da: Local) -> Value:
    """The node of an operation with one input written out by hand (``x**n``): its value,
    its name, and the input with the local derivative of its edge."""
    v = _new_value(Value)
    v.data = data
    v.grad = 0.0
    v.label = ""
    if modes.plain:
        v._op = op
        v._a = a
        v._da = da
        v._b = None
    else:
        v._record((a,), (da,), op)
    return v


# ------------------------------------------------------------------------------------------------
# Leaves' roles, and the messages of detect_anomaly
# ------------------------------------------------------------------------------------------------


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
    """backward's loop inside detect_anomaly: the same products, each result checked."""
    for node in reversed(order):
        g = node.grad
        for child, local in zip(_inputs(node), _stored(node)):
            child.grad += local * g  # type: ignore[operator]
            if not math.isfinite(child.grad):
                raise AnomalyError(
                    f"detect_anomaly: backward through operation {node.op!r} "
                    f"(output {_describe(node)}, grad {g!r}) gave input {_describe(child)} "
                    f"the gradient {child.grad!r} (local derivative {number(local)!r})"
                )


# ------------------------------------------------------------------------------------------------
# Freeing a deep graph where the stack is small (Pyodide, in a browser)
# ------------------------------------------------------------------------------------------------
# When the last reference to a graph's root goes, CPython frees the root, which drops its
# inputs, which frees them, and so on down the graph: one C call inside the other, as deep as
# the graph. Natively CPython's "trashcan" flattens that chain (a chain of 10⁶ operations is
# freed), but in Pyodide the C stack is WebAssembly's, inside the JavaScript engine's, and
# about 5,000 nested frees exhaust it: the interpreter dies with "Maximum call stack size
# exceeded". There, and only there (the native engine pays nothing), a Value gets a finalizer
# that hands its inputs to a list instead of dropping them, and the outermost free empties
# the list in a loop: each node is freed at constant depth, however deep the graph.

_orphans: list[object] = []  # inputs of freed Values, waiting to be dropped one by one
_draining = False  # True while the outermost finalizer empties _orphans


def _free_inputs_iteratively(self: Value) -> None:
    """``Value.__del__`` where the stack is small: move this Value's inputs to `_orphans`
    (so its own free drops nothing deep) and, unless a finalizer further out is already
    doing it, drop the orphans one at a time, each of which may add its own inputs."""
    global _draining
    a = getattr(self, "_a", None)  # unset if __init__ refused its arguments
    if a is None:  # a leaf: nothing below it
        return
    _orphans.append(a)  # a Value, or the weighted sum's tuple of Values
    self._a = None
    b = self._b
    if b is not None:
        _orphans.append(b)
        self._b = None
    if _draining:
        return
    del a, b  # the orphans' last references must be the list's, or the loop frees nothing
    _draining = True
    try:
        pop = _orphans.pop
        while _orphans:
            pop()  # frees it if this was its last reference; its finalizer adds its inputs
    finally:
        _draining = False


def use_iterative_free(on: bool = True) -> None:
    """Free graphs without deep C recursion (on by default under Pyodide, where a deep free
    would overflow the browser's stack; off natively, where the trashcan suffices and a
    finalizer per node would cost time). A switch for tests and for other small stacks."""
    if on:
        Value.__del__ = _free_inputs_iteratively  # type: ignore[attr-defined]
    elif "__del__" in Value.__dict__:
        del Value.__del__  # type: ignore[attr-defined]


if sys.platform == "emscripten":
    use_iterative_free()
