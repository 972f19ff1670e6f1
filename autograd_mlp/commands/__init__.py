"""Layer 5, the commands: ``autograd-mlp`` (also ``python -m autograd_mlp``) and its demo.

Each command is a room of its own (`cli` lists them); they share one way to parse arguments,
report errors and write files (`base`). Nothing below this layer imports it.

`main` here is the entry point the ``autograd-mlp`` script calls. It is kept apart from `cli`
so that the script starts with almost nothing imported: the commands' modules (and through
them the engine, Graphviz's interface, Pillow) load inside it, where a Ctrl-C during those
imports is one line, ``autograd-mlp: interrupted``, and exit code 130, not a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: the process's) and return its exit code."""
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        print("autograd-mlp: interrupted", file=sys.stderr)
        return 130
    return run(argv)
