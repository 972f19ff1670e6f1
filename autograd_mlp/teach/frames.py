"""The backward pass as a sequence of pictures, one per step, for slides.

``backward()`` visits the nodes in reverse topological order (the root first) and, at each
node, hands every input its share of the gradient: ``input.grad += local × node.grad``. Frame 0
shows the seed (∂root/∂root = 1); frame k shows the k-th operation node being processed,
highlighted, with the arrows into it in red and, under the graph, one line per input:
``L2.N1.w1.grad += 0.4502 × (−1.7864) = −0.8042``. A gradient that is complete is printed; one
that has received only some of its contributions is printed in full with, below it, how many
are still to come (``+1 more to come``); one not yet reached is blank.

Every frame is drawn on one layout (`autograd_mlp.viz.layout`), computed once with each box as
wide as the widest text it will ever show, so stepping from frame k to k+1 moves nothing.

The frames are computed from the stored local derivatives, not by calling ``backward()``, so
drawing them changes no ``.grad``. `save_frames` writes numbered images and an animated GIF
(Pillow, in the ``render`` extra); `autograd_mlp.teach.slides` writes projector slides.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .._files import check_folder, write_atomic
from ..engine import Value, topological_order
from ..viz.dot import format_number as _fmt
from ..viz.layout import Layout, Look, default_look, display_name, lay_out, render_png, render_svg

__all__ = [
    "Frame",
    "Step",
    "Contribution",
    "backward_frames",
    "backward_steps",
    "step_texts",
    "contribution_card",
    "save_frames",
    "save_lesson_gif",
    "MAX_FRAMES",
    "LAST_FRAME_MS",
]

MAX_FRAMES = 200  # one slide per op: past this a sequence of frames teaches nothing
LAST_FRAME_MS = 4000  # the GIF rests on the finished gradients before it starts again


@dataclass(frozen=True)
class Contribution:
    """What one input receives at a step: ``local × grad = product``; ``total`` is its
    gradient after adding it, with ``received`` of its ``needed`` contributions in."""

    input: Value
    argument: int
    local: float
    grad: float
    product: float
    total: float
    received: int
    needed: int


@dataclass(frozen=True)
class Step:
    """The state of the backward pass after ``index`` steps (0: the seed)."""

    index: int
    total: int
    node: Value | None
    root: Value
    grad: Mapping[Value, float]
    received: Mapping[Value, int]
    needed: Mapping[Value, int]
    contributions: tuple[Contribution, ...]

    @property
    def caption(self) -> str:
        root = display_name(self.root)
        if self.node is None:
            return f"step 0/{self.total}: seed ∂{root}/∂{root} = 1"
        return (
            f"step {self.index}/{self.total}: backward through {display_name(self.node)}: "
            f"each input gets local × {_fmt(self.grad[self.node])}"
        )


def _pending_uses(order: list[Value]) -> dict[Value, int]:
    """How many edges lead out of each node: contributions its gradient waits for."""
    uses: dict[Value, int] = {v: 0 for v in order}
    for v in order:
        for child in v._prev:
            uses[child] += 1
    return uses


def backward_steps(root: Value, *, max_frames: int = MAX_FRAMES) -> list[Step]:
    """Every step of the backward pass from ``root``, the seed first (no ``.grad`` changes)."""
    if not isinstance(root, Value):
        raise TypeError(f"backward_frames expects a Value, got {type(root).__name__}: {root!r}")
    order = topological_order(root)
    ops = [v for v in reversed(order) if v._prev]
    if len(ops) + 1 > max_frames:
        raise ValueError(
            f"backward_frames: the backward pass has {len(ops)} steps (operations), more than "
            f"max_frames={max_frames}; draw a smaller expression (one sample, one neuron) or "
            f"pass max_frames={len(ops) + 1}"
        )
    needed = _pending_uses(order)
    grad = {v: 0.0 for v in order}
    received = {v: 0 for v in order}
    grad[root] = 1.0
    total = len(ops)
    steps = [Step(0, total, None, root, dict(grad), dict(received), needed, ())]
    for k, node in enumerate(ops, 1):
        given = []
        for arg, (child, local) in enumerate(zip(node._prev, node._local)):
            product = local * grad[node]
            grad[child] += product
            received[child] += 1
            given.append(
                Contribution(
                    child,
                    arg,
                    local,
                    grad[node],
                    product,
                    grad[child],
                    received[child],
                    needed[child],
                )
            )
        steps.append(Step(k, total, node, root, dict(grad), dict(received), needed, tuple(given)))
    return steps


def step_texts(step: Step, precision: int = 4) -> dict[Value, dict[str, str]]:
    """The grad and note rows of every Value box at ``step``: complete gradients printed,
    partial ones printed with how many contributions are still to come, the rest blank."""
    out: dict[Value, dict[str, str]] = {}
    for v, g in step.grad.items():
        got, need = step.received[v], step.needed[v]
        if v is step.root or (got == need and got > 0):
            out[v] = {"grad": f"grad {_fmt(g, precision)}", "note": ""}
        elif got > 0:
            more = need - got
            out[v] = {"grad": f"grad {_fmt(g, precision)}", "note": f"+{more} more to come"}
        else:
            out[v] = {"grad": "", "note": ""}
    return out


def _factor(x: float, precision: int) -> str:
    """A number as a factor: negative ones in parentheses, (−1.0000) × (−1.0754)."""
    s = _fmt(x, precision)
    return f"({s})" if s.startswith("−") else s


def _grad_of(v: Value) -> str:
    """``L1.N1.w1.grad``, or ``(t1 − L2.N1.z).grad`` for a name built from its inputs."""
    name = display_name(v)
    return f"{name}.grad" if v.label or " " not in name else f"({name}).grad"


def contribution_lines(step: Step, precision: int = 4) -> list[str]:
    """One line per input of the step's node: ``x1.grad += 0.1000 × 1.0000 = 0.1000 …``."""
    lines = []
    for c in step.contributions:
        line = (
            f"{_grad_of(c.input)} += {_factor(c.local, precision)} × "
            f"{_factor(c.grad, precision)} = {_fmt(c.product, precision)}"
        )
        if c.received < c.needed:
            more = c.needed - c.received
            line += f"   (so far {_fmt(c.total, precision)}, {more} more to come)"
        elif c.needed > 1:
            line += f"   (complete: {_fmt(c.total, precision)})"
        lines.append(line)
    return lines


def contribution_card(c: Contribution, precision: int = 4) -> list[str]:
    """The contribution as the page writes it on its arrow: two short lines,
    ``0.4502 × 1.0754`` over ``= 0.4841``."""
    return [
        f"{_factor(c.local, precision)} × {_factor(c.grad, precision)}",
        f"= {_fmt(c.product, precision)}",
    ]


@dataclass(frozen=True)
class Frame:
    """One step drawn on the shared layout: ``svg()``/``png()`` render it."""

    index: int
    node: Value | None
    caption: str
    step: Step
    layout: Layout
    look: Look
    precision: int = 4

    @property
    def header(self) -> list[str]:
        return [self.caption, "arrows: local derivative ∂out/∂in · red: this step"]

    @property
    def footer(self) -> list[str]:
        return contribution_lines(self.step, self.precision)

    def svg(self, header: list[str] | None = None) -> str:
        """The frame as SVG (layout units): header lines, the graph, this step's sums."""
        return render_svg(
            self.layout,
            self.look,
            header=self.header if header is None else header,
            footer=self.footer,
        )

    def png(self, scale: float = 1.5, header: list[str] | None = None) -> bytes:
        return render_png(
            self.layout,
            self.look,
            scale=scale,
            header=self.header if header is None else header,
            footer=self.footer,
        )


def frame_look(step: Step, layout: Layout, precision: int = 4) -> Look:
    """The look of one step: texts from `step_texts`, the node and its arrows in red."""
    look = default_look(layout)
    for v, rows in step_texts(step, precision).items():
        look.text.setdefault(layout.ids[v], {}).update(rows)
    current = step.node if step.node is not None else step.root
    cid = layout.ids[current]
    look.highlight.add(cid)
    if step.node is not None:
        i = cid[1:]
        look.highlight.add(f"op{i}")
        look.highlight.update(f"e{i}_{k}" for k in range(len(step.node._prev)))
    return look


def _reserve(steps: list[Step], precision: int) -> dict[Value, dict[str, list[str]]]:
    wanted: dict[Value, dict[str, list[str]]] = {}
    for step in steps:
        for v, rows in step_texts(step, precision).items():
            for row, text in rows.items():
                if text:
                    wanted.setdefault(v, {}).setdefault(row, []).append(text)
    return wanted


def backward_frames(
    root: Value,
    *,
    precision: int = 4,
    max_frames: int = MAX_FRAMES,
    layout: Layout | None = None,
) -> Iterator[Frame]:
    """Yield one `Frame` per step of the backward pass from ``root`` (seed frame first).

    All frames share ``layout`` (default: ``root``'s graph laid out once, with room for every
    text the frames print).
    """
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
    steps = backward_steps(root, max_frames=max_frames)
    if layout is None:
        layout = lay_out(root, precision=precision, reserve=_reserve(steps, precision))
    elif root not in layout.ids:
        raise ValueError("layout= is the layout of another graph: lay out this root's graph")
    for step in steps:
        yield Frame(
            step.index,
            step.node,
            step.caption,
            step,
            layout,
            frame_look(step, layout, precision),
            precision,
        )


def save_frames(
    root: Value,
    directory: str | os.PathLike[str],
    format: str = "png",
    *,
    gif: bool = True,
    duration_ms: int = 1200,
    last_ms: int = LAST_FRAME_MS,
    loop: bool = True,
    precision: int = 4,
    scale: float = 1.5,
    layout: Layout | None = None,
    size: str | None = None,
) -> list[Path]:
    """Write ``frame_000.<format>``, ``frame_001...`` (png or svg) into ``directory`` and, for
    PNG frames, an animated ``backward.gif``: the same frames, each shown ``duration_ms``, the
    last one ``last_ms``, looping unless ``loop=False``. Returns the paths written (the GIF
    last).

    PNG frames show the whole graph at ``scale`` pixels a layout unit (1.5: body text 21 px),
    or with ``size="projector"`` (``"a4"``, ``"letter"``) are pages of that size, the graph
    split into views when it does not fit with its text at size (`teach.slides`)."""
    if format not in ("png", "svg"):
        raise ValueError(f"format must be 'png' or 'svg', got {format!r}")
    for name, ms in (("duration_ms", duration_ms), ("last_ms", last_ms)):
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 20:
            raise ValueError(f"{name} must be an int of at least 20, got {ms!r}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0.2 <= scale <= 8:
        raise ValueError(f"scale must be a number from 0.2 to 8, got {scale!r}")
    if gif and format != "png":
        raise ValueError("the animated GIF is built from PNG frames: use format='png' or gif=False")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    check_folder(folder / "x")
    if size is not None and format != "png":
        raise ValueError("size= makes pages of PNG frames: use format='png' (or no size)")
    written = []
    pngs = []
    frames = list(backward_frames(root, precision=precision, layout=layout))
    if size is not None:
        from ..viz.pages import png_bytes
        from .slides import frame_slides

        pages = [png_bytes(s.image) for s in frame_slides(frames, size)]
    for k, frame in enumerate(frames):
        target = folder / f"frame_{frame.index:03d}.{format}"
        if format == "png":
            data = pages[k] if size is not None else frame.png(scale)
            pngs.append(data)
        else:
            data = frame.svg().encode("utf-8")
        write_atomic(target, data)
        written.append(target)
    if gif:
        target = folder / "backward.gif"
        write_atomic(target, gif_bytes(pngs, duration_ms, last_ms=last_ms, loop=loop))
        written.append(target)
    return written


def gif_bytes(
    frames: list[bytes], duration_ms: int, *, last_ms: int = LAST_FRAME_MS, loop: bool = True
) -> bytes:
    """An animated GIF of PNG ``frames`` (all padded to one size), the last held ``last_ms``."""
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - the render extra installs Pillow
        raise ImportError(
            "save_frames needs Pillow for the GIF: pip install 'autograd_mlp[render]'"
        ) from exc
    images = [Image.open(io.BytesIO(p)).convert("RGB") for p in frames]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    canvases = []
    for im in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, (0, 0))  # top left: every frame's graph at the same pixels
        canvases.append(canvas)
    # One shared palette, taken from the last frame (it has every gradient in colour): with the
    # same palette everywhere Pillow stores each frame as its difference from the previous one.
    palette = canvases[-1].quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    padded = [c.quantize(palette=palette, dither=Image.Dither.NONE) for c in canvases]
    durations = [duration_ms] * (len(padded) - 1) + [last_ms]
    buffer = io.BytesIO()
    options: dict[str, object] = {}
    if loop:
        options["loop"] = 0  # without the loop extension a GIF plays once
    padded[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=padded[1:],
        duration=durations,
        optimize=False,
        **options,
    )
    return buffer.getvalue()


def save_lesson_gif(
    target: str | os.PathLike[str],
    *,
    lesson: object | None = None,
    size: str = "projector",
    loop: bool = True,
    duration_ms: int = 2500,
) -> Path:
    """Write the lesson's backward-pass GIF (the one in ``docs/images/lesson-backward.gif``):
    the lesson's slides (`autograd_mlp.teach.slides`, one per step, at ``size``) animated,
    the last one held longer."""
    from ..viz.pages import png_bytes
    from .lesson import Lesson
    from .slides import lesson_slides

    if lesson is not None and not isinstance(lesson, Lesson):
        raise TypeError(f"lesson must be a Lesson, got {type(lesson).__name__}")
    frames = [png_bytes(s.image) for s in lesson_slides(lesson, size=size)]
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, gif_bytes(frames, duration_ms, loop=loop))
    return target
