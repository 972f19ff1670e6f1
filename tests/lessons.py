"""Random lessons for the tests: random sizes, activations, numbers and error convention (seeded,
so a failure names the lesson that caused it), with one hidden layer unless asked for another
number of layers of weights."""

from __future__ import annotations

import itertools
import random

from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson


def random_lesson(seed: int, depth: int = 2) -> Lesson:
    """``depth`` layers of weights: 1 is no hidden layer, 2 one hidden layer (the lessons
    below), 3 two hidden layers..."""
    rng = random.Random(seed)
    # drawn in this order (inputs, hidden layers, outputs): the one-hidden-layer lessons below
    # keep the numbers they had before lessons could have other depths
    sizes = [rng.randint(2, 3)]
    sizes += [rng.randint(2, 3) for _ in range(depth - 1)]
    sizes.append(rng.randint(1, 2))

    def num() -> float:
        return round(rng.uniform(-1.0, 1.0), 1) or 0.3

    layers = []
    for nin, nout in itertools.pairwise(sizes):
        layers.append(
            {
                "activation": rng.choice(["sigmoid", "tanh", "relu", "linear"]),
                "weights": [[num() for _ in range(nin)] for _ in range(nout)],
                "biases": [num() for _ in range(nout)],
            }
        )
    return Lesson(
        inputs=[num() for _ in range(sizes[0])],
        targets=[num() for _ in range(sizes[-1])],
        layers=layers,
        learning_rate=0.1,
        error=rng.choice(["sum", "half", "mean"]),
    )


LESSONS = [DEFAULT_LESSON, random_lesson(1), random_lesson(2), random_lesson(3)]
LESSON_IDS = ["default", "random1", "random2", "random3"]

# Other depths: no hidden layer (one layer of weights), two and three hidden layers. The seeds
# are chosen so that together they have every activation, in hidden and output layers, and
# every error convention (tests/test_worked.py checks that they do).
_OTHER = [(1, 2), (1, 3), (1, 5), (1, 10), (3, 2), (3, 4), (3, 7), (3, 14), (4, 1)]  # depth, seed
SHALLOW = [random_lesson(seed, depth) for depth, seed in _OTHER if depth == 1]
DEEP = [random_lesson(seed, depth) for depth, seed in _OTHER if depth > 1]
SHAPES = LESSONS + SHALLOW + DEEP
SHAPE_IDS = LESSON_IDS + [
    "-".join(map(str, random_lesson(seed, depth).sizes)) + f"-seed{seed}" for depth, seed in _OTHER
]


# A 2–2–1 lesson (sigmoid hidden, purelin output, E = (t − y)²): MLP returns its one output as
# the Value itself, not a list of one.
ONE_X = (1.0, -0.5)
ONE_T = 1.0
ONE_W1 = [[0.3, -0.2], [0.1, 0.4]]
ONE_B1 = [0.1, -0.1]
ONE_W2 = [0.5, -0.6]
ONE_B2 = 0.2
ONE_A = 0.1


def one_output_lesson() -> Lesson:
    return Lesson(
        inputs=ONE_X,
        targets=(ONE_T,),
        layers=(
            {"activation": "sigmoid", "weights": ONE_W1, "biases": ONE_B1},
            {"activation": "linear", "weights": [ONE_W2], "biases": [ONE_B2]},
        ),
        learning_rate=ONE_A,
    )
