"""How a worksheet is drawn: the printable PDF (and its picture on the lesson's layout).

`write_pdf` writes the sheet to print: page 1 (and more if needed) the instructions, the rule,
how answers are marked, the picture and every blank with room to write. `write_key_pdf` writes
the answer key with its working as a file of its own: the key is never a page of the sheet, so
printing or uploading the sheet cannot hand it out, and the sheet's metadata is its title. A
picture too big to print readably is drawn on the lesson's shared layout instead, on landscape
pages split into views (`_layout_pages`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..._files import write_atomic
from ...engine import topological_order
from ...viz.naming import printable
from .sheet import NO_GIVEAWAY_RULE, Exercise, Sheet, _quote, number_text

if TYPE_CHECKING:
    from ...viz.layout import Layout
    from ...viz.paint import Look

__all__ = ["write_pdf", "write_key_pdf", "PrintedSheet", "PAPER"]


PAPER = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}  # inches, portrait


TEXT_PT = 12.0  # the sheet's body text; the working in the key is KEY_PT


KEY_PT = 11.0


TITLE_PT = 18.0


MIN_PT = 10.0  # nothing on the page is smaller than this when printed at 100 %


WRITE_ROW_MM = 13.0  # height of a blank's row: room for a handwritten number


PICTURE_DPI = 200


_GRAPH_FONT_PT = 10.0  # the smallest font in draw_graph's drawing (edge labels)


@dataclass(frozen=True)
class PrintedSheet:
    """What `write_pdf` wrote: the file, its pages, and the size the picture's smallest text
    prints at (a picture scaled down to fit the page prints smaller than it was drawn)."""

    path: Path
    pages: int
    size: str
    picture_text_pt: float


def _wrap(text: str, pt: float, width_in: float) -> list[str]:
    import textwrap

    # DejaVu Sans averages about 0.55 em a character: wrap to what fits the width
    chars = max(20, int(width_in * 72 / (pt * 0.52)))
    return textwrap.wrap(text, chars) or [""]


def _pictures(ex: Exercise, dpi: float) -> list[bytes]:
    """The graph drawn left to right and top to bottom, without the caption (the page prints
    it as text)."""
    from ...viz import render_bytes

    graphs = [ex.graph] if ex.redraw is None else [ex.redraw(d, None) for d in ("LR", "TB")]
    out = []
    for graph in graphs:
        graph.graph_attr["dpi"] = str(dpi)
        out.append(render_bytes(graph, "png", quiet=True))
    return out


# Text as it is: a $ in a name or a title is a dollar, not the start of matplotlib's mathtext
# (where "$\\input$" would be a parse error).
_PLAIN: dict[str, Any] = {"parse_math": False}

BESIDE_IN = 3.2  # width of the column of blanks when they go beside the picture


def _arrange(
    sizes: list[tuple[float, float]], text_w: float, room: float, blanks: int, row: float
) -> tuple[int, str, float]:
    """(picture, arrangement, scale) printing the picture largest: "below" (every blank under
    it on the same page), "beside" (the blanks in a column to its right) or "after" (two blanks
    under it, the rest on the next page). Ties go to the arrangement first in that list, and
    "after" must print the picture 10 % larger to win: the blanks belong beside the picture."""
    best: tuple[float, int, int, str, float] | None = None
    for i, (w, h) in enumerate(sizes):
        options = [
            ("below", min(1.0, text_w / w, (room - blanks * row) / h)),
            (
                "beside",
                min(1.0, (text_w - BESIDE_IN) / w, room / h) if blanks * row <= room else 0.0,
            ),
            ("after", min(1.0, text_w / w, (room - 2 * row) / h)),
        ]
        for rank, (how, scale) in enumerate(options):
            worth = scale / 1.1 if how == "after" else scale
            key = (round(worth, 3), -rank, -i, how, scale)
            if best is None or key[:4] > best[:4]:
                best = key
    assert best is not None
    return -best[2], best[3], best[4]


def _too_small(images: list[Any], text_w: float, paper_h: float, row: float, ex: Exercise) -> bool:
    """True when the best page-1 arrangement prints the Graphviz picture below `MIN_PT`."""
    sizes = [(im.shape[1] / PICTURE_DPI, im.shape[0] / PICTURE_DPI) for im in images]
    room = paper_h - 2 * 0.6 - 2.6  # below the header
    _, _, scale = _arrange(sizes, text_w, room, len(ex.blanks), row)
    return _GRAPH_FONT_PT * scale < MIN_PT


def _layout_look(ex: Exercise, layout: Layout) -> Look:
    """What the sheet prints, on the shared layout: the blanks, the given numbers, and for a
    value or local-derivative sheet no gradients (and on a value sheet no arrow numbers)."""
    from ...viz.paint import default_look

    look = default_look(layout)
    missing = [v for v in topological_order(ex.root) if v not in layout.ids]
    if missing:
        raise ValueError(
            "write_pdf: the layout is not of this sheet's graph (lay the sheet's root out, or "
            "build the sheet on the layout's graph: exercise(lesson_layout(...).error))"
        )
    for v, nid in layout.ids.items():
        texts = look.text.setdefault(nid, {})
        over = (ex.node_text(v) if ex.node_text is not None else None) or {}
        if ex.hide == "grad":
            texts["grad"] = f"grad {over.get('grad', '')}"
        else:
            texts["grad"] = ""
            if "data" in over:
                texts["data"] = f"data {over['data']}"
        if v._prev:
            i = nid[1:]
            for k, u in enumerate(v._prev):
                eid = f"e{i}_{k}"
                if ex.hide == "data":
                    look.edge_text[eid] = ""
                elif ex.edge_text is not None:
                    blank = ex.edge_text(u, v, k)
                    if blank is not None:
                        look.edge_text[eid] = blank
    if ex.decimal != ".":  # the layout's own numbers are written with a decimal point
        for rows in look.text.values():
            for row in ("data", "grad"):
                if row in rows:
                    rows[row] = _NUMBER.sub(_comma, rows[row])
        for eid, text in look.edge_text.items():
            look.edge_text[eid] = _NUMBER.sub(_comma, text)
    return look


_NUMBER = re.compile(r"\d+\.\d+")


def _comma(match: re.Match[str]) -> str:
    return match.group(0).replace(".", ",")


def _layout_pages(
    ex: Exercise, size: str, layout: Layout | None, title: str
) -> tuple[list[Any], float]:
    """The sheet's picture on the shared layout, as landscape pages of ``size`` at the size's
    print scale (body text 10 pt), split into views rather than shrunk; and that text size."""
    from ...viz.layout import lay_out
    from ...viz.pages import bands, body_px, compose, size_named, tiles, title_lines, view_size

    if layout is None:
        reserve = {
            v: {"grad": ["grad ?999"], "data": ["data ?999"]} for v in topological_order(ex.root)
        }
        layout = lay_out(ex.root, precision=ex.precision, reserve=reserve)
    if ex.hide == "local":
        blanks = {f"e{layout.ids[b.node][1:]}_{b.slot}" for b in ex.blanks if b.node is not None}
        labelled = {e.id for e in layout.edges if e.label is not None}
        if not blanks <= labelled:
            raise ValueError(
                "write_pdf: the shared layout leaves some arrows of this local-derivative "
                "sheet without a number; draw it with Graphviz instead (layout=None)"
            )
    look = _layout_look(ex, layout)
    page = size_named(size)
    fixed = bands(page, 2, 0, title_lines(page, [title]))
    views = tiles(layout, *view_size(page, fixed))
    images = []
    for tile in views:
        sub = "write your answers on page 1"
        if len(views) > 1:
            sub = f"view {tile.index + 1} of {len(views)}   ·   {sub}"
        images.append(compose(layout, look, page, tile, header=[title, sub], fixed=fixed))
    return images, body_px(page) / page.dpi * 72


def write_pdf(
    ex: Exercise,
    path: str | os.PathLike[str],
    *,
    size: str = "a4",
    picture: bytes | None = None,
    picture_font_pt: float = _GRAPH_FONT_PT,
    picture_dpi: float = PICTURE_DPI,
    layout: Layout | None = None,
    student: str = "",
) -> PrintedSheet:
    """Write the printable worksheet: page 1 (and more if needed) the instructions, the rule,
    how answers are marked, the picture and every blank with room to write. The key is not in
    it (`write_key_pdf` writes it to a file of its own). ``size``: ``"a4"`` or ``"letter"``.

    ``picture`` is a PNG of the graph drawn at ``picture_dpi`` whose smallest text is
    ``picture_font_pt`` at that drawing's natural size (default: ``ex.graph`` rendered by
    Graphviz). When that would print smaller than 10 pt (a big graph such as a lesson's), or
    when ``layout`` is given (the lesson's shared layout, `teach.layout.lesson_layout`), the
    picture is drawn on the shared layout instead, on landscape pages after the instructions
    and blanks, split into views so that its text prints at 10 pt. The same sheet gives the
    same bytes (no creation date in the file). ``student``: the name printed on the name line
    (a class's sheet is each student's own). Written atomically; needs
    matplotlib (the ``plot`` extra).
    """
    if size not in PAPER:
        raise ValueError(f"size must be one of {', '.join(map(repr, PAPER))}, got {_quote(size)}")
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise ValueError(f"write_pdf writes a .pdf file, got {_quote(str(path))}")
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    from matplotlib.figure import Figure

    paper_w, paper_h = PAPER[size]
    margin = 0.6  # inches
    text_w = paper_w - 2 * margin
    row = WRITE_ROW_MM / 25.4
    what = {"grad": "gradients", "data": "values", "local": "local derivatives"}[ex.hide]
    title = ex.title or f"Worksheet: {what}"
    images = []
    if layout is None:
        images = [
            mpimg.imread(io.BytesIO(png), format="png")
            for png in ([picture] if picture is not None else _pictures(ex, picture_dpi))
        ]
    views: list[Any] = []
    view_pt = 0.0
    if layout is not None or (
        picture is None and ex.hide != "local" and _too_small(images, text_w, paper_h, row, ex)
    ):
        views, view_pt = _layout_pages(ex, size, layout, title)
    comma = f" with a decimal comma ({number_text(-0.25, 2, ',')})" if ex.decimal == "," else ""
    intro = (
        f"{ex.instructions}. Write each answer to {ex.precision} decimals{comma}, working from "
        f"the numbers as printed. {ex.marking.describe()} {NO_GIVEAWAY_RULE}"
    )
    figs: list[Figure] = []

    def page() -> tuple[Figure, float]:
        fig = Figure(figsize=(paper_w, paper_h))
        figs.append(fig)
        return fig, paper_h - margin  # the cursor, in inches from the bottom

    def line(fig: Figure, y: float, text: str, pt: float, **kw: Any) -> float:
        fig.text(
            margin / paper_w, y / paper_h, printable(text), fontsize=pt, va="top", **_PLAIN, **kw
        )
        return y - pt * 1.45 / 72

    fig, y = page()
    who = f"Name: {student}" if student else "Name: ______________________________"
    y = line(fig, y, f"{who}     Date: ______________", TEXT_PT)
    y -= 0.1
    y = line(fig, y, title, TITLE_PT, weight="bold")
    for text in _wrap(intro, TEXT_PT, text_w):
        y = line(fig, y, text, TEXT_PT)
    y -= 0.15
    x_blanks, width = margin, text_w
    how = "after"
    if views:
        pages_word = "page" if len(views) == 1 else f"{len(views)} pages"
        y = line(fig, y, f"The picture is on the next {pages_word}.", TEXT_PT, weight="bold")
        y -= 0.1
        text_pt = view_pt
    else:
        # the picture as large as the page allows (never above its natural size), with the
        # blanks under it, beside it, or continued on the next page (`_arrange`)
        sizes = [(im.shape[1] / picture_dpi, im.shape[0] / picture_dpi) for im in images]
        which, how, scale = _arrange(sizes, text_w, y - margin, len(ex.blanks), row)
        image = images[which]
        pic_w, pic_h = sizes[which][0] * scale, sizes[which][1] * scale
        left = margin if how == "beside" else margin + (text_w - pic_w) / 2
        ax = fig.add_axes((left / paper_w, (y - pic_h) / paper_h, pic_w / paper_w, pic_h / paper_h))
        ax.imshow(image, interpolation="lanczos")
        ax.set_axis_off()
        if how == "beside":
            x_blanks, width = paper_w - margin - BESIDE_IN + 0.15, BESIDE_IN - 0.15
        else:
            y -= pic_h + 0.2
        text_pt = picture_font_pt * scale
    for b in ex.blanks:
        if y - row < margin:
            fig, y = page()
            x_blanks, width = margin, text_w
        label = f"?{b.number}   {printable(b.name)} ="
        fig.text(
            x_blanks / paper_w,
            (y - row * 0.6) / paper_h,
            label,
            fontsize=TEXT_PT,
            va="baseline",
            **_PLAIN,
        )
        # the line to write on, from after the name to the right edge: at least 1.3 in
        name_in = (len(label) + 1) * TEXT_PT * 0.55 / 72
        x0 = x_blanks + min(name_in, width - 1.3)
        if how == "beside" and name_in > width - 1.3:  # a long name: write on the line below
            y -= row * 0.55
            x0 = x_blanks + 0.3
        fig.add_artist(
            matplotlib.lines.Line2D(
                [x0 / paper_w, (x_blanks + width) / paper_w],
                [(y - row * 0.62) / paper_h] * 2,
                color="#777777",
                linewidth=0.8,
            )
        )
        y -= row

    for view in views:  # the picture's pages, landscape, each filled by one composed view
        width_px, height_px = view.size
        landscape = Figure(figsize=(width_px / 200, height_px / 200))
        axes = landscape.add_axes((0, 0, 1, 1))
        axes.imshow(view, interpolation="none")
        axes.set_axis_off()
        figs.append(landscape)

    _save_pages(figs, target, title)
    return PrintedSheet(target, len(figs), size, text_pt)


def _save_pages(figs: list[Any], target: Path, title: str) -> None:
    """The pages as one PDF, written atomically. Its metadata is the title and the creator,
    nothing else: no creation date (the same sheet gives the same bytes, which a class's
    sheets rely on) and nothing from the key."""
    import io

    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    metadata = {"Title": title, "Creator": "autograd_mlp", "CreationDate": None}
    with PdfPages(buffer, metadata=metadata) as pdf:
        for f in figs:
            pdf.savefig(f)
    write_atomic(target, buffer.getvalue())


def write_key_pdf(
    ex: Exercise | Sheet | Sequence[Sheet],
    path: str | os.PathLike[str],
    *,
    size: str = "a4",
    title: str = "",
) -> PrintedSheet:
    """Write the answer key, a file of its own for the teacher (never a page of the sheet):
    the title, how answers are marked, and every blank with its answer and its working from
    the printed numbers. Given several sheets (a class's), each key starts on a page of its
    own, and ``title`` is the file's. Its ``picture_text_pt`` is the working's size (it has no
    picture)."""
    if size not in PAPER:
        raise ValueError(f"size must be one of {', '.join(map(repr, PAPER))}, got {_quote(size)}")
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise ValueError(f"write_key_pdf writes a .pdf file, got {_quote(str(path))}")
    sheets = [ex] if isinstance(ex, (Exercise, Sheet)) else list(ex)
    if not sheets:
        raise ValueError("write_key_pdf: no sheet to write the key of")
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figs: list[Figure] = []
    headings = [_key_pages(sheet, PAPER[size], figs) for sheet in sheets]
    _save_pages(figs, target, title or headings[0])
    return PrintedSheet(target, len(figs), size, KEY_PT)


def _key_pages(ex: Exercise | Sheet, paper: tuple[float, float], figs: list[Any]) -> str:
    """The key of one sheet, on pages added to ``figs``; returns its heading."""
    from matplotlib.figure import Figure

    paper_w, paper_h = paper
    margin = 0.6
    text_w = paper_w - 2 * margin
    what = {"grad": "gradients", "data": "values", "local": "local derivatives"}[ex.hide]
    heading = f"Answer key: {what}"
    if ex.title:
        heading = f"Answer key: {ex.title}"

    def page() -> tuple[Figure, float]:
        fig = Figure(figsize=(paper_w, paper_h))
        figs.append(fig)
        return fig, paper_h - margin

    def line(fig: Figure, y: float, text: str, pt: float, **kw: Any) -> float:
        fig.text(
            margin / paper_w, y / paper_h, printable(text), fontsize=pt, va="top", **_PLAIN, **kw
        )
        return y - pt * 1.45 / 72

    fig, y = page()
    for text in _wrap(heading, TITLE_PT, text_w):
        y = line(fig, y, text, TITLE_PT, weight="bold")
    y = line(fig, y, "For the teacher: do not hand this page out.", TEXT_PT)
    for text in _wrap(ex.marking.describe(), TEXT_PT, text_w):
        y = line(fig, y, text, TEXT_PT)
    y -= 0.1
    for b in ex.blanks:
        lines = _wrap(printable(b.hint), KEY_PT, text_w - 0.3)
        need = (TEXT_PT + KEY_PT * len(lines)) * 1.45 / 72 + 0.08
        if y - need < margin:
            fig, y = page()
            y = line(fig, y, f"{heading} (continued)", TEXT_PT, weight="bold")
        y = line(
            fig,
            y,
            f"?{b.number}   {b.name} = {number_text(b.answer, ex.precision, ex.decimal)}",
            TEXT_PT,
            weight="bold",
        )
        for text in lines:
            fig.text(
                (margin + 0.3) / paper_w, y / paper_h, text, fontsize=KEY_PT, va="top", **_PLAIN
            )
            y -= KEY_PT * 1.45 / 72
        y -= 0.08
    return heading
