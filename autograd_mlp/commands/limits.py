"""How big a run may be: estimates made before the work starts, and refusals that say what to do.

A command refuses what it cannot finish in reasonable time or memory *before* building it, with
one line that gives the size, the limit and what to change. A refusal of this kind is a usage
error (exit 2): the memory and time of the training in `train` and `demo`, estimated from the
run's sizes (`estimate_training`); ``--no-size-limit`` runs it anyway. The pictures of a lesson
(`check_lesson_drawable`): its backward pass, one slide or frame per step, and for its page the
number of Values; no option raises these, so the message says to use a smaller lesson. An
expression for a worksheet or a practice page (`check_graph_size`): the Values drawn, counted
before the sheet is built (choosing its blanks takes minutes for thousands of Values).

The costs per sample and parameter were measured on this project's 2-CPU machine
(resource.getrusage, perf_counter; MLP(2, [h, h, 1]) on moons) and rounded up: eager, one
step's graph holds about 70 bytes per (sample in the batch × parameter) and takes 1.5 µs for
it; fast, the traced graph holds 2.5 KB per parameter and the replay 20 bytes and 0.1 µs per
(sample × parameter); a generated sample, 300 bytes.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .._text import count
from .base import UsageError

if TYPE_CHECKING:
    from ..engine import Value
    from ..teach.lesson import Lesson

__all__ = [
    "MAX_TRAIN_BYTES",
    "MAX_TRAIN_SECONDS",
    "add_size_limit_option",
    "estimate_training",
    "check_training",
    "size_text",
    "duration_text",
    "check_lesson_drawable",
    "check_graph_size",
]

MAX_TRAIN_BYTES = 2 * 10**9
MAX_TRAIN_SECONDS = 3600.0
_EAGER_BYTES, _EAGER_SECONDS = 70, 1.5e-6
_FAST_BYTES_PER_PARAM, _FAST_BYTES, _FAST_SECONDS = 2500, 20, 1e-7
_SAMPLE_BYTES = 300


def add_size_limit_option(p: argparse.ArgumentParser) -> None:
    """Give a command ``--no-size-limit``: run even when the estimate exceeds the limits."""
    p.add_argument(
        "--no-size-limit",
        action="store_true",
        help=f"run even when the estimate exceeds the limits "
        f"(about {size_text(MAX_TRAIN_BYTES)} of memory and {duration_text(MAX_TRAIN_SECONDS)})",
    )


def estimate_training(
    samples: int, batch: int, params: int, steps: int, fast: bool
) -> tuple[int, float]:
    """(bytes of memory, seconds) that a training run is expected to need, roughly.

    Exact in integers, so that sizes of thousands of digits give a huge estimate, not an
    OverflowError; the seconds are a float, infinite past what a float holds.
    """
    work = batch * params  # (sample × parameter) pairs in one step
    if fast:
        memory = _FAST_BYTES_PER_PARAM * params + _FAST_BYTES * work
        seconds = _seconds(work * steps, _FAST_SECONDS)
    else:
        memory = _EAGER_BYTES * work
        seconds = _seconds(work * steps, _EAGER_SECONDS)
    return memory + _SAMPLE_BYTES * samples, seconds


def _seconds(count: int, each: float) -> float:
    try:
        return count * each
    except OverflowError:  # an int past the largest float
        return float("inf")


def check_training(
    command: str,
    *,
    samples: int,
    batch: int,
    params: int,
    steps: int,
    fast: bool,
    limits: tuple[int, float],
    what: str,
    advice: str,
) -> None:
    """Refuse a run whose estimate exceeds ``limits`` (bytes, seconds): a usage error that says
    the estimate, ``what`` it is (the sizes, in the command's words), the limits and
    ``advice`` (which options to change)."""
    memory, seconds = estimate_training(samples, batch, params, steps, fast)
    max_bytes, max_seconds = limits
    if memory <= max_bytes and seconds <= max_seconds:
        return
    raise UsageError(
        f"{command}: this run would need about {size_text(memory)} of memory and "
        f"{duration_text(seconds)} ({what}); the limits are {size_text(max_bytes)} and "
        f"{duration_text(max_seconds)}: {advice}"
    )


def size_text(n: float) -> str:
    """Bytes as ``2 GB``, ``1.5 MB``, ``300 kB`` (three significant figures); past a petabyte
    as a count of bytes, ``3.99e+4002 bytes`` (an int too large for a float included)."""
    if n >= 10**15:
        return f"{count(int(n))} bytes"
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n / 1e3:.3g} kB"


def duration_text(seconds: float) -> str:
    """Seconds as ``1 hour``, ``2.5 minutes``, ``3.1e+12 days``."""
    if seconds == float("inf"):  # more than a float holds: 1.8e308 s
        return "more than 10³⁰⁰ years"
    for unit, scale in (("day", 86400.0), ("hour", 3600.0), ("minute", 60.0), ("second", 1.0)):
        if seconds >= scale or unit == "second":
            amount = f"{seconds / scale:.3g}"
            return f"{amount} {unit}{'' if amount == '1' else 's'}"
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------
# Pictures
# ------------------------------------------------------------------------------------------------


def check_lesson_drawable(command: str, lesson: Lesson, *, page: bool = False) -> None:
    """Refuse a lesson too big for its pictures, before anything is built from it.

    Every picture of a lesson is drawn on its one layout, which holds the texts of every
    backward step (`autograd_mlp.teach.frames.MAX_FRAMES` frames at most: the seed and one
    per operation); its page (``page=True``) also shows every Value, at most
    `autograd_mlp.viz.dot.DEFAULT_MAX_NODES`. No command has an option to raise these limits,
    so the message says what to change: the lesson.
    """
    from ..engine import topological_order
    from ..teach.frames import MAX_FRAMES
    from ..viz.dot import DEFAULT_MAX_NODES

    _, _, error = lesson.forward()
    order = topological_order(error)
    steps = sum(1 for v in order if v._prev)
    network = f"the lesson's {'–'.join(str(n) for n in lesson.sizes)} network"
    if steps + 1 > MAX_FRAMES:
        raise UsageError(
            f"{command}: {network} is too big to draw: its backward pass has {steps:,} steps, "
            f"and a picture of a lesson shows at most {MAX_FRAMES - 1}; use a lesson with "
            "fewer layers or neurons (explain prints any lesson)"
        )
    if page and len(order) > DEFAULT_MAX_NODES:
        instead = ", or draw it as .svg, .png or .pdf" if command == "lesson graph" else ""
        raise UsageError(
            f"{command}: {network} is too big for its page: its graph has {len(order):,} "
            f"Values, and a page shows at most {DEFAULT_MAX_NODES}; use a lesson with fewer "
            f"layers or neurons{instead}"
        )


def check_graph_size(command: str, root: Value, what: str, *, most: int | None = None) -> int:
    """Refuse an expression whose graph has more Values than ``what`` (e.g. "a worksheet")
    draws (``most``, default `autograd_mlp.viz.dot.DEFAULT_MAX_NODES`), counted before anything
    slow is built; return the count. Linear in the graph's size."""
    from ..engine import topological_order
    from ..viz.dot import DEFAULT_MAX_NODES

    limit = DEFAULT_MAX_NODES if most is None else most
    count = len(topological_order(root))
    if count > limit:
        raise UsageError(
            f"{command}: the expression's graph has {count:,} Values, and {what} shows at most "
            f"{limit}: use a smaller expression"
        )
    return count
