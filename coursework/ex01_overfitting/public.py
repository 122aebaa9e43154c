"""Public self-checks of exercise 01 (overfitting). Hidden checks: hidden.py."""

from __future__ import annotations

import numpy as np

from coursework.engine.selfcheck import Ctx, close, diagnose, fmt_list
from coursework.ex01_overfitting.spec import PUBLIC_INPUTS
from coursework.ex01_overfitting.tables import EXPECTED


def check_1(c: Ctx) -> str:
    for sizes, table in zip(PUBLIC_INPUTS[1], EXPECTED[1], strict=True):
        got = c.call("count_mlp_params", list(sizes))
        if isinstance(got, (bool, float)) or not isinstance(got, (int, np.integer)):
            c.fail(f"count_mlp_params({sizes}) should return an integer, got {got!r}.")
        c.compare(got, table, f"count_mlp_params({fmt_list(sizes)})")
    return "count_mlp_params matches n_in * n_out + n_out summed over the layers."


def check_2(c: Ctx) -> str:
    h = c.history("run_big", ("accuracy", "val_accuracy"))
    gap = c.number("gap_big")
    expected = h["accuracy"][-1] - h["val_accuracy"][-1]
    if not close(gap, expected, atol=1e-6):
        mistakes = {
            "the gap is train minus validation accuracy, not validation minus train": -expected,
            "use the values after the last epoch, not the best ones":
                max(h["accuracy"]) - max(h["val_accuracy"]),
        }
        if "xent" in h and "val_xent" in h:
            mistakes["use accuracy, not cross-entropy"] = h["xent"][-1] - h["val_xent"][-1]
            mistakes["use accuracy, not cross-entropy (and train minus validation)"] = \
                h["val_xent"][-1] - h["xent"][-1]
        c.fail(diagnose(gap, expected, mistakes, "gap_big", atol=1e-6))
    if gap < 0.05:
        c.fail(f"gap_big = {gap:.3f} is small: the big net should memorize the noisy training "
               "labels (train accuracy near 1). Did you train the big net for the full epochs?")
    return f"gap_big = {gap:.3f}: the big net memorized its training set."
