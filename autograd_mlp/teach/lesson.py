"""The lesson this project grew from: one training step of a 3–2–2 network, by hand.

3 inputs, 2 hidden neurons with sigmoid, 2 output neurons with a linear ("purelin")
activation, squared error for one sample (N = 1), and gradient descent W' = W − a·∂E/∂W with
learning constant a = 0.02, repeated until an iteration count or a target error is reached.

The tutorial's own numbers are lost, so these are the project's documented example numbers,
chosen small and distinct so that every product on the board is easy to check by hand:

    input x      = (1.0, 0.5, -1.0)          truth t  = (1.0, 0.0)
    W1 (hidden)  = [[ 0.1, -0.2,  0.3],      b1 = (0.1, -0.1)
                    [ 0.4,  0.2, -0.5]]
    W2 (output)  = [[ 0.6, -0.3],            b2 = (0.05, -0.05)
                    [ 0.2,  0.7]]

Row j of W1 holds the weights of hidden neuron j (label ``L1.Nj.wi`` for input i); row k of W2
holds the weights of output neuron k. The error is E = Σₖ (tₖ − yₖ)² (mean over N = 1 sample,
summed over the two outputs), so ∂E/∂yₖ = −2·(tₖ − yₖ).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..engine import CONST, Value
from ..nn import MLP

__all__ = [
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

LESSON_X = (1.0, 0.5, -1.0)
LESSON_T = (1.0, 0.0)
LESSON_W1 = ((0.1, -0.2, 0.3), (0.4, 0.2, -0.5))
LESSON_B1 = (0.1, -0.1)
LESSON_W2 = ((0.6, -0.3), (0.2, 0.7))
LESSON_B2 = (0.05, -0.05)
LESSON_LR = 0.02  # the tutorial's learning constant a


def lesson_network() -> MLP:
    """The 3–2–2 network with the documented example weights set by hand."""
    model = MLP(3, [2, 2], activation="sigmoid", output_activation="linear", seed=0)
    for layer, weights, biases in (
        (model.layers[0], LESSON_W1, LESSON_B1),
        (model.layers[1], LESSON_W2, LESSON_B2),
    ):
        for neuron, row, bias in zip(layer.neurons, weights, biases):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = bias
    return model


def lesson_error(y: Sequence[Value], t: Sequence[float] = LESSON_T) -> Value:
    """E = Σₖ (tₖ − yₖ)², the squared error of one sample; labelled ``E``.

    The targets are constants labelled ``t1``, ``t2``..., so drawings and derivations name them
    as the lesson does instead of showing a bare number.
    """
    targets = [Value(tk, f"t{k + 1}", (), (), CONST) for k, tk in enumerate(t)]
    terms = [(tk - yk) ** 2 for yk, tk in zip(y, targets)]
    error = terms[0]
    for term in terms[1:]:
        error = error + term
    error.label = "E"
    return error
