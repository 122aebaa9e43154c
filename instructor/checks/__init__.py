"""The instructor's checks: hidden cases, reference implementations, answer keys.

One module per exercise (``ex01_overfitting`` ... ``ex10_ablation_and_tuning``), next to
the public self-checks of the same exercise in ``helpers/selfcheck/exNN_*.py``. Each module
defines, per task ``N``:

- ``probe_N(rt, inp)``: runs in the student's kernel (its source is pasted into the probe
  program, never imported there); looks into the namespace through ``rt``
  (:class:`instructor.checks._runtime.Probe`) and returns plain data;
- ``INPUTS[N]``: the task's inputs (public and hidden), JSON data handed to ``probe_N``;
- ``judge_N(answer)``: runs in the grader's process; returns the named
  :class:`~instructor.checks._base.Check` results (partial credit per check);
- the reference implementations, known mistakes and keys the judges use, and
  ``public_tables()``, the expected outputs the public self-checks hold as data.

The contract with the grading engine is CHECKS_API (issue 11): :func:`notebooks`,
:func:`tasks`, :func:`probe_source`, :func:`judge`, :func:`fingerprint`.

Run ``python -m instructor.checks tables NOTEBOOK`` to print the public tables of an
exercise (to paste into its ``helpers/selfcheck`` module).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from instructor.checks import _base, _runtime
from instructor.checks._base import Check, TaskInfo, Verdict

__all__ = ["Check", "TaskInfo", "Verdict", "fingerprint", "judge", "notebooks",
           "probe_source", "tasks"]

_MODULES = {
    "01_overfitting": "ex01_overfitting",
    "02_l1_l2_regularization": "ex02_l1_l2_regularization",
    "03_momentum": "ex03_momentum",
    "04_learning_rate_decay": "ex04_learning_rate_decay",
    "05_early_stopping": "ex05_early_stopping",
    "06_dropout": "ex06_dropout",
    "07_initialization": "ex07_initialization",
    "08_batch_normalization": "ex08_batch_normalization",
    "09_putting_it_together": "ex09_putting_it_together",
    "10_ablation_and_tuning": "ex10_ablation_and_tuning",
}


def notebooks() -> list[str]:
    """The gradable exercises, sorted (``"01_overfitting"``, ...)."""
    return sorted(_MODULES)


def module(notebook: str) -> ModuleType:
    """The checks module of ``notebook``; ValueError naming the known ones if unknown."""
    if not isinstance(notebook, str) or notebook not in _MODULES:
        raise ValueError(f"notebook must be one of {notebooks()}, got {notebook!r}")
    return importlib.import_module(f"instructor.checks.{_MODULES[notebook]}")


def tasks(notebook: str) -> list[TaskInfo]:
    """The graded tasks of ``notebook`` in order; ValueError if the notebook is unknown."""
    from helpers.selfcheck import TASKS

    module(notebook)
    return [TaskInfo(notebook, t.number, t.title, t.points)
            for _, t in sorted(TASKS[notebook].items())]


def _numbers(notebook: str) -> list[int]:
    return [t.number for t in tasks(notebook)]


_MAIN = '''
import json as _json

_inputs = _json.loads({inputs!r})
_answers = {{"notebook": {notebook!r}, "tasks": {{}}}}
_rt = Probe(_NS)
for _number, _probe in {probes}:
    try:
        _answer = _probe(_rt, _inputs.get(str(_number)))
        _json.dumps(_answer, allow_nan=False)  # plain data only, else this task's error
        _answers["tasks"][str(_number)] = _answer
    except Exception as _err:
        _error = f"{{type(_err).__name__}}: {{_err}}"[:300]
        _answers["tasks"][str(_number)] = {{"probe_error": _error}}
_text = _json.dumps(_answers, allow_nan=False)
with open(_OUT, "w", encoding="utf-8") as _f:
    _f.write(_text)
'''


def _program(notebook: str) -> str:
    mod = module(notebook)
    numbers = _numbers(notebook)
    parts = [inspect.getsource(_runtime)]
    parts += [inspect.getsource(getattr(mod, f"probe_{n}")) for n in numbers]
    inputs = json.dumps({str(n): mod.INPUTS.get(n) for n in numbers}, sort_keys=True)
    probes = "[" + ", ".join(f"({n}, probe_{n})" for n in numbers) + "]"
    parts.append(_MAIN.format(inputs=inputs, notebook=notebook, probes=probes))
    return "\n\n".join(parts)


def probe_source(notebook: str, out_file: str) -> str:
    """Python source to run in the student's kernel after the student's cells.

    It probes every task of ``notebook`` in the namespace it runs in (the notebook's
    globals) and writes one JSON document of plain data to ``out_file``. It runs in its
    own global dictionary, so it neither reads the student's shadowed names nor leaves any
    of its own behind; it imports only the standard library and NumPy.
    """
    program = _program(notebook)
    return (f"exec(compile({program!r}, '<course probe>', 'exec'), "
            f"{{'__name__': '__course_probe__', '_NS': globals(), '_OUT': {str(out_file)!r}}})\n")


def judge(notebook: str, answers: object) -> list[Verdict]:
    """One verdict per task of ``notebook`` from the probed ``answers``; never raises.

    An unknown ``notebook`` is the grader's error, not the student's: ValueError.
    """
    mod = module(notebook)
    infos = tasks(notebook)
    by_task = answers.get("tasks") if isinstance(answers, Mapping) else None
    if not isinstance(by_task, Mapping) or (isinstance(answers, Mapping)
                                            and answers.get("notebook") != notebook):
        by_task = {}
    out = []
    for info in infos:
        answer = by_task.get(str(info.number))
        if answer is None:
            out.append(Verdict(info.key, 0.0, info.points, "fail",
                               f"Task {info.number} ({info.title}): no answer came back from "
                               f"the notebook (it did not run to the end?). "
                               f"0/{info.points} points."))
            continue
        if isinstance(answer, Mapping) and "probe_error" in answer:
            answer = {}
        out.append(_base.verdict(info, getattr(mod, f"judge_{info.number}"), answer))
    return out


def fingerprint(notebook: str) -> str:
    """sha256 of everything that decides ``notebook``'s points (probe, judges, data)."""
    mod = module(notebook)
    h = hashlib.sha256()
    for part in (_program(notebook), inspect.getsource(mod), inspect.getsource(_base),
                 repr([(t.number, t.title, t.points) for t in tasks(notebook)])):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def public_tables(notebook: str) -> dict[int, Any]:
    """The expected outputs the public self-checks of ``notebook`` hold as data."""
    return module(notebook).public_tables()
