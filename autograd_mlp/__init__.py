"""autograd_mlp: a scalar autodiff engine that shows how neural networks learn.

>>> from autograd_mlp import Value
>>> x = Value(3.0, label="x")
>>> y = x * x * x
>>> y.backward()
>>> x.grad
27.0
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
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
from .nn.interop import from_torch, to_torch  # imports torch only when called
from .nn.losses import binary_cross_entropy, cross_entropy, hinge, mse, sse
from .nn.optim import SGD, Adam
from .nn.train import History, fit
from .teach import (  # the classroom tools; Graphviz and Pillow are imported only to render
    backward_frames,
    check,
    draw_network,
    exercise,
    explain,
    paths,
    save_frames,
)
from .viz import draw_graph, to_html  # DOT text / the lesson page; Graphviz runs only to render

if TYPE_CHECKING:
    from .nn.fast import Trace, TraceError, trace


# The fast path needs NumPy, which takes longer to import than the rest of the package; it is
# loaded the first time one of its names is used (PEP 562), so `import autograd_mlp` and the
# command line stay quick.
_LAZY = ("trace", "Trace", "TraceError")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from .nn import fast

        return getattr(fast, name)
    raise AttributeError(f"module 'autograd_mlp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
