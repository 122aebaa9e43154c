"""The grader holds against hostile and careless submissions (issue 11, threat classes 1-9).

Needs the Debian package ``bubblewrap`` (``apt-get install -y bubblewrap``): the sandbox.

One grading run (``--jobs 2``, the sandbox on) over a class of students written in
``tests/hostile/students.py`` for the small exercise of ``tests/hostile/fakechecks.py``
(kernels without TensorFlow start in about a second). Each attack must leave the grader
whole: the hostile student earns no point it did not solve, the honest students keep
their scores, the submissions folder and the installation are byte-identical afterwards,
no process of any student is left, and a server on the grader's loopback saw nothing.
"""

from __future__ import annotations

import csv
import hashlib
import http.server
import importlib
import json
import os
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from instructor import grade as g
from instructor import sandbox as sb

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "hostile"
sys.path.insert(0, str(HOSTILE))
import students as cls  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="needs bubblewrap: apt-get install -y bubblewrap")
NB = "fake_ex"


def load_fake_checks():
    """The stand-in for ``instructor.checks`` (tests/hostile/fakechecks.py)."""
    return importlib.import_module("fakechecks")


def write_class(root: Path, students: dict[str, list[str]], **fill: str) -> None:
    for name, cells in students.items():
        nb = new_notebook(cells=[new_code_cell(_fill(c, fill)) for c in cells])
        (root / name).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, root / name / f"{NB}.ipynb")


def _fill(source: str, fill: dict[str, str]) -> str:
    for key, value in fill.items():
        source = source.replace("{" + key + "}", value)
    return source


def tree_hashes(*folders: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def venv_snapshot() -> dict[str, tuple[int, int]]:
    """Size and modification time of every file of the environment (hashing it is slow)."""
    out = {}
    for base, _, files in os.walk(sys.prefix):
        for name in files:
            p = os.path.join(base, name)
            if "__pycache__" not in p:
                st = os.lstat(p)
                out[p] = (st.st_size, st.st_mtime_ns)
    return out


def leftovers(mark: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        if mark in " ".join(p.info["cmdline"] or []):
            found.append(p)
    return found


class _Spy(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Spy.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"secret")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "submissions", base / "out" / "grades.csv"
    out.parent.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Spy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    mark = f"hostile{uuid.uuid4().hex[:8]}"
    targets = [str(HOSTILE / "fakechecks.py"), str(ROOT / "instructor" / "grade.py"),
               str(ROOT / "instructor" / "sandbox_run.py")]
    write_class(subs, cls.STUDENTS, SUBMISSIONS=str(subs), PORT=str(server.server_port),
                MARK=mark, TARGETS=repr(targets))
    installation = [ROOT / "helpers", ROOT / "instructor", HOSTILE]
    before = tree_hashes(subs), tree_hashes(*installation), venv_snapshot()
    limits = sb.Limits(timeout=30, probe_timeout=20, memory=1_500_000_000, startup=60)
    lines: list[str] = []
    start = time.perf_counter()
    g.grade(subs, out, jobs=2, limits=limits, checks=load_fake_checks(),
            progress=lines.append)
    seconds = time.perf_counter() - start
    time.sleep(0.5)
    left = leftovers(mark)
    for p in left:
        p.kill()
    server.shutdown()
    with out.open(newline="", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    after = tree_hashes(subs), tree_hashes(*installation), venv_snapshot()
    print(f"hostile class: {len(rows)} students graded in {seconds:.1f} s with --jobs 2")
    return {"rows": rows, "before": before, "after": after, "left": left, "out": out,
            "hits": list(_Spy.hits), "lines": lines, "seconds": seconds}


@pytest.mark.parametrize("student", sorted(cls.EXPECTED))
def test_each_student_gets_exactly_what_it_solved(hostile_run: dict, student: str) -> None:
    row = hostile_run["rows"][student]
    got = (row[f"{NB}:task1"], row[f"{NB}:task2"], row[f"{NB}:status"])
    t1, t2, status = cls.EXPECTED[student]
    if student in cls.ALTERNATIVE and got[2].startswith(cls.ALTERNATIVE[student][2]):
        t1, t2, status = cls.ALTERNATIVE[student]
    assert got[:2] == (str(t1), str(t2)), got
    assert got[2].startswith(status), got
    assert row["total"] == str(t1 + t2)


def test_submissions_and_installation_are_byte_identical(hostile_run: dict) -> None:
    subs_before, install_before, venv_before = hostile_run["before"]
    subs_after, install_after, venv_after = hostile_run["after"]
    assert subs_after == subs_before
    assert install_after == install_before
    changed = {k for k in venv_before.keys() | venv_after.keys()
               if venv_before.get(k) != venv_after.get(k)}
    assert not changed


def test_no_process_is_left(hostile_run: dict) -> None:
    assert hostile_run["left"] == []
    mine = psutil.Process().children(recursive=True)
    assert not [p for p in mine if p.name() in ("bwrap", "sleep")]


def test_the_loopback_server_saw_nothing(hostile_run: dict) -> None:
    assert hostile_run["hits"] == []


def test_every_student_was_graded_and_reported(hostile_run: dict) -> None:
    assert sorted(hostile_run["rows"]) == sorted(cls.STUDENTS)
    lines = hostile_run["lines"]
    assert len(lines) == len(cls.STUDENTS)
    assert lines[-1].startswith(f"[{len(cls.STUDENTS)}/{len(cls.STUDENTS)}] 100% ")
    feedback = hostile_run["out"].parent / "grades-feedback"
    assert sorted(p.stem for p in feedback.iterdir()) == sorted(cls.STUDENTS)
    text = (feedback / "aa_honest.md").read_text(encoding="utf-8")
    assert "## fake_ex: 3 / 3 points" in text and "hidden check 'three inputs': passed" in text
    assert "-7" not in text and "2.5" not in text  # never the hidden inputs


def test_answers_file_is_read_safely(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"1" * 101)
    (tmp_path / "ok").write_text('{"a": 1}')
    os.symlink("/etc/passwd", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    assert sb.read_capped(tmp_path / "ok", 100) == '{"a": 1}'
    assert sb.read_capped(tmp_path / "big", 100) is None
    assert sb.read_capped(tmp_path / "link", 10_000) is None
    assert sb.read_capped(tmp_path / "fifo", 100) is None
    assert sb.read_capped(tmp_path / "missing", 100) is None


def test_junk_answers_are_judged_never_trusted() -> None:
    checks = load_fake_checks()
    for junk in ('{"task1": [6, -14, 5], "task2": 42}', "[1, 2]", "NaN", "[" * 100_000,
                 '{"task1": "pass", "points": 1e999}', "not json", "9" * 10_000, None):
        tasks, problem = g._verdicts(checks, NB, junk)
        points = [t["points"] for t in tasks.values()]
        if junk and junk.startswith('{"task1": [6'):
            assert points == [2.0, 1.0] and problem == ""
        else:
            assert points == [0.0, 0.0], junk
    assert json.loads('{"a": 1}') == {"a": 1}
