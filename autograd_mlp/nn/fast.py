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
* chains of ``+`` (``sum(...)``, ``a + b + c``) become one n-ary sum, added left to right.

Backward runs the groups in reverse with the same local derivatives as `engine` (written next
to each forward below), and adds the batch total of every leaf's gradient to its ``.grad``:
what calling the eager ``backward()`` on every example would do. Per example, values and
gradients are the engine's bit for bit, IEEE edge cases included: relu, ``x**0`` and the base
of ``a**b`` at b = 0 *select* +0 (never 0·inf = nan), the sign of zero is kept, powers are
computed as the engine computes them, and where three or more gradients meet at one node they
are added in the engine's order. Three things add in their own order or use other kernels:
matrix products, the batch totals of leaf gradients (NumPy sums pairwise), and NumPy's exp,
log and tanh, which may differ from the C library's in the last bit (``trace(...,
exact=True)`` uses the C library's, element by element).

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

from ..engine import INPUT, PARAM, Value, role, topological_order
from ..engine import ieee as engine

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

    def __init__(
        self, kind: str, op: str, out: list[int], operands: list[list[Any]], exact: bool = False
    ) -> None:
        self.kind, self.op, self.exact = kind, op, exact
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
        # Pushes that go to slots (see `Trace._order_pushes`), per operand: (nodes of the
        # group whose contribution goes to a slot, those slots, the other nodes and their
        # rows, whether those rows repeat). None: every push of the operand is a plain add.
        width = self.terms.shape[1] if kind == "sum" else len(operands)
        self.slots: list[tuple[Any, ...] | None] = [None] * width
        self.plain = True  # no operand has a push to a slot
        self.gather: tuple[NDArray[np.intp], NDArray[np.intp]] | None = None

    def set_slots(self, j: int, nodes: list[int], ids: list[int]) -> None:
        rows = self.terms[:, j] if self.kind == "sum" else np.asarray(self.rows[j], np.intp)
        plain = np.setdiff1d(np.arange(len(rows)), nodes)
        self.plain = False
        self.slots[j] = (
            np.asarray(nodes, np.intp),
            np.asarray(ids, np.intp),
            plain,
            rows[plain],
            _repeats(rows[plain]),
        )

    def push(self, j: int, grads: Array, slots: Array, contribution: Array) -> None:
        """Add the contributions (one row per node of the group) of operand ``j``."""
        plan = self.slots[j]
        if plan is None:
            if self.kind == "sum":
                _scatter_add(grads, self.terms[:, j], contribution, self.terms_repeat)
            else:
                _scatter_add(grads, self.args[j], contribution, self.args_repeat[j])
            return
        nodes, ids, plain, rows, repeats = plan
        slots[ids] = contribution[nodes]
        if plain.size:
            _scatter_add(grads, rows, contribution[plain], repeats)


class Trace:
    """A compiled replay of the graph of ``fn`` for one example. Create with `trace`."""

    def __init__(
        self, fn: Callable[..., object], example: tuple[object, ...], exact: bool = False
    ) -> None:
        self.fn = fn
        self.example = example
        inputs, outputs, order = _record(fn, example)
        self.n_inputs = len(inputs)
        self.n_outputs = len(outputs)
        self._structure = _structure(inputs, order)
        self._checked = False
        self._compile(inputs, outputs, order, exact)

    # -- compilation -------------------------------------------------------------------------

    def _compile(
        self, inputs: list[Value], outputs: list[Value], order: list[Value], exact: bool
    ) -> None:
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

        # Operands of each node after fusing left-leaning '+' chains ((t₀ + t₁) + t₂) + ...: a
        # left-to-right list of terms, added in that order as the engine adds them. A '+' on
        # the right (a + (b + c)) is not fused: its own sum rounds differently. ``pusher``
        # keeps, for every term, the '+' node and operand that pass it its gradient in the
        # engine (the order of those passes is replayed, see `_order_pushes`).
        operands: dict[int, list[Value]] = {}
        pusher: dict[int, list[tuple[Value, int]]] = {}
        skip: set[int] = set()
        for v in order:
            if not v._prev:
                continue
            if v._op == "+":
                terms: list[tuple[Value, Value, int]] = []
                node = v
                while True:  # iterative: a chain of 10⁵ additions must not recurse
                    left, right = node._prev
                    terms.append((right, node, 1))
                    if not absorbed(left):
                        terms.append((left, node, 0))
                        break
                    skip.add(id(left))
                    node = left
                terms.reverse()  # walked right-to-left: restore left-to-right order
                operands[id(v)] = [t for t, _, _ in terms]
                pusher[id(v)] = [(u, i) for _, u, i in terms]
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
            elif _base_op(v._op) in _FORWARD_OPS:
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
        # Every gradient pass ("push") of the engine's backward, as (target row, when, group,
        # operand, node in the group): the engine walks the nodes in reverse topological order
        # (position in ``order``, last first) and each node's inputs in order.
        position = {id(v): i for i, v in enumerate(order)}
        pushes: list[tuple[int, tuple[int, int], int, int, int]] = []
        unordered: set[int] = {int(r) for r in self._out_rows}  # seeded rows: plain adds
        for gi, (key, nodes) in enumerate(ordered):
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
                self._groups.append(_Group(kind, nodes[0]._op, out, cols, exact))
            for i, (v, ops) in enumerate(zip(nodes, ops_of)):
                for j, c in enumerate(ops):
                    if kind in ("matmul", "wsum"):  # summed inside the product: no order
                        unordered.add(row[id(c)])
                        continue
                    u, k = pusher[id(v)][j] if kind == "sum" else (v, j)
                    pushes.append((row[id(c)], (-position[id(u)], k), gi, j, i))
        self._order_pushes(pushes, unordered)

    def _order_pushes(
        self, pushes: list[tuple[int, tuple[int, int], int, int, int]], unordered: set[int]
    ) -> None:
        """Replay the engine's order of additions where it decides the result.

        A gradient that receives one or two contributions is the same whatever their order
        (−0 + c₁ = c₁, and c₁ + c₂ = c₂ + c₁); from three on, (c₁ + c₂) + c₃ may round
        differently from (c₁ + c₃) + c₂. So each contribution to such a row gets its own
        *slot* (row of a second array), and the row is summed from its slots in the engine's
        order just before its own group's backward (or at the end, for inputs and leaves).
        Rows fed by a matrix product stay plain sums: the product adds in its own order.
        """
        count: dict[int, int] = {}
        for target, *_ in pushes:
            count[target] = count.get(target, 0) + 1
        ordered_rows = {r for r, c in count.items() if c >= 3 and r not in unordered}
        slots_of: dict[int, list[tuple[tuple[int, int], int]]] = {r: [] for r in ordered_rows}
        # per (group, operand): node positions and slots of the pushes that go to slots
        to_slot: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
        n_slots = 0
        for target, when, gi, j, i in pushes:
            if target in ordered_rows:
                nodes, ids = to_slot.setdefault((gi, j), ([], []))
                nodes.append(i)
                ids.append(n_slots)
                slots_of[target].append((when, n_slots))
                n_slots += 1
        self._n_slots = n_slots  # slot n_slots holds −0.0 (padding), n_slots + 1 holds +0.0
        for (gi, j), (nodes, ids) in to_slot.items():
            self._groups[gi].set_slots(j, nodes, ids)

        def table(rows: list[int], start: list[int]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
            lists = [start + [s for _, s in sorted(slots_of[r])] for r in rows]
            width = max(len(x) for x in lists)
            padded = [x + [n_slots] * (width - len(x)) for x in lists]
            return np.asarray(rows, dtype=np.intp), np.asarray(padded, dtype=np.intp)

        for g in self._groups:
            rows = [r for r in range(g.out.start, g.out.stop) if r in ordered_rows]
            g.gather = table(rows, []) if rows else None  # from c₁ itself, as −0.0 + c₁ is
        first = [r for r in range(self._leaf_rows.stop) if r in ordered_rows]
        self._gather_leaves = table(first, [n_slots + 1]) if first else None  # leaves: +0.0

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
        # The engine starts computed gradients at −0.0 and leaves at +0.0. Here all start at
        # +0.0 (calloc'd, free): the sign of a zero gradient only decides the sign of the zeros
        # it is multiplied into, and those vanish in the +0.0 a leaf starts from (+0 + −0 =
        # +0), so what the replay reports (input and leaf gradients) is the same bit for bit.
        grads = np.zeros_like(values)
        totals = np.zeros(self._n_rows)  # batch totals for weights used by matrix products
        slots = np.empty((self._n_slots + 2, n))
        slots[self._n_slots] = -0.0
        slots[self._n_slots + 1] = 0.0
        _scatter_add(grads, self._out_rows, grad_outputs.T, self._out_repeat)
        with np.errstate(all="ignore"):
            for g in reversed(self._groups):
                if g.gather is not None:
                    _gather(grads, slots, g.gather)
                _BACKWARD[g.kind](g, values, grads, totals, slots)
            if self._gather_leaves is not None:
                _gather(grads, slots, self._gather_leaves)
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


def _gather(grads: Array, slots: Array, plan: tuple[NDArray[np.intp], NDArray[np.intp]]) -> None:
    """Sum each row's slots left to right, in the engine's order (accumulate is sequential,
    where a reduction may add pairwise)."""
    rows, table = plan
    grads[rows] = np.add.accumulate(slots[table], axis=1)[:, -1]


def _elementwise(f: Callable[..., float], *arrays: Array) -> Array:
    """``f`` (a function of the engine) on every element: the C library's result, bit for bit,
    where NumPy's vectorised kernels for exp, log, tanh and pow may differ in the last bit."""
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    flat = [np.broadcast_to(a, shape).ravel().tolist() for a in arrays]
    size = int(np.prod(shape))
    return np.fromiter(map(f, *flat), np.float64, size).reshape(shape)


def _exp(a: Array, exact: bool) -> Array:
    return _elementwise(engine._exp, a) if exact else np.exp(a)


def _log(a: Array, exact: bool) -> Array:
    return _elementwise(engine._log, a) if exact else np.log(a)


def _tanh(a: Array, exact: bool) -> Array:
    return _elementwise(math.tanh, a) if exact else np.tanh(a)


def _power(a: Array, b: Array | float) -> Array:
    # always the engine's pow: it is rare in networks, and NumPy's differs in the last bit
    return _elementwise(engine._power, a, np.asarray(b, dtype=np.float64))


def _scalar_power(a: Array, n: float) -> Array:
    """aⁿ as the engine (and PyTorch) computes it: products for 2 and 3, quotients for −1 and
    −2, a square root for ±0.5 (so (−0)^0.5 = −0 and (−∞)^0.5 = nan), pow for the others."""
    if n == 2.0:
        return a * a
    if n == 1.0:
        return a
    if n == 0.5:
        return np.sqrt(a)
    if n == -0.5:
        return 1.0 / np.sqrt(a)
    if n == 3.0:
        return a * a * a
    if n == -1.0:
        return 1.0 / a
    if n == -2.0:
        return 1.0 / (a * a)
    return _power(a, n)


def _sigmoid(a: Array, exact: bool = False) -> Array:
    # the engine's two branches: 1/(1 + e⁻ᵃ) for a ≥ 0, eᵃ/(1 + eᵃ) below (and for nan, which
    # is not ≥ 0: nan, not 0.5), so exp never overflows
    pos = 1.0 / (1.0 + _exp(-np.where(a >= 0.0, a, 0.0), exact))
    e = _exp(np.where(a >= 0.0, 0.0, a), exact)
    return np.where(a >= 0.0, pos, e / (1.0 + e))


def _fwd_op(g: _Group, v: Array) -> Array:
    a = v[g.args[0]]
    b = v[g.args[1]] if len(g.args) > 1 else a
    return _FORWARD_OPS[_base_op(g.op)](a, b, g)


def _fwd_power(a: Array, g: _Group) -> Array:
    n = float(g.op[2:])  # '**c'
    return np.ones_like(a) if n == 0.0 else _scalar_power(a, n)


_FORWARD_OPS: dict[str, Callable[[Array, Array, _Group], Array]] = {
    "+": lambda a, b, g: a + b,
    "-": lambda a, b, g: a - b,
    "*": lambda a, b, g: a * b,
    "/": lambda a, b, g: a / b,
    "**": lambda a, b, g: _power(a, b),
    "**c": lambda a, b, g: _fwd_power(a, g),
    "neg": lambda a, b, g: -a,
    "exp": lambda a, b, g: _exp(a, g.exact),
    "log": lambda a, b, g: _log(a, g.exact),
    "tanh": lambda a, b, g: _tanh(a, g.exact),
    "sigmoid": lambda a, b, g: _sigmoid(a, g.exact),
    # a where a is not negative (relu(−0) = −0 and relu(nan) = nan, as the engine), else +0;
    # np.maximum(a, 0) would give +0 at −0
    "relu": lambda a, b, g: np.where(a < 0.0, 0.0, a),
}


def _base_op(op: str) -> str:
    return "**c" if op.startswith("**") and op != "**" else op


def _contributions(g: _Group, a: Array, b: Array, out: Array, go: Array) -> tuple[Array, ...]:
    """What each operand receives from above, ``go``: the engine's local derivative × go, or,
    where the engine *selects* (relu at a ≤ 0, x**0, the base of a**b at b = 0), exactly +0
    whatever go is (inf, nan or negative)."""
    op, exact = g.op, g.exact
    if op == "+":
        return go, go  # d(a + b) = (1, 1)
    if op == "-":
        return go, go * -1.0  # d(a − b) = (1, −1)
    if op == "*":
        return go * b, go * a  # d(a·b) = (b, a)
    if op == "/":  # d(a/b) = (1/b, −(a/b)/b), applied as the engine does: go/b, go·(−(a/b)/b)
        return go / b, go * -(out / b)
    if op == "**":  # d(aᵇ) = (b·aᵇ⁻¹ selected 0 where b = 0, aᵇ·ln a; 0 where a = 0, b ≥ 0)
        d_base = np.where(b == 0.0, 0.0, go * (b * _power(a, b - 1.0)))
        d_exp = np.where((a == 0.0) & (b >= 0.0), 0.0, out * _log(a, exact))
        return d_base, go * d_exp
    if op == "neg":
        return (go * -1.0,)
    if op == "exp":
        return (go * out,)  # d eᵃ = eᵃ
    if op == "log":
        return (go / a,)  # d ln a = 1/a, applied as go/a (as the engine and PyTorch)
    if op == "tanh":
        return (go * ((1.0 - out) * (1.0 + out)),)  # d tanh a = (1 − t)(1 + t)
    if op == "sigmoid":
        return (go * (out * (1.0 - out)),)  # dσ = σ(1 − σ)
    if op == "relu":  # go where a > 0 or a is nan (slope 1), a selected +0 where a ≤ 0
        return (np.where(a <= 0.0, 0.0, go),)
    n = float(op[2:])  # '**c': d aⁿ = n·aⁿ⁻¹; for n = 0 a selected +0
    if n == 0.0:
        return (np.zeros_like(go),)
    return (go * (n * _scalar_power(a, n - 1.0)),)


def _bwd_op(g: _Group, v: Array, grads: Array, totals: Array, slots: Array) -> None:
    a = v[g.args[0]]
    b = v[g.args[1]] if len(g.args) > 1 else a
    for j, contribution in enumerate(_contributions(g, a, b, v[g.out], grads[g.out])):
        g.push(j, grads, slots, contribution)


def _fwd_sum(g: _Group, v: Array) -> Array:
    # ((t₀ + t₁) + t₂) + ...: in the engine's order (a reduction could add pairwise)
    out: Array = np.add.accumulate(v[g.terms], axis=1)[:, -1]
    return out


def _bwd_sum(g: _Group, v: Array, grads: Array, totals: Array, slots: Array) -> None:
    go = grads[g.out]  # ∂(Σ terms)/∂term = 1 for every term
    if g.plain:
        shape = (*g.terms.shape, v.shape[1])
        _scatter_add(grads, g.terms, np.broadcast_to(go[:, None, :], shape), g.terms_repeat)
        return
    for j in range(g.terms.shape[1]):
        g.push(j, grads, slots, go)


def _fwd_matmul(g: _Group, v: Array) -> Array:
    w = v[g.w, 0]  # weights are leaves: the same in every column
    out: Array = w @ v[g.x] + v[g.b]  # z = W·x + b for every neuron of the layer at once
    return out


def _bwd_matmul(g: _Group, v: Array, grads: Array, totals: Array, slots: Array) -> None:
    go = grads[g.out]
    w = v[g.w, 0]
    _scatter_add(grads, g.x, w.T @ go, g.x_repeat)  # ∂z/∂x = W
    dw = go @ v[g.x].T  # ∂z/∂W = x, summed over the batch by the product
    _scatter_add(totals, g.w, dw, g.w_repeat)
    _scatter_add(grads, g.b, go, g.b_repeat)  # ∂z/∂b = 1


def _fwd_wsum(g: _Group, v: Array) -> Array:
    rows = np.asarray(g.rows[:-1], dtype=np.intp)  # (2k, g): w₁, x₁, w₂, x₂, ...
    vals = v[rows]
    # b + w₁x₁ + w₂x₂ + ..., added in this order as the engine does
    terms = np.concatenate([v[g.args[-1]][None], vals[0::2] * vals[1::2]])
    out: Array = np.add.accumulate(terms, axis=0)[-1]
    return out


def _bwd_wsum(g: _Group, v: Array, grads: Array, totals: Array, slots: Array) -> None:
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
_BACKWARD: dict[str, Callable[[_Group, Array, Array, Array, Array], None]] = {
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


def trace(fn: Callable[..., object], *example: object, exact: bool = False) -> Trace:
    """Record the graph of ``fn(*example)`` once and compile it for batched replay.

    Every number in ``example`` (numbers, or nested lists of them) becomes an input Value;
    every other leaf (parameters, constants) is read from its ``.data`` at each replay, so
    training updates are seen. Replay with arrays whose first axis is the batch::

        step = trace(lambda x: model(x), [0.0, 0.0])
        loss = step.loss(X, targets=y, loss="hinge")   # fills every parameter's .grad

    or, for a function returning one Value, ``step(X, Y)`` returns Σ over the batch and adds
    its gradient to ``.grad``.

    Values and per-example gradients are the eager engine's bit for bit (selected zeros, the
    sign of zero, nan and inf included), except that exp, log and tanh use NumPy's vectorised
    kernels, which may differ from the C library's in the last bit; ``exact=True`` computes
    those with the C library too, element by element (about 60 times slower for those ops;
    powers other than 2, 3, −1, −2 and ±0.5, rare in networks, always are).
    Matrix products and the batch totals of leaf gradients add in their own order.
    """
    if not callable(fn):
        raise TypeError(f"trace: expected a function, got {type(fn).__name__}")
    if type(exact) is not bool:
        raise TypeError(f"trace: exact must be True or False, got {exact!r}")
    return Trace(fn, example, exact)
