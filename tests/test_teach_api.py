"""The classroom tools at the top level: one import, no cycles, nothing heavy at import time."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_mlp
import autograd_mlp.teach as teach
from autograd_mlp.engine.paths import paths
from autograd_mlp.teach.exercise import check, exercise
from autograd_mlp.teach.explain import explain
from autograd_mlp.teach.frames import backward_frames
from autograd_mlp.teach.network import draw_network
from autograd_mlp.teach.slides import save_frames
from tests.conftest import needs
from tests.test_docs import python_blocks

NAMES = {
    "paths": paths,
    "explain": explain,
    "draw_network": draw_network,
    "backward_frames": backward_frames,
    "save_frames": save_frames,
    "exercise": exercise,
    "check": check,
}

# Imported on first use only: rendering, images, plots, the PyTorch bridge, NumPy (fast path).
HEAVY = ("pygraphviz", "PIL", "matplotlib", "torch", "numpy")


@pytest.mark.parametrize("name", sorted(NAMES))
def test_exported_at_top_level_and_from_teach(name: str) -> None:
    assert getattr(autograd_mlp, name) is NAMES[name]
    assert getattr(teach, name) is NAMES[name]
    assert name in autograd_mlp.__all__ and name in teach.__all__


def test_star_import_gives_the_classroom_tools() -> None:
    namespace: dict[str, object] = {}
    exec("from autograd_mlp import *", namespace)
    for name, obj in NAMES.items():
        assert namespace[name] is obj


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_import_loads_no_renderer_images_or_plots() -> None:
    out = _run(
        "import sys, autograd_mlp\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
    )
    assert out.strip() == "[]", f"imported at `import autograd_mlp`: {out.strip()}"


@pytest.mark.parametrize(
    "module",
    [
        "autograd_mlp.teach",
        "autograd_mlp.engine.paths",
        "autograd_mlp.teach.explain",
        "autograd_mlp.teach.worked",
        "autograd_mlp.teach.network",
        "autograd_mlp.teach.frames",
        "autograd_mlp.teach.exercise",
    ],
)
def test_each_module_imports_first_without_a_cycle(module: str) -> None:
    # A fresh interpreter importing the module before anything else: an import cycle through
    # autograd_mlp/__init__.py would fail here with "partially initialized module".
    _run(f"import {module}\nimport autograd_mlp\nassert autograd_mlp.paths")


def test_modules_stay_importable_despite_the_shadowing_names() -> None:
    # teach.paths, teach.explain and teach.exercise are the functions after the re-export;
    # the modules' other names are still reached with from-imports.
    from autograd_mlp.engine.paths import count_paths, path_sum
    from autograd_mlp.teach.exercise import Exercise
    from autograd_mlp.teach.explain import derive

    assert callable(teach.paths) and teach.paths is paths
    assert sys.modules["autograd_mlp.engine.paths"].count_paths is count_paths
    assert all(callable(f) for f in (Exercise, derive, count_paths, path_sum))


def test_a_whole_lesson_from_the_top_level_import() -> None:
    from autograd_mlp import MLP, Value  # noqa: F401  (the names a teacher imports)

    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = x * w + w  # w used twice: two paths, dy/dw = x + 1 = 3
    y.label = "y"
    assert [p.product for p in autograd_mlp.paths(y, w)] == [2.0, 1.0]
    assert autograd_mlp.explain(y, w).splitlines()[-1] == "∂y/∂w = 3.0000"
    ex = autograd_mlp.exercise(y)
    assert autograd_mlp.check(ex, [b.answer for b in ex.blanks]).all_correct
    assert len(list(autograd_mlp.backward_frames(y))) == 3  # seed, +, ×


# --- docs/teaching.md: what the page shows is what the code prints ------------------------------

TEACHING = Path(__file__).resolve().parent.parent / "docs" / "teaching.md"
PRINTED = "<!-- printed by the block above -->"
INCLUDED = re.compile(r"<!-- the text of `(\w+)`, included as it is -->")
END_INCLUDED = "<!-- end of page -->"


def _shown(lines: list[str], start: int) -> str:
    """The fenced block right after line ``start`` (a marker), without its fences."""
    assert lines[start + 1].startswith("```"), f"line {start + 2}: a fence must follow {PRINTED}"
    end = lines.index("```", start + 2)
    return "\n".join(lines[start + 2 : end])


def test_teaching_page_shows_what_its_code_prints(tmp_path: Path) -> None:
    needs("pygraphviz")  # the page saves images
    text = TEACHING.read_text(encoding="utf-8")
    lines = text.splitlines()
    blocks = python_blocks(text)  # (first code line, code), 1-based
    namespace: dict[str, object] = {"__name__": "__docs__"}
    printed: dict[int, str] = {}  # last line of a block -> what it printed
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        for first, code in blocks:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(TEACHING), "exec"), namespace)
            printed[first + code.count("\n")] = out.getvalue()
    finally:
        os.chdir(previous)
    checked = 0
    for i, line in enumerate(lines):
        if line == PRINTED:
            block_end = max(end for end in printed if end <= i + 1)
            assert _shown(lines, i) == printed[block_end].rstrip("\n"), f"line {i + 1}"
            checked += 1
        m = INCLUDED.fullmatch(line)
        if m:
            end = lines.index(END_INCLUDED, i)
            included = "\n".join(lines[i + 1 : end])
            assert included == str(namespace[m.group(1)]).rstrip("\n"), f"line {i + 1}"
            checked += 1
    assert checked == 12  # every output on the page, so none can silently stop being checked


def test_the_fast_path_loads_on_first_use() -> None:
    out = _run(
        "import sys, autograd_mlp\n"
        "before = 'autograd_mlp.nn.fast' in sys.modules\n"
        "from autograd_mlp import Trace, TraceError, trace\n"
        "from autograd_mlp.nn.fast import trace as t2\n"
        "print(before, trace is t2, issubclass(TraceError, Exception), Trace.__name__)"
    )
    assert out.split() == ["False", "True", "True", "Trace"]
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        autograd_mlp.nope  # noqa: B018
