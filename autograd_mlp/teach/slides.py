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

from .._files import write_atomic
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
from .frames import Frame, backward_frames, gif_bytes
from .lesson import Lesson
from .lesson_layout import LessonLayout, lesson_layout

__all__ = ["Slide", "lesson_slides", "frame_slides", "save_slides", "pick_tile"]


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
