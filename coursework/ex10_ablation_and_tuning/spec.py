"""The spec of exercise 10_ablation_and_tuning: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

import numpy as np

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "10_ablation_and_tuning"

TASKS = (
    Task(NOTEBOOK, 1, "draw on a log scale", 1),
    Task(NOTEBOOK, 2, "random search of the learning rate on validation", 3),
    Task(NOTEBOOK, 3, "the search's winner against a hand-made choice", 2, kind="written",
         rubric=(
             RubricItem("compare", "Compares the winner with the hand-made rate from their own "
                        "printout, and explains why the hand-made rate does worse here.", 0.5),
             RubricItem("optimistic", "Explains why the winner's best val_xent is optimistic: "
                        "what was chosen on the validation set, and what that does to the "
                        "chosen number.", 1),
             RubricItem("honest", "Says how to get an honest estimate, on data no choice has "
                        "seen, within this course's rules for test sets.", 0.5),
         )),
)


#: the five learning rates of task 2: log_uniform(np.random.default_rng(4), 1e-4, 1e-1, 5)
RATES = tuple(float(r) for r in 10 ** np.random.default_rng(4).uniform(-4.0, -1.0, 5))


CHOICE = {2: Choice(runs="runs_search", best="best_lr", candidates=RATES,
                     what="learning rate", metric="val_xent", restored=True, reads="learning_rate",
                     done="best_lr = {best} has the lowest validation cross-entropy of your "
                          "runs (their restored best epochs), and your models score what their "
                          "histories say.")}
