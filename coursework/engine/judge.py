"""What the hidden judges of every unit share: reading junk safely, cases, verdicts.

Everything here runs in the grader's own process, on answers that came back from a
student's kernel as JSON: any value may be of the wrong type, missing, NaN or huge.
A judge never trusts a shape or a length before checking it. Never shipped to students.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coursework.engine import decide, probe
from coursework.engine.compare import close
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


# --------------------------------------------------------------------------- variants


def variant_rng(variant: str, task: str) -> np.random.Generator:
    """The generator of one student's hidden cases for ``task`` (``"01_overfitting:task1"``):
    seeded by the variant (the grader's HMAC of the student id), so the same student always
    gets the same cases and two students different ones."""
    digest = hashlib.sha256(f"{task}\0{variant}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def variant_seed(variant: str | None, task: str, seed: int) -> int:
    """The seed of one generated hidden case: ``seed`` itself for the fixed cases (variant
    None), else a seed drawn from the variant (same variant, same seed)."""
    if variant is None:
        return seed
    return int(variant_rng(variant, f"{task}:{seed}").integers(2**31))


def task_inputs(inputs: Any, variant: str | None) -> Any:
    """A task's probe inputs: ``INPUTS[N]``, or ``INPUTS[N](variant)`` when it is a function."""
    return inputs(variant) if callable(inputs) else inputs


def for_variant(judge: Callable[..., list[Check]], variant: str | None
                ) -> Callable[[Any], list[Check]]:
    """``judge`` for one student: bound to the variant when it takes one."""
    try:
        takes = "variant" in inspect.signature(judge).parameters
    except (TypeError, ValueError):
        takes = False
    return functools.partial(judge, variant=variant) if takes else judge


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
# Every decide task is judged here, from its Choice spec: a unit's hidden.py registers it in
# one line (``probe_N, judge_N, INPUTS[N] = decide_task(spec.CHOICE[N], Beats(...))``).


@dataclass(frozen=True)
class Beats:
    """The hidden margin of a decide task: the chosen run's record beats a baseline.

    Attributes
    ----------
    baseline : object
        The candidate whose run is the baseline (unused when ``run`` is given).
    words : str
        The baseline in words, for the check's name and note ("no penalty (lambda = 0)").
    margin : float
        How much better than the baseline the chosen run must be.
    run : str, optional
        The name of another run of the learner's (``"run_big"``) whose last record is the
        baseline, instead of the run for ``baseline``.
    note : str, optional
        What is wrong when the check fails, if not the default sentence.
    reference : float, optional
        The validation score (``spec.metric``) the task's recipe reaches, as the grader's
        probe measures it on the reference solution's chosen model (the recorded answers of
        ``solutions/``), less a slack for seed noise: the learner's chosen model,
        re-evaluated by the probe (not its history), must reach it.
    """

    baseline: Any
    words: str
    margin: float
    run: str | None = None
    note: str | None = None
    reference: float | None = None


def spec_input(spec: Choice, beats: Beats | None = None) -> dict[str, Any]:
    """A decide task's spec as JSON data for the probe (and the learner's baseline run)."""
    out: dict[str, Any] = {"spec": dataclasses.asdict(spec)}
    if beats is not None and beats.run:
        out["baseline_run"] = beats.run
    return out


def decide_task(spec: Choice, beats: Beats | None = None,
                extra: Callable[[Any, Choice], list[Check]] | None = None
                ) -> tuple[Callable[..., Any], Callable[[Any], list[Check]], dict[str, Any]]:
    """The probe, judge and probe inputs of a decide task, from its spec.

    ``beats`` adds the hidden margin check; ``extra(got, spec)`` adds the unit's own hidden
    checks on the probed runs ``got``.
    """
    def judge_choice(answer: Any) -> list[Check]:
        checks, got = decide_checks(answer, spec)
        if beats is not None:
            checks.append(beats_check(answer, got, spec, beats))
        if beats is not None and beats.reference is not None:
            checks.append(reference_check(got, spec, beats.reference) if checks[0].score == 1
                          else Check("hidden check: the chosen model reaches the task's recipe "
                                     "on validation", 0.0, "could not be judged: your runs are "
                                     f"not one per candidate {spec.what}"))
        if extra is not None:
            checks.extend(extra(got, spec))
        return checks

    return probe.probe_choice, judge_choice, spec_input(spec, beats)


def decide_checks(answer: Any, spec: Choice) -> tuple[list[Check], Any]:
    """The public properties of a decide task, judged again here; returns the checks and
    the probed data."""
    got = outcome(answer.get("choice") if isinstance(answer, Mapping) else None,
                  f"`{spec.runs}`")
    if not isinstance(got, Mapping):
        raise Bad(f"`{spec.runs}` could not be read")
    require_evaluated(got, spec)
    checks = [Check(name, float(ok), note) for name, ok, note in decide.properties(got, spec)]
    return checks, got


def require_evaluated(got: Mapping[str, Any], spec: Choice) -> None:
    """No points for runs the grader cannot evaluate again: Bad unless every run's model was
    evaluated on the validation split (a history alone is no evidence)."""
    why = decide.not_evaluated(got, spec)
    if why:
        raise Bad(why.rstrip("."))


def beats_check(answer: Any, got: Any, spec: Choice, beats: Beats) -> Check:
    """Hidden check: the chosen candidate's record beats the baseline by ``beats.margin``."""
    name = f"hidden check: the chosen {spec.what} beats {beats.words} on validation"
    note = beats.note or (f"the chosen run is not clearly "
                          f"{'above' if spec.higher_is_better else 'below'} {beats.words} in "
                          f"{spec.metric}: train every candidate as the task says")
    if beats.run:
        try:
            hist = outcome(answer.get("baseline"), beats.run)
            base: float | None = series(hist.get(spec.metric) if isinstance(hist, dict)
                                        else None, f"{beats.run}'s {spec.metric}")[-1]
        except (Bad, NotSolved):
            base = None
    else:
        base = decide.record(got, beats.baseline, spec) if isinstance(got, dict) else None
    best = got.get("best") if isinstance(got, Mapping) else None
    if decide.carries(got, best, spec) is False or (
            not beats.run and decide.carries(got, beats.baseline, spec) is False):
        return Check(name, 0.0, f"could not be judged: the chosen run or the baseline was not "
                     f"trained with the {spec.what} it is keyed by")
    mine = decide.record(got, best, spec)
    if mine is None or base is None or not math.isfinite(mine) or not math.isfinite(base):
        return Check(name, 0.0, "could not be judged: the chosen run or the baseline has no "
                     f"usable {spec.metric}")
    m = beats.margin
    better = mine > base + m if spec.higher_is_better else mine < base - m
    return Check(name, 1.0 if better else 0.0, "" if better else note)


def reference_check(got: Any, spec: Choice, reference: float) -> Check:
    """Hidden check: the chosen model, evaluated again by the probe on the validation split,
    reaches the reference recipe's score (a bound measured on the reference solution)."""
    name = "hidden check: the chosen model reaches the task's recipe on validation"
    best = got.get("best") if isinstance(got, Mapping) else None
    short = spec.metric.removeprefix("val_")
    runs = got.get("runs") if isinstance(got, Mapping) else None
    run = next((r for r in runs if isinstance(r, Mapping)
                and decide.same_key(r.get("key"), probe.plain_key(best))), None) \
        if isinstance(runs, list) else None
    ev = run.get("eval") if isinstance(run, Mapping) else None
    val = ev.get("val") if isinstance(ev, Mapping) else None
    try:
        score = number(val.get(short) if isinstance(val, Mapping) else None, spec.metric)
    except Bad:
        score = float("nan")
    if run is None or not math.isfinite(score) or decide.carries(got, best, spec) is False:
        return Check(name, 0.0, "could not be judged: the chosen run has no model the grader "
                     f"could evaluate again, trained with its {spec.what}")
    ok = score >= reference if spec.higher_is_better else score <= reference
    return Check(name, 1.0 if ok else 0.0, "" if ok else (
        f"evaluated again on the validation split, the chosen model scores {short} "
        f"{score:.3f}, short of what the task's recipe reaches: train every candidate as the "
        "task says (epochs, batch size, data)"))


def stopped_as_asked(got: Any, spec: Choice) -> list[Check]:
    """Hidden check of a decide task over early-stopping patiences: each run that stopped
    before 100 epochs did so ``patience`` (its key) epochs after its best epoch."""
    name = f"hidden check: every run stopped as EarlyStopping(patience) on {spec.metric} does"
    wrong = []
    for r in got.get("runs", []) if isinstance(got, dict) else []:
        key = r.get("key") if isinstance(r, dict) else None
        hist = r.get("history") if isinstance(r, dict) else None
        s = hist.get(spec.metric) if isinstance(hist, dict) else None
        if not isinstance(key, int) or isinstance(key, bool) or not isinstance(s, list) or not s:
            return [Check(name, 0.0, "the runs could not be read")]
        try:
            values = [number(v, spec.metric) for v in s]
        except Bad:
            return [Check(name, 0.0, "the runs could not be read")]
        sign = -1.0 if spec.higher_is_better else 1.0
        best_epoch = min(range(len(values)), key=lambda i: (sign * values[i], i)) + 1
        if len(values) < 100 and len(values) - best_epoch != key:
            wrong.append(key)
    if wrong:
        return [Check(name, 0.0, f"the run(s) for patience {', '.join(map(str, wrong))} did "
                      f"not stop `patience` epochs after their best {spec.metric}: monitor "
                      f"'{spec.metric}' with the patience of the run")]
    return [Check(name, 1.0)]
