"""Exercise 10's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

import numpy as np

from coursework.engine.testing import (
    Case,
    UnitTests,
    WrittenCase,
    best_key,
    carrying,
    fake_run,
    mistakes,
    worst_key,
)
from coursework.ex10_ablation_and_tuning.spec import CHOICE, RATES

NOTEBOOK = "10_ablation_and_tuning"


def log_uniform_ok(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))  # another right way


SMALLEST = min(RATES)
RUNS = carrying({r: fake_run(0.5 if r == SMALLEST else s)
        for r, s in zip(RATES, (3.0, 4.0, 2.0, 1.0, 3.5), strict=True)}, CHOICE[2])
BEST = best_key(RUNS)


CASES = {
    1: Case({"log_uniform": log_uniform_ok}, mistakes(
        ({"log_uniform": lambda rng, lo, hi, n: rng.uniform(lo, hi, n)},
         "uniform draw on [low, high]"),
        ({"log_uniform": lambda rng, lo, hi, n: 10 ** rng.uniform(np.log(lo), np.log(hi),
                                                                    n)}, "outside"),
        ({"log_uniform": lambda rng, lo, hi, n: 10 ** np.random.default_rng(7).uniform(
            np.log10(lo), np.log10(hi), n)}, "from `rng`"),
    )),
    2: Case({"runs_search": RUNS, "best_lr": BEST}, mistakes(
        ({"runs_search": carrying(RUNS, CHOICE[2], RATES[-1]), "best_lr": BEST},
         "every run was trained with the same learning rate"),
        ({"runs_search": RUNS, "best_lr": worst_key(RUNS)}, "the worst value"),
        ({"runs_search": {round(k, 3): v for k, v in RUNS.items()},
          "best_lr": round(BEST, 3)},
         "key each run by its learning rate, the value itself"),
        ({"runs_search": RUNS, "best_lr": 0.05}, "not one of the candidates"),
    )),
    3: WrittenCase("The winner was picked as the best of five runs, each at its best epoch, on the "
                   "same validation images: part of its lead is luck. Score it once on new data."),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES

    def test_the_smallest_rate_is_not_the_best(self) -> None:
        assert BEST != SMALLEST
