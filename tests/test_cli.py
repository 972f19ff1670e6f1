"""The `autograd-mlp` command as a user meets it: help, version, exit codes, one-line errors.

DESIGN §8: exit 0 on success, 2 on a usage error, 1 on any other failure, each with one readable
line on stderr and no traceback unless --debug. The checks that concern the process as a whole
run `python -m autograd_mlp` in a subprocess; the many small usage-error variants call `main()`
in-process, which is the same code path without the interpreter start-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mlp import __version__
from autograd_mlp.cli import build_parser, main

SUBCOMMANDS = sorted(build_parser()[1])
# The commands the README and the docs promise; each must be listed by --help once it exists.
PROMISED = ("demo", "explain", "render", "exercise", "train")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "autograd_mlp", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{stderr}"
    assert "Traceback" not in stderr
    return lines[0]


def test_help_lists_every_subcommand() -> None:
    result = run("--help")
    assert result.returncode == 0, result.stderr
    assert {"demo", "train"} <= set(SUBCOMMANDS)
    for name in PROMISED:
        if name in SUBCOMMANDS:
            assert f"\n    {name} " in result.stdout, f"{name} missing from --help"


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"autograd-mlp {__version__}"


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help_has_an_example(name: str) -> None:
    result = run(name, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: autograd-mlp {name}")
    # The example is printed on one line, so it can be copied into a shell as it is.
    examples = [line for line in result.stdout.splitlines() if line.startswith("example:")]
    assert examples, f"`autograd-mlp {name} --help` shows no example"
    assert examples[0].startswith(f"example: autograd-mlp {name}")


def test_missing_command_is_a_usage_error() -> None:
    result = run()
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert "missing COMMAND" in line and "train" in line


def test_unknown_command_is_a_usage_error() -> None:
    result = run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice: 'frobnicate'" in one_line(result.stderr)


def test_failure_is_one_line_with_exit_1_and_traceback_only_with_debug(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "model.json"
    args = ("train", "--samples", "4", "--hidden", "2", "--steps", "1", "--save", str(missing))
    result = run(*args)
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("autograd-mlp: error:") and "no-such-dir" in line

    debug = run("--debug", *args)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr
    # --debug is also accepted after the subcommand
    assert "Traceback" in run(*args, "--debug").stderr


def test_train_end_to_end(tmp_path: Path) -> None:
    result = run(
        "train",
        "--dataset",
        "xor",
        "--samples",
        "16",
        "--hidden",
        "4",
        "--steps",
        "30",
        "--save",
        "model.json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "MLP(2, [4, 1])" in result.stdout and "steps: 30" in result.stdout
    saved = json.loads((tmp_path / "model.json").read_text(encoding="utf-8"))
    assert saved["architecture"] == {"nin": 2, "nouts": [4, 1]}
    assert saved["activations"] == ["relu", "linear"]
    # Loss went down: "loss: <first> at step 1 → <last> at the end"
    loss_line = next(line for line in result.stdout.splitlines() if line.startswith("loss:"))
    first, last = (float(part.split()[0]) for part in loss_line[5:].split("→"))
    assert last < first


def test_train_that_diverges_says_so_and_fails(tmp_path: Path) -> None:
    # plain SGD with lr = 100 on xor overflows the mse loss within a few hundred steps
    args = ["--dataset", "xor", "--samples", "16", "--hidden", "4", "--steps", "500"]
    args += ["--optimizer", "sgd", "--lr", "100", "--loss", "mse"]
    result = run("train", *args, cwd=tmp_path)
    assert result.returncode == 1
    assert "(stopped because: diverged)" in result.stdout
    line = one_line(result.stderr)
    assert "training diverged" in line and "smaller --lr than 100.0" in line


# --- usage errors, in-process ---------------------------------------------------------------


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_unknown_option_is_a_usage_error(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([name, "--no-such-option"]) == 2
    line = one_line(capsys.readouterr().err)
    # (render reports its missing EXPRESSION first; either way: one line pointing at --help)
    assert line.startswith("autograd-mlp") and line.endswith("--help)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hidden", "0"], "--hidden sizes must be at least 1"),
        (["--steps", "0"], "--steps must be at least 1"),
        (["--classes", "3"], "--classes applies to spiral and blobs, not moons"),
        (["--dataset", "spiral", "--classes", "3", "--loss", "hinge"], "needs two classes"),
        (["--lr", "-1"], "--lr must be a positive number"),
        (["--samples", "1"], "n_samples"),
        (["--dataset", "mnist"], "invalid choice: 'mnist'"),
        (["--steps", "ten"], "invalid int value: 'ten'"),
    ],
)
def test_train_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *args]) == 2
    line = one_line(capsys.readouterr().err)
    assert message in line
    assert line.startswith("autograd-mlp")
