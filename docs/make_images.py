"""Regenerate the PNGs under docs/images/ with the package itself.

    .venv/bin/python docs/make_images.py

(a) a tanh neuron, (b) the lesson's 3–2–2 network with L1.N1.w1 highlighted, (c) MLP(2, [4, 4, 1])
clustered by neuron, (d) the lesson's network diagram after backward (`draw_network`), (e) the
worksheet of ``autograd-mlp exercise "tanh(x*w + b)" --set x=2 w=-3 b=6.88`` (`exercise`), and
(f) the lesson's backward-pass GIF (`save_lesson_gif`: the projector slides, animated),
(g) one of those slides at its real size, 1920 × 1080 (``lesson-slide.png``), (h) the second
derivatives of tanh and sigmoid as graphs and (i) the lesson of the learning constant's plot
(`teach.curvature`). Each image is drawn by the package (the graphs through the renderer
chain), so what the docs show is what the package produces.
"""

from __future__ import annotations

from pathlib import Path

from autograd_mlp import MLP, Value, draw_network, exercise
from autograd_mlp._files import write_atomic
from autograd_mlp.commands.demo import (  # the graph `make demo` writes, too
    lesson_backward,
    lesson_graph,
)
from autograd_mlp.engine.expr import build
from autograd_mlp.teach.curvature import (
    lesson_curvature,
    plot_learning_constants,
    second_derivative_graph,
)
from autograd_mlp.teach.lesson import LESSON_X, lesson_error, lesson_network
from autograd_mlp.teach.network_backward import network_backward_pages
from autograd_mlp.teach.slides import lesson_slides, save_lesson_gif
from autograd_mlp.viz import GradGraph, draw_graph, save
from autograd_mlp.viz.pages import png_bytes

IMAGES = Path(__file__).resolve().parent / "images"
DPI = "110"  # crisp on a laptop screen without making the files large


def tanh_neuron() -> GradGraph:
    """o = tanh(x1·w1 + x2·w2 + b): the neuron of Karpathy's micrograd lecture (2022)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    # Top to bottom: the README shows this image ~880 px wide, and drawn left to right it was
    # 2,200 px, so its 10 pt arrow numbers shrank to 5 px. Drawn downwards it is 1,300 px wide,
    # and arrow numbers as large as the boxes' text stay ~12 px tall at README width.
    graph = draw_graph(
        o, highlight=w1, rankdir="TB", title="o = tanh(x1·w1 + x2·w2 + b), paths from w1"
    )
    graph.edge_attr["fontsize"] = "12"
    return graph


def lesson_highlight() -> GradGraph:
    """The lesson graph that `make demo` writes (`autograd_mlp.commands.demo.lesson_graph`)."""
    return lesson_graph(lesson_backward()[2])


def mlp_clustered() -> GradGraph:
    model = MLP(2, [4, 4, 1], activation="tanh", seed=3)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    out.backward()
    return draw_graph(out, cluster="neuron", rankdir="LR", precision=2, title="MLP(2, [4, 4, 1])")


def lesson_network_diagram() -> GradGraph:
    """The textbook figure of the lesson's network: forward values and gradients."""
    model = lesson_network()
    y = model(list(LESSON_X))
    assert isinstance(y, list)
    lesson_error(y).backward()
    return draw_network(model, list(LESSON_X), title="the lesson's 3–2–2 network after backward()")


def worksheet() -> GradGraph:
    """The worksheet of docs/teaching.md's command-line example (the same build and exercise)."""
    root, _ = build("tanh(x*w + b)", {"x": 2.0, "w": -3.0, "b": 6.88})
    return exercise(root, hide="grad").graph


def second_derivative(function: str) -> GradGraph:
    """tanh″ or σ″ at x = 0.5: the gradient of the gradient (`teach.curvature`)."""
    second, _ = second_derivative_graph(function, 0.5)
    title = f"{function}″(x) at x = 0.5, built by grad(grad({function}(x), x), x)"
    return draw_graph(second, rankdir="TB", show_grad=False, title=title)


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    for name, make in (
        ("tanh_neuron.png", tanh_neuron),
        ("lesson_highlight.png", lesson_highlight),
        ("mlp_clusters.png", mlp_clustered),
        ("lesson_network.png", lesson_network_diagram),
        ("worksheet.png", worksheet),
        ("tanh_second_derivative.png", lambda: second_derivative("tanh")),
        ("sigmoid_second_derivative.png", lambda: second_derivative("sigmoid")),
    ):
        graph = make()
        graph.graph_attr["dpi"] = DPI
        print("wrote", save(graph, IMAGES / name))
    print("wrote", save_lesson_gif(IMAGES / "lesson-backward.gif"))
    slide = lesson_slides(size="projector")[9]  # step 9: a first-layer neuron's Σwx+b
    target = IMAGES / "lesson-slide.png"
    write_atomic(target, png_bytes(slide.image))
    print("wrote", target)
    step = network_backward_pages(size="projector")[3]  # δ of the hidden neuron L1.N1
    target = IMAGES / "network-backward.png"
    write_atomic(target, png_bytes(step))
    print("wrote", target)
    curvature = lesson_curvature()
    print("wrote", plot_learning_constants(curvature, IMAGES / "learning_constant.png"))


if __name__ == "__main__":
    main()
