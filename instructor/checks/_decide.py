"""Hidden checks shared by the tasks where the learner runs an experiment and decides.

The public self-check (``helpers.selfcheck._choice``) and the grader judge the same
properties of the learner's runs; at grading they are judged here, in the grader's process,
on the plain data the probe sent back, and a hidden check compares the chosen model with a
baseline by a margin that held for every seed tried (0, 1, 2; default and full profile).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from helpers.selfcheck import _choice
from instructor.checks._base import Bad, Check, outcome


def spec_input(spec: _choice.Choice) -> dict[str, Any]:
    """The task's spec as JSON data for the probe."""
    return {"spec": dataclasses.asdict(spec)}


def choice_checks(answer: Any, spec: _choice.Choice) -> tuple[list[Check], Any]:
    """The public properties, judged again here; returns the checks and the probed data."""
    got = outcome(answer.get("choice") if isinstance(answer, Mapping) else None,
                  f"`{spec.runs}`")
    if not isinstance(got, Mapping):
        raise Bad(f"`{spec.runs}` could not be read")
    checks = [Check(name, 1.0 if ok else 0.0, note)
              for name, ok, note in _choice.properties(got, spec)]
    return checks, got


def margin_check(got: Any, spec: _choice.Choice, baseline: float | None, margin: float,
                 name: str, why: str) -> Check:
    """Hidden check: the chosen candidate's record beats ``baseline`` by ``margin``."""
    best = got.get("best") if isinstance(got, Mapping) else None
    mine = _choice.record(got, best, spec)
    if mine is None or baseline is None or not math.isfinite(mine) \
            or not math.isfinite(baseline):
        return Check(name, 0.0, "could not be judged: the chosen run or the baseline has no "
                     f"usable {spec.metric}")
    better = mine > baseline + margin if spec.higher_is_better else mine < baseline - margin
    return Check(name, 1.0 if better else 0.0, "" if better else why)


def judge_against(answer: Any, spec: _choice.Choice, baseline: Any, margin: float,
                  name: str, why: str) -> list[Check]:
    """The public properties, then the hidden check that the chosen candidate beats the
    candidate ``baseline`` of the learner's own runs by ``margin``."""
    checks, got = choice_checks(answer, spec)
    base = _choice.record(got, baseline, spec) if isinstance(got, dict) else None
    checks.append(margin_check(got, spec, base, margin, name, why))
    return checks
