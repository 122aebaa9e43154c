"""Collect (hub, Canvas zip, folder), deadlines, extensions and the late policy, exports and
their escaping, and bad input: every error named, nothing written
(instructor/ta/collect.py, config.py, marks.py, export.py)."""

from __future__ import annotations

import csv
import os
import shutil
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import ta_fixture as fx

from instructor.ta import collect, export
from instructor.ta import config as cfg
from instructor.ta.__main__ import main, regrade_task
from instructor.ta.gradebook import GradebookError

DEADLINE = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def _at(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


def _setup(tmp_path: Path, students: list[str], extensions: str = "") -> tuple:
    toml = fx.course(tmp_path / "course", students, extensions=extensions,
                     homes=tmp_path / "home")
    course = cfg.load(toml, known_exercises=fx.notebooks())
    return course, collect.open_gradebook(course, "tester")


def test_folder_deadlines_extension_missing_and_penalty(tmp_path: Path) -> None:
    ext = ('[[extensions]]\nstudent = "s3"\nexercise = "fake_ex"\ndays = 3\n'
           'reason = "ill"\n')
    course, book = _setup(tmp_path, ["s1", "s2", "s3", "s4"], ext)
    subs = tmp_path / "subs"
    for s, hours in (("s1", -1), ("s2", 30), ("s3", 30)):  # s4 hands in nothing
        (subs / s).mkdir(parents=True)
        f = subs / s / "fake_ex.ipynb"
        f.write_bytes(fx.notebook())
        _at(f, DEADLINE.replace(hour=12 + hours) if 0 <= 12 + hours < 24 else
            datetime.fromtimestamp(DEADLINE.timestamp() + hours * 3600, timezone.utc))
    lines = collect.collect_folder(book, course, subs, ["fake_ex"])
    assert sum("new" in x for x in lines) == 3
    again = collect.collect_folder(book, course, subs, ["fake_ex"])
    assert all("unchanged" in x for x in again), "collecting twice must add nothing"
    for s in ("s1", "s2", "s3"):
        snap = Path(book.latest(s, "fake_ex")["path"])
        assert snap.read_bytes() == fx.notebook() and snap.is_relative_to(course.snapshots)
    marks = {s: m for s, (m,) in export.build(book, course, fx, ["fake_ex"]).items()}
    assert marks["s1"].status == "on time" and marks["s1"].penalty == 0
    assert marks["s2"].status == "late" and marks["s2"].days_late == 2
    assert marks["s2"].penalty == pytest.approx(0.2 * 6)  # 10% a day of 6 points
    assert marks["s3"].status == "on time" and "ill" in marks["s3"].extension
    assert marks["s4"].status == "missing" and marks["s4"].total == 0
    assert export.status_text(marks["s4"]) == "missing"
    assert marks["s1"].ungraded == ["fake_ex:task1", "fake_ex:task2", "fake_ex:task3"]
    # grace: 10 minutes late is on time, 20 minutes is one day
    assert course.late.days_late(datetime.fromtimestamp(DEADLINE.timestamp() + 600,
                                                        timezone.utc), DEADLINE) == 0
    assert course.late.days_late(datetime.fromtimestamp(DEADLINE.timestamp() + 1200,
                                                        timezone.utc), DEADLINE) == 1
    assert course.late.penalty(9) == 0.5  # the cap


def test_canvas_zip_unknown_student_and_corrupt_zip(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture) -> None:
    course, book = _setup(tmp_path, ["s1", "s2"])
    good = tmp_path / "subs.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr(zipfile.ZipInfo("studentsone_1000_501_fake_ex.ipynb",
                                   (2026, 12, 1, 11, 0, 0)), fx.notebook())
        z.writestr(zipfile.ZipInfo("studentstwo_LATE_1001_502_fake_ex-1.ipynb",
                                   (2026, 12, 3, 9, 0, 0)), fx.notebook(right=False))
        z.writestr("studentsone_1000_501_notes.txt", "hi")
    lines = collect.collect_lms(book, course, good, ["fake_ex"])
    assert any("notes.txt: not a notebook" in x for x in lines)
    s1, s2 = book.latest("s1", "fake_ex"), book.latest("s2", "fake_ex")
    assert s1["source"] == "lms" and s1["submitted_at"] == "2026-12-01T11:00:00+00:00"
    assert "LATE" in s2["note"] and s2["submitted_at"].startswith("2026-12-03T09:00")
    book.close()
    main(["--course", str(course.path), "--checks", "ta_fixture", "status"])
    assert "[Canvas marked it LATE]" in capsys.readouterr().out
    book = collect.open_gradebook(course, "tester")
    before = len(book.submissions())
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("studentsone_1000_601_fake_ex.ipynb", fx.notebook(answer="new"))
        z.writestr("stranger_9999_602_fake_ex.ipynb", fx.notebook())
    with pytest.raises(collect.CollectError, match="unknown Canvas user id 9999.*"):
        collect.collect_lms(book, course, bad, ["fake_ex"])
    assert len(book.submissions()) == before, "nothing is recorded when one entry is bad"
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(good.read_bytes()[:200])
    with pytest.raises(collect.CollectError, match="not a readable zip"):
        collect.collect_lms(book, course, corrupt, ["fake_ex"])
    assert len(book.submissions()) == before
    strangers = tmp_path / "folder" / "nobody"
    strangers.mkdir(parents=True)
    (strangers / "fake_ex.ipynb").write_bytes(fx.notebook())
    with pytest.raises(collect.CollectError, match="unknown student 'nobody'"):
        collect.collect_folder(book, course, tmp_path / "folder", ["fake_ex"])


def test_hub_snapshot_and_a_backdated_file(tmp_path: Path) -> None:
    course, book = _setup(tmp_path, ["s1", "s2"])
    mine = tmp_path / "home" / "s1" / "course" / "exercises" / "fake_ex.ipynb"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(fx.notebook())
    _at(mine, DEADLINE.replace(hour=10))
    (tmp_path / "home" / "s2" / "course" / "exercises").mkdir(parents=True)
    os.symlink("/etc/passwd", tmp_path / "home" / "s2" / "course" / "exercises" /
               "fake_ex.ipynb")
    lines = collect.collect_hub(book, course, ["fake_ex"])
    assert any("s2/fake_ex" in x and "not a regular file" in x for x in lines)
    assert book.latest("s2", "fake_ex") is None
    # s2 links their exercises folder to s1's: s1's work is not collected as s2's
    shutil.rmtree(tmp_path / "home" / "s2" / "course" / "exercises")
    os.symlink(mine.parent, tmp_path / "home" / "s2" / "course" / "exercises")
    lines = collect.collect_hub(book, course, ["fake_ex"])
    assert any("s2/fake_ex" in x and "leads out of the student's home" in x for x in lines)
    assert book.latest("s2", "fake_ex") is None
    first = book.latest("s1", "fake_ex")
    assert first["source"] == "hub" and first["submitted_at"].startswith("2026-12-01T10:00")
    mine.write_bytes(fx.notebook(answer="changed later"))  # then backdated with touch
    _at(mine, DEADLINE.replace(hour=9))
    collect.collect_hub(book, course, ["fake_ex"])
    second = book.latest("s1", "fake_ex")
    assert second["sha256"] != first["sha256"]
    assert second["submitted_at"] >= first["collected_at"], \
        "a file changed after a collection cannot claim an earlier time"
    assert "previous collection" in second["note"]
    assert Path(first["path"]).read_bytes() == fx.notebook(), "snapshots are never changed"


@pytest.mark.parametrize("toml, message", [
    ('[exercises."fake_ex"]\ndeadline = "1 December"\n', "not a date and time"),
    ('[exercises."fake_ex"]\ndeadline = "2026-12-01T12:00:00"\n', "no UTC offset"),
    ('[exercises."nope"]\ndeadline = "2026-12-01T12:00:00Z"\n', "no such exercise"),
    ('[exercises."fake_ex"]\ndeadline = "2026-12-01T12:00:00Z"\n[[extensions]]\n'
     'student = "zz"\nexercise = "fake_ex"\ndays = 1\n', "'zz' is not in the roster"),
    ('[late]\ncap = 3\n', "late.cap = 3"),
])
def test_config_errors_name_the_value(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "roster.csv").write_text("id,name\ns1,Ann\n")
    (tmp_path / "course.toml").write_text(toml)
    with pytest.raises(cfg.ConfigError, match=message):
        cfg.load(tmp_path / "course.toml", known_exercises=["fake_ex"])


def test_exports_escape_student_text_and_rubric_items_must_exist(tmp_path: Path) -> None:
    course, book = _setup(tmp_path, ["s1", "s2"])
    book.add_students([{"id": "s1", "name": "=HYPERLINK(\"http://x\")", "lms_id": "1000",
                        "sis_id": "@SUM(A1)", "hub_user": "s1"}])
    for s in ("s1", "s2"):
        book.add_submission(s, "fake_ex", s * 8, "folder", "2026-12-01T10:00:00+00:00",
                            str(tmp_path / "x"))
        book.put(s, "fake_ex", s * 8, "set", {"status": "ok", "seconds": 1, "tasks": {
            "fake_ex:task1": {"points": 2, "max": 2, "status": "pass",
                              "message": "<script>alert(1)</script> ## 9 / 9 points"},
            "fake_ex:task2": {"points": 0, "max": 1, "status": "fail", "message": "-1+1"}}})
    book.set_score("s1", "fake_ex:task3", ["names", "remedy"],
                   "<img src=x onerror=alert(1)> well done", expected_version=0)
    out = tmp_path / "out"
    marks = export.write_exports(book, course, fx, ["fake_ex"], out)
    m1 = marks["s1"][0]
    assert m1.raw == 4 and m1.total == 4  # 2 autograded + 2 rubric
    rows = list(csv.reader((out / "canvas.csv").open()))
    assert rows[1][0] == "Points Possible" and rows[1][5] == "6"
    assert rows[2][0].startswith("'=") and rows[2][3] == "'@SUM(A1)" and rows[2][5] == "4"
    grades = list(csv.DictReader((out / "grades.csv").open()))
    assert grades[0]["fake_ex:task3"] == "2" and grades[0]["fake_ex:status"] == "on time"
    html = (out / "feedback" / "s1.html").read_text()
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert "late penalty" in html and "rubric" in html
    md = (out / "feedback" / "s1.md").read_text()
    assert "\n## 9" not in md and "\\#\\# 9" in md and "<script>" not in md
    assert "- [x] names overfitting (1)" in md and "- [ ] points to the curve (1)" in md
    lms = export.return_for_lms(book, out / "feedback", tmp_path / "lms")
    assert len(lms) == 2 and len(list((tmp_path / "lms").glob("*_feedback.html"))) == 2
    # a rubric item the spec does not have: a clear error at export, then regrade fixes it
    book.set_score("s2", "fake_ex:task3", ["names", "gone"], "", expected_version=0)
    with pytest.raises(GradebookError, match=r"\['gone'\] of fake_ex:task3 for s2 do not "
                                             "exist"):
        export.write_exports(book, course, fx, ["fake_ex"], out)
    lines = regrade_task(book, course, fx, "fake_ex:task3", jobs=1, sandbox=False)
    assert any("s2" in x and "gone" in x for x in lines)
    assert book.score("s2", "fake_ex:task3")["items"] == ["names"]
    assert book.score("s1", "fake_ex:task3")["version"] == 1, "s1 was not touched"
    export.write_exports(book, course, fx, ["fake_ex"], out)


def test_command_line_errors_exit_2_with_the_message(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    toml = fx.course(tmp_path, ["s1"], deadline="tomorrow")
    assert main(["--course", str(toml), "--checks", "ta_fixture", "status"]) == 2
    assert "not a date and time" in capsys.readouterr().err
    toml = fx.course(tmp_path, ["s1"])
    assert main(["--course", str(toml), "--checks", "ta_fixture", "status"]) == 0
    assert "s1: fake_ex missing" in capsys.readouterr().out
    (tmp_path / "gradebook.sqlite").write_bytes(b"garbage" * 100)
    assert main(["--course", str(toml), "--checks", "ta_fixture", "status"]) == 2
    assert "not a readable gradebook" in capsys.readouterr().err


def test_regrade_of_one_code_task_changes_only_that_task(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """A check changed: the exercise is graded again, but only the changed task's points
    may move; the other tasks keep what they had."""
    from instructor.ta import autograde as ag

    course, book = _setup(tmp_path, ["s1", "s2"])

    def result(p1: float, p2: float) -> dict:
        return {"status": "ok", "seconds": 1.0, "tasks": {
            "fake_ex:task1": {"points": p1, "max": 2, "status": "x", "message": ""},
            "fake_ex:task2": {"points": p2, "max": 1, "status": "x", "message": ""}}}

    for s in ("s1", "s2"):
        book.add_submission(s, "fake_ex", s * 8, "folder", "2026-12-01T10:00:00+00:00", "x")
        book.put(s, "fake_ex", s * 8, "old", result(2, 0))
    calls = []

    def fake_autograde(book, notebooks, **kw):  # noqa: ANN001, ANN003, ANN202
        calls.append(notebooks)
        for s in ("s1", "s2"):  # the new checks: task 2 now passes, task 1 now fails
            book.put(s, "fake_ex", s * 8, "new", result(0, 1))
        return ["graded"]

    monkeypatch.setattr(ag, "autograde", fake_autograde)
    lines = regrade_task(book, course, fx, "fake_ex:task2", jobs=1, sandbox=False)
    assert calls == [["fake_ex"]]
    assert "s1: fake_ex:task2 0 -> 1" in lines
    for s in ("s1", "s2"):
        tasks = book.autograde(s, "fake_ex", s * 8)["tasks"]
        assert tasks["fake_ex:task2"]["points"] == 1 and tasks["fake_ex:task1"]["points"] == 2
    with pytest.raises(GradebookError, match="no task 'fake_ex:task9'"):
        regrade_task(book, course, fx, "fake_ex:task9", jobs=1, sandbox=False)
