"""The page's Python side (`autograd_mlp.viz.to_html`, `autograd_mlp.teach.lesson_page`): one
offline document whose numbers are the engine's, whose labels cannot break out, whose practice
answers are not in it, and which every way of saving writes. The page's behaviour in a browser:
tests/test_page_browser.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mlp import Value, draw_graph, to_html
from autograd_mlp.engine import topological_order
from autograd_mlp.engine.paths import path_sum, paths
from autograd_mlp.teach import lesson_page
from autograd_mlp.teach.lesson_page import MAX_TRAIN_STEPS
from autograd_mlp.viz import HtmlPage, format_number, save
from autograd_mlp.viz.page_kit import MAX_PAGE_BYTES
from autograd_mlp.viz.page_numbers import PRACTISE_DECIMALS, fnv1a
from tests.conftest import needs

NASTY = 'x</script><!--<img src=x onerror="window.__xss=1">&amp;"\u2028\''


@pytest.fixture(autouse=True)
def _graphviz() -> None:
    needs("pygraphviz")  # the page's layout is drawn by Graphviz (a failure under CI=true)


def data_of(page: str) -> dict:  # type: ignore[type-arg]
    m = re.search(r'<script type="application/json" id="lesson-data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def small() -> tuple[Value, dict[str, Value]]:
    """y = tanh(x·w + b + x): x feeds two operations, so its gradient arrives in two parts."""
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8814, label="b")
    y = (x * w + b + x).tanh()
    y.label = "y"
    y.backward()
    return y, {"x": x, "w": w, "b": b}


def test_the_page_is_one_document_with_nothing_to_fetch() -> None:
    y, _ = small()
    page = to_html(y)
    assert isinstance(page, HtmlPage) and isinstance(page, str)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # no URL to load: no src/href attributes, no url(), no @import, no fetch or XHR in the script
    for pattern in (r"\ssrc=", r"\shref=", r"url\(", r"@import", r"fetch\(", r"XMLHttpRequest"):
        assert re.search(pattern, page) is None, pattern
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "<svg" in page and 'id="v0"' in page


def test_every_number_is_the_engines() -> None:
    y, _ = small()
    order = topological_order(y)
    data = data_of(to_html(y))
    assert len(data["nodes"]) == len(order)
    for v, node in zip(order, data["nodes"]):
        assert node["data"] == format_number(v.data)
        assert node["grad"] == format_number(v.grad)  # after y.backward(): backward's numbers
    locals_ = [format_number(d) for v in order for d in v._local]
    assert [e["local"] for e in data["edges"]] == locals_


def test_backward_steps_replay_backward_with_partial_sums_and_counts() -> None:
    y, leaves = small()
    order = topological_order(y)
    data = data_of(to_html(y))
    ops = [v for v in order if v._prev]
    # forward: one step for the leaves, one per op; backward: the seed, then one per op
    assert len(data["steps"]) == 2 * len(ops) + 2
    x = order.index(leaves["x"])
    events = data["nodes"][x]["g"]
    # 1 of 2 received ("+1 more to come", as the frames say), then 2 of 2
    assert [e[2:] for e in events] == [[1, 2, "+1 more to come"], [2, 2, ""]]
    assert events[-1][1] == format_number(leaves["x"].grad)
    # each contribution is local × upstream = their product, as backward() formed it
    grads = {v: v.grad for v in order}
    k = 0
    for v in order:
        for local in v._local:
            text = data["edges"][k]["contrib"]
            factors = [format_number(local), format_number(grads[v])]
            expected = " × ".join(f"({f})" if f.startswith("−") else f for f in factors)
            assert text == f"{expected} = {format_number(local * grads[v])}"
            k += 1


def test_a_leafs_paths_are_the_paths_of_teach() -> None:
    y, leaves = small()
    order = topological_order(y)
    data = data_of(to_html(y))
    x = leaves["x"]
    listed = data["nodes"][order.index(x)]["paths"]
    found = paths(y, x)
    assert listed["count"] == len(found) == 2
    assert [p["product"] for p in listed["paths"]] == [format_number(p.product) for p in found]
    assert listed["sum"] == format_number(path_sum(found)) == format_number(x.grad)


def test_an_operations_rule_is_written_as_a_textbook_does() -> None:
    y, _ = small()
    data = data_of(to_html(y))
    root = data["nodes"][-1]
    assert root["op"]["symbol"] == "tanh"
    (rule,) = root["op"]["rules"]
    assert "1 − y²" in rule["text"] and rule["text"].endswith(format_number(y._local[0]))


def test_labels_cannot_break_out_of_the_page() -> None:
    x = Value(1.5, label=NASTY)
    y = x * x
    y.label = "y & <b>"
    page = to_html(y, title="</script><script>alert(1)</script>")
    assert page.count("</script>") == 2  # the data block's and the script's own
    assert "<!--" not in page
    block = page.split('id="lesson-data">', 1)[1].split("</script>", 1)[0]
    assert "\u2028" not in block and "<" not in block  # JSON written with \uXXXX escapes
    assert "<img" not in page and "<b>" not in page
    data = data_of(page)
    assert data["nodes"][0]["name"] == NASTY  # the label comes back exactly, as text
    assert data["title"] == "</script><script>alert(1)</script>"


def test_practice_answers_are_checked_without_being_stored() -> None:
    y, leaves = small()
    order = topological_order(y)
    page = to_html(y, practise_only=True)
    data = data_of(page)
    salt = data["practise"]["salt"]
    items = data["practise"]["items"]
    assert [it["node"] for it in items] == list(reversed(range(len(order) - 1)))  # backward
    for item in items:
        v = order[item["node"]]
        right = f"{v.grad:.{PRACTISE_DECIMALS}f}"
        assert (
            fnv1a(salt + right.lstrip("-") if float(right) == 0 else salt + right)
            in (item["hashes"])
        )
        wrong = f"{v.grad + 0.01:.{PRACTISE_DECIMALS}f}"
        assert fnv1a(salt + wrong) not in item["hashes"]
    # a worksheet holds no gradient: no grad field, no partial sums, no backward steps
    for node in data["nodes"]:
        assert not {"grad", "g", "ask", "paths"} & set(node)
    assert all(step["phase"] == "forward" for step in data["steps"])
    assert format_number(leaves["w"].grad) not in page


def test_fnv1a_gives_the_published_test_vectors() -> None:
    # FNV-1a 32-bit of "" and "a" (Fowler, Noll, Vo; the reference test suite, test_fnv.c)
    assert fnv1a("") == "811c9dc5"
    assert fnv1a("a") == "e40c292c"
    assert fnv1a("foobar") == "bf9cf968"


def test_the_lesson_page_trains_like_fit_and_stays_small() -> None:
    from autograd_mlp.nn.optim import SGD
    from autograd_mlp.nn.train import fit
    from autograd_mlp.teach.lesson import LESSON_LR, LESSON_T, LESSON_X, lesson_network

    page = lesson_page(steps=MAX_TRAIN_STEPS, target=0.0)  # the longest page: 500 steps
    assert len(page.encode("utf-8")) <= MAX_PAGE_BYTES
    train = data_of(page)["train"]
    assert len(train["steps"]) == MAX_TRAIN_STEPS + 1 and train["lr"] == f"{LESSON_LR:g}"
    model = lesson_network()
    history = fit(
        model,
        [list(LESSON_X)],
        [list(LESSON_T)],
        loss="sse",
        optimizer=SGD(model.parameters(), lr=LESSON_LR),
        max_steps=20,
        progress=False,
    )
    for t, loss in enumerate(history.loss[:20]):
        assert train["steps"][t]["E"] == format_number(loss), t
    assert len(train["dots"]) == len(train["steps"])


def test_the_lesson_page_stops_at_the_target_error() -> None:
    page = lesson_page()
    assert page == lesson_page()  # deterministic: make demo writes the same file every time
    train = data_of(page)["train"]
    assert "target" in train["stopped"] and len(train["steps"]) < MAX_TRAIN_STEPS
    last = float(train["steps"][-1]["E"].replace("−", "-"))
    assert last <= 1e-4
    with pytest.raises(ValueError, match="steps must be an int from 1 to 500"):
        lesson_page(steps=501)


def test_the_size_guard_refuses_a_graph_too_big_to_step_through() -> None:
    v = Value(0.5, label="v")
    for _ in range(300):
        v = v * 1.0001
    from autograd_mlp.viz import GraphTooLarge

    with pytest.raises(GraphTooLarge, match=r"^to_html: the graph has 601 Values, more than "):
        to_html(v)
    assert len(to_html(v, max_nodes=601)) > 0  # as the message says


def test_saving_a_graph_a_value_or_a_page_writes_the_same_page(tmp_path: Path) -> None:
    y, _ = small()
    graph = draw_graph(y)
    for thing, name in ((graph, "g.html"), (y, "v.html"), (to_html(y), "p.html")):
        path = save(thing, tmp_path / name)
        text = path.read_text(encoding="utf-8")
        assert text.startswith("<!DOCTYPE html>")
        assert text == to_html(y)  # the same graph gives the same page, byte for byte
    assert graph.to_html().startswith("<!DOCTYPE html>")
    with pytest.raises(TypeError, match="cannot make an HTML page from int"):
        save(3, tmp_path / "x.html")  # type: ignore[arg-type]
    assert not (tmp_path / "x.html").exists()
    with pytest.raises(FileNotFoundError):
        save(y, tmp_path / "missing" / "x.html")


# A notebook shows the page inline without a nested iframe (Colab and Kaggle strip those):
# a box, the page's text as a JSON string, and the script that builds it in the box's shadow root.
INLINE = re.compile(
    r'<div class="autograd-mlp-page" id="(agm-[0-9-]+)"[^>]*></div>\n'
    r'<script type="application/json" id="\1-page">([^<]*)</script>\n<script>[^<]*</script>'
)


def test_jupyter_shows_the_page_inline_without_an_iframe() -> None:
    y, _ = small()
    page = to_html(y)
    shown = page._repr_html_()
    m = INLINE.fullmatch(shown)
    assert m is not None and "<iframe" not in shown
    assert json.loads(m.group(2)) == page


def test_a_lesson_shows_its_own_page_inline() -> None:
    # A Lesson in a notebook cell displays its page (the same bytes as lesson_page gives it),
    # inline; to_html passes lesson_page's options through.
    from tests.lessons import random_lesson

    lesson = random_lesson(2)
    page = lesson.to_html(steps=3)
    assert isinstance(page, HtmlPage) and page == lesson_page(lesson, steps=3)
    assert len(data_of(page)["train"]["steps"]) <= 1 + 3  # the start and 3 updates at most
    m = INLINE.fullmatch(lesson._repr_html_())
    assert m is not None
    shown = json.loads(m.group(2))
    assert shown == lesson_page(lesson)  # the default page, not the default lesson's
    sizes = "–".join(str(n) for n in lesson.sizes)
    assert f"The lesson's {sizes} network" in shown
    with pytest.raises(ValueError, match="steps must be an int"):
        lesson.to_html(steps=0)


def test_the_command_line_writes_a_page(tmp_path: Path) -> None:
    out = tmp_path / "graph.html"
    command = ["render", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.8814", "-o", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "autograd_mlp", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out}"
    names = [n["name"] for n in data_of(out.read_text(encoding="utf-8"))["nodes"]]
    assert {"x", "w", "b"} <= set(names)


def test_bad_options_name_the_bad_value() -> None:
    y, _ = small()
    with pytest.raises(TypeError, match="to_html expects a Value as root, got int"):
        to_html(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="precision must be an int from 0 to 17, got 99"):
        to_html(y, precision=99)
    with pytest.raises(ValueError, match="practise_only must be True or False"):
        to_html(y, practise_only="yes")  # type: ignore[arg-type]


def test_a_lesson_of_ones_own_is_saved_as_its_page(tmp_path: Path) -> None:
    from autograd_mlp.teach.lesson import DEFAULT_LESSON, LayerSpec, Lesson

    lesson = Lesson(
        inputs=(0.5, -1.0),
        targets=(1.0,),
        layers=(LayerSpec("tanh", ((0.3, -0.2),), (0.1,)),),
        learning_rate=0.1,
        error="half",
    )
    path = save(lesson, tmp_path / "mine.html")
    data = data_of(path.read_text(encoding="utf-8"))
    assert data["title"].startswith("The lesson's 2–1 network")
    assert data["train"]["lr"] == "0.1"
    _, _, error = lesson.backward()
    assert data["nodes"][-1]["data"] == format_number(error.data)
    assert data["train"]["steps"][0]["E"] == format_number(error.data)
    default = data_of(save(DEFAULT_LESSON, tmp_path / "lesson.html").read_text(encoding="utf-8"))
    assert default["title"].startswith("The lesson's 3–2–2 network")
    with pytest.raises(TypeError, match="lesson_page expects a Lesson or None, got str"):
        lesson_page("3-2-2")  # type: ignore[arg-type]


def test_the_teaching_commands_write_pages(tmp_path: Path) -> None:
    import contextlib
    import io

    from autograd_mlp.commands.cli import main
    from autograd_mlp.teach.lesson import LayerSpec, Lesson

    lesson = Lesson(
        inputs=(0.5, -1.0),
        targets=(1.0,),
        layers=(LayerSpec("sigmoid", ((0.3, -0.2),), (0.1,)),),
        learning_rate=0.5,
    )
    lesson.save(tmp_path / "mine.json")
    page, sheet = tmp_path / "lesson.html", tmp_path / "sheet.html"
    with contextlib.redirect_stdout(io.StringIO()) as out:
        argv = ["lesson", "graph", "--lesson", str(tmp_path / "mine.json"), "-o", str(page)]
        assert main(argv) == 0
        argv = ["exercise", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", "-o", str(sheet)]
        assert main(argv) == 0
    assert f"wrote {page}" in out.getvalue() and f"wrote {sheet}" in out.getvalue()
    data = data_of(page.read_text(encoding="utf-8"))
    assert data["title"].startswith("The lesson's 2–1 network") and data["train"]["lr"] == "0.5"
    assert data_of(sheet.read_text(encoding="utf-8"))["practiseOnly"] is True
    with contextlib.redirect_stderr(io.StringIO()) as err:
        assert main(["lesson", "graph", "-o", str(tmp_path / "x.gif")]) == 2
        assert main(["exercise", "x*x", "--set", "x=1", "--count", "1", "-o", str(sheet)]) == 2
    assert "(or .html for the interactive page)" in err.getvalue()
    assert "--hide and --count apply to .png, .pdf and .svg worksheets" in err.getvalue()


def test_the_lesson_page_is_drawn_on_the_lessons_one_layout() -> None:
    import importlib.util
    import xml.etree.ElementTree as ET

    page = lesson_page(steps=3)
    svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]

    def first_shape(g: ET.Element) -> dict[str, str]:
        return next(c for c in g if not c.tag.endswith("title")).attrib

    shapes = {
        g.get("id"): first_shape(g)
        for g in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g")
        if re.fullmatch(r"(v|op)\d+", g.get("id") or "")
    }
    layout = importlib.util.find_spec("autograd_mlp.viz.layout")
    if layout is None:  # this version has no shared layout: draw_graph's Graphviz drawing
        nodes = data_of(page)["nodes"]
        assert 'class="graph"' in svg  # Graphviz's own group
        assert len(shapes) == len(nodes) + sum(1 for n in nodes if n["isOp"])
        return
    from autograd_mlp.teach.lesson_layout import lesson_layout

    board = ET.fromstring(lesson_layout().svg())
    for g in board.iter("{http://www.w3.org/2000/svg}g"):
        gid = g.get("id") or ""
        if gid in shapes:  # every box and operation where the frames and worksheet have it
            first = first_shape(g)
            for key in ("x", "y", "width", "height", "cx", "cy", "rx", "ry"):
                assert shapes[gid].get(key) == first.get(key), (gid, key)
