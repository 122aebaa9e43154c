"""The gradebook (instructor/ta/gradebook.py): schema version, the grader's store seam, two
teaching assistants at once, a crash mid-write, a locked or damaged file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from instructor.ta.gradebook import SCHEMA_VERSION, Gradebook, GradebookError, StaleWrite

ROOT = Path(__file__).resolve().parents[1]


def _book(tmp_path: Path, actor: str = "ta1") -> Gradebook:
    book = Gradebook(tmp_path / "gb.sqlite", actor=actor)
    book.add_students([{"id": "s1", "name": "Ann"}, {"id": "s2", "name": "Bo"}])
    return book


def test_schema_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    with _book(tmp_path) as book:
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in book.db.execute("SELECT name FROM sqlite_master "
                                                "WHERE type='table'")}
        assert {"students", "submissions", "autograde", "rubric_scores", "comments",
                "extensions", "overrides", "audit"} <= tables
    for version, word in ((SCHEMA_VERSION + 1, "newer"), (SCHEMA_VERSION - 1, "older")):
        if version == 0:  # an empty user_version is how a fresh file looks
            con = sqlite3.connect(tmp_path / "gb.sqlite")
            con.execute("PRAGMA user_version = 0")
            con.close()
            # a file with tables but no version is an older schema, never re-created over
            with pytest.raises(GradebookError, match="version 0.*an older"):
                Gradebook(tmp_path / "gb.sqlite")
            continue
        con = sqlite3.connect(tmp_path / "gb.sqlite")
        con.execute(f"PRAGMA user_version = {version}")
        con.close()
        with pytest.raises(GradebookError, match=f"version {version}.*{word}"):
            Gradebook(tmp_path / "gb.sqlite")


def test_the_graders_store_seam(tmp_path: Path) -> None:
    result = {"status": "ok", "seconds": 1.5,
              "tasks": {"ex:task1": {"points": 2.0, "max": 2, "status": "pass",
                                     "message": "ok"}}}
    with _book(tmp_path) as book:
        assert book.get("s1", "ex", "d1", "set1") is None
        book.put("s1", "ex", "d1", "set1", result)
        assert book.get("s1", "ex", "d1", "set1") == result
        assert book.get("s1", "ex", "d1", "set2") is None  # other checks or limits: regrade
        assert book.get("s1", "ex", "d2", "set1") is None  # another file: regrade
    with Gradebook(tmp_path / "gb.sqlite") as again:  # survives a restart
        assert again.get("s1", "ex", "d1", "set1") == result


def test_two_teaching_assistants_never_overwrite_each_other(tmp_path: Path) -> None:
    a = _book(tmp_path, "ta-anna")
    b = Gradebook(tmp_path / "gb.sqlite", actor="ta-ben")
    seen_a = a.score("s1", "ex:task3")
    seen_b = b.score("s1", "ex:task3")
    assert seen_a is None and seen_b is None
    assert a.set_score("s1", "ex:task3", ["names"], "good", expected_version=0) == 1
    with pytest.raises(StaleWrite, match="ta-anna.*not saved"):
        b.set_score("s1", "ex:task3", ["remedy"], "meh", expected_version=0)
    stored = a.score("s1", "ex:task3")
    assert stored["items"] == ["names"] and stored["comment"] == "good"
    assert b.set_score("s1", "ex:task3", ["names", "remedy"], "ok", expected_version=1) == 2
    with pytest.raises(StaleWrite):
        a.set_score("s1", "ex:task3", [], "", expected_version=1)
    trail = a.audit("s1/ex:task3")
    assert [(t["actor"], t["action"]) for t in trail] == [("ta-anna", "rubric"),
                                                          ("ta-ben", "rubric")]
    assert '"names"' in trail[1]["before"] and '"remedy"' in trail[1]["after"]
    with pytest.raises(GradebookError, match="reason"):
        a.set_override("s1", "ex:task1", 1.0, "")
    a.close()
    b.close()


WRITER = """
import sys
from instructor.ta.gradebook import Gradebook
book = Gradebook(sys.argv[1], actor="crash")
for n in range(100000):
    book.set_score("s1", f"ex:t{n}", ["a"], "x" * 2000, expected_version=0)
    print(n, flush=True)
"""


def test_a_crash_at_any_moment_loses_no_recorded_score(tmp_path: Path) -> None:
    _book(tmp_path).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _round in range(3):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path / "gb.sqlite")],
                                stdout=subprocess.PIPE, text=True, env=env)
        reported = -1
        t0 = time.monotonic()
        while reported < 30 + 20 * _round and time.monotonic() - t0 < 120:
            reported = int(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the next write
        proc.wait()
        with Gradebook(tmp_path / "gb.sqlite") as book:
            book.check()
            saved = {s["task"] for s in book.scores()}
            assert {f"ex:t{n}" for n in range(reported + 1)} <= saved, \
                f"a score reported as saved was lost (round {_round})"
            book.db.execute("DELETE FROM rubric_scores")


def test_locked_and_damaged_files_are_named_and_untouched(tmp_path: Path) -> None:
    book = _book(tmp_path)
    other = sqlite3.connect(tmp_path / "gb.sqlite", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    slow = Gradebook(tmp_path / "gb.sqlite", timeout=0.3)
    with pytest.raises(GradebookError, match="locked by another process"):
        slow.set_score("s1", "ex:task3", [], "", expected_version=0)
    other.execute("ROLLBACK")
    other.close()
    assert slow.set_score("s1", "ex:task3", [], "", expected_version=0) == 1
    slow.close()
    book.close()
    half = tmp_path / "half.sqlite"
    data = (tmp_path / "gb.sqlite").read_bytes()
    half.write_bytes(b"not a database at all" + data[100:300])
    before = half.read_bytes()
    with pytest.raises(GradebookError, match="not a readable gradebook"):
        Gradebook(half)
    assert half.read_bytes() == before
