"""Autograde the collected submissions with the course's grader, results into the gradebook.

The grader (:func:`instructor.grade.grade`: sandbox, hidden checks judged outside) grades a
folder ``<student>/<notebook>.ipynb``; this module lays out the latest snapshot of each
student in a private temporary folder and calls it. The gradebook is the grader's store
(``get``/``put``, HELPERS.md convention 2) when ``grade()`` takes ``store=``; otherwise
the grader's resume-state file is seeded from the gradebook before the run and each result
is copied into the gradebook as it comes (on every progress line), so an interrupted run
loses no finished notebook and a second run grades only what changed.
"""

from __future__ import annotations

import inspect
import json
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from instructor.ta.gradebook import Gradebook

__all__ = ["autograde", "import_state"]


def import_state(book: Gradebook, state_path: Path, known: set[tuple]) -> int:
    """Copy new entries of the grader's ``*.state.json`` into the gradebook."""
    try:
        entries = json.loads(state_path.read_text(encoding="utf-8"))["entries"]
    except (OSError, ValueError, KeyError, TypeError):
        return 0
    count = 0
    for key, entry in entries.items():
        student, _, notebook = key.rpartition("/")
        ident = (student, notebook, entry.get("digest"), entry.get("settings"))
        if ident in known or not isinstance(entry.get("result"), dict):
            continue
        book.put(student, notebook, entry["digest"], entry["settings"], entry["result"])
        known.add(ident)
        count += 1
    return count


def _seed_state(book: Gradebook, state_path: Path, known: set[tuple]) -> None:
    entries = {}
    for row in book.db.execute("SELECT * FROM autograde ORDER BY graded_at, rowid"):
        entries[f"{row['student']}/{row['notebook']}"] = {
            "digest": row["digest"], "settings": row["settings"],
            "result": json.loads(row["result"])}
        known.add((row["student"], row["notebook"], row["digest"], row["settings"]))
    state_path.write_text(json.dumps({"version": 1, "entries": entries}), encoding="utf-8")


def autograde(book: Gradebook, notebooks: list[str], *, students: list[str] | None = None,
              jobs: int = 1, sandbox: bool = True, limits: Any = None, checks: Any = None,
              secret_file: Path | None = None, say: Callable[[str], None] | None = None
              ) -> list[str]:
    """Grade the latest submission of each student (or of ``students``) for ``notebooks``."""
    from instructor import grade as grader

    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    work = Path(tempfile.mkdtemp(prefix="ta-autograde-"))
    lines = []
    try:
        subs = work / "submissions"
        subs.mkdir()
        wanted = set(students) if students is not None else None
        for s in book.students():
            if wanted is not None and s["id"] not in wanted:
                continue
            for nb in notebooks:
                latest = book.latest(s["id"], nb)
                if latest is None:
                    continue
                (subs / s["id"]).mkdir(exist_ok=True)
                shutil.copyfile(latest["path"], subs / s["id"] / f"{nb}.ipynb")
        present = sorted({p.stem for p in subs.glob("*/*.ipynb")})
        if not present:
            return ["nothing to grade: no submission collected for " + ", ".join(notebooks)]
        out = work / "out" / "grades.csv"
        kwargs: dict[str, Any] = {"notebooks": present, "jobs": jobs, "sandbox": sandbox,
                                  "limits": limits, "checks": checks}
        accepts = inspect.signature(grader.grade).parameters
        if "secret_file" in accepts and secret_file is not None:
            kwargs["secret_file"] = secret_file  # the same variants in every run and regrade
        if "store" in accepts:
            kwargs["store"] = book
            grader.grade(subs, out, progress=say, **kwargs)
        else:
            out.parent.mkdir()
            state = out.with_name("grades.state.json")
            known: set[tuple] = set()
            _seed_state(book, state, known)

            def progress(line: str) -> None:
                import_state(book, state, known)
                say(line)

            try:
                grader.grade(subs, out, progress=progress, **kwargs)
            finally:
                import_state(book, state, known)
        lines.append(f"graded {', '.join(present)} for "
                     f"{len(list(subs.iterdir()))} student(s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lines
