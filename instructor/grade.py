"""Grade a folder of submitted exercise notebooks: CSV, Canvas CSV and feedback per student.

::

    python -m instructor.grade SUBMISSIONS --out grades.csv [--notebooks A,B] [--jobs N]
        [--scheduler tcp://HOST:8786 | --scheduler local] [--timeout S] [--memory 2.5G]
        [--no-sandbox]

``SUBMISSIONS`` holds one folder per student, ``<student>/<notebook>.ipynb``. Each
notebook runs in its own sandbox (:mod:`instructor.sandbox`: bubblewrap, no network, the
course read-only, memory, time, process and output caps): its cells, then the probe of
:mod:`instructor.checks` (the grader's questions: call this function on these inputs,
read this variable), which writes plain JSON. The points are decided here, in the
grader's own process, by :func:`instructor.checks.judge` on that JSON: no code that
decides points ever runs in a process that ran student code.

Outputs, next to ``--out`` (``grades.csv``):

- ``grades.csv``: ``student``, one column per task (``03_momentum:task1`` ...),
  ``total``, and a status per notebook (``03_momentum:status``: ``ok``,
  ``error in cell N (...)``, ``timeout in cell N``, ``memory limit``, ``kernel died``,
  ``unreadable``, ``missing`` ...);
- ``grades-canvas.csv``: points per exercise in Canvas's gradebook import format (the
  student folder names are taken as the Canvas ``SIS Login ID``);
- ``grades-feedback/<student>.md``: each task's points and message;
- ``grades.state.json``: what is graded already. A run that is interrupted and started
  again does not regrade a notebook whose file, checks and limits are unchanged.

A broken or hostile notebook costs its student points, never the run; the submitted files
are only read. The exit status is non-zero only when the grader cannot run (a folder that
does not exist, an unknown exercise, no sandbox, an unreachable scheduler).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib
import json
import math
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import as_completed as futures_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from instructor import sandbox as sb

__all__ = ["Job", "find_submissions", "grade", "main", "parse_memory"]

DEFAULT_TIMEOUT = 300.0
PROBE_TIMEOUT = 60.0
NOTEBOOK_CAP = 20_000_000
STATE_VERSION = 1


@dataclass
class Job:
    """One student's notebook to grade (or already decided: missing, unreadable)."""

    student: str
    notebook: str
    data: bytes | None = None
    digest: str = ""
    status: str | None = None  # set when there is nothing to run
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.student}/{self.notebook}"


def display_name(name: str) -> str:
    """A folder name as text: undecodable bytes become ``\\xNN`` (never an encoding error)."""
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def parse_memory(text: str) -> int:
    """``"2.5G"``, ``"800M"``, ``"3000000000"`` -> bytes (powers of 1000)."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)B?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"memory must look like 2.5G or 800M, got {text!r}")
    scale = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[match.group(2).upper()]
    value = int(float(match.group(1)) * scale)
    if value < 100_000_000:
        raise ValueError(f"memory must be at least 100M (a kernel needs it), got {text!r}")
    return value


def load_checks() -> Any:
    """The instructor's checks (:mod:`instructor.checks`)."""
    return importlib.import_module("instructor.checks")


def find_submissions(root: Path, say: Callable[[str], None] = lambda _: None,
                     ) -> dict[str, dict[str, Path]]:
    """``{student: {notebook: path}}`` for every ``root/<student>/<notebook>.ipynb``.

    Hidden entries (``.ipynb_checkpoints``) are skipped; stray files are reported.
    """
    out: dict[str, dict[str, Path]] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir() or entry.is_symlink():
            say(f"skipped {display_name(entry.name)}: not a student folder "
                "(expected <student>/<notebook>.ipynb)")
            continue
        out[entry.name] = {f.stem: f for f in sorted(entry.glob("*.ipynb"))
                           if not f.name.startswith(".")}
    return out


def _read_submission(job: Job, path: Path | None) -> None:
    """Fill ``job.data`` and ``job.digest``, or decide ``job.status`` (nothing to run)."""
    if path is None:
        job.status, job.digest = "missing", "missing"
        return
    if path.is_symlink() or not path.is_file():
        job.status, job.digest = "unreadable (not a regular file)", "unreadable"
        return
    try:
        data = path.read_bytes()
    except OSError as err:
        job.status, job.digest = f"unreadable ({err.strerror})", "unreadable"
        return
    job.digest = hashlib.sha256(data).hexdigest()
    if len(data) > NOTEBOOK_CAP:
        job.status = f"unreadable (larger than {NOTEBOOK_CAP // 1_000_000} MB)"
        return
    try:
        nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception as err:  # not UTF-8, not JSON, not a notebook
        job.status = f"unreadable ({type(err).__name__})"
        return
    job.data = data


def _verdicts(checks: Any, notebook: str, answers_text: str | None) -> tuple[dict, str]:
    """Judge the answers (untrusted text) in this process: ``({key: task}, problem)``."""
    problem = ""
    answers: Any = None
    if answers_text is not None:
        try:
            answers = json.loads(answers_text)
        except (ValueError, RecursionError):
            problem = "the answers were not valid JSON"
    try:
        verdicts = checks.judge(notebook, answers)
    except Exception as err:  # the contract says never; a bug must not stop the class
        verdicts, problem = [], f"judge failed ({type(err).__name__})"
    tasks = {t.key: {"points": 0.0, "max": t.points, "status": "not solved",
                     "message": "not graded"} for t in checks.tasks(notebook)}
    for v in verdicts:
        if v.key in tasks:
            most = tasks[v.key]["max"]
            points = float(v.points) if math.isfinite(float(v.points)) else 0.0
            tasks[v.key].update(points=min(max(points, 0.0), most), status=v.status,
                                message=v.message)
    return tasks, problem


def _empty(checks: Any, notebook: str, why: str) -> dict:
    return {t.key: {"points": 0.0, "max": t.points, "status": "not solved", "message": why}
            for t in checks.tasks(notebook)}


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


class _State:
    """``<out>.state.json``: finished notebooks, written after each one (atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, Any] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == STATE_VERSION:
                self.entries = dict(data["entries"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass

    def get(self, job: Job, settings: str) -> dict | None:
        entry = self.entries.get(job.key)
        if isinstance(entry, dict) and entry.get("digest") == job.digest \
                and entry.get("settings") == settings:
            return entry["result"]
        return None

    def put(self, job: Job, settings: str) -> None:
        self.entries[job.key] = {"digest": job.digest, "settings": settings,
                                 "result": job.result}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"version": STATE_VERSION, "entries": self.entries}),
                       encoding="utf-8")
        os.replace(tmp, self.path)


class _Runner:
    """Runs jobs with threads on this machine, or on a Dask cluster."""

    def __init__(self, jobs: int, scheduler: str | None) -> None:
        self.client = self.cluster = self.pool = None
        if scheduler is None:
            self.pool = ThreadPoolExecutor(max_workers=jobs)
            return
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise RuntimeError("--scheduler needs Dask: pip install -e '.[grading]' "
                               "(the grader's machine and every worker)") from err
        try:
            if scheduler == "local":
                self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1,
                                            dashboard_address=":0")
                self.client = Client(self.cluster)
            else:
                self.client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as err:
            raise RuntimeError(f"cannot reach the Dask scheduler at {scheduler!r}: {err}"
                               ) from err

    def run(self, tasks: list[tuple[Job, tuple]]) -> Iterator[tuple[Job, dict]]:
        by_future = {}
        for job, args in tasks:
            if self.client is not None:
                future = self.client.submit(sb.run_submission, *args, pure=False)
            else:
                future = self.pool.submit(sb.run_submission, *args)
            by_future[future] = job
        if self.client is not None:
            from distributed import as_completed
            done: Iterable = as_completed(list(by_future))
        else:
            done = futures_completed(list(by_future))
        for future in done:
            yield by_future[future], future.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _outputs(out: Path) -> tuple[Path, Path, Path]:
    stem = out.with_suffix("")
    return (stem.with_name(stem.name + "-canvas.csv"), stem.with_name(stem.name + "-feedback"),
            stem.with_name(stem.name + ".state.json"))


def _fmt(points: float) -> str:
    return f"{round(points, 6):g}"


def grade(
    root: str | Path,
    out: str | Path,
    *,
    notebooks: Iterable[str] | None = None,
    jobs: int = 1,
    scheduler: str | None = None,
    limits: sb.Limits | None = None,
    sandbox: bool = True,
    checks: Any = None,
    progress: Callable[[str], None] | None = None,
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
    limits : instructor.sandbox.Limits, optional
        Time, memory, process and output caps of each notebook.
    sandbox : bool
        ``False`` runs notebooks without bubblewrap (trusted notebooks only).
    checks : module, optional
        The checks (default :mod:`instructor.checks`): ``notebooks``, ``tasks``,
        ``probe_source``, ``judge``, ``fingerprint``.
    progress : callable, optional
        Called with each progress line (default: print to stderr).

    Returns
    -------
    list of dict
        The CSV rows.

    Raises
    ------
    FileNotFoundError
        If ``root`` is not a directory.
    ValueError
        If ``notebooks`` names an unknown exercise, or ``out`` lies inside ``root``.
    RuntimeError
        If the sandbox is missing (and ``sandbox`` is true), or the scheduler unreachable.
    """
    root, out = Path(root), Path(out)
    limits = limits or sb.Limits()
    checks = checks or load_checks()
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    if not root.is_dir():
        raise FileNotFoundError(f"submissions folder {str(root)!r} does not exist")
    if out.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"--out {str(out)!r} must not be inside the submissions folder")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    known = list(checks.notebooks())
    subs = find_submissions(root, say)
    if notebooks is None:
        names = sorted({nb for files in subs.values() for nb in files if nb in known})
    else:
        names = list(notebooks)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"unknown exercise(s) {unknown}; the gradable ones are {known}")
    for student, files in subs.items():
        for extra in sorted(set(files) - set(names)):
            say(f"skipped {display_name(student)}/{extra}.ipynb: not an exercise being graded")
    if sandbox and scheduler is None:
        problem = sb.sandbox_problem()
        if problem:
            raise RuntimeError(problem)
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas_csv, feedback_dir, state_path = _outputs(out)
    state = _State(state_path)
    settings = {n: hashlib.sha256(json.dumps(
        [checks.fingerprint(n), sb.limits_dict(limits), sandbox]).encode()).hexdigest()
        for n in names}
    plan = [Job(student, name) for student in subs for name in names]
    bar = Progress(len(plan), say)
    to_run = []
    for job in plan:
        _read_submission(job, subs[job.student].get(job.notebook))
        cached = state.get(job, settings[job.notebook])
        if cached is not None:
            job.result = cached
            bar.step(f"{_label(job)} (already graded)", ran=False)
        elif job.status is not None:
            job.result = {"status": job.status, "seconds": 0.0,
                          "tasks": _empty(checks, job.notebook, f"the notebook is {job.status}")}
            state.put(job, settings[job.notebook])
            bar.step(_label(job), ran=False)
        else:
            to_run.append(job)
    runner = _Runner(jobs, scheduler)  # an unreachable scheduler fails here
    try:
        if to_run:
            tasks = []
            for job in to_run:
                out_file = None if sandbox else str(
                    Path(os.environ.get("TMPDIR", "/tmp")) / f"grade-{uuid.uuid4().hex}" /
                    "out" / "answers.json")
                probe = checks.probe_source(job.notebook, out_file or sb.OUT_FILE)
                tasks.append((job, (job.data, probe, sb.limits_dict(limits), sandbox,
                                    out_file)))
            for job, result in runner.run(tasks):
                task_points, problem = _verdicts(checks, job.notebook, result["answers"])
                status = result["status"] if not problem else f"{result['status']}; {problem}"
                job.result = {"status": status, "seconds": result["seconds"],
                              "tasks": task_points}
                state.put(job, settings[job.notebook])
                bar.step(_label(job), ran=True)
    except BaseException:
        sb.STOP.set()  # running sandboxes are killed; finished notebooks are saved
        raise
    finally:
        runner.close()
        sb.STOP.clear()
    rows = _rows(plan, subs, names, checks)
    _write_csv(out, rows, names, checks)
    _write_canvas(canvas_csv, plan, subs, names, checks)
    _write_feedback(feedback_dir, plan)
    return rows


def _label(job: Job) -> str:
    tasks = job.result.get("tasks", {})
    got = sum(t["points"] for t in tasks.values())
    most = sum(t["max"] for t in tasks.values())
    return (f"{display_name(job.student)}/{job.notebook}: {_fmt(got)}/{_fmt(most)} points, "
            f"{job.result.get('status')}, {job.result.get('seconds', 0):.1f} s")


def _columns(names: list[str], checks: Any) -> list[str]:
    return [t.key for n in names for t in checks.tasks(n)]


def _rows(plan: list[Job], subs: dict, names: list[str], checks: Any) -> list[dict[str, Any]]:
    rows = []
    by_student: dict[str, list[Job]] = {}
    for job in plan:
        by_student.setdefault(job.student, []).append(job)
    for student in subs:
        row: dict[str, Any] = {"student": display_name(student)}
        total = 0.0
        for job in by_student.get(student, []):
            for key, task in job.result["tasks"].items():
                row[key] = _fmt(task["points"])
                total += task["points"]
            row[f"{job.notebook}:status"] = job.result["status"]
        row["total"] = _fmt(total)
        rows.append(row)
    return rows


def _write_csv(out: Path, rows: list[dict], names: list[str], checks: Any) -> None:
    fields = ["student", *_columns(names, checks), "total", *[f"{n}:status" for n in names]]
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _write_canvas(path: Path, plan: list[Job], subs: dict, names: list[str],
                  checks: Any) -> None:
    """Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, one column
    per exercise, and the "Points Possible" row."""
    head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    possible = [_fmt(sum(t.points for t in checks.tasks(n))) for n in names]
    points = {(j.student, j.notebook): sum(t["points"] for t in j.result["tasks"].values())
              for j in plan}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*head, *names])
        writer.writerow(["Points Possible", "", "", "", "", *possible])
        for student in subs:
            name = display_name(student)
            writer.writerow([name, "", "", name, "",
                             *[_fmt(points[(student, n)]) for n in names]])


def _write_feedback(folder: Path, plan: list[Job]) -> None:
    folder.mkdir(exist_ok=True)
    by_student: dict[str, list[Job]] = {}
    for job in plan:
        by_student.setdefault(job.student, []).append(job)
    for student, student_jobs in by_student.items():
        name = display_name(student)
        lines = [f"# Feedback for {name}", ""]
        for job in student_jobs:
            tasks = job.result["tasks"]
            got = sum(t["points"] for t in tasks.values())
            most = sum(t["max"] for t in tasks.values())
            lines += [f"## {job.notebook}: {_fmt(got)} / {_fmt(most)} points", "",
                      f"Run: {job.result['status']}.", ""]
            for key, t in tasks.items():
                lines.append(f"- **{key.split(':')[-1]}** ({_fmt(t['points'])} / "
                             f"{_fmt(t['max'])}, {t['status']}): {t['message']}")
            lines.append("")
        (folder / f"{name}.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m instructor.grade",
        description="Grade <student>/<notebook>.ipynb in sandboxes into a CSV, a Canvas CSV "
                    "and feedback files.")
    parser.add_argument("submissions", help="folder with one sub-folder per student")
    parser.add_argument("--out", default="grades.csv", help="CSV to write (default grades.csv)")
    parser.add_argument("--notebooks", default=None,
                        help="comma-separated exercises to grade (default: all submitted)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks at once (default 1)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler tcp://HOST:8786, or 'local' for a local cluster")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds for a notebook's cells (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--probe-timeout", type=float, default=PROBE_TIMEOUT,
                        help=f"seconds for the grader's questions (default {PROBE_TIMEOUT:g})")
    parser.add_argument("--memory", default="2.5G", help="memory per notebook (default 2.5G)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run notebooks without bubblewrap: only for notebooks you trust")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.probe_timeout <= 0:
        parser.error(f"timeouts must be > 0, got {args.timeout:g} and {args.probe_timeout:g}")
    try:
        limits = sb.Limits(timeout=args.timeout, probe_timeout=args.probe_timeout,
                           memory=parse_memory(args.memory))
    except ValueError as err:
        parser.error(str(err))
    names = [n.strip() for n in args.notebooks.split(",") if n.strip()] \
        if args.notebooks else None
    try:
        rows = grade(args.submissions, args.out, notebooks=names, jobs=args.jobs,
                     scheduler=args.scheduler, limits=limits, sandbox=not args.no_sandbox)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished notebooks are saved; run the same command to go on",
              file=sys.stderr)
        return 130
    print(f"graded {len(rows)} student(s) into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

