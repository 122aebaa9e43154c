"""The checks' judgement of one notebook's answers, in the grader's own process.

The answers are untrusted text from the sandbox: parsed with :func:`json.loads` (never
unpickled, never imported) and handed to ``checks.judge``. Points are clamped to each task's
range; every message is cleaned (:func:`instructor.grading.text.clean`).
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
from typing import Any

from instructor.grading.text import MESSAGE_CHARS, clean

__all__ = ["TEACHING_ASSISTANT", "empty", "judge", "load_checks", "probe_source"]


def load_checks() -> Any:
    """The instructor's checks (:mod:`instructor.checks`)."""
    return importlib.import_module("instructor.checks")


def _takes_variant(func: Any) -> bool:
    try:
        return "variant" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def probe_source(checks: Any, notebook: str, out_file: str, variant: str | None) -> str:
    """``checks.probe_source`` for this student's variant (convention 1 of HELPERS.md).

    Checks written before variants existed take no ``variant``: they get the fixed cases.
    """
    if _takes_variant(checks.probe_source):
        return checks.probe_source(notebook, out_file, variant=variant)
    return checks.probe_source(notebook, out_file)


#: the status of a written task in the grader's outputs: its points come from the rubric
TEACHING_ASSISTANT = "graded by a teaching assistant"


def empty(checks: Any, notebook: str, why: str) -> dict:
    """Every code task of ``notebook`` at 0 points with the message ``why``; every written
    task (``.kind == "written"``) at 0 autograde points, marked as the teaching assistant's
    (its rubric points are added by :mod:`instructor.ta`)."""
    out = {}
    for t in checks.tasks(notebook):
        if getattr(t, "kind", "code") == "written":
            worth = f"{t.points} point{'s' * (t.points != 1)}"
            out[t.key] = {"points": 0.0, "max": float(t.points), "status": TEACHING_ASSISTANT,
                          "message": clean(f"Task {t.number} ({t.title}): a written answer, "
                                           f"not autograded; a teaching assistant grades it "
                                           f"with the rubric ({worth}).", MESSAGE_CHARS)}
        else:
            out[t.key] = {"points": 0.0, "max": float(t.points), "status": "not solved",
                          "message": clean(why, MESSAGE_CHARS)}
    return out


def judge(checks: Any, notebook: str, answers_text: str | None,
          variant: str | None = None) -> tuple[dict, str]:
    """Judge the answers (untrusted text) here: ``({key: task}, problem)``."""
    problem = ""
    answers: Any = None
    if answers_text is not None:
        try:
            answers = json.loads(answers_text)
        except (ValueError, RecursionError):
            problem = "the answers were not valid JSON"
    try:
        if _takes_variant(checks.judge):
            verdicts = checks.judge(notebook, answers, variant=variant)
        else:
            verdicts = checks.judge(notebook, answers)
    except Exception as err:  # the contract says never; a bug must not stop the class
        verdicts, problem = [], f"judge failed ({type(err).__name__})"
    tasks = empty(checks, notebook, "not graded")
    for v in verdicts:
        if v.key in tasks and tasks[v.key]["status"] != TEACHING_ASSISTANT:
            most = tasks[v.key]["max"]
            try:
                points = float(v.points)
            except (TypeError, ValueError):
                points = 0.0
            points = points if math.isfinite(points) else 0.0
            tasks[v.key].update(points=min(max(points, 0.0), most),
                                status=clean(v.status, 40),
                                message=clean(v.message, MESSAGE_CHARS))
    return tasks, problem
