"""The backward pass on the network diagram: every number a student can redo from the slide.

Each line of arithmetic is parsed back: every ``numbers = number`` in it is recomputed exactly
from the printed operands and rounded half away from zero (decimal arithmetic, independent of
the module's own rounding); the δ on each neuron and the w · δ on each arrow are the results of
their lines; a hidden δ sums the w · δ printed on that neuron's arrows; and the hand-rounded δ
stays within rounding of the engine's exact ∂E/∂b.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.teach.lesson_layout import lesson_layout
from autograd_mlp.teach.network_backward import (
    hand_round,
    network_backward_pages,
    network_steps,
    save_network_backward,
)
from tests.conftest import needs
from tests.lessons import DEEP, LESSONS

NUMERIC = re.compile(r"^[\d.\s−+×()/²]+$")
NUMBER = re.compile(r"^\s*−?\d+\.\d+\s*$")


def _value(expr: str) -> Fraction:
    """An all-number expression as printed (× for times, − for minus, ² for squared), exactly."""
    code = expr.replace("−", "-").replace("×", "*").replace("²", "**2")
    code = re.sub(r"\d+\.\d+|\d+", lambda m: f"Fraction('{m.group()}')", code)
    result = eval(
        code, {"__builtins__": {}, "Fraction": Fraction}
    )  # the expression is the test's own parse
    assert isinstance(result, Fraction), expr
    return result


def _rounded(x: Fraction, decimals: int) -> str:
    d = (Decimal(x.numerator) / Decimal(x.denominator)).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
    )
    text = f"{d:.{decimals}f}"
    if Decimal(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


def _checks(line: str) -> list[tuple[str, str]]:
    """Every (all-number expression, printed result) pair of a line."""
    pieces = line.split(" = ")
    pairs = []
    for left, right in itertools.pairwise(pieces):
        expr = re.split(r"[:;]", left)[-1].strip()
        result = re.split(r"[;]", right)[0].strip()
        if expr and NUMERIC.match(expr) and NUMBER.match(result) and not NUMBER.match(expr):
            pairs.append((expr, result))
    return pairs


def _recheck(steps: list) -> int:
    checked = 0
    for step in steps:
        for line in step.lines:
            for expr, result in _checks(line):
                decimals = len(result.split(".")[1])
                assert _rounded(_value(expr), decimals) == result, (step.title, expr, result)
                checked += 1
    return checked


@pytest.mark.parametrize("lesson", [*LESSONS, *DEEP], ids=lambda lesson: lesson.name)
def test_every_number_is_recomputed_from_the_printed_ones(lesson: Lesson) -> None:
    needs("pygraphviz")
    board = lesson_layout(lesson)
    steps = network_steps(board=board)
    model = board.model
    neurons = [n for layer in model.layers for n in layer.neurons]
    weights = [w for n in neurons for w in n.w]
    assert len(steps) == len(neurons) + 1
    # every δ line, every w·δ and every ∂E/∂w: 1 + 2 per weight for each neuron
    assert _recheck(steps) == sum(1 + 2 * len(n.w) for n in neurons)
    final = steps[-1]
    assert set(final.deltas) == {n.name for n in neurons}
    assert set(final.shares) == {w.label for w in weights}
    for step in steps[1:]:
        delta_line, share_line, _ = step.lines
        # one formula, then its numbers, then the result: no "=" inside the formula
        assert len(_checks(delta_line)) == 1 and delta_line.count(" = ") in (3, 4), delta_line
        # the δ on the neuron is the result of its line; the w·δ on each arrow of its line
        assert delta_line.endswith(f"= {step.deltas[step.neuron]}")
        neuron = next(n for n in neurons if n.name == step.neuron)
        results = [r for _, r in _checks(share_line)]
        assert results == [step.shares[w.label] for w in neuron.w]
    # a hidden δ sums exactly the w·δ printed on the arrows that leave its neuron
    for li, layer in enumerate(model.layers[:-1]):
        for j, n in enumerate(layer.neurons):
            step = next(s for s in steps if s.neuron == n.name)
            terms = re.findall(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\) = ", step.lines[0])[-1]
            printed = [t.strip().strip("()") for t in terms.split(" + ")]
            expected = [final.shares[m.w[j].label] for m in model.layers[li + 1].neurons]
            assert printed == expected, (n.name, printed, expected)
    # hand rounding stays within a few units of the last digit of the engine's exact δ
    for n in neurons:
        hand = float(final.deltas[n.name].replace("−", "-"))
        assert abs(hand - n.b.grad) <= 5e-4 * len(model.layers), (n.name, hand, n.b.grad)


def test_the_default_lesson_reads_as_the_textbook() -> None:
    needs("pygraphviz")
    steps = network_steps()
    assert [s.neuron for s in steps] == [None, "L2.N1", "L2.N2", "L1.N1", "L1.N2"]
    assert steps[1].lines[0] == (
        "δ of L2.N1 = ∂E/∂y1 · f′(z) = 2 · (y1 − t1) · 1 = 2 × (0.1068 − 1.0000) × 1 = −1.7864"
    )
    assert steps[3].lines[0].endswith("= 0.4502 × (1 − 0.4502) × (−1.0718 + 0.2151) = −0.2121")


def test_hand_round_is_half_away_from_zero() -> None:
    assert hand_round(Fraction("-0.10605"), 4) == "−0.1061"
    assert hand_round(Fraction("0.00004"), 4) == "0.0000"
    assert hand_round(Fraction("-0.00004"), 4) == "0.0000"  # never −0.0000
    assert hand_round(Fraction("2.5"), 0) == "3"
    with pytest.raises(ValueError, match="precision must be an int"):
        network_steps(precision=0)


def test_the_3_2_2_pass_fits_one_projector_slide_a_neuron_a_slide(tmp_path: Path) -> None:
    needs("pygraphviz")
    needs("PIL")
    board = lesson_layout(DEFAULT_LESSON)
    pages = network_backward_pages(board, size="projector")
    assert len(pages) == 5
    for page in pages:
        assert page.size == (1920, 1080)
        assert page.info["text_px"] >= 18  # the network at the slides' scale, not shrunk
    # the same circles on every slide: only the numbers and the red change
    pdf = save_network_backward(tmp_path / "net.pdf", board=board)[0]
    assert pdf.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
        steps = network_steps(board=board)
        for step, page_text in zip(steps, text):
            flat = " ".join(page_text.split())
            for line in step.lines:
                for expr, result in _checks(line):
                    assert f"{' '.join(expr.split())} = {result}" in flat
            for name, delta in step.deltas.items():
                assert f"δ = {delta}" in flat, name
    pngs = save_network_backward(tmp_path / "net.png", board=board)
    assert [p.name for p in pngs] == [f"net-{k}.png" for k in range(1, 6)]
    with pytest.raises(ValueError, match=r"\.pdf or \.png"):
        save_network_backward(tmp_path / "net.svg", board=board)


def test_the_lessons_notation_decimal_comma_and_learning_rate_symbol() -> None:
    needs("pygraphviz")
    import dataclasses

    from autograd_mlp.teach.notation import Notation

    lesson = dataclasses.replace(DEFAULT_LESSON, notation=Notation(learning_rate="η", decimal=","))
    board = lesson_layout(lesson)
    steps = network_steps(board=board)
    text = "\n".join(line for s in steps for line in s.lines)
    assert not re.search(r"\d\.\d", text)  # no decimal point: labels (L1.N1.w1) have none
    assert "2 × (0,1068 − 1,0000) × 1 = −1,7864" in text
    # the same numbers as with a decimal point, redone from the printed ones
    plain = network_steps()
    for a, b in zip(steps, plain):
        assert [line.replace(",", ".") for line in a.lines] == [
            line.replace(",", ".") for line in b.lines
        ]
    comma = [
        type(s)(s.index, s.total, s.title, s.neuron, tuple(x.replace(",", ".") for x in s.lines))
        for s in steps
    ]
    assert _recheck(comma) > 0
    needs("PIL")
    from autograd_mlp.teach.network import network_page
    from autograd_mlp.viz.pages import VECTOR
    from autograd_mlp.viz.render.pdf import PdfCanvas

    class Texts(PdfCanvas):
        def __init__(self) -> None:
            super().__init__(1920, 1080)
            self.seen: list[str] = []

        def show(self, xy, text, size, bold, fill, align):  # type: ignore[no-untyped-def]
            self.seen.append(text)

    canvas = Texts()
    network_page(board).info[VECTOR](canvas)
    assert any("η = 0,02" in t for t in canvas.seen)
    assert "L1.N1.w1 = 0,1000" in canvas.seen and "a = σ(z) = 0,4502" in canvas.seen
