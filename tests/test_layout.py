"""The lesson's one layout: order, boxes, no arrow through a foreign box, stable frames."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET

import pytest

from autograd_mlp import Value
from autograd_mlp.engine import topological_order
from autograd_mlp.teach.frames import backward_frames
from autograd_mlp.teach.lesson import DEFAULT_LESSON, LayerSpec, Lesson
from autograd_mlp.teach.lesson_layout import LessonLayout, lesson_layout
from autograd_mlp.viz.layout import (
    PAD_X,
    EdgeRoute,
    Layout,
    NodeBox,
    crossings,
    lay_out,
)
from autograd_mlp.viz.measure import text_width
from autograd_mlp.viz.paint import render_svg
from tests.conftest import needs

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def board() -> LessonLayout:
    needs("pygraphviz")
    return lesson_layout()


def _node(board: LessonLayout, label: str) -> NodeBox:
    (nid,) = [nid for v, nid in board.ids.items() if v.label == label]
    return board.layout.nodes[nid]


def test_inputs_on_the_left_in_order(board: LessonLayout) -> None:
    x = [_node(board, f"x{i}") for i in (1, 2, 3)]
    assert x[0].cy < x[1].cy < x[2].cy
    others = [n for n in board.layout.nodes.values() if n not in x]
    assert max(n.x + n.w for n in x) < min(n.x for n in others)


def test_each_neurons_weights_in_order_inside_its_box(board: LessonLayout) -> None:
    for layer, spec in enumerate(DEFAULT_LESSON.layers, 1):
        for j in range(1, spec.size + 1):
            name = f"L{layer}.N{j}"
            names = [f"{name}.w{i}" for i in range(1, spec.nin + 1)] + [f"{name}.b"]
            boxes = [_node(board, n) for n in names]
            assert [b.cy for b in boxes] == sorted(b.cy for b in boxes)
            assert len({b.cx for b in boxes}) == 1  # one column
            c = board.layout.clusters[f"cluster_L{layer}_N{j}"]
            for b in boxes:
                assert c.x <= b.x and b.x + b.w <= c.x + c.w and c.y <= b.y <= c.y + c.h - b.h
    # neuron 1 above neuron 2, layer 1 left of layer 2
    cl = board.layout.clusters
    assert cl["cluster_L1_N1"].y < cl["cluster_L1_N2"].y
    assert cl["cluster_L2_N1"].y < cl["cluster_L2_N2"].y
    # layers left to right: every weighted sum of layer 1 left of every one of layer 2
    sums = {n.cluster: n.cx for n in board.layout.nodes.values() if n.label == "Σwx+b"}
    assert max(sums["cluster_L1_N1"], sums["cluster_L1_N2"]) < min(
        sums["cluster_L2_N1"], sums["cluster_L2_N2"]
    )


def test_no_arrow_through_a_box_it_does_not_belong_to(board: LessonLayout) -> None:
    assert crossings(board.layout) == []


def test_crossings_finds_an_arrow_through_a_box() -> None:
    a = NodeBox("a", "value", 0, 0, 10, 10)
    b = NodeBox("b", "value", 100, 0, 10, 10)
    c = NodeBox("c", "value", 50, -10, 20, 30)  # sits on the straight line from a to b
    route = EdgeRoute("e", "a", "b", ((10, 5), (40, 5), (70, 5), (100, 5)), ())
    layout = Layout(110, 30, {"a": a, "b": b, "c": c}, (route,), {}, {})
    assert crossings(layout) == [("e", "c")]


def test_the_layout_is_data_with_stable_ids(board: LessonLayout) -> None:
    data = board.layout.to_dict()
    json.dumps(data)  # plain JSON
    assert set(data["nodes"]) == set(board.layout.nodes)
    again = lesson_layout().layout.to_dict()
    assert again == data  # computed twice, the same numbers: ids and positions are structural
    for e in data["edges"]:
        assert e["source"] in data["nodes"] and e["target"] in data["nodes"]
        assert len(e["path"]) % 3 == 1 and len(e["arrow"]) == 3


def test_svg_elements_carry_the_layout_ids(board: LessonLayout) -> None:
    root = ET.fromstring(board.svg())
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert set(board.layout.nodes) <= ids
    assert {e.id for e in board.layout.edges} <= ids
    assert set(board.layout.clusters) <= ids
    texts = {t.get("id"): t.text for t in root.iter(f"{SVG}text")}
    x1 = _node(board, "x1").id
    assert texts[f"{x1}-label"] == "x1" and texts[f"{x1}-data"] == "data 1.0000"
    # the error convention is written on the picture
    assert DEFAULT_LESSON.error_formula in (texts["header-1"] or "")


def _positions(svg: str) -> dict[str, tuple[str, ...]]:
    """Every node's shape attributes (rect x, y, width, height or ellipse cx, cy, rx, ry)."""
    root = ET.fromstring(svg)
    graph = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "graph")
    out = {"graph": (graph.get("transform") or "",)}
    for g in graph.iter(f"{SVG}g"):
        if "node" not in (g.get("class") or "").split():
            continue
        shape = g[0]
        keys = (
            ("x", "y", "width", "height") if shape.tag == f"{SVG}rect" else ("cx", "cy", "rx", "ry")
        )
        out[g.get("id") or ""] = tuple(shape.get(k) or "" for k in keys)
    return out


def test_every_frame_puts_every_node_at_the_same_place(board: LessonLayout) -> None:
    frames = list(backward_frames(board.error, layout=board.layout))
    assert len(frames) == 12
    svgs = [f.svg() for f in frames]
    first = _positions(svgs[0])
    assert len(first) == len(board.layout.nodes) + 1
    for svg in svgs[1:]:
        assert _positions(svg) == first
    # and the same as the lesson graph itself
    assert _positions(board.svg()) == first


def test_frames_of_any_root_share_one_layout() -> None:
    needs("pygraphviz")
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b + a
    y.label = "y"
    svgs = [f.svg() for f in backward_frames(y)]
    assert len({json.dumps(_positions(s)) for s in svgs}) == 1


def test_every_text_fits_its_box(board: LessonLayout) -> None:
    for frame in backward_frames(board.error, layout=board.layout):
        for nid, rows in frame.look.text.items():
            box = board.layout.nodes[nid]
            for row, text in rows.items():
                if text and row in box.rows:
                    assert text_width(text, bold=(row == "label")) <= box.w - 2 * PAD_X + 0.5


def test_a_teachers_lesson_is_laid_out_the_same_way() -> None:
    needs("pygraphviz")
    lesson = Lesson(
        inputs=(0.5, -1.0),
        targets=(1.0,),
        layers=(
            LayerSpec("tanh", ((0.1, 0.2), (0.3, -0.4), (0.5, 0.6)), (0.0, 0.1, -0.1)),
            LayerSpec("linear", ((1.0, -1.0, 0.5),), (0.2,)),
        ),
        error="half",
    )
    board = lesson_layout(lesson)
    x = [_node(board, f"x{i}") for i in (1, 2)]
    assert x[0].cy < x[1].cy
    assert crossings(board.layout) == []
    svg = board.svg()
    assert "E = ½ Σₖ (tₖ − yₖ)²" in svg


def test_lay_out_refuses_a_non_value() -> None:
    with pytest.raises(TypeError, match="expects a Value"):
        lay_out(3.0)  # type: ignore[arg-type]
    assert re.match(r"<svg", render_svg(Layout(1, 1, {}, (), {}, {}), header=["t"]))


# ------------------------------------------------------------------------------------------------
# Graphviz's answer, checked (review N12)
# ------------------------------------------------------------------------------------------------


def _mlp_50_50_1() -> Value:
    import random

    from autograd_mlp import MLP

    rng = random.Random(0)
    model = MLP(50, [50, 1])
    out = model([Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(1, 51)])
    assert isinstance(out, Value)
    return out


def test_a_layer_of_2550_weights_is_laid_out_whole() -> None:
    """N12: to_html of MLP(50, [50, 1]) (2,752 Values) raised KeyError: 'v2751'. Its 2,550
    first-layer weights were one ``a -> b -> ...`` statement, which overflows Graphviz's parser
    ("memory exhausted"): it dropped the rest of the file and exited 0. Now every box is placed;
    the page, at 2,752 Values over its 2 MB, is refused at once saying so."""
    needs("pygraphviz")
    from autograd_mlp import to_html
    from autograd_mlp.viz.page_kit import PageTooLarge

    out = _mlp_50_50_1()
    layout = lay_out(out, timeout=120)
    order = topological_order(out)
    assert len(order) == 2752
    assert len(layout.nodes) == len(order) + sum(1 for v in order if v._prev)
    assert len(layout.edges) == sum(len(v._prev) + 1 for v in order if v._prev)
    # each neuron's 51 parameters stacked in one column, in order (w1 ... w50, b)
    first = [_by_label(layout, f"L1.N1.w{i}") for i in range(1, 51)] + [
        _by_label(layout, "L1.N1.b")
    ]
    assert len({round(n.cx, 1) for n in first}) == 1
    assert [n.cy for n in first] == sorted(n.cy for n in first)
    with pytest.raises(PageTooLarge, match="to_html: the page would be at least"):
        to_html(out, max_nodes=100_000, timeout=60)


def _by_label(layout: Layout, label: str) -> NodeBox:
    (nid,) = [nid for v, nid in layout.ids.items() if v.label == label]
    return layout.nodes[nid]


def test_a_layout_missing_boxes_is_a_clear_error_quoting_graphviz(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever Graphviz leaves out is named, with what Graphviz said, not a KeyError."""
    from autograd_mlp.viz.layout_graphviz import place, read_placement
    from autograd_mlp.viz.render import GraphvizLayout

    x = Value(1.0, label="x")
    y = x * 2.0
    order = topological_order(y)
    index = {v: i for i, v in enumerate(order)}
    answer = GraphvizLayout(
        {"bb": "0,0,100,50", "objects": [{"name": "v0", "pos": "10,10", "width": "0.5"}]},
        "Error: memory exhausted in line 3 near 'v1'",
        "pygraphviz",
    )
    with pytest.raises(RuntimeError) as err:
        read_placement(answer)
    assert str(err.value) == (
        "Graphviz (pygraphviz) wrote a layout that cannot be read (no 'height'); Graphviz said: "
        "Error: memory exhausted in line 3 near 'v1'"
    )
    answer.data["objects"][0]["height"] = "0.5"
    placed = read_placement(answer)
    assert placed.boxes == {"v0": (-8.0, 22.0, 36.0, 36.0)} and placed.routes == []
    # the whole way, with a Graphviz that answers like that
    import autograd_mlp.viz.layout_graphviz as asker

    sizes = {"v0": (40.0, 30.0), "v1": (40.0, 30.0), "v2": (40.0, 30.0), "op2": (34.0, 34.0)}
    edges = [
        ("e2_0", "v0", "op2", None),
        ("e2_1", "v1", "op2", None),
        ("e2_out", "op2", "v2", None),
    ]
    real = asker.layout_json
    try:
        asker.layout_json = lambda source, timeout: answer  # type: ignore[assignment]
        with pytest.raises(RuntimeError) as err:
            place(order, index, {v: "" for v in order}, sizes, edges, None)
    finally:
        asker.layout_json = real  # type: ignore[assignment]
    assert str(err.value) == (
        "Graphviz (pygraphviz) left 6 of the 7 boxes and arrows it was asked to place out of its "
        "layout (v1, v2, op2, e2_0, e2_1 and 1 more); Graphviz said: Error: memory exhausted in "
        "line 3 near 'v1'"
    )


# ------------------------------------------------------------------------------------------------
# Neurons in order, in every layout
# ------------------------------------------------------------------------------------------------

TWO_THREE_ONE = Lesson(  # Graphviz stacked its hidden neurons N2, N1, N3
    inputs=(0.5, -1.0),
    targets=(1.0,),
    layers=(
        LayerSpec("tanh", ((0.1, 0.2), (0.3, -0.4), (0.5, 0.6)), (0.0, 0.1, -0.1)),
        LayerSpec("linear", ((1.0, -1.0, 0.5),), (0.2,)),
    ),
    error="half",
)


def _shapes() -> list[tuple[str, Lesson]]:
    from tests.lessons import SHAPE_IDS, SHAPES

    return [("2-3-1", TWO_THREE_ONE), *zip(SHAPE_IDS, SHAPES, strict=True)]


def _stacking(tops: dict[str, float]) -> dict[int, list[int]]:
    """Each layer's neuron numbers, top to bottom, from ``{"cluster_L1_N2": y of its top}``."""
    layers: dict[int, list[tuple[float, int]]] = {}
    for key, top in tops.items():
        m = re.fullmatch(r"cluster_L(\d+)_N(\d+)", key)
        assert m is not None, key
        layers.setdefault(int(m.group(1)), []).append((top, int(m.group(2))))
    return {layer: [n for _, n in sorted(found)] for layer, found in layers.items()}


@pytest.mark.parametrize("name,lesson", _shapes(), ids=[n for n, _ in _shapes()])
def test_every_layers_neurons_are_stacked_in_order(name: str, lesson: Lesson) -> None:
    needs("pygraphviz")
    board = lesson_layout(lesson)
    layout = board.layout
    stacked = _stacking({c.id: c.y for c in layout.clusters.values()})
    assert stacked == {
        layer: list(range(1, spec.size + 1)) for layer, spec in enumerate(lesson.layers, 1)
    }
    # and what is drawn in each box follows: neuron j's z and a above neuron j+1's
    for layer, spec in enumerate(lesson.layers, 1):
        labels = {v.label for v in board.ids}
        for row in ("z", "a"):
            names = [f"L{layer}.N{j}.{row}" for j in range(1, spec.size + 1)]
            if not set(names) <= labels:  # a linear neuron has no a
                continue
            ys = [_node(board, n).cy for n in names]
            assert ys == sorted(ys), (layer, row, ys)
        # no two boxes of a layer overlap: stacked, not interleaved
        boxes = [layout.clusters[f"cluster_L{layer}_N{j}"] for j in range(1, spec.size + 1)]
        for upper, lower in itertools.pairwise(boxes):
            assert upper.y + upper.h <= lower.y
    assert crossings(layout) == []


@pytest.mark.parametrize("name,lesson", _shapes(), ids=[n for n, _ in _shapes()])
def test_graphviz_stacks_every_layers_neurons_in_order(name: str, lesson: Lesson) -> None:
    """draw_graph's clustered drawing (the lesson graph drawn by Graphviz) too: positions read
    from the layout Graphviz computes for its DOT."""
    needs("pygraphviz")
    from autograd_mlp.teach.lesson_layout import lesson_graph_dot
    from autograd_mlp.viz.render import layout_json

    data = layout_json(lesson_graph_dot(lesson_layout(lesson)).source).data
    tops = {}
    for obj in data["objects"]:
        if obj.get("name", "").startswith("cluster_L"):
            top = float(obj["bb"].split(",")[3])
            tops[obj["name"]] = -top  # Graphviz's y points up
    assert _stacking(tops) == {
        layer: list(range(1, spec.size + 1)) for layer, spec in enumerate(lesson.layers, 1)
    }


def test_a_layout_stacked_out_of_order_is_declared_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The retry itself: a first answer that stacks N2 above N1 is not kept."""
    needs("pygraphviz")
    import autograd_mlp.viz.layout_graphviz as lg

    runs: list[dict[str, list[str]]] = []
    real = lg.boxes_dot

    def spy(*args: object, declared: dict[str, list[str]] | None = None) -> str:
        runs.append({k: list(v) for k, v in (declared or {}).items()})
        return real(*args, declared=declared)  # type: ignore[arg-type]

    monkeypatch.setattr(lg, "boxes_dot", spy)
    board = lesson_layout(TWO_THREE_ONE)
    assert runs[0]["cluster_L1"] == ["cluster_L1_N1", "cluster_L1_N2", "cluster_L1_N3"]
    assert len(runs) >= 2  # Graphviz's first answer stacked them N2, N1, N3
    tops = {c.id: c.y for c in board.layout.clusters.values()}
    assert _stacking(tops)[1] == [1, 2, 3]
