"""Exercises: a gradient graph with numbers blanked, a numbered answer key, checked answers.

``exercise(root, hide="grad")`` draws the graph with every gradient (except the root's seed 1)
replaced by a numbered blank ``?1``, ``?2``... in the order a student fills them in (backward
order for gradients, forward order for values and local derivatives). ``check(ex, answers)``
marks each answer, and for a wrong one gives the expected value and the rule that produces it:
for a gradient, the chain rule written out with that node's numbers --

    grad of x = Σ over its uses of local × grad of the output = 1.0000 × (−3.0000) + ... = −2.0

Three kinds of blanks:

* ``"grad"`` -- gradients; data and local derivatives are shown (the backward-pass exercise);
* ``"data"`` -- the value of every computed node; leaves are given (the forward-pass exercise);
* ``"local"`` -- the local derivative on every edge; data is given, gradients are hidden.

**No answer can be read off the sheet** (`NO_GIVEAWAY_RULE`). When a blank's answer, as
printed, equals a number the sheet shows, the sheet would give it away: ∂z/∂b = 1 makes b's
gradient equal to z's, a gradient passed on by a 1 equals the seed, and grad(w) = x·grad(z)
equals x when grad(z) = 1. So, until nothing changes: if the equal number is one of the
quantities being asked (another gradient on a gradient sheet), it is hidden too and becomes a
blank itself; if it cannot be hidden (a value, a local derivative, the seed, or a blank already
given up), the blank is given up -- its number is printed -- and, when ``count`` asked for a
number of blanks, the next one in the seeded order takes its place. On a gradient or value sheet
every printed number counts; on a local-derivative sheet only the other local derivatives do,
since a local derivative is by its nature a formula in the printed values (∂(a·b)/∂a = b).

**The key is the hand calculation.** Each answer is worked out from the numbers as the sheet
prints them (rounded to ``precision`` decimals) and the student's own earlier answers, so the
working in the key is what a student with the sheet writes: "2.0000 × 0.5010 = 1.0020", even
where the unrounded gradient is 1.0019. The exact value is kept beside it (``Blank.exact``).

**Marking** (`Marking`), stated on the sheet: ``"tolerance"`` accepts an answer within ``tol``
(default one unit in the last printed decimal) of the key's value or of the exact value;
``"sigfigs"`` accepts one that agrees with either to ``sigfigs`` significant figures.

A sheet is saved (`Exercise.save`) as JSON beside its PDF -- the blanks, the key, the working,
the marking -- so that ``autograd-mlp exercise check SHEET.json ANSWERS`` can mark a student's
answers later without the graph (`load_sheet`, `parse_answers`, `check`). `write_pdf` writes
the printable sheet: the picture and every blank with room to write. **The key is never inside
the sheet**: `write_key_pdf` writes it as a file of its own (``worksheet-key.pdf`` beside
``worksheet.pdf``), and nothing of it is in the sheet's text, metadata or attachments.

**Decimal comma.** ``exercise(..., decimal=",")`` (a lesson's ``notation.decimal``) writes
every number of the sheet, its picture and its key with a decimal comma, and its answers are
read with one (`read_number`: the sheet's separator is accepted, the other one is refused
with a message that says which to write; ``−`` (U+2212) is a minus as ``-`` is).

The expected answers are computed from the graph's stored data and local derivatives (the
backward recurrence run on the side), so the exercise never calls ``backward()`` and never
changes a ``.grad``.

The package keeps apart what a sheet is, how it is made, drawn and marked:

* `sheet` -- `Blank`, `Marking`, `Sheet`, `Exercise`, and the sheet's JSON file (`load_sheet`);
* `build` -- `exercise`: the blanks chosen by the no-giveaway rule, the key worked by hand;
* `drawing` -- `write_pdf`: the printable pages;
* `marking` -- `parse_answers`, `load_answers` and `check`: a student's answers read and
  marked, as a `Report`.
"""

from __future__ import annotations

from .build import exercise
from .drawing import PAPER, PrintedSheet, write_key_pdf, write_pdf
from .marking import (
    MAX_ANSWER_CHARS,
    Marked,
    Report,
    check,
    load_answers,
    parse_answers,
    read_number,
)
from .sheet import (
    DECIMALS,
    HIDE,
    MARKINGS,
    NO_GIVEAWAY_RULE,
    SHEET_FORMAT,
    Blank,
    Exercise,
    Marking,
    Sheet,
    load_sheet,
    number_text,
)

__all__ = [
    "Blank",
    "Exercise",
    "Marking",
    "Marked",
    "Report",
    "Sheet",
    "exercise",
    "check",
    "load_sheet",
    "parse_answers",
    "load_answers",
    "MAX_ANSWER_CHARS",
    "HIDE",
    "MARKINGS",
    "NO_GIVEAWAY_RULE",
    "SHEET_FORMAT",
    "PrintedSheet",
    "write_pdf",
    "write_key_pdf",
    "PAPER",
    "DECIMALS",
    "number_text",
    "read_number",
]
