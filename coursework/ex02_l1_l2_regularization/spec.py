"""The spec of exercise 02_l1_l2_regularization: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "02_l1_l2_regularization"

TASKS = (
    Task(NOTEBOOK, 1, "L2 and L1 penalties by hand", 3),
    Task(NOTEBOOK, 2, "measure L1 sparsity", 1),
    Task(NOTEBOOK, 3, "why L1 makes zeros and L2 does not", 2, kind="written", rubric=(
        RubricItem("gradient-near-zero", "Compares the gradients of the two penalties as a weight "
                   "gets close to zero, and says what each does to a weight the data barely "
                   "need.", 1),
        RubricItem("own-numbers", "Backs the explanation with their own numbers or histogram "
                   "(Tasks 2 and 3).", 0.5),
        RubricItem("l2-outcome", "Says what the L2 net's weights look like instead, and why that "
                   "is not sparsity.", 0.5),
    )),
    Task(NOTEBOOK, 4, "choose lambda on validation", 2),
)


def public_layers(seed: int, sizes: tuple[int, ...] = (5, 4, 3)) -> list[tuple[Any, Any]]:
    """The public input of task 1: ``(kernel, bias)`` pairs drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    return [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in pairs]


#: public inputs of task 1: (seed of the layers, lam) for l2_penalty and for l1_penalty
PUBLIC_INPUTS = {"l2_penalty": [(21, 0.01)], "l1_penalty": [(22, 0.003)]}


CHOICE = {4: Choice(runs="runs_l2", best="best_l2", candidates=(0.0, 1e-4, 1e-3, 1e-2),
                     what="lambda", metric="val_xent", reads="l2")}
