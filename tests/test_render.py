"""The renderer chain: `dot` on PATH, else pygraphviz's bundled Graphviz, else RendererNotFound.

This machine has no `dot`, so the dot path is exercised with a stand-in executable named `dot`
on a temporary PATH that records its arguments and forwards to pygraphviz. The no-renderer path
empties PATH and makes `import pygraphviz` fail.
"""

from __future__ import annotations

import stat
import sys
import textwrap
import time
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.viz import (
    GradGraph,
    RendererNotFound,
    draw_graph,
    find_renderer,
    render_bytes,
    save,
)
from autograd_mlp.viz import render as render_module
from autograd_mlp.viz.render import RenderTimeout
from tests.conftest import needs

MAGIC = {"svg": b"<svg", "png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}


def small_graph() -> GradGraph:
    x = Value(2.0, label="x")
    y = (x * x).tanh()
    y.label = "y"
    y.backward()
    return draw_graph(y)


def _write_script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def no_dot(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path_factory.mktemp("empty-bin")
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def no_renderer(no_dot: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pygraphviz", None)  # `import pygraphviz` raises ImportError


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_pygraphviz_renders_when_no_dot_on_path(no_dot: None, fmt: str) -> None:
    needs("pygraphviz")
    assert find_renderer() == "pygraphviz"
    data = render_bytes(small_graph(), fmt)
    assert MAGIC[fmt] in data[:300]


def test_big_sources_are_rendered_in_a_child_process(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    monkeypatch.setattr(render_module, "IN_PROCESS_LIMIT", 0)
    assert b"<svg" in render_bytes(small_graph(), "svg")


def test_dot_on_path_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    needs("pygraphviz")
    log = tmp_path / "dot-args.txt"
    _write_script(
        tmp_path,
        "dot",
        f"""
        import sys, pygraphviz
        open({str(log)!r}, "w").write(" ".join(sys.argv[1:]))
        src = sys.stdin.buffer.read().decode("utf-8")
        fmt = sys.argv[1][2:]
        sys.stdout.buffer.write(pygraphviz.AGraph(string=src).draw(format=fmt, prog="dot"))
        """,
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_renderer() == "dot"
    data = render_bytes(small_graph(), "png")
    assert data.startswith(MAGIC["png"])
    assert log.read_text() == "-Tpng"


def test_dot_failure_is_one_readable_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_script(
        tmp_path,
        "dot",
        """
        import sys
        sys.stderr.write("Error: <stdin>: syntax error in line 3\\n")
        sys.exit(1)
        """,
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"Graphviz \(dot\) failed: Error: <stdin>: syntax"):
        render_bytes("digraph {", "svg")


def test_a_hanging_dot_is_stopped_by_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_script(tmp_path, "dot", "import time\ntime.sleep(60)\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    start = time.monotonic()
    with pytest.raises(RenderTimeout, match="took more than 1 s"):
        render_bytes(small_graph(), "svg", timeout=1.0)
    assert time.monotonic() - start < 30  # generous: the point is "not 60 s"


def test_no_renderer_raises_renderer_not_found_with_the_hint(no_renderer: None) -> None:
    graphviz = needs("graphviz")
    assert find_renderer() is None
    with pytest.raises(RendererNotFound) as err:
        render_bytes(small_graph(), "svg")
    assert isinstance(err.value, graphviz.ExecutableNotFound)
    message = str(err.value)
    assert 'pip install "autograd_mlp[render]"' in message and "apt-get install graphviz" in message


def test_bad_format_and_bad_graph() -> None:
    with pytest.raises(ValueError, match="'gif'"):
        render_bytes(small_graph(), "gif")
    with pytest.raises(TypeError, match="int"):
        render_bytes(3, "svg")


# ------------------------------------------------------------------------------------------------
# save
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_save_picks_the_format_from_the_extension(tmp_path: Path, fmt: str) -> None:
    needs("pygraphviz")
    target = save(small_graph(), tmp_path / f"graph.{fmt.upper()}")
    assert MAGIC[fmt] in target.read_bytes()[:300]
    assert [p.name for p in tmp_path.iterdir()] == [f"graph.{fmt.upper()}"]  # no temp left


def test_save_dot_writes_the_source_without_a_renderer(tmp_path: Path, no_renderer: None) -> None:
    g = small_graph()
    assert save(g, tmp_path / "g.dot").read_text(encoding="utf-8") == g.source


def test_save_rejects_unknown_extensions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"graph\.jpg.*\.svg, \.png, \.pdf or \.dot"):
        save(small_graph(), tmp_path / "graph.jpg")
    assert not list(tmp_path.iterdir())


def test_failed_render_leaves_existing_file_untouched(tmp_path: Path, no_renderer: None) -> None:
    target = tmp_path / "graph.svg"
    target.write_text("old")
    with pytest.raises(RendererNotFound):
        save(small_graph(), target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


# ------------------------------------------------------------------------------------------------
# Jupyter display
# ------------------------------------------------------------------------------------------------


def test_notebook_display_is_svg_through_the_chain(no_dot: None) -> None:
    needs("pygraphviz")
    g = small_graph()
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
    svg = g._repr_svg_()
    assert svg is not None and "<svg" in svg


def test_notebook_display_without_renderer_shows_hint_and_dot(no_renderer: None) -> None:
    g = small_graph()
    bundle = g._repr_mimebundle_()  # must not raise
    assert "image/svg+xml" not in bundle
    assert 'pip install "autograd_mlp[render]"' in bundle["text/plain"]
    assert g.source in bundle["text/plain"]
    assert "apt-get install graphviz" in bundle["text/html"] and "digraph" in bundle["text/html"]
    assert g._repr_svg_() is None
    assert "pip install" in g._repr_html_()
