"""Compile LaTeX with a real engine (pdflatex) in tests.

`compile_latex(tex, folder)` writes ``tex`` to ``folder/doc.tex``, runs pdflatex in that folder
(-interaction=nonstopmode -halt-on-error, so an error stops it instead of waiting for input)
and fails the test when pdflatex exits non-zero or its log reports an overfull box or an
undefined control sequence or reference. Outside CI a missing pdflatex skips the test with the
reason; under CI=true it fails (Debian: texlive-latex-base for article and standalone
documents, texlive-latex-recommended and texlive-pictures for beamer).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI


def pdflatex() -> str:
    path = shutil.which("pdflatex")
    if path is None:
        reason = "pdflatex is not installed (Debian: apt-get install texlive-latex-base)"
        if IN_CI:
            pytest.fail(f"{reason}; it is required under CI=true")
        pytest.skip(reason)
    return path


def compile_latex(tex: str, folder: Path, name: str = "doc") -> Path:
    """Compile ``tex``; return the PDF. Fails on an error, an overfull box or 'Undefined'."""
    engine = pdflatex()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(
        [engine, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",  # the log quotes the input byte by byte
        timeout=900,  # a guard against a hang, not a speed test: a loaded machine is slow
        stdin=subprocess.DEVNULL,
    )
    log = (folder / f"{name}.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert done.returncode == 0, f"pdflatex failed: {errors or done.stdout[-2000:]}"
    bad = [line for line in log.splitlines() if "Overfull" in line or "Undefined" in line]
    assert not bad, f"pdflatex reported: {bad[:5]}"
    assert "Missing character" not in log, "a character the fonts do not have"
    pdf = folder / f"{name}.pdf"
    assert pdf.stat().st_size > 1000
    return pdf


def pdf_page_sizes(pdf: Path) -> list[tuple[float, float]]:
    """Every page's size in points, read by poppler's pdfinfo (pdfTeX compresses the page
    objects, so they cannot be read from the bytes). Missing pdfinfo: skip, or fail under CI."""
    tool = shutil.which("pdfinfo")
    if tool is None:
        reason = "pdfinfo is not installed (Debian: apt-get install poppler-utils)"
        if IN_CI:
            pytest.fail(f"{reason}; it is required under CI=true")
        pytest.skip(reason)
    out = subprocess.run(
        [tool, "-f", "1", "-l", "9999", str(pdf)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", out)
    ]
