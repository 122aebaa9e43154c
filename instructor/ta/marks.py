"""Points of one student for one exercise: autograde + rubric - late penalty, each visible.

The checks (:mod:`instructor.checks`, convention 1) list the tasks: ``.key .title .points``,
``.kind`` (``"code"``: points from the autograder; ``"written"``: points from the rubric a
teaching assistant ticks) and ``.rubric`` (items with ``.id .text .points``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from instructor.ta.config import Course
from instructor.ta.gradebook import Gradebook, GradebookError

__all__ = ["ExerciseMark", "TaskMark", "kind", "mark", "rubric", "rubric_points",
           "written_tasks"]


def kind(task: Any) -> str:
    return getattr(task, "kind", "code") or "code"


def rubric(task: Any) -> tuple:
    return tuple(getattr(task, "rubric", ()) or ())


def written_tasks(checks: Any, notebooks: list[str]) -> list[Any]:
    return [t for nb in notebooks for t in checks.tasks(nb) if kind(t) == "written"]


def rubric_points(task: Any, items: list[str], who: str = "") -> float:
    """Points of the checked ``items``; GradebookError naming an item the spec lacks."""
    by_id = {r.id: r for r in rubric(task)}
    unknown = [i for i in items if i not in by_id]
    if unknown:
        raise GradebookError(
            f"rubric item(s) {unknown} of {task.key}{' for ' + who if who else ''} do not "
            f"exist in the exercise's spec (its items: {sorted(by_id)}); after changing a "
            f"rubric run: python -m instructor.ta regrade --task {task.key}")
    return float(min(task.points, max(0.0, sum(by_id[i].points for i in items))))


@dataclass
class TaskMark:
    key: str
    title: str
    kind: str
    max: float
    points: float
    status: str
    message: str = ""
    items: list[tuple[str, str, float, bool]] = field(default_factory=list)
    comment: str = ""
    grader: str = ""


@dataclass
class ExerciseMark:
    student: str
    notebook: str
    status: str                 # "missing", "on time", "late"
    submitted_at: str | None
    deadline: datetime
    extension: str              # "" or "until ... (reason)"
    days_late: int
    penalty_share: float
    possible: float
    tasks: list[TaskMark]
    run_status: str = ""

    @property
    def raw(self) -> float:
        return sum(t.points for t in self.tasks)

    @property
    def penalty(self) -> float:
        return round(self.penalty_share * self.possible, 6)

    @property
    def total(self) -> float:
        return max(0.0, round(self.raw - self.penalty, 6))

    @property
    def ungraded(self) -> list[str]:
        return [t.key for t in self.tasks if t.status in ("not graded yet",
                                                          "not autograded yet")]


def mark(book: Gradebook, course: Course, checks: Any, student: str, notebook: str
         ) -> ExerciseMark:
    tasks = list(checks.tasks(notebook))
    possible = float(sum(t.points for t in tasks))
    deadline = course.deadline(notebook)
    ext = book.extension(student, notebook)
    effective = deadline if ext is None else datetime.fromisoformat(ext["until"])
    ext_text = "" if ext is None else \
        f"until {ext['until']}" + (f" ({ext['reason']})" if ext["reason"] else "")
    sub = book.latest(student, notebook)
    if sub is None:
        marks = [TaskMark(t.key, t.title, kind(t), float(t.points), 0.0, "missing",
                          "no submission") for t in tasks]
        return ExerciseMark(student, notebook, "missing", None, effective, ext_text, 0, 0.0,
                            possible, marks)
    submitted = datetime.fromisoformat(sub["submitted_at"])
    days = course.late.days_late(submitted, effective)
    auto = book.autograde(student, notebook, sub["sha256"])
    out = []
    for t in tasks:
        if kind(t) == "written":
            score = book.score(student, t.key)
            items = score["items"] if score else []
            checked = set(items)
            listed = [(r.id, r.text, float(r.points), r.id in checked) for r in rubric(t)]
            if score is None:
                tm = TaskMark(t.key, t.title, "written", float(t.points), 0.0,
                              "not graded yet", "", listed)
            else:
                tm = TaskMark(t.key, t.title, "written", float(t.points),
                              rubric_points(t, items, student), "graded", "", listed,
                              score["comment"], score["grader"])
        else:
            got = (auto or {}).get("tasks", {}).get(t.key)
            if auto is None or got is None:
                tm = TaskMark(t.key, t.title, "code", float(t.points), 0.0,
                              "not autograded yet", "")
            else:
                tm = TaskMark(t.key, t.title, "code", float(t.points),
                              float(min(t.points, max(0.0, got["points"]))), got["status"],
                              got["message"])
        over = book.override(student, t.key)
        if over is not None:
            tm.message = (f"{tm.message} " if tm.message else "") + \
                f"[points changed by {over['grader']} from {tm.points:g} to " \
                f"{over['points']:g}: {over['reason']}]"
            tm.points = float(min(t.points, max(0.0, over["points"])))
        out.append(tm)
    return ExerciseMark(student, notebook, "late" if days else "on time", sub["submitted_at"],
                        effective, ext_text, days, course.late.penalty(days), possible, out,
                        (auto or {}).get("status", "not autograded yet"))
