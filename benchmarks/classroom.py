"""CLASS: ``autograd-mlp class mark`` for 500 students (issue 22: "500 students mark in well
under a second"), timed here and not in a unit test.

The key of 500 students of the 3–2–2 lesson is built once (not timed); then the marking as the
command does it is timed: read class-key.json, read answers.csv (every student, one wrong
answer in ten), mark, and write grades.csv's bytes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from autograd_mlp.teach.classroom import Student, load_key, mark_class, read_answers
from autograd_mlp.teach.classroom.sheets import build_class
from autograd_mlp.teach.exercise import number_text
from autograd_mlp.teach.lesson import DEFAULT_LESSON

from .timing import interleaved

STUDENTS = 500


def setup(folder: Path, students: int = STUDENTS) -> tuple[Path, Path]:
    """class-key.json and answers.csv of ``students`` students in ``folder``."""
    key = build_class(DEFAULT_LESSON, [Student(f"s{i:04d}") for i in range(students)], seed=1)
    key_path = folder / "class-key.json"
    key.save(key_path)
    lines = ["id," + ",".join(f"?{i}" for i in range(1, len(key.blanks) + 1))]
    for k, e in enumerate(key.entries):
        row = [number_text(b.answer, 4) for b in e.sheet.blanks]
        if k % 10 == 0:
            row[0] = "9.9999"
        lines.append(",".join([e.student.id, *row]))
    answers = folder / "answers.csv"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return key_path, answers


def marker(key_path: Path, answers: Path) -> Callable[[], object]:
    def run() -> object:
        key = load_key(key_path)
        subs, problems = read_answers(answers, key)
        grades = mark_class(key, subs, problems)
        assert len(grades.rows) == len(key.entries) and not grades.problems
        return grades.csv_bytes()

    return run


def rows(rounds: int) -> list[tuple[str, str, str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        key_path, answers = setup(Path(tmp))
        seconds = interleaved({"mark": marker(key_path, answers)}, rounds)["mark"]
    note = f"{STUDENTS} students, 6 blanks: load key + read CSV + mark + grades.csv"
    return [("CLASS", "class mark", f"{seconds * 1e3:.1f} ms", note)]
