"""Vector PDF, written by hand: the pages of `autograd_mlp.viz.pages` as shapes and real text.

A slide or a printed page of the lesson is drawn once, as Pillow draws it (rounded rectangles,
ellipses, lines, polygons, text at a baseline). `PdfCanvas` takes the same calls as Pillow's
``ImageDraw`` (``rounded_rectangle``, ``ellipse``, ``line``, ``polygon``, ``text``) and records
them as PDF drawing operators, in the page's pixels (y down), so one drawing routine makes both
the PNG and the PDF and they agree. `pdf_bytes` writes the pages as one PDF:

* shapes are vector paths: crisp at any zoom, no JPEG halos;
* text is text: DejaVu Sans (and Bold), the font the PNGs are painted with, embedded as a
  TrueType subset (only the glyphs the document prints) with a ToUnicode map, so a viewer can
  search and copy it, and ``pdffonts`` lists each font as embedded;
* nothing varies between runs (no dates, subset tags from the glyphs used): the same pages
  give the same bytes.

No Graphviz runs here and nothing but the standard library (and Pillow's colour names) is
needed. Graphviz's own PDFs (``save(graph, "g.pdf")``) come from cairo through the seam.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PdfCanvas", "pdf_bytes", "TrueType"]

Point = tuple[float, float]

# ------------------------------------------------------------------------------------------------
# TrueType: what a PDF needs of a font file (glyph ids, widths) and a subset of it
# ------------------------------------------------------------------------------------------------


class TrueType:
    """A TrueType font file read far enough to embed it: its cmap, advance widths, and a
    subset that keeps the glyph ids but drops the outlines of every glyph not used."""

    def __init__(self, path: str) -> None:
        with open(path, "rb") as f:
            self.data = f.read()
        self.path = path
        count = struct.unpack(">H", self.data[4:6])[0]
        self.tables: dict[str, tuple[int, int]] = {}
        for k in range(count):
            tag, _, offset, length = struct.unpack(">4sIII", self.data[12 + 16 * k : 28 + 16 * k])
            self.tables[tag.decode("latin-1")] = (offset, length)
        head = self.table("head")
        self.units: int = struct.unpack(">H", head[18:20])[0]
        self.long_loca = struct.unpack(">h", head[50:52])[0] == 1
        self.glyphs = struct.unpack(">H", self.table("maxp")[4:6])[0]
        metrics = struct.unpack(">H", self.table("hhea")[34:36])[0]
        hmtx = self.table("hmtx")
        self.advance: list[int] = [
            struct.unpack(">H", hmtx[4 * k : 4 * k + 2])[0] for k in range(metrics)
        ]
        self.advance += [self.advance[-1]] * (self.glyphs - metrics)
        self.cmap = self._cmap()
        name = self.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        self.name = "".join(c for c in name if c.isalnum() or c == "-") or "Font"

    def table(self, tag: str) -> bytes:
        offset, length = self.tables[tag]
        return self.data[offset : offset + length]

    def _cmap(self) -> dict[int, int]:
        """Unicode code point -> glyph id, from the (3,10) format 12 or (3,1) format 4 table."""
        cmap = self.table("cmap")
        count = struct.unpack(">H", cmap[2:4])[0]
        found: dict[tuple[int, int], int] = {}
        for k in range(count):
            pid, eid, offset = struct.unpack(">HHI", cmap[4 + 8 * k : 12 + 8 * k])
            found[(pid, eid)] = offset
        out: dict[int, int] = {}
        if (3, 10) in found and struct.unpack(">H", cmap[found[3, 10] : found[3, 10] + 2])[0] == 12:
            o = found[3, 10]
            groups = struct.unpack(">I", cmap[o + 12 : o + 16])[0]
            for g in range(groups):
                start, end, gid = struct.unpack(">III", cmap[o + 16 + 12 * g : o + 28 + 12 * g])
                for c in range(start, end + 1):
                    out[c] = gid + c - start
            return out
        at = found.get((3, 1), found.get((0, 3)))
        if at is None:
            raise ValueError(f"{self.path}: no Unicode cmap (3,1) or (3,10)")
        o = at
        seg = struct.unpack(">H", cmap[o + 6 : o + 8])[0] // 2
        ends = struct.unpack(f">{seg}H", cmap[o + 14 : o + 14 + 2 * seg])
        base = o + 16 + 2 * seg
        starts = struct.unpack(f">{seg}H", cmap[base : base + 2 * seg])
        deltas = struct.unpack(f">{seg}h", cmap[base + 2 * seg : base + 4 * seg])
        ranges_at = base + 4 * seg
        ranges = struct.unpack(f">{seg}H", cmap[ranges_at : ranges_at + 2 * seg])
        for k in range(seg):
            for c in range(starts[k], ends[k] + 1):
                if c == 0xFFFF:
                    continue
                if ranges[k] == 0:
                    gid = (c + deltas[k]) & 0xFFFF
                else:
                    at = ranges_at + 2 * k + ranges[k] + 2 * (c - starts[k])
                    gid = struct.unpack(">H", cmap[at : at + 2])[0]
                    gid = (gid + deltas[k]) & 0xFFFF if gid else 0
                if gid:
                    out[c] = gid
        return out

    def glyph(self, char: str) -> int:
        return self.cmap.get(ord(char), 0)

    def width(self, text: str, size: float) -> float:
        """The advance of ``text`` at ``size`` (no kerning)."""
        return float(sum(self.advance[self.glyph(c)] for c in text) * size / self.units)

    def _loca(self) -> list[int]:
        loca = self.table("loca")
        if self.long_loca:
            return list(struct.unpack(f">{self.glyphs + 1}I", loca[: 4 * (self.glyphs + 1)]))
        return [2 * x for x in struct.unpack(f">{self.glyphs + 1}H", loca[: 2 * (self.glyphs + 1)])]

    def subset(self, used: Iterable[int]) -> bytes:
        """A font file with the same glyph ids whose glyphs other than ``used`` (and the parts
        of composite glyphs they are built of, and glyph 0) are empty."""
        glyf = self.table("glyf")
        loca = self._loca()
        keep = {0, *used}
        todo = list(keep)
        while todo:  # a composite glyph draws other glyphs: keep them too
            gid = todo.pop()
            start, end = loca[gid], loca[gid + 1]
            if end - start < 10 or struct.unpack(">h", glyf[start : start + 2])[0] >= 0:
                continue
            at = start + 10
            while True:
                flags, part = struct.unpack(">HH", glyf[at : at + 4])
                if part not in keep:
                    keep.add(part)
                    todo.append(part)
                at += 4 + (4 if flags & 0x1 else 2)
                at += 2 if flags & 0x8 else 4 if flags & 0x40 else 8 if flags & 0x80 else 0
                if not flags & 0x20:
                    break
        out_glyf = bytearray()
        offsets = []
        for gid in range(self.glyphs):
            offsets.append(len(out_glyf))
            if gid in keep:
                out_glyf += glyf[loca[gid] : loca[gid + 1]]
                out_glyf += b"\0" * (-len(out_glyf) % 4)
        offsets.append(len(out_glyf))
        head = bytearray(self.table("head"))
        head[8:12] = b"\0\0\0\0"  # checkSumAdjustment: not checked by PDF readers
        head[50:52] = struct.pack(">h", 1)  # long loca
        tables = {
            "head": bytes(head),
            "hhea": self.table("hhea"),
            "maxp": self.table("maxp"),
            "hmtx": self.table("hmtx"),
            "loca": struct.pack(f">{len(offsets)}I", *offsets),
            "glyf": bytes(out_glyf),
        }
        for tag in ("cvt ", "fpgm", "prep", "OS/2", "name"):
            if tag in self.tables:
                tables[tag] = self.table(tag)
        if "post" in self.tables:  # version 3: the metrics without the glyph names
            tables["post"] = struct.pack(">I", 0x00030000) + self.table("post")[4:32]
        return _sfnt(tables)


def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    words: tuple[int, ...] = struct.unpack(f">{len(data) // 4}I", data)
    return sum(words) & 0xFFFFFFFF


def _sfnt(tables: dict[str, bytes]) -> bytes:
    tags = sorted(tables)
    n = len(tags)
    power = 1
    while power * 2 <= n:
        power *= 2
    header = struct.pack(
        ">IHHHH", 0x00010000, n, power * 16, power.bit_length() - 1, n * 16 - power * 16
    )
    offset = 12 + 16 * n
    records = b""
    body = b""
    for tag in tags:
        data = tables[tag]
        records += struct.pack(
            ">4sIII", tag.encode("latin-1"), _checksum(data), offset + len(body), len(data)
        )
        body += data + b"\0" * (-len(data) % 4)
    return header + records + body


@functools.lru_cache(maxsize=4)
def _font(bold: bool) -> TrueType:
    from ..measure import font_path

    path = font_path(bold)
    if path is None:
        raise RuntimeError(
            "a vector PDF embeds DejaVu Sans: install the fonts-dejavu package (or matplotlib, "
            "which ships a copy)"
        )
    return TrueType(path)


# ------------------------------------------------------------------------------------------------
# A page: Pillow's drawing calls, recorded as PDF operators
# ------------------------------------------------------------------------------------------------


def _rgb(colour: Any) -> tuple[float, float, float] | None:
    if colour is None or colour == "none":
        return None
    if isinstance(colour, str):
        from PIL import ImageColor

        colour = ImageColor.getrgb(colour)
    r, g, b = colour[:3]
    return (r / 255, g / 255, b / 255)


def _n(x: float) -> str:
    text = f"{x:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass
class PdfCanvas:
    """One page of ``width`` × ``height`` pixels (printed at ``dpi``) that takes the drawing
    calls of Pillow's ``ImageDraw`` and records them as vector PDF operators.

    ``clip(x, y, w, h)`` ... ``unclip()`` limit what is drawn between them to a rectangle;
    ``image(im, x, y)`` places a bitmap (a page with no vector drawing)."""

    width: float
    height: float
    dpi: float = 96.0
    ops: list[str] = field(default_factory=list)
    used: dict[bool, dict[int, str]] = field(default_factory=lambda: {False: {}, True: {}})
    images: list[tuple[Any, float, float]] = field(default_factory=list)

    def _fill(self, colour: Any) -> bool:
        rgb = _rgb(colour)
        if rgb is not None:
            self.ops.append(f"{_n(rgb[0])} {_n(rgb[1])} {_n(rgb[2])} rg")
        return rgb is not None

    def _stroke(self, colour: Any, width: float) -> bool:
        rgb = _rgb(colour)
        if rgb is not None and width > 0:
            self.ops.append(f"{_n(rgb[0])} {_n(rgb[1])} {_n(rgb[2])} RG {_n(width)} w")
            return True
        return False

    def _paint(self, fill: bool, stroke: bool) -> None:
        self.ops.append("B" if fill and stroke else "f" if fill else "S" if stroke else "n")

    @staticmethod
    def _box(box: Sequence[Any]) -> tuple[float, float, float, float]:
        if len(box) == 2:
            (x0, y0), (x1, y1) = box
        else:
            x0, y0, x1, y1 = box
        return float(x0), float(y0), float(x1), float(y1)

    def rectangle(
        self, box: Sequence[Any], fill: Any = None, outline: Any = None, width: float = 1
    ) -> None:
        self.rounded_rectangle(box, 0, fill=fill, outline=outline, width=width)

    def rounded_rectangle(
        self,
        box: Sequence[Any],
        radius: float = 0,
        fill: Any = None,
        outline: Any = None,
        width: float = 1,
        **_: Any,
    ) -> None:
        x0, y0, x1, y1 = self._box(box)
        # Pillow draws the outline inside the box: the PDF's stroke is centred on the path
        inset = width / 2 if outline is not None and width else 0.0
        x0, y0, x1, y1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
        r = max(0.0, min(radius - inset, (x1 - x0) / 2, (y1 - y0) / 2))
        self.ops.append("q")
        fill_on = self._fill(fill)
        stroke_on = self._stroke(outline, width)
        if r <= 0:
            self.ops.append(f"{_n(x0)} {_n(y0)} {_n(x1 - x0)} {_n(y1 - y0)} re")
        else:
            k = r * 0.5523
            self.ops.append(
                f"{_n(x0 + r)} {_n(y0)} m {_n(x1 - r)} {_n(y0)} l "
                f"{_n(x1 - r + k)} {_n(y0)} {_n(x1)} {_n(y0 + r - k)} {_n(x1)} {_n(y0 + r)} c "
                f"{_n(x1)} {_n(y1 - r)} l "
                f"{_n(x1)} {_n(y1 - r + k)} {_n(x1 - r + k)} {_n(y1)} {_n(x1 - r)} {_n(y1)} c "
                f"{_n(x0 + r)} {_n(y1)} l "
                f"{_n(x0 + r - k)} {_n(y1)} {_n(x0)} {_n(y1 - r + k)} {_n(x0)} {_n(y1 - r)} c "
                f"{_n(x0)} {_n(y0 + r)} l "
                f"{_n(x0)} {_n(y0 + r - k)} {_n(x0 + r - k)} {_n(y0)} {_n(x0 + r)} {_n(y0)} c h"
            )
        self._paint(fill_on, stroke_on)
        self.ops.append("Q")

    def ellipse(
        self, box: Sequence[Any], fill: Any = None, outline: Any = None, width: float = 1
    ) -> None:
        x0, y0, x1, y1 = self._box(box)
        inset = width / 2 if outline is not None and width else 0.0
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        rx, ry = max((x1 - x0) / 2 - inset, 0.0), max((y1 - y0) / 2 - inset, 0.0)
        kx, ky = rx * 0.5523, ry * 0.5523
        self.ops.append("q")
        fill_on = self._fill(fill)
        stroke_on = self._stroke(outline, width)
        self.ops.append(
            f"{_n(cx + rx)} {_n(cy)} m "
            f"{_n(cx + rx)} {_n(cy + ky)} {_n(cx + kx)} {_n(cy + ry)} {_n(cx)} {_n(cy + ry)} c "
            f"{_n(cx - kx)} {_n(cy + ry)} {_n(cx - rx)} {_n(cy + ky)} {_n(cx - rx)} {_n(cy)} c "
            f"{_n(cx - rx)} {_n(cy - ky)} {_n(cx - kx)} {_n(cy - ry)} {_n(cx)} {_n(cy - ry)} c "
            f"{_n(cx + kx)} {_n(cy - ry)} {_n(cx + rx)} {_n(cy - ky)} {_n(cx + rx)} {_n(cy)} c h"
        )
        self._paint(fill_on, stroke_on)
        self.ops.append("Q")

    def line(self, xy: Sequence[Point], fill: Any = None, width: float = 1, **_: Any) -> None:
        points = list(xy)
        if len(points) < 2:
            return
        self.ops.append("q 1 J 1 j")
        if self._stroke(fill, width):
            path = " ".join(f"{_n(x)} {_n(y)} l" for x, y in points[1:])
            self.ops.append(f"{_n(points[0][0])} {_n(points[0][1])} m {path} S")
        self.ops.append("Q")

    def curve(self, points: Sequence[Point], stroke: Any, width: float) -> None:
        """A cubic Bézier path: a start point, then three points a segment (as SVG's C)."""
        self.ops.append("q 1 J 1 j")
        if self._stroke(stroke, width):
            d = [f"{_n(points[0][0])} {_n(points[0][1])} m"]
            for k in range(1, len(points) - 2, 3):
                (ax, ay), (bx, by), (cx, cy) = points[k : k + 3]
                d.append(f"{_n(ax)} {_n(ay)} {_n(bx)} {_n(by)} {_n(cx)} {_n(cy)} c")
            self.ops.append(" ".join(d) + " S")
        self.ops.append("Q")

    def polygon(
        self, xy: Sequence[Point], fill: Any = None, outline: Any = None, width: float = 1
    ) -> None:
        points = list(xy)
        if len(points) < 2:
            return
        self.ops.append("q")
        fill_on = self._fill(fill)
        stroke_on = self._stroke(outline, width)
        path = " ".join(f"{_n(x)} {_n(y)} l" for x, y in points[1:])
        self.ops.append(f"{_n(points[0][0])} {_n(points[0][1])} m {path} h")
        self._paint(fill_on, stroke_on)
        self.ops.append("Q")

    def text(
        self,
        xy: Point,
        text: str,
        fill: Any = None,
        font: Any = None,
        anchor: str | None = None,
        **_: Any,
    ) -> None:
        """Text as Pillow draws it with a DejaVu ``font`` (a Pillow FreeTypeFont, or a pair
        ``(size, bold)``): ``anchor`` "ls", "ms" or "rs", the baseline at ``xy``."""
        if isinstance(font, tuple):
            size, bold = float(font[0]), bool(font[1])
        else:
            size = float(getattr(font, "size", 10))
            bold = "Bold" in str(getattr(font, "path", ""))
        self.show(xy, text, size, bold, fill, (anchor or "ls")[0])

    def show(self, xy: Point, text: str, size: float, bold: bool, fill: Any, align: str) -> None:
        """``text`` at ``size`` pixels, its baseline at ``xy``: ``align`` "l", "m" or "r"."""
        if not text:
            return
        face = _font(bold)
        x, y = xy
        w = face.width(text, size)
        x -= w / 2 if align == "m" else w if align == "r" else 0.0
        used = self.used[bold]
        glyphs = []
        for c in text:
            gid = face.glyph(c)
            used.setdefault(gid, c)
            glyphs.append(gid)
        hexes = "".join(f"{g:04X}" for g in glyphs)
        self.ops.append("q")
        self._fill(fill if fill is not None else "black")
        self.ops.append(
            f"BT /F{int(bold) + 1} {_n(size)} Tf 1 0 0 -1 {_n(x)} {_n(y)} Tm <{hexes}> Tj ET Q"
        )

    def clip(self, x: float, y: float, w: float, h: float) -> None:
        self.ops.append(f"q {_n(x)} {_n(y)} {_n(w)} {_n(h)} re W n")

    def unclip(self) -> None:
        self.ops.append("Q")

    def image(self, im: Any, x: float = 0.0, y: float = 0.0) -> None:
        """A Pillow image at pixel ``(x, y)``, one pixel a pixel (stored losslessly)."""
        k = len(self.images)
        self.images.append((im.convert("RGB"), x, y))
        self.ops.append(f"q {im.width} 0 0 {-im.height} {_n(x)} {_n(y + im.height)} cm /Im{k} Do Q")


# ------------------------------------------------------------------------------------------------
# The file
# ------------------------------------------------------------------------------------------------


class _Writer:
    def __init__(self) -> None:
        self.objects: list[bytes] = []

    def reserve(self) -> int:
        self.objects.append(b"")
        return len(self.objects)

    def put(self, body: bytes | str, number: int | None = None) -> int:
        data = body.encode("latin-1") if isinstance(body, str) else body
        if number is None:
            self.objects.append(data)
            return len(self.objects)
        self.objects[number - 1] = data
        return number

    def stream(self, data: bytes, extra: str = "") -> int:
        packed = zlib.compress(data, 9)
        head = f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n"
        return self.put(head.encode("latin-1") + packed + b"\nendstream")

    def finish(self, root: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for k, body in enumerate(self.objects, 1):
            offsets.append(len(out))
            out += f"{k} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode()
        for o in offsets:
            out += f"{o:010d} 00000 n \n".encode()
        ident = hashlib.md5(bytes(out)).hexdigest()
        out += (
            f"trailer\n<< /Size {len(self.objects) + 1} /Root {root} 0 R /Info {info} 0 R "
            f"/ID [<{ident}> <{ident}>] >>\nstartxref\n{xref}\n%%EOF\n"
        ).encode()
        return bytes(out)


def _pdf_text(text: str) -> str:
    """A PDF text string (UTF-16BE with its mark), for the document's title."""
    return "<FEFF" + text.encode("utf-16-be").hex().upper() + ">"


def _font_objects(w: _Writer, bold: bool, used: dict[int, str]) -> int:
    face = _font(bold)
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha1(repr(sorted(used)).encode()).digest()[:6])
    name = f"{tag}+{face.name}"
    program = face.subset(used)
    file = w.stream(program, f"/Length1 {len(program)} ")
    head = face.table("head")
    x0, y0, x1, y1 = struct.unpack(">hhhh", head[36:44])
    hhea = face.table("hhea")
    ascent, descent = struct.unpack(">hh", hhea[4:8])

    def em(v: float) -> int:
        return round(v * 1000 / face.units)

    descriptor = w.put(
        f"<< /Type /FontDescriptor /FontName /{name} /Flags 32 "
        f"/FontBBox [{em(x0)} {em(y0)} {em(x1)} {em(y1)}] /ItalicAngle 0 "
        f"/Ascent {em(ascent)} /Descent {em(descent)} /CapHeight {em(ascent)} "
        f"/StemV {120 if bold else 80} /FontFile2 {file} 0 R >>"
    )
    widths = " ".join(f"{g} [{em(face.advance[g])}]" for g in sorted(used))
    cid = w.put(
        f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        f"/FontDescriptor {descriptor} 0 R /DW 1000 /W [{widths}] /CIDToGIDMap /Identity >>"
    )
    pairs = sorted(used.items())
    chunks = []
    for k in range(0, len(pairs), 100):
        part = pairs[k : k + 100]
        lines = "\n".join(f"<{g:04X}> <{c.encode('utf-16-be').hex().upper()}>" for g, c in part)
        chunks.append(f"{len(part)} beginbfchar\n{lines}\nendbfchar")
    cmap = (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "\n".join(chunks)
        + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    )
    unicode = w.stream(cmap.encode("ascii"))
    return w.put(
        f"<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H "
        f"/DescendantFonts [{cid} 0 R] /ToUnicode {unicode} 0 R >>"
    )


def pdf_bytes(pages: Sequence[PdfCanvas], *, title: str = "") -> bytes:
    """The pages as one PDF (each ``width`` × ``height`` pixels at its ``dpi``)."""
    if not pages:
        raise ValueError("a PDF needs at least one page")
    w = _Writer()
    catalog = w.reserve()
    tree = w.reserve()
    used: dict[bool, dict[int, str]] = {False: {}, True: {}}
    for p in pages:
        for bold in (False, True):
            for g, c in p.used[bold].items():
                used[bold].setdefault(g, c)
    fonts = {bold: _font_objects(w, bold, used[bold]) for bold in (False, True) if used[bold]}
    font_dict = " ".join(f"/F{int(b) + 1} {ref} 0 R" for b, ref in fonts.items())
    kids = []
    for p in pages:
        s = 72.0 / p.dpi
        width, height = p.width * s, p.height * s
        # the page's pixels, y down, onto PDF points, y up
        content = f"{_n(s)} 0 0 {_n(-s)} 0 {_n(height)} cm\n" + "\n".join(p.ops)
        images = []
        for k, (im, _, _) in enumerate(p.images):
            ref = w.stream(
                im.tobytes(),
                f"/Type /XObject /Subtype /Image /Width {im.width} /Height {im.height} "
                "/ColorSpace /DeviceRGB /BitsPerComponent 8 ",
            )
            images.append(f"/Im{k} {ref} 0 R")
        body = w.stream(content.encode("latin-1"))
        xobjects = f" /XObject << {' '.join(images)} >>" if images else ""
        kids.append(
            w.put(
                f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {_n(width)} {_n(height)}] "
                f"/Resources << /Font << {font_dict} >>{xobjects} >> /Contents {body} 0 R >>"
            )
        )
    w.put(
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>",
        tree,
    )
    w.put(f"<< /Type /Catalog /Pages {tree} 0 R >>", catalog)
    info = w.put(f"<< /Title {_pdf_text(title)} /Producer (autograd_mlp) >>")
    return w.finish(catalog, info)
