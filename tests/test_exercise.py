"""exercise() and check(): blanked worksheets, answer keys, marking, sheet files and the PDF."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.commands.cli import main
from autograd_mlp.teach.exercise import (
    NO_GIVEAWAY_RULE,
    PAPER,
    Exercise,
    Marking,
    check,
    exercise,
    load_sheet,
    number_text,
    parse_answers,
    write_key_pdf,
    write_pdf,
)
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.viz import format_number
from tests.conftest import IN_CI, needs
from tests.lessons import LESSON_IDS, LESSONS


def _tanh_example() -> tuple[Value, Value, Value, Value]:
    # y = tanh(x·w + b), x = 2, w = −3, b = 6.88 (the README's neuron). By hand:
    # x·w + b = 0.88, y = tanh(0.88) = 0.706419, 1 − y² = 0.500973 (printed 0.5010);
    # exactly ∂y/∂w = x·(1 − y²) = 1.001946 and ∂y/∂x = w·(1 − y²) = −1.502919, but a student
    # with the printed numbers writes 2.0000 × 0.5010 = 1.0020 and (−3.0000) × 0.5010 = −1.5030.
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y, x, w, b


def _printed_numbers(ex: Exercise, kinds: tuple[str, ...]) -> list[str]:
    """Every number the sheet's picture prints, read from its DOT source (independently of the
    module): the data and grad cells of the boxes and the numbers on the arrows."""
    dot = ex.graph.source
    found: list[str] = []
    number = r"(−?\d+\.\d+(?:e[−+]\d+)?)"
    if "data" in kinds:
        found += re.findall(rf"data {number}<", dot)
    if "grad" in kinds:
        found += re.findall(rf"grad {number}<", dot)
    if "local" in kinds:
        for line in dot.splitlines():
            if "->" in line:
                found += re.findall(rf">{number}</FONT>", line)
    return found


def _assert_no_giveaway(ex: Exercise) -> None:
    kinds = {"grad": ("data", "grad", "local"), "data": ("data",), "local": ("local",)}[ex.hide]
    printed = set(_printed_numbers(ex, kinds))
    if not printed:  # nothing of the kind is printed: every arrow of a local sheet is a blank
        assert ex.hide == "local" and ex.graph.source.count(">?") == len(ex.blanks)
    for b in ex.blanks:
        for value in (b.answer, b.exact):
            text = format_number(value, ex.precision)
            assert text not in printed, (
                f"?{b.number} ({b.name}) = {text} can be read off the sheet ({ex.hide} sheet)"
            )


# ------------------------------------------------------------------------------------------------
# Blanks, the no-giveaway rule and the key
# ------------------------------------------------------------------------------------------------


def test_blanks_that_equal_a_printed_number_are_given_up_or_hidden_too() -> None:
    y, x, w, b = _tanh_example()
    ex = exercise(y)
    # grad of (x·w + b) = 0.5010 is the printed number on the tanh arrow (times the seed 1), and
    # b's and x·w's gradients equal it (∂/∂b = 1): none of them can be a blank. Left: w and x.
    assert [bl.name for bl in ex.blanks] == ["grad of w", "grad of x"]
    assert "grad 0.5010<" in ex.graph.source  # given up: printed
    _assert_no_giveaway(ex)
    assert (x.grad, w.grad, b.grad) == (0.0, 0.0, 0.0)  # nothing was run backward


def test_the_key_is_worked_from_the_printed_numbers() -> None:
    y, *_ = _tanh_example()
    w_blank, x_blank = exercise(y).blanks
    assert w_blank.answer == 1.002 and w_blank.exact == pytest.approx(1.0019434875, rel=1e-9)
    assert w_blank.hint.endswith(
        "2.0000 × 0.5010 = 1.0020 (from the printed numbers; unrounded 1.0019)"
    )
    assert x_blank.answer == -1.503
    assert "(−3.0000) × 0.5010 = −1.5030" in x_blank.hint


def test_hide_too_when_the_equal_number_is_itself_asked() -> None:
    # On the lesson, ∂L2.N1.z/∂L2.N1.b = 1 makes b's gradient equal z's: blanking one hides the
    # other too (the issue's ?2). Every gradient blank of every seed obeys the rule.
    _, _, error = DEFAULT_LESSON.forward()
    for seed in range(12):
        ex = exercise(error, count=6, seed=seed)
        names = {bl.name for bl in ex.blanks}
        for k in (1, 2):
            if f"grad of L2.N{k}.b" in names or f"grad of L2.N{k}.z" in names:
                assert {f"grad of L2.N{k}.b", f"grad of L2.N{k}.z"} <= names
        _assert_no_giveaway(ex)
        assert len(ex.blanks) >= 6  # replaced when given up, more when hidden too
        assert [bl.number for bl in ex.blanks] == list(range(1, len(ex.blanks) + 1))


@pytest.mark.parametrize("lesson", LESSONS, ids=LESSON_IDS)
@pytest.mark.parametrize("hide", ["grad", "data", "local"])
def test_no_blank_can_be_read_off_any_generated_sheet(lesson: Lesson, hide: str) -> None:
    _, _, error = lesson.forward()
    for count, seed in ((None, None), (4, 0), (4, 1)):
        try:
            ex = exercise(error, hide=hide, count=count, seed=seed)
        except ValueError as exc:  # a sheet whose every number is a giveaway is refused
            assert "no blank is left" in str(exc)
            continue
        _assert_no_giveaway(ex)


def test_given_gradients_come_from_the_chain_rule_not_from_grad() -> None:
    # Before backward() every .grad is 0, and after two backward() calls it is doubled: the
    # worksheet prints the true gradient either way.
    model, _, error = DEFAULT_LESSON.forward()
    fresh = exercise(error, seed=3, count=4).graph.source
    error.backward()
    error.backward()  # accumulates: every .grad is now twice the gradient
    assert exercise(error, seed=3, count=4).graph.source == fresh
    asked = {b.name for b in exercise(error, seed=3, count=4).blanks}
    given = [p for p in model.parameters() if f"grad of {p.label}" not in asked]
    assert given
    for p in given:
        assert f"grad {format_number(p.grad / 2)}<" in fresh  # the gradient, not .grad
    w = model.layers[1].neurons[0].w[0]  # ∂E/∂L2.N1.w1 = −0.8042, its double −1.6084
    assert f"grad {format_number(w.grad)}<" not in fresh


def test_every_gradient_blank_matches_backward() -> None:
    model, _, error = DEFAULT_LESSON.forward()
    everything = exercise(error)
    error.backward()
    by_name = {b.name: b for b in everything.blanks}
    asked = [p for p in model.parameters() if f"grad of {p.label}" in by_name]
    assert asked  # the rule leaves parameters to ask for
    for p in asked:
        blank = by_name[f"grad of {p.label}"]
        assert blank.exact == pytest.approx(p.grad, rel=1e-12)
        assert abs(blank.answer - p.grad) < 5e-4  # the hand calculation, 4 decimals
    rows = [ln for ln in everything.answer_key("markdown").splitlines() if ln.startswith("|")]
    assert len(rows) == len(everything.blanks) + 2


def test_data_and_local_exercises() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b + a.tanh()
    y.label = "y"
    data = exercise(y, hide="data")
    # by hand: a·b = −6, tanh(2) = 0.9640, y = −5.0360 (from the printed −6.0000 + 0.9640)
    assert [(bl.name, bl.answer) for bl in data.blanks] == [
        ("data of a·b", -6.0),
        ("data of tanh(a)", 0.964),
        ("data of y", -5.036),
    ]
    assert "data ?1<" in data.graph.source and '">grad ' not in data.graph.source
    local = exercise(y, hide="local")
    # ∂(a·b)/∂a = b = −3, ∂(a·b)/∂b = a = 2, ∂tanh(a)/∂a = 1 − 0.9640² = 0.0707, and the two
    # arrows into + both carry 1: equal to each other, so both are blanks
    assert [bl.answer for bl in local.blanks] == [-3.0, 2.0, 0.0707, 1.0, 1.0]
    assert local.blanks[0].hint == "∂(a·b)/∂a = b = −3.0000"
    assert local.graph.source.count(">?") == 5
    _assert_no_giveaway(local)


def test_the_sheet_tells_another_renderer_what_each_box_prints() -> None:
    y, x, w, b = _tanh_example()
    ex = exercise(y)
    assert ex.node_text is not None and ex.edge_text is not None
    assert ex.node_text(w) == {"grad": "?1"} and ex.node_text(x) == {"grad": "?2"}
    assert ex.node_text(b) == {"grad": "0.5010"} and ex.node_text(y) == {"grad": "1.0000"}
    local = exercise(y, hide="local")
    assert local.edge_text is not None
    product = y._prev[0]._prev[0]  # x·w: its arrows from x (slot 0) and w (slot 1)
    assert local.edge_text(x, product, 0) == "?1" and local.edge_text(w, product, 1) == "?2"


def test_worksheet_caption_says_what_to_fill_in_and_how() -> None:
    y, *_ = _tanh_example()
    assert "Fill in the 2 blanks ?1 … ?2 in order: the grad of a box = Σ over its arrows" in (
        exercise(y).graph.source
    )
    assert "the value of each box, from its inputs" in exercise(y, hide="data").graph.source
    assert "local derivative ∂out/∂in on each arrow" in exercise(y, hide="local").graph.source
    assert "Fill in ?1 in order" in exercise(y, count=1, seed=0).graph.source


def test_a_sheet_with_nothing_left_to_ask_is_refused() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b  # ∂y/∂a = b and ∂y/∂b = a: both printed as values
    with pytest.raises(ValueError, match="no blank is left that cannot be read off"):
        exercise(y)


# ------------------------------------------------------------------------------------------------
# Marking
# ------------------------------------------------------------------------------------------------


def test_tolerance_marking_accepts_the_key_and_the_exact_value() -> None:
    y, *_ = _tanh_example()
    ex = exercise(y)
    assert (
        ex.marking.describe() == "An answer is marked right when it is within ±0.0001 of the key."
    )
    report = check(ex, [1.0019, -1.503])  # the exact 1.0019 and the hand −1.5030: both right
    assert report.all_correct and report.score == 2
    report = check(ex, {"?1": 1.0022, 2: -1.5031})
    assert [m.correct for m in report.marks] == [False, True]
    text = str(report)
    assert text.startswith("1 of 2 correct (An answer is marked right when it is within ±0.0001")
    assert "?1  grad of w: 1.0022 is wrong; expected 1.0020" in text
    assert "2.0000 × 0.5010 = 1.0020" in text  # the working for a wrong answer
    assert "?2  grad of w" not in text and "?2  grad of x: right" in text
    assert "?2  grad of x: no answer; expected −1.5030" in str(check(ex, [1.002]))
    assert check(ex, [1.01, -1.5], tol=0.01).all_correct


def test_significant_figure_marking() -> None:
    y, *_ = _tanh_example()
    ex = exercise(y, marking="sigfigs", sigfigs=3)
    assert ex.marking.describe().endswith("agrees with the key to 3 significant figures.")
    assert "to 3 significant figures" in ex.answer_key()
    assert check(ex, [1.00, -1.50]).all_correct  # 1.00 and −1.50 to 3 figures
    assert [m.correct for m in check(ex, [1.01, -1.51]).marks] == [False, False]
    two = exercise(y, marking=Marking("sigfigs", sigfigs=2))
    assert check(two, [1.0, -1.5]).all_correct


def test_bad_input() -> None:
    y, *_ = _tanh_example()
    with pytest.raises(ValueError, match="hide must be one of 'grad', 'data', 'local'"):
        exercise(y, hide="weights")
    with pytest.raises(TypeError, match="exercise expects a Value"):
        exercise(3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count must be a positive int"):
        exercise(y, count=0)
    with pytest.raises(ValueError, match="precision must be an int from 1 to 12"):
        exercise(y, precision=0)
    with pytest.raises(ValueError, match="marking must be one of 'tolerance', 'sigfigs'"):
        exercise(y, marking="by eye")
    with pytest.raises(ValueError, match="sigfigs must be an int from 1 to 15"):
        exercise(y, marking="sigfigs", sigfigs=0)
    ex = exercise(y)
    with pytest.raises(ValueError, match="is not a blank number"):
        check(ex, {"?9": 1.0})
    with pytest.raises(TypeError, match="answer to \\?2 must be a number, got str"):
        check(ex, [1.0, "2"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="3 answers for 2 blanks"):
        check(ex, [1, 2, 3])


def test_parse_answers_lines_and_json() -> None:
    text = "# Ada's answers\n?1 = 1.002\n\n2: −1.503   # typed with a true minus\n"
    assert parse_answers(text) == {1: 1.002, 2: -1.503}
    assert parse_answers('{"1": 0.5, "?2": -3}') == {1: 0.5, 2: -3.0}
    assert parse_answers("[0.5, null, 2]") == {1: 0.5, 3: 2.0}
    for bad, message in (
        ("?1 0.5", "line 1: expected '\\?N = VALUE'"),
        ("?1 = half", "line 1: \\?1: 'half' is not a number"),
        ("?x = 1", "'\\?x' is not a blank"),
        ("?1 = 1\n?1 = 2", "line 2: \\?1 is answered twice"),
        ('{"1": "a"}', "\\?1 must be a number"),
        ("{1: 2}", "not valid JSON"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_answers(bad)


# ------------------------------------------------------------------------------------------------
# The sheet file
# ------------------------------------------------------------------------------------------------


def test_sheet_file_round_trips_and_marks_the_same(tmp_path: Path) -> None:
    y, *_ = _tanh_example()
    ex = exercise(y, marking="sigfigs")
    path = ex.save(tmp_path / "s.sheet.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "autograd_mlp.worksheet" and data["rule"] == NO_GIVEAWAY_RULE
    assert data["blanks"][0]["working"] == ex.blanks[0].hint
    sheet = load_sheet(path)
    assert [(b.name, b.answer, b.exact) for b in sheet.blanks] == [
        (b.name, b.answer, b.exact) for b in ex.blanks
    ]
    assert sheet.marking == ex.marking
    for answers in ([1.0, -1.5], [1.01, -1.5], [None, -1.5]):
        assert str(check(sheet, answers)) == str(check(ex, answers))
    assert sheet.to_dict() == ex.sheet.to_dict()


def test_bad_sheet_files_name_the_field(tmp_path: Path) -> None:
    y, *_ = _tanh_example()
    good = exercise(y).sheet.to_dict()

    def broken(change: dict[str, object]) -> Path:
        path = tmp_path / "bad.json"
        path.write_text(json.dumps({**good, **change}), encoding="utf-8")
        return path

    cases = [
        ({"format": "x"}, "format: expected 'autograd_mlp.worksheet'"),
        ({"version": 9}, "version: expected 1"),
        ({"hide": "all"}, "hide: expected one of"),
        ({"precision": 0}, "precision: expected an int from 1 to 12"),
        ({"marking": {"mode": "eye"}}, "marking: marking must be one of"),
        ({"blanks": []}, "blanks: expected a non-empty list"),
        (
            {"blanks": [{**good["blanks"][0], "answer": "1"}]},
            "blanks\\[0\\].answer: expected a number",
        ),
        ({"blanks": [{**good["blanks"][0], "number": 3}]}, "blanks\\[0\\].number: expected 1"),
    ]
    for change, message in cases:
        with pytest.raises(ValueError, match=message):
            load_sheet(broken(change))
    (tmp_path / "junk.json").write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        load_sheet(tmp_path / "junk.json")
    with pytest.raises(OSError, match="cannot read sheet"):
        load_sheet(tmp_path / "missing.json")


# ------------------------------------------------------------------------------------------------
# The printable PDF
# ------------------------------------------------------------------------------------------------


def _pdftotext(pdf: Path) -> list[str]:
    tool = shutil.which("pdftotext")
    if tool is None:
        if IN_CI:
            pytest.fail("pdftotext (Debian poppler-utils) is required under CI=true")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(
        [tool, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    return text.split("\f")


def _pdfinfo(pdf: Path) -> str:
    tool = shutil.which("pdfinfo")
    if tool is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    runs = [  # the Info dictionary (Title, Creator...), then any XMP metadata stream
        subprocess.run([tool, *flags, str(pdf)], capture_output=True, text=True, timeout=60)
        for flags in ([], ["-meta"])
    ]
    assert runs[0].returncode == 0 and "Title:" in runs[0].stdout, runs[0].stderr
    return runs[0].stdout + runs[1].stdout


def _attachments(pdf: Path) -> str:
    tool = shutil.which("pdfdetach")
    if tool is None:
        pytest.skip("pdfdetach (poppler-utils) is not installed")
    return subprocess.run(
        [tool, "-list", str(pdf)], capture_output=True, text=True, timeout=60, check=True
    ).stdout


def _assert_key_apart(sheet_pdf: Path, key_pdf: Path, ex: Exercise) -> None:
    """The issue's test: no answer of the key, as printed, in the sheet's text layer, metadata
    or attachments; every answer in the key."""
    sheet = " ".join(" ".join(_pdftotext(sheet_pdf)).split())
    key = " ".join(" ".join(_pdftotext(key_pdf)).split())
    info = _pdfinfo(sheet_pdf)
    assert "0 embedded files" in _attachments(sheet_pdf)
    assert "Answer key" not in sheet and "Answer key" in key
    for b in ex.blanks:
        printed = number_text(b.answer, ex.precision, ex.decimal)
        assert printed not in sheet, f"?{b.number} = {printed} is in the sheet's text"
        assert printed not in info, f"?{b.number} = {printed} is in the sheet's metadata"
        assert f"?{b.number} {b.name} = {printed}" in key


@pytest.mark.parametrize("size", ["a4", "letter"])
def test_pdf_has_the_sheet_and_the_key_is_a_file_of_its_own(size: str, tmp_path: Path) -> None:
    # changed by issue 20 ("the key is never inside the sheet"): the key was page 2 of the
    # sheet; it is now a file of its own, written by write_key_pdf
    needs("pygraphviz")
    needs("matplotlib")
    y, *_ = _tanh_example()
    ex = exercise(y)
    printed = write_pdf(ex, tmp_path / "sheet.pdf", size=size)
    data = printed.path.read_bytes()
    assert data.startswith(b"%PDF") and printed.pages == 1
    w, h = (round(v * 72) for v in PAPER[size])
    boxes = re.findall(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", data)
    assert boxes and all((round(float(a)), round(float(b))) == (w, h) for a, b in boxes)
    assert printed.picture_text_pt >= 10.0  # the picture is not shrunk below 10 pt
    pages = _pdftotext(printed.path)
    sheet = " ".join(pages[0].split())
    assert "Name:" in sheet and "Fill in the 2 blanks" in sheet
    assert "within ±0.0001 of the key" in sheet and "No answer can be copied" in sheet
    assert "?1 grad of w =" in sheet and "?2 grad of x =" in sheet
    assert "1.0020" not in sheet and "−1.5030" not in sheet  # no answer on the student's page
    key_pdf = write_key_pdf(ex, tmp_path / "sheet-key.pdf", size=size)
    assert key_pdf.pages == 1
    key = " ".join(_pdftotext(key_pdf.path)[0].split())
    assert key.startswith("Answer key: gradients")
    assert "?1 grad of w = 1.0020" in key and "2.0000 × 0.5010 = 1.0020" in key
    _assert_key_apart(printed.path, key_pdf.path, ex)
    again = write_pdf(ex, tmp_path / "again.pdf", size=size)  # no date: the same bytes
    assert again.path.read_bytes() == data


@pytest.mark.parametrize("lesson", LESSONS[:3], ids=LESSON_IDS[:3])
def test_no_answer_of_the_key_in_a_lesson_sheet(lesson: Lesson, tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("matplotlib")
    from autograd_mlp.teach.lesson_layout import lesson_layout

    board = lesson_layout(lesson)
    ex = exercise(board.error, count=8, seed=3, title="Worksheet: a lesson")
    sheet = write_pdf(ex, tmp_path / "w.pdf", layout=board.layout)
    key = write_key_pdf(ex, tmp_path / "w-key.pdf")
    _assert_key_apart(sheet.path, key.path, ex)


def test_pdf_text_sizes_are_readable_in_print() -> None:
    import importlib

    module = importlib.import_module("autograd_mlp.teach.exercise.drawing")

    assert min(module.TEXT_PT, module.KEY_PT, module.TITLE_PT) >= module.MIN_PT >= 10.0
    assert module.WRITE_ROW_MM >= 10.0  # a handwritten number fits the row


def test_pdf_bad_options(tmp_path: Path) -> None:
    y, *_ = _tanh_example()
    ex = exercise(y)
    with pytest.raises(ValueError, match="size must be one of 'a4', 'letter'"):
        write_pdf(ex, tmp_path / "s.pdf", size="a3")
    with pytest.raises(ValueError, match=r"writes a \.pdf file"):
        write_pdf(ex, tmp_path / "s.png")


# ------------------------------------------------------------------------------------------------
# The command line
# ------------------------------------------------------------------------------------------------


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli_writes_pdf_key_and_sheet_then_checks_answers(tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("matplotlib")
    pdf = tmp_path / "ws" / "sheet.pdf"
    pdf.parent.mkdir()  # a FILE's folder must exist, as for render -o (review 2026-12, D17)
    code, out, err = _run(
        [
            "exercise",
            "tanh(x*w + b)",
            "--set",
            "x=2",
            "w=-3",
            "b=6.88",
            "-o",
            str(pdf),
            "--size",
            "letter",
        ]
    )
    assert code == 0, err
    # issue 20: the key is a file of its own, so the sheet is 1 page (it was 2 with the key)
    assert pdf.read_bytes().startswith(b"%PDF") and "1 letter page" in out
    assert (tmp_path / "ws" / "sheet-key.pdf").read_bytes().startswith(b"%PDF")
    key = (tmp_path / "ws" / "sheet.answers.md").read_text(encoding="utf-8")
    assert "| ?1 | grad of w | 1.0020 |" in key
    sheet = tmp_path / "ws" / "sheet.sheet.json"
    answers = tmp_path / "answers.txt"
    answers.write_text("?1 = 1.0019\n?2 = -1.6\n", encoding="utf-8")
    code, out, err = _run(["exercise", "check", str(sheet), str(answers)])
    assert code == 1  # some wrong: exit 1, one line on stderr
    assert "1 of 2 correct" in out and "?1  grad of w: right" in out
    assert "?2  grad of x: −1.6000 is wrong; expected −1.5030" in out
    assert err.strip() == "autograd-mlp exercise check: 1 of 2 not right"
    code, out, _ = _run(["exercise", "check", str(sheet), "--answer", "?1=1.002", "?2=-1.503"])
    assert code == 0 and out.startswith("2 of 2 correct")
    import sys

    stdin = sys.stdin
    try:
        sys.stdin = io.StringIO('{"1": 1.002, "2": -1.503}')  # JSON answers on stdin: "-"
        code, out, _ = _run(["exercise", "check", str(sheet), "-"])
    finally:
        sys.stdin = stdin
    assert code == 0 and out.startswith("2 of 2 correct")
    for argv, message in (
        (["exercise", "check", str(sheet), "--answer", "?1=x"], "is not a number"),
        (["exercise", "check", str(sheet)], "no answers given"),
        (["exercise", "check", str(tmp_path / "none.json"), "--answer", "?1=1"], "cannot read"),
        (["exercise", "check", str(sheet), "--answer", "?7=1"], "not a blank number"),
        (["exercise", "check"], "expected SHEET.json"),
    ):
        code, _, err = _run(argv)
        assert code == 2 and message in err, (argv, err)


def test_cli_lesson_worksheet_and_errors(tmp_path: Path) -> None:
    needs("pygraphviz")
    lesson = tmp_path / "lesson.json"
    LESSONS[1].save(lesson)
    out = tmp_path / "lesson.svg"
    code, _stdout, err = _run(
        ["exercise", "--lesson", str(lesson), "--count", "3", "--seed", "1", "-o", str(out)]
    )
    assert code == 0, err
    sheet = load_sheet(tmp_path / "lesson.sheet.json")
    _, _, error = LESSONS[1].forward()
    assert [b.name for b in sheet.blanks] == [
        b.name for b in exercise(error, count=3, seed=1).blanks
    ]
    bad = tmp_path / "bad.json"
    bad.write_text('{"inputs": [1], "targets": [1], "layers": "x"}', encoding="utf-8")
    for argv, message in (
        (["exercise", "--lesson", str(bad), "-o", str(out)], "layers"),
        (["exercise", "x*w", "--set", "x=2", "w=1", "-o", str(tmp_path / "a.txt")], "must end in"),
        (["exercise", "__import__('os')", "-o", str(out)], "exercise"),
        (["exercise", "x*w", "--lesson", str(lesson), "-o", str(out)], "not both"),
        (["exercise", "--set", "x=1", "-o", str(out)], "--set needs an expression"),
        (["exercise", "tanh(x)", "--set", "x=1"], "-o FILE is required"),
    ):
        code, _, err = _run(argv)
        assert code == 2 and message in err, (argv, err)


# ------------------------------------------------------------------------------------------------
# The lesson's sheet on the shared layout
# ------------------------------------------------------------------------------------------------


def _numbers_in_look(look: object) -> set[str]:
    texts = [t for rows in look.text.values() for t in rows.values()]  # type: ignore[attr-defined]
    texts += list(look.edge_text.values())  # type: ignore[attr-defined]
    return {m for t in texts for m in re.findall(r"−?\d+\.\d+(?:e[−+]\d+)?", t)}


@pytest.mark.parametrize("lesson", LESSONS, ids=LESSON_IDS)
@pytest.mark.parametrize("hide", ["grad", "data"])
def test_the_lesson_sheet_on_the_shared_layout_gives_nothing_away(
    lesson: Lesson, hide: str
) -> None:
    needs("pygraphviz")
    from autograd_mlp.teach.exercise.drawing import _layout_look
    from autograd_mlp.teach.lesson_layout import lesson_layout

    board = lesson_layout(lesson)
    ex = exercise(board.error, hide=hide, count=6, seed=2)
    look = _layout_look(ex, board.layout)
    shown = _numbers_in_look(look)
    assert shown  # the checker reads numbers, so it can fail
    for b in ex.blanks:
        assert b.node is not None
        assert look.text[board.layout.ids[b.node]][hide] == f"{hide} ?{b.number}"
        assert format_number(b.answer, 4) not in shown and format_number(b.exact, 4) not in shown
    if hide == "data":  # a value sheet prints no gradients and no arrow numbers
        assert all(rows.get("grad", "") == "" for rows in look.text.values())
        assert set(look.edge_text.values()) == {""}


def test_a_lesson_pdf_puts_the_split_picture_after_the_blanks(tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("matplotlib")
    code, out, err = _run(
        ["exercise", "--count", "6", "--seed", "0", "-o", str(tmp_path / "l.pdf")]
    )
    assert code == 0, err
    assert "too small" not in out
    sheet = load_sheet(tmp_path / "l.sheet.json")
    pages = _pdftotext(tmp_path / "l.pdf")
    first = " ".join(pages[0].split())
    assert "Worksheet: 3–2–2 network, E = Σₖ (tₖ − yₖ)²" in first
    assert re.search(r"The picture is on the next (\d+) pages", first)
    views = int(re.search(r"next (\d+) pages", first).group(1))  # type: ignore[union-attr]
    assert views >= 2  # split, not shrunk
    assert all(f"?{b.number} {b.name} =" in first for b in sheet.blanks)
    assert len(pages) == 1 + views + 1  # page 1, the views, and the end (no key page)
    key = " ".join(_pdftotext(tmp_path / "l-key.pdf")[0].split())
    assert key.startswith("Answer key: Worksheet: 3–2–2 network")


def test_a_big_expression_is_split_onto_the_layout_rather_than_shrunk(tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("matplotlib")
    xs = [Value(0.1 * (i + 1), label=f"x{i + 1}") for i in range(8)]
    ws = [Value(0.3 - 0.1 * i, label=f"w{i + 1}") for i in range(8)]
    total = xs[0] * ws[0]
    for x, w in zip(xs[1:], ws[1:]):
        total = total + (x * w).tanh()
    total.label = "y"
    ex = exercise(total, count=4, seed=1)
    printed = write_pdf(ex, tmp_path / "big.pdf")
    assert (
        printed.picture_text_pt >= 10.0 and printed.pages >= 2
    )  # page 1 and the views (the key is apart since issue 20)


def test_a_graph_with_a_number_that_is_not_finite_is_refused_clearly(tmp_path: Path) -> None:
    # review N23: `exercise "1e999*x" --set x=1` said "cannot convert float infinity to integer"
    from autograd_mlp.engine.expr import build

    root, _ = build("1e999*x", {"x": 1.0})
    with pytest.raises(ValueError, match="a constant is inf, not a finite number"):
        exercise(root)
    code, _, err = _run(["exercise", "1e999*x", "--set", "x=1", "-o", str(tmp_path / "s.svg")])
    assert code == 2 and "inf" in err and "finite" in err and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())  # nothing written


def test_explain_names_an_infinite_constant() -> None:
    from autograd_mlp.engine.expr import build
    from autograd_mlp.teach.explain import explain

    root, leaves = build("1e999*x", {"x": 1.0})
    x = leaves["x"]
    assert explain(root, x).splitlines()[-1].endswith("= inf")


def test_a_picture_sheet_has_its_key_as_a_picture_of_its_own(tmp_path: Path) -> None:
    needs("pygraphviz")
    out = tmp_path / "sheet.svg"
    code, _, err = _run(
        ["exercise", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", "-o", str(out)]
    )
    assert code == 0, err
    sheet, key = (
        out.read_text(encoding="utf-8"),
        (tmp_path / "sheet-key.svg").read_text(encoding="utf-8"),
    )
    assert "?1" in sheet and "1.0020" not in sheet and "−1.5030" not in sheet
    assert "?1 = 1.0020" in key and "?2 = −1.5030" in key


# ------------------------------------------------------------------------------------------------
# Decimal comma and the minus sign (issue 20: the lesson's notation)
# ------------------------------------------------------------------------------------------------


def test_read_number_accepts_the_sheets_separator_and_a_true_minus() -> None:
    from autograd_mlp.teach.exercise import read_number

    assert read_number("−0.25") == -0.25 == read_number(" -0.25 ")
    assert read_number("−0,25", ",") == -0.25 == read_number("-0,25", ",")
    assert read_number("1 234,5", ",") == 1234.5 and read_number("1e-5") == 1e-5
    with pytest.raises(
        ValueError, match=r"decimal comma; this sheet asks for a decimal point: 0\.25"
    ):
        read_number("0,25")
    with pytest.raises(
        ValueError, match=r"decimal point; this sheet asks for a decimal comma: −0,25"
    ):
        read_number("−0.25", ",")
    for bad in ("nan", "inf", "half", ""):
        with pytest.raises(ValueError, match="not a"):
            read_number(bad)


def test_a_decimal_comma_sheet_prints_and_reads_commas(tmp_path: Path) -> None:
    y, *_ = _tanh_example()
    ex = exercise(y, decimal=",")
    assert [b.answer for b in ex.blanks] == [1.002, -1.503]  # the numbers do not change
    assert ex.blanks[0].hint.endswith(
        "2,0000 × 0,5010 = 1,0020 (from the printed numbers; unrounded 1,0019)"
    )
    assert "| ?1 | grad of w | 1,0020 |" in ex.answer_key("markdown")
    dot = ex.graph.source
    assert "data 2,0000" in dot and "grad 0,5010" in dot and "data 2.0000" not in dot
    ex.save(tmp_path / "s.json")
    sheet = load_sheet(tmp_path / "s.json")
    assert sheet.decimal == ","
    answers = parse_answers("?1 = 1,0020\n?2 = −1,5030\n", decimal=",")
    assert check(sheet, answers).all_correct
    with pytest.raises(ValueError, match=r"line 1: \?1: '1\.0020' is written with a decimal point"):
        parse_answers("?1 = 1.0020\n", decimal=",")
    report = str(check(sheet, {1: 1.5}))
    assert "1,5000 is wrong; expected 1,0020" in report and "expected −1,5030" in report
    with pytest.raises(ValueError, match="decimal must be"):
        exercise(y, decimal=";")


def test_cli_reads_a_lessons_decimal_comma(tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("matplotlib")
    lesson = tmp_path / "komma.json"
    Lesson.from_dict({**DEFAULT_LESSON.to_dict(), "notation": {"decimal": ","}}).save(lesson)
    out = tmp_path / "ws.pdf"
    code, _, err = _run(
        ["exercise", "--lesson", str(lesson), "--count", "4", "--seed", "1", "-o", str(out)]
    )
    assert code == 0, err
    sheet = load_sheet(tmp_path / "ws.sheet.json")
    assert sheet.decimal == ","
    key = " ".join(_pdftotext(tmp_path / "ws-key.pdf")[0].split())
    assert "to 4 decimals with a decimal comma (−0,25)" in " ".join(_pdftotext(out)[0].split())
    first = sheet.blanks[0]
    assert f"?1 {first.name} = {number_text(first.answer, 4, ',')}" in key
    assert "," in number_text(first.answer, 4, ",")
    right = [f"?{b.number} = {number_text(b.answer, 4, ',')}" for b in sheet.blanks]
    (tmp_path / "a.txt").write_text("\n".join(right) + "\n", encoding="utf-8")
    code, out_text, err = _run(
        ["exercise", "check", str(tmp_path / "ws.sheet.json"), str(tmp_path / "a.txt")]
    )
    assert code == 0, (out_text, err)
    argv = [
        "exercise",
        "check",
        str(tmp_path / "ws.sheet.json"),
        "--answer",
        *(r.replace(" ", "") for r in right),
    ]
    code, out_text, err = _run(argv)
    assert code == 0, (out_text, err)
    code, _, err = _run(
        ["exercise", "check", str(tmp_path / "ws.sheet.json"), "--answer", "?1=0.5"]
    )
    assert code == 2 and "decimal comma" in err
