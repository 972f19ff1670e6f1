"""autograd_mlp: a scalar autodiff engine that shows how neural networks learn.

>>> from autograd_mlp import Value
>>> x = Value(3.0, label="x")
>>> y = x * x * x
>>> y.backward()
>>> x.grad
27.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

# Each public name and the module it lives in. Nothing is imported until a name is first used
# (PEP 562): `import autograd_mlp` costs a few milliseconds, `from autograd_mlp import Value`
# loads the engine alone, and the command line starts before its first import of Graphviz,
# Pillow or NumPy (the fast path's names load NumPy, the drawing ones graphviz).
_WHERE = {
    **dict.fromkeys(
        (
            "Value",
            "no_grad",
            "is_grad_enabled",
            "detect_anomaly",
            "AnomalyError",
            "weighted_sum",
            "register_rule",
        ),
        "engine",
    ),
    **dict.fromkeys(("grad", "hessian", "hvp"), "engine.functional"),
    **dict.fromkeys(("gradcheck", "gradgradcheck", "GradcheckError"), "engine.gradcheck"),
    **dict.fromkeys(("Module", "Neuron", "Layer", "MLP"), "nn"),
    **dict.fromkeys(("fit", "History"), "nn.train"),
    **dict.fromkeys(("SGD", "Adam"), "nn.optim"),
    **dict.fromkeys(("mse", "sse", "hinge", "binary_cross_entropy", "cross_entropy"), "nn.losses"),
    **dict.fromkeys(
        ("make_moons", "make_circles", "make_xor", "make_spiral", "make_blobs", "to_signed"),
        "nn.data",
    ),
    **dict.fromkeys(("to_torch", "from_torch"), "nn.interop"),  # torch only when called
    **dict.fromkeys(("trace", "Trace", "TraceError"), "nn.fast"),  # NumPy
    **dict.fromkeys(("draw_graph", "to_html"), "viz"),
    **dict.fromkeys(
        (
            "paths",
            "explain",
            "draw_network",
            "backward_frames",
            "save_frames",
            "exercise",
            "check",
        ),
        "teach",
    ),
}

if TYPE_CHECKING:  # what a type checker and an editor see: the same names, imported at once
    from .engine import (
        AnomalyError,
        Value,
        detect_anomaly,
        is_grad_enabled,
        no_grad,
        register_rule,
        weighted_sum,
    )
    from .engine.functional import grad, hessian, hvp
    from .engine.gradcheck import GradcheckError, gradcheck, gradgradcheck
    from .nn import MLP, Layer, Module, Neuron
    from .nn.data import make_blobs, make_circles, make_moons, make_spiral, make_xor, to_signed
    from .nn.fast import Trace, TraceError, trace
    from .nn.interop import from_torch, to_torch
    from .nn.losses import binary_cross_entropy, cross_entropy, hinge, mse, sse
    from .nn.optim import SGD, Adam
    from .nn.train import History, fit
    from .teach import (
        backward_frames,
        check,
        draw_network,
        exercise,
        explain,
        paths,
        save_frames,
    )
    from .viz import draw_graph, to_html


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd_mlp' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next use is a plain lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))


__all__ = [
    "Value",
    "draw_graph",
    "to_html",
    "no_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "AnomalyError",
    "weighted_sum",
    "gradcheck",
    "GradcheckError",
    "grad",
    "hessian",
    "hvp",
    "gradgradcheck",
    "register_rule",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "fit",
    "History",
    "SGD",
    "Adam",
    "mse",
    "sse",
    "hinge",
    "binary_cross_entropy",
    "cross_entropy",
    "make_moons",
    "make_circles",
    "make_xor",
    "make_spiral",
    "make_blobs",
    "to_signed",
    "to_torch",
    "from_torch",
    "trace",
    "Trace",
    "TraceError",
    "paths",
    "explain",
    "draw_network",
    "backward_frames",
    "save_frames",
    "exercise",
    "check",
    "__version__",
]
