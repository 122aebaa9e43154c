"""The spec of exercise 01_overfitting: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "01_overfitting"

TASKS = (
    Task(NOTEBOOK, 1, "parameter count of an MLP", 2),
    Task(NOTEBOOK, 2, "measure the generalization gap", 1),
    Task(NOTEBOOK, 3, "pick the remedy that does not help", 1, "written", (
        RubricItem("reads-run", "reads the learner's own run: what the gap and the training and "
                   "validation curves show the net doing with the wrong labels", 0.5),
        RubricItem("remedies", "names the change that would not shrink the gap and explains, "
                   "for it and for the other three, how each acts on memorization", 0.5),
    )),
    Task(NOTEBOOK, 4, "choose the capacity on validation", 2),
)


#: public inputs of task 1: the layer widths passed to count_mlp_params
PUBLIC_INPUTS = {1: [[2, 3, 1], [784, 512, 256, 10]]}


CHOICE = {4: Choice(runs="runs_width", best="best_width", candidates=(4, 16, 64),
                     what="width", reads="units",
                     done="best_width = {best} has the lowest last val_xent of your runs, and "
                          "your models score what their histories say.")}
