"""How many multiplications each way: the sum over paths against backpropagation's recursion.

`multiplication_counts` counts, for the hidden layers of a network of any sizes and
activations, the multiplications a hand calculation makes when it writes every gradient as a
sum over its chain-rule paths, and when it goes layer by layer, reusing each neuron's δ. The
worked example's section "The same gradients layer by layer" quotes these counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["multiplication_counts"]


_ACT_COST = {"sigmoid": 1, "tanh": 1, "relu": 0, "linear": 0}  # h·(1 − h); h·h; none; none


@dataclass(frozen=True)
class _LayerCost:
    """The multiplications for one hidden layer's gradients, over the paths and by the
    recursion (see `multiplication_counts`)."""

    layer: int  # 0-based
    neurons: int
    nin: int
    paths: int  # per parameter
    per_weight: int  # multiplications along one path of a weight
    per_bias: int  # ... of a bias (no input factor)
    # layer by layer, for each neuron: (count, what), what being "sum" (Σₖ wₖⱼ·δₖ),
    # "derivative" (f′), "delta" (δⱼ = f′·Σ) or "inputs" (δⱼ times each input)
    per_neuron: tuple[tuple[int, str], ...]

    @property
    def over_paths(self) -> int:
        return self.neurons * self.paths * (self.nin * self.per_weight + self.per_bias)

    @property
    def by_layer(self) -> int:
        return self.neurons * sum(count for count, _ in self.per_neuron)


def _costs(sizes: Sequence[int], acts: Sequence[str]) -> tuple[int, list[_LayerCost]]:
    """The outputs' δ (by the recursion) and each hidden layer's `_LayerCost`, of a network
    with these sizes (inputs first) and activations (one per layer)."""
    depth, out_act = len(acts), acts[-1]
    outputs_delta = sizes[-1] * (_ACT_COST[out_act] + 1) if out_act != "linear" else 0
    rows = []
    for li in range(depth - 1):
        # a path of layer l: ∂E/∂yₖ, [f′ of the output], then for each layer m above l the
        # weight crossed and [f′ of the neuron of layer m − 1 below it]; f′ = 1 is not written
        factors = 1 + (out_act != "linear")
        factors += sum(1 + (acts[m - 1] != "linear") for m in range(li + 1, depth))
        cost = _ACT_COST[out_act] + sum(_ACT_COST[acts[m]] for m in range(li, depth - 1))
        per_neuron = [(sizes[li + 2], "sum")]
        if acts[li] != "linear":
            if _ACT_COST[acts[li]]:
                per_neuron.append((_ACT_COST[acts[li]], "derivative"))
            per_neuron.append((1, "delta"))
        per_neuron.append((sizes[li], "inputs"))
        rows.append(
            _LayerCost(
                layer=li,
                neurons=sizes[li + 1],
                nin=sizes[li],
                paths=math.prod(sizes[li + 2 :]),
                per_weight=factors + cost,  # factors − 1 multiplications, times the input
                per_bias=factors - 1 + cost,
                per_neuron=tuple(per_neuron),
            )
        )
    return outputs_delta, rows


def _count(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive int, got {value!r}")
    return value


def multiplication_counts(
    inputs: int = 3,
    hidden: int | Sequence[int] = 2,
    outputs: int = 2,
    *,
    hidden_activation: str | Sequence[str] = "sigmoid",
    output_activation: str = "linear",
) -> tuple[int, int]:
    """Multiplications for the hidden layers' gradients (weights and biases) of an
    ``inputs``–``hidden``–``outputs`` network: (sum over paths, layer by layer).

    ``hidden`` is the size of the one hidden layer, or a list of sizes (``[]``: no hidden
    layer, nothing to count); ``hidden_activation`` one activation for all of them or one per
    layer.

    Over paths, each path of a parameter is the product of the local derivatives from E down:
    ∂E/∂yₖ·[f′(zₖ)], then for each layer it goes down through, the weight crossed and
    [f′ of the neuron below], then the input xᵢ (a factor that is 1, for a linear activation,
    is not written; a bias has no input), computed afresh for every parameter, with f′ itself
    costing one multiplication for a sigmoid (h·(1 − h)) or tanh (1 − h·h), none for ReLU or
    linear. With one hidden layer that is ∂E/∂yₖ·[f2′(zₖ)]·wₖⱼ·f1′(zⱼ)·xᵢ. Layer by layer, each
    output's δₖ = ∂E/∂yₖ·f′(zₖ) is computed once, then each hidden neuron, from the top
    layer down, computes Σₖ wₖⱼ·δₖ over the layer above (one multiplication per neuron there),
    f′ and δⱼ = f′·Σ, then δⱼ·xᵢ for each of its inputs: the shared δ is reused. ∂E/∂yₖ is
    computed once in both ways and not counted.
    """
    n_in, n_out = _count(inputs, "inputs"), _count(outputs, "outputs")
    if isinstance(hidden, int) and not isinstance(hidden, bool):
        sizes = [_count(hidden, "hidden")]
    elif isinstance(hidden, Sequence) and not isinstance(hidden, str):
        sizes = [_count(h, "each hidden layer size") for h in hidden]
    else:
        raise ValueError(f"hidden must be a layer size or a list of sizes, got {hidden!r}")
    acts = (
        [hidden_activation] * len(sizes)
        if isinstance(hidden_activation, str)
        else list(hidden_activation)
    )
    if len(acts) != len(sizes):
        raise ValueError(
            f"hidden_activation: expected one activation or {len(sizes)} (one per hidden "
            f"layer), got {len(acts)}"
        )
    for act in (*acts, output_activation):
        if act not in _ACT_COST:
            raise ValueError(f"activation must be one of {', '.join(_ACT_COST)}, got {act!r}")
    outputs_delta, rows = _costs([n_in, *sizes, n_out], [*acts, output_activation])
    if not rows:
        return 0, 0
    return sum(r.over_paths for r in rows), outputs_delta + sum(r.by_layer for r in rows)
