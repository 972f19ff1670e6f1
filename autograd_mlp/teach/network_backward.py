"""The backward pass on the network diagram, the way most textbooks teach it: one slide a neuron.

The gradient graph (`autograd_mlp.teach.slides`) shows every operation; a textbook shows the
network itself and one number per neuron, its **δ** (delta) = ∂E/∂z, the error signal at the
neuron's input sum, computed from the output layer back:

* an output neuron k:  δₖ = ∂E/∂yₖ · f′(zₖ), with ∂E/∂yₖ = c · (yₖ − tₖ) (c = 2 for
  E = Σ (t − y)², 1 for ½ Σ, 2/K for the mean over K outputs);
* a hidden neuron j:   δⱼ = f′(zⱼ) · Σₖ wₖⱼ δₖ, the sum of what comes back along its arrows;
* on every arrow into a neuron, **w · δ**: the share it sends back to the arrow's source;
* and the gradients the update needs: ∂E/∂w = δ · (the arrow's input), ∂E/∂b = δ.

f′ is written from the printed numbers a student has: 1 (linear), a · (1 − a) (sigmoid),
1 − a² (tanh), 1 or 0 (relu, by the sign of z).

**Hand rounding.** Every number on these slides is computed from the numbers printed beside it
(z, a, t, w, δ and the arrows' w · δ, each with ``precision`` decimals) and then rounded, half
away from zero, as a student with a calculator does: a student who redoes any line gets the
printed result to the last digit. (The engine's exact gradient may differ from a hand-rounded
δ in the last digit; the subtitle states the rule.)

`network_steps` computes the steps; `network_backward_pages` draws them at a real size on the
lesson's network diagram (`autograd_mlp.teach.network.network_picture`: everything on the same
pixels on every slide); `save_network_backward` writes them as one vector PDF or numbered PNGs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .lesson import Lesson
from .lesson_layout import LessonLayout, lesson_layout
from .network import (
    GRAD,
    NEGATIVE,
    POSITIVE,
    TEXT_COLOUR,
    Rows,
    _forward,
    network_picture,
)

__all__ = [
    "NetworkStep",
    "network_steps",
    "network_backward_pages",
    "save_network_backward",
    "hand_round",
]

_ERROR_FACTOR = {"sum": "2", "half": "1"}  # c in ∂E/∂y = c · (y − t); "mean": 2/K


def hand_round(x: Fraction, precision: int) -> str:
    """``x`` rounded half away from zero to ``precision`` decimals, with a true minus sign and
    never ``−0.0000``."""
    scale = 10**precision
    n = abs(x) * scale
    whole = int(n)
    if n - whole >= Fraction(1, 2):
        whole += 1
    sign = "−" if x < 0 and whole else ""
    text = str(whole).rjust(precision + 1, "0")
    return f"{sign}{text[:-precision]}.{text[-precision:]}" if precision else f"{sign}{text}"


def _read(text: str) -> Fraction:
    """A printed number back as an exact fraction (the student reads what is printed; a
    decimal comma too)."""
    return Fraction(text.replace("−", "-").replace(",", "."))


def _factor(text: str) -> str:
    """A printed number as a factor: negative ones in parentheses."""
    return f"({text})" if text.startswith("−") else text


@dataclass(frozen=True)
class NetworkStep:
    """One slide: ``title``; the neuron worked on (None for the first slide); the lines of
    arithmetic under the picture; the δ printed on each neuron so far and the w · δ printed on
    each weight's arrow so far (by weight label)."""

    index: int
    total: int
    title: str
    neuron: str | None
    lines: tuple[str, ...]
    deltas: dict[str, str] = field(default_factory=dict)
    shares: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Printed:
    """The forward pass as printed: z and a of every neuron (by name), x and t."""

    z: dict[str, str]
    a: dict[str, str]
    x: list[str]
    t: list[str]


def _printed(board: LessonLayout, precision: int) -> _Printed:
    lesson = board.lesson

    def hand_round(x: Fraction, precision: int) -> str:  # in the lesson's notation
        return _hand(lesson, x, precision)

    forward = _forward(board.model, list(lesson.inputs))
    z: dict[str, str] = {}
    a: dict[str, str] = {}
    for li, layer in enumerate(board.model.layers):
        for j, n in enumerate(layer.neurons):
            zf, af = forward[li][j]
            z[n.name] = hand_round(Fraction(zf), precision)
            a[n.name] = hand_round(Fraction(af), precision)
    x = [hand_round(Fraction(v), precision) for v in lesson.inputs]
    t = [hand_round(Fraction(v), precision) for v in lesson.targets]
    return _Printed(z, a, x, t)


def _derivative(activation: str, z: str, a: str) -> tuple[str, str, Fraction]:
    """f′(z) as a formula, as the numbers it is computed from, and its exact value."""
    if activation == "sigmoid":
        return "a · (1 − a)", f"{a} × (1 − {a})", _read(a) * (1 - _read(a))
    if activation == "tanh":
        return "(1 − a²)", f"(1 − {_factor(a)}²)", 1 - _read(a) ** 2
    if activation == "relu":
        one = "1" if _read(z) > 0 else "0"
        return "relu′(z)", one, Fraction(int(one))  # 1 where z > 0, else 0
    return "1", "1", Fraction(1)


def _hand(lesson: Lesson, x: Fraction, precision: int) -> str:
    """`hand_round`, written with the lesson's decimal separator (`teach.notation`)."""
    return lesson.notation.number(hand_round(x, precision))


def network_steps(
    lesson: Lesson | None = None, *, board: LessonLayout | None = None, precision: int = 4
) -> list[NetworkStep]:
    """The backward pass on the network, a step per neuron from the output layer back (and a
    first step with the forward pass's outputs and targets); see the module docstring."""
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 8:
        raise ValueError(f"precision must be an int from 1 to 8, got {precision!r}")
    board = board if board is not None else lesson_layout(lesson)
    lesson = board.lesson
    model = board.model
    p = _printed(board, precision)

    def R(x: Fraction) -> str:
        return _hand(lesson, x, precision)

    last = len(model.layers) - 1
    order = [(li, j) for li in range(last, -1, -1) for j in range(len(model.layers[li].neurons))]
    total = len(order)
    outputs = ";   ".join(
        f"y{k + 1} = {p.a[n.name]} (t{k + 1} = {p.t[k]})"
        for k, n in enumerate(model.layers[last].neurons)
    )
    first = NetworkStep(
        0,
        total,
        f"step 0/{total}: after the forward pass, back from the outputs",
        None,
        (
            f"forward pass: {outputs}",
            "each step: a neuron's δ = ∂E/∂z; on every arrow into it, w · δ goes back to the "
            "arrow's source;  ∂E/∂w = δ · input,  ∂E/∂b = δ",
        ),
    )
    steps = [first]
    deltas: dict[str, str] = {}
    shares: dict[str, str] = {}
    for number, (li, j) in enumerate(order, 1):
        n = model.layers[li].neurons[j]
        f_sym, f_num, f_val = _derivative(n.activation, p.z[n.name], p.a[n.name])
        lines = []
        if li == last:
            k = j
            y, t = p.a[n.name], p.t[k]
            if lesson.error == "mean":
                count = len(model.layers[last].neurons)
                c_sym, c_val = f"(2/{count})", Fraction(2, count)
            else:
                c_sym, c_val = (
                    _ERROR_FACTOR[lesson.error],
                    Fraction(int(_ERROR_FACTOR[lesson.error])),
                )
            delta = R(c_val * (_read(y) - _read(t)) * f_val)
            lines.append(
                f"δ of {n.name} = ∂E/∂y{k + 1} · f′(z) = {c_sym} · (y{k + 1} − t{k + 1}) · "
                f"{f_sym} = {c_sym} × ({y} − {_factor(t)}) × {f_num} = {delta}"
            )
        else:
            above = model.layers[li + 1].neurons
            back = [shares[m.w[j].label] for m in above]
            total_back = sum((_read(s) for s in back), Fraction(0))
            terms = " + ".join(b if k == 0 else _factor(b) for k, b in enumerate(back))
            delta = R(f_val * total_back)
            lines.append(
                f"δ of {n.name} = f′(z) · Σ w·δ = {f_sym} · Σ w·δ = {f_num} × ({terms}) = {delta}"
            )
        deltas = {**deltas, n.name: delta}
        sent = []
        grads = []
        for i, w in enumerate(n.w):
            wp = R(Fraction(w.data))
            share = R(_read(wp) * _read(delta))
            shares = {**shares, w.label: share}
            sent.append(f"{_factor(wp)} × {_factor(delta)} = {share}")
            source = p.x[i] if li == 0 else p.a[model.layers[li - 1].neurons[i].name]
            grad = R(_read(delta) * _read(source))
            grads.append(f"{_factor(delta)} × {_factor(source)} = {grad}")
        where = "the inputs" if li == 0 else f"layer {li}"
        lines.append(f"w · δ back to {where}:   " + ";   ".join(sent))
        lines.append("∂E/∂w = δ · input:   " + ";   ".join(grads) + f";   ∂E/∂b = δ = {delta}")
        title = f"step {number}/{total}: δ of {n.name} " + (
            "(an output neuron)" if li == last else "(a hidden neuron)"
        )
        steps.append(NetworkStep(number, total, title, n.name, tuple(lines), deltas, shares))
    return steps


def _rows(
    board: LessonLayout, step: NetworkStep, p: _Printed
) -> tuple[dict[str, Rows], dict[str, Rows]]:
    """The rows of every neuron's circle and every weight's box at ``step``."""
    model = board.model
    last = len(model.layers) - 1
    neurons: dict[str, Rows] = {}
    for li, layer in enumerate(model.layers):
        for k, n in enumerate(layer.neurons):
            rows = [(n.name, TEXT_COLOUR), (f"z = {p.z[n.name]}", TEXT_COLOUR)]
            if li == last:
                rows.append((f"y{k + 1} = a = {p.a[n.name]}", TEXT_COLOUR))
                rows.append((f"t{k + 1} = {p.t[k]}", TEXT_COLOUR))
            else:
                rows.append((f"a = {p.a[n.name]}", TEXT_COLOUR))
            delta = step.deltas.get(n.name)
            rows.append((f"δ = {delta}" if delta is not None else "", GRAD))
            neurons[n.name] = rows
    for i, x in enumerate(p.x):
        neurons[f"x{i + 1}"] = [(f"x{i + 1}", TEXT_COLOUR), (x, TEXT_COLOUR)]
    weights: dict[str, Rows] = {}
    for layer in model.layers:
        for n in layer.neurons:
            for w in n.w:
                printed = _hand(board.lesson, Fraction(w.data), board.layout.precision)
                share = step.shares.get(w.label)
                weights[w.label] = [
                    (f"{w.label} = {printed}", NEGATIVE if w.data < 0 else POSITIVE),
                    (f"w·δ = {share}" if share is not None else "", GRAD),
                ]
    return neurons, weights


def network_backward_pages(
    board: LessonLayout | None = None,
    *,
    lesson: Lesson | None = None,
    size: str = "projector",
) -> list[Any]:
    """The steps of `network_steps` as pages of ``size`` (Pillow images that also draw as
    vector PDF pages): the network with δ on each neuron worked on so far and w · δ on each
    of its arrows, the step's neuron and arrows in red, the step's arithmetic underneath."""
    from ..viz.pages import body_px, fits_beside, size_named, wrap

    board = board if board is not None else lesson_layout(lesson)
    precision = board.layout.precision
    steps = network_steps(board=board, precision=precision)
    p = _printed(board, precision)
    page = size_named(size)
    width = page.width - 2 * page.margin
    footers = [
        [part for line in s.lines for part in wrap(line, width, body_px(page))] for s in steps
    ]
    reserve_neurons, reserve_weights = _rows(board, steps[-1], p)
    sub = (
        f"{board.lesson.error_formula}   ·   δ = ∂E/∂z   ·   each number from the printed ones, "
        f"rounded to {precision} decimals"
    )
    beside = fits_beside(page, [s.title for s in steps], [sub])
    pages = []
    for step, footer in zip(steps, footers):
        neurons, weights = _rows(board, step, p)
        hot: set[str] = set()
        if step.neuron is not None:
            hot.add(step.neuron)
            neuron = next(
                n for layer in board.model.layers for n in layer.neurons if n.name == step.neuron
            )
            hot.update(w.label for w in neuron.w)
        pages.append(
            network_picture(
                board,
                size,
                [step.title, sub],
                neurons,
                weights,
                reserve_neurons=reserve_neurons,
                reserve_weights=reserve_weights,
                highlight=frozenset(hot),
                footer=footer,
                footer_lines=max(len(f) for f in footers),
                beside=beside,
            )
        )
    return pages


def save_network_backward(
    path: str | os.PathLike[str],
    lesson: Lesson | None = None,
    *,
    size: str = "projector",
    board: LessonLayout | None = None,
) -> list[Path]:
    """Write the network's backward pass: ``.pdf`` one vector page a step; ``.png`` one image
    a step, ``NAME-1.png``, ``NAME-2.png``... Returns the paths written."""
    from .._files import write_atomic
    from ..viz.pages import png_bytes, write_pdf

    target = Path(path)
    ext = target.suffix.lower()
    if ext not in (".pdf", ".png"):
        raise ValueError(f"the file name must end in .pdf or .png, got {str(path)[-60:]!r}")
    pages = network_backward_pages(board, lesson=lesson, size=size)
    if ext == ".pdf":
        return [write_pdf(target, pages, size, title="the backward pass on the network")]
    written = []
    for k, image in enumerate(pages, 1):
        part = target.with_name(f"{target.stem}-{k}{target.suffix}")
        write_atomic(part, png_bytes(image))
        written.append(part)
    return written
