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
``open(path, "w")`` gives it, and only a regular file is replaced (see `autograd_mlp._files`).
Reads validate everything before touching a model, so a truncated, corrupted, wrong-version or
wrong-shape file raises `ValueError` saying what is wrong and changes nothing. A hostile file
cannot make a load run for hours or fill the memory: only a regular file is read (a FIFO or a
device such as /dev/zero is refused before reading), files above `MAX_FILE_BYTES` are refused,
the shape is checked by arithmetic before anything is built, layer sizes are capped at
`MAX_LAYER_SIZE`, duplicate JSON keys are refused (JSON would keep the last silently), and error
messages quote at most a few dozen characters of what the file holds.

This module knows models only through a small interface -- ``nin``, ``nouts``, ``layers`` (each
with ``name``, ``activation`` and ``neurons``, each neuron with ``name`` and a settable
``activation``) and ``parameters()`` -- and never imports `autograd_mlp.nn`: ``MLP.save`` and
``MLP.load`` import it, so the import goes one way (nn -> io).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar, Union

from .._files import no_duplicate_keys, read_user_file, write_atomic
from .._text import quote, shorten

__all__ = ["save", "load", "load_state", "FORMAT", "VERSION", "MAX_LAYER_SIZE", "MAX_FILE_BYTES"]

FORMAT = "autograd_mlp.MLP"
VERSION = 1
# Far beyond what a scalar engine can train (a layer this wide is a million Values per
# neuron), yet small enough that a file claiming more is refused before any work is done.
MAX_LAYER_SIZE = 1_000_000
# 256 MiB: a file of about four million parameters (some 60 bytes each), which the scalar
# engine takes minutes to load and gigabytes to hold; a bigger file is refused unread.
MAX_FILE_BYTES = 256 * 2**20

PathLike = Union[str, "os.PathLike[str]"]


class _Neuron(Protocol):
    name: str
    activation: str


class _Layer(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def activation(self) -> str: ...
    @property
    def neurons(self) -> Sequence[_Neuron]: ...


class _Parameter(Protocol):
    data: float


class Model(Protocol):
    """What io needs of a model (`autograd_mlp.nn.MLP` has it)."""

    @property
    def nin(self) -> int: ...
    @property
    def nouts(self) -> list[int]: ...
    @property
    def layers(self) -> Sequence[_Layer]: ...
    def parameters(self) -> Sequence[_Parameter]: ...


M = TypeVar("M", bound=Model)


def _check_model(model: object, function: str) -> None:
    missing = [a for a in ("nin", "nouts", "layers", "parameters") if not hasattr(model, a)]
    if missing:
        raise TypeError(
            f"{function} expects an MLP (a model with nin, nouts, layers and parameters()), "
            f"got {type(model).__name__}"
        )


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------


def to_dict(model: Model) -> dict[str, Any]:
    """The model as the plain data written to a file (refuses what `load` would refuse)."""
    nin, nouts = model.nin, model.nouts
    too_big = _oversized(nin, nouts)
    if too_big is not None:
        raise ValueError(f"cannot save: {too_big}, more than load accepts")
    for layer in model.layers:
        kinds = [(n.activation, n.name) for n in layer.neurons]
        if any(a != kinds[0][0] for a, _ in kinds):
            mixed = ", ".join(f"{quote(a)} ({shorten(str(name))})" for a, name in kinds[:6])
            if len(kinds) > 6:
                mixed += f", ... ({len(kinds)} neurons)"
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


def save(model: Model, path: PathLike) -> Path:
    """Write ``model`` to ``path`` as JSON, atomically; return the path written.

    A file that `load` would refuse as too big (more than `MAX_FILE_BYTES`) is not written.
    """
    _check_model(model, "save")
    target = Path(path)
    data = (json.dumps(to_dict(model), indent=1, allow_nan=False) + "\n").encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(
            f"cannot save: the file would be {len(data):,} bytes, more than load accepts "
            f"(MAX_FILE_BYTES = {MAX_FILE_BYTES:,})"
        )
    write_atomic(target, data)
    return target


# ------------------------------------------------------------------------------------------------
# Reading: parse and validate everything first, build or change models last
# ------------------------------------------------------------------------------------------------


def _read_bytes(path: PathLike, where: str) -> bytes:
    """The file's bytes: only a regular file, at most `MAX_FILE_BYTES` of it, opened without
    blocking (`autograd_mlp._files.read_user_file`, the reader of every user's file)."""
    hint = " (MAX_FILE_BYTES); a model file is far smaller"
    return read_user_file(path, where, MAX_FILE_BYTES, kind="a model file", too_big=hint)


def _read(path: PathLike) -> dict[str, Any]:
    """Parse the file and check its header; raises ValueError naming the file and the problem."""
    where = str(path)
    raw = _read_bytes(path, where)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{where}: not a model file (not UTF-8 text: {exc.reason})") from None
    if not text.strip():
        raise ValueError(f"{where}: the file is empty; expected an autograd_mlp model (JSON)")
    try:
        data = json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=no_duplicate_keys
        )
    except json.JSONDecodeError as exc:
        hint = "truncated" if exc.pos >= len(text.rstrip()) else "corrupted"
        raise ValueError(
            f"{where}: the file is {hint}: invalid JSON at line {exc.lineno} column {exc.colno} "
            f"({exc.msg})"
        ) from None
    except (ValueError, RecursionError) as exc:  # NaN, duplicate keys, absurdly deep nesting
        reason = str(exc) or type(exc).__name__
        raise ValueError(f"{where}: the file is corrupted: {shorten(reason, 200)}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ValueError(f"{where}: format is {quote(data.get('format'))}, expected {FORMAT!r}")
    version = data.get("version")
    if type(version) is not int or version != VERSION:  # not 1.0 or True, which == 1
        raise ValueError(
            f"{where}: format version {quote(version)} is not supported; this autograd_mlp "
            f"reads version {VERSION}"
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
        raise ValueError(f"{where}: architecture.nin must be a positive int, got {quote(nin)}")
    if (
        not isinstance(nouts, list)
        or not nouts
        or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in nouts)
    ):
        raise ValueError(
            f"{where}: architecture.nouts must be a non-empty list of positive ints, "
            f"got {quote(nouts)}"
        )
    too_big = _oversized(nin, nouts)
    if too_big is not None:
        raise ValueError(f"{where}: {too_big}; expected a layer size from 1 to {MAX_LAYER_SIZE}")
    activations = data.get("activations")
    if not isinstance(activations, list) or len(activations) != len(nouts):
        raise ValueError(
            f"{where}: 'activations' must list one activation per layer ({len(nouts)}), "
            f"got {quote(activations)}"
        )
    for i, a in enumerate(activations):
        # The names themselves are the model's to check (`load` sets them on its neurons)
        if not isinstance(a, str) or not a.isidentifier() or len(a) > _MAX_NAME:
            raise ValueError(
                f"{where}: unknown activation {quote(a)} for layer {i + 1}; expected a name "
                f"such as 'relu'"
            )
    return nin, nouts, activations


_MAX_NAME = 40  # characters in an activation's name: longer is no activation


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
            f"{where}: wrong shape: architecture {nin} -> {quote(nouts)} has {count} "
            f"parameters, the file lists {len(params)}"
        )
    values = []
    for i, (entry, label) in enumerate(zip(params, _expected_labels(nin, nouts))):
        if not isinstance(entry, dict) or entry.get("label") != label:
            got = entry.get("label") if isinstance(entry, dict) else entry
            raise ValueError(f"{where}: parameter {i} should be {label!r}, got {quote(got)}")
        value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: parameter {label!r} has value {quote(value)}, not a number")
        try:
            number = float(value)  # an int of 309 digits or more has no float
        except OverflowError:
            raise ValueError(
                f"{where}: parameter {label!r} is {quote(value)}, too large for a float; "
                f"weights must be finite"
            ) from None
        if not math.isfinite(number):
            raise ValueError(f"{where}: parameter {label!r} is {value!r}; weights must be finite")
        values.append(number)
    return values


def load(path: PathLike, model_type: Callable[..., M]) -> M:
    """Read a model saved by `save`, built as ``model_type(nin, nouts, seed=0)`` (``MLP.load``
    passes `autograd_mlp.nn.MLP`); its activations and weights are then set from the file."""
    data = _read(path)
    where = str(path)
    nin, nouts, activations = _architecture(data, where)
    values = _values(data, nin, nouts, where)
    model = model_type(nin, nouts, seed=0)
    for i, (layer, activation) in enumerate(zip(model.layers, activations)):
        for neuron in layer.neurons:  # hidden layers may differ if they were set by hand
            try:
                neuron.activation = activation  # the model checks the name
            except ValueError as exc:
                raise ValueError(
                    f"{where}: unknown activation {quote(activation)} for layer {i + 1}: {exc}"
                ) from None
    for p, value in zip(model.parameters(), values):
        p.data = value
    return model


def load_state(model: Model, path: PathLike) -> None:
    """Load the weights saved in ``path`` into an existing ``model`` of the same architecture.

    The file is fully checked against the model first; on any error the model is unchanged.
    """
    _check_model(model, "load_state")
    data = _read(path)
    where = str(path)
    nin, nouts, activations = _architecture(data, where)
    mine = [layer.activation for layer in model.layers]
    if (nin, nouts) != (model.nin, model.nouts):
        raise ValueError(
            f"{where}: wrong shape: the file holds a {nin} -> {quote(nouts)} network, the model "
            f"is {model.nin} -> {quote(model.nouts)}"
        )
    if activations != mine:
        raise ValueError(
            f"{where}: the file's activations {quote(activations)} differ from {quote(mine)}"
        )
    values = _values(data, nin, nouts, where)
    params = model.parameters()
    for p, value in zip(params, values):
        p.data = value
