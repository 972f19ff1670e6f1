"""The lesson's notation in every text artefact: a lesson that sets a decimal comma, η and w_ij.

The lesson file carries the notation (tests/test_notation.py checks the format); here it is read
from a file and every text the package writes from it is checked: `autograd-mlp explain` as
text, Markdown and LaTeX (article and beamer, compiled), with and without --round, and the
lesson of the learning constant (its text and its plot's labels).
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.teach.notation import Notation
from tests.hand_checker import check_hand_rounding
from tests.latex_tools import compile_latex

NOTATION = Notation(learning_rate="η", weight_indices="ij", decimal=",")

# the symbol a where the text means the learning constant (not the English article, not the
# label L1.N1.a): "a = 0.02", "a·∂E/∂W", "a < 2/λ_max", "may a be?", a table cell "a"
SYMBOL_A = re.compile(r"(?<![\w.'’])a(?= = | < | > |·|\)| be\?| ÷ | \||$)", re.M)
POINT = re.compile(r"\d\.\d")  # a decimal point between digits
JI = re.compile(r"w[ₖⱼ][ⱼᵢ]|w_\{?[kj][ji]\}?")  # w_ji, w_kj: the other order
IJ = re.compile(r"w[ᵢⱼ][ⱼₖ]|w_\{?[ij][jk]\}?")


@pytest.fixture(scope="module")
def lesson_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = DEFAULT_LESSON.to_dict()
    data["notation"] = {"learning_rate": "eta", "weight_indices": "ij", "decimal": ","}
    lesson = Lesson.from_dict(data)
    path = tmp_path_factory.mktemp("lesson") / "comma.json"
    lesson.save(path)
    assert Lesson.load(path).notation == NOTATION
    return path


def _explain(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", *args]) == 0
    return out.getvalue()


def _check_words(text: str, what: str) -> None:
    """η for a, w_ij for w_ji, a decimal comma: no trace of the default notation."""
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("%"))  # TeX comments
    assert not POINT.search(body), (what, POINT.findall(body)[:5], _around(body, POINT))
    assert not SYMBOL_A.search(body), (what, _around(body, SYMBOL_A))
    assert not JI.search(body), (what, _around(body, JI))
    assert "η" in body or r"\eta" in body, what
    assert re.search(r"\d,\d|\d\{,\}\d", body), what


def _around(text: str, pattern: re.Pattern[str]) -> str:
    m = pattern.search(text)
    return "" if m is None else text[max(0, m.start() - 50) : m.end() + 50]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_explain_writes_the_lessons_notation(lesson_file: Path, fmt: str) -> None:
    text = _explain("--lesson", str(lesson_file), "--format", fmt)
    _check_words(text, fmt)
    assert IJ.search(text), "the weight indices in the lesson's order"
    assert "η = 0,02" in text and "W' = W − η·∂E/∂W" in text
    assert "How big may η be?" in text
    assert "L1.N1.w1" in text  # labels keep their dots


@pytest.mark.parametrize("decimals", [1, 2, 4])
def test_hand_rounding_with_a_decimal_comma_adds_up(lesson_file: Path, decimals: int) -> None:
    text = _explain("--lesson", str(lesson_file), "--round", str(decimals))
    _check_words(text, f"--round {decimals}")
    report = check_hand_rounding(text, decimals, decimal=",")
    assert not report.mismatches, report.mismatches[:10]
    assert sum(report.checked.values()) > 100
    # read with decimal points, the page is not a hand calculation: the checker says so
    assert check_hand_rounding(text, decimals).mismatches


@pytest.mark.parametrize("wrapper", ["article", "beamer"])
def test_the_latex_writes_the_lessons_notation_and_compiles(
    lesson_file: Path, wrapper: str, tmp_path: Path
) -> None:
    tex = _explain(
        "--lesson",
        str(lesson_file),
        "--format",
        "latex",
        "--latex-wrapper",
        wrapper,
        "--round",
        "2",
    )
    _check_words(tex, wrapper)
    assert r"\eta" in tex and "0{,}45" in tex  # a decimal comma in math: no space after it
    assert re.search(r"w\$?_\{?i?j", tex) or "w$_{ij}$" in tex or "w_{ij}" in tex, "w_ij"
    compile_latex(tex, tmp_path)


def test_the_lesson_of_the_learning_constant_writes_the_lessons_notation(
    lesson_file: Path,
) -> None:
    pytest.importorskip("numpy")
    from autograd_mlp.teach.curvature import curvature_text, lesson_curvature

    c = lesson_curvature(lesson=Lesson.load(lesson_file), max_steps=300)
    text = curvature_text(c)
    _check_words(text, "curvature text")
    assert "| constant | η | η ÷ (2/λ_max) | result |" in text
    assert "; " in text.split("principal directions:")[1].split("\n\n")[1]  # 0,38; 0,87


def test_the_default_notation_is_unchanged() -> None:
    text = _explain()
    assert "a = 0.02" in text and "W' = W − a·∂E/∂W" in text and "Σₖ wₖⱼ·δₖ" in text
    assert NOTATION.apply("a = 0.02, w₍") == "η = 0,02, w₍"
    assert Notation().apply("a = 0.5; L1.N1.a; wⱼᵢ") == "a = 0.5; L1.N1.a; wⱼᵢ"
