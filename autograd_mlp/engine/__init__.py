"""Layer 1, the engine and its rules: `Value`, its operations with their local derivatives,
``backward``, and what is computed from them.

Rooms:

* `value` -- the Value, each operation with its rule, backward (start reading here);
* `functional` -- gradients as return values: `grad`, `hessian`, `hvp`;
* `gradcheck` -- central-difference checks of first and second derivatives;
* `paths` -- chain-rule paths from a leaf to the root, counted and listed;
* `expr` -- the expression language of the command line, parsed with `ast` against a whitelist.

``from autograd_mlp.engine import Value`` is micrograd's ``from micrograd.engine import Value``.
This layer imports nothing else of the package.
"""

from .value import (
    CONST,
    INPUT,
    LEAF,
    PARAM,
    AnomalyError,
    Number,
    Value,
    detect_anomaly,
    is_grad_enabled,
    no_grad,
    register_rule,
    role,
    rule_for,
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
