"""The worked example: every number against an independent computation in plain floats.

The hand algebra below is the tutorial's (3–2–2 network, sigmoid hidden layer, linear outputs,
E = Σₖ (tₖ − yₖ)², W' = W − a·∂E/∂W), written out without the engine, plus central differences
and PyTorch float64 for the gradients.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import math
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from autograd_mlp.engine import Value, topological_order
from autograd_mlp.engine.expr import build
from autograd_mlp.teach.explain import explain
from autograd_mlp.teach.lesson import (
    DEFAULT_LESSON,
    LESSON_B1,
    LESSON_B2,
    LESSON_LR,
    LESSON_T,
    LESSON_W1,
    LESSON_W2,
    LESSON_X,
    Lesson,
)
from autograd_mlp.teach.worked import (
    MAX_PATHS_LISTED,
    compute_worked_example,
    multiplication_counts,
    worked_example,
    worked_example_markdown,
)
from autograd_mlp.viz.naming import round_half_away
from tests.conftest import needs
from tests.latex_tools import compile_latex, pdf_page_sizes
from tests.lessons import DEEP, LESSON_IDS, LESSONS, SHALLOW, SHAPE_IDS, SHAPES

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "worked-example.md"


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


Params = tuple[list[list[float]], list[float], list[list[float]], list[float]]


def start() -> Params:
    return (
        [list(r) for r in LESSON_W1],
        list(LESSON_B1),
        [list(r) for r in LESSON_W2],
        list(LESSON_B2),
    )


def forward(p: Params) -> tuple[list[float], list[float], list[float], float]:
    w1, b1, w2, b2 = p
    x, t = LESSON_X, LESSON_T
    z = [sum(w1[j][i] * x[i] for i in range(3)) + b1[j] for j in range(2)]
    h = [sig(v) for v in z]
    y = [sum(w2[k][j] * h[j] for j in range(2)) + b2[k] for k in range(2)]
    e = sum((t[k] - y[k]) ** 2 for k in range(2))
    return z, h, y, e


def hand_gradients(
    p: Params,
) -> tuple[list[list[float]], list[float], list[list[float]], list[float]]:
    """Backprop by hand: δₖ = −2(tₖ − yₖ); ∂E/∂w2ₖⱼ = δₖhⱼ; ∂E/∂w1ⱼᵢ = Σₖ δₖ w2ₖⱼ hⱼ(1 − hⱼ) xᵢ."""
    w2 = p[2]
    _, h, y, _ = forward(p)
    d = [-2.0 * (LESSON_T[k] - y[k]) for k in range(2)]
    gw2 = [[d[k] * h[j] for j in range(2)] for k in range(2)]
    gb2 = list(d)
    back = [sum(d[k] * w2[k][j] for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)]
    gw1 = [[back[j] * LESSON_X[i] for i in range(3)] for j in range(2)]
    return gw1, back, gw2, gb2


def step(p: Params, lr: float) -> Params:
    g = hand_gradients(p)
    w1, b1, w2, b2 = p
    return (
        [[w - lr * gw for w, gw in zip(r, gr)] for r, gr in zip(w1, g[0])],
        [b - lr * gb for b, gb in zip(b1, g[1])],
        [[w - lr * gw for w, gw in zip(r, gr)] for r, gr in zip(w2, g[2])],
        [b - lr * gb for b, gb in zip(b2, g[3])],
    )


def test_forward_error_and_gradients_match_hand_algebra() -> None:
    ex = compute_worked_example()
    p = start()
    z, h, y, e = forward(p)
    assert ex.z[0] == pytest.approx(z, rel=1e-14)
    assert ex.a[0] == pytest.approx(h, rel=1e-14)
    assert ex.y == pytest.approx(y, rel=1e-14)
    assert ex.error == pytest.approx(e, rel=1e-14)
    # the documented numbers, by hand: z1 = 0.1 - 0.1 - 0.3 + 0.1 = -0.2, z2 = 0.4+0.1+0.5-0.1
    assert z == pytest.approx([-0.2, 0.9])
    gw1, gb1, gw2, gb2 = hand_gradients(p)
    assert ex.dE_dy == pytest.approx([-2 * (LESSON_T[k] - y[k]) for k in range(2)], rel=1e-14)
    assert ex.grads_w[-1] == [pytest.approx(r, rel=1e-13) for r in gw2]
    assert ex.grads_b[-1] == pytest.approx(gb2, rel=1e-13)
    assert ex.grads_w[0] == [pytest.approx(r, rel=1e-12) for r in gw1]
    assert ex.grads_b[0] == pytest.approx(gb1, rel=1e-12)
    # a first-layer gradient is the sum of two path terms, one through each output k
    d = ex.dE_dy
    for j in range(2):
        for i in range(3):
            terms = [d[k] * LESSON_W2[k][j] * h[j] * (1 - h[j]) * LESSON_X[i] for k in range(2)]
            assert ex.terms_w[0][j][i] == pytest.approx(terms, rel=1e-12)
        assert ex.terms_b[0][j] == pytest.approx(
            [d[k] * LESSON_W2[k][j] * h[j] * (1 - h[j]) for k in range(2)], rel=1e-12
        )


def test_gradients_match_central_differences() -> None:
    ex = compute_worked_example()
    eps = 1e-6
    flat = ex.exact  # every gradient by label
    for label, grad in flat.items():
        layer, neuron, name = label.split(".")
        j = int(neuron[1:]) - 1
        numeric = []
        for sign in (1, -1):
            p = start()
            target = p[0 if layer == "L1" else 2] if name != "b" else p[1 if layer == "L1" else 3]
            if name == "b":
                target[j] += sign * eps  # type: ignore[operator]
            else:
                target[j][int(name[1:]) - 1] += sign * eps  # type: ignore[index]
            numeric.append(forward(p)[3])
        assert grad == pytest.approx((numeric[0] - numeric[1]) / (2 * eps), abs=1e-8), label


def test_gradients_match_pytorch_float64() -> None:
    torch = needs("torch")
    x = torch.tensor(LESSON_X, dtype=torch.float64)
    t = torch.tensor(LESSON_T, dtype=torch.float64)
    w1 = torch.tensor(LESSON_W1, dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor(LESSON_B1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(LESSON_W2, dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(LESSON_B2, dtype=torch.float64, requires_grad=True)
    y = w2 @ torch.sigmoid(w1 @ x + b1) + b2
    ((t - y) ** 2).sum().backward()
    ex = compute_worked_example()
    assert ex.grads_w[0] == [pytest.approx(r, rel=1e-12) for r in w1.grad.tolist()]
    assert ex.grads_b[0] == pytest.approx(b1.grad.tolist(), rel=1e-12)
    assert ex.grads_w[-1] == [pytest.approx(r, rel=1e-12) for r in w2.grad.tolist()]
    assert ex.grads_b[-1] == pytest.approx(b2.grad.tolist(), rel=1e-12)


def test_update_and_training_match_plain_float_gradient_descent() -> None:
    ex = compute_worked_example(lr=LESSON_LR, steps=30, target=0.01)
    p1 = step(start(), LESSON_LR)
    expected = {}
    for layer, (w, b) in (("L1", (p1[0], p1[1])), ("L2", (p1[2], p1[3]))):
        for j in range(2):
            for i, v in enumerate(w[j]):
                expected[f"{layer}.N{j + 1}.w{i + 1}"] = v
            expected[f"{layer}.N{j + 1}.b"] = b[j]
    assert ex.new_params == pytest.approx(expected, rel=1e-13)
    errors = []
    p = start()
    for _ in range(400):
        p = step(p, LESSON_LR)
        errors.append(forward(p)[3])
    assert ex.error_after_update == pytest.approx(errors[0], rel=1e-12)
    assert ex.error_after_steps == pytest.approx(errors[30], rel=1e-10)  # 1 + 30 updates
    first = next(s for s, e in enumerate(errors, 1) if e <= 0.01)
    assert ex.target_step == first
    unreachable = compute_worked_example(steps=0, target=1e-300, max_steps=20)
    assert unreachable.target_step is None
    assert "does not fall to 1e-300 within 20 updates" in worked_example(
        steps=3, target=1e-300, max_steps=20
    )


def test_every_number_is_printed() -> None:
    ex = compute_worked_example()
    text = worked_example()
    numbers = [*ex.z[0], *ex.a[0], *ex.y, ex.error, *ex.dE_dy]
    numbers += [g for r in ex.grads_w[-1] for g in r] + ex.grads_b[-1]
    numbers += [g for r in ex.grads_w[0] for g in r] + ex.grads_b[0]
    numbers += [t for r in ex.terms_w[0] for ts in r for t in ts]
    numbers += list(ex.new_params.values())
    for v in numbers:
        assert f"{v:.4f}".replace("-", "−") in text, v  # printed with a true minus
    assert f"after {ex.target_step} updates" in text
    assert "E = 0.9366 (from 1.0869)" in text  # E after one update, from the hand algebra
    sums = re.findall(r"= (\(−?\d\.\d{4}\)|\d\.\d{4}) \+ (\(−?\d\.\d{4}\)|\d\.\d{4}) = ", text)
    assert len(sums) == 8  # the 8 first-layer gradients are each a sum of two path terms


def test_round_reproduces_hand_rounding() -> None:
    ex = compute_worked_example(round_intermediate=4)
    _, h, y, _ = forward(start())

    def r(v: float) -> float:
        return round_half_away(v, 4)

    # path k of L1.N1.w1, multiplied from E down, each partial product rounded to 4 decimals:
    # 1 · 2(tₖ − yₖ) · (−1) · w2ₖ₁ · h₁(1 − h₁) · x₁
    for k in range(2):
        prod = 1.0
        for local in (1.0, 2 * (LESSON_T[k] - y[k]), -1.0, LESSON_W2[k][0], h[0] * (1 - h[0]), 1.0):
            prod = r(prod * r(local))
        assert ex.terms_w[0][0][0][k] == prod
    assert ex.grads_w[0][0][0] == r(sum(ex.terms_w[0][0][0]))
    text = worked_example(round_intermediate=4)
    assert "rounded to 4 decimals" in text and "the engine never rounds" in text
    assert "−0.21205813 exactly" in text


def _balanced(tex: str) -> bool:
    depth = 0
    for m in re.finditer(r"\\.|[{}]", tex):
        depth += {"{": 1, "}": -1}.get(m.group(), 0)
        if depth < 0:
            return False
    return depth == 0


def test_latex_and_markdown_structure() -> None:
    tex = worked_example("latex", round_intermediate=4)
    assert _balanced(tex)
    # one display per left-hand side: 4 + 2 forward, 1 error, 2 + 6 output layer, 8 hidden
    # layer, 2 + 6 layer by layer
    assert tex.count(r"\begin{aligned}") == tex.count(r"\end{aligned}") == 31
    # on a page every table is kept whole (the numbers, the recursion's table, the update); on
    # slides the numbers are two halves side by side, the update two pieces of 7 rows (issue 20)
    assert tex.count(r"\begin{tabular}") == tex.count(r"\end{tabular}") == 3
    slides = worked_example("latex", round_intermediate=4, document="beamer")
    assert slides.count(r"\begin{tabular}") == 5
    assert tex.count(r"\[") == tex.count(r"\]")
    for line in tex.splitlines():
        if not line.startswith("%"):
            assert not re.search("[∂−·σΣ²ᵢⱼₖ≤]", line), line  # all Unicode math translated
    md = worked_example("markdown")
    assert md.count("```") % 2 == 0
    for block in re.findall(r"((?:^\|.*\|\n)+)", md, re.M):
        rows = block.splitlines()
        assert len({row.count("|") for row in rows}) == 1
        assert re.fullmatch(r"\| ---( \| ---:)+ \|", rows[1])
    assert next(ln for ln in md.splitlines() if ln.startswith("## ")) == "## 1. The numbers"


def test_doc_page_is_generated_and_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == worked_example_markdown(), (
        "docs/worked-example.md is stale: python -m autograd_mlp explain --format markdown "
        "> docs/worked-example.md"
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", "--format", "markdown"]) == 0
    assert out.getvalue() == DOC.read_text(encoding="utf-8")


def test_cli_runs_as_module_and_rejects_bad_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_mlp", "explain", "--steps", "5", "--target", "0.5"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "after 5 further steps" in done.stdout
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["explain", "--lr", "-1"]) == 2
        assert main(["explain", "--format", "html"]) == 2
    assert "learning rate must be a positive number, got -1.0" in err.getvalue()
    with pytest.raises(ValueError, match="format must be one of"):
        worked_example("pdf")


@pytest.mark.parametrize(
    ("argv", "kwargs"),
    [
        (["--round", "4"], {"round_intermediate": 4}),
        (["--lr", "0.1", "--steps", "7"], {"lr": 0.1, "steps": 7}),
        (
            ["--format", "latex", "--target", "0.05"],
            {"format": "latex", "target": 0.05, "document": "article"},
        ),
        (
            ["--format", "latex", "--latex-wrapper", "none"],
            {"format": "latex", "document": None},
        ),
        (
            ["--format", "latex", "--latex-wrapper", "beamer", "--round", "3"],
            {"format": "latex", "document": "beamer", "round_intermediate": 3},
        ),
        (["--format", "text", "--round", "3"], {"round_intermediate": 3}),
    ],
)
def test_cli_options_reach_the_generator(argv: list[str], kwargs: dict[str, object]) -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", *argv]) == 0
    assert out.getvalue() == worked_example(**kwargs)  # type: ignore[arg-type]


def test_console_script_prints_the_lesson() -> None:
    script = Path(sys.executable).with_name("autograd-mlp")
    if not script.exists():
        pytest.skip("the autograd-mlp console script is not installed next to this Python")
    done = subprocess.run(
        [str(script), "explain", "--steps", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == worked_example(steps=2)


def test_round_prints_that_many_decimals_and_refuses_fewer_than_one() -> None:
    text = worked_example(round_intermediate=2)
    # the forward pass by hand with 2 decimals: z = −0.2, σ(−0.20) = 0.45 (0.4502 rounded)
    assert "σ(L1.N1.z) = σ(−0.20) = 0.45" in text
    assert "rounded to 2 decimals" in text
    forward = text.split("2. Forward pass")[1].split("3. The error")[0]
    assert re.findall(r"\d\.\d{3,}", forward) == []  # nothing printed with 3 or more decimals
    assert "σ(−0.2000)" in worked_example()  # without --round: 4 decimals
    assert "σ(−0.200)" in worked_example(round_intermediate=2, precision=3)  # unless asked
    for bad in (0, -1, 18, True, 2.0):
        with pytest.raises(ValueError, match="whole number of decimals from 1 to 17"):
            worked_example(round_intermediate=bad)  # type: ignore[arg-type]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["explain", "--round", "0"]) == 2
    assert "--round must be at least 1 decimal, got 0" in err.getvalue()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", "--round", "2"]) == 0
    assert out.getvalue() == text


def test_rounding_is_half_away_from_zero_as_on_paper() -> None:
    # By hand: 0.125 → 0.13 and 2.675 → 2.68 (Python's round gives 0.12 and 2.67), −0.125 → −0.13
    assert round_half_away(0.125, 2) == 0.13 and round(0.125, 2) == 0.12
    assert round_half_away(2.675, 2) == 2.68 and round(2.675, 2) == 2.67
    assert round_half_away(-0.125, 2) == -0.13
    assert round_half_away(0.4502, 1) == 0.5 and round_half_away(0.44999, 1) == 0.4
    assert math.isnan(round_half_away(float("nan"), 2))


def test_recursion_gives_the_path_sums_with_its_numbers() -> None:
    ex = compute_worked_example()
    _, h, y, _ = forward(start())
    # δ of the outputs: linear, so ∂E/∂yₖ = −2·(tₖ − yₖ); hidden: δⱼ = hⱼ(1 − hⱼ)·Σₖ wₖⱼ·δₖ
    d_out = [-2.0 * (LESSON_T[k] - y[k]) for k in range(2)]
    assert ex.deltas[-1] == pytest.approx(d_out, rel=1e-12)
    for j in range(2):
        back = sum(LESSON_W2[k][j] * d_out[k] for k in range(2))
        assert ex.back_sums[0][j] == pytest.approx(back, rel=1e-12)
        assert ex.df[0][j] == pytest.approx(h[j] * (1 - h[j]), rel=1e-12)
        assert ex.deltas[0][j] == pytest.approx(h[j] * (1 - h[j]) * back, rel=1e-12)
        for i in range(3):
            assert ex.rec_w[0][j][i] == pytest.approx(ex.grads_w[0][j][i], rel=1e-12)
        assert ex.deltas[0][j] == pytest.approx(ex.grads_b[0][j], rel=1e-12)
    text = worked_example()
    section = text.split("6. The same gradients layer by layer")[1].split("7. The update")[0]
    assert "δⱼ = σ′(zⱼ)·Σₖ wₖⱼ·δₖ" in section
    assert "L2.N1.w1·δ(L2.N1) + L2.N2.w1·δ(L2.N2) = 0.6000·(−1.7864) + 0.2000·1.0754" in section
    assert "δ(L1.N1) = 0.2475·(−0.8567) = −0.2121" in section
    # the table puts both ways side by side: parameter, δⱼ·xᵢ, layer by layer, sum over paths
    assert re.search(r"L1\.N1\.w2 +\(−0\.2121\)·0\.5 +−0\.1060 +−0\.1060", section)
    assert "60 over the paths" in section and "14 layer by layer" in section
    assert "The two columns agree" in section
    md = worked_example("markdown")
    assert "## 6. The same gradients layer by layer (backpropagation)" in md
    assert "| parameter | δⱼ·xᵢ | layer by layer | sum over paths |" in md
    tex = worked_example("latex")
    assert r"\subsection*{6. The same gradients layer by layer (backpropagation)}" in tex
    assert r"\delta (\mathrm{L1.N1}) &= 0.2475 \cdot (-0.8567)" in tex


def test_multiplication_counts_by_hand() -> None:
    # Over paths (3–2–2): a weight's path ∂E/∂yₖ·wₖⱼ·hⱼ·(1 − hⱼ)·xᵢ is 4 multiplications, a
    # bias's 3; 2 paths each;
    # 6 weights and 2 biases: 6·2·4 + 2·2·3 = 48 + 12 = 60.
    # Layer by layer, per hidden neuron: 2 (Σₖ wₖⱼ·δₖ) + 1 (σ′) + 1 (δⱼ) + 3 (δⱼ·xᵢ) = 7; ×2 = 14.
    assert multiplication_counts() == (60, 14)
    # 4–3–2: weights 12·2·4 + biases 3·2·3 = 96 + 18 = 114; by layer 3·(2 + 2 + 4) = 24
    assert multiplication_counts(4, 3, 2) == (114, 24)


@pytest.mark.parametrize("document", ["article", "standalone", "beamer"])
def test_latex_document_compiles_without_overfull_boxes(document: str, tmp_path: Path) -> None:
    tex = worked_example("latex", document=document)
    assert tex.startswith("% generated") and r"\end{document}" in tex
    pages = pdf_page_sizes(compile_latex(tex, tmp_path))
    if document == "standalone":  # the article class, one page as tall as the content
        assert "{standalone}" not in tex and tex.count(r"\documentclass[11pt]{article}") == 1
        assert len(pages) == 1 and pages[0][1] > 1000  # taller than A4: nothing cut off
    elif document == "article":
        assert len(pages) > 1 and {(round(w), round(h)) for w, h in pages} == {(595, 842)}  # A4
    else:
        assert {round(w / h, 2) for w, h in pages} == {1.78}  # 16:9 slides


def test_latex_rounded_and_fragment(tmp_path: Path) -> None:
    compile_latex(worked_example("latex", document="article", round_intermediate=2), tmp_path)
    fragment = worked_example("latex")
    assert r"\documentclass" not in fragment
    assert r"\documentclass" not in worked_example("latex", document="none")
    with pytest.raises(ValueError, match="document must be one of"):
        worked_example("latex", document="report")
    with pytest.raises(ValueError, match="needs format='latex'"):
        worked_example("text", document="article")
    # the prose that stopped pdflatex ("w$_k_j$": double subscript) is one group now
    assert "w_{kj}" in fragment and "_k_" not in fragment  # in math now (issue 20)


# ------------------------------------------------------------------------------------------------
# The teacher's own lesson
# ------------------------------------------------------------------------------------------------


Layers = list[tuple[list[list[float]], list[float]]]  # each layer's weights and biases


def _plain_error(lesson: Lesson, layers: Layers) -> float:
    """E of the lesson with these weights and biases, in plain floats (no engine)."""
    act = {
        "sigmoid": sig,
        "tanh": math.tanh,
        "relu": lambda z: max(0.0, z),
        "linear": lambda z: z,
    }
    h = list(lesson.inputs)
    for spec, (w, b) in zip(lesson.layers, layers):
        f = act[spec.activation]
        h = [f(sum(wi * hi for wi, hi in zip(row, h)) + bj) for row, bj in zip(w, b)]
    squares = sum((tk - yk) ** 2 for tk, yk in zip(lesson.targets, h))
    return {"sum": squares, "half": 0.5 * squares, "mean": squares / len(h)}[lesson.error]


@pytest.mark.parametrize("lesson", SHAPES, ids=SHAPE_IDS)
def test_a_lessons_gradients_both_ways_match_central_differences(lesson: Lesson) -> None:
    ex = compute_worked_example(lesson=lesson, steps=3)
    layers = [([list(r) for r in spec.weights], list(spec.biases)) for spec in lesson.layers]
    assert ex.error == pytest.approx(_plain_error(lesson, layers), rel=1e-12)

    def numeric(get: list[float], i: int) -> float:
        eps = 1e-6
        old = get[i]
        get[i] = old + eps
        up = _plain_error(lesson, layers)
        get[i] = old - eps
        down = _plain_error(lesson, layers)
        get[i] = old
        return (up - down) / (2 * eps)

    for li, (w, b) in enumerate(layers):
        for j, row in enumerate(w):
            for i in range(len(row)):
                expected = numeric(row, i)
                assert ex.grads_w[li][j][i] == pytest.approx(expected, abs=1e-7)  # over paths
                assert ex.rec_w[li][j][i] == pytest.approx(expected, abs=1e-7)  # layer by layer
            assert ex.deltas[li][j] == pytest.approx(numeric(b, j), abs=1e-7)  # δ = ∂E/∂b
    text = worked_example(lesson=lesson, steps=3)
    assert f"learning constant a = {lesson.learning_rate:g}" in text
    if len(layers) > 1:
        assert "The same gradients layer by layer" in text and "over the paths" in text
    else:  # no hidden layer: the one path per weight is all of it, with the output's δ
        assert "There is no hidden layer, so this is the whole backward pass" in text
        assert "layer by layer (backpropagation)" not in text and "δ(L1.N1) = " in text


@pytest.mark.parametrize(
    "lesson",
    [*LESSONS[1:], SHALLOW[0], DEEP[2], DEEP[-1]],
    ids=[*LESSON_IDS[1:], "no-hidden-layer", "two-hidden-layers", "three-hidden-layers"],
)
def test_a_lessons_latex_compiles(lesson: Lesson, tmp_path: Path) -> None:
    tex = worked_example("latex", lesson=lesson, document="article")
    assert tex.isascii()  # every Unicode symbol (½, δ, σ, ′...) translated
    compile_latex(tex, tmp_path / "a")
    compile_latex(
        worked_example("latex", lesson=lesson, document="beamer", round_intermediate=3),
        tmp_path / "b",
    )


def test_multiplication_counts_for_other_activations_by_hand() -> None:
    # 2–2–1, tanh hidden, linear out: a weight's path ∂E/∂y·w·(1 − h²)·x is 3 multiplications
    # plus 1 for h², so 4; a bias's 3. Paths: 2 hidden × 1 output × (2·4 + 3) = 22.
    # Layer by layer per hidden neuron: 1 (w·δ) + 2 (h², then f′·Σ) + 2 (δ·x) = 5; ×2 = 10.
    assert multiplication_counts(2, 2, 1, hidden_activation="tanh") == (22, 10)
    # 2–2–2 linear–linear: a weight's path ∂E/∂y·w·x is 2, a bias's 1: 2·2·(2·2 + 1) = 20;
    # layer by layer 2·(2 + 2) = 8 (δⱼ is the sum itself).
    assert multiplication_counts(2, 2, 2, hidden_activation="linear") == (20, 8)
    # relu hidden (f′ is 0 or 1, read off, no multiplication), sigmoid output (y·(1 − y)):
    # a weight's path ∂E/∂y·σ′·w·relu′·x: 5 factors, 4 + 1 = 5; a bias's 4. 3–2–1:
    # 2·1·(3·5 + 4) = 38; outputs' δ: 1·(1 + 1) = 2, per hidden neuron 1 + 1 + 3 = 5: 2 + 10.
    assert multiplication_counts(
        3, 2, 1, hidden_activation="relu", output_activation="sigmoid"
    ) == (38, 12)
    with pytest.raises(ValueError, match="activation must be one of"):
        multiplication_counts(hidden_activation="softmax")


def test_cli_takes_a_lesson_file(tmp_path: Path) -> None:
    path = LESSONS[2].save(tmp_path / "mine.json")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", "--lesson", str(path), "--steps", "2"]) == 0
    assert out.getvalue() == worked_example(lesson=LESSONS[2], steps=2)
    text = out.getvalue()  # 2–2–1, relu then tanh, E = ½·(t1 − y1)²
    assert "a ReLU activation" in text and "E = ½·(t1 − y1)² = ½·(" in text
    assert "gradients of W1 and b1, one path each" in text
    deep = Lesson(
        inputs=[1.0],
        targets=[0.0],
        layers=[
            {"activation": "tanh", "weights": [[0.5]], "biases": [0.0]},
            {"activation": "tanh", "weights": [[0.5]], "biases": [0.0]},
            {"activation": "linear", "weights": [[0.5]], "biases": [0.0]},
        ],
    )
    deep_path = deep.save(tmp_path / "deep.json")  # two hidden layers: explained too
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["explain", "--lesson", str(deep_path), "--steps", "2"]) == 0
    assert out.getvalue() == worked_example(lesson=deep, steps=2)
    assert "two hidden layers" in out.getvalue() and "δ(L1.N1) = " in out.getvalue()
    bad = tmp_path / "bad.json"
    bad.write_text('{"inputs": [1], "targets": [1], "layers": [], "error": "sum"}', "utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["explain", "--lesson", str(bad)]) == 2
    assert "layers" in err.getvalue().splitlines()[0]


@pytest.mark.parametrize("lesson", LESSONS, ids=LESSON_IDS)
def test_the_learning_constant_section_gives_curvatures_numbers(lesson: Lesson) -> None:
    """Section 9's λ_max and 2/λ_max are those of `teach.curvature` (NumPy's eigenvalues of
    the Hessian of E at the lesson's start), in every format."""
    from autograd_mlp.teach.curvature import lesson_curvature

    text = worked_example(lesson=lesson, steps=2)
    section = text[text.index("9. How big may a be?") :]
    assert "E is not a quadratic" in section and "teaching page" in section
    try:
        c = lesson_curvature(lesson=lesson, max_steps=5)
    except ValueError:  # no upward curvature at the start: no threshold, and the text says so
        assert "no threshold" in section
        return
    lam, threshold = f"{c.lambda_max:.4f}", f"{c.threshold:.4f}"
    assert f"λ_max = {lam}, so 2/λ_max = {threshold}." in section
    side = "below" if lesson.learning_rate < c.threshold else "above"
    assert f"The lesson's a = {lesson.learning_rate:g} is {side} it" in section
    md = worked_example("markdown", lesson=lesson, steps=2)
    assert "## 9. How big may a be?" in md and f"2/λ_max = {threshold}" in md
    tex = worked_example("latex", lesson=lesson, steps=2)
    # the formulas of the prose in math mode (issue 20: math italics, true minus signs)
    assert rf"$\lambda_{{\max}} = {lam}$, so $2/\lambda_{{\max}} = {threshold}$." in tex


def test_the_learning_constant_section_above_the_threshold() -> None:
    """A lesson's a above 2/λ_max is called so (the 3–2–2 lesson with a = 1)."""
    from autograd_mlp.teach.curvature import lesson_curvature

    c = lesson_curvature(max_steps=1)
    text = worked_example(lr=1.0, steps=1)
    assert f"a = 1 is above it ({1.0 / c.threshold:.2f} times as big)" in text


def _wide_lesson(sizes: list[int], seed: int = 0) -> Lesson:
    """A lesson of these sizes (inputs first) with seeded weights in ±1: sigmoid, linear out."""
    rng = random.Random(seed)
    layers = [
        {
            "activation": "linear" if i == len(sizes) - 2 else "sigmoid",
            "weights": [[round(rng.uniform(-1, 1), 2) for _ in range(a)] for _ in range(b)],
            "biases": [round(rng.uniform(-1, 1), 2) for _ in range(b)],
        }
        for i, (a, b) in enumerate(itertools.pairwise(sizes))
    ]
    inputs = [round(rng.uniform(-1, 1), 2) for _ in range(sizes[0])]
    return Lesson(inputs, [0.5] * sizes[-1], layers)


@pytest.mark.parametrize("sizes", [[4, 5, 3], [8, 8, 8, 8, 4], [16, 16, 16]])
def test_lambda_max_is_numpys_largest_eigenvalue_of_the_hessian(sizes: list[int]) -> None:
    np = pytest.importorskip("numpy")
    from autograd_mlp.teach.curvature import lesson_hessian
    from autograd_mlp.teach.worked.numbers import curvature_at_start

    lesson = _wide_lesson(sizes)
    _, h, _ = lesson_hessian(lesson=lesson)
    size, lam = curvature_at_start(lesson)
    assert size == len(h)
    assert lam == pytest.approx(float(np.linalg.eigvalsh(np.array(h))[-1]), rel=1e-12)


def test_a_lesson_at_the_size_limits_costs_a_few_dozen_passes_not_one_per_parameter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # review N17: explain of a 16-input, 6×16 lesson took 85–99 s. λ_max came from the whole
    # Hessian (one reverse pass per parameter: 1,632) and a power iteration over its 2.7
    # million entries, and every path sum named the whole graph again (544 times).
    import autograd_mlp.engine.functional as functional
    import autograd_mlp.teach.worked.numbers as numbers
    from autograd_mlp.teach.lesson import MAX_LAYERS, MAX_SIZE

    lesson = _wide_lesson([MAX_SIZE] * (MAX_LAYERS + 1))
    passes, namings = [0], [0]
    real_grad, real_names = functional.grad, numbers.NodeNames

    def counted_grad(*args: object, **kwargs: object) -> object:
        passes[0] += 1
        return real_grad(*args, **kwargs)  # type: ignore[arg-type]

    class CountedNames(real_names):  # type: ignore[misc, valid-type]
        def __init__(self, root: Value) -> None:
            namings[0] += 1
            super().__init__(root)

    monkeypatch.setattr(functional, "grad", counted_grad)
    monkeypatch.setattr(numbers, "NodeNames", CountedNames)
    size, lam = numbers.curvature_at_start(lesson)
    assert size == 1632 and math.isfinite(lam) and 2 <= passes[0] <= 60
    example = compute_worked_example(lesson=lesson, steps=0, max_steps=1)
    assert namings[0] == 1 and len(example.labels) == 1632


def test_explain_does_not_import_numpy() -> None:
    """The learning constant's λ_max is computed in plain Python (Lanczos' iteration): the
    command line stays quick and NumPy-free."""
    code = (
        "import contextlib, io, sys\n"
        "from autograd_mlp.commands.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    main(['explain'])\n"
        "assert '2/λ_max' in out.getvalue()\n"
        "assert 'numpy' not in sys.modules, 'numpy imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ------------------------------------------------------------------------------------------------
# Any number of layers: every number printed is the engine's
# ------------------------------------------------------------------------------------------------

_NUM = r"−?\d+\.\d+(?:e[−+]\d+)?"


def _number(text: str) -> float:
    return float(text.replace("−", "-"))


def _last_number(text: str) -> float:
    return _number(re.findall(_NUM, text)[-1])


def _evaluate(step: str) -> float | None:
    """A step of a derivation written in numbers only (0.3·(−1) + 0.1, (1 − (−0.28)²),
    ½·(1 − 0.5)²), evaluated; None for a step with symbols in it (σ(0.9), ∂E/∂y1·h1)."""
    step = step.strip()
    if not re.fullmatch(r"[\d.()·+−²½/ ]+", step) or not re.search(r"\d", step):
        return None
    expr = step.replace("−", "-").replace("·", "*").replace("²", "**2").replace("½", "0.5")
    return build(expr, {})[0].data  # the package's own parser: no eval


def test_the_lessons_of_other_depths_cover_every_activation_and_convention() -> None:
    """The random lessons below are only a check of generality if they vary: every activation
    in a hidden and in an output layer, every error convention, 1, 2, 3 and 4 layers."""
    hidden = {spec.activation for lesson in SHAPES for spec in lesson.layers[:-1]}
    outputs = {lesson.layers[-1].activation for lesson in SHAPES}
    assert hidden == outputs == {"sigmoid", "tanh", "relu", "linear"}
    assert {lesson.error for lesson in SHALLOW + DEEP} == {"sum", "half", "mean"}
    assert {len(lesson.layers) for lesson in SHAPES} == {1, 2, 3, 4}


class _Engine:
    """One backward() of the lesson, read back by label: what every printed number must be."""

    def __init__(self, lesson: Lesson) -> None:
        self.lesson = lesson
        self.model, _, self.error = lesson.backward()
        self.node = {v.label: v for v in topological_order(self.error) if v.label}
        self.params = {p.label: p for p in self.model.parameters()}

    def out(self, neuron: str) -> Value:
        """A neuron's output node (its z itself in a linear layer): 'L2.N1'."""
        return self.node.get(f"{neuron}.a", self.node[f"{neuron}.z"])

    def derivative(self, neuron: str) -> float:
        """f′(z) as the engine stored it on the edge z → f(z) (1 for a linear neuron)."""
        a = self.node.get(f"{neuron}.a")  # a linear neuron has no f(z) node: its output is z
        return 1.0 if a is None else a._local[0]

    def input(self, li: int, i: int) -> float:
        """Input i of layer li (0-based): x, or the output of neuron i of the layer below."""
        return self.lesson.inputs[i] if li == 0 else self.out(f"L{li}.N{i + 1}").data

    def error_after_update(self) -> float:
        model = self.lesson.network()
        for p in model.parameters():
            old = self.params[p.label]
            p.data = old.data - self.lesson.learning_rate * old.grad
        return self.lesson.forward_of(model).data


def _close(got: float, want: float, what: str, printed: bool = False) -> None:
    # 1e-10 relative; a number printed with 12 decimals is off by up to 5e-13 besides
    slack = 1e-12 if printed else 1e-14
    assert abs(got - want) <= 1e-10 * abs(want) + slack, f"{what}: {got!r}, engine {want!r}"


@pytest.mark.parametrize("lesson", SHAPES, ids=SHAPE_IDS)
def test_every_number_of_the_worked_example_is_the_engines(lesson: Lesson) -> None:
    """For lessons with 1 to 4 layers of weights: the forward pass, E, ∂E/∂y, every δ (the
    engine's ∂E/∂z of each neuron), Σₖ wₖⱼ·δₖ (its ∂E/∂h), f′(z), every gradient over paths and
    layer by layer, each path's product, the updated weights and E after the update agree with
    one `Lesson.backward()` to 1e-10 relative -- as numbers, and as printed with 12 decimals."""
    engine = _Engine(lesson)
    node, params = engine.node, engine.params
    ex = compute_worked_example(lesson=lesson, steps=2)
    depth = len(lesson.layers)

    # the numbers, layer by layer
    _close(ex.error, engine.error.data, "E")
    for li, spec in enumerate(lesson.layers):
        for j in range(spec.size):
            neuron = f"L{li + 1}.N{j + 1}"
            _close(ex.z[li][j], node[f"{neuron}.z"].data, f"{neuron}.z")
            _close(ex.a[li][j], engine.out(neuron).data, f"output of {neuron}")
            _close(ex.df[li][j], engine.derivative(neuron), f"f′ of {neuron}")
            _close(ex.deltas[li][j], node[f"{neuron}.z"].grad, f"δ({neuron})")
            if li < depth - 1:
                _close(ex.back_sums[li][j], engine.out(neuron).grad, f"Σ w·δ into {neuron}")
            else:
                _close(ex.dE_dy[j], engine.out(neuron).grad, f"∂E/∂y{j + 1}")
            for i in range(spec.nin + 1):
                label = f"{neuron}.b" if i == spec.nin else f"{neuron}.w{i + 1}"
                grad = params[label].grad
                by_paths = ex.grads_b[li][j] if i == spec.nin else ex.grads_w[li][j][i]
                by_layer = ex.deltas[li][j] if i == spec.nin else ex.rec_w[li][j][i]
                _close(by_paths, grad, f"∂E/∂{label} over paths")
                _close(by_layer, grad, f"∂E/∂{label} layer by layer")
                want = params[label].data - lesson.learning_rate * grad
                _close(ex.new_params[label], want, f"{label} after the update")
    _close(ex.error_after_update, engine.error_after_update(), "E after the update")

    # each path's product, from the engine's own numbers along the path the text writes out
    widths = [spec.size for spec in lesson.layers]
    path_products: dict[str, list[float]] = {}
    for li in range(depth - 1):
        for j, row in enumerate(lesson.layers[li].weights):
            for i in range(len(row) + 1):
                label = f"L{li + 1}.N{j + 1}." + ("b" if i == len(row) else f"w{i + 1}")
                path_products[label] = []
                inp = 1.0 if i == len(row) else engine.input(li, i)
                terms = ex.terms_b[li][j] if i == len(row) else ex.terms_w[li][j][i]
                routes = list(itertools.product(*(range(w) for w in reversed(widths[li + 1 :]))))
                assert len(terms) == len(routes) == ex.paths[li]
                for route, term in zip(routes, terms):
                    chain = (*route, j)  # a neuron of every layer, from the output down
                    k = route[0]
                    product = engine.out(f"L{depth}.N{k + 1}").grad
                    product *= engine.derivative(f"L{depth}.N{k + 1}")
                    for step in range(len(route)):
                        m = depth - 1 - step  # the weight into layer m from layer m − 1
                        upper, lower = chain[step], chain[step + 1]
                        product *= lesson.layers[m].weights[upper][lower]
                        product *= engine.derivative(f"L{m}.N{lower + 1}")
                    _close(term, product * inp, f"a path of {label}, route {route}")
                    path_products[label].append(product * inp)

    # The text, with 12 decimals: every equation of these kinds ends in the engine's number, and
    # every step of it written in numbers only (0.4502·0.5498, (1 − (−0.2835)²)) evaluates to it.
    text = worked_example(lesson=lesson, steps=2, precision=12)
    lines = text.splitlines()

    def check(rhs: str, want: float, what: str) -> None:
        _close(_last_number(rhs), want, what, printed=True)
        for step in rhs.split(" = "):
            value = _evaluate(step)
            if value is not None:  # 12-decimal factors: a product is good to about 1e-11
                assert abs(value - want) <= 1e-9 * max(1.0, abs(want)), (what, step, want)

    deltas_seen, grads_seen, rows_seen, updates_seen = set(), set(), set(), set()
    update_at = next(i for i, ln in enumerate(lines) if re.match(r"\d+\. The update", ln))
    for n, line in enumerate(lines):
        rhs = line.split(" = ", 1)[-1]
        if m := re.match(r"\s*δ\((L\d+\.N\d+)\) = ", line):
            check(rhs, node[f"{m[1]}.z"].grad, line)
            deltas_seen.add(m[1])
        elif m := re.match(r"\s*∂E/∂(L\d+\.N\d+\.(?:w\d+|b)) = ", line):
            group = [rhs]  # the derivation goes on over the lines that start with "="
            while n + len(group) < len(lines) and re.match(r"\s+= ", lines[n + len(group)]):
                group.append(lines[n + len(group)].split("= ", 1)[1])
            check(" = ".join(group), params[m[1]].grad, line)
            if len(group) == 3:  # over paths: symbols, numbers, then products and their sum
                products = path_products[m[1]]
                written = group[1].split(" + ")  # each path's factors, in numbers
                assert len(written) == len(products), line
                for step, want in zip(written, products):
                    got = _evaluate(step)
                    assert got is not None, (line, step)
                    assert abs(got - want) <= 1e-9 * max(1.0, abs(want)), (line, step, want)
                if len(products) > 1:  # the products, printed, before their sum
                    terms = group[2].split(" = ")[0].split(" + ")
                    for term, want in zip(terms, products, strict=True):
                        _close(_number(term.strip("()")), want, line, printed=True)
            grads_seen.add(m[1])
        elif m := re.match(r"\s*∂E/∂y(\d+) = ", line):
            check(rhs, engine.out(f"L{depth}.N{m[1]}").grad, line)
        elif m := re.match(r"\s*(L\d+\.N\d+)\.w(\d+)·δ\(L\d+\.N\d+\)(?: \+ \S+)* = ", line):
            below = f"L{int(m[1][1:].split('.')[0]) - 1}.N{m[2]}"  # the neuron the weight leaves
            check(rhs, engine.out(below).grad, line)
        elif m := re.match(r"\s*\S+′\((L\d+\.N\d+)\.z\) = ", line):
            check(rhs, engine.derivative(m[1]), line)
        elif m := re.match(r"\s*(L\d+\.N\d+)\.(z|a) = ", line):
            check(rhs, node[f"{m[1]}.{m[2]}"].data, line)
        elif m := re.match(r"\s*([hy])(\d+) = ", line):
            layer = depth if m[1] == "y" else 1
            check(rhs, engine.out(f"L{layer}.N{m[2]}").data, line)
        elif re.match(r"\s*E = ", line):
            check(rhs, engine.error.data, line)
        elif m := re.match(rf"\s*(L\d+\.N\d+\.(?:w\d+|b))\s+(\S+)\s+({_NUM})\s+({_NUM})$", line):
            p = params[m[1]]
            if n < update_at:  # the recursion's table: δⱼ·input, layer by layer, over paths
                product = _evaluate(m[2])  # δⱼ·input
                assert product is not None and abs(product - p.grad) <= 1e-9 * max(1, abs(p.grad))
                check(m[3], p.grad, line)
                check(m[4], p.grad, line)
                rows_seen.add(m[1])
            else:  # the update: W, ∂E/∂W, W' = W − a·∂E/∂W
                check(m[2], p.data, line)
                check(m[3], p.grad, line)
                check(m[4], p.data - lesson.learning_rate * p.grad, line)
                updates_seen.add(m[1])
    after = re.search(rf"After the update above the error is E = ({_NUM}) \(from ({_NUM})\)", text)
    assert after is not None
    _close(_number(after[1]), engine.error_after_update(), "E after the update", printed=True)
    _close(_number(after[2]), engine.error.data, "E", printed=True)
    # ... and nothing was left out: every δ, every gradient derived, every row of both tables
    neurons = {f"L{li + 1}.N{j + 1}" for li, w in enumerate(widths) for j in range(w)}
    hidden = {label for label in params if int(label[1:].split(".")[0]) < depth}
    assert deltas_seen == (neurons if depth > 1 else {f"L1.N{k + 1}" for k in range(widths[0])})
    assert grads_seen == set(params) and updates_seen == set(params) and rows_seen == hidden


def test_a_layer_with_too_many_paths_is_computed_layer_by_layer_only() -> None:
    """A first-layer weight of a 1–2–5–4–1 network has 5·4·1 = 20 paths to E, more than
    MAX_PATHS_LISTED: its gradients are not written out as sums (nor derived path by path), the
    recursion gives them, and they are still the engine's."""
    rng = random.Random(7)
    sizes = [1, 2, 5, 4, 1]
    layers = [
        {
            "activation": act,
            "weights": [
                [round(rng.uniform(-1, 1), 1) or 0.3 for _ in range(nin)] for _ in range(n)
            ],
            "biases": [0.1] * n,
        }
        for nin, n, act in zip(sizes, sizes[1:], ["tanh", "sigmoid", "tanh", "linear"])
    ]
    lesson = Lesson(inputs=[0.5], targets=[1.0], layers=layers)
    ex = compute_worked_example(lesson=lesson, steps=1)
    assert ex.paths == [20, 4, 1, 1] and MAX_PATHS_LISTED < 20
    assert ex.listed == [False, True, True, True] and ex.terms_w[0] == []
    engine = _Engine(lesson)
    for j in range(2):
        _close(ex.grads_w[0][j][0], engine.params[f"L1.N{j + 1}.w1"].grad, f"L1.N{j + 1}.w1")
        _close(ex.grads_b[0][j], engine.params[f"L1.N{j + 1}.b"].grad, f"L1.N{j + 1}.b")
    text = worked_example(lesson=lesson, steps=1)
    assert (
        "Layer 1: a weight reaches E through one of the 5 neurons of layer 2, then one of" in text
    )
    assert "20 paths (5·4)" in text and "more than 16 products for every parameter" in text
    assert "∂E/∂L1.N1.w1 = " not in text and "∂E/∂L2.N1.w1 = " in text
    assert re.search(r"L1\.N1\.w1 +\S+ +\S+ +not written out", text)
    assert "three hidden layers" in text


def test_counts_say_one_thing_not_one_things() -> None:
    """Lessons of width 1 and a target reached in one update: '1 input', 'one path', '1
    update', never '1 inputs', '1 layers', '1 paths', '1 updates'."""
    plural = re.compile(
        r"\b1 (?:layers|paths|updates|steps|inputs|neurons|outputs|terms|gradients|parameters|"
        r"multiplications|further steps|output neurons|hidden neurons)\b|\bone paths\b"
    )
    for depth in (1, 2, 3, 4):
        layers = [{"activation": "tanh", "weights": [[0.5]], "biases": [0.1]}] * depth
        lesson = Lesson(inputs=[1.0], targets=[0.0], layers=layers, learning_rate=0.1)
        for steps, target in ((1, 1.0), (0, 1e-300)):
            text = worked_example(lesson=lesson, steps=steps, target=target, max_steps=1)
            assert not plural.findall(text), (depth, plural.findall(text))
            assert "1 input" in text and "1 output neuron" in text
        assert "after 1 update." in worked_example(lesson=lesson, steps=1, target=1.0)
        assert "within 1 update." in worked_example(
            lesson=lesson, steps=0, target=1e-300, max_steps=1
        )


def test_multiplication_counts_of_deeper_networks_by_hand() -> None:
    # 3–2–2–1, sigmoid then tanh hidden, linear output (the 3–2–2–1 lesson of the demo test).
    # Layer 2 (1 path): a weight's path ∂E/∂y·w·(1 − h²)·h is 3 multiplications + 1 for h²,
    # a bias's 3: 2 neurons · (2·4 + 3) = 22. Layer 1 (2 paths, through each neuron of layer
    # 2): ∂E/∂y·w·(1 − h²)·w·h(1 − h)·x is 5 + 2 = 7, a bias's 6: 2 · 2 · (3·7 + 6) = 108.
    # Over paths 22 + 108 = 130. Layer by layer: layer 2 per neuron 1 (w·δ) + 1 (h²) + 1 (δ)
    # + 2 (δ·h) = 5, layer 1 per neuron 2 + 1 + 1 + 3 = 7: 2·5 + 2·7 = 24.
    counts = multiplication_counts(3, [2, 2], 1, hidden_activation=["sigmoid", "tanh"])
    assert counts == (130, 24)
    # one hidden layer given as a list is the same as given as a number
    assert multiplication_counts(3, [2], 2) == multiplication_counts(3, 2, 2) == (60, 14)
    assert multiplication_counts(2, [], 1) == (0, 0)  # no hidden layer: nothing to count
    with pytest.raises(ValueError, match="expected one activation or 2"):
        multiplication_counts(3, [2, 2], 1, hidden_activation=["sigmoid"])
    with pytest.raises(ValueError, match="each hidden layer size must be a positive int"):
        multiplication_counts(3, [2, 0], 1)
    # the text of the 3–2–2–1 lesson gives the same counts
    lesson = Lesson(
        inputs=[1.0, 0.5, -1.0],
        targets=[0.5],
        layers=[
            {
                "activation": "sigmoid",
                "weights": [[0.1, -0.2, 0.3], [0.4, 0.2, -0.5]],
                "biases": [0.1, -0.1],
            },
            {"activation": "tanh", "weights": [[0.3, -0.6], [0.5, 0.2]], "biases": [0.0, 0.1]},
            {"activation": "linear", "weights": [[0.7, -0.4]], "biases": [0.05]},
        ],
    )
    text = worked_example(lesson=lesson, steps=1)
    assert "130 over the paths" in text and "24 layer by layer" in text


def test_a_lesson_whose_error_overflows_is_written_out_not_stopped_by_fsum() -> None:
    # review N8: targets (1e308, −1e308) load, and the worked example raised math.fsum's
    # "-inf + inf in fsum"; the engine's own sums give inf and nan there, and so does the text
    lesson = Lesson(LESSON_X, (1e308, -1e308), DEFAULT_LESSON.layers)
    for fmt in ("text", "markdown", "latex"):
        text = worked_example(fmt, lesson=lesson, steps=2)
        if fmt == "latex":  # the prose's formulas are mathematics there (issue 20)
            assert r"is not a finite number at the start $(E = \infty )$" in text
        else:
            assert "E is not a finite number at the start (E = inf)" in text  # "Training on"
    model, _, error = lesson.backward()
    w = model.layers[0].neurons[0].w[0]
    assert math.isnan(w.grad)
    assert explain(error, w).splitlines()[-1] == "∂E/∂L1.N1.w1 = nan"


# ------------------------------------------------------------------------------------------------
# Larger lessons on the page (review N18) and learning constants far too big (N19)
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", ["article", "beamer"])
@pytest.mark.parametrize(
    "sizes",
    [[8, 8, 8, 8, 4], [16] * 7],  # the review's 8–8–8–8–4 (16 overfull lines), and the limits
    ids=["8-8-8-8-4", "16-inputs-6x16"],
)
def test_the_latex_of_lessons_up_to_the_size_limits_stays_on_the_page(
    sizes: list[int], document: str, tmp_path: Path
) -> None:
    from autograd_mlp.teach.lesson import MAX_LAYERS, MAX_SIZE

    assert max(sizes) <= MAX_SIZE and len(sizes) - 1 <= MAX_LAYERS
    tex = worked_example("latex", document=document, lesson=_wide_lesson(sizes), steps=1)
    compile_latex(tex, tmp_path)  # fails on any overfull line in pdflatex's log


def _with(lesson: Lesson, **change: object) -> Lesson:
    fields = {
        "inputs": lesson.inputs,
        "targets": lesson.targets,
        "layers": lesson.layers,
        "learning_rate": lesson.learning_rate,
        "error": lesson.error,
    }
    fields.update(change)
    return Lesson(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("document", ["article", "beamer"])
@pytest.mark.parametrize(
    "case",
    ["17 decimals", "rounded, mean of 16", "a = 1e308", "inputs of 1e150", "6 layers of 2"],
)
def test_the_latex_of_hard_lessons_stays_on_the_page(
    case: str, document: str, tmp_path: Path
) -> None:
    options: dict[str, object] = {}
    if case == "17 decimals":  # a table of four columns of 19 characters
        lesson = _with(_wide_lesson([16, 16, 16]), error="half")
        options["precision"] = 17
    elif case == "rounded, mean of 16":  # E = (1/16)·(16 squares)
        lesson = _with(_wide_lesson([16, 16, 16], seed=3), error="mean")
        options["round_intermediate"] = 2
    elif case == "a = 1e308":  # the update's numbers are 1e308
        lesson = _with(DEFAULT_LESSON, learning_rate=1e308)
    elif case == "inputs of 1e150":
        base = _wide_lesson([3, 4, 2])
        lesson = _with(base, inputs=[1e150 * x for x in base.inputs])
    else:  # paths through six layers of labels
        lesson = _wide_lesson([2] * 7)
    tex = worked_example("latex", document=document, lesson=lesson, steps=1, **options)
    compile_latex(tex, tmp_path)


@pytest.mark.parametrize("lr", [1e6, 1e308])
def test_a_learning_constant_far_too_big_is_said_to_blow_the_error_up(lr: float) -> None:
    # review N19: "drives the error down" while E = inf, and "inf times as big"
    text = worked_example(lesson=_with(DEFAULT_LESSON, learning_rate=lr))
    training = text[text.index("8. Training on") : text.index("9. How big")]
    assert "drives the error down" not in training and "does not bring the error down" in training
    assert "too big for a float, and training stops there" in training
    assert "inf times" not in text and "E overflows" in text[text.index("9. How big") :]
    example = compute_worked_example(lesson=_with(DEFAULT_LESSON, learning_rate=lr))
    assert example.overflow_step is not None and not math.isfinite(example.error_after_steps)


def test_training_that_does_not_lower_the_error_is_not_said_to() -> None:
    # a lesson whose error does not move (its ReLUs are dead): it used to "drive it down"
    lesson = SHAPES[SHAPE_IDS.index("2-3-2-2-seed4")]
    example = compute_worked_example(lesson=lesson, steps=5)
    assert example.error_after_steps >= example.error
    text = worked_example(lesson=lesson, steps=5)
    assert "drives the error down" not in text and "does not bring the error down" in text
    assert "drives the error down" in worked_example(steps=5)  # the lesson's own does


def test_the_lesson_of_the_learning_constant_says_too_big_not_inf() -> None:
    pytest.importorskip("numpy")
    from autograd_mlp.teach.curvature import curvature_text, lesson_curvature

    text = curvature_text(lesson_curvature(lesson=_with(DEFAULT_LESSON, learning_rate=1e308)))
    row = next(line for line in text.splitlines() if line.startswith("| the lesson's a |"))
    assert "| inf |" not in row and "more than 1.8e308" in row  # a ÷ (2/λ_max) has no float
    assert "inf times" not in text and " 1 updates" not in text
    assert max(len(word) for word in text.split()) < 60  # no number of 300 digits
