"""Write the student release: the bundle a class receives, without answers.

::

    python -m instructor.release OUT_DIR [--force]

The bundle holds the lectures (``notebooks/``), the exercises (``exercises/``), the
``helpers`` teaching library, the public parts of the exercise units (``coursework/``: the
engine's self-check runner, each unit's spec, public checks and generated tables), the
documents the notebooks link to (``docs/``), ``environment.yml``, a ``pyproject.toml`` that
installs ``helpers`` and ``coursework``, a ``Makefile`` (``make lab``) and a student
``README.md`` (install, run, self-check, hand in).

It holds no ``solutions/``, no ``instructor/`` (grader, release, tooling), no unit's
``hidden.py`` (probes, judges, references, hidden cases, answer keys), no judge or test code
of ``coursework/`` (:data:`HIDDEN_PARTS`), no tests. The lectures' pointers to
``../solutions/`` are taken out of their text. ``tests/test_release.py`` proves that no
solution line, hidden check or key is in the bundle, and that the bundle installs and runs
in a fresh virtual environment.

``OUT_DIR`` must not exist or be empty, unless ``--force`` (which replaces its content).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

import nbformat

__all__ = ["STUDENT_TEXT", "build", "main"]

ROOT = Path(__file__).resolve().parents[1]

#: the documents a student's notebooks link to
DOCS = ("benchmark.md", "glossary.md")

#: the files of ``coursework/`` that never ship: hidden checks, the judges' engine, tests
HIDDEN_PARTS = ("hidden.py", "judge.py", "testing.py", "test_*.py", "conftest.py",
                "__pycache__", "*.pyc")

#: rewrites of the lectures' markdown for students: (pattern, replacement)
STUDENT_TEXT: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\s*\((?:answers|solutions) in\s+(?:\[`[^`]*`\]\([^)]*\)|`[^`]*`)\)"), ""),
    (re.compile(r"\s*Solutions are in `\.\./solutions/`\."), ""),
    (re.compile(r"; the answers are in \[`\.\./solutions/[^`]*`\]\([^)]*\)"
                r"(?:: try the tasks first)?"), ""),
    (re.compile(r"\s*Worked solutions: `\.\./solutions/[^`]*`\."), ""),
    (re.compile(r" and the same notebook with answers in `solutions/`\.\n"
                r"Try the exercise first; open the solution to compare\."),
     ". At grading, hidden checks also try your code on other inputs."),
    (re.compile(r"^\| `make test(?:-seeds)?` \|.*\n?", re.MULTILINE), ""),
    (re.compile(r"### Commands, exercises and solutions"), "### Commands and exercises"),
]

README = """\
# Improving deep networks: the course, for students

Lectures and graded exercises on what makes a deep network generalise and train well, in
TensorFlow 2 / Keras 3, on a laptop CPU, offline.

## Install (once)

With Python 3.10-3.12:

```bash
make lab
```

creates `.venv`, installs the course (`pip install -e .`: TensorFlow, JupyterLab and the
course's small `helpers` and `coursework` packages) and opens JupyterLab. Without `make`:

```bash
python3 -m venv .venv
.venv/bin/pip install -e .
.venv/bin/jupyter lab notebooks/00_start_here.ipynb
```

With conda: `conda env create -f environment.yml && conda activate improving-deep-networks
&& jupyter lab`.

## Work

- `notebooks/NN_topic.ipynb`: the lectures. Run them top to bottom (*Run All*).
- `exercises/NN_topic.ipynb`: your graded exercises, 2-4 tasks each. In each task cell replace
  the line `raise NotImplementedError(...)` by your code and run it.

## Self-check

The cell after each task (tagged `check`) calls `check_task(...)` and says at once, in plain
words, what is wrong (a shape, a value, a likely cause) or `✔`. Run it as often as you like.

- It tries your code on a few public examples only. At grading, the teaching assistant's
  hidden checks try it on other inputs and edge cases too, so write the general code, not the
  answer to the example.
- A written answer (a task that asks you to explain in words) goes after **Answer:** in its
  markdown cell. Its check reads your saved notebook, so save (Ctrl+S) first; it says only
  whether an answer is there and shows the rubric a teaching assistant grades it with.
- Do not write code into a check cell: the grader removes those cells.

## Hand in

1. *Kernel → Restart Kernel and Run All Cells*: the notebook must run top to bottom.
2. Save it, and hand in the file `exercises/NN_topic.ipynb` itself, under its own name, as your
   teaching assistant tells you.

Grading runs your notebook in a fresh kernel, then the hidden checks. Your feedback names
each check, its result and its points. A cell that raises costs only the tasks that need it.
"""

MAKEFILE = """\
# make lab: create .venv on first use, install the course, open JupyterLab
PYTHON ?= python3

.PHONY: lab install

install: .venv/.installed

.venv/.installed: pyproject.toml
\t$(PYTHON) -m venv .venv
\t.venv/bin/python -m pip install --quiet -e .
\ttouch .venv/.installed

lab: .venv/.installed
\t.venv/bin/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root,) \\
\t\tnotebooks/00_start_here.ipynb
"""


def packages(root: Path = ROOT) -> list[str]:
    """The packages a student installs: ``helpers``, ``coursework`` and its units."""
    units = sorted(p.parent.name for p in (root / "coursework").glob("*/__init__.py"))
    return ["helpers", "coursework", *(f"coursework.{u}" for u in units)]


def pyproject(root: Path = ROOT) -> str:
    """A pyproject.toml that installs ``helpers`` and ``coursework``, with the course's
    dependencies."""
    import tomllib  # Python >= 3.11, as the instructor's environment

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = "\n".join(f"    {json.dumps(d)}," for d in project["dependencies"])
    return f"""\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "{project['name']}-student"
version = "{project['version']}"
description = "The student release of the course: lectures, exercises and helpers."
readme = "README.md"
requires-python = "{project['requires-python']}"
dependencies = [
{deps}
]

[tool.setuptools]
packages = {json.dumps(packages(root))}

[tool.setuptools.package-data]
helpers = ["py.typed"]
"""


def _student_notebook(src: Path, dst: Path) -> None:
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for pattern, repl in STUDENT_TEXT:
                cell.source = pattern.sub(repl, cell.source)
        else:
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, dst)


def _copy_package(src: Path, dst: Path, *hidden: str) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", *hidden))


def build(out: str | Path, *, force: bool = False, root: Path = ROOT) -> list[Path]:
    """Write the student release into ``out``; return the files written.

    Raises
    ------
    FileExistsError
        If ``out`` is a non-empty directory (and not ``force``) or a file.
    FileNotFoundError
        If ``root`` is not a full copy of the course (no exercises, helpers, ...).
    """
    out, root = Path(out), Path(root)
    for needed in ("notebooks", "exercises", "helpers", "coursework", "pyproject.toml",
                   "environment.yml"):
        if not (root / needed).exists():
            raise FileNotFoundError(f"{root} is not a copy of the course: {needed} is missing")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{str(out)!r} is a file, not a directory")
    if out.resolve() == root.resolve() or root.resolve() in out.resolve().parents and \
            out.resolve().parent == root.resolve() and out.name in (
                "notebooks", "exercises", "helpers", "coursework", "solutions", "instructor",
                "docs"):
        raise FileExistsError(f"refusing to write the release into the course itself: {out}")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"{str(out)!r} is not empty: choose an empty or new "
                                  "directory, or pass --force to replace its content")
        for child in out.iterdir():
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    for folder in ("notebooks", "exercises"):
        (out / folder).mkdir()
        for nb in sorted((root / folder).glob("*.ipynb")):
            _student_notebook(nb, out / folder / nb.name)
    _copy_package(root / "helpers", out / "helpers")
    _copy_package(root / "coursework", out / "coursework", *HIDDEN_PARTS)
    (out / "docs").mkdir()
    for doc in DOCS:
        if (root / "docs" / doc).exists():
            shutil.copyfile(root / "docs" / doc, out / "docs" / doc)
    shutil.copyfile(root / "environment.yml", out / "environment.yml")
    (out / "pyproject.toml").write_text(pyproject(root), encoding="utf-8")
    (out / "README.md").write_text(README, encoding="utf-8")
    (out / "Makefile").write_text(MAKEFILE, encoding="utf-8")
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n.ipynb_checkpoints/\n*.egg-info/\n",
                                    encoding="utf-8")
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m instructor.release",
        description="Write the student release (lectures, exercises, helpers, the public "
                    "self-checks; no solutions, no hidden checks) into OUT_DIR.")
    parser.add_argument("out_dir", help="an empty or new directory")
    parser.add_argument("--force", action="store_true",
                        help="replace the content of a non-empty OUT_DIR")
    args = parser.parse_args(argv)
    try:
        files = build(args.out_dir, force=args.force)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote the student release to {args.out_dir}: {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
