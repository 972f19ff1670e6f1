"""Every ```python block in docs/*.md and README.md runs, so a broken example fails CI.

Rules (stated in mkdocs.yml too): the blocks of one page run in order in one fresh namespace, as
a reader would paste them; each page starts from an empty namespace with a temporary directory
as the working directory, so examples may write files. Blocks fenced as ```text, ```sh or
anything else are not run. Only top-level fences count (not indented ones).

A failing block is reported as ``<file>:<line>`` of the line that failed: each block is compiled
with the page's path as its file name and padded so its line numbers are the page's.
"""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]

_OPEN = re.compile(r"^```python\s*$")
_CLOSE = re.compile(r"^```\s*$")
_OTHER_OPEN = re.compile(r"^```\S+")


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown text as (line number of the first code line, code).

    Other fenced blocks are skipped whole, so a ```python inside a ```text block is not run.
    An unterminated fence is an error: it would hide the rest of the page.
    """
    blocks: list[tuple[int, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        is_python = bool(_OPEN.match(line))
        if is_python or _OTHER_OPEN.match(line) or _CLOSE.match(line):
            start = i + 1
            end = start
            while end < len(lines) and not _CLOSE.match(lines[end]):
                end += 1
            if end == len(lines):
                raise ValueError(f"line {i + 1}: code fence {line.strip()!r} is never closed")
            if is_python:
                blocks.append((start + 1, "\n".join(lines[start:end]) + "\n"))
            i = end + 1
            continue
        i += 1
    return blocks


def run_page(path: Path, workdir: Path) -> None:
    """Run the page's python blocks in order in one namespace; raise AssertionError naming
    ``file:line`` at the first failure."""
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    previous = Path.cwd()
    os.chdir(workdir)
    try:
        for first_line, code in blocks:
            # Pad with newlines so that tracebacks show the page's own line numbers.
            compiled = compile("\n" * (first_line - 1) + code, str(path), "exec")
            try:
                exec(compiled, namespace)
            except Exception as exc:
                line = _failing_line(exc, str(path)) or first_line
                detail = "".join(traceback.format_exception(exc)[-3:])
                raise AssertionError(
                    f"{path}:{line}: example (block starting at line {first_line}) failed: "
                    f"{type(exc).__name__}: {exc}\n{detail}"
                ) from exc
    finally:
        os.chdir(previous)


def _failing_line(exc: BaseException, filename: str) -> int | None:
    """The last line of ``filename`` in the traceback: where in the page the error happened."""
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        return exc.lineno
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == filename:
            line = frame.lineno
    return line


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_examples_run(page: Path, tmp_path: Path) -> None:
    run_page(page, tmp_path)


# --- the runner itself: it must find blocks, skip the others, and name the failing line ---------


def test_runner_reports_file_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n"
        "\n"
        "```python\n"
        "x = 1\n"
        "```\n"
        "\n"
        "```text\n"
        "```python\n"
        "this is not run\n"
        "```\n"
        "\n"
        "```python\n"
        "y = x + 1\n"
        "assert y == 3, 'y is 2'\n"
        "```\n",
        encoding="utf-8",
    )
    assert [line for line, _ in python_blocks(page.read_text())] == [4, 13]
    with pytest.raises(AssertionError, match=rf"{re.escape(str(page))}:14: .*y is 2"):
        run_page(page, tmp_path)


def test_runner_shares_namespace_and_uses_workdir(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nfrom pathlib import Path\nPath('out.txt').write_text('hi')\n```\n"
        "```python\nassert Path('out.txt').read_text() == 'hi'\n```\n",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    run_page(page, work)
    assert (work / "out.txt").read_text() == "hi"


def test_unclosed_fence_is_an_error() -> None:
    with pytest.raises(ValueError, match="line 2: code fence '```python' is never closed"):
        python_blocks("text\n```python\nx = 1\n")


def test_docs_have_examples() -> None:
    """Guard against the runner silently finding nothing (e.g. a changed fence style)."""
    total = sum(len(python_blocks(p.read_text(encoding="utf-8"))) for p in PAGES)
    assert total >= 10, f"only {total} python blocks found in docs/*.md and README.md"
