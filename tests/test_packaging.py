"""The package's own files say what is true: licence, extras, and what `make demo` installs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib on Python 3.10


def _extra(name: str) -> list[str]:
    match = re.search(rf"^{name} = \[(.*)\]", PYPROJECT, re.M)
    assert match, f"pyproject.toml has no extra {name!r}"
    return re.findall(r'"([^"]+)"', match.group(1))


def _make_variable(name: str) -> str:
    match = re.search(rf"^{name}\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, f"Makefile defines no {name}"
    return match.group(1).strip()


def test_the_licence_file_is_the_one_pyproject_names_and_ships() -> None:
    assert re.search(r'^license = "MIT"$', PYPROJECT, re.M)
    assert re.search(r'^license-files = \["LICENSE"\]$', PYPROJECT, re.M)
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert 'THE SOFTWARE IS PROVIDED "AS IS"' in text


def test_make_demo_installs_rendering_and_plots_but_not_torch() -> None:
    demo = set(_make_variable("DEMO_EXTRAS").split(","))
    full = set(_make_variable("TEST_EXTRAS").split(","))
    assert demo == {"render", "plot"}
    assert demo <= full, "the test venv must be able to run the demo as it is"
    demo_requirements = [req for extra in demo for req in _extra(extra)]
    assert demo_requirements, "the demo's extras list nothing"
    assert not any(req.startswith(("torch", "micrograd")) for req in demo_requirements)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: \$\(DEMO_STAMP\)$", makefile, re.M)


def test_make_test_runs_the_wheel_check() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_rule = re.search(r"^test:(.*)$", makefile, re.M)
    assert test_rule and "wheelcheck" in test_rule.group(1).split()
    assert (ROOT / "tools" / "wheel_check.py").is_file()
