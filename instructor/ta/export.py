"""Grades out of the gradebook: grades CSV, Canvas CSV, feedback per student, returned.

- ``grades.csv``: one row per student; per task its points, per exercise its status
  (``on time``, ``late (N days, -P points)``, ``missing``), its late penalty and total;
- ``canvas.csv``: Canvas's gradebook import (Student, ID, SIS User ID, SIS Login ID,
  Section, one column per exercise, a "Points Possible" row);
- ``feedback/<student>.md`` and ``.html``: every component of every exercise: each task's
  points and message, the rubric items ticked and not, the comment, the late penalty and why.
  The HTML is one self-contained page (inline style, no script, no link out), student text
  escaped.

Every cell a spreadsheet could read as a formula (starting ``= + - @``, tab or CR) is
prefixed with ``'``. :func:`return_to_hub` puts each student's feedback into
``~/feedback/`` (owned by the student, mode 0700, files 0600: nobody else can read them);
:func:`return_for_lms` writes one file per student named for the LMS.
"""

from __future__ import annotations

import csv
import html
import os
import pwd
import re
import secrets
from pathlib import Path
from typing import Any

from instructor.ta.config import Course
from instructor.ta.gradebook import Gradebook
from instructor.ta.marks import ExerciseMark, mark

__all__ = ["build", "cell", "feedback_html", "feedback_md", "return_for_lms",
           "return_to_hub", "write_exports"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: Any, limit: int = 2000) -> str:
    """Student-controlled text made printable: no control characters, bounded length."""
    text = str(text).encode("utf-8", "backslashreplace").decode("utf-8")
    text = _CONTROL.sub("?", text)
    return text if len(text) <= limit else text[:limit] + "..."


def cell(value: Any) -> str:
    """A CSV cell a spreadsheet never evaluates (formula injection)."""
    text = clean(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def fmt(points: float) -> str:
    return f"{round(points, 6):g}"


def build(book: Gradebook, course: Course, checks: Any, notebooks: list[str]
          ) -> dict[str, list[ExerciseMark]]:
    """``{student: [ExerciseMark per notebook]}`` for the whole roster."""
    return {s["id"]: [mark(book, course, checks, s["id"], nb) for nb in notebooks]
            for s in book.students()}


def status_text(m: ExerciseMark) -> str:
    if m.status == "missing":
        return "missing"
    if m.status == "late":
        return f"late ({m.days_late} day{'s' if m.days_late != 1 else ''}, " \
               f"-{fmt(m.penalty)} points)"
    return "on time"


def write_exports(book: Gradebook, course: Course, checks: Any, notebooks: list[str],
                  out: Path) -> dict[str, list[ExerciseMark]]:
    marks = build(book, course, checks, notebooks)
    out.mkdir(parents=True, exist_ok=True)
    keys = [t.key for nb in notebooks for t in checks.tasks(nb)]
    students = {s["id"]: s for s in book.students()}
    fields = ["student", *keys, *[f"{nb}:{c}" for nb in notebooks
                                  for c in ("status", "penalty", "total")], "total"]
    with (out / "grades.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(fields)
        for sid, ms in marks.items():
            row = {"student": sid, "total": fmt(sum(m.total for m in ms))}
            for m in ms:
                for t in m.tasks:
                    row[t.key] = fmt(t.points)
                row[f"{m.notebook}:status"] = status_text(m)
                row[f"{m.notebook}:penalty"] = fmt(m.penalty)
                row[f"{m.notebook}:total"] = fmt(m.total)
            w.writerow([cell(row.get(k, "")) for k in fields])
    with (out / "canvas.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *notebooks])
        w.writerow(["Points Possible", "", "", "", "",
                    *[fmt(sum(t.points for t in checks.tasks(nb))) for nb in notebooks]])
        for sid, ms in marks.items():
            s = students[sid]
            w.writerow([cell(x) for x in (s["name"] or sid, s["lms_id"] or "", "",
                                          s["sis_id"] or sid, "", *[fmt(m.total) for m in ms])])
    fb = out / "feedback"
    fb.mkdir(exist_ok=True)
    for sid, ms in marks.items():
        (fb / f"{sid}.md").write_text(feedback_md(sid, ms), encoding="utf-8")
        (fb / f"{sid}.html").write_text(feedback_html(sid, ms), encoding="utf-8")
    return marks


def _md(text: str) -> str:
    """Student text inside Markdown: every Markdown/HTML character escaped, one line."""
    text = clean(text).replace("\n", " ")
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>&~])", r"\\\1", text)


def feedback_md(student: str, marks: list[ExerciseMark]) -> str:
    lines = [f"# Feedback for {_md(student)}", ""]
    for m in marks:
        lines += [f"## {m.notebook}: {fmt(m.total)} / {fmt(m.possible)} points", ""]
        if m.status == "missing":
            lines += ["No submission was collected: 0 points (missing).", ""]
            continue
        lines += [f"- submitted {m.submitted_at}, deadline {m.deadline.isoformat()}"
                  + (f" (extension {_md(m.extension)})" if m.extension else ""),
                  f"- {status_text(m)}; the run: {_md(m.run_status)}",
                  f"- points: {fmt(m.raw)} (autograded "
                  f"{fmt(sum(t.points for t in m.tasks if t.kind == 'code'))} + rubric "
                  f"{fmt(sum(t.points for t in m.tasks if t.kind == 'written'))})"
                  f" - late penalty {fmt(m.penalty)} = {fmt(m.total)}", ""]
        for t in m.tasks:
            lines.append(f"### {_md(t.title)} ({fmt(t.points)} / {fmt(t.max)}, {t.status})")
            lines.append("")
            if t.message:
                lines += [_md(t.message), ""]
            for _id, text, pts, ok in t.items:
                lines.append(f"- [{'x' if ok else ' '}] {_md(text)} ({fmt(pts)})")
            if t.items:
                lines.append("")
            if t.comment:
                lines += [f"Comment: {_md(t.comment)}", ""]
    return "\n".join(lines) + "\n"


STYLE = ("body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.45}"
         "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .5em}"
         ".late{color:#a40}.missing{color:#a00}.ok{color:#070}")


def feedback_html(student: str, marks: list[ExerciseMark]) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'>",
             "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
             "style-src 'unsafe-inline'\">",
             f"<title>Feedback for {e(clean(student))}</title><style>{STYLE}</style>"
             "</head><body>", f"<h1>Feedback for {e(clean(student))}</h1>"]
    for m in marks:
        parts.append(f"<h2>{e(m.notebook)}: {fmt(m.total)} / {fmt(m.possible)} points</h2>")
        if m.status == "missing":
            parts.append("<p class='missing'>No submission was collected: 0 points "
                         "(missing).</p>")
            continue
        cls = "late" if m.status == "late" else "ok"
        parts.append(
            f"<table><tr><th>submitted</th><td>{e(m.submitted_at or '')}</td></tr>"
            f"<tr><th>deadline</th><td>{e(m.deadline.isoformat())}"
            f"{' (extension ' + e(clean(m.extension)) + ')' if m.extension else ''}</td></tr>"
            f"<tr><th>status</th><td class='{cls}'>{e(status_text(m))}</td></tr>"
            f"<tr><th>the run</th><td>{e(clean(m.run_status))}</td></tr>"
            f"<tr><th>autograded</th><td>"
            f"{fmt(sum(t.points for t in m.tasks if t.kind == 'code'))}</td></tr>"
            f"<tr><th>rubric</th><td>"
            f"{fmt(sum(t.points for t in m.tasks if t.kind == 'written'))}</td></tr>"
            f"<tr><th>late penalty</th><td>-{fmt(m.penalty)}</td></tr>"
            f"<tr><th>total</th><td><b>{fmt(m.total)}</b> / {fmt(m.possible)}</td></tr>"
            "</table>")
        for t in m.tasks:
            parts.append(f"<h3>{e(clean(t.title))} ({fmt(t.points)} / {fmt(t.max)}, "
                         f"{e(t.status)})</h3>")
            if t.message:
                parts.append(f"<p>{e(clean(t.message))}</p>")
            if t.items:
                parts.append("<ul>" + "".join(
                    f"<li>{'&#x2611;' if ok else '&#x2610;'} {e(clean(text))} ({fmt(p)})</li>"
                    for _i, text, p, ok in t.items) + "</ul>")
            if t.comment:
                parts.append(f"<p><b>Comment:</b> {e(clean(t.comment))}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _write_private(dir_fd: int, name: str, data: bytes, uid: int, gid: int) -> None:
    """Write ``name`` inside an open folder as a new file (never into an existing inode:
    a link planted there by the student is replaced, not written through)."""
    tmp = f".{name}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600,
                 dir_fd=dir_fd)
    try:
        os.write(fd, data)
        os.fchown(fd, uid, gid)
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)


def return_to_hub(book: Gradebook, course: Course, feedback: Path) -> list[str]:
    """Copy ``feedback/<student>.{md,html}`` into each student's ``~/feedback/``."""
    from instructor.ta.collect import _home

    lines = []
    for s in book.students():
        user = s["hub_user"] or s["id"]
        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            lines.append(f"{s['id']}: no account {user!r} on this machine: not returned")
            continue
        home = _home(user, course)
        try:
            home_fd = os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as err:
            lines.append(f"{s['id']}: home {home} cannot be opened ({err.strerror})")
            continue
        try:
            try:
                os.mkdir("feedback", 0o700, dir_fd=home_fd)
            except FileExistsError:
                pass
            try:
                fb_fd = os.open("feedback", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                dir_fd=home_fd)
            except OSError as err:
                lines.append(f"{s['id']}: ~/feedback is not a folder ({err.strerror}): "
                             "not returned (not followed)")
                continue
            try:
                os.fchown(fb_fd, entry.pw_uid, entry.pw_gid)
                os.fchmod(fb_fd, 0o700)
                for ext in ("md", "html"):
                    src = feedback / f"{s['id']}.{ext}"
                    _write_private(fb_fd, f"feedback.{ext}", src.read_bytes(),
                                   entry.pw_uid, entry.pw_gid)
            finally:
                os.close(fb_fd)
        finally:
            os.close(home_fd)
        lines.append(f"{s['id']}: returned to {home}/feedback/")
    return lines


def return_for_lms(book: Gradebook, feedback: Path, out: Path) -> list[str]:
    """One HTML file per student, named ``<name>_<lms id>_feedback.html`` for upload."""
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for s in book.students():
        tag = re.sub(r"[^A-Za-z0-9]+", "", s["name"] or s["id"]).lower() or "student"
        name = f"{tag}_{s['lms_id'] or s['id']}_feedback.html"
        (out / name).write_bytes((feedback / f"{s['id']}.html").read_bytes())
        lines.append(f"{s['id']}: {out / name}")
    return lines
