"""A layout painted: the SVG and the PNG of one picture, from the same list of shapes.

A `Look` says what one picture prints on the layout (`autograd_mlp.viz.layout`): the text of
each box's rows, each arrow's number, what is drawn in red, what is left out. `render_svg` and
`render_png` turn layout and look into a picture; both go through `_scene`, one list of
primitives (rectangles, ellipses, paths, polygons, texts) in drawing order -- neuron boxes,
arrows, nodes -- so the SVG and every PNG (`paint`, also used for projector and paper pages by
`autograd_mlp.viz.pages`) agree to the pixel. No Graphviz runs here.

In the SVG every node, edge and cluster is a ``<g>`` with its layout id, and each text of a Value
box has the id ``<node>-label``, ``-data``, ``-grad``, ``-note``, so a page can change a number
without touching the drawing.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .dot import ROLES, format_number
from .layout import LINE, PAD_Y, SLACK, Layout, bezier, default_texts
from .layout_graphviz import CLUSTER_FONT, natural
from .measure import FONT_SIZE, font, text_width, visible

__all__ = [
    "Look",
    "default_look",
    "render_svg",
    "render_png",
    "paint",
    "draw_text",
    "MARGIN",
    "TEXT",
    "FONT_FAMILY",
]

MARGIN = 12.0  # white space around a whole picture
FONT_FAMILY = "DejaVu Sans, Verdana, Arial, sans-serif"
TEXT = "#1a1a1a"
GRAD_TEXT = "#9c1c1c"
EDGE = "#5f6b7a"
EDGE_TEXT = "#174a8b"
HIGHLIGHT = "#d0312d"

# ------------------------------------------------------------------------------------------------
# What one picture shows
# ------------------------------------------------------------------------------------------------


@dataclass
class Look:
    """What one picture prints on the layout (everything optional, by node/edge id).

    ``text[node_id][row]`` replaces a Value box's row (``"grad"``: ``"grad 0.2151"``; a blank
    row is ``""``); ``edge_text[edge_id]`` an arrow's number; ``highlight`` the ids drawn in
    red and bold (nodes and edges); ``hidden`` node ids and edge-label ids (``<edge>-label``)
    are not drawn (a page leaves out the boxes its edge would cut).
    """

    text: dict[str, dict[str, str]] = field(default_factory=dict)
    edge_text: dict[str, str] = field(default_factory=dict)
    highlight: set[str] = field(default_factory=set)
    hidden: set[str] = field(default_factory=set)  # not drawn (a box cut by a page's edge)


def default_look(layout: Layout, *, decimal: str = ".") -> Look:
    """Every box with its Value's label, data and grad; every arrow with its local derivative;
    the numbers with ``decimal`` as their separator ("." or ",")."""
    look = Look()
    for v, nid in layout.ids.items():
        # the label is the box's own (lay_out named every Value once, for the whole graph)
        look.text[nid] = default_texts(v, layout.precision, layout.nodes[nid].label, decimal)
        if v._prev:
            i = nid[1:]
            for k, local in enumerate(v._local):
                look.edge_text[f"e{i}_{k}"] = format_number(local, layout.precision, decimal)
    return look


# ------------------------------------------------------------------------------------------------
# Drawing: a list of primitives, written as SVG or painted with Pillow
# ------------------------------------------------------------------------------------------------


@dataclass
class _Shape:
    kind: str  # rect, text, path, polygon, ellipse
    group: str
    args: dict[str, Any]


def _scene(layout: Layout, look: Look) -> list[tuple[str, str, list[_Shape]]]:
    """(group id, css class, shapes) in drawing order: clusters, edges, nodes."""
    groups: list[tuple[str, str, list[_Shape]]] = []
    for c in sorted(layout.clusters.values(), key=lambda c: natural(c.id)):
        title = f"{c.id}-title"
        shapes = [
            _Shape(
                "rect",
                c.id,
                dict(x=c.x, y=c.y, w=c.w, h=c.h, r=8, fill="#fafafa", stroke="#9e9e9e", sw=1.0),
            ),
            _Shape(
                "text",
                c.id,
                dict(
                    x=c.x + 8,
                    y=c.y + CLUSTER_FONT + 4,
                    text=c.title,
                    size=CLUSTER_FONT,
                    bold=True,
                    fill="#333333",
                    anchor="start",
                    id=title,
                ),
            ),
        ]
        if title in look.hidden:
            shapes.pop()
        groups.append((c.id, "cluster", shapes))
    for e in layout.edges:
        hot = e.id in look.highlight
        colour = HIGHLIGHT if hot else EDGE
        width = 2.6 if hot else 1.2
        shapes = [
            _Shape("path", e.id, dict(points=e.path, stroke=colour, sw=width)),
            _Shape("polygon", e.id, dict(points=e.arrow, fill=colour)),
        ]
        text = look.edge_text.get(e.id)
        if e.label is not None and text and f"{e.id}-label" not in look.hidden:
            lx, ly, lw, lh = e.label
            # the white patch under the number is cut to the number: the box reserved for the
            # longest text this arrow shows in any view (the page's contribution cards) may be
            # much larger, and would break the line for nothing
            pw = min(lw, text_width(text, bold=hot) * SLACK + 4)
            ph = min(lh, LINE)
            patch = dict(x=lx + (lw - pw) / 2, y=ly + (lh - ph) / 2, w=pw, h=ph)
            shapes.append(
                _Shape("rect", e.id, dict(**patch, r=3, fill="white", stroke="none", sw=0))
            )
            shapes.append(
                _Shape(
                    "text",
                    e.id,
                    dict(
                        x=lx + lw / 2,
                        y=ly + lh / 2 + FONT_SIZE * 0.36,
                        text=text,
                        size=FONT_SIZE,
                        bold=hot,
                        fill=HIGHLIGHT if hot else EDGE_TEXT,
                        anchor="middle",
                        id=f"{e.id}-label",
                    ),
                )
            )
        groups.append((e.id, "edge" + (" hot" if hot else ""), shapes))
    for n in layout.nodes.values():
        if n.id in look.hidden:
            continue
        hot = n.id in look.highlight
        shapes = []
        if n.kind == "op":
            shapes.append(
                _Shape(
                    "ellipse",
                    n.id,
                    dict(
                        cx=n.cx,
                        cy=n.cy,
                        rx=n.w / 2,
                        ry=n.h / 2,
                        fill="#f4f4f4",
                        stroke=HIGHLIGHT if hot else "#8a8a8a",
                        sw=3.0 if hot else 1.0,
                    ),
                )
            )
            size = FONT_SIZE * (1.15 if len(n.label) <= 2 else 1.0)
            shapes.append(
                _Shape(
                    "text",
                    n.id,
                    dict(
                        x=n.cx,
                        y=n.cy + size * 0.36,
                        text=n.label,
                        size=size,
                        bold=False,
                        fill=TEXT,
                        anchor="middle",
                        id=f"{n.id}-label",
                    ),
                )
            )
        else:
            role = ROLES.get(n.role, ROLES["inner"])
            shapes.append(
                _Shape(
                    "rect",
                    n.id,
                    dict(
                        x=n.x,
                        y=n.y,
                        w=n.w,
                        h=n.h,
                        r=6,
                        fill=role.fill,
                        stroke=HIGHLIGHT if hot else role.border,
                        sw=3.5 if hot else 1.2,
                    ),
                )
            )
            texts = look.text.get(n.id, {})
            for k, row in enumerate(n.rows):
                t = texts.get(row, "")
                if not t:
                    continue
                y = n.y + PAD_Y + LINE * k + LINE / 2 + FONT_SIZE * 0.36
                shapes.append(
                    _Shape(
                        "text",
                        n.id,
                        dict(
                            x=n.cx,
                            y=y,
                            text=t,
                            size=FONT_SIZE,
                            bold=(row == "label"),
                            fill=GRAD_TEXT if row in ("grad", "note") else TEXT,
                            anchor="middle",
                            id=f"{n.id}-{row}",
                        ),
                    )
                )
        cls = f"node {n.kind}" + (" hot" if hot else "")
        groups.append((n.id, cls, shapes))
    return groups


def _svg_shape(s: _Shape) -> str:
    a = s.args
    if s.kind == "rect":
        stroke = f' stroke="{a["stroke"]}" stroke-width="{a["sw"]:g}"' if a["sw"] else ""
        return (
            f'<rect x="{a["x"]:.2f}" y="{a["y"]:.2f}" width="{a["w"]:.2f}" height="{a["h"]:.2f}" '
            f'rx="{a["r"]}" fill="{a["fill"]}"{stroke}/>'
        )
    if s.kind == "ellipse":
        return (
            f'<ellipse cx="{a["cx"]:.2f}" cy="{a["cy"]:.2f}" rx="{a["rx"]:.2f}" '
            f'ry="{a["ry"]:.2f}" fill="{a["fill"]}" stroke="{a["stroke"]}" '
            f'stroke-width="{a["sw"]:g}"/>'
        )
    if s.kind == "path":
        pts = a["points"]
        d = f"M{pts[0][0]:.2f},{pts[0][1]:.2f}"
        for k in range(1, len(pts) - 2, 3):
            (ax, ay), (bx, by), (cx, cy) = pts[k : k + 3]
            d += f"C{ax:.2f},{ay:.2f} {bx:.2f},{by:.2f} {cx:.2f},{cy:.2f}"
        return f'<path d="{d}" fill="none" stroke="{a["stroke"]}" stroke-width="{a["sw"]:g}"/>'
    if s.kind == "polygon":
        pts = " ".join(f"{x:.2f},{y:.2f}" for x, y in a["points"])
        return f'<polygon points="{pts}" fill="{a["fill"]}"/>'
    weight = ' font-weight="bold"' if a["bold"] else ""
    ident = f' id="{a["id"]}"' if a.get("id") else ""
    return (
        f'<text{ident} x="{a["x"]:.2f}" y="{a["y"]:.2f}" font-size="{a["size"]:.1f}"'
        f'{weight} text-anchor="{a["anchor"]}" fill="{a["fill"]}">'
        f"{html.escape(visible(a['text']), quote=False)}</text>"
    )


def render_svg(
    layout: Layout,
    look: Look | None = None,
    *,
    header: Sequence[str] = (),
    footer: Sequence[str] = (),
) -> str:
    """The picture as SVG text, in layout units (``header`` lines above, ``footer`` below).

    The graph is drawn at offset (MARGIN, header height): the same for every picture with the
    same number of header lines, so a node's coordinates in two frames are equal.
    """
    look = look if look is not None else default_look(layout)
    top = _band(header, HEADER_SIZES)
    bottom = _band(footer, FOOTER_SIZES)
    width = layout.width + 2 * MARGIN
    height = top + layout.height + bottom + 2 * MARGIN
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.2f} {height:.2f}" font-family="{FONT_FAMILY}">',
        f'<rect width="{width:.2f}" height="{height:.2f}" fill="white"/>',
    ]
    y = MARGIN
    for k, line in enumerate(header):
        size = HEADER_SIZES[min(k, 1)]
        out.append(
            _svg_shape(
                _Shape(
                    "text",
                    "",
                    dict(
                        x=MARGIN,
                        y=y + size,
                        text=line,
                        size=size,
                        bold=(k == 0),
                        fill=TEXT,
                        anchor="start",
                        id=f"header-{k}",
                    ),
                )
            )
        )
        y += size * 1.35
    out.append(f'<g id="graph" transform="translate({MARGIN:.2f},{MARGIN + top:.2f})">')
    for gid, cls, shapes in _scene(layout, look):
        out.append(f'<g id="{gid}" class="{cls}">')
        out.extend(_svg_shape(s) for s in shapes)
        out.append("</g>")
    out.append("</g>")
    y = MARGIN + top + layout.height + FONT_SIZE * 0.6
    for k, line in enumerate(footer):
        size = FOOTER_SIZES[0]
        out.append(
            _svg_shape(
                _Shape(
                    "text",
                    "",
                    dict(
                        x=MARGIN,
                        y=y + size,
                        text=line,
                        size=size,
                        bold=False,
                        fill=TEXT,
                        anchor="start",
                        id=f"footer-{k}",
                    ),
                )
            )
        )
        y += size * 1.35
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _band(lines: Sequence[str], sizes: Sequence[float]) -> float:
    """The height of a band of text lines (each ``sizes[k]`` tall, or the last size)."""
    if not lines:
        return 0.0
    total = sum(sizes[min(k, len(sizes) - 1)] * 1.35 for k in range(len(lines)))
    return total + FONT_SIZE * 0.6


HEADER_SIZES = (FONT_SIZE * 1.4, FONT_SIZE * 1.15)
FOOTER_SIZES = (FONT_SIZE * 1.2,)


# ------------------------------------------------------------------------------------------------
# PNG (Pillow): the same primitives, painted at a scale
# ------------------------------------------------------------------------------------------------


def paint(
    draw: Any,
    layout: Layout,
    look: Look,
    *,
    scale: float,
    origin: tuple[float, float],
) -> None:
    """Paint the graph on a Pillow ``ImageDraw``: layout point (x, y) lands on pixel
    ``origin + scale·(x, y)``. Used for every PNG, so all of them agree with the SVG."""
    ox, oy = origin

    def P(x: float, y: float) -> tuple[float, float]:
        return (ox + x * scale, oy + y * scale)

    for _, _, shapes in _scene(layout, look):
        for s in shapes:
            a = s.args
            if s.kind == "rect":
                box = [P(a["x"], a["y"]), P(a["x"] + a["w"], a["y"] + a["h"])]
                draw.rounded_rectangle(
                    box,
                    radius=a["r"] * scale,
                    fill=a["fill"],
                    outline=None if a["stroke"] == "none" else a["stroke"],
                    width=max(1, round(a["sw"] * scale)) if a["sw"] else 0,
                )
            elif s.kind == "ellipse":
                box = [
                    P(a["cx"] - a["rx"], a["cy"] - a["ry"]),
                    P(a["cx"] + a["rx"], a["cy"] + a["ry"]),
                ]
                draw.ellipse(
                    box, fill=a["fill"], outline=a["stroke"], width=max(1, round(a["sw"] * scale))
                )
            elif s.kind == "path":
                pts = [P(x, y) for x, y in bezier(a["points"])]
                draw.line(
                    pts, fill=a["stroke"], width=max(1, round(a["sw"] * scale)), joint="curve"
                )
            elif s.kind == "polygon":
                draw.polygon([P(x, y) for x, y in a["points"]], fill=a["fill"])
            else:
                draw_text(
                    draw,
                    P(a["x"], a["y"]),
                    a["text"],
                    a["size"] * scale,
                    a["bold"],
                    a["fill"],
                    a["anchor"],
                )


def draw_text(
    draw: Any,
    at: tuple[float, float],
    text: str,
    size: float,
    bold: bool,
    fill: str,
    anchor: str = "start",
) -> None:
    """Text with its baseline at ``at`` (as SVG places it)."""
    draw.text(
        at,
        visible(text),
        font=font(size, bold),
        fill=fill,
        anchor={"start": "ls", "middle": "ms", "end": "rs"}[anchor],
    )


def render_png(
    layout: Layout,
    look: Look | None = None,
    *,
    scale: float = 1.5,
    header: Sequence[str] = (),
    footer: Sequence[str] = (),
) -> bytes:
    """The whole picture as PNG bytes at ``scale`` pixels per layout unit."""
    import io

    from PIL import Image, ImageDraw

    look = look if look is not None else default_look(layout)
    top = _band(header, HEADER_SIZES)
    bottom = _band(footer, FOOTER_SIZES)
    width = layout.width + 2 * MARGIN
    height = top + layout.height + bottom + 2 * MARGIN
    image = Image.new("RGB", (math.ceil(width * scale), math.ceil(height * scale)), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for k, line in enumerate(header):
        size = HEADER_SIZES[min(k, 1)]
        draw_text(draw, (MARGIN * scale, (y + size) * scale), line, size * scale, k == 0, TEXT)
        y += size * 1.35
    paint(draw, layout, look, scale=scale, origin=(MARGIN * scale, (MARGIN + top) * scale))
    y = MARGIN + top + layout.height + FONT_SIZE * 0.6
    for line in footer:
        size = FOOTER_SIZES[0]
        draw_text(draw, (MARGIN * scale, (y + size) * scale), line, size * scale, False, TEXT)
        y += size * 1.35
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
