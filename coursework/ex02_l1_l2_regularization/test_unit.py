"""Exercise 02's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

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
    worst_key,
)
from coursework.ex02_l1_l2_regularization.spec import CHOICE

NOTEBOOK = "02_l1_l2_regularization"


def l2_ok(layers, lam):
    return lam * sum(np.sum(w**2) for w, _ in layers)


def l1_ok(layers, lam):
    return lam * sum(np.sum(np.abs(w)) for w, _ in layers)


rng = np.random.default_rng(0)
KERNEL = np.where(rng.random((64, 32)) < 0.6, 0.0, rng.normal(size=(64, 32)))
BIAS = rng.normal(size=32) * 0.1
HIDDEN = SimpleNamespace(kernel=KERNEL, bias=BIAS, kernel_regularizer=SimpleNamespace(l1=1e-3))
OUT = SimpleNamespace(kernel=rng.normal(size=(32, 10)), bias=np.zeros(10))
MODEL_L1 = SimpleNamespace(layers=[HIDDEN, OUT])
SHARE = float(np.mean(np.abs(KERNEL) < 1e-3))
NO_L1 = SimpleNamespace(layers=[SimpleNamespace(kernel=KERNEL, bias=BIAS,
                                                kernel_regularizer=None), OUT])

PENALTIES = {"l2_penalty": l2_ok, "l1_penalty": l1_ok}
RUNS = carrying({0.0: fake_run(1.0), 1e-4: fake_run(0.8, penalty=0.5),
                 1e-3: fake_run(4.0, penalty=2.0), 1e-2: fake_run(2.5, penalty=3.0)}, CHOICE[4])


CASES = {
    1: Case(PENALTIES, mistakes(
        ({**PENALTIES, "l2_penalty": lambda L, lam: lam * sum(np.sum(w**2) + np.sum(b**2)
                                                              for w, b in L)}, "biases too"),
        ({**PENALTIES, "l2_penalty": lambda L, lam: 0.5 * lam * sum(np.sum(w**2)
                                                                    for w, _ in L)},
         "without a factor 1/2"),
        ({**PENALTIES, "l2_penalty": lambda L, lam: sum(np.sum(w**2) for w, _ in L)},
         "multiply by lam"),
        ({**PENALTIES, "l2_penalty": lambda L, lam: None}, "single number"),
        ({**PENALTIES, "l1_penalty": lambda L, lam: lam * sum(np.sum(w) for w, _ in L)},
         "absolute value"),
        ({**PENALTIES, "l1_penalty": lambda L, lam: lam * sum(np.sum(w**2) for w, _ in L)},
         "not w**2"),
    ) | {"l1: biases too": ({**PENALTIES, "l1_penalty": lambda L, lam: lam * sum(
        np.sum(np.abs(w)) + np.sum(np.abs(b)) for w, b in L)}, "biases too")}),
    2: Case({"model_l1": MODEL_L1, "sparse_share": SHARE}, mistakes(
        ({"model_l1": MODEL_L1, "sparse_share": float(np.mean(KERNEL < 1e-3))},
         "without abs"),
        ({"model_l1": MODEL_L1, "sparse_share": float(np.mean(np.abs(
            np.concatenate([KERNEL.ravel(), BIAS])) < 1e-3))}, "not the biases"),
        ({"model_l1": MODEL_L1, "sparse_share": 100 * SHARE}, "percentage"),
        ({"model_l1": NO_L1, "sparse_share": SHARE}, "no L1 penalty"),
    ), made_up_runs=True),
    3: WrittenCase("The gradient of lam*|w| keeps its size as w shrinks, so it pushes unneeded "
                   "weights all the way to zero; 2*lam*w fades with w, so L2 only shrinks them."),
    4: Case({"runs_l2": RUNS, "best_l2": 1e-3}, mistakes(
        ({"runs_l2": carrying(RUNS, CHOICE[4], 0.01), "best_l2": 1e-3},
         "every run was trained with the same lambda"),
        ({"runs_l2": RUNS, "best_l2": 0.0}, "val_loss, which includes the penalty"),
        ({"runs_l2": {str(k): v for k, v in RUNS.items()}, "best_l2": "0.001"},
         "key each run by its lambda"),
        ({"runs_l2": RUNS, "best_l2": worst_key(RUNS)}, "the worst value"),
    )),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES


def test_a_layer_shaped_object_with_zero_weights_scores_nothing() -> None:
    """It used to earn the point of 'sparse_share measures the hidden kernel' (share 1)."""
    from coursework import SelfCheckError, check_task
    from coursework.engine.testing import graded

    zeros = SimpleNamespace(kernel=np.zeros((64, 128)), bias=np.zeros(128),
                            kernel_regularizer=SimpleNamespace(l1=1e-3))
    ns = {"model_l1": SimpleNamespace(layers=[zeros, OUT]), "sparse_share": 1.0}
    try:
        check_task(NOTEBOOK, 2, ns)
        raise AssertionError("the public check passed a net without weights")
    except SelfCheckError as err:
        assert "no weight away from zero" in str(err)
    verdict = graded(NOTEBOOK, ns)[2]
    assert (verdict.points, verdict.status) == (0, "fail"), verdict.message


def test_the_hidden_layers_are_per_student() -> None:
    """Same variant, same layers; two variants, other layers; the right penalties score full
    under every variant; a table of the fixed cases' penalties does not transfer."""
    from coursework.engine.testing import check_variants

    check_variants(NOTEBOOK, 1, PENALTIES)
