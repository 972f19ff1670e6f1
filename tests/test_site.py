"""``autograd-mlp site DIR`` natively: what the folder holds, the package's own wheel, the
pages' Content-Security-Policy, what a missing runtime file says, which folders it replaces;
and the browser edition's Python functions (`autograd_mlp.teach.live`) run natively."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp.commands.cli import main
from autograd_mlp.commands.site import MARKER, RUNTIME_FILES, package_wheel
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.teach.live import (
    STATIC_FILES,
    default_lesson_json,
    lesson_view,
    parse_settings,
    playground_view,
    resized,
    static_text,
)
from tests.conftest import needs_web
from tests.test_pyodide_lane import pinned_wheels


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    needs_web("pyodide/pyodide.asm.wasm")
    needs_web("@viz-js/viz/dist/viz-global.js")
    pinned_wheels()
    folder = tmp_path_factory.mktemp("sites") / "class site"
    assert main(["site", str(folder)]) == 0
    return folder


def test_the_site_holds_its_pages_the_runtime_and_the_wheels(site: Path) -> None:
    for name in STATIC_FILES:
        assert (site / name).read_text(encoding="utf-8") == static_text(name)
    for path in RUNTIME_FILES:
        assert (site / path).stat().st_size > 10_000, path
    listed = json.loads((site / "wheels" / "wheels.json").read_text(encoding="utf-8"))
    assert [name.split("-")[0] for name in listed] == ["tqdm", "graphviz", "autograd_mlp"]
    assert all((site / "wheels" / name).is_file() for name in listed)
    assert (site / MARKER).is_file()
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert 10e6 < size < 30e6  # the runtime is about 14 MB


def test_the_packages_wheel_holds_its_modules_and_the_pages_files() -> None:
    name, data = package_wheel()
    assert re.fullmatch(r"autograd_mlp-[0-9.]+-py3-none-any\.whl", name)
    assert package_wheel()[1] == data  # made twice, the same bytes
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "autograd_mlp/engine/value.py" in names
        assert "autograd_mlp/viz/page.js" in names
        assert "autograd_mlp/teach/live/lesson.js" in names
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
        metadata = archive.read(f"{name.split('-py3')[0]}.dist-info/METADATA").decode()
        assert "Requires-Dist: graphviz" in metadata and "numpy" not in metadata.lower()
        record = archive.read(f"{name.split('-py3')[0]}.dist-info/RECORD").decode()
        assert len(record.splitlines()) == len(names)


@pytest.mark.parametrize("page", ["index.html", "playground.html"])
def test_the_pages_fetch_nothing_from_outside_the_site(page: str) -> None:
    text = static_text(page)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert csp, page
    rules = dict(rule.strip().split(" ", 1) for rule in csp[1].split(";"))
    assert rules["default-src"] == "'self'" and rules["connect-src"] == "'self'"
    assert "http" not in csp[1] and "*" not in csp[1]
    for name in STATIC_FILES:
        assert not re.search(r"https?://", static_text(name)), name


def test_a_missing_runtime_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "usb"
    empty.mkdir()
    assert main(["site", str(tmp_path / "out"), "--from", str(empty)]) == 1
    err = capsys.readouterr().err
    assert "pyodide/pyodide.asm.wasm" in err and "graphviz-*-py3-none-any.whl" in err
    assert "make web" in err and "--from" in err
    assert not (tmp_path / "out").exists()


def test_from_a_folder_holding_the_files(site: Path, tmp_path: Path) -> None:
    # A copy of a built site holds every file --from needs (a USB stick with no network).
    out = tmp_path / "again"
    assert main(["site", str(out), "--from", str(site / "pyodide")]) == 1  # no viz, no wheels
    assert main(["site", str(out), "--from", str(site)]) == 0
    assert (out / "pyodide" / "pyodide.asm.wasm").read_bytes() == (
        site / "pyodide" / "pyodide.asm.wasm"
    ).read_bytes()


def test_only_a_site_or_an_empty_folder_is_replaced(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "notes"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["site", str(mine), "--from", str(site)]) == 1
    assert "is not a site written by" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    rebuilt = tmp_path / "rebuilt"
    assert main(["site", str(rebuilt), "--from", str(site)]) == 0
    (rebuilt / "stale.txt").write_text("old", encoding="utf-8")
    assert main(["site", str(rebuilt), "--from", str(site)]) == 0  # a site: replaced whole
    assert not (rebuilt / "stale.txt").exists() and (rebuilt / "index.html").is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ------------------------------------------------------------------------------------------------
# What the pages ask Python for, natively
# ------------------------------------------------------------------------------------------------


def test_the_lesson_view_is_the_lessons_numbers() -> None:
    view = lesson_view(default_lesson_json())
    _, outputs, error = DEFAULT_LESSON.forward()
    assert view["ok"] and view["error"] == error.data
    assert view["outputs"] == [y.data for y in outputs]
    # printed as the page prints numbers: E = 1.0869 (the lesson's worked example, 4 decimals)
    assert view["error_text"] == "1.0869" and view["outputs_text"] == ["0.1068", "0.5377"]
    assert Lesson.from_dict(json.loads(view["lesson"])) == DEFAULT_LESSON
    assert "lesson-data" in view["page"]


def test_a_bad_lesson_is_a_message_not_an_exception() -> None:
    data = json.loads(default_lesson_json())
    data["layers"][0]["weights"][0][1] = "heavy"
    view = lesson_view(json.dumps(data))
    assert not view["ok"] and "layers[0].weights[0]" in view["message"]
    assert not lesson_view("{not json")["ok"]


def test_resizing_keeps_the_weights_that_still_have_a_place() -> None:
    answer = resized(default_lesson_json(), "3-3-2")
    lesson = Lesson.from_dict(json.loads(answer["lesson"]))
    assert lesson.sizes == (3, 3, 2)
    old = DEFAULT_LESSON.layers
    assert lesson.layers[0].weights[:2] == old[0].weights
    assert lesson.layers[1].activation == old[1].activation
    assert lesson.layers[1].weights[0][:2] == old[1].weights[0]
    for bad in ("3", "3-0-2", "3-2-2-2-2-2", "three-two"):
        assert not resized(default_lesson_json(), bad)["ok"], bad


def test_the_playground_computes_what_the_engine_computes() -> None:
    from autograd_mlp import Value

    view = playground_view("tanh(x*w + b)", "x=2, w=-3, b=6.8814", "w")
    x, w, b = Value(2.0), Value(-3.0), Value(6.8814)
    out = (x * w + b).tanh()
    out.backward()
    assert view["ok"] and view["value"] == out.data
    assert view["grads"] == {"x": x.grad, "w": w.grad, "b": b.grad}
    assert view["variables"] == ["x", "w", "b"] and "<svg" in view["svg"]
    assert parse_settings("x=2,w=-3 b=1e-3") == {"x": 2.0, "w": -3.0, "b": 0.001}
    for expr, values, highlight, said in [
        ("tanh(x*w +", "x=1,w=1", "", "never closed"),
        ("x*w", "x=1", "", "no value for variable w"),
        ("x*w", "x=1,w=two", "", "not a number"),
        ("x*w", "x=1,w=2", "q", "not a variable"),
    ]:
        view = playground_view(expr, values, highlight)
        assert not view["ok"] and said in view["message"], (expr, view)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 8), min_size=2, max_size=5))
def test_any_sizes_give_a_lesson_of_those_sizes(sizes: list[int]) -> None:
    answer = resized(default_lesson_json(), "-".join(map(str, sizes)))
    lesson = Lesson.from_dict(json.loads(answer["lesson"]))
    assert lesson.sizes == tuple(sizes)
    assert lesson.layers[-1].activation == DEFAULT_LESSON.layers[-1].activation
    assert resized(answer["lesson"], "3-2-2")["ok"]  # and back
