"""Projection: every artefact meant for a projector has text of 18 px or more on a 1920 × 1080
screen, at the size it is shown, without zooming.

The pages (slides, the GIF's frames, the lesson graph's views, the network diagram and its
backward pass) are 1920 × 1080 images, shown one image pixel a screen pixel: their drawing is
replayed on a recorder (the same drawing calls that make the PNG and the vector PDF) and every
text's size is read. A notebook shows Graphviz's SVG: its smallest text is read from the SVG at
the size the notebook is asked to show it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.teach.lesson_layout import lesson_graph_pages, lesson_layout
from autograd_mlp.viz.pages import VECTOR
from autograd_mlp.viz.render.display import display_svg, smallest_text_px
from autograd_mlp.viz.render.pdf import PdfCanvas
from tests.conftest import needs
from tests.lessons import LESSONS, SHALLOW

SCREEN = (1920, 1080)
MIN_PX = 18.0


class _Sizes(PdfCanvas):
    """A canvas that keeps the size and place of every text drawn on it."""

    def __init__(self, width: float, height: float) -> None:
        super().__init__(width, height)
        self.texts: list[tuple[str, float, float, float]] = []

    def show(
        self, xy: tuple[float, float], text: str, size: float, bold: bool, fill: Any, align: str
    ) -> None:
        self.texts.append((text, size, xy[0], xy[1]))
        super().show(xy, text, size, bold, fill, align)


def _texts(image: Any) -> list[tuple[str, float, float, float]]:
    """Every text of a page image, replayed from its drawing, at the image's pixels."""
    assert image.size == SCREEN
    canvas = _Sizes(image.width, image.height)
    image.info[VECTOR](canvas)
    assert canvas.texts
    return canvas.texts


def _assert_readable(images: list[Any], what: str) -> None:
    for k, image in enumerate(images):
        for text, size, x, y in _texts(image):
            if not text.strip():
                continue
            assert size >= MIN_PX - 0.5, f"{what} {k}: {text!r} is {size:.1f} px"  # Pillow rounds
            assert 0 <= x <= SCREEN[0] and 0 <= y <= SCREEN[1], (what, text)


@pytest.fixture(
    scope="module", params=[*LESSONS[:3], *SHALLOW[:2]], ids=lambda x: "-".join(map(str, x.sizes))
)
def lesson(request: pytest.FixtureRequest) -> Lesson:
    needs("pygraphviz")
    needs("PIL")
    return request.param  # type: ignore[no-any-return]


def test_slides_and_gif_frames_are_readable(lesson: Lesson, tmp_path: Path) -> None:
    from autograd_mlp.teach.slides import lesson_slides, save_slides

    _assert_readable([s.image for s in lesson_slides(lesson, size="projector")], "slide")
    if lesson is DEFAULT_LESSON:  # the GIF is those slides, one pixel a pixel
        image = needs("PIL.Image")
        save_slides(tmp_path, lesson, network=False)
        with image.open(tmp_path / "backward.gif") as gif:
            assert gif.size == SCREEN


def test_lesson_graph_views_are_readable(lesson: Lesson) -> None:
    _assert_readable(lesson_graph_pages(lesson_layout(lesson), size="projector"), "view")


def test_the_network_diagram_and_its_backward_pass_are_readable(lesson: Lesson) -> None:
    from autograd_mlp.teach.network import network_page
    from autograd_mlp.teach.network_backward import network_backward_pages

    board = lesson_layout(lesson)
    _assert_readable([network_page(board, size="projector")], "network")
    _assert_readable(network_backward_pages(board, size="projector"), "network step")


def test_notebook_graphs_are_shown_with_18_px_text_and_not_shrunk() -> None:
    needs("pygraphviz")
    from autograd_mlp.teach.network import draw_network
    from autograd_mlp.viz import draw_graph

    model, _, error = DEFAULT_LESSON.backward()
    for graph in (
        draw_graph(error, cluster="neuron", precision=3),
        draw_network(model, list(DEFAULT_LESSON.inputs)),
    ):
        raw = graph.render_bytes("svg").decode("utf-8") if hasattr(graph, "render_bytes") else ""
        bundle, metadata = graph._repr_mimebundle_()
        svg = bundle["image/svg+xml"]
        assert isinstance(svg, str)
        smallest = smallest_text_px(svg)
        assert smallest is not None and smallest >= MIN_PX - 1e-6
        if raw:  # Graphviz's own SVG was smaller: 10 pt edge labels are 13.3 px
            before = smallest_text_px(raw)
            assert before is not None and before < MIN_PX
        assert metadata == {"image/svg+xml": {"unconfined": True}}
        assert 'style="max-width:none"' in svg
        assert "overflow-x:auto" in graph._repr_html_()


def test_display_svg_enlarges_never_shrinks() -> None:
    svg = (
        '<svg width="300pt" height="100pt" viewBox="0.00 0.00 300.00 100.00">'
        '<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(4 96)">'
        '<text font-size="10.00">a</text><text font-size="14.00">b</text></g></svg>'
    )
    shown = display_svg(svg)
    assert smallest_text_px(svg) == pytest.approx(10 * 4 / 3)
    assert smallest_text_px(shown) == pytest.approx(18)
    assert re.search(r'width="405.00pt" height="135.00pt"', shown)
    big = svg.replace('font-size="10.00"', 'font-size="20.00"')
    assert 'width="300pt"' in display_svg(big)  # already readable: its size is kept
    assert display_svg("<p>not svg</p>") == "<p>not svg</p>"
