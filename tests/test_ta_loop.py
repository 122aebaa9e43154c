"""The teaching assistant's whole loop, scripted for a class of 10 on 127.0.0.1 (issue 22):

release -> the students' homes on the hub -> students submit (on time, late, one with an
extension, one missing, one wrong) -> collect from the homes -> autograde (the real sandbox,
``--jobs 2``) -> rubric grading in Chromium (three answers by keyboard, the server restarted,
the scores still there) -> export -> return into each home -> each student reads only their own
feedback.

What is real and what is not: the student release is built by ``instructor.release``; the
course copy and the accounts are made by ``instructor.hub``'s own functions
(``install_course``, ``ensure_user``, ``give_course``: real Unix users, homes 0700), but
JupyterHub's HTTP server is not started (``tests/test_hub.py`` starts it and logs students in);
students "submit" by writing their notebook into ``~/course/exercises/`` with the
modification time of their hand-in, as their editor would. The exercise graded is the small
``fake_ex`` of ``tests/ta_fixture.py`` (two code tasks without TensorFlow and one written task
with a rubric): grading ten TensorFlow notebooks would cost minutes of CI;
``tests/test_grade_real.py`` grades a real exercise. Needs root (accounts) and Chromium.
"""

from __future__ import annotations

import csv
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import ta_fixture as fx
from test_rubric_page import CHROMIUM_ARGS, _serve, _stop, grade_three_by_keyboard

from instructor import hub, release
from instructor.ta.gradebook import Gradebook

ROOT = Path(__file__).resolve().parents[1]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _ta(toml: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "instructor.ta", "--course", str(toml),
                           "--checks", "ta_fixture", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
    return done.stdout


def _as_student(entry: pwd.struct_passwd, code: str) -> str:
    done = subprocess.run(["/usr/bin/python3", "-c", code], user=entry.pw_uid,
                          group=entry.pw_gid, extra_groups=[], capture_output=True, text=True,
                          env={"HOME": entry.pw_dir, "PATH": "/usr/bin:/bin"}, cwd="/",
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.browser
def test_a_class_of_ten_through_the_whole_loop(tmp_path: Path) -> None:
    if not IS_ROOT or shutil.which("useradd") is None:
        pytest.skip("the loop creates Unix accounts for the students: run as root")
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    t0 = time.monotonic()
    timings: dict[str, float] = {}
    tag = secrets.token_hex(2)
    names = [f"t{tag}s{n:02d}" for n in range(1, 11)]
    base = Path(tempfile.mkdtemp(prefix="ta-loop-", dir="/tmp"))
    base.chmod(0o755)
    try:
        # release -> the hub's course copy (with the exercise) -> accounts and homes
        bundle = base / "release"
        release.build(bundle)
        assert not (bundle / "solutions").exists() and not (bundle / "instructor").exists()
        (bundle / "exercises" / "fake_ex.ipynb").write_bytes(fx.notebook(None, right=False))
        course_copy = hub.install_course(base / "srv" / "course", root=bundle)
        (base / "home").mkdir(mode=0o755)
        entries = {}
        for n in names:
            entries[n] = hub.ensure_user(n, base / "home")
            hub.give_course(entries[n], course_copy)
        timings["release and homes"] = time.monotonic() - t0

        # students submit: deadline 5 days ago
        deadline = (datetime.now(timezone.utc) - timedelta(days=5)).replace(microsecond=0)
        ext = (f'[[extensions]]\nstudent = "{names[7]}"\nexercise = "fake_ex"\ndays = 3\n'
               'reason = "medical note"\n')
        toml = fx.course(base / "ta", names, deadline=deadline.isoformat(), extensions=ext,
                         homes=base / "home")
        with toml.open("a") as f:
            f.write("")
        text = toml.read_text().replace("[late]", f'release = "{course_copy}"\n\n[late]')
        toml.write_text(text)
        hand_in = {names[i]: deadline - timedelta(hours=2) for i in range(5)}
        hand_in[names[5]] = deadline + timedelta(hours=20)          # 1 day late
        hand_in[names[6]] = deadline + timedelta(days=2, hours=3)   # 3 days late
        hand_in[names[7]] = deadline + timedelta(days=2)            # extension: on time
        hand_in[names[8]] = deadline - timedelta(hours=1)           # wrong code
        # names[9] never opens the exercise: missing
        for n, when in hand_in.items():
            e = entries[n]
            path = Path(e.pw_dir) / "course" / "exercises" / "fake_ex.ipynb"
            path.write_bytes(fx.notebook(f"Answer of {n}: it overfits.",
                                         right=n != names[8]))
            os.chown(path, e.pw_uid, e.pw_gid)
            os.utime(path, (when.timestamp(), when.timestamp()))

        # collect -> autograde
        t = time.monotonic()
        out = _ta(toml, "collect", "--hub")
        assert out.count(": new (hub") == 9 and "as handed out: not submitted" in out
        status = _ta(toml, "status")
        assert f"{names[9]}: fake_ex missing" in status
        assert f"{names[5]}: fake_ex late (1 day, -0.6 points)" in status
        assert f"{names[7]}: fake_ex on time" in status
        timings["collect"] = time.monotonic() - t
        t = time.monotonic()
        _ta(toml, "autograde", "--jobs", "2")
        timings["autograde (9 notebooks, --jobs 2, sandbox)"] = time.monotonic() - t
        gb = toml.parent / "gradebook.sqlite"
        with Gradebook(gb) as book:
            first = book.db.execute("SELECT * FROM autograde ORDER BY student").fetchall()
            assert len(first) == 9 and all('"status": "ok"' in r["result"] for r in first), \
                [r["result"][:300] for r in first]
        again = time.monotonic()
        _ta(toml, "autograde", "--jobs", "2")  # the gradebook is the grader's store: no rerun
        with Gradebook(gb) as book:
            assert [tuple(r) for r in book.db.execute(
                "SELECT * FROM autograde ORDER BY student")] == [tuple(r) for r in first]
        timings["autograde again (all in the gradebook)"] = time.monotonic() - again

        # rubric grading in Chromium: three by keyboard, restart, still there
        t = time.monotonic()
        shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "screenshots"))
        shots.mkdir(parents=True, exist_ok=True)
        course_gb = toml.parent / "gradebook.sqlite"
        for attempt in ("first", "restarted"):
            proc, url = _serve(toml, tmp_path / f"serve-{attempt}.log", "ta-anna")
            try:
                with sync_api.sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                    try:
                        page = browser.new_context(viewport={"width": 1300, "height": 900}
                                                   ).new_page()
                        page.set_default_timeout(60_000)
                        if attempt == "first":
                            grade_three_by_keyboard(page, url, shots, "loop")
                        else:
                            page.goto(url)
                            assert "3 / 9 graded" in page.locator("#tasks").text_content()
                            page.screenshot(path=str(shots / "loop-restarted.png"))
                    finally:
                        browser.close()
            finally:
                _stop(proc)
        with Gradebook(course_gb, actor="ta-ben") as book:  # a second TA grades the rest
            for n in names[3:9]:
                book.set_score(n, "fake_ex:task3", ["names", "evidence"], "",
                               expected_version=0)
        timings["rubric grading"] = time.monotonic() - t

        # export -> return -> each student reads their own feedback only
        t = time.monotonic()
        _ta(toml, "export", "--out", str(base / "ta" / "out"))
        _ta(toml, "report", "--out", str(base / "ta" / "out" / "report.html"))
        returned = _ta(toml, "return", "--out", str(base / "ta" / "out"), "--hub")
        assert returned.count("returned to") == 10
        rows = {r["student"]: r for r in csv.DictReader((base / "ta" / "out" / "grades.csv"
                                                         ).open())}
        assert rows[names[0]]["fake_ex:total"] == "5"      # 2 + 1 + rubric 2 (1 and 3 ticked)
        assert rows[names[5]]["fake_ex:penalty"] == "0.6"  # 1 day: 10% of 6
        assert rows[names[6]]["fake_ex:status"].startswith("late (3 days")
        assert rows[names[7]]["fake_ex:status"] == "on time"
        assert rows[names[8]]["fake_ex:task1"] == "0"
        assert rows[names[9]]["fake_ex:status"] == "missing"
        assert "data:image/png;base64," in (base / "ta" / "out" / "report.html").read_text()
        for i, n in enumerate(names):
            e = entries[n]
            folder = Path(e.pw_dir) / "feedback"
            info = folder.stat()
            assert info.st_uid == e.pw_uid and stat.S_IMODE(info.st_mode) == 0o700
            assert stat.S_IMODE((folder / "feedback.html").stat().st_mode) == 0o600
            own = _as_student(e, f"print(open({str(folder / 'feedback.md')!r}).read())")
            assert f"Feedback for {n}" in own
            other = entries[names[(i + 1) % 10]]
            denied = _as_student(e, (
                "try:\n"
                f"    open({str(Path(other.pw_dir) / 'feedback' / 'feedback.md')!r}).read()\n"
                "    print('read')\nexcept PermissionError:\n    print('denied')\n"))
            assert denied == "denied", f"{n} read {other.pw_name}'s feedback"
        missing = (Path(entries[names[9]].pw_dir) / "feedback" / "feedback.md").read_text()
        assert "missing" in missing
        ext_fb = (Path(entries[names[7]].pw_dir) / "feedback" / "feedback.html").read_text()
        assert "medical note" in ext_fb and "on time" in ext_fb
        timings["export, report, return, reading"] = time.monotonic() - t

        # a regrade of one student touches nobody else
        t = time.monotonic()
        with Gradebook(course_gb) as book:
            before = {r["student"]: r["graded_at"] for r in
                      book.db.execute("SELECT student, graded_at FROM autograde")}
        time.sleep(1.1)  # graded_at has one-second resolution
        _ta(toml, "regrade", "--student", names[8], "--exercise", "fake_ex")
        with Gradebook(course_gb) as book:
            after = {r["student"]: r["graded_at"] for r in
                     book.db.execute("SELECT student, graded_at FROM autograde")}
        assert after[names[8]] > before[names[8]]
        assert {k: v for k, v in after.items() if k != names[8]} == \
            {k: v for k, v in before.items() if k != names[8]}
        timings["regrade one student"] = time.monotonic() - t
    finally:
        for n in names:
            try:
                pwd.getpwnam(n)
            except KeyError:
                continue
            hub.remove_user(n)
        shutil.rmtree(base, ignore_errors=True)
    timings["total"] = time.monotonic() - t0
    print("ta loop timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
