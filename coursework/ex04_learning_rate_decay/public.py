"""Public self-checks of exercise 04 (learning-rate decay). Hidden checks: hidden.py."""

from __future__ import annotations

import numpy as np

from coursework.engine.selfcheck import Ctx, close, diagnose
from coursework.ex04_learning_rate_decay.spec import PUBLIC_INPUTS
from coursework.ex04_learning_rate_decay.tables import EXPECTED


def check_1(c: Ctx) -> str:
    for case, table in zip(PUBLIC_INPUTS[1], EXPECTED[1], strict=True):
        got = [c.number("exponential_decay(...)",
                        c.call("exponential_decay", s, case["lr0"], case["rate"],
                               case["decay_steps"], staircase=case["staircase"]))
               for s in case["steps"]]
        c.compare(got, table, f"exponential_decay(step, 0.1, 0.5, 100, "
                              f"staircase={case['staircase']}) for steps {case['steps']}")
    return "exponential_decay = lr0 * rate ** (step / decay_steps), floored with staircase."


def _check_opt(c: Ctx) -> str:
    opt = c.get("opt")
    if not hasattr(opt, "learning_rate"):
        c.fail(f"`opt` should be the Keras optimizer, got {type(opt).__name__}.")
    if "learninig_rate" in vars(opt):
        c.fail("`learninig_rate` is a typo: it creates a new attribute the optimizer never "
               "reads, so the rate is unchanged and nothing fails. "
               "Use opt.learning_rate.assign(0.01).")
    lr = float(np.asarray(opt.learning_rate))
    if np.isclose(lr, 0.1):
        c.fail("the optimizer's rate is still 0.1: assign the new value to the variable "
               "opt.learning_rate (opt.learning_rate.assign(0.01)).")
    if not np.isclose(lr, 0.01, rtol=1e-5):
        c.fail(f"the optimizer's rate is {lr:.6g}, expected 0.01 (the task's value).")
    return "opt.learning_rate is now 0.01: the optimizer itself reports the new rate."


def _check_log(c: Ctx) -> str:
    h = c.history("run_decay", ("lr",))
    lrs = h["lr"]
    final = c.number("final_lr")
    if len(lrs) < 2 or not lrs[-1] < lrs[0]:
        c.fail(f"the logged rate does not fall ({lrs[0]:.4g} → {lrs[-1]:.4g}): pass the "
               "ExponentialDecay schedule as the optimizer's learning_rate.")
    if not close(final, lrs[-1], rtol=1e-4):
        c.fail(diagnose(final, lrs[-1], {
            "that is the rate of the first epoch: take the last entry, history['lr'][-1]":
                lrs[0],
            "that is the initial rate lr0: the schedule has lowered it since": 0.1,
            "that is the second-to-last epoch": lrs[-2],
        }, "final_lr", rtol=1e-4))
    return f"final_lr = {final:.4g}: the optimizer really used the decayed rate."


def check_2(c: Ctx) -> str:
    return f"{_check_opt(c)} {_check_log(c)}"
