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
neuron by neuron, weights then bias), each with the label the nn module gives it.

Writes are atomic (a temporary file in the same directory, then ``os.replace``), so a crash
never leaves half a file under the real name. Reads validate everything before touching a
model, so a truncated, corrupted, wrong-version or wrong-shape file raises `ValueError` saying
what is wrong and changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .nn import ACTIVATIONS

if TYPE_CHECKING:
    from .nn import MLP

__all__ = ["save", "load", "load_state", "FORMAT", "VERSION"]

FORMAT = "autograd_mlp.MLP"
VERSION = 1

PathLike = Union[str, "os.PathLike[str]"]


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def to_dict(model: MLP) -> dict[str, Any]:
    """The model as the plain data written to a file."""
    params = []
    for p in model.parameters():
        if not math.isfinite(p.data):
            raise ValueError(
                f"cannot save parameter {p.label!r} = {p.data!r}: JSON holds finite numbers only"
            )
        params.append({"label": p.label, "value": p.data})
    return {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {"nin": model.nin, "nouts": model.nouts},
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
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
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
    if version != VERSION or isinstance(version, bool):
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


def _expected_labels(nin: int, nouts: list[int]) -> list[str]:
    """The labels of model.parameters() for this architecture (the scheme of nn.py)."""
    labels = []
    sizes = [nin, *nouts]
    for i in range(len(nouts)):
        for j in range(sizes[i + 1]):
            prefix = f"L{i + 1}.N{j + 1}"
            labels += [f"{prefix}.w{k + 1}" for k in range(sizes[i])]
            labels.append(f"{prefix}.b")
    return labels


def _values(data: dict[str, Any], nin: int, nouts: list[int], where: str) -> list[float]:
    params = data.get("parameters")
    expected = _expected_labels(nin, nouts)
    if not isinstance(params, list):
        raise ValueError(f"{where}: 'parameters' is missing or not a list")
    if len(params) != len(expected):
        raise ValueError(
            f"{where}: wrong shape: architecture {nin} -> {nouts} has {len(expected)} "
            f"parameters, the file lists {len(params)}"
        )
    values = []
    for i, (entry, label) in enumerate(zip(params, expected)):
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
