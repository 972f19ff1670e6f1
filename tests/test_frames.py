"""backward_frames / save_frames: the backward pass one step at a time, on one layout."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.teach.frames import (
    LAST_FRAME_MS,
    backward_frames,
    backward_steps,
    contribution_lines,
    step_texts,
)
from autograd_mlp.teach.slides import save_frames
from tests.conftest import needs


def _example() -> tuple[Value, Value, Value]:
    # y = a·b + a with a = 2, b = −3. By hand: dy/da = b + 1 = −2, dy/db = a = 2.
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = a * b + a
    y.label = "y"
    return y, a, b


def test_one_step_per_operation_in_reverse_topological_order() -> None:
    y, _, _ = _example()
    steps = backward_steps(y)
    assert len(steps) == 3  # the seed, then the + node, then the × node
    assert steps[0].node is None and steps[1].node is y and steps[2].node is not None
    assert steps[2].node._op == "*"
    assert [s.index for s in steps] == [0, 1, 2]
    assert steps[1].caption.startswith("step 1/2")


def test_gradients_fill_in_step_by_step_with_what_is_still_to_come() -> None:
    y, a, b = _example()
    texts = [step_texts(s) for s in backward_steps(y)]
    # seed: only the root has its gradient; the others are blank
    assert texts[0][y]["grad"] == "grad 1.0000"
    assert texts[0][a] == {"grad": "", "note": ""}
    # after the + node: a has received 1 of its 2 contributions (from + directly); the partial
    # sum is printed in full, not cut off, with how many contributions are still to come
    assert texts[1][a] == {"grad": "grad 1.0000", "note": "+1 more to come"}
    assert texts[1][b]["grad"] == ""
    # after the × node: a = 1 + b·1 = −2 and b = a·1 = 2, both complete
    assert texts[2][a] == {"grad": "grad −2.0000", "note": ""}
    assert texts[2][b]["grad"] == "grad 2.0000"
    # frames are computed, not run: no .grad changed
    assert (a.grad, b.grad, y.grad) == (0.0, 0.0, 0.0)


def test_each_step_lists_local_times_grad_for_every_input() -> None:
    y, _, _ = _example()
    steps = backward_steps(y)
    assert contribution_lines(steps[0]) == []  # the seed sends nothing yet
    first = contribution_lines(steps[1])
    assert first[1] == "a.grad += 1.0000 × 1.0000 = 1.0000   (so far 1.0000, 1 more to come)"
    last = contribution_lines(steps[2])
    assert last[0] == "a.grad += (−3.0000) × 1.0000 = −3.0000   (complete: −2.0000)"
    assert last[1] == "b.grad += 2.0000 × 1.0000 = 2.0000"


def test_frames_highlight_the_node_and_its_arrows() -> None:
    needs("pygraphviz")
    y, _, _ = _example()
    frames = list(backward_frames(y))
    ids = frames[0].layout.ids
    assert frames[0].look.highlight == {ids[y]}  # the seed: the root only
    i = ids[y][1:]
    assert frames[1].look.highlight == {ids[y], f"op{i}", f"e{i}_0", f"e{i}_1"}
    assert "a.grad += 1.0000 × 1.0000" in frames[1].svg()


def test_frames_follow_backward_order_on_the_lesson() -> None:
    from autograd_mlp.engine import topological_order
    from autograd_mlp.teach.lesson import DEFAULT_LESSON

    _, _, error = DEFAULT_LESSON.forward()
    steps = backward_steps(error)
    expected = [v for v in reversed(topological_order(error)) if v._prev]
    assert [s.node for s in steps[1:]] == expected
    assert len(steps) == 12  # the seed and 11 operations
    for i, earlier in enumerate(expected):  # a node's users are all processed before it
        assert not any(earlier in later._prev for later in expected[i + 1 :])


def test_last_step_matches_backward_on_a_shared_node() -> None:
    x = Value(0.5, label="x")
    h = x.tanh()
    h.label = "h"
    out = h * h + h  # h is used three times
    out.label = "out"
    last = step_texts(backward_steps(out)[-1])
    out.backward()
    from autograd_mlp.viz import format_number

    for v in (x, h):
        assert last[v]["grad"] == f"grad {format_number(v.grad)}" and last[v]["note"] == ""


def test_limits_and_bad_input() -> None:
    a = Value(1.0)
    b = a
    for _ in range(10):
        b = b * 1.01
    with pytest.raises(ValueError, match=r"10 steps.*max_frames=5"):
        list(backward_frames(b, max_frames=5))
    with pytest.raises(TypeError, match="expects a Value"):
        list(backward_frames(3.0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="format must be 'png' or 'svg'"):
        save_frames(b, "unused", format="gif")
    with pytest.raises(ValueError, match="precision must be an int from 1"):
        list(backward_frames(b, precision=0))


def test_save_frames_writes_pngs_and_a_gif_that_rests_on_the_last(tmp_path: Path) -> None:
    needs("pygraphviz")
    image = needs("PIL.Image")
    y, _, _ = _example()
    written = save_frames(y, tmp_path / "out", duration_ms=500)
    names = [p.name for p in written]
    assert names == ["frame_000.png", "frame_001.png", "frame_002.png", "backward.gif"]
    sizes = set()
    for p in written[:-1]:
        assert p.read_bytes().startswith(b"\x89PNG")
    with image.open(written[-1]) as gif:
        assert gif.n_frames == 3
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
            sizes.add(gif.size)
        assert durations == [500, 500, LAST_FRAME_MS]
        assert gif.info.get("loop") == 0
    assert len(sizes) == 1
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_save_frames_gif_can_play_once(tmp_path: Path) -> None:
    needs("pygraphviz")
    image = needs("PIL.Image")
    y, _, _ = _example()
    gif = save_frames(y, tmp_path, loop=False)[-1]
    with image.open(io.BytesIO(gif.read_bytes())) as im:
        assert "loop" not in im.info  # no looping extension: viewers play it once


def test_the_committed_lesson_gif_is_the_lesson_backward_pass() -> None:
    image = needs("PIL.Image")
    gif = Path(__file__).resolve().parent.parent / "docs" / "images" / "lesson-backward.gif"
    with image.open(gif) as im:
        assert im.n_frames == 12  # the seed and the 11 operations of the lesson's graph


def test_save_frames_svg_and_no_gif(tmp_path: Path) -> None:
    needs("pygraphviz")
    y, _, _ = _example()
    written = save_frames(y, tmp_path, format="svg", gif=False)
    assert [p.name for p in written] == ["frame_000.svg", "frame_001.svg", "frame_002.svg"]
    assert all(b"<svg" in p.read_bytes() for p in written)
    with pytest.raises(ValueError, match="GIF is built from PNG frames"):
        save_frames(y, tmp_path, format="svg")


def test_save_frames_at_projector_size(tmp_path: Path) -> None:
    needs("pygraphviz")
    image = needs("PIL.Image")
    from autograd_mlp.teach.lesson import DEFAULT_LESSON

    _, _, error = DEFAULT_LESSON.forward()
    written = save_frames(error, tmp_path, size="projector", gif=False)
    assert len(written) == 12
    for p in written:
        with image.open(p) as im:
            assert im.size == (1920, 1080)
    with pytest.raises(ValueError, match="size= makes pages of PNG frames"):
        save_frames(error, tmp_path, format="svg", size="projector", gif=False)


def test_svg_frames_text_is_body_size_at_the_scale_the_pngs_use() -> None:
    # The SVG is in layout units; its PNG twin is drawn at 1.5 px a unit, and a projector
    # slide at SIZES["projector"].scale: body text × that scale is at least 18 px.
    needs("pygraphviz")
    import re as regex

    from autograd_mlp.viz.pages import SIZES

    y, _, _ = _example()
    svg = next(iter(backward_frames(y))).svg()
    sizes = [float(s) for s in regex.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) * SIZES["projector"].scale >= 18
    assert min(sizes) * 1.5 >= 18
