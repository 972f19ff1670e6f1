"""Run inside Pyodide by tests/test_pyodide_deep.py: build a chain of 2·N operations, run
backward, free it, and say so. Printed: platform, N, x.grad, 'freed'."""

import sys

from autograd_mlp.engine import Value
from autograd_mlp.engine import value as value_module

depth = int(sys.argv[1])
x = Value(1.0)
y = x
for _ in range(depth):
    y = y * 1.0001 + 0.0
y.backward()
print(sys.platform, depth, repr(x.grad))
del y  # a recursive free of this chain overflows the browser's stack
assert value_module._orphans == [] and not value_module._draining
print("freed")
