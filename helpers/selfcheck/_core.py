"""The machinery of the public self-checks: task registry, the student's namespace, words.

A public check knows the expected outputs (and the outputs of known mistakes, for the
"likely cause") of a few *public* inputs only, as data in its exercise's module; it holds
no reference implementation and no answer key. ``tests/test_selfcheck.py`` recomputes
those tables from the instructor's reference implementations, so they cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

__all__ = ["TASKS", "NotSolvedError", "SelfCheckError", "Task", "get_task"]


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
    """One graded task, as the learner's self-check sees it.

    Attributes
    ----------
    notebook : str
        Notebook name without ``.ipynb``, e.g. ``"02_l1_l2_regularization"``.
    number : int
        Task number in that notebook (1-based).
    title : str
        Short title, used in messages and CSV headers.
    points : int
        Points for a fully correct answer (at grading, hidden checks may give partial credit).
    check : callable
        ``check(ctx)`` returns a success sentence or raises :class:`SelfCheckError`.
    verified : bool
        Whether a passing self-check means the answer is right on its public inputs.
        ``False`` for a multiple choice (only the letter's form is checked here) and for
        a value whose only input is the task itself: the grader scores those.
    """

    notebook: str
    number: int
    title: str
    points: int
    check: Callable[[Ctx], str]
    verified: bool = True

    @property
    def key(self) -> str:
        """Column name in the grades CSV, e.g. ``"02_l1_l2_regularization:task1"``."""
        return f"{self.notebook}:task{self.number}"


#: every task, by notebook and number
TASKS: dict[str, dict[int, Task]] = {}


def task(notebook: str, number: int, title: str, points: int = 1,
         verified: bool = True) -> Callable[[Callable[[Ctx], str]], Callable[[Ctx], str]]:
    """Register the decorated function as the public check of a task."""
    def register(func: Callable[[Ctx], str]) -> Callable[[Ctx], str]:
        TASKS.setdefault(notebook, {})[number] = Task(notebook, number, title, points, func,
                                                      verified)
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


_MISSING = object()


class Ctx:
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
                not (hasattr(v, "__array__") and np.size(v) == 1):
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

    def letter(self, name: str, options: str) -> str:
        """A multiple-choice answer: check its form only; the grader scores it."""
        v = self.get(name)
        if not isinstance(v, str) or v.strip().lower() not in options or len(v.strip()) != 1:
            self.fail(f"`{name}` should be one letter from {list(options)}, got {v!r}.")
        return (f"{name} = {v.strip().lower()!r} is recorded. A multiple choice is not "
                "verified on your machine: the grader scores it.")

    def compare(self, got: Any, table: Mapping[str, Any], what: str, **tol: float) -> None:
        """Fail with expected vs got and the likely cause, unless ``got`` matches the table.

        ``table`` is ``{"expected": value, "mistakes": {hint: value}}`` for one public input.
        """
        if not close(got, table["expected"], **tol):
            self.fail(diagnose(got, table["expected"], table.get("mistakes", {}), what, **tol))


def close(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """Equal within tolerance and of the same shape."""
    try:
        a, b = np.asarray(a, float), np.asarray(b, float)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))
    except (TypeError, ValueError):
        return False


def diagnose(got: Any, expected: Any, mistakes: Mapping[str, Any], what: str,
             **tol: float) -> str:
    """A sentence: expected vs got, and the likely cause if ``got`` matches a known mistake."""
    cause = next((hint for hint, value in mistakes.items() if close(got, value, **tol)), None)
    fmt = (lambda x: np.array2string(np.asarray(x, float), precision=4, threshold=6)) \
        if np.ndim(expected) else (lambda x: f"{float(np.asarray(x)):.6g}")
    try:
        got_s = fmt(got)
    except (TypeError, ValueError):
        got_s = repr(got)
    text = f"{what}: expected {fmt(expected)}, got {got_s}."
    return text + (f" Likely cause: {cause}." if cause else "")


def fmt_list(values: Sequence[Any]) -> str:
    """``[784, 512, 10]``, for messages."""
    return "[" + ", ".join(map(str, values)) + "]"
