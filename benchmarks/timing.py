"""Interleaved timing: every contender runs once per round, in turn, and we keep the median.

Interleaving matters on a shared machine: a burst of load from another process slows every
contender in that round alike, so the ratio between them stays meaningful even when the
absolute times wobble.

Each contender's turn starts with a full garbage collection, outside the timed region. Without
it, the cyclic garbage one contender leaves behind (every micrograd graph is a web of reference
cycles) would be collected, and paid for, during the next contender's turn. Within its turn a
contender pays for its own garbage, as in a real training loop. The collection between turns
favours micrograd a little (its last graph is freed at no cost to it), so our ratios are
conservative.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable


def interleaved(
    contenders: dict[str, Callable[[], object]],
    rounds: int,
    warmup: int = 1,
    min_round: float = 0.02,
) -> dict[str, float]:
    """Median wall-clock seconds of one call of each contender, over ``rounds`` rounds."""
    for _ in range(warmup):
        for fn in contenders.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    clock = time.perf_counter
    for _ in range(rounds):
        for name, fn in contenders.items():
            # Fast contenders run several times per round (about 20 ms in all), so that a
            # sub-millisecond step gets enough samples for a stable median.
            gc.collect()  # untimed: start from a clean heap (see the module docstring)
            spent = 0.0
            while spent < min_round:
                start = clock()
                fn()
                took = clock() - start
                samples[name].append(took)
                spent += took
    return {name: statistics.median(times) for name, times in samples.items()}


def once(fn: Callable[[], object]) -> float:
    """Seconds taken by a single call (for runs too long to repeat)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start
