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
the printable sheet: the picture, every blank with room to write, and the key on its own page.

The expected answers are computed from the graph's stored data and local derivatives (the
backward recurrence run on the side), so the exercise never calls ``backward()`` and never
changes a ``.grad``.
"""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import write_atomic
from ..engine import CONST, Value, role, topological_order
from ..engine.paths import gradients
from ..viz import GradGraph, draw_graph
from ..viz import format_number as _fmt
from ..viz.naming import NodeNames, local_rule, wrap

if TYPE_CHECKING:
    from ..viz.layout import Layout
    from ..viz.paint import Look

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
    "HIDE",
    "MARKINGS",
    "NO_GIVEAWAY_RULE",
    "SHEET_FORMAT",
    "PrintedSheet",
    "write_pdf",
    "PAPER",
]

HIDE = ("grad", "data", "local")
MARKINGS = ("tolerance", "sigfigs")
SHEET_FORMAT = "autograd_mlp.worksheet"
SHEET_VERSION = 1
MAX_SHEET_BYTES = 2_000_000
NO_GIVEAWAY_RULE = (
    "No answer can be copied from this sheet: wherever a blank's answer equals a number "
    "printed here, that number is hidden too or the blank was replaced by another."
)
_QUOTE = 40


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _QUOTE else text[: _QUOTE - 1] + "…"


@dataclass(frozen=True)
class Blank:
    """One numbered blank: what is hidden, where, and its answer."""

    number: int
    kind: str  # "grad", "data" or "local"
    node: Value | None  # the Value whose grad/data is hidden (the edge's output for "local")
    slot: int | None  # for "local": which input of ``node`` the edge comes from
    name: str  # readable name of the node (or of the edge, "∂out/∂in")
    answer: float  # the key: worked out from the numbers as printed
    hint: str  # the rule with numbers: how the answer is obtained
    exact: float = math.nan  # the unrounded value (nan when unknown)


@dataclass(frozen=True)
class Marking:
    """How answers are marked, and the sentence that says so on the sheet."""

    mode: str = "tolerance"  # "tolerance" or "sigfigs"
    tol: float = 1e-4  # tolerance: |given − answer| ≤ tol (answer: the key or the exact value)
    sigfigs: int = 3  # sigfigs: agreement to this many significant figures

    def __post_init__(self) -> None:
        if self.mode not in MARKINGS:
            raise ValueError(
                f"marking must be one of {', '.join(map(repr, MARKINGS))}, got {_quote(self.mode)}"
            )
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < math.inf:
            raise ValueError(f"tol must be a non-negative number, got {_quote(tol)}")
        figs = self.sigfigs
        if isinstance(figs, bool) or not isinstance(figs, int) or not 1 <= figs <= 15:
            raise ValueError(f"sigfigs must be an int from 1 to 15, got {_quote(figs)}")

    def describe(self) -> str:
        if self.mode == "sigfigs":
            return (
                f"An answer is marked right when it agrees with the key to {self.sigfigs} "
                "significant figures."
            )
        return f"An answer is marked right when it is within ±{self.tol:g} of the key."

    def accepts(self, given: float, answer: float, exact: float) -> bool:
        targets = [t for t in (answer, exact) if not math.isnan(t)]
        if math.isnan(given):
            return math.isnan(answer)
        if self.mode == "sigfigs":
            return any(_sig(given, self.sigfigs) == _sig(t, self.sigfigs) for t in targets)
        # a hair of slack: 1.0019 − 1.0020 is 1.00000000000001e-4 in binary
        return any(abs(given - t) <= self.tol * (1 + 1e-9) + 1e-15 for t in targets)


def _sig(x: float, figs: int) -> str:
    return f"{x:.{figs - 1}e}" if x != 0 else "0"


@dataclass
class Sheet:
    """What a worksheet needs for marking, without its graph: saved beside the PDF as JSON."""

    hide: str
    precision: int
    marking: Marking
    blanks: list[Blank]
    instructions: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": SHEET_FORMAT,
            "version": SHEET_VERSION,
            "title": self.title,
            "hide": self.hide,
            "precision": self.precision,
            "instructions": self.instructions,
            "rule": NO_GIVEAWAY_RULE,
            "marking": {
                "mode": self.marking.mode,
                "tol": self.marking.tol,
                "sigfigs": self.marking.sigfigs,
                "statement": self.marking.describe(),
            },
            "blanks": [
                {
                    "number": b.number,
                    "kind": b.kind,
                    "name": b.name,
                    "answer": b.answer,
                    "exact": None if math.isnan(b.exact) else b.exact,
                    "working": b.hint,
                }
                for b in self.blanks
            ],
        }

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the sheet as JSON (atomically: a failed write leaves the old file)."""
        target = Path(path)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        write_atomic(target, text.encode("utf-8"))
        return target


@dataclass
class Exercise:
    """A worksheet: the graph with blanks, the blanks in order, and the answer key."""

    root: Value
    hide: str
    graph: GradGraph
    blanks: list[Blank]
    precision: int
    marking: Marking = field(default_factory=Marking)
    instructions: str = ""
    title: str = ""
    # draws the sheet's picture again, e.g. top to bottom for a portrait page:
    # redraw(rankdir, title) -> GradGraph
    redraw: Callable[[str, str | None], GradGraph] | None = None
    # what the sheet prints in each box and on each arrow, for a renderer of one's own (the
    # lesson's shared layout): node_text(value) -> {"grad": "?3"} | None and
    # edge_text(input, output, k) -> "?2" | None, the hooks `draw_graph` is given
    node_text: Callable[[Value], dict[str, str] | None] | None = None
    edge_text: Callable[[Value, Value, int], str | None] | None = None

    @property
    def sheet(self) -> Sheet:
        return Sheet(
            self.hide, self.precision, self.marking, self.blanks, self.instructions, self.title
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the machine-readable sheet (blanks, key, working, marking) as JSON."""
        return self.sheet.save(path)

    def answer_key(self, format: str = "text") -> str:
        """The numbered answers, as plain text or as a markdown table."""
        return _answer_key(self.sheet, format)


def _answer_key(sheet: Sheet, format: str) -> str:
    if format not in ("text", "markdown"):
        raise ValueError(f"format must be 'text' or 'markdown', got {format!r}")
    what = {"grad": "gradients", "data": "values", "local": "local derivatives"}[sheet.hide]
    p = sheet.precision
    if format == "markdown":
        lines = [
            f"# Answer key: {what}",
            "",
            sheet.marking.describe(),
            "",
            "| blank | quantity | answer | how |",
            "| ---: | --- | ---: | --- |",
        ]
        for b in sheet.blanks:
            lines.append(
                f"| ?{b.number} | {_cell(b.name)} | {_fmt(b.answer, p)} | {_cell(b.hint)} |"
            )
        return "\n".join(lines) + "\n"
    lines = [f"Answer key: {what}", sheet.marking.describe(), ""]
    for b in sheet.blanks:
        lines.append(f"?{b.number}  {b.name} = {_fmt(b.answer, p)}")
        lines.append(f"     {b.hint}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Marked:
    """The mark for one blank."""

    blank: Blank
    given: float | None  # None: not answered
    correct: bool


@dataclass
class Report:
    """What `check` returns: one `Marked` per blank; ``str()`` is the feedback to print."""

    marks: list[Marked]
    precision: int
    marking: Marking = field(default_factory=Marking)

    @property
    def score(self) -> int:
        return sum(m.correct for m in self.marks)

    @property
    def all_correct(self) -> bool:
        return self.score == len(self.marks)

    def __str__(self) -> str:
        lines = [f"{self.score} of {len(self.marks)} correct ({self.marking.describe()})"]
        for m in self.marks:
            b = m.blank
            if m.correct:
                lines.append(f"?{b.number}  {b.name}: right")
            elif m.given is None:
                lines.append(
                    f"?{b.number}  {b.name}: no answer; expected {_fmt(b.answer, self.precision)}"
                )
                lines.append(f"     {b.hint}")
            else:
                lines.append(
                    f"?{b.number}  {b.name}: {_fmt(m.given, self.precision)} is wrong; "
                    f"expected {_fmt(b.answer, self.precision)}"
                )
                lines.append(f"     {b.hint}")
        return "\n".join(lines)


def _cell(s: str) -> str:
    return s.replace("|", "\\|")


# ------------------------------------------------------------------------------------------------
# Building a worksheet
# ------------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    node: Value
    slot: int | None
    name: str
    exact: float


def _apply(op: str, xs: list[float]) -> float | None:
    """``op`` applied to the numbers a student reads (None for an op we cannot redo by hand)."""
    try:
        if op == "+" and len(xs) == 2:
            return xs[0] + xs[1]
        if op == "-" and len(xs) == 2:
            return xs[0] - xs[1]
        if op == "*" and len(xs) == 2:
            return xs[0] * xs[1]
        if op == "/" and len(xs) == 2:
            return xs[0] / xs[1]
        if op == "neg" and len(xs) == 1:
            return -xs[0]
        if op.startswith("**") and len(op) > 2 and len(xs) == 1:
            return float(xs[0] ** float(op[2:]))
        if op == "exp" and len(xs) == 1:
            return math.exp(xs[0])
        if op == "log" and len(xs) == 1:
            return math.log(xs[0])
        if op == "tanh" and len(xs) == 1:
            return math.tanh(xs[0])
        if op == "sigmoid" and len(xs) == 1:
            return 1.0 / (1.0 + math.exp(-xs[0]))
        if op == "relu" and len(xs) == 1:
            return max(0.0, xs[0])
        if op == "Σwx+b" and len(xs) % 2 == 1:
            return math.fsum(xs[i] * xs[i + 1] for i in range(0, len(xs) - 1, 2)) + xs[-1]
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return None


def _local_by_hand(op: str, xs: list[float], out: float, slot: int) -> float | None:
    """The local derivative from the printed input values and output (None: not by hand)."""
    if op == "+":
        return 1.0
    if op == "-":
        return 1.0 if slot == 0 else -1.0
    if op == "*" and len(xs) == 2:
        return xs[1 - slot]
    if op == "neg":
        return -1.0
    if op == "tanh":
        return 1.0 - out * out
    if op == "sigmoid":
        return out * (1.0 - out)
    if op == "exp":
        return out
    if op.startswith("**") and len(op) > 2 and len(xs) == 1:
        k = float(op[2:])
        return float(k * xs[0] ** (k - 1.0))
    if op == "Σwx+b":
        if slot == len(xs) - 1:
            return 1.0
        return xs[slot + 1] if slot % 2 == 0 else xs[slot - 1]
    return None


def exercise(
    root: Value,
    hide: str = "grad",
    seed: int | None = None,
    *,
    count: int | None = None,
    precision: int = 4,
    rankdir: str = "LR",
    marking: str | Marking = "tolerance",
    tol: float | None = None,
    sigfigs: int = 3,
    title: str = "",
    draw: Callable[..., GradGraph] | None = None,
) -> Exercise:
    """Build a worksheet from the graph of ``root`` with the ``hide`` numbers blanked.

    ``count`` blanks that many, chosen at random with ``seed`` (the same seed gives the same
    worksheet); by default every eligible number is blanked. Either way the no-giveaway rule of
    the module docstring may hide more numbers or give some up. Blanks are numbered in the
    order they are solved: backward order for gradients, forward order otherwise.

    ``marking``: ``"tolerance"`` (within ``tol``, default one unit in the last printed
    decimal, of the key) or ``"sigfigs"`` (to ``sigfigs`` significant figures), or a `Marking`.
    ``draw`` replaces `draw_graph` for the picture (same keyword arguments).
    """
    if not isinstance(root, Value):
        raise TypeError(f"exercise expects a Value as root, got {type(root).__name__}: {root!r}")
    if hide not in HIDE:
        raise ValueError(f"hide must be one of {', '.join(map(repr, HIDE))}, got {hide!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}: {seed!r}")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"count must be a positive int or None, got {count!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 12:
        raise ValueError(f"precision must be an int from 1 to 12, got {precision!r}")
    if isinstance(marking, Marking):
        rule = marking
    else:
        rule = Marking(str(marking), 10.0**-precision if tol is None else tol, sigfigs)

    order = topological_order(root)
    names = NodeNames(root)
    grads = gradients(order)
    users: dict[Value, list[tuple[Value, int]]] = {v: [] for v in order}
    for v in order:
        for k, child in enumerate(v._prev):
            users[child].append((v, k))

    def num(x: float) -> str:
        return _fmt(x, precision)

    def shown(x: float) -> float:  # a number as the student reads it off the sheet
        return float(num(x).replace("−", "-"))

    def is_const(v: Value) -> bool:
        return role(v) == CONST and not v._prev

    # Candidates, in solving order.
    candidates: list[_Candidate] = []
    if hide == "grad":
        for v in reversed(order):
            if v is root or is_const(v):
                continue
            candidates.append(_Candidate(v, None, f"grad of {names(v).text}", grads[v]))
    elif hide == "data":
        for v in order:
            if v._prev:
                candidates.append(_Candidate(v, None, f"data of {names(v).text}", v.data))
    else:
        for v in order:
            for k, (u, local) in enumerate(zip(v._prev, v._local)):
                name = f"∂{wrap(names(v)).text}/∂{wrap(names(u)).text}"
                candidates.append(_Candidate(v, k, name, local))
    if not candidates:
        raise ValueError(
            f"exercise: the graph of {names(root).text!r} has nothing to hide for hide={hide!r} "
            "(it has no operations); build an expression with at least one operation"
        )
    index = {(c.node, c.slot): i for i, c in enumerate(candidates)}

    def key_values(chosen: set[int]) -> tuple[dict[int, float], dict[int, str]]:
        """Every blank's answer and working, from the printed numbers and earlier answers."""
        answers: dict[int, float] = {}
        hints: dict[int, str] = {}

        def grad_read(v: Value) -> float:  # ∂root/∂v as the student has it
            if v is root:
                return 1.0
            i = index.get((v, None))
            return answers[i] if i is not None and i in answers else shown(grads[v])

        def data_read(v: Value) -> float:
            i = index.get((v, None))
            return answers[i] if hide == "data" and i in answers else shown(v.data)

        for i, c in enumerate(candidates):  # solving order: what a blank needs comes first
            if i not in chosen:
                continue
            v = c.node
            if hide == "grad":
                uses = users[v]
                pairs = [(shown(out._local[k]), grad_read(out)) for out, k in uses]
                by_hand = math.fsum(a * b for a, b in pairs)
                terms = " + ".join(
                    f"{_factor(a, precision)} × {_factor(b, precision)}" for a, b in pairs
                )
                answers[i] = shown(by_hand)
                hints[i] = (
                    f"grad of {names(v).text} = Σ over its uses of local × grad of the output = "
                    f"{terms} = {num(answers[i])}"
                )
            elif hide == "data":
                xs = [data_read(u) for u in v._prev]
                again = _apply(v._op, xs)
                answers[i] = shown(c.exact if again is None else again)
                inputs = ", ".join(f"{names(u).text} = {num(x)}" for u, x in zip(v._prev, xs))
                hints[i] = f"data of {names(v).text}: apply {v._op} to {inputs} → {num(answers[i])}"
            else:
                xs = [shown(u.data) for u in v._prev]
                again = _local_by_hand(v._op, xs, shown(v.data), c.slot or 0)
                answers[i] = shown(c.exact if again is None else again)
                rule_text = local_rule(names, v, c.slot or 0).text
                hints[i] = f"{c.name} = {rule_text} = {num(answers[i])}"
            if num(answers[i]) != num(c.exact):
                hints[i] += f" (from the printed numbers; unrounded {num(c.exact)})"
        return answers, hints

    def printed(chosen: set[int]) -> dict[str, list[int | None]]:
        """Every number the sheet prints, by its text, with the candidate it belongs to (None:
        a number that cannot be hidden on this sheet)."""
        out: dict[str, list[int | None]] = {}

        def add(x: float, owner: int | None) -> None:
            out.setdefault(num(x), []).append(owner)

        hidden_data = hide == "data"
        for v in order:
            i = index.get((v, None))
            if hidden_data:
                if i is None:
                    add(v.data, None)
                elif i not in chosen:
                    add(v.data, i)
            elif hide == "grad":
                add(v.data, None)
                if v is root:
                    add(1.0, None)
                elif i is not None and i not in chosen:
                    add(grads[v], i)
                for local in v._local:
                    add(local, None)
            else:  # local: the values are context, only local derivatives count
                for k, local in enumerate(v._local):
                    j = index[(v, k)]
                    if j not in chosen:
                        add(local, j)
        return out

    chosen, _ = _choose(candidates, count, seed, num, key_values, printed)
    answers, hints = key_values(chosen)
    blanks = [
        Blank(
            number=n,
            kind=hide,
            node=candidates[c].node,
            slot=candidates[c].slot,
            name=candidates[c].name,
            answer=answers[c],
            hint=hints[c],
            exact=candidates[c].exact,
        )
        for n, c in enumerate(sorted(chosen), 1)
    ]
    node_blank = {b.node: b.number for b in blanks if b.slot is None}
    edge_blank = {(b.node, b.slot): b.number for b in blanks if b.slot is not None}

    def node_text(v: Value) -> dict[str, str] | None:
        n = node_blank.get(v)
        if v is root and hide == "grad":
            return {"grad": num(1.0)}  # the seed ∂root/∂root = 1, whether or not backward ran
        if n is not None:
            return {hide: f"?{n}"}
        if hide == "grad":
            if is_const(v):
                return {"grad": "–"}  # a constant's gradient is not asked (nor a clue)
            # A given gradient is printed from the recurrence, not from .grad: before
            # backward() .grad is 0, and after two backward() calls it is doubled.
            return {"grad": num(grads[v])}
        return None

    def edge_text(inp: Value, out: Value, k: int) -> str | None:
        n = edge_blank.get((out, k))
        return None if n is None else f"?{n}"

    instructions = _instructions(hide, len(blanks))

    def redraw(direction: str, caption: str | None) -> GradGraph:
        return (draw or draw_graph)(
            root,
            rankdir=direction,  # type: ignore[arg-type]
            precision=precision,
            show_grad=hide == "grad",
            show_local=hide != "data",
            node_text=node_text,
            edge_text=edge_text,
            title=caption,
            legend=False,
        )

    graph = redraw(rankdir, instructions)
    return Exercise(
        root,
        hide,
        graph,
        blanks,
        precision,
        rule,
        instructions,
        title,
        redraw,
        node_text,
        edge_text,
    )


def _choose(
    candidates: list[_Candidate],
    count: int | None,
    seed: int | None,
    num: Callable[[float], str],
    key_values: Callable[[set[int]], tuple[dict[int, float], dict[int, str]]],
    printed: Callable[[set[int]], dict[str, list[int | None]]],
) -> tuple[set[int], set[int]]:
    """The blanks, by the no-giveaway rule of the module docstring (a fixed point: every step
    gives one blank up for good or hides more, so it ends)."""
    n = len(candidates)
    if count is None or count >= n:
        queue = list(range(n))
        take = n
    else:
        queue = random.Random(seed).sample(range(n), n)
        take = count
    chosen = set(queue[:take])
    pool = queue[take:]
    rejected: set[int] = set()
    while True:
        answers, _ = key_values(chosen)
        shown = printed(chosen)
        for c in sorted(chosen):
            texts = {num(answers[c]), num(candidates[c].exact)}
            owners = [o for t in texts for o in shown.get(t, [])]
            if not owners:
                continue
            if any(o is None or o in rejected for o in owners):
                chosen.discard(c)  # equal to a number that must stay printed: give it up
                rejected.add(c)
                while pool:
                    nxt = pool.pop(0)
                    if nxt not in rejected:
                        chosen.add(nxt)
                        break
            else:
                chosen.update(o for o in owners if o is not None)  # hide those too
            break
        else:
            if not chosen:
                raise ValueError(
                    "exercise: every number that could be blanked equals a number the sheet "
                    "must print, so no blank is left that cannot be read off; choose another "
                    "expression, other values or another hide="
                )
            return chosen, rejected


def _factor(x: float, precision: int) -> str:
    s = _fmt(x, precision)
    return f"({s})" if s.startswith("−") else s


def _instructions(hide: str, n: int) -> str:
    """The worksheet's caption: what to fill in and the rule that gives each number."""
    blanks = "?1" if n == 1 else f"the {n} blanks ?1 … ?{n}"
    rule = {
        "grad": "the grad of a box = Σ over its arrows of (number on the arrow) × "
        "(grad of the result it feeds)",
        "data": "the value of each box, from its inputs and the operation",
        "local": "the local derivative ∂out/∂in on each arrow",
    }[hide]
    return f"Fill in {blanks} in order: {rule}"


# ------------------------------------------------------------------------------------------------
# Marking
# ------------------------------------------------------------------------------------------------


def check(
    ex: Exercise | Sheet,
    answers: Mapping[int, float]
    | Mapping[str, float]
    | Mapping[int | str, float]
    | Sequence[float | None],
    tol: float | None = None,
) -> Report:
    """Mark ``answers`` (a list in blank order, or a mapping ``{1: 0.5, "?2": -3}``).

    The sheet's `Marking` decides (tolerance or significant figures, as the sheet states);
    ``tol`` overrides the tolerance.
    """
    if not isinstance(ex, (Exercise, Sheet)):
        raise TypeError(f"check expects an Exercise or a Sheet, got {type(ex).__name__}")
    rule = ex.marking
    if tol is not None:
        rule = Marking("tolerance", tol, rule.sigfigs)
    given: dict[int, float | None] = {}
    if isinstance(answers, Mapping):
        for key, value in answers.items():
            number = _blank_number(key, len(ex.blanks))
            given[number] = _answer_value(value, number)
    elif isinstance(answers, Sequence) and not isinstance(answers, (str, bytes)):
        if len(answers) > len(ex.blanks):
            raise ValueError(
                f"check: {len(answers)} answers for {len(ex.blanks)} blanks; "
                "give at most one answer per blank"
            )
        for i, item in enumerate(answers):
            given[i + 1] = None if item is None else _answer_value(item, i + 1)
    else:
        raise TypeError(
            "answers must be a list in blank order or a mapping {blank number: value}, "
            f"got {type(answers).__name__}"
        )
    marks = []
    for b in ex.blanks:
        g = given.get(b.number)
        marks.append(Marked(b, g, g is not None and rule.accepts(g, b.answer, b.exact)))
    return Report(marks, ex.precision, rule)


def _blank_number(key: object, n: int) -> int:
    text = str(key).strip().lstrip("?")
    if isinstance(key, bool) or not text.isdigit() or not 1 <= int(text) <= n:
        raise ValueError(f"check: {_quote(key)} is not a blank number (expected 1 to {n}, or '?1')")
    return int(text)


def _answer_value(value: object, number: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"check: the answer to ?{number} must be a number, got {type(value).__name__}: "
            f"{_quote(value)}"
        )
    return float(value)


def parse_answers(text: str) -> dict[int, float]:
    """A student's answers from text: one ``?N = VALUE`` per line (``N = VALUE`` and ``?N:
    VALUE`` too; ``#`` starts a comment; blank lines are ignored; − may be typed as -), or a
    JSON object ``{"1": 0.5, "?2": -3}`` or list ``[0.5, -3]``.

    Raises ValueError naming the line that is not an answer, or a blank given twice.
    """
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError(f"answers: not valid JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(data, list):
            data = {str(i + 1): v for i, v in enumerate(data) if v is not None}
        if not isinstance(data, dict):
            raise ValueError("answers: a JSON answers file is an object or a list")
        out: dict[int, float] = {}
        for key, value in data.items():
            number = _number_of(str(key), f"key {_quote(key)}")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"answers: ?{number} must be a number, got {_quote(value)}")
            out[number] = float(value)
        return out
    out = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        sep = "=" if "=" in line else ":" if ":" in line else None
        if sep is None:
            raise ValueError(
                f"answers line {lineno}: expected '?N = VALUE' (e.g. ?1 = 0.25), got {_quote(line)}"
            )
        left, right = (part.strip() for part in line.split(sep, 1))
        number = _number_of(left, f"line {lineno}")
        try:
            value = float(right.replace("−", "-").replace(" ", ""))
        except ValueError:
            raise ValueError(
                f"answers line {lineno}: ?{number}: {_quote(right)} is not a number"
            ) from None
        if number in out:
            raise ValueError(f"answers line {lineno}: ?{number} is answered twice")
        out[number] = value
    return out


def _number_of(text: str, where: str) -> int:
    digits = text.strip().lstrip("?").strip()
    if not digits.isdigit():
        raise ValueError(f"answers {where}: {_quote(text)} is not a blank such as ?1")
    return int(digits)


def load_sheet(path: str | os.PathLike[str]) -> Sheet:
    """Read a sheet saved by `Exercise.save`. Every problem is one ValueError line naming the
    file and the field; nothing else is read or changed."""
    source = Path(path)
    name = _quote(str(source))
    try:
        if source.stat().st_size > MAX_SHEET_BYTES:
            raise ValueError(f"sheet {name}: too large for a worksheet")
        data = json.loads(source.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise type(exc)(f"cannot read sheet {name}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValueError(f"sheet {name}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"sheet {name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        return _sheet_from_dict(data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"sheet {name}: {exc}") from None


def _sheet_from_dict(data: object) -> Sheet:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    if data.get("format") != SHEET_FORMAT:
        raise ValueError(f"format: expected {SHEET_FORMAT!r}, got {_quote(data.get('format'))}")
    if data.get("version") != SHEET_VERSION:
        raise ValueError(f"version: expected {SHEET_VERSION}, got {_quote(data.get('version'))}")
    hide = data.get("hide")
    if hide not in HIDE:
        raise ValueError(f"hide: expected one of {', '.join(HIDE)}, got {_quote(hide)}")
    precision = data.get("precision")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 12:
        raise ValueError(f"precision: expected an int from 1 to 12, got {_quote(precision)}")
    m = data.get("marking")
    if not isinstance(m, dict):
        raise ValueError(f"marking: expected an object, got {_quote(m)}")
    try:
        marking = Marking(m.get("mode", "tolerance"), m.get("tol", 1e-4), m.get("sigfigs", 3))
    except ValueError as exc:
        raise ValueError(f"marking: {exc}") from None
    raw = data.get("blanks")
    if not isinstance(raw, list) or not raw:
        raise ValueError("blanks: expected a non-empty list")
    blanks = []
    for i, item in enumerate(raw):
        where = f"blanks[{i}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object")
        if item.get("number") != i + 1:
            raise ValueError(f"{where}.number: expected {i + 1}, got {_quote(item.get('number'))}")
        values = {}
        for key in ("answer", "exact"):
            v = item.get(key)
            if key == "exact" and v is None:
                values[key] = math.nan
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"{where}.{key}: expected a number, got {_quote(v)}")
            values[key] = float(v)
        name, hint = item.get("name"), item.get("working")
        if not isinstance(name, str) or not isinstance(hint, str):
            raise ValueError(f"{where}: name and working must be text")
        blanks.append(Blank(i + 1, hide, None, None, name, values["answer"], hint, values["exact"]))
    title = data.get("title", "")
    instructions = data.get("instructions", "")
    return Sheet(
        hide,
        precision,
        marking,
        blanks,
        instructions if isinstance(instructions, str) else "",
        title if isinstance(title, str) else "",
    )


# ------------------------------------------------------------------------------------------------
# The printable sheet
# ------------------------------------------------------------------------------------------------

PAPER = {"a4": (8.27, 11.69), "letter": (8.5, 11.0)}  # inches, portrait
TEXT_PT = 12.0  # the sheet's body text; the working in the key is KEY_PT
KEY_PT = 11.0
TITLE_PT = 18.0
MIN_PT = 10.0  # nothing on the page is smaller than this when printed at 100 %
WRITE_ROW_MM = 13.0  # height of a blank's row: room for a handwritten number
PICTURE_DPI = 200
_GRAPH_FONT_PT = 10.0  # the smallest font in draw_graph's drawing (edge labels)


@dataclass(frozen=True)
class PrintedSheet:
    """What `write_pdf` wrote: the file, its pages, and the size the picture's smallest text
    prints at (a picture scaled down to fit the page prints smaller than it was drawn)."""

    path: Path
    pages: int
    size: str
    picture_text_pt: float


def _wrap(text: str, pt: float, width_in: float) -> list[str]:
    import textwrap

    # DejaVu Sans averages about 0.55 em a character: wrap to what fits the width
    chars = max(20, int(width_in * 72 / (pt * 0.52)))
    return textwrap.wrap(text, chars) or [""]


def _pictures(ex: Exercise, dpi: float) -> list[bytes]:
    """The graph drawn left to right and top to bottom, without the caption (the page prints
    it as text)."""
    from ..viz import render_bytes

    graphs = [ex.graph] if ex.redraw is None else [ex.redraw(d, None) for d in ("LR", "TB")]
    out = []
    for graph in graphs:
        graph.graph_attr["dpi"] = str(dpi)
        out.append(render_bytes(graph, "png", quiet=True))
    return out


BESIDE_IN = 3.2  # width of the column of blanks when they go beside the picture


def _arrange(
    sizes: list[tuple[float, float]], text_w: float, room: float, blanks: int, row: float
) -> tuple[int, str, float]:
    """(picture, arrangement, scale) printing the picture largest: "below" (every blank under
    it on the same page), "beside" (the blanks in a column to its right) or "after" (two blanks
    under it, the rest on the next page). Ties go to the arrangement first in that list, and
    "after" must print the picture 10 % larger to win: the blanks belong beside the picture."""
    best: tuple[float, int, int, str, float] | None = None
    for i, (w, h) in enumerate(sizes):
        options = [
            ("below", min(1.0, text_w / w, (room - blanks * row) / h)),
            (
                "beside",
                min(1.0, (text_w - BESIDE_IN) / w, room / h) if blanks * row <= room else 0.0,
            ),
            ("after", min(1.0, text_w / w, (room - 2 * row) / h)),
        ]
        for rank, (how, scale) in enumerate(options):
            worth = scale / 1.1 if how == "after" else scale
            key = (round(worth, 3), -rank, -i, how, scale)
            if best is None or key[:4] > best[:4]:
                best = key
    assert best is not None
    return -best[2], best[3], best[4]


def _too_small(images: list[Any], text_w: float, paper_h: float, row: float, ex: Exercise) -> bool:
    """True when the best page-1 arrangement prints the Graphviz picture below `MIN_PT`."""
    sizes = [(im.shape[1] / PICTURE_DPI, im.shape[0] / PICTURE_DPI) for im in images]
    room = paper_h - 2 * 0.6 - 2.6  # below the header
    _, _, scale = _arrange(sizes, text_w, room, len(ex.blanks), row)
    return _GRAPH_FONT_PT * scale < MIN_PT


def _layout_look(ex: Exercise, layout: Layout) -> Look:
    """What the sheet prints, on the shared layout: the blanks, the given numbers, and for a
    value or local-derivative sheet no gradients (and on a value sheet no arrow numbers)."""
    from ..viz.paint import default_look

    look = default_look(layout)
    missing = [v for v in topological_order(ex.root) if v not in layout.ids]
    if missing:
        raise ValueError(
            "write_pdf: the layout is not of this sheet's graph (lay the sheet's root out, or "
            "build the sheet on the layout's graph: exercise(lesson_layout(...).error))"
        )
    for v, nid in layout.ids.items():
        texts = look.text.setdefault(nid, {})
        over = (ex.node_text(v) if ex.node_text is not None else None) or {}
        if ex.hide == "grad":
            texts["grad"] = f"grad {over.get('grad', '')}"
        else:
            texts["grad"] = ""
            if "data" in over:
                texts["data"] = f"data {over['data']}"
        if v._prev:
            i = nid[1:]
            for k, u in enumerate(v._prev):
                eid = f"e{i}_{k}"
                if ex.hide == "data":
                    look.edge_text[eid] = ""
                elif ex.edge_text is not None:
                    blank = ex.edge_text(u, v, k)
                    if blank is not None:
                        look.edge_text[eid] = blank
    return look


def _layout_pages(
    ex: Exercise, size: str, layout: Layout | None, title: str
) -> tuple[list[Any], float]:
    """The sheet's picture on the shared layout, as landscape pages of ``size`` at the size's
    print scale (body text 10 pt), split into views rather than shrunk; and that text size."""
    from ..viz.layout import lay_out
    from ..viz.pages import bands, body_px, compose, size_named, tiles, title_lines, view_size

    if layout is None:
        reserve = {
            v: {"grad": ["grad ?999"], "data": ["data ?999"]} for v in topological_order(ex.root)
        }
        layout = lay_out(ex.root, precision=ex.precision, reserve=reserve)
    if ex.hide == "local":
        blanks = {f"e{layout.ids[b.node][1:]}_{b.slot}" for b in ex.blanks if b.node is not None}
        labelled = {e.id for e in layout.edges if e.label is not None}
        if not blanks <= labelled:
            raise ValueError(
                "write_pdf: the shared layout leaves some arrows of this local-derivative "
                "sheet without a number; draw it with Graphviz instead (layout=None)"
            )
    look = _layout_look(ex, layout)
    page = size_named(size)
    fixed = bands(page, 2, 0, title_lines(page, [title]))
    views = tiles(layout, *view_size(page, fixed))
    images = []
    for tile in views:
        sub = "write your answers on page 1"
        if len(views) > 1:
            sub = f"view {tile.index + 1} of {len(views)}   ·   {sub}"
        images.append(compose(layout, look, page, tile, header=[title, sub], fixed=fixed))
    return images, body_px(page) / page.dpi * 72


def write_pdf(
    ex: Exercise,
    path: str | os.PathLike[str],
    *,
    size: str = "a4",
    picture: bytes | None = None,
    picture_font_pt: float = _GRAPH_FONT_PT,
    picture_dpi: float = PICTURE_DPI,
    layout: Layout | None = None,
) -> PrintedSheet:
    """Write the printable worksheet: page 1 (and more if needed) the instructions, the rule,
    how answers are marked, the picture and every blank with room to write; then the answer key
    with its working on a page of its own. ``size``: ``"a4"`` or ``"letter"``.

    ``picture`` is a PNG of the graph drawn at ``picture_dpi`` whose smallest text is
    ``picture_font_pt`` at that drawing's natural size (default: ``ex.graph`` rendered by
    Graphviz). When that would print smaller than 10 pt (a big graph such as a lesson's), or
    when ``layout`` is given (the lesson's shared layout, `teach.layout.lesson_layout`), the
    picture is drawn on the shared layout instead, on landscape pages after the instructions
    and blanks, split into views so that its text prints at 10 pt. Written atomically; needs
    matplotlib (the ``plot`` extra).
    """
    if size not in PAPER:
        raise ValueError(f"size must be one of {', '.join(map(repr, PAPER))}, got {_quote(size)}")
    target = Path(path)
    if target.suffix.lower() != ".pdf":
        raise ValueError(f"write_pdf writes a .pdf file, got {_quote(str(path))}")
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    paper_w, paper_h = PAPER[size]
    margin = 0.6  # inches
    text_w = paper_w - 2 * margin
    row = WRITE_ROW_MM / 25.4
    what = {"grad": "gradients", "data": "values", "local": "local derivatives"}[ex.hide]
    title = ex.title or f"Worksheet: {what}"
    images = []
    if layout is None:
        images = [
            mpimg.imread(io.BytesIO(png), format="png")
            for png in ([picture] if picture is not None else _pictures(ex, picture_dpi))
        ]
    views: list[Any] = []
    view_pt = 0.0
    if layout is not None or (
        picture is None and ex.hide != "local" and _too_small(images, text_w, paper_h, row, ex)
    ):
        views, view_pt = _layout_pages(ex, size, layout, title)
    intro = (
        f"{ex.instructions}. Write each answer to {ex.precision} decimals, working from the "
        f"numbers as printed. {ex.marking.describe()} {NO_GIVEAWAY_RULE}"
    )
    figs: list[Figure] = []

    def page() -> tuple[Figure, float]:
        fig = Figure(figsize=(paper_w, paper_h))
        figs.append(fig)
        return fig, paper_h - margin  # the cursor, in inches from the bottom

    def line(fig: Figure, y: float, text: str, pt: float, **kw: Any) -> float:
        fig.text(margin / paper_w, y / paper_h, text, fontsize=pt, va="top", **kw)
        return y - pt * 1.45 / 72

    fig, y = page()
    y = line(fig, y, "Name: ______________________________     Date: ______________", TEXT_PT)
    y -= 0.1
    y = line(fig, y, title, TITLE_PT, weight="bold")
    for text in _wrap(intro, TEXT_PT, text_w):
        y = line(fig, y, text, TEXT_PT)
    y -= 0.15
    x_blanks, width = margin, text_w
    how = "after"
    if views:
        pages_word = "page" if len(views) == 1 else f"{len(views)} pages"
        y = line(fig, y, f"The picture is on the next {pages_word}.", TEXT_PT, weight="bold")
        y -= 0.1
        text_pt = view_pt
    else:
        # the picture as large as the page allows (never above its natural size), with the
        # blanks under it, beside it, or continued on the next page (`_arrange`)
        sizes = [(im.shape[1] / picture_dpi, im.shape[0] / picture_dpi) for im in images]
        which, how, scale = _arrange(sizes, text_w, y - margin, len(ex.blanks), row)
        image = images[which]
        pic_w, pic_h = sizes[which][0] * scale, sizes[which][1] * scale
        left = margin if how == "beside" else margin + (text_w - pic_w) / 2
        ax = fig.add_axes((left / paper_w, (y - pic_h) / paper_h, pic_w / paper_w, pic_h / paper_h))
        ax.imshow(image, interpolation="lanczos")
        ax.set_axis_off()
        if how == "beside":
            x_blanks, width = paper_w - margin - BESIDE_IN + 0.15, BESIDE_IN - 0.15
        else:
            y -= pic_h + 0.2
        text_pt = picture_font_pt * scale
    for b in ex.blanks:
        if y - row < margin:
            fig, y = page()
            x_blanks, width = margin, text_w
        label = f"?{b.number}   {b.name} ="
        fig.text(
            x_blanks / paper_w, (y - row * 0.6) / paper_h, label, fontsize=TEXT_PT, va="baseline"
        )
        # the line to write on, from after the name to the right edge: at least 1.3 in
        name_in = (len(label) + 1) * TEXT_PT * 0.55 / 72
        x0 = x_blanks + min(name_in, width - 1.3)
        if how == "beside" and name_in > width - 1.3:  # a long name: write on the line below
            y -= row * 0.55
            x0 = x_blanks + 0.3
        fig.add_artist(
            matplotlib.lines.Line2D(
                [x0 / paper_w, (x_blanks + width) / paper_w],
                [(y - row * 0.62) / paper_h] * 2,
                color="#777777",
                linewidth=0.8,
            )
        )
        y -= row

    for view in views:  # the picture's pages, landscape, each filled by one composed view
        width_px, height_px = view.size
        landscape = Figure(figsize=(width_px / 200, height_px / 200))
        axes = landscape.add_axes((0, 0, 1, 1))
        axes.imshow(view, interpolation="none")
        axes.set_axis_off()
        figs.append(landscape)

    fig, y = page()
    y = line(fig, y, f"Answer key: {what}", TITLE_PT, weight="bold")
    for text in _wrap(ex.marking.describe(), TEXT_PT, text_w):
        y = line(fig, y, text, TEXT_PT)
    y -= 0.1
    for b in ex.blanks:
        lines = _wrap(b.hint, KEY_PT, text_w - 0.3)
        need = (TEXT_PT + KEY_PT * len(lines)) * 1.45 / 72 + 0.08
        if y - need < margin:
            fig, y = page()
            y = line(fig, y, f"Answer key: {what} (continued)", TEXT_PT, weight="bold")
        y = line(
            fig,
            y,
            f"?{b.number}   {b.name} = {_fmt(b.answer, ex.precision)}",
            TEXT_PT,
            weight="bold",
        )
        for text in lines:
            fig.text((margin + 0.3) / paper_w, y / paper_h, text, fontsize=KEY_PT, va="top")
            y -= KEY_PT * 1.45 / 72
        y -= 0.08

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "autograd_mlp"}) as pdf:
        for f in figs:
            pdf.savefig(f)
    write_atomic(target, buffer.getvalue())
    return PrintedSheet(target, len(figs), size, text_pt)
