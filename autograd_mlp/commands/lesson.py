"""``autograd-mlp lesson``: the teacher's lesson file, and the lesson's pictures.

``init`` writes a lesson file to edit; ``graph`` draws the lesson's gradient graph (SVG, PNG,
PDF, or the interactive page as HTML); ``network`` its network diagram; ``slides`` the backward
pass as numbered slides, one PDF and a GIF, into a folder.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from .._text import quote
from .arguments import (
    add_lesson_argument,
    add_output,
    add_size_argument,
    lesson_from_args,
    listed,
)
from .base import (
    CommandFailed,
    Parser,
    Runner,
    Subparsers,
    UsageError,
    add_command,
    check_range,
    make_folder,
)
from .limits import check_lesson_drawable

if TYPE_CHECKING:
    from ..teach.lesson import Lesson

__all__ = ["add"]


HELP = "the lesson as data: write a lesson file, draw its graph, write its slides"
DESCRIPTION = """
A lesson is a small JSON file: inputs, targets, layers (activation, weights, biases),
learning_rate and error (sum, half or mean). 'init' writes the project's 3–2–2 lesson as a file
to edit; 'graph' draws the lesson's gradient graph with a weight's chain-rule paths; 'network'
its network diagram; 'slides' writes the backward pass as numbered 16:9 slides, one PDF and an
animated GIF.
"""
EXAMPLE = """\
example: autograd-mlp lesson slides --lesson my-lesson.json --size projector -o slides/
also:    autograd-mlp lesson init -o my-lesson.json
         autograd-mlp lesson graph --lesson my-lesson.json --size a4 -o graph.pdf"""


def add(sub: Subparsers) -> Runner:
    """Declare ``lesson`` and its actions; return its runner."""
    p = add_command(sub, "lesson", HELP, DESCRIPTION, EXAMPLE)
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    init = actions.add_parser("init", help="write the default lesson as a JSON file to edit")
    add_output(init, "the file to write", required=True)
    init.add_argument("--force", action="store_true", help="replace FILE if it exists")
    add_lesson_argument(init)
    graph = actions.add_parser("graph", help="draw the lesson's gradient graph")
    add_lesson_argument(graph)
    add_size_argument(graph)
    graph.add_argument(
        "--highlight",
        metavar="NAME",
        default="L1.N1.w1",
        help="the parameter whose chain-rule paths are drawn in red (default L1.N1.w1; "
        "'none' for no paths)",
    )
    add_output(
        graph,
        "FILE.svg (the whole graph, vector), FILE.pdf (pages), FILE.png (one image "
        "per view: FILE-1.png, FILE-2.png ... when split) or FILE.html (the interactive page: "
        "step, ask a node, practise, train)",
        required=True,
    )
    network = actions.add_parser("network", help="draw the lesson's network (neurons, weights)")
    add_lesson_argument(network)
    add_size_argument(network)
    add_output(network, "FILE.png or FILE.pdf (one page)", required=True)
    slides = actions.add_parser("slides", help="write the backward pass as slides, PDF, GIF")
    add_lesson_argument(slides)
    add_size_argument(slides)
    slides.add_argument("-o", "--output", metavar="DIR", required=True, help="folder to write")
    slides.add_argument("--no-gif", dest="gif", action="store_false", help="no animated GIF")
    slides.add_argument(
        "--no-loop", dest="loop", action="store_false", help="the GIF plays once, then stops"
    )
    slides.add_argument(
        "--seconds",
        type=float,
        default=2.5,
        help="seconds each slide shows in the GIF (default 2.5; the last one 4 s)",
    )
    return _run


def _run(args: argparse.Namespace) -> int:
    if args.action is None:
        raise UsageError("lesson: missing ACTION, one of: init, graph, network, slides")
    command = f"lesson {args.action}"
    lesson = lesson_from_args(args, command)
    return _ACTIONS[args.action](args, lesson)


def _init(args: argparse.Namespace, lesson: Lesson) -> int:
    out = Path(args.output)
    if out.exists() and not args.force:
        raise UsageError(f"lesson init: {out} exists (pass --force to replace it)")
    if out.suffix.lower() != ".json":
        raise UsageError(f"lesson init: -o {args.output}: the file name must end in .json")
    print(f"wrote {lesson.save(out)}: edit it and pass it with --lesson")
    return 0


def _graph(args: argparse.Namespace, lesson: Lesson) -> int:
    from ..teach.lesson_layout import save_lesson_graph

    page = args.output.lower().endswith((".html", ".htm"))  # the lesson in the browser
    if not page and not args.output.lower().endswith((".svg", ".png", ".pdf")):
        raise UsageError(
            f"lesson graph: -o {args.output}: the file name must end in .svg, .png or .pdf "
            "(or .html for the interactive page)"
        )
    check_lesson_drawable("lesson graph", lesson, page=page)
    if page:
        from ..teach.lesson_page import lesson_page

        print(f"wrote {lesson_page(lesson).save(args.output)}")
        return 0
    highlight = None if args.highlight.lower() == "none" else args.highlight
    if highlight is not None:
        _check_highlight(highlight, lesson)
    try:
        written = save_lesson_graph(args.output, lesson, size=args.size, highlight=highlight)
    except ValueError as exc:
        raise UsageError(f"lesson graph: {exc}") from None
    print(f"wrote {', '.join(str(p) for p in written)}")
    return 0


def _check_highlight(highlight: str, lesson: Lesson) -> None:
    """Refuse a --highlight that names no Value of the lesson's graph (quoted short)."""
    from ..engine import topological_order

    _, _, error = lesson.forward()
    order = topological_order(error)
    if any(v.label == highlight for v in order):
        return
    names = sorted(v.label for v in order if v.label and not v._prev)
    raise UsageError(
        f"lesson graph: --highlight {quote(highlight)} is not a Value of the lesson "
        f"(try: {listed(names)}; or 'none')"
    )


def _network(args: argparse.Namespace, lesson: Lesson) -> int:
    from .._files import write_atomic
    from ..teach.lesson_layout import lesson_layout
    from ..teach.network import network_page
    from ..viz.pages import png_bytes, write_pdf

    out = Path(args.output)
    if out.suffix.lower() not in (".png", ".pdf"):
        raise UsageError(
            f"lesson network: -o {args.output}: the file name must end in .png or .pdf"
        )
    check_lesson_drawable("lesson network", lesson)
    page = network_page(lesson_layout(lesson), size=args.size)
    if out.suffix.lower() == ".pdf":
        write_pdf(out, [page], args.size)
    else:
        write_atomic(out, png_bytes(page))
    print(f"wrote {out}")
    return 0


def _slides(args: argparse.Namespace, lesson: Lesson) -> int:
    """The slides, their PDF and GIF, into the folder -o (created if missing), all or nothing:
    the numbered slides of an earlier, longer run in the same folder are removed."""
    from .._files import write_into
    from ..teach.slides import save_slides

    check_range("lesson slides", "--seconds", args.seconds, 0.1, 60)
    check_lesson_drawable("lesson slides", lesson)
    problem = make_folder(args.output, "-o")
    if problem is not None:
        raise CommandFailed("lesson slides", problem)
    with write_into(args.output, stale=_is_slide) as stage:
        written = save_slides(
            stage,
            lesson,
            size=args.size,
            gif=args.gif,
            loop=args.loop,
            duration_ms=round(args.seconds * 1000),
        )
    slides = [p for p in written if p.suffix == ".png"]
    rest = [p.name for p in written if p.suffix != ".png"]
    print(
        f"wrote {len(slides)} slides ({slides[0].name} … {slides[-1].name}) and "
        f"{', '.join(rest)} into {args.output}"
    )
    return 0


def _is_slide(name: str) -> bool:
    """A numbered slide as `autograd_mlp.teach.slides.save_slides` names them."""
    return re.fullmatch(r"slide_\d+\.png", name) is not None


_ACTIONS = {"init": _init, "graph": _graph, "network": _network, "slides": _slides}
