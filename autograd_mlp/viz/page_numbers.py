"""The numbers of a page of a graph: everything its script shows, formatted in Python.

`page_numbers` writes the JSON data of the page (`autograd_mlp.viz.page_kit`) for one graph:
for every node its name, data and (final) gradient, the steps of the forward and backward
passes with their captions, each gradient's partial sums as they arrive ("1 of 2 contributions
received"), each arrow's contribution ``local × upstream = contribution``, the chain rule of
every node and the chain-rule paths of every leaf (for "ask a node"), and the practise mode's
checks. `snapshot` is one state of the graph (data, grad, local derivatives), as the train
panel shows one per step. The page's script does no arithmetic on these numbers, so nothing on
the page can disagree with Python.

Practise mode checks answers without putting them on the page: each gradient is stored as the
32-bit FNV-1a hashes of a salt and the accepted answers (the expected value rounded to the
page's precision, as the worksheet asks: `practise_decimals`; and its two neighbours one unit
away), so a student who types the number rounded to that many decimals, within one unit of the
last decimal, is marked right (with a decimal point or a decimal comma).
With ``practise_only`` the data holds no gradient at all: a worksheet. This is a check, not a
lock: a student with the developer tools can always try numbers until one matches.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..engine import CONST, INPUT, PARAM, Value, role
from ..engine.paths import gradients
from .dot import DEFAULT_MAX_PATHS, format_number
from .dot import op_symbol as dot_op_symbol
from .naming import NodeNames, arithmetic, as_operand, local_rule, root_symbol
from .naming import formula as formula_of

__all__ = [
    "Edge",
    "edges_of",
    "final_grads",
    "snapshot",
    "check_decimal",
    "with_separator",
    "page_numbers",
    "page_names",
    "fnv1a",
    "PRACTISE_DECIMALS",
    "practise_decimals",
]

PRACTISE_DECIMALS = 4  # answers are checked to the page's precision: 4 decimals by default


def practise_decimals(precision: int) -> int:
    """The decimals an answer is asked for on a page shown to ``precision`` decimals: the same,
    as a worksheet of that precision asks (`autograd_mlp.teach.exercise`: "Write each answer
    to 4 decimals", one unit in the last decimal of tolerance), at least 1 and at most 12."""
    return min(max(precision, 1), 12)


def fnv1a(text: str) -> str:
    """The 32-bit FNV-1a hash of ``text``'s UTF-8 bytes, as 8 hex digits (page.js has the same
    function): enough to check an answer without storing it, not a cryptographic hash."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


# From 10²¹ on, a number written with fixed decimals has more digits than it has precision,
# and JavaScript writes it in exponent form anyway: there an answer is its first digits.
_EXPONENT_FROM = 1e21


def _answer_text(x: float, decimals: int) -> str:
    """``x`` as the page writes a typed answer before checking it (page.js ``answerText``): to
    ``decimals`` decimals (no minus on zero); from 10²¹ on with ``decimals`` decimals of its
    first digit, as JavaScript's ``toExponential`` writes it (``5.185e+21``); ``inf``,
    ``-inf`` and ``nan`` as they are."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if abs(x) >= _EXPONENT_FROM:
        digits, exponent = f"{x:.{decimals}e}".split("e")
        return f"{digits}e{int(exponent):+d}"  # e+21, as JavaScript writes it (Python: e+21)
    text = f"{x:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0.0 else text


def _accepted(x: float, decimals: int) -> list[str]:
    """The answers marked right: ``x`` as `_answer_text` writes it, and its two neighbours one
    unit away in the last decimal written."""
    if not math.isfinite(x):
        return [_answer_text(x, decimals)]
    unit = Decimal(1).scaleb(-decimals)
    if abs(x) >= _EXPONENT_FROM:
        digits, exponent = f"{x:.{decimals}e}".split("e")
        near = [float(f"{Decimal(digits) + k * unit}e{exponent}") for k in (-1, 0, 1)]
    else:
        centre = round(x, decimals)
        near = [centre + k * float(unit) for k in (-1, 0, 1)]
    return sorted({_answer_text(v, decimals) for v in near})


def _kind(v: Value, root: Value) -> str:
    if v is root:
        return "root"
    if v._prev:
        return "inner"
    return {PARAM: "parameter", INPUT: "input", CONST: "constant"}.get(role(v), "leaf")


def _factor(text: str) -> str:
    return f"({text})" if text.startswith("−") else text


def op_symbol(op: str) -> str:
    """An op as the page names it: as the drawings do (``×``, ``σ``, ``x²``), but the natural
    logarithm ``ln``, as the names write it (``ln(b)``)."""
    return "ln" if op == "log" else dot_op_symbol(op)


def page_names(names: NodeNames, order: list[Value]) -> list[str]:
    """What the page calls each node: the label, else the naming of explain (x·w, op#3); a root
    labelled with its expression's text (``sigmoid(a*b + a) * log(b)``, as ``render`` labels
    it) is called f (`autograd_mlp.viz.naming.root_symbol`), so that its derivatives read
    ∂f/∂b. The data keeps a label exactly as it is (the script writes it as text); the drawing
    prints it as a picture can (`autograd_mlp.viz.measure.visible`)."""
    shown = [names(v).text for v in order]
    short = root_symbol(order[-1], set(shown))
    if short is not None:
        shown[-1] = short
    return shown


@dataclass
class Edge:
    """An arrow into an operation, by topological indexes: ``child`` → op of ``out``, as
    argument ``slot``."""

    child: int  # topological index of the input Value
    out: int  # topological index of the Value the operation makes
    slot: int


def edges_of(order: list[Value], index: dict[Value, int]) -> list[Edge]:
    """Every arrow into an operation, in the order draw_graph declares them."""
    return [
        Edge(index[child], index[v], k) for v in order if v._prev for k, child in enumerate(v._prev)
    ]


def final_grads(order: list[Value]) -> list[float]:
    """∂root/∂v for every v, by the recurrence backward() runs, as the frames and worksheets
    get them (`autograd_mlp.engine.paths.gradients`: no .grad read or changed)."""
    found = gradients(order)
    return [found[v] for v in order]


DECIMAL_SEPARATORS = (".", ",")


def check_decimal(decimal: object) -> str:
    """``decimal``, the decimal separator of a page's numbers: "." or ","."""
    if decimal not in DECIMAL_SEPARATORS:
        raise ValueError(f"decimal must be '.' or ',' (the decimal separator), got {decimal!r:.40}")
    return str(decimal)


def with_separator(text: str, decimal: str) -> str:
    """A number's text (``"-0.2121"``, ``"8.708e−05"``) written with the decimal separator
    ``decimal``; only ever applied to the text of one number, never to a name (L1.N1.w1)."""
    return text.replace(".", decimal) if decimal != "." else text


def snapshot(order: list[Value], precision: int, decimal: str = ".") -> dict[str, Any]:
    """The numbers of one state of the graph, formatted (with the decimal separator
    ``decimal``): data, grad, local derivatives."""
    grads = final_grads(order)

    def fmt(x: float) -> str:
        return with_separator(format_number(x, precision), decimal)

    return {
        "d": [fmt(v.data) for v in order],
        "g": [fmt(g) for g in grads],
        "l": [fmt(local) for v in order for local in v._local],
    }


_COUNT_CAP = 10**15 + 1  # path counts stop here (they can grow as 2ⁿ): "more than 10¹⁵"


@dataclass
class _PathTree:
    """The chain-rule paths from each node up to the root, shared where they share their top.

    ``count[i]``: how many paths lead from node i to the root (at most `_COUNT_CAP`). Every node
    with at most ``limit`` paths has each of them as an entry of one tree rooted at the root:
    entry t is the path of entry ``parent[t]`` extended down by the arrow ``edge[t]`` (an index
    into the page's edges) to node ``node[t]``; ``product[t]`` is the product of the local
    derivatives along it, multiplied from the root down as `autograd_mlp.engine.paths.paths`
    does. ``listed[i]`` are node i's entries in the order of `paths` (from the root down, each
    node's first input first); empty when i has more than ``limit`` paths. A path is stored as
    one entry, not as the list of its nodes, so the page stays linear in the size of the graph
    (a chain's leaves have paths as long as the chain)."""

    count: list[int]
    parent: list[int]
    edge: list[int]
    node: list[int]
    product: list[float]
    listed: list[list[int]]


def _path_tree(
    order: list[Value], edges: list[Edge], into: list[list[int]], limit: int = DEFAULT_MAX_PATHS
) -> _PathTree:
    n = len(order)
    count = [0] * n
    count[n - 1] = 1
    for i in reversed(range(n)):  # a node's users come after it in the order: counted already
        for k in into[i]:
            child = edges[k].child
            count[child] = min(count[child] + count[i], _COUNT_CAP)
    tree = _PathTree(count, [-1], [-1], [n - 1], [1.0], [[] for _ in range(n)])
    entries: list[list[int]] = [[] for _ in range(n)]  # every node's entries, as made
    entries[n - 1] = [0]
    children: list[list[int]] = [[]]
    for i in reversed(range(n)):
        if count[i] > limit:
            continue
        v = order[i]
        for t in entries[i]:
            for k in into[i]:  # in argument order
                child = edges[k].child
                if count[child] > limit:
                    continue
                tree.parent.append(t)
                tree.edge.append(k)
                tree.node.append(child)
                tree.product.append(tree.product[t] * v._local[edges[k].slot])
                children.append([])
                children[t].append(len(tree.parent) - 1)
                entries[child].append(len(tree.parent) - 1)
    # Depth-first from the root, first argument first: the order in which `paths` lists them.
    rank = [0] * len(tree.parent)
    stack = [0]
    seen = 0
    while stack:
        t = stack.pop()
        rank[t] = seen
        seen += 1
        stack.extend(reversed(children[t]))
    for i in range(n):
        if count[i] <= limit:
            tree.listed[i] = sorted(entries[i], key=rank.__getitem__)
    return tree


def page_numbers(
    root: Value,
    order: list[Value],
    edges: list[Edge],
    names: list[str],
    precision: int,
    practise_only: bool,
    symbols: NodeNames | None = None,
    decimal: str = ".",
) -> dict[str, Any]:
    """The page's JSON data for the graph of ``root`` (``order`` its topological order,
    ``edges`` its arrows, ``names`` what the page calls each node, ``symbols`` the naming they
    came from): nodes, arrows, steps, chain rules, paths, practise checks (see the module
    docstring), every number written with the decimal separator ``decimal``. Linear in the
    size of the graph."""

    if symbols is None:
        symbols = NodeNames(root)

    decimal = check_decimal(decimal)

    def fmt(x: float) -> str:
        return with_separator(format_number(x, precision), decimal)

    final = final_grads(order)
    uses: list[list[int]] = [[] for _ in order]
    into: list[list[int]] = [[] for _ in order]
    for k, e in enumerate(edges):
        uses[e.child].append(k)
        into[e.out].append(k)
    # a name in a derivative, ∂f/∂(a·b): parenthesised unless it is one thing
    dn = [as_operand(name) for name in names]
    droot = dn[-1]

    # -- the steps: forward (leaves, then each op in topological order), then backward --------
    ops = [i for i, v in enumerate(order) if v._prev]
    # the forward pass starts where its inputs are: the first network input, else the first leaf
    leaves = [i for i, v in enumerate(order) if not v._prev]
    inputs = [i for i in leaves if role(order[i]) == INPUT]
    start = (inputs or leaves or [len(order) - 1])[0]
    steps: list[dict[str, Any]] = [
        {
            "phase": "forward",
            "node": None,
            "focus": start,
            "caption": "forward pass: the leaves hold their values",
        }
    ]
    data_step = [0] * len(order)

    def computed(i: int) -> str:
        """``name = formula = arithmetic = result``: the formula in the inputs' names (left
        out when it is the name), then their numbers as shown, then the result, each ``=``
        after the first on a line of its own (the panel shows them one under the other)."""
        v = order[i]
        how = formula_of(symbols, v)
        same = how in (names[i], f"({names[i]})") or names[i] == f"({how})"
        first = names[i] if same else f"{names[i]} = {how}"
        numbers = arithmetic(v, [fmt(u.data) for u in v._prev])
        return "\n= ".join([first, numbers, fmt(v.data)])

    for i in ops:
        data_step[i] = len(steps)
        steps.append({"phase": "forward", "node": i, "caption": f"forward: {computed(i)}"})
    seed_step = len(steps)
    steps.append(
        {
            "phase": "backward",
            "node": len(order) - 1,
            "caption": f"backward pass: seed ∂{droot}/∂{droot} = 1",
        }
    )
    grad = [0.0] * len(order)
    grad[-1] = 1.0
    received = [0] * len(order)
    needed = [len(u) for u in uses]
    events: list[list[list[Any]]] = [[] for _ in order]
    events[-1].append([seed_step, fmt(1.0), 0, 0, ""])
    contrib: dict[int, str] = {}
    card: dict[int, list[str]] = {}
    edge_step: dict[int, int] = {}
    for i in reversed(ops):
        s = len(steps)
        v = order[i]
        steps.append(
            {
                "phase": "backward",
                "node": i,
                "caption": (
                    f"backward through {names[i]} ({op_symbol(v._op)}): each input gets "
                    f"local × ∂{droot}/∂{dn[i]} = local × {fmt(grad[i])}"
                ),
            }
        )
        for k in into[i]:
            e = edges[k]
            local = v._local[e.slot]
            part = local * grad[i]
            grad[e.child] += part
            received[e.child] += 1
            # on the arrow, two short lines; in the side panel, one
            card[k] = [f"{_factor(fmt(local))} × {_factor(fmt(grad[i]))}", f"= {fmt(part)}"]
            contrib[k] = " ".join(card[k])
            edge_step[k] = s
            more = needed[e.child] - received[e.child]
            note = f"+{more} more to come" if more else ""
            events[e.child].append(
                [s, fmt(grad[e.child]), received[e.child], needed[e.child], note]
            )

    # -- ask a node -------------------------------------------------------------------------
    def chain_rule(i: int) -> dict[str, Any]:
        v = order[i]
        if v is root:
            return {"formula": f"∂{droot}/∂{droot} = 1 (the seed)", "terms": [], "sum": fmt(1.0)}
        terms = []
        for k in uses[i]:
            e = edges[k]
            out = order[e.out]
            local = out._local[e.slot]
            terms.append(
                {
                    "edge": k,
                    "text": (
                        f"∂{dn[e.out]}/∂{dn[i]} · ∂{droot}/∂{dn[e.out]} = "
                        f"{_factor(fmt(local))} × {_factor(fmt(final[e.out]))} = "
                        f"{fmt(local * final[e.out])}"
                    ),
                }
            )
        formula = f"∂{droot}/∂{dn[i]} = " + " + ".join(
            f"∂{dn[edges[k].out]}/∂{dn[i]} · ∂{droot}/∂{dn[edges[k].out]}" for k in uses[i]
        )
        return {"formula": formula, "terms": terms, "sum": fmt(final[i])}

    tree = _path_tree(order, edges, into)

    def leaf_paths(i: int) -> dict[str, Any]:
        n = tree.count[i]
        listed = tree.listed[i]
        if not listed:  # too many to list: their sum is the gradient
            big = f"{_COUNT_CAP - 1:,}".replace(",", "," if decimal == "." else "\u202f")
            more = {"countText": f"more than {big}"} if n >= _COUNT_CAP else {}
            return {"count": n, **more, "paths": [], "sum": fmt(final[i]), "grad": fmt(final[i])}
        products = [tree.product[t] for t in listed]
        rows = [{"product": fmt(x), "at": t} for x, t in zip(products, listed)]
        return {"count": n, "paths": rows, "sum": fmt(math.fsum(products)), "grad": fmt(final[i])}

    def op_rule(i: int) -> dict[str, Any]:
        v = order[i]
        rules = []
        for k in into[i]:
            e = edges[k]
            rule = local_rule(symbols, v, e.slot).text
            rules.append(
                {
                    "edge": k,
                    "text": f"∂{dn[i]}/∂{dn[e.child]} = {rule} = {fmt(v._local[e.slot])}",
                }
            )
        return {
            "symbol": op_symbol(v._op),
            "value": computed(i),
            "rules": rules,
        }

    # -- practise: backward order, root excluded (its gradient is the seed) --------------------
    # The salt only keeps one page's hashes from being looked up in another's; it comes from
    # the graph's own numbers, so the same graph gives the same page, byte for byte.
    seen = json.dumps([[v.data, list(v._local)] for v in order], allow_nan=True)
    salt = hashlib.sha256(seen.encode("utf-8")).hexdigest()[:8]
    decimals = practise_decimals(precision)
    unit = with_separator(f"{10.0**-decimals:.{decimals}f}", decimal)
    huge = with_separator(f"{5.184705528587072e21:.{decimals}e}".replace("e+", "e"), decimal)
    practise = []
    for i in reversed(range(len(order) - 1)):
        arrows = [
            f"{names[i]} → {op_symbol(order[edges[k].out]._op)} → {names[edges[k].out]}"
            for k in uses[i]
        ]
        practise.append(
            {
                "node": i,
                "hashes": [fnv1a(salt + a) for a in _accepted(final[i], decimals)],
                "hint": (
                    f"∂{droot}/∂{dn[i]} is the sum over the {len(arrows)} arrow"
                    f"{'s' if len(arrows) != 1 else ''} leaving {names[i]}: "
                    + "; ".join(arrows)
                    + ". For each: the number on the arrow × the gradient of the box it leads to."
                ),
                "edges": uses[i],
            }
        )

    nodes = []
    for i, v in enumerate(order):
        node: dict[str, Any] = {
            "name": names[i],
            "dname": dn[i],
            "kind": _kind(v, root),
            "data": fmt(v.data),
            "dataStep": data_step[i],
            "uses": uses[i],
            "into": into[i],
            "isOp": bool(v._prev),
        }
        if not practise_only:
            node["grad"] = fmt(final[i])
            node["g"] = events[i]
            node["ask"] = chain_rule(i)
            if not v._prev and v is not root:
                node["paths"] = leaf_paths(i)
        if v._prev:
            node["op"] = op_rule(i)
        nodes.append(node)
    edge_rows = []
    for k, e in enumerate(edges):
        row: dict[str, Any] = {
            "id": f"e{e.out}_{e.slot}",
            "from": e.child,
            "to": e.out,
            "local": fmt(order[e.out]._local[e.slot]),
        }
        if not practise_only:
            row["step"] = edge_step.get(k, -1)
            row["contrib"] = contrib.get(k, "")
            row["card"] = card.get(k, [])
        edge_rows.append(row)
    if practise_only:  # a worksheet: no gradient, no backward step that would show one
        steps = steps[:seed_step]
    return {
        "precision": precision,
        "root": len(order) - 1,
        # each listed path is an entry of this tree: [the entry it extends towards the root, the
        # arrow it adds] (the root's own entry is [-1, -1]); the script walks it to draw a path
        "pathTree": [] if practise_only else [[p, k] for p, k in zip(tree.parent, tree.edge)],
        "nodes": nodes,
        "edges": edge_rows,
        "steps": steps,
        "seedStep": seed_step,
        "practiseOnly": practise_only,
        "decimal": decimal,
        "practise": {
            "salt": salt,
            "decimals": decimals,
            "tolerance": (
                f"write each answer to {decimals} decimals, as on the worksheet; one unit off "
                f"in the last decimal (±{unit}) still counts as right. From 10²¹ on, type its "
                f"first digits ({huge}); inf, −inf and nan as they are"
            ),
            "items": practise,
        },
    }
