"""The tests every unit runs on its own cases (not shipped: it judges with the hidden side).

A unit's ``test_unit.py`` declares ``NOTEBOOK`` and ``CASES = {task number: Case(...)}``
and imports the tests below with :func:`pytest_generate_tests`, which parametrizes them
over its cases, keyed by name (``"01_overfitting:task1:forgot the biases"``). Every task
gets: one right answer (passes the public check, full marks from the hidden judge), the
unsolved stub (NotSolvedError; "not solved" at grading), at least two typical mistakes
(SelfCheckError naming the likely cause; fewer points at grading), and the same public
and hidden verdicts as before the exercises became units (``tests/data``).

No kernel: the probe runs in this process (tests/test_exercises.py runs it in kernels).
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import functools
import io
import json
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from coursework.engine import units
from coursework.engine.selfcheck import NotSolvedError, SelfCheckError, check_task, get_task
from helpers.training import Run

ROOT = Path(__file__).resolve().parents[2]
BEFORE = ROOT / "tests" / "data" / "verdicts_before_units.json"

#: words of public-only messages (the hidden judge names the check, not these words)
PUBLIC_ONLY_WORDS = {"pair", "integer", "single number", "raised TypeError", "only in training",
                     "overflows"}


@dataclass(frozen=True)
class Case:
    """The cases of one task.

    Attributes
    ----------
    right : dict
        A right answer (the student's namespace).
    mistakes : dict
        ``{label: (namespace, words)}``: typical mistakes; the public check's message
        contains ``words``. The label defaults to the words themselves.
    hidden_only : dict
        Mistakes the public check cannot see (it holds no answer): ``{label: (namespace,
        words)}``; the hidden verdict contains ``words``.
    made_up_runs : bool
        The right answer's runs are made up: hidden checks of epochs or layers may fail.
    judged_here : bool
        Whether the judge can run in this process (not when it predicts on the digits).
    """

    right: dict[str, Any]
    mistakes: dict[str, tuple[dict[str, Any], str]]
    hidden_only: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    made_up_runs: bool = False
    judged_here: bool = True


@dataclass(frozen=True)
class WrittenCase:
    """The case of a written task: a sample answer, saved into a notebook for the check.

    Its namespaces carry ``__session__`` (as ipykernel sets it under Jupyter) pointing at
    a notebook holding the answer (``right``), the exercise's placeholder (``stub``), and
    no path at all (``no notebook``). No hidden verdict: a teaching assistant grades it.
    """

    answer: str
    right: dict[str, Any] = field(default_factory=dict)
    mistakes: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    hidden_only: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    made_up_runs: bool = False
    judged_here: bool = False


@functools.cache
def _saved_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="written-cases-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def saved_notebook(nb: str, n: int, answer: str | None, folder: str) -> dict[str, Any]:
    """A namespace whose ``__session__`` is a saved notebook ``<nb>.ipynb`` with task ``n``'s
    heading and ``**Answer:** answer`` (the placeholder when ``answer`` is None)."""
    task = get_task(nb, n)
    cells = [{"cell_type": "markdown", "metadata": {}, "source": f"# {nb}"},
             {"cell_type": "markdown", "metadata": {},
              "source": f"## Task {n} · {task.title} ({task.points} points)\n\nWhy?"},
             {"cell_type": "markdown", "metadata": {},
              "source": "**Answer:** " + ("*Your answer here.*" if answer is None else answer)},
             {"cell_type": "markdown", "metadata": {}, "source": f"## Task {n + 1} · next"}]
    path = _saved_folder() / folder / f"{nb}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    return {"__session__": str(path)}


def mistakes(*pairs: tuple[dict[str, Any], str]) -> dict[str, tuple[dict[str, Any], str]]:
    """Mistakes labelled by the words their message must contain."""
    out = {words: (ns, words) for ns, words in pairs}
    assert len(out) == len(pairs), "two mistakes with the same words: label them"
    return out


def stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("Task 1: replace this line with your code")


def run(**history: list[float]) -> Run:
    """A run with a made-up history and no model."""
    return Run("r", {k: list(v) for k, v in history.items()}, model=None)


# --------------------------------------------------------------------------- made-up runs
# A stand-in model that looks each digit up and puts a logit of a chosen strength on its
# class (wrong for a chosen share of the digits), and histories whose last val_xent is
# exactly what that model scores on the validation split, so the re-evaluation applies.


def _key(row: np.ndarray) -> bytes:
    return np.asarray(row, dtype=np.float32).reshape(-1).tobytes()


class _Digits:
    """The course's digits and their labels by pixels, loaded on first use."""

    def __init__(self) -> None:
        self._data: tuple[Any, Any, dict[bytes, int]] | None = None

    def get(self) -> tuple[Any, Any, dict[bytes, int]]:
        if self._data is None:
            from helpers import data

            flat, images = data.load_digits(), data.load_digits(flatten=False)
            labels = {_key(x): int(y) for part in ("train", "val", "test")
                      for x, y in zip(*flat.get(part), strict=True)}
            self._data = (flat, images, labels)
        return self._data


DIGITS = _Digits()


class LookupModel:
    """Puts logit ``strength`` on each digit's class; on a share ``wrong`` of them, on the
    next class instead (which digits: fixed by their pixels)."""

    def __init__(self, strength: float, wrong: float = 0.0) -> None:
        self.strength, self.wrong = strength, wrong

    def predict(self, x: Any, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        labels = DIGITS.get()[2]
        x = np.asarray(x)
        out = np.zeros((len(x), 10))
        for i, row in enumerate(x):
            k = _key(row)
            label = labels[k]
            if (zlib.crc32(k) % 1000) / 1000 < self.wrong:
                label = (label + 1) % 10
            out[i, label] = self.strength
        return out


def _scores(model: LookupModel, part: str, images: bool = False) -> tuple[float, float]:
    flat, pictures, _ = DIGITS.get()
    x, y = (pictures if images else flat).get(part)
    z = model.predict(x)
    z = z - z.max(1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return float(-lp[np.arange(len(y)), y].mean()), float(np.mean(z.argmax(1) == y))


def fake_run(strength: float, wrong: float = 0.0, *, part: str = "val", epochs: int = 3,
             images: bool = False, penalty: float = 0.0, before: float = 0.3) -> Run:
    """A run whose last val_xent / val_accuracy are what its model scores on ``part``."""
    model = LookupModel(strength, wrong)
    xent, acc = _scores(model, part, images)
    val_xent = [xent + before * (epochs - 1 - i) for i in range(epochs)]
    hist = {"xent": [v / 2 for v in val_xent], "val_xent": val_xent,
            "val_loss": [v + penalty for v in val_xent],
            "accuracy": [min(1.0, acc + 0.05)] * epochs,
            "val_accuracy": [acc - 0.01 * (epochs - 1 - i) for i in range(epochs)]}
    return Run("fake", hist, model)


class _KerasLike:
    """A layer or optimizer that describes itself as Keras does (``get_config``)."""

    def __init__(self, **config: Any) -> None:
        self.config = config

    def get_config(self) -> dict[str, Any]:
        return dict(self.config)


#: stand-ins named as the Keras classes the readers look for
Dense = type("Dense", (_KerasLike,), {})
Dropout = type("Dropout", (_KerasLike,), {})
BatchNormalization = type("BatchNormalization", (_KerasLike,), {})
SGD = type("SGD", (_KerasLike,), {})

_SAME = object()


def _built_with(reads: Any, value: Any) -> tuple[dict[str, Any], list[Any], dict[str, Any]]:
    """What a model built (and compiled) with ``value`` for reader(s) ``reads`` reports:
    its first Dense layer's config, its other layers, its optimizer's config."""
    if isinstance(reads, (list, tuple)):
        dense: dict[str, Any] = {}
        layers: list[Any] = []
        opt: dict[str, Any] = {}
        for r, v in zip(reads, value, strict=True):
            d, ls, o = _built_with(r, v)
            dense.update(d)
            layers += ls
            opt.update(o)
        return dense, layers, opt
    if reads == "units":
        return {"units": value}, [], {}
    if reads == "l2":
        return {"kernel_regularizer": {"class_name": "L2", "config": {"l2": value}}
                if value else None}, [], {}
    if reads == "dropout":
        return {}, [Dropout(rate=value)] if value else [], {}
    if reads == "momentum":
        return {}, [], {"momentum": value, "learning_rate": 0.01}
    if reads == "learning_rate":
        return {}, [], {"learning_rate": {"class_name": "CosineDecay",
                                          "config": {"initial_learning_rate": value}}}
    if reads == "initializer":
        name, _, std = value.partition("(stddev=")
        return {"kernel_initializer": {"class_name": name, "config": {
            "stddev": float(std.rstrip(")"))} if std else {}}}, [], {}
    if reads == "batch_norm":
        return {}, [BatchNormalization()] if value else [], {}
    raise ValueError(f"reads must name a reader of coursework.engine.probe, got {reads!r}")


def carrying(runs: dict[Any, Run], choice: Any, value: Any = _SAME) -> dict[Any, Run]:
    """Copies of ``runs`` whose models report (as Keras models do) the hyperparameter of
    their key, as ``choice.reads`` reads it; or ``value`` for every run (the late-binding
    bug: every run was built with the last candidate)."""
    out = {}
    for key, run in runs.items():
        want = key if value is _SAME else value
        want = dict(choice.labels).get(want, want)
        dense, layers, opt = _built_with(choice.reads, want)
        model = copy.copy(run.model)
        model.layers = [Dense(**dense), *layers, Dense(units=10)]
        model.optimizer = SGD(**opt)
        out[key] = Run(run.name, run.history, model)
    return out


def es_run(strength: float, patience: int, best_epoch: int) -> Run:
    """An early-stopped run restored to its best epoch: val_xent is lowest at ``best_epoch``
    and the run stops ``patience`` epochs later."""
    model = LookupModel(strength)
    best, _ = _scores(model, "val")
    n = best_epoch + patience
    val_xent = [best + 0.05 * abs(i + 1 - best_epoch) + (0.2 if i + 1 < best_epoch else 0.0)
                for i in range(n)]
    return Run("es", {"xent": val_xent, "val_xent": val_xent, "val_loss": val_xent,
                      "val_accuracy": [0.8] * n}, model)


def best_key(runs: dict, metric: str = "val_xent") -> Any:
    last = {k: r.history[metric][-1] for k, r in runs.items()}
    return (max if "acc" in metric else min)(last, key=last.get)


def worst_key(runs: dict, metric: str = "val_xent") -> Any:
    last = {k: r.history[metric][-1] for k, r in runs.items()}
    return (min if "acc" in metric else max)(last, key=last.get)


# --------------------------------------------------------------------------- running a case


def graded(nb: str, namespace: dict[str, Any], variant: str | None = None) -> dict[int, Any]:
    """Run the probe of ``nb`` on ``namespace`` in this process, then the judge."""
    from instructor import checks

    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        exec(compile(checks.probe_source(nb, path, variant=variant), "<probe>", "exec"),
             dict(namespace))
        answers = json.loads(Path(path).read_text(encoding="utf-8"))
    finally:
        os.unlink(path)
    verdicts = checks.judge(nb, answers, variant=variant)
    return {int(v.key.rsplit("task", 1)[1]): v for v in verdicts}


def public_outcome(nb: str, n: int, namespace: dict[str, Any]) -> dict[str, Any]:
    """What the public check returns and prints, or the error it raises."""
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            result = check_task(nb, n, namespace)
        return {"ok": result, "printed": buf.getvalue()}
    except Exception as err:
        return {"error": type(err).__name__, "message": str(err)}


def unsolved(case: Case) -> dict[str, Any]:
    """A function task still holding the stub, or a variable task whose cell raised."""
    return {k: stub for k, v in case.right.items() if callable(v) and not hasattr(v, "predict")}


def named_namespaces(nb: str, n: int, case: Case | WrittenCase) -> dict[str, dict[str, Any]]:
    """Every namespace of a case, by its name."""
    key = f"{nb}:task{n}"
    if isinstance(case, WrittenCase):
        return {f"{key}:right": saved_notebook(nb, n, case.answer, "right"),
                f"{key}:stub": saved_notebook(nb, n, None, "stub"),
                f"{key}:no notebook": {}}
    out = {f"{key}:right": case.right, f"{key}:stub": unsolved(case)}
    for label, (ns, _) in {**case.mistakes, **case.hidden_only}.items():
        out[f"{key}:{label}"] = ns
    return out


# --------------------------------------------------------------------------- the tests


class UnitTests:
    """The tests of a unit; a unit's ``test_unit.py`` subclasses it with its cases::

        class TestUnit(UnitTests):
            NOTEBOOK = "01_overfitting"
            CASES = {1: Case(...), ...}
    """

    NOTEBOOK: str = ""
    CASES: dict[int, Case | WrittenCase] = {}

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Parametrize the tests over the class's ``CASES``, keyed by task."""
        if "case" in metafunc.fixturenames:
            nb, cases = metafunc.cls.NOTEBOOK, metafunc.cls.CASES
            metafunc.parametrize(("nb", "n", "case"), [(nb, n, c) for n, c in cases.items()],
                                 ids=[f"{nb}:task{n}" for n in cases])

    def test_every_task_has_cases(self) -> None:
        assert sorted(self.CASES) == [t.number for t in units.tasks(self.NOTEBOOK)]

    def test_right_answer_passes(self, nb: str, n: int, case: Case | WrittenCase,
                                 capsys: pytest.CaptureFixture[str]) -> None:
        task = get_task(nb, n)
        if isinstance(case, WrittenCase):
            assert task.kind == "written" and 2 <= len(task.rubric) <= 3
            assert sum(item.points for item in task.rubric) == task.points
            assert check_task(nb, n, saved_notebook(nb, n, case.answer, "right")) == 0
            out = capsys.readouterr().out
            assert out.startswith(f"✔ Task {n}") and f"{nb}.ipynb" in out
            assert f"{len(case.answer.split())} words" in out
            assert all(item.text in out for item in task.rubric)
            assert case.answer not in out  # the check says only that an answer is there
            assert n not in graded(nb, {})  # no autograde verdict: a TA grades it
            return
        assert task.kind == "code"
        assert check_task(nb, n, case.right) == task.points
        out = capsys.readouterr().out
        assert f"✔ Task {n}" in out and "point" not in out.rsplit("[", 1)[1]
        assert "hidden checks try more cases" in out
        if not case.judged_here:
            return
        verdict = graded(nb, case.right)[n]
        if case.made_up_runs:  # made-up runs miss hidden checks (epochs, layers, ...)
            assert verdict.points > 0 and verdict.status in ("pass", "partial"), verdict.message
            assert verdict.message.splitlines()[1].split(":")[1].strip().startswith("passed")
        else:
            assert (verdict.points, verdict.status) == (task.points, "pass"), verdict.message

    def test_unsolved_stub_is_rejected(self, nb: str, n: int, case: Case | WrittenCase
                                       ) -> None:
        if isinstance(case, WrittenCase):
            with pytest.raises(NotSolvedError) as info:
                check_task(nb, n, saved_notebook(nb, n, None, "stub"))
            assert str(info.value).startswith(f"Task {n} (")
            assert "**Answer:**" in str(info.value) and "save (Ctrl+S)" in str(info.value)
            return
        with pytest.raises(NotSolvedError) as info:
            check_task(nb, n, unsolved(case))
        message = str(info.value)
        assert message.startswith(f"Task {n} (")
        assert "NotImplementedError" in message or "is not defined" in message
        verdict = graded(nb, unsolved(case))[n]
        assert (verdict.points, verdict.status) == (0, "not solved"), verdict.message
        assert verdict.message.startswith(f"Task {n} (") and "not solved" in verdict.message

    @pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflowing mistakes
    def test_mistakes_are_named(self, nb: str, n: int, case: Case | WrittenCase,
                                capsys: pytest.CaptureFixture[str]) -> None:
        if isinstance(case, WrittenCase):  # no notebook path (nbval, a script): a note
            assert check_task(nb, n, {}) == 0
            assert "cannot see your saved notebook" in capsys.readouterr().out
            return
        assert len(case.mistakes) >= 2
        points = get_task(nb, n).points
        for namespace, words in case.mistakes.values():
            with pytest.raises(SelfCheckError) as info:
                check_task(nb, n, namespace)
            assert not isinstance(info.value, NotSolvedError)
            assert isinstance(info.value, AssertionError)  # tests and graders can catch it
            assert words in str(info.value), str(info.value)
            if case.judged_here:
                verdict = graded(nb, namespace)[n]
                assert verdict.points < points, verdict.message
            function = any(callable(v) and not hasattr(v, "predict") for v in namespace.values())
            if function and case.judged_here and words not in PUBLIC_ONLY_WORDS:
                # the hidden judge names the likely cause too
                assert verdict.status in ("fail", "partial") and "hidden " in verdict.message
                assert words in verdict.message, verdict.message
        for namespace, words in case.hidden_only.values():
            check_task(nb, n, namespace)  # plausible: only the grader knows
            verdict = graded(nb, namespace)[n]
            assert verdict.points < points and words in verdict.message

    @pytest.mark.filterwarnings("ignore::RuntimeWarning")
    def test_same_verdicts_as_before_the_units(self, nb: str, n: int, case: Case) -> None:
        """The public and hidden verdicts recorded with the code before the move."""
        before = json.loads(BEFORE.read_text(encoding="utf-8"))["cases"]
        for name, namespace in named_namespaces(nb, n, case).items():
            assert name in before, f"{name}: no verdict recorded"
            want = before[name]
            assert public_outcome(nb, n, namespace) == want["public"], name
            if want["hidden"] is not None and case.judged_here:
                v = graded(nb, namespace)[n]
                got = {"points": v.points, "status": v.status, "message": v.message}
                assert got == want["hidden"], name


def check_variants(nb: str, n: int, right: dict[str, Any],
                   variants: tuple[str, ...] = ("0a1b2c3d" * 8, "9f8e7d6c" * 8, "5e" * 32)
                   ) -> None:
    """Per-student hidden cases of task ``n``: the same variant gives the same probe inputs,
    two variants different ones; the ``right`` functions score full marks under every variant;
    functions that answer from a table of the fixed cases' results (an answer shared by
    another student) score full with the fixed cases and lose points under every variant."""
    from coursework.engine import judge, probe
    from instructor import checks

    inputs = units.module(nb, "hidden").INPUTS[n]
    seen = [json.dumps(judge.task_inputs(inputs, v), sort_keys=True) for v in (None, *variants)]
    assert seen == [json.dumps(judge.task_inputs(inputs, v), sort_keys=True)
                    for v in (None, *variants)]
    assert len(set(seen)) == len(seen), "two variants share their hidden cases"
    assert checks.probe_source(nb, "o.json", variant=variants[0]) \
        == checks.probe_source(nb, "o.json", variant=variants[0])
    points = {t.number: t.points for t in units.tasks(nb)}[n]
    for v in (None, *variants):
        verdict = graded(nb, right, variant=v)[n]
        assert (verdict.points, verdict.status) == (points, "pass"), (v, verdict.message)
    tables: dict[str, dict[str, Any]] = {name: {} for name in right}

    def key(args: tuple, kwargs: dict) -> str:
        return json.dumps(probe.data([list(args), kwargs]), sort_keys=True)

    def recording(name: str) -> Any:
        def f(*args: Any, **kwargs: Any) -> Any:
            tables[name][key(args, kwargs)] = out = right[name](*args, **kwargs)
            return out
        return f

    def copied(name: str) -> Any:
        return lambda *args, **kwargs: tables[name][key(args, kwargs)]

    graded(nb, {name: recording(name) for name in right}, variant=None)
    table = {name: copied(name) for name in right}
    assert graded(nb, table, variant=None)[n].points == points
    for v in variants:
        verdict = graded(nb, table, variant=v)[n]
        assert verdict.points < points and "raised KeyError" in verdict.message, verdict.message
