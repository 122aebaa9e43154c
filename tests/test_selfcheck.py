"""Public self-checks and hidden checks: right answers pass, stubs and mistakes are named.

Every task gets: one right answer (passes the public check, and full marks from the
instructor's judge), the unsolved stub (NotSolvedError; "not solved" at grading), and at
least two typical mistakes (SelfCheckError whose message names the likely cause; fewer
points at grading). The public tables are recomputed from the instructor's references;
``judge`` is fed junk. No TensorFlow and no kernel (the probe runs in this process here;
tests/test_exercises.py runs it in real kernels), so these tests take a few seconds.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from helpers.selfcheck import (
    TASKS,
    NotSolvedError,
    SelfCheckError,
    check_task,
    get_task,
)
from helpers.training import Run
from instructor import checks

ROOT = Path(__file__).resolve().parents[1]


def stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("Task 1: replace this line with your code")


def run(**history: list[float]) -> Run:
    return Run("r", {k: list(v) for k, v in history.items()}, model=None)


# --------------------------------------------------------------------------- right answers
# Written independently of helpers.selfcheck, as a student would.


def count_ok(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))


def l2_ok(layers, lam):
    return lam * sum(np.sum(w**2) for w, _ in layers)


def l1_ok(layers, lam):
    return lam * sum(np.sum(np.abs(w)) for w, _ in layers)


def momentum_ok(w, v, g, lr, beta):
    v = beta * v - lr * g
    return w + v, v


def momentum_torch_style(w, v, g, lr, beta):  # another convention, same trajectory
    v = beta * v + g
    return w - lr * v, v


def decay_ok(step, lr0, rate, decay_steps, staircase=False):
    p = step / decay_steps
    return lr0 * rate ** (np.floor(p) if staircase else p)


def es_ok(losses, patience):
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(losses, 1):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses)


def dropout_ok(x, rate, training, rng):
    if not training:
        return x
    return np.where(rng.random(x.shape) >= rate, x / (1 - rate), 0.0)


def bn_ok(x, gamma, beta, eps=1e-3):
    return gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta


def bn_inf_ok(x, mm, mv, gamma, beta, eps=1e-3):
    return gamma * (x - mm) / np.sqrt(mv + eps) + beta


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


# --------------------------------------------------------------------------- fixtures for runs

HIST01 = dict(accuracy=[0.5, 0.9, 0.99], val_accuracy=[0.5, 0.8, 0.75],
              xent=[1.5, 0.5, 0.1], val_xent=[1.5, 1.0, 1.2])
GAP = 0.99 - 0.75

rng = np.random.default_rng(0)
KERNEL = np.where(rng.random((64, 32)) < 0.6, 0.0, rng.normal(size=(64, 32)))
BIAS = rng.normal(size=32) * 0.1
HIDDEN = SimpleNamespace(kernel=KERNEL, bias=BIAS, kernel_regularizer=SimpleNamespace(l1=1e-3))
OUT = SimpleNamespace(kernel=rng.normal(size=(32, 10)), bias=np.zeros(10))
MODEL_L1 = SimpleNamespace(layers=[HIDDEN, OUT])
SHARE = float(np.mean(np.abs(KERNEL) < 1e-3))

LRS = [0.08, 0.05, 0.03, 0.02]


class Dense:
    pass


class Dropout:
    pass


H06P = dict(xent=[1.0, 0.2], val_xent=[0.9, 0.7], val_loss=[0.95, 0.75], val_accuracy=[.7, .8])
H06D = dict(xent=[1.1, 0.4], val_xent=[0.8, 0.6], val_loss=[0.85, 0.65], val_accuracy=[.7, .8])
RUN_PLAIN = Run("plain", H06P, SimpleNamespace(layers=[Dense(), Dense()]))
RUN_DROP = Run("dropout", H06D, SimpleNamespace(layers=[Dense(), Dropout(), Dense()]))


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
ACC = lambda x, y: float(np.mean(x[:, :10].argmax(1) == y))  # noqa: E731

ES = SimpleNamespace(monitor="val_xent", restore_best_weights=True)
H05 = dict(val_xent=[1.0, 0.8, 0.7, 0.72, 0.71, 0.75, 0.8, 0.9])


# --------------------------------------------------------------------------- the table
# notebook, task, right answer, (mistaken answer, words the message must contain), ...

CASES: list[tuple[str, int, dict, list[tuple[dict, str]]]] = [
    ("01_overfitting", 1, {"count_mlp_params": count_ok}, [
        ({"count_mlp_params": lambda s: sum(a * b for a, b in zip(s[:-1], s[1:],
                                                                   strict=True))},
         "forgot the biases"),
        ({"count_mlp_params": lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:],
                                                                       strict=True))},
         "receiving layer"),
        ({"count_mlp_params": lambda s: float(count_ok(s))}, "integer"),
    ]),
    ("01_overfitting", 2, {"run_big": run(**HIST01), "gap_big": GAP}, [
        ({"run_big": run(**HIST01), "gap_big": -GAP}, "not validation minus train"),
        ({"run_big": run(**HIST01), "gap_big": 0.99 - 0.8}, "not the best"),
        ({"run_big": run(**HIST01), "gap_big": 0.1 - 1.2}, "not cross-entropy"),
        ({"run_big": "run", "gap_big": GAP}, "should be the Run"),
    ]),
    ("01_overfitting", 3, {"answer_remedy": "B"}, [
        ({"answer_remedy": "wider"}, "one letter"),
        ({"answer_remedy": 2}, "one letter"),
    ]),
    ("02_l1_l2_regularization", 1, {"l2_penalty": l2_ok}, [
        ({"l2_penalty": lambda L, lam: lam * sum(np.sum(w**2) + np.sum(b**2) for w, b in L)},
         "biases too"),
        ({"l2_penalty": lambda L, lam: 0.5 * lam * sum(np.sum(w**2) for w, _ in L)},
         "without a factor 1/2"),
        ({"l2_penalty": lambda L, lam: sum(np.sum(w**2) for w, _ in L)}, "multiply by lam"),
        ({"l2_penalty": lambda L, lam: None}, "single number"),
    ]),
    ("02_l1_l2_regularization", 2, {"l1_penalty": l1_ok}, [
        ({"l1_penalty": lambda L, lam: lam * sum(np.sum(np.abs(w)) + np.sum(np.abs(b))
                                                 for w, b in L)}, "biases too"),
        ({"l1_penalty": lambda L, lam: lam * sum(np.sum(w) for w, _ in L)}, "absolute value"),
        ({"l1_penalty": lambda L, lam: lam * sum(np.sum(w**2) for w, _ in L)}, "not w**2"),
    ]),
    ("02_l1_l2_regularization", 3, {"model_l1": MODEL_L1, "sparse_share": SHARE}, [
        ({"model_l1": MODEL_L1, "sparse_share": float(np.mean(KERNEL < 1e-3))}, "without abs"),
        ({"model_l1": MODEL_L1, "sparse_share": float(np.mean(np.abs(
            np.concatenate([KERNEL.ravel(), BIAS])) < 1e-3))}, "not the biases"),
        ({"model_l1": MODEL_L1, "sparse_share": 100 * SHARE}, "percentage"),
        ({"model_l1": SimpleNamespace(layers=[SimpleNamespace(
            kernel=KERNEL, bias=BIAS, kernel_regularizer=None), OUT]), "sparse_share": SHARE},
         "no L1 penalty"),
    ]),
    ("03_momentum", 1, {"momentum_step": momentum_ok}, [
        ({"momentum_step": lambda w, v, g, lr, b: (w - lr * g, v)}, "plain SGD"),
        ({"momentum_step": lambda w, v, g, lr, b: (w + b * v + lr * g, b * v + lr * g)},
         "uphill"),
        ({"momentum_step": lambda w, v, g, lr, b: (w + v, b * v - lr * g)}, "NEW velocity"),
        ({"momentum_step": lambda w, v, g, lr, b: w - lr * g}, "pair"),
    ]),
    ("03_momentum", 2, {"steps_sgd": 154, "steps_momentum": None}, []),  # replaced below
    ("04_learning_rate_decay", 1, {"exponential_decay": decay_ok}, [
        ({"exponential_decay": lambda s, l0, r, d, staircase=False: l0 * r**s},
         "divide the step by decay_steps"),
        ({"exponential_decay": lambda s, l0, r, d, staircase=False: l0 * r ** (s / d)},
         "floor"),
        ({"exponential_decay": lambda s, l0, r, d, staircase=False: l0 * r ** (s // d)},
         "only staircase=True"),
        ({"exponential_decay": lambda s, l0, r, d: l0 * r ** (s / d)}, "raised TypeError"),
    ]),
    ("04_learning_rate_decay", 2, {"opt": SimpleNamespace(learning_rate=0.01)}, [
        ({"opt": SimpleNamespace(learning_rate=0.1, learninig_rate=0.01)}, "typo"),
        ({"opt": SimpleNamespace(learning_rate=0.1)}, "still 0.1"),
        ({"opt": SimpleNamespace(learning_rate=0.001)}, "expected 0.01"),
    ]),
    ("04_learning_rate_decay", 3, {"run_decay": run(lr=LRS), "final_lr": LRS[-1]}, [
        ({"run_decay": run(lr=LRS), "final_lr": LRS[0]}, "first epoch"),
        ({"run_decay": run(lr=LRS), "final_lr": 0.1}, "initial rate"),
        ({"run_decay": run(lr=[0.1] * 4), "final_lr": 0.1}, "does not fall"),
    ]),
    ("05_early_stopping", 1, {"early_stopping_epochs": es_ok}, [
        ({"early_stopping_epochs": lambda L, p: tuple(x - 1 for x in es_ok(L, p))},
         "counted from 1"),
        ({"early_stopping_epochs": lambda L, p: (int(np.argmin(L)) + 1, es_ok(L, p)[1])},
         "before stopping"),
        ({"early_stopping_epochs": lambda L, p: (es_ok(L, p)[0],
                                                 min(es_ok(L, p)[0] + p + 1, len(L)))},
         "one epoch late"),
        ({"early_stopping_epochs": lambda L, p: (es_ok(L, p)[0], len(L))}, "never stopped"),
    ]),
    ("05_early_stopping", 2, {"early_stop": ES, "run_es": run(**H05), "best_epoch_es": 3,
                              "stop_epoch_es": 8}, [
        ({"early_stop": SimpleNamespace(monitor="xent", restore_best_weights=True),
          "run_es": run(**H05), "best_epoch_es": 3, "stop_epoch_es": 8}, "training quantity"),
        ({"early_stop": SimpleNamespace(monitor="val_xent", restore_best_weights=False),
          "run_es": run(**H05), "best_epoch_es": 3, "stop_epoch_es": 8},
         "restore_best_weights"),
        ({"early_stop": ES, "run_es": run(**H05), "best_epoch_es": 2, "stop_epoch_es": 7},
         "counted from 1"),
    ]),
    ("05_early_stopping", 3, {"answer_test_set": "b"}, [
        ({"answer_test_set": "test"}, "one letter"),
        ({"answer_test_set": None}, "one letter"),
    ]),
    ("06_dropout", 1, {"dropout_forward": dropout_ok}, [
        ({"dropout_forward": lambda x, r, t, g: np.where(g.random(x.shape) >= r, x, 0.0)
          if t else x}, "forgot to divide"),
        ({"dropout_forward": lambda x, r, t, g: np.where(g.random(x.shape) >= r,
                                                         x * (1 - r), 0.0) if t else x},
         "multiplied by (1 - rate)"),
        ({"dropout_forward": lambda x, r, t, g: np.where(g.random(x.shape) < r,
                                                         x / (1 - r), 0.0) if t else x},
         "share to DROP"),
        ({"dropout_forward": lambda x, r, t, g: np.where(g.random(x.shape) >= r,
                                                         x / (1 - r), 0.0)},
         "only in training"),
    ]),
    ("06_dropout", 2, {"run_plain": RUN_PLAIN, "run_dropout": RUN_DROP,
                       "end_val_xent_plain": 0.7, "end_val_xent_dropout": 0.6}, [
        ({"run_plain": RUN_PLAIN, "run_dropout": RUN_DROP, "end_val_xent_plain": 0.2,
          "end_val_xent_dropout": 0.4}, "not the training one"),
        ({"run_plain": RUN_PLAIN, "run_dropout": RUN_DROP, "end_val_xent_plain": 0.75,
          "end_val_xent_dropout": 0.65}, "val_loss"),
        ({"run_plain": RUN_PLAIN, "run_dropout": RUN_PLAIN, "end_val_xent_plain": 0.7,
          "end_val_xent_dropout": 0.7}, "no Dropout layer"),
    ]),
    ("06_dropout", 3, {"answer_inference": "b"}, [
        ({"answer_inference": ["b"]}, "one letter"),
        ({"answer_inference": ""}, "one letter"),
    ]),
    ("08_batch_normalization", 1, {"batchnorm_forward": bn_ok}, [
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: g * (x - x.mean(0)) / np.sqrt(
            x.var(0, ddof=1) + e) + b}, "biased variance"),
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: g * (x - x.mean(1, keepdims=True))
          / np.sqrt(x.var(1, keepdims=True) + e) + b}, "axis 0"),
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: g * (x - x.mean(0)) / (
            np.sqrt(x.var(0)) + e) + b}, "inside the square root"),
        ({"batchnorm_forward": lambda x, g, b, e=1e-3: (x - x.mean(0)) / np.sqrt(
            x.var(0) + e)}, "gamma and beta"),
    ]),
    ("08_batch_normalization", 2, {"batchnorm_inference": bn_inf_ok}, [
        ({"batchnorm_inference": lambda x, mm, mv, g, b, e=1e-3: bn_ok(x, g, b, e)},
         "moving statistics"),
        ({"batchnorm_inference": lambda x, mm, mv, g, b, e=1e-3: g * (x - mm) / (mv + e) + b},
         "sqrt(moving_var + eps)"),
        ({"batchnorm_inference": lambda x, mm, mv, g, b, e=1e-3: (x - mm) / np.sqrt(mv + e)},
         "gamma and beta"),
    ]),
    ("08_batch_normalization", 3, {"answer_bias": " A "}, [
        ({"answer_bias": "z"}, "one letter"),
        ({"answer_bias": "ab"}, "one letter"),
    ]),
    ("09_putting_it_together", 1, {"precision_recall_f1": prf_ok}, [
        ({"precision_recall_f1": lambda y, p, k: prf_ok(y, p, k)[1::-1] + prf_ok(y, p, k)[2:]},
         "swapped"),
        ({"precision_recall_f1": lambda y, p, k: (*prf_ok(y, p, k)[:2],
                                                  sum(prf_ok(y, p, k)[:2]) / 2)},
         "harmonic mean"),
        ({"precision_recall_f1": lambda y, p, k: [np.mean(y == p)] * 3}, "accuracy"),
    ]),
    ("09_putting_it_together", 2, {"xent_from_logits": xent_ok}, [
        ({"xent_from_logits": lambda z, y: -np.log(np.abs(z[np.arange(len(y)), y])
                                                   + 1e-12).mean()}, "from_logits"),
        ({"xent_from_logits": lambda z, y: xent_ok(z, y) * len(y)}, "do not sum"),
        ({"xent_from_logits": lambda z, y: -np.log(
            (np.exp(z) / np.exp(z).sum(1, keepdims=True))[np.arange(len(y)), y]).mean()},
         "overflows"),
    ]),
    ("09_putting_it_together", 3, {"model_final": ArgmaxModel(), "digits": DIGITS,
                                   "test_accuracy": ACC(XTE, YTE)}, [
        ({"model_final": ArgmaxModel(), "digits": DIGITS, "test_accuracy": ACC(XVA, YVA)},
         "validation accuracy"),
        ({"model_final": ArgmaxModel(), "digits": DIGITS,
          "test_accuracy": 100 * ACC(XTE, YTE)}, "percentage"),
        ({"model_final": ArgmaxModel(), "digits": DIGITS,
          "test_accuracy": ACC(XTR, YTR)}, "training accuracy"),
    ]),
]


def _steps(beta: float) -> int | None:
    w, v = np.array([-1.5, 0.5]), np.zeros(2)
    for k in range(1, 1001):
        w, v = momentum_ok(w, v, np.array([1.0, 25.0]) * w, 0.03, beta)
        if 0.5 * (w[0] ** 2 + 25 * w[1] ** 2) < 1e-4:
            return k
    return None


S_SGD, S_MOM = _steps(0.0), _steps(0.9)
CASES[7] = ("03_momentum", 2, {"steps_sgd": S_SGD, "steps_momentum": S_MOM}, [
    ({"steps_sgd": S_MOM, "steps_momentum": S_SGD}, "swapped"),
    ({"steps_sgd": S_SGD, "steps_momentum": None}, "never reached"),
    ({"steps_sgd": float(S_SGD), "steps_momentum": S_MOM}, "integer number of steps"),
    ({"steps_sgd": 0, "steps_momentum": S_MOM}, "count the steps from 1"),
])
#: mistakes the public check cannot see (it holds no answer); the hidden check names them
HIDDEN_ONLY = {"03_momentum:task2": [
    ({"steps_sgd": S_SGD - 1, "steps_momentum": S_MOM - 1}, "starting at 1"),
    ({"steps_sgd": S_SGD + 1, "steps_momentum": S_MOM}, "off by one"),
]}
MC = {"01_overfitting": ("answer_remedy", "b", "c"),
      "05_early_stopping": ("answer_test_set", "b", "a"),
      "06_dropout": ("answer_inference", "b", "c"),
      "08_batch_normalization": ("answer_bias", "a", "b")}

# the tasks where the learner runs an experiment and decides, and exercise 07
from _decide_cases import DECIDE_CASES  # noqa: E402  (tests/ is on sys.path under pytest)

CASES += DECIDE_CASES

IDS = [f"{nb}:task{n}" for nb, n, _, _ in CASES]


RUN_TASKS = {"01_overfitting:task2", "02_l1_l2_regularization:task3",
             "04_learning_rate_decay:task2", "04_learning_rate_decay:task3",
             "05_early_stopping:task2", "06_dropout:task2"}
NO_JUDGE_HERE = {"09_putting_it_together:task3"}  # predicts on the real digits: in a kernel


def graded(nb: str, namespace: dict) -> dict[int, checks.Verdict]:
    """Run the probe of ``nb`` on ``namespace`` in this process, then the judge."""
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        exec(compile(checks.probe_source(nb, path), "<probe>", "exec"), dict(namespace))
        answers = json.loads(Path(path).read_text(encoding="utf-8"))
    finally:
        os.unlink(path)
    verdicts = checks.judge(nb, answers)
    return {int(v.key.rsplit("task", 1)[1]): v for v in verdicts}


def test_every_task_is_covered() -> None:
    assert sorted(IDS) == sorted(t.key for tasks in TASKS.values() for t in tasks.values())
    assert all(2 <= len(tasks) <= 4 for tasks in TASKS.values()), (  # COURSE.md: 2-4 tasks
        {nb: len(tasks) for nb, tasks in TASKS.items()})
    assert checks.notebooks() == sorted(TASKS)
    for nb in checks.notebooks():
        infos = checks.tasks(nb)
        assert [(t.key, t.points, t.title) for t in infos] == [
            (t.key, t.points, t.title) for t in TASKS[nb].values()]


@pytest.mark.parametrize(("nb", "n", "good", "mistakes"), CASES, ids=IDS)
def test_right_answer_passes(nb: str, n: int, good: dict, mistakes: list,
                             capsys: pytest.CaptureFixture[str]) -> None:
    task = get_task(nb, n)
    assert check_task(nb, n, good) == (task.points if task.verified else 0)
    out = capsys.readouterr().out
    assert f"✔ Task {n}" in out
    assert ("scored by the grader" in out) == (not task.verified)
    if task.key in NO_JUDGE_HERE:
        return
    verdict = graded(nb, good)[n]
    if task.key in RUN_TASKS:  # made-up runs miss hidden checks (epochs, layers, ...)
        assert verdict.points > 0 and verdict.status in ("pass", "partial"), verdict.message
        assert verdict.message.splitlines()[1].split(":")[1].strip().startswith("passed")
    else:
        assert (verdict.points, verdict.status) == (task.points, "pass"), verdict.message


@pytest.mark.parametrize(("nb", "n", "good", "mistakes"), CASES, ids=IDS)
def test_unsolved_stub_is_rejected(nb: str, n: int, good: dict, mistakes: list) -> None:
    # a function task still holding the stub, or a variable task whose cell raised
    unsolved = {k: stub if callable(v) and not hasattr(v, "predict") else None
                for k, v in good.items()}
    unsolved = {k: v for k, v in unsolved.items() if v is not None}
    with pytest.raises(NotSolvedError) as info:
        check_task(nb, n, unsolved)
    message = str(info.value)
    assert message.startswith(f"Task {n} (")
    assert "NotImplementedError" in message or "is not defined" in message
    verdict = graded(nb, unsolved)[n]
    assert (verdict.points, verdict.status) == (0, "not solved"), verdict.message
    assert verdict.message.startswith(f"Task {n} (") and "not solved" in verdict.message


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflowing mistake of 09:task2
@pytest.mark.parametrize(("nb", "n", "good", "mistakes"), CASES, ids=IDS)
def test_mistakes_are_named(nb: str, n: int, good: dict, mistakes: list) -> None:
    assert len(mistakes) >= 2
    key = f"{nb}:task{n}"
    for namespace, words in mistakes:
        with pytest.raises(SelfCheckError) as info:
            check_task(nb, n, namespace)
        assert not isinstance(info.value, NotSolvedError)
        assert isinstance(info.value, AssertionError)  # tests and graders can catch it
        assert words in str(info.value), str(info.value)
        if key not in NO_JUDGE_HERE:
            verdict = graded(nb, namespace)[n]
            assert verdict.points < get_task(nb, n).points, verdict.message
    for namespace, words in HIDDEN_ONLY.get(key, []):
        check_task(nb, n, namespace)  # plausible: only the grader knows
        verdict = graded(nb, namespace)[n]
        assert verdict.points < get_task(nb, n).points and words in verdict.message


FUNCTION_MISTAKES = [(nb, n, ns, words) for nb, n, _, mistakes in CASES
                     for ns, words in mistakes
                     if any(callable(v) and not hasattr(v, "predict") for v in ns.values())
                     and words not in ("pair", "integer", "single number", "raised TypeError",
                                       "only in training", "overflows")]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(("nb", "n", "namespace", "words"), FUNCTION_MISTAKES,
                         ids=[f"{nb}:task{n}:{w}" for nb, n, _, w in FUNCTION_MISTAKES])
def test_hidden_checks_name_the_likely_cause(nb: str, n: int, namespace: dict,
                                             words: str) -> None:
    verdict = graded(nb, namespace)[n]
    assert verdict.status in ("fail", "partial") and "hidden " in verdict.message
    assert words in verdict.message, verdict.message


@pytest.mark.parametrize("nb", sorted(MC))
def test_multiple_choice_is_scored_only_by_the_grader(nb: str, capsys) -> None:
    name, key, wrong = MC[nb]
    n = next(t.number for t in TASKS[nb].values() if not t.verified and name in
             inspect.getsource(t.check))
    assert check_task(nb, n, {name: wrong}) == 0  # no verdict on the student's machine
    assert "scored by the grader" in capsys.readouterr().out
    right, bad = graded(nb, {name: key})[n], graded(nb, {name: wrong})[n]
    assert (right.points, bad.points) == (get_task(nb, n).points, 0)
    assert "is not the best answer" in bad.message
    assert f"{key!r}" not in bad.message  # the feedback never gives the key away


def test_other_conventions_of_momentum_pass() -> None:
    assert check_task("03_momentum", 1, {"momentum_step": momentum_torch_style}) == 2
    assert graded("03_momentum", {"momentum_step": momentum_torch_style})[1].points == 2


def test_a_crashing_answer_is_reported_in_words() -> None:
    def broken(sizes):
        return sizes[10]

    with pytest.raises(SelfCheckError, match="raised IndexError"):
        check_task("01_overfitting", 1, {"count_mlp_params": broken})
    verdict = graded("01_overfitting", {"count_mlp_params": broken})[1]
    assert verdict.points == 0 and "raised IndexError" in verdict.message


def test_partial_credit_per_hidden_case() -> None:
    def no_input_layer(sizes):  # crashes on the net without layers, right otherwise
        return count_ok(sizes) if len(sizes) > 1 else sizes[1]

    verdict = graded("01_overfitting", {"count_mlp_params": no_input_layer})[1]
    assert verdict.status == "partial" and 0 < verdict.points < 2
    assert "only an input layer (no parameters): failed" in verdict.message


def test_feedback_never_shows_hidden_expected_values() -> None:
    from instructor.checks import ex01_overfitting as ex01
    from instructor.checks import ex05_early_stopping as ex05

    verdict = graded("01_overfitting", {"count_mlp_params": lambda s: 7})[1]
    for sizes, _ in ex01._HIDDEN_SIZES:
        if ex01.count_ref(sizes) > 10:
            assert f"{ex01.count_ref(sizes)}" not in verdict.message
        assert str(sizes) not in verdict.message
    verdict = graded("05_early_stopping", {"early_stopping_epochs": lambda L, p: (1, 1)})[1]
    for (losses, patience), _ in ex05._HIDDEN:
        assert str(ex05.early_stopping_ref(losses, patience)) not in verdict.message
        assert str(losses[:3])[1:-1] not in verdict.message


def test_unknown_notebook_or_task_names_the_bad_value() -> None:
    with pytest.raises(ValueError, match="'01_overfit'"):
        check_task("01_overfit", 1, {})
    with pytest.raises(ValueError, match="got 9"):
        check_task("01_overfitting", 9, {})
    for call in (checks.tasks, checks.fingerprint, lambda nb: checks.judge(nb, {})):
        with pytest.raises(ValueError, match="'07_initialisation'"):
            call("07_initialisation")


def test_jupyter_shows_the_sentence_not_a_traceback() -> None:
    with pytest.raises(SelfCheckError) as info:
        check_task("01_overfitting", 3, {"answer_remedy": "e"})
    rendered = info.value._render_traceback_()
    assert len(rendered) == 1 and "one letter" in rendered[0]


# --------------------------------------------------------------------------- public data


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return bool(np.isclose(float(a), float(b), rtol=1e-12, atol=0, equal_nan=True))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("nb", sorted(TASKS))
def test_public_tables_are_what_the_references_compute(nb: str) -> None:
    """The expected outputs the public checks hold as data cannot drift from the references."""
    public = importlib.import_module(f"helpers.selfcheck.{checks._MODULES[nb]}")
    assert _same(getattr(public, "EXPECTED", {}), checks.public_tables(nb)), (
        f"helpers/selfcheck/{checks._MODULES[nb]}.py: EXPECTED is stale; paste the output of "
        f"`python -m instructor.checks tables {nb}`")


SELFCHECK_SOURCE = "\n".join(p.read_text(encoding="utf-8")
                             for p in sorted((ROOT / "helpers" / "selfcheck").glob("*.py")))


@pytest.mark.parametrize("nb", sorted(MC))
def test_helpers_hold_no_answer_key(nb: str) -> None:
    name, key, _ = MC[nb]
    assert not re.search(rf"{name}\W{{1,12}}{key}\b", SELFCHECK_SOURCE)
    mod = checks.module(nb)
    for hint in mod.WHY3.values():  # the words that explain each wrong letter
        assert hint[:40] not in SELFCHECK_SOURCE


def test_helpers_hold_no_reference_implementation() -> None:
    tree = ast.parse(SELFCHECK_SOURCE)
    names = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    refs = {name for nb in checks.notebooks() for name, obj in vars(checks.module(nb)).items()
            if name.endswith("_ref") and callable(obj)}
    assert refs and not names & refs
    hidden = "\n".join(inspect.getsource(checks.module(nb)) for nb in checks.notebooks())
    for line in {ln.strip() for ln in hidden.splitlines()}:
        if len(line) > 30 and line.startswith(("return", "v =", "best", "tp =", "z =")):
            assert line not in SELFCHECK_SOURCE, line


# --------------------------------------------------------------------------- junk answers

JUNK = [None, 0, -1, 1e308, 10**400, float("nan"), "nan", "inf", "", "x" * 10_000, True, [],
        {}, [None], [[1, 2], [3]], {"value": None}, {"value": "nan"}, {"value": [1] * 100_000},
        {"value": {"a": 1}}, {"error": None}, {"stub": 1, "value": 2}, {"missing": ["x"]},
        {"calls": None}, {"calls": [{"value": 1}] * 3}, {"calls": "all right"},
        {"paths": [[1, 2]]}, {"rates": [{"value": ["inf"] * 5}]}, {"outputs": [None]},
        {"answer": {"value": "b" * 3}}, {"history": {"value": {"accuracy": [1.0] * 20_000}}}]


def _junk_answers(nb: str, junk: object) -> list[object]:
    """Whole documents, then one per task with the junk in every field the judge reads."""
    docs: list[object] = [junk, {"notebook": nb, "tasks": junk}, {"tasks": {"1": junk}}]
    fields = ["calls", "paths", "rates", "outputs", "answer", "gap", "history", "share",
              "hidden", "opt", "final", "callback", "best", "stop", "restored", "plain",
              "dropout", "end_plain", "end_dropout", "layers_plain", "layers_dropout",
              "accuracy", "predictions", "layers", "steps_sgd", "steps_momentum"]
    per_task = {str(t.number): junk for t in checks.tasks(nb)}
    docs.append({"notebook": nb, "tasks": per_task})
    docs.append({"notebook": nb, "tasks": {k: {f: junk for f in fields} for k in per_task}})
    return docs


@pytest.mark.parametrize("nb", sorted(TASKS))
def test_judge_never_raises_on_junk(nb: str) -> None:
    infos = checks.tasks(nb)
    for junk in JUNK:
        for answers in _junk_answers(nb, junk):
            verdicts = checks.judge(nb, answers)
            assert [v.key for v in verdicts] == [t.key for t in infos]
            for v, t in zip(verdicts, infos, strict=True):
                assert v.points == 0 and v.max_points == t.points, (junk, v)
                assert v.status in ("fail", "not solved")
                assert v.message.startswith(f"Task {t.number} (") and "0/" in v.message
                assert len(v.message) < 2000


def test_judge_reads_non_finite_numbers_as_wrong() -> None:
    answers = {"notebook": "09_putting_it_together", "tasks": {
        "2": {"calls": [{"value": "nan"}, {"value": "inf"}, {"value": float("nan")},
                        {"value": 10**400}, {"value": -1e308}]}}}
    v = checks.judge("09_putting_it_together", answers)[1]
    assert v.points == 0 and "not a finite number" in v.message


def test_fingerprint_is_stable_and_per_notebook() -> None:
    prints = {nb: checks.fingerprint(nb) for nb in checks.notebooks()}
    assert prints == {nb: checks.fingerprint(nb) for nb in checks.notebooks()}
    assert len(set(prints.values())) == len(prints)
    assert all(re.fullmatch(r"[0-9a-f]{64}", p) for p in prints.values())


@pytest.mark.parametrize("nb", sorted(TASKS))
def test_probe_source_stands_alone(nb: str, tmp_path: Path) -> None:
    """Compiles; imports no instructor code; leaves no name behind in the namespace."""
    source = checks.probe_source(nb, str(tmp_path / "a.json"))
    compile(source, "probe", "exec")
    program = ast.parse(source).body[0].value.args[0].args[0].value  # the exec'd text
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(program))
                if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in (node.names if isinstance(node, ast.Import) else
                              [ast.alias(node.module or "")])}
    assert imported <= {"json", "math", "numpy", "helpers", "keras"}, imported
    namespace = {"np": "the student's own np", "json": None, "exec": exec}
    exec(compile(source, "probe", "exec"), namespace)
    assert set(namespace) == {"np", "json", "exec", "__builtins__"}
    answers = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert answers["notebook"] == nb and sorted(answers["tasks"]) == [
        str(t.number) for t in checks.tasks(nb)]
