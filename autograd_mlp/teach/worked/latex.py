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


_LABEL = re.compile(r"\b(?:L\d+\.N\d+(?:\.[a-z]+\d*)?|[a-zA-Z]\d+)\b")


_PARTIAL = re.compile(r"∂(\S+?)/∂(\S+?)(?=\s|$|·)")


_SUBSCRIPTS = {"ᵢ": "i", "ⱼ": "j", "ₖ": "k"}


def _tex(s: str) -> str:
    """Translate one line of our Unicode math to LaTeX math mode."""
    s = s.replace("\\", "")
    s = _PARTIAL.sub(
        lambda m: "\x00frac{\x00partial " + m.group(1) + "}{\x00partial " + m.group(2) + "}", s
    )
    s = s.replace("²", "^{2}")  # first: y1² is y_{1}^{2} (a label ends before a ^)
    s = _LABEL.sub(lambda m: _tex_label(m.group()), s)
    s = re.sub(r"\btanh\b", "\x00tanh ", s)  # upright function names, not t·a·n·h
    s = re.sub(r"\brelu\b", "\x00operatorname{relu}", s)
    s = re.sub(r"e\^\(([^)]*)\)", r"e^{\1}", s)
    for a, b in (
        ("·", " \x00cdot "),
        ("−", "-"),
        ("σ", "\x00sigma"),
        ("δ", "\x00delta "),
        ("½", "\x00tfrac{1}{2}"),
        ("′", "'"),
        ("Σ", "\x00sum"),
        ("≤", "\x00le "),
        ("'", "'"),
    ):
        s = s.replace(a, b)
    for a, b in _SUBSCRIPTS.items():
        s = re.sub(rf"([A-Za-z}}]){a}", rf"\1_{{{b}}}", s)
    return s.replace("\x00", "\\")


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
    "−": "-",
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
    "ᵢ": r"$_i$",
    "ⱼ": r"$_j$",
    "ₖ": r"$_k$",
}


def _tex_prose(s: str) -> str:
    """Prose for LaTeX: specials escaped, the few Unicode math symbols we use as inline math.

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


WIDE_TABLE_ROWS = 7  # rows of a half of a table wider than two columns, in a piece of it


DISPLAY_ROWS = 6  # longer displays are continued in another one, to fit a slide


ROW_WIDTH = 90  # the widest row (by `_width`) that fits an A4 page and a 16:9 slide


_FRACTION = re.compile(r"∂(\S+?)/∂(\S+?)(?=\s|$|·)")


_NODE_LABEL = re.compile(r"L\d+\.N\d+(?:\.[a-z]+\d*)?")


def _width(s: str) -> int:
    """How wide a line of our math is once set, roughly, in characters: a label such as
    L1.N1.w1 (set upright) is 15 % wider than its characters, a fraction ∂A/∂B as wide as its
    wider part, a · as two characters (measured against pdflatex's widths at 10 and 11 pt)."""
    s = _NODE_LABEL.sub(lambda m: "x" * round(1.15 * len(m.group())), s)
    s = _FRACTION.sub(lambda m: "x" * (max(len(m.group(1)), len(m.group(2))) + 1), s)
    return len(s) + s.count("·")


def _pieces(step: str, room: int) -> list[str]:
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
    and a step wider than `ROW_WIDTH` continued on further rows (`_pieces`)."""
    displays: list[list[str]] = []
    room = ROW_WIDTH
    for lhs, rhs in eqs:
        own_row = _width(lhs) > ROW_WIDTH // 2  # a wide lhs (a sum) on a row of its own
        if lhs:
            displays.append([f"&{_tex(lhs)}"] if own_row else [])
            room = ROW_WIDTH - 4 - (0 if own_row else _width(lhs))  # 4: "= " and a \quad
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


def write_latex(blocks: list[Block]) -> str:
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
            if len(rest) <= TABLE_ROWS:
                out += [*_tabular(table), ""]
                continue
            # Two halves side by side, and a longer table in pieces that fit a slide: the
            # halves of a table of more than two columns are too wide for a slide side by
            # side, so there they stack, and a piece has only 2·WIDE_TABLE_ROWS rows.
            piece = 2 * (TABLE_ROWS if len(head) <= 2 else WIDE_TABLE_ROWS)
            for start in range(0, len(rest), piece):
                part = rest[start : start + piece]
                half = (len(part) + 1) // 2
                out += [r"\begin{center}"]
                out += _tabular([head, *part[:half]])
                if part[half:]:
                    out += [r"\quad", *_tabular([head, *part[half:]])]
                out += [r"\end{center}", ""]
    return "\n".join(out).rstrip() + "\n"
