"""`autograd-mlp demo` (the main job, `make demo`): every file it writes is there and is what its
name says, the summary lists them, the saved model scores what the trained one did, and a
missing renderer or matplotlib skips files with a note instead of failing.

The demo runs once (with --quick) into a temporary folder for the checks that only read its
files; the skip and failure paths run it again with the tools taken away.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from autograd_mlp.commands.demo import FILES, QUICK_STEPS
from autograd_mlp.engine import Value
from tests.conftest import needs

GRAPHS = (
    "lesson-graph.svg",
    "lesson-graph.pdf",
    "lesson-network.png",
    "lesson-network-backward.pdf",
    "lesson-slides.pdf",
    "backward.gif",
    "backward-frames",
)
WORKSHEET = (
    "worksheet.pdf",
    "worksheet-key.pdf",
    "worksheet.sheet.json",
    "worksheet.answers.md",
)  # on the layout
RENDERED = (*GRAPHS, *WORKSHEET, "lesson.html")  # the files Graphviz draws
PLOTTED = ("moons-training.png", "learning-constant.png")  # the files matplotlib draws
PNG = b"\x89PNG\r\n\x1a\n"


@dataclass
class Run:
    code: int
    out: str
    err: str
    folder: Path


def run_demo(folder: Path, *args: str) -> Run:
    """`autograd-mlp demo --out folder --quick --no-progress ...`, in-process, output captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["demo", "--out", str(folder), "--quick", "--no-progress", *args])
    return Run(code, out.getvalue(), err.getvalue(), folder)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Run:
    for module in ("pygraphviz", "matplotlib", "PIL"):  # under CI=true: a failure, not a skip
        needs(module)
    result = run_demo(tmp_path_factory.mktemp("demo") / "out")  # a folder that does not exist
    assert result.code == 0, result.err
    return result


def summary_of(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("summary:"))
    return lines[start:]


def moons_accuracy(model: object) -> float:
    """The demo's dataset, scored here without the demo's code: sign of score == label."""
    from autograd_mlp.nn.data import make_moons

    X, y = make_moons(n_samples=100, noise=0.1, seed=0, signed=True)
    right = 0
    for x, label in zip(X, y):
        score = model(list(x))  # type: ignore[operator]
        assert isinstance(score, Value)
        right += score.data * label > 0
    return right / len(X)


# ------------------------------------------------------------------------------------------------
# The files
# ------------------------------------------------------------------------------------------------


def test_every_file_is_written_and_nothing_else(demo: Run) -> None:
    assert sorted(p.name for p in demo.folder.iterdir()) == sorted(FILES)  # no temp files left
    for name in FILES:
        path = demo.folder / name
        assert path.stat().st_size > 0, name
        assert f"wrote {path}" in demo.out.splitlines(), f"the path of {name} is not printed"


def test_the_worked_example_is_written_as_latex_beside_the_markdown(
    demo: Run, tmp_path: Path
) -> None:
    """An A4 article and 16:9 beamer slides, which pdflatex compiles without an overfull box;
    the same mathematics as the Markdown (issue 20)."""
    from tests.latex_tools import compile_latex, pdf_page_sizes

    markdown = (demo.folder / "worked-example.md").read_text(encoding="utf-8")
    assert "E = (t1 − y1)² + (t2 − y2)² = (1 − 0.1068)² + (0 − 0.5377)² = 1.0869" in markdown
    for name, ratio in (("worked-example.tex", 0.71), ("worked-example-slides.tex", 1.78)):
        tex = (demo.folder / name).read_text(encoding="utf-8")
        assert "(1 - 0.1068)^{2} + (0 - 0.5377)^{2}" in tex and "1.0869" in tex, name
        pdf = compile_latex(tex, tmp_path / name.removesuffix(".tex"))
        pages = pdf_page_sizes(pdf)
        assert {round(w / h, 2) for w, h in pages} == {ratio}, name


def test_images_are_what_their_names_say(demo: Run) -> None:
    from PIL import Image

    for name in ("lesson-network.png", "moons-training.png"):
        data = (demo.folder / name).read_bytes()
        assert data.startswith(PNG), name
        with Image.open(demo.folder / name) as im:
            assert im.width > 600 and im.height > 300, (name, im.size)
    svg = (demo.folder / "lesson-graph.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith(("<svg", "<?xml")) and "</svg>" in svg
    gif = demo.folder / "backward.gif"
    assert gif.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
    with Image.open(gif) as im:
        assert im.n_frames == 12  # one frame per backward step of the lesson graph
        assert im.size == (1920, 1080)  # the projector slides, animated
        im.seek(im.n_frames - 1)
        assert im.info["duration"] >= 3000  # the finished gradients held long enough to read
    frames = sorted(p.name for p in (demo.folder / "backward-frames").iterdir())
    assert frames == [f"frame-{k:03d}.png" for k in range(1, 13)]  # the GIF's frames, numbered
    with Image.open(demo.folder / "lesson-network.png") as im:
        assert im.size == (1920, 1080)
    for name in ("lesson-graph.pdf", "lesson-slides.pdf"):
        assert (demo.folder / name).read_bytes().startswith(b"%PDF"), name
    slides = (demo.folder / "lesson-slides.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", slides)) == 12


def test_lesson_graph_highlights_the_two_paths_of_a_first_layer_weight(demo: Run) -> None:
    svg = (demo.folder / "lesson-graph.svg").read_text(encoding="utf-8")
    assert "L1.N1.w1" in svg
    assert "path 1" in svg and "path 2" in svg and "path 3" not in svg
    # the legend's sum of the products, next to L1.N1.w1.grad from backward: equal
    assert "sum over the 2 red paths = −0.2121" in svg
    assert "L1.N1.w1.grad = −0.2121" in svg
    assert "E = Σₖ (tₖ − yₖ)²" in svg  # the error convention is written on the picture


def test_worked_example_holds_the_lesson_numbers(demo: Run) -> None:
    from autograd_mlp.teach.worked import compute_worked_example

    text = (demo.folder / "worked-example.md").read_text(encoding="utf-8")
    ex = compute_worked_example()
    numbers = [ex.error, *ex.y, *ex.a[0], *ex.dE_dy, ex.error_after_update]
    numbers += [g for row in ex.grads_w[0] for g in row] + [
        g for row in ex.grads_w[-1] for g in row
    ]
    numbers += [*ex.grads_b[0], *ex.grads_b[-1]]
    for value in numbers:
        assert f"{value:.4f}".replace("-", "−") in text, value  # printed with a true minus
    assert text.startswith("<!-- generated by autograd_mlp.teach.worked")
    assert f"after {ex.target_step} updates" in text


def test_worksheet_is_a_printable_pdf_that_exercise_check_marks(demo: Run) -> None:
    """The demo's worksheet is the A4 PDF on the lesson's layout, and its sheet file marks the
    key's own answers right and a wrong one wrong (autograd-mlp exercise check)."""
    from autograd_mlp.commands.cli import main
    from autograd_mlp.teach.exercise import load_sheet

    pdf = (demo.folder / "worksheet.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 2  # page 1, the views
    key = (demo.folder / "worksheet-key.pdf").read_bytes()  # the key apart (issue 20)
    assert key.startswith(b"%PDF-")
    sheet_path = demo.folder / "worksheet.sheet.json"
    sheet = load_sheet(sheet_path)
    assert len(sheet.blanks) >= 6  # six asked; the no-giveaway rule may hide more
    right = [f"--answer=?{b.number}={b.answer}" for b in sheet.blanks]
    assert main(["exercise", "check", str(sheet_path), *right]) == 0
    wrong = [*right[:-1], f"--answer=?{sheet.blanks[-1].number}=12345"]
    assert main(["exercise", "check", str(sheet_path), *wrong]) == 1


def test_worksheet_has_numbered_blanks_and_an_answer_key(demo: Run) -> None:
    key = (demo.folder / "worksheet.answers.md").read_text(encoding="utf-8")
    assert key.startswith("# Answer key: gradients")
    blanks = re.findall(r"^\| \?(\d+) \|", key, flags=re.MULTILINE)
    assert blanks == [str(n) for n in range(1, len(blanks) + 1)] and len(blanks) >= 3


def test_saved_model_loads_and_scores_the_trained_accuracy(demo: Run) -> None:
    from autograd_mlp.nn import MLP

    path = demo.folder / "moons-model.json"
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == "autograd_mlp.MLP"
    model = MLP.load(path)
    assert isinstance(model, MLP) and model.nouts == [16, 16, 1]
    printed = re.search(r"^training accuracy: (\d+\.\d)%$", demo.out, flags=re.MULTILINE)
    assert printed is not None, demo.out
    assert f"{moons_accuracy(model):.1%}" == f"{printed[1]}%"
    assert "the same as the trained model's" in demo.out


def test_summary_lists_every_file_with_its_size_the_accuracy_and_the_time(demo: Run) -> None:
    summary = summary_of(demo.out)
    assert summary[0].startswith(f"summary: {len(FILES)} files written")
    for name in FILES:
        row = next((line for line in summary if line.split()[:1] == [name]), None)
        assert row is not None, f"{name} missing from the summary"
        path = demo.folder / name
        # a folder (backward-frames) is listed with the size of its files
        files = list(path.iterdir()) if path.is_dir() else [path]
        size = sum(p.stat().st_size for p in files)
        assert re.search(r"\d+(\.\d+)? (B|kB|MB)", row), row
        if size < 1000:
            assert f"{size} B" in row
        else:
            assert f"{size / 1000:.1f} kB" in row or f"{size / 1e6:.2f} MB" in row
    text = "\n".join(summary)
    assert f"{QUICK_STEPS} steps" in text and "reloaded from moons-model.json" in text
    assert re.search(r"^total time: \d+\.\d s$", text, flags=re.MULTILINE)
    assert "skipped" not in text.replace("0 skipped", "")


def test_console_keeps_the_lesson_training(demo: Run) -> None:
    assert re.search(r"error before training E = 1\.086899", demo.out)
    assert re.search(r"error after \d+ steps E = \S+ \(stopped because of target_loss\)", demo.out)


# ------------------------------------------------------------------------------------------------
# Tools missing: skip with a note, exit 0
# ------------------------------------------------------------------------------------------------


def _raise_not_found() -> str | None:
    from autograd_mlp.viz.render import RendererNotFound

    raise RendererNotFound()


@pytest.fixture(params=["lookup raises", "nothing installed"])
def no_renderer(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Take Graphviz away: the renderer lookup raises, or there is no `dot` and no pygraphviz."""
    if request.param == "lookup raises":
        monkeypatch.setattr("autograd_mlp.viz.render.find_renderer", _raise_not_found)
    else:
        empty = tmp_path_factory.mktemp("no-dot")
        monkeypatch.setenv("PATH", str(empty))  # no `dot` on PATH
        monkeypatch.setitem(sys.modules, "pygraphviz", None)  # `import pygraphviz` fails


def test_without_renderer_and_matplotlib_files_are_skipped_and_the_demo_succeeds(
    tmp_path: Path, no_renderer: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails

    result = run_demo(tmp_path)
    assert result.code == 0, result.err
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(set(FILES) - set(RENDERED) - set(PLOTTED))
    lines = result.out.splitlines()
    for name in RENDERED:
        assert f"skipped {tmp_path / name}: no Graphviz renderer" in lines, name
    assert f"skipped {tmp_path / 'moons-training.png'}: matplotlib is not installed" in lines
    summary = summary_of(result.out)
    assert (
        summary[0].startswith(f"summary: {len(written)} files written")
        and f"{len(RENDERED) + len(PLOTTED)} skipped" in (summary[0])
    )
    for name in RENDERED:
        assert any(re.match(rf"\s*{re.escape(name)}\s+skipped: no Graphviz", s) for s in summary)
    assert any(re.match(r"\s*moons-training\.png\s+skipped: matplotlib", s) for s in summary)
    text = "\n".join(summary)
    assert 'pip install "autograd_mlp[render]"' in text
    assert 'pip install "autograd_mlp[plot]"' in text
    assert "Traceback" not in result.err


def test_an_unrelated_import_error_is_not_hidden_as_a_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_mlp.viz.plot

    def broken(*args: object, **kwargs: object) -> None:
        raise ImportError("cannot import name 'thing' from 'somewhere'", name="somewhere")

    monkeypatch.setattr(autograd_mlp.viz.plot, "plot_training", broken)
    monkeypatch.setattr("autograd_mlp.viz.render.find_renderer", _raise_not_found)  # fast
    result = run_demo(tmp_path)
    assert result.code == 1
    assert "cannot import name 'thing'" in result.err and "Traceback" not in result.err


# ------------------------------------------------------------------------------------------------
# The save/load check can fail
# ------------------------------------------------------------------------------------------------


def test_a_model_that_reloads_differently_fails_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_mlp.nn.io

    real_load = autograd_mlp.nn.io.load

    def load_flipped(path: object, model_type: object) -> object:
        model = real_load(path, model_type)  # type: ignore[arg-type]
        out = model.layers[-1].neurons[0]  # negate the output neuron: every score flips sign
        for p in [*out.w, out.b]:
            p.data = -p.data
        return model

    monkeypatch.setattr(autograd_mlp.nn.io, "load", load_flipped)
    monkeypatch.setattr("autograd_mlp.viz.render.find_renderer", _raise_not_found)  # fast
    result = run_demo(tmp_path)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "moons-model.json" in lines[0], result.err
    assert lines[0].startswith("autograd-mlp demo: error:")
    assert "NOT the same as the trained model's" in result.out


# ------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------


def test_bad_steps_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--steps", "0"]) == 2
    assert "--steps must be at least 1" in capsys.readouterr().err
    assert main(["demo", "--quick", "--steps", "3"]) == 2  # one or the other
    assert not list(tmp_path.iterdir())


def test_out_that_is_a_file_is_one_readable_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    assert main(["demo", "--out", str(target), "--quick", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "taken" in err and "Traceback" not in err


def test_demo_takes_the_teachers_lesson_and_a_paper_size(tmp_path: Path) -> None:
    for module in ("pygraphviz", "PIL"):
        needs(module)
    from PIL import Image

    from autograd_mlp.teach.lesson import LayerSpec, Lesson

    lesson = Lesson(
        inputs=(0.5, -0.5),
        targets=(1.0, 0.0),
        layers=(
            LayerSpec("tanh", ((0.3, -0.1), (0.2, 0.4)), (0.0, 0.1)),
            LayerSpec("linear", ((0.5, -0.5), (0.1, 0.9)), (0.0, 0.0)),
        ),
        error="half",
        learning_rate=0.1,
    )
    path = lesson.save(tmp_path / "lesson.json")
    result = run_demo(tmp_path / "out", "--lesson", str(path), "--size", "a4")
    assert result.code == 0, result.err
    assert "E = ½ Σₖ (tₖ − yₖ)²" in result.out and "a = 0.1" in result.out
    with Image.open(tmp_path / "out" / "lesson-network.png") as im:
        assert im.size == (2339, 1654)  # A4 landscape at 200 dpi
    # The learning constant's lesson follows the given lesson, not the built-in one.
    from autograd_mlp.teach.curvature import DEFAULT_LESSON, lesson_curvature

    mine, builtin = lesson_curvature(lesson=lesson), lesson_curvature(lesson=DEFAULT_LESSON)
    text = (tmp_path / "out" / "learning-constant.md").read_text(encoding="utf-8")
    assert f"2/λ_max = {mine.threshold:.4f}" in text
    assert f"2/λ_max = {builtin.threshold:.4f}" not in text
    assert f"a = {lesson.learning_rate}" in text and "14×14" not in text
    assert "12×12 matrix" in text  # this lesson has 12 parameters, not 14
    assert (tmp_path / "out" / "learning-constant.png").stat().st_size > 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"inputs": "x"}')
    failed = run_demo(tmp_path / "out2", "--lesson", str(bad))
    assert failed.code == 2 and "--lesson" in failed.err and failed.err.count("\n") == 1


def test_demo_says_when_a_lesson_has_no_learning_constant_threshold(tmp_path: Path) -> None:
    """A lesson whose ReLUs are all off at the start has E flat in every direction: no
    threshold 2/λ_max; the demo says so instead of drawing the built-in lesson's curvature."""
    for module in ("pygraphviz", "matplotlib", "PIL"):
        needs(module)
    from autograd_mlp.teach.lesson import LayerSpec, Lesson

    flat = Lesson(
        inputs=(1.0,),
        targets=(1.0, 0.0),
        layers=(
            LayerSpec("relu", ((-1.0,), (-1.0,)), (0.0, 0.0)),
            LayerSpec("relu", ((1.0, 1.0), (1.0, 1.0)), (-1.0, -1.0)),
        ),
    )
    result = run_demo(tmp_path / "out", "--lesson", str(flat.save(tmp_path / "flat.json")))
    assert result.code == 0, result.err
    text = (tmp_path / "out" / "learning-constant.md").read_text(encoding="utf-8")
    assert "Not for this lesson" in text and "λ_max" in text
    assert not (tmp_path / "out" / "learning-constant.png").exists()
    assert "skipped" in result.out and "learning-constant.png: not for this lesson" in result.out


def test_demo_runs_a_lesson_with_one_output_neuron(tmp_path: Path) -> None:
    """A 2–2–1 lesson: MLP returns the output Value itself, not a list of one. Every file is
    written, and the console's numbers are the engine's, run here on Values built by hand
    (no MLP, no Lesson): the gradient of E by backward and the gradient-descent loop."""
    for module in ("pygraphviz", "matplotlib", "PIL"):
        needs(module)
    from tests.lessons import ONE_A, ONE_B1, ONE_B2, ONE_T, ONE_W1, ONE_W2, ONE_X, one_output_lesson

    x, t, rate = ONE_X, ONE_T, ONE_A
    w1, b1, w2, b2 = ONE_W1, ONE_B1, ONE_W2, ONE_B2
    lesson = one_output_lesson()
    result = run_demo(tmp_path / "out", "--lesson", str(lesson.save(tmp_path / "one.json")))
    assert result.code == 0, result.err
    assert sorted(p.name for p in result.folder.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (result.folder / name).stat().st_size > 0, name

    # the engine, directly: E = (t − y)², y = Σⱼ w2ⱼ·σ(Σᵢ w1ⱼᵢ·xᵢ + b1ⱼ) + b2
    numbers = {f"L1.N{j + 1}.w{i + 1}": w1[j][i] for j in range(2) for i in range(2)}
    numbers |= {"L1.N1.b": b1[0], "L1.N2.b": b1[1]}
    numbers |= {"L2.N1.w1": w2[0], "L2.N1.w2": w2[1], "L2.N1.b": b2}

    def engine_error(at: dict[str, float]) -> tuple[Value, dict[str, Value]]:
        p = {label: Value(v, label) for label, v in at.items()}
        h = [
            (p[f"L1.N{j}.w1"] * x[0] + p[f"L1.N{j}.w2"] * x[1] + p[f"L1.N{j}.b"]).sigmoid()
            for j in (1, 2)
        ]
        y = p["L2.N1.w1"] * h[0] + p["L2.N1.w2"] * h[1] + p["L2.N1.b"]
        return (t - y) ** 2, p

    error, params = engine_error(numbers)
    error.backward()
    assert f"error E = {error.data:.6f}" in result.out
    rows = {}
    for line in result.out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] in numbers:
            rows[parts[0]] = float(parts[2])  # the backward column
    assert rows.keys() == numbers.keys()
    for label, p in params.items():
        assert rows[label] == pytest.approx(p.grad, abs=1e-10), label

    # the lesson's loop: W' = W − a·∂E/∂W until E ≤ 1e-4
    from autograd_mlp.commands.demo import LESSON_TARGET

    at, steps = dict(numbers), 0
    while True:
        e, p = engine_error(at)
        if e.data <= LESSON_TARGET:
            break
        e.backward()
        at = {label: v.data - rate * v.grad for label, v in p.items()}
        steps += 1
    assert f"error after {steps} steps E = {e.data:.6g} (stopped because of target_loss)" in (
        result.out
    )

    # one path from L1.N1.w1 to E: the picture says product, not "sum over the 1 red paths"
    svg = (result.folder / "lesson-graph.svg").read_text(encoding="utf-8")
    grad = f"{params['L1.N1.w1'].grad:.4f}".replace("-", "−")
    assert f"= the product along the one red path = {grad}" in svg
    assert "path 1" in svg and "path 2" not in svg and "red paths" not in svg


_NO_HIDDEN_LAYER = {  # 2–1: one sigmoid output, E = ½·(t − y)²
    "inputs": [1.0, -0.5],
    "targets": [1.0],
    "layers": [{"activation": "sigmoid", "weights": [[0.3, 0.8]], "biases": [0.1]}],
    "learning_rate": 0.5,
    "error": "half",
}
_TWO_HIDDEN_LAYERS = {  # 3–2–2–1: sigmoid, then tanh, then a linear output
    "inputs": [1.0, 0.5, -1.0],
    "targets": [0.5],
    "layers": [
        {
            "activation": "sigmoid",
            "weights": [[0.1, -0.2, 0.3], [0.4, 0.2, -0.5]],
            "biases": [0.1, -0.1],
        },
        {"activation": "tanh", "weights": [[0.3, -0.6], [0.5, 0.2]], "biases": [0.0, 0.1]},
        {"activation": "linear", "weights": [[0.7, -0.4]], "biases": [0.05]},
    ],
    "learning_rate": 0.1,
}


@pytest.mark.parametrize("data", [_NO_HIDDEN_LAYER, _TWO_HIDDEN_LAYERS], ids=["2-1", "3-2-2-1"])
def test_demo_runs_a_lesson_with_no_or_two_hidden_layers(
    tmp_path: Path, data: dict[str, object]
) -> None:
    """Every file is written, nothing skipped, and the worked example is this lesson's, with
    the engine's numbers: E, and δ of every neuron (∂E/∂z from backward())."""
    for module in ("pygraphviz", "matplotlib", "PIL"):
        needs(module)
    from autograd_mlp.engine import topological_order
    from autograd_mlp.teach.lesson import Lesson

    lesson = Lesson.from_dict(data)
    result = run_demo(tmp_path / "out", "--lesson", str(lesson.save(tmp_path / "mine.json")))
    assert result.code == 0, result.err
    assert sorted(p.name for p in result.folder.iterdir()) == sorted(FILES)
    for name in FILES:
        assert (result.folder / name).stat().st_size > 0, name
    assert "skipped" not in "\n".join(summary_of(result.out)).replace("0 skipped", "")

    text = (result.folder / "worked-example.md").read_text(encoding="utf-8")
    shape = "–".join(str(n) for n in lesson.sizes)
    assert f"# The worked example: one training step of a {shape} network" in text
    _, _, error = lesson.backward()
    assert f"= {error.data:.4f}".replace("-", "−") in text
    for v in topological_order(error):
        if v.label.endswith(".z"):
            delta = f"{v.grad:.4f}".replace("-", "−")
            assert re.search(rf"δ\({re.escape(v.label[:-2])}\) = .*= {delta}$", text, re.M), v
