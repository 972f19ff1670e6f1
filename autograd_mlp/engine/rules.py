"""Local derivatives written once, read by every path: the forms a local derivative takes, the
helpers the rules are written with, and the table of rules by op name.

Each op's **rule** is one small function beside its forward in `autograd_mlp.engine.value`
(``Value._d_mul``, ``Value._d_tanh``...). It takes the op's inputs and its output and returns
one local derivative per input, written with arithmetic that works on floats and on Values
alike, so the same rule serves two worlds:

* called with **floats** (by the forward, on every operation) it gives the numbers the node
  stores: ``backward`` multiplies them, the renderer and the explainer print them;
* called with **Values** (by ``grad(..., create_graph=True)``) it builds the derivative as a
  graph, which can be differentiated again.

A local derivative is usually a number (or a Value). Three ops need more than a number to be
differentiated as PyTorch does, and the rules say so with these forms:

* `SELECT` -- the op *selects* instead of multiplying (relu at a ≤ 0, ``x**0``): the edge
  passes exactly +0.0, whatever the upstream gradient g is (0·g would be nan for g = inf).
* `Divided` -- the local derivative 1/x, applied as g/x (log, and ``a/b`` towards a), as
  PyTorch computes it: g/x stays finite where 1/x overflows (x = 5e-324), and as a graph its
  own derivative is -(g/x)/x, with g inside, which is what keeps second derivatives exact at
  |x| < 1e-154 and |x| > 1e154.
* `Masked` and `Gate` -- only with Values: a derivative PyTorch computes and then replaces by
  0 (``where(cond, 0, d)``, in ``a**b``), and relu's gate relu′(g, output) (PyTorch's
  ``threshold_backward``). On floats the helpers give SELECT, 0.0 or 1.0 instead.

Helpers make a rule work in both worlds: on floats they compute with
`autograd_mlp.engine.ieee` (inf and nan, never an exception), on Values they build nodes.
Those that make a form (`_gate`, `_masked`) are here; the arithmetic ones (``_div``, ``_pow``,
``_ln``) are beside the rules in `autograd_mlp.engine.value`, as they build Values. This room
imports nothing of that one (it imports this one): a Value is, to the types here, anything with
a number in ``.data`` (`HasData`).

The table maps each op name to its rule. The engine's ops enter theirs at import, one entry
per op (`builtin_rule` refuses a second); `register_rule` adds the rules of a user's own ops.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Protocol, Union

from .ieee import _divide

__all__ = [
    "SELECT",
    "Select",
    "Divided",
    "Masked",
    "Gate",
    "rule_for",
    "register_rule",
    "USER_RULES",
]


# ------------------------------------------------------------------------------------------------
# The forms of a local derivative
# ------------------------------------------------------------------------------------------------


class HasData(Protocol):
    """A Value, as this room sees it: a number in ``.data``."""

    data: float


class Select:
    """The local derivative of an edge where the op selects: backward's ``local * g`` gives
    exactly +0.0 whatever g is (PyTorch picks 0 there; 0.0·inf would be nan, 0.0·-1 -0.0)."""

    __slots__ = ()

    def __mul__(self, g: float) -> float:
        return 0.0

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return "SELECT"


SELECT = Select()


class Divided:
    """The local derivative 1/x of an edge whose gradient is computed as g/x (PyTorch's
    ``grad / self`` for log, ``grad / other`` for a/b). On the float path backward's
    ``local * g`` divides; as a graph (`autograd_mlp.engine.functional`) it is the node g/x."""

    __slots__ = ("x",)

    def __init__(self, x: HasData | float) -> None:
        self.x = x

    def __mul__(self, g: float) -> float:
        return _divide(g, self.x)  # type: ignore[arg-type]  # on the float path x is a float

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Divided({self.x!r})"


class Masked:
    """A local derivative ``d`` that the op replaces by 0 (PyTorch's ``where(cond, 0, d)``,
    or ``where(cond, 0, g·d)`` for the upstream gradient g when ``with_grad``). Only with
    Values: the number is 0, but a second derivative sees d behind the mask, as in PyTorch
    (0 flows into d, and 0·inf inside it is nan)."""

    __slots__ = ("d", "with_grad")

    def __init__(self, d: HasData | float, with_grad: bool = False) -> None:
        self.d = d
        self.with_grad = with_grad


class Gate:
    """relu's local derivative with Values: the upstream gradient g where relu's output is > 0
    (or nan), exactly 0 elsewhere. As a graph it is the node relu′(g, output), as PyTorch
    builds ``threshold_backward(g, result)``: its second derivatives reach relu's output, with
    0."""

    __slots__ = ("out",)

    def __init__(self, out: HasData | float) -> None:
        self.out = out

    @property
    def keeps(self) -> bool:
        return not _num(self.out) <= 0.0  # nan passes, as nan <= 0 is false


Scalar = Union[HasData, float]  # noqa: UP007 (a runtime alias, kept readable on 3.10)
# A local derivative: a number (floats in), a Value (Values in), or one of the forms above
Local = Union[HasData, float, Select, Divided, Masked, Gate, None]  # noqa: UP007
Rule = Callable[..., tuple[Local, ...]]


def number(d: Local) -> float:
    """The number a local derivative stands for: what the renderer and the explainer print on
    an edge (0 for a select or a mask, 1/x for `Divided`, 1 or 0 for relu's gate)."""
    if type(d) is float:
        return d
    if d is SELECT or d is None or type(d) is Masked:
        return 0.0
    if type(d) is Divided:
        return _divide(1.0, _num(d.x))
    if type(d) is Gate:
        return 1.0 if d.keeps else 0.0
    return _num(d)  # type: ignore[arg-type]  # a Value


# ------------------------------------------------------------------------------------------------
# Helpers of the rules that make a form (floats in: a number or SELECT; Values in: the form)
# ------------------------------------------------------------------------------------------------


def _num(x: Scalar) -> float:
    """The number in ``x``: a rule's branches look at values, never build graph for them."""
    return x if type(x) is float else x.data  # type: ignore[union-attr]


def _gate(out: Scalar) -> Local:
    """relu's local derivative from its output: 1.0 or SELECT on floats, `Gate` with Values."""
    if type(out) is float:
        return 1.0 if not out <= 0.0 else SELECT
    return Gate(out)


def _masked(d: Scalar, with_grad: bool = False) -> Local:
    """``d`` replaced by 0 (`Masked`): on floats SELECT if the mask covers g·d (nothing flows),
    else the number 0.0 (which backward multiplies by g)."""
    if type(d) is float:
        return SELECT if with_grad else 0.0
    return Masked(d, with_grad)


# ------------------------------------------------------------------------------------------------
# The table: each op's rule by op name
# ------------------------------------------------------------------------------------------------

_RULES: dict[str, Rule] = {}
POWER_KEY = "**n"  # x**n carries n in its op name ("**2", "**0.5"): one entry for all n


def builtin_rule(op: str, rule: Rule) -> Rule:
    """Enter the rule of the engine's op ``op`` in the table. Called once per op, at import,
    where the op is defined; a second rule for the same op is an error, so there is one."""
    if op in _RULES:
        raise RuntimeError(f"the op {op!r} already has a rule: {_RULES[op].__qualname__}")
    _RULES[op] = rule
    return rule


def rule_key(op: str) -> str:
    """The table entry of the op named ``op``: its name, or POWER_KEY for x**n ("**2")."""
    if op.startswith("**") and len(op) > 2:
        return POWER_KEY
    return op


def builtin_rules() -> dict[str, Rule]:
    """A copy of the table of the engine's own rules, op name -> rule."""
    return dict(_RULES)


def rule_for(op: str) -> Rule | None:
    """The rule of the op named ``op``: called as ``rule(*inputs, output)`` it returns one local
    derivative per input, as floats or as Values, whichever it is given (with the forms
    described above). None for an op without a rule (one made with ``Value(..., _op=...)``;
    see `register_rule`). x**n carries n in its name ("**2"), and its rule reads it from
    there."""
    key = rule_key(op)
    if key == POWER_KEY:
        try:
            n = float(op[2:])
        except ValueError:
            return None
        return functools.partial(_RULES[POWER_KEY], n=n)
    rule = _RULES.get(op)
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
