"""Shared test helpers.

`needs(module)` imports an optional dependency. Outside CI a missing one skips the test; under
CI=true it fails the run, so CI can never pass by skipping (the Makefile installs everything).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Under CI the property tests draw the same examples on every run (a fixed seed), so a green
# main stays green; run locally they draw new ones each time and keep exploring. A failure
# prints the example and the blob that replays it.
settings.register_profile("ci", derandomize=True, print_blob=True)
if IN_CI:
    settings.load_profile("ci")


def needs(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if IN_CI:
            pytest.fail(f"{module} is required under CI=true but is not installed: {exc}")
        pytest.skip(f"{module} not installed")
        raise  # unreachable: skip raises


WEB = Path(__file__).parents[1] / "web" / "node_modules"


def needs_web(part: str) -> Path:
    """The path of a pinned browser-side part, e.g. ``needs_web("axe-core/axe.min.js")``:
    installed by ``make web`` (npm ci from web/package-lock.json). Outside CI a missing part
    skips the test; under CI=true it fails the run, as `needs` does."""
    path = WEB / part
    if not path.exists():
        message = f"web/node_modules/{part} is missing: run `make web` (needs npm)"
        if IN_CI:
            pytest.fail(f"{message}; it is required under CI=true")
        pytest.skip(message)
    return path
