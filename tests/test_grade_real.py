"""The real checks (instructor.checks) through the sandboxed grader, on real notebooks.

Needs the Debian package ``bubblewrap`` (``apt-get install -y bubblewrap``): the sandbox.

A solution earns every autograded point (its written task is left to a teaching assistant,
and the feedback says so); the exercise as handed out earns none; a solution whose
check cells were replaced by a forged success still earns only what it solved.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import nbformat
import pytest

from instructor import grade as g
from instructor import sandbox as sb

ROOT = Path(__file__).resolve().parents[1]
NB = "03_momentum"
pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="needs bubblewrap: apt-get install -y bubblewrap")
pytest.importorskip("instructor.checks", reason="the checks land from branch `checks`")


def test_solution_full_marks_exercise_none(tmp_path: Path) -> None:
    checks = g.load_checks()
    subs = tmp_path / "submissions"
    for student, folder in (("alice", "solutions"), ("bob", "exercises")):
        (subs / student).mkdir(parents=True)
        shutil.copyfile(ROOT / folder / f"{NB}.ipynb", subs / student / f"{NB}.ipynb")
    nb = nbformat.read(ROOT / "exercises" / f"{NB}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "check" in cell.metadata.get("tags", []):
            cell.source = "print('✔ Task passed')"
    (subs / "carol").mkdir()
    nbformat.write(nb, subs / "carol" / f"{NB}.ipynb")
    out = tmp_path / "grades.csv"
    g.grade(subs, out, jobs=2, limits=sb.Limits(timeout=240, probe_timeout=120),
            progress=lambda _: None, checks=checks)
    with out.open(newline="", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    most = sum(t.points for t in checks.tasks(NB))
    auto = sum(t.points for t in checks.tasks(NB) if t.kind == "code")  # a TA grades the rest
    assert auto < most  # 03's task 2 is a written answer (issue 22)
    assert rows["alice"][f"{NB}:status"] == "ok"
    assert float(rows["alice"]["total"]) == auto
    assert float(rows["bob"]["total"]) == 0
    assert float(rows["carol"]["total"]) == 0
    feedback = (tmp_path / "grades-feedback" / "alice.md").read_text(encoding="utf-8")
    assert f"## {NB}: {auto} / {most} points" in feedback
    assert "(0 / 1, graded by a teaching assistant)" in feedback
