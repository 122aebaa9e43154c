"""Autograde the collected submissions with the course's grader, results into the gradebook.

The grader (:func:`instructor.grade.grade`: sandbox, hidden checks judged outside) grades a
folder ``<student>/<notebook>.ipynb``; this module lays out the latest snapshot of each
student in a private temporary folder and calls it with the gradebook as its store
(``store=``, HELPERS.md convention 2: ``get``/``put``): every finished notebook is committed
to the gradebook as it comes, an interrupted run loses none, and a second run grades only
what changed (another file, other checks or limits). The course secret (``course.secret``)
is passed on, so each student's hidden cases are the same in every run and regrade.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from instructor.ta.gradebook import Gradebook

__all__ = ["autograde"]


def autograde(book: Gradebook, notebooks: list[str], *, students: list[str] | None = None,
              jobs: int = 1, sandbox: bool = True, limits: Any = None, checks: Any = None,
              secret_file: Path | None = None, say: Callable[[str], None] | None = None
              ) -> list[str]:
    """Grade the latest submission of each student (or of ``students``) for ``notebooks``."""
    from instructor import grade as grader

    say = say or (lambda line: print(line, file=sys.stderr, flush=True))
    work = Path(tempfile.mkdtemp(prefix="ta-autograde-"))
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
        grader.grade(subs, work / "out" / "grades.csv", notebooks=present, jobs=jobs,
                     sandbox=sandbox, limits=limits, checks=checks, progress=say, store=book,
                     secret_file=secret_file)
        return [f"graded {', '.join(present)} for {len(list(subs.iterdir()))} student(s)"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
