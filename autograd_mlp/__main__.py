"""``python -m autograd_mlp`` runs the command-line interface."""

import sys

from .commands import main

sys.exit(main())
