"""The per-thread modes of the engine: `no_grad` (compute without recording a graph),
`detect_anomaly` (raise at the first inf or nan), and `enable_grad` (record again inside a
`no_grad` block, which is how derivative graphs get built there).

Each thread has its own modes, as in PyTorch: a thread that enters ``no_grad()`` does not stop
another thread from recording, and a new thread starts recording with anomaly detection off.

The fast flag `plain`: reading a thread's modes costs a thread-local lookup, which would be a
noticeable share of an operation as cheap as ``a * b``. So every operation first reads the
module attribute ``modes.plain``, which is True while no thread anywhere is inside a mode block;
only when it is False does an operation look up its own thread's modes (``modes.current``).
Read it as ``modes.plain``, never ``from .modes import plain``: that would copy the value of
the moment, and the copy would not change when a block opens.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

__all__ = ["AnomalyError", "no_grad", "detect_anomaly", "enable_grad", "is_grad_enabled"]


class AnomalyError(ValueError):
    """Raised inside `detect_anomaly()` at the first non-finite value or gradient."""


class _Modes(threading.local):
    """One thread's modes. A new thread starts with recording on and anomaly detection off,
    whatever the thread that started it is doing (as in PyTorch)."""

    grad_enabled = True
    anomaly = False


current = _Modes()  # this thread's modes (a thread-local object: each thread sees its own)
plain = True  # no mode block open in any thread (see the module docstring)
_blocks = 0  # mode blocks open in all threads; plain is True exactly when it is 0
_blocks_lock = threading.Lock()


@contextmanager
def _block(name: str, value: bool) -> Iterator[None]:
    """Set this thread's mode ``name`` to ``value`` for the block, and restore it after."""
    global _blocks, plain
    previous = getattr(current, name)
    with _blocks_lock:  # first, so that no operation of this thread takes the plain path
        _blocks += 1
        plain = False
    setattr(current, name, value)
    try:
        yield
    finally:
        setattr(current, name, previous)
        with _blocks_lock:
            _blocks -= 1
            plain = _blocks == 0


def is_grad_enabled() -> bool:
    """True unless this thread is inside `no_grad()` (and not inside `enable_grad()` in it)."""
    return plain or current.grad_enabled


def no_grad() -> AbstractContextManager[None]:
    """Operations inside this block compute values but record no graph (``_prev`` is empty).

    Use it for evaluation and for parameter updates. The mode is per thread, as in PyTorch:
    other threads keep recording while one is inside the block.
    """
    return _block("grad_enabled", False)


def enable_grad() -> AbstractContextManager[None]:
    """Record the graph again inside a `no_grad()` block, for this thread (PyTorch's
    ``torch.enable_grad``). ``grad(..., create_graph=True)``, `hessian` and `hvp` use it:
    a derivative graph is built whatever the mode, as in PyTorch."""
    return _block("grad_enabled", True)


def detect_anomaly() -> AbstractContextManager[None]:
    """Raise `AnomalyError` at the first operation whose result is inf or nan, and in
    ``backward`` at the first non-finite gradient. The message names the operation, its input
    values and their labels. Slower than normal mode: use it for debugging. Per thread, as
    `no_grad`."""
    return _block("anomaly", True)
