"""File names checked before anything is rendered: the targets of ``save`` and ``render()``.

A render may take seconds; a file name the write would fail on afterwards (one with a NUL
character, one that is a folder, one in a folder we may not write) is refused first, with one
line that names it.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

__all__ = ["check_target", "quoted", "same_file"]


def quoted(path: str | os.PathLike[str]) -> str:
    """A file name for an error message: ``repr``, cut after 200 characters."""
    text = os.fspath(path)
    return repr(text if len(text) <= 200 else text[:200] + "…")


def check_target(target: Path) -> None:
    """Refuse, before anything is rendered or written, a file name the write would fail on
    later: one with a NUL character, one that is a folder, one in a folder we may not write."""
    if "\0" in os.fspath(target):
        raise ValueError(
            f"cannot write {quoted(target)}: a file name cannot contain a NUL character"
        )
    try:
        is_folder = target.is_dir()
        folder = target.parent
        access = {"effective_ids": True} if os.access in os.supports_effective_ids else {}
        writable = not folder.is_dir() or os.access(folder, os.W_OK | os.X_OK, **access)
    except OSError as exc:  # a name too long for the system, a loop of symlinks, ...
        message = f"cannot write {quoted(target)}: {exc.strerror or type(exc).__name__}"
        raise _os_error(type(exc), exc.errno or 0, message) from None
    if is_folder:
        raise _os_error(IsADirectoryError, errno.EISDIR, f"cannot write {target}: it is a folder")
    if not writable:
        message = f"cannot write {target}: no permission to write in {folder}"
        raise _os_error(PermissionError, errno.EACCES, message)


def _os_error(kind: type[OSError], code: int, message: str) -> OSError:
    """``kind(message)`` with ``errno`` set: one line, as autograd_mlp._files words its errors
    (``OSError(code, message)`` would print as "[Errno 13] ...")."""
    error = kind(message)
    error.errno = code
    return error


def same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file (the same path, a hard link, another case)."""
    if a.resolve() == b.resolve():
        return True
    with contextlib.suppress(OSError):
        return a.exists() and b.exists() and os.path.samefile(a, b)
    return False
