"""Measuring text: how wide a line is in the font the pictures are drawn with, and which
characters a picture can hold.

Every box of a layout is as wide as the widest text it will ever show, so widths are measured
before anything is laid out, with DejaVu Sans (the font the PNGs are painted with, and the first
the SVGs ask a browser for): the system's copy, else matplotlib's. Without Pillow the width is
over-estimated at 0.62 em a character, so that text never overflows its box.

A label is untrusted text, and some characters cannot be drawn as they are: a line break (a
picture's line is one line), other control characters (XML forbids them; Pillow's text layout
fails on them), U+FFFE/U+FFFF (not XML characters), a lone surrogate (not UTF-8). `visible`
prints each as its escape (``\\x0a``, ``\\u2028``), as ``draw_graph`` prints them; every
picture and page measures and draws text through it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

__all__ = ["FONT_SIZE", "font_path", "font", "text_width", "visible"]

FONT_SIZE = 14.0  # body text, in layout units; a picture scales it (≥ 18 px on a projector)

# C0 controls but tab, DEL, C1 controls (NEL among them), the line and paragraph separators,
# the noncharacters U+FFFE/U+FFFF and lone surrogates.
_HIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff\ud800-\udfff]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` as a picture can print it: a tab as a space, and every character no picture can
    hold (see the module docstring) as its escape, ``"two\\nlines"`` → ``"two\\\\x0alines"``."""
    return _HIDDEN.sub(_escape, text.replace("\t", " "))


_FONT_PLACES = (
    "/usr/share/fonts/truetype/dejavu/{name}",
    "/usr/share/fonts/dejavu/{name}",
    "/usr/local/share/fonts/{name}",
    "/Library/Fonts/{name}",
)


@functools.lru_cache(maxsize=2)
def font_path(bold: bool = False) -> str | None:
    """A DejaVu Sans file: the system's, else matplotlib's copy; None when neither exists."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for place in _FONT_PLACES:
        path = Path(place.format(name=name))
        if path.is_file():
            return str(path)
    try:
        import matplotlib
    except ImportError:
        return None
    path = Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / name
    return str(path) if path.is_file() else None


@functools.lru_cache(maxsize=64)
def font(size: float, bold: bool) -> Any:
    """DejaVu Sans (bold or not) at ``size`` pixels, as a Pillow font."""
    from PIL import ImageFont

    path = font_path(bold)
    if path is None:
        return ImageFont.load_default(size=size)
    return ImageFont.truetype(path, size=max(1, round(size)))


@functools.lru_cache(maxsize=1)
def _have_pillow() -> bool:
    """Whether Pillow can be imported, asked once (a failed import searches the whole path
    again each time: thousands of texts made a lesson page take seconds under Pyodide)."""
    try:
        from PIL import ImageFont  # noqa: F401
    except ImportError:
        return False
    return True


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of ``text`` in layout units at font ``size`` (measured with DejaVu Sans;
    without Pillow, an over-estimate of 0.62 em a character), as a picture prints it
    (`visible`)."""
    text = visible(text)
    if not _have_pillow():
        return len(text) * size * (0.68 if bold else 0.62)
    try:
        measured = font(size * 4, bold)  # measured large, for sub-unit precision
    except ImportError:
        return len(text) * size * (0.68 if bold else 0.62)
    return float(measured.getlength(text)) / 4
