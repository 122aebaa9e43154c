"""The spec of exercise 03_momentum: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "03_momentum"

TASKS = (
    Task(NOTEBOOK, 1, "a momentum step by hand", 2),
    Task(NOTEBOOK, 2, "steps to the minimum: SGD vs momentum", 1, "written", (
        RubricItem("paths", "describes what each path does along the steep and along the flat "
                   "direction of the bowl, as the plot shows it", 0.5),
        RubricItem("why", "explains with the update rule why momentum needs fewer steps, "
                   "consistent with the printed counts", 0.5),
    )),
    Task(NOTEBOOK, 3, "the rotated valley", 2),
    Task(NOTEBOOK, 4, "choose the momentum on validation", 2),
)


#: the public walk of task 1: ``steps`` momentum steps on f(w) = (c0 w0² + c1 w1²) / 2
PUBLIC_INPUTS = {1: [{"curvature": [1.0, 25.0], "start": [-1.5, 0.5], "lr": 0.03,
                      "beta": 0.9, "steps": 8}]}


#: the grids of task 3 (the task's data, not an answer)
RATE_GRIDS = {"momentum": [0.002, 0.005, 0.01, 0.02], "adam": [0.03, 0.1, 0.3, 1.0]}


CHOICE = {4: Choice(runs="runs_momentum", best="best_momentum",
                     candidates=(0.0, 0.5, 0.9, 0.99),
                     what="momentum", metric="val_xent", reads="momentum")}
