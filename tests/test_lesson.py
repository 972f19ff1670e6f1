"""Lesson as data: building, the error conventions, files that round-trip, bad files."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.teach.lesson import (
    DEFAULT_LESSON,
    LESSON_T,
    LESSON_X,
    LayerSpec,
    Lesson,
    lesson_error,
    lesson_network,
)


def _by_hand(lesson: Lesson) -> tuple[list[float], float]:
    """The forward pass and E in plain floats, straight from the formulas."""
    f = {
        "sigmoid": lambda z: 1.0 / (1.0 + math.exp(-z)),
        "tanh": math.tanh,
        "relu": lambda z: max(z, 0.0),
        "linear": lambda z: z,
    }
    h = list(lesson.inputs)
    for layer in lesson.layers:
        h = [
            f[layer.activation](sum(w * x for w, x in zip(row, h)) + b)
            for row, b in zip(layer.weights, layer.biases)
        ]
    sq = sum((t - y) ** 2 for t, y in zip(lesson.targets, h))
    scale = {"sum": 1.0, "half": 0.5, "mean": 1.0 / len(h)}[lesson.error]
    return h, scale * sq


def test_default_lesson_is_the_project_numbers_and_old_names_still_work() -> None:
    model, y, error = DEFAULT_LESSON.backward()
    assert DEFAULT_LESSON.sizes == (3, 2, 2)
    assert DEFAULT_LESSON.inputs == LESSON_X and DEFAULT_LESSON.targets == LESSON_T
    old = lesson_network()
    old_y = old(list(LESSON_X))
    assert isinstance(old_y, list)
    old_e = lesson_error(old_y)
    assert old_e.data == error.data
    assert [p.data for p in old.parameters()] == [p.data for p in model.parameters()]
    hand_y, hand_e = _by_hand(DEFAULT_LESSON)
    assert [v.data for v in y] == pytest.approx(hand_y, abs=1e-15)
    assert error.data == pytest.approx(hand_e, abs=1e-15)


@pytest.mark.parametrize("convention", ["sum", "half", "mean"])
def test_error_conventions_value_and_gradient(convention: str) -> None:
    lesson = Lesson(
        inputs=(0.3, -0.7),
        targets=(0.5, -1.0, 2.0),
        layers=(
            LayerSpec("tanh", ((0.2, -0.4), (0.9, 0.1)), (0.0, 0.3)),
            LayerSpec("linear", ((1.0, -2.0), (0.5, 0.5), (-0.3, 0.8)), (0.1, 0.2, 0.3)),
        ),
        error=convention,  # type: ignore[arg-type]
    )
    _, y, error = lesson.backward()
    _, hand_e = _by_hand(lesson)
    assert error.data == pytest.approx(hand_e, rel=1e-14)
    assert error.label == "E"
    # ∂E/∂yₖ = −c·2·(tₖ − yₖ), with c = 1, ½, 1/K: checked on the outputs' gradients
    c = {"sum": 1.0, "half": 0.5, "mean": 1.0 / 3}[convention]
    for yk, tk in zip(y, lesson.targets):
        assert yk.grad == pytest.approx(-c * 2 * (tk - yk.data), rel=1e-12)
    assert lesson.error_formula.startswith("E = ")


def test_error_conventions_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for convention, reduce in (("sum", "sum"), ("mean", "mean")):
        lesson = Lesson(
            inputs=DEFAULT_LESSON.inputs,
            targets=DEFAULT_LESSON.targets,
            layers=DEFAULT_LESSON.layers,
            error=convention,  # type: ignore[arg-type]
        )
        model, _, error = lesson.backward()
        x = torch.tensor(lesson.inputs, dtype=torch.float64)
        w1 = torch.tensor(lesson.layers[0].weights, dtype=torch.float64, requires_grad=True)
        b1 = torch.tensor(lesson.layers[0].biases, dtype=torch.float64)
        w2 = torch.tensor(lesson.layers[1].weights, dtype=torch.float64)
        b2 = torch.tensor(lesson.layers[1].biases, dtype=torch.float64)
        out = w2 @ torch.sigmoid(w1 @ x + b1) + b2
        t = torch.tensor(lesson.targets, dtype=torch.float64)
        e = torch.nn.functional.mse_loss(out, t, reduction=reduce)
        e.backward()
        assert error.data == pytest.approx(e.item(), abs=1e-15)
        grads = [w.grad for n in model.layers[0].neurons for w in n.w]
        assert grads == pytest.approx(w1.grad.flatten().tolist(), abs=1e-15)


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    lesson = Lesson(
        inputs=(1, 2),
        targets=(0.25,),
        layers=[{"activation": "purelin", "weights": [[0.5, -0.5]], "biases": [1]}],  # type: ignore[list-item, arg-type]
        learning_rate=0.1,
        error="half",
        title="a one-neuron lesson",
    )
    assert lesson.layers[0].activation == "linear"  # MATLAB's name, stored as ours
    path = lesson.save(tmp_path / "lesson.json")
    again = Lesson.load(path)
    assert again == lesson
    assert json.loads(path.read_text())["format"] == "autograd_mlp.lesson"
    assert Lesson.load(DEFAULT_LESSON.save(tmp_path / "d.json")) == DEFAULT_LESSON


@pytest.mark.skipif(
    sys.version_info < (3, 11), reason="tomllib is in the standard library from 3.11"
)
def test_toml_lesson(tmp_path: Path) -> None:
    path = tmp_path / "lesson.toml"
    path.write_text(
        'inputs = [1.0, 0.5, -1.0]\ntargets = [1.0, 0.0]\nerror = "mean"\n'
        "[[layers]]\nactivation = 'sigmoid'\nweights = [[0.1, -0.2, 0.3], [0.4, 0.2, -0.5]]\n"
        "biases = [0.1, -0.1]\n"
        "[[layers]]\nactivation = 'linear'\nweights = [[0.6, -0.3], [0.2, 0.7]]\n"
        "biases = [0.05, -0.05]\n"
    )
    if sys.version_info < (3, 11):  # no tomllib: a one-line refusal that says to use JSON
        with pytest.raises(ValueError, match=r"TOML lessons need Python 3\.11.*JSON"):
            Lesson.load(path)
        return
    lesson = Lesson.load(path)
    assert lesson.layers == DEFAULT_LESSON.layers and lesson.error == "mean"


BAD = [
    ({"targets": [1], "layers": []}, "inputs: missing"),
    ({"inputs": [1, "a"], "targets": [1], "layers": []}, "inputs[1]: expected a number, got 'a'"),
    ({"inputs": [1], "targets": [1], "layers": []}, "layers: expected a non-empty list"),
    (
        {
            "inputs": [1, 2],
            "targets": [1],
            "layers": [{"activation": "sigmoid", "weights": [[1]], "biases": [0]}],
        },
        "layers[0].weights[0]: expected 2 numbers, got 1",
    ),
    (
        {
            "inputs": [1],
            "targets": [1],
            "layers": [{"activation": "softmax", "weights": [[1]], "biases": [0]}],
        },
        "layers[0].activation: expected one of sigmoid, tanh, relu, linear, got 'softmax'",
    ),
    (
        {
            "inputs": [1],
            "targets": [1, 2],
            "layers": [{"activation": "relu", "weights": [[1]], "biases": [0]}],
        },
        "targets: expected 1 numbers, got 2",
    ),
    (
        {
            "inputs": [1],
            "targets": [1],
            "layers": [{"activation": "relu", "weights": [[1]], "biases": [0, 1]}],
        },
        "layers[0].biases: expected 1 numbers, got 2",
    ),
    (
        {
            "inputs": [1],
            "targets": [1],
            "error": "cubed",
            "layers": [{"activation": "relu", "weights": [[1]], "biases": [0]}],
        },
        "error: expected one of 'sum', 'half', 'mean', got 'cubed'",
    ),
    (
        {
            "inputs": [1],
            "targets": [1],
            "learning_rate": -1,
            "layers": [{"activation": "relu", "weights": [[1]], "biases": [0]}],
        },
        "learning_rate: expected a positive number",
    ),
    ({"inputs": [1], "targets": [1], "layers": [], "lr": 1}, "unknown field 'lr'"),
    ({"inputs": [1e999], "targets": [1], "layers": []}, "inputs[0]: expected a finite number"),
]


@pytest.mark.parametrize("data, message", BAD)
def test_bad_files_get_one_line_naming_the_field(
    tmp_path: Path, data: dict[str, object], message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data).replace("Infinity", "1e999"))
    with pytest.raises(ValueError) as info:
        Lesson.load(path)
    text = str(info.value)
    assert "\n" not in text and message in text and "bad.json" in text


def test_bad_syntax_and_long_text_is_quoted_bounded(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"inputs": [1, 2,')
    with pytest.raises(ValueError, match=r"not valid JSON .* line 1"):
        Lesson.load(path)
    path.write_text(json.dumps({"inputs": ["x" * 5000], "targets": [1], "layers": []}))
    with pytest.raises(ValueError) as info:
        Lesson.load(path)
    assert len(str(info.value)) < 200
    with pytest.raises(FileNotFoundError, match="cannot read lesson file"):
        Lesson.load(tmp_path / "missing.json")


def test_python_objects_are_checked_too() -> None:
    with pytest.raises(ValueError, match=r"layers\[0\].weights\[1\]: expected 3 numbers"):
        Lesson(
            inputs=(1.0, 2.0, 3.0),
            targets=(1.0, 0.0),
            layers=(LayerSpec("sigmoid", ((1.0, 2.0, 3.0), (1.0,)), (0.0, 0.0)),),
        )
    with pytest.raises(ValueError, match="expected 2 outputs"):
        DEFAULT_LESSON.error_of([Value(1.0)])


def test_cli_lesson_option_reports_bad_file_as_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from autograd_mlp.commands.cli import UsageError, add_lesson_argument, lesson_from_args

    parser = argparse.ArgumentParser()
    add_lesson_argument(parser)
    assert lesson_from_args(parser.parse_args([]), "x") is DEFAULT_LESSON
    good = DEFAULT_LESSON.save(tmp_path / "good.json")
    assert lesson_from_args(parser.parse_args(["--lesson", str(good)]), "x") == DEFAULT_LESSON
    bad = tmp_path / "bad.json"
    bad.write_text('{"inputs": []}')
    with pytest.raises(UsageError, match=r"x: --lesson: lesson file .*bad.json: targets: missing"):
        lesson_from_args(parser.parse_args(["--lesson", str(bad)]), "x")
