"""The spec of exercise 02_l1_l2_regularization: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.spec import Choice, Task

NOTEBOOK = "02_l1_l2_regularization"

TASKS = (
    Task(NOTEBOOK, 1, "L2 penalty by hand", 2),
    Task(NOTEBOOK, 2, "L1 penalty by hand", 1),
    Task(NOTEBOOK, 3, "measure L1 sparsity", 1),
    Task(NOTEBOOK, 4, "choose lambda on validation", 2),
)


def public_layers(seed: int, sizes: tuple[int, ...] = (5, 4, 3)) -> list[tuple[Any, Any]]:
    """The public input of tasks 1 and 2: ``(kernel, bias)`` pairs drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    return [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in pairs]


#: public inputs: (seed of the layers, lam) for l2_penalty (task 1) and l1_penalty (task 2)
PUBLIC_INPUTS = {1: [(21, 0.01)], 2: [(22, 0.003)]}


CHOICE = {4: Choice(runs="runs_l2", best="best_l2", candidates=(0.0, 1e-4, 1e-3, 1e-2),
                     what="lambda", metric="val_xent", reads="l2")}
