"""Instant feedback on the graded exercises, and the checks the grader applies.

Every task of an exercise notebook ends in a check cell (tagged ``check``)::

    from helpers.selfcheck import check_task
    check_task("02_l1_l2_regularization", 1, globals())

:func:`check_task` looks up the task in :data:`TASKS`, inspects the student's
variables and functions, and either prints ``✔ Task 1 ...`` or raises
:class:`SelfCheckError` (an ``AssertionError``) whose message says in plain words
what is wrong: expected versus got, and the likely cause. An unsolved task (the
stub still raises ``NotImplementedError``, or the variable is missing) raises
:class:`NotSolvedError`, a subclass. :func:`score_task` is the grader's variant:
it never raises and returns the points.

The checks use only NumPy and duck typing (``run.history``, ``model.layers``), so
importing this module is cheap and has no side effects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

__all__ = [
    "GRADE_MARK",
    "NotSolvedError",
    "SelfCheckError",
    "TASKS",
    "Task",
    "check_task",
    "get_task",
    "score_task",
]

#: prefix of the line the grader's check cell prints (see :mod:`instructor.grade`)
GRADE_MARK = "@@selfcheck-grade@@ "


class SelfCheckError(AssertionError):
    """A task's answer is wrong; the message says what and why.

    In Jupyter the error is shown as its message alone (no traceback).
    """

    def _render_traceback_(self) -> list[str]:  # IPython hook: show the sentence only
        return [f"✘ {type(self).__name__}: {self}"]


class NotSolvedError(SelfCheckError):
    """A task is not solved yet: its stub still raises or its variable is missing."""


@dataclass(frozen=True)
class Task:
    """One graded task.

    Attributes
    ----------
    notebook : str
        Notebook name without ``.ipynb``, e.g. ``"02_l1_l2_regularization"``.
    number : int
        Task number in that notebook (1-based).
    title : str
        Short title, used in messages and CSV headers.
    points : int
        Points for a correct answer (all or nothing).
    check : callable
        ``check(ctx)`` returns a success sentence or raises :class:`SelfCheckError`.
    """

    notebook: str
    number: int
    title: str
    points: int
    check: Callable[[_Ctx], str]

    @property
    def key(self) -> str:
        """Column name in the grades CSV, e.g. ``"02_l1_l2_regularization:task1"``."""
        return f"{self.notebook}:task{self.number}"


#: every task, by notebook and number
TASKS: dict[str, dict[int, Task]] = {}


def _task(notebook: str, number: int, title: str, points: int = 1) -> Callable[..., Any]:
    def register(func: Callable[[_Ctx], str]) -> Callable[[_Ctx], str]:
        TASKS.setdefault(notebook, {})[number] = Task(notebook, number, title, points, func)
        return func

    return register


def get_task(notebook: str, number: int) -> Task:
    """Return the task ``number`` of ``notebook``.

    Raises
    ------
    ValueError
        If the notebook or the task number is unknown (the message lists the known ones).
    """
    if notebook not in TASKS:
        raise ValueError(f"notebook must be one of {sorted(TASKS)}, got {notebook!r}")
    if number not in TASKS[notebook]:
        raise ValueError(f"task of {notebook} must be one of {sorted(TASKS[notebook])}, "
                         f"got {number!r}")
    return TASKS[notebook][number]


# --------------------------------------------------------------------------- context


_MISSING = object()


class _Ctx:
    """What a check sees: the student's namespace, and ways to fail with a sentence."""

    def __init__(self, task: Task, namespace: Mapping[str, Any]) -> None:
        self.task, self.ns = task, namespace

    def fail(self, message: str) -> NoReturn:
        raise SelfCheckError(f"Task {self.task.number} ({self.task.title}): {message}")

    def not_solved(self, message: str) -> NoReturn:
        raise NotSolvedError(f"Task {self.task.number} ({self.task.title}): {message}")

    def get(self, name: str) -> Any:
        if name not in self.ns:
            self.not_solved(f"`{name}` is not defined. Replace the `raise NotImplementedError` "
                            f"in the Task {self.task.number} cell with your code and run it.")
        return self.ns[name]

    def func(self, name: str) -> Callable[..., Any]:
        f = self.get(name)
        if not callable(f):
            self.fail(f"`{name}` should be a function, got {type(f).__name__}: {f!r:.80}")
        return f

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Call the student's function ``name``; turn its errors into sentences."""
        f = self.func(name)
        try:
            return f(*args, **kwargs)
        except NotImplementedError:
            self.not_solved(f"`{name}` still raises NotImplementedError: "
                            "write its body in place of the stub.")
        except Exception as err:  # the student's bug, reported in words
            self.fail(f"calling `{name}` raised {type(err).__name__}: {err}")

    def number(self, name: str, value: Any = _MISSING) -> float:
        """The student's value ``name`` (or ``value``) as a float; fail if it is not a number."""
        v = self.get(name) if value is _MISSING else value
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.number)) and \
                not (isinstance(v, np.ndarray) and v.size == 1):
            self.fail(f"`{name}` should be a single number, got {type(v).__name__}: {v!r:.80}")
        return float(np.asarray(v).reshape(()))

    def array(self, name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
        try:
            a = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            self.fail(f"`{name}` should return numbers, got {type(value).__name__}: "
                      f"{value!r:.80}")
        if a.shape != shape:
            self.fail(f"`{name}` returned shape {a.shape}, expected {shape}.")
        return a

    def history(self, name: str, keys: tuple[str, ...]) -> dict[str, list[float]]:
        run = self.get(name)
        hist = getattr(run, "history", None)  # a Run, or a keras History object
        if not isinstance(hist, Mapping):
            self.fail(f"`{name}` should be the Run returned by training.train, "
                      f"got {type(run).__name__}.")
        missing = [k for k in keys if k not in hist]
        if missing:
            self.fail(f"`{name}.history` has no {missing}; recorded: {sorted(hist)}.")
        return {k: [float(x) for x in v] for k, v in hist.items()}

    def choice(self, name: str, options: str, right: str, why: Mapping[str, str]) -> str:
        v = self.get(name)
        if not isinstance(v, str) or v.strip().lower() not in options:
            self.fail(f"`{name}` should be one letter from {list(options)}, got {v!r}.")
        v = v.strip().lower()
        if v != right:
            self.fail(f"{v!r} is not the best answer. {why.get(v, '')}".strip())
        return f"{name} = {v!r} is right."


def _close(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    try:
        return bool(np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol))
    except (TypeError, ValueError):
        return False


def _diagnose(got: Any, expected: Any, mistakes: Mapping[str, Any], what: str) -> str:
    """A sentence: expected vs got, and the likely cause if ``got`` matches a known mistake."""
    cause = next((hint for hint, value in mistakes.items() if _close(got, value)), None)
    fmt = (lambda x: np.array2string(np.asarray(x, float), precision=4, threshold=6)) \
        if np.ndim(expected) else (lambda x: f"{float(np.asarray(x)):.6g}")
    try:
        got_s = fmt(got)
    except (TypeError, ValueError):
        got_s = repr(got)
    text = f"{what}: expected {fmt(expected)}, got {got_s}."
    return text + (f" Likely cause: {cause}." if cause else "")


def _layers(rng: np.random.Generator, sizes: tuple[int, ...] = (5, 4, 3)) -> list[tuple]:
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    return [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in pairs]


def _fmt_sizes(sizes: list[int]) -> str:
    return "[" + ", ".join(map(str, sizes)) + "]"


# --------------------------------------------------------------------------- 01 overfitting

NB01 = "01_overfitting"


@_task(NB01, 1, "parameter count of an MLP", points=2)
def _t01_1(c: _Ctx) -> str:
    for sizes in ([2, 3, 1], [784, 512, 256, 10], [64, 32, 10]):
        got = c.call("count_mlp_params", list(sizes))
        if isinstance(got, (bool, float)) or not isinstance(got, (int, np.integer)):
            c.fail(f"count_mlp_params({sizes}) should return an integer, got {got!r}.")
        pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
        expected = sum(a * b + b for a, b in pairs)
        if got != expected:
            c.fail(_diagnose(got, expected, {
                "you forgot the biases (one per unit of each layer)": sum(a * b for a, b in pairs),
                "the biases belong to the receiving layer: n_out per layer, not n_in":
                    sum(a * b + a for a, b in pairs),
                "the input layer has no parameters: do not add its size":
                    expected + sizes[0],
            }, f"count_mlp_params({_fmt_sizes(sizes)})"))
    return "count_mlp_params matches n_in * n_out + n_out summed over the layers."


@_task(NB01, 2, "measure the generalization gap")
def _t01_2(c: _Ctx) -> str:
    h = c.history("run_big", ("accuracy", "val_accuracy"))
    gap = c.number("gap_big")
    expected = h["accuracy"][-1] - h["val_accuracy"][-1]
    if not _close(gap, expected, atol=1e-6):
        mistakes = {
            "the gap is train minus validation accuracy, not validation minus train": -expected,
            "use the values after the last epoch, not the best ones":
                max(h["accuracy"]) - max(h["val_accuracy"]),
        }
        if "xent" in h and "val_xent" in h:
            mistakes["use accuracy, not cross-entropy"] = h["xent"][-1] - h["val_xent"][-1]
            mistakes["use accuracy, not cross-entropy (and train minus validation)"] = \
                h["val_xent"][-1] - h["xent"][-1]
        c.fail(_diagnose(gap, expected, mistakes, "gap_big"))
    if gap < 0.05:
        c.fail(f"gap_big = {gap:.3f} is small: the big net should memorize the noisy training "
               "labels (train accuracy near 1). Did you train the big net for the full epochs?")
    return f"gap_big = {gap:.3f}: the big net memorized its training set."


@_task(NB01, 3, "pick the remedy that does not help")
def _t01_3(c: _Ctx) -> str:
    return c.choice("answer_remedy", "abcd", "b", {
        "a": "More data gives the net less room to memorize: it shrinks the gap.",
        "c": "Stopping earlier ends training before memorization: it shrinks the gap.",
        "d": "An L2 penalty limits the weights: it shrinks the gap.",
    })


# --------------------------------------------------------------------------- 02 L1 / L2

NB02 = "02_l1_l2_regularization"


@_task(NB02, 1, "L2 penalty by hand", points=2)
def _t02_1(c: _Ctx) -> str:
    rng = np.random.default_rng(21)
    layers, lam = _layers(rng), 0.01
    got = c.number("l2_penalty(...)", c.call("l2_penalty", layers, lam))
    kernels = sum(float(np.sum(w**2)) for w, _ in layers)
    biases = sum(float(np.sum(b**2)) for _, b in layers)
    expected = lam * kernels
    if not _close(got, expected):
        c.fail(_diagnose(got, expected, {
            "you penalized the biases too: only kernels are regularized": lam * (kernels + biases),
            "Keras' L2 is lam * sum(w**2), without a factor 1/2": 0.5 * lam * kernels,
            "you forgot to multiply by lam": kernels,
            "the penalty uses the squared norm, not the norm":
                lam * sum(float(np.linalg.norm(w)) for w, _ in layers),
            "square the weights: this is the L1 penalty":
                lam * sum(float(np.sum(np.abs(w))) for w, _ in layers),
        }, "l2_penalty on three random layers"))
    return "l2_penalty = lam * sum of squared kernel weights (biases left alone)."


@_task(NB02, 2, "L1 penalty by hand")
def _t02_2(c: _Ctx) -> str:
    rng = np.random.default_rng(22)
    layers, lam = _layers(rng), 0.003
    got = c.number("l1_penalty(...)", c.call("l1_penalty", layers, lam))
    expected = lam * sum(float(np.sum(np.abs(w))) for w, _ in layers)
    if not _close(got, expected):
        c.fail(_diagnose(got, expected, {
            "you penalized the biases too: only kernels are regularized":
                expected + lam * sum(float(np.sum(np.abs(b))) for _, b in layers),
            "take the absolute value: negative weights cancel positive ones otherwise":
                lam * sum(float(np.sum(w)) for w, _ in layers),
            "L1 uses |w|, not w**2": lam * sum(float(np.sum(w**2)) for w, _ in layers),
            "you forgot to multiply by lam": expected / lam,
        }, "l1_penalty on three random layers"))
    return "l1_penalty = lam * sum of |kernel weights|."


@_task(NB02, 3, "measure L1 sparsity")
def _t02_3(c: _Ctx) -> str:
    model = c.get("model_l1")
    share = c.number("sparse_share")
    try:
        hidden = model.layers[0]
        kernel = np.asarray(hidden.kernel, dtype=float)
        bias = np.asarray(hidden.bias, dtype=float)
    except (AttributeError, IndexError, TypeError):
        c.fail(f"`model_l1` should be the trained Keras MLP, got {type(model).__name__}.")
    reg = getattr(hidden, "kernel_regularizer", None)
    if reg is None or float(np.asarray(getattr(reg, "l1", 0.0))) <= 0:
        c.fail("model_l1's hidden layer has no L1 penalty: build it with build_mlp(..., l1=...).")
    expected = float(np.mean(np.abs(kernel) < 1e-3))
    if not _close(share, expected, atol=1e-6):
        both = np.concatenate([kernel.ravel(), bias.ravel()])
        mistakes = {
            "compare abs(w) with 1e-3: without abs every negative weight counts as zero":
                float(np.mean(kernel < 1e-3)),
            "count the hidden kernel only, not the biases": float(np.mean(np.abs(both) < 1e-3)),
            "that is the share of weights that are NOT near zero": 1 - expected,
            "give a fraction in [0, 1], not a percentage": 100 * expected,
        }
        if len(model.layers) > 1 and hasattr(model.layers[-1], "kernel"):
            out = np.asarray(model.layers[-1].kernel, dtype=float)
            mistakes["use the hidden layer's kernel (model_l1.layers[0]), not the output "
                      "layer's"] = float(np.mean(np.abs(out) < 1e-3))
        c.fail(_diagnose(share, expected, mistakes, "sparse_share"))
    return f"sparse_share = {share:.2f} of the hidden weights are (almost) exactly zero."


# --------------------------------------------------------------------------- 03 momentum

NB03 = "03_momentum"


def _quadratic_grad(w: np.ndarray) -> np.ndarray:
    return np.array([1.0, 25.0]) * w


def _quadratic(w: np.ndarray) -> float:
    return float(0.5 * (w[0] ** 2 + 25.0 * w[1] ** 2))


def _walk(step: Callable[..., Any], n: int, lr: float, beta: float) -> np.ndarray:
    w, v = np.array([-1.5, 0.5]), np.zeros(2)
    path = [w]
    for _ in range(n):
        w, v = step(w, v, _quadratic_grad(w), lr, beta)
        path.append(np.asarray(w, dtype=float))
    return np.array(path)


def _ref_momentum(w: Any, v: Any, g: Any, lr: float, beta: float) -> tuple:
    v = beta * v - lr * g
    return w + v, v


@_task(NB03, 1, "a momentum step by hand", points=2)
def _t03_1(c: _Ctx) -> str:
    got = c.call("momentum_step", np.array([1.0, -2.0]), np.zeros(2), np.array([0.5, 1.0]),
                 0.1, 0.9)
    if not isinstance(got, tuple) or len(got) != 2:
        c.fail(f"momentum_step should return a pair (w_new, v_new), got {got!r:.80}.")
    c.array("momentum_step(...)[0]", got[0], (2,))
    lr, beta, n = 0.03, 0.9, 8
    path = _walk(lambda *a: c.call("momentum_step", *a), n, lr, beta)
    expected = _walk(_ref_momentum, n, lr, beta)
    if not _close(path, expected):
        def sgd(w, v, g, lr, beta):
            return w - lr * g, v

        def uphill(w, v, g, lr, beta):
            v = beta * v + lr * g
            return w + v, v

        def no_beta(w, v, g, lr, beta):
            v = v - lr * g
            return w + v, v

        def late(w, v, g, lr, beta):
            return w + v, beta * v - lr * g

        c.fail(_diagnose(path[-1], expected[-1], {
            "the velocity is ignored (or the old one is returned): this is plain SGD":
                _walk(sgd, n, lr, beta)[-1],
            "wrong sign: the step goes uphill (v = beta*v - lr*grad)": _walk(uphill, n, lr,
                                                                           beta)[-1],
            "you forgot beta: the velocity must decay (v = beta*v - lr*grad)":
                _walk(no_beta, n, lr, beta)[-1],
            "update v first, then move w by the NEW velocity": _walk(late, n, lr, beta)[-1],
        }, f"w after {n} steps on f(w) = (w0² + 25·w1²)/2 from (-1.5, 0.5)"))
    return "momentum_step follows v ← βv − η∇f, w ← w + v."


def _steps_to(step: Callable[..., Any], lr: float, beta: float, tol: float = 1e-4,
              limit: int = 1000) -> int | None:
    w, v = np.array([-1.5, 0.5]), np.zeros(2)
    for k in range(1, limit + 1):
        w, v = step(w, v, _quadratic_grad(w), lr, beta)
        if _quadratic(w) < tol:
            return k
    return None


@_task(NB03, 2, "steps to the minimum: SGD vs momentum")
def _t03_2(c: _Ctx) -> str:
    expected = {"steps_sgd": _steps_to(_ref_momentum, 0.03, 0.0),
                "steps_momentum": _steps_to(_ref_momentum, 0.03, 0.9)}
    got = {k: c.get(k) for k in expected}
    for k, v in got.items():
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            c.fail(f"`{k}` should be an integer number of steps (or None), got {v!r}.")
    if got == expected:
        return (f"steps_sgd = {got['steps_sgd']}, steps_momentum = {got['steps_momentum']}: "
                "momentum gets there in fewer steps.")
    if got == {"steps_sgd": expected["steps_momentum"], "steps_momentum": expected["steps_sgd"]}:
        c.fail("the two numbers are swapped: SGD is momentum with beta = 0.")
    if all(isinstance(got[k], (int, np.integer)) and got[k] == expected[k] - 1 for k in got):
        c.fail("off by one: count the updates made, starting at 1 for the first step.")
    if all(isinstance(got[k], (int, np.integer)) and got[k] == expected[k] + 1 for k in got):
        c.fail("off by one: stop counting at the first step whose loss is below 1e-4.")
    c.fail(f"expected {expected}, got {got}. Use lr = 0.03, start at (-1.5, 0.5), "
           "and stop at the first step with f(w) < 1e-4.")


@_task(NB03, 3, "what Adam adds to momentum")
def _t03_3(c: _Ctx) -> str:
    return c.choice("answer_adam", "abcd", "b", {
        "a": "Dropout is a regularizer, not part of any optimizer.",
        "c": "Adam's step size does not decay by itself; a schedule does that (notebook 04).",
        "d": "Nesterov's look-ahead is a variant of momentum; Adam's second ingredient is "
             "RMSprop's running average of squared gradients.",
    })


# --------------------------------------------------------------------------- 04 decay

NB04 = "04_learning_rate_decay"


@_task(NB04, 1, "exponential decay by hand", points=2)
def _t04_1(c: _Ctx) -> str:
    lr0, rate, ds = 0.1, 0.5, 100
    steps = [0, 50, 100, 250, 1000]
    for staircase in (False, True):
        got = [c.number("exponential_decay(...)",
                        c.call("exponential_decay", s, lr0, rate, ds, staircase=staircase))
               for s in steps]
        p = np.array(steps, float) / ds
        expected = lr0 * rate ** (np.floor(p) if staircase else p)
        if not _close(got, expected):
            c.fail(_diagnose(got, expected, {
                "divide the step by decay_steps: rate ** (step / decay_steps)":
                    lr0 * rate ** np.array(steps, float),
                "with staircase=True the exponent is floor(step / decay_steps)":
                    lr0 * rate ** p,
                "only staircase=True floors the exponent": lr0 * rate ** np.floor(p),
                "multiply by lr0": rate ** (np.floor(p) if staircase else p),
            }, f"exponential_decay(step, 0.1, 0.5, 100, staircase={staircase}) "
               f"for steps {steps}"))
    return "exponential_decay = lr0 * rate ** (step / decay_steps), floored with staircase."


@_task(NB04, 2, "change an optimizer's rate correctly")
def _t04_2(c: _Ctx) -> str:
    opt = c.get("opt")
    if not hasattr(opt, "learning_rate"):
        c.fail(f"`opt` should be the Keras optimizer, got {type(opt).__name__}.")
    if "learninig_rate" in vars(opt):
        c.fail("`learninig_rate` is a typo: it creates a new attribute the optimizer never "
               "reads, so the rate is unchanged and nothing fails. "
               "Use opt.learning_rate.assign(0.01).")
    lr = float(np.asarray(opt.learning_rate))
    if np.isclose(lr, 0.1):
        c.fail("the optimizer's rate is still 0.1: assign the new value to the variable "
               "opt.learning_rate (opt.learning_rate.assign(0.01)).")
    if not np.isclose(lr, 0.01, rtol=1e-5):
        c.fail(f"the optimizer's rate is {lr:.6g}, expected 0.01.")
    return "opt.learning_rate is now 0.01: the optimizer itself reports the new rate."


@_task(NB04, 3, "read the decayed rate from the log")
def _t04_3(c: _Ctx) -> str:
    h = c.history("run_decay", ("lr",))
    lrs = h["lr"]
    final = c.number("final_lr")
    if len(lrs) < 2 or not lrs[-1] < lrs[0]:
        c.fail(f"the logged rate does not fall ({lrs[0]:.4g} → {lrs[-1]:.4g}): pass the "
               "ExponentialDecay schedule as the optimizer's learning_rate.")
    if not _close(final, lrs[-1], rtol=1e-4):
        c.fail(_diagnose(final, lrs[-1], {
            "that is the rate of the first epoch: take the last entry, history['lr'][-1]":
                lrs[0],
            "that is the initial rate lr0: the schedule has lowered it since": 0.1,
            "that is the second-to-last epoch": lrs[-2],
        }, "final_lr"))
    return f"final_lr = {final:.4g}: the optimizer really used the decayed rate."


# --------------------------------------------------------------------------- 05 early stopping

NB05 = "05_early_stopping"


def _ref_early_stopping(losses: list[float], patience: int) -> tuple[int, int]:
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, loss in enumerate(losses, start=1):
        wait += 1
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        elif wait >= patience and epoch > 1:
            return best_epoch, epoch
    return best_epoch, len(losses)


_ES_CASES = [
    ([1.0, 0.8, 0.7, 0.75, 0.74, 0.76, 0.9, 0.5], 3),   # the late 0.5 is never seen
    ([1.0, 0.9, 0.8, 0.7, 0.6], 2),                      # never stops
    ([0.5, 0.6, 0.6, 0.4, 0.7, 0.8, 0.9, 1.0, 1.1], 2),  # ties are no improvement
]


@_task(NB05, 1, "best and stopping epoch by hand", points=2)
def _t05_1(c: _Ctx) -> str:
    for losses, patience in _ES_CASES:
        got = c.call("early_stopping_epochs", list(losses), patience)
        if not isinstance(got, tuple) or len(got) != 2:
            c.fail(f"early_stopping_epochs should return a pair (best_epoch, stop_epoch), "
                   f"got {got!r:.80}.")
        got = tuple(int(x) if isinstance(x, (int, np.integer)) else x for x in got)
        expected = _ref_early_stopping(losses, patience)
        if got != expected:
            b, s = expected
            hints = {
                (b - 1, s - 1): "epochs are counted from 1, not 0",
                (int(np.argmin(losses)) + 1, s): "the best epoch is the best one seen before "
                "stopping: epochs after the stop were never trained",
                (b, min(b + patience + 1, len(losses))): "patience = number of epochs without "
                "improvement after the best; you stop one epoch late",
                (b, min(b + patience - 1, len(losses))): "patience = number of epochs without "
                "improvement after the best; you stop one epoch early",
                (b, len(losses)): "training stops once patience epochs pass without "
                "improvement; you never stopped",
            }
            cause = hints.get(got)
            c.fail(f"early_stopping_epochs({losses}, patience={patience}): expected "
                   f"{expected}, got {got}." + (f" Likely cause: {cause}." if cause else ""))
    return "early_stopping_epochs agrees with Keras' EarlyStopping rule."


@_task(NB05, 2, "early stopping on validation, best weights restored")
def _t05_2(c: _Ctx) -> str:
    cb = c.get("early_stop")
    monitor = getattr(cb, "monitor", None)
    if not isinstance(monitor, str):
        c.fail(f"`early_stop` should be a keras.callbacks.EarlyStopping, got {type(cb).__name__}.")
    if not monitor.startswith("val_"):
        c.fail(f"early_stop monitors {monitor!r}, a training quantity: monitor the validation "
               "cross-entropy 'val_xent' (never the test set).")
    if not getattr(cb, "restore_best_weights", False):
        c.fail("restore_best_weights is False: the model keeps the weights of the last epoch, "
               "not of the best one.")
    h = c.history("run_es", (monitor,))
    series = h[monitor]
    best_epoch, stop_epoch = c.number("best_epoch_es"), c.number("stop_epoch_es")
    expected = (int(np.argmin(series)) + 1, len(series))
    if (best_epoch, stop_epoch) != expected:
        cause = " Likely cause: epochs are counted from 1, not 0." if (
            best_epoch + 1, stop_epoch + 1) == expected else ""
        c.fail(f"(best_epoch_es, stop_epoch_es): expected {expected} from run_es.history"
               f"[{monitor!r}], got ({best_epoch:g}, {stop_epoch:g}).{cause}")
    return f"best epoch {expected[0]}, stopped at {expected[1]}, best weights restored."


@_task(NB05, 3, "why not stop on the test set")
def _t05_3(c: _Ctx) -> str:
    return c.choice("answer_test_set", "abcd", "b", {
        "a": "Speed has nothing to do with which data you monitor.",
        "c": "Stopping on the test set does not make the model underfit; it makes the test "
             "score a choice you tuned, so it is biased upwards.",
        "d": "Something goes wrong: the test set chose the model, so it no longer measures "
             "performance on unseen data.",
    })


# --------------------------------------------------------------------------- 06 dropout

NB06 = "06_dropout"


@_task(NB06, 1, "inverted dropout by hand", points=2)
def _t06_1(c: _Ctx) -> str:
    x = np.ones((400, 50))
    rate = 0.3
    infer = c.array("dropout_forward(..., training=False)",
                    c.call("dropout_forward", x, rate, False, np.random.default_rng(0)), x.shape)
    if not np.allclose(infer, x):
        c.fail("with training=False the layer must return x unchanged: dropout acts only in "
               f"training (got mean {infer.mean():.3f} for an input of ones).")
    out = c.array("dropout_forward(..., training=True)",
                  c.call("dropout_forward", x, rate, True, np.random.default_rng(0)), x.shape)
    dropped = float(np.mean(out == 0))
    kept = out[out != 0]
    if abs(dropped - (1 - rate)) < 0.03:
        c.fail(f"{dropped:.0%} of the units were dropped: `rate` is the share to DROP "
               f"({rate:.0%}), not the share to keep.")
    if abs(dropped - rate) > 0.03:
        c.fail(f"expected about {rate:.0%} of the units set to 0, got {dropped:.0%}.")
    if np.allclose(kept, 1.0):
        c.fail("the kept units are not rescaled: you forgot to divide them by (1 - rate), "
               "so the expected activation shrinks in training.")
    if np.allclose(kept, 1 - rate):
        c.fail("you multiplied by (1 - rate); inverted dropout divides the kept units by "
               "(1 - rate).")
    if not np.allclose(kept, 1 / (1 - rate)):
        c.fail(f"kept units should equal x / (1 - rate) = {1 / (1 - rate):.4f}, got values "
               f"between {kept.min():.4f} and {kept.max():.4f}.")
    again = c.call("dropout_forward", x, rate, True, np.random.default_rng(1))
    if np.array_equal(np.asarray(again) == 0, out == 0):
        c.fail("the mask is the same for another generator: draw it from `rng`.")
    return "dropout_forward drops ~rate of the units in training, rescales the rest, and " \
           "is the identity at inference."


@_task(NB06, 2, "read the end-of-run validation cross-entropy")
def _t06_2(c: _Ctx) -> str:
    out = []
    for run, var in (("run_plain", "end_val_xent_plain"), ("run_dropout", "end_val_xent_dropout")):
        h = c.history(run, ("xent", "val_xent"))
        got = c.number(var)
        expected = h["val_xent"][-1]
        if not _close(got, expected, rtol=1e-4):
            mistakes = {
                "use the value after the LAST epoch, not the best one": min(h["val_xent"]),
                "use the validation curve (val_xent), not the training one": h["xent"][-1],
            }
            if "val_loss" in h:
                mistakes["that is val_loss; compare the cross-entropy metric val_xent"] = \
                    h["val_loss"][-1]
            if "val_accuracy" in h:
                mistakes["that is the accuracy; use val_xent"] = h["val_accuracy"][-1]
            c.fail(_diagnose(got, expected, mistakes, var))
        out.append(got)
    model = getattr(c.get("run_dropout"), "model", None)
    names = [type(layer).__name__ for layer in getattr(model, "layers", [])]
    if "Dropout" not in names:
        c.fail(f"run_dropout's model has no Dropout layer (layers: {names}): build it with "
               "build_mlp(..., dropout=0.5).")
    return f"end val_xent: plain {out[0]:.3f}, dropout {out[1]:.3f}."


@_task(NB06, 3, "dropout at inference")
def _t06_3(c: _Ctx) -> str:
    return c.choice("answer_inference", "abcd", "b", {
        "a": "At inference (training=False) no unit is dropped: the prediction is deterministic.",
        "c": "Multiplying by (1 - rate) at inference is the old, non-inverted dropout; Keras "
             "rescales during training instead.",
        "d": "The rate is a fixed hyper-parameter; nothing is re-estimated at inference.",
    })


# --------------------------------------------------------------------------- 07 batch norm

NB08 = "08_batch_normalization"


def _bn(x: np.ndarray, mean: Any, var: Any, gamma: Any, beta: Any, eps: float) -> np.ndarray:
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


@_task(NB08, 1, "batch-norm forward pass (training)", points=2)
def _t08_1(c: _Ctx) -> str:
    rng = np.random.default_rng(7)
    x = rng.normal(2.0, 0.05, size=(6, 4))
    gamma, beta, eps = np.array([1.0, 2.0, 0.5, 1.5]), np.array([0.0, -1.0, 0.3, 0.1]), 1e-3
    got = c.array("batchnorm_forward(...)", c.call("batchnorm_forward", x, gamma, beta, eps),
                  x.shape)
    mu, var = x.mean(axis=0), x.var(axis=0)
    expected = _bn(x, mu, var, gamma, beta, eps)
    if not _close(got, expected, rtol=1e-4, atol=1e-6):
        mu1, var1 = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
        c.fail(_diagnose(got, expected, {
            "normalize over the batch (axis 0), not over the features (axis 1)":
                _bn(x, mu1, var1, gamma, beta, eps),
            "use the biased variance (ddof=0), as Keras does":
                _bn(x, mu, x.var(axis=0, ddof=1), gamma, beta, eps),
            "eps goes inside the square root: sqrt(var + eps)":
                gamma * (x - mu) / (np.sqrt(var) + eps) + beta,
            "you forgot gamma and beta (scale and shift)": (x - mu) / np.sqrt(var + eps),
            "divide by the standard deviation sqrt(var + eps), not by the variance":
                gamma * (x - mu) / (var + eps) + beta,
        }, "batchnorm_forward on a 6x4 batch"))
    return "batchnorm_forward normalizes each feature over the batch, then scales and shifts."


@_task(NB08, 2, "batch norm at inference")
def _t08_2(c: _Ctx) -> str:
    rng = np.random.default_rng(8)
    x = rng.normal(1.0, 0.3, size=(5, 3))
    mm, mv = np.array([0.8, 1.2, 1.0]), np.array([0.02, 0.05, 0.01])
    gamma, beta, eps = np.array([1.0, 0.5, 2.0]), np.array([0.1, 0.0, -0.2]), 1e-3
    got = c.array("batchnorm_inference(...)",
                  c.call("batchnorm_inference", x, mm, mv, gamma, beta, eps), x.shape)
    expected = _bn(x, mm, mv, gamma, beta, eps)
    if not _close(got, expected, rtol=1e-4, atol=1e-6):
        c.fail(_diagnose(got, expected, {
            "at inference use the moving statistics, not the batch's":
                _bn(x, x.mean(0), x.var(0), gamma, beta, eps),
            "eps goes inside the square root: sqrt(moving_var + eps)":
                gamma * (x - mm) / (np.sqrt(mv) + eps) + beta,
            "moving_var is a variance: divide by sqrt(moving_var + eps)":
                gamma * (x - mm) / (mv + eps) + beta,
            "you forgot gamma and beta (scale and shift)": (x - mm) / np.sqrt(mv + eps),
        }, "batchnorm_inference on a 5x3 batch"))
    return "batchnorm_inference uses the moving mean and variance, as the layer does."


@_task(NB08, 3, "why the Dense layer before BN has no bias")
def _t08_3(c: _Ctx) -> str:
    return c.choice("answer_bias", "abcd", "a", {
        "b": "Biases are cheap; memory is not the reason.",
        "c": "BN's gamma scales, it does not shift; and the bias is not merely redundant with "
             "the scale: any constant added before BN is removed by the mean subtraction.",
        "d": "A bias would not make training unstable; it would just be cancelled by the mean "
             "subtraction and replaced by beta.",
    })


# --------------------------------------------------------------------------- 08 together

NB09 = "09_putting_it_together"


def _prf(y: np.ndarray, p: np.ndarray, positive: int) -> tuple[float, float, float]:
    tp = float(np.sum((p == positive) & (y == positive)))
    fp = float(np.sum((p == positive) & (y != positive)))
    fn = float(np.sum((p != positive) & (y == positive)))
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


@_task(NB09, 1, "precision, recall and F1 by hand", points=2)
def _t09_1(c: _Ctx) -> str:
    y = np.array([3, 3, 3, 3, 1, 1, 2, 3, 0, 2])
    p = np.array([3, 3, 1, 1, 3, 1, 2, 3, 3, 3])
    for positive in (3, 5):
        got = c.call("precision_recall_f1", y, p, positive)
        got = c.array("precision_recall_f1(...)", got, (3,))
        expected = np.array(_prf(y, p, positive))
        if not _close(got, expected):
            prec, rec, _ = expected
            c.fail(_diagnose(got, expected, {
                "precision and recall are swapped: precision = TP / (TP + FP), "
                "recall = TP / (TP + FN)": [rec, prec, expected[2]],
                "F1 is the harmonic mean 2PR / (P + R), not the arithmetic mean":
                    [prec, rec, (prec + rec) / 2],
                "that is accuracy over all classes, not per-class precision":
                    [np.mean(y == p)] * 3,
            }, f"precision_recall_f1(y_true, y_pred, positive={positive})"))
    return "precision_recall_f1 is right, including a class that is never predicted (0, 0, 0)."


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


@_task(NB09, 2, "cross-entropy from logits")
def _t09_2(c: _Ctx) -> str:
    z = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0], [-2.0, 1.0, 1.5], [0.0, 0.0, 0.0]])
    y = np.array([0, 2, 1, 1])
    got = c.number("xent_from_logits(...)", c.call("xent_from_logits", z, y))
    expected = float(-_log_softmax(z)[np.arange(4), y].mean())
    if not _close(got, expected, rtol=1e-4):
        probs = np.exp(_log_softmax(z))
        with np.errstate(all="ignore"):
            as_probs = float(-np.log(np.abs(z[np.arange(4), y]) + 1e-12).mean())
        c.fail(_diagnose(got, expected, {
            "the model outputs logits: apply (log-)softmax before taking the log "
            "(from_logits=True)": as_probs,
            "softmax applied twice: the logits were treated as probabilities' inputs again":
                float(-_log_softmax(probs)[np.arange(4), y].mean()),
            "average over the samples, do not sum": expected * 4,
            "pick the log-probability of the TRUE class y": float(-_log_softmax(z).mean()),
        }, "xent_from_logits on 4 samples"))
    big = c.number("xent_from_logits(...)", c.call("xent_from_logits", 1000.0 * z, y))
    ref_big = float(-_log_softmax(1000.0 * z)[np.arange(4), y].mean())
    if not np.isfinite(big) or not _close(big, ref_big, rtol=1e-4):
        c.fail(f"with logits of size 1000 you get {big}, expected {ref_big:.6g}: exp "
               "overflows. Subtract each row's max logit first (log-sum-exp trick).")
    return "xent_from_logits matches from_logits=True and is stable for large logits."


@_task(NB09, 3, "score the test set once")
def _t09_3(c: _Ctx) -> str:
    model, d = c.get("model_final"), c.get("digits")
    acc = c.number("test_accuracy")

    def accuracy(x: np.ndarray, y: np.ndarray) -> float:
        try:
            logits = np.asarray(model.predict(x, verbose=0))
        except Exception as err:
            c.fail(f"model_final.predict failed with {type(err).__name__}: {err}")
        return float(np.mean(logits.argmax(axis=1) == y))

    expected = accuracy(d.x_test, d.y_test)
    if not abs(acc - expected) < 1e-3:
        c.fail(_diagnose(acc, expected, {
            "that is the validation accuracy: the final score is on the test set":
                accuracy(d.x_val, d.y_val),
            "that is the training accuracy: the final score is on the test set":
                accuracy(d.x_train, d.y_train),
            "give a fraction in [0, 1], not a percentage": 100 * expected,
            "that is the error rate; report the accuracy": 1 - expected,
        }, "test_accuracy of model_final on digits.x_test"))
    return f"test_accuracy = {acc:.3f}, scored once, at the end."


# --------------------------------------------------------------------------- entry points


def check_task(notebook: str, number: int, namespace: Mapping[str, Any]) -> int:
    """Check one task against the student's variables; print the verdict.

    Parameters
    ----------
    notebook : str
        Notebook name without ``.ipynb``, e.g. ``"03_momentum"``.
    number : int
        Task number.
    namespace : mapping
        Where the answers live: pass ``globals()`` in a notebook.

    Returns
    -------
    int
        The task's points (only returned when the answer is right).

    Raises
    ------
    NotSolvedError
        If the task is not solved yet (stub or missing variable).
    SelfCheckError
        If the answer is wrong; the message says what and the likely cause.
    ValueError
        If ``notebook`` or ``number`` is unknown.

    Examples
    --------
    >>> check_task("01_overfitting", 3, {"answer_remedy": "b"})
    ✔ Task 3 (pick the remedy that does not help): answer_remedy = 'b' is right. [1 point]
    1
    """
    task = get_task(notebook, number)
    ctx = _Ctx(task, namespace)
    try:
        message = task.check(ctx)
    except SelfCheckError as err:
        raise type(err)(str(err)) from None  # drop the check's internals from the traceback
    except Exception as err:
        raise SelfCheckError(f"Task {number} ({task.title}): the check could not run "
                             f"({type(err).__name__}: {err}).") from None
    plural = "s" if task.points != 1 else ""
    print(f"✔ Task {number} ({task.title}): {message} [{task.points} point{plural}]")
    return task.points


def score_task(notebook: str, number: int, namespace: Mapping[str, Any]) -> tuple[int, str]:
    """The grader's check: points and a one-line verdict, never an exception.

    Returns
    -------
    (int, str)
        The points earned (all or nothing) and ``"ok"`` or the failure message.
    """
    task = get_task(notebook, number)
    try:
        task.check(_Ctx(task, namespace))
    except Exception as err:
        return 0, f"{type(err).__name__}: {err}"
    return task.points, "ok"
