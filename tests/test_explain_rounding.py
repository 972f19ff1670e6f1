"""``explain --round N``: hand rounding that a student can redo from the page.

`tests.hand_checker` reads the printed text only and recomputes every all-number step from the
printed numbers (never from the engine's floats). These tests run it over N = 1..6 for the
default lesson, the random lessons of 1 to 4 layers of `tests.lessons`, and lessons built here
to provoke the cases a hand calculation gets wrong (ties, sigmoid outputs, given numbers with
more decimals than N, every error convention); and they show that the checker can fail.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import re
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd_mlp import Value
from autograd_mlp.commands.cli import main
from autograd_mlp.teach.explain import derive, explain
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.teach.worked import worked_example
from tests.hand_checker import check_hand_rounding, evaluate, parse, round_half_away
from tests.lessons import SHAPE_IDS, SHAPES

DECIMALS = range(1, 7)


def _lesson(sizes: list[int], acts: list[str], error: str = "sum", seed: int = 0) -> Lesson:
    """A lesson of these sizes (inputs first) with numbers of 1 to 3 decimals."""
    import random

    rng = random.Random(seed)

    def num() -> float:
        return rng.choice([round(rng.uniform(-1, 1), rng.choice([1, 2, 3])), 0.125, -0.35]) or 0.5

    layers = [
        {
            "activation": act,
            "weights": [[num() for _ in range(a)] for _ in range(b)],
            "biases": [num() for _ in range(b)],
        }
        for a, b, act in zip(sizes, sizes[1:], acts)
    ]
    return Lesson(
        inputs=[num() for _ in range(sizes[0])],
        targets=[num() for _ in range(sizes[-1])],
        layers=layers,
        learning_rate=0.125,
        error=error,  # type: ignore[arg-type]
    )


BUILT = {  # sizes 1 to 4 layers of weights, every activation in and out, every convention
    "1-1 sigmoid": _lesson([1, 1], ["sigmoid"], "half", 1),
    "4-3 tanh": _lesson([4, 3], ["tanh"], "mean", 2),
    "2-3-1 sigmoid out": _lesson([2, 3, 1], ["relu", "sigmoid"], "sum", 3),
    "3-2-2-2 tanh": _lesson([3, 2, 2, 2], ["tanh", "sigmoid", "tanh"], "mean", 4),
    "2-2-3-2-1": _lesson([2, 2, 3, 2, 1], ["sigmoid", "linear", "tanh", "linear"], "half", 5),
}


def _assert_adds_up(text: str, decimals: int, what: str, decimal: str = ".") -> None:
    report = check_hand_rounding(text, decimals, decimal)
    assert not report.mismatches, f"{what}, {decimals} decimals:\n" + "\n".join(
        report.mismatches[:20]
    )
    sections = [s for s in report.checked if report.checked[s]]
    assert sum(report.checked.values()) >= 20, (what, report.checked)
    # the checker saw every section with arithmetic in it
    for needed in ("Forward pass", "The error", "Output layer", "The update"):
        assert any(s.startswith(needed) for s in sections), (what, needed, sections)
    if "The same gradients layer by layer" in text:
        assert any(s.startswith("The same gradients") for s in sections), (what, sections)
        assert any(s.startswith("Hidden layer") for s in sections), (what, sections)


def _explain_cli(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", *args]) == 0
    return out.getvalue()


@pytest.mark.parametrize("decimals", DECIMALS)
def test_explain_round_of_the_default_lesson_adds_up(decimals: int) -> None:
    text = _explain_cli("--round", str(decimals))
    _assert_adds_up(text, decimals, "default lesson")
    # the rule is said once
    assert text.count("every result is computed from the numbers printed before it") == 1
    _check_error_after_update(text, DEFAULT_LESSON, decimals)


@pytest.mark.parametrize("lesson", SHAPES, ids=SHAPE_IDS)
def test_explain_round_of_lessons_of_1_to_4_layers_adds_up(lesson: Lesson) -> None:
    for decimals in DECIMALS:
        text = worked_example(lesson=lesson, round_intermediate=decimals, steps=1)
        _assert_adds_up(text, decimals, repr(lesson.sizes))
        _check_error_after_update(text, lesson, decimals)


@pytest.mark.parametrize("name", list(BUILT))
def test_explain_round_of_built_lessons_adds_up(name: str) -> None:
    lesson = BUILT[name]
    for decimals in DECIMALS:
        text = worked_example(lesson=lesson, round_intermediate=decimals, steps=1)
        _assert_adds_up(text, decimals, name)
        _check_error_after_update(text, lesson, decimals)


def test_the_built_lessons_vary() -> None:
    assert {len(lesson.layers) for lesson in BUILT.values()} == {1, 2, 3, 4}
    assert {lesson.error for lesson in BUILT.values()} == {"sum", "half", "mean"}
    outs = {lesson.layers[-1].activation for lesson in BUILT.values()}
    assert {"sigmoid", "tanh", "linear"} <= outs


def test_the_issues_examples_are_right_now() -> None:
    """The three wrong lines of the issue: (−1.78)·0.45 = −0.81, ∂E/∂y1 = −1.78 and two lines
    later −1.79; E from the printed outputs."""
    text = _explain_cli("--round", "2")
    assert "(−1.78)·0.45 = −0.80" in text
    assert "∂E/∂y1·1 = (−1.78)·1 = −1.78" in text and "−1.79" not in text
    assert "(1 − 0.11)² + (0 − 0.54)² = 1.08" in text
    # 1 − h is written with the printed h, so the student need not trust a second number
    assert "0.45·(1 − 0.45)" in text


def _error_after(text: str) -> Fraction:
    m = re.search(r"from the printed W' \(rounded as above\) gives E = (\S+) \(from", text)
    assert m, "E after the update by hand is said"
    node = parse(m[1])
    assert node is not None
    return evaluate(node)


def _check_error_after_update(text: str, lesson: Lesson, decimals: int) -> None:
    """E after the update, redone from the printed W' (the update table) and the given x."""
    start = text.index("The update with")
    table = text[start : text.index("Training on", start)]
    new: dict[str, Fraction] = {}
    for line in table.splitlines():
        cells = re.split(r" {3,}", line.strip())
        if len(cells) == 4 and re.fullmatch(r"L\d+\.N\d+\.(w\d+|b)", cells[0]):
            value = parse(cells[3])
            assert value is not None
            new[cells[0]] = evaluate(value)

    def r(v: Fraction) -> Fraction:
        return round_half_away(v, decimals)

    def f(act: str, z: Fraction) -> Fraction:
        if act == "linear":
            return z
        if act == "relu":
            return max(z, Fraction(0))
        zf = float(z)
        return Fraction(math.tanh(zf) if act == "tanh" else 1 / (1 + math.exp(-zf)))

    h = [Fraction(repr(v)) for v in lesson.inputs]
    for li, spec in enumerate(lesson.layers):
        z = [
            r(
                sum(
                    (new[f"L{li + 1}.N{j + 1}.w{i + 1}"] * h[i] for i in range(spec.nin)),
                    new[f"L{li + 1}.N{j + 1}.b"],
                )
            )
            for j in range(spec.size)
        ]
        h = [r(f(spec.activation, zj)) for zj in z]
    t = [Fraction(repr(v)) for v in lesson.targets]
    squares = sum(((tk - yk) ** 2 for tk, yk in zip(t, h)), Fraction(0))
    scale = {"sum": Fraction(1), "half": Fraction(1, 2), "mean": Fraction(1, len(t))}
    assert _error_after(text) == r(scale[lesson.error] * squares), (lesson.sizes, decimals)


# ------------------------------------------------------------------------------------------------
# The checker can fail
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> str:
    return worked_example(round_intermediate=2, steps=1)


def _broken(page: str, old: str, new: str) -> str:
    assert page.count(old) >= 1, old
    return page.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("(−1.78)·0.45 = −0.80", "(−1.78)·0.45 = −0.81", "−0.80 expected, printed −0.81"),
        ("∂E/∂y1·1 = (−1.78)·1", "∂E/∂y1·1 = (−1.79)·1", "∂E/∂y1 is used as −1.79"),
        ("= 1.08\n", "= 1.09\n", "1.08 expected, printed 1.09"),  # E
        ("σ(−0.20) = 0.45", "σ(−0.20) = 0.46", "0.45 expected, printed 0.46"),
        ("= (−0.26) + 0.05 = −0.21", "= (−0.27) + 0.05 = −0.22", "term −0.26 expected"),
        ("2/3.74 = 0.53", "2/3.74 = 0.54", "0.53 expected, printed 0.54"),
        ("(−0.21)·0.5            −0.11", "(−0.21)·0.5            −0.10", "−0.11 expected"),
        ("(−0.3)·0.71 + 0.05 = 0.11", "(−0.3)·0.71 + 0.05 = 0.110", "3 decimals, not 2"),
    ],
)
def test_the_checker_catches_a_wrong_line(page: str, old: str, new: str, says: str) -> None:
    assert check_hand_rounding(page, 2).mismatches == []
    report = check_hand_rounding(_broken(page, old, new), 2)
    assert report.mismatches, (old, new)
    assert any(says in m for m in report.mismatches), report.mismatches


def test_the_checker_catches_a_wrong_update_row_and_a_gradient_not_printed(page: str) -> None:
    update = page[page.index("The update with") :]
    row = next(ln for ln in update.splitlines() if ln.strip().startswith("L2.N1.w1 "))
    cells = re.split(r" {3,}", row.strip())
    wrong = row.replace(cells[3], "0.63")  # W' = 0.6 − 0.02·(−0.80) = 0.62
    report = check_hand_rounding(page.replace(row, wrong), 2)
    assert any("W' = 0.62 expected, printed 0.63" in m for m in report.mismatches)
    wrong = row.replace(cells[2], "−0.81")  # the gradient in the update is not the one derived
    report = check_hand_rounding(page.replace(row, wrong), 2)
    assert any("∂E/∂L2.N1.w1 is −0.81 here, printed −0.80" in m for m in report.mismatches)


def test_the_checker_finds_the_old_wrong_lines() -> None:
    """The page as the issue found it (before this change), for the default lesson at 2 decimals:
    the checker reports the lines the issue quotes."""
    old = "\n".join(
        [
            "3. The error",
            "------------",
            "",
            "  E = (t1 − y1)² + (t2 − y2)² = (1 − 0.11)² + (0 − 0.54)² = 1.09",
            "",
            "4. Output layer",
            "---------------",
            "",
            "        ∂E/∂y1 = −2·(t1 − y1) = −1.78",
            "  ∂E/∂L2.N1.w1 = ∂E/∂y1·h1 = (−1.78)·0.45 = −0.81",
        ]
    )
    report = check_hand_rounding(old, 2)
    wrong = [m for m in report.mismatches if "expected" in m]
    assert len(wrong) == 2, report.mismatches
    assert "1.08 expected, printed 1.09" in wrong[0] and "−0.80 expected" in wrong[1]
    # (and the excerpt uses names it never printed: t1, y1, h1)
    assert any("h1 is used as 0.45 but never printed" in m for m in report.mismatches)


# ------------------------------------------------------------------------------------------------
# explain() of one gradient: the same rule
# ------------------------------------------------------------------------------------------------


def test_explain_of_one_gradient_multiplies_the_printed_factors() -> None:
    """Each path's product is the printed factors' exact product, rounded once; the sum is the
    printed products' sum; the update is from the printed numbers."""
    _, _, error = DEFAULT_LESSON.backward()
    leaves = {v.label: v for v in _leaves(error)}
    for label in ("L1.N1.w1", "L1.N2.b", "L2.N1.w2"):
        for decimals in DECIMALS:
            d = derive(error, leaves[label], round_intermediate=decimals, lr=0.02)
            for t in d.terms:
                product = Fraction(1)
                for f in t.factors:
                    product *= Fraction(repr(f.value))
                assert Fraction(repr(t.product)) == round_half_away(product, decimals)
            total = sum((Fraction(repr(t.product)) for t in d.terms), Fraction(0))
            assert Fraction(repr(d.total)) == round_half_away(total, decimals)
            assert d.updated is not None
            want = Fraction(repr(d.leaf_value)) - Fraction(1, 50) * Fraction(repr(d.total))
            assert Fraction(repr(d.updated)) == round_half_away(want, decimals)
    text = explain(error, leaves["L2.N1.w1"], round_intermediate=2, lr=0.02)
    assert "L2.N1.w1' = L2.N1.w1 − a·∂E/∂L2.N1.w1 = 0.6 − 0.02·(−0.81)" in text


def _leaves(root: Value) -> list[Value]:
    from autograd_mlp.engine import topological_order

    return [v for v in topological_order(root) if v.label and not v._prev]


# ------------------------------------------------------------------------------------------------
# A property: any small lesson, any number of decimals
# ------------------------------------------------------------------------------------------------

_numbers = st.decimals(min_value=-2, max_value=2, places=3, allow_nan=False).map(float)


@st.composite
def _lessons(draw: st.DrawFn) -> Lesson:
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    layers = [
        {
            "activation": draw(st.sampled_from(["sigmoid", "tanh", "relu", "linear"])),
            "weights": [[draw(_numbers) for _ in range(a)] for _ in range(b)],
            "biases": [draw(_numbers) for _ in range(b)],
        }
        for a, b in itertools.pairwise(sizes)
    ]
    return Lesson(
        inputs=[draw(_numbers) for _ in range(sizes[0])],
        targets=[draw(_numbers) for _ in range(sizes[-1])],
        layers=layers,
        learning_rate=draw(st.sampled_from([0.02, 0.1, 0.125, 0.5])),
        error=draw(st.sampled_from(["sum", "half", "mean"])),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lesson=_lessons(), decimals=st.integers(1, 6))
def test_any_small_lesson_adds_up_by_hand(lesson: Lesson, decimals: int) -> None:
    text = worked_example(lesson=lesson, round_intermediate=decimals, steps=0, max_steps=1)
    report = check_hand_rounding(text, decimals)
    assert not report.mismatches, report.mismatches[:10]
