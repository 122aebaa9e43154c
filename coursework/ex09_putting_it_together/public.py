"""Public self-checks of exercise 09 (putting it together). Hidden checks: hidden.py."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from coursework.engine import decide
from coursework.engine.probe import collect
from coursework.engine.selfcheck import Ctx, diagnose
from coursework.ex09_putting_it_together.spec import (
    ABLATION_CONFIGS,
    CHOICE,
    PUBLIC_INPUTS,
    REMOVED,
)
from coursework.ex09_putting_it_together.tables import EXPECTED


def _check_prf(c: Ctx) -> str:
    for (y, p, positive), table in zip(PUBLIC_INPUTS["prf"], EXPECTED["prf"], strict=True):
        got = c.call("precision_recall_f1", np.array(y), np.array(p), positive)
        got = c.array("precision_recall_f1(...)", got, (3,))
        c.compare(got, table, f"precision_recall_f1(y_true, y_pred, positive={positive})")
    return "precision_recall_f1 is right on the example."


def _check_xent(c: Ctx) -> str:
    (z, y), (big, _) = PUBLIC_INPUTS["xent"]
    got = c.number("xent_from_logits(...)", c.call("xent_from_logits", np.array(z), np.array(y)))
    c.compare(got, EXPECTED["xent"][0], "xent_from_logits on 4 samples", rtol=1e-4)
    got = c.number("xent_from_logits(...)",
                   c.call("xent_from_logits", np.array(big), np.array(y)))
    if not np.isfinite(got) or abs(got - EXPECTED["xent"][1]["expected"]) > 1e-4 * abs(
            EXPECTED["xent"][1]["expected"]):
        c.fail(f"with logits of size 1000 you get {got}, expected "
               f"{EXPECTED['xent'][1]['expected']:.6g}: exp overflows. Subtract each row's max "
               "logit first (log-sum-exp trick).")
    return "xent_from_logits matches from_logits=True and is stable for large logits."


def check_1(c: Ctx) -> str:
    return f"{_check_prf(c)} {_check_xent(c)}"


def check_2(c: Ctx) -> str:
    model, d = c.get("model_final"), c.get("digits")
    acc = c.number("test_accuracy")

    def accuracy(x: np.ndarray, y: np.ndarray) -> float:  # measures the student's own model
        try:
            logits = np.asarray(model.predict(x, verbose=0))
        except Exception as err:
            c.fail(f"model_final.predict failed with {type(err).__name__}: {err}")
        return float(np.mean(logits.argmax(axis=1) == y))

    measured = accuracy(d.x_test, d.y_test)
    if not abs(acc - measured) < 1e-3:
        c.fail(diagnose(acc, measured, {
            "that is the validation accuracy: the final score is on the test set":
                accuracy(d.x_val, d.y_val),
            "that is the training accuracy: the final score is on the test set":
                accuracy(d.x_train, d.y_train),
            "give a fraction in [0, 1], not a percentage": 100 * measured,
            "that is the error rate; report the accuracy": 1 - measured,
        }, "test_accuracy of model_final on digits.x_test", atol=1e-3))
    return f"test_accuracy = {acc:.3f}, scored once, at the end."


# --------------------------------------------------------------------------- task 3: ablation
# No answer key: every number is recomputed from the learner's own runs.


def _close_number(x: Any, want: float) -> bool:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.floating, np.integer)):
        return False
    return abs(float(x) - want) < 1e-6


def ablation_numbers(got: dict[str, Any]) -> dict[str, Any] | None:
    """Mean last val_xent per configuration, the seed noise, the effects and the verdict,
    recomputed from the collected runs (None if a run is missing)."""
    spec = CHOICE[3]
    last = {}
    for name in ABLATION_CONFIGS:
        for i in (0, 1):
            v = decide.record(got, (name, i), spec)
            if v is None:
                return None
            last[(name, i)] = v
    mean = {name: (last[(name, 0)] + last[(name, 1)]) / 2 for name in ABLATION_CONFIGS}
    noise = max(abs(last[(name, 0)] - last[(name, 1)]) for name in ABLATION_CONFIGS)
    effect = {k: mean[v] - mean["full"] for k, v in REMOVED.items()}
    return {"mean": mean, "noise": noise, "effect": effect,
            "helps": sorted(k for k, v in effect.items() if v > noise)}


def ablation_problems(got: dict[str, Any], mine: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """The checks of the learner's numbers ``mine`` (mean_val_xent, noise, effect, helps)
    against those recomputed from the runs ``got``."""
    ref = ablation_numbers(got)
    if ref is None:
        return [("the ablation's runs are complete", False, "a run of runs_ablation has no "
                 "val_xent history")]
    out = []
    mean = mine.get("mean_val_xent")
    ok = isinstance(mean, dict) and set(mean) == set(ABLATION_CONFIGS) and all(
        _close_number(mean[k], ref["mean"][k]) for k in ABLATION_CONFIGS)
    out.append(("mean_val_xent is the mean over the two seeds of each configuration", ok,
                "" if ok else "mean_val_xent should hold, for each of "
                f"{list(ABLATION_CONFIGS)}, the mean of the LAST val_xent of its two runs."))
    noise = mine.get("noise")
    ok = _close_number(noise, ref["noise"])
    out.append(("noise is the largest seed-to-seed difference", ok, "" if ok else
                "noise should be the largest |val_xent(seed 0) - val_xent(seed 1)| over the "
                "configurations (last epoch)."))
    effect = mine.get("effect")
    ok = isinstance(effect, dict) and set(effect) == set(REMOVED) and all(
        _close_number(effect[k], ref["effect"][k]) for k in REMOVED)
    note = ""
    if not ok and isinstance(effect, dict) and set(effect) == set(REMOVED) and all(
            _close_number(effect[k], -ref["effect"][k]) for k in REMOVED):
        note = "the signs are flipped: effect = mean without the ingredient - mean of 'full'."
    elif not ok:
        note = ("effect should map 'dropout', 'augmentation' and 'both' to the rise of the mean "
                "val_xent when they are removed ('no dropout', 'no augmentation', 'neither') "
                "compared with 'full'.")
    out.append(("effect is what removing each ingredient costs", ok, note))
    helps = mine.get("helps")
    ok = isinstance(helps, list) and sorted(map(str, helps)) == ref["helps"]
    out.append(("helps lists the effects larger than the noise", ok, "" if ok else
                f"by your own numbers the effects larger than the noise ({ref['noise']:.3f}) "
                f"are {ref['helps']}; an effect within the noise is not evidence."))
    return out


def check_3(c: Ctx) -> str:
    spec = CHOICE[3]
    mine = {name: c.get(name) for name in ("runs_ablation", "mean_val_xent", "noise", "effect",
                                           "helps")}
    try:
        got = collect(c.ns, dataclasses.asdict(spec))
    except TypeError as err:
        c.fail(str(err))
    for _name, ok, note in decide.properties(got, spec)[:2] + decide.consistency(
            got["runs"], spec):
        if not ok:
            c.fail(note)
    for _name, ok, note in ablation_problems(got, mine):
        if not ok:
            c.fail(note)
    return f"helps = {mine['helps']}: your ablation reads its effects against the seed noise."
