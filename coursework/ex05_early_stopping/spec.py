"""The spec of exercise 05_early_stopping: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "05_early_stopping"

TASKS = (
    Task(NOTEBOOK, 1, "best and stopping epoch by hand", 2),
    Task(NOTEBOOK, 2, "early stopping on validation, best weights restored", 1),
    Task(NOTEBOOK, 3, "why not stop on the test set", 1, "written", (
        RubricItem("selection", "explains what choosing the epoch by its score does to that "
                   "score, with the run's own best epoch or curve as evidence", 0.5),
        RubricItem("test-role", "says what the test score would then fail to measure and "
                   "which split must watch the training instead", 0.5),
    )),
    Task(NOTEBOOK, 4, "choose the patience on validation", 2),
)


#: public inputs of task 1: (validation losses, patience)
PUBLIC_INPUTS = {1: [([1.0, 0.8, 0.7, 0.75, 0.74, 0.76, 0.9, 0.5], 3),
                     ([0.5, 0.6, 0.6, 0.4, 0.7, 0.8, 0.9, 1.0, 1.1], 2)]}


CHOICE = {4: Choice(runs="runs_patience", best="best_patience", candidates=(1, 3, 10),
                     what="patience", restored=True, within=0.02,
                     done="best_patience = {best} follows the rule on your own records, and "
                          "every restored model scores its best val_xent.")}
