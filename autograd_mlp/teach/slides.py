"""The lesson's backward pass as slides: numbered 16:9 PNGs, one PDF, and the GIF.

One slide per step of the backward pass (`autograd_mlp.teach.frames`), at a real size
(`autograd_mlp.viz.pages`: ``"projector"`` is 1920 × 1080 with body text ≥ 18 px, ``"a4"`` and
``"letter"`` are landscape pages with body text ≥ 10 pt). The step's caption is the slide's
title, in large type; under the graph each input's share ``local × grad = contribution`` is
written out, with the partial sum and how many contributions are still to come.

The lesson's graph is larger than a slide at that text size, so it is split, not shrunk: each
slide shows the view (tile) of the one layout that holds most of the step's neighbourhood -- the
node being processed, its operation and its inputs. Slides that share a view put every node on
the same pixel; the header says which view of how many is shown.

    autograd-mlp lesson slides --size projector -o slides/
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import check_folder, write_atomic
from ..engine import Value
from ..viz.layout import Layout
from ..viz.pages import (
    Size,
    Tile,
    bands,
    compose,
    footer_columns,
    png_bytes,
    size_named,
    tiles,
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
    "save_frames",
    "save_lesson_gif",
]


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
    frames = list(backward_frames(board.error, precision=precision, layout=board.layout))
    return frame_slides(frames, size, lambda tile, count: _subtitle(board, tile, count))


def frame_slides(
    frames: list[Frame],
    size: str | Size,
    subtitle: Callable[[Tile, int], str] | None = None,
) -> list[Slide]:
    """Any backward pass's frames (one layout) as pages of ``size``: the caption as title,
    ``subtitle(view, number of views)`` under it, each input's share in the footer."""
    page = size_named(size)
    layout = frames[0].layout
    columns = footer_columns(page, [f.footer for f in frames])
    longest = max(len(f.footer) for f in frames)
    fixed = bands(page, 2, -(-longest // columns), title_lines(page, [f.caption for f in frames]))
    views = tiles(layout, *view_size(page, fixed))
    slides = []
    previous = None
    for frame in frames:
        tile = pick_tile(frame, views, previous)
        previous = tile
        second = subtitle(tile, len(views)) if subtitle is not None else frame.header[1]
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
        slides.append(Slide(frame, tile, len(views), image))
    return slides


def _subtitle(board: LessonLayout, tile: Tile, count: int) -> str:
    text = f"{board.lesson.error_formula}   ·   a = {board.lesson.learning_rate:g}"
    if count > 1:
        text += f"   ·   view {tile.index + 1} of {count} of the {board.lesson.name}"
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
) -> list[Path]:
    """Write ``slide_00.png``, ``slide_01.png``... , ``slides.pdf`` (every slide, one page
    each) and, unless ``gif=False``, ``backward.gif`` (the same slides; the last one held
    longer; ``loop=False`` plays once) into ``directory``. Returns the paths written."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    slides = lesson_slides(lesson, size=size, precision=precision)
    written = []
    pngs = []
    for s in slides:
        data = png_bytes(s.image)
        pngs.append(data)
        target = folder / f"slide_{s.frame.index:02d}.png"
        write_atomic(target, data)
        written.append(target)
    written.append(write_pdf(folder / "slides.pdf", [s.image for s in slides], size))
    if gif:
        target = folder / "backward.gif"
        write_atomic(target, gif_bytes(pngs, duration_ms, loop=loop))
        written.append(target)
    return written


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
