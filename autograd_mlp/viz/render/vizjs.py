"""The browser edition's backend: Graphviz compiled to WebAssembly (viz.js, npm ``@viz-js/viz``),
called from Python running in Pyodide.

The page that runs the package in the browser (`autograd_mlp.teach.live`, written by
``autograd-mlp site``) loads viz.js, creates its instance once (``await Viz.instance()``) and
puts it on the page as ``globalThis.autogradMlpViz``. From then on a layout is one synchronous
call, ``render(dot, {format: "json"})``, so `autograd_mlp.viz.render.layout_json` and
`render_bytes` work unchanged: the lesson page built in the browser is laid out by the same
code as the native one, with Graphviz's own JSON.

`autograd_mlp.viz.render.backends.VizJs` is the backend that calls this module. Natively (any
platform but Pyodide's ``emscripten``) it is never available and costs one comparison.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["GLOBAL_NAME", "loaded", "run"]

GLOBAL_NAME = "autogradMlpViz"  # where the page puts its viz.js instance


def _instance() -> Any:
    """The page's viz.js instance, or None (not in Pyodide, or the page has not loaded it)."""
    if sys.platform != "emscripten":
        return None
    try:
        import js  # type: ignore[import-not-found]  # Pyodide's view of the page's globals
    except ImportError:
        return None
    return getattr(js, GLOBAL_NAME, None)


def loaded() -> bool:
    """True when the page has put its viz.js instance where `run` finds it."""
    return _instance() is not None


def run(source: str, fmt: str) -> tuple[bytes, str]:
    """Lay ``source`` out with the page's viz.js and write it as ``fmt``: the bytes, and what
    Graphviz said (its warnings, on one line). Synchronous, in this thread, with no time limit
    (a page cannot stop a WebAssembly call; the site refuses graphs too big beforehand)."""
    viz = _instance()
    if viz is None:
        raise RuntimeError("Graphviz (viz.js) is not loaded on this page")
    import js
    from pyodide.ffi import to_js  # type: ignore[import-not-found]

    options = to_js({"format": fmt}, dict_converter=js.Object.fromEntries)
    result = viz.render(source, options)
    errors = [f"{e.level}: {e.message}" for e in (result.errors or [])]
    said = "; ".join(" ".join(text.split()) for text in errors)
    if result.status != "success":
        raise RuntimeError(f"Graphviz (viz.js) failed: {said or 'no message'}")
    output = result.output
    data = output.encode("utf-8") if isinstance(output, str) else bytes(output.to_py())
    return data, said
