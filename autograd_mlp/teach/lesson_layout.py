"""The lesson's one layout: computed once, shared by every picture of the lesson.

`lesson_layout(lesson)` builds the lesson's network, runs the forward and backward pass, and
lays the graph of E out once (`autograd_mlp.viz.layout.lay_out`), with every box already as
wide as the widest text any view will print in it:

* the lesson graph: label, ``data …``, ``grad …``;
* each backward frame: a partial gradient ``grad 0.2151`` with, below it, how many
  contributions are still to come (``+1 more to come``);
* the worksheet: a blank ``grad ?12`` / ``data ?12``;

and every arrow's number (every arrow into an operation carries one, placed on its own line
where it covers nothing else) given room as long as the longest text any view will print on it:
the interactive page writes each contribution there at its backward step, as a card of two
lines (``0.4502 × 1.0754`` over ``= 0.4841``), centred where the number sits.

The result, a `LessonLayout`, carries the lesson, the network, its outputs, E (after
``backward()``) and the `Layout`. The interactive page reads ``lesson_layout().layout``:

>>> from autograd_mlp.teach.lesson_layout import lesson_layout
>>> board = lesson_layout()                                     # doctest: +SKIP
>>> board.layout.nodes["v3"].label, board.layout.to_dict()["nodes"]["v3"]["x"]  # doctest: +SKIP
('x1', 0.0)
>>> svg = board.svg()   # every node a <g id="v3">, its texts id="v3-data" ...  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine import Value, topological_order
from ..nn import MLP
from ..viz.layout import Layout, lay_out
from ..viz.pages import Size
from ..viz.paint import Look, default_look, render_svg
from ..viz.render import DEFAULT_TIMEOUT
from .lesson import DEFAULT_LESSON, Lesson

if TYPE_CHECKING:
    from ..viz.draw import GradGraph

__all__ = [
    "LessonLayout",
    "lesson_layout",
    "BLANK_RESERVE",
    "lesson_header",
    "learning_constant",
    "weight_symbol",
    "weight_key",
    "graph_look",
    "lesson_graph_pages",
    "lesson_graph_dot",
    "save_lesson_graph",
    "HIGHLIGHT",
]

# The widest blank a worksheet prints in a box (two-digit blank numbers).
BLANK_RESERVE = {"data": ("data ?99",), "grad": ("grad ?99",)}


@dataclass(frozen=True)
class LessonLayout:
    """A lesson, its graph after ``backward()``, and the graph's one layout."""

    lesson: Lesson
    model: MLP
    outputs: list[Value]
    error: Value
    layout: Layout

    @property
    def ids(self) -> Mapping[Value, str]:
        """Each Value's node id in the layout (``v<i>``, i its topological index)."""
        return self.layout.ids

    @property
    def decimal(self) -> str:
        """The decimal separator the lesson's pictures print numbers with ("." or ",")."""
        return self.lesson.notation.decimal

    def header(self, title: str) -> list[str]:
        """The two header lines every lesson picture prints: a title, the error convention."""
        return lesson_header(self.lesson, title)

    def svg(self, look: Look | None = None, *, title: str | None = None) -> str:
        """The whole lesson graph as SVG (layout units), with stable element ids, its numbers
        in the lesson's notation (a decimal comma when it sets one)."""
        return render_svg(
            self.layout,
            look if look is not None else default_look(self.layout, decimal=self.decimal),
            header=self.header(title or f"the lesson's {self.lesson.name}"),
        )


def lesson_header(lesson: Lesson, title: str) -> list[str]:
    """``[title, "E = Σₖ (tₖ − yₖ)²   ·   learning constant a = 0.02"]``, in the lesson's
    notation (``η = 0,02`` for a lesson that writes η and a decimal comma)."""
    return [title, f"{lesson.error_formula}   ·   learning constant {learning_constant(lesson)}"]


def learning_constant(lesson: Lesson) -> str:
    """``a = 0.02`` in the lesson's notation: its symbol (a, η, α) and decimal separator."""
    notation = lesson.notation
    return f"{notation.learning_rate} = {notation.number(f'{lesson.learning_rate:g}')}"


_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def weight_symbol(label: str, lesson: Lesson) -> str | None:
    """How the lesson's textbook writes the weight named ``label`` (``L1.N2.w3``: layer 1,
    neuron j = 2, input i = 3), in its order of indices: ``w₂₃`` for w_ji (the default),
    ``w₃₂`` for w_ij; indices of two digits are parted by a comma (``w₁₂,₃``). None for a
    label that names no weight. The name itself is the engine's and is never changed."""
    parts = label.split(".")
    if len(parts) != 3 or not parts[2].startswith("w"):
        return None
    layer, neuron, weight = parts[0][1:], parts[1][1:], parts[2][1:]
    if not (parts[0][:1] == "L" and parts[1][:1] == "N"):
        return None
    if not (layer.isdigit() and neuron.isdigit() and weight.isdigit()):
        return None
    first, second = (neuron, weight) if lesson.notation.weight_indices == "ji" else (weight, neuron)
    sep = "," if max(len(first), len(second)) > 1 else ""
    return "w" + (first + sep + second).translate(_SUBSCRIPT)


def weight_key(lesson: Lesson, label: str) -> str | None:
    """The legend's line that names a weight in the textbook's notation:
    ``L1.N2.w3 is w₂₃ of layer 1 (wⱼᵢ: into neuron j from input i)``; None for no weight."""
    symbol = weight_symbol(label, lesson)
    if symbol is None:
        return None
    order = "wⱼᵢ" if lesson.notation.weight_indices == "ji" else "wᵢⱼ"
    layer = label.split(".")[0][1:]
    return f"{label} is {symbol} of layer {layer} ({order}: into neuron j from input i)"


def lesson_layout(
    lesson: Lesson | None = None,
    *,
    precision: int = 4,
    reserve: Mapping[int, Mapping[str, Sequence[str]]] | None = None,
    edge_reserve: Mapping[str, Sequence[str]] | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> LessonLayout:
    """Build ``lesson`` (default: the project's 3–2–2 lesson), run backward, lay it out once.

    Room is reserved for every text of the backward frames, of a worksheet and of the page
    (each arrow's contribution card); ``reserve`` adds more, by the Value's topological index
    (``{3: {"grad": ["grad 1.2345 …"]}}``: the box ``v3``; the lesson's graph is built here,
    so a caller names its Values by their place), ``edge_reserve`` more room on the arrows
    that carry a number (by edge id, as `autograd_mlp.viz.layout.lay_out` takes it).
    """
    from .frames import backward_steps, contribution_card, reserve_texts

    lesson = DEFAULT_LESSON if lesson is None else lesson
    if not isinstance(lesson, Lesson):
        raise TypeError(f"lesson must be a Lesson, got {type(lesson).__name__}")
    model, outputs, error = lesson.backward()
    wanted: dict[Value, dict[str, list[str]]] = {}
    order = topological_order(error)
    index = {v: i for i, v in enumerate(order)}
    arrows: dict[str, list[str]] = {k: list(t) for k, t in (edge_reserve or {}).items()}
    steps = backward_steps(error)
    for step in steps:
        for c in step.contributions:
            if step.node is not None:
                eid = f"e{index[step.node]}_{c.argument}"
                arrows.setdefault(eid, []).append("\n".join(contribution_card(c, precision)))
    for v, rows in reserve_texts(steps, precision).items():
        for row, texts in rows.items():
            wanted.setdefault(v, {}).setdefault(row, []).extend(texts)
    for v in wanted:
        for row, blanks in BLANK_RESERVE.items():
            wanted[v].setdefault(row, []).extend(blanks)
    for i, extra in (reserve or {}).items():
        v = order[i]
        for row, more in extra.items():
            wanted.setdefault(v, {}).setdefault(row, []).extend(more)
    layout = lay_out(
        error, precision=precision, reserve=wanted, edge_reserve=arrows, timeout=timeout
    )
    return LessonLayout(lesson, model, outputs, error, layout)


# ------------------------------------------------------------------------------------------------
# The lesson graph: the whole graph, one weight's chain-rule paths in red
# ------------------------------------------------------------------------------------------------

HIGHLIGHT = "L1.N1.w1"  # the first-layer weight whose paths the lesson graph draws


def graph_look(board: LessonLayout, highlight: str | None = HIGHLIGHT) -> tuple[Look, list[str]]:
    """The lesson graph's look (every path from ``highlight`` to E in red) and its legend:
    one line per path with its product of local derivatives, then their sum and the grad, and
    for a weight its name in the textbook's order of indices (`weight_key`). Numbers are
    written in the lesson's notation (a decimal comma when it sets one); names never change."""
    from ..engine.paths import paths
    from ..viz.dot import format_number
    from ..viz.naming import board_names

    layout = board.layout
    decimal = board.decimal

    def fmt(x: float) -> str:
        return format_number(x, layout.precision, decimal)

    look = default_look(layout, decimal=decimal)
    if highlight is None:
        return look, []
    leaf = next((v for v in layout.ids if v.label == highlight), None)
    if leaf is None:
        known = ", ".join(sorted(v.label for v in layout.ids if v.label and not v._prev))
        raise ValueError(f"highlight={highlight!r} is not a Value of the lesson (try: {known})")
    found = paths(board.error, leaf)
    names = board_names(topological_order(board.error))
    lines = []
    for k, p in enumerate(found, 1):
        for a, b, slot in zip(p.nodes, p.nodes[1:], p.slots):
            i = layout.ids[b][1:]
            look.highlight.update({layout.ids[a], f"e{i}_{slot}", f"op{i}", f"e{i}_out"})
        look.highlight.add(layout.ids[p.nodes[-1]])
        factors = " × ".join(f"({fmt(x)})" if x < 0 else fmt(x) for x in p.locals)
        lines.append(
            f"path {k}: {' → '.join(names[v] for v in p.nodes)}:   {factors} = {fmt(p.product)}"
        )
    total = sum(p.product for p in found)
    if len(found) == 1:  # e.g. one hidden layer and one output: nothing to add up
        how = "the product along the one red path"
    else:
        how = f"sum over the {len(found)} red paths"
    lines.append(
        f"∂E/∂{highlight} = {how} = {fmt(total)}   "
        f"(backward gives {highlight}.grad = {fmt(leaf.grad)})"
    )
    key = weight_key(board.lesson, highlight)
    if key is not None:
        lines.append(key)
    return look, lines


def lesson_graph_dot(
    board: LessonLayout, highlight: str | None = HIGHLIGHT, *, title: str | None = None
) -> GradGraph:
    """The lesson graph drawn by Graphviz (`autograd_mlp.viz.draw_graph`): the same boxes,
    the same number on every arrow as the package's own pictures (`save_lesson_graph`), every
    chain-rule path from ``highlight`` in red and its products in the legend."""
    from ..viz import draw_graph

    return draw_graph(
        board.error,
        cluster="neuron",
        show_local=True,  # every arrow its number, as in every other view of the lesson
        highlight=highlight,
        precision=board.layout.precision,
        title=title,
        decimal=board.decimal,
    )


def lesson_graph_pages(
    board: LessonLayout,
    *,
    size: str | Size = "projector",
    highlight: str | None = HIGHLIGHT,
    title: str | None = None,
) -> list[Any]:
    """The lesson graph as Pillow images of the given size, split into views when the graph
    does not fit one page with its text at size (the header says which view)."""
    from ..viz.pages import (
        bands,
        body_px,
        compose,
        size_named,
        tiles,
        title_lines,
        view_size,
        wrap,
    )

    page = size_named(size)
    look, legend = graph_look(board, highlight)
    width = page.width - 2 * page.margin
    footer = [part for line in legend for part in wrap(line, width, body_px(page))]
    name = title or f"the lesson's {board.lesson.name}"
    if highlight is not None:
        one = sum(1 for line in legend if line.startswith("path ")) == 1
        name += f": ∂E/∂{highlight} is " + (
            "the product along its red path" if one else "the sum over its red paths"
        )
    fixed = bands(page, 2, len(footer), title_lines(page, [name]))
    views = tiles(board.layout, *view_size(page, fixed))
    images = []
    for tile in views:
        sub = f"{board.lesson.error_formula}   ·   {learning_constant(board.lesson)}"
        if len(views) > 1:
            sub += f"   ·   view {tile.index + 1} of {len(views)}"
        images.append(
            compose(board.layout, look, page, tile, header=[name, sub], footer=footer, fixed=fixed)
        )
    return images


def save_lesson_graph(
    path: str | os.PathLike[str],
    lesson: Lesson | None = None,
    *,
    size: str | Size = "projector",
    highlight: str | None = HIGHLIGHT,
    board: LessonLayout | None = None,
) -> list[Path]:
    """Write the lesson graph: ``.svg`` the whole graph as one vector picture (stable ids);
    ``.pdf`` one page per view at ``size``; ``.png`` one image per view at ``size``
    (``NAME.png`` when it fits one page, else ``NAME-1.png``, ``NAME-2.png``...)."""
    from .._files import write_atomic
    from ..viz.pages import png_bytes, write_pdf

    target = Path(path)
    ext = target.suffix.lower()
    if ext not in (".svg", ".png", ".pdf"):
        raise ValueError(f"the file name must end in .svg, .png or .pdf, got {str(path)[-60:]!r}")
    board = board if board is not None else lesson_layout(lesson)
    if ext == ".svg":
        look, legend = graph_look(board, highlight)
        svg = render_svg(
            board.layout,
            look,
            header=board.header(f"the lesson's {board.lesson.name}"),
            footer=legend,
        )
        write_atomic(target, svg.encode("utf-8"))
        return [target]
    images = lesson_graph_pages(board, size=size, highlight=highlight)
    if ext == ".pdf":
        return [write_pdf(target, images, size)]
    if len(images) == 1:
        write_atomic(target, png_bytes(images[0]))
        return [target]
    written = []
    for k, image in enumerate(images, 1):
        part = target.with_name(f"{target.stem}-{k}{target.suffix}")
        write_atomic(part, png_bytes(image))
        written.append(part)
    return written
