"""The spec of exercise 06_dropout: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "06_dropout"

TASKS = (
    Task(NOTEBOOK, 1, "inverted dropout by hand", 2),
    Task(NOTEBOOK, 2, "read the end-of-run validation cross-entropy", 1),
    Task(NOTEBOOK, 3, "dropout at inference", 1, "written", (
        RubricItem("what", "says what the layer does at inference, tied to the numbers the "
                   "Task 1 cell printed", 0.5),
        RubricItem("why", "explains why nothing is rescaled at inference and what dropping "
                   "units there would do to the predictions", 0.5),
    )),
    Task(NOTEBOOK, 4, "choose the dropout rate on validation", 2),
)


CHOICE = {4: Choice(runs="runs_rate", best="best_rate", candidates=(0.0, 0.2, 0.5, 0.7),
                     what="dropout rate", metric="val_xent", reads="dropout")}
