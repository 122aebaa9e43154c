"""Written tasks: the answer is prose in the notebook, graded by a teaching assistant.

A task opens with a markdown heading ``## Task N · title (P points)``; the learner writes the
answer after ``**Answer:**`` in a markdown cell of that task's section (the exercise generator
leaves ``**Answer:** *Your answer here.*`` there; the solution holds a model answer). The
public check reads the learner's *saved* notebook (the kernel knows its path: ipykernel puts
``__session__`` into the namespace under a Jupyter server, from ``JPY_SESSION_NAME``) and
says only whether an answer is there; the rubric is shown, never a model answer. No points
are given here and none by the autograder: a teaching assistant ticks the rubric items
(``instructor.ta``, which reads answers with the same parser, :func:`task_section` and
:func:`answer_text`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursework.engine.spec import Task

if TYPE_CHECKING:  # selfcheck imports this module
    from coursework.engine.selfcheck import Ctx

__all__ = ["ANSWER", "HEADING", "PLACEHOLDER", "Saved", "answer_text", "cell_source",
           "check", "notebook_path", "read_saved", "rubric_lines", "task_section"]

HEADING = re.compile(r"^##\s+Task\s+(\d+)\b", re.MULTILINE)
ANSWER = re.compile(r"^\*\*Answer:\*\*", re.MULTILINE)
PLACEHOLDER = "*Your answer here.*"
MAX_TEXT = 20_000

#: namespace names a notebook front end sets to the notebook's path (Jupyter, VS Code)
SESSION_NAMES = ("__session__", "__vsc_ipynb_file__")


def cell_source(cell: Mapping[str, Any]) -> str:
    """A cell's source as one string (a list of lines joined); "" for anything else."""
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def task_section(cells: list[Any], number: int) -> tuple[int, int] | None:
    """``(start, end)``: the cells of task ``number``, from its ``## Task N`` heading to the
    next task heading (or the end); ``None`` if the heading is not there."""
    start = None
    for i, cell in enumerate(cells):
        if not isinstance(cell, Mapping) or cell.get("cell_type") != "markdown":
            continue
        m = HEADING.search(cell_source(cell))
        if m is None:
            continue
        if start is not None:
            return start, i
        if int(m.group(1)) == number:
            start = i
    return None if start is None else (start, len(cells))


def answer_text(section: list[Any]) -> tuple[str, bool]:
    """The answer written in a task's cells, and whether an ``**Answer:**`` cell is there.

    The text is everything after ``**Answer:**`` in the section's markdown cells, the
    placeholder left out; "" when nothing was written.
    """
    texts = []
    for cell in section:
        if not isinstance(cell, Mapping) or cell.get("cell_type") != "markdown":
            continue
        src = cell_source(cell)
        m = ANSWER.search(src)
        if m is not None:
            texts.append(src[m.end():].strip())
    text = "\n\n".join(t for t in texts if t and t != PLACEHOLDER)[:MAX_TEXT]
    return text, bool(texts)


def notebook_path(namespace: Mapping[str, Any]) -> Path | None:
    """The saved notebook the learner's kernel runs, or ``None`` when no front end said.

    ``__session__`` (ipykernel under a Jupyter server), ``__vsc_ipynb_file__`` (VS Code),
    then the environment variable ``JPY_SESSION_NAME``. A relative path (a server started
    without the file's name) is tried as given, then as the file's name in the kernel's
    working folder (the notebook's folder).
    """
    candidates = [namespace.get(name) for name in SESSION_NAMES]
    candidates.append(os.environ.get("JPY_SESSION_NAME"))
    for value in candidates:
        if not isinstance(value, (str, os.PathLike)) or not str(value).endswith(".ipynb"):
            continue
        path = Path(value)
        if not path.is_absolute() and not path.is_file() and (Path.cwd() / path.name).is_file():
            path = Path.cwd() / path.name
        return path
    return None


class Saved:
    """What the saved notebook holds for one written task."""

    def __init__(self, path: Path, problem: str = "", text: str = "",
                 has_cell: bool = False) -> None:
        self.path, self.problem, self.text, self.has_cell = path, problem, text, has_cell

    @property
    def words(self) -> int:
        return len(self.text.split())


def read_saved(path: Path, number: int) -> Saved:
    """Read task ``number``'s answer from the notebook file ``path``."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError("cells is not a list")
    except FileNotFoundError:
        return Saved(path, "missing")
    except (OSError, ValueError, KeyError, TypeError) as err:
        return Saved(path, f"cannot be read ({type(err).__name__})")
    where = task_section(cells, number)
    if where is None:
        return Saved(path, f"has no heading '## Task {number}'")
    text, has_cell = answer_text(cells[where[0]:where[1]])
    return Saved(path, "", text, has_cell)


def rubric_lines(task: Task) -> str:
    """The rubric as the learner sees it: one line per item with its points."""
    return "\n".join(f"  - {item.text} ({item.points:g} point{'s' * (item.points != 1)})"
                     for item in task.rubric)


def check(c: Ctx) -> tuple[bool, str]:
    """The public check of a written task: ``(answered, message)``.

    ``answered`` is False (and the message a note, not an error) when no saved notebook can
    be seen: a plain script, nbval, a notebook renamed since its kernel started. An answer
    not written yet is ``NotSolvedError``; a saved notebook without the task's heading, or
    not readable, is ``SelfCheckError``.
    """
    task, namespace = c.task, c.ns
    rubric = (f"A teaching assistant grades it ({task.points} point{'s' * (task.points != 1)}) "
              "with this rubric:\n"
              + rubric_lines(task))
    path = notebook_path(namespace)
    if path is None:
        return False, ("this check cannot see your saved notebook here (no notebook path: "
                       "not run in Jupyter), so it cannot tell whether you wrote an answer. "
                       "Write it after **Answer:** in this task and save. " + rubric)
    saved = read_saved(path, task.number)
    if saved.problem == "missing":
        return False, (f"this check cannot see your saved notebook: {path.name} is not on "
                       "disk under the name the kernel started with (renamed?). Save it, "
                       "restart the kernel and check again. " + rubric)
    if saved.problem:
        c.fail(f"your saved notebook {path.name} {saved.problem}: keep the task's heading "
               "and answer cell as the exercise has them.")
    if not saved.text:
        where = "after **Answer:**" if saved.has_cell else \
            "in a markdown cell starting **Answer:** in this task"
        c.not_solved(f"no answer in your saved notebook {path.name}: write your answer "
                          f"{where} and save (Ctrl+S), then run this check again.")
    return True, (f"an answer of {saved.words} word{'s' * (saved.words != 1)} is there, read "
                  f"from your saved notebook {path.name}. " + rubric)
