"""Grade a folder of submitted exercise notebooks into a CSV.

::

    python -m instructor.grade SUBMISSIONS_DIR --out grades.csv [--timeout 300]
                            [--notebooks 01_overfitting,03_momentum]

``SUBMISSIONS_DIR`` holds one folder per student, ``<student>/<notebook>.ipynb``.
For each student and notebook the grader

1. copies the notebook to a temporary directory (the submitted file is only read);
2. removes the check cells (tagged ``check`` or calling ``check_task`` /
   ``helpers.selfcheck``): a student cannot earn points by editing or deleting them;
3. runs the remaining cells in a fresh kernel (nbclient), going on past cells that
   raise, within ``--timeout`` seconds for the whole notebook (a cell that runs
   past it is interrupted);
4. runs the instructor's checks (:func:`helpers.selfcheck.score_task`, freshly
   reloaded from this installation) in the same kernel, one task at a time.

The CSV has a row per student: ``student``, one column per task
(``01_overfitting:task1`` ...) with its points, ``total`` and ``error`` (the first
problem of each notebook: unreadable, a cell that raised, a timeout, missing). A
broken notebook costs its student points, never the run: the exit status is
non-zero only when the grader itself cannot run (e.g. the folder does not exist).
The grader is not a sandbox: run it on submissions you are willing to execute.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from helpers.selfcheck import GRADE_MARK, TASKS

__all__ = ["NotebookResult", "find_submissions", "grade", "grade_notebook", "is_check_cell"]

DEFAULT_TIMEOUT = 300.0
CHECK_TIMEOUT = 60.0
CHECK_PATTERNS = ("check_task(", "helpers.selfcheck")
TIMEOUT_ENAME = "NotebookTimeout"


@dataclass
class NotebookResult:
    """Points per task of one submitted notebook, and its first problem.

    Attributes
    ----------
    points : dict of str to int
        Points by task key (``"01_overfitting:task1"``).
    error : str
        ``""`` when every cell ran; otherwise what went wrong first.
    messages : dict of str to str
        The check's verdict per task (``"ok"`` or why not).
    seconds : float
        Wall time of the whole grading of this notebook.
    """

    points: dict[str, int]
    error: str = ""
    messages: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def is_check_cell(cell: Any) -> bool:
    """Whether ``cell`` is a self-check cell (removed before grading)."""
    if cell.get("cell_type") != "code":
        return False
    if "check" in cell.get("metadata", {}).get("tags", []):
        return True
    return any(p in cell.get("source", "") for p in CHECK_PATTERNS)


def _grader_source(notebook: str, number: int) -> str:
    return (
        "import importlib as _grade_il, json as _grade_json\n"
        "import helpers.selfcheck as _grade_sc\n"
        "_grade_sc = _grade_il.reload(_grade_sc)\n"
        f"print(_grade_sc.GRADE_MARK + _grade_json.dumps("
        f"_grade_sc.score_task({notebook!r}, {number}, globals())))"
    )


def _parse_grade(cell: Any) -> tuple[int, str] | None:
    text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")
    lines = [ln[len(GRADE_MARK):] for ln in text.splitlines() if ln.startswith(GRADE_MARK)]
    if not lines:
        return None
    try:
        points, message = json.loads(lines[-1])
        return int(points), str(message)
    except (ValueError, TypeError):
        return None


def _first_error(cell: Any) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            value = str(out.get("evalue", "")).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0] if value else ''}".strip()
    return None


def _client(nb: nbformat.NotebookNode, workdir: Path) -> Any:
    from nbclient import NotebookClient

    class _Client(NotebookClient):
        timed_out = False

        async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
            self.timed_out = True
            return await super()._async_handle_timeout(timeout, cell)

    return _Client(
        nb,
        kernel_name="python3",  # never the submission's choice
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "cell interrupted", "traceback": []},
        startup_timeout=120,
        resources={"metadata": {"path": str(workdir)}},
    )


def grade_notebook(
    path: Path | None,
    notebook: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    check_timeout: float = CHECK_TIMEOUT,
) -> NotebookResult:
    """Run one submitted notebook and the instructor's checks of ``notebook``'s tasks.

    Parameters
    ----------
    path : Path or None
        The submitted file (only read, never written); ``None`` if it is missing.
    notebook : str
        Which exercise it is, e.g. ``"03_momentum"`` (a key of :data:`TASKS`).
    timeout : float
        Seconds for all of the notebook's cells together.
    check_timeout : float
        Seconds for each task's check.

    Returns
    -------
    NotebookResult
    """
    if notebook not in TASKS:
        raise ValueError(f"notebook must be one of {sorted(TASKS)}, got {notebook!r}")
    tasks = TASKS[notebook]
    result = NotebookResult({t.key: 0 for t in tasks.values()})
    start = time.perf_counter()
    if path is None or not path.is_file():
        result.error = f"missing {notebook}.ipynb"
        return result
    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        copy = Path(tmp) / path.name
        shutil.copyfile(path, copy)
        try:
            nb = nbformat.read(copy, as_version=4)
            kept = [(i, c) for i, c in enumerate(nb.cells) if not is_check_cell(c)]
        except Exception as err:  # not JSON, not a notebook
            result.error = f"cannot read the notebook ({type(err).__name__}: {err})"[:300]
            return result
        run = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3",
                                                                "display_name": "Python 3",
                                                                "language": "python"}})
        for _, c in kept:
            if c.get("cell_type") == "code":
                run.cells.append(nbformat.v4.new_code_cell(c.get("source", "")))
        origin = [i for i, c in kept if c.get("cell_type") == "code"]
        for number in tasks:
            run.cells.append(nbformat.v4.new_code_cell(_grader_source(notebook, number)))
        client = _client(run, Path(tmp))
        try:
            # the kernel's own stderr (start-up notices) is not the student's output
            with client.setup_kernel(stderr=subprocess.DEVNULL):
                deadline = time.monotonic() + timeout
                for k, cell in enumerate(run.cells[: len(origin)]):
                    left = deadline - time.monotonic()
                    if left < 1:
                        result.error = result.error or f"timeout: stopped before cell {origin[k]}"
                        break
                    client.timeout = math.ceil(left)
                    client.execute_cell(cell, k)
                    if client.timed_out:
                        result.error = result.error or (
                            f"timeout: cell {origin[k]} still running after {timeout:g} s")
                        break
                    err = _first_error(cell)
                    if err and not result.error:
                        result.error = f"cell {origin[k]} raised {err}"[:300]
                if client.timed_out and not _responds(client, min(5.0, check_timeout)):
                    result.error += "; the kernel ignored the interrupt, no check could run"
                    return _done(result, start)
                for k, number in enumerate(tasks, start=len(origin)):
                    client.timed_out = False
                    client.timeout = math.ceil(check_timeout)
                    client.execute_cell(run.cells[k], k)
                    key = tasks[number].key
                    verdict = None if client.timed_out else _parse_grade(run.cells[k])
                    if verdict is None:
                        result.messages[key] = "the check did not finish"
                        continue
                    points, message = verdict
                    result.points[key] = max(0, min(points, tasks[number].points))
                    result.messages[key] = message
        except Exception as err:  # the kernel died or could not start
            result.error = result.error or f"kernel failed ({type(err).__name__}: {err})"[:300]
    return _done(result, start)


def _done(result: NotebookResult, start: float) -> NotebookResult:
    result.seconds = time.perf_counter() - start
    return result


def _responds(client: Any, seconds: float) -> bool:
    """Whether the kernel runs a trivial cell within ``seconds`` (after an interrupt)."""
    client.timed_out = False
    client.timeout = math.ceil(seconds)
    client.execute_cell(nbformat.v4.new_code_cell("pass"), 0)
    return not client.timed_out


def find_submissions(root: Path) -> dict[str, dict[str, Path]]:
    """``{student: {notebook: path}}`` for every ``root/<student>/<notebook>.ipynb``.

    Hidden folders (``.ipynb_checkpoints``) are skipped.
    """
    out: dict[str, dict[str, Path]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        out[folder.name] = {f.stem: f for f in sorted(folder.glob("*.ipynb"))}
    return out


def grade(
    root: str | Path,
    out: str | Path,
    *,
    notebooks: Iterable[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    check_timeout: float = CHECK_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Grade every student of ``root`` and write the CSV ``out``.

    Parameters
    ----------
    root : path
        Folder with one sub-folder per student.
    out : path
        CSV to write.
    notebooks : iterable of str, optional
        Which exercises to grade; default: every known exercise that any student submitted.
    timeout, check_timeout : float
        See :func:`grade_notebook`.
    progress : callable, optional
        Called with one line per notebook (default: print to stderr).

    Returns
    -------
    list of dict
        The CSV rows.

    Raises
    ------
    FileNotFoundError
        If ``root`` is not a directory.
    ValueError
        If ``notebooks`` names an unknown exercise.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"submissions folder {str(root)!r} does not exist")
    say = progress or (lambda line: print(line, file=sys.stderr, flush=True))
    subs = find_submissions(root)
    if notebooks is None:
        names = sorted({nb for files in subs.values() for nb in files if nb in TASKS})
    else:
        names = list(notebooks)
        unknown = [n for n in names if n not in TASKS]
        if unknown:
            raise ValueError(f"notebooks must be among {sorted(TASKS)}, got {unknown}")
    for student, files in subs.items():
        for extra in sorted(set(files) - set(names)):
            say(f"skipped {student}/{extra}.ipynb: not an exercise being graded")
    columns = [t.key for n in names for t in TASKS[n].values()]
    rows: list[dict[str, Any]] = []
    total_jobs, job = len(subs) * len(names), 0
    for student, files in subs.items():
        row: dict[str, Any] = {"student": student}
        errors = []
        for name in names:
            job += 1
            res = grade_notebook(files.get(name), name, timeout=timeout,
                                 check_timeout=check_timeout)
            row.update(res.points)
            if res.error:
                errors.append(f"{name}: {res.error}")
            got, most = sum(res.points.values()), sum(t.points for t in TASKS[name].values())
            say(f"[{job}/{total_jobs}] {student}/{name}.ipynb: {got}/{most} points, "
                f"{res.seconds:.1f} s" + (f" ({res.error})" if res.error else ""))
        row["total"] = sum(row[c] for c in columns)
        row["error"] = "; ".join(errors)
        rows.append(row)
    out = Path(out)
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["student", *columns, "total", "error"])
        writer.writeheader()
        writer.writerows(rows)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.grade",
                                     description="Grade <student>/<notebook>.ipynb into a CSV.")
    parser.add_argument("submissions", help="folder with one sub-folder per student")
    parser.add_argument("--out", default="grades.csv", help="CSV to write (default grades.csv)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds per notebook (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--check-timeout", type=float, default=CHECK_TIMEOUT,
                        help=f"seconds per task check (default {CHECK_TIMEOUT:g})")
    parser.add_argument("--notebooks", default=None,
                        help="comma-separated exercises to grade (default: all submitted)")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.check_timeout <= 0:
        parser.error(f"timeouts must be > 0, got {args.timeout:g} and {args.check_timeout:g}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    names = [n.strip() for n in args.notebooks.split(",") if n.strip()] if args.notebooks \
        else None
    try:
        rows = grade(args.submissions, args.out, notebooks=names, timeout=args.timeout,
                     check_timeout=args.check_timeout)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"graded {len(rows)} student(s) into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
