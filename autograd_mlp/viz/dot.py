"""Turn a graph of `Value`s into Graphviz DOT text: the gradient graph a student reads.

What is drawn, and why:

* every Value is a box with three cells, ``label | data | grad`` -- the forward number and the
  backward number side by side, as on a blackboard;
* every operation is its own small circle between its inputs and its output, so one Value can
  feed several operations and one operation can take the same Value twice (``a + a`` draws two
  arrows into the ``+``: the chain rule counts both);
* every arrow into an operation carries the *local derivative* ∂out/∂in that the engine stored
  at forward time. The gradient of a leaf is the sum, over every path from the leaf to the root,
  of the product of the numbers along the path (Goodfellow, Bengio & Courville, *Deep Learning*,
  2016, section 6.5.2). ``highlight=leaf`` draws those paths and prints that sum next to
  ``leaf.grad``.

Node ids are ``v<i>`` for the i-th Value of `topological_order` and ``op<i>`` for the operation
that produced it, so the same graph gives byte-identical DOT in every process (``id()`` and
hashing never leak into the text). Labels are HTML-like labels (``label=<...>``) whose text goes
through `html.escape` and has its backslashes doubled: a label such as ``"a|b{c}<d>\\"`` or
``C:\\New`` is printed exactly as given (Graphviz would read ``\\N`` as the node's name) and cannot
end a string, a record field or the graph. ``node_attrs`` values are always quoted strings, never
HTML-like labels, so a caller's ``<...>`` cannot add nodes either.

Building a graph needs no Graphviz program: ``draw_graph(root).source`` is plain text. Turning it
into an image is `autograd_mlp.viz.render`'s job.
"""

from __future__ import annotations

import html
import math
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from ..engine import CONST, INPUT, PARAM, Value, topological_order
from ..engine import role as leaf_role
from .paths import DEFAULT_MAX_PATHS, PathSummary, path_summary
from .render import Digraph
from .render.errors import brief as _brief

__all__ = [
    "dot_graph",
    "DotGraph",
    "node_ids",
    "GraphTooLarge",
    "PathSummary",
    "DEFAULT_MAX_NODES",
    "DEFAULT_MAX_PATHS",
    "format_number",
    "op_symbol",
]

# A graph with more Values than this is drawn with each neuron collapsed into one node. Graphviz
# lays out ~500 boxes in a few seconds; a one-step moons graph (~10⁴ Values) would take minutes
# and produce a picture nobody can read.
DEFAULT_MAX_NODES = 500

NodeText = Callable[[Value], "dict[str, str] | None"]
NodeAttrs = Callable[[Value], "dict[str, str] | None"]
EdgeText = Callable[[Value, Value, int], "str | None"]

# ------------------------------------------------------------------------------------------------
# Style: pastel fills with near-black text (contrast ratio well above 7:1), a darker border of the
# same hue, so the roles stay distinguishable in greyscale print by border weight and legend.
# ------------------------------------------------------------------------------------------------

FONT = "Helvetica"
TEXT = "#1a1a1a"
GRAD_TEXT = "#9c1c1c"  # gradients in dark red: the backward pass, at a glance
EDGE = "#5f6b7a"
EDGE_TEXT = "#174a8b"  # local derivatives in dark blue
HIGHLIGHT = "#d0312d"


@dataclass(frozen=True)
class _Role:
    name: str  # shown in the legend
    fill: str
    border: str


ROLES: dict[str, _Role] = {
    "input": _Role("input", "#dff3df", "#2e7d32"),
    "param": _Role("parameter", "#dce9fa", "#1f5fa8"),
    "leaf": _Role("leaf", "#ece2f8", "#6a3fa0"),
    "const": _Role("constant", "#eeeeee", "#8a8a8a"),
    "inner": _Role("intermediate", "#ffffff", "#6b6b6b"),
    "neuron": _Role("neuron (collapsed)", "#dff1f1", "#00796b"),
    "root": _Role("output (root)", "#ffe6a8", "#b26a00"),
}

# Op names as a student writes them on paper.
_OP_SYMBOLS = {
    "+": "+",
    "-": "−",
    "*": "×",
    "/": "÷",
    "neg": "−x",
    "**": "xʸ",
    "exp": "exp",
    "log": "log",
    "tanh": "tanh",
    "sigmoid": "σ",
    "relu": "relu",
    "Σwx+b": "Σwx+b",
}
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")

_NEURON_LABEL = re.compile(r"^L(\d+)\.N(\d+)\.")
_ATTR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NODE_TEXT_KEYS = ("label", "data", "grad")


def op_symbol(op: str) -> str:
    """The printed name of an op: ``*`` → ``×``, ``**2`` → ``x²``, ``**0.5`` → ``x^0.5``."""
    if op in _OP_SYMBOLS:
        return _OP_SYMBOLS[op]
    if op.startswith("**"):
        exponent = op[2:]
        if re.fullmatch(r"-?\d+", exponent):
            return "x" + exponent.translate(_SUPERSCRIPT)
        return "x^" + exponent
    return op


DECIMALS = (".", ",")  # the decimal separators a number may be printed with


def format_number(x: float, precision: int = 4, decimal: str = ".") -> str:
    """``precision`` decimals for everyday magnitudes, scientific notation for tiny or huge ones
    (so a gradient of 3e-7 does not print as a misleading 0.0000); ``decimal`` the separator
    (``","``: ``−0,2121``, as a lesson with a decimal comma prints it)."""
    if decimal == ",":
        return format_number(x, precision).replace(".", ",")
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "−inf"
    if x != 0.0 and (abs(x) < 10.0**-precision or abs(x) >= 1e6):
        text = f"{x:.{max(precision - 1, 1)}e}"
    else:
        text = f"{x:.{precision}f}"
        if float(text) == 0.0:
            text = text.lstrip("-")  # -0.0000 reads as a sign error
    return text.replace("-", "−")


# Characters no drawing can hold as they are: C0 controls (Graphviz rejects them in labels, XML
# forbids them) and U+FFFE/U+FFFF (not XML characters: Graphviz drops them). They are printed as
# the visible text \x00 / \ufffe instead. Tab is kept: Graphviz prints it as a space.
_VISIBLE = {c: f"\\x{c:02x}" for c in range(32) if c != 9} | {
    0xFFFE: "\\ufffe",
    0xFFFF: "\\uffff",
}
# Node attributes whose text Graphviz runs through its backslash escapes (\N = node name, ...)
# twice, not once: a literal backslash must be doubled twice to survive.
_TWICE_ESCAPED = frozenset(("tooltip", "edgetooltip", "labeltooltip", "headtooltip", "tailtooltip"))
_SHOWN = 60  # characters of a caller's text an error message quotes


def _shorten(s: str) -> str:
    return s if len(s) <= _SHOWN else s[:_SHOWN] + f"… ({len(s):,} characters)"


def _check_text(s: str, what: str) -> None:
    """A lone surrogate (from a bad decode, ``"\\ud800"``) cannot be written to a UTF-8 DOT file:
    refuse it here, naming the text, rather than as a UnicodeEncodeError at render time."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = ord(s[exc.start])
        raise ValueError(
            f"{what} {_shorten(s)!r} holds a lone surrogate U+{bad:04X} (at index {exc.start}), "
            f"which cannot be written as UTF-8; pass text that is valid Unicode"
        ) from None


def _text(s: str, what: str = "text") -> str:
    """User text for an HTML-like label, printed exactly as given: markup characters become
    entities, and backslashes are doubled, because Graphviz expands ``\\N`` (node name), ``\\G``
    (graph name), ``\\L`` and the like even inside HTML-like labels (after it has decoded
    entities, so ``&#92;`` would not protect them). ``what`` names the text in errors."""
    _check_text(s, what)
    return html.escape(s.translate(_VISIBLE), quote=True).replace("\\", "\\\\")


def _attr_value(s: str, key: str = "", what: str = "text") -> str:
    """A DOT double-quoted string whose text Graphviz shows as given. Inside the quotes only
    ``\\"`` is DOT syntax, but Graphviz then reads entities (``&amp;``) and backslash escapes in
    the text (once, twice for tooltips): ``&`` is written as ``&amp;``, backslashes are doubled
    that many times, and a newline is written as the escape ``\\n`` (a line break)."""
    _check_text(s, what)
    s = s.replace("&", "&amp;")
    lines = [line.translate(_VISIBLE) for line in s.split("\n")]
    passes = 2 if key in _TWICE_ESCAPED else 1
    for _ in range(passes):
        lines = [line.replace("\\", "\\\\") for line in lines]
    # one escape either way: Graphviz reads a tooltip's \n before its second pass
    newline = "\\n"
    return '"' + newline.join(lines).replace('"', '\\"') + '"'


def _attrs(attrs: Mapping[str, str]) -> str:
    """``[key="value" ...]``. Only ``label`` may be an HTML-like ``<...>`` value, and only one
    this module built (``node_attrs`` cannot set ``label``): any other value is quoted, so a
    caller's ``<...>`` text is printed as text and cannot add nodes to the drawing."""
    parts = []
    for key, value in attrs.items():
        if key == "label" and value.startswith("<") and value.endswith(">"):
            parts.append(f"{key}={value}")  # an HTML-like label, built and escaped here
        else:
            parts.append(f"{key}={_attr_value(value, key, f'node_attrs[{_brief(key)}]')}")
    return "[" + " ".join(parts) + "]"


class GraphTooLarge(ValueError):
    """``draw_graph`` refuses a graph with more than ``max_nodes`` Values to draw.

    ``values`` is the graph's size, ``collapsed`` the number of nodes left after collapsing each
    neuron (None when nothing was collapsed) and ``needed`` the smallest ``max_nodes`` that draws
    it. The message speaks Python (``max_nodes=``); the command line words its own from these.
    """

    def __init__(
        self, values: int, collapsed: int | None, max_nodes: int, *, can_collapse: bool = False
    ) -> None:
        self.values = values
        self.collapsed = collapsed
        self.max_nodes = max_nodes
        self.can_collapse = can_collapse
        self.needed = values if collapsed is None else collapsed
        super().__init__("draw_graph: " + self.describe())

    def describe(
        self,
        option: str = "max_nodes=",
        smaller: str = "a smaller part of it (e.g. the loss of one sample)",
    ) -> str:
        """The message in the words of the interface it is shown in: ``option`` is how a limit
        is passed there (``"max_nodes="``, ``"--max-nodes "``), ``smaller`` what to draw instead.
        """
        if self.can_collapse:
            return (
                f"the graph has {self.values} Values, more than {option}{self.max_nodes}; "
                f"pass collapse=None to collapse neurons, or {option}{self.needed} to draw it all."
            )
        note = (
            f" ({self.collapsed} after collapsing each neuron into one node)"
            if self.collapsed is not None
            else ""
        )
        return (
            f"the graph has {self.values} Values{note}, more than {option}{self.max_nodes}. "
            f"Draw {smaller}, or pass {option}{self.needed} or more to draw it anyway "
            f"(layout may take minutes)."
        )


class DotGraph(Digraph):
    """A gradient graph as DOT text: a ``graphviz.Digraph`` rendered through the seam to
    Graphviz (`autograd_mlp.viz.render.Digraph`) that knows the Value it draws.
    `dot_graph` makes one; ``draw_graph`` returns its subclass `autograd_mlp.viz.GradGraph`."""

    # Set by dot_graph; documented at draw_graph.
    root_id: str = ""
    root_value: Value | None = None  # the Value drawn: to_html and save(..., "x.html") use it
    value_count: int = 0
    node_count: int = 0
    collapsed: bool = False
    path_summary: PathSummary | None = None


G = TypeVar("G", bound=DotGraph)


# ------------------------------------------------------------------------------------------------
# Stable ids
# ------------------------------------------------------------------------------------------------


def node_ids(root: Value) -> dict[Value, str]:
    """The DOT id of every Value in ``root``'s graph: ``v<i>``, i its topological index.

    The op node that produced Value ``v<i>`` has id ``op<i>``. Ids depend only on the graph's
    structure, so hooks and tests can refer to nodes across processes.
    """
    return {v: f"v{i}" for i, v in enumerate(topological_order(root))}


def _role(v: Value, root: Value) -> str:
    if v is root:
        return "root"
    if v._prev:
        return "inner"
    return {PARAM: "param", INPUT: "input", CONST: "const"}.get(leaf_role(v), "leaf")


# ------------------------------------------------------------------------------------------------
# Collapsing neurons (for graphs too big to draw Value by Value)
# ------------------------------------------------------------------------------------------------


@dataclass
class _Neuron:
    name: str  # "L1.N2"
    z: Value
    out: Value  # the activation output, or z itself for a linear neuron
    activation: str


def _find_neurons(order: list[Value]) -> dict[Value, _Neuron]:
    """Each neuron *call* (one weighted sum labelled ``L.N.z`` and its activation ``L.N.a``),
    keyed by its output Value. A neuron evaluated on 100 samples gives 100 entries."""
    by_z: dict[Value, _Neuron] = {}
    for v in order:
        if v._op == "Σwx+b" and v._prev and v.label.endswith(".z"):
            name = v.label[:-2]
            by_z[v] = _Neuron(name, v, v, "linear")
    for v in order:
        if len(v._prev) == 1 and v._prev[0] in by_z:
            n = by_z[v._prev[0]]
            if v.label == n.name + ".a":
                n.out = v
                n.activation = v._op
    return {n.out: n for n in by_z.values()}


# ------------------------------------------------------------------------------------------------
# draw_graph
# ------------------------------------------------------------------------------------------------


def dot_graph(
    root: Value,
    *,
    rankdir: Literal["LR", "TB", "RL", "BT"] = "LR",
    precision: int = 4,
    show_grad: bool = True,
    show_local: bool | Literal["auto"] = "auto",
    cluster: Literal["neuron", "layer"] | None = None,
    highlight: Value | str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_paths: int = DEFAULT_MAX_PATHS,
    collapse: bool | None = None,
    legend: bool = True,
    title: str | None = None,
    node_text: NodeText | None = None,
    node_attrs: NodeAttrs | None = None,
    edge_text: EdgeText | None = None,
    decimal: str = ".",
    cls: type[G],
) -> G:
    """``root``'s gradient graph as a ``cls`` (a `DotGraph`): the work of ``draw_graph``, whose
    docstring (`autograd_mlp.viz.draw.draw_graph`) explains every option. The page of a graph
    drawn top to bottom uses it too, without the methods of the graph a user gets."""
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_graph expects a Value as root, got {type(root).__name__}: {_brief(root)}"
        )
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR' or 'TB' (or 'RL', 'BT'), got {_brief(rankdir)}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(f"precision must be an int from 0 to 17, got {_brief(precision)}")
    if cluster not in ("neuron", "layer", None):
        raise ValueError(f"cluster must be 'neuron', 'layer' or None, got {_brief(cluster)}")
    for name, limit in (("max_nodes", max_nodes), ("max_paths", max_paths)):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"{name} must be a positive int, got {_brief(limit)}")
    if decimal not in DECIMALS:
        raise ValueError(f"decimal must be '.' or ',', got {_brief(decimal)}")
    if show_local not in (True, False, "auto"):
        raise ValueError(f"show_local must be True, False or 'auto', got {_brief(show_local)}")
    if collapse not in (True, False, None):
        raise ValueError(f"collapse must be True, False or None, got {_brief(collapse)}")
    if title is not None:
        if not isinstance(title, str):
            raise TypeError(f"title must be a str or None, got {type(title).__name__}")
        _check_text(title, "title")
    for hook_name, hook in (
        ("node_text", node_text),
        ("node_attrs", node_attrs),
        ("edge_text", edge_text),
    ):
        if hook is not None and not callable(hook):
            raise TypeError(f"{hook_name} must be a function or None, got {_brief(hook)}")

    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    leaf = _resolve_highlight(highlight, order, index)

    # Decide whether to collapse neurons, and refuse graphs that stay too big.
    neurons: dict[Value, _Neuron] = {}
    hidden: set[Value] = set()
    if collapse or (collapse is None and len(order) > max_nodes):
        neurons = _find_neurons(order)
        hidden = _hidden_by_collapse(order, neurons)
    shown = len(order) - len(hidden)
    if shown > max_nodes and collapse is not False:
        raise GraphTooLarge(len(order), shown if neurons else None, max_nodes)
    if collapse is False and len(order) > max_nodes:
        raise GraphTooLarge(len(order), None, max_nodes, can_collapse=True)
    if leaf is not None and leaf in hidden:
        raise ValueError(
            f"draw_graph: highlight={_brief(leaf.label or 'that Value')} is inside a collapsed "
            f"neuron; "
            f"pass collapse=False and max_nodes={len(order)} to draw every Value."
        )

    summary: PathSummary | None = None
    on_path: dict[Value, int] = {}
    if leaf is not None:
        summary, on_path = path_summary(order, root, leaf, max_paths)

    b = _Builder(
        root=root,
        index=index,
        precision=precision,
        show_grad=show_grad,
        show_local=show_local,
        cluster=cluster,
        rankdir=rankdir,
        on_path=on_path,
        neurons=neurons,
        hidden=hidden,
        node_text=node_text,
        node_attrs=node_attrs,
        edge_text=edge_text,
        decimal=decimal,
    )
    for v in order:
        if v not in hidden:
            b.add_value(v)
    body = b.finish()

    graph_attr = {
        "rankdir": rankdir,
        "fontname": FONT,
        "bgcolor": "white",
        "nodesep": "0.25",
        "ranksep": "0.35",
        "pad": "0.2",
    }
    if b.has_clusters:
        # Keep the order in which the nodes are declared (see _Builder.finish): Graphviz's
        # crossing minimisation would otherwise shuffle neurons and weights, which all cross
        # equally (every input feeds every neuron), into an arbitrary order.
        graph_attr["mclimit"] = "0.01"
    graph = cls(
        name="gradient_graph",
        graph_attr=graph_attr,
        node_attr={"fontname": FONT, "fontsize": "12", "fontcolor": TEXT},
        edge_attr={"fontname": FONT, "fontsize": "10", "color": EDGE, "arrowsize": "0.7"},
    )
    graph.body.extend(body)
    caption = (
        _caption(
            title,
            b.roles_seen,
            summary,
            precision,
            b.arrow_note(),
            root.label or "root",
            b.nonfinite,
            decimal,
        )
        if legend
        else ""
    )
    if not legend and title:
        caption = f"<<B>{_text(title, 'title')}</B>>"
    if caption:
        graph.body.append(f"\tlabel={caption}\n")
        graph.body.append('\tlabelloc="b"\n\tlabeljust="l"\n')
    graph.root_id = f"v{index[root]}"
    graph.root_value = root
    graph.value_count = len(order)
    graph.node_count = shown
    graph.collapsed = bool(neurons)
    graph.path_summary = summary
    return graph


def _resolve_highlight(
    highlight: Value | str | None, order: list[Value], index: dict[Value, int]
) -> Value | None:
    if highlight is None:
        return None
    if isinstance(highlight, str):
        matches = [v for v in order if v.label == highlight]
        if len(matches) != 1:
            found = "no Value" if not matches else f"{len(matches)} Values"
            raise ValueError(
                f"highlight={_brief(highlight)}: {found} in the graph has that label; pass the "
                f"Value itself or a label that names exactly one Value"
            )
        return matches[0]
    if not isinstance(highlight, Value):
        raise TypeError(
            f"highlight must be a Value, a label or None, got {type(highlight).__name__}"
        )
    if highlight not in index:
        raise ValueError(
            f"highlight={_brief(highlight)} is not part of the graph of the root being drawn"
        )
    return highlight


def _hidden_by_collapse(order: list[Value], neurons: dict[Value, _Neuron]) -> set[Value]:
    """Values not drawn when neurons are collapsed: each neuron's z (when it has an activation)
    and the parameters and constants that only feed weighted sums of collapsed neurons."""
    hidden: set[Value] = set()
    zs = {n.z for n in neurons.values()}
    for n in neurons.values():
        if n.out is not n.z:
            hidden.add(n.z)
    feeds_other: set[Value] = set()
    for v in order:
        if v in zs:
            continue
        feeds_other.update(v._prev)
    for z in zs:
        for i, p in enumerate(z._prev):
            is_weight_or_bias = i % 2 == 0  # interleaved (w1, x1, ..., b): even = w or b
            if (
                not p._prev
                and (is_weight_or_bias or leaf_role(p) == CONST)
                and p not in feeds_other
            ):
                hidden.add(p)
    return hidden


class _Builder:
    """Accumulates DOT lines: node definitions grouped by cluster, then edges."""

    def __init__(
        self,
        *,
        root: Value,
        index: dict[Value, int],
        precision: int,
        show_grad: bool,
        show_local: bool | str,
        cluster: str | None,
        rankdir: str,
        on_path: dict[Value, int],
        neurons: dict[Value, _Neuron],
        hidden: set[Value],
        node_text: NodeText | None,
        node_attrs: NodeAttrs | None,
        edge_text: EdgeText | None,
        decimal: str = ".",
    ) -> None:
        self.root = root
        self.decimal = decimal
        self.index = index
        self.precision = precision
        self.show_grad = show_grad
        self.show_local = show_local
        self.cluster = cluster
        self.rankdir = rankdir
        self.on_path = on_path
        self.neurons = neurons
        self.hidden = hidden
        self.node_text = node_text
        self.node_attrs = node_attrs
        self.edge_text = edge_text
        self.groups: dict[str, list[str]] = {}  # cluster key -> node lines ("" = no cluster)
        self.group_titles: dict[str, str] = {}
        self.group_of: dict[Value, str] = {}
        self.inputs: list[str] = []  # network inputs outside the clusters, declared first
        self.unlabelled_inputs = 0  # arrows left without a number by show_local="auto"
        self.edges: list[str] = []
        self.roles_seen: dict[str, None] = {}
        self.nonfinite: dict[str, None] = {}  # "inf", "nan": printed somewhere in the drawing

    def fmt(self, x: float) -> str:
        return format_number(x, self.precision, self.decimal)

    def note_numbers(self, numbers: Iterable[float]) -> None:
        """Remember whether the drawing prints an inf or a nan (the legend then says what they
        mean): a student who meets "nan" on a gradient should not have to guess."""
        for x in numbers:
            if math.isnan(x):
                self.nonfinite["nan"] = None
            elif math.isinf(x):
                self.nonfinite["inf"] = None

    # -- nodes ----------------------------------------------------------------------------------

    def _group(self, v: Value, neuron: _Neuron | None) -> str:
        if self.cluster is None:
            return ""
        label = neuron.name + "." if neuron is not None else v.label
        m = _NEURON_LABEL.match(label)
        if m is None:
            return ""
        layer, unit = m.group(1), m.group(2)
        if self.cluster == "layer":
            key = f"cluster_L{layer}"
            self.group_titles[key] = f"layer {layer}"
        else:
            key = f"cluster_L{layer}_N{unit}"
            self.group_titles[key] = f"layer {layer} · neuron {unit}"
        return key

    def add_value(self, v: Value) -> None:
        i = self.index[v]
        neuron = self.neurons.get(v)
        role = "neuron" if neuron is not None and v is not self.root else _role(v, self.root)
        self.roles_seen[role] = None
        style = ROLES[role]

        if neuron is not None:
            label = f"{neuron.name} · {op_symbol(neuron.activation)}"
        elif leaf_role(v) == CONST and not v._prev and not v.label:
            label = "const"
        else:
            label = v.label
        fields = {"label": label, "data": self.fmt(v.data), "grad": self.fmt(v.grad)}
        override = self.node_text(v) if self.node_text is not None else None
        if override is not None:
            _check_overrides(override)
            fields.update(override)
        numbers = [("data", v.data)] + ([("grad", v.grad)] if self.show_grad else [])
        self.note_numbers(x for key, x in numbers if override is None or key not in override)

        highlighted = v in self.on_path
        border = HIGHLIGHT if highlighted else style.border
        cells = []
        if fields["label"]:
            cells.append(f"<TD><B>{_text(fields['label'], 'label')}</B></TD>")
        cells.append(f"<TD>data {_text(fields['data'], 'node_text data')}</TD>")
        if self.show_grad:
            grad = _text(fields["grad"], "node_text grad")
            cells.append(f'<TD><FONT COLOR="{GRAD_TEXT}">grad {grad}</FONT></TD>')
        table = (
            f'<<TABLE BORDER="{3 if highlighted else 1}" CELLBORDER="0" CELLSPACING="0" '
            f'CELLPADDING="4" COLUMNS="*" STYLE="rounded" COLOR="{border}" '
            f'BGCOLOR="{style.fill}"><TR>{"".join(cells)}</TR></TABLE>>'
        )
        attrs: dict[str, str] = {"shape": "plain", "label": table}
        if self.node_attrs is not None:
            extra = self.node_attrs(v)
            if extra is not None:
                attrs.update(_check_attrs(extra))
        group = self._group(v, neuron)
        self.group_of[v] = group
        line = f"\tv{i} {_attrs(attrs)}\n"
        if self.cluster is not None and not group and role == "input":
            self.inputs.append(line)
        else:
            self.groups.setdefault(group, []).append(line)

        if neuron is not None:
            self._add_neuron_edges(v, neuron)
        elif v._prev:
            self._add_op(v, group)

    def _add_op(self, v: Value, group: str) -> None:
        i = self.index[v]
        highlighted = v in self.on_path
        op_attrs = {
            "shape": "circle" if len(op_symbol(v._op)) <= 2 else "ellipse",
            "label": f"<{_text(op_symbol(v._op))}>",
            "style": "filled",
            "fillcolor": "#f4f4f4",
            "color": HIGHLIGHT if highlighted else "#8a8a8a",
            "penwidth": "2.5" if highlighted else "1",
            "margin": "0.04",
            "width": "0.4",
            "height": "0.4",
            "fontsize": "13",
        }
        self.groups.setdefault(group, []).append(f"\top{i} {_attrs(op_attrs)}\n")
        out_edge = {"color": HIGHLIGHT, "penwidth": "2.5"} if highlighted else {}
        self.edges.append(f"\top{i} -> v{i}{' ' + _attrs(out_edge) if out_edge else ''}\n")
        for k, (child, local) in enumerate(zip(v._prev, v._local)):
            self._add_edge(child, v, k, local, f"op{i}", self._weight_on_input(v, k, group))

    def _add_neuron_edges(self, v: Value, neuron: _Neuron) -> None:
        # The collapsed node stands for out = f(z), z = Σ wᵢxᵢ + b, so the number on the arrow
        # from xᵢ is ∂out/∂xᵢ = f'(z)·wᵢ (chain rule through the hidden z).
        act_local = neuron.out._local[0] if neuron.out is not neuron.z else 1.0
        z = neuron.z
        for k, (child, local) in enumerate(zip(z._prev, z._local)):
            if child in self.hidden:
                continue
            self._add_edge(child, v, k, act_local * local, f"v{self.index[v]}")

    def _weight_on_input(self, v: Value, k: int, group: str) -> bool:
        """True for the arrow that brings neuron ``v = Σwx+b`` its input k from outside the
        neuron's box: its local derivative is the weight just before it in the arguments
        (interleaved w1, x1, w2, x2, ..., b), drawn inside the box."""
        if not group or v._op != "Σwx+b" or k % 2 == 0 or k == len(v._prev) - 1:
            return False
        return self.group_of.get(v._prev[k]) != group and self.group_of.get(v._prev[k - 1]) == group

    def _add_edge(
        self,
        child: Value,
        out: Value,
        k: int,
        local: float,
        target: str,
        weight_on_input: bool = False,
    ) -> None:
        text: str | None = None
        if self.edge_text is not None:
            text = self.edge_text(child, out, k)
            if text is not None and not isinstance(text, str):
                raise TypeError(f"edge_text must return a str or None, got {type(text).__name__}")
        highlighted = child in self.on_path
        if text is None and self.show_local:
            if self.show_local == "auto" and weight_on_input and not highlighted:
                self.unlabelled_inputs += 1
            else:
                text = self.fmt(local)
                self.note_numbers((local,))
        attrs: dict[str, str] = {}
        colour = HIGHLIGHT if highlighted else EDGE_TEXT
        if text:
            attrs["label"] = f'<<FONT COLOR="{colour}">{_text(text, "edge_text")}</FONT>>'
        if highlighted:
            attrs.update(color=HIGHLIGHT, penwidth="2.5")
        suffix = " " + _attrs(attrs) if attrs else ""
        self.edges.append(f"\tv{self.index[child]} -> {target}{suffix}\n")

    @property
    def has_clusters(self) -> bool:
        return any(self.groups)

    def arrow_note(self) -> str:
        if not self.show_local:
            return ""
        note = "numbers on arrows: local derivative ∂out/∂in"
        if self.unlabelled_inputs:
            note += "; unnumbered arrows into Σwx+b: ∂z/∂xᵢ = wᵢ, the weight in the box"
        return note

    def finish(self) -> list[str]:
        """The node lines, then the edges. With clusters the declaration order is the drawing
        order (draw_graph turns Graphviz's reordering off): the network's inputs first, so the
        layout starts from them and meets the neurons of layer 1 in order, then the clusters in
        layer/neuron order. Inside a cluster, Graphviz stacks a left-to-right drawing's nodes
        bottom-up in declaration order (its flip of LR to top-down happens only at the top
        level), so there the nodes are declared in reverse: w1 ends up on top, b at the bottom.
        """
        lines: list[str] = list(self.inputs)
        for key in sorted((k for k in self.groups if k), key=_cluster_order):
            lines.append(f"\tsubgraph {key} {{\n")
            lines.append(
                f'\t\tlabel=<<B>{_text(self.group_titles[key])}</B>> style="rounded,filled" '
                f'fillcolor="#fafafa" color="#9e9e9e" fontsize="12" fontcolor="#333333" '
                # top left, above the weights: the arrows that come from another layer climb
                # past a neuron's box in the column of its Σwx+b, where a centred title sat
                f'labeljust="l"\n'
            )
            members = self.groups[key]
            if self.rankdir in ("LR", "RL"):
                members = members[::-1]
            lines.extend("\t" + line for line in members)
            lines.append("\t}\n")
        lines.extend(self.groups.get("", []))
        lines.extend(self.edges)
        return lines


def _cluster_order(key: str) -> tuple[int, ...]:
    """cluster_L2_N10 → (2, 10): numeric order, so neuron 10 comes after neuron 9."""
    return tuple(int(n) for n in re.findall(r"\d+", key))


def _check_overrides(override: object) -> None:
    if not isinstance(override, dict):
        raise TypeError(f"node_text must return a dict or None, got {_brief(override)}")
    for key, value in override.items():
        if key not in _NODE_TEXT_KEYS:
            raise ValueError(
                f"node_text returned the key {_brief(key)}; expected keys among {_NODE_TEXT_KEYS}"
            )
        if not isinstance(value, str):
            raise TypeError(f"node_text[{_brief(key)}] must be a str, got {_brief(value)}")


def _check_attrs(extra: object) -> dict[str, str]:
    if not isinstance(extra, dict):
        raise TypeError(f"node_attrs must return a dict or None, got {_brief(extra)}")
    checked: dict[str, str] = {}
    for key, value in extra.items():
        if not isinstance(key, str) or not _ATTR_NAME.match(key) or key == "label":
            raise ValueError(
                f"node_attrs returned the attribute name {_brief(key)}; expected a Graphviz "
                f"attribute name (letters, digits, _), not 'label' (use node_text for the text)"
            )
        if not isinstance(value, str):
            raise TypeError(f"node_attrs[{_brief(key)}] must be a str, got {_brief(value)}")
        checked[key] = value
    return checked


# ------------------------------------------------------------------------------------------------
# The legend (colour key, and the chain-rule paths when highlighting)
# ------------------------------------------------------------------------------------------------


def _path_name(v: Value, precision: int) -> str:
    if v.label:
        return v.label
    if not v._prev:
        return format_number(v.data, precision)
    return f"({op_symbol(v._op)})"


# A legend row lists a path of at most this many Values in full; a longer one (a 10⁵-step chain)
# shows its first and last few and says how many are left out, so the legend stays one line
# (and under Graphviz's limit of 16,384 characters per HTML-like string).
_PATH_SHOWN = 12
_PATH_ENDS = 5

NONFINITE_NOTE = {
    "inf": "inf: a number too large for a float (beyond ±1.8·10³⁰⁸), e.g. exp(1000)",
    "nan": (
        "nan: “not a number”, from an undefined step such as inf − inf, 0 × inf or log(−1); "
        "anything computed from a nan is nan"
    ),
}


def _elided(items: list[str], sep: str, what: str) -> str:
    if len(items) <= _PATH_SHOWN:
        return sep.join(items)
    left_out = len(items) - 2 * _PATH_ENDS
    middle = f"… {left_out:,} {what} left out …"
    return sep.join([*items[:_PATH_ENDS], middle, *items[-_PATH_ENDS:]])


def _caption(
    title: str | None,
    roles_seen: dict[str, None],
    summary: PathSummary | None,
    precision: int,
    arrow_note: str,
    root_name: str,
    nonfinite: dict[str, None],
    decimal: str = ".",
) -> str:
    rows: list[str] = []
    if title:
        rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="3"><B>{_text(title, "title")}</B></TD></TR>')
    key_cells = "".join(
        f'<TD BGCOLOR="{ROLES[r].fill}" COLOR="{ROLES[r].border}" BORDER="1">'
        f"{_text(ROLES[r].name)}</TD>"
        for r in ROLES
        if r in roles_seen
    )
    rows.append(
        '<TR><TD ALIGN="LEFT" COLSPAN="3">'
        '<TABLE ALIGN="LEFT" BORDER="0" CELLSPACING="4" CELLPADDING="3">'
        f"<TR><TD>key:</TD>{key_cells}"
        f'<TD><FONT COLOR="{EDGE_TEXT}">{_text(arrow_note)}</FONT></TD></TR></TABLE></TD></TR>'
    )
    if summary is not None:

        def fmt(x: float) -> str:
            if not math.isfinite(x):
                nonfinite["nan" if math.isnan(x) else "inf"] = None
            return format_number(x, precision, decimal)

        leaf_name = summary.leaf.label or "leaf"
        rows.append(
            f'<TR><TD ALIGN="LEFT" COLSPAN="3"><FONT COLOR="{HIGHLIGHT}"><B>'
            f"chain rule: ∂{_text(root_name, 'label')}/∂{_text(leaf_name, 'label')} = sum over "
            f"the {summary.count_text} highlighted path{'s' if summary.count != 1 else ''} of the "
            f"product of local derivatives</B></FONT></TD></TR>"
        )
        for k, (values, factors, product) in enumerate(summary.paths, start=1):
            names = _elided([_path_name(v, precision) for v in values], " → ", "Values")
            product_text = _elided([f"({fmt(f)})" for f in factors], " × ", "factors") or "1"
            rows.append(
                f'<TR><TD ALIGN="LEFT">path {k}</TD><TD ALIGN="LEFT">{_text(names, "label")}</TD>'
                f'<TD ALIGN="LEFT">{_text(product_text)} = <B>{_text(fmt(product))}</B></TD></TR>'
            )
        if summary.count > len(summary.paths):
            rows.append(
                f'<TR><TD ALIGN="LEFT" COLSPAN="3">{summary.count_text} paths: too many to list '
                f"(more than the limit); their sum is computed by dynamic programming</TD></TR>"
            )
        verdict = "equal ✓" if summary.matches else "differ: call root.backward() once first"
        rows.append(
            f'<TR><TD ALIGN="LEFT"><B>sum</B></TD><TD ALIGN="LEFT" COLSPAN="2">'
            f"<B>{_text(fmt(summary.total))}</B>   |   "
            f"{_text(leaf_name, 'label')}.grad = <B>{_text(fmt(summary.grad))}</B>   ({verdict})"
            "</TD></TR>"
        )
    notes = [NONFINITE_NOTE[word] for word in ("inf", "nan") if word in nonfinite]
    if notes:
        # wrapped, so that a long note does not widen the legend's columns
        lines = [line for note in notes for line in textwrap.wrap(note, 72)]
        text = '<BR ALIGN="LEFT"/>'.join(_text(line) for line in lines)
        rows.append(f'<TR><TD ALIGN="LEFT" COLSPAN="3">{text}<BR ALIGN="LEFT"/></TD></TR>')
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2">'
        + "".join(rows)
        + "</TABLE>>"
    )
