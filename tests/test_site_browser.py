"""The browser edition in a real browser: the site of ``autograd-mlp site``, served by a
loopback static server that this test starts, opened in the system's Chromium (Playwright with
executable_path, never a downloaded browser). The site loads; a playground link with an
expression and random values shows the numbers the native engine computes for them; a changed
weight recomputes E; a lesson link opens that lesson; and no request leaves 127.0.0.1 (every
request is routed through the test, recorded, and anything else is refused).

The times of the first load and of a recompute are printed (``-s``), not asserted: they are
measured for docs/browser.md on a quiet machine."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import math
import os
import random
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from autograd_mlp.commands.site import build_site
from autograd_mlp.engine.expr import build
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.viz.dot import format_number
from tests.conftest import IN_CI, needs, needs_web
from tests.test_pyodide_lane import pinned_wheels

CHROMIUM = os.environ.get("AUTOGRAD_MLP_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
READY = 120_000  # ms: generous for a loaded CI machine; the measured times are in the docs

pytestmark = pytest.mark.slow


def same(shown: str | float, native: float) -> bool:
    """The browser's number is the native engine's, but for the last bit or so: Pyodide's
    math library rounds tanh and exp differently from glibc for some inputs (tanh: 1 ulp for
    about 8% of them), and a difference in the last bit may grow a little through a graph."""
    return math.isclose(float(shown), native, rel_tol=1e-12, abs_tol=1e-300)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site, built and served on 127.0.0.1; its base URL."""
    needs_web("pyodide/pyodide.asm.wasm")
    needs_web("@viz-js/viz/dist/viz-global.js")
    pinned_wheels()
    folder = build_site(tmp_path_factory.mktemp("site") / "site")
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
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


class Visit:
    """One page of the site, every request recorded and any that leaves 127.0.0.1 refused."""

    def __init__(self, browser: Any, base: str, path: str) -> None:
        self.context = browser.new_context(viewport={"width": 1920, "height": 1080})
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        started = time.perf_counter()
        self.page.goto(base + path)
        self.page.wait_for_selector("body[data-ready=true]", timeout=READY)
        self.seconds = time.perf_counter() - started

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        host = urllib.parse.urlsplit(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def value(self, selector: str) -> str:
        return str(self.page.eval_on_selector(selector, "e => e.value"))

    def exact(self, selector: str) -> str:
        """The engine's number behind a printed one (its ``data-exact``), after checking that
        what is printed is that number as the page prints numbers (4 decimals)."""
        exact = str(self.page.eval_on_selector(selector, "e => e.dataset.exact"))
        printed = [format_number(float(x)) for x in exact.split(",")]
        assert self.value(selector) == "; ".join(printed), (self.value(selector), exact)
        return exact

    def close(self) -> None:
        self.context.close()
        assert self.requests, "no request was recorded"
        assert self.outside == [], f"requests left 127.0.0.1: {self.outside}"
        assert self.errors == [], f"errors on the page: {self.errors}"


def test_the_lesson_loads_and_a_changed_weight_recomputes_e(browser: Any, served: str) -> None:
    visit = Visit(browser, served, "index.html")
    print(f"\nfirst load of index.html: ready in {visit.seconds:.1f} s")
    _, _, error = DEFAULT_LESSON.forward()
    assert same(visit.exact("#error-value"), error.data)
    frame = visit.page.frame_locator("#page")
    assert "3–2–2" in frame.locator("#title").inner_text()
    # L1.N1.w1 from 0.1 to 0.75: E is recomputed by the engine in the page, and is what the
    # native engine computes for that lesson.
    data = DEFAULT_LESSON.to_dict()
    data["layers"][0]["weights"][0][0] = 0.75
    _, _, changed = Lesson.from_dict(data).forward()
    computed = visit.page.eval_on_selector("body", "b => Number(b.dataset.computed)")
    field = visit.page.locator('input[data-path="layers.0.weights.0.0"]')
    field.focus()
    started = time.perf_counter()
    visit.page.keyboard.press("Control+A")  # with the keyboard only, as a student may
    visit.page.keyboard.type("0.75")
    visit.page.keyboard.press("Tab")  # leaving the field applies it
    visit.page.wait_for_function(f"Number(document.body.dataset.computed) > {computed}")
    seconds = time.perf_counter() - started
    in_page = visit.page.eval_on_selector("body", "b => Number(b.dataset.recomputeMs)")
    print(f"changed weight: recomputed in {in_page} ms in the page ({seconds:.2f} s end to end)")
    assert same(visit.exact("#error-value"), changed.data) and changed.data != error.data
    assert "?lesson=" in visit.page.url  # the link now carries the changed lesson
    visit.close()


def test_a_lesson_link_opens_that_lesson(browser: Any, served: str) -> None:
    lesson = {
        "format": "autograd_mlp.lesson",
        "version": 1,
        "title": "Two inputs, one output",
        "inputs": [0.25, -2.0],
        "targets": [0.5],
        "layers": [
            {"activation": "tanh", "weights": [[0.3, -0.7], [1.1, 0.2]], "biases": [0.0, 0.4]},
            {"activation": "sigmoid", "weights": [[-0.6, 0.9]], "biases": [0.1]},
        ],
        "learning_rate": 0.5,
        "error": "half",
    }
    code = base64.urlsafe_b64encode(json.dumps(lesson).encode()).decode().rstrip("=")
    visit = Visit(browser, served, f"index.html?lesson={code}")
    _, outputs, error = Lesson.from_dict(lesson).forward()
    assert same(visit.exact("#error-value"), error.data)
    shown = visit.exact("#outputs-value").split(",")
    assert len(shown) == len(outputs) and all(same(a, y.data) for a, y in zip(shown, outputs))
    assert visit.value("#sizes") == "2-2-1"
    assert visit.value("#error-convention") == "half"
    assert visit.value("#learning-rate") == "0.5"
    frame = visit.page.frame_locator("#page")
    assert "Two inputs, one output" in frame.locator("#title").inner_text()
    # New layer sizes, typed and applied with Enter: the form and the numbers follow.
    from autograd_mlp.teach.live import resized

    computed = visit.page.eval_on_selector("body", "b => Number(b.dataset.computed)")
    visit.page.locator("#sizes").fill("2-3-1")
    visit.page.locator("#sizes").press("Enter")
    visit.page.wait_for_function(f"Number(document.body.dataset.computed) > {computed}")
    bigger = Lesson.from_dict(json.loads(resized(json.dumps(lesson), "2-3-1")["lesson"]))
    assert same(visit.exact("#error-value"), bigger.forward()[2].data)
    assert visit.page.locator('input[data-path^="layers.0.weights."]').count() == 3 * 2
    visit.close()


def test_a_playground_link_shows_the_native_numbers(browser: Any, served: str) -> None:
    rng = random.Random(os.environ.get("PYTEST_XDIST_WORKER", "") + str(time.time_ns()))
    values = {name: round(rng.uniform(-4, 4), rng.randint(1, 6)) for name in ("x", "w", "b")}
    expression = "tanh(x*w + b) * exp(-x) + w**2"
    setting = ",".join(f"{name}={value!r}" for name, value in values.items())
    query = urllib.parse.urlencode({"expr": expression, "set": setting, "highlight": "w"})
    visit = Visit(browser, served, f"playground.html?{query}")
    root, leaves = build(expression, values)
    root.backward()
    shown = visit.page.eval_on_selector("#result-value", "e => e.value")
    assert same(shown, root.data) or (math.isnan(root.data) and shown == "NaN"), setting
    for name, leaf in leaves.items():
        cell = visit.page.locator(f"#grad-{name} td.grad").inner_text()
        assert same(cell, leaf.grad), (name, setting)
    assert visit.page.eval_on_selector("#highlight", "e => e.value") == "w"
    assert "chain rule" in visit.page.locator("#highlighted").inner_text()
    frame = visit.page.frame_locator("#page")
    assert "Backpropagation through" in frame.locator("#title").inner_text()
    visit.close()
