"""The grader holds against hostile and careless submissions (issues 11 and 21).

Needs the Debian package ``bubblewrap`` (``apt-get install -y bubblewrap``): the sandbox.

One grading run (``--jobs 2``, the sandbox on) over a class of students written in
``tests/hostile/students.py`` for the small exercise of ``tests/hostile/fakechecks.py``
(kernels without TensorFlow start in about a second). Each attack must leave the grader
whole: the run completes, the hostile student earns no point it did not solve, the honest
students keep their scores, every status is named, the submissions folder and the
installation are byte-identical afterwards, no process of any student is left, nothing on
disk (the grader's temp folders, the memory cgroups), a server on the grader's loopback saw
nothing, and what students wrote or named is escaped in the CSV, Markdown and HTML.
"""

from __future__ import annotations

import csv
import hashlib
import html
import http.server
import importlib
import json
import os
import shutil
import sys
import tempfile
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
from instructor.grading import verdicts

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
    limits = sb.Limits(**cls.LIMITS)
    lines: list[str] = []
    tmp = base / "tmp"  # the grader's own temp folders go here: nothing may stay
    tmp.mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(tmp)
    start = time.perf_counter()
    try:
        g.grade(subs, out, jobs=2, limits=limits, checks=load_fake_checks(),
                progress=lines.append)
    finally:
        tempfile.tempdir = saved
    seconds = time.perf_counter() - start
    time.sleep(0.5)
    groups, _ = sb.memory_groups()
    cgroups_left = sorted(p.name for p in groups.parent.glob("sandbox-*")) if groups else []
    left = leftovers(mark)
    for p in left:
        p.kill()
    server.shutdown()
    with out.open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    rows = {}
    for r in table:
        rows.setdefault(r["student"], []).append(r)
    after = tree_hashes(subs), tree_hashes(*installation), venv_snapshot()
    print(f"hostile class: {len(rows)} students graded in {seconds:.1f} s with --jobs 2")
    return {"rows": rows, "before": before, "after": after, "left": left, "out": out,
            "hits": list(_Spy.hits), "lines": lines, "seconds": seconds, "table": table,
            "tmp_left": sorted(p.name for p in tmp.iterdir()), "cgroups_left": cgroups_left}


@pytest.mark.parametrize("student", sorted(cls.EXPECTED))
def test_each_student_gets_exactly_what_it_solved(hostile_run: dict, student: str) -> None:
    found = hostile_run["rows"][cls.CSV_ID.get(student, student)]
    row = found[0]
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


def test_no_process_temp_folder_or_cgroup_is_left(hostile_run: dict) -> None:
    assert hostile_run["left"] == []
    assert hostile_run["tmp_left"] == []
    assert hostile_run["cgroups_left"] == []
    mine = psutil.Process().children(recursive=True)
    assert not [p for p in mine if p.name() in ("bwrap", "sleep")]


def test_the_loopback_server_saw_nothing(hostile_run: dict) -> None:
    assert hostile_run["hits"] == []


def test_every_student_was_graded_and_reported(hostile_run: dict) -> None:
    ids = sorted(cls.CSV_ID.get(s, s) for s in cls.STUDENTS)
    assert sorted(r["student"] for r in hostile_run["table"]) == ids
    lines = hostile_run["lines"]
    steps = [line for line in lines if line.startswith("[")]
    assert len(steps) == len(cls.STUDENTS)
    assert steps[-1].startswith(f"[{len(cls.STUDENTS)}/{len(cls.STUDENTS)}] 100% ")
    feedback = hostile_run["out"].parent / "grades-feedback"
    stems = sorted(p.stem for p in feedback.glob("*.md"))
    assert stems == sorted(p.stem for p in feedback.glob("*.html"))
    assert len(stems) == len(set(stems)) == len(cls.STUDENTS)  # one pair per folder
    assert all(len(p.name.encode()) <= 255 and "\n" not in p.name for p in feedback.iterdir())
    text = (feedback / "aa_honest.md").read_text(encoding="utf-8")
    assert "## fake_ex: 3 / 3 points" in text and "hidden check 'three inputs': passed" in text
    assert "-7" not in text and "2.5" not in text  # never the hidden inputs


def test_student_text_is_escaped_wherever_it_is_opened(hostile_run: dict) -> None:
    for row in hostile_run["table"]:
        for value in row.values():
            assert value[:1] not in ("=", "+", "-", "@", "\t", "\r"), value  # no formula
    assert "'=HYPERLINK(\"evil.example\";\"x\")" in hostile_run["rows"]
    feedback = hostile_run["out"].parent / "grades-feedback"
    for page in feedback.iterdir():
        text = page.read_text(encoding="utf-8")  # every file is valid UTF-8
        assert "<script" not in text and "<img" not in text, page.name
        assert not any(c < " " and c != "\n" for c in text), page.name  # no control char
        headings = [line for line in text.splitlines() if line.startswith("## ")]
        assert all(h.startswith("## fake_ex: ") for h in headings), headings
        if page.suffix == ".html":
            assert "default-src 'none'" in text
            assert text.count("<h2>") == 1  # one exercise, one heading
    (md,) = feedback.glob("h14_text.md")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md.read_text(encoding="utf-8")
    assert "\\#\\# 6 / 6 points" in md.read_text(encoding="utf-8")
    (page,) = feedback.glob("n1_6_of_6_points_img_src_x_onerror_alert_1-*.html")
    assert html.escape("<img src=x onerror=alert(1)>") in page.read_text(encoding="utf-8")
    assert len(hostile_run["rows"]["café"]) == 2  # both folders have their row


def test_a_poisoned_result_is_cleaned_before_it_is_stored(tmp_path: Path) -> None:
    from instructor.grading.store import JsonStore, safe_result
    poisoned = {"status": "error (\ud800\n## 6 / 6 points\x1b[31m)", "seconds": float("nan"),
                "tasks": {"fake_ex:task1": {"points": 1e999, "max": 2, "status": "pass",
                                            "message": "\udcff<b>" * 1000}}}
    store = JsonStore(tmp_path / "state.json")
    store.put("\udcffbob", NB, "d", "s", poisoned)
    again = JsonStore(tmp_path / "state.json").get("\udcffbob", NB, "d", "s")
    assert again == safe_result(poisoned)
    assert again["status"] == "error (\ufffd ## 6 / 6 points\ufffd[31m)"
    assert again["seconds"] == 0.0 and again["tasks"]["fake_ex:task1"]["points"] == 0.0
    assert len(again["tasks"]["fake_ex:task1"]["message"]) == 500
    again["status"].encode("utf-8")  # never an encoding error
    assert JsonStore(tmp_path / "state.json").get("\udcffbob", NB, "d", "other") is None


def test_deep_trees_are_measured_and_removed_without_recursion(tmp_path: Path) -> None:
    top = tmp_path / "deep"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    for _ in range(2000):  # 2000 * 51 characters: far past PATH_MAX and the recursion limit
        os.mkdir("d" * 50, dir_fd=fd)
        new = os.open("d" * 50, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = new
    with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "wb") as f:
        os.posix_fallocate(f.fileno(), 0, 10 * 2**20)  # reserved, never written
    os.close(fd)
    os.chmod(top / ("d" * 50), 0)
    assert sb.disk_usage(tmp_path / "deep") < 10 * 2**20  # too deep to name: not counted
    (tmp_path / "flat").mkdir()
    with open(tmp_path / "flat" / "f", "wb") as f:
        os.posix_fallocate(f.fileno(), 0, 10 * 2**20)
    assert sb.disk_usage(tmp_path / "flat") >= 10 * 2**20  # blocks, not st_size (0 here)
    sb.remove_tree(top)
    sb.remove_tree(tmp_path / "flat")
    assert list(tmp_path.iterdir()) == []


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
        tasks, problem = verdicts.judge(checks, NB, junk)
        points = [t["points"] for t in tasks.values()]
        if junk and junk.startswith('{"task1": [6'):
            assert points == [2.0, 1.0] and problem == ""
        else:
            assert points == [0.0, 0.0], junk
    assert json.loads('{"a": 1}') == {"a": 1}


def test_without_a_cgroup_the_watchdog_counts_shared_memory_and_tmpfs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no memory cgroup can be made, shared mappings and tmpfs files still count."""
    monkeypatch.setattr(sb, "_GROUPS", [(None, "no cgroup in this test")])
    chunk = "b'\\x01' * 1_000_000"
    cells = ["import mmap\nm = mmap.mmap(-1, 200_000_000)\n"  # shared: not in RLIMIT_DATA
             f"for _ in range(200):\n    m.write({chunk})",
             f"with open('/dev/shm/f', 'wb') as f:\n    for _ in range(250):\n"
             f"        f.write({chunk})",
             "import time\ntime.sleep(60)"]
    nb = nbformat.writes(new_notebook(cells=[new_code_cell(c) for c in cells])).encode()
    limits = sb.Limits(timeout=40, probe_timeout=10, memory=500 * 2**20, startup=60,
                       output=300 * 2**20)  # the kernel and the runner hold about 150 MB
    done = sb.run_submission(nb, "", limits)
    assert done["status"] in ("memory limit in cell 2", "memory limit in cell 3"), done


def test_a_notebook_slow_to_parse_is_stopped_by_the_parse_time_limit() -> None:
    """Parsing happens in the sandbox, under its own clock: a notebook within the size and cell
    caps whose parse outlasts ``parse_timeout`` gets the named status ``parse time limit``,
    and a small notebook under the same limits is graded as usual. The caps are raised for
    the test so that the parse takes seconds even on a fast, quiet machine (20,000 cells)."""
    stream = nbformat.v4.new_output("stream", name="stdout", text="z" * 200)
    slow = new_notebook(cells=[new_code_cell("x = 1  # " + "y" * 200, outputs=[stream] * 2)
                               for _ in range(20_000)])
    data = nbformat.writes(slow).encode()
    limits = sb.Limits(timeout=30, probe_timeout=10, startup=60, parse_timeout=0.5,
                       cells=50_000, notebook_bytes=64 * 2**20)
    assert len(data) < limits.notebook_bytes and len(slow.cells) < limits.cells
    assert sb.run_submission(data, "", limits)["status"] == "parse time limit"
    small = nbformat.writes(new_notebook(cells=[new_code_cell("x = 1")])).encode()
    assert sb.run_submission(small, "", limits)["status"] != "parse time limit"
