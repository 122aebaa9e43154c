"""Instant feedback on the graded exercises: the public self-checks.

Every task of an exercise notebook ends in a check cell (tagged ``check``)::

    from helpers.selfcheck import check_task
    check_task("02_l1_l2_regularization", 1, globals())

:func:`check_task` looks up the task in :data:`TASKS`, inspects the student's
variables and functions, and either prints ``✔ Task 1 ...`` or raises
:class:`SelfCheckError` (an ``AssertionError``) whose message says in plain words
what is wrong: expected versus got, and the likely cause. An unsolved task (the
stub still raises ``NotImplementedError``, or the variable is missing) raises
:class:`NotSolvedError`, a subclass.

One module per exercise (``ex01_overfitting`` ... ``ex10_ablation_and_tuning``) holds
its public checks. They know the expected outputs of a few public inputs only, as data:
no reference implementation and no answer key ships here. A multiple choice is checked
for its form only. At grading, the instructor's hidden checks (other inputs, other cases)
score every task; the student's feedback names each of them and its result.

The checks use only NumPy and duck typing (``run.history``, ``model.layers``), so
importing this package is cheap and has no side effects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpers.selfcheck import (  # noqa: F401  (each registers its tasks)
    ex01_overfitting,
    ex02_l1_l2_regularization,
    ex03_momentum,
    ex04_learning_rate_decay,
    ex05_early_stopping,
    ex06_dropout,
    ex07_initialization,
    ex08_batch_normalization,
    ex09_putting_it_together,
    ex10_ablation_and_tuning,
)
from helpers.selfcheck._core import TASKS, Ctx, NotSolvedError, SelfCheckError, Task, get_task

__all__ = [
    "NotSolvedError",
    "SelfCheckError",
    "TASKS",
    "Task",
    "check_task",
    "get_task",
]


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
        The task's points when the check verified the answer; 0 when it could only check
        its form (a multiple choice): the grader scores those.

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
    >>> check_task("01_overfitting", 1, {"count_mlp_params": lambda sizes: 13})
    Traceback (most recent call last):
    ...
    helpers.selfcheck._core.SelfCheckError: Task 1 (parameter count of an MLP): \
count_mlp_params([784, 512, 256, 10]): expected 535818, got 13.
    """
    task = get_task(notebook, number)
    try:
        message = task.check(Ctx(task, namespace))
    except SelfCheckError as err:
        raise type(err)(str(err)) from None  # drop the check's internals from the traceback
    except Exception as err:
        raise SelfCheckError(f"Task {number} ({task.title}): the check could not run "
                             f"({type(err).__name__}: {err}).") from None
    plural = "s" if task.points != 1 else ""
    if task.verified:
        print(f"✔ Task {number} ({task.title}): {message} [{task.points} point{plural}]")
        return task.points
    print(f"✔ Task {number} ({task.title}): {message} "
          f"[{task.points} point{plural}, scored by the grader]")
    return 0
