"""`autograd-mlp render`: expression → graph file, exit codes and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from tests.conftest import needs

NEURON = ["render", "tanh(x*w + b)", "--set", "x=2", "w=-3", "b=6.8814"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_dot_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*NEURON, "--highlight", "w"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("digraph")
    assert "<B>tanh(x*w + b)</B>" in out  # the root is labelled by the expression
    for name in ("x", "w", "b"):
        assert f"<B>{name}</B>" in out
    # highlight legend: one path from w, its product equals w.grad = x·(1 − tanh²(0.8814)) ≈ 1.0
    assert "w.grad = <B>1.0000</B>" in out and "equal ✓" in out


@pytest.mark.parametrize("ext", ["svg", "png", "pdf", "dot"])
def test_output_file_format_from_extension(
    tmp_path: Path, ext: str, capsys: pytest.CaptureFixture[str]
) -> None:
    if ext != "dot":
        needs("pygraphviz")
    target = tmp_path / f"graph.{ext}"
    code, out, _ = run([*NEURON, "--label", "o", "--rankdir", "TB", "-o", str(target)], capsys)
    assert code == 0 and str(target) in out
    data = target.read_bytes()
    magic = {"svg": b"<svg", "png": b"\x89PNG", "pdf": b"%PDF-", "dot": b"rankdir=TB"}[ext]
    assert magic in data
    if ext == "dot":
        assert b"<B>o</B>" in data


def test_precision_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([*NEURON, "--precision", "2"], capsys)
    assert code == 0 and "data 0.71" in out and "data 0.7071" not in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["render", "x.__class__", "--set", "x=1"], "attribute access 'x.__class__'"),
        (["render", "x[0]", "--set", "x=1"], "subscript"),
        (["render", "lambda: 0"], "lambda"),
        (["render", "__import__('os')"], "unknown function '__import__'"),
        (["render", "foo(x)", "--set", "x=1"], "unknown function 'foo'"),
        (["render", "exp(x=1)"], "keyword argument"),
        (["render", "x < 1", "--set", "x=1"], "comparison"),
        (["render", "'hi'"], "str literal"),
        (["render", "x*w"], "no value for variables x, w"),
        (["render", "x*w", "--set", "x=1"], "no value for variable w"),
        (["render", "x", "--set", "x=1", "y=2"], "no variable 'y'"),
        (["render", "x", "--set", "x"], "NAME=VALUE"),
        (["render", "x", "--set", "x=abc"], "'abc' is not a number"),
        (["render", "x", "--set", "x=1", "x=2"], "x twice"),
        (["render", "x", "--set", "x=1", "--highlight", "q"], "--highlight q"),
        (["render", "x", "--set", "x=1", "-o", "g.gif"], "must end in .svg, .png, .pdf or .dot"),
        (["render", "x", "--set", "x=1", "--rankdir", "XY"], "invalid choice: 'XY'"),
        (["render", "x", "--set", "x=1", "--precision", "99"], "--precision"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    argv: list[str],
    fragment: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == ""
    assert fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_python_dash_m_runs_the_subcommand(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd_mlp", *NEURON, "-o", str(tmp_path / "g.dot")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    bad = subprocess.run(
        [sys.executable, "-m", "autograd_mlp", "render", "__import__('os').system('echo hi')"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "hi\n" not in bad.stdout
    assert bad.stderr.count("\n") == 1


@pytest.mark.parametrize("ext", ["svg", "dot"])
def test_output_into_a_missing_folder_is_one_line_naming_the_folder(
    tmp_path: Path, ext: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "dir" / f"o.{ext}"
    code, out, err = run([*NEURON, "-o", str(target)], capsys)
    assert code == 1 and out == ""
    assert err == (
        f"autograd-mlp: error: cannot write {target}: the folder {target.parent} does not exist\n"
    )
    assert ".tmp" not in err


def test_an_expression_too_deep_for_the_parser_says_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["render", "x" + "**x" * 3000, "--set", "x=1"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("autograd-mlp render: expression cannot be parsed: it is too deeply")
    assert err.count("\n") == 1 and "Traceback" not in err


def _balanced_sum(leaves: int) -> str:
    """x+x+… as a balanced tree of `leaves` terms: `leaves - 1` additions, shallow enough for
    the parser (a flat chain of that many would nest too deeply)."""
    if leaves == 1:
        return "x"
    half = leaves // 2
    return f"({_balanced_sum(half)} + {_balanced_sum(leaves - half)})"


def test_a_graph_too_big_names_the_option_the_command_has(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """D17: the refusal said "pass max_nodes=512", an option the command line did not have."""
    expression = _balanced_sum(512)  # 511 additions and x: 512 Values
    code, out, err = run(["render", expression, "--set", "x=1"], capsys)
    assert code == 2 and out == ""
    assert err == (
        "autograd-mlp render: the graph has 512 Values, more than --max-nodes 500. Draw a "
        "smaller expression, or pass --max-nodes 512 or more to draw it anyway (layout may "
        "take minutes).\n"
    )
    code, out, err = run(["render", expression, "--set", "x=1", "--max-nodes", "512"], capsys)
    assert code == 0 and err == "" and out.startswith("digraph") and "\tv511 [" in out


@pytest.mark.parametrize(
    ("option", "fragment"),
    [
        (["--max-nodes", "0"], "--max-nodes must be a positive number, got 0"),
        (["--max-nodes", "many"], "--max-nodes: invalid int value: 'many'"),
        (["--timeout", "nan"], "--timeout must be a positive number of seconds (inf: no lim"),
        (["--timeout", "nan"], "got nan"),
        (["--timeout", "-1"], "got -1"),
        (["--timeout", "0"], "got 0"),
    ],
)
def test_bad_max_nodes_and_timeout_exit_2(
    option: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*NEURON, *option], capsys)
    assert code == 2 and out == "" and fragment in err and err.count("\n") == 1


def test_timeout_inf_renders_and_a_timeout_names_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    needs("pygraphviz")
    target = tmp_path / "g.svg"
    code, out, err = run([*NEURON, "--timeout", "inf", "-o", str(target)], capsys)
    assert code == 0 and err == "" and b"<svg" in target.read_bytes()
    hang = tmp_path / "bin" / "dot"
    hang.parent.mkdir()
    hang.write_text(f"#!{sys.executable}\nimport time\ntime.sleep(60)\n")
    hang.chmod(0o755)
    monkeypatch.setenv("PATH", str(hang.parent))
    code, out, err = run([*NEURON, "--timeout", "0.5", "-o", str(tmp_path / "h.svg")], capsys)
    assert code == 1 and out == ""
    assert err == (
        "autograd-mlp: error: render: Graphviz took more than 0.5 s and was stopped; pass a "
        "larger --timeout (inf: no limit), or draw a smaller expression\n"
    )
    assert not (tmp_path / "h.svg").exists()
