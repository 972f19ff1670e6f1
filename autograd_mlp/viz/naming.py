"""Readable names for the nodes of a graph, in plain text and in LaTeX.

A derivation on the board needs a name for every node on a path. Labelled Values use their
label (the nn scheme gives ``L1.N1.w1``, ``L1.N1.z``, ``L1.N1.a``, ``E``). Unlabelled
intermediates are named by the expression that made them, from their inputs' names --
``(1 − L2.N1.z)`` then ``(1 − L2.N1.z)²`` -- and, when that expression would be too long to read,
by their op and position in the topological order (``tanh#12``). Constants print as numbers.

Every name exists in two spellings, `Sym.text` (Unicode, for text and markdown) and `Sym.tex`
(for LaTeX math mode), built side by side so the two can never disagree.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from ..engine import CONST, Value, role, topological_order

__all__ = [
    "Sym",
    "NodeNames",
    "local_rule",
    "wrap",
    "tex_escape",
    "format_number",
    "minus",
    "round_half_away",
    "check_decimals",
]

MAX_NAME = 24  # longer expressions fall back to op#index: a name must fit in a table cell

_SUPERSCRIPTS = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


class Sym(NamedTuple):
    """One piece of mathematics in two spellings."""

    text: str
    tex: str


def tex_escape(s: str) -> str:
    """Escape the characters that mean something to LaTeX, for use inside ``\\mathrm{...}``."""
    out = []
    for ch in s:
        if ch in "#$%&_{}":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append(r"\backslash{}")
        elif ch == "^":
            out.append(r"\hat{}")
        elif ch == "~":
            out.append(r"\sim{}")
        else:
            out.append(ch)
    return "".join(out)


def format_number(x: float, precision: int) -> str:
    """Fixed decimals as on a board, with a true minus sign (−, as in the drawings); non-finite
    values spelt out; -0.0000 shown as 0.0000."""
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "−inf"
    s = f"{x:.{precision}f}"
    if s.startswith("-") and float(s) == 0.0:
        s = s[1:]
    return minus(s)


def round_half_away(x: float, decimals: int) -> float:
    """``x`` rounded to ``decimals`` places the way a person rounds on paper: half away from
    zero, applied to the number as printed (0.125 → 0.13, 2.675 → 2.68, −0.5 → −1 at 0).

    Python's ``round`` rounds half to even on the binary value (``round(2.675, 2)`` is 2.67),
    which a student checking the board by hand would call a mistake.
    """
    if not math.isfinite(x):
        return x
    step = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(x)).quantize(step, rounding=ROUND_HALF_UP))


def check_decimals(value: object, what: str, *, allow_none: bool = True) -> None:
    """Refuse a number of decimals that is not an int from 1 to 17 (0 decimals would print
    σ(0) for σ(0.2) and round every derivative of a sigmoid to 0)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 17:
        raise ValueError(
            f"{what} must be {'None or ' if allow_none else ''}a whole number of decimals from "
            f"1 to 17, got {value!r} (with fewer than 1 decimal every number of the lesson "
            "rounds to 0 or 1)"
        )


def minus(text: str) -> str:
    """A number's text with the typographic minus sign: "-0.5" → "−0.5"."""
    return text.replace("-", "−")


def _short(x: float) -> str:
    """A constant as a person writes it: 1 not 1.0, 0.5 as 0.5 (inf and nan as Python
    spells them: a constant such as 1e999 is inf, and int() refuses it)."""
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _enclosed(text: str) -> bool:
    """True if ``text`` is one parenthesised group: "(a + b)", but not "(a + b)·(c + d)"."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return ch == ")" and i == len(text) - 1
    return False


def _is_atom(text: str) -> bool:
    """True if a name needs no parentheses when used as an operand: a name (x, L1.N1.w2,
    tanh#4), a parenthesised group, or a function applied to one (tanh(x), σ(x·w + b))."""
    if all(ch.isalnum() or ch in "._#" for ch in text):
        return True
    i = text.find("(")
    return i >= 0 and all(ch.isalnum() or ch in "._" for ch in text[:i]) and _enclosed(text[i:])


def wrap(s: Sym) -> Sym:
    """Parenthesise a name that is an expression, so it can be an operand or a denominator."""
    if _is_atom(s.text):
        return s
    return Sym(f"({s.text})", rf"\left({s.tex}\right)")


class NodeNames:
    """Names for every node of one graph; build once per root, then look nodes up."""

    def __init__(self, root: Value) -> None:
        self.order = topological_order(root)
        self.index = {v: i for i, v in enumerate(self.order)}
        self._names: dict[Value, Sym] = {}
        for v in self.order:
            self._names[v] = self._make(v)

    def __call__(self, v: Value) -> Sym:
        return self._names[v]

    def _fallback(self, v: Value) -> Sym:
        op = v._op or role(v) or "leaf"
        i = self.index[v]
        return Sym(f"{op}#{i}", rf"\mathrm{{{tex_escape(op)}\#{i}}}")

    def _make(self, v: Value) -> Sym:
        if v.label:
            return Sym(v.label, rf"\mathrm{{{tex_escape(v.label)}}}")
        if not v._prev:
            if role(v) == CONST:
                return Sym(_short(v.data), _short(v.data))
            return self._fallback(v)
        s = self._expression(v)
        if s is None or len(s.text) > MAX_NAME:
            return self._fallback(v)
        return s

    def _expression(self, v: Value) -> Sym | None:
        args = [self._names[u] for u in v._prev]
        op = v._op
        if op in ("+", "-") and len(args) == 2:
            a, b = args
            sign = "−" if op == "-" else "+"
            return Sym(f"({a.text} {sign} {b.text})", rf"\left({a.tex} {op} {b.tex}\right)")
        if op == "*" and len(args) == 2:
            a, b = (wrap(x) for x in args)
            return Sym(f"{a.text}·{b.text}", rf"{a.tex} \cdot {b.tex}")
        if op == "/" and len(args) == 2:
            a, b = (wrap(x) for x in args)
            return Sym(f"{a.text}/{b.text}", rf"\frac{{{args[0].tex}}}{{{args[1].tex}}}")
        if op == "neg":
            a = wrap(args[0])
            return Sym(f"−{a.text}", rf"-{a.tex}")
        if op.startswith("**") and len(args) == 1:
            a = wrap(args[0])
            k = op[2:]
            return Sym(f"{a.text}{k.translate(_SUPERSCRIPTS)}", rf"{a.tex}^{{{k}}}")
        if op == "**" and len(args) == 2:
            a = wrap(args[0])
            return Sym(f"{a.text}^{args[1].text}", rf"{a.tex}^{{{args[1].tex}}}")
        functions = {
            "exp": r"\exp",
            "log": r"\ln",
            "tanh": r"\tanh",
            "sigmoid": r"\sigma",
            "relu": r"\operatorname{relu}",
        }
        if op in functions and len(args) == 1:
            name = {"log": "ln", "sigmoid": "σ"}.get(op, op)
            a = args[0]
            if _enclosed(a.text) and a.tex.startswith(r"\left(") and a.tex.endswith(r"\right)"):
                return Sym(f"{name}{a.text}", rf"{functions[op]}{a.tex}")  # tanh(a + b)
            return Sym(f"{name}({a.text})", rf"{functions[op]}\left({a.tex}\right)")
        if op != "Σwx+b" and op.isidentifier():  # an op of the user's own: softplus(x)
            inner = ", ".join(a.text for a in args)
            inner_tex = ", ".join(a.tex for a in args)
            return Sym(
                f"{op}({inner})", rf"\operatorname{{{tex_escape(op)}}}\left({inner_tex}\right)"
            )
        return None  # the weighted sum, and op names that are not words: op#index


def local_rule(names: NodeNames, out: Value, slot: int) -> Sym:
    """The formula of the local derivative ∂out/∂(input ``slot``), as a textbook writes it."""
    op = out._op
    prev = out._prev
    u = names(prev[slot])
    o = names(out)
    if op == "+":
        return Sym("1", "1")
    if op == "-":
        return Sym("1", "1") if slot == 0 else Sym("−1", "-1")
    if op == "*":
        return names(prev[1 - slot])
    if op == "/":
        a, b = names(prev[0]), names(prev[1])
        if slot == 0:
            return Sym(f"1/{wrap(b).text}", rf"\frac{{1}}{{{b.tex}}}")
        return Sym(f"−{wrap(a).text}/{wrap(b).text}²", rf"-\frac{{{a.tex}}}{{{wrap(b).tex}^{{2}}}}")
    if op == "neg":
        return Sym("−1", "-1")
    if op.startswith("**") and len(prev) == 1:
        k = float(op[2:])
        km1 = _short(k - 1.0)
        w = wrap(u)
        if k == 2.0:
            return Sym(f"2·{w.text}", rf"2 {w.tex}")
        return Sym(f"{op[2:]}·{w.text}^{km1}", rf"{op[2:]} \cdot {w.tex}^{{{km1}}}")
    if op == "**":
        a, b = wrap(names(prev[0])), wrap(names(prev[1]))
        if slot == 0:
            return Sym(
                f"{b.text}·{a.text}^({b.text} − 1)", rf"{b.tex} \cdot {a.tex}^{{{b.tex} - 1}}"
            )
        return Sym(f"{a.text}^{b.text}·ln {a.text}", rf"{a.tex}^{{{b.tex}}} \ln {a.tex}")
    if op == "exp":
        return Sym(f"exp({u.text})", rf"\exp\left({u.tex}\right)")
    if op == "log":
        return Sym(f"1/{wrap(u).text}", rf"\frac{{1}}{{{u.tex}}}")
    if op == "tanh":
        return Sym(f"1 − {wrap(o).text}²", rf"1 - {wrap(o).tex}^{{2}}")
    if op == "sigmoid":
        w = wrap(o)
        return Sym(f"{w.text}·(1 − {w.text})", rf"{w.tex} \left(1 - {w.tex}\right)")
    if op == "relu":
        return Sym(f"[{u.text} > 0]", rf"\left[{u.tex} > 0\right]")
    if op == "Σwx+b":
        if slot == len(prev) - 1:
            return Sym("1", "1")  # ∂z/∂b
        partner = slot + 1 if slot % 2 == 0 else slot - 1  # w_i ↔ x_i
        return names(prev[partner])
    # An op of the user's own (Value(..., _op="softplus")): f′(u) for one input, ∂f/∂u for more.
    f = tex_escape(op)
    if len(prev) == 1:
        return Sym(f"{op}′({u.text})", rf"\operatorname{{{f}}}'\left({u.tex}\right)")
    return Sym(
        f"∂{op}/∂{wrap(u).text}", rf"\frac{{\partial \operatorname{{{f}}}}}{{\partial {u.tex}}}"
    )
