"""Every notebook under docs/notebooks/ runs top to bottom without an error (nbclient).

Notebooks are stored without outputs; this test executes them in a fresh kernel in a temporary
directory, so a notebook that only worked because of stale state in someone's session fails.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import needs

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "docs" / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert any(p.name == "rendering.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    nbformat = needs("nbformat")
    nbclient = needs("nbclient")
    needs("ipykernel")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert errors == []
    if path.name == "rendering.ipynb":
        needs("pygraphviz")  # the renderer the inline SVG comes from on a machine without dot
        _check_rendering_outputs(nb)
    if path.name == "backprop-in-class.ipynb":
        _check_lesson_page_output(nb)
    _check_projection(nb)


def _check_projection(nb: object) -> None:
    """Every graph a notebook shows is readable on a projector: its smallest text is 18 CSS px
    at the size it is shown, and the notebook is asked not to shrink it to fit."""
    from autograd_mlp.viz.render.display import smallest_text_px

    shown = [
        out
        for cell in nb.cells  # type: ignore[attr-defined]
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") in ("execute_result", "display_data")
        and "image/svg+xml" in out.get("data", {})
    ]
    for out in shown:
        smallest = smallest_text_px(out["data"]["image/svg+xml"])
        assert smallest is not None and smallest >= 18 - 1e-6, smallest
        assert out["metadata"]["image/svg+xml"]["unconfined"] is True


def _results(nb: object, mime: str) -> list[str]:
    """What the cells' last expressions displayed as ``mime``, in order."""
    return [
        out["data"][mime]
        for cell in nb.cells  # type: ignore[attr-defined]
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "execute_result" and mime in out.get("data", {})
    ]


def _check_lesson_page_output(nb: object) -> None:
    """The Lesson cell displayed the lesson's page inline, whole, without a nested iframe."""
    from autograd_mlp.teach.lesson import DEFAULT_LESSON

    shown = [h for h in _results(nb, "text/html") if 'class="autograd-mlp-page"' in h]
    assert len(shown) == 1 and "<iframe" not in shown[0]
    m = re.search(
        r'<script type="application/json" id="agm-[0-9-]+-page">([^<]*)</script>', shown[0]
    )
    assert m is not None and json.loads(m.group(1)) == DEFAULT_LESSON.to_html()


def _check_rendering_outputs(nb: object) -> None:
    """The graphs really displayed as inline SVG (not as the fallback text)."""
    svgs = _results(nb, "image/svg+xml")
    assert len(svgs) == 3
    assert all("<svg" in svg for svg in svgs)
    assert "layer 1 · neuron 2" in svgs[2]
