""":func:`grade`: discovery -> reading -> store -> sandboxes -> verdicts -> store -> writers."""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from instructor import sandbox as sb
from instructor.grading import verdicts
from instructor.grading.discovery import Student, find_students
from instructor.grading.limits import Limits, limits_dict
from instructor.grading.reading import Job, read_submission
from instructor.grading.runner import Runner
from instructor.grading.store import JsonStore, Store, safe_result
from instructor.grading.text import STATUS_CHARS, clean
from instructor.grading.variants import load_secret, variant
from instructor.grading.writers import (
    fmt,
    output_paths,
    rows,
    write_canvas,
    write_csv,
    write_feedback,
)

__all__ = ["Progress", "grade"]


class Progress:
    """``[done/total] pct ETA`` lines on stderr (or any ``say``)."""

    def __init__(self, total: int, say: Callable[[str], None]) -> None:
        self.total, self.say = total, say
        self.done = self.ran = 0
        self.start = time.monotonic()

    def step(self, text: str, ran: bool) -> None:
        self.done += 1
        self.ran += ran
        left = self.total - self.done
        eta = "-"
        if self.ran and left:
            seconds = (time.monotonic() - self.start) / self.ran * left
            eta = f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
        pct = 100 * self.done // max(self.total, 1)
        self.say(f"[{self.done}/{self.total}] {pct:3d}% ETA {eta} {text}")


def _label(job: Job) -> str:
    tasks = job.result.get("tasks", {})
    got = sum(t["points"] for t in tasks.values())
    most = sum(t["max"] for t in tasks.values())
    return (f"{job.student}/{job.notebook}: {fmt(got)}/{fmt(most)} points, "
            f"{job.result.get('status')}, {job.result.get('seconds', 0):.1f} s")


def grade(
    root: str | Path,
    out: str | Path,
    *,
    notebooks: Iterable[str] | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    limits: Limits | None = None,
    sandbox: bool = True,
    checks: Any = None,
    progress: Callable[[str], None] | None = None,
    store: Store | None = None,
    secret_file: str | Path | None = None,
) -> list[dict[str, Any]]:
    """Grade every student of ``root``; write the CSV ``out``, the Canvas CSV and feedback.

    Parameters
    ----------
    root : path
        Folder with one sub-folder per student.
    out : path
        CSV to write (not inside ``root``).
    notebooks : iterable of str, optional
        Exercises to grade; default: every gradable exercise that any student submitted.
    jobs : int
        Notebooks graded at once (threads here, or Dask workers for ``scheduler="local"``).
    scheduler : str, optional
        ``tcp://HOST:PORT`` of a Dask scheduler, or ``"local"`` for a local cluster.
    limits : instructor.grading.limits.Limits, optional
        Time, memory, process, output, notebook-size and parse caps of each notebook.
    sandbox : bool
        ``False`` runs notebooks without bubblewrap (trusted notebooks only).
    checks : module, optional
        The checks (default :mod:`instructor.checks`): ``notebooks``, ``tasks``,
        ``probe_source``, ``judge``, ``fingerprint``.
    progress : callable, optional
        Called with each progress line (default: print to stderr).
    store : object, optional
        Where finished results are kept (``get`` / ``put``, :mod:`instructor.grading.store`);
        default: ``<out>.state.json``.
    secret_file : path, optional
        The course secret the per-student variants derive from; default ``<out>.secret``,
        created once (mode 0600). Never inside ``root``.

    Returns
    -------
    list of dict
        The CSV rows.

    Raises
    ------
    FileNotFoundError
        If ``root`` is not a directory.
    ValueError
        If ``notebooks`` names an unknown exercise, ``out`` or the secret lies inside
        ``root``, or the secret is too short.
    RuntimeError
        If the sandbox is missing (and ``sandbox`` is true), or the scheduler unreachable.
    """
    root, out = Path(root), Path(out)
    limits = limits or Limits()
    checks = checks or verdicts.load_checks()
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    if not root.is_dir():
        raise FileNotFoundError(f"submissions folder {str(root)!r} does not exist")
    if out.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"--out {str(out)!r} must not be inside the submissions folder")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    paths = output_paths(out)
    secret_path = Path(secret_file) if secret_file is not None else paths["secret"]
    if secret_path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"the secret file {str(secret_path)!r} must not be inside the "
                         "submissions folder")
    known = list(checks.notebooks())
    students = find_students(root, say)
    if notebooks is None:
        names = sorted({nb for s in students for nb in s.files if nb in known})
    else:
        names = list(notebooks)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"unknown exercise(s) {unknown}; the gradable ones are {known}")
    for s in students:
        for extra in sorted(set(s.files) - set(names)):
            say(f"skipped {s.id}/{clean(extra, 80)}.ipynb: not an exercise being graded")
    if sandbox and scheduler is None:
        problem = sb.sandbox_problem()
        if problem:
            raise RuntimeError(problem)
    out.parent.mkdir(parents=True, exist_ok=True)
    secret = load_secret(secret_path)
    store = store if store is not None else JsonStore(paths["state"])
    fingerprints = {n: checks.fingerprint(n) for n in names}

    def settings(job: Job) -> str:
        return hashlib.sha256(json.dumps(
            [fingerprints[job.notebook], limits_dict(limits), sandbox, job.variant]
        ).encode()).hexdigest()

    def keep(job: Job) -> None:
        """Store a finished result; a store that fails costs the resume, not the run."""
        try:
            store.put(job.student, job.notebook, job.digest, settings(job), job.result)
        except Exception as err:
            say(f"warning: {job.key} not saved for resume: {type(err).__name__}: "
                f"{clean(err, 200)}")

    plan = [Job(s.id, name, stem=s.stem, variant=variant(secret, s.id))
            for s in students for name in names]
    by_stem: dict[str, Student] = {s.stem: s for s in students}
    bar = Progress(len(plan), say)
    to_run = []
    for job in plan:
        student = by_stem[job.stem]
        if student.problem:
            job.result = {"status": clean(student.problem), "seconds": 0.0,
                          "tasks": verdicts.empty(checks, job.notebook, student.problem)}
            bar.step(_label(job), ran=False)
            continue
        read_submission(job, student.files.get(job.notebook), limits.notebook_bytes)
        cached = safe_result(store.get(job.student, job.notebook, job.digest, settings(job)))
        if cached is not None:
            job.result = cached
            bar.step(f"{_label(job)} (already graded)", ran=False)
        elif job.status is not None:
            job.result = {"status": job.status, "seconds": 0.0,
                          "tasks": verdicts.empty(checks, job.notebook,
                                                  f"the notebook is {job.status}")}
            keep(job)
            bar.step(_label(job), ran=False)
        else:
            to_run.append(job)
    runner = Runner(jobs, scheduler)  # an unreachable scheduler fails here
    try:
        tasks = []
        for job in to_run:
            out_file = None if sandbox else str(
                Path(tempfile.gettempdir()) / f"grade-{uuid.uuid4().hex}" / "out" /
                "answers.json")
            try:
                probe = verdicts.probe_source(checks, job.notebook, out_file or sb.OUT_FILE,
                                              job.variant)
            except Exception as err:
                _failed(job, checks, f"the checks could not write the probe "
                                     f"({type(err).__name__})")
                bar.step(_label(job), ran=False)
                continue
            tasks.append((job, (job.data, probe, limits_dict(limits), sandbox, out_file)))
        for job, result in runner.run(tasks):
            try:
                if isinstance(result, BaseException):
                    raise result
                task_points, problem = verdicts.judge(checks, job.notebook,
                                                      result["answers"], job.variant)
                status = result["status"] if not problem else f"{result['status']}; {problem}"
                job.result = safe_result({"status": status, "seconds": result["seconds"],
                                          "tasks": task_points}) or {}
                if not job.result:
                    raise ValueError("the result is malformed")
                keep(job)
            except Exception as err:  # this student's status, never the run's
                _failed(job, checks, f"grader error ({type(err).__name__}); run again")
            bar.step(_label(job), ran=True)
    except BaseException:
        sb.STOP.set()  # running sandboxes are killed; finished notebooks are saved
        raise
    finally:
        runner.close()
        sb.STOP.clear()
        sb.remove_empty_groups()
    columns = [t.key for n in names for t in checks.tasks(n)]
    table = rows(plan, students)
    write_csv(out, table, columns, names)
    write_canvas(paths["canvas"], plan, students, names,
                 [sum(t.points for t in checks.tasks(n)) for n in names])
    write_feedback(paths["feedback"], plan, students, say)
    return table


def _failed(job: Job, checks: Any, why: str) -> None:
    """A result for a job the grader could not finish (not stored: the next run retries)."""
    try:
        tasks = verdicts.empty(checks, job.notebook, why)
    except Exception:
        tasks = {}
    job.result = {"status": clean(why, STATUS_CHARS), "seconds": 0.0, "tasks": tasks}
