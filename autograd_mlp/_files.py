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
* the new file keeps the old one's mode (and, where the system allows, its owner);
* in a sticky folder (mode +t, like /tmp) only the owner of a file (or of the folder, or root)
  may replace it by a rename; another user's file that this process may open for writing is
  rewritten in place instead, as ``open(path, "w")`` would -- the one case where a reader could
  see the file half-written.

A *set* of files that belong together (a worksheet, its answer key and its sheet; a folder of
slides) is written all or nothing: `write_together` and `write_into` let the writers write into
a staging folder first, then put every file in place (renames, undone if one fails), so that a
failure leaves every old file as it was. `write_into` also removes an earlier run's files that
the new set does not have (slides 12 to 63 of an earlier, longer run).

Temporary files are named ``.<name>.autograd_mlp-<pid>-<random>.tmp``, staging folders
``.autograd_mlp-<pid>-<random>.staging``. SIGTERM and SIGHUP during a write remove them before
the process dies of the signal; SIGKILL cannot be caught, so each save first removes the
temporary files of its target (and the staging folders beside it) left behind by processes that
no longer run.

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
import shutil
import signal
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from ._text import quote, shorten

__all__ = [
    "write_atomic",
    "write_together",
    "write_into",
    "check_folder",
    "check_target",
    "file_kind",
    "TEMP_TAG",
    "read_user_file",
    "read_user_text",
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
        if old is not None and not _may_rename_over(real, old):
            _rewrite_in_place(real, data)
            return
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


# ------------------------------------------------------------------------------------------------
# Sets of files: all or nothing
# ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def write_together(targets: Sequence[str | os.PathLike[str]]) -> Iterator[list[Path]]:
    """Write the files ``targets`` all or nothing::

        with write_together([sheet, key]) as (sheet_tmp, key_tmp):
            write_pdf(..., sheet_tmp)          # any writer that takes a path
            write_atomic(key_tmp, b"...")

    Every target is checked first, as `write_atomic` checks one (a read-only or special file,
    a missing folder: a one-line OSError before anything is written). The block writes each
    file at the path yielded for it: the target's own name in a staging folder beside it.
    When the block ends, every file is put in place of its target; if the block raises, or one
    file cannot be put in place, no target changes (those already replaced are put back).
    """
    shown = [Path(t) for t in targets]
    reals = [check_target(t) for t in shown]
    for k, real in enumerate(reals):
        if real in reals[:k]:
            raise ValueError(f"cannot write {shorten(str(shown[k]), 200)} twice in one set")
    with _staging({real.parent for real in reals}) as stages:
        staged = [stages[real.parent] / real.name for real in reals]
        yield staged
        for path, target in zip(staged, shown):
            if not path.is_file():  # a writer that wrote elsewhere: a bug, not a user's error
                raise FileNotFoundError(f"cannot write {target}: nothing was written for it")
        _commit(list(zip(staged, reals, shown)), [])


@contextlib.contextmanager
def write_into(
    folder: str | os.PathLike[str], *, stale: Callable[[str], bool] | None = None
) -> Iterator[Path]:
    """Write files into the existing ``folder`` all or nothing, their names chosen by the
    writers: the block writes them into the staging folder it is given; when it ends, each
    replaces its namesake in ``folder`` (checked as `write_atomic` checks a target), and every
    other regular file of ``folder`` whose name ``stale`` accepts is removed (an earlier run's
    files that the new set does not have). As with `write_together`, a failure changes nothing.
    """
    where = Path(folder)
    if not where.is_dir():
        raise _write_error(NotADirectoryError(errno.ENOTDIR, "not a folder"), where / "x")
    with _staging({where}) as stages:
        stage = stages[where]
        yield stage
        names = sorted(entry.name for entry in os.scandir(stage) if entry.is_file())
        entries = [(stage / name, check_target(where / name), where / name) for name in names]
        old = []
        if stale is not None:
            for entry in os.scandir(where):
                if entry.name not in names and stale(entry.name) and entry.is_file():
                    old.append(Path(entry.path))
        _commit(entries, old)


@contextlib.contextmanager
def _staging(folders: set[Path]) -> Iterator[dict[Path, Path]]:
    """A new staging folder in each of ``folders``, removed with all it holds when the block
    ends (also on SIGTERM/SIGHUP)."""
    stages: dict[Path, Path] = {}
    with _removed_on_termination() as temporaries:
        try:
            for folder in sorted(folders):
                _remove_stale_stages(folder)
                try:
                    stages[folder] = _create_stage(folder)
                except OSError as exc:
                    raise _write_error(exc, folder / "x") from None
                temporaries.append(stages[folder])
            yield stages
        finally:
            for stage in stages.values():
                shutil.rmtree(stage, ignore_errors=True)
            temporaries.clear()


def _create_stage(folder: Path) -> Path:
    for _ in range(100):
        stage = folder / f".{TEMP_TAG}-{os.getpid()}-{secrets.token_hex(4)}.staging"
        try:
            os.mkdir(stage, 0o700)  # private while it is written; its files get their own modes
            return stage
        except FileExistsError:
            continue
    raise FileExistsError(f"no free staging folder name in {folder}")


def _remove_stale_stages(folder: Path) -> None:
    """Delete the staging folders in ``folder`` whose writer no longer runs (SIGKILL)."""
    prefix = f".{TEMP_TAG}-"
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not (entry.name.startswith(prefix) and entry.name.endswith(".staging")):
                continue
            pid_text = entry.name[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and not _running(int(pid_text)):
                shutil.rmtree(entry.path, ignore_errors=True)


def _commit(entries: list[tuple[Path, Path, Path]], remove: list[Path]) -> None:
    """Put each staged file in place of its target and remove the files ``remove``, all or
    nothing. ``entries`` are (staged file, real target, target as named). An old target is
    first linked to a backup beside it, so that a failure part-way can put back what was
    already replaced; the backups are deleted at the end.
    """
    done: list[tuple[Path, Path | None, bytes | None]] = []  # (target, backup, old bytes)
    leftovers: list[Path] = []  # backups and copies, deleted whatever happens
    try:
        for staged, real, shown in entries:
            try:
                _put_in_place(staged, real, done, leftovers)
            except OSError as exc:
                raise _write_error(exc, shown) from None
        for path in remove:
            try:
                done.append((path, _backup(path, leftovers), None))
                os.unlink(path)
            except OSError as exc:
                raise _write_error(exc, path) from None
    except BaseException:
        for target, saved, old_bytes in reversed(done):
            with contextlib.suppress(OSError):
                if old_bytes is not None:
                    _rewrite_in_place(target, old_bytes)
                elif saved is not None:
                    os.replace(saved, target)
                else:
                    os.unlink(target)  # it was new
        raise
    finally:
        for path in leftovers:
            with contextlib.suppress(OSError):
                os.unlink(path)


def _put_in_place(
    staged: Path,
    real: Path,
    done: list[tuple[Path, Path | None, bytes | None]],
    leftovers: list[Path],
) -> None:
    """One step of `_commit`: ``staged`` becomes ``real``; what undoes it goes into ``done``."""
    if staged.parent.parent != real.parent:  # a symlink to a file elsewhere: copy it beside
        fd, tmp = _create_temporary(real.parent, real.name)
        leftovers.append(tmp)
        with os.fdopen(fd, "wb") as f:
            f.write(staged.read_bytes())
            f.flush()
            os.fsync(f.fileno())
        staged = tmp
    old = os.stat(real) if os.path.lexists(real) else None
    if old is None:
        os.replace(staged, real)
        done.append((real, None, None))
    elif not _may_rename_over(real, old):
        old_bytes = real.read_bytes()
        _rewrite_in_place(real, staged.read_bytes())
        done.append((real, None, old_bytes))
    else:
        os.chmod(staged, stat.S_IMODE(old.st_mode))
        _keep_owner(staged, old)
        backup = _backup(real, leftovers)
        os.replace(staged, real)
        done.append((real, backup, None))


def _backup(real: Path, leftovers: list[Path]) -> Path:
    """A hard link to ``real`` beside it (a copy where links are not allowed), listed in
    ``leftovers``: the old file, put back if the set cannot be completed."""
    fd, backup = _create_temporary(real.parent, real.name)
    leftovers.append(backup)
    os.close(fd)
    os.unlink(backup)  # the name was free; the link takes it
    try:
        os.link(real, backup)
    except OSError:
        shutil.copy2(real, backup)
    return backup


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


def _may_rename_over(real: Path, old: os.stat_result) -> bool:
    """Whether a rename may replace the file ``real`` (whose stat is ``old``): in a sticky
    folder only the file's owner, the folder's owner or root may (rename(2), EPERM)."""
    if not hasattr(os, "geteuid"):
        return True  # Windows: no sticky folders
    folder = os.stat(real.parent)
    if not folder.st_mode & stat.S_ISVTX:
        return True
    uid = os.geteuid()
    return uid == 0 or uid in (old.st_uid, folder.st_uid)


def _rewrite_in_place(real: Path, data: bytes) -> None:
    """Write ``data`` over the existing file ``real`` as ``open(real, "wb")`` would, for a file
    that may be written but not replaced (another user's, in a sticky folder). Without O_CREAT,
    which Linux's fs.protected_regular refuses for such a file even where writing is allowed."""
    fd = os.open(real, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


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
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)  # a staging folder
            else:
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
    elif isinstance(exc, PermissionError) and not _writable_folder(folder):
        reason = f"no permission to write in {folder}"
    elif isinstance(exc, PermissionError):  # the folder may be written: the file is the problem
        reason = f"the system refused to replace it ({exc.strerror or 'permission denied'})"
    else:
        reason = exc.strerror or str(exc) or type(exc).__name__
    return _refused(type(exc), exc.errno or 0, target, reason)


def _writable_folder(folder: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.access(folder if str(folder) else Path("."), os.W_OK | os.X_OK)
    return False


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


def read_user_text(path: str | os.PathLike[str], where: str, limit: int) -> str:
    """The UTF-8 text of a user's file (`read_user_file`'s checks), every problem one line
    starting with ``where``: an OSError says "cannot read ``where``", text that is not UTF-8
    is a ValueError naming the byte."""
    try:
        raw = read_user_file(path, where, limit)
    except OSError as exc:
        raise type(exc)(f"cannot read {where}: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


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
