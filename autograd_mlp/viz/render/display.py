"""Graphviz's SVG as a notebook shows it: every text at least 18 px, never shrunk to fit.

Graphviz writes an SVG whose size is in points (``width="1111pt"``) and whose texts are 10 to
14 points: 13 to 19 CSS pixels at 100 %, and a notebook shrinks a wide graph to the width of
its output area, so a graph of a small MLP shows text of 9-10 px -- unreadable on a projector.
`display_svg` enlarges the picture (its ``width``/``height``, not its drawing) until its
smallest text is `MIN_TEXT_PX` CSS pixels, and asks the page not to shrink it
(``max-width: none``); `UNCONFINED` is the display metadata that tells JupyterLab and the
classic notebook the same. A wide graph then scrolls sideways instead of shrinking.
"""

from __future__ import annotations

import math
import re

__all__ = ["MIN_TEXT_PX", "UNCONFINED", "display_svg", "smallest_text_px"]

MIN_TEXT_PX = 18.0  # body text on a 1920 × 1080 projector, read from the back of the room
UNCONFINED = {"image/svg+xml": {"unconfined": True}}  # Jupyter: show at its own size

_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.DOTALL)
_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(pt|px|in|cm|mm)?\s*$")
_PX_PER = {"pt": 4 / 3, "px": 1.0, None: 1.0, "in": 96.0, "cm": 96 / 2.54, "mm": 9.6 / 2.54}
_SCALE = re.compile(r'<g\b[^>]*\bid="graph0"[^>]*\btransform="[^"]*scale\(([0-9.]+)')
_FONT = re.compile(r'<text\b[^>]*\bfont-size="([0-9.]+)"')


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def _px_per_unit(tag: str) -> tuple[float, float, str | None] | None:
    """CSS pixels per user unit of the SVG's drawing, its width and the width's unit."""
    width = _attribute(tag, "width")
    box = _attribute(tag, "viewBox")
    if width is None or box is None:
        return None
    length = _LENGTH.match(width)
    parts = box.replace(",", " ").split()
    if length is None or len(parts) != 4 or not float(parts[2]) > 0:
        return None
    value, unit = float(length.group(1)), length.group(2)
    return value * _PX_PER[unit] / float(parts[2]), value, unit


def smallest_text_px(svg: str) -> float | None:
    """The height in CSS pixels of the smallest text of ``svg`` shown at its own size."""
    tag = _SVG_TAG.search(svg)
    sizes = [float(s) for s in _FONT.findall(svg)]
    if tag is None or not sizes:
        return None
    found = _px_per_unit(tag.group())
    if found is None:
        return None
    scale = _SCALE.search(svg)
    return min(sizes) * found[0] * (float(scale.group(1)) if scale else 1.0)


def display_svg(svg: str, min_px: float = MIN_TEXT_PX) -> str:
    """``svg`` enlarged until its smallest text is ``min_px`` CSS pixels (never made smaller),
    with ``max-width: none`` so that a page does not shrink it back."""
    tag = _SVG_TAG.search(svg)
    smallest = smallest_text_px(svg)
    if tag is None or smallest is None:
        return svg
    old = tag.group()
    new = old
    factor = max(1.0, min_px / smallest)
    if factor > 1.0:
        for name in ("width", "height"):
            length = _LENGTH.match(_attribute(old, name) or "")
            if length is None:
                return svg
            value = math.ceil(float(length.group(1)) * factor * 100) / 100  # never below
            new = new.replace(
                f'{name}="{_attribute(old, name)}"',
                f'{name}="{value:.2f}{length.group(2) or ""}"',
                1,
            )
    if "style=" not in new:
        new = new.replace("<svg", '<svg style="max-width:none"', 1)
    return svg.replace(old, new, 1)
