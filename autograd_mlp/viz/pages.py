"""Pictures at a real size: projector slides (16:9) and printed pages (A4, Letter).

A picture of a `Layout` is drawn at a fixed scale chosen so that body text is at least as
large as the size asks (`Size.min_body_px`): 18 px on a 1920 × 1080 projector, 10 pt on paper.
A graph too big for one page at that scale is **split**, not shrunk: `tiles` cuts the layout
into overlapping views whose edges fall in the white space between columns and rows of boxes,
so no box is ever cut in half. Every picture that uses the same tile puts every node on the
same pixel, because the tile's origin and the scale are fixed for the whole set.

`compose` draws one page: a header (title in large type, a second line such as the error
convention, beside the title when both fit), the graph view, and a footer of text lines in body
size. The page is a Pillow image that also carries its drawing (``info[VECTOR]``): `write_pdf`
replays it on a vector canvas (`autograd_mlp.viz.render.pdf`), so a PDF of pages has real text
in embedded fonts and the same shapes as the PNG.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._files import write_atomic
from .layout import Layout
from .measure import FONT_SIZE, text_width
from .paint import TEXT, Look, draw_text, paint

__all__ = [
    "Size",
    "SIZES",
    "Tile",
    "Bands",
    "tiles",
    "bands",
    "fits_beside",
    "view_size",
    "compose",
    "footer_columns",
    "title_lines",
    "write_pdf",
    "VECTOR",
    "png_bytes",
    "size_named",
    "body_px",
    "wrap",
]


@dataclass(frozen=True)
class Size:
    """A page: ``width`` × ``height`` pixels at ``dpi``, body text at least ``min_body_px``."""

    name: str
    width: int
    height: int
    dpi: int
    min_body_px: float
    margin_ratio: float = 0.025  # of the height; a projector shows to its edge, paper does not

    @property
    def scale(self) -> float:
        """Pixels per layout unit: body text (FONT_SIZE units) at ``min_body_px`` or more."""
        return math.ceil(self.min_body_px / FONT_SIZE * 100) / 100

    @property
    def margin(self) -> int:
        return round(self.height * self.margin_ratio)


def _pt(points: float, dpi: int) -> float:
    return points / 72 * dpi


SIZES: dict[str, Size] = {
    # A 1080p projector: the back row reads 18 px body text on a 1920-pixel-wide image.
    "projector": Size("projector", 1920, 1080, 96, 18.0, 0.018),
    # Paper, landscape (a graph is wider than tall), 200 dpi, body text 10 pt.
    "a4": Size("a4", round(297 / 25.4 * 200), round(210 / 25.4 * 200), 200, _pt(10, 200)),
    "letter": Size("letter", 11 * 200, round(8.5 * 200), 200, _pt(10, 200)),
}


def size_named(size: str | Size) -> Size:
    """`SIZES`[size], or a `Size` itself; a ValueError lists the names otherwise."""
    if isinstance(size, Size):
        return size
    if not isinstance(size, str) or size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, got {size!r}")
    return SIZES[size]


def body_px(size: str | Size) -> float:
    """The body text's height in pixels on a page of this size."""
    return FONT_SIZE * size_named(size).scale


@dataclass(frozen=True)
class Tile:
    """A view of the layout: the rectangle ``x, y, w, h`` (layout units)."""

    index: int
    x: float
    y: float
    w: float
    h: float

    def contains(self, box: tuple[float, float, float, float]) -> float:
        """The area of ``box`` (x, y, w, h) inside this tile."""
        bx, by, bw, bh = box
        dx = min(bx + bw, self.x + self.w) - max(bx, self.x)
        dy = min(by + bh, self.y + self.h) - max(by, self.y)
        return max(dx, 0.0) * max(dy, 0.0)


def tiles(layout: Layout, view_w: float, view_h: float) -> list[Tile]:
    """The views (``view_w`` × ``view_h`` layout units, or the whole layout when it is
    smaller) that together show every node box and every arrow's number whole, as few as a
    greedy cover finds (a number cut by every view would be on no page: a factor of a path
    missing from the picture).

    Candidate views start at a box's left or top edge (less a small margin); the view that
    shows the most boxes not yet shown whole is taken, until every box is. The views are then
    numbered in reading order (left to right, then top to bottom)."""
    w = min(view_w, layout.width)
    h = min(view_h, layout.height)
    pad = 6.0
    boxes = [(n.x, n.y, n.w, n.h) for n in layout.nodes.values()]
    boxes += [b for b in (e.number_box for e in layout.edges) if b is not None]
    xs = sorted({min(max(x - pad, 0.0), layout.width - w) for x, _, _, _ in boxes} | {0.0})
    ys = sorted({min(max(y - pad, 0.0), layout.height - h) for _, y, _, _ in boxes} | {0.0})

    def inside(x0: float, y0: float, b: tuple[float, float, float, float]) -> bool:
        bx, by, bw, bh = b
        return x0 <= bx and bx + bw <= x0 + w and y0 <= by and by + bh <= y0 + h

    left = set(range(len(boxes)))
    chosen: list[tuple[float, float]] = []
    while left:
        best = max(
            ((x0, y0) for y0 in ys for x0 in xs),
            key=lambda c: (sum(1 for i in left if inside(c[0], c[1], boxes[i])), -c[0], -c[1]),
        )
        shown = {i for i in left if inside(best[0], best[1], boxes[i])}
        if not shown:  # a box larger than a view: show its top left corner
            i = min(left)
            best = (boxes[i][0], boxes[i][1])
            shown = {i}
        left -= shown
        chosen.append(best)
    chosen.sort(key=lambda c: (round(c[0] / max(w, 1.0)), c[1], c[0]))
    return [Tile(k, x0, y0, w, h) for k, (x0, y0) in enumerate(chosen)]


def wrap(text: str, width_px: float, size_px: float, bold: bool = False) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width_px`` at ``size_px``."""
    words = text.split(" ")
    lines: list[str] = []
    line = ""
    for word in words:
        trial = f"{line} {word}" if line else word
        if line and text_width(trial, size_px, bold) > width_px:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    return lines


@dataclass(frozen=True)
class Bands:
    """The pixel heights of a page's header and footer, fixed for a whole set of pages;
    ``beside``: the second header line is written on the title's line, at the right."""

    header: float
    footer: float
    beside: bool = False


TITLE_RATIO = 1.75  # the title (a slide's caption) is this many times the body text
LINE_RATIO = 1.3  # body lines are this many times the body text apart


def bands(
    size: Size, header_lines: int, footer_lines: int, title_lines: int = 1, beside: bool = False
) -> Bands:
    """Room for ``header_lines`` (the first, ``title_lines`` tall, in large type; with
    ``beside`` the second on the title's last line) and ``footer_lines`` of body text."""
    body = body_px(size)
    title = body * TITLE_RATIO
    header = title + (title_lines - 1) * title * 1.2 + body * 0.8
    below = header_lines - 1 - (1 if beside and header_lines > 1 else 0)
    if below > 0:
        header += title * 0.3 + body * 0.3 + below * body * LINE_RATIO
    footer = footer_lines * body * LINE_RATIO + (body * 0.5 if footer_lines else 0)
    return Bands(header, footer, beside and header_lines > 1)


def fits_beside(size: str | Size, titles: Sequence[str], seconds: Sequence[str]) -> bool:
    """True when every title is one line in large type and leaves room on that line for the
    longest of ``seconds`` in body type (a slide then gives the graph that line)."""
    size = size_named(size)
    body = body_px(size)
    room = size.width - 2 * size.margin
    widest = max((text_width(t, body * TITLE_RATIO, True) for t in titles), default=0.0)
    second = max((text_width(t, body) for t in seconds), default=0.0)
    return widest + 2.5 * body + second <= room


def view_size(size: Size, b: Bands) -> tuple[float, float]:
    """The layout units one page shows."""
    m = size.margin
    return (size.width - 2 * m) / size.scale, (
        size.height - 2 * m - b.header - b.footer
    ) / size.scale


def compose(
    layout: Layout,
    look: Look,
    size: str | Size,
    tile: Tile,
    *,
    header: Sequence[str],
    footer: Sequence[str] = (),
    fixed: Bands | None = None,
    footer_columns: int = 1,
) -> Any:
    """One page as a Pillow image: ``header[0]`` in large type, the other header lines and the
    footer in body size, and the ``tile`` of the graph between them at `Size.scale`."""
    from PIL import Image, ImageDraw

    size = size_named(size)
    b = fixed if fixed is not None else bands(size, len(header), len(footer))
    # The graph view leaves out the boxes the tile's edge would cut (each is whole on a
    # neighbouring tile).
    look = dataclasses.replace(look, hidden=set(look.hidden) | cut_by(layout, tile))
    m = size.margin
    scale = size.scale
    vw = math.ceil(tile.w * scale) + 2
    vh = math.ceil(tile.h * scale) + 2
    top = round(m + b.header)
    origin = (m + 1 - tile.x * scale, top + 1 - tile.y * scale)

    def draw_page(draw: Any, graph: Any) -> None:
        _page_text(draw, size, b, header, footer, footer_columns)
        graph(draw)

    def pixels(draw: Any) -> None:
        # painted on its own image so that nothing outside the tile shows
        view = Image.new("RGB", (vw, vh), "white")
        paint(
            ImageDraw.Draw(view), layout, look, scale=scale, origin=(origin[0] - m, origin[1] - top)
        )
        page.paste(view, (m, top))

    def vector(canvas: Any) -> None:
        def clipped(draw: Any) -> None:
            draw.clip(m, top, vw, vh)
            paint(draw, layout, look, scale=scale, origin=origin)
            draw.unclip()

        draw_page(canvas, clipped)

    page = Image.new("RGB", (size.width, size.height), "white")
    draw_page(ImageDraw.Draw(page), pixels)
    page.info["graph_origin"] = origin
    page.info[VECTOR] = vector
    return page


VECTOR = "autograd_mlp.vector"  # the key of a page image's vector drawing (`write_pdf`)


def _page_text(
    draw: Any,
    size: Size,
    b: Bands,
    header: Sequence[str],
    footer: Sequence[str],
    footer_columns: int,
) -> None:
    """A page's header (the title in large type, broken into lines; the second line beside
    it when ``b.beside``) and its footer in columns."""
    body = body_px(size)
    m = size.margin
    title = body * TITLE_RATIO
    y = m + title
    for k, line in enumerate(header):
        if k == 0:  # the title, in large type, broken into lines that fit the page
            for part in wrap(line, size.width - 2 * m, title, True):
                draw_text(draw, (m, y), part, title, True, TEXT)
                y += title * 1.2
            y -= title * 1.2
            if not b.beside:
                y += title * 0.3 + body * 0.6 + body
        elif k == 1 and b.beside:
            draw_text(draw, (size.width - m, y), line, body, False, TEXT, "end")
            y += title * 0.3 + body * 0.6 + body
        else:
            draw_text(draw, (m, y), line, body, False, TEXT)
            y += body * LINE_RATIO
    rows = math.ceil(len(footer) / footer_columns) if footer else 0
    column_w = (size.width - 2 * m) / footer_columns
    for k, line in enumerate(footer):
        col, row = divmod(k, rows)
        y = size.height - m - b.footer + body * 1.1 + row * body * LINE_RATIO
        draw_text(draw, (m + col * column_w, y), line, body, False, TEXT)


def title_lines(size: str | Size, titles: Sequence[str]) -> int:
    """How many lines the longest of ``titles`` takes in large type on this page."""
    size = size_named(size)
    title = body_px(size) * TITLE_RATIO
    return max((len(wrap(t, size.width - 2 * size.margin, title, True)) for t in titles), default=1)


def footer_columns(size: str | Size, lines: Sequence[Sequence[str]]) -> int:
    """2 when every footer line of every page fits half the page width and some page has
    more than 4 lines (a slide then keeps more room for the graph), else 1."""
    size = size_named(size)
    half = (size.width - 2 * size.margin) / 2 - body_px(size)
    longest = max((len(ls) for ls in lines), default=0)
    fits = all(text_width(line, body_px(size)) <= half for ls in lines for line in ls)
    return 2 if longest > 4 and fits else 1


def cut_by(layout: Layout, tile: Tile) -> set[str]:
    """Ids of the node boxes and edge labels that are not wholly inside ``tile``."""
    out = set()

    def whole(x: float, y: float, w: float, h: float) -> bool:
        return tile.contains((x, y, w, h)) >= w * h - 1e-6

    for n in layout.nodes.values():
        if not whole(n.x, n.y, n.w, n.h):
            out.add(n.id)
    for e in layout.edges:
        # the number as a picture draws it, not the room the page keeps for its larger card
        drawn = e.number_box
        if drawn is not None and not whole(*drawn):
            out.add(f"{e.id}-label")
    for c in layout.clusters.values():  # a neuron box's title, as it is drawn
        w = text_width(c.title, FONT_SIZE, True)
        if not whole(c.x + 8, c.y + 2, w, FONT_SIZE * 1.3):
            out.add(f"{c.id}-title")
    return out


def png_bytes(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def write_pdf(
    path: str | os.PathLike[str], pages: Sequence[Any], size: str | Size, *, title: str = ""
) -> Path:
    """One vector PDF with a page per picture, written atomically.

    A page made by `compose` (or any Pillow image whose ``info[VECTOR]`` draws it on a
    `autograd_mlp.viz.render.pdf.PdfCanvas`) is written as shapes and real text in embedded
    DejaVu Sans: crisp at any zoom, searchable. Any other image, and every page on a machine
    without DejaVu Sans to embed, is placed as a lossless bitmap. Each page is the picture's
    pixels at the size's dpi."""
    from .measure import font_path
    from .render.pdf import PdfCanvas, pdf_bytes

    size = size_named(size)
    if not pages:
        raise ValueError("write_pdf needs at least one page")
    fonts = font_path(False) is not None and font_path(True) is not None
    canvases = []
    for image in pages:
        canvas = PdfCanvas(image.width, image.height, size.dpi)
        draw = getattr(image, "info", {}).get(VECTOR)
        if callable(draw) and fonts:
            draw(canvas)
        else:
            canvas.image(image)
        canvases.append(canvas)
    target = Path(path)
    write_atomic(target, pdf_bytes(canvases, title=title))
    return target
