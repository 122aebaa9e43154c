"""Exercise 08's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

import numpy as np

from coursework.engine.testing import (
    Case,
    UnitTests,
    WrittenCase,
    carrying,
    fake_run,
    mistakes,
    worst_key,
)
from coursework.ex08_batch_normalization.spec import CHOICE

NOTEBOOK = "08_batch_normalization"


def bn_ok(x, gamma, beta, eps=1e-3):
    return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta


def bn_inf_ok(x, mm, mv, gamma, beta, eps=1e-3):
    return gamma * (x - mm) / np.sqrt(mv + eps) + beta


RUNS = carrying({(False, 0.1): fake_run(0.0, 0.9), (False, 1.0): fake_run(0.0, 0.9),
                 (True, 0.1): fake_run(5.0, 0.05), (True, 1.0): fake_run(5.0, 0.15)}, CHOICE[4])


CASES = {
    1: Case({"batchnorm_forward": bn_ok}, mistakes(
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: g * (x - x.mean(0)) / np.sqrt(
            x.var(0, ddof=1) + e) + b}, "biased variance"),
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: g * (x - x.mean(1, keepdims=True))
          / np.sqrt(x.var(1, keepdims=True) + e) + b}, "axis 0"),
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: g * (x - x.mean(0)) / (
            np.sqrt(x.var(0)) + e) + b}, "inside the square root"),
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: (x - x.mean(0)) / np.sqrt(
            x.var(0) + e)}, "gamma and beta"),
    )),
    2: Case({"batchnorm_inference": bn_inf_ok}, mistakes(
        ({"batchnorm_inference": lambda x, mm, mv, g, b, e=1e-3: bn_ok(x, g, b, e)},
         "moving statistics"),
        ({"batchnorm_inference": lambda x, mm, mv, g, b, e=1e-3: g * (x - mm) / (mv + e)
          + b}, "sqrt(moving_var + eps)"),
        ({"batchnorm_inference": lambda x, mm, mv, g, b, e=1e-3: (x - mm) / np.sqrt(
            mv + e)}, "gamma and beta"),
    )),
    3: WrittenCase("The printed change is rounding error: the batch mean moves with the bias, so "
                   "the mean subtraction removes it, and beta gives the shift back."),
    4: Case({"runs_bn": RUNS, "best_bn": (True, 0.1)}, mistakes(
        ({"runs_bn": carrying(RUNS, CHOICE[4], (True, 1.0)), "best_bn": (True, 0.1)},
         "every run was trained with the same setting"),
        ({"runs_bn": RUNS, "best_bn": (True, 1.0)}, "the best setting is (True, 0.1)"),
        ({"runs_bn": RUNS, "best_bn": worst_key(RUNS, "val_accuracy")}, "the worst value"),
        ({"runs_bn": RUNS, "best_bn": True}, "not one of the candidates"),
    )),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES
