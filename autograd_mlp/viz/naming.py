r"""Readable names for the nodes of a graph: on the board, in plain text and in LaTeX.

Two namings, each made in one pass over the topological order, every name built from its
inputs' names made before it (linear in the size of the graph, and no recursion, however
deep the graph or however often a node is reused):

* `board_names`: what a box of a picture is titled (`display_name` for one Value): the label,
  else the expression that made it (``t1 − L2.N1.z``, ``(t1 − L2.N1.z)²``) while it stays
  short, else the op (``the × node``); a constant prints as its number.
* `NodeNames`, below: the names of a derivation.

A derivation on the board needs a name for every node on a path. Labelled Values use their
label (the nn scheme gives ``L1.N1.w1``, ``L1.N1.z``, ``L1.N1.a``, ``E``). Unlabelled
intermediates are named by the expression that made them, from their inputs' names --
``(1 − L2.N1.z)`` then ``(1 − L2.N1.z)²`` -- and, when that expression would be too long to read,
by their op and position in the topological order (``tanh#12``). Constants print as numbers.

Every name exists in two spellings, `Sym.text` (Unicode, for text and markdown) and `Sym.tex`
(for LaTeX math mode), built side by side so the two can never disagree.

Text that comes from a user (a label, a lesson's title, a worksheet's blank names) is escaped
for wherever it goes, by the functions here:

* `printable` -- for a terminal and any one-line text: newlines and other control characters
  (ESC, BEL, NUL, DEL, C1 controls), line separators and bidirectional overrides are replaced,
  so a title cannot end a line, clear a screen or reorder what is shown;
* `md_text`, `md_code` and `md_fence` -- for Markdown: no raw HTML, no emphasis, link or code
  syntax, no line break (a heading and a table row stay one line);
* `tex_text` (LaTeX text mode: headings, prose) and `tex_escape` (inside ``\mathrm{...}``) --
  for pdflatex: every character TeX treats specially is escaped, so text can neither run a
  command (``\input``, ``\write18``, ``\enddocument``) nor break the document; letters with
  accents are set with TeX's accents, a few symbols (Greek, ·, ≤...) in math mode, and any
  other character pdflatex cannot set with its default fonts (CJK, emoji) is replaced by
  ``?`` (`TEX_REPLACEMENT`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from ..engine import CONST, Value, role, topological_order
from ..engine.expr import parse as parse_expression
from .dot import format_number as format_value
from .dot import op_symbol

__all__ = [
    "board_names",
    "display_name",
    "Sym",
    "NodeNames",
    "local_rule",
    "formula",
    "arithmetic",
    "as_operand",
    "root_symbol",
    "wrap",
    "tex_escape",
    "tex_text",
    "printable",
    "md_text",
    "md_code",
    "md_fence",
    "TEX_REPLACEMENT",
    "format_number",
    "minus",
    "round_half_away",
    "check_decimals",
]

MAX_NAME = 24  # longer expressions fall back to op#index: a name must fit in a table cell
MAX_BOARD_NAME = 22  # characters: a longer name on the board is replaced by the op's name
_INFIX = {"+": "+", "-": "−", "*": "·", "/": "/"}
_FUNCTION_NAMES = {"log": "ln", "sigmoid": "σ"}  # as the names write them: ln(b), σ(z)


def board_names(order: list[Value]) -> dict[Value, str]:
    """The board name of every Value of ``order``, a topological order (every Value after its
    inputs, as `autograd_mlp.engine.topological_order` gives it). One pass: each name is made
    from its inputs' names, already made, so the time is linear in the size of the graph."""
    names: dict[Value, str] = {}
    for v in order:
        names[v] = _board_name(v, names)
    return names


def display_name(v: Value) -> str:
    """A Value's name as the board writes it: its label, else built from its inputs'
    (``t1 − L2.N1.z``, ``(t1 − L2.N1.z)²``), else its op (``the × node``). Linear in the size of
    ``v``'s graph; to name many Values of one graph, make `board_names` once."""
    return board_names(topological_order(v))[v]


def _board_name(v: Value, names: dict[Value, str]) -> str:
    if v.label:
        return v.label
    if not v._prev:
        return "const" if role(v) == CONST else format_value(v.data)
    args = [names[c] for c in v._prev]
    if v._op in _INFIX and len(args) == 2:
        text = f"{args[0]} {_INFIX[v._op]} {args[1]}"
    elif v._op.startswith("**") and len(args) == 1:
        symbol = op_symbol(v._op)  # x², x^0.5
        power = symbol[1:] if symbol.startswith("x") else v._op[2:]
        text = f"({args[0]}){power}"
    elif len(args) == 1:  # ln(b), as the names of a derivation write it; σ(z), tanh(z)
        text = f"{_FUNCTION_NAMES.get(v._op, op_symbol(v._op))}({args[0]})"
    else:
        text = ""
    if not text or len(text) > MAX_BOARD_NAME:
        return f"the {op_symbol(v._op)} node"
    return text


_SUPERSCRIPTS = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


class Sym(NamedTuple):
    """One piece of mathematics in two spellings."""

    text: str
    tex: str


# ------------------------------------------------------------------------------------------------
# User text, escaped for a terminal, Markdown and LaTeX
# ------------------------------------------------------------------------------------------------

# Whitespace that ends or breaks a line: one space instead (a label or title stays one line).
_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029")
# Bidirectional controls: they reorder what a terminal or a page shows after them.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
REPLACEMENT = "\ufffd"  # what `printable` puts for a control character: visibly "something"


def printable(s: str) -> str:
    """``s`` safe to print on one line of a terminal: line breaks become spaces, and control
    characters (ESC, BEL, NUL, DEL, the C1 range), other line separators and bidirectional
    overrides become U+FFFD; everything else is kept."""
    if s.isprintable():  # the common case: nothing to do (isprintable is False for all above)
        return s
    out = []
    for ch in s:
        if ch in _BREAKS:
            out.append(" ")
        elif ch in _BIDI or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(REPLACEMENT)
        else:
            out.append(ch)
    return "".join(out)


_MD_SPECIAL = {
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "|": "\\|",  # a table cell's border
    "~": "\\~",  # strikethrough in GitHub Markdown
    "&": "&amp;",  # entities, not backslashes: Python-Markdown (MkDocs) does not unescape \<
    "<": "&lt;",  # no tag can open, so a > is only a character (and [z > 0] stays readable)
}


def md_text(s: str) -> str:
    """User text for Markdown prose, a heading or a table cell: no raw HTML (``<`` and ``&`` as
    entities), no emphasis, link, code or strikethrough syntax, no line break, and a ``#``
    after a space escaped (at the end of a heading it would be cut off)."""
    out = "".join(_MD_SPECIAL.get(ch, ch) for ch in printable(s))
    return re.sub(r"(^|\s)#", r"\1\\#", out)


def md_code(s: str) -> str:
    """User text as one Markdown code span: fenced by more backticks than it holds in a row,
    with a space inside the fence where it starts or ends with a backtick (CommonMark 6.1)."""
    s = printable(s)
    fence = "`" * (max((len(run) for run in re.findall("`+", s)), default=0) + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_fence(lines: list[str]) -> str:
    """A fence for a Markdown code block holding ``lines``: three backticks, or more than the
    longest run of backticks that a line starts with (so no line can close the block)."""
    runs = [len(m.group()) for line in lines for m in [re.match(r" {0,3}(`+)", line)] if m]
    return "`" * max(3, max(runs, default=0) + 1)


TEX_REPLACEMENT = "?"  # what a character pdflatex cannot set becomes

# Accents over a letter, as text-mode accent commands of pdflatex's default (OT1) fonts.
_TEX_ACCENTS = {
    "\u0300": "`",
    "\u0301": "'",
    "\u0302": "^",
    "\u0303": "~",
    "\u0304": "=",
    "\u0306": "u",
    "\u0307": ".",
    "\u0308": '"',
    "\u030a": "r",
    "\u030b": "H",
    "\u030c": "v",
    "\u0327": "c",
}
# Text-mode spellings of the characters that mean something to TeX, and of letters and marks
# beyond ASCII that the default fonts have.
_TEX_TEXT = {
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "\\": r"\textbackslash{}",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",  # the default fonts print < > | as ¡ ¿ —
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\u00a0": "~",
    "ß": r"\ss{}",
    "æ": r"\ae{}",
    "Æ": r"\AE{}",
    "œ": r"\oe{}",
    "Œ": r"\OE{}",
    "ø": r"\o{}",
    "Ø": r"\O{}",
    "ł": r"\l{}",
    "Ł": r"\L{}",
    "ı": r"\i{}",
    "¡": "!`",
    "¿": "?`",
    "–": "--",
    "—": "---",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "…": r"\ldots{}",
    "§": r"\S{}",
    "¶": r"\P{}",
    "£": r"\pounds{}",
    "©": r"\copyright{}",
    "†": r"\dag{}",
    "‡": r"\ddag{}",
}
_GREEK_SMALL = (
    *(r"\alpha", r"\beta", r"\gamma", r"\delta", r"\epsilon", r"\zeta", r"\eta", r"\theta"),
    *(r"\iota", r"\kappa", r"\lambda", r"\mu", r"\nu", r"\xi", "o", r"\pi", r"\rho"),
    *(r"\varsigma", r"\sigma", r"\tau", r"\upsilon", r"\phi", r"\chi", r"\psi", r"\omega"),
)
_GREEK_CAPITAL = (
    *(r"\Gamma", r"\Delta", r"\Theta", r"\Lambda", r"\Xi", r"\Pi", r"\Sigma", r"\Phi"),
    *(r"\Psi", r"\Omega"),
)
# Symbols set in math mode; Greek capitals that look like Latin ones are those letters.
_TEX_MATH = {
    "·": r"\cdot",
    "×": r"\times",
    "÷": r"\div",
    "±": r"\pm",
    "−": "-",
    "≤": r"\le",
    "≥": r"\ge",
    "≠": r"\ne",
    "≈": r"\approx",
    "→": r"\to",
    "←": r"\leftarrow",
    "∂": r"\partial",
    "∑": r"\sum",
    "∞": r"\infty",
    "√": r"\surd",
    "°": r"^{\circ}",
    "′": "'",
    "½": r"\frac{1}{2}",
    **{d: f"^{{{i}}}" for i, d in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")},
    **{d: f"_{{{i}}}" for i, d in enumerate("₀₁₂₃₄₅₆₇₈₉")},
    "ᵢ": "_{i}",
    "ⱼ": "_{j}",
    "ₖ": "_{k}",
    # Greek, by the TeX command of each letter (ο omicron is an o, ς the final sigma)
    **dict(zip("αβγδεζηθικλμνξοπρςστυφχψω", _GREEK_SMALL)),
    **dict(zip("ΓΔΘΛΞΠΣΦΨΩ", _GREEK_CAPITAL)),
}
_TEX_LATIN_GREEK = dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX"))
_LONG_WORD = 24  # characters without a space after which a break is allowed (no overfull line)


def _tex_char(ch: str) -> str:
    """One character of user text in LaTeX text mode (``ch`` is printable: no control); a
    symbol of `_TEX_MATH` is left to the caller."""
    if ch in _TEX_TEXT:
        return _TEX_TEXT[ch]
    if " " <= ch <= "~":
        return ch
    if ch in _TEX_LATIN_GREEK:
        return _TEX_LATIN_GREEK[ch]
    decomposed = unicodedata.normalize("NFD", ch)  # é: e and a combining acute accent
    base, marks = decomposed[0], decomposed[1:]
    if marks and base.isascii() and base.isalpha() and all(m in _TEX_ACCENTS for m in marks):
        out = {"i": r"\i", "j": r"\j"}.get(base, base)  # í is an accent on a dotless i
        for mark in marks:
            out = f"\\{_TEX_ACCENTS[mark]}{{{out}}}"
        return out
    return TEX_REPLACEMENT


def tex_text(s: str) -> str:
    """User text (a title, a name) for LaTeX text mode: a heading, a frame title, prose.

    Every character TeX treats specially is escaped (``\\input`` prints as text and reads
    nothing), line breaks become spaces and other control characters ``?``, letters with
    accents are set with TeX's accents, a few symbols (Greek, ·, ≤, ², −) in math mode, and a
    character pdflatex's default fonts do not have (CJK, emoji) becomes `TEX_REPLACEMENT`. A
    word longer than a line may break, so that it does not run off the page.
    """
    s = unicodedata.normalize("NFC", printable(s)).replace(REPLACEMENT, TEX_REPLACEMENT)
    out: list[str] = []
    math: list[str] = []  # symbols in a row: one $...$ (two $ in a row would start a display)
    run = 0  # characters since the last space
    for ch in s:
        run = 0 if ch == " " else run + 1
        if ch in _TEX_MATH:
            math.append(f"{{{_TEX_MATH[ch]}}}")  # braced: ²² is not a double superscript
            continue
        if math:
            out.append("$" + "".join(math) + "$")
            math = []
        if run > _LONG_WORD:
            out.append(r"\allowbreak{}")
            run = 1
        out.append(_tex_char(ch))
    if math:
        out.append("$" + "".join(math) + "$")
    return "".join(out)


_TEX_MATH_ASCII = str.maketrans(
    {**{ch: "\\" + ch for ch in "#$%&_{}"}, "\\": r"\backslash{}", "^": r"\hat{}", "~": r"\sim{}"}
)


def tex_escape(s: str) -> str:
    """Escape the characters that mean something to LaTeX, for use inside ``\\mathrm{...}``.

    Line breaks become spaces and other control characters ``?`` (a newline ends a ``%``
    comment; DEL and form feed are errors or ``\\par`` to TeX); a letter beyond ASCII is set
    in text mode (``\\text{...}``, amsmath) as `tex_text` sets it, a symbol such as σ in math.
    """
    if s.isascii() and s.isprintable():  # the usual label: escapes only (every name of a graph)
        return s.translate(_TEX_MATH_ASCII)
    out = []
    for ch in unicodedata.normalize("NFC", printable(s)):
        if ch in "#$%&_{}":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append(r"\backslash{}")
        elif ch == "^":
            out.append(r"\hat{}")
        elif ch == "~":
            out.append(r"\sim{}")
        elif ch in _TEX_MATH:
            out.append(f"{{{_TEX_MATH[ch]}}}")
        elif not ch.isascii():
            text = _tex_char(ch)  # a letter with an accent, set in text mode
            out.append(text if text == TEX_REPLACEMENT else rf"\text{{{text}}}")
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


def formula(names: NodeNames, v: Value) -> str:
    """How ``v`` is computed from its inputs, in their names, however long (a label is not
    used: ``L1.N1.w1·x1 + L1.N1.w2·x2 + L1.N1.b`` for ``L1.N1.z``); "" for a leaf."""
    args = [names(u).text for u in v._prev]
    op = v._op
    if not args:
        return ""
    if op == "Σwx+b" and len(args) % 2 == 1:
        pairs = [f"{_operand(args[k])}·{_operand(args[k + 1])}" for k in range(0, len(args) - 1, 2)]
        return " + ".join([*pairs, args[-1]])
    if op in ("+", "-") and len(args) == 2:
        second = f"({args[1]})" if args[1].startswith("−") else args[1]
        return f"{args[0]} {_INFIX[op]} {second}"
    if op == "*" and len(args) == 2:
        return f"{_operand(args[0])}·{_operand(args[1])}"
    if op == "/" and len(args) == 2:
        return f"{_operand(args[0])}/{_operand(args[1])}"
    return _applied(op, [_operand(a) for a in args], args)


def arithmetic(v: Value, numbers: list[str]) -> str:
    """The arithmetic of ``v``'s operation on its inputs' numbers as printed (``numbers``, in
    the order of ``v._prev``): ``0.1000 × 1.0000 + 0.2000 × (−1.0000) + 0.3000``, ``σ(−0.2000)``,
    ``(−0.5377)²``. Products are written ×, as the page writes products of numbers; a negative
    number is parenthesised where it is an operand."""
    op = v._op
    parts = [f"({x})" if x.startswith("−") else x for x in numbers]
    if op == "Σwx+b" and len(parts) % 2 == 1:
        pairs = [f"{parts[k]} × {parts[k + 1]}" for k in range(0, len(parts) - 1, 2)]
        return " + ".join([*pairs, parts[-1]])
    if op in ("+", "-", "/") and len(parts) == 2:
        return f"{numbers[0]} {_INFIX[op] if op != '/' else '÷'} {parts[1]}"
    if op == "*" and len(parts) == 2:
        return f"{parts[0]} × {parts[1]}"
    return _applied(op, parts, numbers)


def as_operand(text: str) -> str:
    """A name as an operand of · or of a power, or in a derivative (∂f/∂(a·b)): parenthesised
    unless it is one thing (a name, a group, a function applied)."""
    return text if _is_atom(text) else f"({text})"


_operand = as_operand
ROOT_SYMBOLS = ("f", "g", "h", "F", "G")


def root_symbol(root: Value, taken: set[str]) -> str | None:
    """A short name for a root whose label is the text of an expression (``render`` labels the
    result ``sigmoid(a*b + a) * log(b)``): the first of f, g, h, F, G that no other node is
    called (``taken``), so that its derivatives read ∂f/∂b; None for a root whose label is a
    name (E, y, L1.N1.a), for an unlabelled root and for a leaf."""
    label = root.label
    if not label or not root._prev or ("(" not in label and _is_atom(label)):
        return None
    if not any(ch in label for ch in "+-*/()") or len(label) > 10_000:
        return None
    try:
        parse_expression(label)
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return None  # a label that is not an expression: a name of the user's own
    return next((s for s in ROOT_SYMBOLS if s not in taken), None)


def _applied(op: str, operands: list[str], bare: list[str]) -> str:
    """A unary or user op on ``operands`` (parenthesised where needed; ``bare``: as they are,
    for inside a function's own parentheses)."""
    if op == "neg" and len(operands) == 1:
        return f"−{operands[0]}"
    if op.startswith("**") and len(operands) == 1:
        k = op[2:]
        if re.fullmatch(r"-?\d+", k):
            return f"{operands[0]}{k.translate(_SUPERSCRIPTS)}"
        return f"{operands[0]}^{k}"
    if op == "**" and len(operands) == 2:
        return f"{operands[0]}^{operands[1]}"
    name = _FUNCTION_NAMES.get(op, op)
    if len(bare) == 1 and _enclosed(bare[0]):
        return f"{name}{bare[0]}"  # σ(a·b + a), not σ((a·b + a))
    return f"{name}({', '.join(bare)})"
