"""Grade a folder of submitted exercise notebooks: CSV, Canvas CSV and feedback per student.

::

    python -m instructor.grade SUBMISSIONS --out grades.csv [--notebooks A,B] [--jobs N]
        [--scheduler tcp://HOST:8786 | --scheduler local] [--timeout S] [--memory 2.5G]
        [--max-notebook 10M] [--secret-file PATH] [--no-sandbox]

``SUBMISSIONS`` holds one folder per student, ``<student>/<notebook>.ipynb``. Each
notebook runs in its own sandbox (:mod:`instructor.sandbox`: bubblewrap, no network, the
course read-only, a memory cgroup, time, process and size caps): its cells, then the probe
of :mod:`instructor.checks` for the student's variant (the grader's questions), which
writes plain JSON; the runner sends it back on a pipe no student process can write. The
points are decided here, in the grader's own process, by :func:`instructor.checks.judge`
on that JSON: no code that decides points ever runs in a process that ran student code.

Outputs, next to ``--out`` (``grades.csv``):

- ``grades.csv``: ``student``, one column per task (``03_momentum:task1`` ...),
  ``total``, and a status per notebook (``03_momentum:status``: ``ok``,
  ``error in cell N (...)``, ``timeout in cell N``, ``memory limit in cell N``,
  ``kernel died in cell N``, ``too large (...)``, ``too many cells (...)``, ``unreadable``,
  ``missing`` ...);
- ``grades-canvas.csv``: points per exercise in Canvas's gradebook import format (the
  student ids are taken as the Canvas ``SIS Login ID``);
- ``grades-feedback/<student>.md`` and ``.html``: each task's points and message, student
  text escaped;
- ``grades.state.json``: what is graded already (the default store). A run that is
  interrupted and started again does not regrade a notebook whose file, checks, limits and
  variant are unchanged;
- ``grades.secret``: the course secret the variants derive from (unless ``--secret-file``).

A broken or hostile notebook costs its student points, never the run; the submitted files
are only read. The exit status is non-zero only when the grader cannot run (a folder that
does not exist, an unknown exercise, no sandbox, an unreachable scheduler).

The work is done by the modules of :mod:`instructor.grading`; this module is the command
line and keeps the names other code imports.
"""

from __future__ import annotations

import sys

from instructor.grading.cli import main
from instructor.grading.discovery import find_students
from instructor.grading.limits import Limits
from instructor.grading.pipeline import grade
from instructor.grading.reading import Job
from instructor.grading.verdicts import load_checks

__all__ = ["Job", "Limits", "find_students", "grade", "load_checks", "main"]

if __name__ == "__main__":
    sys.exit(main())
