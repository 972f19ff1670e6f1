"""Issue 19, the engine's part: what used to go wrong silently, or blow up, and now does not.

* Higher order inside ``no_grad()``: ``hessian`` and ``hvp`` returned zeros and
  ``grad(create_graph=True)`` a constant, for a graph recorded outside the block (review Part B,
  defect 1). PyTorch builds a derivative graph whatever the grad mode, and its functional
  hessian enables grad itself: so do we, checked against PyTorch in float64.
* Division and log: their derivatives are built as PyTorch builds them, g/x rather than
  (1/x)·g, so first and second derivatives agree with PyTorch where 1/x over- or underflows
  (review Part B, defect 2; the reproducers are the review's, the expected values PyTorch's).
* Several threads calling ``backward()`` on one graph (review N14): the sum of the gradients of
  every call, as sequential calls give, not garbage.
* ``hessian`` of many inputs (review N13): refused past a documented limit, with what to do.
* ``copy.deepcopy`` of a deep graph (review D18): no RecursionError.
* ``backward``'s own search gives the order of `topological_order` (the order decides how
  gradients at a shared node are summed, and the fast path replays it).
"""

from __future__ import annotations

import copy
import math
import random
import sys
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from autograd_mlp import Value, grad, hessian, hvp, no_grad, weighted_sum
from autograd_mlp.engine.functional import MAX_HESSIAN_INPUTS
from autograd_mlp.engine.value import _computed_order
from autograd_mlp.engine.value import topological_order as topo
from autograd_mlp.teach.curvature import lesson_hessian
from tests.conftest import needs
from tests.test_higher_order_torch import _bitwise, _ours, _theirs


@pytest.fixture(scope="module")
def torch() -> ModuleType:
    return needs("torch")


def _same(got: list[list[float]], want: list[list[float]]) -> bool:
    """Bit for bit, the sign of zero included; nan equals nan."""
    return all(_bitwise(g, w) for gs, ws in zip(got, want) for g, w in zip(gs, ws))


# ------------------------------------------------------------------------------------------------
# Higher order inside no_grad()
# ------------------------------------------------------------------------------------------------


def test_hessian_and_hvp_inside_no_grad_match_torch(torch: ModuleType) -> None:
    # The review's reproducer: y = x³ recorded outside the block; torch gives 12 for both
    x = Value(2.0)
    y = x**3
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    with torch.no_grad():
        want_h = torch.autograd.functional.hessian(lambda u: u**3, t).item()
        want_hvp = torch.autograd.functional.hvp(lambda u: u**3, t, torch.tensor(1.0))[1]
    with no_grad():
        assert hessian(y, [x]) == [[want_h]] == [[12.0]]
        assert hvp(y, [x], [1.0]) == [want_hvp.item()] == [12.0]


def test_grad_with_create_graph_inside_no_grad_builds_a_graph(torch: ModuleType) -> None:
    x = Value(2.0)
    y = x**3
    t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ty = t**3
    with no_grad(), torch.no_grad():
        (g,) = grad(y, x, create_graph=True)
        (tg,) = torch.autograd.grad(ty, t, create_graph=True)
        assert not g.is_leaf and tg.requires_grad  # a derivative graph, as torch's
        assert grad(g, x) == (torch.autograd.grad(tg, t)[0].item(),) == (12.0,)
        # and the rest of the block still records nothing
        assert (x * 2.0).is_leaf


def test_derivatives_under_no_grad_equal_those_outside(torch: ModuleType) -> None:
    # every order of a few chains, through third order, inside the block and out
    chains: list[Callable[[Any], Any]] = [
        lambda a: a.tanh().tanh() * a,
        lambda a: (a * a + 1.0).log() / (a + 3.0),
        lambda a: (a.relu() * a).sigmoid() ** 3,
    ]
    for f in chains:
        outside = _ours(f, [0.7], 3)
        x = Value(0.7)
        y = f(x)
        with no_grad():
            level, inside = [y], []
            for _ in range(3):
                level = [g for v in level for g in grad(v, [x], create_graph=True)]  # type: ignore[misc]
                inside.append([v.data for v in level])
        assert _same(inside, outside)
        assert _same(outside, _theirs(torch, f, [0.7], 3))


def test_a_graph_recorded_inside_no_grad_is_an_error_not_a_zero() -> None:
    x = Value(2.0, label="x")
    with no_grad():
        y = x**3  # records nothing: y is a leaf
        for call in (
            lambda: hessian(y, [x]),
            lambda: hvp(y, [x], [1.0]),
            lambda: grad(y, x, allow_unused=True),
            lambda: grad(y, x, create_graph=True, allow_unused=True),
        ):
            with pytest.raises(ValueError, match=r"no graph.*no_grad\(\)"):
                call()
    # outside the block, that leaf has nothing to differentiate either: hessian and hvp say so
    with pytest.raises(ValueError, match="no graph"):
        hessian(y, [x])


def test_lesson_hessian_inside_no_grad_is_the_lesson_hessian() -> None:
    labels, h, g = lesson_hessian()
    with no_grad():
        assert lesson_hessian() == (labels, h, g)
    assert len(h) == 14 and any(v != 0.0 for row in h for v in row)


# ------------------------------------------------------------------------------------------------
# log and division: g/x, as PyTorch
# ------------------------------------------------------------------------------------------------

# The review's reproducers (Part B, defect 2) and a few more, each through second order (third
# for one input); before, these gave nan, -inf or a factor 2 where PyTorch is finite.
G_OVER_X: list[tuple[str, Callable[..., Any], list[float]]] = [
    ("x·ln x at 1e300", lambda x: x * x.log(), [1e300]),
    ("ln(x)·0 at 5e-324", lambda x: x.log() * 0.0, [5e-324]),
    ("ln(x)·y at 1e-200", lambda x, y: x.log() * y, [1e-200, 0.0]),
    ("a·(b/a) at 1e-160", lambda a, b: a * (b / a), [1e-160, 2.0]),
    ("relu(ln x)**0 at -1e-300", lambda x: x.log().relu() ** 0.0, [-1e-300]),
    ("x/b at b = 0", lambda x, b: x / b, [1.0, 0.0]),
    ("x/b at subnormal b", lambda x, b: x / b * b, [3.0, 5e-324]),
    ("1/x at 1e-170", lambda x: 1.0 / x * x, [1e-170]),
    ("ln x at 1e170", lambda x: x.log() * x.log(), [1e170]),
]


@pytest.mark.parametrize(("f", "xs"), [c[1:] for c in G_OVER_X], ids=[c[0] for c in G_OVER_X])
def test_log_and_division_derivatives_match_torch_at_extreme_magnitudes(
    torch: ModuleType, f: Callable[..., Any], xs: list[float]
) -> None:
    order = 3 if len(xs) == 1 else 2
    assert _same(_ours(f, xs, order), _theirs(torch, f, xs, order))


def test_hessian_of_the_review_reproducers_is_torchs() -> None:
    # as the review wrote them, with hessian (its values: torch and the exact result)
    x = Value(1e300)
    assert hessian(x * x.log(), [x]) == [[1e-300]]
    x, y = Value(1e-200), Value(0.0)
    h = hessian(x.log() * y, [x, y])
    assert _same(h, [[-0.0, 1e200], [1e200, 0.0]])
    a, b = Value(1e-160), Value(2.0)
    assert _same(hessian(a * (b / a), [a, b]), [[math.nan, 0.0], [0.0, 0.0]])
    x = Value(-1e-300)
    assert _same(hessian(x.log().relu() ** 0.0, [x]), [[-0.0]])


def test_first_order_log_at_the_smallest_subnormal_is_torchs(torch: ModuleType) -> None:
    x = Value(5e-324)
    (x.log() * 0.0).backward()
    t = torch.tensor(5e-324, dtype=torch.float64, requires_grad=True)
    (t.log() * 0.0).backward()
    assert _bitwise(x.grad, t.grad.item()) and x.grad == 0.0
    # and a subnormal divisor: g/b is finite where (1/b)·g = inf·g overflows
    a, b = Value(3.0), Value(1e-310)
    ((a / b) * 1e-5).backward()
    ta = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(1e-310, dtype=torch.float64, requires_grad=True)
    ((ta / tb) * 1e-5).backward()
    assert _bitwise(a.grad, ta.grad.item()) and math.isfinite(a.grad)
    assert _bitwise(b.grad, tb.grad.item())


def test_the_edges_of_log_and_division_still_show_1_over_x() -> None:
    # the renderer and the explainer print 1/x on the edge, whatever backward computes
    x = Value(4.0)
    assert x.log()._local == (0.25,)
    a, b = Value(3.0), Value(-2.0)
    assert (a / b)._local == (-0.5, -0.75)  # 1/b, -(a/b)/b
    assert Value(5e-324).log()._local == (math.inf,)


# ------------------------------------------------------------------------------------------------
# Threads (N14)
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Threads switch every 10 µs: a race has many chances to show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_concurrent_backward_on_one_graph_sums_every_call(fast_switching: None) -> None:
    # The review's reproducer: 8 threads × 50 backward calls on one 200-step tanh graph. Run
    # one at a time, x.grad is exactly 400 × the single gradient; in threads it used to be
    # 1.92 × that to 892,114 × that.
    x = Value(0.3, label="x")
    y = x
    for _ in range(200):
        y = (y * 1.01 + 0.01).tanh()
    y.backward()
    single = x.grad
    x.grad = 0.0
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                y.backward()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    expected = 0.0
    for _ in range(400):
        expected += single  # the sum in the order sequential calls add
    assert x.grad == expected
    # an intermediate gradient describes one whole pass, as after a sequential call
    y.backward()
    assert y.grad == 1.0


def test_threads_on_separate_graphs_with_one_shared_leaf_keep_every_update(
    fast_switching: None,
) -> None:
    w = Value(0.5, label="w")

    def work() -> None:
        for i in range(200):
            (w * float(i % 3) + 1.0).backward()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # each thread adds 0, 1, 2, 0, 1, 2, ...: 66·(0 + 1 + 2) + 0 + 1 = 199 per thread
    assert w.grad == 4 * 199.0


# ------------------------------------------------------------------------------------------------
# The size of a Hessian (N13)
# ------------------------------------------------------------------------------------------------


def test_hessian_refuses_more_inputs_than_its_limit_and_says_what_to_do() -> None:
    n = MAX_HESSIAN_INPUTS + 1
    xs = [Value(0.5) for _ in range(n)]
    y = xs[0] * xs[1]
    with pytest.raises(ValueError) as info:
        hessian(y, xs)
    message = str(info.value)
    assert f"{n:,} inputs" in message and f"max_inputs={MAX_HESSIAN_INPUTS:,}" in message
    assert "hvp(" in message and f"max_inputs={n}" in message
    # hvp has no such limit: two passes, no matrix
    assert hvp(y, xs, [1.0] * n)[:3] == [1.0, 1.0, 0.0]


def test_hessian_limit_can_be_raised_and_checked() -> None:
    xs = [Value(float(i)) for i in range(5)]
    y = xs[0] * xs[1] * xs[4]
    with pytest.raises(ValueError, match="max_inputs=3"):
        hessian(y, xs, max_inputs=3)
    h = hessian(y, xs, max_inputs=5)
    assert h[0][1] == 4.0 and h[1][4] == 0.0 and h[0][4] == 1.0
    for bad in (0, -1):
        with pytest.raises(ValueError, match=r"max_inputs must be at least 1, got -?[01]"):
            hessian(y, xs, max_inputs=bad)
    for wrong in (2.5, True, "10"):
        with pytest.raises(TypeError, match="max_inputs must be an int"):
            hessian(y, xs, max_inputs=wrong)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# copy.deepcopy (D18)
# ------------------------------------------------------------------------------------------------


def test_deepcopy_of_a_deep_graph_copies_it_without_recursion() -> None:
    x = Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y * 0.9999 + 0.0001
    y.color = "red"  # type: ignore[attr-defined]  # a user attribute travels with the copy
    c = copy.deepcopy(y)
    assert c is not y and c.data == y.data and c.color == "red"  # type: ignore[attr-defined]
    order, copied = topo(y), topo(c)
    assert len(copied) == len(order)
    assert all(a is not b for a, b in zip(order, copied))
    assert [v._op for v in copied] == [v._op for v in order]
    assert [v._local for v in copied[-5:]] == [v._local for v in order[-5:]]
    c.backward()
    y.backward()
    assert copied[0].grad == order[0].grad == x.grad  # the same gradient, on the copy's leaf
    assert copied[0] is not x


def test_deepcopy_keeps_shared_nodes_shared() -> None:
    a = Value(2.0)
    b = a * a
    c = b + b
    d = copy.deepcopy([c, a])
    assert d[0]._prev[0] is d[0]._prev[1]  # b, once
    assert d[0]._prev[0]._prev[0] is d[1]  # and a is the list's copy of a


# ------------------------------------------------------------------------------------------------
# backward's search is topological_order's
# ------------------------------------------------------------------------------------------------


def _random_graph(rng: random.Random) -> Value:
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(rng.randint(1, 4))]
    pool = list(leaves)
    for _ in range(rng.randint(1, 40)):
        kind = rng.random()
        a, b = rng.choice(pool), rng.choice(pool[-5:])
        if kind < 0.3:
            pool.append(a * b)
        elif kind < 0.6:
            pool.append(a + b)
        elif kind < 0.75:
            pool.append(a.tanh())
        elif kind < 0.85:
            ws = [rng.choice(pool) for _ in range(3)]
            pool.append(weighted_sum(ws, [rng.choice(pool) for _ in ws], rng.choice(pool)))
        else:
            pool.append(a.relu())
    root = pool[-1]
    for v in pool[-6:-1]:
        root = root + v
    return root


def test_backward_walks_the_computed_nodes_in_topological_order() -> None:
    rng = random.Random(7)
    for _ in range(300):
        root = _random_graph(rng)
        computed = [v for v in topo(root) if not v.is_leaf]
        assert _computed_order(root) == computed
