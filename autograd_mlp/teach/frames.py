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
drawing them changes no ``.grad``. `autograd_mlp.teach.slides` writes them as numbered images
and an animated GIF (``save_frames``, Pillow, in the ``render`` extra) and as projector slides.
"""

from __future__ import annotations

import bisect
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from ..engine import Value, topological_order
from ..viz.dot import format_number as _fmt
from ..viz.layout import Layout, lay_out
from ..viz.naming import board_names, display_name
from ..viz.paint import Look, default_look, render_png, render_svg

__all__ = [
    "Frame",
    "Step",
    "Contribution",
    "backward_frames",
    "backward_steps",
    "step_texts",
    "reserve_texts",
    "contribution_card",
    "MAX_FRAMES",
    "LAST_FRAME_MS",
]

MAX_FRAMES = 200  # one slide per op: past this a sequence of frames teaches nothing
LAST_FRAME_MS = 8000  # the GIF rests on the finished gradients long enough to read them


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
    """The state of the backward pass after ``index`` steps (0: the seed).

    ``grad`` and ``received`` are read-only views of that state (every Value's gradient so far,
    and how many of its ``needed`` contributions it has): all the steps of one backward pass
    share one record of what changed when, so making them all takes time and memory linear in
    the size of the graph. ``names`` are the Values' board names, made once for the graph."""

    index: int
    total: int
    node: Value | None
    root: Value
    grad: Mapping[Value, float]
    received: Mapping[Value, int]
    needed: Mapping[Value, int]
    contributions: tuple[Contribution, ...]
    names: Mapping[Value, str] = field(default_factory=dict, repr=False, compare=False)

    def name(self, v: Value) -> str:
        """``v``'s board name (`autograd_mlp.viz.naming.board_names`)."""
        found = self.names.get(v)
        return found if found is not None else display_name(v)

    @property
    def caption(self) -> str:
        return self.caption_with(".")

    def caption_with(self, decimal: str) -> str:
        """The caption, its number with ``decimal`` as the separator ("." or ",")."""
        root = self.name(self.root)
        if self.node is None:
            return f"step 0/{self.total}: seed ∂{root}/∂{root} = 1"
        return (
            f"step {self.index}/{self.total}: backward through {self.name(self.node)}: "
            f"each input gets local × {_fmt(self.grad[self.node], 4, decimal)}"
        )


def _pending_uses(order: list[Value]) -> dict[Value, int]:
    """How many edges lead out of each node: contributions its gradient waits for."""
    uses: dict[Value, int] = {v: 0 for v in order}
    for v in order:
        for child in v._prev:
            uses[child] += 1
    return uses


class _History:
    """What the backward pass did to each Value, in order: at which steps its gradient changed,
    to what, and how many contributions it had then. Every step's state is read from it."""

    def __init__(self, order: list[Value]) -> None:
        self.order = order
        self.steps: dict[Value, list[int]] = {v: [] for v in order}
        self.grads: dict[Value, list[float]] = {v: [] for v in order}
        self.counts: dict[Value, list[int]] = {v: [] for v in order}

    def record(self, step: int, v: Value, grad: float, received: int) -> None:
        self.steps[v].append(step)
        self.grads[v].append(grad)
        self.counts[v].append(received)

    def last(self, v: Value, step: int) -> int:
        """The index of ``v``'s last change at or before ``step``, or -1 (none yet)."""
        return bisect.bisect_right(self.steps[v], step) - 1


_T = TypeVar("_T", int, float)


class _StateAt(Mapping[Value, _T]):
    """Every Value's gradient (or count of contributions) after step ``step``: its last record
    at or before that step, ``blank`` before its first."""

    def __init__(
        self, history: _History, step: int, records: dict[Value, list[_T]], blank: _T
    ) -> None:
        self._history = history
        self._step = step
        self._records: dict[Value, list[_T]] = records
        self._blank: _T = blank

    def __getitem__(self, v: Value) -> _T:
        k = self._history.last(v, self._step)  # a KeyError for a Value not in the graph
        return self._records[v][k] if k >= 0 else self._blank

    def __iter__(self) -> Iterator[Value]:
        return iter(self._history.order)

    def __len__(self) -> int:
        return len(self._history.order)


def backward_steps(root: Value, *, max_frames: int = MAX_FRAMES) -> list[Step]:
    """Every step of the backward pass from ``root``, the seed first (no ``.grad`` changes).
    Linear in the size of the graph (the steps share one record of the pass)."""
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
    names = board_names(order)
    history = _History(order)
    grad = {v: 0.0 for v in order}
    received = {v: 0 for v in order}
    grad[root] = 1.0
    history.record(0, root, 1.0, 0)
    total = len(ops)

    def step(k: int, node: Value | None, given: tuple[Contribution, ...]) -> Step:
        grads = _StateAt(history, k, history.grads, 0.0)
        counts = _StateAt(history, k, history.counts, 0)
        return Step(k, total, node, root, grads, counts, needed, given, names)

    steps = [step(0, None, ())]
    for k, node in enumerate(ops, 1):
        given = []
        for arg, (child, local) in enumerate(zip(node._prev, node._local)):
            product = local * grad[node]
            grad[child] += product
            received[child] += 1
            history.record(k, child, grad[child], received[child])
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
        steps.append(step(k, node, tuple(given)))
    return steps


def step_texts(step: Step, precision: int = 4, decimal: str = ".") -> dict[Value, dict[str, str]]:
    """The grad and note rows of every Value box at ``step``: complete gradients printed,
    partial ones printed with how many contributions are still to come, the rest blank."""
    out: dict[Value, dict[str, str]] = {}
    for v, g in step.grad.items():
        out[v] = _rows(g, step.received[v], step.needed[v], v is step.root, precision, decimal)
    return out


def _rows(
    g: float, got: int, need: int, is_root: bool, precision: int, decimal: str = "."
) -> dict[str, str]:
    """A box's grad and note rows, for a gradient ``g`` with ``got`` of ``need`` parts in."""
    if is_root or (got == need and got > 0):
        return {"grad": f"grad {_fmt(g, precision, decimal)}", "note": ""}
    if got > 0:
        return {
            "grad": f"grad {_fmt(g, precision, decimal)}",
            "note": f"+{need - got} more to come",
        }
    return {"grad": "", "note": ""}


def reserve_texts(
    steps: list[Step], precision: int = 4, decimal: str = "."
) -> dict[Value, dict[str, list[str]]]:
    """Every text a box's rows show in any of ``steps`` (the union of their `step_texts`, blanks
    left out): what a layout must make room for. A box changes only when its Value receives a
    contribution, so this reads the contributions, not every box at every step: linear."""
    wanted: dict[Value, dict[str, list[str]]] = {}

    def add(v: Value, rows: dict[str, str]) -> None:
        for row, text in rows.items():
            if text:
                wanted.setdefault(v, {}).setdefault(row, []).append(text)

    for step in steps:
        if step.node is None:  # the seed: the root's gradient
            add(step.root, _rows(step.grad[step.root], 0, 0, True, precision, decimal))
        for c in step.contributions:
            rows = _rows(c.total, c.received, c.needed, c.input is step.root, precision, decimal)
            add(c.input, rows)
    return wanted


def _factor(x: float, precision: int, decimal: str = ".") -> str:
    """A number as a factor: negative ones in parentheses, (−1.0000) × (−1.0754)."""
    s = _fmt(x, precision, decimal)
    return f"({s})" if s.startswith("−") else s


def _grad_of(v: Value, name: str) -> str:
    """``L1.N1.w1.grad``, or ``(t1 − L2.N1.z).grad`` for a name built from its inputs."""
    return f"{name}.grad" if v.label or " " not in name else f"({name}).grad"


def contribution_lines(step: Step, precision: int = 4, decimal: str = ".") -> list[str]:
    """One line per input of the step's node: ``x1.grad += 0.1000 × 1.0000 = 0.1000 …``."""
    lines = []
    for c in step.contributions:
        line = (
            f"{_grad_of(c.input, step.name(c.input))} += {_factor(c.local, precision, decimal)} × "
            f"{_factor(c.grad, precision, decimal)} = {_fmt(c.product, precision, decimal)}"
        )
        if c.received < c.needed:
            more = c.needed - c.received
            line += f"   (so far {_fmt(c.total, precision, decimal)}, {more} more to come)"
        elif c.needed > 1:
            line += f"   (complete: {_fmt(c.total, precision, decimal)})"
        lines.append(line)
    return lines


def contribution_card(c: Contribution, precision: int = 4, decimal: str = ".") -> list[str]:
    """The contribution as the page writes it on its arrow: two short lines,
    ``0.4502 × 1.0754`` over ``= 0.4841``."""
    return [
        f"{_factor(c.local, precision, decimal)} × {_factor(c.grad, precision, decimal)}",
        f"= {_fmt(c.product, precision, decimal)}",
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
    decimal: str = "."

    @property
    def header(self) -> list[str]:
        return [self.caption, "arrows: local derivative ∂out/∂in · red: this step"]

    @property
    def footer(self) -> list[str]:
        return contribution_lines(self.step, self.precision, self.decimal)

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


def frame_look(step: Step, layout: Layout, precision: int = 4, decimal: str = ".") -> Look:
    """The look of one step: texts from `step_texts`, the node and its arrows in red."""
    look = default_look(layout, decimal=decimal)
    for v, rows in step_texts(step, precision, decimal).items():
        look.text.setdefault(layout.ids[v], {}).update(rows)
    current = step.node if step.node is not None else step.root
    cid = layout.ids[current]
    look.highlight.add(cid)
    if step.node is not None:
        i = cid[1:]
        look.highlight.add(f"op{i}")
        look.highlight.update(f"e{i}_{k}" for k in range(len(step.node._prev)))
    return look


def backward_frames(
    root: Value,
    *,
    precision: int = 4,
    max_frames: int = MAX_FRAMES,
    layout: Layout | None = None,
    decimal: str = ".",
) -> Iterator[Frame]:
    """Yield one `Frame` per step of the backward pass from ``root`` (seed frame first).

    All frames share ``layout`` (default: ``root``'s graph laid out once, with room for every
    text the frames print). ``decimal`` is the separator every number is printed with ("." or
    ",", as a lesson with a decimal comma asks).
    """
    if decimal not in (".", ","):
        raise ValueError(f"decimal must be '.' or ',', got {decimal!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"precision must be an int from 1 to 17, got {precision!r}")
    steps = backward_steps(root, max_frames=max_frames)
    if layout is None:
        reserve = reserve_texts(steps, precision, decimal)
        layout = lay_out(root, precision=precision, reserve=reserve)
    elif root not in layout.ids:
        raise ValueError("layout= is the layout of another graph: lay out this root's graph")
    for step in steps:
        yield Frame(
            step.index,
            step.node,
            step.caption_with(decimal),
            step,
            layout,
            frame_look(step, layout, precision, decimal),
            precision,
            decimal,
        )


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
