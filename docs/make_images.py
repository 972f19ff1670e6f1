"""Regenerate the PNGs under docs/images/ with the package itself.

    .venv/bin/python docs/make_images.py

(a) a tanh neuron, (b) the lesson's 3–2–2 network with L1.N1.w1 highlighted, (c) MLP(2, [4, 4, 1])
clustered by neuron. Each image is drawn by `autograd_mlp.viz.draw_graph` and rendered through
the renderer chain, so what the docs show is what the package produces.
"""

from __future__ import annotations

from pathlib import Path

from autograd_mlp import MLP, Value
from autograd_mlp.demo import lesson_graph  # the lesson graph `make demo` writes, too
from autograd_mlp.viz import GradGraph, draw_graph, save

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
    return draw_graph(o, highlight=w1, title="o = tanh(x1·w1 + x2·w2 + b), paths from w1")


def mlp_clustered() -> GradGraph:
    model = MLP(2, [4, 4, 1], activation="tanh", seed=3)
    out = model([0.5, -1.0])
    assert isinstance(out, Value)
    out.backward()
    return draw_graph(out, cluster="neuron", rankdir="LR", precision=2, title="MLP(2, [4, 4, 1])")


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    for name, make in (
        ("tanh_neuron.png", tanh_neuron),
        ("lesson_highlight.png", lesson_graph),
        ("mlp_clusters.png", mlp_clustered),
    ):
        graph = make()
        graph.graph_attr["dpi"] = DPI
        print("wrote", save(graph, IMAGES / name))


if __name__ == "__main__":
    main()
