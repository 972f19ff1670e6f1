"""The training figure: loss curve and decision boundary (matplotlib, extra `plot`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_mlp import MLP, Value
from autograd_mlp.nn.train import History
from autograd_mlp.viz.plot import decision_grid, plot_training
from tests.conftest import needs

X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
Y = [1, 1, -1, -1]


def test_decision_grid_spans_the_data_and_matches_the_model() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=4)
    xs, ys, scores = decision_grid(model, X, resolution=5, margin=0.5)
    assert xs[0] == pytest.approx(-0.5) and xs[-1] == pytest.approx(1.5)
    assert ys[0] == pytest.approx(-0.5) and ys[-1] == pytest.approx(1.5)
    assert len(scores) == 5 and all(len(row) == 5 for row in scores)
    # row j, column i is the model's score at (xs[i], ys[j])
    corner = model([xs[4], ys[1]])
    assert isinstance(corner, Value)
    assert scores[1][4] == corner.data


def test_decision_grid_rejects_models_it_cannot_draw() -> None:
    with pytest.raises(ValueError, match="2 inputs and 1 output"):
        decision_grid(MLP(3, [1], seed=0), [[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match="resolution"):
        decision_grid(MLP(2, [1], seed=0), X, resolution=1)


def test_plot_training_writes_a_png(tmp_path: Path) -> None:
    needs("matplotlib")
    model = MLP(2, [4, 1], seed=0)
    history = History(loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.75, 1.0], steps=3)
    out = plot_training(model, X, Y, history, tmp_path / "fig.png")
    data = out.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]  # no temporary file left


def test_plot_training_rejects_unknown_formats(tmp_path: Path) -> None:
    history = History(loss=[1.0], steps=1)
    with pytest.raises(ValueError, match=r"\.png, \.svg or \.pdf"):
        plot_training(MLP(2, [1], seed=0), X, Y, history, tmp_path / "fig.gif")
