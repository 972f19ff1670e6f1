"""The words and numbers of a page (`autograd_mlp.viz.to_html`, `autograd_mlp.teach.lesson_page`)
as a student reads them: forward captions that show the arithmetic (recomputed here from the
printed numbers), E with the digits that show the target reached, practise at the worksheet's
precision, and the lesson's notation (decimal comma, symbol of the learning constant). The
page in a browser: tests/test_page_browser.py."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import Value, to_html
from autograd_mlp.engine import topological_order
from autograd_mlp.engine.expr import build
from autograd_mlp.teach import DEFAULT_LESSON, Lesson, lesson_page
from autograd_mlp.teach.lesson_page import error_text
from autograd_mlp.viz import format_number
from tests.conftest import needs


@pytest.fixture(autouse=True)
def _graphviz() -> None:
    needs("pygraphviz")


def data_of(page: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/json" id="lesson-data">(.*?)</script>', page, re.S)
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


# -- the forward captions, recomputed from the printed numbers -------------------------------

_SUPER = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_FUNCTIONS = {
    "sig": lambda x: 1 / (1 + math.exp(-x)),
    "log": math.log,
    "exp": math.exp,
    "tanh": math.tanh,
    "relu": lambda x: max(x, 0.0),
}
# a printed number has decimals (an exponent such as ² has none, and is exact)
_NUMBER = re.compile(r"\d+\.(\d+)(?:e([-+]?\d+))?")


def as_python(arithmetic: str, decimal: str = ".") -> str:
    text = arithmetic.replace(decimal, ".") if decimal != "." else arithmetic
    text = text.replace("×", "*").replace("÷", "/").replace("−", "-").replace("^", "**")
    text = text.replace("σ(", "sig(").replace("ln(", "log(")
    return re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", lambda m: f"**({m.group().translate(_SUPER)})", text)


def half_unit(literal: re.Match[str]) -> float:
    decimals = len(literal.group(1))
    exponent = int(literal.group(2) or 0)
    return 0.5 * 10.0 ** (exponent - decimals)


def recompute(arithmetic: str, decimal: str = ".") -> tuple[float, float]:
    """The value of a printed calculation, and how far it can be from the exact one because its
    numbers are printed rounded (each number moved by half a unit of its last digit, added)."""
    code = as_python(arithmetic, decimal)
    value = float(eval(code, {"__builtins__": {}}, _FUNCTIONS))  # the test's own text
    slack = 0.0
    for literal in _NUMBER.finditer(code):
        h = half_unit(literal)
        moved = code[: literal.start()] + f"({literal.group()}+{h!r})" + code[literal.end() :]
        slack += abs(float(eval(moved, {"__builtins__": {}}, _FUNCTIONS)) - value)
    return value, slack


def check_captions(page: str, decimal: str = ".") -> int:
    data = data_of(page)
    checked = 0
    for step in data["steps"]:
        caption = step["caption"]
        if not caption.startswith("forward: "):
            continue
        parts = re.split(r"\s=\s", caption.removeprefix("forward: "))
        name, arithmetic, result = parts[0], parts[-2], parts[-1]
        assert name == data["nodes"][step["node"]]["name"]
        assert name not in parts[1:], caption  # no "L1.N1.z = L1.N1.z"
        assert result == data["nodes"][step["node"]]["data"]
        printed = float(result.replace("−", "-").replace(decimal, "."))
        value, slack = recompute(arithmetic, decimal)
        digits = _NUMBER.search(result.replace("−", "").replace(decimal, "."))
        assert digits is not None
        assert abs(value - printed) <= slack + half_unit(digits) + 1e-12, caption
        checked += 1
    return checked


def test_forward_captions_show_the_arithmetic_of_the_lesson() -> None:
    data = data_of(lesson_page())
    first = data["steps"][1]["caption"]
    assert first == (  # one = a line: the panel shows them one under the other
        "forward: L1.N1.z = L1.N1.w1·x1 + L1.N1.w2·x2 + L1.N1.w3·x3 + L1.N1.b\n"
        "= 0.1000 × 1.0000 + (−0.2000) × 0.5000 + 0.3000 × (−1.0000) + 0.1000\n= −0.2000"
    )
    assert check_captions(lesson_page()) == 11


EXPRESSION = "relu(a) + exp(b)/a - log(b)*sigmoid(a*b) + tanh(-a)**2 + a**b - b**0.5"


@settings(max_examples=15, deadline=None)
@given(
    a=st.floats(0.05, 3.0).map(lambda x: round(x, 3)),
    b=st.floats(0.05, 3.0).map(lambda x: round(x, 3)),
    precision=st.integers(2, 6),
)
def test_every_ops_caption_can_be_recomputed(a: float, b: float, precision: int) -> None:
    root, _ = build(EXPRESSION, {"a": a, "b": b})
    ops = sum(1 for v in topological_order(root) if v._prev)
    assert check_captions(to_html(root, precision=precision)) == ops


def test_an_operations_value_in_ask_mode_shows_its_arithmetic_too() -> None:
    root, _ = build("sigmoid(a*b + a) * log(b)", {"a": 0.5, "b": 2.0})
    data = data_of(to_html(root))
    values = [n["op"]["value"] for n in data["nodes"] if "op" in n]
    assert "ln(b)\n= ln(2.0000)\n= 0.6931" in values
    assert "a·b\n= 0.5000 × 2.0000\n= 1.0000" in values


# -- E in the train panel ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "target", "shown"),
    [
        (0.00099, 0.001, "0.00099"),  # below the target: not "0.0010"
        (0.0010004, 0.001, "0.0010004"),  # above it: not "0.0010"
        (0.001, 0.001, "0.0010"),
        (0.4, 0.001, "0.4000"),
        (8.708e-5, 1e-4, "8.708e−05"),
        (0.000104, 1e-4, "0.000104"),
    ],
)
def test_e_is_shown_with_the_digits_that_place_it_against_the_target(
    error: float, target: float, shown: str
) -> None:
    assert error_text(error, target, 4) == shown


@pytest.mark.parametrize("target", [1e-3, 1e-4, 0.05])
def test_the_train_panel_shows_the_target_reached_only_when_it_is(target: float) -> None:
    train = data_of(lesson_page(target=target))["train"]
    values = [float(s["E"].replace("−", "-")) for s in train["steps"]]
    assert all(v > target for v in values[:-1]) and values[-1] <= target
    assert all(s["E"] == s["d"][-1] for s in train["steps"])  # the E box says the same


# -- practise at the worksheet's precision ---------------------------------------------------


@pytest.mark.parametrize("precision", [2, 4, 6])
def test_practise_asks_for_the_worksheets_precision(precision: int) -> None:
    from autograd_mlp.teach.exercise import exercise

    root, _ = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.8814})
    practise = data_of(to_html(root, precision=precision, practise_only=True))["practise"]
    assert practise["decimals"] == exercise(root, precision=precision).precision == precision
    assert practise["tolerance"].startswith(f"write each answer to {precision} decimals")


# -- the lesson's notation --------------------------------------------------------------------

NUMBER_WITH_POINT = re.compile(r"(?<![\w.])\d+\.\d")  # 0.5 but not L1.N1 or w1.2


def comma_lesson() -> Lesson:
    return dataclasses.replace(
        DEFAULT_LESSON,
        notation={"decimal": ",", "learning_rate": "η"},  # type: ignore[arg-type]
    )


def every_text(data: Any) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [t for k, v in data.items() if k not in ("svg", "dots") for t in every_text(v)]
    if isinstance(data, list):
        return [t for v in data for t in every_text(v)]
    return []


def test_a_lesson_with_a_decimal_comma_shows_every_number_with_it() -> None:
    page = lesson_page(comma_lesson())
    data = data_of(page)
    texts = every_text({k: v for k, v in data.items() if k != "practise"})
    texts += [data["practise"]["tolerance"]]
    with_point = [t for t in texts if NUMBER_WITH_POINT.search(t)]
    assert with_point == []
    assert data["decimal"] == ","
    assert data["train"]["symbol"] == "η" and data["train"]["lr"] == "0,02"
    assert "E ≤ 0,0001" in data["train"]["stopped"]
    assert check_captions(page, ",") == 11
    chart = re.search(r'<svg id="chart".*?</svg>', page, re.S)
    assert chart is not None
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", chart.group())
    assert ticks and not [t for t in ticks if NUMBER_WITH_POINT.search(t)], ticks
    # the same numbers as the lesson with a decimal point
    plain = data_of(lesson_page())
    assert [n["data"].replace(".", ",") for n in plain["nodes"]] == [
        n["data"] for n in data["nodes"]
    ]


def test_a_lesson_of_the_default_notation_is_unchanged() -> None:
    data = data_of(lesson_page())
    assert data["decimal"] == "." and data["train"]["symbol"] == "a"
    assert data["nodes"][-1]["data"] == format_number(DEFAULT_LESSON.forward()[2].data)


def test_a_bad_decimal_separator_is_refused() -> None:
    with pytest.raises(ValueError, match=r"decimal must be '\.' or ','.*';'"):
        to_html(Value(1.0, label="x") * 2.0, decimal=";")


# -- derivatives named readably on an expression's page --------------------------------------


def expression_page_data(text: str, **values: float) -> tuple[dict[str, Any], str]:
    root, _ = build(text, values)  # the root is labelled with the text, as `render` does
    page = to_html(root)
    return data_of(page), page


def texts_of(data: dict[str, Any]) -> list[str]:
    return every_text({k: v for k, v in data.items() if k not in ("title",)})


def test_an_expressions_derivatives_are_named_with_f() -> None:
    data, page = expression_page_data("sigmoid(a*b + a) * log(b)", a=0.5, b=2.0)
    assert data["title"] == "Backpropagation through f = σ(a·b + a)·ln(b)"
    b = next(n for n in data["nodes"] if n["name"] == "b")
    assert b["ask"]["formula"] == "∂f/∂b = ∂(a·b)/∂b · ∂f/∂(a·b) + ∂ln(b)/∂b · ∂f/∂ln(b)"
    texts = texts_of(data)
    # one spelling: ln and · (× between numbers), never the expression language's log and *
    assert not [t for t in texts if "sigmoid" in t or "log" in t or "*" in t]
    assert [t for t in texts if "∂f/∂" in t]
    svg = re.search(r"<svg [^>]*id=\"lesson-svg\".*?</svg>", page, re.S)
    assert svg is not None
    drawn = re.findall(r"<text[^>]*>([^<]*)</text>", svg.group())
    assert "ln" in drawn and "f" in drawn and "log" not in drawn
    assert not [t for t in drawn if "sigmoid" in t or "*" in t]


def test_the_short_name_is_one_no_other_node_has() -> None:
    data, _ = expression_page_data("f*x + x", f=2.0, x=3.0)
    assert data["nodes"][-1]["name"] == "g"
    assert data["steps"][-1]["caption"].startswith("backward through f·x (×)")  # the leaf f
    assert data["title"] == "Backpropagation through g = f·x + x"


@pytest.mark.parametrize("label", ["y", "E", "L1.N1.a", "loss(total)", "y & <b>bold</b>"])
def test_a_root_with_a_name_of_its_own_keeps_it(label: str) -> None:
    x = Value(2.0, label="x")
    y = x * x + x
    y.label = label
    data = data_of(to_html(y))
    assert data["nodes"][-1]["name"] == label
    assert data["title"] == f"Backpropagation through {label}"


def test_a_name_that_is_an_expression_is_parenthesised_in_a_derivative() -> None:
    data, _ = expression_page_data("tanh(x*w + b)", x=2.0, w=-3.0, b=6.8814)
    formulas = [n["ask"]["formula"] for n in data["nodes"]]
    assert "∂f/∂(x·w) = ∂(x·w + b)/∂(x·w) · ∂f/∂(x·w + b)" in formulas
    assert [n["dname"] for n in data["nodes"]] == [
        "x", "w", "(x·w)", "b", "(x·w + b)", "f"
    ]  # fmt: skip


def test_the_drawings_box_titles_say_ln_too() -> None:
    from autograd_mlp.viz.naming import display_name

    f, _ = build("sigmoid(a*b + a) * log(b)", {"a": 0.5, "b": 2.0})
    assert [display_name(u) for u in f._prev] == ["σ(a · b + a)", "ln(b)"]


@given(
    error=st.floats(0.0, 10.0, allow_nan=False),
    target=st.sampled_from([0.0, 1e-6, 1e-4, 1e-3, 0.01, 0.05, 0.1]),
    precision=st.integers(1, 6),
)
def test_e_as_shown_is_on_the_same_side_of_the_target_as_e(
    error: float, target: float, precision: int
) -> None:
    text = error_text(error, target, precision)
    shown = float(text.replace("−", "-"))
    assert (shown <= target) == (error <= target), (error, target, text)
    assert shown != target or error == target or len(text) >= 17, (error, target, text)
