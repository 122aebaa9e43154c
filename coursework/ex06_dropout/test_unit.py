"""Exercise 06's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from coursework.engine.testing import Case, UnitTests, WrittenCase, carrying, fake_run, mistakes
from coursework.ex06_dropout.spec import CHOICE
from helpers.training import Run

NOTEBOOK = "06_dropout"


def dropout_ok(x, rate, training, rng):
    if not training:
        return x
    return np.where(rng.random(x.shape) >= rate, x / (1 - rate), 0.0)


class Dense:
    pass


class Dropout:
    pass


H_PLAIN = dict(xent=[1.0, 0.2], val_xent=[0.9, 0.7], val_loss=[0.95, 0.75],
               val_accuracy=[.7, .8])
H_DROP = dict(xent=[1.1, 0.4], val_xent=[0.8, 0.6], val_loss=[0.85, 0.65],
              val_accuracy=[.7, .8])
RUN_PLAIN = Run("plain", H_PLAIN, SimpleNamespace(layers=[Dense(), Dense()]))
RUN_DROP = Run("dropout", H_DROP, SimpleNamespace(layers=[Dense(), Dropout(), Dense()]))
RUNS = carrying({0.0: fake_run(1.0), 0.2: fake_run(1.5), 0.5: fake_run(4.0),
                 0.7: fake_run(3.0)}, CHOICE[4])


CASES = {
    1: Case({"dropout_forward": dropout_ok}, {
        "forgot to divide": ({"dropout_forward": lambda x, r, t, g: np.where(
            g.random(x.shape) >= r, x, 0.0) if t else x}, "forgot to divide"),
        "multiplied by (1 - rate)": ({"dropout_forward": lambda x, r, t, g: np.where(
            g.random(x.shape) >= r, x * (1 - r), 0.0) if t else x},
            "multiplied by (1 - rate)"),
        "share to DROP": ({"dropout_forward": lambda x, r, t, g: np.where(
            g.random(x.shape) < r, x / (1 - r), 0.0) if t else x}, "share to DROP"),
        "only in training": ({"dropout_forward": lambda x, r, t, g: np.where(
            g.random(x.shape) >= r, x / (1 - r), 0.0)}, "only in training"),
    }),
    2: Case({"run_plain": RUN_PLAIN, "run_dropout": RUN_DROP, "end_val_xent_plain": 0.7,
             "end_val_xent_dropout": 0.6}, mistakes(
        ({"run_plain": RUN_PLAIN, "run_dropout": RUN_DROP, "end_val_xent_plain": 0.2,
          "end_val_xent_dropout": 0.4}, "not the training one"),
        ({"run_plain": RUN_PLAIN, "run_dropout": RUN_DROP, "end_val_xent_plain": 0.75,
          "end_val_xent_dropout": 0.65}, "val_loss"),
        ({"run_plain": RUN_PLAIN, "run_dropout": RUN_PLAIN, "end_val_xent_plain": 0.7,
          "end_val_xent_dropout": 0.7}, "no Dropout layer"),
    ), made_up_runs=True),
    3: WrittenCase("At inference nothing is dropped or rescaled: the rescaling by 1/(1 - rate) "
                   "happened in training, so the mean activation is the same in both."),
    4: Case({"runs_rate": RUNS, "best_rate": 0.5}, mistakes(
        ({"runs_rate": carrying(RUNS, CHOICE[4], 0.7), "best_rate": 0.5},
         "every run was trained with the same dropout rate"),
        ({"runs_rate": RUNS, "best_rate": 0.7}, "the best dropout rate is 0.5"),
        ({"runs_rate": {**RUNS, 0.9: fake_run(1.0)}, "best_rate": 0.5},
         "not among the candidates"),
    )),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES
