"""Exercise 09's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from coursework.engine.testing import Case, UnitTests, WrittenCase, fake_run, mistakes
from instructor import checks

NOTEBOOK = "09_putting_it_together"


def prf_ok(y, p, pos):
    tp = np.sum((p == pos) & (y == pos))
    fp = np.sum((p == pos) & (y != pos))
    fn = np.sum((p != pos) & (y == pos))
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return pr, rc, (2 * pr * rc / (pr + rc) if pr + rc else 0.0)


def xent_ok(z, y):
    z = z - z.max(1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return -lp[np.arange(len(y)), y].mean()


PRF_XENT = {"precision_recall_f1": prf_ok, "xent_from_logits": xent_ok}


class ArgmaxModel:
    """Predicts the argmax of the first 10 features: a stand-in for a trained CNN."""

    def predict(self, x, verbose=0):
        return np.asarray(x)[:, :10]


def _split(seed: int, n: int, agree: float) -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, 12))
    y = np.where(r.random(n) < agree, x[:, :10].argmax(1), r.integers(0, 10, n))
    return x, y


XTR, YTR = _split(1, 200, 0.99)
XVA, YVA = _split(2, 100, 0.9)
XTE, YTE = _split(3, 100, 0.8)
DIGITS = SimpleNamespace(x_train=XTR, y_train=YTR, x_val=XVA, y_val=YVA, x_test=XTE, y_test=YTE)


def accuracy(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(x[:, :10].argmax(1) == y))


def model_answer(test_accuracy: float) -> dict[str, Any]:
    return {"model_final": ArgmaxModel(), "digits": DIGITS, "test_accuracy": test_accuracy}


# --------------------------------------------------------------------------- the ablation

STRENGTH = {"full": 3.0, "no dropout": 2.9, "no augmentation": 2.95, "neither": 1.5}
RUNS = {(name, i): fake_run(s + 0.1 * i, images=True) for name, s in STRENGTH.items()
        for i in (0, 1)}


def ablation_answer(runs: dict) -> dict[str, Any]:
    last = {k: r.history["val_xent"][-1] for k, r in runs.items()}
    names = list(STRENGTH)
    mean = {n: (last[(n, 0)] + last[(n, 1)]) / 2 for n in names}
    noise = max(abs(last[(n, 0)] - last[(n, 1)]) for n in names)
    effect = {"dropout": mean["no dropout"] - mean["full"],
              "augmentation": mean["no augmentation"] - mean["full"],
              "both": mean["neither"] - mean["full"]}
    return {"runs_ablation": runs, "mean_val_xent": mean, "noise": noise, "effect": effect,
            "helps": sorted(k for k, v in effect.items() if v > noise)}


GOOD = ablation_answer(RUNS)


CASES = {
    1: Case(PRF_XENT, mistakes(
        ({**PRF_XENT, "precision_recall_f1": lambda y, p, k: prf_ok(y, p, k)[1::-1]
          + prf_ok(y, p, k)[2:]}, "swapped"),
        ({**PRF_XENT, "precision_recall_f1": lambda y, p, k: (*prf_ok(y, p, k)[:2],
                                                              sum(prf_ok(y, p, k)[:2]) / 2)},
         "harmonic mean"),
        ({**PRF_XENT, "precision_recall_f1": lambda y, p, k: [np.mean(y == p)] * 3},
         "accuracy"),
        ({**PRF_XENT, "xent_from_logits": lambda z, y: -np.log(
            np.abs(z[np.arange(len(y)), y]) + 1e-12).mean()}, "from_logits"),
        ({**PRF_XENT, "xent_from_logits": lambda z, y: xent_ok(z, y) * len(y)}, "do not sum"),
        ({**PRF_XENT, "xent_from_logits": lambda z, y: -np.log(
            (np.exp(z) / np.exp(z).sum(1, keepdims=True))[np.arange(len(y)), y]).mean()},
         "overflows"),
    )),
    2: Case(model_answer(accuracy(XTE, YTE)), mistakes(
        (model_answer(accuracy(XVA, YVA)), "validation accuracy"),
        (model_answer(100 * accuracy(XTE, YTE)), "percentage"),
        (model_answer(accuracy(XTR, YTR)), "training accuracy"),
    ), judged_here=False),  # predicts on the real digits: judged in a kernel
    3: Case(GOOD, mistakes(
        ({**GOOD, "effect": {k: -v for k, v in GOOD["effect"].items()}},
         "signs are flipped"),
        ({**GOOD, "helps": sorted(GOOD["effect"])}, "not evidence"),
        ({**GOOD, "noise": 0.0}, "largest |val_xent(seed 0) - val_xent(seed 1)|"),
        ({**GOOD, "runs_ablation": {k: v for k, v in RUNS.items() if k[1] == 0}},
         "no run for configuration and seed"),
    )),
    4: WrittenCase("Removed alone, each ingredient changed the validation cross-entropy by "
                   "about the seed noise; removed together, clearly more: either one alone "
                   "already stops the net from learning the wrong labels by heart."),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES

    def test_the_good_ablation_finds_one_effect(self) -> None:
        assert GOOD["helps"] == ["both"], GOOD


def test_judge_reads_non_finite_numbers_as_wrong() -> None:
    answers = {"notebook": NOTEBOOK, "tasks": {
        "1": {"prf": [{"value": None}] * 4,
              "xent": [{"value": "nan"}, {"value": "inf"}, {"value": float("nan")},
                       {"value": 10**400}, {"value": -1e308}]}}}
    v = checks.judge(NOTEBOOK, answers)[0]
    assert v.points == 0 and "not a finite number" in v.message


def test_the_hidden_labels_and_logits_are_per_student() -> None:
    """Same variant, same cases; two variants, other cases; the right functions score full
    under every variant; a table of the fixed cases' results does not transfer; every mistake
    told apart in a fixed hidden case is told apart (rtol 1e-2) in the student's case."""
    from coursework.engine import probe
    from coursework.engine.judge import close
    from coursework.engine.testing import check_variants
    from coursework.ex09_putting_it_together import hidden

    check_variants(NOTEBOOK, 1, PRF_XENT)
    for v in ("0a1b2c3d" * 8, "9f8e7d6c" * 8, "5e" * 32, "77" * 32):
        for cases, ref, wrong in [(hidden.cases_prf, hidden.prf_ref, hidden.PRF_MISTAKES),
                                  (hidden.cases_xent, hidden.xent_ref, hidden.XENT_MISTAKES)]:
            for c0, c in zip(cases(None), cases(v), strict=True):
                a0, a = probe.decode(c0["args"]), probe.decode(c["args"])
                for h, m in wrong.items():
                    assert not close(m(*a), ref(*a), rtol=1e-2) \
                        or close(m(*a0), ref(*a0), rtol=1e-2), (v, h)
