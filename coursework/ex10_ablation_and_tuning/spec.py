"""The spec of exercise 10_ablation_and_tuning: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

import numpy as np

from coursework.engine.spec import Choice, Task

NOTEBOOK = "10_ablation_and_tuning"

TASKS = (
    Task(NOTEBOOK, 1, "draw on a log scale", 1),
    Task(NOTEBOOK, 2, "random search of the learning rate on validation", 3),
)


#: the five learning rates of task 2: log_uniform(np.random.default_rng(4), 1e-4, 1e-1, 5)
RATES = tuple(float(r) for r in 10 ** np.random.default_rng(4).uniform(-4.0, -1.0, 5))


CHOICE = {2: Choice(runs="runs_search", best="best_lr", candidates=RATES,
                     what="learning rate", metric="val_xent", restored=True, reads="learning_rate",
                     done="best_lr = {best} has the lowest validation cross-entropy of your "
                          "runs (their restored best epochs), and your models score what their "
                          "histories say.")}
