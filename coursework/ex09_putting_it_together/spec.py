"""The spec of exercise 09_putting_it_together: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, Task

NOTEBOOK = "09_putting_it_together"

TASKS = (
    Task(NOTEBOOK, 1, "precision, recall and F1 by hand", 2),
    Task(NOTEBOOK, 2, "cross-entropy from logits", 1),
    Task(NOTEBOOK, 3, "score the test set once", 1),
    Task(NOTEBOOK, 4, "an ablation, read against the seed noise", 3),
)


_Y = [3, 3, 3, 3, 1, 1, 2, 3, 0, 2]


_P = [3, 3, 1, 1, 3, 1, 2, 3, 3, 3]


_Z = [[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-2.0, 1.0, 1.5], [0.0, 0.0, 0.0]]


#: public inputs: task 1 (y_true, y_pred, positive), task 2 (logits, y)
PUBLIC_INPUTS = {1: [(_Y, _P, 3)],
                 2: [(_Z, [0, 2, 1, 1]), ([[1000.0 * v for v in row] for row in _Z], [0, 2, 1, 1])]}


ABLATION_CONFIGS = ("full", "no dropout", "no augmentation", "neither")


CHOICE = {4: Choice(runs="runs_ablation", best="helps",
                     candidates=tuple((name, i) for name in ABLATION_CONFIGS
                                      for i in (0, 1)),
                     what="configuration and seed", data={"flatten": False})}


REMOVED = {"dropout": "no dropout", "augmentation": "no augmentation", "both": "neither"}
