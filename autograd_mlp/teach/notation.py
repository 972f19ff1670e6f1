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

import re
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

    def apply(self, text: str) -> str:
        """Our own English text (never a user's: a lesson's title is left alone), written in this
        notation: the learning constant ``a`` as this symbol (``a = 0.02``, ``a·∂E/∂W``,
        ``a < 2/λ_max``, "may a be", a table cell "a"; the English article is left alone), the
        two indices of a weight in this order (``wⱼᵢ`` → ``wᵢⱼ``; labels such as
        ``L1.N2.w1`` are names, not indices), and with a decimal comma every number's decimal
        point as a comma, a thousands separator as a space and a list of numbers separated by
        semicolons (``0,5; 1,5``, where ``0,5, 1,5`` would be ambiguous)."""
        if self.learning_rate != "a":
            text = _SYMBOL.sub(self.learning_rate, text)
        if self.weight_indices == "ij":
            text = _INDICES.sub(r"w\2\1", text)
        if self.decimal == ",":
            text = _THOUSANDS.sub(" ", text)
            text = _DECIMAL.sub(",", text)
            text = _LIST.sub("; ", text)
        return text

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

# The learning constant where our text writes it as a symbol: "a = 0.02", "a·∂E/∂W", "a < 2/λ",
# "a > …", "lesson's a)", "may a be?", "(1 − a·λ_max)" -- a whole word, not a label's ".a".
_SYMBOL = re.compile(
    r"(?<![\w.'’])a(?=(?: = | < | > | ≤ |·|\)| be\?| ÷ | \||$| is (?:below|above)))"
)
_INDICES = re.compile(r"w([ᵢⱼₖ])([ᵢⱼₖ])")  # wⱼᵢ: a weight's two indices
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # 10,000 (our text uses the decimal point)
_DECIMAL = re.compile(r"(?<=\d)\.(?=\d)")
_LIST = re.compile(r"(?<=\d), (?=[−-]?\d)")  # "0,5, 1,5" → "0,5; 1,5"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
