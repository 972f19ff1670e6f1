"""A sheet per student: the class's draw, and the files of one student.

`build_class` draws every student's numbers (`autograd_mlp.teach.classroom.numbers`) and
returns the class key with each student's sheet; `write_student` writes one student's
worksheet (``sheet-ID.pdf``, drawn on the lesson's one layout with their numbers) and practise
page (``practise-ID.html``, their graph with no gradient in it, checked in the browser).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..exercise import Exercise, exercise, write_pdf
from ..lesson import Lesson
from .key import ClassKey, Entry
from .numbers import class_blanks, sheet_for
from .roster import Student

__all__ = ["build_class", "write_student", "sheet_name", "page_name", "DEFAULT_COUNT"]

DEFAULT_COUNT = 6


def sheet_name(student: str) -> str:
    return f"sheet-{student}.pdf"


def page_name(student: str) -> str:
    return f"practise-{student}.html"


def build_class(
    lesson: Lesson,
    students: Sequence[Student],
    seed: int,
    *,
    count: int | None = DEFAULT_COUNT,
    precision: int = 4,
) -> ClassKey:
    """The class key: every student's draw and sheet, in the roster's order. A student's
    entry depends on the lesson, the seed and their id only."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}: {seed!r}")
    names = class_blanks(lesson, seed, count, precision)
    key = ClassKey(lesson, seed, count, precision, names)
    title = f"Worksheet: {lesson.name}, {lesson.error_formula}"
    for student in students:
        drawn = sheet_for(
            lesson, seed, student.id, names, count=count, precision=precision, title=title
        )
        sheet = drawn.sheet.sheet
        sheet.title = f"{title} ({student.id})"
        key.entries.append(Entry(student, drawn.attempt, sheet, drawn.lesson))
    return key


def _layout_sheet(key: ClassKey, entry: Entry) -> tuple[Exercise, object]:
    """The student's sheet built on the lesson's one layout with their numbers; its blanks and
    answers are the key's (checked)."""
    from ..lesson_layout import lesson_layout

    assert entry.lesson is not None
    board = lesson_layout(entry.lesson, precision=key.precision)
    ex = exercise(
        board.error,
        ask=key.blanks,
        precision=key.precision,
        title=entry.sheet.title,
        decimal=key.decimal,
    )
    if [(b.name, b.answer) for b in ex.blanks] != [(b.name, b.answer) for b in entry.sheet.blanks]:
        raise RuntimeError(
            f"class: the sheet of {entry.student.id} on the layout differs from the key"
        )
    return ex, board


def write_student(
    key: ClassKey,
    entry: Entry,
    folder: Path,
    *,
    size: str = "a4",
    pdf: bool = True,
    page: bool = True,
) -> list[Path]:
    """Write the student's worksheet PDF and practise page into ``folder``; return the paths."""
    written = []
    ex, board = _layout_sheet(key, entry)
    if pdf:
        target = folder / sheet_name(entry.student.id)
        student = entry.student.name or entry.student.id
        write_pdf(ex, target, size=size, layout=board.layout, student=student)  # type: ignore[attr-defined]
        written.append(target)
    if page:
        from ...viz import to_html

        html = to_html(
            board.error,  # type: ignore[attr-defined]
            practise_only=True,
            precision=key.precision,
            title=f"{key.lesson.name}: practise the gradients ({entry.student.id})",
        )
        target = folder / page_name(entry.student.id)
        html.save(target)
        written.append(target)
    return written
