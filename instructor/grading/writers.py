"""The outputs: the grades CSV, the Canvas CSV, and feedback per student (Markdown, HTML).

Every string a student controls was cleaned when it was stored (one line, bounded, no
control characters); here it is escaped for where it goes: CSV cells that a spreadsheet
would read as a formula get a leading ``'``; in Markdown every character that could open
a heading, a link, an image, emphasis or raw HTML is escaped; in HTML everything is
:func:`html.escape`-d under a Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from instructor.grading.discovery import Student
from instructor.grading.reading import Job
from instructor.grading.text import csv_cell, markdown

__all__ = ["fmt", "output_paths", "rows", "write_canvas", "write_csv", "write_feedback"]

CSP = "default-src 'none'; style-src 'unsafe-inline'"


def fmt(points: float) -> str:
    return f"{round(points, 6):g}"


def output_paths(out: Path) -> dict[str, Path]:
    """The files next to ``out`` (``grades.csv``): canvas, feedback, state, secret."""
    stem = out.with_suffix("")
    return {"canvas": stem.with_name(stem.name + "-canvas.csv"),
            "feedback": stem.with_name(stem.name + "-feedback"),
            "state": stem.with_name(stem.name + ".state.json"),
            "secret": stem.with_name(stem.name + ".secret")}


def _by_student(plan: list[Job]) -> dict[str, list[Job]]:
    out: dict[str, list[Job]] = {}
    for job in plan:
        out.setdefault(job.stem, []).append(job)
    return out


def rows(plan: list[Job], students: list[Student]) -> list[dict[str, Any]]:
    """One row per student: ``student``, points per task, ``total``, status per notebook."""
    by_student = _by_student(plan)
    out = []
    for student in students:
        row: dict[str, Any] = {"student": student.id}
        total = 0.0
        for job in by_student.get(student.stem, []):
            for key, task in job.result["tasks"].items():
                row[key] = fmt(task["points"])
                total += task["points"]
            row[f"{job.notebook}:status"] = job.result["status"]
        row["total"] = fmt(total)
        out.append(row)
    return out


def write_csv(out: Path, table: list[dict], columns: list[str], names: list[str]) -> None:
    fields = ["student", *columns, "total", *[f"{n}:status" for n in names]]
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in table)


def write_canvas(path: Path, plan: list[Job], students: list[Student], names: list[str],
                 possible: list[float]) -> None:
    """Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, one column
    per exercise, and the "Points Possible" row."""
    head = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    points = {(j.stem, j.notebook): sum(t["points"] for t in j.result["tasks"].values())
              for j in plan}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([*head, *names])
        writer.writerow(["Points Possible", "", "", "", "", *[fmt(p) for p in possible]])
        for s in students:
            name = csv_cell(s.id)
            writer.writerow([name, "", "", name, "",
                             *[fmt(points[(s.stem, n)]) for n in names]])


def _markdown(student: Student, jobs: list[Job]) -> str:
    lines = [f"# Feedback for {markdown(student.id)}", ""]
    for job in jobs:
        tasks = job.result["tasks"]
        got = sum(t["points"] for t in tasks.values())
        most = sum(t["max"] for t in tasks.values())
        lines += [f"## {job.notebook}: {fmt(got)} / {fmt(most)} points", "",
                  f"Run: {markdown(job.result['status'])}.", ""]
        for key, t in tasks.items():
            lines.append(f"- **{key.split(':')[-1]}** ({fmt(t['points'])} / "
                         f"{fmt(t['max'])}, {markdown(t['status'])}): {markdown(t['message'])}")
        lines.append("")
    return "\n".join(lines)


def _html(student: Student, jobs: list[Job]) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
             f"<title>Feedback for {e(student.id)}</title>",
             "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
             "td,th{padding:.2em .6em;text-align:left;vertical-align:top}</style>",
             f"</head><body><h1>Feedback for {e(student.id)}</h1>"]
    for job in jobs:
        tasks = job.result["tasks"]
        got = sum(t["points"] for t in tasks.values())
        most = sum(t["max"] for t in tasks.values())
        parts += [f"<h2>{e(job.notebook)}: {fmt(got)} / {fmt(most)} points</h2>",
                  f"<p>Run: {e(job.result['status'])}.</p>",
                  "<table><tr><th>task</th><th>points</th><th>result</th><th>message</th></tr>"]
        for key, t in tasks.items():
            parts.append(f"<tr><td>{e(key.split(':')[-1])}</td>"
                         f"<td>{fmt(t['points'])} / {fmt(t['max'])}</td>"
                         f"<td>{e(t['status'])}</td><td>{e(t['message'])}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_feedback(folder: Path, plan: list[Job], students: list[Student],
                   say: Callable[[str], None]) -> None:
    """``<stem>.md`` and ``<stem>.html`` per student; a failure costs one student's file."""
    folder.mkdir(exist_ok=True)
    by_student = _by_student(plan)
    for student in students:
        jobs = by_student.get(student.stem, [])
        try:
            (folder / f"{student.stem}.md").write_text(_markdown(student, jobs),
                                                       encoding="utf-8")
            (folder / f"{student.stem}.html").write_text(_html(student, jobs),
                                                         encoding="utf-8")
        except (OSError, ValueError) as err:
            say(f"feedback for {student.id} not written: {type(err).__name__}: {err}")
