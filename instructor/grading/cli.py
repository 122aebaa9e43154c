"""``python -m instructor.grade``: the grader's command line."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from instructor.grading.limits import MEMORY_MINIMUM, Limits
from instructor.grading.pipeline import grade
from instructor.sizes import parse_bytes

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    default = Limits()
    parser = argparse.ArgumentParser(
        prog="python -m instructor.grade",
        description="Grade <student>/<notebook>.ipynb in sandboxes into a CSV, a Canvas CSV "
                    "and feedback files (Markdown and HTML).")
    parser.add_argument("submissions", help="folder with one sub-folder per student")
    parser.add_argument("--out", default="grades.csv", help="CSV to write (default grades.csv)")
    parser.add_argument("--notebooks", default=None,
                        help="comma-separated exercises to grade (default: all submitted)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks at once (default 1)")
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler tcp://HOST:8786, or 'local' for a local cluster")
    parser.add_argument("--timeout", type=float, default=default.timeout,
                        help=f"seconds for a notebook's cells (default {default.timeout:g})")
    parser.add_argument("--probe-timeout", type=float, default=default.probe_timeout,
                        help="seconds for the grader's questions "
                             f"(default {default.probe_timeout:g})")
    parser.add_argument("--memory", default="2.5G",
                        help="memory per notebook, everything it holds together "
                             "(default 2.5G; K/M/G are powers of 1024)")
    parser.add_argument("--max-notebook", default="10M",
                        help="largest .ipynb graded (default 10M; larger: 'too large')")
    parser.add_argument("--secret-file", default=None,
                        help="the course secret per-student variants derive from "
                             "(default: <out>.secret, created once, mode 0600)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run notebooks without bubblewrap: only for notebooks you trust")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.probe_timeout <= 0:
        parser.error(f"timeouts must be > 0, got {args.timeout:g} and {args.probe_timeout:g}")
    try:
        limits = replace(default, timeout=args.timeout, probe_timeout=args.probe_timeout,
                         memory=parse_bytes(args.memory, minimum=MEMORY_MINIMUM,
                                            what="--memory"),
                         notebook_bytes=parse_bytes(args.max_notebook, minimum=1,
                                                    what="--max-notebook"))
    except ValueError as err:
        parser.error(str(err))
    names = [n.strip() for n in args.notebooks.split(",") if n.strip()] \
        if args.notebooks else None
    try:
        rows = grade(args.submissions, args.out, notebooks=names, jobs=args.jobs,
                     scheduler=args.scheduler, limits=limits, sandbox=not args.no_sandbox,
                     secret_file=args.secret_file)
    except (OSError, ValueError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished notebooks are saved; run the same command to go on",
              file=sys.stderr)
        return 130
    print(f"graded {len(rows)} student(s) into {args.out}", file=sys.stderr)
    return 0
