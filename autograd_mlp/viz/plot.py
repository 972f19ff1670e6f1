"""Training pictures with matplotlib (extra ``plot``): the loss curve and the decision boundary.

Matplotlib is imported inside the function, with the non-interactive Agg backend, so the
package imports without it and plotting works on machines with no display.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

from .._files import write_atomic
from ..engine import Value, no_grad
from ..nn import MLP
from ..nn.train import History

__all__ = ["plot_training", "decision_grid"]


def decision_grid(
    model: MLP, X: Sequence[Sequence[float]], resolution: int = 50, margin: float = 0.5
) -> tuple[list[float], list[float], list[list[float]]]:
    """Model scores on a ``resolution``² grid around the data: ``(xs, ys, scores[row][col])``.

    The model must take 2 inputs and give one output. Evaluated under `no_grad`.
    """
    if model.nin != 2 or model.nouts[-1] != 1:
        raise ValueError(
            f"decision_grid needs a model with 2 inputs and 1 output, got {model.nin} inputs "
            f"and {model.nouts[-1]} outputs"
        )
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"resolution must be an int >= 2, got {resolution!r}")
    if not X:
        raise ValueError("decision_grid needs at least one data point")
    x0 = [float(p[0]) for p in X]
    x1 = [float(p[1]) for p in X]
    lo0, hi0 = min(x0) - margin, max(x0) + margin
    lo1, hi1 = min(x1) - margin, max(x1) + margin
    xs = [lo0 + (hi0 - lo0) * i / (resolution - 1) for i in range(resolution)]
    ys = [lo1 + (hi1 - lo1) * j / (resolution - 1) for j in range(resolution)]
    scores: list[list[float]] = []
    with no_grad():
        for y in ys:
            row = []
            for x in xs:
                out = model([x, y])
                assert isinstance(out, Value)  # invariant: one output neuron, checked above
                row.append(out.data)
            scores.append(row)
    return xs, ys, scores


def plot_training(
    model: MLP,
    X: Sequence[Sequence[float]],
    y: Sequence[float],
    history: History,
    path: str | os.PathLike[str],
    threshold: float = 0.0,
    title: str = "MLP on two moons",
) -> Path:
    """Save a two-panel figure: the loss per step, and the decision boundary over the data.

    Points are coloured by label; the background by the model's score, with the boundary drawn
    where the score equals ``threshold`` (0 for hinge scores and logits). Written atomically.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    target = Path(path)
    suffix = target.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise ValueError(f"plot_training writes .png, .svg or .pdf, got {str(path)!r}")
    xs, ys, scores = decision_grid(model, X)

    fig, (ax_loss, ax_data) = plt.subplots(1, 2, figsize=(11, 4.6), dpi=110)
    ax_loss.plot(range(len(history.loss)), history.loss, color="#1f5fa8", linewidth=2)
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    ax_loss.set_title(f"loss: {history.loss[0]:.3f} → {history.loss[-1]:.3f}")
    ax_loss.grid(alpha=0.3)
    if history.accuracy:
        ax_acc = ax_loss.twinx()
        ax_acc.plot(range(len(history.accuracy)), history.accuracy, color="#c2571a", alpha=0.7)
        ax_acc.set_ylabel("accuracy", color="#c2571a")
        ax_acc.set_ylim(0, 1.05)

    ax_data.contourf(xs, ys, scores, levels=30, cmap="RdBu", alpha=0.55)
    ax_data.contour(xs, ys, scores, levels=[threshold], colors="k", linewidths=1.5)
    positive = [i for i, t in enumerate(y) if t > threshold]
    negative = [i for i, t in enumerate(y) if t <= threshold]
    for idx, colour, name in ((positive, "#1f5fa8", "class +"), (negative, "#b2182b", "class −")):
        ax_data.scatter(
            [X[i][0] for i in idx],
            [X[i][1] for i in idx],
            c=colour,
            edgecolors="white",
            linewidths=0.6,
            s=28,
            label=name,
        )
    ax_data.set_title(f"{title}: decision boundary")
    ax_data.legend(loc="upper right", fontsize=8)
    fig.tight_layout()

    return save_figure(fig, target)


def save_figure(fig: object, target: Path) -> Path:
    """Write a matplotlib figure to ``target`` atomically, in the format its suffix names, and
    close it (also when saving fails)."""
    import matplotlib.pyplot as plt

    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format=target.suffix.lower().lstrip("."))  # type: ignore[attr-defined]
    finally:
        plt.close(fig)  # type: ignore[arg-type]
    write_atomic(target, buffer.getvalue())
    return target
