"""Regression tests for the classic traps of a hand-written autodiff engine.

Each of these has bitten a well-known implementation: gradients of shared nodes that are
overwritten instead of summed, `a + a` collapsing to one edge when parents are a set, recursion
limits in the topological sort, gradients that double on a second backward, reference cycles
that keep whole graphs alive until the garbage collector runs.
"""

from __future__ import annotations

import gc
import math
import sys

import pytest

from autograd_mlp.engine import Value, topological_order, weighted_sum


def test_shared_non_leaf_node_sums_both_paths() -> None:
    # b = a + a; c = b + b: c = 4a, so dc/da = 4 (2 edges into b, each of b's 2 edges into a).
    # Overwriting instead of accumulating gives 2 (or 1 when parents are a set).
    a = Value(1.0, label="a")
    b = a + a
    c = b + b
    c.backward()
    assert c.data == 4.0
    assert b.grad == 2.0
    assert a.grad == 4.0


def test_a_plus_a_keeps_two_parents() -> None:
    a = Value(3.0)
    c = a + a
    assert len(c._prev) == 2 and c._prev[0] is a and c._prev[1] is a
    d = a * a
    assert len(d._prev) == 2
    d.backward()
    assert a.grad == 6.0  # d(a²)/da = 2a: one contribution per edge


def test_diamond() -> None:
    # x feeds two branches that meet again: f = (x·2) · (x + 1) = 2x² + 2x, df/dx = 4x + 2.
    x = Value(3.0, label="x")
    left = x * 2
    right = x + 1
    f = left * right
    f.backward()
    assert f.data == 24.0
    assert x.grad == 14.0
    assert (left.grad, right.grad) == (4.0, 6.0)


def test_backward_twice_accumulates_leaves_and_resets_intermediates() -> None:
    # x = 3, y = x·x·x: dy/dx = 3x² = 27. A second backward adds another 27 to the leaf
    # (PyTorch semantics) while the intermediate x·x starts over. micrograd, which does not
    # reset intermediates, reports 72 on the second call (27 + 45 from the stale x·x grad).
    x = Value(3.0, label="x")
    xx = x * x
    y = xx * x
    y.backward()
    assert x.grad == 27.0
    assert xx.grad == 3.0  # dy/d(xx) = x
    y.backward()
    assert x.grad == 54.0
    assert xx.grad == 3.0  # reset, not 6
    assert y.grad == 1.0  # the root is an intermediate too: reset, then seeded with 1


def test_backward_on_a_leaf_root_accumulates() -> None:
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_zeroing_leaf_grads_gives_a_fresh_pass() -> None:
    x, w = Value(2.0), Value(-1.0)
    y = (x * w).tanh()
    y.backward()
    first = (x.grad, w.grad)
    x.grad = w.grad = 0.0
    y.backward()
    assert (x.grad, w.grad) == first


def test_relu_at_exactly_zero_has_zero_gradient() -> None:
    # PyTorch's convention: relu'(0) = 0 (the subgradient at the kink is chosen as 0).
    for zero in (0.0, -0.0):
        x = Value(zero)
        y = x.relu()
        y.backward()
        assert y.data == 0.0 and x.grad == 0.0
    x = Value(1e-300)  # the smallest positive inputs are already on the slope-1 side
    y = x.relu()
    y.backward()
    assert x.grad == 1.0


def test_topological_order_is_deterministic_and_inputs_first() -> None:
    def build() -> Value:
        a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
        d = a * b
        e = d + c
        f = e * d + a.exp()
        f.label = "f"
        return f

    orders = [[v.label or v._op for v in topological_order(build())] for _ in range(5)]
    assert all(order == orders[0] for order in orders)
    root = build()
    order = topological_order(root)
    assert order[-1] is root
    position = {id(v): i for i, v in enumerate(order)}
    assert len(position) == len(order)  # each node once, even though d and a are shared
    for node in order:
        for child in node._prev:
            assert position[id(child)] < position[id(node)]
    # it follows the order of each node's inputs: a DFS post-order from the root
    assert orders[0][:4] == ["a", "b", "*", "c"]


def test_topological_order_rejects_non_values() -> None:
    with pytest.raises(TypeError, match="float"):
        topological_order(1.0)  # type: ignore[arg-type]


@pytest.mark.slow
def test_chain_of_a_million_ops_with_the_default_recursion_limit() -> None:
    # One op per level, reusing the same Value, keeps the build fast: y = -(-(...(-x)...)).
    assert sys.getrecursionlimit() <= 10_000  # the default, not raised to make this pass
    depth = 1_000_000
    x = Value(1.5)
    v = x
    # The cyclic GC would rescan the growing heap many times during the build (≈4x slower
    # here); our graphs have no cycles for it to find, so pausing it changes nothing else.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(depth):
            v = -v
    finally:
        if gc_was_enabled:
            gc.enable()
    v.backward()
    assert v.data == 1.5  # an even number of negations
    assert x.grad == 1.0
    del v  # freeing a 10⁶-deep chain must not overflow the C stack either


def _build_graph() -> Value:
    """A small MLP-like expression with shared nodes, every op, and a backward pass."""
    x = [Value(0.5), Value(-1.0)]
    w = [Value(0.3), Value(-0.2)]
    b = Value(0.1)
    z = weighted_sum(w, x, b)
    y = (z.tanh() * z.sigmoid() + z.relu() - z.exp() / (z * z + 1) + (z * z + 1).log()) ** 2
    y = y + 2 ** x[0] + x[0] ** x[1]
    y.backward()
    return y


def test_graphs_hold_no_reference_cycles() -> None:
    # Without cycles, reference counting frees a graph the moment its root goes away; the
    # cyclic collector must then find nothing. (micrograd's closures create such cycles.)
    gc.collect()
    root = _build_graph()
    assert math.isfinite(root.data)
    del root
    assert gc.collect() == 0


def test_a_computed_node_is_one_object_for_the_collector() -> None:
    # The cyclic collector walks every live container it tracks while a graph is built, so a
    # node keeps its edges in its own slots, not in tuples (engine docstring; benchmark W3).
    # The weighted sum, with its many inputs, is the one node that keeps a tuple of them.
    a, b = Value(2.0), Value(3.0)
    w, x = [Value(0.5), Value(-1.0), Value(2.0)], [a, b, a]
    for node in (a * b, a + 1, -a, a.tanh(), a**b, a**2, a / b, weighted_sum(w, x, Value(0.0))):
        held = gc.get_referents(node)
        if node._op == "Σwx+b":
            assert [r for r in held if isinstance(r, tuple)] == [node._prev, node._local]
        else:
            assert not any(isinstance(r, tuple) for r in held), node._op
            assert all(any(r is v for r in held) for v in node._prev), node._op


def test_integers_become_float_data_and_grads() -> None:
    x = Value(2)
    y = x * 3 + 1
    y.backward()
    assert type(y.data) is float and type(x.grad) is float and type(y.grad) is float
