"""Optional dependencies: whether one is installed, and the error that names the extra to install.

The core of the package (the engine, networks, training without ``fast=True``, losses,
optimizers, data, model files, DOT text, the teaching text) needs only the pure wheels
``graphviz`` and ``tqdm``, so it installs anywhere Python runs, Pyodide included (DESIGN §7,
§11). NumPy is an extra, ``fast``: the batched fast path (`autograd_mlp.nn.fast`) and the lesson
of the learning constant (eigenvalues of the Hessian, `autograd_mlp.teach.curvature`) need it.
The ``plot`` extra installs it too, as matplotlib needs it.

This module imports nothing of the package and no optional dependency.
"""

from __future__ import annotations

import importlib.util

__all__ = ["has_numpy", "require_numpy", "NUMPY_EXTRA"]

NUMPY_EXTRA = "fast"


def has_numpy() -> bool:
    """True if NumPy can be imported (checked without importing it)."""
    return importlib.util.find_spec("numpy") is not None


def require_numpy(feature: str) -> None:
    """Raise ImportError, naming the extra that installs NumPy, if NumPy is not installed.

    ``feature`` says what needs it, e.g. ``"trace (the fast path)"``.
    """
    if not has_numpy():
        raise ImportError(
            f"{feature} needs NumPy, which is not installed. Install the package with its "
            f'"{NUMPY_EXTRA}" extra: pip install "autograd_mlp[{NUMPY_EXTRA}]" (or pip install '
            f"numpy). Everything else -- Value, backward, MLP, fit without fast=True, drawing "
            f"and the lessons' text -- works without it.",
            name="numpy",
        )
