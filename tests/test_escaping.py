"""User text in every output: LaTeX, Markdown and the terminal (review 2026-12, N1, N2, N20).

A lesson's title and a Value's label are the user's: in LaTeX they must not read a file
(``\\input``), run a command (``\\write18`` under ``-shell-escape``), end the document early
(``\\enddocument``) or break it (``$``, a blank line, ``\\verb``, CJK, NUL); in Markdown they must
not become HTML; on a terminal they must not move the cursor or clear the screen. The LaTeX
corpus is compiled by a real pdflatex with ``-shell-escape`` beside a canary file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from autograd_mlp import Value
from autograd_mlp.teach.exercise import check, exercise, load_sheet
from autograd_mlp.teach.explain import explain
from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.teach.worked import worked_example
from autograd_mlp.viz.naming import md_code, md_text, printable, tex_escape, tex_text
from tests.conftest import IN_CI
from tests.latex_tools import pdflatex

CANARY = "SECRET-CANARY-7f3a"

# The review's payloads (N1, N2 and its "LaTeX from labels" corpus), and a few more.
PAYLOADS = [
    "\\input secret.txt ",
    "\\csname @@input\\endcsname secret.txt ",
    "\\openin5=secret.txt \\read5to\\x \\x",
    "\\immediate\\write18{touch PWNED}",
    "\\immediate\\write18\\bgroup touch PWNED",
    "x\n\\immediate\\write18{touch PWNED}\n%",
    "\\enddocument",
    "$",
    "a\n\nb",
    "\\par",
    "trailing \\",
    "\\begingroup",
    "\\endgroup",
    "\\catcode`\\%=12 100% sure",
    "\\verb|x|",
    "中文の題",
    "emoji 😀",
    "NUL\x00 BEL\x07 DEL\x7f",
    "line\nbreak",
    "50%",
    "^^5cinput secret.txt ",
    "}}} {{{ #&_~^",
    "ESC\x1b[2J\x1b]0;pwned\x07 CSI\x9b1m",
    "\u202eevil\u2066",
    "é ß Æ ǘ í ł Ø – “quotes” …",
    "σ·w ≤ 2²² − λ",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "x" * 150,
]
IDS = [f"payload{i}" for i in range(len(PAYLOADS))]


def _compile(tex: str, folder: Path) -> tuple[str, str]:
    """Compile ``tex`` with -shell-escape beside a canary file; return (the PDF's text, the
    log). Fails unless pdflatex succeeds, nothing was run and the canary was not read."""
    engine = pdflatex()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "secret.txt").write_text(CANARY + "\n", encoding="utf-8")
    (folder / "doc.tex").write_text(tex, encoding="utf-8")
    done = subprocess.run(
        [engine, "-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=900,  # a guard against a hang, not a speed test: a loaded machine is slow
        stdin=subprocess.DEVNULL,
    )
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert done.returncode == 0, f"pdflatex failed: {errors or done.stdout[-1500:]}"
    assert not list(folder.glob("PWNED*")), "a command ran"
    assert "Missing character" not in log
    text = _pdf_text(folder / "doc.pdf")
    assert CANARY not in text and CANARY not in log, "the canary file was read"
    return text, log


def _pdf_text(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        reason = "pdftotext is not installed (Debian: apt-get install poppler-utils)"
        if IN_CI:
            pytest.fail(f"{reason}; it is required under CI=true")
        pytest.skip(reason)
    return subprocess.run(
        [tool, str(pdf), "-"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def _overfull(log: str) -> list[str]:
    return [line for line in log.splitlines() if line.startswith("Overfull \\hbox")]


def _titled(title: str) -> Lesson:
    return Lesson(DEFAULT_LESSON.inputs, DEFAULT_LESSON.targets, DEFAULT_LESSON.layers, title=title)


# ------------------------------------------------------------------------------------------------
# LaTeX: a lesson's title (N1) and a label (N2), compiled
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("document", ["article", "beamer"])
@pytest.mark.parametrize("title", PAYLOADS, ids=IDS)
def test_a_hostile_title_is_text_in_the_worked_examples_latex(
    tmp_path: Path, title: str, document: str
) -> None:
    tex = worked_example("latex", document=document, lesson=_titled(title), steps=1)
    text, log = _compile(tex, tmp_path)
    assert "How big may a be?" in text  # the whole document: \enddocument did not end it
    assert not _overfull(log), _overfull(log)[:3]


@pytest.mark.parametrize("document", ["article", "beamer", None])
@pytest.mark.parametrize("label", PAYLOADS, ids=IDS)
def test_a_hostile_label_is_text_in_explains_latex(
    tmp_path: Path, label: str, document: str | None
) -> None:
    x = Value(2.0, label=label)
    y = (x * 3).tanh()
    y.label = "y"
    tex = explain(y, x, format="latex", document=document, lr=0.1)
    lines = tex.splitlines()
    for i, line in enumerate(lines):  # the comment naming the derivative (not in beamer)
        if "chain-rule path" in line:
            assert line.startswith("% ") and lines[i + 1] == "\\["  # still one line (N2)
    if document is None:
        tex = "\n".join(
            [r"\documentclass{article}", r"\usepackage{amsmath}", r"\begin{document}", tex]
        )
        tex += "\n\\end{document}\n"
    text, _ = _compile(tex, tmp_path)
    if len(label) < 60:  # a longer name runs off the page: a display cannot break a name
        assert "0.1" in text  # the update, the last display: nothing cut the document short


def test_tex_text_keeps_what_the_fonts_can_set() -> None:
    assert (
        tex_text("Lección 1: ½·σ(z) ≤ 1")
        == r"Lecci\'{o}n 1: ${\frac{1}{2}}{\cdot}{\sigma}$(z) ${\le}$ 1"
    )
    assert tex_text("\\input x") == r"\textbackslash{}input x"
    assert tex_text("中😀") == "??"  # pdflatex's default fonts have neither
    assert tex_escape("x\ny") == "x y" and tex_escape("w₁") == "w{_{1}}"


# ------------------------------------------------------------------------------------------------
# Markdown (N20): no raw HTML, no line break in a heading or a table row
# ------------------------------------------------------------------------------------------------


def _html(markdown_text: str) -> str:
    markdown = pytest.importorskip("markdown")  # Python-Markdown, what MkDocs renders with
    html: str = markdown.markdown(markdown_text, extensions=["tables", "fenced_code"])
    return html


@pytest.mark.parametrize("title", PAYLOADS, ids=IDS)
def test_a_hostile_title_is_text_in_the_worked_examples_markdown(title: str) -> None:
    page = worked_example("markdown", lesson=_titled(title), steps=1)
    heading = page.splitlines()[2]
    assert heading.startswith("# The worked example: one training step of ")
    html = _html(page)
    for tag in ("<script", "<img", "<iframe"):
        assert tag not in html
    assert html.count("<h1") == 1 and html.count("<h2") == 9  # the title stayed one heading


@pytest.mark.parametrize("label", PAYLOADS, ids=IDS)
def test_a_hostile_label_is_text_in_explains_markdown(label: str) -> None:
    x = Value(2.0, label=label)
    y = (x * 3).tanh()
    y.label = "y"
    page = explain(y, x, format="markdown", lr=0.1)
    html = _html(page)
    assert "<script" not in html and "<img" not in html
    assert html.count("<h3") == 1 and html.count("<table") == 1
    assert html.count("<tr>") == 4  # header, two factors, the product: no row was broken


def test_md_text_and_code() -> None:
    assert md_text("<b>&x</b>") == "&lt;b>&amp;x&lt;/b>"
    assert md_text("a*b_c [l](u) `c` |") == r"a\*b\_c \[l\](u) \`c\` \|"
    assert md_text("C# and #1") == r"C# and \#1"
    assert md_code("a`b") == "``a`b``" and md_code("`") == "`` ` ``"


# ------------------------------------------------------------------------------------------------
# The terminal (N20): no control character reaches it
# ------------------------------------------------------------------------------------------------


def _controls(text: str) -> list[str]:
    bidi = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    return [
        repr(ch)
        for ch in text
        if ch != "\n" and (unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in bidi)
    ]


@pytest.mark.parametrize("title", PAYLOADS, ids=IDS)
def test_no_control_character_reaches_the_terminal(title: str) -> None:
    assert not _controls(worked_example("text", lesson=_titled(title), steps=1))
    x = Value(2.0, label=title)
    y = (x * 3).tanh()
    y.label = "y"
    assert not _controls(explain(y, x, lr=0.1))
    assert not _controls(printable(title))
    assert "\n" not in printable(title)


def test_exercise_check_prints_no_control_character_from_a_sheet(tmp_path: Path) -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    y = (x * w + b).tanh()
    y.label = "y"
    data = exercise(y).sheet.to_dict()
    for blank in data["blanks"]:
        blank["name"] = "grad of \x1b[2J\x1b]0;owned\x07w\n?9 right"
        blank["working"] = "\x1b[31mred\x9b0m\u202e"
    path = tmp_path / "s.sheet.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    sheet = load_sheet(path)
    report = str(check(sheet, [0.0]))
    assert not _controls(report), _controls(report)
    assert report.count("\n") == 4  # the score, then ?1 and ?2 each with its working
    x, w, b = Value(2.0, label="a\x1b[2J"), Value(-3.0, label="<b>"), Value(6.88, label="|c")
    hostile = exercise((x * w + b).tanh())
    assert not _controls(hostile.answer_key())
    key = hostile.answer_key("markdown")
    assert not _controls(key) and "<b>" not in key and "&lt;b>" in key
