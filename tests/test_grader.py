"""python -m instructor.grade: the CLI, its outputs, resume, bad input, with and without sandbox.

Needs the Debian package ``bubblewrap`` (``apt-get install -y bubblewrap``): the sandbox.

The engine is tested on the small exercise of ``tests/hostile/fakechecks.py`` (kernels
without TensorFlow); tests/test_grade_real.py grades real solutions with the real checks.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from instructor import grade as g
from instructor import sandbox as sb
from instructor.grading import verdicts

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_hostile import load_fake_checks  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="needs bubblewrap: apt-get install -y bubblewrap")
NB = "fake_ex"
RIGHT = "def double(x):\n    return 2 * x"
ODD = "José Müller, \"the 2nd\"; 'x'"
BAD_BYTES = os.fsdecode(b"bad\xffname")


def _write(path: Path, *cells: str, check: bool = False) -> None:
    nb = new_notebook(cells=[new_markdown_cell("# my answers")])
    nb.cells += [new_code_cell(c) for c in cells]
    if check:
        nb.cells.append(new_code_cell("raise SystemExit('a public check')",
                                      metadata={"tags": ["check"]}))
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _hashes(root: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return {row["student"]: row for row in csv.DictReader(f)}


def make_class(subs: Path, small: bool = False) -> None:
    """A class of 9 students (7 notebooks to run), or 5 (3 to run) if ``small``."""
    _write(subs / "alice" / f"{NB}.ipynb", RIGHT, "answer = 42", check=True)
    (subs / "bob").mkdir(parents=True)
    (subs / "bob" / f"{NB}.ipynb").write_text('{"cells": [ oops', encoding="utf-8")
    _write(subs / "carol" / f"{NB}.ipynb", RIGHT, "1 / 0", "answer = 41")
    (subs / "erin").mkdir()
    (subs / "erin" / "notes.txt").write_text("sorry")
    _write(subs / ODD / f"{NB}.ipynb", RIGHT)
    if small:
        return
    _write(subs / "dave" / f"{NB}.ipynb", "answer = 42", "while True:\n    pass", RIGHT)
    _write(subs / BAD_BYTES / f"{NB}.ipynb", "answer = 42")
    _write(subs / "frank" / "other_exercise.ipynb", RIGHT)
    (subs / "gina").mkdir()
    os.symlink(subs / "alice" / f"{NB}.ipynb", subs / "gina" / f"{NB}.ipynb")
    (subs / "stray.ipynb").write_text("{}")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("class")
    subs, out = base / "submissions", base / "results" / "grades.csv"
    make_class(subs)
    out.parent.mkdir()
    before = _hashes(subs)
    lines: list[str] = []
    limits = sb.Limits(timeout=8, probe_timeout=10, startup=60)
    g.grade(subs, out, jobs=2, limits=limits, checks=load_fake_checks(), progress=lines.append)
    return {"rows": _read(out), "lines": lines, "subs": subs, "out": out, "before": before,
            "limits": limits}


def test_csv_columns_points_and_status(graded: dict) -> None:
    rows = graded["rows"]
    assert list(rows["alice"]) == ["student", f"{NB}:task1", f"{NB}:task2", "total",
                                   f"{NB}:status"]
    got = {name: (r[f"{NB}:task1"], r[f"{NB}:task2"], r["total"], r[f"{NB}:status"])
           for name, r in rows.items()}
    assert got["alice"] == ("2", "1", "3", "ok")  # its check cell (raising) is not run
    assert got["bob"] == ("0", "0", "0", "unreadable (JSONDecodeError)")  # parsed in the sandbox
    assert got["carol"] == ("2", "0", "2",
                            "error in cell 3 (ZeroDivisionError: division by zero)")
    assert got["erin"] == ("0", "0", "0", "missing")
    # dave: the loop is interrupted, the answer before it counts, the cell after never ran
    assert got["dave"] == ("0", "1", "1", "timeout in cell 3")
    assert got[ODD] == ("2", "0", "2", "ok")
    assert got["bad\\xffname"] == ("0", "1", "1", "ok")
    assert got["frank"] == ("0", "0", "0", "missing")
    assert got["gina"] == ("0", "0", "0", "unreadable (not a regular file)")


def test_progress_lines_with_eta(graded: dict) -> None:
    lines = graded["lines"]
    assert any(line.startswith("skipped stray.ipynb: not a student folder") for line in lines)
    assert any("skipped frank/other_exercise.ipynb" in line for line in lines)
    steps = [line for line in lines if line.startswith("[")]
    assert len(steps) == 9 and steps[-1].startswith("[9/9] 100% ETA -")
    assert all(" ETA " in line for line in steps)


def test_canvas_csv_and_feedback(graded: dict) -> None:
    out: Path = graded["out"]
    with (out.parent / "grades-canvas.csv").open(newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", NB]
    assert table[1] == ["Points Possible", "", "", "", "", "3"]
    assert ["alice", "", "", "alice", "", "3"] in table
    assert [ODD, "", "", ODD, "", "2"] in table
    feedback = out.parent / "grades-feedback"
    assert len(list(feedback.glob("*.md"))) == len(list(feedback.glob("*.html"))) == 9
    carol = (feedback / "carol.md").read_text(encoding="utf-8")
    assert "## fake_ex: 2 / 3 points" in carol
    assert "Run: error in cell 3 (ZeroDivisionError: division by zero)." in carol
    assert "- **task2** (0 / 1, fail): not the answer" in carol
    odd = [p for p in feedback.glob("*.md") if p.name.startswith("Jos")]
    assert len(odd) == 1 and "# Feedback for José Müller, \"the 2nd\"; 'x'" in \
        odd[0].read_text(encoding="utf-8")
    assert odd[0].stem.startswith("José_Müller_the_2nd_x-")  # safe: no quote, comma, space
    html = (feedback / "carol.html").read_text(encoding="utf-8")
    assert "<h2>fake_ex: 2 / 3 points</h2>" in html and "default-src 'none'" in html


def test_submissions_are_never_modified(graded: dict) -> None:
    assert _hashes(graded["subs"]) == graded["before"]


def test_resume_regrades_only_what_changed(graded: dict, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    shutil.copytree(graded["subs"], subs, symlinks=True)
    out = tmp_path / "grades.csv"
    for name in ("grades.csv", "grades.state.json", "grades.secret"):
        shutil.copyfile(graded["out"].parent / name, tmp_path / name)
    _write(subs / "alice" / f"{NB}.ipynb", RIGHT, "answer = 7")  # alice resubmits
    lines: list[str] = []
    g.grade(subs, out, jobs=2, limits=graded["limits"], checks=load_fake_checks(),
            progress=lines.append)
    steps = [line for line in lines if line.startswith("[")]
    fresh = [line for line in steps if "already graded" not in line]
    assert [line.split()[4] for line in fresh] == ["alice/fake_ex:"]  # only alice ran again
    assert sum("already graded" in line for line in steps) == 8
    rows = _read(out)
    assert rows["alice"]["total"] == "2"
    assert {k: r for k, r in rows.items() if k != "alice"} == \
        {k: r for k, r in graded["rows"].items() if k != "alice"}
    # other limits: graded again
    for entry in subs.iterdir():
        if entry.name != "alice":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    lines.clear()
    g.grade(subs, out, limits=sb.Limits(timeout=9, probe_timeout=10), checks=load_fake_checks(),
            progress=lines.append, notebooks=[NB])
    assert len(lines) == 1 and "alice" in lines[0] and "already graded" not in lines[0]


def test_bad_input_gives_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(verdicts, "load_checks", load_fake_checks)
    (tmp_path / "empty").mkdir()
    out = str(tmp_path / "g.csv")
    assert g.main([str(tmp_path / "nope"), "--out", out]) == 2
    assert "submissions folder" in capsys.readouterr().err
    assert g.main([str(tmp_path / "empty"), "--notebooks", "03_momentun", "--out", out]) == 2
    assert "unknown exercise(s) ['03_momentun']; the gradable ones are ['fake_ex']" in \
        capsys.readouterr().err
    assert g.main([str(tmp_path / "empty"), "--out", str(tmp_path / "empty" / "g.csv")]) == 2
    assert "must not be inside the submissions folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        g.main([str(tmp_path / "empty"), "--memory", "lots"])
    assert "--memory must look like '2.5G' or '800M' (powers of 1024), got 'lots'" in \
        capsys.readouterr().err
    _write(tmp_path / "empty" / "al" / f"{NB}.ipynb", "answer = 42")
    assert g.main([str(tmp_path / "empty"), "--out", out,
                   "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap
    assert g.main([str(tmp_path / "empty"), "--out", out]) == 2
    assert "apt-get install -y bubblewrap" in capsys.readouterr().err
    assert g.main([str(tmp_path / "empty"), "--out", out, "--no-sandbox", "--timeout", "20"]) == 0
    assert _read(Path(out))["al"]["total"] == "1"
    assert (tmp_path / "g.secret").stat().st_mode & 0o777 == 0o600  # made once, private


def test_one_size_parser_in_1024s() -> None:
    from instructor import hub
    from instructor.sizes import parse_bytes
    assert hub.parse_bytes is parse_bytes
    assert parse_bytes("2.5G") == int(2.5 * 2**30) == sb.Limits().memory
    assert parse_bytes("800M") == parse_bytes("800MiB") == 800 * 2**20
    with pytest.raises(ValueError, match="--memory must be at least 100M, got '50M'"):
        parse_bytes("50M", minimum=100 * 2**20, what="--memory")


def test_same_grades_without_sandbox(graded: dict, tmp_path: Path) -> None:
    out = tmp_path / "grades.csv"
    g.grade(graded["subs"], out, jobs=2, limits=graded["limits"], sandbox=False,
            checks=load_fake_checks(), progress=lambda _: None)
    assert _read(out) == graded["rows"]
