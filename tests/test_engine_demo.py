"""`autograd-mlp demo` prints backward's gradients for the lesson's 3–2–2 network: check them
against central differences of the network written out by hand in plain floats.

The reference below re-implements the lesson's forward pass from its documented numbers
(autograd_mlp/teach/lesson.py): h = σ(W1·x + b1), y = W2·h + b2, E = Σₖ (tₖ − yₖ)², so it
shares no code with the engine, nn or gradcheck.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from autograd_mlp.teach.lesson import (
    LESSON_B1,
    LESSON_B2,
    LESSON_T,
    LESSON_W1,
    LESSON_W2,
    LESSON_X,
)

ROW = re.compile(r"^(L[12]\.N\d\.(?:w\d|b))\s+(\S+)\s+(\S+)\s+(\S+)$")


def _lesson_parameters() -> dict[str, float]:
    """The parameters by their nn labels (L<layer>.N<neuron>.w<input> and .b), 1-based."""
    params = {}
    for layer, (weights, biases) in enumerate(((LESSON_W1, LESSON_B1), (LESSON_W2, LESSON_B2))):
        for j, (row, bias) in enumerate(zip(weights, biases)):
            for i, w in enumerate(row):
                params[f"L{layer + 1}.N{j + 1}.w{i + 1}"] = w
            params[f"L{layer + 1}.N{j + 1}.b"] = bias
    return params


def _error(p: dict[str, float]) -> float:
    x = LESSON_X
    h = []
    for j in (1, 2):
        z = p[f"L1.N{j}.b"] + sum(p[f"L1.N{j}.w{i + 1}"] * x[i] for i in range(3))
        h.append(1.0 / (1.0 + math.exp(-z)))
    error = 0.0
    for k in (1, 2):
        y = p[f"L2.N{k}.b"] + sum(p[f"L2.N{k}.w{j + 1}"] * h[j] for j in range(2))
        error += (LESSON_T[k - 1] - y) ** 2
    return error


def _central_difference(name: str, h: float = 1e-6) -> float:
    up, down = _lesson_parameters(), _lesson_parameters()
    up[name] += h
    down[name] -= h
    return (_error(up) - _error(down)) / (2 * h)


def test_demo_gradients_agree_with_central_differences(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["demo", "--out", str(tmp_path), "--quick"]) == 0
    out = capsys.readouterr().out
    matches = [ROW.match(line.strip()) for line in out.splitlines()]
    rows = {m[1]: m for m in matches if m is not None}
    params = _lesson_parameters()
    assert sorted(rows) == sorted(params)  # every parameter printed, once
    for name, value in params.items():
        printed_value, backward, numeric = (float(rows[name][i]) for i in (2, 3, 4))
        assert printed_value == pytest.approx(value, abs=5e-5)
        reference = _central_difference(name)
        # the table prints 10 decimals; the central difference is good to about 1e-10
        assert backward == pytest.approx(reference, abs=1e-8), name
        assert numeric == pytest.approx(reference, abs=1e-8), name
    error = float(re.search(r"error E = (\S+)", out)[1])  # type: ignore[index]
    assert error == pytest.approx(_error(params), abs=1e-6)
