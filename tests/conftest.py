"""Shared test helpers.

`needs(module)` imports an optional dependency. Outside CI a missing one skips the test; under
CI=true it fails the run, so CI can never pass by skipping (the Makefile installs everything).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def needs(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if IN_CI:
            pytest.fail(f"{module} is required under CI=true but is not installed: {exc}")
        pytest.skip(f"{module} not installed")
        raise  # unreachable: skip raises
