"""The teaching library stays what a learner can read in one sitting (issue 20)."""

from __future__ import annotations

import ast
from pathlib import Path

HELPERS = Path(__file__).resolve().parents[1] / "helpers"


def test_helpers_stay_small() -> None:
    lines = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in HELPERS.glob("*.py"))
    assert lines < 2500, f"helpers/ has {lines} lines: keep the teaching library under 2,500"


def test_helpers_import_nothing_from_the_exercises_or_the_instructor_tools() -> None:
    for path in HELPERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            bad = [n for n in names if n.split(".")[0] in ("coursework", "instructor")]
            assert not bad, f"{path.name} imports {bad}"
