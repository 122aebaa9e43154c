"""Hidden checks of exercise 01 (overfitting): references, mistakes, hidden cases (task 3 is
a written answer: a teaching assistant grades it with the rubric in spec.py)."""

from __future__ import annotations

from typing import Any

from coursework.engine.judge import (
    Bad,
    Beats,
    Check,
    close,
    decide_task,
    function_checks,
    integer,
    number,
    outcome,
    series,
    variant_rng,
)
from coursework.ex01_overfitting import spec

# --------------------------------------------------------------------------- task 1


def count_ref(sizes: list[int]) -> int:
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


COUNT_MISTAKES = {
    "you forgot the biases (one per unit of each layer)":
        lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True)),
    "the biases belong to the receiving layer: n_out per layer, not n_in":
        lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:], strict=True)),
    "the input layer has no parameters: do not add its size":
        lambda s: count_ref(s) + s[0],
}

_HIDDEN_SIZES = [([64, 32, 10], "hidden case: a net with one hidden layer"),
                 ([7, 5], "hidden case: a single layer, no hidden one"),
                 ([3, 200, 1, 50, 4], "hidden case: a deep net with a one-unit bottleneck"),
                 ([12], "hidden case: only an input layer (no parameters)")]


def hidden_sizes(variant: str | None) -> list[tuple[list[int], str]]:
    """The hidden cases of task 1: the fixed ones, or a student's own (same kinds, other
    sizes) drawn from the variant."""
    if variant is None:
        return _HIDDEN_SIZES
    rng = variant_rng(variant, "01_overfitting:task1")

    def w(lo: int, hi: int) -> int:
        return int(rng.integers(lo, hi))

    return [([w(20, 100), w(8, 64), w(2, 12)], _HIDDEN_SIZES[0][1]),
            ([w(2, 12), w(2, 12)], _HIDDEN_SIZES[1][1]),
            ([w(2, 8), w(100, 300), 1, w(20, 80), w(2, 8)], _HIDDEN_SIZES[2][1]),
            ([w(5, 30)], _HIDDEN_SIZES[3][1])]


def cases_1(variant: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    """The probe's cases of task 1 (public, then hidden) and their names."""
    hidden = hidden_sizes(variant)
    return ([{"args": [s]} for s in spec.PUBLIC_INPUTS[1]] + [{"args": [s]} for s, _ in hidden],
            [f"public example {i + 1}" for i in range(len(spec.PUBLIC_INPUTS[1]))]
            + [name for _, name in hidden])


_CASES1, _NAMES1 = cases_1(None)


def probe_1(rt, inp):
    return {"calls": rt.calls("count_mlp_params", inp["cases"])}


def _read_int(value: Any, expected: Any, what: str) -> int:
    return integer(value, "the count returned")


def judge_1(answer: Any, variant: str | None = None) -> list[Check]:
    cases, names = cases_1(variant)
    return function_checks(answer, cases, names, count_ref, COUNT_MISTAKES, _read_int,
                           same=lambda a, b: a == b)


# --------------------------------------------------------------------------- task 2


def probe_2(rt, inp):
    return {"history": rt.history("run_big", ["accuracy", "val_accuracy", "xent", "val_xent"]),
            "gap": rt.value("gap_big")}


def judge_2(answer: Any) -> list[Check]:
    gap = outcome(answer.get("gap"), "gap_big")
    hist = outcome(answer.get("history"), "run_big")
    if not isinstance(hist, dict):
        raise Bad("run_big should be the Run returned by training.train")
    acc, val = series(hist.get("accuracy"), "accuracy"), series(hist.get("val_accuracy"),
                                                                 "val_accuracy")
    gap = number(gap, "gap_big")
    right = close(gap, acc[-1] - val[-1], atol=1e-6)
    note = ""
    if not right:
        cause = [("the gap is train minus validation accuracy", -(acc[-1] - val[-1])),
                 ("use the values after the last epoch, not the best ones",
                  max(acc) - max(val))]
        note = next((f"likely cause: {h}" for h, v in cause if close(gap, v, atol=1e-6)),
                    "gap_big does not match run_big's last accuracies")
    epochs = len(acc)
    return [Check("gap_big is run_big's last train minus validation accuracy",
                  1.0 if right else 0.0, note, weight=2),
            Check("hidden check: run_big trained for the 40 epochs asked", float(epochs == 40),
                  "" if epochs == 40 else "run_big did not train for the 40 epochs the task "
                  "asks"),
            Check("hidden check: the big net memorized (train accuracy above 0.9)",
                  float(acc[-1] > 0.9), "" if acc[-1] > 0.9 else
                  "the training accuracy stayed low: train the big net as the task says")]


INPUTS: dict[int, Any] = {1: lambda variant: {"cases": cases_1(variant)[0]}}


def public_tables() -> dict[int, Any]:
    return {1: [{"expected": count_ref(s),
                 "mistakes": {h: f(s) for h, f in COUNT_MISTAKES.items()}}
                for s in spec.PUBLIC_INPUTS[1]]}


# --------------------------------------------------------------------------- task 4: decide

#: measured over seeds 0, 1, 2: the best of widths 4/16/64 beats the big net by 0.13-0.31
#: reference: the reference solution's chosen model, evaluated again by the probe (tests/data),
#: scores val_xent 0.750 (seed 0); the bound 1.0 leaves room for seed noise
probe_4, judge_4, INPUTS[4] = decide_task(spec.CHOICE[4], Beats(
    None, "the big net of Task 2", 0.05, run="run_big", note="the chosen net does not beat "
    "the big net of Task 2 on validation cross-entropy by a clear margin: train every width as "
    "the task says (40 epochs, batch 32, the same noisy digits)", reference=1.0))
