"""How a worksheet is made: the blanks chosen by the no-giveaway rule, the key worked by hand.

`exercise(root, hide=...)` lists the numbers that could be blanked (gradients in backward
order, values or local derivatives in forward order), chooses them (all, or ``count`` at random
with ``seed``), and applies the no-giveaway rule until nothing changes (`_choose`). The key is
worked out from the numbers as the sheet prints them and the student's own earlier answers
(`_apply`, `_local_by_hand`), and the picture is drawn with the blanks in place.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ...engine import CONST, Value, role, topological_order
from ...engine.paths import gradients
from ...viz import GradGraph, draw_graph
from ...viz import format_number as _fmt
from ...viz.naming import NodeNames, local_rule, wrap
from ..explain import exact_sum
from .sheet import DECIMALS, HIDE, Blank, Exercise, Marking, number_text

__all__ = ["exercise"]


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
            return exact_sum(xs[i] * xs[i + 1] for i in range(0, len(xs) - 1, 2)) + xs[-1]
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
    decimal: str = ".",
    ask: Sequence[str] | None = None,
) -> Exercise:
    """Build a worksheet from the graph of ``root`` with the ``hide`` numbers blanked.

    ``count`` blanks that many, chosen at random with ``seed`` (the same seed gives the same
    worksheet); by default every eligible number is blanked. Either way the no-giveaway rule of
    the module docstring may hide more numbers or give some up. Blanks are numbered in the
    order they are solved: backward order for gradients, forward order otherwise.

    ``marking``: ``"tolerance"`` (within ``tol``, default one unit in the last printed
    decimal, of the key) or ``"sigfigs"`` (to ``sigfigs`` significant figures), or a `Marking`.
    ``draw`` replaces `draw_graph` for the picture (same keyword arguments). ``decimal``:
    the separator every number of the sheet and its key is written with, ``"."`` or ``","``
    (a lesson's ``notation.decimal``); answers are then read with it too. ``ask``: the
    names of the numbers to blank (``"grad of x1"``), instead of ``count`` chosen at random;
    the no-giveaway rule still applies, but gives nothing up for another (a class's sheets
    must all ask the same blanks: a sheet that had to change them is refused by its caller).
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
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be '.' or ',', got {decimal!r}")
    if isinstance(marking, Marking):
        rule = marking
    else:
        rule = Marking(str(marking), 10.0**-precision if tol is None else tol, sigfigs)

    order = topological_order(root)
    names = NodeNames(root)
    grads = gradients(order)
    _check_finite(order, grads, names)
    users: dict[Value, list[tuple[Value, int]]] = {v: [] for v in order}
    for v in order:
        for k, child in enumerate(v._prev):
            users[child].append((v, k))

    def num(x: float) -> str:
        return _fmt(x, precision)

    def say(x: float) -> str:  # a number as the sheet prints it, in its notation
        return number_text(x, precision, decimal)

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
                by_hand = exact_sum(a * b for a, b in pairs)
                terms = " + ".join(f"{_factor(say(a))} × {_factor(say(b))}" for a, b in pairs)
                answers[i] = shown(by_hand)
                hints[i] = (
                    f"grad of {names(v).text} = Σ over its uses of local × grad of the output = "
                    f"{terms} = {say(answers[i])}"
                )
            elif hide == "data":
                xs = [data_read(u) for u in v._prev]
                again = _apply(v._op, xs)
                answers[i] = shown(c.exact if again is None else again)
                sep = "; " if decimal == "," else ", "
                inputs = sep.join(f"{names(u).text} = {say(x)}" for u, x in zip(v._prev, xs))
                hints[i] = f"data of {names(v).text}: apply {v._op} to {inputs} → {say(answers[i])}"
            else:
                xs = [shown(u.data) for u in v._prev]
                again = _local_by_hand(v._op, xs, shown(v.data), c.slot or 0)
                answers[i] = shown(c.exact if again is None else again)
                rule_text = local_rule(names, v, c.slot or 0).text
                hints[i] = f"{c.name} = {rule_text} = {say(answers[i])}"
            if num(answers[i]) != num(c.exact):
                hints[i] += f" (from the printed numbers; unrounded {say(c.exact)})"
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

    order_of: list[int] | None = None
    if ask is not None:
        by_name = {c.name: i for i, c in enumerate(candidates)}
        unknown = [b for b in ask if b not in by_name]
        if unknown or not ask:
            raise ValueError(
                f"exercise: ask must name numbers this sheet can blank (e.g. "
                f"{candidates[0].name!r}), got {unknown[0] if unknown else 'none'!r}"
            )
        order_of = [by_name[b] for b in ask]
    chosen, _ = _choose(candidates, count, seed, num, key_values, printed, order_of)
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

    answer_of = {b.number: say(b.answer) for b in blanks}

    def node_text(v: Value, key: bool = False) -> dict[str, str] | None:
        n = node_blank.get(v)
        rows: dict[str, str] = {}
        if decimal != ".":
            rows["data"] = say(v.data)  # draw_graph writes a decimal point
        if v is root and hide == "grad":
            rows["grad"] = say(1.0)  # the seed ∂root/∂root = 1, whether or not backward ran
        elif n is not None:
            rows[hide] = f"?{n} = {answer_of[n]}" if key else f"?{n}"
        elif hide == "grad":
            if is_const(v):
                rows["grad"] = "–"  # a constant's gradient is not asked (nor a clue)
            else:
                # A given gradient is printed from the recurrence, not from .grad: before
                # backward() .grad is 0, and after two backward() calls it is doubled.
                rows["grad"] = say(grads[v])
        return rows or None

    def edge_text(inp: Value, out: Value, k: int, key: bool = False) -> str | None:
        n = edge_blank.get((out, k))
        if n is not None:
            return f"?{n} = {answer_of[n]}" if key else f"?{n}"
        if decimal != "." and hide != "data":
            return say(out._local[k])
        return None

    def key_node_text(v: Value) -> dict[str, str] | None:
        return node_text(v, True)

    def key_edge_text(inp: Value, out: Value, k: int) -> str | None:
        return edge_text(inp, out, k, True)

    instructions = _instructions(hide, len(blanks))

    def redraw(direction: str, caption: str | None, key: bool = False) -> GradGraph:
        return (draw or draw_graph)(
            root,
            rankdir=direction,  # type: ignore[arg-type]
            precision=precision,
            show_grad=hide == "grad",
            show_local=hide != "data",
            node_text=key_node_text if key else node_text,
            edge_text=key_edge_text if key else edge_text,
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
        decimal,
    )


def _check_finite(order: list[Value], grads: dict[Value, float], names: NodeNames) -> None:
    """Refuse a graph with a number that is not finite: a sheet's numbers are written down and
    worked by hand, and inf − inf or 0·inf has no answer a student could give."""
    for v in order:
        for what, x in (("data", v.data), ("grad", grads[v]), *(("local", d) for d in v._local)):
            if not math.isfinite(x):
                if what == "local":
                    where = f"the local derivative on an edge into {names(v).text}"
                elif role(v) == CONST and not v._prev:
                    where = "a constant"  # named by its value, which is the problem
                else:
                    where = f"the {what} of {names(v).text}"
                raise ValueError(
                    f"exercise: {where} is {x}, not a finite number; a worksheet's numbers are "
                    "worked by "
                    "hand, so every value, local derivative and gradient must be finite (use "
                    "smaller numbers)"
                )


def _choose(
    candidates: list[_Candidate],
    count: int | None,
    seed: int | None,
    num: Callable[[float], str],
    key_values: Callable[[set[int]], tuple[dict[int, float], dict[int, str]]],
    printed: Callable[[set[int]], dict[str, list[int | None]]],
    given: list[int] | None = None,
) -> tuple[set[int], set[int]]:
    """The blanks, by the no-giveaway rule of the module docstring (a fixed point: every step
    gives one blank up for good or hides more, so it ends)."""
    n = len(candidates)
    if given is not None:
        queue = list(given)
        take = len(queue)
    elif count is None or count >= n:
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


def _factor(s: str) -> str:
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
