"""Generate the student notebooks in ``exercises/`` from the notebooks in ``solutions/``.

The solutions are the source; the exercises are never edited by hand::

    python -m instructor.make_exercises solutions exercises          # (re)write exercises/
    python -m instructor.make_exercises solutions exercises --check  # exit 1 if they drifted

Markers in a solution notebook:

- in a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION``
  (inclusive) become one line ``raise NotImplementedError("Task N: ...")`` at the
  marker's indentation; the lines before and after stay. ``N`` is the number of
  the last ``## Task N`` heading above. ``### BEGIN SOLUTION: a hint`` puts the
  hint into the stub's message;
- a code cell tagged ``solution`` is replaced by the stub as a whole;
- a markdown cell tagged ``solution`` becomes ``*Your answer here.*``;
- in a markdown cell, everything after a line that starts with ``**Answer:**``
  becomes ``**Answer:** *Your answer here.*``.

Outputs and execution counts are removed; everything else (cell ids, tags,
slide metadata) is kept, so the result is deterministic.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

__all__ = ["ANSWER_PROMPT", "generate", "make_exercise", "render", "strip_solutions"]

BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?::\s*(?P<hint>.*\S))?\s*$")
END = re.compile(r"^[ \t]*### END SOLUTION\s*$")
TASK_HEADING = re.compile(r"^#{1,6}\s*Task\s+(\d+)\b", re.MULTILINE)
ANSWER = re.compile(r"^\*\*Answer:\*\*", re.MULTILINE)
ANSWER_PROMPT = "*Your answer here.*"
SOLUTION_TAG = "solution"
DEFAULT_HINT = "replace this line with your code"


def _stub(indent: str, task: int | None, hint: str | None) -> str:
    label = f"Task {task}" if task is not None else "Task"
    message = f"{label}: {hint or DEFAULT_HINT}".replace("\\", "\\\\").replace('"', '\\"')
    return f'{indent}raise NotImplementedError("{message}")'


def strip_solutions(source: str, task: int | None = None, where: str = "cell") -> str:
    """Replace every ``### BEGIN/END SOLUTION`` region of ``source`` by a stub line.

    Parameters
    ----------
    source : str
        Source of a code cell.
    task : int, optional
        Task number for the stub's message.
    where : str
        Where the cell is, for error messages.

    Raises
    ------
    ValueError
        If the markers are unbalanced or nested.
    """
    out: list[str] = []
    begin: re.Match[str] | None = None
    for lineno, line in enumerate(source.split("\n"), start=1):
        m = BEGIN.match(line)
        if m:
            if begin is not None:
                raise ValueError(f"{where}: nested '### BEGIN SOLUTION' at line {lineno}")
            begin = m
        elif END.match(line):
            if begin is None:
                raise ValueError(f"{where}: '### END SOLUTION' without BEGIN at line {lineno}")
            out.append(_stub(begin["indent"], task, begin["hint"]))
            begin = None
        elif begin is None:
            out.append(line)
    if begin is not None:
        raise ValueError(f"{where}: '### BEGIN SOLUTION' is never closed by '### END SOLUTION'")
    return "\n".join(out)


def make_exercise(nb: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """Return the student copy of the solution notebook ``nb`` (``nb`` is not changed).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A solution notebook (nbformat 4).
    name : str
        Its name, for error messages.
    """
    ex = copy.deepcopy(nb)
    task: int | None = None
    for i, cell in enumerate(ex.cells):
        tags = list(cell.get("metadata", {}).get("tags", []))
        where = f"{name}, cell {i}"
        if cell.cell_type == "markdown":
            headings = TASK_HEADING.findall(cell.source)
            if headings:
                task = int(headings[-1])
            if SOLUTION_TAG in tags:
                cell.source = ANSWER_PROMPT
            else:
                m = ANSWER.search(cell.source)
                if m:
                    cell.source = cell.source[: m.start()] + "**Answer:** " + ANSWER_PROMPT
        elif cell.cell_type == "code":
            if SOLUTION_TAG in tags:
                cell.source = _stub("", task, None)
            else:
                cell.source = strip_solutions(cell.source, task, where)
            cell.outputs = []
            cell.execution_count = None
        if SOLUTION_TAG in tags:
            tags.remove(SOLUTION_TAG)
            cell.metadata["tags"] = tags
            if not tags:
                del cell.metadata["tags"]
    return ex


def render(solution: str | Path) -> str:
    """The text of the exercise notebook generated from the file ``solution``."""
    path = Path(solution)
    nb = nbformat.read(path, as_version=4)
    text = nbformat.writes(make_exercise(nb, path.name))
    return text if text.endswith("\n") else text + "\n"


def generate(src: str | Path, dst: str | Path, *, check: bool = False) -> list[Path]:
    """Write ``dst/NAME.ipynb`` for every ``src/NAME.ipynb``; remove stale exercises.

    Parameters
    ----------
    src, dst : path
        Directory of the solution notebooks, directory of the exercises.
    check : bool
        Do not write: only return the exercise files that differ from (or are
        missing in, or are stale in) ``dst``.

    Returns
    -------
    list of Path
        The files written (or, with ``check=True``, the files that differ).

    Raises
    ------
    FileNotFoundError
        If ``src`` is not a directory.
    """
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise FileNotFoundError(f"solution directory {str(src)!r} does not exist")
    sources = sorted(src.glob("*.ipynb"))
    changed: list[Path] = []
    for path in sources:
        target = dst / path.name
        text = render(path)
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                changed.append(target)
            continue
        dst.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        changed.append(target)
    names = {p.name for p in sources}
    for stale in sorted(dst.glob("*.ipynb")) if dst.is_dir() else []:
        if stale.name not in names:
            changed.append(stale)
            if not check:
                stale.unlink()
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.make_exercises",
                                     description="Generate exercises/ from solutions/.")
    parser.add_argument("src", help="directory of the solution notebooks")
    parser.add_argument("dst", help="directory of the exercise notebooks")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the exercises differ from the solutions")
    args = parser.parse_args(argv)
    try:
        files = generate(args.src, args.dst, check=args.check)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.check:
        for f in files:
            print(f"out of date: {f} (run: make exercises)")
        return 1 if files else 0
    print(f"wrote {len(files)} exercise notebook(s) to {args.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
