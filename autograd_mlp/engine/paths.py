"""Chain-rule paths: every route from a leaf to the root, with its local derivatives.

The multivariable chain rule says that the derivative of the root with respect to a leaf is a
sum over every path from the leaf to the root of the product of the local derivatives along the
path (Goodfellow, Bengio & Courville, *Deep Learning*, 2016, section 6.5.2):

    ∂root/∂leaf = Σ_paths Π_{edges (u → v) on the path} ∂v/∂u

``backward()`` computes the same number without listing the paths (it shares the common
suffixes), which is why it is fast; listing them is what a teacher does on the board, and it
only stays small for small graphs. So the paths are *counted* first, by dynamic programming
over the topological order (no enumeration), and listed only when there are few enough.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from .value import Value, topological_order

__all__ = ["Path", "count_paths", "paths", "path_sum", "gradients", "DEFAULT_PATH_LIMIT"]

DEFAULT_PATH_LIMIT = 10_000  # far more than fits on a slide, far less than hangs the machine


@dataclass(frozen=True)
class Path:
    """One chain-rule path, listed from the leaf (``nodes[0]``) to the root (``nodes[-1]``).

    ``locals[i]`` is the local derivative ∂nodes[i+1]/∂nodes[i] of the edge between them, and
    ``slots[i]`` says which input of ``nodes[i+1]`` that edge is (``a + a`` has two edges from
    ``a``, slots 0 and 1: two different paths). ``product`` is Π locals (1.0 for the empty path
    from the root to itself).
    """

    nodes: tuple[Value, ...]
    locals: tuple[float, ...]
    slots: tuple[int, ...]
    product: float

    def __len__(self) -> int:
        """The number of edges on the path."""
        return len(self.locals)


def _check_pair(root: object, leaf: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"paths: root must be a Value, got {type(root).__name__}: {root!r}")
    if not isinstance(leaf, Value):
        raise TypeError(f"paths: leaf must be a Value, got {type(leaf).__name__}: {leaf!r}")


def _counts(root: Value, leaf: Value, cap: int | None = None) -> dict[Value, int]:
    """For every node, the number of paths from ``leaf`` to it (0 if it does not depend on it).

    count(leaf) = 1 and count(v) = Σ over the inputs u of v of count(u), one term per edge, so
    ``a + a`` doubles the count. Visiting in topological order means every input is counted
    before the nodes that use it: O(edges), however many paths there are. With ``cap``, a
    count stops at cap (enough to tell "more than the limit"), so the numbers stay small even
    where the exact count has thousands of digits (a node doubled 10⁴ times).
    """
    counts: dict[Value, int] = {}
    for node in topological_order(root):
        if node is leaf:
            counts[node] = 1
        else:
            total = sum(counts[child] for child in node._prev)
            counts[node] = total if cap is None or total < cap else cap
    return counts


def count_paths(root: Value, leaf: Value) -> int:
    """How many chain-rule paths lead from ``leaf`` to ``root`` (0 if root does not use leaf)."""
    _check_pair(root, leaf)
    return _counts(root, leaf).get(root, 0)


def _name(v: Value) -> str:
    return repr(v.label) if v.label else f"an unlabelled Value ({v.data!r})"


def paths(root: Value, leaf: Value, *, limit: int = DEFAULT_PATH_LIMIT) -> list[Path]:
    """Every chain-rule path from ``leaf`` to ``root``; their products sum to ∂root/∂leaf.

    The paths come in a deterministic order (following each node's inputs from the root down).
    Raises ValueError when ``leaf`` is not part of ``root``'s graph, and when there are more
    than ``limit`` paths (the message says how many): use ``explain`` by node, or read
    ``leaf.grad`` after ``backward()``, which needs no enumeration.

    >>> from autograd_mlp import Value
    >>> a = Value(3.0, label="a")
    >>> b = a * a
    >>> [p.product for p in paths(b, a)]   # two edges, each with local derivative a: sum 2a
    [3.0, 3.0]
    """
    _check_pair(root, leaf)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"paths: limit must be a positive int, got {limit!r}")
    counts = _counts(root, leaf, cap=limit + 1)
    total = counts.get(root, 0)
    if total == 0:
        raise ValueError(
            f"paths: {_name(leaf)} is not an input of the graph of {_name(root)}, "
            "so there is no chain-rule path between them"
        )
    if total > limit:
        exact = count_paths(root, leaf) if len(counts) <= _EXACT_COUNT_NODES else None
        how_many = f"{exact:,}" if exact is not None else f"more than {limit:,}"
        raise ValueError(
            f"paths: there are {how_many} chain-rule paths from {_name(leaf)} to {_name(root)}, "
            f"more than the limit of {limit:,}; explain the gradient node by node instead "
            "(explain(root, node) for the nodes next to the leaf, or leaf.grad after backward())"
        )

    found: list[Path] = []
    # Depth-first from the root towards the leaf, only into inputs that lead to the leaf. A
    # partial path is not copied at each step (that would cost the square of its length): each
    # stack entry is one edge taken, pointing back to the entry it was taken from, and a path
    # is read back along those pointers only when it reaches the leaf -- O(edges + the paths'
    # total length).
    steps: list[tuple[Value, int, float, int]] = [(root, -1, 1.0, -1)]  # node, back, local, slot
    stack = [0]
    while stack:
        at = stack.pop()
        node = steps[at][0]
        if node is leaf:
            nodes: list[Value] = []
            locs: list[float] = []
            slots: list[int] = []
            while True:
                step_node, back, local, slot = steps[at]
                nodes.append(step_node)
                if back < 0:  # the root
                    break
                locs.append(local)
                slots.append(slot)
                at = back
            # nodes run leaf ... root; the products are taken from the root down, the order
            # backward() accumulates in
            found.append(Path(tuple(nodes), tuple(locs), tuple(slots), _prod(reversed(locs))))
            continue
        branches = []
        for slot, (child, local) in enumerate(zip(node._prev, node._local)):
            if counts[child]:
                steps.append((child, at, local, slot))
                branches.append(len(steps) - 1)
        stack.extend(reversed(branches))  # reversed: the first input is explored first
    return found


# Past this many nodes the exact count of a graph's paths can have thousands of digits; the
# message then says "more than the limit" instead of computing it.
_EXACT_COUNT_NODES = 10_000


def _prod(values: Iterable[float]) -> float:
    out = 1.0
    for v in values:
        out *= v
    return out


def path_sum(found: list[Path]) -> float:
    """Σ of the path products: ∂root/∂leaf (``math.fsum`` so the order does not matter)."""
    return math.fsum(p.product for p in found)


def gradients(order: list[Value]) -> dict[Value, float]:
    """∂root/∂v for every v of ``order`` (a `topological_order`, root last), by the recurrence
    ``backward()`` runs, into a dict: no ``.grad`` is read or changed, so a worksheet or a frame
    can show the answers whether or not (and however often) backward has run."""
    grads = {v: 0.0 for v in order}
    grads[order[-1]] = 1.0
    for v in reversed(order):
        for child, local in zip(v._prev, v._local):
            grads[child] += local * grads[v]
    return grads
