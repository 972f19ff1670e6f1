"""The fast path: trace the scalar graph of a function once, replay it over a batch with NumPy.

The eager engine builds a fresh graph for every example and walks it edge by edge in Python.
For a network that graph has the same *shape* for every example; only the numbers change. So
we record it once (`trace`), compile it into a short list of vectorised NumPy operations, and
run that list over a whole batch at once: one row per node, one column per example.

Compiling regroups the nodes so that there are few NumPy calls:

* nodes are grouped by *level* (longest path from a leaf) and operation: nodes of one group do
  not depend on each other, so one NumPy call computes them all;
* the weighted sums of one layer (same inputs, weights that are parameters) become one matrix
  product ``W @ X + b``;
* chains of ``+`` (``sum(...)``, ``a + b + c``) become one n-ary sum.

Backward runs the groups in reverse with the same local derivatives as `engine` (written next
to each forward below), and adds the batch total of every leaf's gradient to its ``.grad``:
exactly what calling the eager ``backward()`` on every example would do, up to rounding.

Limits (checked where possible): the graph must not change shape with the data. Python control
flow on values (``if z.data > 0``) or constants computed from data cannot be seen in a trace; on
its first call the replay retraces the function on a second example and compares structure and
values, and raises `TraceError` if they differ. A branch that the two examples happen to take
the same way is not detected: such functions must not be traced. The library's losses branch on
values (stable softplus, softmax shifted by its maximum), so `Trace.loss` implements them in
vectorised form instead of tracing them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .engine import INPUT, PARAM, Value, role, topological_order

__all__ = ["trace", "Trace", "TraceError"]

Array = NDArray[np.float64]


class TraceError(ValueError):
    """The traced graph does not describe every example (it changes with the data)."""


# ------------------------------------------------------------------------------------------------
# Tracing: turn the example's numbers into input Values, call the function, read the graph
# ------------------------------------------------------------------------------------------------


def _wrap(example: object, inputs: list[Value]) -> object:
    """Replace every number in a nested list/tuple by an input Value (labelled x1, x2, ...)."""
    if isinstance(example, (list, tuple)):
        return [_wrap(item, inputs) for item in example]
    if isinstance(example, np.ndarray):
        return [_wrap(item, inputs) for item in example.tolist()]
    if isinstance(example, Value):
        raise TypeError("trace: pass plain numbers as the example, not Values")
    v = Value(example, f"x{len(inputs) + 1}", (), (), INPUT)  # Value() rejects non-numbers
    inputs.append(v)
    return v


def _outputs(result: object) -> list[Value]:
    if isinstance(result, Value):
        return [result]
    if isinstance(result, (list, tuple)) and result and all(isinstance(r, Value) for r in result):
        return list(result)
    raise TypeError(
        f"trace: the function must return a Value or a list of Values, got {type(result).__name__}"
    )


def _record(fn: Callable[..., object], example: tuple[object, ...]) -> tuple[list[Value], ...]:
    """(inputs, outputs, nodes in topological order) of one call of ``fn``."""
    inputs: list[Value] = []
    args = [_wrap(arg, inputs) for arg in example]
    outputs = _outputs(fn(*args))
    order: list[Value] = []
    seen: set[Value] = set()
    for out in outputs:
        for node in topological_order(out):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return inputs, outputs, order


def _structure(inputs: list[Value], order: list[Value]) -> list[tuple[object, ...]]:
    """A comparable description of a graph: per node its op and the positions of its inputs."""
    position = {id(v): i for i, v in enumerate(order)}
    is_input = {id(v): i for i, v in enumerate(inputs)}
    rows: list[tuple[object, ...]] = []
    for v in order:
        if v._prev:
            rows.append((v._op, tuple(position[id(c)] for c in v._prev)))
        elif id(v) in is_input:
            rows.append(("input", is_input[id(v)]))
        else:
            rows.append(("leaf", v))
    return rows


def _same_leaf(a: Value, b: Value) -> bool:
    """Two non-input leaves at the same place in two traces describe the same thing."""
    if a is b:
        return True
    if PARAM in (role(a), role(b)):
        return False
    return a.data == b.data or (math.isnan(a.data) and math.isnan(b.data))


# ------------------------------------------------------------------------------------------------
# Compilation: group nodes, number rows so that each group's rows are contiguous
# ------------------------------------------------------------------------------------------------


def _index(rows: Sequence[int]) -> slice | NDArray[np.intp]:
    """A slice when the rows are consecutive (a NumPy view, no copy), else an index array."""
    if rows and list(rows) == list(range(rows[0], rows[0] + len(rows))):
        return slice(rows[0], rows[0] + len(rows))
    return np.asarray(rows, dtype=np.intp)


def _repeats(index: slice | NDArray[np.intp]) -> bool:
    """True when a row occurs twice in ``index`` (one row read by several nodes of a group, or
    twice by one node): checked once, when compiling, not at every replay."""
    return not isinstance(index, slice) and np.unique(index).size != index.size


def _scatter_add(
    target: Array, index: slice | NDArray[np.intp], values: Array, repeats: bool
) -> None:
    """target[index] += values, correct even when an index repeats (then slower)."""
    if repeats and not isinstance(index, slice):  # (a slice never repeats)
        np.add.at(target, index, values)
    else:
        target[index] += values


class _Group:
    """One vectorised operation: ``kind`` and the rows of its outputs and operands."""

    def __init__(self, kind: str, op: str, out: list[int], operands: list[list[Any]]) -> None:
        self.kind, self.op = kind, op
        self.out = slice(out[0], out[-1] + 1)  # outputs are numbered consecutively
        self.args: list[slice | NDArray[np.intp]] = []
        if kind in ("op", "wsum"):  # operands[j]: the rows of operand j of every node
            self.args = [_index(rows) for rows in operands]
        self.args_repeat = [_repeats(index) for index in self.args]
        self.rows = operands
        if kind == "sum":  # operands[t][j]: term j of node t (all nodes have k terms)
            self.terms = np.asarray(operands, dtype=np.intp)
            self.terms_repeat = _repeats(self.terms)
        if kind == "matmul":  # operands: [shared x rows, weight rows (g×k), bias rows]
            self.x = _index(operands[0])
            self.x_repeat = _repeats(self.x)
            self.w = np.asarray(operands[1], dtype=np.intp)
            self.w_repeat = _repeats(self.w)
            self.b = _index(operands[2])
            self.b_repeat = _repeats(self.b)


class Trace:
    """A compiled replay of the graph of ``fn`` for one example. Create with `trace`."""

    def __init__(self, fn: Callable[..., object], example: tuple[object, ...]) -> None:
        self.fn = fn
        self.example = example
        inputs, outputs, order = _record(fn, example)
        self.n_inputs = len(inputs)
        self.n_outputs = len(outputs)
        self._structure = _structure(inputs, order)
        self._checked = False
        self._compile(inputs, outputs, order)

    # -- compilation -------------------------------------------------------------------------

    def _compile(self, inputs: list[Value], outputs: list[Value], order: list[Value]) -> None:
        input_ids = {id(v) for v in inputs}
        leaves = [v for v in order if not v._prev and id(v) not in input_ids]
        uses: dict[int, int] = {}
        for v in order:
            for c in v._prev:
                uses[id(c)] = uses.get(id(c), 0) + 1
        for v in outputs:
            uses[id(v)] = uses.get(id(v), 0) + 1

        def absorbed(c: Value) -> bool:  # a '+' whose only use is another '+': fused into it
            return c._op == "+" and bool(c._prev) and uses[id(c)] == 1

        # Operands of each node after fusing '+' chains: a left-to-right list of terms.
        operands: dict[int, list[Value]] = {}
        skip: set[int] = set()
        for v in order:
            if not v._prev:
                continue
            if v._op == "+":
                terms: list[Value] = []
                stack = [v]
                while stack:  # iterative: a chain of 10⁵ additions must not recurse
                    node = stack.pop()
                    for c in reversed(node._prev):
                        if absorbed(c):
                            skip.add(id(c))
                            stack.append(c)
                        else:
                            terms.append(c)
                # popped right-to-left: restore left-to-right order of the terms
                operands[id(v)] = terms[::-1]
            else:
                operands[id(v)] = list(v._prev)
        level: dict[int, int] = {id(v): 0 for v in order if not v._prev}
        groups: dict[tuple[object, ...], list[Value]] = {}
        for v in order:
            if not v._prev or id(v) in skip:
                continue
            ops = operands[id(v)]
            level[id(v)] = lv = 1 + max(level[id(c)] for c in ops)
            if v._op == "+":
                key: tuple[object, ...] = (lv, "sum", len(ops))
            elif v._op == "Σwx+b":
                ws, xs = ops[0:-1:2], ops[1:-1:2]
                if all(not w._prev and id(w) not in input_ids for w in ws):
                    key = (lv, "matmul", tuple(id(x) for x in xs))
                else:
                    key = (lv, "wsum", len(ops))
            elif _base_op(v._op) in _UNARY_BINARY:
                key = (lv, "op", v._op)
            else:
                raise TraceError(
                    f"trace: the batched replay has no NumPy form of the operation {v._op!r} "
                    "(an op made with Value(..., _op=...)); use the eager engine for this "
                    "graph (fit(..., fast=False)), or write the op with the engine's operations"
                )
            groups.setdefault(key, []).append(v)
        del skip
        # Rows: inputs, then other leaves, then each group's outputs consecutively.
        row: dict[int, int] = {}
        for v in [*inputs, *leaves]:
            row[id(v)] = len(row)
        ordered = sorted(groups.items(), key=lambda item: int(item[0][0]))  # type: ignore[call-overload]
        for _, nodes in ordered:
            for v in nodes:
                row[id(v)] = len(row)
        self._leaves = leaves
        self._leaf_rows = slice(len(inputs), len(inputs) + len(leaves))
        self._n_rows = len(row)
        self._out_rows = np.asarray([row[id(v)] for v in outputs], dtype=np.intp)
        self._out_repeat = _repeats(self._out_rows)  # fn returned the same Value twice
        self._groups: list[_Group] = []
        for key, nodes in ordered:
            out = [row[id(v)] for v in nodes]
            ops_of = [operands[id(v)] for v in nodes]
            kind = str(key[1])
            if kind == "matmul":
                x_rows = [row[id(x)] for x in ops_of[0][1:-1:2]]
                w_rows = [[row[id(w)] for w in ops[0:-1:2]] for ops in ops_of]
                b_rows = [row[id(ops[-1])] for ops in ops_of]
                self._groups.append(_Group(kind, "Σwx+b", out, [x_rows, w_rows, b_rows]))
            elif kind == "sum":
                self._groups.append(
                    _Group(kind, "+", out, [[row[id(c)] for c in ops] for ops in ops_of])
                )
            else:
                arity = len(ops_of[0])
                cols = [[row[id(ops[j])] for ops in ops_of] for j in range(arity)]
                self._groups.append(_Group(kind, nodes[0]._op, out, cols))

    # -- replay -----------------------------------------------------------------------------

    def _batch(self, batch: Sequence[object]) -> Array:
        """The inputs as rows × examples, from one array per argument of ``fn``."""
        if len(batch) != len(self.example):
            raise TypeError(
                f"trace replay: expected {len(self.example)} batched arguments (as in the "
                f"example), got {len(batch)}"
            )
        if not batch:
            return np.zeros((0, 1))
        columns = []
        size = None
        for i, (arg, ex) in enumerate(zip(batch, self.example)):
            a = np.asarray(arg, dtype=np.float64)
            per_example = int(np.asarray(ex, dtype=np.float64).size)
            per = max(per_example, 1)
            if a.ndim == 0 or a.size % per or a.size // per != len(a):
                raise ValueError(
                    f"trace replay: argument {i} must have shape (batch, *{np.shape(ex)}), "  # type: ignore[call-overload]
                    f"got {a.shape}"
                )
            if size is not None and len(a) != size:
                raise ValueError(f"trace replay: batch sizes differ: {size} and {len(a)}")
            size = len(a)
            columns.append(a.reshape(size, per_example))
        out: Array = np.concatenate(columns, axis=1).T.copy()
        return out

    def forward(self, *batch: object) -> Array:
        """Every output for every example, shape (batch, outputs). Keeps what backward needs."""
        x = self._batch(batch)
        if not self._checked:
            self._check(batch, x.shape[1])
        n = x.shape[1]
        values = np.empty((self._n_rows, n))
        values[: self.n_inputs] = x
        leafvals = np.fromiter((v.data for v in self._leaves), np.float64, len(self._leaves))
        values[self._leaf_rows] = leafvals[:, None]
        with np.errstate(all="ignore"):  # IEEE results (inf, nan) as the engine gives them
            for g in self._groups:
                values[g.out] = _FORWARD[g.kind](g, values)
        self._values = values
        out: Array = values[self._out_rows].T.copy()
        return out

    def backward(self, grad_outputs: Array) -> None:
        """Add Σ over the batch of d(Σ grad_outputs·outputs)/d(leaf) to every leaf's ``.grad``."""
        values = self._values
        n = values.shape[1]
        grad_outputs = np.asarray(grad_outputs, dtype=np.float64).reshape(n, self.n_outputs)
        grads = np.zeros_like(values)
        totals = np.zeros(self._n_rows)  # batch totals for weights used by matrix products
        _scatter_add(grads, self._out_rows, grad_outputs.T, self._out_repeat)
        with np.errstate(all="ignore"):
            for g in reversed(self._groups):
                _BACKWARD[g.kind](g, values, grads, totals)
        leaf_grads = grads[self._leaf_rows].sum(axis=1) + totals[self._leaf_rows]
        for v, d in zip(self._leaves, leaf_grads.tolist()):
            v.grad += d
        self.input_grads = grads[: self.n_inputs].T.copy()  # d/d(inputs), per example

    def __call__(self, *batch: object) -> float:
        """Σ over the batch of the function's (scalar) value; adds its gradient to ``.grad``."""
        if self.n_outputs != 1:
            raise TypeError(
                f"trace: the function returns {self.n_outputs} Values; call forward() and "
                f"backward(), or loss(), instead"
            )
        out = self.forward(*batch)
        self.backward(np.ones_like(out))
        return float(out.sum())

    def loss(
        self, *batch: object, targets: object, loss: str = "mse", reduction: str = "mean"
    ) -> float:
        """A loss of `autograd_mlp.losses` over the batch's outputs, and its backward pass.

        Same definitions as the eager losses (``reduction="mean"`` averages over every term);
        computed here in vectorised form because the eager ones branch on values.
        """
        out = self.forward(*batch)
        value, grad = loss_and_grad(out, targets, loss, reduction)
        self.backward(grad)
        return value

    # -- the data-dependence check ----------------------------------------------------------

    def _check(self, batch: Sequence[object], n: int) -> None:
        """Retrace on another example: same structure and same values, or TraceError."""
        self._checked = True
        if n < 2:
            return
        other = tuple(np.asarray(arg, dtype=np.float64)[n - 1] for arg in batch)
        inputs, _, order = _record(self.fn, other)
        rows = _structure(inputs, order)
        same = len(rows) == len(self._structure) and all(
            a[0] == b[0] and (a[1] == b[1] if a[0] != "leaf" else _same_leaf(a[1], b[1]))  # type: ignore[arg-type]
            for a, b in zip(self._structure, rows)
        )
        if not same:
            raise TraceError(
                "trace: the graph changes with the data (traced on example 0, example "
                f"{n - 1} gives a different graph: {len(self._structure)} vs {len(rows)} nodes "
                "or different ops/constants). Python control flow on values cannot be "
                "replayed; use the eager engine for this function."
            )


# ------------------------------------------------------------------------------------------------
# The operations, vectorised. Each backward uses the local derivative the engine stores.
# ------------------------------------------------------------------------------------------------


def _fwd_op(g: _Group, v: Array) -> Array:
    a = v[g.args[0]]
    b = v[g.args[1]] if len(g.args) > 1 else a
    return _UNARY_BINARY[_base_op(g.op)](a, b, g.op)


def _base_op(op: str) -> str:
    return "**c" if op.startswith("**") and op != "**" else op


def _sigmoid(a: Array) -> Array:
    # the engine's two branches: 1/(1 + e⁻ᵃ) for a ≥ 0, eᵃ/(1 + eᵃ) below, so exp never overflows
    pos = 1.0 / (1.0 + np.exp(-np.where(a >= 0.0, a, 0.0)))
    e = np.exp(np.where(a < 0.0, a, 0.0))
    return np.where(a >= 0.0, pos, e / (1.0 + e))


_UNARY_BINARY: dict[str, Callable[[Array, Array, str], Array]] = {
    "+": lambda a, b, op: a + b,
    "-": lambda a, b, op: a - b,
    "*": lambda a, b, op: a * b,
    "/": lambda a, b, op: a / b,
    "**": lambda a, b, op: np.power(a, b),
    "**c": lambda a, b, op: np.power(a, float(op[2:])),
    "neg": lambda a, b, op: -a,
    "exp": lambda a, b, op: np.exp(a),
    "log": lambda a, b, op: np.log(a),
    "tanh": lambda a, b, op: np.tanh(a),
    "sigmoid": lambda a, b, op: _sigmoid(a),
    "relu": lambda a, b, op: np.maximum(a, 0.0),
}


def _local(op: str, a: Array, b: Array, out: Array) -> tuple[Array | float, ...]:
    """∂out/∂(each operand), as the engine computes it at forward time."""
    if op == "+":
        return 1.0, 1.0  # d(a + b) = (1, 1)
    if op == "-":
        return 1.0, -1.0  # d(a − b) = (1, −1)
    if op == "*":
        return b, a  # d(a·b) = (b, a)
    if op == "/":
        inv = 1.0 / b  # d(a/b) = (1/b, −a/b²)
        return inv, -a * inv * inv
    if op == "**":  # d(aᵇ) = (b·aᵇ⁻¹, aᵇ·ln a), 0 where b = 0 resp. a = 0 and b ≥ 0
        d_base = np.where(b == 0.0, 0.0, b * np.power(a, b - 1.0))
        d_exp = np.where((a == 0.0) & (b >= 0.0), 0.0, out * np.log(a))
        return d_base, d_exp
    if op == "neg":
        return (-1.0,)
    if op == "exp":
        return (out,)  # d eᵃ = eᵃ
    if op == "log":
        return (1.0 / a,)  # d ln a = 1/a
    if op == "tanh":
        return (1.0 - out * out,)  # d tanh a = 1 − tanh²a
    if op == "sigmoid":
        return (out * (1.0 - out),)  # dσ = σ(1 − σ)
    if op == "relu":
        return ((a > 0.0).astype(np.float64),)  # 1 where a > 0, else 0 (also at 0)
    n = float(op[2:])  # '**c': d aⁿ = n·aⁿ⁻¹ (0 when n = 0)
    return (np.zeros_like(a) if n == 0.0 else n * np.power(a, n - 1.0),)


def _bwd_op(g: _Group, v: Array, grads: Array, totals: Array) -> None:
    go = grads[g.out]
    a = v[g.args[0]]
    b = v[g.args[1]] if len(g.args) > 1 else a
    for index, repeats, d in zip(g.args, g.args_repeat, _local(g.op, a, b, v[g.out])):
        _scatter_add(grads, index, go * d, repeats)


def _fwd_sum(g: _Group, v: Array) -> Array:
    out: Array = v[g.terms].sum(axis=1)  # terms added in order along the chain
    return out


def _bwd_sum(g: _Group, v: Array, grads: Array, totals: Array) -> None:
    go = grads[g.out][:, None, :]  # ∂(Σ terms)/∂term = 1 for every term
    _scatter_add(grads, g.terms, np.broadcast_to(go, (*g.terms.shape, v.shape[1])), g.terms_repeat)


def _fwd_matmul(g: _Group, v: Array) -> Array:
    w = v[g.w, 0]  # weights are leaves: the same in every column
    out: Array = w @ v[g.x] + v[g.b]  # z = W·x + b for every neuron of the layer at once
    return out


def _bwd_matmul(g: _Group, v: Array, grads: Array, totals: Array) -> None:
    go = grads[g.out]
    w = v[g.w, 0]
    _scatter_add(grads, g.x, w.T @ go, g.x_repeat)  # ∂z/∂x = W
    dw = go @ v[g.x].T  # ∂z/∂W = x, summed over the batch by the product
    _scatter_add(totals, g.w, dw, g.w_repeat)
    _scatter_add(grads, g.b, go, g.b_repeat)  # ∂z/∂b = 1


def _fwd_wsum(g: _Group, v: Array) -> Array:
    rows = np.asarray(g.rows[:-1], dtype=np.intp)  # (2k, g): w₁, x₁, w₂, x₂, ...
    vals = v[rows]
    out: Array = (vals[0::2] * vals[1::2]).sum(axis=0) + v[g.args[-1]]
    return out


def _bwd_wsum(g: _Group, v: Array, grads: Array, totals: Array) -> None:
    go = grads[g.out]
    rows = np.asarray(g.rows[:-1], dtype=np.intp)
    vals = v[rows]
    local = np.empty_like(vals)
    local[0::2], local[1::2] = vals[1::2], vals[0::2]  # ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ
    np.add.at(grads, rows, local * go[None])
    _scatter_add(grads, g.args[-1], go, g.args_repeat[-1])


_FORWARD: dict[str, Callable[[_Group, Array], Array]] = {
    "op": _fwd_op,
    "sum": _fwd_sum,
    "matmul": _fwd_matmul,
    "wsum": _fwd_wsum,
}
_BACKWARD: dict[str, Callable[[_Group, Array, Array, Array], None]] = {
    "op": _bwd_op,
    "sum": _bwd_sum,
    "matmul": _bwd_matmul,
    "wsum": _bwd_wsum,
}


# ------------------------------------------------------------------------------------------------
# Losses over a batch of outputs (the definitions of autograd_mlp.losses, vectorised)
# ------------------------------------------------------------------------------------------------


@np.errstate(all="ignore")  # IEEE results (a loss of inf when training diverges), no warnings
def loss_and_grad(
    out: Array, targets: object, loss: str, reduction: str = "mean"
) -> tuple[float, Array]:
    """(loss value, ∂loss/∂out) for outputs of shape (batch, outputs)."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"loss: reduction must be 'mean' or 'sum', got {reduction!r}")
    if loss == "cross_entropy":
        k = np.asarray(targets)
        if k.shape != (len(out),) or not np.issubdtype(k.dtype, np.integer):
            raise ValueError(f"loss: cross_entropy needs one int class per example, got {k!r}")
        m = out.max(axis=1, keepdims=True)
        m = np.where(np.isinf(m), 0.0, m)
        e = np.exp(out - m)
        s = e.sum(axis=1, keepdims=True)
        terms = np.log(s[:, 0]) - (out - m)[np.arange(len(out)), k]
        grad = e / s  # ∂/∂zⱼ = softmax(z)ⱼ − [j = k]
        grad[np.arange(len(out)), k] -= 1.0
    else:
        t = np.asarray(targets, dtype=np.float64).reshape(out.shape)
        if loss in ("mse", "sse"):
            terms = (out - t) ** 2
            grad = 2.0 * (out - t)
        elif loss == "hinge":
            margin = 1.0 + -t * out  # max(0, 1 − t·s); ∂/∂s = −t where the margin is > 0
            terms = np.maximum(margin, 0.0)
            grad = np.where(margin > 0.0, -t, 0.0)
        elif loss in ("bce", "binary_cross_entropy"):
            # max(z, 0) − z·t + log(1 + e^(−|z|)); ∂/∂z = σ(z) − t
            terms = np.maximum(out, 0.0) - out * t + np.log1p(np.exp(-np.abs(out)))
            grad = _sigmoid(out) - t
        else:
            raise ValueError(
                f"loss: unknown loss {loss!r}; expected mse, sse, hinge, bce or cross_entropy"
            )
    if reduction == "mean" and loss != "sse":
        return float(terms.sum() / terms.size), grad / terms.size
    return float(terms.sum()), grad


def accuracy(out: Array, targets: object, loss: str) -> float | None:
    """The fraction of the batch classified correctly, judged as `autograd_mlp.train.fit`
    judges it for each classification loss (None for mse and sse, which are not)."""
    if loss == "cross_entropy":  # the class with the largest logit (the first, on a tie)
        return float(np.mean(out.argmax(axis=1) == np.asarray(targets)))
    t = np.asarray(targets, dtype=np.float64).reshape(len(out), -1)[:, 0]
    if loss == "hinge":  # labels ±1: the score has the label's sign (0 counts as wrong)
        return float(np.mean(out[:, 0] * t > 0.0))
    if loss in ("bce", "binary_cross_entropy"):  # labels 0/1: a positive logit predicts 1
        return float(np.mean((out[:, 0] > 0.0) == (t >= 0.5)))
    return None


def trace(fn: Callable[..., object], *example: object) -> Trace:
    """Record the graph of ``fn(*example)`` once and compile it for batched replay.

    Every number in ``example`` (numbers, or nested lists of them) becomes an input Value;
    every other leaf (parameters, constants) is read from its ``.data`` at each replay, so
    training updates are seen. Replay with arrays whose first axis is the batch::

        step = trace(lambda x: model(x), [0.0, 0.0])
        loss = step.loss(X, targets=y, loss="hinge")   # fills every parameter's .grad

    or, for a function returning one Value, ``step(X, Y)`` returns Σ over the batch and adds
    its gradient to ``.grad``.
    """
    if not callable(fn):
        raise TypeError(f"trace: expected a function, got {type(fn).__name__}")
    return Trace(fn, example)
