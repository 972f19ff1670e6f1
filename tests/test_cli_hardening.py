"""The commands against the review of December 2026 (Part A): sets of files written all or
nothing (N22), one rule for output folders (D17), runs refused before they start (N16, N23),
messages that say what the user can do (N17, N23) and stay short however long the input
(D11). Each test reproduces the review's case through `main()`, in-process.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from tests.conftest import needs

NEURON = ["tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88"]


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr[:2000]}"
    assert "Traceback" not in stderr
    return lines[0]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ------------------------------------------------------------------------------------------------
# N22: a worksheet, its key and its sheet are written together or not at all
# ------------------------------------------------------------------------------------------------


def test_a_read_only_sheet_json_leaves_no_new_sheet_beside_the_old_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs("pygraphviz")
    sheet = tmp_path / "F.sheet.json"
    sheet.write_text('{"old": "the earlier exercise"}', encoding="utf-8")
    sheet.chmod(0o444)
    before = _files(tmp_path)
    assert main(["exercise", *NEURON, "-o", str(tmp_path / "F.svg")]) == 1
    line = one_line(capsys.readouterr().err)
    assert f"cannot write {sheet}" in line and "read-only" in line
    assert _files(tmp_path) == before  # no F.svg, no F.answers.md beside the old sheet


def test_a_failure_while_writing_the_set_keeps_the_earlier_worksheet_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    out = tmp_path / "F.svg"
    assert main(["exercise", *NEURON, "-o", str(out)]) == 0
    capsys.readouterr()
    before = _files(tmp_path)
    # issue 20: the key's picture F-key.svg is one more file of the set
    assert set(before) == {"F.svg", "F-key.svg", "F.answers.md", "F.sheet.json"}

    from autograd_mlp.teach.exercise import Exercise

    def disk_full(self: Exercise, path: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Exercise, "save", disk_full)  # the last file of the three
    again = ["exercise", "tanh(x*w + b)", "--set", "x=1.5", "w=-2", "b=0.7", "-o", str(out)]
    assert main(again) == 1
    assert "No space left on device" in one_line(capsys.readouterr().err)
    assert _files(tmp_path) == before  # the new sheet and key did not replace the old ones


def test_slides_over_a_longer_run_leave_no_stale_slide(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    needs("pygraphviz")
    needs("PIL")
    folder = tmp_path / "slides"
    folder.mkdir()
    for k in range(64):  # an earlier run of a bigger lesson
        (folder / f"slide_{k:02d}.png").write_bytes(b"old")
    (folder / "notes.txt").write_text("the teacher's own", encoding="utf-8")
    assert main(["lesson", "slides", "--no-gif", "-o", str(folder)]) == 0
    out = capsys.readouterr().out
    count = int(out.split()[1])  # "wrote 12 slides (slide_00.png … slide_11.png) and ..."
    assert count < 64
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        [f"slide_{k:02d}.png" for k in range(count)]
        + ["slides.pdf", "network-backward.pdf", "notes.txt"]
    )
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in folder.glob("slide_*.png"))


# ------------------------------------------------------------------------------------------------
# D17: one rule for output paths -- a FILE's folder must exist, a DIR is created
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["exercise", *NEURON],
        ["render", *NEURON],
        ["lesson", "graph"],
        ["lesson", "network"],
    ],
    ids=["exercise", "render", "lesson-graph", "lesson-network"],
)
def test_a_file_in_a_missing_folder_is_refused_by_every_command(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "new" / "dir" / ("x.png" if "network" in command else "x.svg")
    assert main([*command, "-o", str(target)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line == (
        f"autograd-mlp: error: cannot write {target}: the folder {target.parent} does not exist"
    )
    assert list(tmp_path.iterdir()) == []  # no folder was created


def test_slides_into_a_file_say_it_is_not_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("mine", encoding="utf-8")
    assert main(["lesson", "slides", "-o", str(afile)]) == 1
    line = one_line(capsys.readouterr().err)
    assert line == f"autograd-mlp lesson slides: error: -o {afile}: it exists and is not a folder"
    assert "Errno" not in line and afile.read_text(encoding="utf-8") == "mine"


def test_slides_create_their_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    needs("pygraphviz")
    needs("PIL")
    folder = tmp_path / "new" / "slides"
    assert main(["lesson", "slides", "--no-gif", "-o", str(folder)]) == 0
    assert (folder / "slides.pdf").is_file() and (folder / "slide_00.png").is_file()
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no staging left


def test_no_staging_folder_is_left_when_a_set_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exercise", "x", "--set", "x=1", "-o", str(tmp_path / "w.svg")]) == 2
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------------------
# N16: demo --steps is estimated and refused as train's runs are
# ------------------------------------------------------------------------------------------------


def _no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training stands in for itself with an error, so that a run that should be refused fails
    at once instead of running for hours."""
    import autograd_mlp.nn.train

    def fit(*args: object, **kwargs: object) -> None:
        raise RuntimeError("reached the training")

    monkeypatch.setattr(autograd_mlp.nn.train, "fit", fit)


@pytest.mark.parametrize(
    ("steps", "words"),
    [
        ("99999999999999999999", "9.99e+19 steps on two moons"),  # the review's: hung past 60 s
        ("100000", "1.4 hours (100,000 steps on two moons"),
        ("9" * 4000, "9.99e+3999 steps"),
    ],
)
def test_demo_refuses_a_training_estimated_past_the_limit(
    steps: str,
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_training(monkeypatch)
    out = tmp_path / "d"
    assert main(["demo", "--steps", steps, "--out", str(out), "--no-progress"]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith("autograd-mlp demo: this run would need about") and words in line
    assert "the limits are 2 GB and 1 hour" in line and "--no-size-limit" in line
    assert len(line) < 400 and not out.exists()


def test_demo_no_size_limit_lets_the_run_go(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_training(monkeypatch)
    argv = ["demo", "--steps", "100000", "--out", str(tmp_path / "d"), "--no-progress"]
    assert main([*argv, "--no-size-limit"]) == 1
    assert "reached the training" in one_line(capsys.readouterr().err)


# ------------------------------------------------------------------------------------------------
# N17: a lesson that loads but is too big to draw is refused the same way by every command
# ------------------------------------------------------------------------------------------------


def _lesson_file(folder: Path, sizes: list[int]) -> Path:
    """A lesson of the given layer sizes (inputs first), small numbers, saved as JSON."""
    from autograd_mlp.teach.lesson import Lesson

    layers = [
        {
            "activation": "sigmoid",
            "weights": [[round(0.1 * ((i + j) % 7) - 0.3, 1) for i in range(a)] for j in range(b)],
            "biases": [0.1] * b,
        }
        for a, b in itertools.pairwise(sizes)
    ]
    lesson = Lesson(
        inputs=[0.5] * sizes[0],
        targets=[0.5] * sizes[-1],
        layers=layers,
        learning_rate=0.1,
        error="sum",
    )
    return lesson.save(folder / ("-".join(map(str, sizes)) + ".json"))


@pytest.mark.parametrize(
    "command",
    [
        ["lesson", "graph", "-o", "x.svg"],
        ["lesson", "graph", "-o", "x.html"],
        ["lesson", "network", "-o", "x.png"],
        ["lesson", "slides", "-o", "slides"],
        ["exercise", "-o", "x.pdf"],
        ["demo", "--out", "out", "--no-progress"],
    ],
    ids=lambda c: " ".join(c[:2]) + (" " + c[-1] if c[0] == "lesson" else ""),
)
def test_a_lesson_too_big_to_draw_is_one_usage_error_that_says_what_to_do(
    command: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the review's lesson: 16 inputs and 6 layers of 16, inside Lesson.load's limits
    lesson = _lesson_file(tmp_path, [16] * 7)
    monkeypatch.chdir(tmp_path)
    _no_training(monkeypatch)  # the demo refuses before it trains, or fails at once
    assert main([*command, "--lesson", str(lesson)]) == 2
    line = one_line(capsys.readouterr().err)
    name = " ".join(command[:2]) if command[0] == "lesson" else command[0]
    assert line == (
        f"autograd-mlp {name}: the lesson's 16–16–16–16–16–16–16 network is too big to draw: "
        "its backward pass has 239 steps, and a picture of a lesson shows at most 199; use a "
        "lesson with fewer layers or neurons (explain prints any lesson)"
    )
    assert sorted(os.listdir(tmp_path)) == [lesson.name]  # nothing was written


def test_a_lesson_too_big_for_its_page_says_which_files_can_be_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson = _lesson_file(tmp_path, [16, 16, 16, 4])  # 83 backward steps, 715 Values
    argv = ["lesson", "graph", "--lesson", str(lesson), "-o", str(tmp_path / "x.html")]
    assert main(argv) == 2
    line = one_line(capsys.readouterr().err)
    assert "max_nodes" not in line and "pass " not in line
    assert line.startswith("autograd-mlp lesson graph: the lesson's 16–16–16–4 network is too big")
    assert "its graph has 715 Values, and a page shows at most 500" in line
    assert line.endswith(
        "use a lesson with fewer layers or neurons, or draw it as .svg, .png or .pdf"
    )


# ------------------------------------------------------------------------------------------------
# N23: refusals that name the real cause, early
# ------------------------------------------------------------------------------------------------


def _sheet(tmp_path: Path) -> Path:
    """A worksheet's sheet file (two blanks), made without drawing anything."""
    from autograd_mlp.engine.expr import build
    from autograd_mlp.teach.exercise import exercise

    root, _ = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    return exercise(root).save(tmp_path / "s.sheet.json")


def test_answers_on_stdin_past_the_limit_are_refused_not_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    sheet = _sheet(tmp_path)
    # the answer comes after the first 1,000,000 characters: it was cut off without a word
    monkeypatch.setattr(sys, "stdin", io.StringIO("#" * 1_000_000 + "\n?1 = 1.002\n"))
    assert main(["exercise", "check", str(sheet), "-"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "answers on stdin: more than 1,000,000 characters" in line


def test_an_answers_file_that_is_not_a_file_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = _sheet(tmp_path)
    assert main(["exercise", "check", str(sheet), str(tmp_path)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line == (
        f"autograd-mlp exercise check: answers file {tmp_path}: it is a folder, not a regular file"
    )


@pytest.mark.parametrize(
    ("expression", "values", "words"),
    [
        ("1e999*x", ["x=1"], "a number in the expression is inf (too large for a float)"),
        ("exp(x)*2", ["x=1000"], "the result of exp is inf (too large for a float)"),
        ("log(x)*2", ["x=-1"], "the result of log is nan (not a number)"),
        ("x*2", ["x=1e999"], "--set x is inf (too large for a float)"),
    ],
)
@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_a_worksheet_of_an_expression_that_is_not_finite_says_which_value(
    expression: str,
    values: list[str],
    words: str,
    suffix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # "exercise 1e999*x --set x=1" said "cannot convert float infinity to integer" (exit 1)
    out = tmp_path / f"w{suffix}"
    assert main(["exercise", expression, "--set", *values, "-o", str(out)]) == 2
    line = one_line(capsys.readouterr().err)
    assert line.startswith(f"autograd-mlp exercise: {words};") and "finite numbers" in line
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("suffix", [".svg", ".html"])
def test_a_huge_expression_is_refused_at_once_without_naming_a_missing_option(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    # the review's 9.6k characters and 2,400 Values took 58 s to say "pass max_nodes=2400"
    terms = "+".join(f"x*w{i % 9}+{i % 13 + 1}" for i in range(800))
    values = [f"w{i}={i + 1}" for i in range(9)]
    started = time.perf_counter()
    assert main(["exercise", terms, "--set", "x=1", *values, "-o", str(tmp_path / f"w{suffix}")])
    seconds = time.perf_counter() - started
    line = one_line(capsys.readouterr().err)
    assert line.startswith("autograd-mlp exercise: the expression's graph has 3,209 Values, and")
    assert line.endswith("shows at most 500: use a smaller expression")
    assert "max_nodes" not in line
    assert seconds < 10  # generous: counting the Values is linear and takes milliseconds


def test_train_says_the_update_overflowed_not_the_loss(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # "--lr 1e308" said "the loss became 0.6897199023411995 after 0 steps"
    assert main(["train", "--samples", "8", "--hidden", "2", "--lr", "1e308"]) == 1
    captured = capsys.readouterr()
    assert "(stopped because: diverged)" in captured.out
    line = one_line(captured.err)
    assert "the loss became" not in line
    assert "update 1 would have made a weight inf or nan, so it was undone" in line
    assert line.endswith("(training diverged): try a smaller --lr than 1e+308")


@pytest.mark.parametrize(
    ("noise", "words"),
    [
        ("1e308", "train: --noise 1e+308 is too large: sample "),
        ("inf", "train: --noise must be a finite number, got inf"),
        ("nan", "train: --noise must be a finite number, got nan"),
    ],
)
def test_train_blames_a_noise_too_large_not_the_data(
    noise: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # "--noise 1e308" said "X[4][0] is inf: the data must be finite"
    assert main(["train", "--noise", noise]) == 2
    line = one_line(capsys.readouterr().err)
    assert words in line and "X[" not in line


# ------------------------------------------------------------------------------------------------
# D11: however long the input, the message is one short line
# ------------------------------------------------------------------------------------------------

_DIGITS = "9" * 4000  # under Python's 4,300-digit limit: argparse reads it as an int
_LONG = "h" * 100_000


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["lesson", "graph", "--highlight", _LONG, "-o", "g.svg"], "is not a Value of the lesson"),
        (["render", "x", "--set", _LONG + "=1"], "no variable"),
        (["render", "x", "--set", "x=1", "--precision", "9" * 5000], "invalid int value"),
        (["render", "x", "--set", "x=1", "--precision", _DIGITS], "an int of 4,000 digits"),
        (["render", "x", "--set", "x=1", "--max-nodes", "-" + _DIGITS], "an int of 4,000 digits"),
        (["exercise", "x*2", "--set", "x=1", "--count", "-" + _DIGITS, "-o", "a.svg"], "--count"),
        (["train", "--hidden", _DIGITS], "a model of 3.99e+4000 parameters"),
        (["train", "--hidden", "-" + _DIGITS], "--hidden sizes must be at least 1"),
        (["train", "--steps", _DIGITS], "9.99e+3999 steps"),
        (["train", "--samples", _DIGITS], "9.99e+3999 samples"),
        (["explain", "--steps", _DIGITS], "--steps must be from 0 to 10000"),
        (["demo", "--steps", "-" + _DIGITS], "--steps must be at least 1"),
        # the expression language lists every name it misses: the command lists eight
        (["render", "+".join(f"y{i}" for i in range(1500))], "y7 and 1,492 more (e.g. --set y0"),
    ],
    ids=lambda value: value[0] if isinstance(value, list) else None,
)
def test_a_huge_value_gives_a_short_message(
    argv: list[str],
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    line = one_line(capsys.readouterr().err)
    assert words in line and len(line) <= 600, line[:700]
    assert os.listdir(tmp_path) == []


def test_any_message_from_below_the_commands_is_cut_to_one_bounded_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from autograd_mlp.commands.base import MESSAGE_LIMIT, report

    assert report(ValueError("a message from a lower layer " + "x" * 100_000)) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("autograd-mlp: error: a message from a lower layer xxx")
    whole = len("autograd-mlp: error: a message from a lower layer ") + 100_000
    assert line.endswith(f"… ({whole:,} characters)") and len(line) <= MESSAGE_LIMIT


@pytest.mark.parametrize("module", ["autograd_mlp.commands.cli", "autograd_mlp.viz.render"])
def test_ctrl_c_while_the_command_loads_is_one_line_not_a_traceback(module: str) -> None:
    # review 2026-12, D15: a Ctrl-C in the first half second of `autograd-mlp` (while it
    # imports the package) printed a traceback. The script's entry point now loads the
    # commands itself; the interrupt is raised, deterministically, when `module` is imported.
    import subprocess
    import sys

    script = (
        "import importlib.abc, sys\n"
        "class Interrupt(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name == {module!r}:\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "from autograd_mlp.commands import main\n"  # what the autograd-mlp script runs
        "sys.exit(main(['--version']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stderr) == (130, "autograd-mlp: interrupted\n")


def test_the_script_entry_point_is_the_light_one() -> None:
    # pyproject's [project.scripts] names the function that loads the commands inside it
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "autograd-mlp"]
    assert script.value == "autograd_mlp.commands:main"
