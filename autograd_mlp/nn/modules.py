"""Neurons, layers and multi-layer perceptrons built from `Value`s.

The API is micrograd's (``MLP(nin, nouts)``, ``parameters()``, ``zero_grad()``, ``nonlin=``)
with named activations, seeded initialisation and labels that say where each Value lives.

Label scheme (layers, neurons and inputs are numbered from 1, as in textbook figures):

* ``x3``         -- the third network input (``MLP`` lifts plain numbers to labelled inputs)
* ``L1.N2.w3``   -- layer 1, neuron 2, the weight on its third input
* ``L1.N2.b``    -- layer 1, neuron 2, its bias
* ``L1.N2.z``    -- its pre-activation z = Σ wᵢ·xᵢ + b (one weighted-sum node)
* ``L1.N2.a``    -- its output a = f(z) (absent for a linear neuron, whose output is z)

A `Neuron` or `Layer` built on its own gets the prefixes ``N1`` / ``L1`` unless given ``name=``.
Renderers group nodes into clusters by these prefixes.

Initialisation is micrograd's, call for call: each neuron draws ``uniform(-1, 1)`` once per
weight, in order, and sets its bias to 0; neurons are built in order within a layer, layers in
order within an MLP. Without ``seed=`` the draws are made with the global ``random`` module,
exactly as micrograd makes them, so ``random.seed(1337); MLP(2, [16, 16, 1])`` gives
micrograd's weights (and its demo's losses). With ``seed=n`` they are made in the same order by
a private ``random.Random(n)``: the weights depend on ``n`` alone, and the global ``random``
state is neither read nor changed.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .._text import count, quote
from ..engine import INPUT, PARAM, Value, weighted_sum

__all__ = ["Module", "Neuron", "Layer", "MLP", "ACTIVATIONS"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


def _check_activation(activation: object, argument: str = "activation") -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"{argument} must be one of {', '.join(map(repr, ACTIVATIONS))}, got {activation!r}"
        )
    return str(activation)


# A scalar engine keeps every parameter as a Value of about 170 bytes (docs/performance.md, W4),
# and a network of ten million of them already takes gigabytes and hours a step in pure Python:
# past this a size is a typo or a job for a tensor library, and a model of that size is refused
# at once rather than left to fill the memory one Value at a time.
MAX_PARAMETERS = 10_000_000


def _check_count(n: object, argument: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{argument} must be a positive int, got {quote(n)}")
    return n


def _check_parameters(sizes: Sequence[int], what: str) -> None:
    """Refuse a model whose parameters (weights and biases) would be more than MAX_PARAMETERS,
    before any is made, with a message that stays short however large the sizes."""
    total = sum((nin + 1) * nout for nin, nout in itertools.pairwise(sizes))
    if total > MAX_PARAMETERS:
        raise ValueError(
            f"{what} would have {count(total)} parameters, more than the {count(MAX_PARAMETERS)} "
            "a scalar engine holds (each is a Value of about 170 bytes): use smaller layers, or "
            "a tensor library for a network of this size"
        )


def _make_rng(seed: int | random.Random | None) -> random.Random | None:
    """The generator a model draws its weights from: None for the global ``random`` module
    (micrograd's), else a private ``random.Random`` (see the module docstring)."""
    if seed is None or isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int or None, got {type(seed).__name__}: {seed!r}")
    return random.Random(seed)


# micrograd's class names for its two kinds of neuron, and ours for the other two
_NEURON_NAMES = {"relu": "ReLU", "linear": "Linear", "tanh": "Tanh", "sigmoid": "Sigmoid"}


class Module:
    """Base class: anything that owns parameters."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Set the gradient of every parameter to 0 (leaf gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """One neuron: a = f(Σ wᵢ·xᵢ + b), with weights drawn uniformly from [-1, 1] and b = 0
    (micrograd's initialisation)."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        seed: int | random.Random | None = None,
        name: str = "N1",
    ) -> None:
        _check_count(nin, "nin")
        _check_parameters([nin, 1], f"Neuron(nin={count(nin)})")
        if isinstance(activation, bool):  # micrograd's Neuron(nin, nonlin) called positionally
            nonlin = activation
        if nonlin is not None:  # micrograd's keyword: nonlin=True is relu, False is linear
            activation = "relu" if nonlin else "linear"
        self.activation = activation  # the setter checks the name and looks up f
        self.name = name
        rng = _make_rng(seed)
        uniform: Callable[[float, float], float] = random.uniform if rng is None else rng.uniform
        self.w = [Value(uniform(-1.0, 1.0), f"{name}.w{i + 1}", (), (), PARAM) for i in range(nin)]
        self.b = Value(0.0, f"{name}.b", (), (), PARAM)
        self._z_label = f"{name}.z"
        self._a_label = f"{name}.a"

    @property
    def activation(self) -> str:
        """The name of f: "relu", "tanh", "sigmoid" or "linear" (can be changed)."""
        return self._activation

    @activation.setter
    def activation(self, name: str) -> None:
        self._activation = _check_activation(name)
        # f itself, looked up once: Value.relu, Value.tanh, Value.sigmoid, or None for linear
        self._f = None if name == "linear" else getattr(Value, name)

    @property
    def nin(self) -> int:
        return len(self.w)

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self.activation != "linear"

    def __call__(self, x: Sequence[Value | float]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self.name}: expected {len(self.w)} inputs, got {len(x)}")
        z = weighted_sum(self.w, x, self.b, self._z_label)
        if self._f is None:  # linear: the output is z itself
            return z
        a: Value = self._f(z)
        a.label = self._a_label
        return a

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"{_NEURON_NAMES[self.activation]}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons that all see the same inputs. Calling it returns their outputs as a
    list, or the Value itself when there is one neuron (as micrograd does)."""

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        seed: int | random.Random | None = None,
        name: str = "L1",
    ) -> None:
        _check_count(nin, "nin")
        _check_count(nout, "nout")
        _check_parameters([nin, nout], f"Layer(nin={count(nin)}, nout={count(nout)})")
        if nonlin is not None:
            activation = "relu" if nonlin else "linear"
        _check_activation(activation)
        rng = _make_rng(seed)
        self.name = name
        self.neurons = [
            Neuron(nin, activation, seed=rng, name=f"{name}.N{j + 1}") for j in range(nout)
        ]

    @property
    def activation(self) -> str:
        return self.neurons[0].activation

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def outputs(self, x: Sequence[Value | float]) -> list[Value]:
        """The outputs of the neurons as a list, even for one neuron."""
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(3, [2, 2])`` has 3 inputs, a hidden layer of 2 and an
    output layer of 2. Hidden layers use ``activation``, the last layer ``output_activation``.

    Calling it returns a Value when the last layer has one neuron, else a list of Values.
    A model of more than `MAX_PARAMETERS` weights and biases is refused at once.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        seed: int | random.Random | None = None,
    ) -> None:
        _check_count(nin, "nin")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {quote(nouts)}")
        for i, n in enumerate(nouts):
            _check_count(n, f"nouts[{i}]")
        shown = ", ".join(count(n) for n in list(nouts)[:8]) + (", …" if len(nouts) > 8 else "")
        _check_parameters([nin, *nouts], f"MLP({count(nin)}, [{shown}])")
        _check_activation(activation)
        _check_activation(output_activation, "output_activation")
        rng = _make_rng(seed)
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                seed=rng,
                name=f"L{i + 1}",
            )
            for i in range(len(nouts))
        ]
        self._input_labels = [f"x{i + 1}" for i in range(nin)]

    @property
    def nin(self) -> int:
        return len(self._input_labels)

    @property
    def nouts(self) -> list[int]:
        return [len(layer.neurons) for layer in self.layers]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        if type(x) is not list and type(x) is not tuple:  # the usual cases skip these checks
            if type(x).__module__ == "numpy" and hasattr(x, "tolist"):
                x = x.tolist()  # a NumPy row, e.g. from an array of samples
            if isinstance(x, (Value, str, bytes)) or not isinstance(x, Sequence):
                raise TypeError(
                    f"MLP expects a sequence of {self.nin} numbers or Values, "
                    f"got {type(x).__name__}"
                )
        if len(x) != self.nin:
            raise ValueError(f"MLP: expected {self.nin} inputs, got {len(x)}")
        h: list[Value] = [
            xi if isinstance(xi, Value) else Value(xi, label, (), (), INPUT)
            for xi, label in zip(x, self._input_labels)
        ]
        for layer in self.layers:
            h = layer.outputs(h)  # a list even for a one-neuron hidden layer
        return h[0] if len(h) == 1 else h

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write this model to ``path`` as versioned JSON, atomically (see `autograd_mlp.io`)."""
        from . import io  # here, not at the top: io is for files only, and never imports nn

        return io.save(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MLP:
        """Read a model written by `save`. A bad file raises ValueError saying what is wrong."""
        from . import io

        return io.load(path, cls)

    def load_state(self, path: str | os.PathLike[str]) -> None:
        """Overwrite this model's weights from a file of the same architecture (all or nothing)."""
        from . import io

        io.load_state(self, path)

    def describe(self) -> dict[str, Any]:
        """Architecture as plain data: sizes and activations."""
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activations": [layer.activation for layer in self.layers],
        }
