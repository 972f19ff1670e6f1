"""Layer 1, the engine and its rules: `Value`, its operations with their local derivatives,
``backward``, and what is computed from them.

Rooms:

* `value` -- the Value, each operation with its rule, backward (start reading here);
* `rules` -- local derivatives for floats and for Values: their forms, the helpers rules are
  written with, the table of rules by op name (`rule_for`, `register_rule`);
* `ieee` -- float arithmetic as PyTorch computes it: inf and nan instead of exceptions;
* `modes` -- the per-thread modes `no_grad` and `detect_anomaly`;
* `functional` -- gradients as return values: `grad`, `hessian`, `hvp`;
* `gradcheck` -- central-difference checks of first and second derivatives;
* `paths` -- chain-rule paths from a leaf to the root, counted and listed;
* `expr` -- the expression language of the command line, parsed with `ast` against a whitelist.

``from autograd_mlp.engine import Value`` is micrograd's ``from micrograd.engine import Value``.
This layer imports nothing else of the package.
"""

from .modes import AnomalyError, detect_anomaly, is_grad_enabled, no_grad
from .rules import register_rule, rule_for
from .value import (
    CONST,
    INPUT,
    LEAF,
    PARAM,
    Number,
    Value,
    role,
    topological_order,
    weighted_sum,
)

__all__ = [
    "Value",
    "Number",
    "AnomalyError",
    "no_grad",
    "detect_anomaly",
    "is_grad_enabled",
    "role",
    "topological_order",
    "weighted_sum",
    "rule_for",
    "register_rule",
    "LEAF",
    "CONST",
    "PARAM",
    "INPUT",
]
