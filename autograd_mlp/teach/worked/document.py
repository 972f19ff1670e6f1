"""The worked example's wording: the document as blocks of prose, equations and tables.

`build_blocks(ex)` writes the sections of the worked example (see `autograd_mlp.teach.worked`) from
the numbers of a `WorkedExample`, in one neutral form: a list of blocks, each a heading, a
paragraph, a list of equations (left-hand side, right-hand side) or a table. Mathematics is
written in Unicode (∂E/∂L1.N1.w1, σ′(z), Σₖ); the writers turn the blocks into text and
Markdown (`autograd_mlp.teach.worked.text`) or LaTeX (`autograd_mlp.teach.worked.latex`), so
the three formats always say the same thing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ...viz.naming import format_number, minus
from ..notation import Notation
from .counts import _costs
from .hand import as_float, exact, rounded
from .numbers import (
    MAX_PATHS_LISTED,
    WorkedExample,
    _param_values,
    _routes,
    _shown_grads,
    curvature_at_start,
)

__all__ = ["Block", "Title", "build_blocks"]


# How each activation is written: its name in f(z), its derivative as a formula of the output h
# (or of z for relu), and how many multiplications that derivative costs by hand.
_ACT_NAME = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "linear": ""}


_ACT_PROSE = {
    "sigmoid": "a sigmoid",
    "tanh": "a tanh",
    "relu": "a ReLU",
    "linear": "a linear (purelin)",
}


_COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
HUGE = 1e15  # numbers this big are printed in scientific notation (a = 1e308 makes such)


# ("title", Title) | ("h", str) | ("p", str) | ("eq", [(lhs, rhs)]) | ("table", rows)
Block = tuple[str, object]


class Title(NamedTuple):
    """The document's title: our words, then the user's (a lesson's title, escaped by each
    writer for its format: it may hold anything, a newline or ``\\input`` included)."""

    words: str
    user: str = ""


def _f_of(act: str, arg: str) -> str:
    """f(arg) as written: σ(z), tanh(z), relu(z); a linear activation is z itself."""
    name = _ACT_NAME[act]
    return f"{name}({arg})" if name else arg


def _derivative_text(act: str, h: str, z: str) -> str:
    """The derivative f′(z) as a formula of the output h (the sigmoid's h·(1 − h))."""
    return {
        "sigmoid": f"{h}·(1 − {h})",
        "tanh": f"(1 − {h}²)",
        "relu": f"[{z} > 0]",
        "linear": "1",
    }[act]


def _derivative_numbers(act: str, h: float, z: float, f: Callable[[float], str]) -> str:
    if act == "sigmoid":  # with the printed h twice: a student redoes 1 − h from the page
        return f"{f(h)}·(1 − {f(h)})"
    if act == "tanh":
        return f"(1 − {f(h)}²)"
    if act == "relu":
        return "1" if z > 0 else "0"
    return "1"


def _error_text(ex: WorkedExample) -> tuple[str, Callable[[str], str], str]:
    """E symbolically, how its sum of squares is scaled, ∂E/∂yₖ symbolically (the lesson's
    error convention)."""
    k_out = len(ex.y)
    squares = " + ".join(f"(t{k + 1} − y{k + 1})²" for k in range(k_out))

    def scaled(factor: str) -> Callable[[str], str]:
        # one square needs no parentheses: ½·(t1 − y1)², not ½·((t1 − y1)²)
        return lambda sq: f"{factor}·{sq}" if k_out == 1 else f"{factor}·({sq})"

    convention = ex.lesson.error
    if convention == "half":
        return scaled("½")(squares), scaled("½"), "−(tₖ − yₖ)"
    if convention == "mean":
        mean = scaled(f"(1/{k_out})")
        return mean(squares), mean, f"−(2/{k_out})·(tₖ − yₖ)"
    return squares, lambda sq: sq, "−2·(tₖ − yₖ)"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _and(items: Sequence[str]) -> str:
    """a, b and c."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass
class _Doc:
    """What every section needs: the numbers, how they are printed, how the network's numbers
    are named, and the running section number.

    Layers are counted from 0 here (layer l is labelled L{l+1}). A neuron's output is named
    yₖ in the output layer; with one hidden layer, a hidden output is hⱼ; with more, it is the
    label of its node (L1.N1.a, or L1.N1.z in a linear layer), so that a path through several
    hidden layers says which layer each factor belongs to. Prose formulas write any hidden
    output as hⱼ.
    """

    ex: WorkedExample
    precision: int
    section: int = 0

    @property
    def depth(self) -> int:
        return len(self.ex.weights)

    @property
    def acts(self) -> list[str]:
        return self.ex.activations

    @property
    def widths(self) -> list[int]:
        """The layer sizes, without the inputs."""
        return list(self.ex.sizes[1:])

    def heading(self, title: str) -> Block:
        self.section += 1
        return ("h", f"{self.section}. {title}")

    def n(self, v: float) -> str:
        if math.isfinite(v) and abs(v) >= HUGE:  # 1e+308, not 309 digits across the page
            return minus(f"{v:.{self.precision}e}")
        return format_number(v, self.precision)

    def f(self, v: float) -> str:  # a number as a factor: negatives in parentheses
        s = self.n(v)
        return f"({s})" if s.startswith("−") else s

    def g(self, v: float) -> str:  # a given number, printed as short as it is
        s = minus(repr(float(v)))
        s = s[:-2] if s.endswith(".0") else s
        return f"({s})" if s.startswith("−") else s

    def given(self, v: float) -> str:
        """A given number (a weight) as a factor in a computed line: as given when rounding by
        hand (the student computes with it as given), else with the printed decimals."""
        return self.g(v) if self.ex.round_intermediate is not None else self.f(v)

    @property
    def lr(self) -> str:
        """The learning constant as given (6 significant digits when that is all it has)."""
        short = f"{self.ex.lr:g}"
        return short if float(short) == self.ex.lr else self.g(self.ex.lr).strip("()")

    def out(self, li: int, j: int) -> str:
        """The name of the output of neuron j of layer l."""
        if li == self.depth - 1:
            return f"y{j + 1}"
        if self.depth == 2:
            return f"h{j + 1}"
        return f"L{li + 1}.N{j + 1}.{'z' if self.acts[li] == 'linear' else 'a'}"

    def inp(self, li: int, i: int) -> str:
        """The name of input i of layer l."""
        return f"x{i + 1}" if li == 0 else self.out(li - 1, i)

    def inp_value(self, li: int, i: int) -> str:
        """Input i of layer l as a factor: given (x) or computed (the layer below's output)."""
        return self.g(self.ex.x[i]) if li == 0 else self.f(self.ex.a[li - 1][i])

    def derivative(self, li: int, j: int) -> tuple[str, str]:
        """f′ of neuron j of layer l as a formula and with numbers ("" if linear: f′ = 1)."""
        act = self.acts[li]
        if act == "linear":
            return "", ""
        return (
            _derivative_text(act, self.out(li, j), f"L{li + 1}.N{j + 1}.z"),
            _derivative_numbers(act, self.ex.a[li][j], self.ex.z[li][j], self.f),
        )


def build_blocks(ex: WorkedExample, precision: int = 4) -> list[Block]:
    doc = _Doc(ex, precision)
    blocks = _intro_blocks(doc)
    blocks += _forward_blocks(doc)
    blocks += _output_layer_blocks(doc)
    if doc.depth > 1:
        blocks += _path_blocks(doc)
        blocks += _recursion_blocks(doc)
    blocks += _update_blocks(doc)
    blocks += _learning_constant_blocks(doc)
    return _in_notation(blocks, ex.lesson.notation)


def _in_notation(blocks: list[Block], notation: Notation) -> list[Block]:
    """The blocks written in the lesson's notation (`Notation.apply`): its symbol of the
    learning constant, its order of a weight's indices, its decimal separator. A lesson's
    title is the user's own text and is left as it is."""
    if notation.is_default:
        return blocks
    write = notation.apply
    out: list[Block] = []
    for kind, body in blocks:
        if kind == "title":
            assert isinstance(body, Title)
            out.append((kind, Title(write(body.words), body.user)))
        elif kind in ("h", "p"):
            out.append((kind, write(str(body))))
        elif kind == "eq":
            eqs: list[tuple[str, str]] = body  # type: ignore[assignment]
            out.append((kind, [(write(lhs), write(rhs)) for lhs, rhs in eqs]))
        else:
            rows: list[list[str]] = body  # type: ignore[assignment]
            out.append((kind, [[write(cell) for cell in row] for row in rows]))
    return out


def _intro_blocks(doc: _Doc) -> list[Block]:
    """The title, what the network is and how it is labelled, then section 1: the numbers."""
    ex, g = doc.ex, doc.g
    sizes, acts, depth = ex.sizes, doc.acts, doc.depth
    n_in, n_out = sizes[0], sizes[-1]
    words = "The worked example: one training step of "
    title = (
        Title(words, ex.lesson.title)
        if ex.lesson.title
        else Title(f"{words}a {'–'.join(str(s) for s in sizes)} network")
    )
    blocks: list[Block] = [("title", title)]
    e_sym, _, _ = _error_text(ex)
    inputs = _plural(n_in, "input")
    outputs = f"{_plural(n_out, 'output neuron')} with {_ACT_PROSE[acts[-1]]} activation"
    y_name = f"L{depth}.Nk.{'z' if acts[-1] == 'linear' else 'a'}"
    if depth == 1:
        network = f"{inputs} and no hidden layer: {outputs}"
        labels = f"L1.Nk.wi is the weight from input i to output k; yₖ = {y_name} is an output."
    elif depth == 2:
        network = (
            f"{inputs}, {_plural(sizes[1], 'hidden neuron')} with {_ACT_PROSE[acts[0]]} "
            f"activation, {outputs}"
        )
        h_name = "L1.Nj.z" if acts[0] == "linear" else "L1.Nj.a"
        labels = (
            "L1.Nj.wi is the weight from input i to hidden neuron j, "
            f"L2.Nk.wj from hidden neuron j to output k; hⱼ = {h_name} is a hidden output and "
            f"yₖ = {y_name} an output."
        )
    else:
        hidden = "; ".join(
            f"layer {li + 1}: {_plural(sizes[li + 1], 'neuron')} with {_ACT_PROSE[acts[li]]} "
            "activation"
            for li in range(depth - 1)
        )
        network = f"{inputs}, {_COUNT_WORDS[depth - 1]} hidden layers ({hidden}), {outputs}"
        top = (
            f"and L{depth}.Nk.wj from neuron j of layer {depth - 1} to output k"
            if depth == 3
            else f"and so on up to L{depth}.Nk.wj, from neuron j of layer {depth - 1} to output k"
        )
        linear = [str(li + 1) for li in range(depth - 1) if acts[li] == "linear"]
        linear_note = (
            f" (in the linear {'layer' if len(linear) == 1 else 'layers'} {_and(linear)} the "
            f"output is the pre-activation itself, L{linear[0]}.N1.z)"
            if linear
            else ""
        )
        labels = (
            "L1.Nj.wi is the weight from input i to neuron j of layer 1, L2.Nj.wi from neuron i "
            f"of layer 1 to neuron j of layer 2, {top}. A hidden neuron is named by its layer "
            "and its number: neuron 1 of layer 2 computes the pre-activation L2.N1.z and the "
            f"output L2.N1.a{linear_note}; the formulas call a hidden output hⱼ. "
            f"yₖ = {y_name} is an output."
        )
    blocks.append(
        (
            "p",
            f"{network}, the squared error of one sample (E = {e_sym}), and gradient descent "
            f"with learning constant a = {doc.lr}. Labels follow the network: {labels}",
        )
    )
    if ex.round_intermediate is not None:
        blocks.append(
            (
                "p",
                "As in a hand calculation, every intermediate number is rounded to "
                f"{ex.round_intermediate} decimals (half away from zero). The rule, once: every "
                "result is computed from the numbers printed before it, exactly as they are "
                "printed, and then rounded; so every line can be redone on paper from this page. "
                "The given numbers (inputs, weights, biases, targets and a) are used as given. "
                "The gradients section shows how far the rounding takes the result from the "
                "exact gradient.",
            )
        )
    blocks.append(doc.heading("The numbers"))
    rows = [["quantity", "value"]]
    rows += [[f"x{i + 1}", g(v).strip("()")] for i, v in enumerate(ex.x)]
    for li, (w, b) in enumerate(zip(ex.weights, ex.biases)):
        for j, row in enumerate(w):
            rows += [[f"L{li + 1}.N{j + 1}.w{i + 1}", g(v).strip("()")] for i, v in enumerate(row)]
            rows.append([f"L{li + 1}.N{j + 1}.b", g(b[j]).strip("()")])
    rows += [[f"t{k + 1}", g(v).strip("()")] for k, v in enumerate(ex.t)]
    rows.append(["a", f"{doc.lr}"])
    blocks.append(("table", rows))
    return blocks


_HIDDEN_RULE = {
    "sigmoid": "h = σ(z) = 1/(1 + e^(−z))",
    "tanh": "h = tanh(z)",
    "relu": "h = relu(z) = max(0, z)",
    "linear": "h = z",
}


def _forward_blocks(doc: _Doc) -> list[Block]:
    """Section 2: each layer's pre-activations and outputs, from the input up; then section 3,
    the error."""
    ex, n, g = doc.ex, doc.n, doc.g
    blocks: list[Block] = [doc.heading("Forward pass")]
    for li, act in enumerate(doc.acts):
        top = li == doc.depth - 1
        sub = "ᵢ" if li == 0 else "ⱼ"
        rule = f"Σ{sub} w{sub}·{'x' if li == 0 else 'h'}{sub} + b"
        if li > 0 and doc.depth > 2:
            rule += f", where the h{sub} are the outputs of layer {li}"
        if not top:
            who = "hidden neuron" if doc.depth == 2 else f"neuron of hidden layer {li + 1}"
            blocks.append(("p", f"Each {who}: z = {rule}, then {_HIDDEN_RULE[act]}."))
        elif act == "linear":
            blocks.append(("p", f"Each output neuron is linear: y = {rule}."))
        else:
            blocks.append(("p", f"Each output neuron: z = {rule}, then y = {_f_of(act, 'z')}."))
        eqs = []
        for j, (row, b) in enumerate(zip(ex.weights[li], ex.biases[li])):
            neuron = f"L{li + 1}.N{j + 1}"
            sym = " + ".join(f"{neuron}.w{i + 1}·{doc.inp(li, i)}" for i in range(len(row)))
            num = " + ".join(f"{g(w)}·{doc.inp_value(li, i)}" for i, w in enumerate(row))
            lhs = doc.out(li, j) if top and act == "linear" else f"{neuron}.z"
            eqs.append((lhs, f"{sym} + {neuron}.b = {num} + {g(b)} = {n(ex.z[li][j])}"))
        if act != "linear":
            for j in range(len(ex.weights[li])):
                z = f"L{li + 1}.N{j + 1}.z"
                value = f"{_f_of(act, n(ex.z[li][j]))} = {n(ex.a[li][j])}"
                eqs.append((doc.out(li, j), f"{_f_of(act, z)} = {value}"))
        elif not top and doc.out(li, 0) != f"L{li + 1}.N1.z":  # h1 = L1.N1.z: its name below
            for j in range(len(ex.weights[li])):
                eqs.append((doc.out(li, j), f"L{li + 1}.N{j + 1}.z = {n(ex.z[li][j])}"))
        blocks.append(("eq", eqs))

    blocks.append(doc.heading("The error"))
    n_out = len(ex.y)
    e_sym, scale, _ = _error_text(ex)
    over = {1: "the output", 2: "the two outputs"}.get(n_out, f"the {n_out} outputs")
    if n_out == 1:
        how = {"sum": "", "half": ", halved", "mean": ""}[ex.lesson.error]
        blocks.append(("p", f"The squared error of the one sample (N = 1) at the output{how}."))
    else:
        how = {"sum": "summed", "half": "half the sum", "mean": "the mean"}[ex.lesson.error]
        blocks.append(("p", f"The squared error of the one sample (N = 1), {how} over {over}."))
    # a negative output in parentheses: (0.5 − (−0.3229))², not (0.5 − −0.3229)²
    squares = " + ".join(f"({g(ex.t[k])} − {doc.f(ex.y[k])})²" for k in range(n_out))
    blocks.append(("eq", [("E", f"{e_sym} = {scale(squares)} = {n(ex.error)}")]))
    return blocks


def _output_deltas(doc: _Doc) -> Block:
    """δ of each output, δₖ = ∂E/∂yₖ·f′(zₖ)."""
    ex, top = doc.ex, doc.depth - 1
    eqs = []
    for k in range(len(ex.y)):
        d_sym, d_num = doc.derivative(top, k)
        rhs = (
            f"∂E/∂y{k + 1}·1 = {doc.f(ex.dE_dy[k])}·1 = {doc.n(ex.deltas[-1][k])}"
            if not d_sym
            else f"∂E/∂y{k + 1}·{d_sym} = {doc.f(ex.dE_dy[k])}·{d_num} = {doc.n(ex.deltas[-1][k])}"
        )
        eqs.append((f"δ(L{top + 1}.N{k + 1})", rhs))
    return ("eq", eqs)


def _output_layer_blocks(doc: _Doc) -> list[Block]:
    """Section 4: the output layer's gradients, one chain-rule path each. Without a hidden
    layer that is the whole backward pass, and the output's δ is given here."""
    ex, n, f = doc.ex, doc.n, doc.f
    top = doc.depth - 1
    act = doc.acts[top]
    blocks: list[Block] = [doc.heading(f"Output layer: gradients of W{top + 1} and b{top + 1}")]
    _, _, de_sym = _error_text(ex)
    sub = "ᵢ" if top == 0 else "ⱼ"
    var = "xᵢ" if top == 0 else "hⱼ"
    if doc.depth > 2:
        var += f", the output of neuron j of layer {top},"
    blocks.append(
        (
            "p",
            f"One chain-rule path from each output weight to E: ∂E/∂yₖ = {de_sym}, then "
            + (
                f"∂yₖ/∂wₖ{sub} = {var} and ∂yₖ/∂bₖ = 1."
                if act == "linear"
                else f"∂yₖ/∂zₖ = {_ACT_NAME[act]}′(zₖ) = "
                f"{_derivative_text(act, 'yₖ', 'zₖ')}, ∂zₖ/∂wₖ{sub} = {var} and ∂zₖ/∂bₖ = 1."
            ),
        )
    )
    de_rule = de_sym.replace("ₖ", "{k}")
    de_num = de_sym.replace("tₖ − yₖ", "{t} − {y}")
    eqs = [
        (
            f"∂E/∂y{k + 1}",
            f"{de_rule.replace('{k}', str(k + 1))} = "
            f"{de_num.format(t=doc.g(ex.t[k]), y=f(ex.y[k]))} = {n(ex.dE_dy[k])}",
        )
        for k in range(len(ex.y))
    ]
    for k, row in enumerate(ex.weights[top]):
        d_sym, d_num = doc.derivative(top, k)
        d_sym, d_num = (f"·{d_sym}", f"·{d_num}") if d_sym else ("", "")
        neuron = f"L{top + 1}.N{k + 1}"
        for j in range(len(row)):
            eqs.append(
                (
                    f"∂E/∂{neuron}.w{j + 1}",
                    f"∂E/∂y{k + 1}{d_sym}·{doc.inp(top, j)} = {f(ex.dE_dy[k])}{d_num}·"
                    f"{doc.inp_value(top, j)} = {n(ex.grads_w[top][k][j])}",
                )
            )
        eqs.append(
            (
                f"∂E/∂{neuron}.b",
                f"∂E/∂y{k + 1}{d_sym}·1 = {f(ex.dE_dy[k])}{d_num}·1 = {n(ex.grads_b[top][k])}",
            )
        )
    blocks.append(("eq", eqs))
    if doc.depth == 1:
        d = "" if act == "linear" else f"·{_ACT_NAME[act]}′(zₖ)"
        blocks.append(
            (
                "p",
                "There is no hidden layer, so this is the whole backward pass: every weight has "
                "the one path above. In the terms of backpropagation, output k's "
                f"δₖ = ∂E/∂zₖ = ∂E/∂yₖ{d}, and the products above are ∂E/∂wₖᵢ = δₖ·xᵢ and "
                "∂E/∂bₖ = δₖ (with hidden layers, δ would be passed down from here, layer by "
                "layer):",
            )
        )
        blocks.append(_output_deltas(doc))
        blocks += _rounding_note(doc)
    return blocks


def _path_factors(
    doc: _Doc, li: int, j: int, route: tuple[int, ...]
) -> tuple[list[str], list[str]]:
    """The factors of one path from a parameter of neuron j of layer l to E (see `_routes`),
    written from E down, as symbols and as numbers: ∂E/∂yₖ, the output's f′, then for each
    layer the path goes down through, the weight it crosses and f′ of the neuron below. The
    parameter's input (1 for a bias) comes last and is the caller's. A factor f′ = 1 (linear)
    is not written."""
    ex = doc.ex
    top = doc.depth - 1
    k = route[0]
    sym, num = [f"∂E/∂y{k + 1}"], [doc.f(ex.dE_dy[k])]
    d_sym, d_num = doc.derivative(top, k)
    if d_sym:
        sym.append(d_sym)
        num.append(d_num)
    chain = (*route, j)  # the neuron of each layer from the top down to layer l
    for step in range(len(route)):
        m = top - step  # the edge from neuron chain[step + 1] of layer m − 1 into layer m
        upper, lower = chain[step], chain[step + 1]
        sym.append(f"L{m + 1}.N{upper + 1}.w{lower + 1}")
        num.append(doc.g(ex.weights[m][upper][lower]))
        d_sym, d_num = doc.derivative(m - 1, lower)
        if d_sym:
            sym.append(d_sym)
            num.append(d_num)
    return sym, num


def _path_blocks(doc: _Doc) -> list[Block]:
    """Section 5: each hidden layer's gradients, from the top down, as sums over paths."""
    ex, n, f = doc.ex, doc.n, doc.f
    depth, acts, widths = doc.depth, doc.acts, doc.widths
    n_out = widths[-1]
    outputs = {1: "the output", 2: "both outputs"}.get(n_out, "every output")
    blocks: list[Block] = []
    if depth == 2:
        paths_word = (
            "one path each"
            if n_out == 1
            else ("a sum over two paths" if n_out == 2 else f"a sum over {n_out} paths")
        )
        blocks.append(doc.heading(f"Hidden layer: gradients of W1 and b1, {paths_word}"))
        out_factor = "" if acts[1] == "linear" else f"·{_ACT_NAME[acts[1]]}′(zₖ)"
        deriv1 = _derivative_text(acts[0], "hⱼ", "zⱼ")
        formula = f"Σₖ ∂E/∂yₖ{out_factor}·L2.Nk.wj" + ("" if acts[0] == "linear" else f"·{deriv1}")
        blocks.append(
            (
                "p",
                f"A hidden weight reaches E through {outputs}, "
                + (
                    "so its gradient is the product along that one path: "
                    if n_out == 1
                    else f"so its gradient is a sum of {n_out} terms, one per path: "
                )
                + f"∂E/∂L1.Nj.wi = {formula}·xᵢ"
                + (
                    ""
                    if acts[0] == "linear"
                    else f", where {deriv1} is the derivative of the {acts[0]}"
                )
                + ".",
            )
        )
    else:
        layers = [f"W{li + 1} and b{li + 1}" for li in reversed(range(depth - 1))]
        listing = ", ".join(layers[:-1]) + ", then " + layers[-1]
        blocks.append(doc.heading(f"Hidden layers: gradients of {listing}, as sums over paths"))
        hidden = list(dict.fromkeys(acts[:-1]))  # each hidden activation once, in order
        derivs = [
            f"{_ACT_NAME[a]}′ = {_derivative_text(a, 'hⱼ', 'zⱼ')}" for a in hidden if a != "linear"
        ]
        if "linear" in hidden:
            derivs.append("1 in a linear layer, not written")
        out = "" if acts[-1] == "linear" else f", that output's {_ACT_NAME[acts[-1]]}′(zₖ)"
        blocks.append(
            (
                "p",
                "A weight of a hidden layer reaches E along one path for each way of picking "
                "one neuron in every layer above its own, up to an output. Its gradient is the "
                "sum over these paths of the product of the local derivatives along each path, "
                f"written from E down: ∂E/∂yₖ of the output where the path ends{out}; then, for "
                "each layer the path comes down through, the weight of the edge it takes and "
                "the derivative of the neuron that edge comes from "
                f"({'; '.join(derivs)}); last the weight's own input (1 for a bias).",
            )
        )
    for li in reversed(range(depth - 1)):
        if depth > 2:
            route = [
                f"the neuron of layer {m + 1}"
                if widths[m] == 1
                else f"one of the {widths[m]} neurons of layer {m + 1}"
                for m in range(li + 1, depth - 1)
            ]
            route.append("the output" if n_out == 1 else f"one of the {n_out} outputs")
            count = ex.paths[li]
            widths_above = [str(w) for w in widths[li + 1 :] if w > 1]
            text = f"Layer {li + 1}: a weight reaches E through {', then '.join(route)}"
            if count == 1:
                text += ": one path, so its gradient is the product along it."
            else:
                text += f": {count} paths" + (
                    f" ({'·'.join(widths_above)})" if len(widths_above) > 1 else ""
                )
                text += f", so its gradient is a sum of {count} terms, one per path."
            if not ex.listed[li]:
                text += (
                    f" That is more than {MAX_PATHS_LISTED} products for every parameter, too "
                    "many to write out: the next section computes these gradients layer by layer."
                )
            blocks.append(("p", text))
        if not ex.listed[li]:
            continue
        routes = _routes(widths, li)
        eqs = []
        for j, row in enumerate(ex.weights[li]):
            for i in range(len(row) + 1):
                bias = i == len(row)
                pname = f"L{li + 1}.N{j + 1}." + ("b" if bias else f"w{i + 1}")
                tail_sym = "1" if bias else doc.inp(li, i)
                tail_num = "1" if bias else doc.inp_value(li, i)
                terms = ex.terms_b[li][j] if bias else ex.terms_w[li][j][i]
                total = ex.grads_b[li][j] if bias else ex.grads_w[li][j][i]
                per_path = [_path_factors(doc, li, j, r) for r in routes]
                eqs.append(
                    (f"∂E/∂{pname}", " + ".join("·".join([*s, tail_sym]) for s, _ in per_path))
                )
                eqs.append(("", " + ".join("·".join([*v, tail_num]) for _, v in per_path)))
                if len(terms) > 1:
                    eqs.append(("", " + ".join(f(t) for t in terms) + f" = {n(total)}"))
                else:
                    eqs.append(("", n(total)))
        blocks.append(("eq", eqs))
    blocks += _rounding_note(doc)
    return blocks


def _rounding_note(doc: _Doc) -> list[Block]:
    ex = doc.ex
    if ex.round_intermediate is None:
        return []
    worst = max(abs(shown - ex.exact[label]) for label, shown in _shown_grads(ex).items())
    first = ex.labels[0]
    return [
        (
            "p",
            f"Rounding every intermediate number to {ex.round_intermediate} decimals moves "
            f"the gradients by up to {minus(f'{worst:.2e}')} from the exact ones (for example "
            f"∂E/∂{first} = {format_number(ex.exact[first], doc.precision + 4)} exactly). "
            "Rounding costs accuracy: the engine never rounds.",
        )
    ]


def _recursion_blocks(doc: _Doc) -> list[Block]:
    """Section 6: the hidden layers' gradients again, by backpropagation's recursion."""
    ex, n, f = doc.ex, doc.n, doc.f
    depth, acts, widths = doc.depth, doc.acts, doc.widths
    one = depth == 2  # one hidden layer: the lesson's own wording
    blocks: list[Block] = [doc.heading("The same gradients layer by layer (backpropagation)")]
    out_act = acts[-1]
    out_rule = (
        "The outputs are linear (f′(z) = 1), so δₖ = ∂E/∂yₖ"
        if out_act == "linear"
        else f"For an output, δₖ = ∂E/∂yₖ·{_ACT_NAME[out_act]}′(zₖ)"
    )
    hidden = acts[:-1]
    common = hidden[0] if len(set(hidden)) == 1 else None
    fname = (_ACT_NAME[common] if common else "f") or "f"
    above = "" if one else ", k over the neurons of the layer above"
    if common == "linear":
        layers = "the hidden layer is" if one else "the hidden layers are"
        hidden_rule = f"δⱼ = Σₖ wₖⱼ·δₖ{above} ({layers} linear)"
    elif common:
        hidden_rule = (
            f"δⱼ = {fname}′(zⱼ)·Σₖ wₖⱼ·δₖ{above} with {fname}′(zⱼ) = "
            f"{_derivative_text(common, 'hⱼ', 'zⱼ')}"
        )
    else:
        groups: dict[str, list[str]] = {}
        for li, act in enumerate(hidden):
            groups.setdefault(act, []).append(str(li + 1))
        rules = [
            (
                "f′(zⱼ) = 1"
                if act == "linear"
                else f"{_ACT_NAME[act]}′(zⱼ) = {_derivative_text(act, 'hⱼ', 'zⱼ')}"
            )
            + f" in {'layer' if len(ls) == 1 else 'layers'} {_and(ls)}"
            for act, ls in groups.items()
        ]
        hidden_rule = f"δⱼ = f′(zⱼ)·Σₖ wₖⱼ·δₖ{above}, with {_and(rules)}"
    gradient_rule = (
        "then ∂E/∂wⱼᵢ = δⱼ·xᵢ and ∂E/∂bⱼ = δⱼ."
        if one
        else "then ∂E/∂wⱼᵢ = δⱼ·hᵢ, where hᵢ is the weight's input (xᵢ in layer 1), and "
        "∂E/∂bⱼ = δⱼ. The δ go from the top down: each layer needs only the δ of the layer "
        "above it. In matrix form, as textbooks write it: a hidden layer's δ is the transpose "
        "of the next layer's weight matrix times the next layer's δ, multiplied neuron by "
        "neuron by f′(z); a layer's weight gradient is its δ times the transpose of its input."
    )
    blocks.append(
        (
            "p",
            "Backpropagation writes the sum over paths as a recursion. δ of a neuron is ∂E/∂z "
            f"of its pre-activation. {out_rule}; a hidden neuron's δ collects the δ of the "
            f"neurons it feeds: {hidden_rule}; {gradient_rule}",
        )
    )
    blocks.append(_output_deltas(doc))
    for li in reversed(range(depth - 1)):
        if not one:
            source = "the outputs" if li == depth - 2 else f"layer {li + 2}"
            blocks.append(("p", f"Layer {li + 1}, from the δ of {source}:"))
        act, name = acts[li], _ACT_NAME[acts[li]] or "f"
        eqs = []
        for j in range(widths[li]):
            nxt = range(widths[li + 1])
            sym = " + ".join(f"L{li + 2}.N{k + 1}.w{j + 1}·δ(L{li + 2}.N{k + 1})" for k in nxt)
            w_above, d_above = ex.weights[li + 1], ex.deltas[li + 1]
            num = " + ".join(f"{doc.given(w_above[k][j])}·{f(d_above[k])}" for k in nxt)
            eqs.append((sym, f"{num} = {n(ex.back_sums[li][j])}"))
            neuron = f"L{li + 1}.N{j + 1}"
            d_sym, d_num = doc.derivative(li, j)
            if act != "linear":
                eqs.append((f"{name}′({neuron}.z)", f"{d_sym} = {d_num} = {n(ex.df[li][j])}"))
                delta = f"{f(ex.df[li][j])}·{f(ex.back_sums[li][j])} = {n(ex.deltas[li][j])}"
                eqs.append((f"δ({neuron})", delta))
            else:
                eqs.append((f"δ({neuron})", n(ex.deltas[li][j])))
        blocks.append(("eq", eqs))
    rows = [["parameter", "δⱼ·xᵢ" if one else "δⱼ·hᵢ", "layer by layer", "sum over paths"]]
    for li in reversed(range(depth - 1)):

        def over_paths(v: float, listed: bool = ex.listed[li]) -> str:
            return n(v) if listed else "not written out"

        for j, row in enumerate(ex.weights[li]):
            delta = f(ex.deltas[li][j])
            for i in range(len(row)):
                rows.append(
                    [
                        f"L{li + 1}.N{j + 1}.w{i + 1}",
                        f"{delta}·{doc.inp_value(li, i)}",
                        n(ex.rec_w[li][j][i]),
                        over_paths(ex.grads_w[li][j][i]),
                    ]
                )
            rows.append(
                [
                    f"L{li + 1}.N{j + 1}.b",
                    f"{delta}·1",
                    n(ex.deltas[li][j]),
                    over_paths(ex.grads_b[li][j]),
                ]
            )
    blocks.append(("table", rows))
    same = (
        "The two columns agree: the recursion is the sum over paths with the common factors "
        "taken out."
        if ex.round_intermediate is None
        else "The two columns agree up to the rounding of the intermediate numbers: the "
        "recursion is the sum over paths with the common factors taken out."
    )
    blocks.append(("p", same))
    blocks.append(("p", _cost_text(doc)))
    return blocks


def _computed(layer: int, what: str, acts: Sequence[str]) -> str:
    """What a neuron of ``layer`` multiplies for, as counted by `_costs`, as a formula."""
    return {
        "sum": "Σₖ wₖⱼ·δₖ",
        "derivative": f"{_ACT_NAME[acts[layer]]}′",
        "delta": "δⱼ",
        "inputs": "δⱼ·xᵢ" if layer == 0 else "δⱼ·hᵢ",
    }[what]


def _cost_text(doc: _Doc) -> str:
    """Why the recursion is cheaper, with the count of multiplications by both ways."""
    depth, acts, sizes = doc.depth, doc.acts, doc.ex.sizes
    one = depth == 2
    outputs_delta, rows = _costs(sizes, acts)
    over_paths = sum(r.over_paths for r in rows)
    by_layer = outputs_delta + sum(r.by_layer for r in rows)
    n_params = sum(r.neurons * (r.nin + 1) for r in rows)
    rows = rows[::-1]  # from the top down, as the sections go
    paths = "; ".join(
        ("" if one else f"layer {r.layer + 1}: ")
        + f"{r.paths} {'path' if r.paths == 1 else 'paths'} per parameter, {r.per_weight} "
        f"multiplications per path of a weight, {r.per_bias} for a bias"
        for r in rows
    )
    per_neuron = "; ".join(
        ("per hidden neuron" if one else f"per neuron of layer {r.layer + 1}")
        + ": "
        + ", ".join(f"{count} for {_computed(r.layer, what, acts)}" for count, what in r.per_neuron)
        for r in rows
    )
    outputs_note = f"{outputs_delta} for the outputs' δₖ, then " if outputs_delta else ""
    whose = "layer's" if one else "layers'"
    reuse = (
        f"all {sizes[0] + 1} of its parameters"
        if one
        else "all of its parameters (and its δⱼ again by the layer below)"
    )
    return (
        f"Why the recursion is cheaper: Σₖ wₖⱼ·δₖ is computed once per hidden neuron and "
        f"reused for {reuse}, where the sum over paths recomputes the product along every path "
        f"for every weight. Counting multiplications for the hidden {whose} {n_params} "
        f"gradients: {over_paths} over the paths ({paths}), {by_layer} layer by layer "
        f"({outputs_note}{per_neuron}). With more layers the number of paths multiplies "
        "by every layer's width, while the recursion's work grows only with the number of "
        "weights: this is why backward() goes layer by layer."
    )


def _update_blocks(doc: _Doc) -> list[Block]:
    """Sections 7 and 8: the update, then training on."""
    ex, n = doc.ex, doc.n
    blocks: list[Block] = [doc.heading(f"The update with a = {doc.lr}")]
    blocks.append(
        ("p", "Gradient descent moves every weight against its gradient: W' = W − a·∂E/∂W.")
    )
    grads = _shown_grads(ex)
    rows = [["parameter", "W", "∂E/∂W", "W'"]]
    old = _param_values(ex)
    for label in ex.labels:
        given = doc.given(old[label]).strip("()")
        rows.append([label, given, n(grads[label]), n(ex.new_params[label])])
    blocks.append(("table", rows))

    blocks.append(doc.heading("Training on"))
    blocks.append(("p", _training_text(doc)))
    return blocks


def _training_text(doc: _Doc) -> str:
    """What repeating the step does: the error after the update and after the further steps,
    whether it goes down, and when it reaches the target, or overflows (N19: a learning
    constant far too big makes E grow until it is no longer a number)."""
    ex, n = doc.ex, doc.n
    repeat = "Repeating the step (forward, backward, update; exact arithmetic)"
    if not math.isfinite(ex.error):
        return (
            f"{repeat} cannot help here: E is not a finite number at the start (E = "
            f"{n(ex.error)}), since the lesson's numbers are too big for floating point, so "
            "training stops after the first update."
        )
    over = ex.overflow_step
    after = (
        f"After the update above the error is E = {n(ex.error_after_update)} (from {n(ex.error)})"
        if ex.round_intermediate is None
        else f"After the update above, the forward pass by hand from the printed W' (rounded as "
        f"above) gives E = {n(ex.error_after_update)} (from {n(ex.error)})"
    )
    if ex.round_intermediate is not None:
        repeat = (
            "Repeating the step (forward, backward, update; exact arithmetic from the lesson's "
            "start, as the engine computes it: the engine never rounds)"
        )
    if ex.target_step is not None:
        reached = (
            f"The error first falls to E ≤ {ex.target:g} after {_plural(ex.target_step, 'update')}."
        )
    elif over is not None:
        reached = f"It never falls to E ≤ {ex.target:g}."
    else:
        reached = f"The error does not fall to {ex.target:g} within {ex.max_steps:,} " + (
            "update." if ex.max_steps == 1 else "updates."
        )
    if over == 1:
        return (
            f"{repeat} does not bring the error down: with a = {doc.lr} the first step "
            f"overshoots so far that E = {n(ex.error_after_update)} (from {n(ex.error)}), too "
            f"big for a float, and training stops there. {reached}"
        )
    if over is not None and over <= ex.steps + 1:  # it overflowed within the steps shown
        return (
            f"{repeat} does not bring the error down: with a = {doc.lr} every step "
            f"overshoots further than the last. {after}; after {_plural(over, 'update')} it "
            f"is E = {n(ex.error_after_steps)}, too big for a float, and training stops there. "
            f"{reached}"
        )
    later = (
        f" It overflows after {_plural(over, 'update')}, and training stops there."
        if over is not None
        else ""
    )
    steps = _plural(ex.steps, "further step")
    last = _small(ex.error_after_steps, doc.precision)
    if ex.error_after_steps < ex.error:
        verdict = f"{repeat} drives the error down."
    else:
        verdict = f"{repeat} does not bring the error down with a = {doc.lr}."
    return f"{verdict} {after}; after {steps} it is E = {last}. {reached}{later}"


def _learning_constant_blocks(doc: _Doc) -> list[Block]:
    """The last section: how big a may be. λ_max of the Hessian of E at the start (exact, not
    rounded: the threshold is a property of E, not of a hand calculation) and 2/λ_max."""
    ex, n = doc.ex, doc.n
    size, lam = curvature_at_start(ex.lesson)
    blocks: list[Block] = [doc.heading("How big may a be?")]
    blocks.append(
        (
            "p",
            "The lesson warns that if this constant is too big, the result will not be "
            "convergent. How big is too "
            "big? Near the start, E is close to a quadratic bowl. The Hessian of E is the "
            f"{size} by {size} table of second derivatives ∂²E/∂wᵢ∂wⱼ at the starting weights "
            "(gradients of gradients); its largest eigenvalue λ_max is the curvature of the "
            "steepest direction. One gradient step multiplies the distance to the bottom along "
            "that direction by (1 − a·λ_max), so on such a bowl gradient descent converges "
            "only when a < 2/λ_max.",
        )
    )
    if not math.isfinite(lam):
        blocks.append(
            (
                "p",
                f"Here λ_max = {n(lam)}: E or its curvature is not a finite number at the start, "
                "so there is no threshold to compare a with.",
            )
        )
    elif lam > 1e-12 and (by_hand := _threshold_by_hand(doc, lam)):
        blocks.append(("p", by_hand))
    elif lam > 1e-12:
        threshold = 2.0 / lam
        factor = "by a factor too large for a float"  # 1e308 ÷ 0.5 is no number
        if ex.lr < threshold:
            times = threshold / ex.lr
            verdict = (
                f"The lesson's a = {doc.lr} is below it ({times:.1f} times smaller): safe, "
                "and slower than it needs to be."
                if math.isfinite(times)
                else f"The lesson's a = {doc.lr} is below it ({factor}): safe, and far "
                "slower than it needs to be."
            )
        else:
            times = ex.lr / threshold
            verdict = (
                f"The lesson's a = {doc.lr} is above it ({times:.2f} times as big): near the "
                "start the steps overshoot."
                if math.isfinite(times)
                else f"The lesson's a = {doc.lr} is far above it ({factor}): the steps "
                "overshoot from the start."
            )
            if ex.overflow_step == 1:
                verdict += " The first step overshoots so far that E overflows (see Training on)."
            elif ex.overflow_step is not None:
                verdict += (
                    " Here each one overshoots further than the last, and E overflows after "
                    f"{_plural(ex.overflow_step, 'update')} (see Training on)."
                )
        blocks.append(("p", f"Here λ_max = {n(lam)}, so 2/λ_max = {n(threshold)}. {verdict}"))
    else:
        blocks.append(
            (
                "p",
                f"Here λ_max = {n(lam)}: E does not curve up in any direction at the start, so "
                "there is no threshold to compare a with.",
            )
        )
    blocks.append(
        (
            "p",
            "E is not a quadratic, so this threshold is local: after some steps the weights are "
            "elsewhere, where E curves differently. What gradient descent actually does with "
            "constants below and above 2/λ_max (a table, a plot and a Newton step) is in the "
            "teaching page's lesson of the learning constant (the curvature module).",
        )
    )
    return blocks


def _threshold_by_hand(doc: _Doc, lam: float) -> str:
    """With rounding: 2/λ_max from the printed λ_max, and how far a is from it from the
    printed numbers ("" when a printed number is 0 and cannot be divided by, or not
    rounding)."""
    ex, r = doc.ex, doc.ex.round_intermediate
    if r is None or not math.isfinite(ex.lr) or lam >= HUGE:
        return ""
    lam_shown = rounded(exact(lam), r)
    if lam_shown == 0:
        return ""
    threshold = rounded(2 / lam_shown, r)
    rate = exact(ex.lr)
    if threshold == 0:
        return ""
    n = doc.n
    lam_text, thr_text = n(as_float(lam_shown)), n(as_float(threshold))
    text = f"Here λ_max = {lam_text}, so 2/λ_max = 2/{lam_text} = {thr_text}."
    if rate < threshold:
        times = as_float(rounded(threshold / rate, r))
        verdict = (
            f"The lesson's a = {doc.lr} is below it ({thr_text}/{doc.lr} = {n(times)} times "
            "smaller): safe, and slower than it needs to be."
        )
    else:
        times = as_float(rounded(rate / threshold, r))
        verdict = (
            f"The lesson's a = {doc.lr} is above it ({doc.lr}/{thr_text} = {n(times)} times as "
            "big): near the start the steps overshoot."
        )
        if ex.overflow_step == 1:
            verdict += " The first step overshoots so far that E overflows (see Training on)."
        elif ex.overflow_step is not None:
            verdict += (
                " Here each one overshoots further than the last, and E overflows after "
                f"{_plural(ex.overflow_step, 'update')} (see Training on)."
            )
    return f"{text} {verdict}"


def _small(v: float, precision: int) -> str:
    """Errors near 0 in scientific notation, so that they do not print as 0.0000 (and huge
    ones, so that they do not print as 70 digits)."""
    return (
        format_number(v, precision)
        if 10.0 ** (-precision) <= abs(v) < HUGE or not math.isfinite(v)
        else minus(f"{v:.{precision}e}")
    )
