"""``explain(root, leaf)``: the chain-rule derivation of one gradient, as a teacher writes it.

The derivation has four parts, in the order they go on the board:

1. symbolically -- ∂root/∂leaf as a sum over the chain-rule paths of products of local
   derivatives ∂v/∂u, with every node named (labels, or the expression that made the node);
2. with numbers -- each local derivative with its rule (σ·(1 − σ), 2·u, the weight...) and
   value, and each path's product;
3. the sum of the products, which is the gradient ``backward()`` computes;
4. optionally the gradient-descent update w' = w − a·∂E/∂w.

``round_intermediate=r`` mimics a hand calculation that rounds every number it writes down to
``r`` decimals (each local derivative, each partial product, the sum), as the tutorial this
project grew from did; the output says so and shows how far the rounded result is from the
exact one. The engine itself never rounds.

Formats: ``"text"`` (Unicode), ``"markdown"`` (GitHub-flavoured: headings and tables) and
``"latex"`` (``aligned`` environments in display math, to paste into a slide).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ..engine import Value
from ..engine.paths import DEFAULT_PATH_LIMIT, Path, paths
from ..viz.naming import (
    NodeNames,
    Sym,
    check_decimals,
    format_number,
    local_rule,
    md_code,
    md_fence,
    md_text,
    minus,
    printable,
    round_half_away,
    wrap,
)
from .latex import check_document, wrap_document

__all__ = ["explain", "FORMATS", "Derivation", "derive", "printed_decimals", "exact_sum"]

FORMATS = ("text", "markdown", "latex")
FACTORS_PER_LINE = 3  # symbolic factors per line: a first-layer path of the lesson has 6


@dataclass(frozen=True)
class Factor:
    """One local derivative ∂out/∂inp on a path: its symbol, its rule and its value."""

    symbol: Sym
    rule: Sym
    value: float  # as written on the board (rounded when round_intermediate is set)


@dataclass(frozen=True)
class PathTerm:
    """One path: the nodes it visits (leaf first) and its factors (root first, as written)."""

    nodes: tuple[Sym, ...]
    factors: tuple[Factor, ...]
    product: float  # as written on the board


@dataclass(frozen=True)
class Derivation:
    """Everything `explain` prints, as data (tests and the worked example read it)."""

    root: Sym
    leaf: Sym
    derivative: Sym  # ∂root/∂leaf
    terms: tuple[PathTerm, ...]
    total: float  # Σ products as written (rounded when round_intermediate is set)
    exact: float  # Σ exact products: the gradient backward() computes
    round_intermediate: int | None
    leaf_value: float
    lr: float | None
    updated: float | None  # leaf − lr·total


def _partial(num: Sym, den: Sym) -> Sym:
    num, den = wrap(num), wrap(den)  # ∂(a·b)/∂a, not ∂a·b/∂a
    return Sym(
        f"∂{num.text}/∂{den.text}",
        rf"\frac{{\partial {num.tex}}}{{\partial {den.tex}}}",
    )


def _check_options(
    format: object, precision: object, round_intermediate: object, lr: object
) -> None:
    if format not in FORMATS:
        raise ValueError(
            f"explain: format must be one of {', '.join(map(repr, FORMATS))}, got {format!r}"
        )
    if precision is not None and (
        isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17
    ):
        raise ValueError(
            f"explain: precision must be None or an int from 0 to 17, got {precision!r}"
        )
    check_decimals(round_intermediate, "explain: round_intermediate")
    if lr is not None and (
        isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr)
    ):
        raise ValueError(f"explain: lr must be None or a finite number, got {lr!r}")


def exact_sum(terms: Iterable[float]) -> float:
    """Σ terms, correctly rounded (``math.fsum``: the order of the paths does not matter); with
    an inf or nan among them, or a sum past the largest float, the IEEE sum instead, as the
    engine's own additions give it (inf + −inf is nan): ``fsum`` raises there."""
    xs = list(terms)
    try:
        return math.fsum(xs)
    except (OverflowError, ValueError):  # -inf + inf, or intermediate overflow
        return sum(xs, 0.0)


def printed_decimals(precision: int | None, round_intermediate: int | None) -> int:
    """The decimals a derivation prints: ``precision`` when given, else the rounding's (a hand
    calculation to 2 decimals writes 2 decimals), else 4."""
    if precision is not None:
        return precision
    return 4 if round_intermediate is None else round_intermediate


def _by_hand(values: list[float], decimals: int, *, multiply: bool) -> float:
    """The product (or sum) of ``values`` as printed, computed exactly and then rounded to
    ``decimals``, half away from zero: what a student redoing the line on paper gets (the
    binary product of the floats, rounded, is off by one in the last digit at a tie such as
    0.45·0.55 = 0.2475). Non-finite values give the float result."""
    if not all(math.isfinite(v) for v in values):
        return math.prod(values) if multiply else sum(values, 0.0)
    with localcontext() as context:
        context.prec = 1000  # exact: each factor has at most 17 significant digits
        result = Decimal(1) if multiply else Decimal(0)
        for v in values:
            number = Decimal(repr(v))
            result = result * number if multiply else result + number
        return float(result.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _update_by_hand(w: float, lr: float, g: float, decimals: int) -> float:
    """w − lr·g from the printed numbers, exactly, then rounded (as `_by_hand`)."""
    if not all(math.isfinite(v) for v in (w, lr, g)):
        return w - lr * g
    with localcontext() as context:
        context.prec = 1000
        value = Decimal(repr(w)) - Decimal(repr(float(lr))) * Decimal(repr(g))
        return float(value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def derive(
    root: Value,
    leaf: Value,
    *,
    round_intermediate: int | None = None,
    lr: float | None = None,
    limit: int = DEFAULT_PATH_LIMIT,
    names: NodeNames | None = None,
) -> Derivation:
    """The derivation of ∂root/∂leaf as data; `explain` formats it.

    ``names``: the `NodeNames` of ``root``'s graph, when the caller derives many leaves of one
    graph (naming every node costs as much as the graph is big: build it once).
    """
    _check_options("text", None, round_intermediate, lr)
    found: list[Path] = paths(root, leaf, limit=limit)
    if names is None:
        names = NodeNames(root)

    def rounded(x: float) -> float:
        return x if round_intermediate is None else round_half_away(x, round_intermediate)

    terms = []
    for path in found:
        factors = []
        # Written root first (∂E/∂y · ∂y/∂z · ... · ∂z/∂w), the order backward() multiplies in.
        for i in reversed(range(len(path.locals))):
            inp, out = path.nodes[i], path.nodes[i + 1]
            factors.append(
                Factor(
                    _partial(names(out), names(inp)),
                    local_rule(names, out, path.slots[i]),
                    rounded(path.locals[i]),
                )
            )
        values = [f.value for f in factors]
        product = (
            math.prod(values)
            if round_intermediate is None
            else _by_hand(values, round_intermediate, multiply=True)
        )
        terms.append(PathTerm(tuple(names(v) for v in path.nodes), tuple(factors), product))
    exact = exact_sum(p.product for p in found)
    products = [t.product for t in terms]
    total = (
        exact_sum(products)
        if round_intermediate is None
        else _by_hand(products, round_intermediate, multiply=False)
    )
    updated = None
    if lr is not None:
        updated = (
            leaf.data - lr * total
            if round_intermediate is None
            else _update_by_hand(leaf.data, lr, total, round_intermediate)
        )
    return Derivation(
        root=names(root),
        leaf=names(leaf),
        derivative=_partial(names(root), names(leaf)),
        terms=tuple(terms),
        total=total,
        exact=exact,
        round_intermediate=round_intermediate,
        leaf_value=leaf.data,
        lr=None if lr is None else float(lr),
        updated=updated,
    )


def explain(
    root: Value,
    leaf: Value,
    format: str = "text",
    precision: int | None = None,
    round_intermediate: int | None = None,
    lr: float | None = None,
    *,
    limit: int = DEFAULT_PATH_LIMIT,
    document: str | None = None,
) -> str:
    """The chain-rule derivation of ∂root/∂leaf: symbols, numbers, the sum, the update.

    ``precision`` is the number of decimals printed (default: ``round_intermediate`` when
    that is given, else 4); ``round_intermediate`` (1 to 17) rounds every intermediate number
    to that many decimals, half away from zero, as a hand calculation would (and reports the
    difference from the exact gradient); ``lr`` adds the update leaf' = leaf − lr·∂root/∂leaf.
    ``limit`` caps the number of paths listed (see `paths`). With ``format="latex"``,
    ``document="article"``, ``"standalone"`` or ``"beamer"`` returns a complete document that
    pdflatex compiles (see `autograd_mlp.teach.latex`); the default is the bare fragment.
    The graph is only read: no ``backward()`` is needed and no ``.grad`` is changed.

    >>> from autograd_mlp import Value
    >>> x = Value(2.0, label="x"); w = Value(-3.0, label="w")
    >>> y = x * w
    >>> y.label = "y"
    >>> print(explain(y, w).splitlines()[-1])
    ∂y/∂w = 2.0000
    """
    _check_options(format, precision, round_intermediate, lr)
    kind = check_document(document)
    if kind is not None and format != "latex":
        raise ValueError(f"explain: document={document!r} needs format='latex', got {format!r}")
    d = derive(root, leaf, round_intermediate=round_intermediate, lr=lr, limit=limit)
    precision = printed_decimals(precision, round_intermediate)
    if format == "latex":
        return wrap_document(_latex(d, precision), kind)
    plain = _spelt(d, printable)  # labels are the user's: one line, no control character
    if format == "markdown":
        return _markdown(plain, _spelt(d, md_text), precision)
    return _text(plain, precision)


def _spelt(d: Derivation, spell: Callable[[str], str]) -> Derivation:
    """``d`` with the text of every name passed through ``spell`` (labels are the user's:
    `printable` for a terminal, `md_text` for Markdown); the LaTeX spelling is escaped where
    the names are made (`autograd_mlp.viz.naming.tex_escape`)."""

    def sym(s: Sym) -> Sym:
        return Sym(spell(s.text), s.tex)

    terms = tuple(
        replace(
            t,
            nodes=tuple(sym(n) for n in t.nodes),
            factors=tuple(replace(f, symbol=sym(f.symbol), rule=sym(f.rule)) for f in t.factors),
        )
        for t in d.terms
    )
    return replace(d, root=sym(d.root), leaf=sym(d.leaf), derivative=sym(d.derivative), terms=terms)


# ------------------------------------------------------------------------------------------------
# Formatting helpers shared by the three formats
# ------------------------------------------------------------------------------------------------


def _num(x: float, precision: int) -> str:
    return format_number(x, precision)


def _paren(x: float, precision: int) -> str:
    """A number as a factor: negative ones in parentheses, as on a board."""
    s = _num(x, precision)
    return f"({s})" if s.startswith("−") else s


def _sum_text(d: Derivation, precision: int) -> str:
    """The sum line's right-hand side: Σ of the products = total (just the total for one path,
    whose product is the gradient)."""
    total = _num(d.total, precision)
    if len(d.terms) == 1:
        return total
    return " + ".join(_paren(t.product, precision) for t in d.terms) + " = " + total


def _symbolic_lines(d: Derivation, indent: str) -> list[str]:
    """∂root/∂leaf = Σ paths Π factors, one path per line and at most FACTORS_PER_LINE factors
    per line (a continuation starts with ·), so that it fits a terminal or a slide."""
    lhs = f"{indent}{d.derivative.text} = "
    plus = " " * (len(lhs) - 2) + "+ "
    times = " " * (len(lhs) - 2) + "  · "
    lines = []
    for i, t in enumerate(d.terms):
        symbols = [f.symbol.text for f in t.factors] or ["1"]  # the empty product
        for start in range(0, len(symbols), FACTORS_PER_LINE):
            lead = (lhs if i == 0 else plus) if start == 0 else times
            lines.append(lead + " · ".join(symbols[start : start + FACTORS_PER_LINE]))
    return lines


def _intro(d: Derivation) -> str:
    n = len(d.terms)
    paths_word = "path" if n == 1 else "paths"
    return (
        f"There {'is' if n == 1 else 'are'} {n} chain-rule {paths_word} from {d.leaf.text} to "
        f"{d.root.text}. The chain rule: {d.derivative.text} is the sum, over the paths, of the "
        "product of the local derivatives along each path."
    )


def _rounding_note(d: Derivation, precision: int) -> str:
    if d.round_intermediate is None:
        return ""
    r = d.round_intermediate
    digits = max(precision, r) + 4
    return (
        f"Every intermediate number above was rounded to {r} decimals (half away from zero), "
        f"as in a hand calculation. The exact gradient is {_num(d.exact, digits)}; the rounded "
        f"result {_num(d.total, digits)} is off by {minus(f'{abs(d.total - d.exact):.2e}')}. "
        "Rounding costs accuracy: the engine never rounds."
    )


def _lr_text(lr: float) -> str:
    """The learning constant as given (``:g`` keeps 6 significant digits: only when exact)."""
    short = f"{lr:g}"
    return short if float(short) == lr else repr(lr)


def _leaf_text(d: Derivation, precision: int) -> str:
    """The leaf's value in the update: as it is when rounding by hand (the update is computed
    from it as it is), else with the printed decimals."""
    if d.round_intermediate is None or not math.isfinite(d.leaf_value):
        return _num(d.leaf_value, precision)
    text = repr(d.leaf_value)
    return minus(text[:-2] if text.endswith(".0") else text)


def _update_text(d: Derivation, precision: int) -> str:
    assert d.lr is not None and d.updated is not None  # only called when lr was given
    leaf = d.leaf.text
    return (
        f"{leaf}' = {leaf} − a·{d.derivative.text} = {_leaf_text(d, precision)} − "
        f"{_lr_text(d.lr)}·{_paren(d.total, precision)} = {_num(d.updated, precision)}"
    )


# ------------------------------------------------------------------------------------------------
# text
# ------------------------------------------------------------------------------------------------


def _text(d: Derivation, precision: int) -> str:
    title = f"{d.derivative.text} by the chain rule"
    lines = [title, "=" * len(title), "", _intro(d), "", "1. Symbolically", ""]
    lines += _symbolic_lines(d, "  ")
    lines += ["", "2. With numbers", ""]
    for i, t in enumerate(d.terms, 1):
        lines.append(f"  path {i}: " + " → ".join(n.text for n in t.nodes))
        width_sym = max(len(f.symbol.text) for f in t.factors) if t.factors else 0
        width_rule = max(len(f.rule.text) for f in t.factors) if t.factors else 0
        for f in t.factors:
            lines.append(
                f"    {f.symbol.text:<{width_sym}} = {f.rule.text:<{width_rule}} = "
                f"{_num(f.value, precision)}"
            )
        lines.append(
            f"    {'product':<{width_sym + width_rule + 3}} = {_num(t.product, precision)}"
        )
    lines += ["", "3. The sum", ""]
    lines.append(f"  {d.derivative.text} = {_sum_text(d, precision)}")
    note = _rounding_note(d, precision)
    if note:
        lines += ["", note]
    if d.lr is not None:
        lines += [
            "",
            f"4. The update (learning rate a = {_lr_text(d.lr)})",
            "",
            "  " + _update_text(d, precision),
        ]
    lines += ["", f"{d.derivative.text} = {_num(d.total, precision)}"]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# markdown (GitHub-flavoured)
# ------------------------------------------------------------------------------------------------


def _fenced(lines: list[str]) -> list[str]:
    """``lines`` as a Markdown code block (``text``) whose fence none of them can close."""
    fence = md_fence(lines)
    return [f"{fence}text", *lines, fence]


def _markdown(d: Derivation, md: Derivation, precision: int) -> str:
    """``d``'s names are one-line text, for code; ``md``'s the same escaped for Markdown."""
    lines = [
        f"### {md.derivative.text} by the chain rule",
        "",
        _intro(md),
        "",
        "**Symbolically**",
        "",
    ]
    lines += _fenced(_symbolic_lines(d, ""))
    lines += ["", "**With numbers**", ""]
    for i, (t, t_md) in enumerate(zip(d.terms, md.terms), 1):
        lines.append(f"Path {i}: {md_code(' → '.join(n.text for n in t.nodes))}")
        lines += ["", "| local derivative | rule | value |", "| --- | --- | ---: |"]
        for f in t_md.factors:  # md_text escapes a cell's | as well
            lines.append(f"| {f.symbol.text} | {f.rule.text} | {_num(f.value, precision)} |")
        lines += [f"| **product** | | **{_num(t.product, precision)}** |", ""]
    lines.append("**The sum**")
    lines += ["", *_fenced([f"{d.derivative.text} = {_sum_text(d, precision)}"])]
    note = _rounding_note(d, precision)
    if note:
        lines += ["", f"> {note}"]
    if d.lr is not None:
        lines += ["", f"**The update** (learning rate a = {_lr_text(d.lr)})", ""]
        lines += _fenced([_update_text(d, precision)])
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------
# LaTeX
# ------------------------------------------------------------------------------------------------


def _tex_text(s: str) -> str:
    """Plain prose for a LaTeX document: escape specials, spell Unicode math in math mode."""
    out = []
    for ch in s:
        if ch in "#$%&_{}":
            out.append("\\" + ch)
        elif ch == "∂":
            out.append(r"$\partial$")
        elif ch == "−":
            out.append("$-$")  # a minus sign, not a hyphen
        elif ch == "·":
            out.append(r"$\cdot$")
        elif ch == "σ":
            out.append(r"$\sigma$")
        elif ch == "²":
            out.append(r"$^2$")
        else:
            out.append(ch)
    return "".join(out)


def _latex(d: Derivation, precision: int) -> str:
    rows = [
        rf"{d.derivative.tex} &= \sum_{{\text{{paths}}}} \prod_{{(u \to v)}} "
        r"\frac{\partial v}{\partial u} \\"
    ]
    for i, t in enumerate(d.terms):
        # A slide is about three fractions wide: longer products continue on the next row.
        lead = "&= " if i == 0 else r"&\quad + "
        symbols = [f.symbol.tex for f in t.factors] or ["1"]  # the empty product
        for start in range(0, len(symbols), FACTORS_PER_LINE):
            chunk = r" \cdot ".join(symbols[start : start + FACTORS_PER_LINE])
            rows.append((lead if start == 0 else r"&\qquad \cdot ") + chunk + r" \\")
    for i, t in enumerate(d.terms):
        lead = "&= " if i == 0 else r"&\quad + "
        factors = r" \cdot ".join(_paren(f.value, precision) for f in t.factors) or "1"
        rows.append(lead + r"\left(" + factors + r"\right) \\")
    if len(d.terms) > 1:
        rows.append("&= " + " + ".join(_paren(t.product, precision) for t in d.terms) + r" \\")
    rows.append("&= " + _num(d.total, precision))
    out = [  # a comment ends at the line's end: the label in it must not end the line (N2)
        f"% {printable(d.derivative.text)} over {len(d.terms)} chain-rule "
        f"{'path' if len(d.terms) == 1 else 'paths'} (autograd_mlp.explain)",
        r"\[",
        r"\begin{aligned}",
        *rows,
        r"\end{aligned}",
        r"\]",
    ]
    note = _rounding_note(d, precision)
    if note:
        out.append(_tex_text(note))
    if d.lr is not None and d.updated is not None:
        out += [
            r"\[",
            r"\begin{aligned}",
            rf"{d.leaf.tex}' &= {d.leaf.tex} - a \, {d.derivative.tex} \\",
            rf"&= {_leaf_text(d, precision)} - {_lr_text(d.lr)} \cdot "
            rf"{_paren(d.total, precision)} \\",
            rf"&= {_num(d.updated, precision)}",
            r"\end{aligned}",
            r"\]",
        ]
    return "\n".join(out).replace("−", "-") + "\n"  # LaTeX makes its own minus sign from -
