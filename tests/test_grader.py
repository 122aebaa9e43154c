"""python -m instructor.grade: points per task, survives broken notebooks, never modifies them.

Two grader runs over a folder of made-up students (tiny notebooks, plus one real solution):
one with the default timeout, one with a short timeout for the notebooks that never end.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from instructor import grade as g

ROOT = Path(__file__).resolve().parents[1]
NB = "03_momentum"
KEYS = [f"{NB}:task{n}" for n in (1, 2, 3)]

MOMENTUM = """import numpy as np


def momentum_step(w, v, grad, lr, beta):
    v = beta * v - lr * grad
    return w + v, v"""
CHECK = 'from helpers.selfcheck import check_task\ncheck_task("03_momentum", {n}, globals())'


def _write(path: Path, *cells: str, checks: dict[int, str] | None = None) -> None:
    nb = new_notebook(cells=[new_markdown_cell("# my answers")])
    for source in cells:
        nb.cells.append(new_code_cell(source))
    for n, source in (checks or {}).items():
        nb.cells.append(new_code_cell(source or CHECK.format(n=n), metadata={"tags": ["check"]}))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _read(csv_path: Path) -> dict[str, dict[str, str]]:
    with csv_path.open(newline="") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, list[str], Path, dict]:
    subs = tmp_path_factory.mktemp("submissions")
    # alice: the real solution notebook, check cells and all
    (subs / "alice").mkdir()
    shutil.copyfile(ROOT / "solutions" / f"{NB}.ipynb", subs / "alice" / f"{NB}.ipynb")
    # bob: not JSON at all
    (subs / "bob").mkdir()
    (subs / "bob" / f"{NB}.ipynb").write_text('{"cells": [ oops', encoding="utf-8")
    # carol: task 1 right, then a cell raises, then task 3 right
    _write(subs / "carol" / f"{NB}.ipynb", MOMENTUM, "1 / 0", 'answer_adam = "b"',
           checks={1: "", 3: ""})
    # erin: handed in nothing (only a stray file)
    (subs / "erin").mkdir()
    (subs / "erin" / "notes.txt").write_text("sorry")
    # frank: check cells deleted or edited, a wrong answer, and a monkeypatched checker
    _write(subs / "frank" / f"{NB}.ipynb", MOMENTUM, 'answer_adam = "a"',
           "from helpers import selfcheck as sc\n"
           "sc.score_task = lambda nb, n, ns: (sc.get_task(nb, n).points, 'ok')",
           checks={3: 'print("✔ Task 3 passed")'})
    # gina: right answers, but her notebook's check cell was edited to fake success
    _write(subs / "gina" / f"{NB}.ipynb", MOMENTUM, 'answer_adam = "d"',
           "check_task = lambda *args: print('✔ all good')\ncheck_task('03_momentum', 3, {})")
    before = _hashes(subs)
    lines: list[str] = []
    out = subs.parent / "grades.csv"
    g.grade(subs, out, timeout=120, check_timeout=30, progress=lines.append)
    return _read(out), lines, subs, before


def test_csv_has_a_column_per_task_total_and_error(graded: tuple) -> None:
    rows, _, _, _ = graded
    assert sorted(rows) == ["alice", "bob", "carol", "erin", "frank", "gina"]
    assert list(rows["alice"]) == ["student", *KEYS, "total", "error"]


def test_correct_submission_gets_full_points(graded: tuple) -> None:
    alice = graded[0]["alice"]
    assert [alice[k] for k in KEYS] == ["2", "1", "1"]
    assert alice["total"] == "4" and alice["error"] == ""


def test_notebook_that_is_not_json(graded: tuple) -> None:
    bob = graded[0]["bob"]
    assert bob["total"] == "0" and "cannot read the notebook" in bob["error"]


def test_cell_that_raises_costs_only_its_task(graded: tuple) -> None:
    carol = graded[0]["carol"]
    assert [carol[k] for k in KEYS] == ["2", "0", "1"]
    assert "cell 2 raised ZeroDivisionError" in carol["error"]


def test_missing_notebook(graded: tuple) -> None:
    erin = graded[0]["erin"]
    assert erin["total"] == "0" and erin["error"] == f"{NB}: missing {NB}.ipynb"


def test_deleted_or_edited_check_cells_earn_nothing(graded: tuple) -> None:
    frank, gina = graded[0]["frank"], graded[0]["gina"]
    # task 1 right without its check cell; task 3 wrong despite the edited check and the patch
    assert [frank[k] for k in KEYS] == ["2", "0", "0"] and frank["error"] == ""
    assert [gina[k] for k in KEYS] == ["2", "0", "0"] and gina["error"] == ""


def test_progress_is_shown_per_notebook(graded: tuple) -> None:
    lines = graded[1]
    assert len(lines) == 6 and lines[0].startswith("[1/6] alice/03_momentum.ipynb: 4/4 points")


def test_submitted_files_are_never_modified(graded: tuple) -> None:
    _, _, subs, before = graded
    assert _hashes(subs) == before


def test_infinite_loops_time_out_and_the_run_goes_on(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    subs = tmp_path / "subs"
    _write(subs / "dave" / f"{NB}.ipynb", 'answer_adam = "b"', "while True:\n    pass",
           MOMENTUM)
    _write(subs / "dan" / f"{NB}.ipynb", 'answer_adam = "b"',
           "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
           "    except KeyboardInterrupt:\n        pass")
    _write(subs / "zoe" / f"{NB}.ipynb", MOMENTUM)
    out = tmp_path / "grades.csv"
    code = g.main([str(subs), "--out", str(out), "--timeout", "6", "--check-timeout", "4"])
    assert code == 0
    rows = _read(out)
    # dave: interrupted; the answer before the loop counts, the cell after it never ran
    assert [rows["dave"][k] for k in KEYS] == ["0", "0", "1"]
    assert "timeout: cell 2 still running after 6 s" in rows["dave"]["error"]
    # dan ignores the interrupt: the kernel stays busy and no check can run
    assert rows["dan"]["total"] == "0" and "ignored the interrupt" in rows["dan"]["error"]
    # the run went on after both
    assert rows["zoe"][KEYS[0]] == "2" and rows["zoe"]["error"] == ""
    assert "[3/3] zoe/03_momentum.ipynb" in capsys.readouterr().err


def test_grader_fails_only_when_it_cannot_run(tmp_path: Path) -> None:
    assert g.main([str(tmp_path / "nope"), "--out", str(tmp_path / "g.csv")]) == 2
    (tmp_path / "empty").mkdir()
    assert g.main([str(tmp_path / "empty"), "--out", str(tmp_path / "g.csv")]) == 0
    assert g.main([str(tmp_path / "empty"), "--notebooks", "03_momentun",
                   "--out", str(tmp_path / "g.csv")]) == 2


def test_check_cells_are_recognized_by_tag_or_call() -> None:
    assert g.is_check_cell(new_code_cell("x = 1", metadata={"tags": ["check"]}))
    assert g.is_check_cell(new_code_cell('check_task("03_momentum", 1, globals())'))
    assert not g.is_check_cell(new_code_cell("x = 1"))
    assert not g.is_check_cell(new_markdown_cell("check_task( is explained here"))
