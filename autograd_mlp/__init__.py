"""autograd_mlp: a scalar autodiff engine that shows how neural networks learn.

>>> from autograd_mlp import Value
>>> x = Value(3.0, label="x")
>>> y = x * x * x
>>> y.backward()
>>> x.grad
27.0
"""

from .engine import AnomalyError, Value, detect_anomaly, no_grad, weighted_sum
from .fast import Trace, TraceError, trace
from .gradcheck import GradcheckError, gradcheck
from .interop import from_torch, to_torch  # imports torch only when called
from .nn import MLP, Layer, Module, Neuron

__version__ = "0.1.0"

__all__ = [
    "Value",
    "no_grad",
    "detect_anomaly",
    "AnomalyError",
    "weighted_sum",
    "gradcheck",
    "GradcheckError",
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "to_torch",
    "from_torch",
    "trace",
    "Trace",
    "TraceError",
    "__version__",
]
