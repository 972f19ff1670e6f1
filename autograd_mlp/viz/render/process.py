"""Running Graphviz in a child process that a timeout can stop, and reading what it says.

Why a child. Graphviz's layout is C code that cannot be interrupted from Python, and even a
10 kB DOT text (a complete graph on 50 nodes) keeps it busy for minutes. So every render with a
time limit runs in a child -- ``dot`` itself, or a small Python child that imports pygraphviz --
in a process group of its own: when the limit passes, the whole group is killed (a ``dot`` that
is a wrapper script cannot leave its own children running) and `RenderTimeout` is raised. The
child costs about 0.1 s.

What the child writes to stderr is kept in a temporary file and quoted only in part -- its first
and last lines, each shortened, and how much was cut -- because a misbehaving renderer can write
megabytes there, and a 50 MB exception message is a second failure.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from .errors import RenderTimeout

__all__ = ["run_child", "captured_fd2", "read_messages", "useful_stderr", "exit_text"]


def run_child(cmd: list[str], source: str, timeout: float | None, name: str) -> tuple[bytes, str]:
    """Run ``cmd`` with ``source`` on its stdin; return (its stdout, its useful stderr lines).

    ``timeout`` None or ``math.inf`` waits for ever. A child that exits with a failure or writes
    nothing is a RuntimeError that quotes its messages; ``name`` names the renderer in errors.
    """
    data = source.encode("utf-8")
    wait = None if timeout is None or math.isinf(timeout) else timeout
    with tempfile.TemporaryFile() as errors:
        try:
            child = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                **_NEW_GROUP,
            )
        except OSError as exc:
            raise RuntimeError(
                f"Graphviz ({name}) could not be started: {exc.strerror or exc}"
            ) from None
        try:
            out: bytes = child.communicate(data, timeout=wait)[0]
        except subprocess.TimeoutExpired:
            _stop(child)
            raise RenderTimeout(
                f"Graphviz ({name}) took more than {timeout:g} s and was stopped; draw a smaller "
                f"graph (draw_graph collapses neurons above max_nodes) or pass a larger timeout"
            ) from None
        except BaseException:  # Ctrl-C, or a broken pipe from a child that died early
            _stop(child)
            raise
        message = read_messages(errors)
    if child.returncode != 0 or not out:
        raise RuntimeError(f"Graphviz ({name}) failed: {message or exit_text(child.returncode)}")
    return out, message


def exit_text(code: int) -> str:
    """ "exit 3", or for a child killed by a signal "killed by SIGSEGV" (a crash, not a code)."""
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit {code}" if code else "no output"


# A new session (POSIX) or process group (Windows) for the renderer, so it can be stopped whole.
_NEW_GROUP: dict[str, Any] = (
    {"start_new_session": True}
    if os.name == "posix"
    else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
)


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Kill ``child``'s whole process group (it leads it: start_new_session), then reap it.
    The group is killed before the child is reaped, so its id cannot have been reused."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
    else:
        child.kill()
    try:
        child.communicate(timeout=5)
    except (subprocess.TimeoutExpired, OSError, ValueError):
        # a process outside the group still holds the pipe: stop waiting for it
        for pipe in (child.stdin, child.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


# Kept of the renderer's messages: the first and the last lines (the first error and the final
# verdict), each shortened, and a count of what was cut.
_READ_EACH_END = 16_384  # bytes of stderr read from its start and from its end
_KEEP_LINES = 3  # lines kept from each end
_LINE_CHARS = 300


def read_messages(stream: IO[bytes]) -> str:
    """The useful lines of the renderer's stderr (``stream``, a file), bounded, on one line."""
    size = stream.seek(0, os.SEEK_END)
    stream.seek(0)
    if size <= 2 * _READ_EACH_END:
        return useful_stderr(stream.read().decode("utf-8", "replace"))
    head = stream.read(_READ_EACH_END).decode("utf-8", "replace")
    stream.seek(size - _READ_EACH_END)
    tail = stream.read().decode("utf-8", "replace")
    # the lines cut in two at either edge of the unread middle are dropped
    cut = size - 2 * _READ_EACH_END
    return useful_stderr(head.rpartition("\n")[0], tail.partition("\n")[2], cut_bytes=cut)


def useful_stderr(text: str, tail: str = "", cut_bytes: int = 0) -> str:
    """Graphviz's messages minus fontconfig's noise about the system's newer config files, on
    one line: at most the first and last few lines, each at most a few hundred characters."""

    def useful(part: str) -> list[str]:
        return [ln.strip() for ln in part.splitlines() if ln.strip() and "Fontconfig" not in ln]

    first, last = useful(text), useful(tail)
    lines = first + last
    cut_lines = 0
    if len(lines) > 2 * _KEEP_LINES:
        cut_lines = len(lines) - 2 * _KEEP_LINES
        lines = lines[:_KEEP_LINES] + lines[-_KEEP_LINES:]
    if cut_lines or cut_bytes:
        what = []
        if cut_lines:
            what.append(f"{cut_lines:,} line{'s' if cut_lines != 1 else ''}")
        if cut_bytes:
            what.append(f"{cut_bytes:,} bytes")
        middle = f"[… {' and '.join(what)} of renderer messages cut …]"
        lines = [*lines[:_KEEP_LINES], middle, *lines[_KEEP_LINES:]]
    return " ".join(ln if len(ln) <= _LINE_CHARS else ln[:_LINE_CHARS] + "…" for ln in lines)


@contextlib.contextmanager
def captured_fd2() -> Iterator[list[str]]:
    """Collect what C code writes to file descriptor 2 (Graphviz's warnings go there directly,
    not through sys.stderr), so that it can be filtered and reported as one readable line
    (the list gets that line when the block ends)."""
    out: list[str] = []
    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (some embedded interpreters): nothing to capture
        yield out
        return
    with tempfile.TemporaryFile() as tmp:
        try:
            os.dup2(tmp.fileno(), 2)
            yield out
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            out.append(read_messages(tmp))
