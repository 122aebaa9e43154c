"""The spec of exercise 04_learning_rate_decay: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "04_learning_rate_decay"

TASKS = (
    Task(NOTEBOOK, 1, "exponential decay by hand", 2),
    Task(NOTEBOOK, 2, "set a rate and read the rate really used", 2),
    Task(NOTEBOOK, 3, "decayed against constant: read the curves", 2, kind="written", rubric=(
        RubricItem("which-ends-lower", "Says which run ends with the lower cross-entropy, read "
                   "from their own plot or table.", 0.5),
        RubricItem("rate-explains-it", "Explains the difference with the rate each run actually "
                   "used in its later epochs (the logged rate) and with what the decayed run's "
                   "loss was still doing then.", 1),
        RubricItem("when-decay-pays", "Says when a decaying rate pays off, or how to change this "
                   "schedule so that it does.", 0.5),
    )),
    Task(NOTEBOOK, 4, "choose the initial rate on validation", 2),
)


#: public inputs of task 1: lr0, rate, decay_steps, the steps, staircase
PUBLIC_INPUTS = {1: [{"lr0": 0.1, "rate": 0.5, "decay_steps": 100,
                      "steps": [0, 50, 100, 250, 1000], "staircase": s} for s in (False, True)]}


CHOICE = {4: Choice(runs="runs_lr", best="best_lr", candidates=(0.01, 0.1, 1.0, 10.0),
                     what="initial rate", metric="val_xent",
                     reads="learning_rate")}
