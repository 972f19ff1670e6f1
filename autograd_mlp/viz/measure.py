"""Measuring text: how wide a line is in the font the pictures are drawn with.

Every box of a layout is as wide as the widest text it will ever show, so widths are measured
before anything is laid out, with DejaVu Sans (the font the PNGs are painted with, and the first
the SVGs ask a browser for): the system's copy, else matplotlib's. Without Pillow the width is
over-estimated at 0.62 em a character, so that text never overflows its box.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

__all__ = ["FONT_SIZE", "font_path", "font", "text_width"]

FONT_SIZE = 14.0  # body text, in layout units; a picture scales it (≥ 18 px on a projector)

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


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """The width of ``text`` in layout units at font ``size`` (measured with DejaVu Sans;
    without Pillow, an over-estimate of 0.62 em a character)."""
    try:
        measured = font(size * 4, bold)  # measured large, for sub-unit precision
    except ImportError:
        return len(text) * size * (0.68 if bold else 0.62)
    return float(measured.getlength(text)) / 4
