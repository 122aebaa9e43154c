"""Exercise 04's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from coursework.engine.testing import (
    Case,
    UnitTests,
    WrittenCase,
    carrying,
    fake_run,
    mistakes,
    run,
)
from coursework.ex04_learning_rate_decay.spec import CHOICE

NOTEBOOK = "04_learning_rate_decay"


def decay_ok(step, lr0, rate, decay_steps, staircase=False):
    p = step / decay_steps
    return lr0 * rate ** (np.floor(p) if staircase else p)


LRS = [0.08, 0.05, 0.03, 0.02]
OPT = SimpleNamespace(learning_rate=0.01)
LOG = {"run_decay": run(lr=LRS), "final_lr": LRS[-1]}
RUNS = carrying({0.01: fake_run(0.5), 0.1: fake_run(2.5), 1.0: fake_run(4.0),
                 10.0: fake_run(0.0)}, CHOICE[4])
RUNS[10.0].history["val_xent"][-1] = float("nan")


CASES = {
    1: Case({"exponential_decay": decay_ok}, mistakes(
        ({"exponential_decay": lambda s, l0, r, d, staircase=False: l0 * r**s},
         "divide the step by decay_steps"),
        ({"exponential_decay": lambda s, l0, r, d, staircase=False: l0 * r ** (s / d)},
         "floor"),
        ({"exponential_decay": lambda s, l0, r, d, staircase=False: l0 * r ** (s // d)},
         "only staircase=True"),
        ({"exponential_decay": lambda s, l0, r, d: l0 * r ** (s / d)}, "raised TypeError"),
    )),
    2: Case({"opt": OPT, **LOG}, mistakes(
        ({"opt": SimpleNamespace(learning_rate=0.1, learninig_rate=0.01), **LOG}, "typo"),
        ({"opt": SimpleNamespace(learning_rate=0.1), **LOG}, "still 0.1"),
        ({"opt": SimpleNamespace(learning_rate=0.001), **LOG}, "expected 0.01"),
        ({"opt": OPT, "run_decay": run(lr=LRS), "final_lr": LRS[0]}, "first epoch"),
        ({"opt": OPT, "run_decay": run(lr=LRS), "final_lr": 0.1}, "initial rate"),
        ({"opt": OPT, "run_decay": run(lr=[0.1] * 4), "final_lr": 0.1}, "does not fall"),
    ), made_up_runs=True),
    3: WrittenCase("The constant rate ends lower: by the last epochs the schedule had cut the "
                   "rate to a small fraction of it while the loss was still falling fast."),
    4: Case({"runs_lr": RUNS, "best_lr": 1.0}, mistakes(
        ({"runs_lr": carrying(RUNS, CHOICE[4], 10.0), "best_lr": 1.0},
         "every run was trained with the same initial rate"),
        ({"runs_lr": RUNS, "best_lr": 10.0}, "diverged (NaN)"),
        ({"runs_lr": RUNS, "best_lr": 0.1}, "the best initial rate is 1"),
    )),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES


def test_the_hidden_groups_are_per_student() -> None:
    """Same variant, same groups; two variants, other groups; the right decay scores full
    under every variant; a table of the fixed cases' rates does not transfer."""
    from coursework.engine.testing import check_variants

    check_variants(NOTEBOOK, 1, {"exponential_decay": decay_ok})


def test_each_mistake_is_told_apart_in_every_hidden_group_of_a_variant() -> None:
    """Well-conditioned variant cases: a mistake told apart from the right rates in a fixed
    hidden group is told apart in the student's group of the same kind, far beyond the float
    tolerance."""
    from coursework.engine.judge import close
    from coursework.ex04_learning_rate_decay import hidden

    def apart(f, g):
        return not close(hidden._rates(f, g), hidden._rates(hidden.decay_ref, g), rtol=1e-2)

    fixed = [g for g, _ in hidden._HIDDEN]
    for v in ("0a1b2c3d" * 8, "9f8e7d6c" * 8, "5e" * 32, "77" * 32):
        own = [g for g, _ in hidden.groups_1(v)[len(hidden._PUBLIC):]]
        for g0, g in zip(fixed, own, strict=True):
            for h, f in hidden.DECAY_MISTAKES.items():
                assert apart(f, g) or not apart(f, g0), (v, g, h)
