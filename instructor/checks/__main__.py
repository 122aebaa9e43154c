"""``python -m instructor.checks tables NOTEBOOK``: print the public tables of an exercise.

Paste the output as ``EXPECTED`` into ``helpers/selfcheck/exNN_*.py``; the test
``tests/test_selfcheck.py`` fails whenever the two differ.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any

from instructor import checks

WIDTH = 96


def literal(x: Any, indent: int = 0) -> str:
    """Python source of the plain data ``x``, no line longer than WIDTH."""
    pad = " " * indent
    one = repr(x)
    if len(pad) + len(one) <= WIDTH:
        return one
    if isinstance(x, str):
        parts = textwrap.wrap(x, WIDTH - indent - 4, drop_whitespace=False)
        return "(" + f"\n{pad} ".join(repr(p) for p in parts) + ")"
    inner = " " * (indent + 4)
    if isinstance(x, dict):
        items = [f"{inner}{literal(k, indent + 4)}:\n{inner}    "
                 f"{literal(v, indent + 8)}," if len(inner) + len(repr(k)) + len(repr(v)) + 3
                 > WIDTH else f"{inner}{repr(k)}: {repr(v)}," for k, v in x.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(x, (list, tuple)):
        if all(not isinstance(v, (list, dict, tuple, str)) for v in x):
            body = textwrap.fill(", ".join(repr(v) for v in x), WIDTH - indent - 4,
                                 initial_indent=inner, subsequent_indent=inner)
            return "[\n" + body + f",\n{pad}]"
        items = [f"{inner}{literal(v, indent + 4)}," for v in x]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    return one


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.checks")
    parser.add_argument("command", choices=["tables", "list"])
    parser.add_argument("notebook", nargs="?")
    args = parser.parse_args(argv)
    if args.command == "list":
        for nb in checks.notebooks():
            for t in checks.tasks(nb):
                print(f"{t.key:40} {t.points} pt  {t.title}")
        return 0
    try:
        tables = checks.public_tables(args.notebook)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("EXPECTED = " + literal(tables))
    return 0


if __name__ == "__main__":
    sys.exit(main())
