"""Where the exercise units are: discovered from their folders, never listed by hand.

A unit is a folder ``coursework/exNN_topic/`` with a ``spec.py`` (its tasks, inputs and
grids), ``public.py`` (the self-checks that ship), ``tables.py`` (generated expected
outputs) and ``hidden.py`` (probes, judges, references, hidden cases: never ships).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from coursework.engine.spec import Task

__all__ = ["folder", "module", "notebooks", "tasks"]

ROOT = Path(__file__).resolve().parents[1]


def notebooks() -> list[str]:
    """The graded exercises, sorted (``"01_overfitting"``, ...): one per unit folder."""
    return sorted(p.name[2:] for p in ROOT.glob("ex[0-9][0-9]_*") if (p / "spec.py").is_file())


def folder(notebook: str) -> str:
    """The unit's package name, ``"ex01_overfitting"``; ValueError naming the known ones."""
    if not isinstance(notebook, str) or notebook not in notebooks():
        raise ValueError(f"notebook must be one of {notebooks()}, got {notebook!r}")
    return f"ex{notebook}"


def module(notebook: str, part: str) -> ModuleType:
    """The module ``part`` (``"spec"``, ``"public"``, ``"tables"``, ``"hidden"``) of a unit."""
    return importlib.import_module(f"coursework.{folder(notebook)}.{part}")


def tasks(notebook: str) -> tuple[Task, ...]:
    """The tasks of ``notebook`` as its spec declares them, in order."""
    return module(notebook, "spec").TASKS
