"""Every arrow of the lesson's picture carries its number, and every factor of every chain-rule
path the legend multiplies is printed on that path's arrows, in both renderers (the package's
own painter on the lesson's layout, and Graphviz from ``draw_graph``'s DOT).

Everything is read back from the text a student sees (the SVG and DOT), not from the engine."""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from autograd_mlp.engine import topological_order
from autograd_mlp.teach.lesson import DEFAULT_LESSON, LayerSpec, Lesson
from autograd_mlp.teach.lesson_layout import (
    LessonLayout,
    graph_look,
    lesson_graph_dot,
    lesson_layout,
)
from autograd_mlp.teach.notation import Notation
from autograd_mlp.viz.layout import LINE, SLACK, bezier
from autograd_mlp.viz.measure import FONT_SIZE, text_width
from autograd_mlp.viz.paint import render_svg
from tests.conftest import needs
from tests.lessons import SHAPE_IDS, SHAPES

SVG = "{http://www.w3.org/2000/svg}"


@functools.cache
def _board(k: int) -> LessonLayout:
    needs("pygraphviz")
    return lesson_layout(SHAPES[k])


def _svg(board: LessonLayout, highlight: str | None) -> ET.Element:
    look, legend = graph_look(board, highlight)
    return ET.fromstring(render_svg(board.layout, look, footer=legend))


def _texts(root: ET.Element) -> dict[str, str]:
    return {t.get("id") or "": "".join(t.itertext()) for t in root.iter(f"{SVG}text")}


def _leaves(board: LessonLayout) -> list[str]:
    """Every named leaf of the lesson's graph: weights, biases, inputs, targets."""
    return [v.label for v in topological_order(board.error) if not v._prev and v.label]


SHAPE_CASES = list(range(len(SHAPES)))


@pytest.mark.parametrize("k", SHAPE_CASES, ids=SHAPE_IDS)
def test_every_arrow_of_the_lesson_layout_carries_its_number(k: int) -> None:
    board = _board(k)
    texts = _texts(_svg(board, None))
    into_ops = [e for e in board.layout.edges if not e.id.endswith("_out")]
    assert into_ops
    for e in into_ops:
        assert e.label is not None, f"{e.id} has no room for its number"
        assert texts.get(f"{e.id}-label"), f"{e.id} is drawn without its number"
    # the arrow's number is its local derivative, as printed (e<i>_<k>: argument k of v<i>)
    order = topological_order(board.error)
    for e in into_ops:
        i, slot = map(int, re.fullmatch(r"e(\d+)_(\d+)", e.id).groups())  # type: ignore[union-attr]
        local = order[i]._local[slot]
        assert float(texts[f"{e.id}-label"].replace("−", "-")) == pytest.approx(local, abs=5e-5)


def _boxes_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return dx > 0.5 and dy > 0.5


@pytest.mark.parametrize("k", SHAPE_CASES, ids=SHAPE_IDS)
def test_no_number_covers_a_box_a_title_or_another_number(k: int) -> None:
    board = _board(k)
    layout = board.layout
    texts = _texts(_svg(board, None))
    patches = {}
    for e in layout.edges:
        if e.label is None:
            continue
        x, y, w, h = e.label
        pw = text_width(texts[f"{e.id}-label"], bold=True) * SLACK + 4
        patches[e.id] = (x + w / 2 - pw / 2, y + h / 2 - LINE / 2, pw, LINE)
    others: list[tuple[str, tuple[float, ...]]] = [
        (n.id, (n.x, n.y, n.w, n.h)) for n in layout.nodes.values()
    ]
    others += [
        (c.id, (c.x + 8, c.y + 2, text_width(c.title, FONT_SIZE, bold=True), FONT_SIZE * 1.3))
        for c in layout.clusters.values()
    ]
    for eid, patch in patches.items():
        assert patch[0] >= 0 and patch[0] + patch[2] <= layout.width + 0.5, eid
        assert patch[1] >= 0 and patch[1] + patch[3] <= layout.height + 0.5, eid
        for oid, box in others:
            assert not _boxes_overlap(patch, box), f"{eid}'s number covers {oid}"
        for fid, other in patches.items():
            if fid < eid:
                assert not _boxes_overlap(patch, other), f"{eid}'s number covers {fid}'s"


def _under(patch: tuple[float, float, float, float], points: list[tuple[float, float]]) -> bool:
    x, y, w, h = patch
    return any(x <= px <= x + w and y <= py <= y + h for px, py in points)


@pytest.mark.parametrize("k", SHAPE_CASES, ids=SHAPE_IDS)
def test_each_number_sits_on_its_own_arrow_and_on_no_other(k: int) -> None:
    """A number whose patch another arrow's line runs under could be read as that arrow's."""
    board = _board(k)
    layout = board.layout
    texts = _texts(_svg(board, None))
    lines = {e.id: bezier(e.path, steps=200) for e in layout.edges}
    for e in layout.edges:
        if e.label is None:
            continue
        x, y, w, h = e.label
        pw = text_width(texts[f"{e.id}-label"], bold=True) * SLACK + 4
        patch = (x + w / 2 - pw / 2, y + h / 2 - LINE / 2, pw, LINE)
        assert _under(patch, lines[e.id]), f"{e.id}'s number is not on its line"
        crossing = [f for f, points in lines.items() if f != e.id and _under(patch, points)]
        assert not crossing, f"{e.id}'s number sits on {crossing}"


_PATH_LINE = re.compile(r"^path \d+: (.+?):   (.+) = (\S+)$")


def _factors(product: str) -> list[str]:
    return [f.strip().removeprefix("(").removesuffix(")") for f in product.split(" × ")]


@pytest.mark.parametrize("k", SHAPE_CASES, ids=SHAPE_IDS)
def test_every_factor_of_every_path_is_printed_on_that_paths_arrows(k: int) -> None:
    board = _board(k)
    layout = board.layout
    checked = 0
    for leaf in _leaves(board):
        root = _svg(board, leaf)
        texts = _texts(root)
        by_name = {texts[f"{nid}-label"]: nid for nid in layout.nodes if f"{nid}-label" in texts}
        legend = [t for key, t in sorted(texts.items()) if key.startswith("footer-")]
        paths = [m for m in map(_PATH_LINE.match, legend) if m]
        assert paths, f"no path listed for {leaf}: {legend}"
        for m in paths:
            names = m.group(1).split(" → ")
            factors = _factors(m.group(2))
            assert len(factors) == len(names) - 1, m.group(0)
            for a, b, factor in zip(names, names[1:], factors):
                source, target = by_name[a], "op" + by_name[b][1:]
                arrows = [e for e in layout.edges if e.source == source and e.target == target]
                printed = [texts.get(f"{e.id}-label") for e in arrows]
                assert factor in printed, f"{leaf}: {a} → {b} multiplies {factor}, shows {printed}"
                # and the arrow is drawn red: the reader follows the path by its colour
                hot = {g.get("id") for g in root.iter(f"{SVG}g") if "hot" in (g.get("class") or "")}
                assert any(e.id in hot for e in arrows)
                checked += 1
    assert checked


def _dot_labels(source: str) -> Counter[tuple[str, str, str]]:
    """(source node, target node, number) of every labelled arrow of draw_graph's DOT text."""
    found: Counter[tuple[str, str, str]] = Counter()
    for m in re.finditer(r"^\t(v\d+) -> (op\d+) \[(.*)\]$", source, re.M):
        label = re.search(r"label=<<FONT COLOR=\"[^\"]+\">(.*?)</FONT>>", m.group(3))
        if label:
            found[(m.group(1), m.group(2), html.unescape(label.group(1)))] += 1
    return found


def _painted_labels(board: LessonLayout) -> Counter[tuple[str, str, str]]:
    texts = _texts(_svg(board, None))
    return Counter(
        (e.source, e.target, texts[f"{e.id}-label"])
        for e in board.layout.edges
        if f"{e.id}-label" in texts
    )


@pytest.mark.parametrize("k", SHAPE_CASES, ids=SHAPE_IDS)
def test_both_renderers_print_the_same_number_on_every_arrow(k: int) -> None:
    board = _board(k)
    dot = lesson_graph_dot(board).source
    painted = _painted_labels(board)
    into_ops = sum(1 for e in board.layout.edges if not e.id.endswith("_out"))
    assert sum(painted.values()) == into_ops
    assert _dot_labels(dot) == painted


def test_graphviz_draws_every_number_of_the_lesson_graph() -> None:
    """The picture Graphviz renders (not only its DOT) has every arrow's number: read from the
    SVG it writes, each edge titled ``v3->op10``."""
    needs("pygraphviz")
    from autograd_mlp.viz import render_bytes

    board = _board(0)
    svg = ET.fromstring(render_bytes(lesson_graph_dot(board), "svg"))
    drawn: Counter[tuple[str, str, str]] = Counter()
    for g in svg.iter(f"{SVG}g"):
        if g.get("class") != "edge":
            continue
        title = "".join(next(g.iter(f"{SVG}title")).itertext())
        source, target = title.split("->")
        for t in g.iter(f"{SVG}text"):
            if target.startswith("op"):
                drawn[(source, target, "".join(t.itertext()))] += 1
    assert drawn == _painted_labels(board)


def test_the_demo_and_docs_graph_numbers_every_arrow() -> None:
    """`autograd_mlp.commands.demo.lesson_graph` (the docs' picture) is the lesson graph drawn
    by Graphviz: its arrows carry the numbers of the package's own picture."""
    needs("pygraphviz")
    from autograd_mlp.commands.demo import lesson_backward, lesson_graph

    board = _board(0)
    assert _dot_labels(lesson_graph(lesson_backward()[2]).source) == _painted_labels(board)
    assert "unnumbered" not in lesson_graph().source


def test_a_one_layer_lesson_with_a_repeated_input_still_numbers_each_arrow() -> None:
    needs("pygraphviz")
    lesson = Lesson(
        inputs=(0.5, 0.5),
        targets=(1.0,),
        layers=(LayerSpec("tanh", ((0.5, 0.5),), (0.0,)),),
    )
    board = lesson_layout(lesson)
    assert all(e.label is not None for e in board.layout.edges if not e.id.endswith("_out"))
    assert _dot_labels(lesson_graph_dot(board).source) == _painted_labels(board)


# ------------------------------------------------------------------------------------------------
# The lesson's notation in its pictures
# ------------------------------------------------------------------------------------------------

COMMA = Notation(learning_rate="η", weight_indices="ij", decimal=",")
_NUMBER = re.compile(r"^−?\d+(,\d+)?(e[+−-]\d+)?$")


@functools.cache
def _comma_board() -> LessonLayout:
    needs("pygraphviz")
    return lesson_layout(dataclasses.replace(DEFAULT_LESSON, notation=COMMA))


def test_a_decimal_comma_lesson_prints_every_number_of_its_graph_with_a_comma() -> None:
    board = _comma_board()
    root = _svg(board, "L1.N2.w3")
    texts = _texts(root)
    numbers = 0
    for key, text in texts.items():
        if key.endswith(("-data", "-grad")):
            assert _NUMBER.match(text.split(" ", 1)[1]), (key, text)
            numbers += 1
        elif re.fullmatch(r"e\d+_\d+-label", key):
            assert _NUMBER.match(text), (key, text)
            numbers += 1
    assert numbers > 60
    # names keep their dots; numbers nowhere have a decimal point
    assert texts[_node_id(board, "L1.N2.w3") + "-label"] == "L1.N2.w3"
    for key, text in texts.items():
        if not key.endswith("-label") or key.startswith("e"):
            assert not re.search(r"(?<![A-Za-z.])\d+\.\d", text), (key, text)
    legend = [t for k, t in sorted(texts.items()) if k.startswith("footer-")]
    assert any(re.search(r"= −?\d+,\d{4}$", line) for line in legend)  # each path's product


def _node_id(board: LessonLayout, label: str) -> str:
    (nid,) = [nid for v, nid in board.ids.items() if v.label == label]
    return nid


def test_the_learning_constant_and_a_weight_are_written_as_the_textbook_writes_them() -> None:
    board = _comma_board()
    texts = _texts(_svg(board, "L1.N2.w3"))
    svg = board.svg()
    assert "learning constant η = 0,02" in svg and "learning constant a" not in svg
    legend = [t for k, t in sorted(texts.items()) if k.startswith("footer-")]
    # L1.N2.w3: into neuron 2 from input 3, w₃₂ in a w_ij book (w₂₃ in a w_ji book)
    assert legend[-1] == "L1.N2.w3 is w₃₂ of layer 1 (wᵢⱼ: into neuron j from input i)"
    default = _texts(_svg(_board(0), "L1.N2.w3"))
    last = [t for k, t in sorted(default.items()) if k.startswith("footer-")][-1]
    assert last == "L1.N2.w3 is w₂₃ of layer 1 (wⱼᵢ: into neuron j from input i)"
    # a leaf that is no weight gets no such line
    assert not any(" is w" in t for k, t in _texts(_svg(board, "x1")).items() if "footer" in k)


def test_both_renderers_agree_in_a_decimal_comma_lesson() -> None:
    board = _comma_board()
    dot = lesson_graph_dot(board, "L1.N2.w3").source
    painted = _painted_labels(board)
    assert all("," in number for _, _, number in painted)
    assert _dot_labels(dot) == painted
    assert not re.search(r">−?\d+\.\d+<", dot)  # no number with a point in Graphviz's boxes
    assert re.search(r">data −?\d+,\d{4}<", dot)


def test_a_decimal_comma_lesson_prints_every_factor_on_its_paths() -> None:
    board = _comma_board()
    root = _svg(board, "L1.N1.w1")
    texts = _texts(root)
    by_name = {texts[f"{n}-label"]: n for n in board.layout.nodes if f"{n}-label" in texts}
    legend = [t for k, t in sorted(texts.items()) if k.startswith("footer-")]
    paths = [m for m in map(_PATH_LINE.match, legend) if m]
    assert len(paths) == 2
    for m in paths:
        names = m.group(1).split(" → ")
        factors = _factors(m.group(2))
        assert len(factors) == len(names) - 1
        for a, b, factor in zip(names, names[1:], factors):
            assert "," in factor
            arrows = [
                e
                for e in board.layout.edges
                if e.source == by_name[a] and e.target == "op" + by_name[b][1:]
            ]
            assert factor in [texts.get(f"{e.id}-label") for e in arrows]


def test_draw_graph_refuses_an_unknown_decimal_separator() -> None:
    from autograd_mlp.viz import draw_graph

    with pytest.raises(ValueError, match="decimal must be"):
        draw_graph(_board(0).error, decimal=";")


def test_a_teachers_lesson_file_reaches_the_picture_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``autograd-mlp lesson graph --lesson mine.json``: a 2–3–1 lesson that writes η, w_ij and
    a decimal comma. Its SVG has every arrow numbered, in that notation, the neurons in order."""
    needs("pygraphviz")
    from autograd_mlp.commands.cli import main

    lesson = Lesson(
        inputs=(0.5, -1.0),
        targets=(1.0,),
        layers=(
            LayerSpec("tanh", ((0.1, 0.2), (0.3, -0.4), (0.5, 0.6)), (0.0, 0.1, -0.1)),
            LayerSpec("linear", ((1.0, -1.0, 0.5),), (0.2,)),
        ),
        learning_rate=0.05,
        notation=COMMA,
    )
    path = lesson.save(tmp_path / "mine.json")
    assert '"decimal": ","' in path.read_text(encoding="utf-8")
    out = tmp_path / "graph.svg"
    argv = ["lesson", "graph", "--lesson", str(path), "--highlight", "L1.N3.w2", "-o", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    texts = _texts(root)
    arrows = {k: t for k, t in texts.items() if re.fullmatch(r"e\d+_\d+-label", k)}
    drawn = [g for g in root.iter(f"{SVG}g") if re.fullmatch(r"e\d+_\d+", g.get("id") or "")]
    assert len(arrows) == len(drawn) > 20  # every arrow into an operation has its number
    assert all(_NUMBER.match(t) for t in arrows.values())
    assert "η = 0,05" in texts["header-1"]
    legend = [t for k, t in sorted(texts.items()) if k.startswith("footer-")]
    assert legend[-1] == "L1.N3.w2 is w₂₃ of layer 1 (wᵢⱼ: into neuron j from input i)"
    tops = {}
    for g in root.iter(f"{SVG}g"):
        gid = g.get("id") or ""
        if gid.startswith("cluster_L1_"):
            tops[gid] = float(next(g.iter(f"{SVG}rect")).get("y") or 0)
    assert sorted(tops, key=tops.__getitem__) == [f"cluster_L1_N{j}" for j in (1, 2, 3)]


@pytest.mark.parametrize("size", ["projector", "a4"])
@pytest.mark.parametrize("k", SHAPE_CASES, ids=SHAPE_IDS)
def test_every_arrows_number_is_shown_whole_in_some_view(k: int, size: str) -> None:
    """A page of a graph split into views draws a number only where the room kept for it is
    wholly in the view: each number must be in at least one view of the lesson graph."""
    from autograd_mlp.viz.pages import (
        bands,
        body_px,
        cut_by,
        size_named,
        tiles,
        title_lines,
        view_size,
        wrap,
    )

    board = _board(k)
    page = size_named(size)
    _, legend = graph_look(board)
    footer = [p for line in legend for p in wrap(line, page.width - 2 * page.margin, body_px(page))]
    fixed = bands(page, 2, len(footer), title_lines(page, ["the lesson's graph: a title"]))
    views = tiles(board.layout, *view_size(page, fixed))
    labelled = {f"{e.id}-label" for e in board.layout.edges if e.label is not None}
    unseen = set(labelled)
    for tile in views:
        unseen -= labelled - cut_by(board.layout, tile)
    assert not unseen, f"{len(unseen)} numbers are cut in every one of {len(views)} views"


def test_graphvizs_pdf_of_the_lesson_graph_has_every_arrows_number_as_text(tmp_path: Path) -> None:
    """The PDF Graphviz writes (text, not a picture of it): every number of every arrow is in
    its text, as many times at least as the arrows carry it."""
    needs("pygraphviz")
    import shutil
    import subprocess

    from autograd_mlp.viz import render_bytes

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    board = _board(0)
    pdf = tmp_path / "graph.pdf"
    pdf.write_bytes(render_bytes(lesson_graph_dot(board), "pdf"))
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout

    def numbers(t: str) -> Counter[str]:
        return Counter(re.findall(r"−?\d+\.\d{4}", t.replace("-", "−")))

    # the PDF holds as text every number Graphviz's SVG of the same drawing holds ...
    svg = ET.fromstring(render_bytes(lesson_graph_dot(board), "svg"))
    drawn = numbers(" ".join("".join(t.itertext()) for t in svg.iter(f"{SVG}text")))
    assert numbers(text) == drawn
    # ... and that is every box's data and grad, every arrow's number and the legend's
    wanted = Counter(number for _, _, number in _painted_labels(board).elements())
    assert sum(wanted.values()) == sum(1 for e in board.layout.edges if e.id[-4:] != "_out")
    assert all(drawn[number] >= times for number, times in wanted.items())
