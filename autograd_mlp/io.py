"""Save and load MLPs as versioned JSON.

JSON rather than pickle: a model file is data, never code, so loading one cannot run anything,
and a student can open it and read the weights. Floats are written with ``repr`` precision, so
a save/load round trip gives back bit-identical weights.

The file (format version 1)::

    {
      "format": "autograd_mlp.MLP",
      "version": 1,
      "architecture": {"nin": 3, "nouts": [2, 2]},
      "activations": ["sigmoid", "linear"],
      "parameters": [{"label": "L1.N1.w1", "value": 0.1}, ...]
    }

``parameters`` lists every weight and bias in ``model.parameters()`` order (layer by layer,
neuron by neuron, weights then bias), each with the label the nn module gives that position
(also when a parameter's ``.label`` was changed by hand: the file's labels say where a value
goes). The format holds one activation per layer, so a layer whose neurons were given different
activations is refused rather than saved as something that computes differently.

Writes are atomic (a temporary file in the same directory, then ``os.replace``), so a crash
never leaves half a file under the real name; the file gets the permissions a plain
``open(path, "w")`` gives it. Reads validate everything before touching a model, so a
truncated, corrupted, wrong-version or wrong-shape file raises `ValueError` saying what is wrong
and changes nothing. The shape is checked by arithmetic before anything is built, and layer
sizes are capped at `MAX_LAYER_SIZE`, so a hostile file cannot make a load run for hours.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from ._files import write_atomic
from .nn import ACTIVATIONS

if TYPE_CHECKING:
    from .nn import MLP

__all__ = ["save", "load", "load_state", "FORMAT", "VERSION", "MAX_LAYER_SIZE"]

FORMAT = "autograd_mlp.MLP"
VERSION = 1
# Far beyond what a scalar engine can train (a layer this wide is a million Values per
# neuron), yet small enough that a file claiming more is refused before any work is done.
MAX_LAYER_SIZE = 1_000_000

PathLike = Union[str, "os.PathLike[str]"]


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def to_dict(model: MLP) -> dict[str, Any]:
    """The model as the plain data written to a file (refuses what `load` would refuse)."""
    nin, nouts = model.nin, model.nouts
    too_big = _oversized(nin, nouts)
    if too_big is not None:
        raise ValueError(f"cannot save: {too_big}, more than load accepts")
    for layer in model.layers:
        kinds = [(n.activation, n.name) for n in layer.neurons]
        if any(a != kinds[0][0] for a, _ in kinds):
            mixed = ", ".join(f"{a!r} ({name})" for a, name in kinds)
            raise ValueError(
                f"cannot save: layer {layer.name} mixes activations: {mixed}; the file holds "
                f"one activation per layer, so give all of its neurons the same one"
            )
    values = [p.data for p in model.parameters()]
    if len(values) != _count(nin, nouts):
        raise ValueError(
            f"cannot save: a {nin} -> {nouts} network has {_count(nin, nouts)} parameters, "
            f"model.parameters() returned {len(values)} (were weights added or removed by hand?)"
        )
    params = []
    for label, value in zip(_expected_labels(nin, nouts), values):
        if not math.isfinite(value):
            raise ValueError(
                f"cannot save parameter {label!r} = {value!r}: JSON holds finite numbers only"
            )
        params.append({"label": label, "value": value})
    return {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {"nin": nin, "nouts": nouts},
        "activations": [layer.activation for layer in model.layers],
        "parameters": params,
    }


def save(model: MLP, path: PathLike) -> Path:
    """Write ``model`` to ``path`` as JSON, atomically; return the path written."""
    from .nn import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"save expects an MLP, got {type(model).__name__}")
    target = Path(path)
    text = json.dumps(to_dict(model), indent=1, allow_nan=False) + "\n"
    write_atomic(target, text.encode("utf-8"))
    return target


# ------------------------------------------------------------------------------------------------
# Reading: parse and validate everything first, build or change models last
# ------------------------------------------------------------------------------------------------


def _read(path: PathLike) -> dict[str, Any]:
    """Parse the file and check its header; raises ValueError naming the file and the problem."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not a model file (not UTF-8 text: {exc.reason})") from None
    if not text.strip():
        raise ValueError(f"{where}: the file is empty; expected an autograd_mlp model (JSON)")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        hint = "truncated" if exc.pos >= len(text.rstrip()) else "corrupted"
        raise ValueError(
            f"{where}: the file is {hint}: invalid JSON at line {exc.lineno} column {exc.colno} "
            f"({exc.msg})"
        ) from None
    except (ValueError, RecursionError) as exc:  # NaN/Infinity, or absurdly deep nesting
        raise ValueError(f"{where}: the file is corrupted: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(f"{where}: format is {data.get('format')!r}, expected {FORMAT!r}")
    version = data.get("version")
    if type(version) is not int or version != VERSION:  # not 1.0 or True, which == 1
        raise ValueError(
            f"{where}: format version {version!r} is not supported; this autograd_mlp reads "
            f"version {VERSION}"
        )
    return data


def _reject_constant(name: str) -> float:
    raise ValueError(f"non-finite number {name} in the file; weights must be finite")


def _architecture(data: dict[str, Any], where: str) -> tuple[int, list[int], list[str]]:
    arch = data.get("architecture")
    if not isinstance(arch, dict):
        raise ValueError(f"{where}: 'architecture' is missing or not an object")
    nin, nouts = arch.get("nin"), arch.get("nouts")
    if isinstance(nin, bool) or not isinstance(nin, int) or nin < 1:
        raise ValueError(f"{where}: architecture.nin must be a positive int, got {nin!r}")
    if (
        not isinstance(nouts, list)
        or not nouts
        or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in nouts)
    ):
        raise ValueError(
            f"{where}: architecture.nouts must be a non-empty list of positive ints, got {nouts!r}"
        )
    too_big = _oversized(nin, nouts)
    if too_big is not None:
        raise ValueError(f"{where}: {too_big}; expected a layer size from 1 to {MAX_LAYER_SIZE}")
    activations = data.get("activations")
    if not isinstance(activations, list) or len(activations) != len(nouts):
        raise ValueError(
            f"{where}: 'activations' must list one activation per layer ({len(nouts)}), "
            f"got {activations!r}"
        )
    for a in activations:
        if a not in ACTIVATIONS:
            raise ValueError(
                f"{where}: unknown activation {a!r}; expected one of "
                f"{', '.join(map(repr, ACTIVATIONS))}"
            )
    return nin, nouts, activations


def _oversized(nin: int, nouts: list[int]) -> str | None:
    """The first layer size above `MAX_LAYER_SIZE`, described with its name in the file."""
    named = [("architecture.nin", nin)]
    named += [(f"architecture.nouts[{i}]", n) for i, n in enumerate(nouts)]
    for name, size in named:
        if size > MAX_LAYER_SIZE:
            return f"{name} is {size}, more than the limit of {MAX_LAYER_SIZE}"
    return None


def _count(nin: int, nouts: list[int]) -> int:
    """How many parameters the architecture has: Σ (inputs + 1) · neurons over the layers."""
    sizes = [nin, *nouts]
    return sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(nouts)))


def _expected_labels(nin: int, nouts: list[int]) -> Iterator[str]:
    """The labels of model.parameters() for this architecture (the scheme of nn.py), one by one.

    Only called once the count is known to match the file, so the work is O(file size).
    """
    sizes = [nin, *nouts]
    for i in range(len(nouts)):
        for j in range(sizes[i + 1]):
            prefix = f"L{i + 1}.N{j + 1}"
            for k in range(sizes[i]):
                yield f"{prefix}.w{k + 1}"
            yield f"{prefix}.b"


def _values(data: dict[str, Any], nin: int, nouts: list[int], where: str) -> list[float]:
    params = data.get("parameters")
    if not isinstance(params, list):
        raise ValueError(f"{where}: 'parameters' is missing or not a list")
    count = _count(nin, nouts)  # arithmetic: nothing is built for a file that cannot match
    if len(params) != count:
        raise ValueError(
            f"{where}: wrong shape: architecture {nin} -> {nouts} has {count} "
            f"parameters, the file lists {len(params)}"
        )
    values = []
    for i, (entry, label) in enumerate(zip(params, _expected_labels(nin, nouts))):
        if not isinstance(entry, dict) or entry.get("label") != label:
            got = entry.get("label") if isinstance(entry, dict) else entry
            raise ValueError(f"{where}: parameter {i} should be {label!r}, got {got!r}")
        value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: parameter {label!r} has value {value!r}, not a number")
        if not math.isfinite(value):
            raise ValueError(f"{where}: parameter {label!r} is {value!r}; weights must be finite")
        values.append(float(value))
    return values


def load(path: PathLike) -> MLP:
    """Read an MLP saved by `save`."""
    from .nn import MLP

    data = _read(path)
    nin, nouts, activations = _architecture(data, str(path))
    values = _values(data, nin, nouts, str(path))
    hidden = activations[0] if len(activations) > 1 else "relu"
    model = MLP(nin, nouts, activation=hidden, output_activation=activations[-1], seed=0)
    for layer, activation in zip(model.layers, activations):
        for neuron in layer.neurons:  # hidden layers may differ if they were set by hand
            neuron.activation = activation
    for p, value in zip(model.parameters(), values):
        p.data = value
    return model


def load_state(model: MLP, path: PathLike) -> None:
    """Load the weights saved in ``path`` into an existing ``model`` of the same architecture.

    The file is fully checked against the model first; on any error the model is unchanged.
    """
    from .nn import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"load_state expects an MLP, got {type(model).__name__}")
    data = _read(path)
    where = str(path)
    nin, nouts, activations = _architecture(data, where)
    mine = [layer.activation for layer in model.layers]
    if (nin, nouts) != (model.nin, model.nouts):
        raise ValueError(
            f"{where}: wrong shape: the file holds a {nin} -> {nouts} network, the model is "
            f"{model.nin} -> {model.nouts}"
        )
    if activations != mine:
        raise ValueError(f"{where}: the file's activations {activations} differ from {mine}")
    values = _values(data, nin, nouts, where)
    params = model.parameters()
    for p, value in zip(params, values):
        p.data = value
