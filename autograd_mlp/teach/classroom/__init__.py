"""A whole class: a sheet per student with their own numbers, a class marked at once, exports.

* `numbers` -- the documented rule that draws a student's numbers from the lesson, their id and
  the class seed (SHAKE-256, never Python's ``hash()``), and the rules of a good exercise;
* `roster` -- the roster CSV (``id``, optionally ``name``);
* `key` -- the teacher's key of the class (``class-key.json`` and ``class-key.csv``);
* `marking` -- every student's answers marked against the key, one row each (``grades.csv``);
* `export` -- the class as a Moodle question bank, a PrairieLearn question, a Gradescope
  autograder.
"""

from __future__ import annotations

from .key import ClassKey, Entry, load_key
from .marking import OUTCOMES, Grades, Row, mark_class, read_answers
from .numbers import DRAW_RULE, GRID, MAX_ATTEMPTS, class_blanks, draw_lesson, sheet_for
from .roster import Student, parse_roster, read_roster

__all__ = [
    "ClassKey",
    "Entry",
    "load_key",
    "OUTCOMES",
    "Grades",
    "Row",
    "mark_class",
    "read_answers",
    "DRAW_RULE",
    "GRID",
    "MAX_ATTEMPTS",
    "class_blanks",
    "draw_lesson",
    "sheet_for",
    "Student",
    "parse_roster",
    "read_roster",
]
