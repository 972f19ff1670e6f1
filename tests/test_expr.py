"""The safe expression language: what it builds, and everything it refuses (never eval)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import Value
from autograd_mlp.engine.expr import ExpressionError, build, parse, variable_names


def test_builds_the_micrograd_neuron_with_named_leaves() -> None:
    root, leaves = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.8813735870195432})
    assert list(leaves) == ["x", "w", "b"]
    assert [v.label for v in leaves.values()] == ["x", "w", "b"]
    assert all(not v._prev for v in leaves.values())
    assert root.label == "tanh(x*w + b)"
    root.backward()
    # Karpathy's micrograd lecture (2022): n = 0.8814, tanh(n) = 0.7071, ∂o/∂w = x·(1 − o²) = 1
    assert root.data == pytest.approx(math.sqrt(0.5), abs=1e-12)
    assert leaves["w"].grad == pytest.approx(1.0, abs=1e-12)
    assert leaves["x"].grad == pytest.approx(-1.5, abs=1e-12)


def test_a_repeated_variable_is_one_leaf_with_two_edges() -> None:
    root, leaves = build("x*x", {"x": 3.0})
    assert root._prev == (leaves["x"], leaves["x"])
    root.backward()
    assert leaves["x"].grad == 6.0  # d(x²)/dx = 2x


def test_numbers_become_constants_and_all_ops_work() -> None:
    values = {"a": 0.5, "b": 2.0}
    root, _ = build(
        "-a + +b - 2*a/b + a**2 + b**a + exp(a) + log(b) + sigmoid(a) + relu(-b)", values
    )
    a, b = 0.5, 2.0
    expected = -a + b - 2 * a / b + a**2 + b**a + math.exp(a) + math.log(b)
    expected += 1 / (1 + math.exp(-a)) + max(-b, 0.0)
    assert root.data == pytest.approx(expected, rel=1e-12)
    assert build("2 * 3", {})[0].data == 6.0
    assert build("1/0", {})[0].data == math.inf  # IEEE, not ZeroDivisionError


def test_label_option_and_given_values() -> None:
    x = Value(1.5, label="mine")
    root, leaves = build("x + 1", {"x": x}, label="out")
    assert leaves["x"] is x and root.label == "out"
    assert build("x", {"x": 2.0})[0].label == "x"  # a bare variable keeps its name


def test_variable_names_in_reading_order() -> None:
    assert variable_names("tanh(w*x + b) * w + c") == ["w", "x", "b", "c"]


def test_unset_variables_are_named() -> None:
    with pytest.raises(ExpressionError, match="variables w, b"):
        build("x*w + b", {"x": 1.0})


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("x.real", "attribute access 'x.real'"),
        ("x[0]", "subscript 'x[0]'"),
        ("lambda: 1", "lambda"),
        ("__import__('os').system('ls')", "call of \"__import__('os').system\""),
        ("__import__('os')", "unknown function '__import__'"),
        ("open('f')", "unknown function 'open'"),
        ("exp(x=1)", "keyword argument"),
        ("exp(x, x)", "exactly one argument"),
        ("exp(*x)", "exactly one argument"),
        ("x < 1", "comparison 'x < 1'"),
        ("'s' * 3", "str literal"),
        ("b'\\x00'", "bytes literal"),
        ("True", "bool literal"),
        ("1j", "complex literal"),
        ("x % 2", "operator in 'x % 2'"),
        ("x // 2", "operator in 'x // 2'"),
        ("~x", "unary operator"),
        ("not x", "unary operator"),
        ("x and y", "boolean operator"),
        ("[x]", "list"),
        ("(x, y)", "tuple"),
        ("{x: 1}", "dict"),
        ("f'{x}'", "f-string"),
        ("x if x else 1", "conditional expression"),
        ("(y := 2)", "assignment expression"),
        ("[i for i in x]", "comprehension"),
        ("exp", "function 'exp' used without a call"),
        ("x +", "invalid expression"),
        ("import os", "invalid expression"),
        ("", "empty expression"),
        ("(" * 300 + "x" + ")" * 300, "too many nested parentheses"),
        ("-" * 500 + "x", "nests deeper"),
        ("x" + "**x" * 3000, "too deeply nested for Python's parser"),
        ("x\x00", "null"),
        ("x" + "+x" * 6000, "characters long"),
    ],
)
def test_everything_else_is_refused_naming_the_offending_part(text: str, part: str) -> None:
    with pytest.raises(ExpressionError) as err:
        parse(text)
    message = str(err.value)
    assert part in message
    assert "\n" not in message and len(message) < 300  # one readable line


def test_refusal_happens_before_anything_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    calls: list[str] = []
    monkeypatch.setattr(builtins, "__import__", lambda *a, **k: calls.append("x"))  # type: ignore[arg-type]
    with pytest.raises(ExpressionError):
        parse("__import__('os')")
    assert calls == []


def test_parse_type_error() -> None:
    with pytest.raises(TypeError, match="int"):
        parse(3)  # type: ignore[arg-type]


_names = st.sampled_from(["x", "y", "z"])


@st.composite
def _exprs(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.one_of(_names, st.integers(1, 5).map(str)))
    kind = draw(st.sampled_from(["+", "-", "*", "call", "neg"]))
    if kind == "call":
        fn = draw(st.sampled_from(["tanh", "sigmoid", "exp"]))
        return f"{fn}({draw(_exprs(depth - 1))})"
    if kind == "neg":
        return f"-({draw(_exprs(depth - 1))})"
    return f"({draw(_exprs(depth - 1))} {kind} {draw(_exprs(depth - 1))})"


@settings(max_examples=60, deadline=None)
@given(_exprs(), st.floats(-1, 1), st.floats(-1, 1), st.floats(-1, 1))
def test_gradients_of_parsed_expressions_match_central_differences(
    text: str, x: float, y: float, z: float
) -> None:
    point = {"x": x, "y": y, "z": z}
    root, leaves = build(text, point)
    root.backward()
    h = 1e-6
    for name, leaf in leaves.items():
        up = build(text, {**point, name: point[name] + h})[0].data
        down = build(text, {**point, name: point[name] - h})[0].data
        assert leaf.grad == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-4)
