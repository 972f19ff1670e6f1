"""The worked example in LaTeX: the writer of its blocks.

The blocks' Unicode mathematics is translated to LaTeX math mode (`_tex`), prose has its
special characters escaped (`_tex_prose`), and everything is cut to fit: an equation wider
than a page is continued on further aligned rows (`_pieces`, measured by `_width`), a long
display is continued in another one, a long table is set as halves side by side, so that an
A4 page and a 16:9 slide show every line whole. `autograd_mlp.teach.latex` puts the fragment
into a complete document.
"""

from __future__ import annotations

import re

from ...viz.naming import tex_text
from .document import Block, Title

__all__ = ["write_latex"]


# a label (L1.N2.w1, or its pattern L1.Nj.wi in prose), or a letter with a number (y1, W2)
_LABEL = re.compile(r"\b(?:L\d+\.N(?:\d+|[ijk])(?:\.[a-z]+(?:\d+|[ijk]\b)?)?|[a-zA-Z]\d+)\b")


_PARTIAL = re.compile(r"∂(\S+?)/∂(\S+?)(?=\s|$|·)")


_SUBSCRIPTS = {"ᵢ": "i", "ⱼ": "j", "ₖ": "k"}


def _tex(s: str, inline: bool = False) -> str:
    """Translate one line of our Unicode math to LaTeX math mode (``inline``: in a line of
    prose, where ∂E/∂y is written with a slash, not as a tall fraction)."""
    s = s.replace("\\", "")
    s = re.sub(r"(\d)e([−+])(\d+)", _power_of_ten, s)  # 1.00e−02: 1.00·10⁻², not e minus 2
    if inline:
        s = _PARTIAL.sub(lambda m: f"\x00partial {m.group(1)}/\x00partial {m.group(2)}", s)
    else:
        s = _PARTIAL.sub(
            lambda m: "\x00frac{\x00partial " + m.group(1) + "}{\x00partial " + m.group(2) + "}",
            s,
        )
    s = s.replace("λ_max", "\x00lambda_{\x00max}")
    s = re.sub(r"\binf\b", "\x00infty ", s)  # a number too big for a float
    s = re.sub(r"\bnan\b", "\x00mathrm{nan}", s)
    s = s.replace("²", "^{2}")  # first: y1² is y_{1}^{2} (a label ends before a ^)
    s = _LABEL.sub(lambda m: _tex_label(m.group()), s)
    s = re.sub(r"\btanh\b", "\x00tanh ", s)  # upright function names, not t·a·n·h
    s = re.sub(r"\brelu\b", "\x00operatorname{relu}", s)
    s = re.sub(r"e\^\(([^)]*)\)", r"e^{\1}", s)
    for a, b in (
        ("·", " \x00cdot "),
        ("−", "-"),
        ("σ", "\x00sigma"),
        ("η", "\x00eta "),
        ("λ", "\x00lambda "),
        ("∂", "\x00partial "),
        ("α", "\x00alpha "),
        ("δ", "\x00delta "),
        ("½", "\x00tfrac{1}{2}"),
        ("′", "'"),
        ("Σ", "\x00sum"),
        ("≤", "\x00le "),
        ("'", "'"),
    ):
        s = s.replace(a, b)
    s = re.sub(  # a run of subscripts is one: wₖⱼ is w_{kj} (w_{k}_{j} is a TeX error)
        "([A-Za-z}]) ?([ᵢⱼₖ]+)", lambda m: m.group(1) + "_{" + _subscripts(m.group(2)) + "}", s
    )
    s = re.sub(r"(?<=\d),(?=\d)", "{,}", s)  # a decimal comma: no space after it in math
    return s.replace("\x00", "\\")


def _subscripts(run: str) -> str:
    return "".join(_SUBSCRIPTS[c] for c in run)


def _power_of_ten(m: re.Match[str]) -> str:
    exponent = int(m.group(3))
    sign = "−" if m.group(2) == "−" else ""
    return f"{m.group(1)}\x00cdot 10^{{{sign}{exponent}}}"


def _tex_label(label: str) -> str:
    if "." in label:
        return "\x00mathrm{" + label + "}"
    return f"{label[0]}_{{{label[1:]}}}"


_PROSE_TEX = {
    "#": r"\#",
    "%": r"\%",
    "&": r"\&",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "^": r"\^{}",
    "−": "$-$",  # a minus sign, not a hyphen
    "–": "--",
    "·": r"$\cdot$",
    "σ": r"$\sigma$",
    "Σ": r"$\Sigma$",
    "∂": r"$\partial$",
    "δ": r"$\delta$",
    "½": r"$\frac{1}{2}$",
    ">": r"$>$",  # OT1 text fonts print > and < as ¿ and ¡
    "<": r"$<$",
    "′": "'",
    "²": r"$^2$",
    "≤": r"$\le$",
    "λ": r"$\lambda$",
    "η": r"$\eta$",
    "α": r"$\alpha$",
    "ᵢ": r"$_i$",
    "ⱼ": r"$_j$",
    "ₖ": r"$_k$",
}


def _tex_prose(s: str) -> str:
    """Prose for LaTeX: the formulas in it set as mathematics (math italics, true minus signs:
    ``$\\partial E/\\partial y_{k} = -2 \\cdot (t_{k} - y_{k})$``), the rest as text with its
    specials escaped (`_tex_words`)."""
    out: list[str] = []
    words = s.split(" ")
    i = 0
    while i < len(words):
        j = i
        while j < len(words) and _mathy(words[j]):
            j += 1
            if words[j - 1][-1] in ",;:." and not words[j - 1][-1:].isdigit():
                break  # a formula ends at the punctuation after it
        if j == i:
            out.append(_tex_words(words[i]))
            i += 1
            continue
        out.append(_math_run(" ".join(words[i:j])))
        i = j
    return " ".join(out)


_MATH_WORD = re.compile(r"[\w.,;:?′'²ᵢⱼₖ()·∂/Σσδληα½−+=<>≤\[\]^]+")
_NAMES = re.compile(r"tanh|relu|max|inf|nan|L\d+\.N(?:\d+|[ijk])(?:\.[a-z]+(?:\d+|[ijk])?)?")
_FORMULA = re.compile(r"[=·∂Σ²′σδληαᵢⱼₖ<>≤^]|^[+−]$|L\d+\.N|\de[−+]\d")
_VARIABLE = re.compile(r"[B-HJ-Zb-z]\d*'?")  # x, y1, W2, E, W' (not the words a, A, I)


def _mathy(word: str) -> bool:
    """Could ``word`` be part of a formula: symbols, numbers, one-letter names, labels (and
    not an English word of two letters or more)?"""
    if not word or not _MATH_WORD.fullmatch(word):
        return False
    return not re.search(r"[A-Za-z]{2,}", _NAMES.sub("", word))


def _math_run(run: str) -> str:
    """A run of formula-like words: its formula as inline math, the punctuation and unpaired
    parentheses around it as text. A run that is only a number, or that holds a symbol math
    mode does not know, stays text."""
    lead, core, tail = "", run, ""
    while core and (core[-1] in ",.;:?" or (core[-1] == ")" and _depth(core) < 0)):
        core, tail = core[:-1], core[-1] + tail
    while core and core[0] == "(" and _depth(core) > 0:
        core, lead = core[1:], lead + "("
    words = core.split(" ")
    while len(words) > 1 and _depth(" ".join(words)) != 0:  # "2/λ_max (a": "(a" is a word
        tail = " " + words.pop() + tail
    core = " ".join(words)
    if _depth(core) != 0:
        return _tex_words(run)
    formula = bool(_FORMULA.search(core)) or bool(_VARIABLE.fullmatch(core))
    math = _tex(core, inline=True) if formula else ""
    if not formula or not math.isascii():
        return _tex_words(run)
    return f"{_tex_words(lead)}${math}${_tex_words(tail)}"


def _depth(s: str) -> int:
    return s.count("(") - s.count(")")


def _tex_words(s: str) -> str:
    """Text for LaTeX: specials escaped, the few Unicode math symbols we use as inline math.

    A run of subscripts is one group (wₖⱼ → w$_{kj}$: two subscripts in a row are a TeX error),
    and e^(−z) is math (a text ^ is an accent).
    """
    s = s.replace("λ_max", "\x04")  # one symbol, not λ, an escaped _ and "max"
    s = re.sub(r"e\^\(([^)]*)\)", lambda m: "\x02" + m.group(1).replace("−", "-") + "\x03", s)
    s = re.sub("[ᵢⱼₖ]+", lambda m: "\x00" + "".join(_SUBSCRIPTS[c] for c in m.group()) + "\x01", s)
    out = "".join(_PROSE_TEX.get(ch, ch) for ch in s)
    out = out.replace("\x00", "$_{").replace("\x01", "}$")
    out = out.replace("\x02", "$e^{").replace("\x03", "}$")
    out = out.replace("\x04", r"$\lambda_{\max}$")
    return out.replace("$$", "")


TABLE_ROWS = 11  # longer tables are set as two halves side by side, to fit a slide


SLIDE_TABLE_ROWS = 12  # rows of a table wider than two columns that a frame holds whole


DISPLAY_ROWS = 6  # longer displays are continued in another one, to fit a slide


ROW_WIDTH = 90  # characters (`_width`) in a row of a 16:9 slide; an A4 page is wider


_FRACTION = re.compile(r"∂(\S+?)/∂(\S+?)(?=\s|$|·)")


_NODE_LABEL = re.compile(r"L\d+\.N\d+(?:\.[a-z]+\d*)?")


def _width(s: str) -> float:
    """How wide a line of our math is once pdflatex sets it, in characters of `CHAR_PT`
    (`ROW_WIDTH` of them fill a 16:9 slide; an A4 page is wider): the sum of the widths of its
    symbols in \\small display math (`_pt`), measured with pdflatex (Computer Modern: a digit
    5 pt, a binary + or − with its spaces 12.22 pt, a · 7.22 pt, an upright L 6.25 pt...).
    On 1,500 rows of worked examples this is never short and at most 0.9 characters long."""
    out, pos = 0.0, 0
    for m in _FRACTION.finditer(s):  # ∂A/∂B: as wide as its wider part, and the ∂
        out += _pt(s[pos : m.start()])
        out += max(_pt(m.group(1)), _pt(m.group(2))) + _FRACTION_PT
        pos = m.end()
    return (out + _pt(s[pos:])) / CHAR_PT


CHAR_PT = 4.426  # pt of one character of ROW_WIDTH: 90 of them are the slide's 398.3 pt
_EQUALS = 13.33 / CHAR_PT  # the "= " that starts a row (a relation and its spaces)
_QUAD = 10.0 / CHAR_PT  # the \quad that starts a continued row
_FRACTION_PT = 5.86 + 2.4  # the ∂ of the denominator and the fraction's two null delimiters
# Widths in pt of \small (10 pt) display math, measured with pdflatex (beamer, whose text is
# narrower than the article's in characters of its font).
_UPRIGHT_PT = {"L": 6.25, "N": 7.5, ".": 2.78, "w": 7.22, "a": 5.0, "z": 4.44, "b": 5.56}
_ITALIC_PT = {"E": 6.09, "y": 4.72, "h": 5.18, "t": 3.68, "i": 2.49, "j": 3.0, "k": 5.2}
_ITALIC_PT |= {"w": 6.94, "z": 4.43, "x": 5.53, "b": 4.29, "a": 5.29, "W": 9.4, "f": 4.9}
_SUBSCRIPTED_PT = {"y": 4.61, "x": 4.61, "h": 5.17, "t": 3.61, "w": 6.7, "b": 4.29, "E": 6.5}
_SYMBOL_PT = {
    **dict.fromkeys("0123456789", 5.0),
    **dict.fromkeys("()", 3.89),
    **dict.fromkeys("[]", 2.89),
    **dict.fromkeys("′'", 2.81),
    ".": 2.78,
    ",": 2.78,
    "/": 5.0,
    "²": 4.22,
    "∂": 5.86,
    "δ": 4.82,
    "σ": 6.07,
    "λ": 5.83,
    "Σ": 14.44,
    "½": 6.12,
    "−": 7.78,  # a sign (−0.3), or a + or − that starts a row: no spaces
    "+": 7.78,
    "ᵢ": 2.2,
    "ⱼ": 3.3,
    "ₖ": 3.8,
    " ": 0.0,  # math ignores spaces; an operator's spaces are its own (below)
    "\x03": 12.22,  # a + or − between two terms, with its spaces
    "\x04": 13.33,  # a relation (=, >, ≤) with its spaces
    "\x05": 7.22,  # a ·
}
_WORDS = re.compile(r"L\d+\.N\d+(?:\.[a-z]+\d*)?|\b[a-zA-Z]\d+\b|tanh|relu")


def _pt(s: str) -> float:
    """The width in pt of a piece of our math without fractions (see `_width`)."""
    s = re.sub(r" ([+−=>≤]) ", lambda m: "\x03" if m.group(1) in "+−" else "\x04", s)
    s = re.sub(r"(?<=\de)[+−]", "\x03", s)  # 1e+149: math mode sets that + as an operator
    s = re.sub(r"^[+−] ", "\x03", s)  # so does a row that starts "+ …" (aligned puts {} first)
    s = s.replace("·", "\x05")
    total, pos = 0.0, 0
    for m in _WORDS.finditer(s):
        total += sum(_symbol_pt(ch) for ch in s[pos : m.start()])
        word = m.group()
        if word == "tanh":
            total += 20.41
        elif word == "relu":
            total += 17.08
        elif word.startswith("L") and ".N" in word:  # a label, upright: L1.N1.w1
            total += sum(_UPRIGHT_PT.get(ch, 5.0) for ch in word)
        else:  # y1: an italic letter and a subscript, 3.72 pt a digit
            total += _SUBSCRIPTED_PT.get(word[0], 4.8) + 0.5 + 3.72 * (len(word) - 1)
        pos = m.end()
    return total + sum(_symbol_pt(ch) for ch in s[pos:])


def _symbol_pt(ch: str) -> float:
    return _SYMBOL_PT.get(ch, _ITALIC_PT.get(ch, 5.2))


def _pieces(step: str, room: float) -> list[str]:
    """``step`` cut into rows no wider than ``room`` where it can be: a term of its sum goes on
    the row before if the whole term fits there, else it starts a row; a term wider than a
    row is cut between its factors. A row after the first starts with the operator it was cut
    at (``+ …`` or ``· …``)."""
    if _width(step) <= room:
        return [step]
    pieces: list[str] = []
    for n, term in enumerate(step.split(" + ")):
        if n and _width(f"{pieces[-1]} + {term}") <= room:
            pieces[-1] += f" + {term}"
            continue
        first, *factors = term.split("·")
        row = f"+ {first}" if n else first
        for factor in factors:
            if _width(f"{row}·{factor}") <= room:
                row += f"·{factor}"
            else:
                pieces.append(row)
                row = f"· {factor}"
        pieces.append(row)
    return pieces


def _eq_rows(eqs: list[tuple[str, str]]) -> list[list[str]]:
    """An equation block as displays of aligned rows: one display per left-hand side, one
    row per ``= step`` so that no row is wider than a page (a display cannot break itself),
    and a step wider than `ROW_WIDTH` continued on further rows (`_pieces`). A wide left-hand
    side (a sum over the neurons of the layer above) has rows of its own, cut the same way."""
    displays: list[list[str]] = []
    room = ROW_WIDTH - _EQUALS
    for lhs, rhs in eqs:
        own_row = _width(lhs) > ROW_WIDTH // 2  # a wide lhs (a sum) on a row of its own
        if lhs:
            first, *rest = _pieces(lhs, ROW_WIDTH - _QUAD) if own_row else [lhs]
            rows = [f"&{_tex(first)}"] + [r"&\quad " + _tex(piece) for piece in rest]
            displays.append(rows if own_row else [])
            # the rows after "lhs &= " (or "&\quad ", narrower than "= ")
            room = ROW_WIDTH - _EQUALS - (0 if own_row else _width(lhs))
        for step in rhs.split(" = "):
            first, *rest = _pieces(step, room)
            start = f"{_tex(lhs)} &= " if lhs and not displays[-1] else "&= "
            displays[-1].append(start + _tex(first))
            displays[-1] += [r"&\quad " + _tex(piece) for piece in rest]
    return displays


def _tabular(rows: list[list[str]]) -> list[str]:
    cols = "l" + "r" * (len(rows[0]) - 1)
    out = [rf"\begin{{tabular}}[t]{{{cols}}}", r"\hline"]
    for i, r in enumerate(rows):
        # the header is words, not mathematics
        cells = [_tex_prose(c) if i == 0 else f"${_tex(c)}$" if c else "" for c in r]
        out.append(" & ".join(cells) + r" \\")
        if i == 0:
            out.append(r"\hline")
    return [*out, r"\hline", r"\end{tabular}"]


# Font sizes smaller than a slide's \small, each with how wide the same text is set in it
# (measured with pdflatex: \scriptsize is 8 pt, but its font is drawn wider than \small's).
_SMALLER = ((r"\footnotesize", 0.93), (r"\scriptsize", 0.85), (r"\tiny", 0.66))
_TABCOLSEP = 12.0 / CHAR_PT  # a tabular column's padding, both sides, whatever the font


def _table_width(rows: list[list[str]]) -> float:
    """How wide the table is set in \\small, in characters of `CHAR_PT`."""
    widths = [
        max(len(row[c]) * 1.13 if i == 0 else _width(row[c]) for i, row in enumerate(rows))
        for c in range(len(rows[0]))
    ]  # the header is text: about 5 pt a character
    return sum(widths) + _TABCOLSEP * len(widths)


def _table_size(rows: list[list[str]]) -> str:
    """ "" when the table fits a slide's row in \\small (an A4 page is wider), else the
    largest smaller font in which it does (17 decimals make four columns too wide)."""
    widths = [
        max(len(row[c]) * 1.13 if i == 0 else _width(row[c]) for i, row in enumerate(rows))
        for c in range(len(rows[0]))
    ]  # the header is text: about 5 pt a character
    padding = _TABCOLSEP * len(widths)
    if sum(widths) + padding <= ROW_WIDTH:
        return ""
    for command, scale in _SMALLER:
        if sum(widths) * scale + padding <= ROW_WIDTH:
            return command
    return _SMALLER[-1][0]


PAGE_TABLE_ROWS = 40  # rows of a table that an A4 page holds whole


def write_latex(blocks: list[Block], document: str | None = None) -> str:
    """The blocks as LaTeX for ``document`` (None, "article", "standalone" or "beamer"): on a
    page a table is kept whole when it fits one; on slides it is cut into as few pieces as fit
    a frame, of even length (a table of two columns as halves side by side)."""
    slides = document == "beamer"
    out: list[str] = [
        "% generated by autograd_mlp.teach.worked (autograd-mlp explain --format latex)"
    ]
    for kind, body in blocks:
        if kind == "title":
            assert isinstance(body, Title)  # the user's part is text, never commands
            # ragged right: a user's title may hold words that a justified line cannot fit
            ragged = r"\raggedright " if body.user else ""
            title = f"{ragged}{_tex_prose(body.words)}{tex_text(body.user)}"
            out += [rf"\section*{{{title}}}", ""]
        elif kind == "h":
            out += [rf"\subsection*{{{_tex_prose(str(body))}}}", ""]
        elif kind == "p":
            out += [_tex_prose(str(body)), ""]
        elif kind == "eq":
            for display in _eq_rows(body):  # type: ignore[arg-type]
                # a display cannot break across slides: a long one is continued in the next
                for start in range(0, len(display), DISPLAY_ROWS):
                    rows = display[start : start + DISPLAY_ROWS]
                    out += [r"\[", r"\begin{aligned}"]
                    out += [line + r" \\" for line in rows[:-1]] + [rows[-1]]
                    out += [r"\end{aligned}", r"\]"]
            out.append("")
        elif kind == "table":
            table: list[list[str]] = body  # type: ignore[assignment]
            head, rest = table[0], table[1:]
            size = _table_size(table)  # a smaller font for a table too wide for a slide
            if len(rest) <= (TABLE_ROWS if slides else PAGE_TABLE_ROWS):
                if size:
                    out += [r"\begin{center}", size, *_tabular(table), r"\end{center}", ""]
                else:
                    out += [*_tabular(table), ""]
                continue
            # Slides (or a table longer than a page): pieces of even length that fit, a table
            # of two columns as two halves side by side; wider ones are too wide for that, so
            # a piece of them is one table of up to SLIDE_TABLE_ROWS rows.
            # two halves side by side where they fit a slide's width (always for two columns)
            two = len(head) <= 2 or (not size and 2 * _table_width(table) + _QUAD <= ROW_WIDTH)
            most = (2 * TABLE_ROWS if two else SLIDE_TABLE_ROWS) if slides else PAGE_TABLE_ROWS
            if not slides:
                most *= 2 if two else 1
            count = -(-len(rest) // most)
            piece = -(-len(rest) // count)
            for start in range(0, len(rest), piece):
                part = rest[start : start + piece]
                out += [r"\begin{center}", *([size] if size else [])]
                if two:
                    half = (len(part) + 1) // 2
                    out += _tabular([head, *part[:half]])
                    if part[half:]:
                        out += [r"\quad", *_tabular([head, *part[half:]])]
                else:
                    out += _tabular([head, *part])
                out += [r"\end{center}", ""]
    return "\n".join(out).rstrip() + "\n"
