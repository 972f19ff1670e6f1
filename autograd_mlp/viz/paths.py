"""Chain-rule paths from one Value to the root, for ``draw_graph(..., highlight=)``.

The gradient of a leaf is the sum, over every path from the leaf to the root, of the product of
the local derivatives along the path (Goodfellow, Bengio & Courville, *Deep Learning*, 2016,
section 6.5.2). The number of paths can grow exponentially with depth (a chain of n diamonds has
2ⁿ), so they are first *counted* by dynamic programming over the topological order, and listed
one by one only when there are at most ``max_paths`` of them.

Both steps take time linear in the size of the graph (times the number of paths listed, which
``max_paths`` bounds): the listing walks the graph depth-first with one shared trail that grows
and shrinks by one Value per step, instead of copying the path so far at every step (which made a
400,000-Value chain take two minutes).

This module reads the graph only; `autograd_mlp.viz.dot` draws what it finds and
`autograd_mlp.viz.render` carries the summary on the returned graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..engine import Value

__all__ = ["PathSummary", "DEFAULT_MAX_PATHS", "COUNT_CAP", "path_summary"]

# The highlight legend lists at most this many chain-rule paths one by one; past it, it says how
# many there are and gives their sum only (the count can grow exponentially with depth).
DEFAULT_MAX_PATHS = 20

# Path counts stop here: past it the legend says "more than" (a node doubled 10⁵ times has a
# count of 30,000 digits, slow to add up and too long to print; Python refuses to print an int
# of more than 4,300 digits at all).
COUNT_CAP = 10**15

Path = tuple[list[Value], list[float], float]


@dataclass
class PathSummary:
    """What the highlight legend says: how many leaf→root paths, their products, their sum.

    ``paths`` holds (Values leaf first, local derivatives, product) for each path; it is empty
    when there are more than ``max_paths`` of them, and ``total`` is then computed by dynamic
    programming (forward-mode accumulation) without listing them. ``count`` stops at
    `COUNT_CAP`: `count_text` then says "more than".
    """

    leaf: Value
    count: int
    total: float
    grad: float
    paths: list[Path] = field(default_factory=list)

    @property
    def count_text(self) -> str:
        """The number of paths for a reader: ``1,234``, or ``more than 10¹⁵``."""
        return "more than 10¹⁵" if self.count >= COUNT_CAP else f"{self.count:,}"

    @property
    def matches(self) -> bool:
        """True when the sum of path products equals ``leaf.grad`` (up to rounding)."""
        if math.isnan(self.total) or math.isnan(self.grad):
            return math.isnan(self.total) and math.isnan(self.grad)
        return self.total == self.grad or math.isclose(
            self.total, self.grad, rel_tol=1e-9, abs_tol=1e-12
        )


def path_summary(
    order: list[Value], root: Value, leaf: Value, max_paths: int = DEFAULT_MAX_PATHS
) -> tuple[PathSummary, dict[Value, int]]:
    """The summary of the paths leaf → root, and for every Value on one of them the number of
    paths from the leaf to it (the Values to draw bold). ``order`` is `topological_order(root)`.
    """
    # count[v] = number of paths leaf → v; s[v] = Σ over those paths of the product of local
    # derivatives = ∂v/∂leaf. One pass in topological order: each edge adds its input's
    # count (and its input's s times the edge's local derivative) to its output.
    count: dict[Value, int] = {leaf: 1}
    s: dict[Value, float] = {leaf: 1.0}
    for v in order:
        if not v._prev or v is leaf:
            continue
        c = 0
        t = 0.0
        for child, local in zip(v._prev, v._local):
            cc = count.get(child, 0)
            if cc:
                c += cc
                t += local * s[child]
        if c:
            count[v] = c if c < COUNT_CAP else COUNT_CAP
            s[v] = t
    total_paths = count.get(root, 0)
    summary = PathSummary(leaf, total_paths, s.get(root, 0.0), leaf.grad)
    if 0 < total_paths <= max_paths:
        summary.paths = _list_paths(root, leaf, count)
    return summary, count


def _list_paths(root: Value, leaf: Value, count: dict[Value, int]) -> list[Path]:
    """Every leaf→root path, argument 0 first. Depth-first from the root along edges whose input
    the leaf reaches (``count``), so every step leads to the leaf and none is wasted. ``trail``
    is the current path root-first, ``factors`` its local derivatives and ``next_arg[i]`` the
    argument of ``trail[i]`` to try next: each step pushes or pops one entry of each."""
    found: list[Path] = []
    trail: list[Value] = [root]
    factors: list[float] = []
    next_arg: list[int] = [0]
    while trail:
        node = trail[-1]
        if node is not leaf:
            prev = node._prev
            k = next_arg[-1]
            while k < len(prev) and not count.get(prev[k], 0):
                k += 1
            if k < len(prev):
                next_arg[-1] = k + 1
                trail.append(prev[k])
                factors.append(node._local[k])
                next_arg.append(0)
                continue
        else:
            product = 1.0
            for f in reversed(factors):
                product *= f
            found.append((trail[::-1], factors[::-1], product))
        trail.pop()
        next_arg.pop()
        if factors:
            factors.pop()
    return found
