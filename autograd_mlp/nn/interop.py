"""The bridge to PyTorch: export an `MLP` to ``torch.nn.Sequential`` and import one back.

Why it exists: `autograd_mlp` is for seeing how a network learns, one number at a time. When a
model outgrows that (more data, GPUs, many machines), `to_torch` hands the same function, with
the same weights, to PyTorch; `from_torch` brings a small PyTorch model back here so its graph
can be drawn and explained.

The mapping, layer by layer (our ``MLP.layers[i]`` ↔ one ``Linear`` plus its activation):

* neuron j of a layer ↔ row j of ``Linear.weight`` and entry j of ``Linear.bias``:
  ``L{i}.N{j}.w{k}`` is ``weight[j-1, k-1]`` (our labels count from 1, tensors from 0);
* activation "relu" ↔ ``ReLU``, "tanh" ↔ ``Tanh``, "sigmoid" ↔ ``Sigmoid``, "linear" ↔ no
  module after the ``Linear`` (`from_torch` also accepts ``Identity`` anywhere and skips it).

Both compute z = W·x + b then a = f(z) in float64, so outputs and gradients agree to rounding
(about 1e-15 relative); the tests hold them to 1e-12.

Decisions, stated once:

* ``Linear(..., bias=False)`` imports as a bias of 0. The function and every weight gradient are
  the same; the difference is that our bias is then a trainable parameter (its gradient is not
  0) and `to_torch` exports it as an ordinary bias.
* `MLP` has one activation for all hidden layers and one for the output layer, so a Sequential
  whose hidden layers use different activations is refused rather than silently changed.
* Only finite weights come in: a NaN or infinite weight or bias is refused with a ValueError
  naming the layer and the entry (it would make every output and gradient NaN, silently),
  and so is a tensor with no values to copy (the ``meta`` device).
* PyTorch is an optional dependency (``pip install 'autograd_mlp[torch]'``). It is imported
  inside the functions, so ``import autograd_mlp`` never imports torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from .modules import MLP

__all__ = ["to_torch", "from_torch", "SUPPORTED_LAYERS"]

# Our activation name -> the torch.nn class name that computes the same function.
_TO_TORCH = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
_FROM_TORCH = {name: act for act, name in _TO_TORCH.items()}
SUPPORTED_LAYERS = ("Linear", "ReLU", "Tanh", "Sigmoid", "Identity")


def _import_torch() -> Any:
    # importlib rather than `import torch`: the module stays typed as Any, so mypy does not
    # type-check all of PyTorch (minutes on a slow machine) to check this small file.
    try:
        torch = importlib.import_module("torch")
    except ImportError as exc:  # pragma: no cover - the test environment has torch
        raise ImportError(
            "the PyTorch bridge needs PyTorch: pip install 'autograd_mlp[torch]' "
            f"(import failed: {exc})"
        ) from exc
    return torch


def to_torch(mlp: MLP) -> Any:
    """Return a ``torch.nn.Sequential`` (float64) that computes exactly what ``mlp`` computes.

    The weights are copied, not shared: training one does not change the other.

    >>> from autograd_mlp import MLP
    >>> net = to_torch(MLP(3, [4, 1], activation="tanh", seed=0))
    >>> " → ".join(type(m).__name__ for m in net)
    'Linear → Tanh → Linear'
    """
    if not isinstance(mlp, MLP):
        raise TypeError(f"to_torch expects an autograd_mlp.MLP, got {type(mlp).__name__}")
    torch = _import_torch()
    modules = []
    for layer in mlp.layers:
        nin, nout = layer.neurons[0].nin, len(layer.neurons)
        linear = torch.nn.Linear(nin, nout, bias=True, dtype=torch.float64)
        # Row j of the weight matrix is neuron j's weight vector: z_j = Σ_k W[j, k]·x_k + b_j.
        weight = [[w.data for w in neuron.w] for neuron in layer.neurons]
        bias = [neuron.b.data for neuron in layer.neurons]
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float64))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, _TO_TORCH[layer.activation])())
    return torch.nn.Sequential(*modules)


def _values(tensor: Any, where: str, torch: Any) -> Any:
    """A parameter's entries as nested lists of floats, or a ValueError saying where they are
    not plain finite numbers (a meta tensor has no values; NaN and inf are refused)."""
    if tensor.is_meta:
        raise ValueError(
            f"{where} is on the 'meta' device and has no values to copy; "
            "materialise the model first (e.g. model.to_empty(device='cpu') and load weights)"
        )
    values = tensor.detach().to(device="cpu", dtype=torch.float64)
    finite = torch.isfinite(values)
    if not bool(finite.all()):
        index = tuple(int(i) for i in (~finite).nonzero()[0].tolist())
        bad = values[index].item()
        raise ValueError(
            f"{where}{list(index)} is {bad!r}: only finite weights can be imported "
            "(a NaN or infinite weight makes every output NaN)"
        )
    return values.tolist()


def from_torch(seq: Any, seed: int | None = 0) -> MLP:
    """Return an `MLP` with the weights of a ``torch.nn.Sequential`` of supported layers.

    Supported: ``Linear`` (with or without bias), each optionally followed by one ``ReLU``,
    ``Tanh`` or ``Sigmoid``; ``Identity`` anywhere (skipped). Anything else raises a
    ``ValueError`` naming the layer, e.g. ``unsupported layer 2: Dropout``. ``seed`` only seeds
    the initialisation that the copied weights then overwrite; it is there so the global RNG is
    never touched.

    >>> import torch
    >>> seq = torch.nn.Sequential(torch.nn.Linear(2, 1))
    >>> with torch.no_grad():
    ...     _ = seq[0].weight.copy_(torch.tensor([[2.0, 3.0]])); _ = seq[0].bias.fill_(1.0)
    >>> from_torch(seq)([1.0, 1.0]).data  # 2·1 + 3·1 + 1
    6.0
    """
    torch = _import_torch()
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch expects a torch.nn.Sequential, got {type(seq).__name__}")

    # One entry per Linear: (its weight rows, its bias, its activation name).
    layers: list[tuple[list[list[float]], list[float], str]] = []
    nin = 0
    for name, module in seq.named_children():
        kind = type(module).__name__
        if isinstance(module, torch.nn.Identity):
            continue
        if isinstance(module, torch.nn.Linear):
            weight = _values(module.weight, f"layer {name}: Linear.weight", torch)
            nout = len(weight)
            if not layers:
                nin = module.in_features
            elif len(layers[-1][1]) != module.in_features:
                raise ValueError(
                    f"layer {name}: Linear expects {module.in_features} inputs but the previous "
                    f"Linear gives {len(layers[-1][1])} outputs"
                )
            if module.bias is None:
                bias = [0.0] * nout  # bias=False: the same function with b = 0 (documented)
            else:
                bias = _values(module.bias, f"layer {name}: Linear.bias", torch)
            layers.append((weight, bias, "linear"))
            continue
        if kind in _FROM_TORCH and type(module) is getattr(torch.nn, kind):
            if not layers:
                raise ValueError(f"layer {name}: {kind} comes before any Linear layer")
            if layers[-1][2] != "linear":
                raise ValueError(
                    f"layer {name}: {kind} follows another activation; "
                    "only one activation per Linear is supported"
                )
            weight, bias, _ = layers[-1]
            layers[-1] = (weight, bias, _FROM_TORCH[kind])
            continue
        raise ValueError(
            f"unsupported layer {name}: {kind} (supported: {', '.join(SUPPORTED_LAYERS)})"
        )
    if not layers:
        raise ValueError("from_torch: the Sequential has no Linear layer")

    hidden = {act for _, _, act in layers[:-1]}
    if len(hidden) > 1:
        acts = ", ".join(act for _, _, act in layers[:-1])
        raise ValueError(
            f"MLP uses one activation for all hidden layers, got hidden activations {acts}"
        )
    activation = hidden.pop() if hidden else "relu"
    mlp = MLP(nin, [len(b) for _, b, _ in layers], activation, layers[-1][2], seed=seed)
    for layer, (weight, bias, _) in zip(mlp.layers, layers):
        for neuron, row, b in zip(layer.neurons, weight, bias):
            for w, value in zip(neuron.w, row):
                w.data = float(value)
            neuron.b.data = float(b)
    return mlp
