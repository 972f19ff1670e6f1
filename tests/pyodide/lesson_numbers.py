"""Run inside Pyodide (with viz.js) by tests/test_pyodide_site.py: the browser edition's view
of a lesson and of an expression, as JSON on stdout: which renderer laid them out, and the
numbers each page shows (its JSON data block), to compare with the native pages'."""

import json
import re
import sys

from autograd_mlp.teach.live import default_lesson_json, lesson_view, playground_view
from autograd_mlp.viz.render import find_renderer


def data_block(page: str) -> object:
    found = re.search(
        r'<script type="application/json" id="lesson-data">(.*?)</script>', page, re.S
    )
    assert found, "no data block"
    return json.loads(found[1])


lesson = lesson_view(sys.argv[1] if len(sys.argv) > 1 else default_lesson_json())
play = playground_view("tanh(x*w + b)", "x=2,w=-3,b=6.8814", "w")
print(
    json.dumps(
        {
            "renderer": find_renderer(),
            "lesson_error": lesson["error"],
            "lesson_data": data_block(lesson["page"]),
            "play_value": play["value"],
            "play_grads": play["grads"],
            "play_data": data_block(play["page"]),
            "play_svg_has_paths": "chain rule" in play["svg"],
        }
    )
)
