"""The grader's view of the exercises: discover the units, probe, judge, fingerprint.

Every exercise is one unit, a folder ``coursework/exNN_topic/`` (see
:mod:`coursework.engine.units`). Its ``hidden.py`` defines, per task ``N``:

Written tasks (``kind == "written"``, prose graded by a teaching assistant with the task's
rubric, :mod:`instructor.ta`) have no probe and no judge: :func:`judge` returns verdicts for
the code tasks only, and the grader marks the written ones as the teaching assistant's
(:func:`instructor.grading.verdicts.empty`). For every code task ``N``:

- ``probe_N(rt, inp)``: runs in the student's kernel (its source is pasted into the probe
  program after :mod:`coursework.engine.probe`, never imported there); looks into the
  namespace through ``rt`` (:class:`coursework.engine.probe.Probe`) and returns plain data;
- ``INPUTS[N]``: the task's inputs (public and hidden), JSON data handed to ``probe_N``;
- ``judge_N(answer)``: runs in the grader's process; returns the named
  :class:`~coursework.engine.judge.Check` results (partial credit per check);
- the reference implementations, known mistakes and keys the judges use, and
  ``public_tables()``, the expected outputs the unit's generated ``tables.py`` holds.

Per-student variants: a task's ``INPUTS[N]`` may be a function of the variant (a hex string,
or None for the fixed cases), and its ``judge_N`` then takes ``variant=`` too
(:func:`coursework.engine.judge.variant_rng`: the same variant, the same cases).

A decide task (a ``Choice`` in the unit's spec) has its probe, judge and inputs from the
engine, registered in one line: ``probe_N, judge_N, INPUTS[N] = decide_task(spec.CHOICE[N],
...)`` (:func:`coursework.engine.judge.decide_task`); its probe is the runtime's own
``probe_choice``.

The contract with the grading engine (HELPERS.md, convention 1): :func:`notebooks`,
:func:`tasks`, :func:`probe_source`, :func:`judge`, :func:`fingerprint`.
``python -m instructor.checks tables`` rewrites every unit's ``tables.py`` (``make tables``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Mapping
from types import ModuleType

from coursework.engine import compare, decide, probe, units
from coursework.engine import judge as judging
from coursework.engine.judge import Check, Verdict
from coursework.engine.spec import RubricItem, Task

__all__ = ["Check", "RubricItem", "Task", "Verdict", "fingerprint", "judge", "notebooks",
           "probe_source", "tasks"]


def notebooks() -> list[str]:
    """The gradable exercises, sorted (``"01_overfitting"``, ...)."""
    return units.notebooks()


def module(notebook: str) -> ModuleType:
    """The hidden checks of ``notebook``; ValueError naming the known ones if unknown."""
    return units.module(notebook, "hidden")


def tasks(notebook: str) -> list[Task]:
    """The graded tasks of ``notebook`` in order; ValueError if the notebook is unknown."""
    return list(units.tasks(notebook))


def _variant(variant: str | None) -> str | None:
    if variant is not None and (not isinstance(variant, str)
                                or not re.fullmatch(r"[0-9a-f]{1,128}", variant)):
        raise ValueError(f"variant must be None or a lowercase hex string, got {variant!r}")
    return variant


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


def _probe_source(fn: object, number: int) -> str:
    """The source of a task's probe: the unit's own function, or a name for one of the
    runtime's (a decide task's :func:`coursework.engine.probe.probe_choice`, pasted above)."""
    if getattr(fn, "__module__", None) == probe.__name__:
        return f"probe_{number} = {fn.__name__}"
    return inspect.getsource(fn)


def _program(notebook: str, variant: str | None) -> str:
    mod = module(notebook)
    numbers = [t.number for t in tasks(notebook) if t.kind == "code"]
    parts = [inspect.getsource(probe)]
    parts += [_probe_source(getattr(mod, f"probe_{n}"), n) for n in numbers]
    inputs = json.dumps({str(n): judging.task_inputs(mod.INPUTS.get(n), variant)
                         for n in numbers}, sort_keys=True)
    probes = "[" + ", ".join(f"({n}, probe_{n})" for n in numbers) + "]"
    parts.append(_MAIN.format(inputs=inputs, notebook=notebook, probes=probes))
    return "\n\n".join(parts)


def probe_source(notebook: str, out_file: str, *, variant: str | None = None) -> str:
    """Python source to run in the student's kernel after the student's cells.

    It probes every task of ``notebook`` in the namespace it runs in (the notebook's
    globals) and writes one JSON document of plain data to ``out_file``. It runs in its
    own global dictionary, so it neither reads the student's shadowed names nor leaves any
    of its own behind; it imports the standard library, NumPy, and inside its functions
    ``helpers`` and ``keras``. ``variant`` (a hex string, per student) chooses the hidden
    cases; ``None`` gives the fixed ones.
    """
    program = _program(notebook, _variant(variant))
    return (f"exec(compile({program!r}, '<course probe>', 'exec'), "
            f"{{'__name__': '__course_probe__', '_NS': globals(), '_OUT': {str(out_file)!r}}})\n")


def judge(notebook: str, answers: object, *, variant: str | None = None) -> list[Verdict]:
    """One verdict per code task of ``notebook`` from the probed ``answers``; never raises.

    Written tasks get none here: a teaching assistant grades them with the rubric.

    An unknown ``notebook`` or a malformed ``variant`` is the grader's error, not the
    student's: ValueError.
    """
    mod = module(notebook)
    _variant(variant)
    infos = [t for t in tasks(notebook) if t.kind == "code"]
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
        out.append(judging.verdict(info, judging.for_variant(
            getattr(mod, f"judge_{info.number}"), variant), answer))
    return out


def fingerprint(notebook: str) -> str:
    """sha256 of everything that decides ``notebook``'s points (probe, judges, data)."""
    h = hashlib.sha256()
    for part in (_program(notebook, None), inspect.getsource(module(notebook)),
                 inspect.getsource(judging), inspect.getsource(decide), inspect.getsource(compare),
                 inspect.getsource(units.module(notebook, "spec")),
                 repr(tasks(notebook))):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def public_tables(notebook: str) -> dict:
    """The expected outputs the public self-checks of ``notebook`` hold as data."""
    return module(notebook).public_tables()
