"""Neuron, Layer, MLP: the micrograd API, named activations, labels, seeding, shapes, errors;
gradients against central differences and against a PyTorch float64 twin."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_mlp
from autograd_mlp import MLP, Layer, Neuron, Value
from autograd_mlp.engine import role
from autograd_mlp.engine.gradcheck import numerical_gradient
from autograd_mlp.nn.modules import ACTIVATIONS, MAX_PARAMETERS
from tests.conftest import needs


def test_exported_at_top_level() -> None:
    assert (autograd_mlp.Neuron, autograd_mlp.Layer, autograd_mlp.MLP) == (Neuron, Layer, MLP)


def test_neuron_by_hand_for_every_activation() -> None:
    # z = 0.5·2 + (−1)·3 + 0.25 = −1.75
    expected = {
        "linear": -1.75,
        "relu": 0.0,
        "tanh": math.tanh(-1.75),
        "sigmoid": 1.0 / (1.0 + math.exp(1.75)),
    }
    for activation, value in expected.items():
        n = Neuron(2, activation=activation, seed=0)
        n.w[0].data, n.w[1].data, n.b.data = 0.5, -1.0, 0.25
        assert math.isclose(n([2.0, 3.0]).data, value, rel_tol=1e-15), activation


def test_micrograd_nonlin_keyword() -> None:
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Neuron(2, nonlin=True).activation == "relu"
    assert Layer(2, 3, nonlin=False).activation == "linear"
    assert Neuron(2).nonlin and not Neuron(2, nonlin=False).nonlin
    assert Neuron(2, False).activation == "linear"  # micrograd's positional Neuron(nin, nonlin)
    # micrograd's MLP: relu hidden layers, linear last layer
    assert [layer.activation for layer in MLP(2, [4, 4, 1]).layers] == ["relu", "relu", "linear"]
    assert repr(MLP(2, [1])) == "MLP of [Layer of [LinearNeuron(2)]]"


def test_labels_follow_the_documented_scheme() -> None:
    model = MLP(3, [2, 2], activation="sigmoid")
    labels = [p.label for p in model.parameters()]
    assert labels[:4] == ["L1.N1.w1", "L1.N1.w2", "L1.N1.w3", "L1.N1.b"]
    assert labels[-3:] == ["L2.N2.w1", "L2.N2.w2", "L2.N2.b"]
    assert all(role(p) == "param" and p._op == "" and p.is_leaf for p in model.parameters())
    y = model([1.0, 2.0, 3.0])
    assert isinstance(y, list)
    assert [v.label for v in y] == ["L2.N1.z", "L2.N2.z"]  # linear output: a = z
    hidden = y[0]._prev[1]  # (w1, x1, w2, x2, b): x1 of an output neuron is hidden neuron 1
    assert hidden.label == "L1.N1.a" and hidden._prev[0].label == "L1.N1.z"
    inputs = hidden._prev[0]._prev[1::2][:3]
    assert [(x.label, role(x), x._op) for x in inputs] == [
        ("x1", "input", ""),
        ("x2", "input", ""),
        ("x3", "input", ""),
    ]


def test_weights_can_be_set_by_hand() -> None:
    model = MLP(3, [2, 1], seed=0)
    model.layers[0].neurons[1].w[2].data = 0.3
    assert model.parameters()[6].data == 0.3  # L1.N2.w3: 4 parameters of N1, then w1, w2, w3
    assert model.parameters()[6].label == "L1.N2.w3"


def test_output_shapes() -> None:
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)  # one neuron: the Value, as micrograd
    assert isinstance(Layer(2, 2)([1.0, 2.0]), list)
    assert isinstance(Layer(2, 1).outputs([1.0, 2.0]), list)
    assert isinstance(MLP(2, [3, 1])([1.0, 2.0]), Value)  # one output neuron: a Value
    out = MLP(2, [3, 2])([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 2
    narrow = MLP(2, [1, 3, 1], activation="tanh", seed=0)  # a one-neuron hidden layer
    y = narrow([1.0, -1.0])
    assert isinstance(y, Value)
    y.backward()  # the gradient reaches the first layer through the single neuron
    assert all(p.grad != 0.0 for p in narrow.layers[0].parameters())


def test_values_as_inputs_get_gradients() -> None:
    x = [Value(0.5, label="a"), Value(-0.2, label="b")]
    y = MLP(2, [2, 1], activation="tanh", seed=1)(x)
    assert isinstance(y, Value)
    y.backward()
    assert all(v.grad != 0.0 for v in x) and x[0].label == "a"


def test_seeded_initialisation_uses_a_private_rng() -> None:
    state = random.getstate()
    a = [p.data for p in MLP(3, [4, 2], seed=42).parameters()]
    assert random.getstate() == state
    assert a == [p.data for p in MLP(3, [4, 2], seed=42).parameters()]
    assert a != [p.data for p in MLP(3, [4, 2], seed=43).parameters()]
    weights = [p.data for p in MLP(3, [4, 2], seed=42).parameters() if p.label[-1] != "b"]
    assert all(-1.0 <= w <= 1.0 for w in weights)  # micrograd's U(−1, 1), biases 0
    assert all(p.data == 0.0 for p in MLP(3, [4, 2], seed=42).parameters() if p.label[-1] == "b")


def test_unseeded_models_follow_random_seed_as_in_micrograd() -> None:
    # micrograd draws its weights from the global RNG, so its demo's random.seed(1337) makes
    # every run start from the same weights; ours does too when no seed= is given.
    random.seed(1337)
    a = [p.data for p in MLP(2, [16, 16, 1]).parameters()]
    random.seed(1337)
    assert a == [p.data for p in MLP(2, [16, 16, 1]).parameters()]
    random.seed(1338)
    assert a != [p.data for p in MLP(2, [16, 16, 1]).parameters()]


def test_zero_grad() -> None:
    model = MLP(2, [3, 1], seed=0)
    y = model([1.0, 2.0])
    assert isinstance(y, Value)
    (y * y + 1).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 and type(p.grad) is float for p in model.parameters())


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: MLP(3, [2])([1.0, 2.0]), ValueError, "expected 3 inputs, got 2"),
        (lambda: Neuron(3)([1.0]), ValueError, "expected 3 inputs, got 1"),
        (lambda: MLP(2, [2])(1.0), TypeError, "sequence of 2 numbers"),
        (lambda: MLP(0, [2]), ValueError, "nin must be a positive int, got 0"),
        (lambda: MLP(2, []), ValueError, "non-empty list"),
        (lambda: MLP(2, [2, 0]), ValueError, r"nouts\[1\] must be a positive int, got 0"),
        (lambda: MLP(2, [2], activation="softmax"), ValueError, "got 'softmax'"),
        (lambda: Neuron(2, activation="gelu"), ValueError, "'relu', 'tanh'"),
        (lambda: MLP(2, [2], seed="x"), TypeError, "seed must be an int"),
    ],
)
def test_bad_input(call: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_numpy_row_is_accepted() -> None:
    import numpy as np  # a core dependency of the package

    model = MLP(2, [2, 1], seed=0)
    a = model(np.array([0.5, -1.0]))
    b = model([0.5, -1.0])
    assert isinstance(a, Value) and isinstance(b, Value) and a.data == b.data


# ------------------------------------------------------------------------------------------------
# Gradients: central differences (property) and PyTorch float64 (parity)
# ------------------------------------------------------------------------------------------------

smooth = st.sampled_from(["tanh", "sigmoid", "linear"])
coordinate = st.floats(-2.0, 2.0, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(smooth, smooth, st.lists(coordinate, min_size=3, max_size=3), st.integers(0, 10**6))
def test_mlp_parameter_gradients_match_central_differences(
    hidden: str, out: str, x: list[float], seed: int
) -> None:
    model = MLP(3, [3, 2], activation=hidden, output_activation=out, seed=seed)
    params = model.parameters()

    def loss_of(*values: Value) -> Value:
        for p, v in zip(params, values):
            p.data = v.data
        y = model(x)
        assert isinstance(y, list)
        return y[0] * y[0] + y[1] * 3.0

    start = [p.data for p in params]
    numeric = numerical_gradient(loss_of, start)
    for p, v in zip(params, start):
        p.data = v
    model.zero_grad()
    loss_of(*[Value(v) for v in start]).backward()
    for p, n in zip(params, numeric):
        assert math.isclose(p.grad, n, rel_tol=1e-5, abs_tol=1e-7), (p.label, p.grad, n)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_forward_and_gradients_match_torch(activation: str) -> None:
    torch = needs("torch")
    model = MLP(3, [4, 2], activation=activation, output_activation="tanh", seed=7)
    x = [0.3, -1.2, 0.8]
    y = model(x)
    assert isinstance(y, list)
    loss = y[0] * 2.0 + y[1] * y[1]
    loss.backward()

    # the same network in PyTorch, weights copied layer by layer
    act = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "linear": lambda z: z,
    }
    tensors = []
    h = torch.tensor(x, dtype=torch.float64)
    for layer, f in zip(model.layers, (act[activation], torch.tanh)):
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64,
                         requires_grad=True)  # fmt: skip
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64,
                         requires_grad=True)  # fmt: skip
        tensors.append((layer, W, b))
        h = f(W @ h + b)
    expected = h[0] * 2.0 + h[1] * h[1]
    expected.backward()
    assert math.isclose(loss.data, expected.item(), rel_tol=1e-13)
    for layer, W, b in tensors:
        for j, n in enumerate(layer.neurons):
            for i, w in enumerate(n.w):
                assert math.isclose(w.grad, W.grad[j, i].item(), rel_tol=1e-12, abs_tol=1e-15)
            assert math.isclose(n.b.grad, b.grad[j].item(), rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLP(10**9, [1]),
        lambda: MLP(int("9" * 4000), [1]),
        lambda: MLP(2, [16, int("9" * 4000), 1]),
        lambda: Layer(5_000, 5_000),
        lambda: Neuron(10**8),
    ],
)
def test_a_model_too_large_for_a_scalar_engine_is_refused_at_once(make: Any) -> None:
    # review 2026-12: MLP(int('9'*4000), [1]) filled the memory one Value at a time (OOM-killed)
    with pytest.raises(ValueError, match="parameters, more than the 10,000,000") as err:
        make()
    assert len(str(err.value)) < 300 and "\n" not in str(err.value)


def test_the_limit_counts_weights_and_biases() -> None:
    # (nin + 1)·nout summed over layers: 999·10,000 + 10,001·1 = 10,000,001, one too many
    with pytest.raises(ValueError, match="10,000,001 parameters"):
        MLP(998, [10_000, 1])
    assert MAX_PARAMETERS == 10_000_000  # the documented limit
