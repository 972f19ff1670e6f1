"""The `autograd-mlp` command as a user meets it: help, version, exit codes, one-line errors.

DESIGN §8: exit 0 on success, 2 on a usage error, 1 on any other failure, each with one readable
line on stderr and no traceback unless --debug. The checks that concern the process as a whole
run `python -m autograd_mlp` in a subprocess; the many small usage-error variants call `main()`
in-process, which is the same code path without the interpreter start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from autograd_mlp import MLP, __version__
from autograd_mlp.commands.cli import build_parser, main

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
        # D17: a cross_entropy error listing 100 targets, before --classes was checked
        (["--dataset", "blobs", "--classes", "1"], "train: --classes must be at least 2, got 1"),
        (["--dataset", "spiral", "--classes", "0"], "train: --classes must be at least 2, got 0"),
        (["--target-loss", "nan"], "train: --target-loss must be a number, got nan"),
    ],
)
def test_train_usage_errors(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *args]) == 2
    line = one_line(capsys.readouterr().err)
    assert message in line
    assert line.startswith("autograd-mlp")


# --- bounds and corner cases found by the reliability review (D9, D11, D15, D17) --------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--samples", "1000000000", "--steps", "1"], "1,000,000,000 samples"),  # grew 250 MB/s
        (["--hidden", "2000", "2000", "--steps", "1"], "4,010,001 parameters"),  # 5 GB at 60 s
        (["--hidden", "2000", "2000", "--steps", "1", "--fast"], "--fast"),  # 8.4 GB
        (["--steps", "1000000000"], "1,000,000,000 steps"),
    ],
)
def test_train_refuses_a_run_past_the_size_limit_naming_the_estimate(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_mlp.nn.data

    def no_data(*args: object, **kwargs: object) -> None:
        raise AssertionError("generated the data of a run it should refuse")

    monkeypatch.setattr(autograd_mlp.nn.data, "make_moons", no_data)
    assert main(["train", *args]) == 2
    line = one_line(capsys.readouterr().err)
    assert "this run would need about" in line and words in line
    assert "the limits are 2 GB and 1 hour" in line and "--no-size-limit" in line


def test_no_size_limit_lets_a_big_run_go(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_mlp.commands.train as cli

    monkeypatch.setattr(cli, "_MAX_TRAIN_BYTES", 1000)  # this small run is now "too big"
    args = ["train", "--samples", "8", "--hidden", "2", "--steps", "2"]
    assert main(args) == 2
    assert "the limits are 1 kB" in capsys.readouterr().err
    assert main([*args, "--no-size-limit"]) == 0
    assert "steps: 2" in capsys.readouterr().out


def test_train_save_into_a_missing_folder_fails_before_training(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_mlp.nn.train

    def no_fit(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained a model it cannot save")

    monkeypatch.setattr(autograd_mlp.nn.train, "fit", no_fit)
    for target, words in [
        (str(tmp_path / "missing" / "m.json"), "does not exist"),
        (str(tmp_path), "it is a folder"),
    ]:
        assert main(["train", "--samples", "8", "--save", target]) == 1
        assert words in one_line(capsys.readouterr().err)


def test_train_interrupted_keeps_the_saved_model_and_writes_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import autograd_mlp.nn.train

    real_fit = autograd_mlp.nn.train.fit

    def fit_with_ctrl_c(*args: Any, **kwargs: Any) -> Any:
        def callback(step: int, loss: float, model: object) -> None:
            if step == 3:
                raise KeyboardInterrupt  # as Ctrl-C at step 3

        return real_fit(*args, **kwargs, callback=callback)

    target = tmp_path / "model.json"
    old = MLP(2, [2, 1], seed=7).save(target).read_bytes()
    monkeypatch.setattr(autograd_mlp.nn.train, "fit", fit_with_ctrl_c)
    args = ["train", "--samples", "8", "--hidden", "2", "--steps", "50", "--save", str(target)]
    assert main(args) == 130
    err = capsys.readouterr().err
    assert target.read_bytes() == old  # the earlier model is not replaced by a partial one
    partial = tmp_path / "model.interrupted.json"
    assert MLP.load(partial).nouts == [2, 1]
    assert f"{target} is kept as it was; the partly trained model is in {partial}" in err


def test_set_names_are_read_like_the_expression(capsys: pytest.CaptureFixture[str]) -> None:
    # Python reads the expression's fullwidth ｘ as x (NFKC); --set ｘ=2 must set that x
    assert main(["render", "ｘ*2", "--set", "ｘ=2"]) == 0
    assert "4.0000" in capsys.readouterr().out


def test_a_flat_sum_of_many_terms_is_not_too_deeply_nested(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from autograd_mlp.engine.expr import ExpressionError, build

    root, leaves = build("+".join(["x"] * 2000), {"x": 1.0})
    root.backward()
    assert (root.data, leaves["x"].grad) == (2000.0, 2000.0)
    root, leaves = build("x*2/2*" * 300 + "x", {"x": 1.0})  # a flat product, 901 factors
    assert root.data == 1.0
    assert main(["render", "+".join(["x"] * 101), "--set", "x=1"]) == 0
    # real nesting is still bounded
    with pytest.raises(ExpressionError, match="nests deeper than 100 levels"):
        build("-(" * 101 + "x" + ")" * 101, {"x": 1.0})
    assert main(["render", "exp(" * 101 + "x" + ")" * 101, "--set", "x=1"]) == 2
    assert "nests deeper than 100 levels" in one_line(capsys.readouterr().err)
    assert main(["render", "x*(" * 101 + "x" + ")" * 101, "--set", "x=1"]) == 2
    assert "nests deeper than 100 levels" in one_line(capsys.readouterr().err)


def test_a_bad_demo_out_folder_is_one_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", os.devnull, "--quick", "--no-progress"]) == 1
    line = one_line(capsys.readouterr().err)
    assert line == f"autograd-mlp demo: error: --out {os.devnull}: it exists and is not a folder"


@pytest.mark.parametrize(("command", "option"), [("explain", "--format"), ("exercise", "--hide")])
def test_every_option_has_help(command: str, option: str) -> None:
    parser = build_parser()[0]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for action in sub.choices[command]._actions:
        if action.help is not argparse.SUPPRESS:
            assert action.help, f"{command} {action.option_strings} has no help"
    assert option in {s for a in sub.choices[command]._actions for s in a.option_strings}


def test_an_error_names_its_command_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exercise", "x", "--set", "x=1", "-o", str(tmp_path / "w.svg")]) == 2
    line = one_line(capsys.readouterr().err)
    assert (
        line.startswith("autograd-mlp exercise: the graph of 'x'") and line.count("exercise:") == 1
    )


def test_a_megabyte_of_user_text_gives_a_short_message(capsys: pytest.CaptureFixture[str]) -> None:
    huge = "9" * 4300
    for args in (
        ["render", "x", "--set", "x=" + "a" * 1_000_000],
        ["render", "x", "--set", "a" * 1_000_000],
        ["render", "x*" + huge, "--set", "x=1"],
    ):
        assert main(args) == 2
        line = one_line(capsys.readouterr().err)
        assert len(line) < 400, line[:500]


# --- D17: negative numbers, empty and ~ paths, names that start with '-' -----------------------


@pytest.mark.parametrize("text", ["-inf", "-Infinity", "-1e-3", "-2E+1", "-.5", "-3.", "-1"])
def test_a_negative_number_is_a_value_not_an_option(text: str) -> None:
    # argparse alone reads only -1 and -0.5 as numbers: "--target-loss -inf" was "expected one
    # argument"
    args = build_parser()[0].parse_args(["train", "--target-loss", text])
    assert args.target_loss == float(text)
    args = build_parser()[0].parse_args(["render", "x", "--timeout", text])
    assert args.timeout == float(text)


def test_train_with_a_target_loss_of_minus_inf_runs_every_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["train", "--samples", "8", "--hidden", "2", "--steps", "3", "--target-loss", "-inf"]
    assert main(args) == 0
    assert "steps: 3 (stopped because: max_steps)" in capsys.readouterr().out
    assert main(["train", "--target-loss", "-nan"]) == 2  # a value, refused as one
    assert "--target-loss must be a number, got nan" in one_line(capsys.readouterr().err)
    # what is not a number is still an unknown option, as before
    assert main(["train", "-infinite"]) == 2
    assert "unrecognized arguments: -infinite" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["train", "--samples", "8", "--save", ""], "--save"),
        (["render", "x", "--set", "x=1", "-o", ""], "-o/--output"),
        (["demo", "--quick", "--no-progress", "--out", ""], "--out"),
        (["demo", "--quick", "--no-progress", "--lesson", ""], "--lesson"),
    ],
)
def test_an_empty_path_is_a_usage_error_naming_the_option(
    args: list[str],
    option: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # "--save ''" said "cannot write .: Device or resource busy"; "--out ''" wrote into "."
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    line = one_line(capsys.readouterr().err)
    assert f"argument {option}: the path is empty" in line
    assert list(tmp_path.iterdir()) == []


def test_a_tilde_in_a_path_is_the_home_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # "-o ~/g.dot" said "the folder ~ does not exist"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["render", "x*2", "--set", "x=1", "-o", "~/g.dot"]) == 0
    assert "digraph" in (tmp_path / "g.dot").read_text(encoding="utf-8")
    # the shell leaves a ~ after "=" alone: the command expands it
    train = ["train", "--samples", "8", "--hidden", "2", "--steps", "2"]
    assert main([*train, "--save=~/m.json"]) == 0
    assert MLP.load(tmp_path / "m.json").nouts == [2, 1]
    capsys.readouterr()
    # every path option of every subcommand (and nested action) reads ~ the same way
    parser = build_parser()[0]
    pending: list[argparse.ArgumentParser] = [parser]
    seen = 0
    while pending:
        current = pending.pop()
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
            elif action.metavar in ("FILE", "DIR"):
                assert callable(action.type), (current.prog, action.option_strings)
                assert action.type("~/a/b") == str(tmp_path / "a" / "b")
                seen += 1
    assert seen >= 5  # render -o, train --save, demo --out, --lesson, lesson init -o, ...


def test_a_file_name_that_starts_with_a_dash_is_given_with_equals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["render", "x*2", "--set", "x=1", "-o=-g.dot"]) == 0
    assert main(["render", "x*3", "--set", "x=1", "--output=-h.dot"]) == 0
    assert "digraph" in (tmp_path / "-g.dot").read_text(encoding="utf-8")
    assert "digraph" in (tmp_path / "-h.dot").read_text(encoding="utf-8")
    # without "=" argparse takes the name for an option, so the help says how to write it
    assert main(["render", "x", "-o", "-g.dot"]) == 2
    capsys.readouterr()
    parser = build_parser()[0]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    output = next(a for a in sub.choices["render"]._actions if "-o" in a.option_strings)
    assert output.help is not None and "-o=-g.svg or --output=-g.svg" in output.help
