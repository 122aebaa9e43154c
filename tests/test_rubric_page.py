"""The rubric grading page (instructor/ta/server.py) in headless Chromium: grade three
students' written answers by keyboard only, restart the server, the scores are still there;
a hostile answer (``<script>``, ``onerror``, a fetch to a server of ours) never runs; a second
teaching assistant's stale save is refused on the page; names hidden by default."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import ta_fixture as fx

from instructor.ta import collect
from instructor.ta import config as cfg
from instructor.ta.answers import reencode
from instructor.ta.gradebook import Gradebook
from instructor.ta.server import render_answer

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HOSTILE = ("**It overfits.** <script>window.pwned = 1; fetch('http://127.0.0.1:{port}/script')"
           "</script><img src=x onerror=\"window.pwned = 2; fetch('http://127.0.0.1:{port}/img')\">"
           "<a href=\"javascript:window.pwned=3\">link</a> <iframe src=\"http://127.0.0.1:{port}/"
           "frame\"></iframe> <b style=\"background:url(http://127.0.0.1:{port}/css)\">bold</b>")


def test_sanitizer_and_reencoding_alone() -> None:
    out = render_answer(HOSTILE.format(port=1))
    assert "<strong>It overfits.</strong>" in out
    for bad in ("<script", "onerror", "javascript:", "<iframe", "style=", "<img"):
        assert bad not in out, bad
    clean = reencode(fx.png() + b"<script>trailer</script>")
    assert clean is not None and b"<script>" not in clean and clean.startswith(b"\x89PNG")
    assert reencode(b"<svg onload=alert(1)>") is None
    assert reencode(b"GIF89a" + b"\0" * 100) is None


class _Beacon(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Beacon.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(toml: Path, log: Path, actor: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "instructor.ta", "--course", str(toml),
                             "--checks", "ta_fixture", "--ta", actor, "serve", "--port", "0"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=log.open("w"), text=True)
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
    assert m, f"no URL: {line!r} {log.read_text()[-2000:]}"
    return proc, m.group(1)


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(20)


def grade_three_by_keyboard(page, url: str, shots: Path, prefix: str) -> None:  # noqa: ANN001
    """The first task, three submissions graded with keys only (used by test_ta_loop too)."""
    page.goto(url)
    page.keyboard.press("Tab")  # the first task's link
    page.keyboard.press("Enter")
    page.wait_for_selector("#rubric li")
    page.wait_for_function("() => document.querySelector('#who').textContent.includes('1 of')")
    for keys in (["1", "3"], ["2"], ["1", "2", "3"]):
        label = page.locator("#who").text_content()
        for k in keys:
            saved = page.locator("#grader").get_attribute("data-saved")
            page.keyboard.press(k)
            page.wait_for_function(
                "s => document.querySelector('#grader').dataset.saved !== s", arg=saved)
        if keys == ["2"]:
            page.keyboard.press("c")
            page.keyboard.type("Say which curve.")
            saved = page.locator("#grader").get_attribute("data-saved")
            page.keyboard.press("Escape")
            page.wait_for_function(
                "s => document.querySelector('#grader').dataset.saved !== s", arg=saved)
            page.keyboard.press("m")  # keep it as a reusable comment
            page.wait_for_selector("#comments li")
        page.screenshot(path=str(shots / f"{prefix}-{keys[0]}{len(keys)}.png"), full_page=True)
        page.keyboard.press("j")
        page.wait_for_function("l => document.querySelector('#who').textContent !== l",
                               arg=label)


@pytest.mark.browser
def test_grade_by_keyboard_restart_hostile_answer_and_a_second_ta(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    beacon = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Beacon)
    threading.Thread(target=beacon.serve_forever, daemon=True).start()
    port = beacon.server_address[1]
    students = ["s1", "s2", "s3", "s4", "s5"]
    toml = fx.course(tmp_path / "course", students)
    course = cfg.load(toml, known_exercises=fx.notebooks())
    subs = tmp_path / "subs"
    for n, s in enumerate(students):
        (subs / s).mkdir(parents=True)
        answer = HOSTILE.format(port=port) if s == "s2" else f"Answer of student {n}."
        figure = fx.png((40 * n, 100, 200)) + (b"<script>x</script>" if s == "s2" else b"")
        (subs / s / "fake_ex.ipynb").write_bytes(fx.notebook(answer, figure=figure))
    with collect.open_gradebook(course, "setup") as book:
        collect.collect_folder(book, course, subs, ["fake_ex"])
    shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    proc, url = _serve(toml, tmp_path / "serve1.log", "ta-anna")
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
                page.set_default_timeout(60_000)
                violations: list[str] = []
                page.on("console", lambda m: violations.append(m.text))
                grade_three_by_keyboard(page, url, shots, "rubric")
                assert "Student" not in page.content(), "names are hidden by default"
                # the hostile answer (student 2) was shown, rendered, and ran nothing
                page.keyboard.press("k")
                page.keyboard.press("k")
                page.wait_for_function(
                    "() => document.querySelector('#who').textContent.includes('2 of')")
                assert page.locator("#answer strong").text_content() == "It overfits."
                assert page.locator("#figures img").count() == 1
                page.wait_for_function(
                    "() => document.querySelector('#figures img').naturalWidth === 120")
                page.screenshot(path=str(shots / "rubric-hostile.png"), full_page=True)
                assert page.evaluate("typeof window.pwned") == "undefined"
                assert page.locator("#answer script, #answer img, #answer iframe").count() == 0
            finally:
                browser.close()
    finally:
        _stop(proc)
    assert _Beacon.hits == [], f"student content reached the network: {_Beacon.hits}"
    with Gradebook(course.gradebook) as book:
        scores = {s["student"]: s for s in book.scores("fake_ex:task3")}
    assert {k: v["items"] for k, v in scores.items()} == {
        "s1": ["names", "remedy"], "s2": ["evidence"], "s3": ["evidence", "names", "remedy"]}
    assert scores["s2"]["comment"] == "Say which curve." and scores["s1"]["grader"] == "ta-anna"

    # restart: the scores are there, and a second TA starts where the first stopped
    proc, url = _serve(toml, tmp_path / "serve2.log", "ta-ben")
    try:
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
                page.set_default_timeout(60_000)
                page.goto(url)
                assert "3 / 5 graded" in page.locator("#tasks").text_content()
                page.keyboard.press("Tab")
                page.keyboard.press("Enter")
                page.wait_for_function(
                    "() => document.querySelector('#who').textContent.includes('4 of 5')")
                assert page.locator("#progress").text_content() == "3 / 5 graded"
                page.keyboard.press("k")  # back to student 3, graded by ta-anna
                page.wait_for_function(
                    "() => document.querySelector('#who').textContent.includes('3 of 5')")
                assert page.locator("#rubric input:checked").count() == 3
                with Gradebook(course.gradebook, actor="ta-anna") as other:  # saves first
                    other.set_score("s3", "fake_ex:task3", ["names"], "changed",
                                    expected_version=other.score("s3", "fake_ex:task3")
                                    ["version"])
                page.keyboard.press("1")
                page.wait_for_function(
                    "() => document.querySelector('#message').textContent.includes('not saved')")
                page.screenshot(path=str(shots / "rubric-stale.png"), full_page=True)
                page.wait_for_function(
                    "() => document.querySelector('#comment').value === 'changed'")
            finally:
                browser.close()
    finally:
        _stop(proc)
        beacon.shutdown()
    with Gradebook(course.gradebook) as book:
        s3 = book.score("s3", "fake_ex:task3")
    assert s3["items"] == ["names"] and s3["grader"] == "ta-anna", "the stale save was refused"
