"""``autograd-mlp train``: an MLP trained on a seeded toy dataset, optionally saved as JSON.

The run is estimated before anything is generated (`limits.check_training`: at most about
2 GB and an hour, unless ``--no-size-limit``), and ``--save`` is checked before training, so
that neither a run too big nor a file that cannot be written is found out at the end.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .._text import count
from .arguments import add_choice
from .base import CommandFailed, Runner, Subparsers, UsageError, add_command, check_range, usage
from .limits import MAX_TRAIN_BYTES, MAX_TRAIN_SECONDS, add_size_limit_option, check_training

__all__ = ["add"]

_DATASETS = ("moons", "circles", "xor", "spiral", "blobs")
_BINARY = ("moons", "circles", "xor")  # two classes, labels 0/1; spiral and blobs have K classes

# What `train` may build without --no-size-limit (bytes, seconds; see `limits`), named here so
# that a test can lower them for this command alone.
_MAX_TRAIN_BYTES = MAX_TRAIN_BYTES
_MAX_TRAIN_SECONDS = MAX_TRAIN_SECONDS


HELP = "train an MLP on a toy dataset and optionally save it as JSON"
DESCRIPTION = """
Generate a seeded toy dataset, build an MLP with the given hidden layers, train it with
full-batch (or minibatch) gradient descent and print the loss and accuracy before and after.
The output layer is chosen from the dataset: one logit for the two-class datasets (moons,
circles, xor), one per class for spiral and blobs.
"""
EXAMPLE = """\
example: autograd-mlp train --dataset moons --hidden 16 16 --steps 100 --save model.json"""


def add(sub: Subparsers) -> Runner:
    """Declare ``train`` and its options; return its runner."""
    p = add_command(sub, "train", HELP, DESCRIPTION, EXAMPLE)
    add_choice(p, "--dataset", _DATASETS, "moons", "default: moons")
    p.add_argument("--samples", type=int, default=100, help="number of samples (default 100)")
    p.add_argument(
        "--noise",
        type=float,
        default=None,
        help="noise of the dataset (cluster spread for blobs); default: the dataset's own",
    )
    p.add_argument(
        "--classes", type=int, default=None, help="classes for spiral and blobs (default 2 / 3)"
    )
    p.add_argument(
        "--hidden",
        type=int,
        nargs="+",
        default=[16, 16],
        metavar="N",
        help="sizes of the hidden layers (default: 16 16)",
    )
    add_choice(
        p,
        "--activation",
        ("relu", "tanh", "sigmoid"),
        "relu",
        "activation of the hidden layers (default relu)",
    )
    add_choice(
        p,
        "--loss",
        ("auto", "bce", "hinge", "mse", "cross_entropy"),
        "auto",
        "auto: bce for two classes, cross_entropy for more (hinge and mse use labels ±1)",
    )
    add_choice(p, "--optimizer", ("sgd", "adam"), "adam", "default adam")
    p.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    p.add_argument("--steps", type=int, default=100, help="updates to make (default 100)")
    p.add_argument("--batch-size", type=int, default=None, help="default: the whole dataset")
    p.add_argument(
        "--target-loss",
        type=float,
        default=None,
        metavar="LOSS",
        help="stop once the loss is ≤ LOSS (a negative value is read as one: -0.5, -1e-3, -inf)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the data and the weights (0)")
    p.add_argument("--fast", action="store_true", help="replay the graph with NumPy (faster)")
    p.add_argument(
        "--save",
        metavar="FILE",
        help="write the trained model to FILE (JSON); after Ctrl-C, FILE is kept as it was and "
        "the partly trained model goes to FILE's stem + .interrupted.json",
    )
    add_size_limit_option(p)
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    return _run


def _check_size(args: argparse.Namespace, nout: int) -> None:
    if args.no_size_limit:
        return
    sizes = [2, *args.hidden, nout]
    params = sum((sizes[i] + 1) * sizes[i + 1] for i in range(len(sizes) - 1))
    batch = args.samples if args.batch_size is None else min(args.batch_size, args.samples)
    engine = "--fast" if args.fast else "the eager engine"
    check_training(
        "train",
        samples=args.samples,
        batch=batch,
        params=params,
        steps=args.steps,
        fast=args.fast,
        limits=(_MAX_TRAIN_BYTES, _MAX_TRAIN_SECONDS),
        what=(
            f"{count(args.samples)} samples, batches of {count(batch)}, a model of "
            f"{count(params)} parameters, {count(args.steps)} "
            f"step{'' if args.steps == 1 else 's'}, {engine}"
        ),
        advice=(
            "use fewer --samples, --hidden or --steps, a smaller "
            f"--batch-size{'' if args.fast else ', --fast'}, or --no-size-limit to run it anyway"
        ),
    )


def _check_options(args: argparse.Namespace) -> None:
    """The usage errors that need no data: each names its option and the value given."""
    for name in ("samples", "steps"):
        check_range("train", f"--{name}", getattr(args, name), 1)
    if any(n < 1 for n in args.hidden):
        shown = ", ".join(count(n) for n in args.hidden[:8])
        raise UsageError(f"train: --hidden sizes must be at least 1, got [{shown}]")
    if args.classes is not None and args.dataset in _BINARY:
        raise UsageError(f"train: --classes applies to spiral and blobs, not {args.dataset}")
    if args.classes is not None:  # below 2: else a loss error about the outputs
        check_range("train", "--classes", args.classes, 2)
    if args.batch_size is not None:
        check_range("train", "--batch-size", args.batch_size, 1)
    if not (args.lr > 0.0 and args.lr < float("inf")):
        raise UsageError(f"train: --lr must be a positive number, got {args.lr}")
    if args.target_loss is not None and args.target_loss != args.target_loss:  # nan
        raise UsageError("train: --target-loss must be a number, got nan")
    if args.noise is not None and not math.isfinite(args.noise):
        raise UsageError(f"train: --noise must be a finite number, got {args.noise}")


def _dataset(args: argparse.Namespace) -> tuple[list[list[float]], list[int]]:
    """The dataset: keyword arguments only for what was given, so each keeps its own defaults."""
    from ..nn import data

    kwargs: dict[str, object] = {"n_samples": args.samples, "seed": args.seed}
    if args.noise is not None:
        kwargs["cluster_std" if args.dataset == "blobs" else "noise"] = args.noise
    if args.classes is not None:
        kwargs["n_classes" if args.dataset == "spiral" else "centers"] = args.classes
    try:
        X, y = getattr(data, f"make_{args.dataset}")(**kwargs)
    except (TypeError, ValueError) as exc:
        raise usage("train", exc) from None
    # The generators are finite without noise: a sample that is not comes from --noise
    for i, row in enumerate(X):
        if not all(math.isfinite(x) for x in row):
            raise UsageError(
                f"train: --noise {args.noise:g} is too large: sample {i} of the data is not "
                f"finite ({', '.join(f'{x:g}' for x in row)}); use a smaller --noise"
            )
    return X, y


def _run(args: argparse.Namespace) -> int:
    from ..nn import MLP, data
    from ..nn.optim import SGD, Adam
    from ..nn.train import fit

    _check_options(args)
    save_to = None
    if args.save is not None:
        from .._files import check_target

        check_target(args.save)  # a missing folder or a bad target fails now, not after training
        save_to = Path(args.save)
    classes = args.classes if args.classes is not None else (2 if args.dataset == "spiral" else 3)
    _check_size(args, 1 if args.dataset in _BINARY and args.loss != "cross_entropy" else classes)

    X, y = _dataset(args)
    n_classes = max(y) + 1
    loss = args.loss
    if loss == "auto":
        loss = "bce" if n_classes == 2 else "cross_entropy"
    if loss != "cross_entropy" and n_classes > 2:
        raise UsageError(
            f"train: --loss {loss} needs two classes; {args.dataset} has {n_classes} "
            "(use --loss cross_entropy)"
        )
    targets: list[int] = y
    if loss in ("hinge", "mse"):
        targets = data.to_signed(y)  # these losses want labels −1/+1
    nout = n_classes if loss == "cross_entropy" else 1

    model = MLP(2, [*args.hidden, nout], activation=args.activation, seed=args.seed)
    optimizer = (SGD if args.optimizer == "sgd" else Adam)(model.parameters(), lr=args.lr)
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    history = fit(
        model,
        X,
        targets,
        loss=loss,
        optimizer=optimizer,
        max_steps=args.steps,
        batch_size=args.batch_size,
        target_loss=args.target_loss,
        progress=progress,
        fast=args.fast,
    )

    sizes = ", ".join(str(n) for n in model.nouts)
    print(
        f"trained MLP(2, [{sizes}]) with {len(model.parameters())} parameters on "
        f"{args.dataset} ({len(X)} samples), loss {loss}, {args.optimizer} lr={args.lr}"
    )
    if history.loss:
        print(f"loss: {history.loss[0]:.6g} at step 1 → {history.final_loss:.6g} at the end")
    if history.accuracy:
        print(f"accuracy: {history.accuracy[0]:.1%} → {history.accuracy[-1]:.1%}")
    print(f"steps: {history.steps} (stopped because: {history.stopped_because})")
    if save_to is not None:
        if history.stopped_because == "interrupted":
            # A partly trained model does not replace the file: it goes beside it
            partial = save_to.with_name(f"{save_to.stem}.interrupted{save_to.suffix or '.json'}")
            model.save(partial)
            print(
                f"autograd-mlp train: interrupted after {history.steps} steps: {save_to} is "
                f"kept as it was; the partly trained model is in {partial}",
                file=sys.stderr,
            )
        else:
            print(f"saved the model to {model.save(save_to)}")
    if history.stopped_because == "diverged":
        raise CommandFailed("train", _diverged(history.final_loss, history.steps, args.lr))
    return 130 if history.stopped_because == "interrupted" else 0


def _diverged(loss: float, steps: int, lr: float) -> str:
    """Why training stopped as "diverged": the loss itself, or (the loss still finite) the
    next update, which would have made a weight inf or nan and was undone."""
    advice = f"try a smaller --lr than {lr}"
    if not math.isfinite(loss):
        return f"the loss became {loss} after {steps} steps (training diverged): {advice}"
    return (
        f"update {steps + 1} would have made a weight inf or nan, so it was undone and "
        f"training stopped after {steps} steps at loss {loss:.6g} (training diverged): {advice}"
    )
