"""Hidden checks of exercise 05 (early stopping): reference rule, mistakes, cases (task 3 is a
written answer: a teaching assistant grades it with the rubric in spec.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.judge import (
    Bad,
    Check,
    close,
    decide_task,
    function_checks,
    integer,
    number,
    outcome,
    series,
    stopped_as_asked,
    variant_rng,
)
from coursework.ex05_early_stopping import spec

# --------------------------------------------------------------------------- task 1


def early_stopping_ref(losses: list[float], patience: int) -> tuple[int, int]:
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(losses, start=1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


def _mistake(kind: str) -> Any:
    def wrong(losses: list[float], patience: int) -> tuple[int, int]:
        b, s = early_stopping_ref(losses, patience)
        n = len(losses)
        return {"from0": (b - 1, s - 1),
                "unseen": (int(np.argmin(losses)) + 1, s),
                "late": (b, min(b + patience + 1, n)),
                "early": (b, min(b + patience - 1, n)),
                "never": (b, n)}[kind]
    return wrong


ES_MISTAKES = {
    "epochs are counted from 1, not 0": _mistake("from0"),
    "the best epoch is the best one seen before stopping: epochs after the stop were never "
    "trained": _mistake("unseen"),
    "patience = number of epochs without improvement after the best; you stop one epoch late":
        _mistake("late"),
    "patience = number of epochs without improvement after the best; you stop one epoch "
    "early": _mistake("early"),
    "training stops once patience epochs pass without improvement; you never stopped":
        _mistake("never"),
}

_rng = np.random.default_rng(505)
_LONG = (np.linspace(1.0, 0.3, 30) + _rng.normal(0, 0.08, 30)).round(3).tolist()
_HIDDEN = [(([1.0, 0.9, 0.8, 0.7, 0.6], 2), "hidden case: a loss that never stops falling"),
           (([0.9, 0.8, 0.85, 0.7], 1), "hidden case: patience 1"),
           (([0.5, 0.5, 0.5, 0.5, 0.5], 3), "hidden case: a flat loss (ties do not improve)"),
           ((_LONG, 5), "hidden case: a long noisy curve, patience 5")]


def hidden_curves(variant: str | None) -> list[tuple[tuple[list[float], int], str]]:
    """The hidden cases of task 1: the fixed ones, or a student's own (the same kinds of
    curve, other values) drawn from the variant."""
    if variant is None:
        return _HIDDEN
    rng = variant_rng(variant, "05_early_stopping:task1")
    n = int(rng.integers(5, 9))
    falling = sorted(rng.uniform(0.2, 1.5, n).round(3).tolist(), reverse=True)
    a, b = sorted(rng.uniform(0.3, 1.0, 2).round(3).tolist(), reverse=True)
    rise = [round(a + 0.2, 3), a, round(a + 0.05, 3), b]  # falls, rises once, falls again
    flat = [round(float(rng.uniform(0.2, 1.0)), 3)] * int(rng.integers(4, 8))
    m = int(rng.integers(25, 40))
    long = (np.linspace(1.0, 0.3, m) + rng.normal(0, 0.08, m)).round(3).tolist()
    return [((falling, int(rng.integers(2, 4))), _HIDDEN[0][1]),
            ((rise, 1), _HIDDEN[1][1]),
            ((flat, int(rng.integers(2, len(flat)))), _HIDDEN[2][1]),
            ((long, 5), _HIDDEN[3][1])]


def cases_1(variant: str | None) -> tuple[list[dict[str, Any]], list[str]]:
    """The probe's cases of task 1 (public, then hidden) and their names."""
    hidden = hidden_curves(variant)
    return ([{"args": [list(L), p]} for L, p in spec.PUBLIC_INPUTS[1]]
            + [{"args": [list(L), p]} for (L, p), _ in hidden],
            [f"public example {i + 1}" for i in range(len(spec.PUBLIC_INPUTS[1]))]
            + [name for _, name in hidden])


_CASES1, _NAMES1 = cases_1(None)


def _read_pair(value: Any, expected: Any, what: str) -> tuple[int, int]:
    if not isinstance(value, list) or len(value) != 2:
        raise Bad("the function should return a pair (best_epoch, stop_epoch)")
    return integer(value[0], "best_epoch"), integer(value[1], "stop_epoch")


def probe_1(rt, inp):
    return {"calls": rt.calls("early_stopping_epochs", inp["cases"])}


def judge_1(answer: Any, variant: str | None = None) -> list[Check]:
    cases, names = cases_1(variant)
    return function_checks(answer, cases, names, early_stopping_ref, ES_MISTAKES,
                           _read_pair, same=lambda a, b: tuple(a) == tuple(b))


# --------------------------------------------------------------------------- task 2


def probe_2(rt, inp):
    def callback():
        cb = rt.get("early_stop")
        return {"monitor": getattr(cb, "monitor", None),
                "restore": getattr(cb, "restore_best_weights", None),
                "patience": getattr(cb, "patience", None)}

    def restored():
        run = rt.get("run_es")
        scores = run.model.evaluate(*rt.get("digits").val, verbose=0, return_dict=True)
        return float(scores["xent"])

    return {"callback": rt.outcome(callback), "history": rt.history("run_es"),
            "best": rt.value("best_epoch_es"), "stop": rt.value("stop_epoch_es"),
            "restored": rt.outcome(restored)}


def judge_2(answer: Any) -> list[Check]:
    cb = outcome(answer.get("callback"), "early_stop")
    hist = outcome(answer.get("history"), "run_es")
    best, stop = outcome(answer.get("best"), "best_epoch_es"), outcome(answer.get("stop"),
                                                                       "stop_epoch_es")
    if not isinstance(cb, dict) or not isinstance(cb.get("monitor"), str):
        raise Bad("`early_stop` should be a keras.callbacks.EarlyStopping")
    if not isinstance(hist, dict):
        raise Bad("run_es should be the Run returned by training.train")
    monitor = cb["monitor"]
    on_val = monitor == "val_xent"
    checks = [Check("early_stop monitors the validation cross-entropy", float(on_val),
                    "" if on_val else "monitor 'val_xent' (never a training quantity, never "
                    "the test set)"),
              Check("early_stop restores the best weights", float(cb.get("restore") is True),
                    "" if cb.get("restore") is True else "set restore_best_weights=True"),
              Check("hidden check: patience as asked", float(cb.get("patience") == 5),
                    "" if cb.get("patience") == 5 else "use the patience the task asks for")]
    try:
        s = series(hist.get(monitor), f"run_es.history[{monitor!r}]")
        got = (number(best, "best_epoch_es"), number(stop, "stop_epoch_es"))
        measured = (int(np.argmin(s)) + 1, len(s))
        right = got == measured
        note = "" if right else ("likely cause: epochs are counted from 1, not 0"
                                 if (got[0] + 1, got[1] + 1) == measured
                                 else "they do not match run_es's history")
    except Bad as err:
        right, note, s = False, str(err), []
    checks.append(Check("best_epoch_es and stop_epoch_es match run_es", float(right), note,
                        weight=2))
    try:
        restored = number(outcome(answer.get("restored"), "the restored model"), "its score")
        ok = bool(s) and close(restored, min(s), atol=1e-3)
    except Bad:
        ok = False
    checks.append(Check("hidden check: the restored model scores the best epoch", float(ok),
                        "" if ok else "model_es does not hold the best epoch's weights"))
    return checks


INPUTS: dict[int, Any] = {1: lambda variant: {"cases": cases_1(variant)[0]}}


def public_tables() -> dict[int, Any]:
    return {1: [{"expected": list(early_stopping_ref(L, p)),
                 "mistakes": {h: list(f(L, p)) for h, f in ES_MISTAKES.items()}}
                for L, p in spec.PUBLIC_INPUTS[1]]}


# --------------------------------------------------------------------------- task 4: decide

probe_4, judge_4, INPUTS[4] = decide_task(spec.CHOICE[4], extra=stopped_as_asked)
