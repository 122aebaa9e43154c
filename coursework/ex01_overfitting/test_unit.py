"""Exercise 01's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

import pytest

from coursework import SelfCheckError, check_task
from coursework.engine.testing import (
    Case,
    UnitTests,
    WrittenCase,
    carrying,
    fake_run,
    graded,
    mistakes,
    run,
)
from coursework.ex01_overfitting import hidden
from coursework.ex01_overfitting.spec import CHOICE

NOTEBOOK = "01_overfitting"


def count_ok(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


HIST = dict(accuracy=[0.5, 0.9, 0.99], val_accuracy=[0.5, 0.8, 0.75],
            xent=[1.5, 0.5, 0.1], val_xent=[1.5, 1.0, 1.2])
GAP = 0.99 - 0.75
RUNS = carrying({4: fake_run(0.5), 16: fake_run(4.0), 64: fake_run(3.0)}, CHOICE[4])
RUN_BIG = fake_run(1.0)



CASES = {
    1: Case({"count_mlp_params": count_ok}, mistakes(
        ({"count_mlp_params": lambda s: sum(a * b for a, b in zip(s[:-1], s[1:], strict=True))},
         "forgot the biases"),
        ({"count_mlp_params": lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:],
                                                                       strict=True))},
         "receiving layer"),
        ({"count_mlp_params": lambda s: float(count_ok(s))}, "integer"),
    )),
    2: Case({"run_big": run(**HIST), "gap_big": GAP}, mistakes(
        ({"run_big": run(**HIST), "gap_big": -GAP}, "not validation minus train"),
        ({"run_big": run(**HIST), "gap_big": 0.99 - 0.8}, "not the best"),
        ({"run_big": run(**HIST), "gap_big": 0.1 - 1.2}, "not cross-entropy"),
        ({"run_big": "run", "gap_big": GAP}, "should be the Run"),
    ), made_up_runs=True),
    3: WrittenCase("The net learns the wrong labels by heart; wider layers give it more room to "
                   "do so, the other three give it less room or less time."),
    4: Case({"runs_width": RUNS, "best_width": 16, "run_big": RUN_BIG}, mistakes(
        ({"runs_width": carrying(RUNS, CHOICE[4], 64), "best_width": 16, "run_big": RUN_BIG},
         "every run was trained with the same width"),
        ({"runs_width": RUNS, "best_width": 4, "run_big": RUN_BIG}, "the best width is 16"),
        ({"runs_width": {4: RUNS[4], 16: RUNS[16]}, "best_width": 16, "run_big": RUN_BIG},
         "no run for width 64"),
        ({"runs_width": RUNS, "best_width": 256, "run_big": RUN_BIG},
         "not one of the candidates"),
    )),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES


def test_a_crashing_answer_is_reported_in_words() -> None:
    def broken(sizes):
        return sizes[10]

    with pytest.raises(SelfCheckError, match="raised IndexError"):
        check_task(NOTEBOOK, 1, {"count_mlp_params": broken})
    verdict = graded(NOTEBOOK, {"count_mlp_params": broken})[1]
    assert verdict.points == 0 and "raised IndexError" in verdict.message


def test_partial_credit_per_hidden_case() -> None:
    def no_input_layer(sizes):  # crashes on the net without layers, right otherwise
        return count_ok(sizes) if len(sizes) > 1 else sizes[1]

    verdict = graded(NOTEBOOK, {"count_mlp_params": no_input_layer})[1]
    assert verdict.status == "partial" and 0 < verdict.points < 2
    assert "only an input layer (no parameters): failed" in verdict.message


def test_feedback_never_shows_hidden_expected_values() -> None:
    verdict = graded(NOTEBOOK, {"count_mlp_params": lambda s: 7})[1]
    for sizes, _ in hidden._HIDDEN_SIZES:
        if hidden.count_ref(sizes) > 10:
            assert f"{hidden.count_ref(sizes)}" not in verdict.message
        assert str(sizes) not in verdict.message
