"""Hidden checks of exercise 09 (putting it together): references, mistakes, hidden cases."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from coursework.engine import decide
from coursework.engine.judge import (
    Bad,
    Check,
    NotSolved,
    array,
    close,
    function_checks,
    integer,
    number,
    outcome,
    parts_checks,
    require_evaluated,
    spec_input,
    variant_rng,
)
from coursework.engine.probe import collect
from coursework.ex09_putting_it_together import public, spec

# --------------------------------------------------------------------------- task 1


def prf_ref(y: Any, p: Any, positive: int) -> tuple[float, float, float]:
    y, p = np.asarray(y), np.asarray(p)
    tp = float(np.sum((p == positive) & (y == positive)))
    fp = float(np.sum((p == positive) & (y != positive)))
    fn = float(np.sum((p != positive) & (y == positive)))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


PRF_MISTAKES = {
    "precision and recall are swapped: precision = TP / (TP + FP), recall = TP / (TP + FN)":
        lambda y, p, k: [prf_ref(y, p, k)[1], prf_ref(y, p, k)[0], prf_ref(y, p, k)[2]],
    "F1 is the harmonic mean 2PR / (P + R), not the arithmetic mean":
        lambda y, p, k: [*prf_ref(y, p, k)[:2], sum(prf_ref(y, p, k)[:2]) / 2],
    "that is accuracy over all classes, not per-class precision":
        lambda y, p, k: [float(np.mean(np.asarray(y) == np.asarray(p)))] * 3,
}


def _ints(a: Any) -> dict[str, Any]:
    return {"array": [int(v) for v in a], "dtype": "int64"}


_rng = np.random.default_rng(909)
_YR = _rng.integers(0, 4, 40)
_PR = np.where(_rng.random(40) < 0.6, _YR, _rng.integers(0, 4, 40))
_CASES1 = [{"args": [_ints(y), _ints(p), k]} for y, p, k in spec.PUBLIC_INPUTS["prf"]] + [
    {"args": [_ints(spec.PUBLIC_INPUTS["prf"][0][0]), _ints(spec.PUBLIC_INPUTS["prf"][0][1]), 5]},
    {"args": [_ints(_YR), _ints(_PR), 2]},
    {"args": [_ints([1, 0, 1, 1]), _ints([1, 0, 1, 1]), 1]},
]
_NAMES1 = ["public example", "hidden case: a class never predicted nor present",
           "hidden case: 40 random labels", "hidden case: a perfect prediction"]


def cases_prf(variant: str | None) -> list[dict[str, Any]]:
    """The probe's cases of precision_recall_f1 (public, then hidden; names in _NAMES1): the
    fixed ones, or a student's own (the same kinds, other labels) drawn from the variant; in the
    random case precision and recall differ by at least 0.25 (so the arithmetic mean is
    told apart from F1) and neither is 0."""
    if variant is None:
        return _CASES1
    rng = variant_rng(variant, "09_putting_it_together:task1:prf")
    n = int(rng.integers(6, 12))
    y0, p0 = rng.integers(0, 4, n), rng.integers(0, 4, n)
    while True:
        m = int(rng.integers(30, 50))
        y = rng.integers(0, 4, m)
        p = np.where(rng.random(m) < 0.6, y, rng.integers(0, 4, m))
        k = int(rng.integers(0, 4))
        prec, rec, _ = prf_ref(y, p, k)
        if min(prec, rec) > 0 and abs(prec - rec) >= 0.25:
            break
    perfect = rng.integers(0, 2, int(rng.integers(4, 9)))
    perfect[int(rng.integers(len(perfect)))] = 1
    return _CASES1[:len(spec.PUBLIC_INPUTS["prf"])] + [
        {"args": [_ints(y0), _ints(p0), int(rng.integers(4, 10))]},
        {"args": [_ints(y), _ints(p), k]},
        {"args": [_ints(perfect), _ints(perfect), 1]},
    ]


def _read3(value: Any, expected: Any, what: str) -> np.ndarray:
    return array(value, (3,), "(precision, recall, F1)")


def _judge_prf(answer: Any, variant: str | None = None) -> list[Check]:
    return function_checks(answer, cases_prf(variant),
                           [f"precision_recall_f1, {n}" for n in _NAMES1], prf_ref,
                           PRF_MISTAKES, _read3)


# --------------------------------------------------------------------------- task 1, cross-entropy


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def xent_ref(z: Any, y: Any) -> float:
    z, y = np.asarray(z, float), np.asarray(y)
    return float(-_log_softmax(z)[np.arange(len(y)), y].mean())


def _as_probs(z: Any, y: Any) -> float:
    with np.errstate(all="ignore"):
        return float(-np.log(np.abs(z[np.arange(len(y)), y]) + 1e-12).mean())


XENT_MISTAKES = {
    "the model outputs logits: apply (log-)softmax before taking the log (from_logits=True)":
        _as_probs,
    "softmax applied twice: the logits were treated as probabilities' inputs again":
        lambda z, y: float(-_log_softmax(np.exp(_log_softmax(z)))[np.arange(len(y)), y].mean()),
    "average over the samples, do not sum": lambda z, y: xent_ref(z, y) * len(y),
    "pick the log-probability of the TRUE class y": lambda z, y: float(-_log_softmax(z).mean()),
}

_rz = np.random.default_rng(919)
_CASES2 = [{"args": [{"array": z}, _ints(y)]} for z, y in spec.PUBLIC_INPUTS["xent"]] + [
    {"args": [{"array": _rz.normal(0, 3, (8, 10)).round(4).tolist()},
              _ints(_rz.integers(0, 10, 8))]},
    {"args": [{"array": [[0.3, -0.2]]}, _ints([1])]},
    {"args": [{"array": (_rz.normal(0, 1, (5, 4)) - 800.0).round(4).tolist()},
              _ints([0, 1, 2, 3, 0])]},
]
_NAMES2 = ["public example", "public example: logits of size 1000",
           "hidden case: 8 samples, 10 classes", "hidden case: a single sample",
           "hidden case: very negative logits (underflow)"]


def cases_xent(variant: str | None) -> list[dict[str, Any]]:
    """The probe's cases of xent_from_logits (public, then hidden; names in _NAMES2): the fixed
    ones, or a student's own (the same shapes and scales, other logits) drawn from the
    variant."""
    if variant is None:
        return _CASES2
    rng = variant_rng(variant, "09_putting_it_together:task1:xent")

    def apart(z: np.ndarray, y: np.ndarray) -> bool:  # every mistake 2% away from the answer
        ref = xent_ref(z, y)
        return all(abs(f(z, y) - ref) > 0.02 * ref for h, f in XENT_MISTAKES.items()
                   if len(y) > 1 or not h.startswith("average"))

    def draw(make: Any) -> list[dict[str, Any]]:
        while True:
            z, y = make()
            if apart(np.asarray(z, float), y):
                return [{"array": np.asarray(z).tolist()}, _ints(y)]

    def wide() -> tuple[np.ndarray, np.ndarray]:
        n = int(rng.integers(6, 11))
        return rng.normal(0, 3, (n, 10)).round(4), rng.integers(0, 10, n)

    def single() -> tuple[list[list[float]], np.ndarray]:
        a = round(float(rng.uniform(-1, 1)), 2)
        b = round(a + float(rng.choice([-1, 1]) * rng.uniform(0.2, 1.0)), 2)
        return [[a, b]], rng.integers(0, 2, 1)

    def low() -> tuple[np.ndarray, np.ndarray]:
        return ((rng.normal(0, 1, (5, 4)) - rng.uniform(600, 900)).round(4),
                rng.integers(0, 4, 5))

    return _CASES2[:len(spec.PUBLIC_INPUTS["xent"])] + [{"args": draw(f)}
                                                        for f in (wide, single, low)]


def _read1(value: Any, expected: Any, what: str) -> float:
    v = number(value, "the cross-entropy returned")
    if not np.isfinite(v):
        raise Bad("the result is not a finite number: exp overflows or underflows; subtract "
                  "each row's max logit first (log-sum-exp trick)")
    return v


def _judge_xent(answer: Any, variant: str | None = None) -> list[Check]:
    return function_checks(answer, cases_xent(variant), [f"xent_from_logits, {n}" for n in _NAMES2],
                           xent_ref, XENT_MISTAKES, _read1,
                           same=lambda a, b: close(a, b, rtol=1e-4))


def probe_1(rt, inp):
    return {"prf": rt.calls("precision_recall_f1", inp["prf"]),
            "xent": rt.calls("xent_from_logits", inp["xent"])}


def judge_1(answer: Any, variant: str | None = None) -> list[Check]:
    if not isinstance(answer, dict):
        raise Bad("the probe's answer is malformed")
    return parts_checks(answer, [
        ("precision_recall_f1", lambda a: _judge_prf({"calls": a.get("prf")}, variant), 2),
        ("xent_from_logits", lambda a: _judge_xent({"calls": a.get("xent")}, variant), 1)])


# --------------------------------------------------------------------------- task 2


@functools.lru_cache(maxsize=1)
def _labels() -> dict[str, list[int]]:
    """The course's digits split, loaded in the grader's own process."""
    from helpers import data

    d = data.load_digits(flatten=False)
    return {"test": d.y_test.tolist(), "val": d.y_val.tolist(), "train": d.y_train.tolist()}


def probe_2(rt, inp):
    def predictions():
        model = rt.get("model_final")
        from helpers import data

        d = data.load_digits(flatten=False)  # the course's split, not the notebook's variable
        return {part: rt.np.asarray(model.predict(x, verbose=0)).argmax(axis=1)
                for part, x in (("test", d.x_test), ("val", d.x_val), ("train", d.x_train))}

    def layers():
        return [type(layer).__name__ for layer in rt.get("model_final").layers][:100]

    return {"accuracy": rt.value("test_accuracy"), "predictions": rt.outcome(predictions),
            "layers": rt.outcome(layers)}


def judge_2(answer: Any) -> list[Check]:
    acc = number(outcome(answer.get("accuracy"), "test_accuracy"), "test_accuracy")
    preds = outcome(answer.get("predictions"), "model_final")
    if not isinstance(preds, dict):
        raise Bad("model_final should be the trained Keras model")
    labels = _labels()
    measured = {}
    for part, y in labels.items():
        p = preds.get(part)
        if not isinstance(p, list) or len(p) != len(y):
            raise Bad("model_final's predictions could not be read")
        measured[part] = float(np.mean([integer(a, "a prediction") == b
                                        for a, b in zip(p, y, strict=True)]))
    right = abs(acc - measured["test"]) < 1e-3
    note = ""
    if not right:
        hints = {"that is the validation accuracy: the final score is on the test set":
                 measured["val"],
                 "that is the training accuracy: the final score is on the test set":
                 measured["train"],
                 "give a fraction in [0, 1], not a percentage": 100 * measured["test"],
                 "that is the error rate; report the accuracy": 1 - measured["test"]}
        note = next((f"likely cause: {h}" for h, v in hints.items() if abs(acc - v) < 1e-3),
                    "test_accuracy is not model_final's accuracy on the test split")
    names = answer.get("layers")
    names = outcome(names, "model_final") if isinstance(names, dict) else []
    cnn = isinstance(names, list) and "Conv2D" in names
    good = measured["test"] > 0.85
    return [Check("test_accuracy is model_final's accuracy on the test split", float(right),
                  note, weight=2),
            Check("hidden check: model_final is the CNN of the task", float(cnn),
                  "" if cnn else "model_final has no Conv2D layer"),
            Check("hidden check: the CNN learned (test accuracy above 0.85)", float(good),
                  "" if good else "the model scores poorly on the course's test split")]


INPUTS: dict[int, Any] = {1: lambda variant: {"prf": cases_prf(variant),
                                             "xent": cases_xent(variant)}}


def public_tables() -> dict[str, Any]:
    t1 = [{"expected": list(prf_ref(y, p, k)),
           "mistakes": {h: list(f(np.array(y), np.array(p), k)) for h, f in PRF_MISTAKES.items()}}
          for y, p, k in spec.PUBLIC_INPUTS["prf"]]
    t2 = []
    for z, y in spec.PUBLIC_INPUTS["xent"]:
        z, y = np.array(z), np.array(y)
        with np.errstate(all="ignore"):
            t2.append({"expected": xent_ref(z, y),
                       "mistakes": {h: float(f(z, y)) for h, f in XENT_MISTAKES.items()}})
    return {"prf": t1, "xent": t2}


# --------------------------------------------------------------------------- task 3: ablation


def probe_3(rt, inp):
    def read():
        rt.get(inp["spec"]["runs"])
        return collect(rt.ns, inp["spec"])  # the runtime's, pasted before this probe

    return {"choice": rt.outcome(read),
            **{name: rt.value(name) for name in ("mean_val_xent", "noise", "effect", "helps")}}


def judge_3(answer: Any) -> list[Check]:
    choice = spec.CHOICE[3]
    if not isinstance(answer, dict):
        raise Bad("the probe's answer is malformed")
    got = outcome(answer.get("choice"), "`runs_ablation`")
    if not isinstance(got, dict):
        raise Bad("`runs_ablation` could not be read")
    require_evaluated(got, choice)
    checks = [Check(name, 1.0 if ok else 0.0, note)
              for name, ok, note in decide.properties(got, choice)[:2]]
    if all(c.score == 1.0 for c in checks):
        runs = got.get("runs") if isinstance(got.get("runs"), list) else []
        checks += [Check(name, 1.0 if ok else 0.0, note)
                   for name, ok, note in decide.consistency(runs, choice)]
        mine = {}
        for name in ("mean_val_xent", "noise", "effect", "helps"):
            try:
                mine[name] = outcome(answer.get(name), name)
            except (Bad, NotSolved):
                mine[name] = None
        checks += [Check(name, 1.0 if ok else 0.0, note)
                   for name, ok, note in public.ablation_problems(got, mine)]
        ref = public.ablation_numbers(got)
        both = ref is not None and ref["effect"]["both"] > 0
        checks.append(Check("hidden check: removing both ingredients raises the validation "
                            "cross-entropy", 1.0 if both else 0.0, "" if both else
                            "in your runs the recipe without either ingredient did as well as "
                            "the full one: train every configuration as the task says"))
    return checks


INPUTS[3] = spec_input(spec.CHOICE[3])
