"""Whether to draw a progress bar: in a terminal or a notebook yes, into a redirected log no.

A bar redraws itself with carriage returns; in a log file (stderr redirected) that is a line of
noise per refresh, so there it is left out. A notebook's output is no TTY either, but shows the
bar as a widget, so a running Jupyter kernel counts as a screen. Having *imported* ipykernel is
not enough (a test suite that runs notebooks imports it): the IPython shell must be a kernel's.
"""

from __future__ import annotations

import sys
from typing import TextIO


def in_notebook() -> bool:
    """True when this code runs inside a Jupyter kernel (an IPython ZMQ shell)."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    return type(shell).__name__ == "ZMQInteractiveShell"


def shows_bars(stream: TextIO | None = None) -> bool:
    """True when a progress bar written to ``stream`` (default stderr) is seen as a bar."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        tty = bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):  # a closed or detached stream
        tty = False
    return tty or in_notebook()
