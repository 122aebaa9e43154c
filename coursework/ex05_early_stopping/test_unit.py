"""Exercise 05's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from coursework.engine.testing import (
    Case,
    UnitTests,
    WrittenCase,
    es_run,
    fake_run,
    graded,
    mistakes,
    run,
)
from coursework.ex05_early_stopping import hidden

NOTEBOOK = "05_early_stopping"


def es_ok(losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(losses, 1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


ES = SimpleNamespace(monitor="val_xent", restore_best_weights=True)
HIST = dict(val_xent=[1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.8, 0.9])
RUNS = {1: es_run(1.0, 1, 5), 3: es_run(3.0, 3, 12), 10: es_run(3.02, 10, 20)}


CASES = {
    1: Case({"early_stopping_epochs": es_ok}, mistakes(
        ({"early_stopping_epochs": lambda L, p: tuple(x - 1 for x in es_ok(L, p))},
         "counted from 1"),
        ({"early_stopping_epochs": lambda L, p: (int(np.argmin(L)) + 1, es_ok(L, p)[1])},
         "before stopping"),
        ({"early_stopping_epochs": lambda L, p: (es_ok(L, p)[0],
                                                 min(es_ok(L, p)[0] + p + 1, len(L)))},
         "one epoch late"),
        ({"early_stopping_epochs": lambda L, p: (es_ok(L, p)[0], len(L))}, "never stopped"),
    )),
    2: Case({"early_stop": ES, "run_es": run(**HIST), "best_epoch_es": 3,
             "stop_epoch_es": 8}, mistakes(
        ({"early_stop": SimpleNamespace(monitor="xent", restore_best_weights=True),
          "run_es": run(**HIST), "best_epoch_es": 3, "stop_epoch_es": 8},
         "training quantity"),
        ({"early_stop": SimpleNamespace(monitor="val_xent", restore_best_weights=False),
          "run_es": run(**HIST), "best_epoch_es": 3, "stop_epoch_es": 8},
         "restore_best_weights"),
        ({"early_stop": ES, "run_es": run(**HIST), "best_epoch_es": 2, "stop_epoch_es": 7},
         "counted from 1"),
    ), made_up_runs=True),
    3: WrittenCase("Picking the epoch by its score favours a lucky dip of a noisy curve, so "
                   "that score is biased; on the test set nothing unbiased would be left."),
    4: Case({"runs_patience": RUNS, "best_patience": 3}, mistakes(
        ({"runs_patience": RUNS, "best_patience": 10}, "you took the best record"),
        ({"runs_patience": RUNS, "best_patience": 1}, "the rule picks patience 3"),
        ({"runs_patience": {**RUNS, 3: fake_run(3.0, before=-0.05)}, "best_patience": 3},
         "restore the best weights"),
    )),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES


def test_feedback_never_shows_hidden_expected_values() -> None:
    verdict = graded(NOTEBOOK, {"early_stopping_epochs": lambda L, p: (1, 1)})[1]
    for (losses, patience), _ in hidden._HIDDEN:
        assert str(hidden.early_stopping_ref(losses, patience)) not in verdict.message
        assert str(losses[:3])[1:-1] not in verdict.message
