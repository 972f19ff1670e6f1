"""Every file the package writes goes through autograd_mlp._files.write_atomic: the permissions
are those open(path, "w") would give (0o666 minus the umask), never mkstemp's private 0o600;
only regular files are replaced, symlinks are written through, and no temporary file outlives
a save (SIGTERM removes it, the next save removes one SIGKILL left)."""

from __future__ import annotations

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
from autograd_mlp._files import write_atomic
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
    from autograd_mlp.teach.frames import save_frames
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
