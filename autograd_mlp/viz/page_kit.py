"""The page kit: what every interactive page of the package is made of.

A page is one HTML document that opens from disk with no network and no server, and holds three
things kept apart:

* **the drawing**: an inline SVG whose nodes, arrows and numbers carry stable element ids
  (``v3``, ``op3``, ``e3_1``, ``v3-grad``...; see `autograd_mlp.viz.layout`);
* **the numbers**: one JSON block (``<script type="application/json" id="lesson-data">``),
  every number already formatted as the page shows it;
* **the behaviour**: a short plain script (``page.js``, read as package data, with ``page.css``)
  that only looks numbers up and shows them.

This module writes the shell around them: `document` (the HTML, its Content-Security-Policy:
nothing may be loaded from anywhere), `json_for_script` (JSON that cannot end its script block),
the train panel's `chart`, and `HtmlPage`, the ``str`` that displays itself in Jupyter and saves
itself. What goes *in* a page of a graph is `autograd_mlp.viz.expression_page`'s business.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .._files import check_folder, write_atomic
from .dot import format_number
from .measure import visible

__all__ = [
    "HtmlPage",
    "MAX_PAGE_BYTES",
    "PageTooLarge",
    "check_size",
    "document",
    "json_for_script",
    "asset",
    "chart",
    "write_page",
]

MAX_PAGE_BYTES = 2_000_000  # a page must stay small enough to mail and to load at once


class PageTooLarge(ValueError):
    """A page would be larger than its limit (``max_bytes``, `MAX_PAGE_BYTES` by default).

    ``size`` is the page's size in bytes (``at_least`` when it was refused before it was
    finished, from the part already made), ``limit`` the limit. The message says what to do:
    ``advice`` (draw less), or pass a larger ``max_bytes``."""

    def __init__(self, what: str, size: int, limit: int, advice: str, *, at_least: bool = False):
        self.size = size
        self.limit = limit
        self.at_least = at_least
        much = f"{'at least ' if at_least else ''}{size / 1e6:.1f} MB ({size:,} bytes)"
        super().__init__(
            f"{what}: the page would be {much}, more than max_bytes={limit:,} (a page must stay "
            f"small enough to mail and to open at once); {advice}, or pass max_bytes={size:,} "
            f"or more to write it anyway"
        )


def check_size(size: int, limit: int, what: str, advice: str, *, at_least: bool = False) -> None:
    """Raise `PageTooLarge` when ``size`` bytes are more than ``limit``."""
    if size > limit:
        raise PageTooLarge(what, size, limit, advice, at_least=at_least)


class HtmlPage(str):
    """An HTML document (a ``str``) that displays itself inline in Jupyter and saves itself.

    In a notebook it is shown inline without a frame (`autograd_mlp.viz.page_inline`: Colab and
    Kaggle strip a nested ``<iframe>``): the page's script and styles stay inside a shadow root,
    and an exported notebook shows a working page with no kernel.
    """

    def _repr_html_(self) -> str:
        from .page_inline import inline_html

        return inline_html(str(self))

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (atomically) and return the path."""
        return write_page(self, path)


def write_page(text: str, path: str | os.PathLike[str]) -> Path:
    """Write the page ``text`` to ``path`` as UTF-8, atomically: a temporary file, then a
    rename."""
    target = Path(path)
    check_folder(target)
    write_atomic(target, text.encode("utf-8"))
    return target


_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def json_for_script(data: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    (so ``</script>`` and ``<!--`` cannot appear), no U+2028/U+2029 line separators, and no lone
    surrogate (which UTF-8 cannot write): each is written as its ``\\uXXXX`` escape."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def asset(name: str) -> str:
    """A file of the page kit (page.js, page.css), read as package data."""
    return resources.files("autograd_mlp.viz").joinpath(name).read_text(encoding="utf-8")


def chart(errors: Sequence[float], precision: int, decimal: str = ".") -> dict[str, Any]:
    """The train panel's chart: E after each step as a small SVG line (``svg``), and where the
    marker sits at each step (``dots``): the positions are computed here, not by the script.
    The scale is set by the finite values; an E that is inf or nan (training diverged) is drawn
    at the top edge. Its numbers are written with the decimal separator ``decimal``."""
    width, height, pad = 480.0, 200.0, 36.0
    finite = [e for e in errors if math.isfinite(e)]
    top = max(finite) if finite else 1.0
    top = top if top > 0 else 1.0

    def share(e: float) -> float:
        return e / top if math.isfinite(e) else 1.0

    n = max(len(errors) - 1, 1)
    pts = [
        (pad + (width - 2 * pad) * t / n, height - pad - (height - 2 * pad) * share(e))
        for t, e in enumerate(errors)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    svg = (
        f'<svg id="chart" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-label="E after each gradient-descent step">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'class="axis"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" class="axis"/>'
        f'<polyline points="{line}" class="curve"/>'
        f'<text x="{pad}" y="{pad - 10}" class="tick">E = '
        f"{html.escape(format_number(top, precision).replace('.', decimal))}</text>"
        f'<text x="{width - pad}" y="{height - 8}" class="tick" text-anchor="end">step '
        f"{len(errors) - 1}</text>"
        f'<text x="{pad}" y="{height - 8}" class="tick">step 0</text>'
        f'<circle id="chart-dot" cx="{pts[0][0]:.1f}" cy="{pts[0][1]:.1f}" r="6"/></svg>'
    )
    return {"svg": svg, "dots": [[round(x, 1), round(y, 1)] for x, y in pts]}


# Nothing may be loaded from anywhere: the page is its own world (the browser enforces it too).
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def document(title: str, svg: str, data: dict[str, Any], chart: str = "") -> str:
    """The page: the HTML shell around ``svg`` (the drawing), ``data`` (the JSON block the
    script reads) and ``chart`` (the train panel's chart, if any), with page.css and page.js."""
    css = asset("page.css")
    js = asset("page.js")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{html.escape(visible(title))}</title>
<style>
{css}</style>
</head>
<body>
<header>
<h1 id="title">{html.escape(visible(title))}</h1>
<nav class="modes" aria-label="mode">
<button type="button" id="mode-step" aria-pressed="true">Step through</button>
<button type="button" id="mode-ask" aria-pressed="false">Ask a node</button>
<button type="button" id="mode-practise" aria-pressed="false">Practise</button>
<button type="button" id="mode-train" aria-pressed="false" hidden>Train</button>
</nav>
</header>
<div class="toolbar">
<div id="stepper" class="stepper">
<button type="button" id="prev"><span aria-hidden="true">◀</span> prev</button>
<button type="button" id="play"><span aria-hidden="true">▶</span> play</button>
<button type="button" id="next">next <span aria-hidden="true">▶</span></button>
<input type="range" id="slider" min="0" max="0" value="0" aria-label="step">
<span id="step-count" aria-live="polite"></span>
</div>
<div class="view">
<button type="button" id="zoom-in" aria-label="zoom in">+</button>
<button type="button" id="zoom-out" aria-label="zoom out">−</button>
<button type="button" id="zoom-fit" aria-label="show the whole graph">whole graph</button>
<button type="button" id="zoom-read" aria-label="zoom to a readable size">readable</button>
<button type="button" id="fullscreen" aria-label="full screen">full screen</button>
</div>
</div>
<main>
<div id="stage" class="stage" aria-label="gradient graph: drag to pan, wheel to zoom">
<div id="canvas">
{svg}
</div>
</div>
<aside id="panel" aria-live="polite" tabindex="0" aria-label="explanation">
<p id="caption"></p>
<div id="detail"></div>
<section id="train-panel" hidden aria-label="training">
<p id="train-info"></p>
{chart}
<label for="train-slider">gradient-descent step</label>
<input type="range" id="train-slider" min="0" max="0" value="0">
<p id="train-step" aria-live="polite"></p>
</section>
</aside>
</main>
<script type="application/json" id="lesson-data">{json_for_script(data)}</script>
<script>
{js}</script>
</body>
</html>
"""
