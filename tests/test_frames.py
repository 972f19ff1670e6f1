"""backward_frames / save_frames: the backward pass one step at a time."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.teach.frames import NBSP, backward_frames, save_frames
from autograd_mlp.viz import node_ids
from tests.conftest import needs


def _example() -> tuple[Value, Value, Value]:
    # y = a·b + a with a = 2, b = −3. By hand: dy/da = b + 1 = −2, dy/db = a = 2.
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b + a
    y.label = "y"
    return y, a, b


def _grad_cell(dot: str, node_id: str) -> str:
    line = next(ln for ln in dot.splitlines() if ln.strip().startswith(node_id + " "))
    return line.split("grad ", 1)[1].split("</FONT>", 1)[0]


def test_one_frame_per_step_in_reverse_topological_order() -> None:
    y, _, _ = _example()
    frames = list(backward_frames(y))
    assert len(frames) == 3  # the seed, then the + node, then the × node
    assert frames[0].node is None and frames[1].node is y and frames[2].node is not None
    assert frames[2].node._op == "*"
    assert [f.index for f in frames] == [0, 1, 2]
    assert "step 1/2" in frames[1].caption


def test_gradients_fill_in_step_by_step() -> None:
    y, a, b = _example()
    ids = node_ids(y)
    dots = [f.graph.source for f in backward_frames(y)]
    # seed: only the root has its gradient; the others are blank (non-breaking spaces)
    assert _grad_cell(dots[0], ids[y]) == "1.0000"
    assert set(_grad_cell(dots[0], ids[a])) == {NBSP}
    # after the + node: a has received 1 of its 2 contributions (from + directly)
    assert _grad_cell(dots[1], ids[a]) == "1.0000 +…"
    assert set(_grad_cell(dots[1], ids[b])) == {NBSP}
    # after the × node: a = 1 + b·1 = −2 and b = a·1 = 2, both complete
    assert _grad_cell(dots[2], ids[a]) == "−2.0000"
    assert _grad_cell(dots[2], ids[b]) == "2.0000"
    # the arrows into the node being processed show local × grad = contribution
    assert "(−3.0000) × 1.0000 = −3.0000" in dots[2]
    # the processed node is highlighted
    assert 'color="#d0312d"' in dots[2] and "penwidth" in dots[2]
    # frames are computed, not run: no .grad changed
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)


def test_seed_frame_highlights_the_root_and_sends_nothing_yet() -> None:
    y, _, _ = _example()
    seed, first = (f.graph.source for f in list(backward_frames(y))[:2])
    assert " × " not in seed  # no contribution on any arrow before the first step
    assert 'color="#d0312d"' in seed  # the root (its gradient, the seed 1) is highlighted
    assert "1.0000 × 1.0000 = 1.0000" in first  # step 1: the + node sends 1 to both inputs


def test_frames_follow_backward_order_on_the_lesson() -> None:
    # The processed nodes are the operation nodes in reverse topological order, exactly the
    # order backward() visits them, and each frame highlights exactly one node.
    from autograd_mlp.engine import topological_order
    from autograd_mlp.teach.lesson import LESSON_X, lesson_error, lesson_network

    y = lesson_network()(list(LESSON_X))
    assert isinstance(y, list)
    error = lesson_error(y)
    frames = list(backward_frames(error))
    expected = [v for v in reversed(topological_order(error)) if v._prev]
    assert [f.node for f in frames[1:]] == expected
    assert len(frames) == 12  # the seed and 11 operations, as in docs/images/lesson-backward.gif
    ids = node_ids(error)
    for f in frames:
        highlighted = [ln for ln in f.graph.source.splitlines() if 'color="#d0312d"' in ln]
        assert len(highlighted) == 1
        assert highlighted[0].strip().startswith(ids[f.node or error] + " ")
    for i, earlier in enumerate(expected):  # a node's users are all processed before it
        assert not any(earlier in later._prev for later in expected[i + 1 :])


def test_last_frame_matches_backward_on_a_shared_node() -> None:
    x = Value(0.5, label="x")
    h = x.tanh()
    h.label = "h"
    out = h * h + h  # h is used three times
    out.label = "out"
    last = list(backward_frames(out))[-1].graph.source
    out.backward()
    ids = node_ids(out)
    from autograd_mlp.viz import format_number

    for v in (x, h):
        assert _grad_cell(last, ids[v]) == format_number(v.grad)


def test_limits_and_bad_input() -> None:
    a = Value(1.0)
    b = a
    for _ in range(10):
        b = b * 1.01
    with pytest.raises(ValueError, match=r"10 steps.*max_frames=5"):
        list(backward_frames(b, max_frames=5))
    with pytest.raises(TypeError, match="expects a Value"):
        list(backward_frames(3.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be 'png'"):
        save_frames(b, "unused", format="gif")


def test_save_frames_writes_pngs_and_a_gif(tmp_path: Path) -> None:
    needs("pygraphviz")
    image = needs("PIL.Image")
    y, _, _ = _example()
    written = save_frames(y, tmp_path / "out", duration_ms=500)
    names = [p.name for p in written]
    assert names == ["frame_000.png", "frame_001.png", "frame_002.png", "backward.gif"]
    for p in written[:-1]:
        assert p.read_bytes().startswith(b"\x89PNG")
    with image.open(written[-1]) as gif:
        assert gif.n_frames == 3
        assert gif.info["duration"] == 500
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".tmp")]


def test_the_committed_lesson_gif_is_the_lesson_backward_pass() -> None:
    image = needs("PIL.Image")
    gif = Path(__file__).resolve().parent.parent / "docs" / "images" / "lesson-backward.gif"
    with image.open(gif) as im:
        assert im.n_frames == 12  # the seed and the 11 operations of the lesson's graph
        assert im.info.get("loop") == 0 and im.width <= 1800


def test_save_frames_other_formats_and_no_gif(tmp_path: Path) -> None:
    needs("pygraphviz")
    y, _, _ = _example()
    written = save_frames(y, tmp_path, format="svg", gif=False)
    assert [p.name for p in written] == ["frame_000.svg", "frame_001.svg", "frame_002.svg"]
    assert all(b"<svg" in p.read_bytes() for p in written)
    with pytest.raises(ValueError, match="GIF is built from PNG frames"):
        save_frames(y, tmp_path, format="pdf")
