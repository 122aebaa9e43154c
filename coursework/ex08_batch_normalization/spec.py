"""The spec of exercise 08_batch_normalization: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "08_batch_normalization"

TASKS = (
    Task(NOTEBOOK, 1, "batch-norm forward pass (training)", 2),
    Task(NOTEBOOK, 2, "batch norm at inference", 1),
    Task(NOTEBOOK, 3, "why the Dense layer before BN has no bias", 1, "written", (
        RubricItem("mean", "explains, with the change the cell printed, what batch norm's "
                   "normalization does to a constant added to a feature before it", 0.5),
        RubricItem("shift", "says which part of the layer provides a shift instead, and "
                   "what a bias before batch norm would then be worth", 0.5),
    )),
    Task(NOTEBOOK, 4, "with or without batch norm, on validation", 2),
)


def public_batch(number: int) -> dict[str, Any]:
    """The public input of task ``number`` (1: training, 2: inference), as keyword arguments."""
    if number == 1:
        rng = np.random.default_rng(7)
        return {"x": rng.normal(2.0, 0.05, size=(6, 4)), "gamma": np.array([1.0, 2.0, 0.5, 1.5]),
                "beta": np.array([0.0, -1.0, 0.3, 0.1]), "eps": 1e-3}
    rng = np.random.default_rng(8)
    return {"x": rng.normal(1.0, 0.3, size=(5, 3)), "moving_mean": np.array([0.8, 1.2, 1.0]),
            "moving_var": np.array([0.02, 0.05, 0.01]), "gamma": np.array([1.0, 0.5, 2.0]),
            "beta": np.array([0.1, 0.0, -0.2]), "eps": 1e-3}


CHOICE = {4: Choice(runs="runs_bn", best="best_bn",
                     candidates=((False, 0.1), (False, 1.0), (True, 0.1), (True, 1.0)),
                     what="setting", metric="val_accuracy",
                     reads=("batch_norm", "learning_rate"))}
