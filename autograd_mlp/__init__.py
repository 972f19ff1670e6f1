"""autograd_mlp: a scalar autodiff engine that shows how neural networks learn.

>>> from autograd_mlp import Value
>>> x = Value(3.0, label="x")
>>> y = x * x * x
>>> y.backward()
>>> x.grad
27.0
"""

from .engine import AnomalyError, Value, detect_anomaly, no_grad, weighted_sum
from .gradcheck import GradcheckError, gradcheck
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
    "__version__",
]
