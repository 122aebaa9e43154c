"""``python -m instructor.ta --course course.toml COMMAND``: the teaching assistant's loop.

Commands, in the order of a week:

- ``collect --hub | --lms ZIP | --folder DIR [--exercise NB]``: snapshot submissions;
- ``status``: who submitted what, on time, late, missing;
- ``autograde [--jobs 2]``: the sandboxed grader on the latest submissions;
- ``serve [--port P] [--show-names]``: the rubric page for written answers (127.0.0.1);
- ``export --out DIR``: grades.csv, canvas.csv, feedback/<student>.md and .html;
- ``return --out DIR (--hub | --lms DIR)``: feedback into each student's ~/feedback/, or one
  file per student for the LMS;
- ``regrade (--student S --exercise NB | --task KEY)``: after a check or rubric changed;
- ``override --student S --task KEY --points P --reason TEXT``;
- ``report --out report.html``: the class report for the lecturer.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from instructor.ta import config as cfg
from instructor.ta.gradebook import Gradebook, GradebookError


def _checks(name: str) -> Any:
    return importlib.import_module(name)


def _notebooks(args: argparse.Namespace, course: cfg.Course) -> list[str]:
    names = args.exercise or sorted(course.deadlines)
    for n in names:
        course.deadline(n)
    return names


def regrade_task(book: Gradebook, course: cfg.Course, checks: Any, key: str, *,
                 jobs: int, sandbox: bool, say: Any = print) -> list[str]:
    """After a check or a rubric changed: only task ``key`` may change, for everyone."""
    from instructor.ta.autograde import autograde
    from instructor.ta.marks import kind, rubric

    nb = key.split(":")[0]
    task = next((t for t in checks.tasks(nb) if t.key == key), None)
    if task is None:
        raise GradebookError(f"no task {key!r}; the tasks of {nb}: "
                             f"{[t.key for t in checks.tasks(nb)]}")
    lines = []
    if kind(task) == "written":
        valid = {r.id for r in rubric(task)}
        for score in book.scores(key):
            gone = [i for i in score["items"] if i not in valid]
            if gone:
                book.set_score(score["student"], key, [i for i in score["items"] if i in valid],
                               score["comment"], expected_version=score["version"],
                               sha256=score["sha256"])
                lines.append(f"{score['student']}: rubric item(s) {gone} no longer exist: "
                             "removed (look at this answer again)")
        return lines + [f"{key}: rubric points are recomputed from the spec at export"]
    before = {}
    for s in book.students():
        sub = book.latest(s["id"], nb)
        if sub is not None:
            before[s["id"]] = (sub["sha256"], book.autograde(s["id"], nb, sub["sha256"]))
    book.forget_autograde(None, nb)
    lines += autograde(book, [nb], jobs=jobs, sandbox=sandbox, checks=checks, say=say,
                       secret_file=course.secret)
    for sid, (digest, old) in before.items():
        rows = book.db.execute("SELECT settings, result FROM autograde WHERE student=? AND "
                               "notebook=? AND digest=? ORDER BY graded_at, rowid",
                               (sid, nb, digest)).fetchall()
        if old is None or not rows:
            continue
        import json

        new = json.loads(rows[-1]["result"])
        kept = dict(old["tasks"])
        kept[key] = new["tasks"].get(key, kept.get(key))
        merged = {**new, "tasks": kept}
        book.put(sid, nb, digest, rows[-1]["settings"], merged)
        a, b = old["tasks"].get(key, {}).get("points"), kept[key]["points"]
        if a != b:
            lines.append(f"{sid}: {key} {a} -> {b}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.ta", description=__doc__
                                     .split("\n")[0])
    parser.add_argument("--course", type=Path, default=Path("course.toml"),
                        help="the instructor's config file (default course.toml)")
    parser.add_argument("--checks", default="instructor.checks",
                        help="the checks module (default instructor.checks)")
    parser.add_argument("--ta", default=None, help="who you are, for the audit trail "
                        "(default: your login name)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("collect")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--hub", action="store_true", help="each student's ~/course/exercises")
    where.add_argument("--lms", type=Path, help="a Canvas 'Download Submissions' zip")
    where.add_argument("--folder", type=Path, help="<folder>/<student>/<exercise>.ipynb")
    p.add_argument("--exercise", action="append", help="exercise(s) (default: all with a "
                   "deadline)")
    p = sub.add_parser("status")
    p.add_argument("--exercise", action="append")
    p = sub.add_parser("autograde")
    p.add_argument("--exercise", action="append")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--no-sandbox", action="store_true", help="trusted notebooks only")
    p = sub.add_parser("serve")
    p.add_argument("--exercise", action="append")
    p.add_argument("--port", type=int, default=8600)
    p.add_argument("--show-names", action="store_true")
    p = sub.add_parser("export")
    p.add_argument("--exercise", action="append")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("return")
    p.add_argument("--out", type=Path, required=True, help="the folder export wrote")
    to = p.add_mutually_exclusive_group(required=True)
    to.add_argument("--hub", action="store_true")
    to.add_argument("--lms", type=Path, help="folder for one file per student")
    p = sub.add_parser("regrade")
    p.add_argument("--student")
    p.add_argument("--exercise", action="append")
    p.add_argument("--task")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--no-sandbox", action="store_true")
    p = sub.add_parser("override")
    p.add_argument("--student", required=True)
    p.add_argument("--task", required=True)
    p.add_argument("--points", type=float, default=None, help="omit to remove the override")
    p.add_argument("--reason", default="")
    p = sub.add_parser("report")
    p.add_argument("--exercise", action="append")
    p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)

    try:
        checks = _checks(args.checks)
        course = cfg.load(args.course, known_exercises=list(checks.notebooks()))
        from instructor.ta.collect import open_gradebook

        book = open_gradebook(course, args.ta)
        try:
            return _run(args, course, book, checks)
        finally:
            book.close()
    except (cfg.ConfigError, GradebookError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: everything finished is in the gradebook", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace, course: cfg.Course, book: Gradebook, checks: Any) -> int:
    from instructor.ta import collect, export

    out: list[str] = []
    if args.command == "collect":
        names = _notebooks(args, course)
        if args.hub:
            out = collect.collect_hub(book, course, names)
        elif args.lms:
            out = collect.collect_lms(book, course, args.lms, names)
        else:
            out = collect.collect_folder(book, course, args.folder, names)
    elif args.command == "status":
        for sid, ms in export.build(book, course, checks, _notebooks(args, course)).items():
            parts = []
            for m in ms:
                text = f"{m.notebook} {export.status_text(m)}"
                if m.ungraded and m.status != "missing":
                    text += f" ({len(m.ungraded)} not graded)"
                note = (book.latest(sid, m.notebook) or {}).get("note")
                parts.append(text + (f" [{note}]" if note else ""))
            out.append(f"{sid}: " + ", ".join(parts))
    elif args.command == "autograde":
        from instructor.ta.autograde import autograde

        out = autograde(book, _notebooks(args, course), jobs=args.jobs,
                        sandbox=not args.no_sandbox, checks=checks,
                        secret_file=course.secret)
    elif args.command == "serve":
        from instructor.ta.server import serve

        serve(book, course, checks, _notebooks(args, course), port=args.port,
              show_names=args.show_names)
    elif args.command == "export":
        marks = export.write_exports(book, course, checks, _notebooks(args, course), args.out)
        pending = sum(len(m.ungraded) for ms in marks.values() for m in ms
                      if m.status != "missing")
        out.append(f"wrote {args.out}/grades.csv, canvas.csv, feedback/ ({len(marks)} "
                   "students)")
        if pending:
            out.append(f"warning: {pending} task(s) not graded yet (0 points, said so in the "
                       "feedback): python -m instructor.ta status")
    elif args.command == "return":
        fb = args.out / "feedback"
        if not fb.is_dir():
            raise GradebookError(f"{fb} does not exist: run export --out {args.out} first")
        out = export.return_to_hub(book, course, fb) if args.hub else \
            export.return_for_lms(book, fb, args.lms)
    elif args.command == "regrade":
        if args.task:
            out = regrade_task(book, course, checks, args.task, jobs=args.jobs,
                               sandbox=not args.no_sandbox)
        elif args.student and args.exercise:
            from instructor.ta.autograde import autograde

            book.student(args.student)
            for nb in args.exercise:
                book.forget_autograde(args.student, nb)
            out = autograde(book, args.exercise, students=[args.student], jobs=args.jobs,
                            sandbox=not args.no_sandbox, checks=checks,
                        secret_file=course.secret)
        else:
            raise GradebookError("regrade needs --task KEY, or --student S --exercise NB")
    elif args.command == "override":
        book.student(args.student)
        keys = [t.key for nb in checks.notebooks() for t in checks.tasks(nb)]
        if args.task not in keys:
            raise GradebookError(f"no task {args.task!r}; tasks look like {keys[:3]}")
        book.set_override(args.student, args.task, args.points, args.reason)
        out = [f"{args.student}/{args.task}: override "
               f"{'removed' if args.points is None else args.points}"]
    elif args.command == "report":
        from instructor.ta.report import write_report

        marks = export.build(book, course, checks, _notebooks(args, course))
        out = [f"wrote {write_report(marks, args.out)}"]
    for line in out:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
