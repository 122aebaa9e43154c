"""Hidden checks of exercise 04 (learning-rate decay): references, mistakes, hidden cases."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.judge import (
    Bad,
    Beats,
    Check,
    NotSolved,
    close,
    decide_task,
    number,
    outcome,
    parts_checks,
    series,
    variant_rng,
)
from coursework.ex04_learning_rate_decay import spec

# --------------------------------------------------------------------------- task 1


def decay_ref(step: float, lr0: float, rate: float, decay_steps: float,
              staircase: bool = False) -> float:
    p = step / decay_steps
    return lr0 * rate ** (np.floor(p) if staircase else p)


DECAY_MISTAKES = {
    "divide the step by decay_steps: rate ** (step / decay_steps)":
        lambda s, lr0, r, d, staircase: lr0 * r ** s,
    "with staircase=True the exponent is floor(step / decay_steps)":
        lambda s, lr0, r, d, staircase: lr0 * r ** (s / d),
    "only staircase=True floors the exponent":
        lambda s, lr0, r, d, staircase: lr0 * r ** np.floor(s / d),
    "multiply by lr0": lambda s, lr0, r, d, staircase: decay_ref(s, 1.0, r, d, staircase),
}

_PUBLIC = [(g, f"public example {i + 1}") for i, g in enumerate(spec.PUBLIC_INPUTS[1])]
_HIDDEN = [
    ({"lr0": 0.05, "rate": 0.9, "decay_steps": 30, "steps": [0, 1, 29, 30, 31, 95, 300],
      "staircase": False}, "hidden case: other rate and decay_steps"),
    ({"lr0": 0.05, "rate": 0.9, "decay_steps": 30, "steps": [0, 1, 29, 30, 31, 95, 300],
      "staircase": True}, "hidden case: the same in stairs, around the stair edges"),
    ({"lr0": 1.0, "rate": 0.1, "decay_steps": 7, "steps": [3, 7, 14, 700],
      "staircase": True}, "hidden case: a steep decay over many steps"),
]


def groups_1(variant: str | None) -> list[tuple[dict[str, Any], str]]:
    """The probe's groups of task 1 (public, then hidden) and their names: the fixed hidden
    groups, or a student's own (the same kinds: a smooth decay, the same in stairs around the
    stair edges, a steep decay over many steps) drawn from the variant."""
    if variant is None:
        return _PUBLIC + _HIDDEN
    rng = variant_rng(variant, "04_learning_rate_decay:task1")
    lr0 = round(float(rng.uniform(0.01, 0.2)), 3)
    rate = round(float(rng.uniform(0.6, 0.95)), 2)
    d = int(rng.integers(10, 60))
    steps = [0, 1, d - 1, d, d + 1, 3 * d + int(rng.integers(1, d)), 10 * d]
    steep = int(rng.integers(3, 12))
    return _PUBLIC + [
        ({"lr0": lr0, "rate": rate, "decay_steps": d, "steps": steps, "staircase": False},
         _HIDDEN[0][1]),
        ({"lr0": lr0, "rate": rate, "decay_steps": d, "steps": steps, "staircase": True},
         _HIDDEN[1][1]),
        ({"lr0": round(float(rng.uniform(0.5, 2.0)), 2),
          "rate": round(float(rng.uniform(0.05, 0.3)), 2), "decay_steps": steep,
          "steps": [steep // 2, steep, 2 * steep, 100 * steep], "staircase": True},
         _HIDDEN[2][1]),
    ]


def _rates(f: Any, g: dict[str, Any]) -> list[float]:
    return [float(f(s, g["lr0"], g["rate"], g["decay_steps"], staircase=g["staircase"]))
            for s in g["steps"]]


def probe_1(rt, inp):
    def rates(g):
        return [rt.call("exponential_decay", s, g["lr0"], g["rate"], g["decay_steps"],
                        staircase=g["staircase"]) for s in g["steps"]]

    return {"rates": [rt.outcome(rates, g) for g in inp["groups"]]}


def judge_1(answer: Any, variant: str | None = None) -> list[Check]:
    groups = groups_1(variant)
    rates = answer.get("rates") if isinstance(answer, dict) else None
    if not isinstance(rates, list) or len(rates) != len(groups):
        raise Bad("the probe's answer is malformed")
    checks = []
    for (g, name), o in zip(groups, rates, strict=True):
        try:
            got = outcome(o, "exponential_decay")
            if not isinstance(got, list) or len(got) != len(g["steps"]):
                raise Bad("one rate per step was expected")
            got = [number(v, "the rate returned") for v in got]
        except Bad as err:
            checks.append(Check(name, 0.0, str(err)))
            continue
        if close(got, _rates(decay_ref, g)):
            checks.append(Check(name, 1.0))
            continue
        cause = next((h for h, f in DECAY_MISTAKES.items() if close(got, _rates(f, g))), None)
        checks.append(Check(name, 0.0, "wrong rates" + (f"; likely cause: {cause}"
                                                        if cause else "")))
    return checks


# --------------------------------------------------------------------------- task 2
# a. set the rate of an optimizer; b. read the rate it used from the log


def probe_2(rt, inp):
    def state():
        opt = rt.get("opt")
        return {"type": type(opt).__name__, "has_rate": hasattr(opt, "learning_rate"),
                "typo": "learninig_rate" in getattr(opt, "__dict__", {}),
                "rate": float(rt.np.asarray(opt.learning_rate))
                if hasattr(opt, "learning_rate") else None}

    return {"opt": rt.outcome(state), "history": rt.history("run_decay", ["lr"]),
            "final": rt.value("final_lr")}


def _judge_opt(answer: Any) -> list[Check]:
    s = outcome(answer.get("opt"), "opt")
    if not isinstance(s, dict) or s.get("has_rate") is not True:
        raise Bad("`opt` should be the Keras optimizer")
    rate = number(s.get("rate"), "the optimizer's rate")
    if close(rate, 0.1) and s.get("typo") is False:
        raise NotSolved("opt's rate is still the 0.1 it was created with")
    ok = close(rate, 0.01, rtol=1e-5)
    note = "" if ok else ("the rate is still the old one: assign to opt.learning_rate"
                          if close(rate, 0.1) else "the optimizer does not report the rate "
                          "the task asks for")
    return [Check("the optimizer itself reports the new rate", float(ok), note, weight=2),
            Check("hidden check: no stray `learninig_rate` attribute", float(s.get("typo") is
                                                                              False),
                  "" if s.get("typo") is False else "the typo's attribute is still there"),
            Check("hidden check: opt is still the SGD optimizer of the cell",
                  float(s.get("type") == "SGD"),
                  "" if s.get("type") == "SGD" else "change the rate of opt, do not replace it")]


def _judge_log(answer: Any) -> list[Check]:
    hist = outcome(answer.get("history"), "run_decay")
    if not isinstance(hist, dict):
        raise Bad("run_decay should be the Run returned by training.train")
    lrs = series(hist.get("lr"), "run_decay.history['lr']")
    final = number(outcome(answer.get("final"), "final_lr"), "final_lr")
    falls = len(lrs) >= 2 and lrs[-1] < lrs[0]
    right = close(final, lrs[-1], rtol=1e-4)
    note = ""
    if not right:
        hints = {"that is the rate of the first epoch": lrs[0],
                 "that is the initial rate lr0": 0.1}
        note = next((f"likely cause: {h}" for h, v in hints.items() if close(final, v,
                                                                               rtol=1e-4)),
                    "final_lr is not the last logged rate")
    return [Check("final_lr is the rate after the last epoch", float(right), note, weight=2),
            Check("the logged rate falls (the schedule is used)", float(falls),
                  "" if falls else "pass the ExponentialDecay schedule as the learning_rate"),
            Check("hidden check: run_decay trained the 10 epochs asked",
                  float(len(lrs) == 10), "" if len(lrs) == 10 else "train for 10 epochs")]


def judge_2(answer: Any) -> list[Check]:
    if not isinstance(answer, dict):
        raise Bad("the probe's answer is malformed")
    return parts_checks(answer, [("part a (opt)", _judge_opt, 1),
                                 ("part b (final_lr)", _judge_log, 1)])


INPUTS: dict[int, Any] = {1: lambda variant: {"groups": [g for g, _ in groups_1(variant)]}}


def public_tables() -> dict[int, Any]:
    return {1: [{"expected": _rates(decay_ref, g),
                 "mistakes": {h: _rates(f, g) for h, f in DECAY_MISTAKES.items()}}
                for g in spec.PUBLIC_INPUTS[1]]}


# --------------------------------------------------------------------------- task 4: decide

#: seed 0: the rate 0.01 ends at val_xent 1.61, the best rate at 0.06
#: reference: the reference solution's chosen model, evaluated again by the probe (tests/data),
#: scores val_xent 0.064 (seed 0); the bound 0.3 leaves room for seed noise
probe_4, judge_4, INPUTS[4] = decide_task(spec.CHOICE[4],
                                          Beats(0.01, "the smallest rate (0.01)", 0.3,
                                                reference=0.3))
