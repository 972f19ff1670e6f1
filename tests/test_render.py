"""The renderer chain: `dot` on PATH, else pygraphviz's bundled Graphviz, else RendererNotFound.

This machine has no `dot`, so the dot path is exercised with a stand-in executable named `dot`
on a temporary PATH that records its arguments and forwards to pygraphviz. The no-renderer path
empties PATH and makes `import pygraphviz` fail.
"""

from __future__ import annotations

import errno
import inspect
import math
import os
import re
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd_mlp import Value
from autograd_mlp._files import write_atomic
from autograd_mlp.viz import (
    GradGraph,
    RendererNotFound,
    draw_graph,
    find_renderer,
    render_bytes,
    save,
)
from autograd_mlp.viz import render as render_module
from autograd_mlp.viz.render import DEFAULT_TIMEOUT, RenderTimeout
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


def _fake_dot(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `dot` on PATH (the only program there) that renders with pygraphviz and logs its
    arguments; returns the log file, so a test can see how the chain called it."""
    log = folder / "dot-args.txt"
    _write_script(
        folder,
        "dot",
        f"""
        import sys, pygraphviz
        open({str(log)!r}, "w").write(" ".join(sys.argv[1:]))
        src = sys.stdin.buffer.read().decode("utf-8")
        fmt = sys.argv[1][2:]  # -Tpng -> png
        sys.stdout.buffer.write(pygraphviz.AGraph(string=src).draw(format=fmt, prog="dot"))
        """,
    )
    monkeypatch.setenv("PATH", str(folder))
    return log


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


def _record_children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real_popen = subprocess.Popen

    def popen(cmd: list[str], *args: Any, **kwargs: Any) -> Any:
        calls.append(list(cmd))
        return real_popen(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)  # the module viz/render/process.py calls
    return calls


def test_pygraphviz_renders_in_a_child_process_with_the_timeout(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    calls = _record_children(monkeypatch)
    assert b"<svg" in render_bytes(small_graph(), "svg")
    assert len(calls) == 1 and calls[0][0] == sys.executable


def test_timeout_none_renders_in_this_process(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    calls = _record_children(monkeypatch)
    assert render_bytes(small_graph(), "png", timeout=None).startswith(MAGIC["png"])
    assert calls == []


def _complete_graph(n: int) -> str:
    """A 10 kB DOT text that keeps Graphviz's layout busy for minutes (n = 50: ~2 min)."""
    return "digraph{" + "".join(f"n{i}->n{j};" for i in range(n) for j in range(i + 1, n)) + "}"


def test_a_slow_pygraphviz_layout_is_stopped_by_the_timeout(no_dot: None) -> None:
    needs("pygraphviz")
    start = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"Graphviz \(pygraphviz\) took more than 1 s"):
        render_bytes(_complete_graph(50), "svg", timeout=1.0)
    assert time.monotonic() - start < 15  # generous: the point is "not two minutes"


def test_the_default_timeout_never_keeps_a_notebook_waiting_for_minutes() -> None:
    assert 0 < DEFAULT_TIMEOUT <= 30
    for function in (render_bytes, save, GradGraph.pipe, GradGraph.render, GradGraph.view):
        assert inspect.signature(function).parameters["timeout"].default == DEFAULT_TIMEOUT


@pytest.mark.parametrize("timeout", [0, -1.0, "5", True])
def test_bad_timeouts_are_refused(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout"):
        render_bytes(small_graph(), "svg", timeout=timeout)  # type: ignore[arg-type]


def test_pygraphviz_child_failure_is_one_readable_line(no_dot: None) -> None:
    needs("pygraphviz")
    with pytest.raises(RuntimeError, match=r"Graphviz \(pygraphviz\) failed") as err:
        render_bytes("digraph {", "svg")
    assert "Traceback" not in str(err.value) and "\n" not in str(err.value)


def test_dot_on_path_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    needs("pygraphviz")
    log = _fake_dot(tmp_path, monkeypatch)
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
    bundle, metadata = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
    assert metadata == {"image/svg+xml": {"unconfined": True}}  # not shrunk to fit
    svg = g._repr_svg_()
    assert svg is not None and "<svg" in svg


def test_notebook_display_without_renderer_shows_hint_and_dot(no_renderer: None) -> None:
    g = small_graph()
    bundle, _ = g._repr_mimebundle_()  # must not raise
    assert "image/svg+xml" not in bundle
    assert 'pip install "autograd_mlp[render]"' in bundle["text/plain"]
    assert g.source in bundle["text/plain"]
    assert "apt-get install graphviz" in bundle["text/html"] and "digraph" in bundle["text/html"]
    assert g._repr_svg_() is None
    assert "pip install" in g._repr_html_()


def test_notebook_display_honours_include_and_shows_a_timeout_as_text(
    no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    g = small_graph()
    bundle, _ = g._repr_mimebundle_(
        include=["image/png", "image/svg+xml"], exclude=["image/svg+xml"]
    )
    png = bundle["image/png"]
    assert list(bundle) == ["image/png"] and isinstance(png, bytes) and png.startswith(MAGIC["png"])
    assert "<svg" in g._repr_image_svg_xml()

    def too_slow(*args: Any, **kwargs: Any) -> bytes:
        raise RenderTimeout("Graphviz (pygraphviz) took more than 20 s and was stopped")

    monkeypatch.setattr(render_module, "render_bytes", too_slow)
    bundle, _ = g._repr_mimebundle_()  # must not raise
    assert "took more than 20 s" in bundle["text/plain"] and g.source in bundle["text/plain"]


# ------------------------------------------------------------------------------------------------
# graphviz's own methods (pipe, render, view, Jupyter) go through the chain
# ------------------------------------------------------------------------------------------------


def test_pipe_goes_through_the_chain_without_dot(no_dot: None) -> None:
    needs("pygraphviz")
    g = small_graph()
    png, pdf = g.pipe(format="png"), g.pipe()  # graphviz's default format is pdf
    assert isinstance(png, bytes) and png.startswith(MAGIC["png"])
    assert isinstance(pdf, bytes) and pdf.startswith(MAGIC["pdf"])
    svg = g.pipe(format="svg", encoding="utf-8")
    assert isinstance(svg, str) and "<svg" in svg


def test_pipe_uses_dot_on_path_when_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    log = _fake_dot(tmp_path, monkeypatch)
    assert b"<svg" in small_graph().pipe(format="svg")
    assert log.read_text() == "-Tsvg"  # our chain's call, not graphviz's `dot -Kdot -Tsvg ...`


def test_pipe_and_render_are_stopped_by_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_script(tmp_path, "dot", "import time\ntime.sleep(60)\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    g = small_graph()
    with pytest.raises(RenderTimeout):
        g.pipe(format="svg", timeout=0.5)
    with pytest.raises(RenderTimeout):
        g.render(tmp_path / "out", format="svg", timeout=0.5)
    assert not (tmp_path / "out.svg").exists()


def test_render_writes_the_image_and_returns_its_path(
    tmp_path: Path, no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    monkeypatch.chdir(tmp_path)
    g = small_graph()
    path = g.render("g", format="png")  # the call that raised ExecutableNotFound before
    assert path == "g.png" and Path("g.png").read_bytes().startswith(MAGIC["png"])
    assert Path("g").read_text(encoding="utf-8") == g.source  # graphviz keeps the source
    path = g.render("h", directory="out", format="svg", cleanup=True)
    assert Path(path) == Path("out", "h.svg") and b"<svg" in Path(path).read_bytes()
    assert not Path("out", "h").exists()  # cleanup removed the source
    g = small_graph()  # graphviz remembers filename and directory between calls
    path = g.render(outfile="o.pdf")
    assert path == "o.pdf" and Path("o.pdf").read_bytes().startswith(MAGIC["pdf"])
    assert Path("o.gv").exists()
    with pytest.raises(graphviz_module().FileExistsError):
        g.render(outfile="o.pdf", raise_if_result_exists=True)


def test_view_renders_through_the_chain_then_opens_the_viewer(
    tmp_path: Path, no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    opened: list[tuple[str, str]] = []
    monkeypatch.setattr(
        GradGraph, "_view", lambda self, path, *, format, quiet: opened.append((str(path), format))
    )
    g = small_graph()
    g.format = "svg"
    path = g.view(tmp_path / "v")
    assert opened == [(path, "svg")] and b"<svg" in Path(path).read_bytes()


def test_graphviz_methods_without_renderer_raise_the_install_hint(
    tmp_path: Path, no_renderer: None
) -> None:
    g = small_graph()
    with pytest.raises(RendererNotFound, match="pip install"):
        g.pipe(format="svg")
    with pytest.raises(RendererNotFound, match="apt-get install graphviz"):
        g.render(tmp_path / "g", format="png")
    assert not (tmp_path / "g.png").exists()


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"format": "jpeg"}, "'jpeg'"),
        ({"format": "svg", "engine": "neato"}, "dot engine only"),
        ({"format": "svg", "renderer": "cairo"}, "no renderer option"),
        ({"format": "svg", "neato_no_op": 1}, "no neato_no_op option"),
    ],
)
def test_graphviz_options_the_chain_lacks_are_refused(
    kwargs: dict[str, Any], fragment: str
) -> None:
    g = small_graph()
    with pytest.raises(ValueError, match=re.escape(fragment)):
        g.pipe(**kwargs)
    with pytest.raises(ValueError, match=re.escape(fragment)):
        g.render("never-written", **kwargs)


def graphviz_module() -> Any:
    return needs("graphviz")


# ------------------------------------------------------------------------------------------------
# write_atomic: permissions and error messages
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    old = os.umask(0o022)
    os.umask(old)

    def set_umask(mask: int) -> None:
        os.umask(mask)

    yield set_umask
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_new_files_get_the_mode_open_would_give_them(
    tmp_path: Path, umask: Callable[[int], None], mask: int
) -> None:
    umask(mask)
    save(small_graph(), tmp_path / "g.dot")
    write_atomic(tmp_path / "w.txt", b"data")
    plain = tmp_path / "plain.txt"
    with open(plain, "w") as f:
        f.write("data")
    expected = 0o666 & ~mask
    assert stat.S_IMODE(plain.stat().st_mode) == expected
    for name in ("g.dot", "w.txt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == expected, name


def test_a_replaced_file_keeps_its_mode(tmp_path: Path, umask: Callable[[int], None]) -> None:
    umask(0o022)
    target = tmp_path / "g.dot"
    target.write_text("old")
    target.chmod(0o640)
    save(small_graph(), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() != "old"


def test_write_errors_are_one_line_naming_the_target_and_the_folder(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "o.svg"
    for write in (lambda: save(small_graph(), missing), lambda: write_atomic(missing, b"x")):
        with pytest.raises(FileNotFoundError) as err:
            write()
        message = str(err.value)
        assert message == f"cannot write {missing}: the folder {missing.parent} does not exist"
        assert err.value.errno == errno.ENOENT
    folder = tmp_path / "a-folder.dot"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match=r"a-folder\.dot: it is a folder$"):
        save(small_graph(), folder)
    assert [p.name for p in tmp_path.iterdir()] == ["a-folder.dot"]  # no temporary file left
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(NotADirectoryError, match=r"file is not a folder$"):
        write_atomic(a_file / "g.dot", b"x")


# ------------------------------------------------------------------------------------------------
# Review findings: files kept safe, timeouts, process groups, bounded messages
# ------------------------------------------------------------------------------------------------


def test_render_refuses_an_outfile_that_is_its_source_before_writing_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D5: the DOT source was saved over keep.svg before the same-file check refused."""
    monkeypatch.chdir(tmp_path)
    keep = tmp_path / "keep.svg"
    keep.write_text("PRECIOUS")
    g = small_graph()
    with pytest.raises(ValueError, match="is the DOT source file itself"):
        g.render("keep.svg", outfile="keep.svg")
    with pytest.raises(ValueError, match="is the DOT source file itself"):
        g.render(outfile="keep.svg", filename=tmp_path / "." / "keep.svg")
    assert keep.read_text() == "PRECIOUS"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.svg"]


def test_a_failed_render_writes_neither_the_source_nor_the_image(
    tmp_path: Path, no_renderer: None
) -> None:
    source = tmp_path / "g"
    source.write_text("old source")
    with pytest.raises(RendererNotFound):
        small_graph().render(source, format="svg")
    assert source.read_text() == "old source" and not (tmp_path / "g.svg").exists()


@pytest.mark.parametrize("how", ["save", "render"])
def test_a_folder_named_like_the_target_is_refused_before_rendering(
    tmp_path: Path, no_renderer: None, how: str
) -> None:
    folder = tmp_path / "g.svg"
    (folder / "inside").mkdir(parents=True)
    g = small_graph()
    # no renderer here: an IsADirectoryError (not RendererNotFound) shows the check came first
    with pytest.raises(IsADirectoryError, match=r"cannot write .*g\.svg: it is a folder$"):
        if how == "save":
            save(g, folder)
        else:
            g.render(tmp_path / "g", format="svg")
    assert [p.name for p in folder.iterdir()] == ["inside"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]


def test_a_nul_character_in_the_path_is_a_value_error_saying_so(
    tmp_path: Path, no_renderer: None
) -> None:
    for call in (
        lambda: save(small_graph(), tmp_path / "a\0b.svg"),
        lambda: small_graph().render(tmp_path / "a\0b", format="svg"),
    ):
        with pytest.raises(ValueError, match="cannot contain a NUL character"):
            call()
    assert not list(tmp_path.iterdir())


def test_an_unwritable_folder_is_refused_before_rendering(tmp_path: Path) -> None:
    """The folder's permission is checked before any renderer is looked for: with no renderer
    at all, the error is the folder's. As root a folder's permissions do not stop a write, so
    there the refusal is the one the kernel gives a user without write permission (EACCES from
    os.access and os.open for the folder), injected in the child; the test runs wherever the
    clone lives, as no other user needs to read it."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    inject = ""
    if os.geteuid() == 0:
        inject = textwrap.dedent(
            f"""
            import errno, os
            _access, _open = os.access, os.open
            def _refusing_access(path, mode, **kwargs):
                if os.fspath(path) == {str(folder)!r} and mode & os.W_OK:
                    return False
                return _access(path, mode, **kwargs)
            def _refusing_open(path, *args, **kwargs):
                if os.path.dirname(os.fspath(path)) == {str(folder)!r}:
                    raise PermissionError(errno.EACCES, "Permission denied", path)
                return _open(path, *args, **kwargs)
            os.access, os.open = _refusing_access, _refusing_open
            """
        )
    script = inject + textwrap.dedent(
        f"""
        import sys
        sys.modules["pygraphviz"] = None  # no renderer: the check must come first
        from autograd_mlp import Value
        from autograd_mlp.viz import draw_graph, save
        x = Value(1.0, label="x")
        try:
            save(draw_graph(x * 2), {str(folder / "g.svg")!r})
        except Exception as exc:
            print(type(exc).__name__, exc)
        """
    )
    folder.chmod(0o555)
    try:
        env = {**os.environ, "PATH": str(tmp_path)}  # no `dot` on PATH either
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
        )
        assert done.stdout == (
            f"PermissionError cannot write {folder / 'g.svg'}: no permission to write in {folder}\n"
        ), done.stderr
        assert not list(folder.iterdir())
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("timeout", [math.nan, -math.inf, -1.0, 0, 0.0, "5", True])
def test_bad_timeouts_are_value_errors_naming_the_value(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number") as err:
        render_bytes(small_graph(), "svg", timeout=timeout)  # type: ignore[arg-type]
    shown = repr(timeout) if isinstance(timeout, (int, float)) else type(timeout).__name__
    assert str(err.value).endswith(f"got {shown}")


@pytest.mark.parametrize("timeout", [math.inf, 1e300])
def test_an_infinite_timeout_renders_in_a_child_with_no_limit(
    no_dot: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, timeout: float
) -> None:
    """D13: timeout=float('inf') raised OverflowError. It means: no limit, still in a child."""
    needs("pygraphviz")
    calls = _record_children(monkeypatch)
    assert render_bytes(small_graph(), "svg", timeout=timeout).startswith(b"<?xml")
    assert len(calls) == 1 and calls[0][0] == sys.executable
    assert save(small_graph(), tmp_path / "g.png", timeout=timeout).stat().st_size > 0


def _gone(pid: int, within: float) -> bool:
    """True once ``pid`` no longer runs (gone, or a zombie waiting for a reaper)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


_GRANDCHILD = """
import subprocess, sys, time
sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open({pid_file!r}, "w").write(str(sleeper.pid))
time.sleep(120)
"""


def test_a_timeout_stops_the_dot_wrappers_children_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D10: a `dot` that is a wrapper script starting its own child: the child kept running."""
    pid_file = tmp_path / "grandchild.pid"
    _write_script(tmp_path, "dot", _GRANDCHILD.format(pid_file=str(pid_file)))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderTimeout):
        render_bytes(small_graph(), "svg", timeout=2.0)
    grandchild = int(pid_file.read_text())
    assert _gone(grandchild, within=5), f"pid {grandchild} still runs"


def test_a_timeout_stops_the_pygraphviz_childs_children_too(
    tmp_path: Path, no_dot: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for the pygraphviz child: a pygraphviz (here a stand-in, first on sys.path,
    which the child inherits) whose layout starts a helper process."""
    pid_file = tmp_path / "grandchild.pid"
    fake = tmp_path / "fake" / "pygraphviz"
    fake.mkdir(parents=True)
    body = _GRANDCHILD.format(pid_file=str(pid_file)).replace("\n", "\n        ")
    (fake / "__init__.py").write_text(
        f"class AGraph:\n    def __init__(self, string):\n        pass\n"
        f"    def draw(self, format, prog):\n        {body}\n"
    )
    monkeypatch.setattr(sys, "path", [str(tmp_path / "fake"), *sys.path])
    monkeypatch.setattr(render_module, "find_renderer", lambda: "pygraphviz")
    with pytest.raises(RenderTimeout, match=r"pygraphviz\) took more than 3 s"):
        render_bytes(small_graph(), "svg", timeout=3.0)
    grandchild = int(pid_file.read_text())
    assert _gone(grandchild, within=5), f"pid {grandchild} still runs"


def test_megabytes_of_renderer_messages_give_a_short_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D11: a `dot` writing 50 MB to stderr gave a 50 MB RuntimeError."""
    _write_script(
        tmp_path,
        "dot",
        """
        import sys
        sys.stderr.write("Error: first problem\\n")
        line = "Warning: " + "x" * 990 + "\\n"
        sys.stderr.write(line * 50_000)
        sys.stderr.write("Error: the last word\\n")
        sys.exit(1)
        """,
    )
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError) as err:
        render_bytes(small_graph(), "svg")
    message = str(err.value)
    assert len(message) < 3_000 and "\n" not in message
    assert message.startswith("Graphviz (dot) failed: Error: first problem Warning: xxx")
    assert message.endswith("Error: the last word")
    assert re.search(r"\[… [\d,]+ lines and [\d,]+ bytes of renderer messages cut …\]", message)


def test_many_warnings_are_printed_as_one_bounded_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    needs("pygraphviz")
    _fake_dot(tmp_path, monkeypatch)
    dot = tmp_path / "dot"
    dot.write_text(
        dot.read_text().replace(
            "import sys, pygraphviz",
            "import sys, pygraphviz\nsys.stderr.write('Warning: w\\n' * 500)",
        )
    )
    assert render_bytes(small_graph(), "svg").startswith(b"<?xml")
    err = capfd.readouterr().err
    assert err.count("\n") == 1 and len(err) < 500
    assert "[… 494 lines of renderer messages cut …]" in err


@pytest.mark.parametrize(
    ("name", "error", "message"),
    [
        ("", ValueError, "cannot tell the image format from '': use a file name ending in"),
        ("x" * 300 + ".svg", OSError, "cannot write 'xxxx"),
    ],
)
def test_odd_file_names_are_one_short_line_naming_them(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    no_renderer: None,
    name: str,
    error: type[Exception],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(error) as err:
        save(small_graph(), name)
    text = str(err.value)
    assert text.startswith(message) and len(text) < 300 and "[Errno" not in text
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n", "failed: killed by SIGSEGV"),
        ("import sys\nsys.stdout.write('hello, not an image')\n", "not an SVG file (it begins b'h"),
        ("pass\n", "Graphviz (dot) failed: no output"),
    ],
)
def test_a_broken_dot_is_a_clear_error_and_nothing_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _write_script(bin_dir, "dot", body)
    monkeypatch.setenv("PATH", str(bin_dir))
    target = tmp_path / "g.svg"
    with pytest.raises(RuntimeError, match=re.escape(message)):
        save(small_graph(), target)
    assert not target.exists() and [p.name for p in tmp_path.iterdir()] == ["bin"]


def test_a_timeout_too_large_for_a_float_means_no_limit(
    no_dot: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """D13's corner: timeout=10**400 (an int no float can hold) raised OverflowError. Like
    math.inf it means no limit, in a child."""
    needs("pygraphviz")
    calls = _record_children(monkeypatch)
    assert render_bytes(small_graph(), "svg", timeout=10**400).startswith(b"<?xml")
    assert save(small_graph(), tmp_path / "g.svg", timeout=10**400).stat().st_size > 0
    assert len(calls) == 2 and all(c[0] == sys.executable for c in calls)
    with pytest.raises(ValueError, match=r"timeout must be a positive number.*got -\d+"):
        render_bytes(small_graph(), "svg", timeout=-(10**400))


def test_an_html_page_is_not_taken_for_dot_text(tmp_path: Path, no_renderer: None) -> None:
    """N23: save(to_html(y), "p.svg") gave Graphviz's "syntax error in line 1 near '>'". A page
    (or any markup) is refused before a renderer is looked for, saying what it is."""
    page = "<!DOCTYPE html>\n<html lang='en'><body>a page</body></html>\n"
    for call in (
        lambda: save(page, tmp_path / "p.svg"),
        lambda: save(page, tmp_path / "p.dot"),
        lambda: render_bytes("  <svg xmlns='http://www.w3.org/2000/svg'/>", "png"),
    ):
        with pytest.raises(ValueError, match=r"expected DOT text .*got (an HTML page|markup)"):
            call()
    assert not list(tmp_path.iterdir())


def test_saving_a_page_as_an_image_says_it_is_a_page(tmp_path: Path) -> None:
    """N23 as reported: save(to_html(y), "p.svg")."""
    needs("pygraphviz")
    from autograd_mlp import to_html

    x = Value(2.0, label="x")
    y = (x * x).tanh()
    page = to_html(y)
    for name in ("p.svg", "p.png", "p.dot"):
        with pytest.raises(TypeError, match=rf"a page from to_html is HTML: .*{name}'$"):
            save(page, tmp_path / name)
    assert not list(tmp_path.iterdir())
    assert save(page, tmp_path / "p.html").read_text(encoding="utf-8") == page
