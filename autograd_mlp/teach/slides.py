"""The lesson's backward pass as slides: numbered 16:9 PNGs, one PDF, and the GIF.

One slide per step of the backward pass (`autograd_mlp.teach.frames`), at a real size
(`autograd_mlp.viz.pages`: ``"projector"`` is 1920 × 1080 with body text ≥ 18 px, ``"a4"`` and
``"letter"`` are landscape pages with body text ≥ 10 pt). The step's caption is the slide's
title, in large type; under the graph each input's share ``local × grad = contribution`` is
written out, with the partial sum and how many contributions are still to come.

The lesson's graph is larger than a slide at that text size, so it is split, not shrunk: each
slide shows a view of the one layout, chosen by a camera that holds still (`camera_views`):
consecutive steps share a view as long as it shows what each must -- the node being processed,
its operation and the number on every arrow into it -- and then the camera moves forward, never
back. Slides that share a view put every node on the same pixel; the header says which view of
how many is shown.

`save_gif_frames` writes a GIF's frames as numbered PNGs (``frame-001.png`` ...), the way a
teacher steps through them; every GIF rests on its last frame long enough to read it.

    autograd-mlp lesson slides --size projector -o slides/
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import check_folder, write_atomic, write_into
from ..engine import Value
from ..viz.layout import Layout
from ..viz.pages import (
    Size,
    Tile,
    bands,
    compose,
    fits_beside,
    footer_columns,
    png_bytes,
    size_named,
    title_lines,
    view_size,
    write_pdf,
)
from .frames import LAST_FRAME_MS, Frame, backward_frames, gif_bytes
from .lesson import Lesson
from .lesson_layout import LessonLayout, lesson_layout

__all__ = [
    "Slide",
    "lesson_slides",
    "frame_slides",
    "save_slides",
    "pick_tile",
    "camera_views",
    "step_boxes",
    "save_frames",
    "save_lesson_gif",
    "save_gif_frames",
    "FRAME_NAME",
]


FRAME_NAME = "frame-{:03d}.png"  # the GIF's frames as numbered PNGs, the first frame-001.png
_FRAME_FILE = re.compile(r"frame-\d{3,}\.png")


def save_gif_frames(directory: str | os.PathLike[str], pngs: list[bytes]) -> list[Path]:
    """Write a GIF's frames (PNG bytes) as ``frame-001.png``, ``frame-002.png``... into
    ``directory`` (created if missing), all or nothing: numbered frames of an earlier, longer
    run in the folder are removed. A teacher can step through them or put one on a slide."""
    if not pngs:
        raise ValueError("save_gif_frames needs at least one frame")
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    with write_into(folder, stale=lambda name: _FRAME_FILE.fullmatch(name) is not None) as stage:
        for k, data in enumerate(pngs, 1):
            (stage / FRAME_NAME.format(k)).write_bytes(data)
    return [folder / FRAME_NAME.format(k) for k in range(1, len(pngs) + 1)]


@dataclass(frozen=True)
class Slide:
    """One step on one page: the frame, the view of the layout it shows, the image."""

    frame: Frame
    tile: Tile
    tiles: int
    image: Any  # a Pillow image of exactly the size's pixels


def _neighbourhood(frame: Frame) -> list[tuple[float, float, float, float]]:
    """The boxes a student must see at this step: the node, its op, its inputs."""
    layout = frame.layout
    ids = [layout.ids[frame.step.root if frame.node is None else frame.node]]
    if frame.node is not None:
        ids.append(f"op{ids[0][1:]}")
        ids.extend(layout.ids[c] for c in frame.node._prev)
    boxes = []
    for nid in ids:
        n = layout.nodes[nid]
        boxes.append((n.x, n.y, n.w, n.h))
    return boxes


def pick_tile(frame: Frame, views: list[Tile], previous: Tile | None = None) -> Tile:
    """The view that shows most of the step's neighbourhood (the previous one on a tie, so
    the picture changes view only when it must)."""
    boxes = _neighbourhood(frame)

    def shown(t: Tile) -> float:
        return sum(t.contains(b) for b in boxes)

    best = max(shown(t) for t in views)
    if previous is not None and shown(previous) >= best - 1e-6:
        return previous
    return next(t for t in views if shown(t) >= best - 1e-6)


def lesson_slides(
    lesson: Lesson | None = None,
    *,
    size: str | Size = "projector",
    precision: int = 4,
    board: LessonLayout | None = None,
) -> list[Slide]:
    """A slide per step of the lesson's backward pass (see the module docstring)."""
    board = board if board is not None else lesson_layout(lesson, precision=precision)
    frames = list(
        backward_frames(
            board.error, precision=precision, layout=board.layout, decimal=board.decimal
        )
    )
    return frame_slides(frames, size, lambda tile, count: _subtitle(board, tile, count))


def frame_slides(
    frames: list[Frame],
    size: str | Size,
    subtitle: Callable[[Tile, int], str] | None = None,
) -> list[Slide]:
    """Any backward pass's frames (one layout) as pages of ``size``: the caption as title,
    ``subtitle(view, number of views)`` beside or under it, each input's share in the footer,
    the graph through the camera of `camera_views`."""
    page = size_named(size)
    layout = frames[0].layout
    columns = footer_columns(page, [f.footer for f in frames])
    longest = max(len(f.footer) for f in frames)
    captions = [f.caption for f in frames]
    # the second header line at its longest (a pass has at most a view per step)
    probe = Tile(len(frames) - 1, 0.0, 0.0, 1.0, 1.0)
    seconds = (
        [subtitle(probe, len(frames))] if subtitle is not None else [f.header[1] for f in frames]
    )
    beside = fits_beside(page, captions, seconds)
    fixed = bands(page, 2, -(-longest // columns), title_lines(page, captions), beside)
    views = camera_views(frames, *view_size(page, fixed))
    count = len(set(views))
    slides = []
    for frame, tile in zip(frames, views):
        second = subtitle(tile, count) if subtitle is not None else frame.header[1]
        image = compose(
            layout,
            frame.look,
            page,
            tile,
            header=[frame.caption, second],
            footer=frame.footer,
            fixed=fixed,
            footer_columns=columns,
        )
        slides.append(Slide(frame, tile, count, image))
    return slides


Box = tuple[float, float, float, float]  # x, y, w, h in layout units
PAD = 6.0  # white space kept between what a view must show and its edge


def step_boxes(
    frame: Frame, labels: Mapping[str, Box | None] | None = None
) -> tuple[list[Box], list[Box]]:
    """What a slide of this step must show -- the node being processed, its operation and the
    number on every arrow into it (or the root, at the seed) -- and what it should show if it
    can: the inputs' boxes. ``labels``: each arrow's label box by arrow id (default: read from
    the layout; give it once for many frames, so that a pass costs linear time)."""
    layout = frame.layout
    if labels is None:
        labels = {e.id: e.label for e in layout.edges}
    node = frame.step.root if frame.node is None else frame.node
    nid = layout.ids[node]

    def box(i: str) -> Box:
        n = layout.nodes[i]
        return (n.x, n.y, n.w, n.h)

    must = [box(nid)]
    want: list[Box] = []
    if frame.node is not None:
        i = nid[1:]
        if f"op{i}" in layout.nodes:
            must.append(box(f"op{i}"))
        for k, child in enumerate(frame.node._prev):
            label = labels.get(f"e{i}_{k}")
            if label is not None:
                must.append(label)
            want.append(box(layout.ids[child]))
    return must, want


def _union(boxes: list[Box]) -> Box:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def _inside(x0: float, y0: float, w: float, h: float, b: Box) -> bool:
    eps = 1e-6
    return (
        x0 - eps <= b[0]
        and b[0] + b[2] <= x0 + w + eps
        and y0 - eps <= b[1]
        and b[1] + b[3] <= y0 + h + eps
    )


def camera_views(frames: list[Frame], view_w: float, view_h: float) -> list[Tile]:
    """The view of the layout each frame is shown through: a camera that holds still.

    Consecutive steps share one view for as long as one view can show what each of them must
    (`step_boxes`: the node, its operation, the number on every arrow into it); only then
    does the camera move, forward, to a new view that holds the next run of steps. So the
    views are numbered in the order of the pass, a slide never goes back to an earlier view,
    and two views in a row could not have been one. Each view is placed, within the room its
    steps leave, to show the most input boxes whole, then centred on what it must show.
    Linear in the number of frames (a few dozen placements per view)."""
    if not frames:
        return []
    layout = frames[0].layout
    w = min(view_w, layout.width)
    h = min(view_h, layout.height)
    labels = {e.id: e.label for e in layout.edges}
    needs = [step_boxes(f, labels) for f in frames]
    runs: list[list[int]] = []
    current: Box | None = None
    for k, (must, _) in enumerate(needs):
        here = _union(must)
        if current is not None:
            joined = _union([current, here])
            if joined[2] + 2 * PAD <= w and joined[3] + 2 * PAD <= h:
                current = joined
                runs[-1].append(k)
                continue
        current = here
        runs.append([k])
    views: list[Tile] = []
    previous: Tile | None = None
    for index, run in enumerate(runs):
        region = _union([b for k in run for b in needs[k][0]])
        wants = [b for k in run for b in needs[k][1]]
        x0, y0 = _place(region, wants, w, h, layout.width, layout.height, previous)
        previous = Tile(index, x0, y0, w, h)
        views.extend(previous for _ in run)
    return views


def _place(
    region: Box,
    wants: list[Box],
    w: float,
    h: float,
    width: float,
    height: float,
    previous: Tile | None,
) -> tuple[float, float]:
    """The top left corner of a ``w`` × ``h`` view inside the layout that holds ``region``
    (centred on it when it is larger than the view) and the most of ``wants`` whole; of those,
    the one that shares least with the ``previous`` view (the camera moves as one clear step,
    to show what the last view did not), then the one centred on ``region``."""

    def span(start: float, size: float, view: float, total: float) -> list[float]:
        lo = max(0.0, start + size + PAD - view)
        hi = min(total - view, start - PAD)
        if lo > hi:  # too large (or at the layout's edge): centred, inside the layout
            centre = min(max(start + size / 2 - view / 2, 0.0), max(total - view, 0.0))
            return [centre]
        steps = 12
        return [lo + (hi - lo) * s / steps for s in range(steps + 1)]

    xs = span(region[0], region[2], w, width)
    ys = span(region[1], region[3], h, height)
    cx, cy = region[0] + region[2] / 2, region[1] + region[3] / 2

    def score(c: tuple[float, float]) -> tuple[int, float, float]:
        shown = sum(1 for b in wants if _inside(c[0], c[1], w, h, b))
        shared = 0.0 if previous is None else previous.contains((c[0], c[1], w, h))
        off = abs(c[0] + w / 2 - cx) + abs(c[1] + h / 2 - cy)
        return (shown, -round(shared / (w * h), 2), -off)

    return max(((x, y) for y in ys for x in xs), key=score)


def _subtitle(board: LessonLayout, tile: Tile, count: int) -> str:
    symbol = board.lesson.notation.learning_rate  # a, η or α, as the lesson's textbook writes it
    text = f"{board.lesson.error_formula}   ·   {symbol} = {board.lesson.learning_rate:g}"
    if count > 1:
        text += f"   ·   view {tile.index + 1} of {count}"
    return text


def save_slides(
    directory: str | os.PathLike[str],
    lesson: Lesson | None = None,
    *,
    size: str | Size = "projector",
    gif: bool = True,
    loop: bool = True,
    duration_ms: int = 2500,
    precision: int = 4,
    network: bool = True,
) -> list[Path]:
    """Write ``slide_00.png``, ``slide_01.png``... , ``slides.pdf`` (every slide, one page
    each), unless ``gif=False`` ``backward.gif`` (the same slides; the last one held
    longer; ``loop=False`` plays once) and, unless ``network=False``,
    ``network-backward.pdf``: the backward pass the textbook way, on the network diagram, a
    neuron a slide (`autograd_mlp.teach.network_backward`). Returns the paths written."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    board = lesson_layout(lesson, precision=precision)
    slides = lesson_slides(size=size, precision=precision, board=board)
    written = []
    pngs = []
    for s in slides:
        data = png_bytes(s.image)
        pngs.append(data)
        target = folder / f"slide_{s.frame.index:02d}.png"
        write_atomic(target, data)
        written.append(target)
    title = f"the backward pass of the {board.lesson.name}, a step a slide"
    written.append(write_pdf(folder / "slides.pdf", [s.image for s in slides], size, title=title))
    if gif:
        target = folder / "backward.gif"
        write_atomic(target, gif_bytes(pngs, duration_ms, loop=loop))
        written.append(target)
    if network:
        from .network_backward import save_network_backward

        written.extend(
            save_network_backward(
                folder / "network-backward.pdf", size=_size_name(size), board=board
            )
        )
    return written


def _size_name(size: str | Size) -> str:
    return size if isinstance(size, str) else size.name


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
    if lesson is not None and not isinstance(lesson, Lesson):
        raise TypeError(f"lesson must be a Lesson, got {type(lesson).__name__}")
    frames = [png_bytes(s.image) for s in lesson_slides(lesson, size=size)]
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, gif_bytes(frames, duration_ms, loop=loop))
    return target
