"""The backward pass as a sequence of pictures, one per step, for slides.

``backward()`` visits the nodes in reverse topological order (the root first) and, at each
node, hands every input its share of the gradient: ``input.grad += local × node.grad``. Frame 0
shows the seed (∂root/∂root = 1); frame k shows the k-th operation node being processed,
highlighted, with the arrows into it labelled ``local × grad = contribution``. Gradients that
are complete are printed, gradients that have received only some of their contributions are
printed with a trailing ``+…``, and gradients not yet reached are blank.

The frames are computed from the stored local derivatives, not by calling ``backward()``, so
drawing them changes no ``.grad``. `save_frames` writes numbered images and an animated GIF
(Pillow, in the ``render`` extra).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._files import write_atomic
from ..engine import Value, topological_order
from ..viz import GradGraph, draw_graph, op_symbol, save
from ..viz import format_number as _fmt
from .paths import gradients

__all__ = ["Frame", "backward_frames", "save_frames", "save_lesson_gif", "MAX_FRAMES"]

MAX_FRAMES = 200  # one slide per op: past this a sequence of frames teaches nothing
CURRENT = {"shape": "box", "style": "rounded,bold", "color": "#d0312d", "penwidth": "3"}
NBSP = "\u00a0"  # keeps a blank gradient as wide as the number it will become (stable layout)


@dataclass(frozen=True)
class Frame:
    """One step: the graph to show, the node being processed (None for the seed frame)."""

    index: int
    node: Value | None
    graph: GradGraph
    caption: str


def _factor(x: float, precision: int) -> str:
    """A number as a factor: negative ones in parentheses, (−1.0000) × (−1.0754)."""
    s = _fmt(x, precision)
    return f"({s})" if s.startswith("−") else s


def _pending_uses(order: list[Value]) -> dict[Value, int]:
    """How many edges lead out of each node: contributions its gradient still waits for."""
    uses: dict[Value, int] = {v: 0 for v in order}
    for v in order:
        for child in v._prev:
            uses[child] += 1
    return uses


def backward_frames(
    root: Value, *, precision: int = 4, rankdir: str = "LR", max_frames: int = MAX_FRAMES
) -> Iterator[Frame]:
    """Yield one `Frame` per step of the backward pass from ``root`` (seed frame first)."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_frames expects a Value, got {type(root).__name__}: {root!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(f"precision must be an int from 0 to 17, got {precision!r}")
    order = topological_order(root)
    ops = [v for v in reversed(order) if v._prev]
    if len(ops) + 1 > max_frames:
        raise ValueError(
            f"backward_frames: the backward pass has {len(ops)} steps (operations), more than "
            f"max_frames={max_frames}; draw a smaller expression (one sample, one neuron) or "
            f"pass max_frames={len(ops) + 1}"
        )
    # The final gradient of each node, by the same recurrence as backward(), for the blanks'
    # widths; ``grad`` and ``received`` evolve step by step.
    final = gradients(order)
    grad = {v: 0.0 for v in order}
    received = {v: 0 for v in order}
    needed = _pending_uses(order)
    grad[root] = 1.0

    def text(v: Value) -> dict[str, str]:
        if v is root or (received[v] == needed[v] and received[v] > 0):
            return {"grad": _fmt(grad[v], precision)}
        if received[v] > 0:
            return {"grad": _fmt(grad[v], precision) + " +…"}
        return {"grad": NBSP * len(_fmt(final[v], precision))}

    def draw(current: Value, caption: str, *, processing: bool) -> GradGraph:
        def attrs(v: Value) -> dict[str, str] | None:
            return dict(CURRENT) if v is current else None

        def edge(inp: Value, out: Value, k: int) -> str | None:
            # The seed frame highlights the root but sends nothing yet: its inputs are blank,
            # so an arrow labelled with a contribution would show a step not yet taken.
            if not processing or out is not current:
                return None
            local = out._local[k]
            g = grad[out]
            product = _fmt(local * g, precision)
            return f"{_factor(local, precision)} × {_factor(g, precision)} = {product}"

        return draw_graph(
            root,
            rankdir=rankdir,  # type: ignore[arg-type]
            precision=precision,
            node_text=text,
            node_attrs=attrs,
            edge_text=edge,
            title=caption,
            legend=False,
        )

    total = len(ops)
    seed = f"step 0/{total}: seed ∂{root.label or 'root'}/∂{root.label or 'root'} = 1"
    yield Frame(0, None, draw(root, seed, processing=False), seed)
    for k, node in enumerate(ops, 1):
        # Process ``node``: its gradient is complete; every input gets local × grad.
        for child, local in zip(node._prev, node._local):
            grad[child] += local * grad[node]
            received[child] += 1
        name = node.label or f"the {op_symbol(node._op)} node"
        caption = (
            f"step {k}/{total}: backward through {name}: "
            f"each input gets local × grad = local × {_fmt(grad[node], precision)}"
        )
        yield Frame(k, node, draw(node, caption, processing=True), caption)


def save_frames(
    root: Value,
    directory: str | os.PathLike[str],
    format: str = "png",
    *,
    gif: bool = True,
    duration_ms: int = 1200,
    max_width: int = 2400,
    precision: int = 4,
    rankdir: str = "LR",
    dpi: int = 72,
) -> list[Path]:
    """Write ``frame_000.<format>``, ``frame_001...`` into ``directory`` and, for PNG frames,
    an animated ``backward.gif`` (every frame padded to the same size, scaled down to at most
    ``max_width`` pixels, looping). PNG frames are drawn at ``dpi`` dots per inch (72 keeps the
    lesson's graph about 2400 pixels wide, readable on a projector). Returns the paths written
    (the GIF last)."""
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not 20 <= dpi <= 600:
        raise ValueError(f"dpi must be an int from 20 to 600, got {dpi!r}")
    if format not in ("png", "svg", "pdf"):
        raise ValueError(f"format must be 'png', 'svg' or 'pdf', got {format!r}")
    if isinstance(duration_ms, bool) or not isinstance(duration_ms, int) or duration_ms < 20:
        raise ValueError(f"duration_ms must be an int of at least 20, got {duration_ms!r}")
    if gif and format != "png":
        raise ValueError("the animated GIF is built from PNG frames: use format='png' or gif=False")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for frame in backward_frames(root, precision=precision, rankdir=rankdir):
        if format == "png":
            frame.graph.graph_attr["dpi"] = str(dpi)
        written.append(save(frame.graph, folder / f"frame_{frame.index:03d}.{format}"))
    if gif:
        written.append(_write_gif(written, folder / "backward.gif", duration_ms, max_width))
    return written


def _write_gif(frames: list[Path], target: Path, duration_ms: int, max_width: int) -> Path:
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - the render extra installs Pillow
        raise ImportError(
            "save_frames needs Pillow for the GIF: pip install 'autograd_mlp[render]'"
        ) from exc
    images = [Image.open(p).convert("RGB") for p in frames]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    scale = min(1.0, max_width / width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    canvases = []
    for im in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, ((width - im.width) // 2, (height - im.height) // 2))
        if scale < 1.0:
            canvas = canvas.resize(size, Image.Resampling.LANCZOS)
        canvases.append(canvas)
    # One shared palette, taken from the last frame (it has every gradient in colour): with the
    # same palette everywhere Pillow stores each frame as its difference from the previous one,
    # which keeps a dozen large frames at a few hundred kilobytes.
    palette = canvases[-1].quantize(colors=48, method=Image.Quantize.MEDIANCUT)
    padded = [c.quantize(palette=palette, dither=Image.Dither.NONE) for c in canvases]
    buffer = io.BytesIO()
    padded[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=padded[1:],
        duration=duration_ms,
        loop=0,
        optimize=True,
    )
    write_atomic(target, buffer.getvalue())
    return target


def save_lesson_gif(target: str | os.PathLike[str], *, max_width: int = 1800) -> Path:
    """Write the lesson's backward-pass GIF (the one in ``docs/images/lesson-backward.gif``).

    The 3–2–2 network on the documented example numbers, E = Σ (t − y)², 12 frames. The
    numbered PNG frames are drawn in a temporary directory and discarded.
    """
    from .lesson import LESSON_X, lesson_error, lesson_network

    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)  # two outputs
    error = lesson_error(y)
    target = Path(target)
    with tempfile.TemporaryDirectory() as tmp:
        written = save_frames(error, tmp, max_width=max_width)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = written[-1].read_bytes()
    write_atomic(target, data)
    return target
