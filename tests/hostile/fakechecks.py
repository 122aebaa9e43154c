"""A tiny stand-in for ``instructor.checks`` (HELPERS.md, convention 1): one exercise.

``fake_ex`` has two tasks: task 1 (2 points) asks for ``double(x)`` on hidden inputs,
task 2 (1 point) for the variable ``answer`` (42). The grader tests use it to test the
engine (sandbox, judging outside, outputs) in kernels that start fast (no TensorFlow).
It uses the course's one task schema and verdict (``coursework.engine``); ``variant``
shifts the hidden inputs per student.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

from coursework.engine.judge import Verdict
from coursework.engine.spec import Task

NAME = "fake_ex"
HIDDEN = (3.0, -7.0, 2.5)

TASKS = [Task(NAME, 1, "double", 2), Task(NAME, 2, "the answer", 1)]


def notebooks() -> list[str]:
    return [NAME]


def tasks(notebook: str) -> list[Task]:
    if notebook != NAME:
        raise ValueError(f"notebook must be one of {notebooks()}, got {notebook!r}")
    return list(TASKS)


def hidden_inputs(variant: str | None) -> tuple[float, ...]:
    """The fixed inputs, or the same inputs shifted by an amount taken from ``variant``."""
    if variant is None:
        return HIDDEN
    shift = int(hashlib.sha256(variant.encode()).hexdigest()[:4], 16) % 97
    return tuple(x + shift for x in HIDDEN)


def probe_source(notebook: str, out_file: str, *, variant: str | None = None) -> str:
    tasks(notebook)
    return f"""
import json as _pj
_pa = {{}}
try:
    _pa["task1"] = [float(double(_x)) for _x in {hidden_inputs(variant)!r}]
except Exception as _e:
    _pa["task1"] = {{"error": repr(_e)[:200]}}
try:
    _pa["task2"] = answer if isinstance(answer, (int, float, str)) else repr(answer)[:100]
except Exception as _e:
    _pa["task2"] = {{"error": repr(_e)[:200]}}
with open({out_file!r}, "w") as _pf:
    _pj.dump(_pa, _pf)
"""


def _num_list(value: object, n: int) -> list[float] | None:
    if not isinstance(value, list) or len(value) != n:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    return [float(v) for v in value]


def judge(notebook: str, answers: object, *, variant: str | None = None) -> list[Verdict]:
    t1, t2 = tasks(notebook)
    answers = answers if isinstance(answers, dict) else {}
    inputs = hidden_inputs(variant)
    got = _num_list(answers.get("task1"), len(inputs))
    if got is not None and all(math.isclose(g, 2 * x) for g, x in zip(got, inputs, strict=True)):
        v1 = Verdict(t1.key, 2, 2, "pass", "hidden check 'three inputs': passed")
    else:
        v1 = Verdict(t1.key, 0, 2, "fail" if "task1" in answers else "not solved",
                     "hidden check 'three inputs': failed")
    a = answers.get("task2")
    if isinstance(a, (int, float)) and not isinstance(a, bool) and a == 42:
        v2 = Verdict(t2.key, 1, 1, "pass", "right")
    else:
        v2 = Verdict(t2.key, 0, 1, "fail", "not the answer")
    return [v1, v2]


def fingerprint(notebook: str) -> str:
    tasks(notebook)
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
