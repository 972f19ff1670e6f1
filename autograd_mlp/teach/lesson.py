"""The lesson: one training step of a small network by hand, as data.

The lesson this project grew from is a 3–2–2 network: 3 inputs, 2 hidden neurons with sigmoid,
2 output neurons with a linear ("purelin") activation, squared error for one sample (N = 1),
and gradient descent W' = W − a·∂E/∂W with learning constant a = 0.02, repeated until an
iteration count or a target error is reached.

A `Lesson` holds everything a teacher chooses: the input, the targets, each layer's
activation, weights and biases, the learning constant and the error convention. Textbooks
differ on the last one, so it is a field, not a constant:

    "sum"   E = Σₖ (tₖ − yₖ)²           ∂E/∂yₖ = −2·(tₖ − yₖ)    (the project's default)
    "half"  E = ½ Σₖ (tₖ − yₖ)²         ∂E/∂yₖ = −(tₖ − yₖ)      (the ½ cancels the 2)
    "mean"  E = (1/K) Σₖ (tₖ − yₖ)²     ∂E/∂yₖ = −(2/K)·(tₖ − yₖ)  (K outputs)

A lesson is built in Python (``Lesson(inputs=..., ...)``) or read from a small JSON file
(`Lesson.load`; `Lesson.save` writes one, atomically). TOML is read too where the standard
library has ``tomllib`` (Python 3.11+); on 3.10 a ``.toml`` file is refused with a message that
says to use JSON. The file format, with the default lesson's numbers::

    {
      "format": "autograd_mlp.lesson", "version": 1,
      "inputs": [1.0, 0.5, -1.0],
      "targets": [1.0, 0.0],
      "layers": [
        {"activation": "sigmoid", "weights": [[0.1, -0.2, 0.3], [0.4, 0.2, -0.5]],
         "biases": [0.1, -0.1]},
        {"activation": "linear", "weights": [[0.6, -0.3], [0.2, 0.7]], "biases": [0.05, -0.05]}
      ],
      "learning_rate": 0.02,
      "error": "sum"
    }

An optional ``"notation"`` object sets how the lesson is written -- the symbol of the learning
constant, the order of a weight's indices, the decimal separator -- for every artefact made
from it (`autograd_mlp.teach.notation`).

``weights[j]`` holds the weights of neuron j of that layer, one per input of the layer (label
``Lℓ.Nj.wi`` for input i), so the layer sizes are the lengths of the ``weights`` lists. A
malformed file raises one ValueError line that names the file and the field
(``layers[1].weights[0]``) and says what was expected; nothing is half-loaded. Only a regular
file of at most `MAX_FILE_BYTES` is read (a FIFO or a device is refused without waiting), and a
key given twice is refused (JSON would keep the last one silently).

The tutorial's own numbers are lost, so `DEFAULT_LESSON` holds the project's documented example
numbers, chosen small and distinct so that every product on the board is easy to check by hand:

    input x      = (1.0, 0.5, -1.0)          truth t  = (1.0, 0.0)
    W1 (hidden)  = [[ 0.1, -0.2,  0.3],      b1 = (0.1, -0.1)
                    [ 0.4,  0.2, -0.5]]
    W2 (output)  = [[ 0.6, -0.3],            b2 = (0.05, -0.05)
                    [ 0.2,  0.7]]

The module-level names (``LESSON_X``, ``lesson_network()``, ``lesson_error()``...) are that
default lesson, kept for the code written before lessons were data.
"""

from __future__ import annotations

import importlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._files import parse_json, read_user_file, write_atomic
from .._text import quote
from ..engine import CONST, Value
from ..nn import MLP
from .notation import DEFAULT_NOTATION, Notation

__all__ = [
    "Lesson",
    "LayerSpec",
    "DEFAULT_LESSON",
    "ERRORS",
    "LESSON_X",
    "LESSON_T",
    "LESSON_W1",
    "LESSON_B1",
    "LESSON_W2",
    "LESSON_B2",
    "LESSON_LR",
    "lesson_network",
    "lesson_error",
]

ErrorName = Literal["sum", "half", "mean"]
# The error conventions, as each picture writes them (the caption of every lesson image).
ERRORS: dict[str, str] = {
    "sum": "E = Σₖ (tₖ − yₖ)²",
    "half": "E = ½ Σₖ (tₖ − yₖ)²",
    "mean": "E = (1/K) Σₖ (tₖ − yₖ)²",
}
ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
_ALIASES = {"purelin": "linear", "logsig": "sigmoid", "tansig": "tanh"}  # MATLAB's names
FORMAT = "autograd_mlp.lesson"
VERSION = 1
MAX_FILE_BYTES = 1_000_000  # a lesson is a few hundred bytes; refuse to parse a huge file
MAX_SIZE = 16  # neurons per layer (and inputs): a lesson is drawn, and past this it is not
MAX_LAYERS = 6
_QUOTE = 40  # characters of user text quoted in an error message


def _quote(value: object) -> str:
    """``repr(value)``, cut to a bounded length: messages never echo a whole file (nor try to
    print an int of 5,000 digits, or a list nested 900 deep)."""
    return quote(value, _QUOTE)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: expected a number, got {_quote(value)}")
    try:
        x = float(value)
    except OverflowError:  # an int of 309 digits or more has no float
        x = math.inf
    if not math.isfinite(x):
        raise ValueError(f"{where}: expected a finite number, got {_quote(value)}")
    return x


def _numbers(value: object, where: str, length: int | None = None) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(f"{where}: expected a list of numbers, got {_quote(value)}")
    if length is not None and len(value) != length:
        raise ValueError(f"{where}: expected {length} numbers, got {len(value)}")
    if not value:
        raise ValueError(f"{where}: expected at least one number, got an empty list")
    if len(value) > MAX_SIZE:
        raise ValueError(f"{where}: at most {MAX_SIZE} numbers fit a lesson, got {len(value)}")
    return tuple(_number(v, f"{where}[{i}]") for i, v in enumerate(value))


@dataclass(frozen=True)
class LayerSpec:
    """One layer: its activation, ``weights[j]`` (neuron j's weights, one per input), biases."""

    activation: str
    weights: tuple[tuple[float, ...], ...]
    biases: tuple[float, ...]

    @property
    def size(self) -> int:
        """The number of neurons."""
        return len(self.weights)

    @property
    def nin(self) -> int:
        """The number of inputs of each neuron."""
        return len(self.weights[0])


def _layer(value: object, where: str, nin: int) -> LayerSpec:
    if not isinstance(value, Mapping):
        raise ValueError(
            f"{where}: expected an object with activation, weights and biases, got {_quote(value)}"
        )
    unknown = [k for k in value if k not in ("activation", "weights", "biases")]
    if unknown:
        raise ValueError(
            f"{where}: unknown field {_quote(unknown[0])} (expected activation, weights, biases)"
        )
    for key in ("activation", "weights", "biases"):
        if key not in value:
            raise ValueError(f"{where}.{key}: missing")
    activation = value["activation"]
    if not isinstance(activation, str):
        raise ValueError(f"{where}.activation: expected a name, got {_quote(activation)}")
    activation = _ALIASES.get(activation, activation)
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{where}.activation: expected one of {', '.join(ACTIVATIONS)}, got "
            f"{_quote(value['activation'])}"
        )
    rows = value["weights"]
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence) or not rows:
        raise ValueError(
            f"{where}.weights: expected a list with one list of weights per neuron, got "
            f"{_quote(rows)}"
        )
    if len(rows) > MAX_SIZE:
        raise ValueError(f"{where}.weights: at most {MAX_SIZE} neurons a layer, got {len(rows)}")
    weights = tuple(_numbers(row, f"{where}.weights[{j}]", nin) for j, row in enumerate(rows))
    biases = _numbers(value["biases"], f"{where}.biases", len(weights))
    return LayerSpec(activation, weights, biases)


@dataclass(frozen=True)
class Lesson:
    """A lesson as data: what the network sees, what it should output, its numbers.

    ``layers`` may be given as `LayerSpec` objects or as mappings with ``activation``,
    ``weights`` and ``biases`` (as in the file); they are checked and stored as `LayerSpec`.
    """

    inputs: tuple[float, ...]
    targets: tuple[float, ...]
    layers: tuple[LayerSpec, ...]
    learning_rate: float = 0.02
    error: ErrorName = "sum"
    title: str = field(default="")
    notation: Notation = field(default=DEFAULT_NOTATION)

    def __post_init__(self) -> None:
        inputs = _numbers(self.inputs, "inputs")
        raw = self.layers
        if isinstance(raw, (str, bytes, Mapping)) or not isinstance(raw, Sequence) or not raw:
            raise ValueError(f"layers: expected a non-empty list of layers, got {_quote(raw)}")
        if len(raw) > MAX_LAYERS:
            raise ValueError(f"layers: at most {MAX_LAYERS} layers fit a lesson, got {len(raw)}")
        layers = []
        nin = len(inputs)
        for i, given in enumerate(raw):
            spec: object = given
            if isinstance(given, LayerSpec):
                spec = {
                    "activation": given.activation,
                    "weights": given.weights,
                    "biases": given.biases,
                }
            layer = _layer(spec, f"layers[{i}]", nin)
            layers.append(layer)
            nin = layer.size
        targets = _numbers(self.targets, "targets", layers[-1].size)
        rate = _number(self.learning_rate, "learning_rate")
        if not rate > 0:
            raise ValueError(f"learning_rate: expected a positive number, got {_quote(rate)}")
        if not isinstance(self.error, str) or self.error not in ERRORS:
            raise ValueError(
                f"error: expected one of {', '.join(repr(e) for e in ERRORS)}, got "
                f"{_quote(self.error)}"
            )
        if not isinstance(self.title, str) or len(self.title) > 200:
            raise ValueError(
                f"title: expected a text of at most 200 characters, got {_quote(self.title)}"
            )
        notation = self.notation
        if isinstance(notation, Mapping):
            notation = Notation.from_dict(notation)
        if not isinstance(notation, Notation):
            raise ValueError(f"notation: expected a Notation or an object, got {_quote(notation)}")
        # Frozen: store the checked, normalised values through object.__setattr__.
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "targets", targets)
        object.__setattr__(self, "layers", tuple(layers))
        object.__setattr__(self, "learning_rate", rate)
        object.__setattr__(self, "notation", notation)

    # -- what the lesson is ---------------------------------------------------------------------

    @property
    def sizes(self) -> tuple[int, ...]:
        """Inputs, then each layer's size: (3, 2, 2) for the default lesson."""
        return (len(self.inputs), *(layer.size for layer in self.layers))

    @property
    def error_formula(self) -> str:
        """The error convention as a picture writes it, e.g. ``E = Σₖ (tₖ − yₖ)²``."""
        return ERRORS[self.error]

    @property
    def name(self) -> str:
        """The title, or the shape: ``3–2–2 network``."""
        return self.title or "–".join(str(n) for n in self.sizes) + " network"

    # -- the network and its error --------------------------------------------------------------

    def network(self) -> MLP:
        """A fresh `MLP` with the lesson's activations, weights and biases set by hand."""
        model = MLP(len(self.inputs), [layer.size for layer in self.layers], seed=0)
        for layer, spec in zip(model.layers, self.layers):
            for neuron, row, bias in zip(layer.neurons, spec.weights, spec.biases):
                neuron.activation = spec.activation
                for w, value in zip(neuron.w, row):
                    w.data = value
                neuron.b.data = bias
        return model

    def error_of(self, y: Sequence[Value] | Value) -> Value:
        """The lesson's error E of the outputs ``y``, labelled ``E``, by its convention.

        The targets are constants labelled ``t1``, ``t2``..., so drawings and derivations name
        them as the lesson does instead of showing a bare number.
        """
        outputs = [y] if isinstance(y, Value) else list(y)
        if len(outputs) != len(self.targets):
            raise ValueError(f"expected {len(self.targets)} outputs, got {len(outputs)}")
        return _error(outputs, self.targets, self.error)

    def outputs_of(self, model: MLP) -> list[Value]:
        """The outputs y of ``model`` on the lesson's input, always as a list, one per output.

        `MLP` returns the Value itself when its last layer has one neuron (as micrograd does);
        this is the one place a lesson turns that into ``[y1]``.
        """
        out = model(list(self.inputs))
        return [out] if isinstance(out, Value) else list(out)

    def forward_of(self, model: MLP) -> Value:
        """E of ``model`` (this lesson's network, perhaps with changed weights) on the input."""
        return self.error_of(self.outputs_of(model))

    def forward(self) -> tuple[MLP, list[Value], Value]:
        """The network, its outputs y and its error E on the lesson's input (no backward yet)."""
        model = self.network()
        y = self.outputs_of(model)
        return model, y, self.error_of(y)

    def training_data(self) -> tuple[list[list[float]], list[float] | list[list[float]]]:
        """The lesson's one sample as ``(X, y)`` for `autograd_mlp.train.fit`: ``X = [x]`` and
        ``y = [t]``, where t is the one target as a number when the network has one output
        (the model then returns a Value, not a list) and the list of targets otherwise."""
        X = [list(self.inputs)]
        if len(self.targets) == 1:
            return X, [self.targets[0]]
        return X, [list(self.targets)]

    def backward(self) -> tuple[MLP, list[Value], Value]:
        """`forward`, then ``E.backward()``: every parameter holds ∂E/∂p in ``.grad``."""
        model, y, error = self.forward()
        error.backward()
        return model, y, error

    # -- files ----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The lesson as the JSON object that `save` writes."""
        data: dict[str, Any] = {"format": FORMAT, "version": VERSION}
        if self.title:
            data["title"] = self.title
        data["inputs"] = list(self.inputs)
        data["targets"] = list(self.targets)
        data["layers"] = [
            {
                "activation": layer.activation,
                "weights": [list(row) for row in layer.weights],
                "biases": list(layer.biases),
            }
            for layer in self.layers
        ]
        data["learning_rate"] = self.learning_rate
        data["error"] = self.error
        if not self.notation.is_default:
            data["notation"] = self.notation.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: object) -> Lesson:
        """Check and build a lesson from a parsed file (see the module docstring's format)."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a lesson is an object (a JSON {{...}}), got {_quote(data)}")
        fmt = data.get("format", FORMAT)
        if fmt != FORMAT:
            raise ValueError(f"format: expected {FORMAT!r}, got {_quote(fmt)}")
        version = data.get("version", VERSION)
        if version != VERSION:
            raise ValueError(f"version: expected {VERSION}, got {_quote(version)}")
        known: tuple[str, ...] = ("format", "version", "title", "inputs", "targets", "layers")
        known += ("learning_rate", "error", "notation")
        unknown = [k for k in data if k not in known]
        if unknown:
            raise ValueError(f"unknown field {_quote(unknown[0])} (expected {', '.join(known)})")
        for key in ("inputs", "targets", "layers"):
            if key not in data:
                raise ValueError(f"{key}: missing")
        return cls(
            inputs=data["inputs"],
            targets=data["targets"],
            layers=data["layers"],
            learning_rate=data.get("learning_rate", LESSON_LR),
            error=data.get("error", "sum"),
            title=data.get("title", ""),
            notation=Notation.from_dict(data.get("notation", {})),
        )

    def to_html(self, **options: Any) -> str:
        """This lesson's page, to step through, question, practise and train in a browser
        (`autograd_mlp.teach.lesson_page`, whose options it takes: ``steps``, ``lr``,
        ``target``, ``precision``, ``title``): an `HtmlPage`, a str that displays itself in
        Jupyter. Save it with ``save(page, "lesson.html")``."""
        return _page_view()(self, **options)  # type: ignore[no-any-return]

    def _repr_html_(self) -> str:
        # In Jupyter, Colab and Kaggle a lesson shows its page inline, without a nested frame:
        # it keeps working in an exported notebook with no kernel (HtmlPage._repr_html_).
        return _page_view()(self)._repr_html_()  # type: ignore[no-any-return]

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the lesson as JSON to ``path`` (atomically: a failed write changes nothing)."""
        target = Path(path)
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        write_atomic(target, text.encode("utf-8"))
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Lesson:
        """Read a lesson from a ``.json`` file (or ``.toml`` on Python 3.11+).

        Every problem is one ValueError line that starts with the file's name and names the
        field (an unreadable file is an OSError naming it).
        """
        source = Path(path)
        name = str(source)
        if len(name) > 2 * _QUOTE:  # keep the end: the file's own name
            name = "…" + name[-2 * _QUOTE :]
        where = f"lesson file {name}"
        try:
            raw = read_user_file(source, where, MAX_FILE_BYTES, too_big=" (a lesson is smaller)")
        except OSError as exc:
            raise type(exc)(f"cannot read {where}: {exc.strerror or exc}") from None
        if source.suffix.lower() == ".toml":
            try:
                data = _parse_toml(raw)
            except ValueError as exc:
                raise ValueError(f"{where}: {exc}") from None
        else:
            data = parse_json(raw, where)
        try:
            return cls.from_dict(data)
        except ValueError as exc:
            raise ValueError(f"lesson file {name}: {exc}") from None


# The lesson's page is a view of it, in teach/lesson_page.py, which imports this module; so this
# module does not import the page back, even inside a function (the layers have no import
# circles: docs/architecture.md). The page hands itself over instead when it is imported, and
# importing autograd_mlp (or any of its modules) imports it, through autograd_mlp.teach.
_PAGE: list[Callable[..., Any]] = []


def show_page_with(view: Callable[..., Any]) -> None:
    """Make ``view(lesson, **options)`` the page of `Lesson.to_html` and of a lesson shown in
    Jupyter (teach/lesson_page.py calls this with `lesson_page`)."""
    _PAGE[:] = [view]


def _page_view() -> Callable[..., Any]:
    if not _PAGE:  # only if autograd_mlp.teach was never imported, which importing us does
        raise RuntimeError("the lesson page is not loaded: import autograd_mlp.teach first")
    return _PAGE[0]


def _parse_toml(raw: bytes) -> object:
    try:
        tomllib = importlib.import_module("tomllib")
    except ImportError:  # Python 3.10: no TOML reader in the standard library
        raise ValueError(
            "TOML lessons need Python 3.11 or newer (tomllib); write the lesson as JSON"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    try:
        return tomllib.loads(text)  # TOML itself refuses a key given twice
    except tomllib.TOMLDecodeError as exc:  # a ValueError subclass
        raise ValueError(f"not valid TOML ({_quote(str(exc))})") from None
    except RecursionError:
        raise ValueError(
            "lists nested too deeply to read (a lesson is at most a few levels deep)"
        ) from None


def _error(outputs: Sequence[Value], t: Sequence[float], convention: str) -> Value:
    targets = [Value(tk, f"t{k + 1}", (), (), CONST) for k, tk in enumerate(t)]
    terms = [(tk - yk) ** 2 for yk, tk in zip(outputs, targets)]
    error = terms[0]
    for term in terms[1:]:
        error = error + term
    if convention == "half":
        error = error * 0.5
    elif convention == "mean":
        error = error * (1.0 / len(terms))
    error.label = "E"
    return error


# ------------------------------------------------------------------------------------------------
# The default lesson (and the names that predate Lesson)
# ------------------------------------------------------------------------------------------------

LESSON_X = (1.0, 0.5, -1.0)
LESSON_T = (1.0, 0.0)
LESSON_W1 = ((0.1, -0.2, 0.3), (0.4, 0.2, -0.5))
LESSON_B1 = (0.1, -0.1)
LESSON_W2 = ((0.6, -0.3), (0.2, 0.7))
LESSON_B2 = (0.05, -0.05)
LESSON_LR = 0.02  # the tutorial's learning constant a

DEFAULT_LESSON = Lesson(
    inputs=LESSON_X,
    targets=LESSON_T,
    layers=(
        LayerSpec("sigmoid", LESSON_W1, LESSON_B1),
        LayerSpec("linear", LESSON_W2, LESSON_B2),
    ),
    learning_rate=LESSON_LR,
    error="sum",
)


def lesson_network() -> MLP:
    """The 3–2–2 network with the documented example weights set by hand."""
    return DEFAULT_LESSON.network()


def lesson_error(y: Sequence[Value], t: Sequence[float] = LESSON_T) -> Value:
    """E = Σₖ (tₖ − yₖ)², the squared error of one sample; labelled ``E``."""
    return _error(list(y), t, "sum")
