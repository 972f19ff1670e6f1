"""The browser edition: what the pages of ``autograd-mlp site`` ask this package's Python for,
and the site's own static files.

The site (`autograd_mlp.commands.site` writes it) runs this very package in the student's
browser, in Pyodide, with Graphviz as viz.js (`autograd_mlp.viz.render.vizjs`). Its pages
(``index.html``, ``playground.html``, their ``live.js`` and ``live.css``, beside this module)
keep the state a student edits -- a lesson as its JSON, or an expression with its variables --
and hand it to the functions below, which return what to show:

* `lesson_view`: the lesson page (`autograd_mlp.teach.lesson_page`, the same page as
  ``Lesson.to_html()``), with E and the outputs, from a lesson's JSON text;
* `resized`: a lesson given new layer sizes, keeping every weight that still has a place;
* `playground_view`: an expression's page (`autograd_mlp.viz.to_html`) and its graph with the
  chain-rule paths of a chosen leaf highlighted (the ``render`` command's ``--highlight``).

Every number comes from the engine: the pages' script computes nothing but looks numbers up,
as on the native pages. Errors in what a student typed come back as a message, not an
exception, so the page can show them where they typed.
"""

from __future__ import annotations

import itertools
import json
import math
import unicodedata
from importlib import resources
from typing import Any

from ...engine.expr import build
from ...viz import draw_graph, to_html
from ...viz.dot import format_number
from ...viz.render import render_bytes
from ..lesson import DEFAULT_LESSON, Lesson
from ..lesson_page import lesson_page

__all__ = [
    "STATIC_FILES",
    "static_text",
    "default_lesson_json",
    "lesson_view",
    "resized",
    "parse_settings",
    "playground_view",
]

# The site's own files, beside this module; `autograd-mlp site` copies them as they are.
STATIC_FILES = (
    "index.html",
    "playground.html",
    "live.js",
    "lesson.js",
    "playground.js",
    "live.css",
)
MAX_NEURONS = 8  # per layer, on the page's size field: the page stays readable
MAX_LAYERS = 4
MAX_EXPRESSION = 2_000  # characters of a typed expression
MAX_PLAYGROUND_NODES = 400


def static_text(name: str) -> str:
    """The text of one of `STATIC_FILES`."""
    if name not in STATIC_FILES:
        raise ValueError(f"not a file of the site: {name!r} (expected one of {STATIC_FILES})")
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def default_lesson_json() -> str:
    """The default lesson (the 3–2–2 network) as the JSON a lesson file holds."""
    return json.dumps(DEFAULT_LESSON.to_dict())


def _lesson(text: str) -> Lesson:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the lesson is not JSON: {exc}") from None
    return Lesson.from_dict(data)


def lesson_view(text: str) -> dict[str, Any]:
    """For a lesson's JSON text: ``{"ok": True, "page": html, "error": E, "outputs": [...],
    "error_text": E as printed, "outputs_text": [...], "lesson": the lesson's JSON as read
    back}``, or ``{"ok": False, "message": why}``."""
    try:
        lesson = _lesson(text)
        _, outputs, error = lesson.forward()
        page = lesson_page(lesson)
    except ValueError as exc:
        return {"ok": False, "message": str(exc)}
    return {
        "ok": True,
        "page": str(page),
        "error": error.data,
        "outputs": [y.data for y in outputs],
        # as the page beside them prints numbers: 4 decimals, the lesson's decimal separator
        "error_text": format_number(error.data, 4, lesson.notation.decimal),
        "outputs_text": [format_number(y.data, 4, lesson.notation.decimal) for y in outputs],
        "lesson": json.dumps(lesson.to_dict()),
    }


def resized(text: str, sizes: str) -> dict[str, Any]:
    """The lesson of JSON ``text`` with the layer sizes ``sizes`` ("3-2-2": inputs, then each
    layer's neurons). Weights and biases that still have a place are kept; new ones are small
    distinct numbers; a new layer is sigmoid, except that the last keeps its activation; new
    inputs are 1.0 and new targets 0.0. ``{"ok": True, "lesson": json}`` or a message."""
    try:
        lesson = _lesson(text)
        parts = [p.strip() for p in sizes.replace("–", "-").replace(",", "-").split("-")]
        numbers = [int(p) for p in parts if p]
        if len(numbers) < 2 or len(numbers) > MAX_LAYERS + 1:
            raise ValueError(f"give 2 to {MAX_LAYERS + 1} sizes, e.g. 3-2-2")
        if any(not 1 <= n <= MAX_NEURONS for n in numbers):
            raise ValueError(f"each size is from 1 to {MAX_NEURONS}")
    except ValueError as exc:
        return {"ok": False, "message": f"layer sizes {sizes!r}: {exc}"}
    data = lesson.to_dict()
    old_layers = data["layers"]
    inputs = [*data["inputs"], *[1.0] * numbers[0]][: numbers[0]]
    layers = []
    for i, (nin, nout) in enumerate(itertools.pairwise(numbers)):
        last = i == len(numbers) - 2
        # hidden layers keep the old hidden layers' numbers, the output layer the old output's
        old = old_layers[-1] if last else old_layers[i] if i < len(old_layers) - 1 else None
        weights = []
        for j in range(nout):
            row = []
            for k in range(nin):
                try:
                    row.append(float(old["weights"][j][k]) if old else math.nan)
                except IndexError:
                    row.append(math.nan)
                if math.isnan(row[-1]):
                    row[-1] = round(0.1 * (((i + 2 * j + 3 * k) % 7) - 3), 2) or 0.05
            weights.append(row)
        biases = [
            float(old["biases"][j]) if old and j < len(old["biases"]) else 0.0 for j in range(nout)
        ]
        activation = old["activation"] if old else "sigmoid"
        layers.append({"activation": activation, "weights": weights, "biases": biases})
    targets = [*data["targets"], *[0.0] * numbers[-1]][: numbers[-1]]
    data.update(inputs=inputs, layers=layers, targets=targets)
    try:
        return {"ok": True, "lesson": json.dumps(Lesson.from_dict(data).to_dict())}
    except ValueError as exc:
        return {"ok": False, "message": str(exc)}


def parse_settings(text: str) -> dict[str, float]:
    """``"x=2,w=-3,b=6.8814"`` (commas or spaces between) as ``{"x": 2.0, ...}``."""
    values: dict[str, float] = {}
    for item in text.replace(",", " ").split():
        name, sep, number = item.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep or not name:
            raise ValueError(f"{item!r}: expected name=number, e.g. x=2")
        try:
            values[name] = float(number)
        except ValueError:
            raise ValueError(f"{item!r}: {number!r} is not a number") from None
    return values


def playground_view(expression: str, settings: str, highlight: str) -> dict[str, Any]:
    """For an expression in the command line's language, its variables' values
    (`parse_settings`) and the name of a variable to highlight (or ""): ``{"ok": True,
    "page": the expression page, "svg": its graph with the highlighted leaf's chain-rule
    paths, "value": the result, "grads": {name: d result / d name}, "variables": [...]}``, or
    ``{"ok": False, "message": why}``."""
    try:
        if len(expression) > MAX_EXPRESSION:
            raise ValueError(f"the expression is longer than {MAX_EXPRESSION} characters")
        root, leaves = build(expression, parse_settings(settings))
        highlight = unicodedata.normalize("NFKC", highlight.strip())
        if highlight and highlight not in leaves:
            raise ValueError(
                f"highlight {highlight!r} is not a variable of the expression "
                f"(its variables: {', '.join(leaves) or 'none'})"
            )
        root.backward()
        graph = draw_graph(
            root,
            highlight=leaves[highlight] if highlight else None,
            max_nodes=MAX_PLAYGROUND_NODES,
        )
        svg = render_bytes(graph, "svg", timeout=None, quiet=True).decode("utf-8")
        page = to_html(root, max_nodes=MAX_PLAYGROUND_NODES, timeout=None)
    except ValueError as exc:
        return {"ok": False, "message": str(exc)}
    return {
        "ok": True,
        "page": str(page),
        "svg": svg,
        "value": root.data,
        "grads": {name: leaf.grad for name, leaf in leaves.items()},
        "variables": list(leaves),
    }
