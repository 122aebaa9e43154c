"""The spec of exercise 09_putting_it_together: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "09_putting_it_together"

TASKS = (
    Task(NOTEBOOK, 1, "metrics and the loss by hand", 3),
    Task(NOTEBOOK, 2, "score the test set once", 1),
    Task(NOTEBOOK, 3, "an ablation, read against the seed noise", 3),
    Task(NOTEBOOK, 4, "what the ablation says", 2, kind="written", rubric=(
        RubricItem("each-alone", "Says what removing each ingredient alone did, read against "
                   "their own seed-to-seed noise.", 0.5),
        RubricItem("both-together", "Says what removing both did, compared with removing one.",
                   0.5),
        RubricItem("why-overlap", "Explains why the two numbers differ by what the ingredients "
                   "do to this net, and what that means for an ablation that removes one "
                   "ingredient at a time.", 1),
    )),
)


_Y = [3, 3, 3, 3, 1, 1, 2, 3, 0, 2]


_P = [3, 3, 1, 1, 3, 1, 2, 3, 3, 3]


_Z = [[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-2.0, 1.0, 1.5], [0.0, 0.0, 0.0]]


#: public inputs of task 1: (y_true, y_pred, positive) for precision_recall_f1 ("prf") and
#: (logits, y) for xent_from_logits ("xent")
PUBLIC_INPUTS = {"prf": [(_Y, _P, 3)],
                 "xent": [(_Z, [0, 2, 1, 1]),
                          ([[1000.0 * v for v in row] for row in _Z], [0, 2, 1, 1])]}


ABLATION_CONFIGS = ("full", "no dropout", "no augmentation", "neither")


CHOICE = {3: Choice(runs="runs_ablation", best="helps",
                     candidates=tuple((name, i) for name in ABLATION_CONFIGS
                                      for i in (0, 1)),
                     what="configuration and seed", data={"flatten": False})}


REMOVED = {"dropout": "no dropout", "augmentation": "no augmentation", "both": "neither"}
