"""exercise() and check(): blanked worksheets, answer keys and marked answers."""

from __future__ import annotations

import contextlib
import io
import math
import re
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.cli import main
from autograd_mlp.teach.exercise import check, exercise
from autograd_mlp.teach.lesson import LESSON_X, lesson_error, lesson_network
from autograd_mlp.viz import format_number
from tests.conftest import needs


def _example() -> tuple[Value, Value, Value]:
    # y = a·b + a with a = 2, b = −3. By hand: a·b = −6, y = −4; dy/d(a·b) = 1,
    # dy/db = a = 2, dy/da = b + 1 = −2 (a is used twice: two terms).
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b + a
    y.label = "y"
    return y, a, b


def test_grad_blanks_in_backward_order_with_hand_answers() -> None:
    y, a, b = _example()
    ex = exercise(y, hide="grad")
    assert [bl.name for bl in ex.blanks] == ["grad of a·b", "grad of b", "grad of a"]
    assert [bl.answer for bl in ex.blanks] == [1.0, 2.0, -2.0]
    dot = ex.graph.source
    for n in (1, 2, 3):
        assert f"grad ?{n}<" in dot
    assert "grad 1.0000" in dot  # the root shows its seed
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)  # nothing was run backward
    key = ex.answer_key()
    assert "?3  grad of a = −2.0000" in key
    assert "(−3.0000) × 1.0000 + 1.0000 × 1.0000 = −2.0000" in key  # the chain rule, two uses


def test_check_marks_answers_and_explains_wrong_ones() -> None:
    y, _, _ = _example()
    ex = exercise(y)
    report = check(ex, [1.0, 2.0, -1.0])
    assert [m.correct for m in report.marks] == [True, True, False]
    assert report.score == 2 and not report.all_correct
    text = str(report)
    assert "2 of 3 correct" in text
    assert "?3  grad of a: −1.0000 is wrong; expected −2.0000" in text
    assert "grad of a = Σ over its uses of local × grad of the output" in text
    # mappings with numbers or "?n" keys; missing answers are marked, not an error
    report = check(ex, {"?1": 1.0004, 3: -2.0})
    assert [m.correct for m in report.marks] == [True, False, True]
    assert "?2  grad of b: no answer; expected 2.0000" in str(report)
    assert check(ex, [1, 2, -2]).all_correct
    assert not check(ex, [1.01, 2, -2], tol=1e-3).all_correct
    assert check(ex, [1.01, 2, -2], tol=0.02).all_correct


def test_data_and_local_exercises() -> None:
    y, _, _ = _example()
    data = exercise(y, hide="data")
    assert [bl.answer for bl in data.blanks] == [-6.0, -4.0]  # forward order
    assert "data ?1<" in data.graph.source and '">grad ' not in data.graph.source
    local = exercise(y, hide="local")
    # ∂(a·b)/∂a = b, ∂(a·b)/∂b = a, ∂y/∂(a·b) = 1, ∂y/∂a = 1
    assert [bl.answer for bl in local.blanks] == [-3.0, 2.0, 1.0, 1.0]
    assert local.blanks[0].hint == "∂(a·b)/∂a = b = −3.0000"
    assert local.graph.source.count(">?") == 4  # each edge label is a numbered blank


def test_seed_picks_a_reproducible_subset_on_the_lesson() -> None:
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    error = lesson_error(y)
    one = exercise(error, seed=7, count=5)
    two = exercise(error, seed=7, count=5)
    assert [b.name for b in one.blanks] == [b.name for b in two.blanks]
    assert len(one.blanks) == 5 and [b.number for b in one.blanks] == [1, 2, 3, 4, 5]
    everything = exercise(error)
    error.backward()
    by_name = {b.name: b.answer for b in everything.blanks}
    for p in model.parameters():  # the expected answers are backward()'s gradients
        assert by_name[f"grad of {p.label}"] == pytest.approx(p.grad, rel=1e-12)
    md = everything.answer_key("markdown")
    assert md.startswith("# Answer key: gradients\n")
    rows = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(rows) == len(everything.blanks) + 2


def test_given_gradients_come_from_the_chain_rule_not_from_grad() -> None:
    # With count, some gradients are given. Before backward() every .grad is 0, and after two
    # backward() calls it is doubled: the worksheet must print the true gradient either way.
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    error = lesson_error(y)
    fresh = exercise(error, seed=3, count=4).graph.source
    error.backward()
    error.backward()  # accumulates: every .grad is now twice the gradient
    stale = exercise(error, seed=3, count=4).graph.source
    assert fresh == stale
    w = model.layers[0].neurons[0].w[0]
    assert f"grad {format_number(w.grad / 2)}<" in fresh  # ∂E/∂L1.N1.w1 = −0.2121, given
    assert f"grad {format_number(w.grad)}<" not in fresh
    assert fresh.count("grad ?") == 4


def test_data_exercise_hides_the_numbers_that_give_the_answers_away() -> None:
    y, _, _ = _example()
    dot = exercise(y, hide="data").graph.source
    # no gradients (they would need the values) and no local derivatives (∂(a·b)/∂a = b ...)
    assert '">grad ' not in dot and "−3.0000</" not in dot.split("->", 1)[1]
    assert "data 2.0000" in dot and "data −3.0000" in dot  # the leaves are given


def test_worksheet_caption_says_what_to_fill_in_and_how() -> None:
    y, _, _ = _example()
    assert "Fill in the 3 blanks ?1 … ?3 in order: the grad of a box = Σ over its arrows" in (
        exercise(y).graph.source
    )
    assert "the value of each box, from its inputs" in exercise(y, hide="data").graph.source
    assert "local derivative ∂out/∂in on each arrow" in exercise(y, hide="local").graph.source
    assert "Fill in ?1 in order" in exercise(y, count=1, seed=0).graph.source


def test_bad_input() -> None:
    y, _, _ = _example()
    with pytest.raises(ValueError, match="hide must be one of 'grad', 'data', 'local'"):
        exercise(y, hide="weights")
    with pytest.raises(ValueError, match="nothing to hide"):
        exercise(Value(1.0), hide="data")
    ex = exercise(y)
    with pytest.raises(ValueError, match=r"'\?9' is not a blank number \(expected 1 to 3"):
        check(ex, {"?9": 1.0})
    with pytest.raises(TypeError, match="answer to \\?2 must be a number, got str"):
        check(ex, [1.0, "2"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="4 answers for 3 blanks"):
        check(ex, [1, 2, 3, 4])


def test_cli_writes_worksheet_and_answer_key(tmp_path: Path) -> None:
    needs("pygraphviz")
    out = tmp_path / "worksheet.png"
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["exercise", "x*w + b", "--set", "x=2", "w=-3", "b=1", "-o", str(out)])
    assert code == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    key = (tmp_path / "worksheet.answers.md").read_text(encoding="utf-8")
    # by hand: d/dw (x·w + b) = x = 2, d/dx = w = −3, d/db = 1
    assert "| grad of w | 2.0000 |" in key and "| grad of x | −3.0000 |" in key
    assert "worksheet.answers.md" in stdout.getvalue()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["exercise", "x*w", "--set", "x=2", "w=1", "-o", str(tmp_path / "a.txt")]) == 2
        assert main(["exercise", "__import__('os')", "-o", str(out)]) == 2
        assert main(["exercise", "x*w", "--set", "x=2", "-o", str(out)]) == 2
    assert "must end in .png, .pdf or .svg" in err.getvalue()


def test_cli_pdf_worksheet_with_local_blanks_and_a_seeded_subset(tmp_path: Path) -> None:
    needs("pygraphviz")
    out = tmp_path / "sheets" / "local.pdf"
    argv = ["exercise", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.88", "-o", str(out)]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--hide", "local", "--count", "2", "--seed", "4"]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    key = (tmp_path / "sheets" / "local.answers.md").read_text(encoding="utf-8")
    assert key.startswith("# Answer key: local derivatives\n")
    assert key.count("\n| ?") == 2  # two blanks, as asked
    # the same seed gives the same worksheet as the Python API
    from autograd_mlp.expr import build

    root, _ = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    assert key == exercise(root, hide="local", count=2, seed=4).answer_key("markdown")


def test_names_put_parentheses_where_the_math_needs_them() -> None:
    from autograd_mlp.teach.naming import NodeNames

    x, w, b, c, d = (Value(1.0, label=n) for n in "xwbcd")
    cases = [
        ((x * w + b).tanh(), "tanh(x·w + b)"),  # one pair, not tanh((x·w + b))
        (x / ((b + c) * (c + d)), "x/((b + c)·(c + d))"),  # the whole product is the divisor
        (((x + b) * (c + d)).exp(), "exp((x + b)·(c + d))"),
        ((x + b) * (c - d), "(x + b)·(c − d)"),
        (x.tanh() * 2, "tanh(x)·2"),  # a function's value is one operand, not (tanh(x))·2
        (1 / x.sigmoid(), "1/σ(x)"),
        (-((x * w).exp()), "−exp(x·w)"),
        ((x + b).tanh() ** 2, "tanh(x + b)²"),
    ]
    for root, text in cases:
        assert NodeNames(root)(root).text == text


def test_an_op_of_the_users_own_is_named_and_differentiated_by_its_name() -> None:
    # Value(data, label, inputs, local derivatives, op): softplus(x) = ln(1 + eˣ), whose
    # derivative is σ(x); at x = 0 that is ln 2 and 1/2. max(ln 2, −3) = ln 2 passes the
    # gradient to its first input only, so ∂y/∂x = 2 · 1 · 1/2 = 1 (hand computation).
    from autograd_mlp.teach import explain

    x, w = Value(0.0, label="x"), Value(-3.0, label="w")
    soft = Value(math.log(2.0), "", (x,), (0.5,), "softplus")
    top = Value(math.log(2.0), "", (soft, w), (1.0, 0.0), "max")
    y = top * 2
    y.label = "y"
    y.backward()
    text = explain(y, x)
    assert "path 1: x → softplus(x) → max(softplus(x), w) → y" in text
    assert re.search(r"∂softplus\(x\)/∂x += softplus′\(x\) += 0\.5000", text)
    assert re.search(r"= ∂max/∂softplus\(x\) += 1\.0000", text)
    assert text.endswith("∂y/∂x = 1.0000")
    assert "| softplus′(x) | 0.5000 |" in explain(y, x, format="markdown")
    latex = explain(y, x, format="latex")
    assert r"\partial \operatorname{softplus}\left(\mathrm{x}\right)" in latex
    odd = Value(1.0, "", (x,), (1.0,), "my op")  # not a word: named op#index, as before
    assert "path 1: x → my op#1" in explain(odd, x)


def test_a_hint_whose_rounded_factors_miss_the_last_digit_says_approximately() -> None:
    # tanh(0.7·(−1.3) + 0.45)·3: tanh(−0.46) = −0.430084, so ∂/∂(x·w + b) = (1 − tanh²)·3
    # = 0.815028·3 = 2.445083, shown as 2.4451; but its factors are shown as 0.8150 × 3.0000,
    # whose product 2.4450 misses the last digit (hand computation)
    x, w, b = Value(0.7, label="x"), Value(-1.3, label="w"), Value(0.45, label="b")
    root = (x * w + b).tanh() * 3
    hints = {bl.name: bl.hint for bl in exercise(root, hide="grad").blanks}
    assert hints["grad of (x·w + b)"].endswith("0.8150 × 3.0000 ≈ 2.4451")
    assert hints["grad of w"].endswith("0.7000 × 2.4451 = 1.7116")  # right to the last digit
    # a tiny factor is shown in scientific notation, and the product of what is shown is exact
    x, y = Value(1e-6, label="x"), Value(2.0, label="y")
    hints = {bl.name: bl.hint for bl in exercise(x * y, hide="grad").blanks}
    assert hints["grad of y"].endswith("1.000e−06 × 1.0000 = 1.000e−06")
