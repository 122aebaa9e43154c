"""Instant feedback on the graded exercises: the public self-checks' runner and words.

Every task of an exercise notebook ends in a check cell (tagged ``check``)::

    from coursework import check_task
    check_task("02_l1_l2_regularization", 1, globals())

:func:`check_task` finds the task in its unit's ``spec.py`` and its check, ``check_N`` in
the unit's ``public.py``; the check inspects the student's variables and functions through
a :class:`Ctx` and either returns a sentence (printed after ``✔``) or raises
:class:`SelfCheckError` (an ``AssertionError``) whose message says in plain words what is
wrong: expected versus got, and the likely cause. An unsolved task (the stub still raises
``NotImplementedError``, or the variable is missing) raises :class:`NotSolvedError`.

A public check knows the expected outputs (and the outputs of known mistakes, for the
"likely cause") of a few *public* inputs only, as data in its unit's generated
``tables.py``; it holds no reference implementation and no answer key. A written task
(kind ``"written"``) is checked for an answer in the saved notebook only
(:mod:`coursework.engine.written`). At grading, the hidden checks (other
inputs, other cases) score every code task; a teaching assistant grades the written ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from coursework.engine import units, written
from coursework.engine.compare import close
from coursework.engine.spec import Task

__all__ = ["Ctx", "NotSolvedError", "SelfCheckError", "check_task", "close", "get_task"]


class SelfCheckError(AssertionError):
    """A task's answer is wrong; the message says what and why.

    In Jupyter the error is shown as its message alone (no traceback).
    """

    def _render_traceback_(self) -> list[str]:  # IPython hook: show the sentence only
        return [f"✘ {type(self).__name__}: {self}"]


class NotSolvedError(SelfCheckError):
    """A task is not solved yet: its stub still raises or its variable is missing."""


def get_task(notebook: str, number: int) -> Task:
    """Return the task ``number`` of ``notebook``.

    Raises
    ------
    ValueError
        If the notebook or the task number is unknown (the message lists the known ones).
    """
    by_number = {t.number: t for t in units.tasks(notebook)}
    if number not in by_number:
        raise ValueError(f"task of {notebook} must be one of {sorted(by_number)}, "
                         f"got {number!r}")
    return by_number[number]


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

    def compare(self, got: Any, table: Mapping[str, Any], what: str, **tol: float) -> None:
        """Fail with expected vs got and the likely cause, unless ``got`` matches the table.

        ``table`` is ``{"expected": value, "mistakes": {hint: value}}`` for one public input.
        """
        if not close(got, table["expected"], **tol):
            self.fail(diagnose(got, table["expected"], table.get("mistakes", {}), what, **tol))


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


def _check_written(task: Task, namespace: Mapping[str, Any]) -> int:
    """A written task: say whether an answer is in the saved notebook; never a verdict."""
    try:
        answered, message = written.check(Ctx(task, namespace))
    except SelfCheckError as err:
        raise type(err)(str(err)) from None
    mark = "✔" if answered else "ℹ"
    print(f"{mark} Task {task.number} ({task.title}): {message}")
    return 0


#: what a passing public check says: no points are awarded here (otter-grader#138)
PUBLIC_PASS = "the public cases pass; at grading, hidden checks try more cases"


def _decide_check(notebook: str, number: int) -> Callable[[Ctx], str]:
    """The public check of a decide task, from its ``Choice`` in the unit's spec."""
    from coursework.engine import decide

    choice = getattr(units.module(notebook, "spec"), "CHOICE", {})[number]
    return lambda c: decide.check(c, choice)


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
        The task's points when the public cases pass; 0 for a written answer (a teaching
        assistant grades it with the rubric the check prints).

    Raises
    ------
    NotSolvedError
        If the task is not solved yet (stub or missing variable; a written answer not in
        the saved notebook).
    SelfCheckError
        If the answer is wrong; the message says what and the likely cause.
    ValueError
        If ``notebook`` or ``number`` is unknown.

    Examples
    --------
    >>> check_task("01_overfitting", 1, {"count_mlp_params": lambda sizes: 13})
    Traceback (most recent call last):
    ...
    coursework.engine.selfcheck.SelfCheckError: Task 1 (parameter count of an MLP): \
count_mlp_params([784, 512, 256, 10]): expected 535818, got 13.
    """
    task = get_task(notebook, number)
    if task.kind == "written":
        return _check_written(task, namespace)
    check: Callable[[Ctx], str] = getattr(units.module(notebook, "public"), f"check_{number}",
                                          None) or _decide_check(notebook, number)
    try:
        message = check(Ctx(task, namespace))
    except SelfCheckError as err:
        raise type(err)(str(err)) from None  # drop the check's internals from the traceback
    except Exception as err:
        raise SelfCheckError(f"Task {number} ({task.title}): the check could not run "
                             f"({type(err).__name__}: {err}).") from None
    print(f"✔ Task {number} ({task.title}): {message} [{PUBLIC_PASS}]")
    return task.points
