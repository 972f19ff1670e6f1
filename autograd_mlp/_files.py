"""Files: atomic writes, shared by everything that saves a file (models, graphs, plots, GIFs),
and the one careful reader of a user's file (models, lessons, worksheets, answers).

A file is written to a temporary name in the same folder, flushed to disk, then renamed over
the target (``os.replace`` is atomic on POSIX and Windows): a reader never sees half a file,
and a failed write leaves the old file as it was.

A rename replaces whatever has the name, so the target is checked first, the way a careful
``open(path, "w")`` would treat it:

* only a regular file (or a new name) is written: a folder, FIFO, socket or device node is
  refused, where a rename would silently put a regular file in its place;
* a symlink is written *through*: the file it points to gets the new content and the link
  stays a link (as ``open`` does; replacing the link would leave the real file stale);
* the target's write permission is honoured: a file this process may not open for writing is
  refused, and so is a file with no write bit at all even for root (whom ``open`` would let
  through): a read-only model is read-only on purpose, as ``rm`` and editors also assume;
* the new file keeps the old one's mode (and, where the system allows, its owner).

Temporary files are named ``.<name>.autograd_mlp-<pid>-<random>.tmp``. SIGTERM and SIGHUP
during a write remove the temporary file before the process dies of the signal; SIGKILL cannot
be caught, so each save first removes the temporary files of its target left behind by
processes that no longer run.

A file a user names is read by `read_user_file`: only a regular file, opened without blocking
(a FIFO would otherwise wait for a writer for ever), at most a given number of bytes of it.
`parse_json` turns its bytes into JSON, refusing a key given twice (JSON would keep the last
silently), and every problem -- not UTF-8, invalid JSON, nesting too deep for Python, an integer
too long to read -- is one ValueError line that starts with the file's name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from ._text import quote, shorten

__all__ = [
    "write_atomic",
    "check_folder",
    "check_target",
    "TEMP_TAG",
    "read_user_file",
    "parse_json",
    "no_duplicate_keys",
    "shown_path",
]

TEMP_TAG = "autograd_mlp"  # in every temporary file's name, so that stale ones can be found
_CAUGHT_SIGNALS = tuple(getattr(signal, s) for s in ("SIGTERM", "SIGHUP") if hasattr(signal, s))


def write_atomic(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file in the same folder + os.replace.

    The file ends up with the permissions ``open(target, "wb")`` would give it: those of the
    file it replaces, or for a new file 0o666 minus the umask (the temporary file is created
    with mode 0o666, and the system applies the umask and any default ACL itself). A symlink
    is followed: the file it names is replaced. A target that is not a regular file, or that
    may not be written, is refused before anything is written. A failure raises an OSError of
    the same type whose message is one line naming ``target`` and why.
    """
    shown = Path(target)
    real = check_target(shown)
    try:
        old = os.stat(real) if os.path.lexists(real) else None
        _remove_stale_temporaries(real)
    except OSError as exc:
        raise _write_error(exc, shown) from None
    with _removed_on_termination() as temporaries:
        try:
            fd, tmp = _create_temporary(real.parent, real.name)
        except OSError as exc:
            raise _write_error(exc, shown) from None
        temporaries.append(tmp)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())  # the data is on disk before the name points at it
            if old is not None:
                os.chmod(tmp, stat.S_IMODE(old.st_mode))
                _keep_owner(tmp, old)
            os.replace(tmp, real)
            temporaries.clear()
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            temporaries.clear()
            if isinstance(exc, OSError):
                raise _write_error(exc, shown) from None
            raise


def check_target(target: str | os.PathLike[str]) -> Path:
    """Check now that ``target`` can be written by `write_atomic`; return the path it writes.

    That is the target itself, or for a symlink the file it points to. Raises a one-line
    OSError when the folder is missing, the target is not a regular file, or it may not be
    written (see the module docstring). Nothing is created.
    """
    shown = Path(target)
    if str(target) == "":
        raise _refused(FileNotFoundError, errno.ENOENT, Path("''"), "the path is empty")
    if "\0" in str(target):
        raise ValueError(
            f"cannot write {shorten(repr(str(target)), 200)}: a file name cannot contain a NUL "
            f"character"
        )
    if shown.name in ("", ".", ".."):
        raise _refused(IsADirectoryError, errno.EISDIR, shown, "it is a folder")
    try:
        real = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
        check_folder(real)
        info = os.stat(real) if os.path.lexists(real) else None
    except OSError as exc:
        raise _write_error(exc, shown) from None
    if info is None:
        return real
    if stat.S_ISDIR(info.st_mode):
        raise _refused(IsADirectoryError, errno.EISDIR, shown, "it is a folder")
    if not stat.S_ISREG(info.st_mode):
        reason = f"it is {file_kind(info.st_mode)}, not a regular file"
        raise _refused(OSError, errno.EINVAL, shown, reason)
    if not os.access(real, os.W_OK):
        raise _refused(PermissionError, errno.EACCES, shown, "no permission to write the file")
    if stat.S_IMODE(info.st_mode) & 0o222 == 0:
        reason = "the file is read-only (it has no write permission bit)"
        raise _refused(PermissionError, errno.EACCES, shown, reason)
    return real


def _keep_owner(tmp: Path, old: os.stat_result) -> None:
    """Give the new file the old one's owner, as writing in place would (only root can)."""
    if not hasattr(os, "chown") or (old.st_uid, old.st_gid) == (os.getuid(), os.getgid()):
        return
    with contextlib.suppress(OSError):
        os.chown(tmp, old.st_uid, old.st_gid)


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for messages: 'a folder', 'a FIFO'..."""
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "a special file"


def _create_temporary(folder: Path, name: str) -> tuple[int, Path]:
    """A new file ``.<name>.autograd_mlp-<pid>-<random>.tmp`` in ``folder``, opened for writing,
    mode 0o666 before the umask (tempfile.mkstemp would make it 0o600, private to its owner)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = folder / f".{name}.{TEMP_TAG}-{os.getpid()}-{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name next to {folder / name}")


def _remove_stale_temporaries(real: Path) -> None:
    """Delete ``real``'s temporary files whose writer no longer runs (killed by SIGKILL).

    A writer that still runs (another process saving the same file right now) is left alone.
    """
    prefix = f".{real.name}.{TEMP_TAG}-"
    try:
        entries = list(os.scandir(real.parent))
    except OSError:
        return  # an unreadable folder: creating the temporary file will say what is wrong
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        pid_text = entry.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and not _running(int(pid_text)):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of ours may be saving the same file right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # it exists (someone else's), or we cannot tell: keep its file
    return True


@contextlib.contextmanager
def _removed_on_termination() -> Iterator[list[Path]]:
    """While the block runs, SIGTERM/SIGHUP first delete the paths in the yielded list, then
    kill the process with the same signal, as it would have died without us.

    Only where Python may set handlers (the main thread) and only over the default action: a
    program's own handler is left alone.
    """
    temporaries: list[Path] = []
    if threading.current_thread() is not threading.main_thread():
        yield temporaries
        return
    previous: dict[int, object] = {}

    def terminate(signum: int, frame: FrameType | None) -> None:
        for path in temporaries:
            with contextlib.suppress(OSError):
                os.unlink(path)
        for sig in previous:
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), signum)  # the default action now: the process ends here

    for sig in _CAUGHT_SIGNALS:
        try:
            if signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, terminate)
                previous[sig] = signal.SIG_DFL
        except (ValueError, OSError):  # not settable here
            continue
    try:
        yield temporaries
    finally:
        for sig in previous:
            with contextlib.suppress(ValueError, OSError):
                if signal.getsignal(sig) == terminate:
                    signal.signal(sig, signal.SIG_DFL)


def check_folder(target: Path) -> None:
    """Raise a one-line OSError now if ``target``'s folder is missing or not a folder."""
    folder = target.parent
    if not folder.is_dir():
        if folder.exists():
            raise _write_error(NotADirectoryError(errno.ENOTDIR, "not a folder"), target)
        raise _write_error(FileNotFoundError(errno.ENOENT, "no such folder"), target)


def _refused(kind: type[OSError], code: int, target: Path, reason: str) -> OSError:
    error = kind(f"cannot write {shorten(str(target), 200)}: {reason}")
    error.errno = code
    return error


def _write_error(exc: OSError, target: Path) -> OSError:
    """``exc`` retold as one line about ``target`` (not about the temporary file's name)."""
    if str(exc).startswith("cannot write "):
        return exc  # already told by check_folder
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
    return _refused(type(exc), exc.errno or 0, target, reason)


# ------------------------------------------------------------------------------------------------
# Reading a user's file
# ------------------------------------------------------------------------------------------------


def shown_path(path: str | os.PathLike[str], limit: int = 80) -> str:
    """A path for a message: whole when short, else its end (the file's own name) after "…"."""
    text = os.fspath(path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def read_user_file(
    path: str | os.PathLike[str], where: str, limit: int, *, kind: str = "", too_big: str = ""
) -> bytes:
    """The bytes of the file at ``path``: only a regular file, and at most ``limit`` bytes.

    It is opened without blocking (opening a FIFO for reading otherwise waits for a writer for
    ever) and checked with fstat on the open file, so what is checked is what is read. A
    folder, FIFO, socket or device is a ValueError ("``where``: [not ``kind``: ]it is a FIFO
    (named pipe), not a regular file"), and so is a file of more than ``limit`` bytes, whether
    its size says so (``too_big`` is added to that message) or it grows while read. A missing
    or unreadable file raises its usual OSError; callers say which file they were reading.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            prefix = f"not {kind}: " if kind else ""
            raise ValueError(
                f"{where}: {prefix}it is {file_kind(info.st_mode)}, not a regular file"
            )
        if info.st_size > limit:
            raise ValueError(
                f"{where}: the file is {info.st_size:,} bytes, more than the limit of "
                f"{limit:,}{too_big}"
            )
        chunks = []
        left = limit + 1  # a file that grows past the limit while read is refused
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    if left <= 0:
        raise ValueError(f"{where}: the file is more than {limit:,} bytes (the limit)")
    return b"".join(chunks)


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (``json.loads`` would keep the last silently:
    an answers file ``{"1": 1.002, "1": 5}`` would be marked as 5)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {quote(key)} appears twice in one object")
            seen.add(key)
    return data


def parse_json(raw: bytes | str, where: str) -> object:
    """The JSON in ``raw`` (a user's file as UTF-8 bytes, or its text), every problem one
    ValueError line starting with ``where``: not UTF-8, not valid JSON (with its line and
    column), nested deeper than Python's parser goes, a key given twice, an integer too long to
    read. NaN and Infinity are read as floats: the caller's checks name the field holding one."""
    if isinstance(raw, str):
        text = raw
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            reason = f"{exc.reason} at byte {exc.start}"
            raise ValueError(f"{where}: not UTF-8 text ({reason})") from None
    try:
        return json.loads(text, object_pairs_hook=no_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{where}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise ValueError(
            f"{where}: lists or objects nested too deeply to read (a lesson, sheet or answers "
            "file is at most a few levels deep)"
        ) from None
    except ValueError as exc:  # a key given twice; an integer of more than 4,300 digits
        raise ValueError(f"{where}: {shorten(str(exc) or type(exc).__name__, 200)}") from None
