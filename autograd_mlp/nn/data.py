"""Toy two-dimensional datasets for classification, seeded and dependency-free.

Every generator returns ``(X, y)`` as plain lists: ``X`` a list of ``[x1, x2]`` float pairs and
``y`` a list of int class labels. The same ``seed`` gives the same data on every machine (each
call uses its own ``random.Random(seed)``; the global random state is never touched). Samples are
shuffled, so any prefix or minibatch mixes the classes.

Label conventions
-----------------
* `make_moons`, `make_circles`, `make_xor`: two classes, y ∈ {0, 1}. For the hinge loss (and
  micrograd's moons demo) pass ``signed=True`` to get y ∈ {−1, +1}, or convert with `to_signed`.
* `make_spiral`, `make_blobs`: ``n_classes`` / ``centers`` classes, y ∈ {0, 1, ..., K − 1}; use
  them with `autograd_mlp.losses.cross_entropy` and an output layer of K neurons.

The moons and circles follow the shapes popularised by scikit-learn's ``make_moons`` and
``make_circles`` (two interleaved half circles; two concentric circles); the spiral is the
classic one from Stanford's CS231n notes ("Putting it together: minimal neural network case
study"). The code here is our own and uses no scikit-learn.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

__all__ = [
    "make_moons",
    "make_circles",
    "make_xor",
    "make_spiral",
    "make_blobs",
    "to_signed",
]

Dataset = tuple[list[list[float]], list[int]]


def _check_n(n_samples: object, minimum: int = 1) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < minimum:
        raise ValueError(f"n_samples must be an int ≥ {minimum}, got {n_samples!r}")
    return n_samples


def _check_nonneg(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0.0:
        raise ValueError(f"{name} must be a number ≥ 0, got {value!r}")
    if math.isinf(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _rng(seed: object) -> random.Random:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}: {seed!r}")
    return random.Random(seed)


def _split(n: int, k: int) -> list[int]:
    """n samples over k classes as evenly as possible (earlier classes get the remainder)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _linspace(start: float, stop: float, n: int) -> list[float]:
    if n == 1:
        return [start]
    step = (stop - start) / (n - 1)
    return [start + i * step for i in range(n)]


def _finish(points: list[tuple[float, float, int]], noise: float, rng: random.Random) -> Dataset:
    """Add Gaussian noise with standard deviation ``noise`` to each coordinate, then shuffle."""
    X: list[list[float]] = []
    y: list[int] = []
    order = list(range(len(points)))
    rng.shuffle(order)
    for i in order:
        a, b, label = points[i]
        if noise:
            a += rng.gauss(0.0, noise)
            b += rng.gauss(0.0, noise)
        X.append([a, b])
        y.append(label)
    return X, y


def _signed(data: Dataset, signed: bool) -> Dataset:
    return (data[0], to_signed(data[1])) if signed else data


def to_signed(y: Sequence[int]) -> list[int]:
    """Map labels {0, 1} to {−1, +1} (0 → −1, 1 → +1), as the hinge loss expects."""
    out = []
    for label in y:
        if label not in (0, 1) or isinstance(label, float):
            raise ValueError(f"to_signed expects labels 0 or 1, got {label!r}")
        out.append(2 * int(label) - 1)
    return out


def make_moons(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None, *, signed: bool = False
) -> Dataset:
    """Two interleaving half circles. Class 0 is the upper moon, class 1 the lower one.

    Upper: (cos θ, sin θ) for θ evenly spaced in [0, π]; lower: (1 − cos θ, ½ − sin θ).
    ``noise`` is the standard deviation of Gaussian noise added to each coordinate.
    """
    n = _check_n(n_samples, 2)
    noise = _check_nonneg(noise, "noise")
    rng = _rng(seed)
    n_upper, n_lower = _split(n, 2)
    points = [(math.cos(t), math.sin(t), 0) for t in _linspace(0.0, math.pi, n_upper)]
    points += [(1.0 - math.cos(t), 0.5 - math.sin(t), 1) for t in _linspace(0.0, math.pi, n_lower)]
    return _signed(_finish(points, noise, rng), signed)


def make_circles(
    n_samples: int = 100,
    noise: float = 0.0,
    factor: float = 0.5,
    seed: int | None = None,
    *,
    signed: bool = False,
) -> Dataset:
    """Two concentric circles: class 0 the outer one (radius 1), class 1 the inner (``factor``).

    Points are evenly spaced in angle; ``factor`` must be in (0, 1).
    """
    n = _check_n(n_samples, 2)
    noise = _check_nonneg(noise, "noise")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor < 1:
        raise ValueError(f"factor (inner radius / outer radius) must be in (0, 1), got {factor!r}")
    rng = _rng(seed)
    points: list[tuple[float, float, int]] = []
    for label, (count, radius) in enumerate(zip(_split(n, 2), (1.0, float(factor)))):
        for i in range(count):
            t = 2.0 * math.pi * i / count  # endpoint excluded: 0 and 2π are the same point
            points.append((radius * math.cos(t), radius * math.sin(t), label))
    return _signed(_finish(points, noise, rng), signed)


def make_xor(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None, *, signed: bool = False
) -> Dataset:
    """Points uniform in [−1, 1]², labelled by XOR of the signs: y = 1 when exactly one of the
    coordinates is negative (quadrants II and IV), else 0. No single line separates the classes.

    Labels come from the noiseless point; ``noise`` then blurs the quadrant borders.
    """
    n = _check_n(n_samples)
    noise = _check_nonneg(noise, "noise")
    rng = _rng(seed)
    points = []
    for _ in range(n):
        a, b = rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)
        points.append((a, b, int((a < 0.0) != (b < 0.0))))
    return _signed(_finish(points, noise, rng), signed)


def make_spiral(
    n_samples: int = 100, n_classes: int = 2, noise: float = 0.2, seed: int | None = None
) -> Dataset:
    """``n_classes`` interleaved spiral arms (CS231n): arm k has radius r from 0 to 1 and angle
    4k + 4r (radians), so each arm turns 4 rad ≈ 0.64 of a full turn. ``noise`` is added to the
    angle (standard deviation in radians), which keeps the arms' shape; y ∈ {0, ..., K − 1}.
    """
    n = _check_n(n_samples, 2)
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 2:
        raise ValueError(f"n_classes must be an int ≥ 2, got {n_classes!r}")
    if n < n_classes:
        raise ValueError(f"n_samples ({n}) must be at least n_classes ({n_classes})")
    noise = _check_nonneg(noise, "noise")
    rng = _rng(seed)
    points = []
    for k, count in enumerate(_split(n, n_classes)):
        for r in _linspace(0.0, 1.0, count):
            t = 4.0 * k + 4.0 * r + (rng.gauss(0.0, noise) if noise else 0.0)
            points.append((r * math.sin(t), r * math.cos(t), k))
    return _finish(points, 0.0, rng)


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    cluster_std: float = 1.0,
    seed: int | None = None,
) -> Dataset:
    """Gaussian clusters. ``centers`` is a count (centres drawn uniformly in [−5, 5]²) or a list
    of ``[x1, x2]`` centres; sample i of class k is centre k plus N(0, cluster_std²) noise per
    coordinate. y ∈ {0, ..., K − 1}, class k belonging to centre k.
    """
    n = _check_n(n_samples)
    std = _check_nonneg(cluster_std, "cluster_std")
    rng = _rng(seed)
    if isinstance(centers, bool):
        raise ValueError(f"centers must be a count or a list of [x1, x2] points, got {centers!r}")
    if isinstance(centers, int):
        if centers < 1:
            raise ValueError(f"centers must be ≥ 1, got {centers!r}")
        middles = [(rng.uniform(-5.0, 5.0), rng.uniform(-5.0, 5.0)) for _ in range(centers)]
    else:
        middles = []
        for c in centers:
            if isinstance(c, (str, bytes)) or not isinstance(c, Sequence) or len(c) != 2:
                raise ValueError(f"each centre must be a pair [x1, x2], got {c!r}")
            middles.append((float(c[0]), float(c[1])))
        if not middles:
            raise ValueError("centers is empty; give a count or at least one [x1, x2] centre")
    if n < len(middles):
        raise ValueError(f"n_samples ({n}) must be at least the number of centres ({len(middles)})")
    points = []
    for k, count in enumerate(_split(n, len(middles))):
        cx, cy = middles[k]
        points += [(cx, cy, k)] * count
    return _finish(points, std, rng)
