"""A checker of hand rounding: redo every all-number step of a printed worked example.

It reads only the text (the output of ``autograd-mlp explain --round N``), never the engine's
floats, and reports every step a student redoing the page would find wrong:

* every ``expression = number`` (an expression written in numbers only: 0.6·0.45 + (−0.3)·0.71,
  σ(−0.20), (1 − 0.11)², 2/3.74) must print the expression's exact value rounded to N decimals,
  half away from zero, with N decimals;
* every ``a + b + … = p + q + …`` (the products of paths, then their sum) must print each
  term's value rounded;
* a symbolic step followed by the same step in numbers (∂E/∂y1·h1 = (−1.78)·0.45) must put in
  every name the number printed for that name elsewhere on the page (h1 = … = 0.45), and the
  numbers written on both sides must be the same;
* the tables: a cell in numbers followed by a number (δⱼ·xᵢ, layer by layer), the update
  W' = W − a·∂E/∂W from the row's W and ∂E/∂W and the a of the heading, each W as given in the
  table of the numbers, each ∂E/∂W and each "sum over paths" as derived above.

`check_hand_rounding(text, decimals)` returns the list of mismatches (empty: the page adds up)
and how many steps it checked, by section.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = ["check_hand_rounding", "Report", "parse", "evaluate", "round_half_away"]


def round_half_away(x: Fraction, decimals: int) -> Fraction:
    scale = 10**decimals
    n = math.floor(abs(x) * scale + Fraction(1, 2))
    return Fraction(n if x >= 0 else -n, scale)


# ------------------------------------------------------------------------------------------------
# Tokens and expressions
# ------------------------------------------------------------------------------------------------

_NAME = r"(?:δ|σ′|tanh′|relu′|f′)\([^()]*\)|[A-Za-z∂λ_][\w.∂/′ᵢⱼₖ'_]*"


def _token_re(decimal: str) -> re.Pattern[str]:
    sep = re.escape(decimal)
    number = rf"\d+(?:{sep}\d+)?(?:e[−+]\d+)?"
    return re.compile(
        rf"\s*(?:(?P<num>{number})|(?P<fn>σ|tanh|relu)(?=\()|(?P<name>{_NAME})"
        r"|(?P<op>[()·+−/²½])|(?P<other>\S))"
    )


@dataclass(frozen=True)
class Tok:
    kind: str  # num, fn, name, op, other
    text: str


def tokens(s: str, decimal: str = ".") -> list[Tok]:
    out: list[Tok] = []
    pattern = _token_re(decimal)
    pos = 0
    s = s.rstrip()
    while pos < len(s):
        m = pattern.match(s, pos)
        if m is None or m.end() == pos:
            break
        kind = m.lastgroup or "other"
        out.append(Tok(kind, m.group(kind)))
        pos = m.end()
    return out


# A parsed expression: ("num", Fraction, text) | ("name", text) | ("neg", e) | ("sq", e)
# | ("fn", name, e) | ("+", [e...]) | ("·", [e...]) | ("/", a, b) | ("paren", e)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, toks: list[Tok], decimal: str) -> None:
        self.toks, self.i, self.decimal = toks, 0, decimal

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str | None = None) -> Tok:
        tok = self.peek()
        if tok is None or (text is not None and tok.text != text):
            raise ValueError(f"expected {text!r}")
        self.i += 1
        return tok

    def expr(self) -> Node:
        terms = [self.term()]
        while (tok := self.peek()) is not None and tok.text in ("+", "−") and tok.kind == "op":
            self.i += 1
            t = self.term()
            terms.append(t if tok.text == "+" else ("neg", t))
        return terms[0] if len(terms) == 1 else ("+", terms)

    def term(self) -> Node:
        factors = [self.unary()]
        while (tok := self.peek()) is not None and tok.text in ("·", "/") and tok.kind == "op":
            self.i += 1
            f = self.unary()
            if tok.text == "/":
                left = factors.pop()
                factors.append(("/", left, f))
            else:
                factors.append(f)
        return factors[0] if len(factors) == 1 else ("·", factors)

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "−":
            self.i += 1
            return ("neg", self.unary())
        return self.power()

    def power(self) -> Node:
        a = self.atom()
        while (tok := self.peek()) is not None and tok.text == "²":
            self.i += 1
            a = ("sq", a)
        return a

    def atom(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return ("num", _number(tok.text, self.decimal), tok.text)
        if tok.kind == "name":
            return ("name", tok.text)
        if tok.text == "½":
            return ("num", Fraction(1, 2), "½")
        if tok.kind == "fn":
            self.take("(")
            inner = self.expr()
            self.take(")")
            return ("fn", tok.text, inner)
        if tok.text == "(":
            inner = self.expr()
            self.take(")")
            return ("paren", inner)
        raise ValueError(f"unexpected {tok.text!r}")


def _number(text: str, decimal: str) -> Fraction:
    mantissa, _, exponent = text.replace(decimal, ".").partition("e")
    value = Fraction(mantissa)
    if exponent:
        value *= Fraction(10) ** int(exponent.replace("−", "-"))
    return value


def parse(s: str, decimal: str = ".") -> Node | None:
    """The expression ``s`` (the whole of it), or None if it is not one."""
    toks = tokens(s, decimal)
    if not toks or any(t.kind == "other" for t in toks):
        return None
    p = _Parser(toks, decimal)
    try:
        node = p.expr()
    except ValueError:
        return None
    return node if p.i == len(toks) else None


def _has_name(n: Node) -> bool:
    if n[0] == "name":
        return True
    if n[0] == "num":
        return False
    return any(_has_name(c) for c in _children(n))


def _children(n: Node) -> list[Node]:
    kind = n[0]
    if kind in ("neg", "sq", "paren"):
        return [n[1]]
    if kind == "fn":
        return [n[2]]
    if kind in ("+", "·"):
        return list(n[1])
    if kind == "/":
        return [n[1], n[2]]
    return []


def evaluate(n: Node) -> Fraction:
    """The exact value of an expression in numbers only (σ and tanh in floating point)."""
    kind = n[0]
    if kind == "num":
        return n[1]  # type: ignore[no-any-return]
    if kind == "neg":
        return -evaluate(n[1])
    if kind == "sq":
        v = evaluate(n[1])
        return v * v
    if kind == "paren":
        return evaluate(n[1])
    if kind == "+":
        return sum((evaluate(c) for c in n[1]), Fraction(0))
    if kind == "·":
        out = Fraction(1)
        for c in n[1]:
            out *= evaluate(c)
        return out
    if kind == "/":
        return evaluate(n[1]) / evaluate(n[2])
    if kind == "fn":
        x = evaluate(n[2])
        if n[1] == "relu":
            return x if x > 0 else Fraction(0)
        xf = float(x)
        if n[1] == "tanh":
            return Fraction(math.tanh(xf))
        if xf >= 0:
            return Fraction(1.0 / (1.0 + math.exp(-xf)))
        return Fraction(math.exp(xf) / (1.0 + math.exp(xf)))
    raise ValueError(f"cannot evaluate {n!r}")


def _plain(n: Node) -> Fraction | None:
    """The value of a plain number as printed: 0.45, (−1.78), −1.78; None otherwise."""
    if n[0] == "paren":
        return _plain(n[1])
    if n[0] == "neg" and n[1][0] == "num":
        return -n[1][1]  # type: ignore[no-any-return]
    if n[0] == "num" and n[2] != "½":
        return n[1]  # type: ignore[no-any-return]
    return None


def _decimals(n: Node, decimal: str) -> int | None:
    while n[0] in ("paren", "neg"):
        n = n[1]
    text = n[2]
    if "e" in text:
        return None
    return len(text.split(decimal)[1]) if decimal in text else 0


def _terms(n: Node) -> list[Node]:
    while n[0] == "paren" and n[1][0] == "+":
        n = n[1]
    return list(n[1]) if n[0] == "+" else [n]


# ------------------------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------------------------


@dataclass
class Report:
    mismatches: list[str] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)  # steps checked, by section
    values: dict[str, Fraction] = field(default_factory=dict)  # name → printed number

    def __bool__(self) -> bool:  # a report is "true" when the page adds up
        return not self.mismatches


class _Checker:
    def __init__(self, decimals: int, decimal: str) -> None:
        self.decimals, self.decimal = decimals, decimal
        self.report = Report()
        self.section = "top"

    def fail(self, where: str, what: str) -> None:
        self.report.mismatches.append(f"[{self.section}] {where}: {what}")

    def show(self, v: Fraction) -> str:
        """``v`` with N decimals, or as many more as it needs (0.107 is not 0.11)."""
        places = self.decimals
        while (v * 10**places).denominator != 1 and places < 20:
            places += 1
        return f"{float(v):.{places}f}".replace(".", self.decimal).replace("-", "−")

    # -- names and their printed numbers ------------------------------------------------------

    def define(self, name: str, value: Fraction, where: str) -> None:
        old = self.report.values.get(name)
        if old is not None and old != value:
            self.fail(where, f"{name} is {self.show(value)} here, {self.show(old)} before")
        self.report.values.setdefault(name, value)

    def align(self, sym: Node, num: Node, where: str) -> None:
        """A symbolic step and the same step in numbers: each name gets its printed number."""
        if sym[0] == "name":
            value = _plain(num)
            if value is None:
                return
            known = self.report.values.get(sym[1])
            self.report.checked[self.section] += 1
            if known is None:
                self.fail(where, f"{sym[1]} is used as {self.show(value)} but never printed")
            elif known != value:
                shown = f"{self.show(value)}, printed {self.show(known)}"
                self.fail(where, f"{sym[1]} is used as {shown}")
            return
        if sym[0] == "num":
            value = _plain(num)
            if value is not None and value != sym[1]:
                self.fail(where, f"{sym[2]} in symbols is {self.show(value)} in numbers")
            return
        if sym[0] == "paren" and num[0] != "paren":
            self.align(sym[1], num, where)
            return
        if num[0] == "paren" and sym[0] != "paren":
            self.align(sym, num[1], where)
            return
        if sym[0] != num[0]:
            return  # not the same shape: nothing to align
        a, b = _children(sym), _children(num)
        if len(a) != len(b) or (sym[0] == "fn" and sym[1] != num[1]):
            return
        for x, y in zip(a, b):
            self.align(x, y, where)

    # -- steps ------------------------------------------------------------------------------

    def step(self, left: Node, right: Node, where: str) -> None:
        """``left = right`` where both are in numbers."""
        result = _plain(right)
        if result is not None:
            if _plain(left) is not None:
                return  # a number equal to a number: nothing computed
            want = round_half_away(evaluate(left), self.decimals)
            self.report.checked[self.section] += 1
            places = _decimals(right, self.decimal)
            if want != result:
                self.fail(where, f"{self.show(want)} expected, printed {self.show(result)}")
            elif places is not None and places != self.decimals:
                self.fail(where, f"a result with {places} decimals, not {self.decimals}")
            return
        lt, rt = _terms(left), _terms(right)
        values = [_plain(t) for t in rt]
        if len(lt) == len(rt) > 1 and all(v is not None for v in values):
            for t, v in zip(lt, values):
                if _plain(t) is not None:
                    continue
                want = round_half_away(evaluate(t), self.decimals)
                self.report.checked[self.section] += 1
                if want != v:
                    self.fail(where, f"term {self.show(want)} expected, printed {self.show(v)}")  # type: ignore[arg-type]

    def chain(self, segments: list[str], where: str, lhs_name: str | None) -> None:
        """One line of ``a = b = c``: check each step, remember the name it defines."""
        nodes = [parse(s, self.decimal) for s in segments]
        for at, (a, b) in enumerate(itertools.pairwise(nodes)):
            if a is None or b is None or (at == 0 and lhs_name is not None):
                continue  # the name on the left is what the line defines
            if _has_name(a) and not _has_name(b):
                self.align(a, b, where)
            elif not _has_name(a) and not _has_name(b):
                self.step(a, b, where)
        last = nodes[-1]
        if lhs_name is not None and last is not None and (value := _plain(last)) is not None:
            self.define(lhs_name, value, where)

    def prose(self, line: str) -> None:
        """A paragraph: check every ``numbers = number`` in it (2/3.74 = 0.53)."""
        parts = line.split(" = ")
        for left, right in itertools.pairwise(parts):
            a = self._suffix(left)
            b = self._prefix(right)
            if a is not None and b is not None and not _has_name(a) and not _has_name(b):
                self.step(a, b, line[:60])

    def _suffix(self, s: str) -> Node | None:
        toks = tokens(s, self.decimal)
        for k in range(len(toks)):
            part = toks[k:]
            text = " ".join(t.text for t in part)
            if any(t.kind in ("name", "other") for t in part):
                continue
            node = parse(text, self.decimal)
            if node is not None:
                return node
        return None

    def _prefix(self, s: str) -> Node | None:
        toks = tokens(s, self.decimal)
        for k in range(len(toks), 0, -1):
            part = toks[:k]
            if any(t.kind in ("name", "other") for t in part):
                continue
            node = parse(" ".join(t.text for t in part), self.decimal)
            if node is not None:
                return node
        return None

    # -- tables -----------------------------------------------------------------------------

    def table(self, header: list[str], rows: list[list[str]], heading: str) -> None:
        if header[:2] == ["quantity", "value"]:
            for row in rows:
                node = parse(row[1], self.decimal)
                if node is not None and (v := _plain(node)) is not None:
                    self.define(row[0], v, f"table row {row[0]}")
            return
        update = next((c for c, h in enumerate(header) if h == "W'" or h.startswith("W' =")), None)
        rate = None
        if update is not None:
            m = re.search(r"with \S+ = (\S+)$", heading)
            node = parse(m[1], self.decimal) if m else None
            rate = _plain(node) if node is not None else None
            if rate is None:
                self.fail(heading, "no learning constant in the update's heading")
        for row in rows:
            where = f"table row {' '.join(row)}"
            nodes = [parse(c, self.decimal) for c in row]
            for a, b in itertools.pairwise(nodes[1:]):
                if a is not None and b is not None and not _has_name(a) and _plain(b) is not None:
                    self.step(a, b, where)
            name = row[0]
            for c, h in enumerate(header):
                node = nodes[c]
                value = _plain(node) if node is not None else None
                if value is None:
                    continue
                if h == "W":
                    self._same(name, value, where)
                elif h in ("∂E/∂W", "sum over paths"):
                    self._same(f"∂E/∂{name}", value, where)
                elif h == "layer by layer" and row[-1] == "not written out":
                    self.define(f"∂E/∂{name}", value, where)  # the only derivation shown
            if update is not None and rate is not None:
                w, g, new = (_plain(nodes[c]) if nodes[c] else None for c in (1, 2, update))
                if w is None or g is None or new is None:
                    self.fail(where, "an update row without numbers")
                    continue
                self.report.checked[self.section] += 1
                want = round_half_away(w - rate * g, self.decimals)
                if want != new:
                    self.fail(where, f"W' = {self.show(want)} expected, printed {self.show(new)}")

    def _same(self, name: str, value: Fraction, where: str) -> None:
        known = self.report.values.get(name)
        self.report.checked[self.section] += 1
        if known is None:
            self.fail(where, f"{name} was never printed before")
        elif known != value:
            self.fail(where, f"{name} is {self.show(value)} here, printed {self.show(known)}")


def check_hand_rounding(text: str, decimals: int, decimal: str = ".") -> Report:
    """Every mismatch of the page ``text`` (the text format of the worked example) with its own
    printed numbers, rounded to ``decimals``; see the module docstring."""
    checker = _Checker(decimals, decimal)
    lines = text.splitlines()
    i = 0
    heading = ""
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt and set(nxt) == {"-"} and len(nxt) == len(line):  # a section heading
            heading = line
            checker.section = re.sub(r"^\d+\. ", "", line)
            i += 2
            continue
        if nxt.startswith("  -") and set(nxt.strip()) <= {"-", " "}:  # a table
            header = re.split(r" {3,}", line.strip())
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                rows.append(re.split(r" {3,}", lines[i].strip()))
                i += 1
            checker.table(header, rows, heading)
            continue
        if line.startswith("  ") and " = " in line:  # an equation, continued on "  … = " lines
            lhs, _, rhs = line.strip().partition(" = ")
            segments = [lhs, *rhs.split(" = ")]
            while i + 1 < len(lines) and re.match(r"\s+= ", lines[i + 1]):
                i += 1
                segments += lines[i].strip()[2:].split(" = ")
            lhs_node = parse(lhs, decimal)
            name = lhs if lhs_node is not None and lhs_node[0] == "name" else None
            checker.chain(segments, line.strip()[:60], name)
        elif line and not line.startswith(" "):
            checker.prose(line)
        i += 1
    return checker.report
