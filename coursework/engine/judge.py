"""What the hidden judges of every unit share: reading junk safely, cases, verdicts.

Everything here runs in the grader's own process, on answers that came back from a
student's kernel as JSON: any value may be of the wrong type, missing, NaN or huge.
A judge never trusts a shape or a length before checking it. Never shipped to students.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coursework.engine import decide, probe
from coursework.engine.compare import close, letter
from coursework.engine.spec import Choice, Task

MAX_LIST = 10_000   # longest list a judge reads (histories); longer is junk


@dataclass(frozen=True)
class Verdict:
    """The judgement of one task.

    Attributes
    ----------
    key : str
        ``Task.key``.
    points : float
        Points earned, ``0 <= points <= max_points``.
    max_points : int
        The task's points.
    status : str
        ``"pass"``, ``"partial"``, ``"fail"`` or ``"not solved"``.
    message : str
        Plain words for the student: each check by name, its result and points; never a
        check's code, hidden inputs or expected values.
    """

    key: str
    points: float
    max_points: int
    status: str
    message: str


@dataclass(frozen=True)
class Check:
    """The result of one named check of a task.

    ``score`` is the share of the check's ``weight`` earned (0..1); ``note`` says in plain
    words what was wrong (the likely cause), without expected values.
    """

    name: str
    score: float
    note: str = ""
    weight: float = 1.0


class NotSolved(Exception):
    """The task's stub still raises, or its names are not defined."""


class Bad(Exception):
    """An answer has the wrong type, shape or value; the message says which, in words."""


# --------------------------------------------------------------------------- reading junk


def outcome(o: Any, what: str) -> Any:
    """The value of a probe outcome; NotSolved or Bad for anything else."""
    if not isinstance(o, Mapping):
        raise Bad(f"no usable answer for {what}")
    if "value" in o:
        return o["value"]
    if "stub" in o:
        raise NotSolved(f"{what} still raises NotImplementedError")
    if "missing" in o:
        raise NotSolved(f"`{str(o['missing'])[:60]}` is not defined")
    if "error" in o and o.get("unreadable") is True:  # the probe's own words
        raise Bad(f"{what} raised {str(o['error'])[:200]}")
    if "error" in o:  # the student's exception: its kind, never its text
        raise Bad(f"{what} raised {error_kind(o['error'])}")
    raise Bad(f"no usable answer for {what}")


def error_kind(error: Any) -> str:
    """The kind of a probed error (``"IndexError"``), never its text: an exception's message
    may hold the hidden inputs it was called with."""
    kind = str(error).split(":", 1)[0].strip()
    return kind[:60] if kind.isidentifier() else "an error"


def number(x: Any, what: str) -> float:
    """``x`` as a float (``"nan"``/``"inf"`` strings included); Bad if it is no number."""
    if isinstance(x, bool) or x is None:
        raise Bad(f"{what} should be a number, got {type(x).__name__}")
    if isinstance(x, str) and x in ("nan", "inf", "-inf"):
        return float(x)
    if isinstance(x, list) and len(x) == 1:
        return number(x[0], what)
    if not isinstance(x, (int, float)):
        raise Bad(f"{what} should be a number, got {type(x).__name__}")
    try:
        return float(x)
    except (OverflowError, ValueError):
        raise Bad(f"{what} is not a usable number") from None


def integer(x: Any, what: str) -> int:
    """``x`` as an int; Bad for floats, bools and junk."""
    if isinstance(x, bool) or not isinstance(x, int):
        raise Bad(f"{what} should be an integer, got {type(x).__name__}")
    if abs(x) > 10**12:
        raise Bad(f"{what} is not a usable number")
    return x


def array(x: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    """``x`` (nested lists) as a float array of exactly ``shape``; Bad otherwise.

    Lengths are checked level by level before any conversion, so a huge list costs nothing.
    """
    def conv(v: Any, dims: tuple[int, ...]) -> Any:
        if not dims:
            if isinstance(v, list):
                raise Bad(f"{what} has the wrong shape (expected {shape})")
            return number(v, what)
        if not isinstance(v, list) or len(v) != dims[0]:
            got = f"length {len(v)}" if isinstance(v, list) else type(v).__name__
            raise Bad(f"{what} has the wrong shape: expected {shape}, got {got} "
                      f"along an axis of length {dims[0]}")
        return [conv(item, dims[1:]) for item in v]

    return np.array(conv(x, shape), dtype=float).reshape(shape)


def series(x: Any, what: str) -> list[float]:
    """A list of at most MAX_LIST numbers (a training history)."""
    if not isinstance(x, list) or not x:
        raise Bad(f"{what} should be a non-empty list of numbers")
    if len(x) > MAX_LIST:
        raise Bad(f"{what} is longer than {MAX_LIST} values")
    return [number(v, what) for v in x]


# --------------------------------------------------------------------------- common judges


def seeded_checks(answer: Any, cases: Sequence[tuple[str, tuple[int, ...], int, Any]],
                  what: str, judge: Callable[[list[np.ndarray], Any], str]) -> list[Check]:
    """Judge a task checked by properties, whose probe called the student's function once per
    generator seed of each case (``{"outputs": [outcome, ...]}``, one list per case).

    ``cases`` holds ``(name, shape, seeds, context)``: the check's name, the shape of each
    output, how many calls, and what ``judge(outputs, context)`` needs; ``judge`` returns
    ``""`` when the outputs behave, else what is wrong.
    """
    outputs = answer.get("outputs") if isinstance(answer, Mapping) else None
    if not isinstance(outputs, list) or len(outputs) != len(cases):
        raise Bad("the probe's answer is malformed")
    checks = []
    for (name, shape, seeds, context), o in zip(cases, outputs, strict=True):
        try:
            got = outcome(o, what)
            if not isinstance(got, list) or len(got) != seeds:
                raise Bad("the probe's answer is malformed")
            outs = [array(g, shape, "the output") for g in got]
        except Bad as err:
            checks.append(Check(name, 0.0, str(err)))
            continue
        problem = judge(outs, context)
        checks.append(Check(name, 0.0 if problem else 1.0, problem))
    return checks


def function_checks(answer: Any, cases: Sequence[Mapping[str, Any]], names: Sequence[str],
                    ref: Callable[..., Any], mistakes: Mapping[str, Callable[..., Any]],
                    read: Callable[[Any, Any, str], Any],
                    same: Callable[[Any, Any], bool] = close) -> list[Check]:
    """Judge the outcomes of calling the student's function on ``cases``.

    Parameters
    ----------
    answer : object
        The task's probed answer: ``{"calls": [outcome, ...]}``, one per case.
    cases : list of dict
        ``{"args": [...], "kwargs": {...}}`` in the probe's JSON form.
    names : list of str
        The check's name for each case.
    ref : callable
        The reference implementation.
    mistakes : dict of str to callable
        Known mistakes: hint -> mistaken implementation.
    read : callable
        ``read(value, expected, what)`` turns the student's value into something
        comparable with the reference's, or raises Bad.
    same : callable
        Equality of the read value and the reference's.
    """
    calls = answer.get("calls") if isinstance(answer, Mapping) else None
    if not isinstance(calls, list) or len(calls) != len(cases):
        raise Bad("the probe's answer is malformed")
    checks = []
    for case, name, o in zip(cases, names, calls, strict=True):
        args = probe.decode(case.get("args", []))
        kwargs = probe.decode(case.get("kwargs", {}))
        try:
            got = read(outcome(o, "your function"), ref(*args, **kwargs), name)
        except Bad as err:
            checks.append(Check(name, 0.0, str(err)))
            continue
        expected = ref(*args, **kwargs)
        if same(got, expected):
            checks.append(Check(name, 1.0))
            continue
        wrong = {}
        for hint, f in mistakes.items():
            try:
                with np.errstate(all="ignore"):
                    wrong[hint] = f(*probe.decode(case.get("args", [])),
                                    **probe.decode(case.get("kwargs", {})))
            except Exception:  # a mistake that cannot even run on this case
                continue
        cause = next((h for h, v in wrong.items() if same(got, v)), None)
        checks.append(Check(name, 0.0, "wrong result" + (f"; likely cause: {cause}"
                                                          if cause else "")))
    return checks


def parts_checks(answer: Any, parts: Sequence[tuple[str, Callable[[Any], list[Check]], float]]
                 ) -> list[Check]:
    """The checks of a task made of parts (two functions, or two variables).

    ``parts`` holds ``(name, judge, share)``: ``judge(answer)`` returns the part's checks,
    rescaled so that the part weighs ``share`` of the task. A part that is not solved or
    unusable is one failed check of its share; the task is not solved only when no part is.
    """
    checks: list[Check] = []
    unsolved = []
    for name, judge, share in parts:
        try:
            got = judge(answer)
            total = sum(c.weight for c in got) or 1.0
            checks += [dataclasses.replace(c, weight=c.weight * share / total) for c in got]
        except NotSolved as err:
            unsolved.append(f"{name}: {err}")
            checks.append(Check(name, 0.0, f"not solved: {err}", weight=share))
        except Bad as err:
            checks.append(Check(name, 0.0, str(err), weight=share))
    if len(unsolved) == len(parts):
        raise NotSolved("; ".join(unsolved))
    return checks


def letter_checks(answer: Any, options: str, key: str, why: Mapping[str, str]) -> list[Check]:
    """The one check of a multiple-choice task; ``why`` explains each wrong letter."""
    v = outcome(answer.get("answer") if isinstance(answer, Mapping) else None, "the answer")
    chosen = letter(v, options)
    if chosen is None:
        return [Check("the answer is one of the letters", 0.0,
                      f"it should be one letter from {', '.join(options)}")]
    if chosen == key:
        return [Check("multiple choice", 1.0)]
    return [Check("multiple choice", 0.0, f"{chosen!r} is not the best answer. "
                  + why.get(chosen, ""))]


# --------------------------------------------------------------------------- verdicts


def verdict(info: Task, judge: Callable[[Any], list[Check]], answer: Any) -> Verdict:
    """Run one task's judge on its answer; never raises."""
    head = f"Task {info.number} ({info.title})"
    try:
        checks = judge(answer)
        if not checks:
            raise Bad("nothing to judge")
    except NotSolved as err:
        return Verdict(info.key, 0.0, info.points, "not solved",
                       f"{head}: not solved ({err}). 0/{info.points} points.")
    except Bad as err:
        return Verdict(info.key, 0.0, info.points, "fail",
                       f"{head}: {err}. 0/{info.points} points.")
    except Exception as err:  # a judge must never take the grader down
        return Verdict(info.key, 0.0, info.points, "fail",
                       f"{head}: the answer could not be judged ({type(err).__name__}). "
                       f"0/{info.points} points.")
    total = sum(c.weight for c in checks)
    share = sum(c.weight * min(max(c.score, 0.0), 1.0) for c in checks) / total
    share = share if math.isfinite(share) else 0.0
    points = round(info.points * share, 2)
    status = "pass" if share >= 1 - 1e-9 else ("fail" if share <= 1e-9 else "partial")
    lines = [f"{head}: {status}, {points:g}/{info.points} points."]
    for c in checks:
        worth = info.points * c.weight / total
        got = worth * min(max(c.score, 0.0), 1.0)
        result = "passed" if c.score >= 1 - 1e-9 else ("failed" if c.score <= 1e-9
                                                       else "partly passed")
        lines.append(f"  - {c.name}: {result} ({got:.2g}/{worth:.2g})"
                     + (f": {c.note}" if c.note else ""))
    return Verdict(info.key, points, info.points, status, "\n".join(lines))


# --------------------------------------------------------------------------- decide tasks


def spec_input(spec: Choice) -> dict[str, Any]:
    """A decide task's spec as JSON data for the probe."""
    return {"spec": dataclasses.asdict(spec)}


def decide_checks(answer: Any, spec: Choice) -> tuple[list[Check], Any]:
    """The public properties of a decide task, judged again here; returns the checks and
    the probed data."""
    got = outcome(answer.get("choice") if isinstance(answer, Mapping) else None,
                  f"`{spec.runs}`")
    if not isinstance(got, Mapping):
        raise Bad(f"`{spec.runs}` could not be read")
    require_evaluated(got, spec)
    checks = [Check(name, 1.0 if ok else 0.0, note)
              for name, ok, note in decide.properties(got, spec)]
    return checks, got


def require_evaluated(got: Mapping[str, Any], spec: Choice) -> None:
    """No points for runs the grader cannot evaluate again: Bad unless every run's model was
    evaluated on the validation split (a history alone is no evidence)."""
    why = decide.not_evaluated(got, spec)
    if why:
        raise Bad(why.rstrip("."))


def margin_check(got: Any, spec: Choice, baseline: float | None, margin: float,
                 name: str, why: str) -> Check:
    """Hidden check: the chosen candidate's record beats ``baseline`` by ``margin``."""
    best = got.get("best") if isinstance(got, Mapping) else None
    mine = decide.record(got, best, spec)
    if mine is None or baseline is None or not math.isfinite(mine) \
            or not math.isfinite(baseline):
        return Check(name, 0.0, "could not be judged: the chosen run or the baseline has no "
                     f"usable {spec.metric}")
    better = mine > baseline + margin if spec.higher_is_better else mine < baseline - margin
    return Check(name, 1.0 if better else 0.0, "" if better else why)


def judge_against(answer: Any, spec: Choice, baseline: Any, margin: float,
                  name: str, why: str) -> list[Check]:
    """The public properties, then the hidden check that the chosen candidate beats the
    candidate ``baseline`` of the learner's own runs by ``margin``."""
    checks, got = decide_checks(answer, spec)
    base = decide.record(got, baseline, spec) if isinstance(got, dict) else None
    checks.append(margin_check(got, spec, base, margin, name, why))
    return checks
