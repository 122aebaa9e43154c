"""Hidden checks of exercise 06 (dropout): properties of inverted dropout, cases (task 3 is
a written answer: a teaching assistant grades it with the rubric in spec.py)."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.judge import (
    Bad,
    Beats,
    Check,
    close,
    decide_task,
    number,
    outcome,
    seeded_checks,
    series,
    variant_seed,
)
from coursework.ex06_dropout import spec


def dropout_ref(x: np.ndarray, rate: float, training: bool, rng: np.random.Generator) -> Any:
    """One right answer (the tests use it); the judge checks properties, not this mask."""
    if not training:
        return x
    return np.where(rng.random(x.shape) >= rate, x / (1.0 - rate), 0.0)


def _x(kind: str, shape: list[int], seed: int = 0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    values = np.ones(shape) if kind == "ones" else rng.uniform(1.0, 2.0, size=shape)
    return {"array": values.round(6).tolist()}


# name, input, rate, training, seeds of the generators (one call per seed)
_CASES1: list[tuple[str, dict[str, Any], float, bool, list[int]]] = [
    ("public example: training=False returns x unchanged", _x("uniform", [20, 10], 1), 0.5,
     False, [0]),
    ("public example: rate 0.3 on ones", _x("ones", [100, 50]), 0.3, True, [0]),
    ("hidden case: another rate", _x("ones", [100, 50]), 0.6, True, [1]),
    ("hidden case: each kept unit is x / (1 - rate)", _x("uniform", [60, 40], 2), 0.25, True,
     [2]),
    ("hidden case: the mask is drawn from rng", _x("ones", [30, 30]), 0.5, True, [3, 4, 3]),
    ("hidden case: rate 0 keeps every unit", _x("ones", [10, 10]), 0.0, True, [5]),
    ("hidden case: a 3-D input keeps its shape", _x("ones", [4, 5, 6]), 0.5, True, [6]),
]


def probe_1(rt, inp):
    def outputs(case):
        x = rt.np.asarray(case["x"]["array"], dtype=float)
        return [rt.call("dropout_forward", x.copy(), case["rate"], case["training"],
                        rt.np.random.default_rng(seed)) for seed in case["seeds"]]

    return {"outputs": [rt.outcome(outputs, c) for c in inp["cases"]]}


def _judge_case(x: np.ndarray, rate: float, training: bool, outs: list[np.ndarray]) -> str:
    """``""`` when the outputs behave like inverted dropout, else what is wrong."""
    out = outs[0]
    if not training:
        return "" if close(out, x) else "with training=False the layer must return x unchanged"
    kept = out != 0
    dropped = 1 - float(np.mean(kept))
    n = out.size
    slack = 4 * np.sqrt(rate * (1 - rate) / n) + 1e-9
    if rate > 0 and abs(dropped - (1 - rate)) < slack and abs(rate - 0.5) > 0.05:
        return "rate is the share to DROP, not the share to keep"
    if abs(dropped - rate) > slack:
        return "the share of units set to 0 is not `rate`"
    if kept.any() and close(out[kept], x[kept]) and rate > 0:
        return "the kept units are not rescaled: you forgot to divide them by (1 - rate)"
    if kept.any() and rate > 0 and close(out[kept], x[kept] * (1 - rate)):
        return ("you multiplied by (1 - rate); inverted dropout divides the kept units by "
                "(1 - rate)")
    if not close(out[kept], x[kept] / (1 - rate)):
        return "kept units should equal x / (1 - rate)"
    if len(outs) == 3:
        masks = [o != 0 for o in outs]
        if np.array_equal(masks[0], masks[1]):
            return "the mask is the same for another generator: draw it from `rng`"
        if not np.array_equal(masks[0], masks[2]):
            return "the same generator state should give the same mask: draw it from `rng` only"
    return ""


def cases_1(variant: str | None) -> list[tuple[str, dict[str, Any], float, bool, list[int]]]:
    """Task 1's cases; a variant draws its own inputs for the hidden case on uniform values
    (the masks' seeds stay fixed: the share-dropped tests keep their measured slack)."""
    if variant is None:
        return _CASES1
    seed = variant_seed(variant, "06_dropout:task1", 2)
    return [(name, _x("uniform", [60, 40], seed) if name.startswith("hidden case: each kept")
             else x, rate, training, seeds) for name, x, rate, training, seeds in _CASES1]


def judge_1(answer: Any, variant: str | None = None) -> list[Check]:
    cases = []
    for name, x, rate, training, seeds in cases_1(variant):
        xa = np.asarray(x["array"], dtype=float)
        cases.append((name, xa.shape, len(seeds), (xa, rate, training)))
    return seeded_checks(answer, cases, "dropout_forward",
                         lambda outs, ctx: _judge_case(*ctx, outs))


# --------------------------------------------------------------------------- task 2


def probe_2(rt, inp):
    def layers(name):
        return [type(layer).__name__ for layer in rt.get(name).model.layers][:100]

    return {"plain": rt.history("run_plain", ["xent", "val_xent", "val_loss", "val_accuracy"]),
            "dropout": rt.history("run_dropout", ["xent", "val_xent", "val_loss",
                                                  "val_accuracy"]),
            "end_plain": rt.value("end_val_xent_plain"),
            "end_dropout": rt.value("end_val_xent_dropout"),
            "layers_plain": rt.outcome(layers, "run_plain"),
            "layers_dropout": rt.outcome(layers, "run_dropout")}


def judge_2(answer: Any) -> list[Check]:
    checks = []
    epochs = []
    for which in ("plain", "dropout"):
        var = f"end_val_xent_{which}"
        hist = outcome(answer.get(which), f"run_{which}")
        if not isinstance(hist, dict):
            raise Bad(f"run_{which} should be a Run returned by training")
        val = series(hist.get("val_xent"), f"run_{which}.history['val_xent']")
        epochs.append(len(val))
        try:
            got = number(outcome(answer.get(f"end_{which}"), var), var)
            right = close(got, val[-1], rtol=1e-4)
            note = ""
            if not right:
                hints = {"use the value after the LAST epoch, not the best one": min(val)}
                for key, hint in (("xent", "use the validation curve, not the training one"),
                                  ("val_loss", "that is val_loss; use the metric val_xent"),
                                  ("val_accuracy", "that is the accuracy; use val_xent")):
                    if isinstance(hist.get(key), list) and hist[key]:
                        hints[hint] = number(hist[key][-1], key)
                note = next((f"likely cause: {h}" for h, v in hints.items()
                             if close(got, v, rtol=1e-4)), f"{var} is not run_{which}'s last "
                            "val_xent")
        except Bad as err:
            right, note = False, str(err)
        checks.append(Check(f"{var} is the end-of-run validation cross-entropy", float(right),
                            note))
    names = {w: answer.get(f"layers_{w}") for w in ("plain", "dropout")}
    names = {w: outcome(v, f"run_{w}.model") if isinstance(v, dict) else [] for w, v in
             names.items()}
    has = {w: isinstance(v, list) and "Dropout" in v for w, v in names.items()}
    checks.append(Check("run_dropout's model has a Dropout layer", float(has["dropout"]),
                        "" if has["dropout"] else "build it with build_mlp(..., dropout=0.5)"))
    checks.append(Check("hidden check: run_plain's model has none", float(not has["plain"]
                                                                          and isinstance(
                                                                              names["plain"],
                                                                              list)),
                        "" if not has["plain"] else "the plain net should have no dropout"))
    ok = epochs == [40, 40]
    checks.append(Check("hidden check: both nets trained the 40 epochs asked", float(ok),
                        "" if ok else "train both runs for 40 epochs"))
    return checks


INPUTS: dict[int, Any] = {1: lambda variant: {"cases": [
    {"x": x, "rate": r, "training": t, "seeds": s} for _, x, r, t, s in cases_1(variant)]}}


def public_tables() -> dict[int, Any]:
    return {}  # the public check of task 1 tests properties, it holds no table


# --------------------------------------------------------------------------- task 4: decide

#: seeds 0, 1: no dropout ends at val_xent 0.93 / 1.05, the best rate 0.28-0.48 lower
#: reference: the reference solution's chosen model, evaluated again by the probe (tests/data),
#: scores val_xent 0.651 (seed 0); the bound 0.9 leaves room for seed noise
probe_4, judge_4, INPUTS[4] = decide_task(spec.CHOICE[4],
                                          Beats(0.0, "no dropout (rate 0)", 0.1,
                                                reference=0.9))
