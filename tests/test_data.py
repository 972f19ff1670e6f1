"""Toy datasets: seeded and deterministic, plain lists, the documented shapes and labels."""

from __future__ import annotations

import math
import random
from collections import Counter
from typing import Any

import pytest

from autograd_mlp.nn.data import (
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    to_signed,
)

GENERATORS: list[tuple[Any, dict[str, Any], set[int]]] = [
    (make_moons, {"noise": 0.1}, {0, 1}),
    (make_circles, {"noise": 0.05}, {0, 1}),
    (make_xor, {"noise": 0.05}, {0, 1}),
    (make_spiral, {"n_classes": 3}, {0, 1, 2}),
    (make_blobs, {"centers": 4}, {0, 1, 2, 3}),
]


@pytest.mark.parametrize(("make", "kwargs", "labels"), GENERATORS)
def test_seeded_deterministic_plain_lists(
    make: Any, kwargs: dict[str, Any], labels: set[int]
) -> None:
    state = random.getstate()
    X, y = make(n_samples=61, seed=7, **kwargs)
    assert random.getstate() == state  # the global RNG is never touched
    assert (X, y) == make(n_samples=61, seed=7, **kwargs)
    assert (X, y) != make(n_samples=61, seed=8, **kwargs)
    assert type(X) is list and type(y) is list and len(X) == len(y) == 61
    assert all(type(row) is list and len(row) == 2 for row in X)
    assert all(type(v) is float and math.isfinite(v) for row in X for v in row)
    assert all(type(label) is int for label in y)
    assert set(y) == labels
    counts = Counter(y).values()
    assert max(counts) - min(counts) <= 1  # classes split as evenly as possible


def test_moons_without_noise_lie_on_the_two_half_circles() -> None:
    X, y = make_moons(50, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == 0:  # upper moon: unit circle around (0, 0), b ≥ 0
            assert math.isclose(math.hypot(a, b), 1.0) and b >= -1e-12
        else:  # lower moon: unit circle around (1, 0.5), below its centre
            assert math.isclose(math.hypot(a - 1.0, b - 0.5), 1.0) and b <= 0.5 + 1e-12


def test_circles_radii_and_xor_quadrants() -> None:
    X, y = make_circles(40, factor=0.3, seed=1)
    for (a, b), label in zip(X, y):
        assert math.isclose(math.hypot(a, b), 1.0 if label == 0 else 0.3)
    X, y = make_xor(200, seed=2)
    for (a, b), label in zip(X, y):
        assert label == (1 if a * b < 0 else 0)


def test_spiral_radius_grows_along_each_arm_and_blobs_sit_on_their_centres() -> None:
    X, y = make_spiral(30, n_classes=2, noise=0.0, seed=0)
    assert all(math.hypot(a, b) <= 1.0 + 1e-12 for a, b in X)
    X, y = make_blobs(300, centers=[[-4.0, 0.0], [4.0, 0.0]], cluster_std=0.5, seed=3)
    for k, cx in enumerate((-4.0, 4.0)):
        xs = [a for (a, _), label in zip(X, y) if label == k]
        assert abs(sum(xs) / len(xs) - cx) < 0.2  # 150 samples: std of the mean ≈ 0.04


def test_signed_labels() -> None:
    X, y = make_moons(10, seed=0)
    Xs, ys = make_moons(10, seed=0, signed=True)
    assert Xs == X and ys == [2 * t - 1 for t in y] and set(ys) == {-1, 1}
    assert to_signed([0, 1, 1]) == [-1, 1, 1]
    with pytest.raises(ValueError, match="labels 0 or 1, got 2"):
        to_signed([0, 2])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: make_moons(0), ValueError, "n_samples must be an int ≥ 2, got 0"),
        (lambda: make_moons(10, noise=-1), ValueError, "noise must be a number ≥ 0, got -1"),
        (lambda: make_circles(10, factor=1.5), ValueError, r"factor .* got 1.5"),
        (lambda: make_spiral(10, n_classes=1), ValueError, "n_classes must be an int ≥ 2"),
        (lambda: make_blobs(10, centers=[[1.0]]), ValueError, r"pair \[x1, x2\], got \[1.0\]"),
        (lambda: make_blobs(2, centers=3), ValueError, "at least the number of centres"),
        (lambda: make_xor(10, seed="a"), TypeError, "seed must be an int or None, got str"),
    ],
)
def test_bad_arguments(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()
