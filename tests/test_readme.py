"""The README's first example runs and prints what the README says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks_with_output(text: str) -> list[tuple[str, str]]:
    """Pairs of (```python block, the ```text block right after it, or '')."""
    pattern = re.compile(r"```python\n(.*?)```\s*(?:```text\n(.*?)```)?", re.S)
    return [(m.group(1), m.group(2) or "") for m in pattern.finditer(text)]


def test_readme_examples_print_what_they_show() -> None:
    blocks = _python_blocks_with_output(README.read_text(encoding="utf-8"))
    assert blocks, "README has no python example"
    for code, expected in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
        if expected:
            assert out.getvalue().strip() == expected.strip()
