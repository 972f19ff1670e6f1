"""Every file the package writes goes through autograd_mlp._files.write_atomic: the permissions
are those open(path, "w") would give (0o666 minus the umask), never mkstemp's private 0o600;
only regular files are replaced, symlinks are written through, and no temporary file outlives
a save (SIGTERM removes it, the next save removes one SIGKILL left)."""

from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograd_mlp import MLP, Value, draw_graph
from autograd_mlp._files import write_atomic, write_into, write_together
from autograd_mlp.nn.data import make_moons
from autograd_mlp.nn.train import fit
from tests.conftest import needs


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_plot_and_gif_are_readable_by_everyone(tmp_path: Path, umask_022: None) -> None:
    needs("matplotlib")
    needs("PIL")
    from autograd_mlp.teach.slides import save_frames
    from autograd_mlp.viz.plot import plot_training

    X, y = make_moons(n_samples=20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", max_steps=3, progress=False)
    plot = plot_training(model, X, y, history, tmp_path / "plot.png")
    x = Value(2.0, label="x")
    frames = save_frames((x * x).tanh(), tmp_path / "frames", format="png")
    for path in (Path(plot), *frames):
        assert _mode(Path(path)) == 0o644, path
    assert not [p for p in tmp_path.rglob(".*.tmp")]  # no temporary file left behind


# ------------------------------------------------------------------------------------------------
# What is at the target: only regular files are replaced, symlinks are written through, a
# file that may not be written is refused (reliability review D2, D16)
# ------------------------------------------------------------------------------------------------


def _special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "char device":
        os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 7))  # a private copy of /dev/full
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("fifo", "it is a FIFO (named pipe), not a regular file"),
        ("char device", "it is a character device, not a regular file"),
        ("folder", "it is a folder"),
    ],
)
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_as_it_was(
    tmp_path: Path, kind: str, message: str
) -> None:
    path = _special(tmp_path, kind)
    before = path.lstat()
    with pytest.raises(OSError, match=re.escape(f"cannot write {path}: {message}")):
        MLP(2, [1], seed=0).save(path)
    after = path.lstat()
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file


def test_every_writer_refuses_a_special_target(tmp_path: Path) -> None:
    fifo = _special(tmp_path, "fifo")
    with pytest.raises(OSError, match="FIFO"):
        write_atomic(fifo, b"data")
    dot = tmp_path / "g.dot"
    os.mkfifo(dot)
    x = Value(2.0, label="x")
    with pytest.raises(OSError, match="FIFO"):
        draw_graph(x * x).save_as(dot)  # a graph's DOT text goes through write_atomic too
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and stat.S_ISFIFO(dot.lstat().st_mode)


def test_a_symlink_is_written_through_to_the_file_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    MLP(2, [1], seed=0).save(real)
    link = tmp_path / "link.json"
    link.symlink_to("real.json")
    model = MLP(2, [1], seed=1)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == "real.json"
    assert [p.data for p in MLP.load(real).parameters()] == [p.data for p in model.parameters()]
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to("new.json")
    model.save(dangling)  # as open(path, "w") does: the file it names is created
    assert dangling.is_symlink() and (tmp_path / "new.json").is_file()


def test_a_read_only_file_is_refused_even_for_root(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    MLP(2, [1], seed=0).save(path)
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(PermissionError, match="read-only"):
        MLP(2, [1], seed=1).save(path)
    assert path.read_bytes() == before and _mode(path) == 0o444


def test_a_file_this_user_may_not_open_for_writing_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    MLP(2, [1], seed=0).save(path)
    before = path.read_bytes()
    # As another user, a root-owned 0644 file: access(W_OK) says no (the tests run as root,
    # for whom the kernel would say yes, so the answer is stood in for here)
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: False if mode == os.W_OK else real_access(p, mode)
    )
    with pytest.raises(PermissionError, match="no permission to write the file"):
        MLP(2, [1], seed=1).save(path)
    assert path.read_bytes() == before


_SLOW_SAVE = """
import os, sys, time
import autograd_mlp._files as files
from autograd_mlp import MLP
model = MLP(50, [200, 200, 1], seed=0)  # about 50,000 parameters, a 3 MB file
real_fsync = os.fsync
def slow_fsync(fd):
    real_fsync(fd)
    print("writing", flush=True)  # the temporary file is complete and on disk now
    time.sleep(60)
files.os.fsync = slow_fsync
model.save(sys.argv[1])
"""


def _kill_mid_save(target: Path, sig: int) -> int:
    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SAVE, str(target)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert child.stdout is not None
    assert child.stdout.readline() == "writing\n"
    assert [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]  # mid-save
    child.send_signal(sig)
    return child.wait(timeout=30)


def test_sigterm_mid_save_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    MLP(2, [1], seed=0).save(target)
    before = target.read_bytes()
    code = _kill_mid_save(target, signal.SIGTERM)
    assert code == -signal.SIGTERM  # it still dies of the signal, as it would have
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_a_temporary_file_left_by_sigkill_is_removed_by_the_next_save(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    assert _kill_mid_save(target, signal.SIGKILL) == -signal.SIGKILL
    stale = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(stale) == 1 and stale[0].name.startswith(".m.json.autograd_mlp-")
    other = tmp_path / ".other.json.autograd_mlp-1-0000.tmp"  # another target's: not ours
    other.write_bytes(b"")
    MLP(2, [1], seed=0).save(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "m.json"]


def test_a_running_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    live = tmp_path / f".m.json.autograd_mlp-{os.getppid()}-abcd.tmp"  # our parent runs
    live.write_bytes(b"being written")
    MLP(2, [1], seed=0).save(target)
    assert live.read_bytes() == b"being written"


def test_a_name_the_system_refuses_is_one_short_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a file name cannot contain a NUL character"):
        write_atomic(tmp_path / "a\0b.json", b"data")
    long_name = tmp_path / ("n" * 5000 + ".json")
    with pytest.raises(OSError) as info:
        write_atomic(long_name, b"data")
    assert len(str(info.value)) < 400 and "cannot write" in str(info.value)
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------------
# A sticky folder (D2's corner): another user's file that open() may write is written, and a
# refusal there does not blame the folder (review 2026-12, D2)
# ------------------------------------------------------------------------------------------------


def _as_another_user_in_a_sticky_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A 0666 file of user 4242 in a 1777 folder, seen by user 4343. The tests run as root, for
    whom the kernel allows everything, so the user is stood in for (os.geteuid) and so is the
    kernel's refusal to rename over the file (EPERM, rename(2) in a sticky folder)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o1777)
    path = folder / "m.json"
    path.write_bytes(b"old")
    path.chmod(0o666)
    os.chown(path, 4242, 4242)
    monkeypatch.setattr(os, "geteuid", lambda: 4343)
    real_replace = os.replace

    def sticky_replace(src: object, dst: object) -> None:
        if Path(str(dst)) == path:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", sticky_replace)
    return path


def test_another_users_writable_file_in_a_sticky_folder_is_written_as_open_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _as_another_user_in_a_sticky_folder(tmp_path, monkeypatch)
    inode = path.stat().st_ino
    write_atomic(path, b"new content")
    assert path.read_bytes() == b"new content"
    after = path.stat()
    assert (after.st_ino, after.st_uid, _mode(path)) == (inode, 4242, 0o666)  # rewritten in place
    assert sorted(p.name for p in path.parent.iterdir()) == ["m.json"]


def test_a_refusal_in_a_folder_that_may_be_written_does_not_blame_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"old")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "replace", refuse)  # e.g. an immutable file (chattr +i)
    with pytest.raises(PermissionError) as info:
        write_atomic(path, b"new")
    message = str(info.value)
    assert "no permission to write in" not in message
    assert (
        message
        == f"cannot write {path}: the system refused to replace it (Operation not permitted)"
    )
    assert path.read_bytes() == b"old"


# ------------------------------------------------------------------------------------------------
# Sets of files are written all or nothing (review 2026-12, N22)
# ------------------------------------------------------------------------------------------------


def _three(tmp_path: Path) -> list[Path]:
    paths = [tmp_path / "sheet.pdf", tmp_path / "sheet.answers.md", tmp_path / "sheet.sheet.json"]
    for path in paths:
        path.write_bytes(b"old " + path.name.encode())
    return paths


def _contents(paths: list[Path]) -> list[bytes]:
    return [p.read_bytes() for p in paths]


def test_a_set_is_written_together(tmp_path: Path) -> None:
    paths = _three(tmp_path)
    paths.append(tmp_path / "new.txt")
    with write_together(paths) as staged:
        assert [s.name for s in staged] == [p.name for p in paths]
        assert all(s.parent != tmp_path for s in staged)  # written beside, not over, the targets
        for k, s in enumerate(staged):
            write_atomic(s, b"new %d" % k)
        assert _contents(paths[:3]) == [b"old " + p.name.encode() for p in paths[:3]]
    assert _contents(paths) == [b"new 0", b"new 1", b"new 2", b"new 3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_a_read_only_member_of_a_set_is_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    paths = _three(tmp_path)
    paths[2].chmod(0o444)  # the review's read-only F.sheet.json
    before = _contents(paths)
    with pytest.raises(PermissionError, match="read-only"), write_together(paths) as staged:
        raise AssertionError(f"wrote {staged} although one target cannot be written")
    assert _contents(paths) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_a_set_whose_writer_fails_changes_nothing(tmp_path: Path) -> None:
    paths = _three(tmp_path)
    before = _contents(paths)
    with pytest.raises(ValueError, match="the writer failed"), write_together(paths) as staged:
        write_atomic(staged[0], b"new")
        raise ValueError("the writer failed")
    assert _contents(paths) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_a_set_that_fails_half_way_through_its_renames_is_put_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = _three(tmp_path)
    paths.insert(1, tmp_path / "brand-new.txt")
    before = _contents([paths[0], *paths[2:]])
    real_replace = os.replace

    def fail_on_the_last(src: object, dst: object) -> None:
        if Path(str(dst)) == paths[-1]:
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", fail_on_the_last)
    failed = pytest.raises(OSError, match=f"cannot write {paths[-1]}: Input/output error")
    with failed, write_together(paths) as staged:
        for s in staged:
            write_atomic(s, b"new")
    assert _contents([paths[0], *paths[2:]]) == before  # the first was replaced, then put back
    assert not paths[1].exists()  # and the new file removed
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths if p.exists())


def test_a_folder_written_again_loses_the_stale_files_of_a_longer_run(tmp_path: Path) -> None:
    def is_slide(name: str) -> bool:
        return re.fullmatch(r"slide_\d+\.png", name) is not None

    for k in range(64):
        (tmp_path / f"slide_{k:02d}.png").write_bytes(b"old")
    (tmp_path / "notes.txt").write_bytes(b"the teacher's")
    with write_into(tmp_path, stale=is_slide) as stage:
        for k in range(12):
            write_atomic(stage / f"slide_{k:02d}.png", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"slide_{k:02d}.png" for k in range(12)] + ["notes.txt"]
    )
    assert {p.read_bytes() for p in tmp_path.glob("slide_*")} == {b"new"}


def test_a_folder_write_that_fails_keeps_the_earlier_run(tmp_path: Path) -> None:
    for k in range(3):
        (tmp_path / f"slide_{k:02d}.png").write_bytes(b"old")
    (tmp_path / "slide_01.png").chmod(0o444)
    refused = pytest.raises(PermissionError, match="read-only")
    with refused, write_into(tmp_path, stale=lambda name: name.startswith("slide_")) as stage:
        write_atomic(stage / "slide_00.png", b"new")
        write_atomic(stage / "slide_01.png", b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"slide_{k:02d}.png" for k in range(3)]
    assert {p.read_bytes() for p in tmp_path.iterdir()} == {b"old"}


def test_a_staging_folder_left_by_sigkill_is_removed_by_the_next_set(tmp_path: Path) -> None:
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text()) if Path("/proc").is_dir() else 2**22
    dead = tmp_path / f".autograd_mlp-{pid_max + 1}-0000.staging"  # no process has this pid
    dead.mkdir()
    (dead / "sheet.pdf").write_bytes(b"half")
    live = tmp_path / f".autograd_mlp-{os.getppid()}-0000.staging"  # our parent runs
    live.mkdir()
    with write_together([tmp_path / "a.txt"]) as (staged,):
        write_atomic(staged, b"a")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "a.txt"])
