"""Big and deep graphs through every naming and page function (issue 19; review N3, N4, N11,
Part C §5 and §7): each is linear in the size of the graph and iterative.

The graphs: 10⁴–10⁵ Values that reuse their subexpressions (``b = (b + b)·0.5`` and
``y = y·y``, where the number of chain-rule paths doubles at every level, so anything that
walks paths or names a node by walking its inputs again is exponential), and chains 10⁴
operations deep (a recursion of that depth is a RecursionError). "Does not blow up" is bounded
in the tests' own terms: a generous number of seconds where the old code took hours (or
failed), a page size that grows in proportion to the graph, and a recursion limit lowered
below the depth of the graph, under which only iterative code can run.
"""

from __future__ import annotations

import inspect
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograd_mlp import Value, to_html
from autograd_mlp.engine import topological_order
from autograd_mlp.teach.frames import (
    backward_frames,
    backward_steps,
    contribution_lines,
    reserve_texts,
    step_texts,
)
from autograd_mlp.teach.slides import save_frames
from autograd_mlp.viz.layout import default_texts
from autograd_mlp.viz.naming import NodeNames, board_names, display_name, local_rule
from autograd_mlp.viz.page_kit import PageTooLarge, json_for_script
from autograd_mlp.viz.page_numbers import edges_of, page_names, page_numbers, snapshot
from tests.conftest import needs

SECONDS = 60.0  # for work on 10⁵ Values that is linear: a few seconds here; the old code: hours


def doubling(levels: int) -> Value:
    """b = (b + b)·0.5: b is used twice at every level (2^levels paths from a to the root)."""
    a = Value(1.0, label="a")
    b = a
    for _ in range(levels):
        b = (b + b) * 0.5
    return b


def squaring(levels: int) -> Value:
    """y = y·y: one Value a level, each used twice."""
    y = Value(1.0, label="y0")
    for _ in range(levels):
        y = y * y
    return y


def chain(depth: int, labelled: bool = False) -> Value:
    """y = tanh(y·0.999), ``depth`` times: 2·depth operations deep."""
    y = Value(0.5, label="x")
    for k in range(depth):
        y = (y * 0.999).tanh()
        if labelled:
            y.label = f"y{k}"
    return y


BIG = {
    "b = (b + b)·0.5, 3·10⁴ Values": lambda: doubling(10_000),
    "y = y·y, 10⁴ Values": lambda: squaring(10_000),
    "a chain 10⁴ operations deep": lambda: chain(5_000),
}
HUGE = {**BIG, "b = (b + b)·0.5, 10⁵ Values": lambda: doubling(33_333)}


@contextmanager
def within(seconds: float, what: str) -> Iterator[None]:
    start = time.monotonic()
    yield
    took = time.monotonic() - start
    assert took < seconds, f"{what} took {took:.1f} s"


@pytest.mark.parametrize("make", HUGE.values(), ids=list(HUGE))
def test_naming_a_big_graph_is_linear(make: Callable[[], Value]) -> None:
    root = make()
    order = topological_order(root)
    with within(SECONDS, "naming"):
        names = board_names(order)
        assert display_name(root) == names[root]
        symbols = NodeNames(root)
        texts = [default_texts(v, 4, names[v]) for v in order]
        rules = [local_rule(symbols, v, k).text for v in order for k in range(len(v._prev))]
    assert len(texts) == len(order) and len(rules) == sum(len(v._prev) for v in order)
    # a name built from its inputs stays short: past 22 characters it is the op's name
    assert all(len(name) <= 22 for name in names.values())
    assert all(len(symbols(v).text) <= 24 for v in order)


def test_board_names_are_the_expressions_while_they_are_short() -> None:
    # By hand: y0·y0, then (y0·y0)·(y0·y0) is too long for the board (over 22 characters).
    y1 = squaring(1)
    y2 = y1 * y1
    names = board_names(topological_order(y2))
    assert names[y1] == "y0 · y0"
    assert names[y2] == "y0 · y0 · y0 · y0"  # 17 characters
    y3 = y2 * y2
    assert display_name(y3) == "the × node"


@pytest.mark.parametrize("make", BIG.values(), ids=list(BIG))
def test_a_pages_numbers_for_a_big_graph_are_linear(make: Callable[[], Value]) -> None:
    root = make()
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    with within(SECONDS, "the page's numbers"):
        symbols = NodeNames(root)
        names = page_names(symbols, order)
        edges = edges_of(order, index)
        data = page_numbers(root, order, edges, names, 4, False, symbols)
        snap = snapshot(order, 4)
        text = json_for_script(data)
    assert len(data["nodes"]) == len(snap["d"]) == len(order)
    assert len(text) < 2_000 * len(order)  # linear: about 1 kB a Value
    leaf = data["nodes"][0]["paths"]  # the first Value is a leaf: a, y0 or x
    if root._op == "tanh":  # the chain
        assert leaf["count"] == 1 and len(leaf["paths"]) == 1  # one path, as long as the chain
    else:  # 2^10000 paths: counted up to 10¹⁵, none listed, and their sum is the gradient
        assert (
            leaf["count"] == 10**15 + 1 and leaf["countText"] == "more than 1,000,000,000,000,000"
        )
        assert leaf["paths"] == [] and leaf["sum"] == leaf["grad"]


def test_a_pages_data_grows_in_proportion_to_the_graph() -> None:
    """N11: every leaf's whole path was listed in the JSON, so a chain's page grew with the
    square of its length (8,001 labelled Values: 330 MB)."""
    sizes = {}
    for depth in (1_000, 2_000, 4_000):
        root = chain(depth, labelled=True)
        order = topological_order(root)
        index = {v: i for i, v in enumerate(order)}
        symbols = NodeNames(root)
        names = page_names(symbols, order)
        data = page_numbers(root, order, edges_of(order, index), names, 4, False, symbols)
        sizes[len(order)] = len(json_for_script(data).encode("utf-8"))
    (n1, s1), (n2, s2), (n3, s3) = sizes.items()
    assert s2 / s1 < 1.1 * n2 / n1 and s3 / s2 < 1.1 * n3 / n2, sizes
    assert s3 < 1_500 * n3, sizes  # 12,001 Values: under 18 MB (quadratic: gigabytes)


@pytest.mark.parametrize("make", HUGE.values(), ids=list(HUGE))
def test_the_backward_steps_of_a_big_graph_are_linear(make: Callable[[], Value]) -> None:
    root = make()
    order = topological_order(root)
    with within(SECONDS, "the backward steps"):
        steps = backward_steps(root, max_frames=len(order))
        wanted = reserve_texts(steps)
        last = steps[-1]
        texts = step_texts(last)
        lines = contribution_lines(last)
        captions = [s.caption for s in steps]
    assert len(captions) == 1 + sum(1 for v in order if v._prev)
    assert len(texts) == len(order) and len(lines) == len(last.node._prev)  # type: ignore[union-attr]
    assert set(wanted) == set(order)  # every box shows a gradient at some step


# ------------------------------------------------------------------------------------------------
# The whole page and the frames, with Graphviz: where the old code hung or crashed
# ------------------------------------------------------------------------------------------------


def test_to_html_of_thirty_doublings_is_quick() -> None:
    """N3: to_html of b = b + b thirty times (31 Values) was not done after 60 s; y = y·y with
    23 Values took 10.8 s."""
    needs("pygraphviz")
    a = Value(1.0, label="a")
    b = a
    for _ in range(30):
        b = b + b
    b.label = "y"
    with within(20.0, "to_html of 31 Values"):
        page = to_html(b)
        squares = to_html(squaring(22))
    for text in (page, squares):
        assert text.startswith("<!DOCTYPE html>")
    data = json.loads(page.split('id="lesson-data">')[1].split("</script>")[0])
    assert data["nodes"][0]["paths"]["count"] == 2**30


@contextmanager
def recursion_limit_below(depth: int) -> Iterator[None]:
    """Allow only ``depth`` more nested Python calls than the caller has: code that recursed
    once per Value of a deeper graph raises RecursionError."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + depth)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_pages_and_frames_of_a_deep_chain_need_no_recursion(tmp_path: Path) -> None:
    """N4: to_html, backward_frames and save_frames recursed once per unlabelled Value
    (RecursionError past ~700–1,000 Values). Here with a chain 400 operations deep and room for
    150 nested calls: every step must be a loop."""
    needs("pygraphviz")
    needs("PIL")
    root = chain(200)
    with recursion_limit_below(150):
        page = to_html(root, max_nodes=1_000)
        frames = backward_frames(root, max_frames=1_000)
        first = next(frames)
        written = save_frames(chain(40), tmp_path, format="svg", gif=False)
    assert page.startswith("<!DOCTYPE html>") and first.index == 0
    assert len(written) == 81 and all(p.read_text().startswith("<svg") for p in written)


def test_to_html_of_a_chain_of_1500_values() -> None:
    """N4 as reported: a chain past the recursion limit, with max_nodes raised."""
    needs("pygraphviz")
    root = chain(500)
    page = to_html(root, max_nodes=2_000, max_bytes=10_000_000)
    data = json.loads(page.split('id="lesson-data">')[1].split("</script>")[0])
    assert len(data["nodes"]) == 1_501


# ------------------------------------------------------------------------------------------------
# The size limit
# ------------------------------------------------------------------------------------------------


def test_a_page_over_max_bytes_is_refused_before_graphviz_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """N11: MAX_PAGE_BYTES was not enforced. The page's numbers alone are measured first, so a
    graph far too big is refused without waiting for its layout (here there is no renderer at
    all: the refusal must come first)."""
    monkeypatch.setattr("autograd_mlp.viz.render.find_renderer", lambda: None)
    root = chain(1_000, labelled=True)
    with pytest.raises(PageTooLarge) as err:
        to_html(root, max_nodes=10_000)
    message = str(err.value)
    assert message.startswith("to_html: the page would be at least ")
    assert "more than max_bytes=2,000,000" in message and "draw a smaller part" in message
    assert err.value.size > err.value.limit == 2_000_000 and isinstance(err.value, ValueError)
    with pytest.raises(ValueError, match="max_bytes must be an int from 1"):
        to_html(root, max_bytes=0)


def test_a_whole_page_over_max_bytes_is_refused_saying_by_how_much() -> None:
    needs("pygraphviz")
    x = Value(2.0, label="x")
    y = (x * x).tanh()
    small = to_html(y)
    size = len(small.encode("utf-8"))
    with pytest.raises(PageTooLarge, match=rf"would be {size / 1e6:.1f} MB \({size:,} bytes\)"):
        to_html(y, max_bytes=size - 1)
    assert to_html(y, max_bytes=size) == small


def test_a_lesson_page_over_max_bytes_says_how_many_steps_fit() -> None:
    """N11: a 10–10–3 lesson with 500 training steps made a 4 MB page."""
    needs("pygraphviz")
    from autograd_mlp.teach import Lesson, lesson_page

    def layer(nin: int, nout: int, activation: str) -> dict[str, object]:
        weights = [[round(math.sin(i + 3 * j) * 0.5, 2) for i in range(nin)] for j in range(nout)]
        return {"activation": activation, "weights": weights, "biases": [0.1] * nout}

    lesson = Lesson(
        inputs=[0.1 * k for k in range(10)],
        targets=[0.2, 0.4, 0.6],
        layers=[layer(10, 10, "sigmoid"), layer(10, 3, "sigmoid")],
        learning_rate=0.05,
    )
    with pytest.raises(PageTooLarge) as err:
        lesson_page(lesson, target=0.0)
    message = str(err.value)
    assert message.startswith("lesson_page: the page would be")
    fits = int(message.split("steps=")[1].split(" ")[0])
    assert 1 <= fits < 500
    assert len(lesson_page(lesson, target=0.0, steps=fits).encode("utf-8")) <= 2_000_000


def test_a_highlight_with_more_paths_than_python_can_print_says_more_than() -> None:
    # b = b + b, 15,000 times: 2^15000 paths from a, an int of 4,516 digits, which Python
    # refuses to format ("Exceeds the limit (4300 digits)"); the count stops at 10¹⁵.
    from autograd_mlp.viz import draw_graph

    a = Value(1.0, label="a")
    b = a
    for _ in range(15_000):
        b = b + b
    graph = draw_graph(b, highlight=a, max_nodes=20_000, collapse=False)
    assert "more than 10¹⁵ highlighted paths" in graph.source
    assert graph.path_summary is not None and graph.path_summary.count == 10**15
