"""The main job: ``autograd-mlp demo`` (what ``make demo`` runs).

It shows the whole product on the lesson it grew from, then writes a folder of teaching
material. In order:

1. the lesson's 3–2–2 network (`autograd_mlp.teach.lesson`): its outputs and error, then every
   parameter's gradient from ``backward()`` next to a central-difference estimate;
2. the lesson's loop: gradient descent W' = W − a·∂E/∂W with a = 0.02 until E ≤ 1e-4
   (progress bar), with the error before and after;
3. an MLP(2, [16, 16, 1]) trained on two moons (hinge loss, Adam; progress bar);
4. the files below, written into the output folder (a progress bar over the files), each path
   printed as it is written;
5. a summary: every file with its size and the time it took, the training accuracy and the
   total time.

The files:

=======================  =====================================================================
worked-example.md        the worked example step by step (`teach.worked.worked_example`)
lesson-graph.svg         the lesson's gradient graph on its one layout, L1.N1.w1's paths in red
lesson-graph.pdf         the same graph at the chosen size (``--size``), split into views
lesson-network.png       the network as neurons and weights, values and gradients, at the size
lesson-slides.pdf        the backward pass, a 16:9 slide per step (`teach.slides`)
backward.gif             the same slides, animated; the last one held longer
worksheet.pdf            an A4 exercise on the same layout: six gradients blanked, room to
                         write (no key in it)
worksheet-key.pdf        its answer key with the working, a file of its own for the teacher
worksheet.sheet.json     the sheet's blanks and key, for ``autograd-mlp exercise check``
worksheet.answers.md     its answer key, with the chain-rule working for each blank
lesson.html              the lesson in the browser: step, ask, practise, train (`teach.lesson_page`)
moons-model.json         the trained moons MLP (`autograd_mlp.io`, versioned JSON)
moons-training.png       its loss curve and decision boundary (`autograd_mlp.plot`)
learning-constant.md     how big a learning constant is too big: the Hessian, 2/λ_max, runs
learning-constant.png    those runs' errors per update (`teach.curvature`)
=======================  =====================================================================

The moons model is loaded back from ``moons-model.json`` and scored again; a different
accuracy makes the job fail (`DemoResult.ok` is False, the command exits 1). A file whose tool
is missing -- no Graphviz renderer (`RendererNotFound`), no matplotlib, no Pillow -- is skipped
with a one-line note, listed as skipped in the summary, and the job still succeeds. Every file
is written atomically (a temporary file, then a rename). The files' writers and the summary are
in `autograd_mlp.commands.demo_output`; this module holds the job's steps and the command.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .._text import count
from ..engine import Value
from ..nn import MLP
from ..teach.lesson import DEFAULT_LESSON, Lesson
from ..viz import GradGraph, draw_graph
from .arguments import add_lesson_argument, add_size_argument, lesson_from_args
from .base import CommandFailed, Runner, Subparsers, add_command, check_range, make_folder
from .demo_output import (
    FILES,
    DemoResult,
    Moons,
    Output,
    accuracy,
    summary,
    write_files,
    write_lesson_page,
)
from .limits import (
    MAX_TRAIN_BYTES,
    MAX_TRAIN_SECONDS,
    add_size_limit_option,
    check_lesson_drawable,
    check_training,
)

__all__ = [
    "DemoResult",
    "Output",
    "run",
    "add",
    "lesson_backward",
    "lesson_graph",
    "write_lesson_page",
    "accuracy",
    "summary",
    "DEFAULT_OUT",
    "DEFAULT_STEPS",
    "QUICK_STEPS",
    "FILES",
]

DEFAULT_OUT = "demo-output"
DEFAULT_STEPS = 100  # moons training steps: 100 % training accuracy in a few seconds
QUICK_STEPS = 5  # --quick: every file, in a fraction of the time (tests, CI)
LESSON_TARGET = 1e-4  # the lesson's loop trains until E ≤ this
HIGHLIGHT = "L1.N1.w1"  # the first-layer weight whose two chain-rule paths are drawn
MOONS_SAMPLES = 100
MOONS_NOISE = 0.1
MOONS_HIDDEN = (16, 16)
MOONS_LR = 0.05


# ------------------------------------------------------------------------------------------------
# The command
# ------------------------------------------------------------------------------------------------


HELP = "run the main job: the lesson's 3–2–2 network checked, trained, drawn and explained"
DESCRIPTION = """
Run the main job: the lesson's network, the 3–2–2 one unless --lesson gives another (gradients
from backward next to central differences, then gradient descent to a target error), an MLP
trained on two moons, and a folder of teaching material: the worked example, the lesson's
gradient graph with a weight's chain-rule paths, the network diagram, the backward pass as
slides (PDF) and a GIF, a worksheet with its answer key, the lesson's page for the browser, how
big the learning constant may be, the training plot and the saved model (loaded back and
re-scored as a check). Files whose tool is missing (Graphviz, matplotlib, Pillow) are skipped
with a note.
"""
EXAMPLE = f"example: autograd-mlp demo --out {DEFAULT_OUT}   (add --quick for a fast run)"


def add(sub: Subparsers) -> Runner:
    """Declare ``demo`` and its options; return its runner."""
    p = add_command(sub, "demo", HELP, DESCRIPTION, EXAMPLE)
    p.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"folder for the files (default: {DEFAULT_OUT}; created if missing)",
    )
    steps = p.add_mutually_exclusive_group()
    steps.add_argument(
        "--steps",
        type=int,
        default=DEFAULT_STEPS,
        metavar="N",
        help=f"training steps on two moons (default {DEFAULT_STEPS})",
    )
    steps.add_argument(
        "--quick",
        dest="steps",
        action="store_const",
        const=QUICK_STEPS,
        help=f"a fast run, every file still written: --steps {QUICK_STEPS}",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show progress bars on stderr (default: on)",
    )
    add_size_limit_option(p)
    add_lesson_argument(p)
    add_size_argument(p)
    return _run_command


def _run_command(args: argparse.Namespace) -> int:
    check_range("demo", "--steps", args.steps, 1)
    if not args.no_size_limit:
        _check_size(args.steps)
    lesson = lesson_from_args(args, "demo")
    check_lesson_drawable("demo", lesson, page=True)  # the demo draws every picture of it
    problem = make_folder(args.out, "--out")
    if problem is not None:
        raise CommandFailed("demo", problem)
    result = run(args.out, steps=args.steps, progress=args.progress, lesson=lesson, size=args.size)
    if result.problem is not None:
        raise CommandFailed("demo", result.problem)
    return 0


def _check_size(steps: int) -> None:
    """Refuse a moons training estimated at more than an hour (or 2 GB), as `train` does."""
    sizes = [2, *MOONS_HIDDEN, 1]
    params = sum((a + 1) * b for a, b in itertools.pairwise(sizes))
    check_training(
        "demo",
        samples=MOONS_SAMPLES,
        batch=MOONS_SAMPLES,  # full batch
        params=params,
        steps=steps,
        fast=False,
        limits=(MAX_TRAIN_BYTES, MAX_TRAIN_SECONDS),
        what=(
            f"{count(steps)} step{'' if steps == 1 else 's'} on two moons, {MOONS_SAMPLES} "
            f"samples, a model of {params} parameters"
        ),
        advice="use fewer --steps (or --quick), or --no-size-limit to run it anyway",
    )


# ------------------------------------------------------------------------------------------------
# Pieces that other scripts reuse (docs/make_images.py draws the same lesson graph)
# ------------------------------------------------------------------------------------------------


def lesson_backward() -> tuple[MLP, list[Value], Value]:
    """The lesson's network, its outputs y and its error E on the lesson's input, after
    ``E.backward()`` (so every parameter holds ∂E/∂p in ``.grad``)."""
    from ..teach.lesson import LESSON_X, lesson_error, lesson_network

    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)  # two output neurons
    error = lesson_error(y)
    error.backward()
    return model, y, error


def lesson_graph(error: Value | None = None) -> GradGraph:
    """The lesson's gradient graph, clustered by neuron, with both chain-rule paths from the
    first-layer weight L1.N1.w1 to E drawn bold and their products summed in the legend."""
    if error is None:
        error = lesson_backward()[2]
    return draw_graph(
        error,
        highlight=HIGHLIGHT,
        cluster="neuron",
        show_local=True,  # every arrow its number, as in the lesson's other pictures
        title=f"the lesson's 3–2–2 network: ∂E/∂{HIGHLIGHT} is a sum over two paths",
    )


# ------------------------------------------------------------------------------------------------
# The job
# ------------------------------------------------------------------------------------------------


def run(
    out: str | Path = DEFAULT_OUT,
    *,
    steps: int = DEFAULT_STEPS,
    progress: bool = True,
    stream: TextIO | None = None,
    lesson: Lesson | None = None,
    size: str = "projector",
) -> DemoResult:
    """Run the demo: print the lesson and the training to ``stream`` (default stdout, progress
    bars on stderr), write the files into ``out`` and print the summary. `DemoResult.ok` says
    whether the save/load check passed; skipped files are in `DemoResult.skipped`.

    ``lesson`` is the teacher's lesson (default: the project's 3–2–2 numbers); ``size`` the
    real size of the lesson's pictures ("projector", "a4" or "letter")."""
    from ..viz.pages import size_named

    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    size_named(size)  # a ValueError now, not after the training
    lesson = DEFAULT_LESSON if lesson is None else lesson
    started = time.perf_counter()
    stream = sys.stdout if stream is None else stream
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(folder, steps, samples=MOONS_SAMPLES)

    def say(line: str = "") -> None:
        print(line, file=stream, flush=True)

    _gradient_check(say, lesson)
    say()
    _lesson_loop(say, progress, lesson)
    say()
    moons = _train_moons(say, steps, progress)
    result.accuracy = accuracy(moons.model, moons.X, moons.y)
    say(f"training accuracy: {result.accuracy:.1%}")
    say()
    write_files(result, moons, stream, progress, lesson, size)
    result.seconds = time.perf_counter() - started
    say()
    for line in summary(result):
        say(line)
    return result


def _gradient_check(say: Callable[[str], None], lesson: Lesson = DEFAULT_LESSON) -> None:
    """The lesson network's outputs and error, then a table: each parameter's value, its
    gradient from backward() and a central-difference estimate; then the largest difference."""
    from ..engine.gradcheck import numerical_gradient

    model, y, error = lesson.backward()
    params = model.parameters()

    def error_at(*values: Value) -> Value:  # E as a function of the parameters
        for p, v in zip(params, values):
            p.data = v.data
        return lesson.forward_of(model)

    start = [p.data for p in params]
    numeric = numerical_gradient(error_at, start)
    for p, v in zip(params, start):  # put the weights back where the table reads them
        p.data = v

    shape = ", ".join(f"{layer.size} {layer.activation}" for layer in lesson.layers)
    say(f"The lesson's {lesson.name} ({shape}), {lesson.error_formula}")
    outputs = ", ".join(f"{v.data:.6f}" for v in y)
    say(f"outputs y = ({outputs})   error E = {error.data:.6f}")
    say("")
    say(f"{'parameter':<10} {'value':>9} {'backward dE/dp':>16} {'central difference':>20}")
    worst = 0.0
    for p, num in zip(params, numeric):
        worst = max(worst, abs(p.grad - num))
        say(f"{p.label:<10} {p.data:>9.4f} {p.grad:>16.10f} {num:>20.10f}")
    say("")
    say(f"largest difference between backward and central differences: {worst:.2e}")


def _lesson_loop(
    say: Callable[[str], None], progress: bool, lesson: Lesson = DEFAULT_LESSON
) -> None:
    """The lesson's loop: W' = W − a·∂E/∂W from the lesson's weights until E ≤ the target."""
    from ..nn.optim import SGD
    from ..nn.train import fit

    model = lesson.network()
    rate = lesson.learning_rate
    say(f"training with gradient descent, a = {rate:g}, until E ≤ {LESSON_TARGET:g}:")
    X, y = lesson.training_data()  # y's shape follows the model's: a number for one output
    history = fit(
        model,
        X,
        y,
        loss=_lesson_loss(lesson),  # the lesson's E of the one sample
        optimizer=SGD(model.parameters(), lr=rate),
        target_loss=LESSON_TARGET,
        max_steps=10_000,
        progress=progress,
    )
    say(f"error before training E = {history.loss[0]:.6f}")
    say(
        f"error after {history.steps} steps E = {history.final_loss:.6g} "
        f"(stopped because of {history.stopped_because})"
    )


def _lesson_loss(lesson: Lesson) -> Any:
    """The training loss that is the lesson's E: Σ (t − y)², ½ Σ (t − y)² or their mean."""
    if lesson.error == "sum":
        return "sse"
    if lesson.error == "mean":
        return "mse"  # one sample: the mean over its K outputs

    def half(outputs: Any, targets: Any) -> Value:
        from ..nn.losses import sse

        return sse(outputs, targets, half=True)

    return half


def _train_moons(say: Callable[[str], None], steps: int, progress: bool) -> Moons:
    """An MLP(2, [16, 16, 1]) trained on two moons with the hinge loss (labels ±1) and Adam."""
    from ..nn.data import make_moons
    from ..nn.optim import Adam
    from ..nn.train import fit

    X, y = make_moons(n_samples=MOONS_SAMPLES, noise=MOONS_NOISE, seed=0, signed=True)
    model = MLP(2, [*MOONS_HIDDEN, 1], seed=0)
    sizes = ", ".join(str(n) for n in model.nouts)
    say(
        f"training MLP(2, [{sizes}]) on two moons ({len(X)} points, noise {MOONS_NOISE}): "
        f"hinge loss, Adam lr = {MOONS_LR}, {steps} steps:"
    )
    history = fit(
        model,
        X,
        y,
        loss="hinge",
        optimizer=Adam(model.parameters(), lr=MOONS_LR),
        max_steps=steps,
        progress=progress,
    )
    say(f"loss {history.loss[0]:.4f} → {history.final_loss:.4f} after {history.steps} steps")
    return Moons(model, [list(p) for p in X], list(y), history)
