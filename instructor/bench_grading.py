"""The grader's part of ``make bench``: throughput, sandbox overhead, fixed cost per notebook.

:func:`measure_grading` grades one small class (a copy of each exercise's solution per
student, by default) three ways, in one run so that the ratios share the machine's load:

- ``python -m instructor.grade`` with ``--jobs 1`` and ``--jobs 2``: notebooks per minute;
- each notebook in the sandbox and without it (``--no-sandbox``), interleaved: the ratio of
  the total times is the sandbox's overhead (budget :data:`SANDBOX_RATIO`);
- the fixed cost per notebook: its whole grading time minus the time its cells ran
  (sandbox and runner start, kernel start, the probe, clean-up).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instructor import grade as g
from instructor import sandbox as sb

__all__ = ["SANDBOX_RATIO", "GradingBench", "format_section", "measure_grading",
           "solution_class"]

#: total grading time in the sandbox over the same without it
SANDBOX_RATIO = 1.15
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class GradingBench:
    """What :func:`measure_grading` measured (seconds)."""

    notebooks: int
    jobs_seconds: dict[int, float] = field(default_factory=dict)
    sandbox_seconds: list[float] = field(default_factory=list)
    plain_seconds: list[float] = field(default_factory=list)
    fixed_seconds: list[float] = field(default_factory=list)

    def per_minute(self, jobs: int) -> float:
        """Notebooks graded per minute with ``--jobs jobs``."""
        return 60 * self.notebooks / self.jobs_seconds[jobs]

    @property
    def ratio(self) -> float:
        """Sandbox time over no-sandbox time, same notebooks."""
        return sum(self.sandbox_seconds) / sum(self.plain_seconds)

    def problems(self) -> list[str]:
        if self.ratio > SANDBOX_RATIO:
            return [f"sandbox overhead {self.ratio:.2f} x > {SANDBOX_RATIO:.2f}"]
        return []


def solution_class(folder: Path, checks: Any, students: int = 2,
                   notebooks: Sequence[str] | None = None) -> list[str]:
    """Write ``students`` copies of each gradable solution into ``folder``; their names."""
    names = list(notebooks or checks.notebooks())
    for k in range(students):
        (folder / f"student{k}").mkdir(parents=True)
        for name in names:
            source = ROOT / "solutions" / f"{name}.ipynb"
            (folder / f"student{k}" / source.name).write_bytes(source.read_bytes())
    return names


def measure_grading(submissions: Path, checks: Any, limits: sb.Limits | None = None,
                    jobs: Sequence[int] = (1, 2)) -> GradingBench:
    """Grade ``submissions`` with each ``jobs``, then each notebook with and without sandbox."""
    limits = limits or sb.Limits()
    files = sorted(submissions.glob("*/*.ipynb"))
    result = GradingBench(len(files))
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        for n in jobs:
            start = time.perf_counter()
            g.grade(submissions, Path(tmp) / f"jobs{n}.csv", jobs=n, limits=limits,
                    checks=checks, progress=lambda _: None)
            result.jobs_seconds[n] = time.perf_counter() - start
    for k, path in enumerate(files):
        data = path.read_bytes()
        for sandbox in ((True, False) if k % 2 == 0 else (False, True)):
            out_file = sb.OUT_FILE if sandbox else _plain_out()
            probe = checks.probe_source(path.stem, out_file)
            start = time.perf_counter()
            done = sb.run_submission(data, probe, limits, sandbox=sandbox, out_file=out_file)
            seconds = time.perf_counter() - start
            if sandbox:
                result.sandbox_seconds.append(seconds)
                if done["cell_seconds"] is not None:
                    result.fixed_seconds.append(seconds - done["cell_seconds"])
            else:
                result.plain_seconds.append(seconds)
    return result


def _plain_out() -> str:
    import uuid

    return str(Path(tempfile.gettempdir()) / f"grade-{uuid.uuid4().hex}" / "out" /
               "answers.json")


def format_section(bench: GradingBench | None) -> list[str]:
    """The report's "Grading" section (markdown lines)."""
    lines = ["", "## Grading", ""]
    if bench is None:
        return [*lines, "Not measured in this run."]
    fixed = statistics.median(bench.fixed_seconds) if bench.fixed_seconds else float("nan")
    status = "ok" if not bench.problems() else "**over budget**"
    lines += [
        f"`python -m instructor.grade` on {bench.notebooks} submitted notebooks (copies of the "
        "solutions), each in its sandbox, then each notebook with and without the sandbox, "
        "interleaved.",
        "",
        "| | value |",
        "| --- | ---: |",
        *[f"| throughput, `--jobs {n}` (notebooks / minute) | {bench.per_minute(n):.1f} |"
          for n in sorted(bench.jobs_seconds)],
        f"| sandbox / no sandbox, total time | {bench.ratio:.2f} |",
        f"| fixed cost per notebook beyond its cells, median (s) | {fixed:.1f} |",
        "",
        f"Sandbox overhead {bench.ratio:.2f} (budget ≤ {SANDBOX_RATIO:.2f}): {status}.",
    ]
    return lines
