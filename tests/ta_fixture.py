"""Test fixture of the teaching assistant's loop (tests/test_gradebook.py, test_collect.py,
test_rubric_page.py, test_ta_loop.py): a stand-in for ``instructor.checks`` with one written
task (convention 1: ``.kind``, ``.rubric``), notebooks and a course.

``fake_ex`` has the two code tasks of ``tests/hostile/fakechecks.py`` (``double``, ``answer``:
kernels without TensorFlow start fast) and task 3, a written answer graded by a rubric of
three items, declared with the engine's own ``Task`` and ``RubricItem``
(coursework/engine/spec.py). Importable by name (``--checks ta_fixture``) with ``tests/``
on the path.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import sys
from pathlib import Path

from coursework.engine.spec import RubricItem, Task

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("_ta_base_fakechecks",
                                               HERE / "hostile" / "fakechecks.py")
base = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = base
_spec.loader.exec_module(base)

NAME = base.NAME


RUBRIC = (RubricItem("names", "names overfitting", 1),
          RubricItem("evidence", "points to the curve", 1),
          RubricItem("remedy", "proposes a remedy", 1))
TASKS = [Task(NAME, 1, "double", 2), Task(NAME, 2, "the answer", 1),
         Task(NAME, 3, "Interpret the plot", 3, "written", RUBRIC)]


def notebooks() -> list[str]:
    return [NAME]


def tasks(notebook: str) -> list[Task]:
    base.tasks(notebook)
    return list(TASKS)


def probe_source(notebook: str, out_file: str, *, variant: str | None = None) -> str:
    return base.probe_source(notebook, out_file)


def judge(notebook: str, answers: object, *, variant: str | None = None) -> list:
    return base.judge(notebook, answers)


def fingerprint(notebook: str) -> str:
    return hashlib.sha256(base.fingerprint(notebook).encode() + repr(TASKS).encode()
                          ).hexdigest()


def png(color: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (120, 80)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def notebook(answer: str | None = "It overfits: the validation curve turns up.", *,
             right: bool = True, figure: bytes | None = None) -> bytes:
    """A submitted ``fake_ex`` notebook (with a stored figure output, as after Run All)."""
    figure = png() if figure is None else figure

    def md(text: str) -> dict:
        return {"cell_type": "markdown", "metadata": {}, "source": text}

    def code(text: str, outputs: list | None = None) -> dict:
        return {"cell_type": "code", "metadata": {}, "source": text, "execution_count": None,
                "outputs": outputs or []}

    cells = [md("# fake exercise"),
             md("## Task 1 · double (2 points)"),
             code(base_students_right() if right else "def double(x):\n    return x + 2"),
             md("## Task 2 · the answer (1 point)"),
             code("answer = 42"),
             code("pass  # the plot", [{"output_type": "display_data", "metadata": {},
                                        "data": {"image/png": base64.b64encode(figure)
                                                 .decode("ascii"),
                                                 "text/plain": "<Figure>"}}]),
             md("## Task 3 · Interpret the plot (3 points)\n\nWhat does the plot show?"),
             md("**Answer:** " + (answer if answer is not None else "*Your answer here.*"))]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                                                      "display_name": "Python 3",
                                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1).encode("utf-8")


def base_students_right() -> str:
    return "def double(x):\n    return 2 * x"


def course(folder: Path, students: list[str], *, deadline: str = "2026-12-01T12:00:00+00:00",
           extensions: str = "", lms: bool = True, homes: Path | None = None) -> Path:
    """Write roster.csv and course.toml into ``folder``; returns the toml's path."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["id,name,lms_id,sis_id,hub_user"]
    for n, s in enumerate(students):
        lines.append(f"{s},Student {s.upper()},{1000 + n if lms else ''},{s}@uni,{s}")
    (folder / "roster.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    toml = folder / "course.toml"
    toml.write_text(
        "[course]\nroster = \"roster.csv\"\ngradebook = \"gradebook.sqlite\"\n"
        + (f"hub_homes = \"{homes}\"\n" if homes else "")
        + "\n[late]\npenalty_per_day = 0.1\ncap = 0.5\ngrace_minutes = 15\n\n"
        f"[exercises.\"{NAME}\"]\ndeadline = \"{deadline}\"\n\n" + extensions,
        encoding="utf-8")
    return toml
