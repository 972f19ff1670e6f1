"""The lesson page in a real browser: the system's Chromium (Debian's package, /usr/bin/chromium),
driven by Playwright, with the network blocked. Nothing here downloads a browser.

Each test opens a page written into the test's temporary folder (the demo's lesson.html, made
by the demo's own writer, and a page for a small expression), steps through it, clicks it and
types into it, then checks the numbers on screen against the engine's, that no request left the
page, and that the console stayed clean. Screenshots at 1920×1080 and 1280×720 are saved in the
temporary folder (``pytest --basetemp=DIR`` keeps them where you can look at them).
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from autograd_mlp import Value, to_html
from autograd_mlp.engine import topological_order
from autograd_mlp.engine.paths import path_sum, paths
from autograd_mlp.viz import format_number
from autograd_mlp.viz.page_numbers import PRACTISE_DECIMALS
from tests.conftest import IN_CI, needs

CHROMIUM = os.environ.get("AUTOGRAD_MLP_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NASTY = 'a</script><!--<img src=x onerror="window.__xss=1">&amp;"\''


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    needs("pygraphviz")
    sync_api = needs("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        message = f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"{message}: required under CI=true")
        pytest.skip(message)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@dataclass
class Opened:
    page: Any
    url: str
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def text(self, selector: str) -> str:
        return str(self.page.text_content(selector)).strip()

    def texts(self, selector: str) -> list[str]:
        return [str(t).strip() for t in self.page.locator(selector).all_text_contents()]

    def close(self) -> None:
        self.page.close()
        assert self.blocked == [], f"the page asked the network for {self.blocked}"
        assert self.errors == [], f"console errors: {self.errors}"


def open_page(browser: Any, path: Path, width: int = 1920, height: int = 1080) -> Opened:
    page = browser.new_page(viewport={"width": width, "height": height})
    url = path.resolve().as_uri()
    opened = Opened(page, url)

    def route(r: Any) -> None:
        if r.request.url == url:
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']")
    return opened


def small() -> tuple[Value, dict[str, Value]]:
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    b = Value(6.8814, label="b")
    y = (x * w + b + x).tanh()
    y.label = "y"
    y.backward()
    return y, {"x": x, "w": w, "b": b}


def factor(x: float) -> str:
    s = format_number(x)
    return f"({s})" if s.startswith("−") else s


def test_every_backward_step_shows_the_engines_numbers(browser: Any, tmp_path: Path) -> None:
    y, leaves = small()
    order = topological_order(y)
    path = to_html(y).save(tmp_path / "small.html")
    o = open_page(browser, path)
    ops = [v for v in order if v._prev]
    steps = 2 * len(ops) + 2
    assert o.text("#step-count") == f"step 0 of {steps - 1}"
    for _ in range(len(ops) + 1):  # through the forward pass to the seed
        o.page.click("#next")
    assert o.text(f"#v{len(order) - 1}-grad") == "grad 1.0000"
    saw_partial = False
    for node in reversed(ops):  # one backward step per operation, as backward() visits them
        o.page.keyboard.press("ArrowRight")
        i = order.index(node)
        assert "active" in str(o.page.get_attribute(f"#op{i}", "class"))
        shown = o.texts(".contrib")
        assert len(shown) == len(node._prev)  # one line per arrow into the operation
        for text, local in zip(shown, node._local):
            contrib = f"{factor(local)} × {factor(node.grad)} = {format_number(local * node.grad)}"
            assert text.endswith(contrib), (text, contrib)
        for partial in o.texts(".partial"):
            saw_partial = True
            assert "of 2 contributions received, 1 still to come" in partial
            assert partial.startswith("x: ")  # x feeds two operations
    assert saw_partial
    assert o.text("#step-count") == f"step {steps - 1} of {steps - 1}"
    for i, v in enumerate(order):  # the end of the backward pass: every gradient, as backward()
        assert o.text(f"#v{i}-grad") == f"grad {format_number(v.grad)}"
        assert o.text(f"#v{i}-data") == f"data {format_number(v.data)}"
    assert o.text(f"#v{order.index(leaves['x'])}-grad") == f"grad {format_number(leaves['x'].grad)}"
    # ← goes back, and a gradient that was complete is partial again
    for _ in range(len(ops)):
        o.page.keyboard.press("ArrowLeft")
    assert o.text(f"#v{order.index(leaves['x'])}-grad") == "grad"
    o.close()


def test_a_leaf_lists_its_paths_and_their_sum(browser: Any, tmp_path: Path) -> None:
    y, leaves = small()
    order = topological_order(y)
    path = to_html(y).save(tmp_path / "small.html")
    o = open_page(browser, path)
    x = leaves["x"]
    o.page.click(f"#v{order.index(x)}")
    found = paths(y, x)
    assert o.texts(".path-product") == [format_number(p.product) for p in found]
    assert o.text(".path-sum") == format_number(path_sum(found))
    assert o.text(".path-grad") == format_number(x.grad)
    arrows = [(child, v, k) for v in order for k, child in enumerate(v._prev)]
    on_path = {(a, b, k) for p in found for a, b, k in zip(p.nodes, p.nodes[1:], p.slots)}
    for child, v, k in arrows:  # every arrow of every path is drawn bold, no other
        marked = "onpath" in str(o.page.get_attribute(f"#e{order.index(v)}_{k}", "class"))
        assert marked == ((child, v, k) in on_path), (child, v, k)
    # an operation: its rule and its value
    o.page.click(f"#op{len(order) - 1}")
    assert "1 − y²" in o.text(".rule") and o.text(".rule").endswith(format_number(y._local[0]))
    o.close()


def test_practise_checks_answers_and_hints(browser: Any, tmp_path: Path) -> None:
    y, _ = small()
    order = topological_order(y)
    for practise_only in (False, True):
        path = to_html(y, practise_only=practise_only).save(tmp_path / "practise.html")
        o = open_page(browser, path)
        if not practise_only:
            o.page.click("#mode-practise")
        first = order[-2]  # backward order: the Value just below the root comes first
        i = len(order) - 2
        assert o.text(f"#v{i}-grad") == "grad ?"
        # no gradient on screen before it is earned: only the seed and the question mark
        cells = {o.text(f"#v{j}-grad") for j in range(len(order))}
        assert cells == {"grad", "grad ?", "grad 1"}, cells
        assert format_number(first.grad) not in o.page.inner_text("#panel")
        o.page.fill("#answer", f"{first.grad + 0.5:.3f}")
        o.page.click("#check")
        assert "Hint" in o.text("#message") and "arrow" in o.text("#message")
        assert o.text("#score") == "score: 0 right, 1 wrong"
        assert o.page.locator("g.edge.used").count() == len(
            [k for v in order for k in v._prev if k is first]
        )
        o.page.fill("#answer", f"{first.grad:.{PRACTISE_DECIMALS}f}".replace("-", "−"))
        o.page.keyboard.press("Enter")
        assert o.text("#message").startswith("right")
        assert o.text("#score") == "score: 1 right, 1 wrong"
        shown = o.text(f"#v{i}-grad")
        expected = f"{first.grad:.{PRACTISE_DECIMALS}f}" if practise_only else "x"
        if practise_only:
            assert shown == f"grad {expected}"
        else:
            assert shown == f"grad {format_number(first.grad)}"
        assert o.text(f"#v{i - 1}-grad") == "grad ?"  # the next one is asked
        o.close()


@pytest.mark.parametrize(
    ("grad", "typed"),
    [
        (math.exp(50), ["5.1847e21", "5.18471e+21", "5184705528587072464087"]),  # e^50
        (-1.142e26, ["-1.142e26", "−1.14200e+26", "-1.1419e26"]),  # one unit off counts too
        (math.inf, ["inf", "Infinity", "∞"]),  # exp(1000) overflows
        (-math.inf, ["-inf", "−∞"]),
        (math.nan, ["nan", "NaN"]),  # inf − inf
    ],
    ids=["e^50", "-1.142e26", "inf", "-inf", "nan"],
)
def test_practise_accepts_huge_and_infinite_gradients(
    browser: Any, tmp_path: Path, grad: float, typed: list[str]
) -> None:
    """N10: an answer was compared as x.toFixed(3), which is "1e+22" from 10²¹ on while Python
    (answers are now asked to the page's precision, 4 decimals, as the worksheet asks them)
    wrote 22 digits, and inf and nan could not be typed at all: a practise-only page then had
    no way past that gradient. y = a·w with a = the gradient: ∂y/∂w = a, asked first."""
    a = Value(grad, label="a")
    w = Value(1.0, label="w")
    y = a * w
    y.label = "y"
    path = to_html(y, practise_only=True).save(tmp_path / "huge.html")
    for answer in typed:
        o = open_page(browser, path)
        assert o.text("#caption").endswith("∂y/∂w = ?")
        o.page.fill("#answer", answer)
        o.page.click("#check")
        assert o.text("#message").startswith("right"), (answer, o.text("#message"))
        o.page.fill("#answer", "1")  # ∂y/∂a = w
        o.page.click("#check")
        assert o.text("#caption") == "practice done: every gradient entered"
        assert o.text("#score") == "score: 2 right, 0 wrong"
        o.close()
    o = open_page(browser, path)  # and a wrong answer is still wrong
    o.page.fill("#answer", "-inf" if grad > 0 or math.isnan(grad) else "inf")
    o.page.click("#check")
    assert o.text("#message").startswith("not quite")
    o.close()


def test_labels_stay_text(browser: Any, tmp_path: Path) -> None:
    a = Value(1.5, label=NASTY)
    y = a * a
    y.label = "y & <b>bold</b>"
    path = to_html(y, title="</script><script>window.__xss=1</script>").save(tmp_path / "x.html")
    o = open_page(browser, path)
    assert o.page.evaluate("window.__xss") is None
    assert o.page.locator("img").count() == 0 and o.page.locator("b").count() == 0
    assert o.page.evaluate("document.querySelector('#v0 title').textContent") == NASTY
    # an attribute, and the box's name holds what it shows (step 0: data, no grad yet)
    assert o.page.get_attribute("#v0", "aria-label") == f"ask the Value {NASTY} data 1.5000 grad"
    o.page.click("#v0")
    assert o.text("#caption").startswith(NASTY)
    o.close()


def test_the_demo_lesson_page_in_class(browser: Any, tmp_path: Path) -> None:
    from autograd_mlp.commands.demo import lesson_backward, write_lesson_page

    path = write_lesson_page(tmp_path / "lesson.html")
    _, _, error = lesson_backward()
    order = topological_order(error)
    o = open_page(browser, path)
    o.page.screenshot(path=str(tmp_path / "lesson-1920x1080-forward.png"))
    # readable from the back: panel and buttons at ≥ 18 px, graph text drawn at ≥ 18 px
    for selector in ("#caption", "#next", "#mode-ask"):
        size = o.page.evaluate(
            f"parseFloat(getComputedStyle(document.querySelector('{selector}')).fontSize)"
        )
        assert size >= 18, (selector, size)
    # every step, with the keyboard
    last = int(str(o.page.get_attribute("#slider", "max")))
    for _ in range(last):
        o.page.keyboard.press("ArrowRight")
    for i, v in enumerate(order):
        assert o.text(f"#v{i}-grad") == f"grad {format_number(v.grad)}", v.label
    for text in ("v0-data", "e10_0-label"):  # a box's number, the number on σ's arrow
        box = f"document.getElementById('{text}').getBoundingClientRect()"
        assert o.page.evaluate(f"{box}.height") >= 18, text
    o.page.keyboard.press("ArrowLeft")
    o.page.wait_for_timeout(350)  # the camera's pan
    o.page.screenshot(path=str(tmp_path / "lesson-1920x1080-backward.png"))
    # space plays and pauses
    o.page.click("#slider")
    o.page.keyboard.press("Home")
    o.page.keyboard.press(" ")
    assert o.text("#play") == "❚❚ pause"
    o.page.keyboard.press(" ")
    assert o.text("#play") == "▶ play"
    # train: the last precomputed step's E, and the graph follows
    o.page.click("#mode-train")
    n = int(str(o.page.get_attribute("#slider", "max")))
    o.page.keyboard.press("End")
    for _ in range(n):
        o.page.keyboard.press("ArrowRight")
    final = o.text("#train-step")
    assert final.startswith("E = ") and float(final[4:].replace("−", "-")) <= 1e-4
    assert o.text(f"#v{len(order) - 1}-data") == f"data {final[4:]}"
    o.page.screenshot(path=str(tmp_path / "lesson-1920x1080-train.png"))
    o.close()
    # the smaller screen: ask a first-layer weight
    o = open_page(browser, path, 1280, 720)
    w = next(i for i, v in enumerate(order) if v.label == "L1.N1.w1")
    o.page.click("#mode-ask")
    o.page.click("#zoom-fit")
    o.page.wait_for_timeout(350)  # the camera's move to the whole graph
    o.page.click(f"#v{w}")
    assert len(o.texts(".path-product")) == 2
    assert o.text(".path-grad") == format_number(order[w].grad)
    o.page.screenshot(path=str(tmp_path / "lesson-1280x720-ask.png"))
    o.close()


# What is on screen at one step, measured in the page: every box (a Value's rect, an
# operation's ellipse) in the drawing's own units and on screen, every visible contribution card
# and every other visible number on an arrow, on screen.
MEASURE = """() => {
  const rect = (r) => [r.left, r.top, r.right, r.bottom];
  const shapes = [...document.querySelectorAll(
    "g.node > rect:first-of-type, g.node > ellipse, g.node > polygon:first-of-type")];
  const boxes = shapes.map((e) => [e.parentNode.id, rect(e.getBoundingClientRect())]);
  const drawn = shapes.map((e) => {
    const b = e.getBBox();
    return [e.parentNode.id, [b.x, b.y, b.width, b.height].map((v) => v.toFixed(2)).join(",")];
  });
  const cards = [...document.querySelectorAll("g.edge rect.card")]
    .filter((e) => e.getAttribute("display") !== "none")
    .map((e) => [e.parentNode.id, rect(e.getBoundingClientRect())]);
  const labels = [...document.querySelectorAll("g.edge text")]
    .filter((e) => e.textContent.trim() !== "")
    .map((e) => [e.parentNode.id, rect(e.getBoundingClientRect())]);
  const live = [...document.querySelectorAll("g.edge.live")]
    .filter((g) => g.querySelector("text"))
    .map((g) => g.id);
  const svg = rect(document.getElementById("lesson-svg").getBoundingClientRect());
  return { boxes, drawn, cards, labels, live, svg };
}"""


def overlap(a: list[float], b: list[float], slack: float = 0.5) -> bool:
    across = a[0] < b[2] - slack and b[0] < a[2] - slack
    return across and a[1] < b[3] - slack and b[1] < a[3] - slack


def check_cards_at_every_step(o: Opened) -> int:
    """Step through the whole pass; at each step no contribution card covers a box, another
    card or another arrow's number, every card lies inside the drawing, every live arrow that
    carries a number shows its card, and no box has moved in the drawing. Returns the number
    of cards checked."""
    last = int(str(o.page.get_attribute("#slider", "max")))
    first: dict[str, str] | None = None
    checked = 0
    for step in range(last + 1):
        o.page.evaluate(
            "s => { const e = document.getElementById('slider'); e.value = String(s);"
            " e.dispatchEvent(new Event('input')); }",
            step,
        )
        m = o.page.evaluate(MEASURE)
        drawn = dict(m["drawn"])
        if first is None:
            first = drawn
        assert drawn == first, f"a box moved in the drawing at step {step}"
        assert sorted(e for e, _ in m["cards"]) == sorted(m["live"]), step
        for edge, card in m["cards"]:
            checked += 1
            s = m["svg"]
            assert s[0] <= card[0] and card[2] <= s[2] and s[1] <= card[1] and card[3] <= s[3]
            for node, box in m["boxes"]:
                assert not overlap(card, box), f"step {step}: the card of {edge} covers {node}"
            for other, box in m["cards"] + m["labels"]:
                if other != edge:
                    assert not overlap(card, box), f"step {step}: {edge}'s card covers {other}'s"
    return checked


@pytest.mark.parametrize("which", ["small", "lesson"])
def test_contribution_cards_cover_nothing_and_nothing_moves(
    browser: Any, tmp_path: Path, which: str
) -> None:
    if which == "lesson":
        from autograd_mlp.commands.demo import write_lesson_page

        path = write_lesson_page(tmp_path / "lesson.html")
    else:
        path = to_html(small()[0]).save(tmp_path / "small.html")
    o = open_page(browser, path)
    assert check_cards_at_every_step(o) > 0
    o.close()


def test_the_keyboards_place_and_the_active_box_are_visible(browser: Any, tmp_path: Path) -> None:
    y, _ = small()
    order = topological_order(y)
    o = open_page(browser, to_html(y).save(tmp_path / "small.html"))
    stroke = "el => getComputedStyle(el).stroke"
    for _ in range(40):  # Tab from the buttons into the drawing, to the first Value box
        o.page.keyboard.press("Tab")
        if o.page.evaluate("document.activeElement.id") == "v0":
            break
    assert o.page.evaluate("document.activeElement.id") == "v0"
    assert o.page.eval_on_selector("#v0 > rect", stroke) == "rgb(255, 191, 0)"
    o.page.keyboard.press("Enter")  # asks the Value: its box is marked, the focus still shows
    assert "asked" in str(o.page.get_attribute("#v0", "class"))
    o.page.click("#mode-step")
    o.page.click("#slider")
    o.page.keyboard.press("End")  # the last backward step: through the first operation
    i = next(k for k, v in enumerate(order) if v._prev)
    assert o.page.eval_on_selector(f"#v{i} > rect", stroke) == "rgb(208, 49, 45)"
    # changing the mode does not move the drawing on the screen
    where = "() => document.getElementById('stage').getBoundingClientRect().top"
    top = o.page.evaluate(where)
    for mode in ("ask", "practise", "step"):
        o.page.click(f"#mode-{mode}")
        assert o.page.evaluate(where) == top, mode
    o.close()


def test_a_500_value_graph_stays_responsive(browser: Any, tmp_path: Path) -> None:
    v = Value(0.5, label="v0")
    for _ in range(99):  # 1 + 99·5 = 496 Values: a constant, ×, tanh, a constant, +
        v = (v * 0.9).tanh() + 0.01
    y = v
    assert len(topological_order(y)) <= 500
    started = time.perf_counter()
    path = to_html(y).save(tmp_path / "big.html")
    built = time.perf_counter() - started
    assert built < 15, built
    o = open_page(browser, path, 1280, 720)
    last = int(str(o.page.get_attribute("#slider", "max")))
    started = time.perf_counter()
    for s in (last // 2, last - 1, last, 1):
        o.page.evaluate(
            "s => { const e = document.getElementById('slider'); e.value = String(s);"
            " e.dispatchEvent(new Event('input')); }",
            s,
        )
    for _ in range(20):
        o.page.keyboard.press("ArrowRight")
    assert time.perf_counter() - started < 3
    assert o.text("#step-count") == f"step 21 of {last}"
    o.close()


def test_a_notebook_shows_the_page_inline_without_an_iframe(browser: Any, tmp_path: Path) -> None:
    # Colab and Kaggle strip nested iframes: the page is built in a shadow root of the output,
    # its styles and ids kept apart from the notebook's (the notebook's own #title stays).
    y, _ = small()
    page = to_html(y)
    notebook = tmp_path / "notebook.html"  # what an exported notebook holds: the cell's HTML
    notebook.write_text(
        f"<!DOCTYPE html><html><body><h1 id='title'>My notebook</h1>{page._repr_html_()}"
        "</body></html>"
    )
    o = open_page_plain(browser, notebook)
    o.page.locator("[data-ready='1']").wait_for()
    assert o.page.locator("iframe").count() == 0
    inline = o.page.locator(".autograd-mlp-page")
    inline.locator("#next").click()
    ops = sum(1 for v in topological_order(y) if v._prev)
    assert inline.locator("#step-count").text_content() == f"step 1 of {2 * ops + 1}"
    assert o.page.locator("body > #title").text_content() == "My notebook"
    o.close()


def open_page_plain(browser: Any, path: Path) -> Opened:
    """Like `open_page`, for a page that has no data-ready flag of its own (the notebook)."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    url = path.resolve().as_uri()
    opened = Opened(page, url)

    def route(r: Any) -> None:
        if r.request.url in (url, "about:srcdoc"):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.goto(url)
    return opened


# -- for every student: the keyboard, a screen reader, axe-core -------------------------------

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = """async (tags) => {
  const r = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return r.violations.map((v) => v.id + " (" + v.impact + "): " +
    v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""


def axe_violations(o: Opened) -> list[str]:
    from tests.conftest import needs_web

    if not o.page.evaluate("typeof window.axe !== 'undefined'"):
        o.page.evaluate(needs_web("axe-core/axe.min.js").read_text(encoding="utf-8"))
    return list(o.page.evaluate(AXE_RUN, WCAG))


def lesson_page_file(tmp_path: Path) -> Path:
    from autograd_mlp.commands.demo import write_lesson_page

    return write_lesson_page(tmp_path / "lesson.html")


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)], ids=["1920x1080", "1280x720"])
def test_axe_finds_no_violation_in_any_mode(
    browser: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    """axe-core (web/node_modules, pinned by web/package-lock.json) with the WCAG 2.2 A and AA
    rules, in every mode of the lesson page and of an expression's pages (left to right, top to
    bottom, a practise-only sheet), and in the states a mode goes through (a node asked, a
    wrong answer with its hint, a step of the backward pass)."""
    y, _ = small()
    pages = {
        "lesson": lesson_page_file(tmp_path),
        "small": to_html(y).save(tmp_path / "small.html"),
        "small-TB": to_html(y, rankdir="TB").save(tmp_path / "small-tb.html"),
        "sheet": to_html(y, practise_only=True).save(tmp_path / "sheet.html"),
    }
    found: dict[str, list[str]] = {}
    for which, path in pages.items():
        o = open_page(browser, path, *size)
        found[f"{which} start"] = axe_violations(o)
        for mode in ("step", "ask", "practise", "train"):
            if not o.page.locator(f"#mode-{mode}").is_visible():
                continue
            o.page.click(f"#mode-{mode}")
            found[f"{which} {mode}"] = axe_violations(o)
            if mode == "step":
                o.page.click("#slider")
                o.page.keyboard.press("End")
                found[f"{which} {mode} end"] = axe_violations(o)
            elif mode == "ask":
                o.page.focus("g.node[id^=v]")
                o.page.keyboard.press("Enter")
                found[f"{which} {mode} asked"] = axe_violations(o)
            elif mode == "practise":
                o.page.fill("#answer", "12345")
                o.page.click("#check")
                found[f"{which} {mode} wrong"] = axe_violations(o)
        o.page.screenshot(path=str(tmp_path / f"{which}-{size[0]}x{size[1]}.png"))
        o.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_space_and_enter_press_the_focused_control(browser: Any, tmp_path: Path) -> None:
    o = open_page(browser, lesson_page_file(tmp_path))
    o.page.focus("#next")
    o.page.keyboard.press(" ")  # presses next: one step, and no play
    assert o.text("#step-count").startswith("step 1 of")
    assert o.text("#play") == "▶ play"
    o.page.keyboard.press("Enter")
    assert o.text("#step-count").startswith("step 2 of")
    o.page.focus("#mode-ask")
    o.page.keyboard.press(" ")
    assert o.page.get_attribute("#mode-ask", "aria-pressed") == "true"
    assert o.text("#play") == "▶ play"
    o.page.focus("#v2")  # a box: space asks it
    o.page.keyboard.press(" ")
    assert "asked" in str(o.page.get_attribute("#v2", "class"))
    assert o.text("#caption").startswith("L1.N1.w1")
    o.page.focus("#mode-step")
    o.page.keyboard.press("Enter")
    o.page.focus("#play")
    o.page.keyboard.press(" ")  # the play button itself: plays
    assert o.text("#play") == "❚❚ pause"
    o.page.keyboard.press(" ")
    assert o.text("#play") == "▶ play"
    o.page.focus("#zoom-fit")
    before = o.text("#step-count")
    o.page.keyboard.press(" ")
    assert o.text("#step-count") == before and o.text("#play") == "▶ play"
    o.page.focus("#panel")  # the side panel: space scrolls it, as in any page
    o.page.keyboard.press(" ")
    assert o.text("#play") == "▶ play"
    o.close()


def test_every_box_is_reached_in_reading_order_and_brought_into_view(
    browser: Any, tmp_path: Path
) -> None:
    """At 1280×720 the lesson is drawn larger than the stage (its text at 18 px): Tab goes
    through every box and operation column by column, top to bottom in each, and each one
    focused is on stage, whole. A screen reader finds each as a button named by its text."""
    page = browser.new_page(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
    page.goto(lesson_page_file(tmp_path).resolve().as_uri())
    page.wait_for_selector("body[data-ready='1']")
    count = page.locator("g.node").count()
    page.focus("#fullscreen")  # the last control before the drawing
    seen: list[dict[str, Any]] = []
    for _ in range(count):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => {
                  const e = document.activeElement;
                  const r = (e.querySelector("rect, ellipse, polygon, path") || e)
                    .getBoundingClientRect();
                  const s = document.getElementById("stage").getBoundingClientRect();
                  return { id: e.id, role: e.getAttribute("role"),
                    label: e.getAttribute("aria-label"), box: [r.left, r.top, r.right, r.bottom],
                    stage: [s.left, s.top, s.right, s.bottom] };
                }"""
            )
        )
    ids = [s["id"] for s in seen]
    assert len(set(ids)) == count and all(i.startswith(("v", "op")) for i in ids), ids
    off = [s["id"] for s in seen if not overlap(s["box"], s["stage"]) or not inside(s)]
    assert off == [], f"{len(off)} of {count} focused boxes are off stage: {off}"
    # reading order: column by column (centres within 8 px), top to bottom in a column
    order = page.evaluate(
        """() => [...document.querySelectorAll("g.node")].map((g) => {
          const b = (g.querySelector("rect, ellipse") || g).getBBox();
          return [g.id, b.x + b.width / 2, b.y];
        })"""
    )
    where = {i: (x, y) for i, x, y in order}
    for a, b in itertools.pairwise(ids):
        (xa, ya), (xb, yb) = where[a], where[b]
        assert xb > xa + 8 or (abs(xb - xa) <= 8 and yb > ya), (a, b)
    for s in seen:
        assert s["role"] == "button"
        if s["id"].startswith("v"):
            label = page.evaluate(
                "id => [...document.getElementById(id).querySelectorAll('text')]"
                ".map((t) => t.textContent.trim()).filter(Boolean).join(' ')",
                s["id"],
            )
            assert s["label"] == f"ask the Value {label}", s  # numbers included
    assert page.get_attribute("#lesson-svg", "role") == "group"
    page.close()


def inside(seen: dict[str, Any]) -> bool:
    b, s = seen["box"], seen["stage"]
    return bool(s[0] <= b[0] and b[2] <= s[2] and s[1] <= b[1] and b[3] <= s[3])


def test_a_lesson_with_a_decimal_comma_in_the_browser(browser: Any, tmp_path: Path) -> None:
    """The lesson's notation on the page: numbers with a decimal comma, the learning constant
    η, and answers typed with a decimal comma (or a point) accepted."""
    import dataclasses

    from autograd_mlp.teach import DEFAULT_LESSON, lesson_page

    lesson = dataclasses.replace(
        DEFAULT_LESSON,
        notation={"decimal": ",", "learning_rate": "η"},  # type: ignore[arg-type]
    )
    _, _, error = lesson.backward()
    order = topological_order(error)
    path = lesson_page(lesson).save(tmp_path / "comma.html")
    o = open_page(browser, path)
    assert o.text("#v3-data") == "data " + format_number(order[3].data).replace(".", ",")
    o.page.click("#mode-train")
    assert "W′ = W − η·∂E/∂W with η = 0,02" in o.text("#train-info")
    o.page.click("#mode-practise")
    first = order[-2]
    typed = f"{first.grad:.4f}".replace(".", ",")
    o.page.fill("#answer", "9,5")
    o.page.click("#check")
    assert o.text("#message").startswith("not quite (9,5000)")
    o.page.fill("#answer", typed)
    o.page.click("#check")
    assert o.text("#message").startswith("right"), (typed, o.text("#message"))
    assert o.text(f"#v{len(order) - 2}-grad") == "grad " + format_number(first.grad).replace(
        ".", ","
    )
    second = order[-3]
    o.page.fill("#answer", f"{second.grad:.4f}")  # a point is read too
    o.page.click("#check")
    assert o.text("#message").startswith("right")
    o.page.screenshot(path=str(tmp_path / "comma-1920x1080-practise.png"))
    o.close()


def test_an_expressions_page_names_its_derivatives_readably(browser: Any, tmp_path: Path) -> None:
    from autograd_mlp.engine.expr import build

    root, _ = build("sigmoid(a*b + a) * log(b)", {"a": 0.5, "b": 2.0})
    order = topological_order(root)
    o = open_page(browser, to_html(root).save(tmp_path / "expression.html"))
    assert o.text("#title") == "Backpropagation through f = σ(a·b + a)·ln(b)"
    o.page.click("#mode-practise")
    assert o.text("#caption").endswith("∂f/∂ln(b) = ?")  # backward order: ln(b) first
    assert o.text("label[for=answer]") == "∂f/∂ln(b) ="
    o.page.click("#mode-ask")
    b = next(i for i, v in enumerate(order) if v.label == "b")
    o.page.focus(f"#v{b}")
    o.page.keyboard.press("Enter")
    assert o.text(".sum").startswith("∂f/∂b = ")
    assert o.text(".formula") == "∂f/∂b = ∂(a·b)/∂b · ∂f/∂(a·b) + ∂ln(b)/∂b · ∂f/∂ln(b)"
    o.close()


# Every text on screen, with its size in CSS px as drawn (an SVG text: its font size times the
# drawing's scale on screen); those under 18 px.
SMALL_TEXT = """() => {
  const small = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.textContent.trim() || !e || seen.has(e)) continue;
    seen.add(e);
    if (e.closest("script, style, title, [hidden]")) continue;
    const r = e.getBoundingClientRect();
    const shown = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 &&
      r.left < innerWidth && r.top < innerHeight;
    const style = getComputedStyle(e);
    if (!shown || style.visibility === "hidden" || style.display === "none") continue;
    let px = parseFloat(style.fontSize);
    if (e instanceof SVGElement) {
      const m = e.getScreenCTM();
      px *= Math.hypot(m.a, m.b);
    }
    if (px < 17.95) small.push(n.textContent.trim().slice(0, 30) + ": " + px.toFixed(1) + " px");
  }
  return small;
}"""


def test_every_text_is_18px_or_more_on_a_projector(browser: Any, tmp_path: Path) -> None:
    """At 1920×1080, as a projector shows the page, in every mode: the buttons, the side
    panel, the chart's labels and the drawing (at the page's readable scale)."""
    y, _ = small()
    pages = {
        "lesson": lesson_page_file(tmp_path),
        "small": to_html(y).save(tmp_path / "small.html"),
        "small-TB": to_html(y, rankdir="TB").save(tmp_path / "small-tb.html"),
        "sheet": to_html(y, practise_only=True).save(tmp_path / "sheet.html"),
    }
    found: dict[str, list[str]] = {}
    for which, path in pages.items():
        o = open_page(browser, path)
        for mode in ("step", "ask", "practise", "train"):
            if not o.page.locator(f"#mode-{mode}").is_visible():
                continue
            o.page.click(f"#mode-{mode}")
            if mode == "ask":
                o.page.focus("g.node[id^=v]")
                o.page.keyboard.press("Enter")
            elif mode == "step":
                o.page.click("#next")
            o.page.wait_for_timeout(350)  # the camera's move
            found[f"{which} {mode}"] = o.page.evaluate(SMALL_TEXT)
        o.close()
    assert {k: v for k, v in found.items() if v} == {}


def test_a_box_half_off_stage_is_asked_with_one_click(browser: Any, tmp_path: Path) -> None:
    """Focus brings a box on stage only from the keyboard: a click on a box that is partly off
    stage asks it (the camera does not move it from under the pointer first)."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.emulate_media(reduced_motion="reduce")  # boxes measured where the camera stops
    page.goto(lesson_page_file(tmp_path).resolve().as_uri())
    page.wait_for_selector("body[data-ready='1']")
    page.click("#mode-ask")
    cut = page.evaluate(
        """() => {
          const s = document.getElementById("stage").getBoundingClientRect();
          for (const g of document.querySelectorAll("g.node[id^=v]")) {
            const r = g.getBoundingClientRect();
            if (r.left < s.right - 20 && r.right > s.right + 10 && r.top > s.top + 10
                && r.bottom < s.bottom - 10) return [g.id, s.right - 10, (r.top + r.bottom) / 2];
          }
          return null;
        }"""
    )
    assert cut is not None, "no box crosses the stage's right edge at 1280x720"
    node, x, y = cut
    page.mouse.move(x, y)
    page.mouse.down()
    page.wait_for_timeout(350)  # a press as a person makes it, longer than the camera's move
    page.mouse.up()
    assert "asked" in str(page.get_attribute(f"#{node}", "class")), node
    page.close()
