"""Layer 5, the commands: ``autograd-mlp`` (also ``python -m autograd_mlp``) and its demo.

Each command is a room of its own; they share one way to parse arguments, report errors and
write files. Nothing below this layer imports it.
"""
