"""paths(): every chain-rule path, with products that sum to the gradient."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import MLP, Value
from autograd_mlp.engine.gradcheck import numerical_gradient
from autograd_mlp.engine.paths import count_paths, path_sum, paths
from autograd_mlp.teach.lesson import LESSON_X, lesson_error, lesson_network


def _lesson() -> tuple[MLP, Value]:
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    error = lesson_error(y)
    error.backward()
    return model, error


def test_products_sum_to_grad_for_every_lesson_parameter() -> None:
    model, error = _lesson()
    for p in model.parameters():
        found = paths(error, p)
        assert path_sum(found) == pytest.approx(p.grad, rel=1e-12, abs=1e-15), p.label
        for path in found:
            assert path.nodes[0] is p and path.nodes[-1] is error
            assert path.product == pytest.approx(math.prod(path.locals), rel=1e-12)


def test_first_layer_weight_has_the_tutorials_two_paths() -> None:
    # The tutorial: the gradient of a first-layer weight is "a sum of 2 terms", one through
    # each output neuron. With the weighted-sum op a neuron is one node, so the path is
    # w -> z(L1.N1) -> a(L1.N1) -> z(L2.Nk) -> (t - y) -> (t - y)² -> E: 6 edges.
    model, error = _lesson()
    w = model.layers[0].neurons[0].w[0]
    found = paths(error, w)
    assert len(found) == 2 == count_paths(error, w)
    labels = [[n.label for n in p.nodes] for p in found]
    assert labels[0][:4] == ["L1.N1.w1", "L1.N1.z", "L1.N1.a", "L2.N1.z"]
    assert labels[1][:4] == ["L1.N1.w1", "L1.N1.z", "L1.N1.a", "L2.N2.z"]
    assert all(len(p) == 6 for p in found)
    # a second-layer weight feeds one output: one path
    assert count_paths(error, model.layers[1].neurons[1].w[0]) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_products_sum_to_grad_on_other_networks(seed: int, activation: str) -> None:
    model = MLP(3, [4, 3, 1], activation=activation, seed=seed)
    out = model([0.5, -1.5, 2.0])
    assert isinstance(out, Value)
    loss = (out - 0.25) ** 2
    loss.backward()
    for p in model.parameters():
        assert path_sum(paths(loss, p)) == pytest.approx(p.grad, rel=1e-10, abs=1e-12)
    # a first-layer weight reaches the output through each of the 3 second-layer neurons
    assert count_paths(loss, model.layers[0].neurons[0].w[0]) == 3


def test_shared_operand_gives_one_path_per_edge() -> None:
    a = Value(3.0, label="a")
    b = a + a  # two edges from a
    c = b * b  # two edges from b: 2 x 2 = 4 paths
    found = paths(c, a)
    assert len(found) == 4
    assert [p.slots for p in found] == [(0, 0), (1, 0), (0, 1), (1, 1)]
    # hand: c = (2a)², dc/da = 8a = 24; each path's product is 1 · b = 6
    assert [p.product for p in found] == [6.0, 6.0, 6.0, 6.0]
    assert path_sum(found) == 24.0


def test_root_is_leaf_has_the_empty_path() -> None:
    a = Value(1.5)
    (only,) = paths(a, a)
    assert only.nodes == (a,) and only.product == 1.0 and len(only) == 0


def test_counting_needs_no_enumeration_and_the_limit_names_the_count() -> None:
    a = Value(1.0, label="a")
    b = a
    for _ in range(40):
        b = b + b  # each doubling doubles the number of paths
    assert count_paths(b, a) == 2**40  # instant: dynamic programming, not enumeration
    with pytest.raises(ValueError, match=r"1,099,511,627,776 chain-rule paths.*explain"):
        paths(b, a)
    c = a
    for _ in range(5):
        c = c + c
    with pytest.raises(ValueError, match=r"32 chain-rule paths.*limit of 10"):
        paths(c, a, limit=10)
    assert len(paths(c, a, limit=32)) == 32


def test_bad_input() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    with pytest.raises(ValueError, match="'b' is not an input"):
        paths(a * 2, b)
    with pytest.raises(TypeError, match="leaf must be a Value, got float"):
        paths(a * 2, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="root must be a Value"):
        paths("a", a)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limit must be a positive int"):
        paths(a * 2, a, limit=0)


# Random graphs built from a table of ops, compared with central differences (the gradient
# computed without the engine's backward).
_OPS = [
    lambda u, v: u + v,
    lambda u, v: u * v,
    lambda u, v: u - v,
    lambda u, v: u.tanh() * v,
    lambda u, v: (u * 0.5).sigmoid() + v,
    lambda u, v: u * u + v.exp() * 0.1,
]


@settings(max_examples=40, deadline=None)
@given(
    xs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
    program=st.lists(
        st.tuples(st.integers(0, len(_OPS) - 1), st.integers(0, 20), st.integers(0, 20)),
        min_size=1,
        max_size=7,
    ),
)
def test_path_sum_matches_central_differences(
    xs: list[float], program: list[tuple[int, int, int]]
) -> None:
    def build(*leaves: Value) -> Value:
        nodes = list(leaves)
        for op, i, j in program:  # later nodes reuse earlier ones: shared nodes, diamonds
            nodes.append(_OPS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
        return nodes[-1]

    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    root = build(*leaves)
    numeric = numerical_gradient(build, xs)
    for leaf, num in zip(leaves, numeric):
        n = count_paths(root, leaf)
        total = path_sum(paths(root, leaf)) if n else 0.0
        assert total == pytest.approx(num, rel=1e-4, abs=1e-5)


def test_a_long_path_is_read_in_time_proportional_to_its_length() -> None:
    # Each step of the search used to copy the partial path, so one path of length L cost L²
    # element copies (20,000 deep: 2·10⁸). Now it is read back once, at the leaf. The bound is
    # in the test's own terms: a few times a plain walk over the same graph.
    import time

    from autograd_mlp.engine import topological_order

    x = Value(0.5, label="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0001 + 0.0001
    start = time.perf_counter()
    topological_order(y)
    walk = time.perf_counter() - start
    start = time.perf_counter()
    (path,) = paths(y, x)
    took = time.perf_counter() - start
    assert len(path) == 40_000 and path.nodes[0] is x and path.nodes[-1] is y
    assert took < 50 * walk + 1.0, (took, walk)


def test_paths_refuses_a_doubling_graph_without_counting_thousands_of_digits() -> None:
    # b = b + b, 12,000 times: 2^12000 paths. The refusal says "more than the limit" instead of
    # the exact count, and the counts it compares stay small numbers.
    a = Value(1.0, label="a")
    b = a
    for _ in range(12_000):
        b = b + b
    with pytest.raises(ValueError, match="there are more than 1,000 chain-rule paths"):
        paths(b, a, limit=1_000)
