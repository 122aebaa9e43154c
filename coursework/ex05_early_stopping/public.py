"""Public self-checks of exercise 05 (early stopping). Hidden checks: hidden.py."""

from __future__ import annotations

import numpy as np

from coursework.engine.selfcheck import Ctx
from coursework.ex05_early_stopping.spec import PUBLIC_INPUTS
from coursework.ex05_early_stopping.tables import EXPECTED


def check_1(c: Ctx) -> str:
    for (losses, patience), table in zip(PUBLIC_INPUTS[1], EXPECTED[1], strict=True):
        got = c.call("early_stopping_epochs", list(losses), patience)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            c.fail(f"early_stopping_epochs should return a pair (best_epoch, stop_epoch), "
                   f"got {got!r:.80}.")
        got = tuple(int(x) if isinstance(x, (int, np.integer)) else x for x in got)
        expected = tuple(table["expected"])
        if got != expected:
            cause = next((hint for hint, pair in table["mistakes"].items()
                          if tuple(pair) == got), None)
            c.fail(f"early_stopping_epochs({losses}, patience={patience}): expected "
                   f"{expected}, got {got}." + (f" Likely cause: {cause}." if cause else ""))
    return "early_stopping_epochs agrees with Keras' EarlyStopping rule on the examples."


def check_2(c: Ctx) -> str:
    cb = c.get("early_stop")
    monitor = getattr(cb, "monitor", None)
    if not isinstance(monitor, str):
        c.fail(f"`early_stop` should be a keras.callbacks.EarlyStopping, got {type(cb).__name__}.")
    if not monitor.startswith("val_"):
        c.fail(f"early_stop monitors {monitor!r}, a training quantity: monitor the validation "
               "cross-entropy 'val_xent' (never the test set).")
    if not getattr(cb, "restore_best_weights", False):
        c.fail("restore_best_weights is False: the model keeps the weights of the last epoch, "
               "not of the best one.")
    h = c.history("run_es", (monitor,))
    series = h[monitor]
    best_epoch, stop_epoch = c.number("best_epoch_es"), c.number("stop_epoch_es")
    measured = (int(np.argmin(series)) + 1, len(series))  # read from the student's own run
    if (best_epoch, stop_epoch) != measured:
        cause = " Likely cause: epochs are counted from 1, not 0." if (
            best_epoch + 1, stop_epoch + 1) == measured else ""
        c.fail(f"(best_epoch_es, stop_epoch_es): expected {measured} from run_es.history"
               f"[{monitor!r}], got ({best_epoch:g}, {stop_epoch:g}).{cause}")
    return f"best epoch {measured[0]}, stopped at {measured[1]}, best weights restored."
