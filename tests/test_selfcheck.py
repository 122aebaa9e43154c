"""The self-checks accept a right answer and reject the stub and realistic mistakes in words.

Every task gets: one right answer (passes), the unsolved stub (NotSolvedError), and at
least two typical mistakes (SelfCheckError whose message names the likely cause).
No TensorFlow: the checks only use NumPy and duck typing, so these tests take a second.
"""

from __future__ import annotations

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
    score_task,
)
from helpers.training import Run


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
        ({"answer_remedy": "a"}, "More data"),
        ({"answer_remedy": "d"}, "L2"),
        ({"answer_remedy": "wider"}, "one letter"),
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
    ("03_momentum", 3, {"answer_adam": "b"}, [
        ({"answer_adam": "d"}, "RMSprop"),
        ({"answer_adam": "c"}, "schedule"),
    ]),
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
        ({"answer_test_set": "d"}, "no longer measures"),
        ({"answer_test_set": "a"}, "Speed"),
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
        ({"answer_inference": "c"}, "old, non-inverted"),
        ({"answer_inference": "a"}, "no unit is dropped"),
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
    ("08_batch_normalization", 3, {"answer_bias": "a"}, [
        ({"answer_bias": "c"}, "mean subtraction"),
        ({"answer_bias": "b"}, "memory"),
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
    ({"steps_sgd": S_SGD - 1, "steps_momentum": S_MOM - 1}, "starting at 1"),
    ({"steps_sgd": float(S_SGD), "steps_momentum": S_MOM}, "integer number of steps"),
])

IDS = [f"{nb}:task{n}" for nb, n, _, _ in CASES]


def test_every_task_is_covered() -> None:
    assert sorted(IDS) == sorted(t.key for tasks in TASKS.values() for t in tasks.values())
    assert all(2 <= len(tasks) <= 4 for tasks in TASKS.values())


@pytest.mark.parametrize(("nb", "n", "good", "mistakes"), CASES, ids=IDS)
def test_right_answer_passes(nb: str, n: int, good: dict, mistakes: list,
                             capsys: pytest.CaptureFixture[str]) -> None:
    assert check_task(nb, n, good) == get_task(nb, n).points
    assert f"✔ Task {n}" in capsys.readouterr().out
    assert score_task(nb, n, good) == (get_task(nb, n).points, "ok")


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
    assert score_task(nb, n, unsolved)[0] == 0


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflowing mistake of 09:task2
@pytest.mark.parametrize(("nb", "n", "good", "mistakes"), CASES, ids=IDS)
def test_mistakes_are_named(nb: str, n: int, good: dict, mistakes: list) -> None:
    assert len(mistakes) >= 2
    for namespace, words in mistakes:
        with pytest.raises(SelfCheckError) as info:
            check_task(nb, n, namespace)
        assert not isinstance(info.value, NotSolvedError)
        assert isinstance(info.value, AssertionError)  # tests and graders can catch it
        assert words in str(info.value), str(info.value)
        assert score_task(nb, n, namespace)[0] == 0


def test_other_conventions_of_momentum_pass() -> None:
    assert check_task("03_momentum", 1, {"momentum_step": momentum_torch_style}) == 2


def test_a_crashing_answer_is_reported_in_words() -> None:
    def broken(sizes):
        return sizes[10]

    with pytest.raises(SelfCheckError, match="raised IndexError"):
        check_task("01_overfitting", 1, {"count_mlp_params": broken})


def test_unknown_notebook_or_task_names_the_bad_value() -> None:
    with pytest.raises(ValueError, match="'01_overfit'"):
        check_task("01_overfit", 1, {})
    with pytest.raises(ValueError, match="got 9"):
        check_task("01_overfitting", 9, {})


def test_jupyter_shows_the_sentence_not_a_traceback() -> None:
    with pytest.raises(SelfCheckError) as info:
        check_task("01_overfitting", 3, {"answer_remedy": "a"})
    rendered = info.value._render_traceback_()
    assert len(rendered) == 1 and "More data" in rendered[0]
