"""Code written for karpathy's micrograd runs unchanged on autograd_mlp, with the same results.

`NOTEBOOK_LOSS` and `NOTEBOOK_LOOP` are the training code of micrograd's ``demo.ipynb`` (the
moons demo, https://github.com/karpathy/micrograd/blob/master/demo.ipynb): an MLP(2, [16, 16, 1]),
the SVM max-margin loss, L2 regularisation with α = 1e-4, and SGD for 100 steps with learning
rate 1.0 − 0.9·k/100. The notebook uses full batches (``batch_size=None``), so its minibatch
branch is left out. The only lines that differ between the two runs are the import lines; the
data come from our `make_moons` (scikit-learn's is not a dependency). The model is built by
the notebook's own lines, ``random.seed(1337)`` then ``MLP(2, [16, 16, 1])``.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from autograd_mlp.data import make_moons
from tests.conftest import needs

OURS = "from autograd_mlp import Value, MLP"
MICROGRAD = "from micrograd.engine import Value\nfrom micrograd.nn import MLP"

# The notebook's loss function, as written there (minus the unused minibatch branch).
NOTEBOOK_LOSS = """
def loss():
    Xb, yb = X, y
    inputs = [list(map(Value, xrow)) for xrow in Xb]

    # forward the model to get scores
    scores = list(map(model, inputs))

    # svm "max-margin" loss
    losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    # L2 regularization
    alpha = 1e-4
    reg_loss = alpha * sum((p*p for p in model.parameters()))
    total_loss = data_loss + reg_loss

    # also get accuracy
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)
"""

# The notebook's model, as written there.
NOTEBOOK_MODEL = """
np.random.seed(1337)
random.seed(1337)
model = MLP(2, [16, 16, 1]) # 2-layer neural network
"""

# The notebook's optimisation loop, as written there (printing left out).
NOTEBOOK_LOOP = """
for k in range(100):

    # forward
    total_loss, acc = loss()

    # backward
    model.zero_grad()
    total_loss.backward()

    # update (sgd)
    learning_rate = 1.0 - 0.9*k/100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
"""

SEED = 1337  # the notebook's seed


def moons() -> tuple[list[list[float]], list[int]]:
    """100 points, noise 0.1, labels ±1 (the notebook's ``y = y*2 - 1``)."""
    return make_moons(n_samples=100, noise=0.1, seed=SEED, signed=True)


def run(imports: str, code: str, namespace: dict[str, Any]) -> dict[str, Any]:
    # the notebook's first cell imports random and numpy as np; its later cells use both
    header = "import random\nimport numpy as np\n" + imports + "\n"
    exec(compile(header + code, "<micrograd demo.ipynb>", "exec"), namespace)
    return namespace


@pytest.mark.slow
def test_moons_demo_trains_to_95_percent_with_only_the_import_changed() -> None:
    X, y = moons()
    ns = run(OURS, NOTEBOOK_MODEL + NOTEBOOK_LOSS + NOTEBOOK_LOOP, {"X": X, "y": y})
    assert ns["k"] == 99  # all 100 steps ran
    total_loss, acc = ns["loss"]()  # the trained model, after the last update
    assert acc >= 0.95, f"training accuracy {acc:.0%} after 100 steps"
    assert math.isfinite(total_loss.data) and total_loss.data < 0.1


def test_same_loss_and_gradients_as_micrograd_for_the_same_weights() -> None:
    needs("micrograd")
    X, y = moons()
    ours = run(OURS, f"model = MLP(2, [16, 16, 1], seed={SEED})", {"X": X, "y": y})
    random.seed(SEED)  # the notebook's seeding; the weights are overwritten below anyway
    theirs = run(MICROGRAD, "model = MLP(2, [16, 16, 1])", {"X": X, "y": y})
    ours_params = ours["model"].parameters()
    theirs_params = theirs["model"].parameters()
    assert len(ours_params) == len(theirs_params) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    for mine, other in zip(ours_params, theirs_params):
        other.data = mine.data  # copy the weights across, in parameters() order
    results = []
    for imports, ns in ((OURS, ours), (MICROGRAD, theirs)):
        run(imports, NOTEBOOK_LOSS, ns)
        total_loss, acc = ns["loss"]()
        ns["model"].zero_grad()
        total_loss.backward()
        results.append((total_loss.data, acc, [p.grad for p in ns["model"].parameters()]))
    (loss_a, acc_a, grads_a), (loss_b, acc_b, grads_b) = results
    assert math.isclose(loss_a, loss_b, rel_tol=1e-12)
    assert acc_a == acc_b
    assert any(g != 0.0 for g in grads_b)
    for i, (ga, gb) in enumerate(zip(grads_a, grads_b)):
        assert math.isclose(ga, gb, rel_tol=1e-9, abs_tol=1e-12), (i, ga, gb)
    # and one SGD step of the notebook moves both models to the same weights
    for ns in (ours, theirs):
        for p in ns["model"].parameters():
            p.data -= 1.0 * p.grad
    for mine, other in zip(ours_params, theirs_params):
        assert math.isclose(mine.data, other.data, rel_tol=1e-12, abs_tol=1e-12)
