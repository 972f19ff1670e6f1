"""Atomic file writes, shared by everything that saves a file (models, graphs, plots, GIFs).

A file is written to a temporary name in the same folder, flushed to disk, then renamed over
the target (``os.replace`` is atomic on POSIX and Windows): a reader never sees half a file,
and a failed write leaves the old file as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

__all__ = ["write_atomic", "check_folder"]


def write_atomic(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder + os.replace.

    The file ends up with the permissions ``open(target, "wb")`` would give it: those of the
    file it replaces, or for a new file 0o666 minus the umask (the temporary file is created
    with mode 0o666, and the system applies the umask and any default ACL itself). A failure
    raises an OSError of the same type whose message is one line naming ``target`` and why.
    """
    target = Path(target)
    folder = target.parent  # Path("g.svg").parent is Path(".")
    try:
        keep_mode = stat.S_IMODE(os.stat(target).st_mode) if target.is_file() else None
        fd, tmp = _create_temporary(folder, target.name)
    except OSError as exc:
        raise _write_error(exc, target) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the name points at it
        if keep_mode is not None:
            os.chmod(tmp, keep_mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise _write_error(exc, target) from None
        raise


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """A new file ``.<name>.<random>.tmp`` in ``folder``, opened for writing, mode 0o666 before
    the umask (tempfile.mkstemp would make it 0o600, private to its owner)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name next to {folder / name}")


def check_folder(target: Path) -> None:
    """Raise a one-line OSError now if ``target``'s folder is missing or not a folder."""
    folder = target.parent
    if not folder.is_dir():
        if folder.exists():
            raise _write_error(NotADirectoryError(errno.ENOTDIR, "not a folder"), target)
        raise _write_error(FileNotFoundError(errno.ENOENT, "no such folder"), target)


def _write_error(exc: OSError, target: Path) -> OSError:
    """``exc`` retold as one line about ``target`` (not about the temporary file's name)."""
    folder = target.parent
    if isinstance(exc, FileNotFoundError):
        reason = f"the folder {folder} does not exist"
    elif isinstance(exc, NotADirectoryError):
        reason = f"{folder} is not a folder"
    elif isinstance(exc, IsADirectoryError):
        reason = "it is a folder"
    elif isinstance(exc, PermissionError):
        reason = f"no permission to write in {folder}"
    else:
        reason = exc.strerror or str(exc) or type(exc).__name__
    error = type(exc)(f"cannot write {target}: {reason}")
    error.errno = exc.errno
    return error
