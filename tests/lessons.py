"""Random lessons for the tests: one hidden layer, random sizes, activations, numbers and error
convention (seeded, so a failure names the lesson that caused it)."""

from __future__ import annotations

import itertools
import random

from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson


def random_lesson(seed: int) -> Lesson:
    rng = random.Random(seed)
    sizes = [rng.randint(2, 3), rng.randint(2, 3), rng.randint(1, 2)]

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
