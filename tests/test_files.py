"""Every file the package writes goes through autograd_mlp._files.write_atomic: the permissions
are those open(path, "w") would give (0o666 minus the umask), never mkstemp's private 0o600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograd_mlp import MLP, Value
from autograd_mlp.data import make_moons
from autograd_mlp.train import fit
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
    from autograd_mlp.plot import plot_training
    from autograd_mlp.teach.frames import save_frames

    X, y = make_moons(n_samples=20, seed=0)
    model = MLP(2, [4, 1], seed=0)
    history = fit(model, X, y, loss="bce", max_steps=3, progress=False)
    plot = plot_training(model, X, y, history, tmp_path / "plot.png")
    x = Value(2.0, label="x")
    frames = save_frames((x * x).tanh(), tmp_path / "frames", format="png")
    for path in (Path(plot), *frames):
        assert _mode(Path(path)) == 0o644, path
    assert not [p for p in tmp_path.rglob(".*.tmp")]  # no temporary file left behind
