"""A tiny stand-in for ``instructor.checks`` (the contract of /work CHECKS_API): one exercise.

``fake_ex`` has two tasks: task 1 (2 points) asks for ``double(x)`` on hidden inputs,
task 2 (1 point) for the variable ``answer`` (42). The grader tests use it to test the
engine (sandbox, judging outside, outputs) in kernels that start fast (no TensorFlow).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

NAME = "fake_ex"
HIDDEN = (3.0, -7.0, 2.5)


@dataclass(frozen=True)
class TaskInfo:
    notebook: str
    number: int
    title: str
    points: int

    @property
    def key(self) -> str:
        return f"{self.notebook}:task{self.number}"


@dataclass(frozen=True)
class Verdict:
    key: str
    points: float
    max_points: int
    status: str
    message: str


TASKS = [TaskInfo(NAME, 1, "double", 2), TaskInfo(NAME, 2, "the answer", 1)]


def notebooks() -> list[str]:
    return [NAME]


def tasks(notebook: str) -> list[TaskInfo]:
    if notebook != NAME:
        raise ValueError(f"notebook must be one of {notebooks()}, got {notebook!r}")
    return list(TASKS)


def probe_source(notebook: str, out_file: str) -> str:
    tasks(notebook)
    return f"""
import json as _pj
_pa = {{}}
try:
    _pa["task1"] = [float(double(_x)) for _x in {HIDDEN!r}]
except Exception as _e:
    _pa["task1"] = {{"error": repr(_e)[:200]}}
try:
    _pa["task2"] = answer if isinstance(answer, (int, float, str)) else repr(answer)[:100]
except Exception as _e:
    _pa["task2"] = {{"error": repr(_e)[:200]}}
with open({out_file!r}, "w") as _pf:
    _pj.dump(_pa, _pf)
"""


def _num_list(value: object) -> list[float] | None:
    if not isinstance(value, list) or len(value) != len(HIDDEN):
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    return [float(v) for v in value]


def judge(notebook: str, answers: object) -> list[Verdict]:
    t1, t2 = tasks(notebook)
    answers = answers if isinstance(answers, dict) else {}
    got = _num_list(answers.get("task1"))
    if got is not None and all(math.isclose(g, 2 * x) for g, x in zip(got, HIDDEN, strict=True)):
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
