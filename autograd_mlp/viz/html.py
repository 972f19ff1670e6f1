"""The lesson in the browser: one self-contained HTML page to step through backprop.

``to_html(root)`` returns one HTML document (an `HtmlPage`, a ``str``) that opens from disk with
no network and no server. It holds three things, kept apart:

* **the drawing**: the gradient graph as an SVG, laid out once here in Python by Graphviz
  (the renderer chain of `autograd_mlp.viz.render`) and embedded inline -- on the lesson's
  shared layout (``autograd_mlp.viz.layout``, the one the lesson graph, the backward frames and
  the worksheet are drawn on) where the package has it, else as ``draw_graph`` draws it --
  with element ids taken
  from the graph's structure, the ids of the lesson's shared layout (``v3`` is the Value of
  topological index 3, ``op3`` the operation that made it, ``e3_1`` the arrow bringing its
  argument 1, ``e3_out`` the arrow from ``op3`` to ``v3``, ``v3-data``/``v3-grad`` its
  numbers, ``e3_1-label`` an arrow's number), so the page, the static lesson graph and the
  frames agree on every node;
* **the numbers**: one JSON block (``<script type="application/json">``) serialised from the
  engine's stored data, local derivatives and gradients, every number already formatted as the
  page shows it: partial sums, contributions ``local × upstream = contribution``, the
  "k of n contributions received" counts, chain-rule path products, training steps;
* **the behaviour**: a short plain script (``page.js``, read as package data) that only looks
  numbers up and shows them. It does no arithmetic on the lesson's numbers, so nothing on the
  page can disagree with Python. (It does compute geometry for zoom and pan, and in practise mode
  it rounds the student's answer to compare it with the stored check, see below.)

Why SVG from Python rather than a Graphviz WASM build inlined in the page: the layout must be the
one the static pictures use (the same ids, the same positions), Graphviz already runs here, and
a WASM Graphviz would add about 1.5 MB to every page and a second layout engine whose version
could drift from the one that drew the frames. The lesson page is about 0.7 MB with 500
training steps (0.17 MB for the 63 it needs to reach E ≤ 1e-4); `MAX_PAGE_BYTES` (2 MB) is checked
by the tests.

Practise mode checks answers without putting them on the page: each gradient is stored as the
32-bit FNV-1a hashes of a salt and the accepted answers (the expected value rounded to
`PRACTISE_DECIMALS` decimals and its two neighbours one unit away), so a student who types the
number rounded to that many decimals, within one unit of the last decimal, is marked right.
``practise_only=True`` makes a worksheet page whose data holds no gradient at all. This is a
check, not a lock: a student with the developer tools can always try numbers until one matches.

Labels are untrusted text: in the SVG they are XML-escaped by Graphviz and by the serialiser, in
the JSON ``<``, ``>``, ``&``, U+2028 and U+2029 are written as ``\\uXXXX`` escapes (so
``</script>`` or ``<!--`` in a label cannot end the block), and the script writes text with
``textContent`` only, never as HTML.
"""

from __future__ import annotations

import hashlib
import html
import importlib
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import check_folder, write_atomic
from ..engine import CONST, INPUT, PARAM, Value, role, topological_order
from . import files as _files_module
from .dot import (
    DEFAULT_MAX_NODES,
    DEFAULT_MAX_PATHS,
    GradGraph,
    GraphTooLarge,
    draw_graph,
    format_number,
    op_symbol,
)
from .render import DEFAULT_TIMEOUT, render_bytes

if TYPE_CHECKING:
    from ..teach.lesson import Lesson

__all__ = [
    "HtmlPage",
    "to_html",
    "lesson_page",
    "save_html",
    "MAX_PAGE_BYTES",
    "MAX_TRAIN_STEPS",
    "PRACTISE_DECIMALS",
    "fnv1a",
]

MAX_PAGE_BYTES = 2_000_000  # the lesson page must stay small enough to mail and to load at once
MAX_TRAIN_STEPS = 500  # precomputed gradient-descent steps in the train panel
PRACTISE_DECIMALS = 3  # answers are checked to this many decimals (one unit of tolerance)
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
NBSP = "\u00a0"


# ------------------------------------------------------------------------------------------------
# The page object
# ------------------------------------------------------------------------------------------------


class HtmlPage(str):
    """An HTML document (a ``str``) that displays itself inline in Jupyter and saves itself.

    In a notebook it is shown in an ``<iframe srcdoc=...>``: the page's script and styles stay
    inside the frame, and an exported notebook shows a working page with no kernel.
    """

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(str(self), quote=True)}" '
            'style="width:100%;height:720px;border:1px solid #ccc" '
            'title="autograd_mlp lesson page" sandbox="allow-scripts" allow="fullscreen"></iframe>'
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` (atomically) and return the path."""
        return save_html(self, path)


def save_html(page: object, path: str | os.PathLike[str]) -> Path:
    """Write ``page`` to an .html file: an `HtmlPage`/str is written as it is, a `Value` or a
    `GradGraph` from ``draw_graph`` becomes ``to_html(...)``, a `Lesson` its `lesson_page`,
    anything with a ``to_html()``
    method is asked for its page. Atomic: a temporary file, then a rename."""
    from ..teach.lesson import Lesson

    target = Path(path)
    check_folder(target)
    if isinstance(page, str):
        text = str(page)
    elif isinstance(page, Lesson):
        text = lesson_page(page)
    elif isinstance(page, (Value, GradGraph)):
        text = to_html(page)
    elif callable(getattr(page, "to_html", None)):
        text = page.to_html()  # type: ignore[attr-defined]
        if not isinstance(text, str):
            raise TypeError(f"{type(page).__name__}.to_html() must return a str, got {text!r}")
    else:
        raise TypeError(
            f"cannot make an HTML page from {type(page).__name__}: expected a Value, a graph "
            f"from draw_graph, a Lesson, a page from to_html, or an object with a to_html() method"
        )
    write_atomic(target, text.encode("utf-8"))
    return target


# save(..., "x.html") and GradGraph.to_html in render, which cannot import this module back
_files_module._PageMaker.save = save_html


# ------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------


def fnv1a(text: str) -> str:
    """The 32-bit FNV-1a hash of ``text``'s UTF-8 bytes, as 8 hex digits (page.js has the same
    function): enough to check an answer without storing it, not a cryptographic hash."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def _answer_text(x: float, decimals: int) -> str:
    """``x`` to ``decimals`` decimals as the page rounds a typed answer (no minus on zero)."""
    text = f"{x:.{decimals}f}"
    return text.lstrip("-") if float(text) == 0.0 else text


def _accepted(x: float, decimals: int) -> list[str]:
    unit = 10.0**-decimals
    centre = round(x, decimals)
    return sorted({_answer_text(centre + k * unit, decimals) for k in (-1, 0, 1)})


def _json_for_script(data: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``
    (so ``</script>`` and ``<!--`` cannot appear) and no U+2028/U+2029 line separators."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char in ("<", ">", "&", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _asset(name: str) -> str:
    return resources.files("autograd_mlp.viz").joinpath(name).read_text(encoding="utf-8")


def _kind(v: Value, root: Value) -> str:
    if v is root:
        return "root"
    if v._prev:
        return "inner"
    return {PARAM: "parameter", INPUT: "input", CONST: "constant"}.get(role(v), "leaf")


def _factor(text: str) -> str:
    return f"({text})" if text.startswith("−") else text


# ------------------------------------------------------------------------------------------------
# The layout: draw_graph's SVG with stable ids (the adapter that the shared layout replaces)
# ------------------------------------------------------------------------------------------------


@dataclass
class _Edge:
    child: int  # topological index of the input Value
    out: int  # topological index of the Value the operation makes
    slot: int


def _edges_of(order: list[Value], index: dict[Value, int]) -> list[_Edge]:
    """Every arrow into an operation, in the order draw_graph declares them."""
    return [
        _Edge(index[child], index[v], k)
        for v in order
        if v._prev
        for k, child in enumerate(v._prev)
    ]


def _layout_svg(
    root: Value,
    order: list[Value],
    edges: list[_Edge],
    names: list[str],
    *,
    precision: int,
    rankdir: str,
    cluster: str | None,
    max_nodes: int,
    timeout: float | None,
    widths: tuple[int, int],
) -> str:
    """The graph drawn once by Graphviz, as inline SVG with the page's ids on every node, arrow
    and number the script changes. Every data and grad cell is laid out as wide as the widest
    number it will show (``widths``; a grad with room for a partial sum's "+…") and holds no
    number (the script writes them in): nothing moves while the backward pass fills them in or
    training changes them, and a practice page's SVG gives no answer away."""
    data_blank = "0" * widths[0]
    grad_blank = "0" * widths[1] + NBSP * 4

    def text(v: Value) -> dict[str, str]:
        return {"data": data_blank, "grad": grad_blank}

    graph = draw_graph(
        root,
        precision=precision,
        rankdir=rankdir,  # type: ignore[arg-type]
        cluster=cluster,  # type: ignore[arg-type]
        max_nodes=max_nodes,
        collapse=False,
        show_local=True,
        node_text=text,
    )
    svg = render_bytes(graph, "svg", timeout=timeout, quiet=True).decode("utf-8")
    return _stable_ids(svg, order, edges, names)


def _shared_layout() -> Any:
    """The lesson's shared layout module (`autograd_mlp.viz.layout`), or None where this
    version of the package does not have it (then draw_graph's Graphviz SVG is used)."""
    try:
        return importlib.import_module("autograd_mlp.viz.layout")
    except ImportError:
        return None


def _shared_svg(
    lay: Any,
    root: Value,
    order: list[Value],
    names: list[str],
    snapshots: list[dict[str, Any]],
    arrows: dict[str, list[str]],
    *,
    precision: int,
    lesson: Lesson | None,
    timeout: float | None,
) -> str:
    """The graph drawn on the shared layout (the one the lesson graph, the frames and the
    worksheet use): every box reserves room for the numbers this page will print in it, and
    every arrow that carries a number room for the longest text it will print (``arrows``, by
    edge id: its local derivatives and its ``local × upstream = contribution``), so that a
    contribution never covers a neighbouring box. The numbers themselves are left out (the
    script writes them in)."""
    reserve: dict[Value, dict[str, list[str]]] = {}
    for i, v in enumerate(order):
        reserve[v] = {
            "data": [f"data {snap['d'][i]}" for snap in snapshots],
            "grad": [f"grad {snap['g'][i]}" for snap in snapshots],
        }
    if lesson is not None:
        board = importlib.import_module("autograd_mlp.teach.lesson_layout")
        # the lesson's own graph (same structure, same ids): reserve by its Values
        theirs = board.lesson_layout(lesson, precision=precision, timeout=timeout)
        mine = dict(zip(topological_order(theirs.error), order))
        layout = board.lesson_layout(
            lesson,
            precision=precision,
            timeout=timeout,
            reserve={v: reserve[m] for v, m in mine.items()},
            edge_reserve=arrows,
        ).layout
    else:
        layout = lay.lay_out(
            root, precision=precision, reserve=reserve, edge_reserve=arrows, timeout=timeout
        )
    look = lay.default_look(layout)
    for nid, rows in look.text.items():
        rows["data"] = "data"
        rows["grad"] = "grad"
        if "note" in layout.nodes[nid].rows:
            rows["note"] = NBSP
    svg = lay.render_svg(layout, look)
    return _stable_ids(svg, order, [], names, titled=True)


def _stable_ids(
    svg: str, order: list[Value], edges: list[_Edge], names: list[str], *, titled: bool = False
) -> str:
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    tree = ET.fromstring(svg)  # comments and the DOCTYPE are dropped here
    ns = {"s": _SVG_NS}
    queues: dict[str, list[int]] = {}
    for k, e in enumerate(edges):
        queues.setdefault(f"v{e.child}->op{e.out}", []).append(k)
    if titled:  # the shared layout's SVG already has our ids: make its nodes ask-able
        for g in tree.iter(f"{{{_SVG_NS}}}g"):
            m = re.fullmatch(r"(v|op)(\d+)", g.get("id", ""))
            if m is None or "node" not in (g.get("class") or ""):
                continue
            i = int(m.group(2))
            g.set("tabindex", "0")
            g.set("role", "button")
            what = "Value" if m.group(1) == "v" else f"operation {op_symbol(order[i]._op)} of"
            g.set("aria-label", f"ask the {what} {names[i]}")
            tip = ET.Element(f"{{{_SVG_NS}}}title")
            tip.text = names[i]
            g.insert(0, tip)
    for g in [] if titled else tree.iter(f"{{{_SVG_NS}}}g"):
        cls = g.get("class")
        title = g.find("s:title", ns)
        if title is None or title.text is None or cls not in ("node", "edge"):
            continue
        name = title.text
        texts = g.findall("s:text", ns)
        if cls == "node":
            m = re.fullmatch(r"(v|op)(\d+)", name)
            if m is None:
                continue
            i = int(m.group(2))
            g.set("id", name)
            g.set("tabindex", "0")
            g.set("role", "button")
            if m.group(1) == "v":
                g.set("aria-label", f"ask the Value {names[i]}")
                title.text = names[i]
                if len(texts) >= 2:
                    texts[-2].set("id", f"v{i}-data")
                    texts[-1].set("id", f"v{i}-grad")
            else:
                g.set("aria-label", f"ask the operation {op_symbol(order[i]._op)} of {names[i]}")
                title.text = f"{op_symbol(order[i]._op)} → {names[i]}"
        else:
            m = re.fullmatch(r"op(\d+)->v(\d+)", name)
            if m is not None:
                g.set("id", f"e{m.group(1)}_out")
            elif queues.get(name):
                k = queues[name].pop(0)
                g.set("id", f"e{edges[k].out}_{edges[k].slot}")
                if texts:
                    texts[-1].set("id", f"e{edges[k].out}_{edges[k].slot}-label")
                    # draw_graph's 10 pt arrow numbers would be 15 px at the page's readable
                    # size; at the boxes' 12 pt they are 18 px, readable from the back
                    texts[-1].set("font-size", "12.00")
            title.text = ""
    for attr in ("width", "height"):
        tree.attrib.pop(attr, None)
    tree.set("id", "lesson-svg")
    tree.set("role", "img")
    tree.set("aria-label", "the gradient graph")
    return ET.tostring(tree, encoding="unicode")


def _final_grads(order: list[Value]) -> list[float]:
    """∂root/∂v for every v, by the recurrence backward() runs, as the frames and worksheets
    get them (`autograd_mlp.teach.paths.gradients`: no .grad read or changed)."""
    from ..engine.paths import gradients

    found = gradients(order)
    return [found[v] for v in order]


# ------------------------------------------------------------------------------------------------
# The numbers
# ------------------------------------------------------------------------------------------------


def _snapshot(order: list[Value], precision: int) -> dict[str, Any]:
    """The numbers of one state of the graph, formatted: data, grad, local derivatives."""
    grads = _final_grads(order)
    return {
        "d": [format_number(v.data, precision) for v in order],
        "g": [format_number(g, precision) for g in grads],
        "l": [format_number(local, precision) for v in order for local in v._local],
    }


def _numbers(
    root: Value,
    order: list[Value],
    edges: list[_Edge],
    names: list[str],
    precision: int,
    practise_only: bool,
) -> dict[str, Any]:
    from ..engine.paths import count_paths, path_sum, paths
    from .naming import NodeNames, local_rule

    def fmt(x: float) -> str:
        return format_number(x, precision)

    index = {v: i for i, v in enumerate(order)}
    final = _final_grads(order)
    uses: list[list[int]] = [[] for _ in order]
    into: list[list[int]] = [[] for _ in order]
    for k, e in enumerate(edges):
        uses[e.child].append(k)
        into[e.out].append(k)
    symbols = NodeNames(root)
    rname = names[-1]

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
    for i in ops:
        data_step[i] = len(steps)
        v = order[i]
        steps.append(
            {
                "phase": "forward",
                "node": i,
                "caption": f"forward: {names[i]} = {symbols(v).text} = {fmt(v.data)}",
            }
        )
    seed_step = len(steps)
    steps.append(
        {
            "phase": "backward",
            "node": len(order) - 1,
            "caption": f"backward pass: seed ∂{rname}/∂{rname} = 1",
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
                    f"local × ∂{rname}/∂{names[i]} = local × {fmt(grad[i])}"
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
            return {"formula": f"∂{rname}/∂{rname} = 1 (the seed)", "terms": [], "sum": fmt(1.0)}
        terms = []
        for k in uses[i]:
            e = edges[k]
            out = order[e.out]
            local = out._local[e.slot]
            terms.append(
                {
                    "edge": k,
                    "text": (
                        f"∂{names[e.out]}/∂{names[i]} × ∂{rname}/∂{names[e.out]} = "
                        f"{_factor(fmt(local))} × {_factor(fmt(final[e.out]))} = "
                        f"{fmt(local * final[e.out])}"
                    ),
                }
            )
        formula = f"∂{rname}/∂{names[i]} = " + " + ".join(
            f"∂{names[edges[k].out]}/∂{names[i]} · ∂{rname}/∂{names[edges[k].out]}" for k in uses[i]
        )
        return {"formula": formula, "terms": terms, "sum": fmt(final[i])}

    edge_at = {(e.child, e.out, e.slot): k for k, e in enumerate(edges)}

    def leaf_paths(i: int) -> dict[str, Any]:
        leaf = order[i]
        n = count_paths(root, leaf)
        if n == 0:
            return {"count": 0, "paths": [], "sum": fmt(0.0), "grad": fmt(final[i])}
        if n > DEFAULT_MAX_PATHS:
            return {"count": n, "paths": [], "sum": fmt(final[i]), "grad": fmt(final[i])}
        found = paths(root, leaf)
        listed = []
        for p in found:
            steps_of_path = zip(p.nodes, p.nodes[1:], p.slots)
            ks = [edge_at[(index[a], index[b], slot)] for a, b, slot in steps_of_path]
            listed.append(
                {
                    "names": " → ".join(names[index[u]] for u in p.nodes),
                    "factors": " × ".join(_factor(fmt(x)) for x in p.locals) or "1",
                    "product": fmt(p.product),
                    "edges": ks,
                    "ops": [index[u] for u in p.nodes[1:]],
                    "nodes": [index[u] for u in p.nodes],
                }
            )
        return {"count": n, "paths": listed, "sum": fmt(path_sum(found)), "grad": fmt(final[i])}

    def op_rule(i: int) -> dict[str, Any]:
        v = order[i]
        rules = []
        for k in into[i]:
            e = edges[k]
            rule = local_rule(symbols, v, e.slot).text
            rules.append(
                {
                    "edge": k,
                    "text": f"∂{names[i]}/∂{names[e.child]} = {rule} = {fmt(v._local[e.slot])}",
                }
            )
        return {
            "symbol": op_symbol(v._op),
            "value": f"{names[i]} = {symbols(v).text} = {fmt(v.data)}",
            "rules": rules,
        }

    # -- practise: backward order, root excluded (its gradient is the seed) --------------------
    # The salt only keeps one page's hashes from being looked up in another's; it comes from
    # the graph's own numbers, so the same graph gives the same page, byte for byte.
    seen = json.dumps([[v.data, list(v._local)] for v in order], allow_nan=True)
    salt = hashlib.sha256(seen.encode("utf-8")).hexdigest()[:8]
    practise = []
    for i in reversed(range(len(order) - 1)):
        arrows = [
            f"{names[i]} → {op_symbol(order[edges[k].out]._op)} → {names[edges[k].out]}"
            for k in uses[i]
        ]
        practise.append(
            {
                "node": i,
                "hashes": [fnv1a(salt + a) for a in _accepted(final[i], PRACTISE_DECIMALS)],
                "hint": (
                    f"∂{rname}/∂{names[i]} is the sum over the {len(arrows)} arrow"
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
        "nodes": nodes,
        "edges": edge_rows,
        "steps": steps,
        "seedStep": seed_step,
        "practiseOnly": practise_only,
        "practise": {
            "salt": salt,
            "decimals": PRACTISE_DECIMALS,
            "tolerance": (
                f"answers are checked to {PRACTISE_DECIMALS} decimals: type the gradient "
                f"rounded to {PRACTISE_DECIMALS} decimals; one unit off in the last decimal "
                f"(±{10.0**-PRACTISE_DECIMALS:g}) still counts as right"
            ),
            "items": practise,
        },
    }


# ------------------------------------------------------------------------------------------------
# Training (the train panel)
# ------------------------------------------------------------------------------------------------


@dataclass
class _Training:
    lr: float
    snapshots: list[dict[str, Any]]
    errors: list[float]
    stopped: str


def _chart(errors: Sequence[float], precision: int) -> dict[str, Any]:
    """E after each update as a small SVG chart; the marker positions are computed here."""
    width, height, pad = 480.0, 200.0, 36.0
    top = max(errors) if errors else 1.0
    top = top if top > 0 else 1.0
    n = max(len(errors) - 1, 1)
    pts = [
        (pad + (width - 2 * pad) * t / n, height - pad - (height - 2 * pad) * e / top)
        for t, e in enumerate(errors)
    ]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    svg = (
        f'<svg id="chart" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-label="E after each gradient-descent step">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" '
        'class="axis"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{height - pad}" class="axis"/>'
        f'<polyline points="{line}" class="curve"/>'
        f'<text x="{pad}" y="{pad - 10}" class="tick">E = '
        f"{html.escape(format_number(top, precision))}</text>"
        f'<text x="{width - pad}" y="{height - 8}" class="tick" text-anchor="end">step '
        f"{len(errors) - 1}</text>"
        f'<text x="{pad}" y="{height - 8}" class="tick">step 0</text>'
        f'<circle id="chart-dot" cx="{pts[0][0]:.1f}" cy="{pts[0][1]:.1f}" r="6"/></svg>'
    )
    return {"svg": svg, "dots": [[round(x, 1), round(y, 1)] for x, y in pts]}


def _train_lesson(
    lesson: Lesson, steps: int, lr: float, target: float, precision: int
) -> _Training:
    """Gradient descent W' = W − a·∂E/∂W on the lesson's network, one snapshot per step."""
    model = lesson.network()
    snapshots: list[dict[str, Any]] = []
    errors: list[float] = []
    shape: list[tuple[str, int]] | None = None
    stopped = f"the step limit ({steps})"
    for t in range(steps + 1):
        error = lesson.forward_of(model)
        order = topological_order(error)
        this_shape = [(v._op, len(v._prev)) for v in order]
        if shape is None:
            shape = this_shape
        elif this_shape != shape:  # the layout is shared by every step: it must not change
            raise RuntimeError("the lesson's graph changed shape between training steps")
        for p in model.parameters():
            p.grad = 0.0
        error.backward()
        snap = _snapshot(order, precision)
        snap["E"] = format_number(error.data, precision)
        snapshots.append(snap)
        errors.append(error.data)
        if error.data <= target:
            stopped = f"the target error (E ≤ {target:g})"
            break
        if t == steps:
            break
        for p in model.parameters():
            p.data -= lr * p.grad
    return _Training(lr, snapshots, errors, stopped)


# ------------------------------------------------------------------------------------------------
# The document
# ------------------------------------------------------------------------------------------------


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an int from {low} to {high}, got {value!r}")
    return value


def _names(order: list[Value], root: Value) -> list[str]:
    """What the page calls each node: the label, else the naming of explain (x·w, op#3)."""
    from .naming import NodeNames

    symbols = NodeNames(root)
    return [symbols(v).text for v in order]


def to_html(
    root: Value | GradGraph,
    *,
    title: str | None = None,
    precision: int = 4,
    rankdir: str = "LR",
    cluster: str | None = None,
    practise_only: bool = False,
    max_nodes: int = DEFAULT_MAX_NODES,
    timeout: float | None = DEFAULT_TIMEOUT,
    _training: _Training | None = None,
    _lesson: Lesson | None = None,
) -> HtmlPage:
    """One self-contained HTML page to step through, question and practise ``root``'s backprop.

    ``root`` is a Value (or a graph from ``draw_graph``, whose root is used). The page shows the
    graph laid out once; step through the forward and backward passes (buttons, slider,
    play/pause, ← → and space), click a node to see its chain rule with numbers (a leaf: every
    path to the root and their sum), or practise: enter the gradients in backward order.

    Options: ``title`` (default: "Backpropagation through <root>"), ``precision`` (decimals
    shown), ``rankdir`` ("LR" or "TB"), ``cluster`` ("neuron"/"layer" boxes for ``nn`` graphs),
    ``practise_only`` (a worksheet page with no gradients in it), ``max_nodes`` (draw_graph's
    size guard: a bigger graph is refused with `GraphTooLarge`, a ValueError saying how big it
    is), ``timeout``
    (seconds Graphviz may take). Gradients are computed from the stored local derivatives by
    backward()'s recurrence, so the page is right whether or not ``backward()`` has run.
    """
    if isinstance(root, GradGraph):
        graph_root = getattr(root, "root_value", None)
        if not isinstance(graph_root, Value):
            raise TypeError("to_html: this graph does not know its root; pass the root Value")
        root = graph_root
    if not isinstance(root, Value):
        raise TypeError(f"to_html expects a Value as root, got {type(root).__name__}")
    precision = _check_int("precision", precision, 0, 17)
    max_nodes = _check_int("max_nodes", max_nodes, 1, 100_000)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    if practise_only not in (True, False):
        raise ValueError(f"practise_only must be True or False, got {practise_only!r}")
    order = topological_order(root)
    if len(order) > max_nodes:  # draw_graph's size guard; a page has no collapsed neurons
        too_big = GraphTooLarge(len(order), None, max_nodes)
        too_big.args = (
            "to_html: "
            + too_big.describe(smaller="a smaller part of it (a page steps through every Value)"),
        )
        raise too_big
    index = {v: i for i, v in enumerate(order)}
    edges = _edges_of(order, index)
    names = _names(order, root)
    snapshots = [_snapshot(order, precision)]
    if _training is not None:
        snapshots += _training.snapshots
    widths = (
        max(len(d) for snap in snapshots for d in snap["d"]),
        max(len(g) for snap in snapshots for g in snap["g"]),
    )
    data = _numbers(root, order, edges, names, precision, practise_only)
    # every text an arrow will show: its local derivative in each state, its contribution's
    # card (two lines: local × upstream, = contribution)
    arrows = {
        row["id"]: [snap["l"][k] for snap in snapshots] + ["\n".join(row.get("card", []))]
        for k, row in enumerate(data["edges"])
    }
    lay = _shared_layout() if rankdir == "LR" else None  # the shared layout is left to right
    if lay is not None:
        svg = _shared_svg(
            lay,
            root,
            order,
            names,
            snapshots,
            arrows,
            precision=precision,
            lesson=_lesson,
            timeout=timeout,
        )
        view = {"pxPerUnit": 1.0, "fontPx": float(lay.FONT_SIZE)}  # it draws in px
    else:
        svg = _layout_svg(
            root,
            order,
            edges,
            names,
            precision=precision,
            rankdir=rankdir,
            cluster=cluster,
            max_nodes=max_nodes,
            timeout=timeout,
            widths=widths,
        )
        # Graphviz draws in points (4/3 CSS px each) and draw_graph's boxes in 12 pt text
        view = {"pxPerUnit": 4 / 3, "fontPx": 12 * 4 / 3}
    data["view"] = view
    heading = title if title is not None else f"Backpropagation through {names[-1]}"
    data["title"] = heading
    if _training is not None and not practise_only:
        data["train"] = {
            "lr": f"{_training.lr:g}",
            "stopped": _training.stopped,
            "steps": _training.snapshots,
        }
        chart = _chart(_training.errors, precision)
        data["train"]["dots"] = chart["dots"]
        return HtmlPage(_document(heading, svg, data, chart["svg"]))
    return HtmlPage(_document(heading, svg, data))


def lesson_page(
    lesson: Lesson | None = None,
    *,
    steps: int = MAX_TRAIN_STEPS,
    lr: float | None = None,
    target: float = 1e-4,
    precision: int = 4,
    title: str | None = None,
) -> HtmlPage:
    """The page of a lesson (default: the 3–2–2 network of `autograd_mlp.teach.lesson`): its
    gradient graph clustered by neuron, plus a train panel of ``steps`` precomputed
    gradient-descent updates (at most `MAX_TRAIN_STEPS`) with the lesson's learning constant
    (or ``lr``), stopping early at E ≤ ``target``."""
    from ..teach.lesson import DEFAULT_LESSON, Lesson

    if lesson is None:
        lesson = DEFAULT_LESSON
    if not isinstance(lesson, Lesson):
        raise TypeError(f"lesson_page expects a Lesson or None, got {type(lesson).__name__}")
    steps = _check_int("steps", steps, 1, MAX_TRAIN_STEPS)
    rate = lesson.learning_rate if lr is None else lr
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not rate > 0:
        raise ValueError(f"lr must be a positive number, got {lr!r}")
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not target >= 0:
        raise ValueError(f"target must be a number ≥ 0, got {target!r}")
    _, _, error = lesson.forward()
    training = _train_lesson(lesson, steps, float(rate), float(target), precision)
    sizes = "–".join(str(n) for n in lesson.sizes)
    return to_html(
        error,
        title=title or f"The lesson's {sizes} network: backpropagation step by step",
        precision=precision,
        cluster="neuron",
        _training=training,
        _lesson=lesson,
    )


# Nothing may be loaded from anywhere: the page is its own world (the browser enforces it too).
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _document(title: str, svg: str, data: dict[str, Any], chart: str = "") -> str:
    css = _asset("page.css")
    js = _asset("page.js")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>{html.escape(title)}</title>
<style>
{css}</style>
</head>
<body>
<header>
<h1 id="title">{html.escape(title)}</h1>
<nav class="modes" aria-label="mode">
<button type="button" id="mode-step" aria-pressed="true">Step through</button>
<button type="button" id="mode-ask" aria-pressed="false">Ask a node</button>
<button type="button" id="mode-practise" aria-pressed="false">Practise</button>
<button type="button" id="mode-train" aria-pressed="false" hidden>Train</button>
</nav>
</header>
<div class="toolbar">
<div id="stepper" class="stepper">
<button type="button" id="prev" aria-label="previous step">◀ prev</button>
<button type="button" id="play" aria-label="play">▶ play</button>
<button type="button" id="next" aria-label="next step">next ▶</button>
<input type="range" id="slider" min="0" max="0" value="0" aria-label="step">
<span id="step-count" aria-live="polite"></span>
</div>
<div class="view">
<button type="button" id="zoom-in" aria-label="zoom in">+</button>
<button type="button" id="zoom-out" aria-label="zoom out">−</button>
<button type="button" id="zoom-fit" aria-label="show the whole graph">whole graph</button>
<button type="button" id="zoom-read" aria-label="zoom to a readable size">readable</button>
<button type="button" id="fullscreen" aria-label="full screen">full screen</button>
</div>
</div>
<main>
<div id="stage" class="stage" aria-label="gradient graph: drag to pan, wheel to zoom">
<div id="canvas">
{svg}
</div>
</div>
<aside id="panel" aria-live="polite">
<p id="caption"></p>
<div id="detail"></div>
<section id="train-panel" hidden aria-label="training">
<p id="train-info"></p>
{chart}
<label for="train-slider">gradient-descent step</label>
<input type="range" id="train-slider" min="0" max="0" value="0">
<p id="train-step" aria-live="polite"></p>
</section>
</aside>
</main>
<script type="application/json" id="lesson-data">{_json_for_script(data)}</script>
<script>
{js}</script>
</body>
</html>
"""


_files_module._PageMaker.make = to_html
