"""The slide, lesson-graph and network PDFs are vector: real text in embedded fonts.

Read back with poppler, as a teacher's viewer reads them: ``pdffonts`` lists every font as
embedded, ``pdftotext`` finds on each page the numbers the page shows, no page is a bitmap,
and the PDF drawn at the slide's resolution is the PNG slide.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from autograd_mlp.teach.lesson_layout import LessonLayout, lesson_layout, save_lesson_graph
from autograd_mlp.teach.slides import save_slides
from autograd_mlp.viz import format_number
from autograd_mlp.viz.render.pdf import PdfCanvas, TrueType, pdf_bytes
from tests.conftest import IN_CI, needs

NUMBER = re.compile(r"−?\d+\.\d+")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if IN_CI:
            pytest.fail(f"{name} (Debian poppler-utils) is required under CI=true")
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


def _fonts(pdf: Path) -> list[list[str]]:
    out = subprocess.run(
        [_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    assert rows, f"{pdf.name} has no fonts: its text is not text"
    return rows


def _pages(pdf: Path) -> list[str]:
    out = subprocess.run(
        [_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")[:-1]


def _assert_vector(pdf: Path) -> None:
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"/Subtype /Image" not in data and b"/DCTDecode" not in data  # no bitmap, no JPEG
    for row in _fonts(pdf):
        # name type... encoding emb sub uni object ID: emb is the 5th column from the end
        assert row[-5] == "yes", f"{pdf.name}: font {row[0]} is not embedded"
        assert "DejaVuSans" in row[0]


@pytest.fixture(scope="module")
def board() -> LessonLayout:
    needs("pygraphviz")
    needs("PIL")
    return lesson_layout()


def test_slides_pdf_is_vector_text_with_every_number_of_each_slide(tmp_path: Path) -> None:
    needs("pygraphviz")
    image = needs("PIL.Image")
    save_slides(tmp_path, gif=False)
    pdf = tmp_path / "slides.pdf"
    _assert_vector(pdf)
    from autograd_mlp.teach.slides import lesson_slides

    slides = lesson_slides()
    pages = _pages(pdf)
    assert len(pages) == len(slides) == 12
    for slide, text in zip(slides, pages):
        flat = " ".join(text.split())
        assert " ".join(slide.frame.caption.split()) in flat
        for line in slide.frame.footer:  # every share: local × grad = product
            for number in NUMBER.findall(line):
                assert number in text, (slide.frame.index, line, number)
            assert " ".join(line.split()) in flat, line
    # drawn at the slide's resolution, the PDF page is the PNG slide
    ppm = _tool("pdftoppm")
    subprocess.run(
        [ppm, "-r", "96", "-f", "5", "-l", "5", "-png", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    from PIL import ImageChops, ImageFilter, ImageStat

    drawn = image.open(next(tmp_path.glob("page*.png"))).convert("L")
    png = image.open(tmp_path / "slide_04.png").convert("L")
    assert drawn.size == png.size == (1920, 1080)
    blur = ImageFilter.GaussianBlur(2)
    diff = ImageChops.difference(drawn.filter(blur), png.filter(blur))
    assert ImageStat.Stat(diff).mean[0] < 4  # same shapes and text, different rasterisers


def test_lesson_graph_pdf_is_vector_with_every_box_number(
    board: LessonLayout, tmp_path: Path
) -> None:
    pdf = tmp_path / "graph.pdf"
    save_lesson_graph(pdf, board=board)
    _assert_vector(pdf)
    text = "\n".join(_pages(pdf))
    for v in board.layout.ids:
        assert f"data {format_number(v.data)}" in text, v.label


def test_network_pdf_is_vector_with_every_weight(board: LessonLayout, tmp_path: Path) -> None:
    net = tmp_path / "net.pdf"
    assert main(["lesson", "network", "-o", str(net)]) == 0
    _assert_vector(net)
    flat = " ".join(" ".join(_pages(net)).split())
    for layer in board.model.layers:
        for n in layer.neurons:
            for w in n.w:
                assert f"{w.label} = {format_number(w.data)}" in flat


def test_pdf_writer_is_deterministic_and_subsets_its_fonts() -> None:
    needs("PIL")

    def page() -> PdfCanvas:
        c = PdfCanvas(400, 200, 96)
        c.rounded_rectangle([(10, 10), (200, 80)], radius=6, fill="#dbe9f9", outline="red")
        c.text((20, 50), "∂E/∂w = −0.8042 · σ(z) × Σ", font=(18, False), anchor="ls")
        c.text((20, 90), "bold", font=(18, True), anchor="ls")
        c.curve([(0, 0), (50, 0), (50, 100), (100, 100)], "#5f6b7a", 2)
        return c

    a, b = pdf_bytes([page()], title="t"), pdf_bytes([page()], title="t")
    assert a == b
    # each font holds the outlines of the glyphs it prints only: far smaller than DejaVu
    from autograd_mlp.viz.measure import font_path

    path = font_path()
    if path is None:
        pytest.skip("no DejaVu Sans")
    face = TrueType(path)
    used = {face.glyph(c) for c in "−0.8042"}
    assert len(face.subset(used)) < len(face.data) / 4
    assert face.glyph("∂") and face.glyph("−") and face.width("ab", 10) > 0
    with pytest.raises(ValueError, match="at least one page"):
        pdf_bytes([])


def test_pdf_writer_text_is_searchable(tmp_path: Path) -> None:
    needs("PIL")
    c = PdfCanvas(600, 100, 96)
    c.text((10, 50), "L1.N1.w1.grad += 0.4502 × (−1.7864) = −0.8042", font=(18, False))
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(pdf_bytes([c]))
    assert "L1.N1.w1.grad += 0.4502 × (−1.7864) = −0.8042" in _pages(pdf)[0]


def test_without_dejavu_the_pages_are_bitmaps(
    board: LessonLayout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd_mlp.viz import measure, pages

    images = pages_of(board)
    monkeypatch.setattr(measure, "font_path", lambda bold=False: None)
    pdf = pages.write_pdf(tmp_path / "x.pdf", images, "projector")
    data = pdf.read_bytes()
    assert b"/Subtype /Image" in data and b"FontFile2" not in data
    assert len(re.findall(rb"/Type /Page\b", data)) == len(images)


def pages_of(board: LessonLayout) -> list:
    from autograd_mlp.teach.lesson_layout import lesson_graph_pages

    return lesson_graph_pages(board, size="projector")[:1]


def test_the_font_subset_is_a_valid_truetype_font_with_every_glyph_it_draws() -> None:
    tt = needs("fontTools.ttLib")
    import io

    from autograd_mlp.viz.measure import font_path

    path = font_path()
    if path is None:
        pytest.skip("no DejaVu Sans")
    face = TrueType(path)
    text = "Äé∂−0.8042 Σσ·×"  # Ä and é are composite glyphs: their parts are kept too
    used = {face.glyph(c) for c in text}
    font = tt.TTFont(io.BytesIO(face.subset(used)))
    order = font.getGlyphOrder()
    assert len(order) == face.glyphs  # the same glyph ids as the full font
    glyf = font["glyf"]
    for gid in used:
        glyph = glyf[order[gid]]
        if gid != face.glyph(" "):  # every glyph but the space has its outline
            assert glyph.numberOfContours != 0, order[gid]
        if glyph.isComposite():
            for part in glyph.components:
                assert glyf[part.glyphName].numberOfContours != 0
