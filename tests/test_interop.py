"""The PyTorch bridge: to_torch / from_torch keep the function and its gradients.

Three layers: parity with PyTorch float64 on random MLPs (outputs and every gradient to 1e-12);
a hand-computed network whose numbers are checked exactly; and the round trip and error cases.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mlp import MLP, Value
from autograd_mlp.nn.interop import from_torch, to_torch
from tests.conftest import needs

ACTS = ("relu", "tanh", "sigmoid", "linear")


def _our_forward_backward(
    mlp: MLP, x: list[float], coef: list[float]
) -> tuple[list[float], list[float], list[float]]:
    """Outputs, parameter grads and input grads of L = Σ coefₖ·yₖ (a generic scalar loss)."""
    xs = [Value(v) for v in x]
    out = mlp(xs)
    ys = out if isinstance(out, list) else [out]
    loss = sum((c * y for c, y in zip(coef, ys)), Value(0.0))
    mlp.zero_grad()
    loss.backward()
    return [y.data for y in ys], [p.grad for p in mlp.parameters()], [v.grad for v in xs]


def _torch_forward_backward(
    net: object, x: list[float], coef: list[float]
) -> tuple[list[float], list[float], list[float]]:
    """The same quantities from PyTorch, parameters in our order (per neuron: weights, bias)."""
    torch = needs("torch")
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = net(xt)  # type: ignore[operator]
    loss = (y * torch.tensor(coef, dtype=torch.float64)).sum()
    loss.backward()
    grads: list[float] = []
    for m in net:  # type: ignore[attr-defined]
        if isinstance(m, torch.nn.Linear):
            for row, b in zip(m.weight.grad.tolist(), m.bias.grad.tolist()):
                grads += [*row, b]
    return y.tolist(), grads, xt.grad.tolist()


def _close(a: list[float], b: list[float], tol: float = 1e-12) -> bool:
    return len(a) == len(b) and all(
        math.isclose(u, v, rel_tol=tol, abs_tol=tol) for u, v in zip(a, b)
    )


@settings(max_examples=20, deadline=None)
@given(
    nin=st.integers(1, 4),
    nouts=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(ACTS),
    output_activation=st.sampled_from(ACTS),
    seed=st.integers(0, 10**6),
)
def test_to_torch_matches_outputs_and_gradients(
    nin: int, nouts: list[int], activation: str, output_activation: str, seed: int
) -> None:
    needs("torch")
    rng = random.Random(seed)
    mlp = MLP(nin, nouts, activation, output_activation, seed=seed)
    for p in mlp.parameters():  # nonzero biases too, so the bias mapping is exercised
        p.data = rng.uniform(-1.5, 1.5)
    x = [rng.uniform(-2.0, 2.0) for _ in range(nin)]
    coef = [rng.uniform(-1.0, 1.0) for _ in range(nouts[-1])]
    net = to_torch(mlp)
    ours = _our_forward_backward(mlp, x, coef)
    theirs = _torch_forward_backward(net, x, coef)
    for a, b in zip(ours, theirs):
        assert _close(a, b), (a, b)


@settings(max_examples=20, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    activation=st.sampled_from(("ReLU", "Tanh", "Sigmoid", None)),
    last=st.sampled_from(("ReLU", "Tanh", "Sigmoid", None)),
    bias=st.booleans(),
    seed=st.integers(0, 10**6),
)
def test_from_torch_matches_outputs_and_gradients(
    sizes: list[int], activation: str | None, last: str | None, bias: bool, seed: int
) -> None:
    torch = needs("torch")
    torch.manual_seed(seed)
    modules = []
    for i in range(len(sizes) - 1):
        modules.append(torch.nn.Linear(sizes[i], sizes[i + 1], bias=bias, dtype=torch.float64))
        act = last if i == len(sizes) - 2 else activation
        if act is not None:
            modules.append(getattr(torch.nn, act)())
    net = torch.nn.Sequential(*modules)
    mlp = from_torch(net)
    rng = random.Random(seed)
    x = [rng.uniform(-2.0, 2.0) for _ in range(sizes[0])]
    coef = [rng.uniform(-1.0, 1.0) for _ in range(sizes[-1])]
    ys, pgrads, xgrads = _our_forward_backward(mlp, x, coef)
    ty, tgrads, txgrads = _torch_forward_backward(to_torch(mlp), x, coef)
    # Outputs and input gradients against the ORIGINAL torch module (bias or not).
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    yt = net(xt)
    (yt * torch.tensor(coef, dtype=torch.float64)).sum().backward()
    assert _close(ys, yt.tolist())
    assert _close(xgrads, xt.grad.tolist())
    # Weight gradients against the original; bias gradients (only when it has a bias).
    weight_grads = [
        g for m in net if isinstance(m, torch.nn.Linear) for g in m.weight.grad.flatten().tolist()
    ]
    ours_w = [p.grad for p in mlp.parameters() if not p.label.endswith(".b")]
    assert _close(ours_w, weight_grads)
    # And the exported copy agrees with the imported model on everything.
    assert _close(ys, ty)
    assert _close(pgrads, tgrads)
    assert _close(xgrads, txgrads)


def test_hand_computed_network() -> None:
    """A 2–2–1 network small enough to compute on paper.

    Hidden: z1 = 1·x1 + 2·x2 + 0.5, z2 = −1·x1 + 1·x2 + 0; a = relu(z). Output y = 3·a1 − 2·a2 + 1.
    At x = (1, 1): z = (3.5, 0) so a = (3.5, 0) and y = 3·3.5 − 0 + 1 = 11.5.
    dy/dx1 = 3·1·1 + (−2)·relu'(0)·(−1) = 3 (relu'(0) = 0); dy/dx2 = 3·2 = 6.
    dy/dW1[0] = 3·x = (3, 3); dy/dW1[1] = 0 (relu'(0) = 0); dy/dW2 = a = (3.5, 0).
    """
    torch = needs("torch")
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 2, dtype=torch.float64),
        torch.nn.ReLU(),
        torch.nn.Linear(2, 1, dtype=torch.float64),
    )
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 2.0], [-1.0, 1.0]]))
        net[0].bias.copy_(torch.tensor([0.5, 0.0]))
        net[2].weight.copy_(torch.tensor([[3.0, -2.0]]))
        net[2].bias.copy_(torch.tensor([1.0]))
    mlp = from_torch(net)
    assert mlp.describe() == {"nin": 2, "nouts": [2, 1], "activations": ["relu", "linear"]}
    x = [Value(1.0), Value(1.0)]
    y = mlp(x)
    assert isinstance(y, Value)
    y.backward()
    assert y.data == 11.5
    assert [v.grad for v in x] == [3.0, 6.0]
    assert [p.grad for p in mlp.parameters()] == [3.0, 3.0, 3.0, 0.0, 0.0, 0.0, 3.5, 0.0, 1.0]


def test_round_trip_keeps_weights_and_architecture() -> None:
    needs("torch")
    mlp = MLP(3, [4, 4, 2], activation="tanh", output_activation="sigmoid", seed=7)
    back = from_torch(to_torch(mlp))
    assert back.describe() == mlp.describe()
    assert [p.data for p in back.parameters()] == [p.data for p in mlp.parameters()]
    assert [p.label for p in back.parameters()] == [p.label for p in mlp.parameters()]


def test_to_torch_layers_and_dtype() -> None:
    torch = needs("torch")
    net = to_torch(MLP(2, [3, 3, 1], activation="sigmoid", seed=1))
    assert [type(m).__name__ for m in net] == ["Linear", "Sigmoid", "Linear", "Sigmoid", "Linear"]
    assert all(p.dtype == torch.float64 and p.requires_grad for p in net.parameters())


def test_copies_are_independent() -> None:
    torch = needs("torch")
    mlp = MLP(2, [1], seed=3)
    net = to_torch(mlp)
    with torch.no_grad():
        net[0].weight.fill_(5.0)
    assert mlp.layers[0].neurons[0].w[0].data != 5.0


def test_identity_and_float32_are_accepted() -> None:
    torch = needs("torch")
    net = torch.nn.Sequential(torch.nn.Identity(), torch.nn.Linear(2, 2), torch.nn.Identity())
    mlp = from_torch(net)
    assert mlp.describe()["activations"] == ["linear"]
    # float32 weights widen to float64 exactly
    assert mlp.layers[0].neurons[1].w[0].data == float(net[1].weight[1, 0].item())


def test_unsupported_layer_is_named() -> None:
    torch = needs("torch")
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Dropout(0.1))
    with pytest.raises(ValueError, match="unsupported layer 2: Dropout"):
        from_torch(net)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda nn: [nn.ReLU(), nn.Linear(2, 1)], "layer 0: ReLU comes before any Linear"),
        (lambda nn: [nn.Linear(2, 3), nn.Linear(2, 1)], "layer 1: Linear expects 2 inputs"),
        (lambda nn: [nn.Linear(2, 2), nn.ReLU(), nn.Tanh()], "layer 2: Tanh follows another"),
        (lambda nn: [nn.Identity()], "no Linear layer"),
        (
            lambda nn: [nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1)],
            "one activation for all hidden layers",
        ),
    ],
)
def test_bad_sequentials_raise_value_error(build: object, message: str) -> None:
    torch = needs("torch")
    with pytest.raises(ValueError, match=message):
        from_torch(torch.nn.Sequential(*build(torch.nn)))  # type: ignore[operator]


def test_wrong_types_raise_type_error() -> None:
    torch = needs("torch")
    with pytest.raises(TypeError, match=r"expects an autograd_mlp\.MLP, got Sequential"):
        to_torch(torch.nn.Sequential())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"expects a torch\.nn\.Sequential, got Linear"):
        from_torch(torch.nn.Linear(2, 1))


def test_package_import_does_not_import_torch() -> None:
    """The bridge is optional: importing the package (and the names) must not load torch."""
    code = (
        "import sys, autograd_mlp\n"
        "from autograd_mlp import to_torch, from_torch\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", ["weight", "bias"])
def test_non_finite_weights_are_refused_naming_the_entry(bad: float, where: str) -> None:
    """A NaN weight used to be imported silently, making every output NaN (review D18)."""
    torch = needs("torch")
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    with torch.no_grad():
        if where == "weight":
            net[2].weight[0, 1] = bad
        else:
            net[2].bias[0] = bad
    entry = r"\[0, 1\]" if where == "weight" else r"\[0\]"
    with pytest.raises(ValueError, match=rf"layer 2: Linear\.{where}{entry} is {bad!r}"):
        from_torch(net)


def test_a_meta_tensor_model_is_refused_with_a_value_error() -> None:
    """A model on the meta device has no weights to copy (it gave NotImplementedError)."""
    torch = needs("torch")
    net = torch.nn.Sequential(torch.nn.Linear(2, 1, device="meta"))
    with pytest.raises(ValueError, match=r"layer 0: Linear\.weight is on the 'meta' device"):
        from_torch(net)
