"""explain(): the chain-rule derivation in text, markdown and LaTeX."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.teach.explain import derive, explain
from autograd_mlp.teach.lesson import LESSON_X, lesson_error, lesson_network
from tests.latex_tools import compile_latex


def _lesson_error() -> tuple[Value, list[Value]]:
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    return lesson_error(y), model.parameters()


def _balanced_braces(tex: str) -> bool:
    depth = 0
    for m in re.finditer(r"\\.|[{}]", tex):  # skip escaped characters such as \{ and \\
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _hand_example() -> tuple[Value, Value, Value]:
    # y = tanh(x·w + b) with x = 2, w = -3: the README's example. Hand algebra:
    # z = -6 + b, dy/dw = (1 - y²)·x.
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.5, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    return y, w, x


def test_text_has_symbols_numbers_sum_and_update() -> None:
    y, w, _ = _hand_example()
    yv = math.tanh(0.5)  # z = 2·(-3) + 6.5 = 0.5
    grad = (1 - yv * yv) * 2.0  # 0.7864...
    out = explain(y, w, lr=0.1)
    assert "∂y/∂w = ∂y/∂(x·w + b) · ∂(x·w + b)/∂(x·w) · ∂(x·w)/∂w" in out
    assert "1 − y²" in out  # the rule for tanh, with the node's name
    assert f"= {grad:.4f}" in out
    assert f"= −3.0000 − 0.1·{grad:.4f} = −{3.0 + 0.1 * grad:.4f}" in out  # w' = w − a·grad
    assert out.splitlines()[-1] == f"∂y/∂w = {grad:.4f}"


def test_lesson_first_layer_weight_is_a_sum_of_two_terms() -> None:
    error, params = _lesson_error()
    error.backward()
    w = params[0]
    d = derive(error, w)
    assert len(d.terms) == 2
    assert d.total == pytest.approx(w.grad, rel=1e-12)
    text = explain(error, w)
    sums = [line for line in text.splitlines() if line.startswith("  ∂E/∂L1.N1.w1 = (")]
    assert len(sums) == 1 and sums[0].count(" + ") == 1
    # names from the lesson network's labels and from the ops of the error
    for name in ("L1.N1.z", "L1.N1.a", "L2.N1.z", "L2.N2.z", "(t1 − L2.N1.z)²", "E"):
        assert name in text


def test_round_intermediate_reproduces_a_hand_calculation() -> None:
    a = Value(0.123456, label="a")
    y = a * a
    y.label = "y"
    # By hand with 2 decimals: each path's local derivative is a = 0.12, the sum 0.24.
    # Exactly: dy/da = 2a = 0.246912, so the rounded result is off by 0.006912.
    out = explain(y, a, round_intermediate=2, precision=2)
    assert "∂y/∂a = 0.12 + 0.12 = 0.24" in out
    assert "rounded to 2 decimals" in out
    assert "0.246912" in out
    assert "6.91e−03" in out
    d = derive(y, a, round_intermediate=2)
    assert d.total == 0.24 and d.exact == pytest.approx(0.246912)


def test_latex_is_balanced_and_uses_aligned() -> None:
    error, params = _lesson_error()
    for p in (params[0], params[-1]):
        tex = explain(error, p, format="latex", lr=0.02, round_intermediate=4)
        assert _balanced_braces(tex), tex
        assert tex.count(r"\begin{aligned}") == tex.count(r"\end{aligned}") == 2
        assert tex.count(r"\[") == tex.count(r"\]") == 2
        assert r"\frac{\partial \mathrm{E}}{\partial \mathrm{" in tex
        body = tex.split(r"\[")[1]
        assert "∂" not in body and "−" not in body  # math mode holds only LaTeX
    assert not _balanced_braces("{a}}")  # the checker itself can fail


def _latex_problems(tex: str) -> list[str]:
    """A small sanity parser for what LaTeX itself would reject in our output.

    Display math \\[ ... \\] holding exactly one aligned environment; inside it every row (split
    at \\\\) has one alignment point & and as many \\left as \\right (they cannot span rows);
    braces balance; no Unicode mathematics inside math mode.
    """
    problems = []
    if not _balanced_braces(tex):
        problems.append("unbalanced braces")
    displays = re.findall(r"\\\[(.*?)\\\]", tex, re.S)
    if len(displays) != tex.count(r"\[") or len(displays) != tex.count(r"\]"):
        problems.append("unmatched \\[ or \\]")
    for body in displays:
        inner = re.fullmatch(r"\s*\\begin\{aligned\}(.*)\\end\{aligned\}\s*", body, re.S)
        if inner is None:
            problems.append("display math without exactly one aligned environment")
            continue
        if re.search("[∂−·σΣ²→]", inner.group(1)):
            problems.append("Unicode mathematics inside math mode")
        for row in inner.group(1).split(r"\\"):
            if not row.strip():
                problems.append("empty row")
            if row.count("&") != 1:
                problems.append(f"row with {row.count('&')} alignment points: {row.strip()}")
            if len(re.findall(r"\\left\b", row)) != len(re.findall(r"\\right\b", row)):
                problems.append(f"\\left/\\right across rows: {row.strip()}")
    return problems


def test_latex_rows_are_well_formed_for_every_parameter() -> None:
    error, params = _lesson_error()
    y, w, x = _hand_example()
    a = Value(1.5, label="a")
    cases = [(error, p) for p in params] + [(y, w), (y, x), (a, a), (a * a, a)]
    for root, leaf in cases:
        for options in ({}, {"lr": 0.02, "round_intermediate": 4}):
            tex = explain(root, leaf, format="latex", **options)  # type: ignore[arg-type]
            assert _latex_problems(tex) == [], tex
    # the checker itself can fail
    assert _latex_problems(r"\[ \begin{aligned} a &= \left( b \\ &= c \right) \end{aligned} \]")
    assert _latex_problems(r"\[ \begin{aligned} a &= b & c \end{aligned} \]")
    assert _latex_problems(r"\[ x = 1 \]")


def test_latex_long_products_continue_on_the_next_row() -> None:
    # A first-layer weight's path has 6 local derivatives: 2 rows of 3 per path on a slide.
    error, params = _lesson_error()
    tex = explain(error, params[0], format="latex")
    rows = tex.split(r"\begin{aligned}")[1].split(r"\end{aligned}")[0].split(r"\\")
    symbolic = [r for r in rows if r"\partial" in r][1:]  # after the general formula
    assert len(symbolic) == 4
    assert [r.count(r"\frac{\partial") for r in symbolic] == [3, 3, 3, 3]
    leads = [r.strip().split(r"\frac")[0].strip() for r in symbolic]
    assert leads == ["&=", r"&\qquad \cdot", r"&\quad +", r"&\qquad \cdot"]


def test_text_products_wrap_and_a_single_path_is_its_own_sum() -> None:
    error, params = _lesson_error()
    text = explain(error, params[0])
    section = text.split("1. Symbolically\n\n")[1].split("\n\n")[0].splitlines()
    assert len(section) == 4  # 2 paths x 2 lines of 3 factors
    assert [ln.count("∂") for ln in section] == [8, 6, 6, 6]  # the first line has ∂E/∂w too
    assert section[1].lstrip().startswith("· ") and section[2].lstrip().startswith("+ ")
    b = next(p for p in params if p.label == "L2.N1.b")
    assert "\n  ∂E/∂L2.N1.b = −1.7864\n" in explain(error, b)  # no "(−1.7864) = −1.7864"
    tex = explain(error, b, format="latex")
    assert r"&= -1.7864" in tex and "(-1.7864)" not in tex


def test_root_is_leaf_is_the_empty_product() -> None:
    a = Value(1.5, label="a")
    text = explain(a, a)
    assert "  ∂a/∂a = 1\n" in text and text.endswith("∂a/∂a = 1.0000")
    assert "over 1 chain-rule path " in explain(a, a, format="latex")


def test_latex_escapes_labels() -> None:
    u = Value(2.0, label="w_1")
    v = u * 3.0
    v.label = "loss%"
    tex = explain(v, u, format="latex")
    assert r"\mathrm{w\_1}" in tex and r"\mathrm{loss\%}" in tex
    assert _balanced_braces(tex)


def test_markdown_structure() -> None:
    error, params = _lesson_error()
    md = explain(error, params[0], format="markdown", lr=0.02, round_intermediate=4)
    lines = md.splitlines()
    assert lines[0].startswith("### ")
    assert md.count("```") % 2 == 0
    tables = [ln for ln in lines if ln.startswith("|")]
    assert tables and all(ln.count("|") - ln.count("\\|") == 4 for ln in tables)
    assert sum(ln == "| --- | --- | ---: |" for ln in lines) == 2  # one table per path
    assert any(ln.startswith("> Every intermediate number") for ln in lines)
    # and it renders: a table per path, code blocks for the symbols, the sum and the update,
    # the rounding note as a quotation
    import markdown

    page = markdown.markdown(md, extensions=["tables", "fenced_code"])
    assert page.count("<table>") == 2 and page.count("<pre><code") == 3
    assert page.count("<blockquote>") == 1 and page.startswith("<h3>")
    assert "<strong>product</strong>" in page


def test_unlabelled_nodes_get_readable_names() -> None:
    y = Value(0.25, label="y")
    e = (1 - y) ** 2
    out = explain(e, y)
    assert "(1 − y)²" in out  # expression names, constants as numbers
    z = Value(0.1, label="z")
    deep = z
    for _ in range(6):
        deep = deep.tanh()
    assert "tanh#" in explain(deep, z)  # too long to spell out: op#index


def test_bad_options() -> None:
    y, w, _ = _hand_example()
    with pytest.raises(ValueError, match=r"format must be one of 'text'.*got 'html'"):
        explain(y, w, format="html")
    with pytest.raises(ValueError, match=r"precision must be None or an int.*got -1"):
        explain(y, w, precision=-1)
    with pytest.raises(ValueError, match=r"round_intermediate.*got 2.5"):
        explain(y, w, round_intermediate=2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lr must be None or a finite number"):
        explain(y, w, lr=float("nan"))


def test_round_sets_the_printed_decimals_and_refuses_zero() -> None:
    a = Value(0.125, label="a")
    y = a * 2.0
    y.label = "y"
    # by hand: ∂y/∂a = 2 exactly; a is 0.125 → 0.13 with 2 decimals, half away from zero
    assert explain(y, a, round_intermediate=2).splitlines()[-1] == "∂y/∂a = 2.00"
    assert explain(y, a).splitlines()[-1] == "∂y/∂a = 2.0000"
    assert explain(y, a, round_intermediate=2, precision=5).splitlines()[-1] == "∂y/∂a = 2.00000"
    assert "half away from zero" in explain(y, a, round_intermediate=2)
    z = a * a
    z.label = "z"
    assert derive(z, a, round_intermediate=2).terms[0].factors[0].value == 0.13  # not 0.12
    for bad in (0, -2):
        with pytest.raises(ValueError, match="whole number of decimals from 1 to 17"):
            explain(y, a, round_intermediate=bad)


def test_latex_documents_of_every_lesson_parameter_compile(tmp_path: Path) -> None:
    error, params = _lesson_error()
    body = "\n".join(explain(error, p, format="latex", lr=0.02) for p in params)
    from autograd_mlp.teach.latex import wrap_document

    compile_latex(wrap_document(body, "article"), tmp_path / "all")
    w = params[0]
    for document in ("article", "standalone", "beamer"):
        tex = explain(error, w, format="latex", round_intermediate=4, document=document)
        assert tex.count(r"\documentclass") == 1
        compile_latex(tex, tmp_path / document)
    with pytest.raises(ValueError, match="needs format='latex'"):
        explain(error, w, document="article")
