"""Files from users: lessons, worksheets and answer files (review 2026-12, N7, N8, N9, N23).

Every reader opens only a regular file, without blocking, up to a size cap, and turns every
problem into one ValueError line that names the file and the field: a FIFO, a device, a
401-digit number, nesting a hundred thousand levels deep, a key given twice, a list where a
name belongs. Nothing is half-loaded.
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.teach.exercise import check, exercise, load_sheet, parse_answers
from autograd_mlp.teach.exercise.marking import MAX_ANSWER_CHARS, load_answers
from autograd_mlp.teach.lesson import DEFAULT_LESSON, LayerSpec, Lesson

HUGE_INT = 10**400  # 401 digits: a valid JSON number that no float can hold


def _in_thread(read: Callable[[], object]) -> BaseException | None:
    """What ``read()`` raised (None if nothing); the test fails instead of hanging."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            read()
            outcome.append(None)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "the reader blocked"
    return outcome[0]


def _one_line(error: BaseException | None, *parts: str) -> str:
    assert isinstance(error, ValueError), f"expected a ValueError, got {error!r}"
    text = str(error)
    assert "\n" not in text and len(text) < 300, text
    for part in parts:
        assert part in text, f"{part!r} not in {text!r}"
    return text


def _tanh() -> Value:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()  # two blanks: the gradients of w and x (see test_exercise.py)
    y.label = "y"
    return y


def _sheet(tmp_path: Path) -> dict[str, object]:
    data = exercise(_tanh()).sheet.to_dict()
    assert isinstance(data, dict)
    return data


def _readers(tmp_path: Path) -> dict[str, Callable[[Path], object]]:
    return {"lesson": Lesson.load, "sheet": load_sheet, "answers": load_answers}


# ------------------------------------------------------------------------------------------------
# What is at the path: only a regular file is read (N7)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["lesson", "sheet", "answers"])
def test_a_fifo_is_refused_without_blocking(tmp_path: Path, reader: str) -> None:
    fifo = tmp_path / "f.json"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    error = _in_thread(lambda: _readers(tmp_path)[reader](fifo))
    _one_line(error, "f.json", "it is a FIFO (named pipe), not a regular file")


@pytest.mark.parametrize("reader", ["lesson", "sheet", "answers"])
def test_an_endless_device_and_a_folder_are_refused(tmp_path: Path, reader: str) -> None:
    read = _readers(tmp_path)[reader]
    _one_line(_in_thread(lambda: read(Path("/dev/zero"))), "/dev/zero", "a character device")
    _one_line(_in_thread(lambda: read(tmp_path)), "a folder")


@pytest.mark.parametrize("reader", ["lesson", "sheet", "answers"])
def test_a_sparse_file_above_the_cap_is_refused_unread(tmp_path: Path, reader: str) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as f:
        f.truncate(50_000_000)  # takes no disk space; reading it would take 50 MB
    _one_line(_in_thread(lambda: _readers(tmp_path)[reader](path)), "big.json", "more than")


@pytest.mark.parametrize("reader", ["lesson", "sheet", "answers"])
def test_a_missing_file_is_an_os_error_naming_it(tmp_path: Path, reader: str) -> None:
    with pytest.raises(FileNotFoundError, match=r"cannot read .*missing\.json"):
        _readers(tmp_path)[reader](tmp_path / "missing.json")


# ------------------------------------------------------------------------------------------------
# What is in the file: one ValueError line naming the file and the field (N8, N9)
# ------------------------------------------------------------------------------------------------


def _lesson_file(tmp_path: Path, text: str, name: str = "l.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _lesson_text(**change: object) -> str:
    data = {**DEFAULT_LESSON.to_dict(), **change}
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inputs": [HUGE_INT, 0.5, -1.0]}, "inputs[0]"),
        ({"targets": [1.0, -HUGE_INT]}, "targets[1]"),
        ({"learning_rate": HUGE_INT}, "learning_rate"),
        ({"error": ["sum"]}, "error"),
        ({"error": {"sum": 1}}, "error"),
        ({"title": ["x"]}, "title"),
        ({"inputs": [[[[[[1.0]]]]], 0.5, -1.0]}, "inputs[0]"),
    ],
)
def test_bad_lesson_values_are_one_line_naming_the_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    path = _lesson_file(tmp_path, _lesson_text(**change))
    _one_line(_in_thread(lambda: Lesson.load(path)), "l.json", f"{field}:")


def test_a_huge_integer_in_python_is_a_value_error_too() -> None:
    layers = DEFAULT_LESSON.layers
    for kwargs, field in (
        ({"learning_rate": HUGE_INT}, "learning_rate"),
        ({"inputs": (HUGE_INT, 0.5, -1.0)}, "inputs[0]"),
        ({"inputs": (10**5000, 0.5, -1.0)}, "inputs[0]"),  # too long even to print
    ):
        options: dict[str, object] = {"inputs": (1.0, 0.5, -1.0), "targets": (1.0, 0.0)}
        options.update(kwargs)
        with pytest.raises(ValueError) as info:
            Lesson(layers=layers, **options)  # type: ignore[arg-type]
        _one_line(info.value, f"{field}:", "digits")
    with pytest.raises(ValueError, match=r"layers\[0\].weights\[0\]\[1\]"):
        Lesson(
            (1.0, 0.5, -1.0), (1.0, 0.0), (LayerSpec("linear", ((1.0, HUGE_INT, 0.0),), (0.0,)),)
        )


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_one_line(tmp_path: Path, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    lesson = _lesson_file(tmp_path, '{"inputs": ' + nested + "}")
    _one_line(_in_thread(lambda: Lesson.load(lesson)), "l.json", "nested")
    toml = _lesson_file(tmp_path, "inputs = " + nested + "\n", "l.toml")
    _one_line(_in_thread(lambda: Lesson.load(toml)), "l.toml", "nested")
    sheet = tmp_path / "s.json"
    sheet.write_text('{"blanks": ' + nested + "}", encoding="utf-8")
    _one_line(_in_thread(lambda: load_sheet(sheet)), "s.json", "nested")
    answers = tmp_path / "a.json"
    answers.write_text('{"1": ' + nested + "}", encoding="utf-8")
    _one_line(_in_thread(lambda: load_answers(answers)), "a.json", "nested")
    _one_line(_in_thread(lambda: parse_answers(nested)), "nested")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('{"inputs": [9, 9, 9], "inputs": [1, 0.5, -1]}', "inputs"),
        ('{"title": "a", "title": "b"}', "title"),
    ],
)
def test_a_lesson_key_given_twice_is_refused(tmp_path: Path, text: str, key: str) -> None:
    data = DEFAULT_LESSON.to_dict()
    data.pop("inputs")
    body = json.dumps(data)[1:-1]
    path = _lesson_file(tmp_path, text[:-1] + ", " + body + "}")
    _one_line(_in_thread(lambda: Lesson.load(path)), "l.json", f"'{key}' appears twice")


def test_a_key_given_twice_inside_a_layer_is_refused(tmp_path: Path) -> None:
    text = _lesson_text().replace('"biases":', '"biases": [0, 0], "biases":', 1)
    path = _lesson_file(tmp_path, text)
    _one_line(_in_thread(lambda: Lesson.load(path)), "'biases' appears twice")


def test_answers_given_twice_in_json_are_refused_not_marked_as_the_last(tmp_path: Path) -> None:
    # the review's case: marked as 5 (wrong) where the text format refuses "answered twice"
    with pytest.raises(ValueError, match="'1' appears twice"):
        parse_answers('{"1": 1.002, "1": 5}')
    with pytest.raises(ValueError, match="answered twice"):
        parse_answers('{"1": 1.002, "?1": 5}')  # the same blank under two spellings
    path = tmp_path / "a.json"
    path.write_text('{"1": 1.002, "1": 5}', encoding="utf-8")
    _one_line(_in_thread(lambda: load_answers(path)), "a.json", "appears twice")


def test_a_sheet_key_given_twice_is_refused(tmp_path: Path) -> None:
    good = json.dumps(_sheet(tmp_path))
    path = tmp_path / "s.json"
    path.write_text(good.replace('"blanks":', '"blanks": [], "blanks":', 1), encoding="utf-8")
    _one_line(_in_thread(lambda: load_sheet(path)), "s.json", "'blanks' appears twice")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("answer", HUGE_INT, "blanks[0].answer:"),
        ("exact", -HUGE_INT, "blanks[0].exact:"),
        ("number", HUGE_INT, "blanks[0].number:"),
    ],
)
def test_a_huge_integer_in_a_sheet_names_the_field(
    tmp_path: Path, field: str, value: int, message: str
) -> None:
    data = _sheet(tmp_path)
    blanks = data["blanks"]
    assert isinstance(blanks, list)
    blanks[0][field] = value
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    _one_line(_in_thread(lambda: load_sheet(path)), "s.json", message)


@pytest.mark.parametrize("tol", [HUGE_INT, "1", -1])
def test_a_bad_tolerance_in_a_sheet_is_one_line(tmp_path: Path, tol: object) -> None:
    data = _sheet(tmp_path)
    marking = data["marking"]
    assert isinstance(marking, dict)
    marking["tol"] = tol
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    _one_line(_in_thread(lambda: load_sheet(path)), "s.json", "marking:", "tol")


def test_a_sheet_with_a_list_for_text_is_one_line(tmp_path: Path) -> None:
    for field in ("title", "instructions"):
        data = _sheet(tmp_path)
        data[field] = ["x"]
        path = tmp_path / f"{field}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        _one_line(_in_thread(lambda p=path: load_sheet(p)), f"{field}.json", f"{field}:")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("?² = 1", "'?²' is not a blank"),  # a digit to isdigit(), not to int()
        ("?" + "1" * 5000 + " = 1", "is not a blank"),  # too long for int()
        ('{"1": ' + str(HUGE_INT) + "}", "?1 must be a finite number"),
        ("[" + str(HUGE_INT) + "]", "?1 must be a finite number"),
        ('{"²": 1}', "is not a blank"),
    ],
)
def test_bad_answers_are_one_line(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_answers(text)
    _one_line(info.value, message)


def test_check_refuses_a_superscript_blank_number_and_a_huge_answer() -> None:
    ex = exercise(_tanh())
    with pytest.raises(ValueError, match="not a blank number"):
        check(ex, {"²": 1.0})
    with pytest.raises(ValueError, match=r"finite number|too large"):
        check(ex, {1: HUGE_INT})


def test_answers_files_are_read_and_parsed(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("?1 = 1.002\n?2: −1.5\n", encoding="utf-8")
    assert load_answers(path) == {1: 1.002, 2: -1.5}
    path.write_bytes(b"?1 = \xff\n")
    _one_line(_in_thread(lambda: load_answers(path)), "a.txt", "not UTF-8")


def test_answers_on_stdin_above_the_cap_are_refused_not_cut(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # N23: stdin was cut at 1,000,000 characters without a word
    lines = "".join(f"?{i} = 0.5\n" for i in range(1, 200_001))
    assert len(lines) > MAX_ANSWER_CHARS
    monkeypatch.setattr(sys, "stdin", io.StringIO(lines))
    with pytest.raises(ValueError) as info:
        load_answers("-")
    _one_line(info.value, "stdin", f"more than {MAX_ANSWER_CHARS:,} characters")
    monkeypatch.setattr(sys, "stdin", io.StringIO("?1 = 0.25\n"))
    assert load_answers("-") == {1: 0.25}
