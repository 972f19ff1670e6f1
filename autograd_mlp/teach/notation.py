"""The notation of the teacher's textbook: set once in the lesson, honoured by every artefact.

Textbooks agree on backpropagation and disagree on how to write it. Three choices are a
lesson's to make (the ``notation`` object of a lesson file)::

    "notation": {"learning_rate": "η", "weight_indices": "ij", "decimal": ","}

* ``learning_rate`` -- the symbol of the learning constant in W' = W − a·∂E/∂W: ``"a"`` (the
  tutorial this project grew from, and the default), ``"η"`` (eta, most textbooks) or ``"α"``
  (alpha). Written in ASCII in a file it may also be given as ``"eta"`` or ``"alpha"``.
* ``weight_indices`` -- the order of the two indices of a weight: ``"ji"`` (the default: the
  first index is the neuron the weight leads to, the second its input, w_ji, as the package's
  labels ``L1.Nj.wi`` read) or ``"ij"`` (input first, then the neuron: w_ij).
* ``decimal`` -- the decimal separator of every number printed and of the answers accepted:
  ``"."`` (the default) or ``","`` (a decimal comma, as in Indonesian, German, French...).

Nothing here changes a number: the notation is how numbers and symbols are written, never what
they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Notation", "DEFAULT_NOTATION", "LEARNING_RATE_SYMBOLS"]

# The symbols of the learning constant, and the ASCII names a file may use for them.
LEARNING_RATE_SYMBOLS = ("a", "η", "α")
_SYMBOL_NAMES = {"eta": "η", "alpha": "α"}
WEIGHT_INDEX_ORDERS = ("ji", "ij")
DECIMAL_SEPARATORS = (".", ",")


@dataclass(frozen=True)
class Notation:
    """How a lesson writes its symbols and numbers (see the module docstring)."""

    learning_rate: str = "a"
    weight_indices: str = "ji"
    decimal: str = "."

    def __post_init__(self) -> None:
        symbol = self.learning_rate
        if isinstance(symbol, str):
            symbol = _SYMBOL_NAMES.get(symbol, symbol)
        if symbol not in LEARNING_RATE_SYMBOLS:
            raise ValueError(
                "notation.learning_rate: expected one of 'a', 'η' ('eta'), 'α' ('alpha'), got "
                f"{_shown(self.learning_rate)}"
            )
        if self.weight_indices not in WEIGHT_INDEX_ORDERS:
            raise ValueError(
                "notation.weight_indices: expected 'ji' (neuron, then input) or 'ij' (input, "
                f"then neuron), got {_shown(self.weight_indices)}"
            )
        if self.decimal not in DECIMAL_SEPARATORS:
            raise ValueError(f"notation.decimal: expected '.' or ',', got {_shown(self.decimal)}")
        object.__setattr__(self, "learning_rate", symbol)

    @property
    def is_default(self) -> bool:
        return self == DEFAULT_NOTATION

    def number(self, text: str) -> str:
        """A number already formatted with a decimal point (``"-0.2121"``), written with this
        notation's separator (``"-0,2121"``). Only for the text of one number: a label such as
        ``L1.N1.w1`` keeps its dots."""
        return text.replace(".", ",") if self.decimal == "," else text

    def to_dict(self) -> dict[str, str]:
        """The ``notation`` object of a lesson file (only what differs from the default)."""
        data: dict[str, str] = {}
        for key in ("learning_rate", "weight_indices", "decimal"):
            value = getattr(self, key)
            if value != getattr(DEFAULT_NOTATION, key):
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: object) -> Notation:
        """Check and build a notation from a lesson file's ``notation`` object."""
        if not isinstance(data, Mapping):
            raise ValueError(f"notation: expected an object {{...}}, got {_shown(data)}")
        known = ("learning_rate", "weight_indices", "decimal")
        unknown = [k for k in data if k not in known]
        if unknown:
            raise ValueError(
                f"notation: unknown field {_shown(unknown[0])} (expected {', '.join(known)})"
            )
        values: dict[str, Any] = {k: data[k] for k in known if k in data}
        for key, value in values.items():
            if not isinstance(value, str):
                raise ValueError(f"notation.{key}: expected a text, got {_shown(value)}")
        return cls(**values)


DEFAULT_NOTATION = Notation()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
