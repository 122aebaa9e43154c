"""The tasks where the learner runs a small experiment and decides: the properties judged.

Such a task has no answer key: the right choice is whatever the learner's own runs say
on the validation set. The checks are properties of the result:

- every candidate was tried, and nothing else;
- the choice is one of the candidates and is the best one by the learner's own recorded
  validation metric (``val_xent`` or ``val_accuracy``; a diverged run, NaN, is the worst);
- the recorded curves belong to the validation split: the learner's model, evaluated
  again on the validation split, scores what its history says (not the test split).

The probe's :func:`~coursework.engine.probe.collect` reads the learner's runs into plain
data (on the learner's machine for the public check, in the sandbox at grading);
:func:`properties` judges that data and names what is wrong in plain words, for both.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from coursework.engine.probe import collect, plain_key
from coursework.engine.spec import Choice

__all__ = ["check", "properties", "record", "same_key"]

#: how closely an evaluation must match the history's last value (float32, batching)
TOL = 2e-3


def same_key(a: Any, b: Any) -> bool:
    """Equality of candidates as plain data: numbers within 1e-9, tuples item by item."""
    if isinstance(a, list) or isinstance(b, list):
        a = list(a) if isinstance(a, (list, tuple)) else [a]
        b = list(b) if isinstance(b, (list, tuple)) else [b]
        return len(a) == len(b) and all(same_key(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _num(v: Any) -> float:
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return float("nan")
    return float(v)


def _fmt(k: Any) -> str:
    if isinstance(k, list):
        return "(" + ", ".join(_fmt(x) for x in k) + ")"
    if isinstance(k, float):
        return f"{k:g}"
    return repr(k) if isinstance(k, str) else str(k)


def _pick(values: Mapping[int, float], higher: bool) -> int | None:
    """Index of the best finite value (NaN counts as the worst), None if none is finite."""
    finite = {i: v for i, v in values.items() if math.isfinite(v)}
    if not finite:
        return None
    return (max if higher else min)(finite, key=finite.__getitem__)


def properties(got: Mapping[str, Any], spec: Choice) -> list[tuple[str, bool | float, str]]:
    """Judge the data from :func:`collect`: ``[(check name, passed, what is wrong), ...]``.

    ``passed`` is True or False, or the share of runs that count (a run whose model was
    not trained with the candidate it is keyed by does not). The checks stop at the first
    one that fails when the later ones cannot be judged.
    """
    out: list[tuple[str, bool | float, str]] = []
    runs = got.get("runs") if isinstance(got, Mapping) else None
    if not isinstance(runs, list):
        return [("the runs are recorded", False, f"`{spec.runs}` could not be read")]
    cands = [plain_key(c) for c in spec.candidates]
    keys = [r.get("key") if isinstance(r, Mapping) else None for r in runs]
    missing = [c for c in cands if not any(same_key(c, k) for k in keys)]
    extra = [k for k in keys if not any(same_key(c, k) for c in cands)]
    ok = not missing and not extra and len(keys) == len(cands) == got.get("n_runs")
    note = ""
    if missing and extra:
        note = (f"the keys of `{spec.runs}` are ({', '.join(map(_fmt, keys))}), not the candidates "
                f"({', '.join(map(_fmt, cands))}): key each run by its {spec.what}, the value "
                "itself.")
    elif missing:
        note = (f"`{spec.runs}` has no run for {spec.what} {', '.join(map(_fmt, missing))}: "
                f"train one model per candidate ({', '.join(map(_fmt, cands))}), keyed by the "
                f"{spec.what}.")
    elif extra:
        note = (f"`{spec.runs}` has keys {', '.join(map(_fmt, extra))} that are not among the "
                f"candidates ({', '.join(map(_fmt, cands))}): key each run by its {spec.what}.")
    elif not ok:
        note = f"`{spec.runs}` should hold exactly one run per candidate."
    if ok and spec.reads:
        share, note = carrying(runs, spec)
        ok = share if share < 1 else True
    out.append((f"one run per candidate {spec.what}", ok, note))
    if ok is not True:
        return out
    metric = spec.metric
    records: dict[int, float] = {}
    for i, r in enumerate(runs):
        hist = r.get("history")
        if not isinstance(hist, Mapping) or not isinstance(hist.get(metric), list) \
                or not hist[metric]:
            recorded = sorted(hist) if isinstance(hist, Mapping) else "no history"
            out.append((f"every run recorded {metric}", False,
                        f"the run for {spec.what} {_fmt(r.get('key'))} has no `{metric}` "
                        f"history (recorded: {recorded}): train it with training.train, which "
                        "validates on the validation split after every epoch."))
            return out
        series = [_num(v) for v in hist[metric]]
        finite = [v for v in series if math.isfinite(v)]
        if spec.restored:
            records[i] = ((max if spec.higher_is_better else min)(finite) if finite
                          else float("nan"))
        else:
            records[i] = series[-1]
    out.append((f"every run recorded {metric}", True, ""))
    best = got.get("best")
    chosen = next((i for i, k in enumerate(keys) if same_key(k, best)), None)
    if chosen is None:
        out.append((f"the chosen {spec.what} is one of the candidates", False,
                    f"`{spec.best}` = {_fmt(best)} is not one of the candidates "
                    f"({', '.join(map(_fmt, cands))})."))
        return out
    out.append((f"the chosen {spec.what} is one of the candidates", True, ""))
    right = _pick(records, spec.higher_is_better)
    if right is not None and spec.within is not None:
        sign = -1.0 if spec.higher_is_better else 1.0
        near = [i for i, v in records.items() if math.isfinite(v)
                and sign * (v - records[right]) <= spec.within + 1e-12]
        right = min(near, key=lambda i: keys[i])
    if right is None:
        out.append(("the choice is the best by your validation records", False,
                    f"every run's {metric} is NaN: every run diverged."))
        return out
    ok = chosen == right or (spec.within is None and records[chosen] == records[right])
    note = ""
    if not ok and spec.within is not None:
        note = (f"by your own records the rule picks {spec.what} {_fmt(keys[right])}: the "
                f"smallest whose {metric} is within {spec.within:g} of the best one "
                f"({records[_pick(records, spec.higher_is_better)]:.4g}); `{spec.best}` = "
                f"{_fmt(best)}.")
        if chosen == _pick(records, spec.higher_is_better):
            note += (" Likely cause: you took the best record; the rule takes the smallest "
                     f"{spec.what} that is nearly as good.")
    elif not ok:
        where = "best value" if spec.restored else "last value"
        note = (f"by your own records the best {spec.what} is {_fmt(keys[right])} "
                f"({metric} {records[right]:.4g}), but `{spec.best}` = {_fmt(best)} "
                f"({metric} {records[chosen]:.4g}). Compare the {where} of each run's {metric}.")
        alt = _alternatives(runs, records, spec)
        cause = next((why for why, i in alt if i == chosen), "")
        if not math.isfinite(records[chosen]):
            cause = "that run diverged (NaN): a NaN loss is the worst, not the best"
        if cause:
            note += f" Likely cause: {cause}."
    out.append(("the choice is the best by your validation records", ok, note))
    out.extend(consistency(runs, spec))
    return out


#: where each reader of :data:`coursework.engine.probe.READERS` looks, for messages
WHERE = {"units": "the units of its first Dense layer",
         "l2": "the kernel_regularizer of its Dense layers",
         "dropout": "its Dropout layers",
         "momentum": "its optimizer's momentum",
         "learning_rate": "its optimizer's (initial) learning rate",
         "initializer": "the kernel_initializer of its Dense layers",
         "batch_norm": "its layers (BatchNormalization or not)"}


def same_reading(a: Any, b: Any) -> bool:
    """A hyperparameter read back from a model equals the expected one (float32 rounding)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_reading(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-9)
    return isinstance(a, str) and a == b


def _label(reading: Any, spec: Choice) -> Any:
    """The candidate whose expected reading is ``reading`` (or the reading itself)."""
    for c in spec.candidates:
        if same_reading(reading, _expected(plain_key(c), spec)):
            return plain_key(c)
    return reading


def _expected(key: Any, spec: Choice) -> Any:
    """What the model of the run for candidate ``key`` must carry."""
    for c, lab in dict(spec.labels or {}).items():
        if same_key(plain_key(c), key):
            return plain_key(lab)
    return key


def carrying(runs: list[Any], spec: Choice) -> tuple[float, str]:
    """The share of runs whose model carries the candidate it is keyed by (read back as
    ``spec.reads`` says), and what is wrong with the first that does not.

    A run without a model is not judged here: the re-evaluation names it.
    """
    reads = spec.reads if isinstance(spec.reads, str) else list(spec.reads or ())
    where = WHERE.get(reads, "") if isinstance(reads, str) else "; ".join(
        WHERE.get(r, "") for r in reads)
    wrong = []
    for r in runs:
        if not isinstance(r, Mapping) or r.get("eval") is None:
            continue
        got = r.get("carries")
        if not same_reading(got, _expected(r.get("key"), spec)):
            wrong.append((r.get("key"), got))
    if not wrong:
        return 1.0, ""
    key, got = wrong[0]
    if got is None or (isinstance(got, list) and None in got):
        note = (f"the model of the run for {spec.what} {_fmt(key)} does not show its "
                f"{spec.what} (read from {where}): build and compile each run's model with "
                f"its own {spec.what}.")
    else:
        note = (f"the run for {spec.what} {_fmt(key)} was trained with {spec.what} "
                f"{_fmt(_label(got, spec))} (read from {where}).")
    if len(wrong) > 1:
        note += f" So were {len(wrong) - 1} more of your runs: each run counts only for the " \
                f"{spec.what} it was trained with."
    readings = [r.get("carries") for r in runs if isinstance(r, Mapping)]
    if len(readings) > 1 and readings[0] is not None and all(
            same_reading(x, readings[0]) for x in readings):
        note += (f" Likely cause: every run was trained with the same {spec.what}: a lambda "
                 "(or function) made in a loop or comprehension looks the loop variable up "
                 "only when it is called, after the loop has ended, so every run got the last "
                 "value. Bind the value when you make it: `lambda v=v: build(v)`.")
    return 1.0 - len(wrong) / len(runs), note


def carries(got: Mapping[str, Any], key: Any, spec: Choice) -> bool | None:
    """Whether the model of the run for candidate ``key`` was trained with that candidate
    (always, when ``spec.reads`` is None); None if there is no such run or candidate."""
    if not any(same_key(plain_key(c), plain_key(key)) for c in spec.candidates):
        return None
    runs = got.get("runs") if isinstance(got, Mapping) else None
    for r in runs if isinstance(runs, list) else []:
        if isinstance(r, Mapping) and same_key(r.get("key"), plain_key(key)):
            return not spec.reads or same_reading(r.get("carries"),
                                                  _expected(r.get("key"), spec))
    return None


def _alternatives(runs: list[Any], records: Mapping[int, float],
                  spec: Choice) -> list[tuple[str, int | None]]:
    """What a learner who chose by the wrong rule would have picked."""
    higher = spec.higher_is_better

    def by(key: str, at_last: bool = True, hi: bool = False) -> int | None:
        vals = {}
        for i, r in enumerate(runs):
            s = (r.get("history") or {}).get(key)
            if isinstance(s, list) and s:
                nums = [_num(v) for v in s]
                vals[i] = nums[-1] if at_last else (max(nums) if hi else min(nums))
        return _pick(vals, hi) if len(vals) == len(runs) else None

    other = "val_accuracy" if spec.metric == "val_xent" else "val_xent"
    return [
        ("you took the worst value: for " + spec.metric + (" higher" if higher else " lower")
         + " is better", _pick({i: -v if math.isfinite(v) else v
                                for i, v in records.items()}, higher)),
        ("you chose by val_loss, which includes the penalty: compare " + spec.metric,
         by("val_loss")),
        ("you chose by the training curve; choose on validation (" + spec.metric + ")",
         by(spec.metric.removeprefix("val_"), hi=higher)),
        ("you compared the best epoch of each run; the task compares the last one",
         None if spec.restored else by(spec.metric, at_last=False, hi=higher)),
        (f"you chose by {other}; the task asks for {spec.metric}", by(other, hi="acc" in other)),
    ]


def consistency(runs: list[Any], spec: Choice) -> list[tuple[str, bool, str]]:
    """Each model, evaluated again on the validation split, scores what its history says."""
    name = "your models score on the validation split what their histories say"
    short = spec.metric.removeprefix("val_")
    for r in runs:
        ev = r.get("eval")
        key = _fmt(r.get("key"))
        if not isinstance(ev, Mapping) or "val" not in ev:
            return [(name, False, unevaluated(spec, key, ev))]
        series = [_num(v) for v in r["history"][spec.metric]]
        finite = [v for v in series if math.isfinite(v)]
        if not finite:
            continue  # a diverged run: its NaN weights cannot be compared
        if spec.restored:
            recorded = (max if spec.higher_is_better else min)(finite)
        else:
            recorded = series[-1]
        if not math.isfinite(recorded):
            continue  # diverged at the end: nothing to compare
        now = _num(ev["val"].get(short))
        test = _num(ev.get("test", {}).get(short))
        if math.isfinite(now) and abs(now - recorded) <= TOL * max(1.0, abs(recorded)):
            continue
        note = (f"the model of the run for {spec.what} {key} scores {short} {now:.4f} on the "
                f"validation split, but its history's {'best' if spec.restored else 'last'} "
                f"{spec.metric} is {recorded:.4f}.")
        if math.isfinite(test) and abs(test - recorded) <= TOL * max(1.0, abs(recorded)):
            note += (" Its history matches the TEST split: validate on the validation split "
                     "(training.train does), never on the test set.")
        elif spec.restored:
            note += " Did you restore the best weights (restore_best_weights=True)?"
        else:
            note += (" Was the model trained further, or replaced, after its run was "
                     "recorded? Keep each run's own model.")
        return [(name, False, note)]
    return [(name, True, "")]


def unevaluated(spec: Choice, key: str, ev: Any) -> str:
    """Why the run for ``key`` could not be evaluated again (never the error's text)."""
    if ev is None:
        return (f"the run for {spec.what} {key} has no model to evaluate again: keep each "
                "run's own model (training.train returns it in run.model).")
    error = str(ev.get("error", "")) if isinstance(ev, Mapping) else ""
    kind = error.split(":", 1)[0].strip()
    kind = kind if kind.isidentifier() else "an error"
    return (f"the model of the run for {spec.what} {key} could not be evaluated on the "
            f"digits (it raised {kind}).")


def not_evaluated(got: Mapping[str, Any], spec: Choice) -> str:
    """``""`` when every run's model was evaluated again, else why not (for the first run)."""
    runs = got.get("runs") if isinstance(got, Mapping) else None
    for r in runs if isinstance(runs, list) else []:
        ev = r.get("eval") if isinstance(r, Mapping) else None
        if not isinstance(ev, Mapping) or "val" not in ev:
            return unevaluated(spec, _fmt(r.get("key") if isinstance(r, Mapping) else None), ev)
    return ""


def check(c: Any, spec: Choice) -> str:
    """The public self-check of a decide task: fail with the first property that does not hold.

    ``c`` is the check's context (:class:`coursework.engine.selfcheck.Ctx`); a unit's
    ``public.py`` defines no check for its decide tasks: :func:`check_task` calls this one.
    """
    for name in (spec.runs, spec.best):
        c.get(name)  # not solved while a name is missing
    try:
        got = collect(c.ns, dataclasses.asdict(spec))
    except TypeError as err:
        c.fail(str(err))
    for _name, ok, note in properties(got, spec):
        if ok is not True:
            c.fail(note)
    done = spec.done or (f"{spec.best} = {{best}} is the best by your own validation records, "
                         "and your models score what their histories say.")
    return done.format(best=_fmt(got["best"]))


def record(got: Mapping[str, Any], key: Any, spec: Choice) -> float | None:
    """The recorded metric of the run for candidate ``key`` (last, or best when restored).

    None when there is no such run or it recorded nothing usable.
    """
    runs = got.get("runs") if isinstance(got, Mapping) else None
    for r in runs if isinstance(runs, list) else []:
        if isinstance(r, Mapping) and same_key(r.get("key"), plain_key(key)):
            hist = r.get("history")
            s = hist.get(spec.metric) if isinstance(hist, Mapping) else None
            if not isinstance(s, list) or not s:
                return None
            nums = [_num(v) for v in s]
            if spec.restored:
                finite = [v for v in nums if math.isfinite(v)]
                return (max if spec.higher_is_better else min)(finite) if finite else None
            return nums[-1]
    return None
