"""Layer 2, networks and training: neurons, layers and MLPs built from Values, and what trains
and keeps them.

Rooms:

* `modules` -- `Module`, `Neuron`, `Layer`, `MLP` (micrograd's ``nn``);
* `losses` -- one number that says how wrong the network is;
* `optim` -- SGD and Adam: gradients into parameter updates;
* `data` -- seeded toy datasets (moons, circles, xor, spiral, blobs);
* `train` -- `fit`, the training loop with the lesson's stopping rules;
* `io` -- models as versioned JSON;
* `fast` -- the batched NumPy replay of a traced graph (NumPy is imported only here);
* `interop` -- to and from PyTorch (imported only when called).

``from autograd_mlp.nn import MLP`` is micrograd's ``from micrograd.nn import MLP``. This layer
imports the engine and nothing above it.
"""

from .modules import MLP, Layer, Module, Neuron

__all__ = ["Module", "Neuron", "Layer", "MLP"]
