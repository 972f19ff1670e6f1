"""The fast path: trace the scalar graph of a function once, replay it over a batch with NumPy.

The eager engine builds a fresh graph for every example and walks it edge by edge in Python.
For a network that graph has the same *shape* for every example; only the numbers change. So
we record it once (`trace`), compile it into a short list of vectorised NumPy operations, and
run that list over a whole batch at once: one row per node, one column per example. Leaves
that are not inputs (parameters, constants) are one vector, read once per replay. NumPy is the
``fast`` extra: without it this module imports, and `trace` says which extra to install.

Compiling is linear in the graph's size (every node is visited a few times, never by
recursion) and regroups the nodes so that there are few NumPy calls:

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

`FitSteps` are the steps of ``fit(fast=True)`` with SGD or Adam: the weights, gradients and
optimizer state stay in arrays for the whole of `fit`, so a step does no Python work per
parameter. `one_blas_thread` keeps NumPy's matrix products on one BLAS thread (see
`BLAS_THREAD_VARIABLES`).
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .._optional import has_numpy, require_numpy
from ..engine import INPUT, PARAM, Value, role, topological_order
from ..engine import ieee as engine
from .optim import SGD, Adam

# BLAS threads. The replay's matrix products are small (a layer's weights times a batch), and
# with several BLAS threads on a busy machine they ran up to 50 times slower than with one
# (the threads wait for each other and for cores: review 2026-12, Part C §6). The variables
# that set the thread count of the BLAS libraries NumPy is built with (OpenBLAS in NumPy's
# wheels, MKL, Apple's Accelerate, and OpenMP's, which OpenBLAS also reads):
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "GOTO_NUM_THREADS",
    "OMP_NUM_THREADS",
)


def _one_blas_thread_by_default() -> bool:
    """When NumPy is not imported yet and none of `BLAS_THREAD_VARIABLES` is set, set the
    first three to 1 before importing it: BLAS reads them once, when it loads. True if set.
    (A process that imported NumPy first, or set one of them, keeps its own choice.)"""
    if "numpy" in sys.modules or any(name in os.environ for name in BLAS_THREAD_VARIABLES):
        return False
    for name in BLAS_THREAD_VARIABLES[:3]:
        os.environ[name] = "1"
    return True


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with NumPy's BLAS on one thread, when threadpoolctl is installed (it is
    not a dependency); without it, the thread count stays as it is. ``fit(fast=True)`` trains
    inside this; use it around a loop of your own over `Trace` replays."""
    try:
        threadpoolctl = importlib.import_module("threadpoolctl")
    except ImportError:
        yield
        return
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


# NumPy is an extra (``pip install "autograd_mlp[fast]"``). Without it this module still
# imports, so that ``from autograd_mlp import *`` works in the core install; `trace` then
# raises an ImportError that names the extra.
if TYPE_CHECKING or has_numpy():
    BLAS_SET_TO_ONE_THREAD = _one_blas_thread_by_default()
    import numpy as np
if TYPE_CHECKING:
    from numpy.typing import NDArray

    Array = NDArray[np.float64]
    _Gather = tuple[NDArray[np.intp], NDArray[np.intp]]  # rows, and the slots summed into each

__all__ = ["trace", "Trace", "TraceError", "one_blas_thread"]


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
    return inputs, outputs, _order(outputs)


def _order(outputs: list[Value]) -> list[Value]:
    """Every node the outputs depend on, inputs before outputs: one iterative depth-first
    search from all outputs together (each node is visited once, however many outputs share
    it). For one output this is `topological_order`: the post-order of a recursive search
    following each node's inputs in order, the order the engine's backward walks."""
    if len(outputs) == 1:
        return topological_order(outputs[0])
    order: list[Value] = []
    visited: set[int] = set()
    for out in outputs:
        if id(out) in visited:
            continue
        visited.add(id(out))
        stack = [(out, iter(out._prev))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if id(child) not in visited:
                    visited.add(id(child))
                    stack.append((child, iter(child._prev)))
                    break  # descend; this node's loop resumes where it stopped
            else:
                stack.pop()
                order.append(node)
    return order


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
        if kind == "matmul":
            self._matmul(*operands)
        # Pushes that go to slots (see `Trace._order_pushes`), per operand: (nodes of the
        # group whose contribution goes to a slot, those slots, the other nodes and their
        # rows, whether those rows repeat). None: every push of the operand is a plain add.
        width = self.terms.shape[1] if kind == "sum" else len(operands)
        self.slots: list[tuple[Any, ...] | None] = [None] * width
        self.plain = True  # no operand has a push to a slot
        self.gather: list[_Gather] | None = None
        # operands whose rows get one contribution, from here: written, not added (see
        # `Trace._mark_direct`)
        self.direct = [False] * width
        self.direct_x = False

    def _matmul(self, x_rows: list[int], w_leaves: list[list[int]], bias: list[Any]) -> None:
        """z = W·x + b for the g neurons of a layer: x is k shared rows, W the g×k weights (by
        their place among the leaves), b the biases (leaves too, or rows when computed)."""
        self.x = _index(x_rows)
        self.x_repeat = _repeats(self.x)
        self.w = np.asarray(w_leaves, dtype=np.intp).reshape(len(w_leaves), len(x_rows))
        self.w_repeat = _repeats(self.w)
        self.bias_rows = bias[0] == "rows"
        self.b = _index(bias[1]) if self.bias_rows else np.asarray(bias[1], dtype=np.intp)
        self.b_repeat = _repeats(self.b)
        # An MLP's leaves are numbered as its parameters are listed, each neuron's weights
        # then its bias: [W | b] is then one block of the leaf vector, read and updated
        # through views (no copy, no index arrays) at every replay.
        self.block: tuple[int, int, int] | None = None
        if not self.bias_rows:
            both = np.concatenate([self.w, np.asarray(self.b, np.intp)[:, None]], axis=1)
            start = int(both.flat[0])
            if np.array_equal(both.ravel(), np.arange(start, start + both.size)):
                self.block = (start, start + both.size, both.shape[1])

    def weights(self, leaves: Array) -> tuple[Array, Array | None]:
        """W (g×k) and the leaf biases (g; None when they are rows) from the leaf values."""
        if self.block is not None:
            start, stop, width = self.block
            both = leaves[start:stop].reshape(-1, width)
            return both[:, :-1], both[:, -1]
        return leaves[self.w], None if self.bias_rows else leaves[self.b]

    def add_weight_grads(self, leaf_grads: Array, dw: Array, db: Array) -> None:
        """Add ∂/∂W (g×k) and, for leaf biases, ∂/∂b (g) to the leaves' gradient totals."""
        if self.block is not None:
            start, stop, width = self.block
            both = leaf_grads[start:stop].reshape(-1, width)  # a view: adds in place
            both[:, :-1] += dw
            both[:, -1] += db
            return
        _scatter_add(leaf_grads, self.w, dw, self.w_repeat)
        if not self.bias_rows:
            _scatter_add(leaf_grads, self.b, db, self.b_repeat)

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
            if self.direct[j]:
                grads[self.args[j]] = contribution
            elif self.kind == "sum":
                _scatter_add(grads, self.terms[:, j], contribution, self.terms_repeat)
            else:
                _scatter_add(grads, self.args[j], contribution, self.args_repeat[j])
            return
        nodes, ids, plain, rows, repeats = plan
        slots[ids] = contribution[nodes]
        if plain.size:
            _scatter_add(grads, rows, contribution[plain], repeats)


# The number of inputs each built-in op takes (Σwx+b: any odd number, pairs and a bias). An op
# made by hand with Value(..., _op=...) under a built-in name but another count is refused.
_ARITY = {"+": 2, "-": 2, "*": 2, "/": 2, "**": 2, "**c": 1, "neg": 1, "exp": 1, "log": 1}
_ARITY |= {"tanh": 1, "sigmoid": 1, "relu": 1}


class Trace:
    """A compiled replay of the graph of ``fn`` for one example. Create with `trace`.

    ``leaves`` lists the graph's leaves that are not inputs (parameters, constants): the
    order of the arrays that `forward` can take (``leaves=``) and `backward` returns.
    """

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
        self._buffers: dict[str, Array] = {}  # arrays kept from one replay to the next
        self._compile(inputs, outputs, order, exact)

    # -- compilation -------------------------------------------------------------------------

    def _compile(
        self, inputs: list[Value], outputs: list[Value], order: list[Value], exact: bool
    ) -> None:
        # Nodes are numbered by their place in ``order`` (inputs before outputs); each node's
        # inputs are read once, as numbers, and every step below is one pass over them.
        at = {id(v): i for i, v in enumerate(order)}
        kids = [tuple(at[id(c)] for c in v._prev) for v in order]
        ops = [v._op for v in order]
        is_input = [False] * len(order)
        for v in inputs:
            if id(v) in at:
                is_input[at[id(v)]] = True
        is_leaf = [not k and not i for k, i in zip(kids, is_input)]
        out_nodes = [at[id(v)] for v in outputs]
        uses = [0] * len(order)
        for k in kids:
            for c in k:
                uses[c] += 1
        for o in out_nodes:
            uses[o] += 1
        for i, (op, k) in enumerate(zip(ops, kids)):
            arity = _ARITY.get(_base_op(op))
            if k and (len(k) != arity if arity else op == "Σwx+b" and len(k) % 2 == 0):
                raise TraceError(
                    f"trace: node {order[i]!r} is an op {op!r} with {len(k)} inputs; the "
                    "batched replay knows that op with other inputs only; use the eager engine"
                )

        # A '+' whose only use is as the left operand of another '+' is an inner link of a
        # chain ((t₀ + t₁) + t₂) + ...: the chain is fused into one sum of its terms, added
        # left to right as the engine adds them, and walked once, from its last '+' (walking
        # it again from every link would be quadratic in its length). A '+' on the right
        # (a + (b + c)) is not fused: its own sum rounds differently.
        inner = {
            k[0]
            for op, k in zip(ops, kids)
            if op == "+" and k and ops[k[0]] == "+" and kids[k[0]] and uses[k[0]] == 1
        }
        # Operands of each computed node after fusing. ``pusher`` keeps, for every term, the
        # '+' node and operand that pass it its gradient in the engine (the order of those
        # passes is replayed, see `_order_pushes`).
        operands: dict[int, list[int]] = {}
        pusher: dict[int, list[tuple[int, int]]] = {}
        level = [0] * len(order)
        groups: dict[tuple[object, ...], list[int]] = {}
        for i, (op, k) in enumerate(zip(ops, kids)):
            if not k or i in inner:
                continue
            if op == "+":
                terms: list[tuple[int, int, int]] = []
                node = i
                while True:  # iterative: a chain of 10⁵ additions must not recurse
                    left, right = kids[node]
                    terms.append((right, node, 1))
                    if left not in inner:
                        terms.append((left, node, 0))
                        break
                    node = left
                terms.reverse()  # walked right-to-left: restore left-to-right order
                args = operands[i] = [t for t, _, _ in terms]
                pusher[i] = [(u, j) for _, u, j in terms]
            else:
                args = operands[i] = list(k)
            level[i] = lv = 1 + max(level[c] for c in args)
            if op == "+":
                key: tuple[object, ...] = (lv, "sum", len(args))
            elif op == "Σwx+b":
                ws, xs, b = args[0:-1:2], args[1:-1:2], args[-1]
                if all(is_leaf[w] for w in ws):  # weights are parameters: a matrix product
                    key = (lv, "matmul", tuple(xs), is_leaf[b])
                else:
                    key = (lv, "wsum", len(args))
            elif _base_op(op) in _FORWARD_OPS:
                key = (lv, "op", op)
            else:
                raise TraceError(
                    f"trace: the batched replay has no NumPy form of the operation {op!r} "
                    "(an op made with Value(..., _op=...)); use the eager engine for this "
                    "graph (fit(..., fast=False)), or write the op with the engine's operations"
                )
            groups.setdefault(key, []).append(i)
        ordered = sorted(groups.items(), key=lambda item: int(item[0][0]))  # type: ignore[call-overload]

        # The leaves (parameters, constants) live in one vector, read once per replay; the
        # weights and biases of matrix products first, neuron by neuron, which for an MLP is
        # the order of model.parameters(). Only leaves read elementwise (by an op, a sum, or
        # as a product's x) also get a row of batch width.
        leaf_of: dict[int, int] = {}
        for key, nodes in ordered:
            if key[1] == "matmul":
                for i in nodes:
                    for w in operands[i][0:-1:2]:
                        leaf_of.setdefault(w, len(leaf_of))
                    if key[3]:
                        leaf_of.setdefault(operands[i][-1], len(leaf_of))
        for i, leaf in enumerate(is_leaf):
            if leaf:
                leaf_of.setdefault(i, len(leaf_of))
        self.leaves: list[Value] = [order[i] for i in sorted(leaf_of, key=leaf_of.__getitem__)]
        wide: set[int] = {o for o in out_nodes if is_leaf[o]}
        for key, nodes in ordered:
            for i in nodes:
                args = operands[i]
                if key[1] == "matmul":
                    args = args[1:-1:2]  # W and leaf biases are read from the vector
                wide.update(c for c in args if is_leaf[c])
        broadcast = sorted(wide, key=leaf_of.__getitem__)

        # Rows: inputs, leaves read elementwise, then each group's outputs consecutively.
        row: dict[int, int] = {}
        for n, v in enumerate(inputs):
            if id(v) in at:
                row[at[id(v)]] = n
        for n, c in enumerate(broadcast, start=len(inputs)):
            row[c] = n
        n_rows = len(inputs) + len(broadcast)
        for _, nodes in ordered:
            for i in nodes:
                row[i] = n_rows
                n_rows += 1
        self._n_rows = n_rows
        self._wide_rows = slice(len(inputs), len(inputs) + len(broadcast))
        self._wide_leaves = _index([leaf_of[c] for c in broadcast])
        self._out_rows = np.asarray([row[o] for o in out_nodes], dtype=np.intp)
        self._out_repeat = _repeats(self._out_rows)  # fn returned the same Value twice
        self._groups: list[_Group] = []
        # Every gradient pass ("push") of the engine's backward, as (target row, when, group,
        # operand, node in the group): the engine walks the nodes in reverse topological order
        # (place in ``order``, last first) and each node's inputs in order.
        pushes: list[tuple[int, tuple[int, int], int, int, int]] = []
        unordered: set[int] = {int(r) for r in self._out_rows}  # seeded rows: plain adds
        for gi, (key, nodes) in enumerate(ordered):
            out = [row[i] for i in nodes]
            ops_of = [operands[i] for i in nodes]
            kind = str(key[1])
            if kind == "matmul":
                x_rows = [row[x] for x in ops_of[0][1:-1:2]]
                w_leaves = [[leaf_of[w] for w in args[0:-1:2]] for args in ops_of]
                if key[3]:
                    bias: list[Any] = ["leaves", [leaf_of[args[-1]] for args in ops_of]]
                else:
                    b_rows = [row[args[-1]] for args in ops_of]
                    bias = ["rows", b_rows]
                    unordered.update(b_rows)
                unordered.update(x_rows)  # summed inside the product: no order to replay
                self._groups.append(_Group(kind, "Σwx+b", out, [x_rows, w_leaves, bias]))
                continue
            if kind == "sum":
                group = _Group(kind, "+", out, [[row[c] for c in args] for args in ops_of])
            else:
                arity = len(ops_of[0])
                cols = [[row[args[j]] for args in ops_of] for j in range(arity)]
                group = _Group(kind, ops[nodes[0]], out, cols, exact)
            self._groups.append(group)
            for n, (i, args) in enumerate(zip(nodes, ops_of)):
                for j, c in enumerate(args):
                    if kind == "wsum":  # added with np.add.at: no order to replay
                        unordered.add(row[c])
                        continue
                    u, operand = pusher[i][j] if kind == "sum" else (i, j)
                    pushes.append((row[c], (-u, operand), gi, j, n))
        self._order_pushes(pushes, unordered)
        self._mark_direct()

    def _mark_direct(self) -> None:
        """Find the operands whose gradient rows receive one contribution, from this group
        alone: their backward writes the contribution in place instead of adding it to a
        zero (a pass and a temporary array less). 0 + c and c differ only when c is −0.0,
        and the sign of a zero gradient never reaches a leaf's total (see `backward`); input
        rows, reported per example, always add."""
        incoming = np.zeros(self._n_rows, dtype=np.intp)
        np.add.at(incoming, self._out_rows, 1)
        for g in self._groups:
            if g.kind == "matmul":
                np.add.at(incoming, np.arange(self._n_rows)[g.x], 1)  # one W.T @ go per group
                if g.bias_rows:
                    np.add.at(incoming, np.arange(self._n_rows)[g.b], 1)
            elif g.kind == "sum":
                np.add.at(incoming, g.terms.ravel(), 1)
            else:
                for rows in g.rows:
                    np.add.at(incoming, np.asarray(rows, np.intp), 1)

        def direct(index: slice | NDArray[np.intp]) -> bool:
            return (
                isinstance(index, slice)
                and index.start >= self.n_inputs
                and bool(np.all(incoming[index] == 1))
            )

        written = np.zeros(self._n_rows, dtype=bool)  # rows a direct write fills entirely
        for g in self._groups:
            if g.kind == "matmul":
                g.direct_x = direct(g.x)
                if g.direct_x:
                    written[g.x] = True
            elif g.kind == "op":
                g.direct = [plan is None and direct(index) for plan, index in zip(g.slots, g.args)]
                for is_direct, index in zip(g.direct, g.args):
                    if is_direct:
                        written[index] = True
        # Only the other rows start from zero at each backward pass: runs of them as slices.
        edges = np.flatnonzero(np.diff(np.concatenate([[True], written, [True]]).astype(np.int8)))
        self._zeroed = [slice(int(a), int(b)) for a, b in zip(edges[0::2], edges[1::2])]

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

        def table(rows: list[int], start: list[int]) -> list[_Gather]:
            # Rows are summed in tables padded with −0.0 (x + −0.0 = x for every x). One table
            # per power of two of width, so padding at most doubles a table: one row with n
            # slots among m rows with 3 costs 3m + n, not m·n.
            buckets: dict[int, tuple[list[int], list[list[int]]]] = {}
            for r in rows:
                ids = start + [s for _, s in sorted(slots_of[r])]
                rows_of, lists = buckets.setdefault((len(ids) - 1).bit_length(), ([], []))
                rows_of.append(r)
                lists.append(ids)
            plans = []
            for rows_of, lists in buckets.values():
                width = max(len(x) for x in lists)
                padded = [x + [n_slots] * (width - len(x)) for x in lists]
                plans.append((np.asarray(rows_of, np.intp), np.asarray(padded, np.intp)))
            return plans

        for g in self._groups:
            rows = [r for r in range(g.out.start, g.out.stop) if r in ordered_rows]
            g.gather = table(rows, []) if rows else None  # from c₁ itself, as −0.0 + c₁ is
        first = [r for r in range(self._wide_rows.stop) if r in ordered_rows]
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

    def forward(self, *batch: object, leaves: object = None) -> Array:
        """Every output for every example, shape (batch, outputs). Keeps what backward needs.

        The leaves' values are read from their ``.data``, or, given ``leaves`` (one number per
        `Trace.leaves`, in that order), from that array: a training loop that keeps its
        parameters in an array then has no per-parameter Python work. The array is read
        again by `backward`: change it only after.
        """
        x = self._batch(batch)
        if not self._checked:
            self._check(batch, x.shape[1])
        return self._run(x, self._leaf_values(leaves))

    def _leaf_values(self, leaves: object) -> Array:
        if leaves is None:
            return np.fromiter((v.data for v in self.leaves), np.float64, len(self.leaves))
        values = np.asarray(leaves, dtype=np.float64)
        if values.shape != (len(self.leaves),):
            raise ValueError(
                f"trace replay: leaves must hold {len(self.leaves)} numbers (one per "
                f"Trace.leaves), got an array of shape {values.shape}"
            )
        return values

    def _run(self, x: Array, leaves: Array) -> Array:
        """The forward pass on inputs ``x`` (rows × examples) and leaf values ``leaves``."""
        n = x.shape[1]
        values = self._buffer("values", (self._n_rows, n))
        values[: self.n_inputs] = x
        values[self._wide_rows] = leaves[self._wide_leaves][:, None]
        with np.errstate(all="ignore"):  # IEEE results (inf, nan) as the engine gives them
            for g in self._groups:
                _FORWARD[g.kind](g, values, leaves, values[g.out])
        self._values, self._leaf_array = values, leaves
        out: Array = values[self._out_rows].T.copy()
        return out

    def _buffer(self, name: str, shape: tuple[int, ...]) -> Array:
        """An array of ``shape`` kept from the last replay of that batch size (a new one
        costs the system's page faults and zeroing at every step)."""
        array = self._buffers.get(name)
        if array is None or array.shape != shape:
            array = self._buffers[name] = np.empty(shape)
        return array

    def backward(self, grad_outputs: Array, *, add_to_grad: bool = True) -> Array:
        """Σ over the batch of d(Σ grad_outputs·outputs)/d(leaf), one number per
        `Trace.leaves`; added to every leaf's ``.grad`` unless ``add_to_grad`` is False.
        The gradients with respect to the inputs, per example, are left in ``input_grads``.
        """
        values, leaves = self._values, self._leaf_array
        n = values.shape[1]
        grad_outputs = np.asarray(grad_outputs, dtype=np.float64).reshape(n, self.n_outputs)
        # The engine starts computed gradients at −0.0 and leaves at +0.0. Here all start at
        # +0.0 (calloc'd, free): the sign of a zero gradient only decides the sign of the zeros
        # it is multiplied into, and those vanish in the +0.0 a leaf starts from (+0 + −0 =
        # +0), so what the replay reports (input and leaf gradients) is the same bit for bit.
        grads = self._buffer("grads", values.shape)
        for rows in self._zeroed:  # the rest is written by its one contribution
            grads[rows] = 0.0
        leaf_grads = np.zeros(len(self.leaves))  # batch totals, one per leaf
        slots = np.empty((self._n_slots + 2, n))
        slots[self._n_slots] = -0.0
        slots[self._n_slots + 1] = 0.0
        _scatter_add(grads, self._out_rows, grad_outputs.T, self._out_repeat)
        with np.errstate(all="ignore"):
            for g in reversed(self._groups):
                if g.gather is not None:
                    _gather(grads, slots, g.gather)
                _BACKWARD[g.kind](g, values, grads, leaf_grads, slots, leaves)
            if self._gather_leaves is not None:
                _gather(grads, slots, self._gather_leaves)
            leaf_grads[self._wide_leaves] += grads[self._wide_rows].sum(axis=1)
        if add_to_grad:
            for v, d in zip(self.leaves, leaf_grads.tolist()):
                v.grad += d
        self.input_grads = grads[: self.n_inputs].T.copy()  # d/d(inputs), per example
        return leaf_grads

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


def _gather(grads: Array, slots: Array, plans: list[_Gather]) -> None:
    """Sum each row's slots left to right, in the engine's order (accumulate is sequential,
    where a reduction may add pairwise)."""
    for rows, table in plans:
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


def _fwd_op(g: _Group, v: Array, leaves: Array, out: Array) -> None:
    a = v[g.args[0]]
    if g.op == "relu":
        _relu(a, out)
        return
    b = v[g.args[1]] if len(g.args) > 1 else a
    out[...] = _FORWARD_OPS[_base_op(g.op)](a, b, g)


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
    "relu": lambda a, b, g: _relu(a, np.empty_like(a)),
}


def _relu(a: Array, out: Array) -> Array:
    """a where a is not negative (relu(−0) = −0 and relu(nan) = nan, as the engine), else +0;
    into ``out``.

    np.maximum is branch-free (np.where on data of random sign is several times slower: the
    processor mispredicts its branches) and right everywhere except at −0, where it gives +0;
    those are copied from ``a`` when there are any."""
    np.maximum(a, 0.0, out=out)
    zero = a == 0.0
    if zero.any():
        np.copyto(out, a, where=zero)
    return out


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
        return (_relu_backward(a, go, np.empty_like(go)),)
    n = float(op[2:])  # '**c': d aⁿ = n·aⁿ⁻¹; for n = 0 a selected +0
    if n == 0.0:
        return (np.zeros_like(go),)
    return (go * (n * _scalar_power(a, n - 1.0)),)


def _relu_backward(a: Array, go: Array, out: Array) -> Array:
    """go where a > 0 or a is nan (slope 1), a selected +0 where a ≤ 0; into ``out``.

    As go·1 or go·0: a product has no branch to mispredict. go·0 may be −0 where the engine
    selects +0 (the sign of a zero gradient never reaches what the replay reports, see
    Trace.backward), and is nan where go is inf or nan: then, seen by a sum that is not
    finite, the selection is made with np.where."""
    keep = ~(a <= 0.0)
    np.multiply(go, keep, out=out)
    if not math.isfinite(out.sum()):
        np.copyto(out, np.where(keep, go, 0.0))
    return out


def _bwd_op(
    g: _Group, v: Array, grads: Array, leaf_grads: Array, slots: Array, leaves: Array
) -> None:
    a = v[g.args[0]]
    if g.op == "relu" and g.direct[0]:  # written straight into the input's gradient rows
        _relu_backward(a, grads[g.out], grads[g.args[0]])
        return
    b = v[g.args[1]] if len(g.args) > 1 else a
    for j, contribution in enumerate(_contributions(g, a, b, v[g.out], grads[g.out])):
        g.push(j, grads, slots, contribution)


def _fwd_sum(g: _Group, v: Array, leaves: Array, out: Array) -> None:
    # ((t₀ + t₁) + t₂) + ...: in the engine's order (a reduction could add pairwise)
    out[...] = np.add.accumulate(v[g.terms], axis=1)[:, -1]


def _bwd_sum(
    g: _Group, v: Array, grads: Array, leaf_grads: Array, slots: Array, leaves: Array
) -> None:
    go = grads[g.out]  # ∂(Σ terms)/∂term = 1 for every term
    if g.plain:
        shape = (*g.terms.shape, v.shape[1])
        _scatter_add(grads, g.terms, np.broadcast_to(go[:, None, :], shape), g.terms_repeat)
        return
    for j in range(g.terms.shape[1]):
        g.push(j, grads, slots, go)


def _fwd_matmul(g: _Group, v: Array, leaves: Array, out: Array) -> None:
    w, b = g.weights(leaves)  # weights are leaves: the same in every column
    np.matmul(w, v[g.x], out=out)  # z = W·x + b for every neuron of the layer at once
    out += v[g.b] if b is None else b[:, None]


def _bwd_matmul(
    g: _Group, v: Array, grads: Array, leaf_grads: Array, slots: Array, leaves: Array
) -> None:
    go = grads[g.out]
    w, b = g.weights(leaves)
    if g.direct_x:  # ∂z/∂x = W
        np.matmul(w.T, go, out=grads[g.x])
    else:
        _scatter_add(grads, g.x, w.T @ go, g.x_repeat)
    # ∂z/∂W = x and ∂z/∂b = 1, summed over the batch (by the product, and by the sum)
    if b is None:
        _scatter_add(grads, g.b, go, g.b_repeat)
    g.add_weight_grads(leaf_grads, go @ v[g.x].T, go.sum(axis=1))


def _fwd_wsum(g: _Group, v: Array, leaves: Array, out: Array) -> None:
    rows = np.asarray(g.rows[:-1], dtype=np.intp)  # (2k, g): w₁, x₁, w₂, x₂, ...
    vals = v[rows]
    # b + w₁x₁ + w₂x₂ + ..., added in this order as the engine does
    terms = np.concatenate([v[g.args[-1]][None], vals[0::2] * vals[1::2]])
    out[...] = np.add.accumulate(terms, axis=0)[-1]


def _bwd_wsum(
    g: _Group, v: Array, grads: Array, leaf_grads: Array, slots: Array, leaves: Array
) -> None:
    go = grads[g.out]
    rows = np.asarray(g.rows[:-1], dtype=np.intp)
    vals = v[rows]
    local = np.empty_like(vals)
    local[0::2], local[1::2] = vals[1::2], vals[0::2]  # ∂z/∂wᵢ = xᵢ, ∂z/∂xᵢ = wᵢ
    np.add.at(grads, rows, local * go[None])
    _scatter_add(grads, g.args[-1], go, g.args_repeat[-1])


_FORWARD: dict[str, Callable[[_Group, Array, Array, Array], None]] = {
    "op": _fwd_op,
    "sum": _fwd_sum,
    "matmul": _fwd_matmul,
    "wsum": _fwd_wsum,
}
_BACKWARD: dict[str, Callable[[_Group, Array, Array, Array, Array, Array], None]] = {
    "op": _bwd_op,
    "sum": _bwd_sum,
    "matmul": _bwd_matmul,
    "wsum": _bwd_wsum,
}


# ------------------------------------------------------------------------------------------------
# Losses over a batch of outputs (the definitions of autograd_mlp.losses, vectorised)
# ------------------------------------------------------------------------------------------------


def loss_and_grad(
    out: Array, targets: object, loss: str, reduction: str = "mean"
) -> tuple[float, Array]:
    """(loss value, ∂loss/∂out) for outputs of shape (batch, outputs)."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"loss: reduction must be 'mean' or 'sum', got {reduction!r}")
    with np.errstate(all="ignore"):  # IEEE results (a loss of inf when training diverges)
        return _loss_and_grad(out, targets, loss, reduction)


def _loss_and_grad(out: Array, targets: object, loss: str, reduction: str) -> tuple[float, Array]:
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


# ------------------------------------------------------------------------------------------------
# fit(fast=True): training steps with the parameters kept in arrays
# ------------------------------------------------------------------------------------------------


class _ArrayUpdate:
    """`SGD`'s or `Adam`'s update (autograd_mlp.nn.optim) on arrays: the same operations on
    every element, in the same order, so the weights are those of the optimizer's own loop,
    bit for bit. The hyperparameters (lr, momentum, ...) are read from the optimizer at every
    step, as its own ``step()`` reads them; its state (SGD's velocity, Adam's moments) is kept
    in arrays and written back to it by `store`."""

    def __init__(self, optimizer: SGD | Adam) -> None:
        self.optimizer = optimizer
        self.load()

    @staticmethod
    def supports(optimizer: object) -> bool:
        """SGD and Adam themselves (a subclass may change the update: it runs its own)."""
        if type(optimizer) is SGD:
            started = [b is not None for b in optimizer._velocity]
            return all(started) or not any(started)
        return type(optimizer) is Adam

    def load(self) -> None:
        """Read the optimizer's state into arrays."""
        opt = self.optimizer
        if isinstance(opt, SGD):
            started = opt._velocity and opt._velocity[0] is not None
            self.velocity = np.array(opt._velocity, dtype=np.float64) if started else None
        else:
            self.m = np.array(opt._m, dtype=np.float64)
            self.v = np.array(opt._v, dtype=np.float64)

    def store(self) -> None:
        """Write the state back, as the optimizer's own steps would have left it."""
        opt = self.optimizer
        if isinstance(opt, SGD):
            if self.velocity is not None:
                opt._velocity = list(self.velocity.tolist())
        else:
            opt._m, opt._v = self.m.tolist(), self.v.tolist()

    def step(self, w: Array, g: Array) -> None:
        """Update the weights ``w`` in place from their gradients ``g``."""
        opt = self.optimizer
        if isinstance(opt, SGD):
            lr, mu, wd = opt.lr, opt.momentum, opt.weight_decay
            if wd != 0.0:
                g = g + wd * w
            if mu != 0.0:
                b = g.copy() if self.velocity is None else mu * self.velocity + g
                self.velocity = b
                g = g + mu * b if opt.nesterov else b
            w -= lr * g
            return
        opt.t += 1
        beta1, beta2 = opt.betas
        bias1 = 1.0 - beta1**opt.t  # Python floats, as in Adam.step
        bias2_sqrt = math.sqrt(1.0 - beta2**opt.t)
        step_size = opt.lr / bias1
        if opt.weight_decay != 0.0:
            g = g + opt.weight_decay * w
        self.m = beta1 * self.m + (1.0 - beta1) * g
        self.v = beta2 * self.v + (1.0 - beta2) * g * g
        w -= step_size * self.m / (np.sqrt(self.v) / bias2_sqrt + opt.eps)


class FitSteps:
    """The steps of ``fit(fast=True)`` with an `SGD` or `Adam`: the weights, their gradients
    and the optimizer's state are arrays for the whole of `fit`, so a step does no Python work
    per parameter (reading every ``.data``, adding to every ``.grad``, zeroing them and the
    optimizer's loop were most of a step's time from a hidden width of about 32 on). `sync`
    writes them back to the Values and the optimizer (fit does it when it returns, and before
    each call of a callback), `reload` reads them again (after a callback, which may change
    weights). Create with `FitSteps.create`, which gives None for another optimizer.
    """

    def __init__(
        self,
        step: Trace,
        update: _ArrayUpdate,
        params: list[Value],
        model_params: list[Value],
        inputs: Array,
        targets: Array,
        loss: str,
        reduction: str,
    ) -> None:
        self.step, self.update, self.params = step, update, params
        self.inputs, self.rows = inputs, np.ascontiguousarray(inputs.T)  # one row per input
        self.targets, self.loss, self.reduction = targets, loss, reduction
        leaf_at = {id(v): j for j, v in enumerate(step.leaves)}
        mine = [i for i, p in enumerate(params) if id(p) in leaf_at]
        self._all_in_graph = len(mine) == len(params)
        self._params_in = _index(mine)  # the optimizer's parameters that are leaves ...
        self._leaves_in = _index([leaf_at[id(params[i])] for i in mine])  # ... and where
        taken = {leaf_at[id(params[i])] for i in mine}
        self._others = [v for j, v in enumerate(step.leaves) if j not in taken]
        self._other_rows = np.asarray([leaf_at[id(v)] for v in self._others], dtype=np.intp)
        self._other_grads = np.zeros(len(self._others))
        opt_ids = {id(p) for p in params}
        self._fixed = [p for p in model_params if id(p) not in opt_ids]
        self._grad_out: Array | None = None
        self.reload()

    @classmethod
    def create(
        cls,
        step: Trace,
        optimizer: object,
        model_params: list[Value],
        inputs: Array,
        targets: Array,
        loss: str,
        reduction: str,
    ) -> FitSteps | None:
        """The steps for ``optimizer``, or None when it is not an `SGD` or `Adam` (another
        optimizer runs its own ``step()`` on the Values) or lists a parameter twice."""
        if not _ArrayUpdate.supports(optimizer):
            return None
        opt: SGD | Adam = optimizer  # type: ignore[assignment]  # (checked just above)
        if len({id(p) for p in opt.params}) != len(opt.params):
            return None
        update = _ArrayUpdate(opt)
        return cls(step, update, opt.params, model_params, inputs, targets, loss, reduction)

    def reload(self) -> None:
        """Read the weights, gradients, other leaves and optimizer state from their owners."""
        self.w = np.fromiter((p.data for p in self.params), np.float64, len(self.params))
        self.g = np.fromiter((p.grad for p in self.params), np.float64, len(self.params))
        self.leaf_values = self.step._leaf_values(None)
        # weights the optimizer does not update: fit's finite check covers them too
        self._fixed_finite = all(math.isfinite(p.data) for p in self._fixed)
        self.update.load()

    def sync(self) -> None:
        """Write the weights, gradients and optimizer state back to the Values and optimizer."""
        for p, w, g in zip(self.params, self.w.tolist(), self.g.tolist()):
            p.data = w
            p.grad = g
        # leaves the optimizer does not own accumulate their gradients, as in the eager loop
        for v, d in zip(self._others, self._other_grads.tolist()):
            v.grad += d
        self._other_grads[:] = 0.0
        self.update.store()

    def batch(self, start: int, stop: int) -> tuple[float, float | None]:
        """The loss and accuracy of samples [start, stop); keeps what `backward` needs."""
        if not self.step._checked:
            self.step._check((self.inputs[start:stop],), stop - start)
        self.leaf_values[self._leaves_in] = self.w[self._params_in]
        out = self.step._run(self.rows[:, start:stop], self.leaf_values)
        targets = self.targets[start:stop]
        value, self._grad_out = loss_and_grad(out, targets, self.loss, self.reduction)
        return value, accuracy(out, targets, self.loss)

    def backward(self) -> None:
        """The gradient of the last batch's loss, in place of the last (zero_grad, then
        backward, as the eager loop does)."""
        assert self._grad_out is not None, "backward() before batch()"
        totals = self.step.backward(self._grad_out, add_to_grad=False)
        if not self._all_in_graph:
            self.g[:] = 0.0
        # + 0.0: a gradient starts at +0.0 and the totals are added to it (−0.0 becomes +0.0)
        self.g[self._params_in] = totals[self._leaves_in] + 0.0
        self._other_grads += totals[self._other_rows]

    def apply(self) -> bool:
        """One update of every weight, or none: False (the update undone) when a weight would
        become inf or nan."""
        before = self.w.copy()
        with np.errstate(all="ignore"):
            self.update.step(self.w, self.g)
        if self._fixed_finite and bool(np.isfinite(self.w).all()):
            return True
        self.w[:] = before
        return False

    def zero_grad(self) -> None:
        self.g[:] = 0.0


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
    require_numpy("trace (the fast path, also fit(fast=True))")
    if not callable(fn):
        raise TypeError(f"trace: expected a function, got {type(fn).__name__}")
    if type(exact) is not bool:
        raise TypeError(f"trace: exact must be True or False, got {exact!r}")
    return Trace(fn, example, exact)
