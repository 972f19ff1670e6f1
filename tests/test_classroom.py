"""A whole class (issue 22): a sheet per student, drawn by a documented rule; the class marked
at once."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp.commands.cli import main
from autograd_mlp.engine import topological_order
from autograd_mlp.teach.classroom import (
    GRID,
    Student,
    class_blanks,
    draw_lesson,
    load_key,
    parse_roster,
    sheet_for,
)
from autograd_mlp.teach.classroom.numbers import canonical
from autograd_mlp.teach.classroom.sheets import build_class
from autograd_mlp.teach.exercise import number_text
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from tests.conftest import needs
from tests.lessons import LESSON_IDS, LESSONS
from tests.test_exercise_answerable import _from_dot, solve


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _roster(n: int, start: int = 0) -> list[Student]:
    return [Student(f"s{i:03d}", f"Student {i}") for i in range(start, start + n)]


# ------------------------------------------------------------------------------------------------
# The rule that draws a student's numbers
# ------------------------------------------------------------------------------------------------


def test_the_draw_is_the_documented_rule_recomputed_here() -> None:
    """SHAKE-256 of "autograd_mlp.class/1", the lesson's canonical JSON, the seed, the id and
    the attempt, NUL between; two bytes a number, GRID[b mod 20]; inputs, then each layer's
    weights row by row and its biases."""
    lesson = DEFAULT_LESSON
    text = json.dumps(lesson.to_dict(), sort_keys=True, separators=(",", ":"))
    assert canonical(lesson) == text
    message = "\0".join(("autograd_mlp.class/1", text, "2026", "ada", "3")).encode()
    data = hashlib.shake_256(message).digest(2 * 17)
    numbers = [GRID[int.from_bytes(data[i : i + 2], "big") % 20] for i in range(0, 34, 2)]
    mine = draw_lesson(lesson, 2026, "ada", 3)
    assert list(mine.inputs) == numbers[:3]
    layer1, layer2 = mine.layers
    assert [list(r) for r in layer1.weights] == [numbers[3:6], numbers[6:9]]
    assert list(layer1.biases) == numbers[9:11]
    assert [list(r) for r in layer2.weights] == [numbers[11:13], numbers[13:15]]
    assert list(layer2.biases) == numbers[15:17]
    assert mine.targets == lesson.targets and mine.error == lesson.error
    assert sorted(GRID) == [k / 10 for k in range(-10, 0)] + [k / 10 for k in range(1, 11)]


def test_a_students_numbers_do_not_change_when_the_roster_grows() -> None:
    small = build_class(DEFAULT_LESSON, _roster(3), seed=7)
    grown = build_class(DEFAULT_LESSON, [*_roster(5, 100), *_roster(3)], seed=7)
    for entry in small.entries:
        again = grown.by_id()[entry.student.id]
        assert again.sheet.to_dict() == entry.sheet.to_dict() and again.attempt == entry.attempt
    assert build_class(DEFAULT_LESSON, _roster(3), seed=8).entries[0].sheet.to_dict() != (
        small.entries[0].sheet.to_dict()
    )


def test_thirty_students_get_thirty_different_sheets_reproduced_exactly() -> None:
    key = build_class(DEFAULT_LESSON, _roster(30), seed=2026)
    answers = [tuple(b.answer for b in e.sheet.blanks) for e in key.entries]
    assert len(set(answers)) == 30
    assert len({canonical(e.lesson) for e in key.entries if e.lesson is not None}) == 30
    again = build_class(DEFAULT_LESSON, _roster(30), seed=2026)
    assert again.json_bytes() == key.json_bytes() and again.csv_bytes() == key.csv_bytes()


def _good_exercise(lesson: Lesson, drawn: object, names: list[str]) -> None:
    """The four rules of a good exercise, each checked from the student's numbers."""
    ex = drawn.sheet  # type: ignore[attr-defined]
    root = drawn.root  # type: ignore[attr-defined]
    for v in topological_order(root):  # 1. no saturated activation
        if v._op == "sigmoid":
            assert 0.05 <= v.data <= 0.95, v.data
        if v._op == "tanh":
            assert abs(v.data) <= 0.95, v.data
    printed = [number_text(b.answer, ex.precision) for b in ex.blanks]
    for b, text in zip(ex.blanks, printed):  # 2. nothing rounds to zero
        assert abs(b.answer) >= 0.001 and abs(float(text.replace("−", "-"))) >= 0.001
    assert len(set(printed)) == len(printed)  # 3. no two blanks with the same answer
    assert [b.name for b in ex.blanks] == names  # the class's blanks, every one
    problems, unlabelled = solve(ex, _from_dot(ex))  # 4. each answerable from the sheet
    assert problems == [] and unlabelled == []


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    student=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
    which=st.sampled_from(range(len(LESSONS))),
)
def test_every_drawn_sheet_is_a_good_exercise(seed: int, student: str, which: int) -> None:
    lesson = LESSONS[which]
    names = class_blanks(lesson, seed, 6, 4)
    drawn = sheet_for(lesson, seed, student, names, count=6)
    _good_exercise(lesson, drawn, names)
    assert drawn.lesson == draw_lesson(lesson, seed, student, drawn.attempt)


@pytest.mark.parametrize("lesson", LESSONS, ids=LESSON_IDS)
def test_many_seeds_of_every_lesson_draw_good_sheets(lesson: Lesson) -> None:
    for seed in range(25):
        names = class_blanks(lesson, seed, 6, 4)
        assert len(names) == min(6, len(class_blanks(lesson, seed, None, 4)))
        drawn = sheet_for(lesson, seed, f"id{seed}", names, count=6)
        _good_exercise(lesson, drawn, names)


def test_class_blanks_leave_out_gradients_that_equal_another() -> None:
    every = class_blanks(DEFAULT_LESSON, 0, None, 4)
    assert not any(n.endswith((".b", ".z")) for n in every)  # ∂z/∂b = 1: grad b = grad z
    assert len(class_blanks(DEFAULT_LESSON, 0, 4, 4)) == 4
    assert class_blanks(DEFAULT_LESSON, 0, 4, 4) != class_blanks(DEFAULT_LESSON, 1, 4, 4)


# ------------------------------------------------------------------------------------------------
# The roster
# ------------------------------------------------------------------------------------------------


def test_roster_reading_and_its_errors() -> None:
    students = parse_roster('\ufeffName;ID\n"Lovelace; Ada";s1\n\nTuring;s2\n')
    assert students == [Student("s1", "Lovelace; Ada"), Student("s2", "Turing")]
    assert parse_roster("id\na\nb\n") == [Student("a"), Student("b")]
    for text, message in (
        ("name\nAda\n", "line 1: expected a header with an 'id' column"),
        ("id\na\na\n", "line 3: id 'a' is already on line 2"),
        ("id\n../etc\n", "line 2: id '../etc' is not letters"),
        ("id,name\na\n", "line 2: 1 fields, the header has 2"),
        ("id\n", "no student"),
        ("", "empty"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_roster(text)


# ------------------------------------------------------------------------------------------------
# The command: files per student, byte for byte
# ------------------------------------------------------------------------------------------------


def test_class_sheets_writes_every_students_files_byte_for_byte(tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("matplotlib")
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nada,Ada\nalan,Alan\n", encoding="utf-8")
    runs = []
    for out in (tmp_path / "one", tmp_path / "two"):
        code, stdout, err = _run(["class", "sheets", str(roster), "--seed", "3", "-o", str(out)])
        assert code == 0, err
        assert "2 students, 6 blanks each" in stdout
        runs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert runs[0] == runs[1]  # the same roster and seed: the same files, byte for byte
    assert sorted(runs[0]) == [
        "answers-template.csv",
        "class-key.csv",
        "class-key.json",
        "class-key.pdf",
        "practise-ada.html",
        "practise-alan.html",
        "sheet-ada.pdf",
        "sheet-alan.pdf",
    ]
    assert runs[0]["sheet-ada.pdf"] != runs[0]["sheet-alan.pdf"]
    key = load_key(tmp_path / "one" / "class-key.json")
    assert [e.student.id for e in key.entries] == ["ada", "alan"]
    from tests.test_exercise import _pdftotext

    for entry in key.entries:  # each sheet holds none of its own answers, and its blanks
        text = " ".join(
            " ".join(_pdftotext(tmp_path / "one" / f"sheet-{entry.student.id}.pdf")).split()
        )
        assert f"({entry.student.id})" in text and f"Name: {entry.student.name}" in text
        for b in entry.sheet.blanks:
            assert f"?{b.number} {b.name} =" in text
            assert number_text(b.answer, 4) not in text
    keys = " ".join(" ".join(_pdftotext(tmp_path / "one" / "class-key.pdf")).split())
    for entry in key.entries:  # the teacher's PDF key: every student's answers
        assert f"({entry.student.id})" in keys
        for b in entry.sheet.blanks:
            assert f"?{b.number} {b.name} = {number_text(b.answer, 4)}" in keys
    page = runs[0]["practise-ada.html"].decode("utf-8")

    assert '"grad"' not in page  # a practise page holds no gradient
    template = runs[0]["answers-template.csv"].decode("utf-8")
    assert template.splitlines() == [
        "id,name,?1,?2,?3,?4,?5,?6",
        "ada,Ada,,,,,,",
        "alan,Alan,,,,,,",
    ]


def test_class_sheets_key_only_and_errors(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("id\nx1\n", encoding="utf-8")
    code, _, err = _run(["class", "sheets", str(roster), "--key-only", "-o", str(tmp_path / "k")])
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == [
        "answers-template.csv",
        "class-key.csv",
        "class-key.json",
    ]
    (tmp_path / "k" / "sheet-gone.pdf").write_bytes(b"an earlier run's sheet")
    (tmp_path / "k" / "notes.txt").write_text("the teacher's own", encoding="utf-8")
    assert _run(["class", "sheets", str(roster), "--key-only", "-o", str(tmp_path / "k")])[0] == 0
    assert (tmp_path / "k" / "sheet-gone.pdf").exists()  # --key-only touches no sheet
    bad = tmp_path / "bad.csv"
    bad.write_text("id\nx\nx\n", encoding="utf-8")
    for argv, message in (
        (["class", "sheets", str(bad), "-o", str(tmp_path / "b")], "line 3: id 'x' is already"),
        (["class", "sheets", str(roster), "-o", str(tmp_path / "b"), "--count", "0"], "--count"),
        (["class", "sheets", str(tmp_path / "none.csv"), "-o", str(tmp_path / "b")], "cannot read"),
        (["class"], "missing ACTION"),
    ):
        code, _, err = _run(argv)
        assert code == 2 and message in err, (argv, err)


# ------------------------------------------------------------------------------------------------
# The class marked at once
# ------------------------------------------------------------------------------------------------


def _key_file(tmp_path: Path, ids: list[str], lesson: Lesson = DEFAULT_LESSON) -> Path:
    from autograd_mlp.teach.classroom import ClassKey

    key: ClassKey = build_class(lesson, [Student(i, i.title()) for i in ids], seed=11)
    path = tmp_path / "class-key.json"
    key.save(path)
    return path


def _printed(path: Path, sid: str, decimal: str = ".") -> list[str]:
    entry = load_key(path).by_id()[sid]
    return [number_text(b.answer, 4, decimal) for b in entry.sheet.blanks]


def _grades(path: Path) -> dict[str, dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        return {row["id"]: row for row in csv.DictReader(f)}


def test_class_mark_a_csv_with_right_wrong_missing_and_unreadable_rows(tmp_path: Path) -> None:
    key = _key_file(tmp_path, ["ada", "alan", "grace", "kurt", "emmy"])
    ada, alan, grace = (_printed(key, s) for s in ("ada", "alan", "grace"))
    wrong = [*alan[:5], "12.5"]
    lines = [
        "id,name,?1,?2,?3,?4,?5,?6,?9",
        ",".join(["ada", "Ada", *(a.replace("−", "-") for a in ada), "7"]),  # all right, ?9 extra
        ",".join(["alan", "Alan", *wrong, ""]),  # one wrong
        ",".join(["grace", "Grace", *grace[:4], "", '"0,5"', ""]),  # missing; a decimal comma
        "kurt,Kurt,1,2",  # cannot be read: too few fields
        ",".join(["nobody", "Nobody", *ada, ""]),  # no sheet
        ",".join(["ada", "Ada again", *alan, ""]),  # a second row for ada
    ]
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "grades.csv"
    code, stdout, err = _run(["class", "mark", str(key), str(answers), "-o", str(out)])
    assert code == 1  # something was reported; the grades are written all the same
    assert "6 rows, 3 submitted, 4 problems reported" in stdout
    assert "line 1: column '?9' is not a blank of the sheets (?1 … ?6); ignored" in err
    assert "line 5: 4 fields, the header has 9" in err
    assert "line 6: id 'nobody' has no sheet in the key" in err
    assert "line 7: id 'ada' already answered (line 2); the first is marked" in err
    grades = _grades(out)
    assert list(grades) == ["ada", "alan", "grace", "kurt", "emmy", "nobody"]
    assert grades["ada"]["score"] == "6" and grades["ada"]["feedback"] == "all right"
    assert grades["alan"]["score"] == "5" and grades["alan"]["?6"] == "wrong"
    assert f"?6: 12.5000 is wrong (expected {alan[5]})" in grades["alan"]["feedback"]
    assert grades["grace"]["?5"] == "no answer" and grades["grace"]["?6"] == "unreadable"
    assert "'0,5' is written with a decimal comma" in grades["grace"]["feedback"]
    assert grades["grace"]["score"] == "4" and grades["grace"]["status"] == "submitted"
    assert grades["kurt"]["status"] == "not submitted" and "line 5" in grades["kurt"]["feedback"]
    assert grades["emmy"]["status"] == "not submitted"
    assert grades["emmy"]["feedback"] == "no answers submitted"
    assert grades["nobody"]["status"] == "no sheet"
    assert {grades[s]["out_of"] for s in grades} == {"6"}


def test_class_mark_a_folder_of_answer_files(tmp_path: Path) -> None:
    key = _key_file(tmp_path, ["ada", "alan", "grace"])
    folder = tmp_path / "answers"
    folder.mkdir()
    ada = _printed(key, "ada")
    (folder / "ada.txt").write_text(
        "# Ada\n" + "".join(f"?{i} = {v}\n" for i, v in enumerate(ada, 1)) + "?7 = 1\n",
        encoding="utf-8",
    )
    (folder / "alan.txt").write_text("?1 = 0.5\nthe rest I do not know\n", encoding="utf-8")
    (folder / "nobody.txt").write_text("?1 = 1\n", encoding="utf-8")
    out = tmp_path / "grades.csv"
    code, _, err = _run(["class", "mark", str(key), str(folder), "-o", str(out)])
    assert code == 1
    assert "alan.txt line 2: expected '?N = VALUE'" in err
    assert "file ada.txt: ?7 not blanks of the sheet (?1 … ?6); ignored" in err
    assert "file nobody.txt: id 'nobody' has no sheet in the key" in err
    grades = _grades(out)
    assert (
        grades["ada"]["score"] == "6" and "?7: not blanks of the sheet" in grades["ada"]["feedback"]
    )
    assert grades["alan"]["status"] == "not submitted" and "line 2" in grades["alan"]["feedback"]
    assert grades["grace"]["status"] == "not submitted"
    assert grades["nobody"]["status"] == "no sheet"


def test_class_mark_reads_a_decimal_comma_where_the_sheet_asks_for_one(tmp_path: Path) -> None:
    komma = Lesson.from_dict({**DEFAULT_LESSON.to_dict(), "notation": {"decimal": ","}})
    key = _key_file(tmp_path, ["ada", "alan"], komma)
    ada, alan = _printed(key, "ada", ","), _printed(key, "alan", ",")
    assert all("," in a for a in ada)
    lines = [
        "id;?1;?2;?3;?4;?5;?6",
        ";".join(["ada", *ada]),
        ";".join(["alan", *(a.replace(",", ".") for a in alan)]),
    ]
    answers = tmp_path / "answers.csv"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "grades.csv"
    code, _, err = _run(["class", "mark", str(key), str(answers), "-o", str(out)])
    assert code == 0, err
    grades = _grades(out)
    assert grades["ada"]["score"] == "6"  # '−0,1234': a decimal comma and a true minus
    assert grades["alan"]["score"] == "0" and grades["alan"]["?1"] == "unreadable"
    assert (
        "is written with a decimal point; this sheet asks for a decimal comma"
        in grades["alan"]["feedback"]
    )


def test_class_mark_bad_key_or_answers_are_usage_errors(tmp_path: Path) -> None:
    key = _key_file(tmp_path, ["ada"])
    (tmp_path / "a.csv").write_text("name,?1\nAda,1\n", encoding="utf-8")
    (tmp_path / "k.json").write_text('{"format": "other"}', encoding="utf-8")
    for argv, message in (
        (
            ["class", "mark", str(key), str(tmp_path / "a.csv"), "-o", str(tmp_path / "g.csv")],
            "'id' column",
        ),
        (
            [
                "class",
                "mark",
                str(tmp_path / "k.json"),
                str(tmp_path / "a.csv"),
                "-o",
                str(tmp_path / "g.csv"),
            ],
            "format",
        ),
        (
            ["class", "mark", str(key), str(tmp_path / "none.csv"), "-o", str(tmp_path / "g.csv")],
            "cannot read",
        ),
        (
            ["class", "mark", str(key), str(tmp_path / "a.csv"), "-o", str(tmp_path / "g.txt")],
            ".csv",
        ),
    ):
        code, _, err = _run(argv)
        assert code == 2 and message in err, (argv, err)


# ------------------------------------------------------------------------------------------------
# docs/classroom.md shows what its code prints
# ------------------------------------------------------------------------------------------------


def test_the_classroom_page_shows_what_its_code_prints(tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("matplotlib")
    import os

    from tests.test_docs import python_blocks
    from tests.test_teach_api import PRINTED, _shown

    page = Path(__file__).resolve().parent.parent / "docs" / "classroom.md"
    text = page.read_text(encoding="utf-8")
    lines = text.splitlines()
    namespace: dict[str, object] = {"__name__": "__docs__"}
    printed: dict[int, str] = {}
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        for first, code in python_blocks(text):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(page), "exec"), namespace)
            printed[first + code.count("\n")] = out.getvalue()
    finally:
        os.chdir(previous)
    checked = 0
    for i, line in enumerate(lines):
        if line == PRINTED:
            block_end = max(end for end in printed if end <= i + 1)
            assert _shown(lines, i) == printed[block_end].rstrip("\n"), f"line {i + 1}"
            checked += 1
    assert checked == 6


_PROPERTY_KEY: list[object] = []


def _property_key() -> object:
    if not _PROPERTY_KEY:
        _PROPERTY_KEY.append(build_class(DEFAULT_LESSON, _roster(6), seed=5))
    return _PROPERTY_KEY[0]


@settings(max_examples=60, deadline=None)
@given(
    plan=st.lists(
        st.tuples(
            st.sampled_from(["row", "missing", "unreadable"]),
            st.lists(
                st.sampled_from(["right", "wrong", "empty", "junk", "minus"]),
                min_size=6,
                max_size=6,
            ),
        ),
        min_size=6,
        max_size=6,
    )
)
def test_class_mark_gives_the_grades_expected(plan: list[tuple[str, list[str]]]) -> None:
    """Any mix of rows (present, missing, unreadable) and answers (right, wrong, empty, not a
    number, right with a true minus): every student's row is what the plan says."""
    from autograd_mlp.teach.classroom import mark_class
    from autograd_mlp.teach.classroom.marking import _read_csv

    key = _property_key()
    lines = ["id,?1,?2,?3,?4,?5,?6"]
    expected: dict[str, tuple[str, list[str]]] = {}
    for entry, (how, cells) in zip(key.entries, plan):  # type: ignore[attr-defined]
        sid = entry.student.id
        if how == "missing":
            expected[sid] = ("not submitted", ["no answer"] * 6)
            continue
        if how == "unreadable":
            lines.append(f"{sid},1,2")
            expected[sid] = ("not submitted", ["no answer"] * 6)
            continue
        row, marks = [], []
        for b, cell in zip(entry.sheet.blanks, cells):
            printed = number_text(b.answer, 4)
            text = {
                "right": printed.replace("−", "-"),
                "minus": printed,
                "wrong": number_text(b.answer + 0.5, 4),
                "empty": "",
                "junk": "half",
            }[cell]
            row.append(text)
            marks.append(
                {
                    "right": "right",
                    "minus": "right",
                    "wrong": "wrong",
                    "empty": "no answer",
                    "junk": "unreadable",
                }[cell]
            )
        lines.append(",".join([sid, *row]))
        expected[sid] = ("submitted", marks)
    subs, problems = _read_csv("\n".join(lines) + "\n", "answers", 6)
    grades = mark_class(key, subs, problems)  # type: ignore[arg-type]
    assert [r.id for r in grades.rows] == [e.student.id for e in key.entries]  # type: ignore[attr-defined]
    for row in grades.rows:
        status, marks = expected[row.id]
        assert (row.status, row.marks) == (status, marks)
        assert row.score == marks.count("right")
    unreadable = sum(how == "unreadable" for how, _ in plan)
    assert len(grades.problems) == unreadable  # each unreadable row reported, nothing else


def test_class_mark_a_second_column_for_a_blank_is_reported_and_the_first_read() -> None:
    from autograd_mlp.teach.classroom.marking import _read_csv

    subs, problems = _read_csv("id,?1,1\na,0.5,0.7\n", "answers", 6)
    assert problems == ["answers line 1: column '1' is ?1 again; the first is read"]
    assert subs[0].answers == {1: "0.5"}
