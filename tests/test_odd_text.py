"""Text no picture can hold as it is, in labels and titles (review N5).

A newline, CR, NEL, U+2028/U+2029 or another control character, U+FFFE and a lone surrogate made
the shared layout, the page, the frames and the PNG/PDF pictures crash (``raqm_layout()
failed``, an XML ParseError, a UnicodeEncodeError) or write an SVG that is not well-formed with
exit 0. Like ``draw_graph``, every picture now prints such a character as visible text
(``\\x0a``, ``\\u2028``, ``\\ud800``): each picture here must be made, be well-formed, and show
the label so.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_mlp import Value, to_html
from autograd_mlp.teach.frames import backward_frames
from autograd_mlp.teach.lesson_layout import LessonLayout, lesson_graph_pages, lesson_layout
from autograd_mlp.teach.network import network_page
from autograd_mlp.teach.slides import save_frames
from autograd_mlp.viz.measure import text_width, visible
from autograd_mlp.viz.pages import png_bytes, write_pdf
from tests.conftest import needs

# (character, how a picture prints it)
ODD = [
    ("\n", "\\x0a"),
    ("\r", "\\x0d"),
    ("\x85", "\\x85"),  # NEL
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
    ("\x00", "\\x00"),
    ("\x01", "\\x01"),
    ("\x0b", "\\x0b"),
    ("\x0c", "\\x0c"),
    ("\x1f", "\\x1f"),
    ("\x7f", "\\x7f"),
    ("\ufffe", "\\ufffe"),
    ("\uffff", "\\uffff"),
    ("\ud800", "\\ud800"),  # a lone surrogate (from a bad decode)
]
IDS = [f"U+{ord(c):04X}" for c, _ in ODD]


@pytest.fixture(autouse=True)
def _tools() -> None:
    needs("pygraphviz")
    needs("PIL")


def _graph(label: str) -> Value:
    x = Value(1.0, label=label)
    w = Value(2.0, label="w")
    y = x * w
    y.label = "y"
    return y


def test_visible_prints_what_a_picture_cannot_hold() -> None:
    for char, shown in ODD:
        assert visible(f"a{char}b") == f"a{shown}b"
    assert visible("tab\there") == "tab here"  # as Graphviz prints a tab
    assert visible("x·w → ∂E/∂w ⁰¹² é") == "x·w → ∂E/∂w ⁰¹² é"  # the rest as it is
    assert text_width("a\nb") == text_width("a\\x0ab")


@pytest.mark.parametrize(("char", "shown"), ODD, ids=IDS)
def test_the_page_shows_the_label(char: str, shown: str) -> None:
    page = to_html(_graph(f"two{char}lines"), title=f"a{char}title")
    page.encode("utf-8")  # writable as it is
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    tree = ET.fromstring(svg)  # well-formed
    texts = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}text")]
    assert f"two{shown}lines" in texts
    titles = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}title")]
    assert f"two{shown}lines" in titles
    assert f'<h1 id="title">a{shown}title</h1>' in page and f"<title>a{shown}title</title>" in page
    # the data keeps the text exactly (the script writes it with textContent), safely escaped
    block = page.split('id="lesson-data">', 1)[1].split("</script>", 1)[0]
    data = json.loads(block)
    assert data["nodes"][0]["name"] == f"two{char}lines" and data["title"] == f"a{char}title"


@pytest.mark.parametrize(("char", "shown"), ODD, ids=IDS)
def test_frames_show_the_label(char: str, shown: str, tmp_path: Path) -> None:
    from PIL import Image

    y = _graph(f"two{char}lines")
    frames = list(backward_frames(y))
    svg = frames[-1].svg(header=[f"a{char}title"])
    root = ET.fromstring(svg)  # well-formed
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert f"two{shown}lines" in texts and f"a{shown}title" in texts
    assert any(f"two{shown}lines.grad" in (t or "") for t in texts)  # the footer's sums
    Image.open(io.BytesIO(frames[-1].png())).verify()
    written = save_frames(y, tmp_path / "frames")
    assert written[-1].name == "backward.gif"


@pytest.fixture(scope="module")
def board() -> LessonLayout:
    needs("pygraphviz")
    return lesson_layout()


@pytest.mark.parametrize(("char", "shown"), ODD, ids=IDS)
def test_a_title_in_every_picture_of_the_lesson(
    board: LessonLayout, char: str, shown: str, tmp_path: Path
) -> None:
    from PIL import Image

    title = f"lesson{char}one"
    svg = ET.fromstring(board.svg(title=title))
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert f"lesson{shown}one" in texts
    pages = lesson_graph_pages(board, title=title)
    assert write_pdf(tmp_path / "g.pdf", pages, "projector").stat().st_size > 1000
    for image in [*pages, network_page(board, title=f"net{char}work")]:
        Image.open(io.BytesIO(png_bytes(image))).verify()
