"""``python -m autograd_mlp`` runs the command-line interface."""

import sys

from .commands.cli import main

sys.exit(main())
