"""What the demo writes and reports: its files, their writers, the result and its summary.

`write_files` writes every file of `FILES` into the demo's folder (a progress bar over the
files), each path printed as it is written; a file whose tool is missing -- no Graphviz
renderer (`RendererNotFound`), no matplotlib, no Pillow -- is skipped with a one-line note and
listed as skipped in the summary. The lesson's pictures are all drawn on the lesson's one layout,
computed on first use. `summary` is the closing table. The job itself, and the command, are in
`autograd_mlp.commands.demo`.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .._files import write_atomic
from .._progress import shows_bars
from ..engine import no_grad
from ..nn import MLP
from ..nn import io as model_io
from ..nn.train import History
from ..teach.lesson import DEFAULT_LESSON, Lesson
from ..viz import render as _render
from ..viz.render import RendererNotFound

__all__ = [
    "FILES",
    "Output",
    "DemoResult",
    "Moons",
    "write_lesson_page",
    "accuracy",
    "write_files",
    "summary",
    "NO_RENDERER",
    "INSTALL",
]

WORKSHEET_BLANKS = 6
WORKSHEET_PAPER = "a4"  # a worksheet is printed, whatever --size the slides use
FILES = (
    "worked-example.md",
    "worked-example.tex",  # the same as an A4 article (pdflatex worked-example.tex)
    "worked-example-slides.tex",  # ... and as 16:9 beamer slides
    "lesson-graph.svg",
    "lesson-graph.pdf",
    "lesson-network.png",
    "lesson-network-backward.pdf",  # the backward pass on the network, a neuron a slide
    "lesson-slides.pdf",
    "backward.gif",
    "backward-frames",  # the GIF's frames as numbered PNGs: frame-001.png ...
    "worksheet.pdf",
    "worksheet-key.pdf",
    "worksheet.sheet.json",
    "worksheet.answers.md",
    "lesson.html",
    "moons-model.json",
    "moons-training.png",
    "learning-constant.md",  # the lesson of the learning constant (teach.curvature)
    "learning-constant.png",
)
NO_RENDERER = "no Graphviz renderer"
# What to install for each kind of skipped file (printed once, under the summary).
INSTALL = {
    NO_RENDERER: 'pip install "autograd_mlp[render]"  (or apt-get install graphviz)',
    "Pillow is not installed": 'pip install "autograd_mlp[render]"',
    "matplotlib is not installed": 'pip install "autograd_mlp[plot]"',
}


@dataclass
class Output:
    """One file of the demo: where it went and how long it took, or why it was skipped."""

    name: str
    path: Path | None = None  # None when skipped
    seconds: float = 0.0
    skipped: str | None = None  # the reason, e.g. "no Graphviz renderer"

    @property
    def size(self) -> int | None:
        """The file's size in bytes, a folder's the sum of its files' (None when skipped)."""
        if self.path is None:
            return None
        if self.path.is_dir():
            return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        return self.path.stat().st_size


@dataclass
class DemoResult:
    """What `run` did: the files, the moons accuracy before and after save/load, the time."""

    folder: Path
    steps: int
    outputs: list[Output] = field(default_factory=list)
    samples: int = 0  # the moons training points
    accuracy: float = math.nan  # the trained moons model on its training data
    reloaded_accuracy: float = math.nan  # the same model loaded back from moons-model.json
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the model loaded back from its file scores exactly what it scored."""
        return self.reloaded_accuracy == self.accuracy

    @property
    def problem(self) -> str | None:
        """Why the job failed, in one line (None when it did not)."""
        if self.ok:
            return None
        return (
            f"the model loaded back from {self.folder / 'moons-model.json'} scores "
            f"{self.reloaded_accuracy:.1%} on the training data, the trained model "
            f"{self.accuracy:.1%}: save/load changed it"
        )

    @property
    def skipped(self) -> list[Output]:
        """The files that were not written because a tool is missing."""
        return [o for o in self.outputs if o.skipped is not None]


@dataclass
class Moons:
    """The trained moons model, its data (labels ±1) and its training history."""

    model: MLP
    X: list[list[float]]
    y: list[int]
    history: History


def write_lesson_page(path: Path, lesson: Lesson | None = None) -> Path:
    """demo-output/lesson.html: the lesson's graph (default the 3–2–2 one) as one interactive
    page (`autograd_mlp.teach.lesson_page`), with its train panel."""
    from ..teach.lesson_page import lesson_page

    return lesson_page(lesson).save(path)


def accuracy(model: MLP, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """The fraction of samples whose score has the sign of their label (labels ±1), judged as
    `autograd_mlp.train.fit` judges the hinge loss."""
    from ..nn.train import _accuracy_sign

    with no_grad():
        scores = [model(list(xi)) for xi in X]  # one output neuron: each a Value
    return _accuracy_sign(scores, y)  # type: ignore[arg-type]


def _lesson_pictures(lesson: Lesson, size: str) -> dict[str, Callable[[Path], object]]:
    """The writers of the lesson's pictures, all on the lesson's one layout (computed on
    first use, so that without Graphviz each file is skipped with its note)."""
    from ..teach.exercise import Exercise, exercise, write_key_pdf
    from ..teach.exercise import write_pdf as write_sheet_pdf
    from ..teach.frames import gif_bytes
    from ..teach.lesson_layout import LessonLayout, lesson_layout, save_lesson_graph
    from ..teach.network import network_page
    from ..teach.network_backward import save_network_backward
    from ..teach.slides import lesson_slides, save_gif_frames
    from ..viz.pages import png_bytes, write_pdf

    cache: dict[str, Any] = {}

    def board() -> LessonLayout:
        if "board" not in cache:
            cache["board"] = lesson_layout(lesson)
        found: LessonLayout = cache["board"]
        return found

    def slides() -> list[Any]:
        if "slides" not in cache:
            cache["slides"] = lesson_slides(size=size, board=board())
        found: list[Any] = cache["slides"]
        return found

    def network_png(path: Path) -> None:
        write_atomic(path, png_bytes(network_page(board(), size=size)))

    def slides_pdf(path: Path) -> None:
        write_pdf(path, [s.image for s in slides()], size)

    def pngs() -> list[bytes]:
        if "pngs" not in cache:
            cache["pngs"] = [png_bytes(s.image) for s in slides()]
        found: list[bytes] = cache["pngs"]
        return found

    def gif(path: Path) -> None:
        write_atomic(path, gif_bytes(pngs(), 2500))

    def sheet() -> Exercise:
        # built on the graph the layout was made from, so the sheet's picture is the lesson
        # graph that every other picture shows
        if "sheet" not in cache:
            title = f"Worksheet: {lesson.name}, {lesson.error_formula}"
            cache["sheet"] = exercise(
                board().error,
                count=WORKSHEET_BLANKS,
                seed=0,
                title=title,
                decimal=lesson.notation.decimal,
            )
        found: Exercise = cache["sheet"]
        return found

    def worksheet_pdf(path: Path) -> None:
        write_sheet_pdf(sheet(), path, size=WORKSHEET_PAPER, layout=board().layout)

    return {
        "lesson-graph.svg": lambda p: save_lesson_graph(p, board=board()),
        "lesson-graph.pdf": lambda p: save_lesson_graph(p, board=board(), size=size),
        "lesson-network.png": network_png,
        "lesson-network-backward.pdf": lambda p: save_network_backward(p, board=board(), size=size),
        "lesson-slides.pdf": slides_pdf,
        "backward.gif": gif,
        "backward-frames": lambda p: save_gif_frames(p, pngs()),
        "worksheet.pdf": worksheet_pdf,
        "worksheet-key.pdf": lambda p: write_key_pdf(sheet(), p, size=WORKSHEET_PAPER),
        "worksheet.sheet.json": lambda p: sheet().save(p),
        "worksheet.answers.md": lambda p: write_atomic(
            p, sheet().answer_key("markdown").encode("utf-8")
        ),
    }


def write_files(
    result: DemoResult,
    moons: Moons,
    stream: TextIO,
    progress: bool,
    lesson: Lesson = DEFAULT_LESSON,
    size: str = "projector",
) -> None:
    """Write every file of `FILES` into ``result.folder``, skipping those whose tool is missing."""
    from tqdm import tqdm

    from ..teach.curvature import (
        Curvature,
        curvature_text,
        lesson_curvature,
        plot_learning_constants,
    )
    from ..teach.worked import worked_example
    from ..viz.plot import plot_training

    # The Hessian of E at the given lesson's start, five constants run from there. A lesson
    # whose E has no upward curvature at its start has no threshold: say so instead.
    curvature: Curvature | None = None
    no_curvature = ""
    try:
        curvature = lesson_curvature(lesson=lesson)
    except ValueError as exc:
        no_curvature = str(exc)

    def learning_constant_md(path: Path) -> None:
        if curvature is None:
            text = (
                f"# The lesson of the learning constant\n\nNot for this lesson: {no_curvature}.\n"
            )
        else:
            text = curvature_text(curvature)
        write_atomic(path, text.encode())

    def learning_constant_png(path: Path) -> None:
        if curvature is None:
            raise _NotForThisLesson(no_curvature)
        plot_learning_constants(curvature, path)

    def model_json(path: Path) -> None:
        model_io.save(moons.model, path)
        result.reloaded_accuracy = accuracy(MLP.load(path), moons.X, moons.y)

    pictures = _lesson_pictures(lesson, size)
    writers: dict[str, Callable[[Path], object]] = {
        "worked-example.md": lambda p: write_atomic(
            p, worked_example("markdown", lesson=lesson).encode("utf-8")
        ),
        "worked-example.tex": lambda p: write_atomic(
            p, worked_example("latex", lesson=lesson, document="article").encode("utf-8")
        ),
        "worked-example-slides.tex": lambda p: write_atomic(
            p, worked_example("latex", lesson=lesson, document="beamer").encode("utf-8")
        ),
        **pictures,
        "lesson.html": lambda p: write_lesson_page(p, lesson),
        "moons-model.json": model_json,
        "moons-training.png": lambda p: plot_training(
            moons.model,
            moons.X,
            moons.y,
            moons.history,
            p,
            title=f"MLP(2, [{', '.join(str(n) for n in moons.model.nouts)}]) on two moons",
        ),
        "learning-constant.md": learning_constant_md,
        "learning-constant.png": learning_constant_png,
    }
    assert tuple(writers) == FILES

    def say(line: str) -> None:
        tqdm.write(line, file=stream)  # above the progress bar, not through it

    say(f"writing {len(FILES)} files into {result.folder}/ ({_renderer_note()}):")
    with tqdm(
        total=len(writers),
        desc="files",
        unit="file",
        disable=not (progress and shows_bars()),  # no bar drawn into a redirected log
        dynamic_ncols=True,
        file=sys.stderr,
    ) as bar:
        for name, write in writers.items():
            bar.set_postfix_str(name)
            path = result.folder / name
            start = time.perf_counter()
            reason = _skip_reason(write, path)
            output = Output(name, seconds=time.perf_counter() - start, skipped=reason)
            if reason is None:
                output.path = path
                say(f"wrote {path}")
            else:
                say(f"skipped {path}: {reason}")
            result.outputs.append(output)
            if name == "moons-model.json" and reason is None:
                verdict = "the same as" if result.ok else "NOT the same as"
                say(
                    f"  reloaded {name}: accuracy {result.reloaded_accuracy:.1%}, {verdict} "
                    f"the trained model's {result.accuracy:.1%}"
                )
            bar.update(1)


class _NotForThisLesson(Exception):
    """A file that the given lesson has nothing to show in (its message says why)."""


def _skip_reason(write: Callable[[Path], object], path: Path) -> str | None:
    """Run ``write(path)``; None when it worked, the reason when a tool it needs is missing
    (or the lesson has nothing for it). Any other error propagates."""
    try:
        write(path)
    except _NotForThisLesson as exc:
        return f"not for this lesson: {exc}"
    except RendererNotFound:
        return NO_RENDERER
    except ImportError as exc:
        reason = _missing_tool(exc)
        if reason is None:
            raise
        return reason
    return None


_TOOLS = {"matplotlib": "matplotlib is not installed", "PIL": "Pillow is not installed"}


def _missing_tool(exc: BaseException) -> str | None:
    """Why a file is skipped when ``exc`` (or its cause) is the ImportError of matplotlib or
    Pillow, e.g. "matplotlib is not installed"; None for any other ImportError."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ImportError) and seen.name:
            reason = _TOOLS.get(seen.name.partition(".")[0])
            if reason is not None:
                return reason
        seen = seen.__cause__ or seen.__context__
    return None


def _renderer_note() -> str:
    try:
        renderer = _render.find_renderer()  # looked up at call time (tests replace it)
    except RendererNotFound:  # how the tests' stand-in says "none"
        renderer = None
    if renderer == "dot":
        return "Graphviz: `dot` on PATH"
    if renderer == "pygraphviz":
        return "Graphviz: pygraphviz's bundled library, no `dot` on PATH needed"
    return f"{NO_RENDERER}: the graph images will be skipped"


# ------------------------------------------------------------------------------------------------
# The summary
# ------------------------------------------------------------------------------------------------


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    if n < 1_000_000:
        return f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.2f} MB"


def summary(result: DemoResult) -> list[str]:
    """The closing table: every file with its size and time (or why it was skipped), the moons
    training accuracy before and after save/load, the total time, and what to install."""
    width = max(len(name) for name in FILES)
    written = len(result.outputs) - len(result.skipped)
    lines = [
        f"summary: {written} files written into {result.folder}/, {len(result.skipped)} skipped",
        f"  {'file':<{width}}  {'size':>9}  {'time':>7}",
    ]
    for o in result.outputs:
        if o.skipped is None and o.size is not None:
            lines.append(f"  {o.name:<{width}}  {_size(o.size):>9}  {o.seconds:>5.1f} s")
        else:
            lines.append(f"  {o.name:<{width}}  skipped: {o.skipped}")
    check = "✓" if result.ok else "✗ (differs)"
    lines.append(
        f"training accuracy (two moons, {result.samples} points, {result.steps} steps): "
        f"{result.accuracy:.1%}; reloaded from moons-model.json: "
        f"{result.reloaded_accuracy:.1%} {check}"
    )
    lines.append(f"total time: {result.seconds:.1f} s")
    reasons = [o.skipped for o in result.skipped if o.skipped is not None]
    for reason in dict.fromkeys(reasons):
        if reason not in INSTALL:  # nothing to install: the lesson has nothing for that file
            continue
        count = reasons.count(reason)
        files = "file" if count == 1 else f"{count} files"
        lines.append(f"to get the skipped {files} ({reason}): {INSTALL[reason]}")
    return lines
