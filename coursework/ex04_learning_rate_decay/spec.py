"""The spec of exercise 04_learning_rate_decay: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, Task

NOTEBOOK = "04_learning_rate_decay"

TASKS = (
    Task(NOTEBOOK, 1, "exponential decay by hand", 2),
    Task(NOTEBOOK, 2, "change an optimizer's rate correctly", 1),
    Task(NOTEBOOK, 3, "read the decayed rate from the log", 1),
    Task(NOTEBOOK, 4, "choose the initial rate on validation", 2),
)


#: public inputs of task 1: lr0, rate, decay_steps, the steps, staircase
PUBLIC_INPUTS = {1: [{"lr0": 0.1, "rate": 0.5, "decay_steps": 100,
                      "steps": [0, 50, 100, 250, 1000], "staircase": s} for s in (False, True)]}


CHOICE = {4: Choice(runs="runs_lr", best="best_lr", candidates=(0.01, 0.1, 1.0, 10.0),
                     what="initial rate", metric="val_xent",
                     reads="learning_rate")}
