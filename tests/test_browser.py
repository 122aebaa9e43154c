"""Real-browser sessions: a learner in JupyterLab, and a lecturer presenting the slides.

Headless Chromium (Debian's ``/usr/bin/chromium``, never a browser download) is driven by
Playwright; every server listens on 127.0.0.1 on a free port.

- ``test_run_all_and_move_a_widget``: JupyterLab, started with ``make lab``'s flags, opens
  ``notebooks/01_overfitting.ipynb`` without the news pop-up; every menu item the docs name
  (``**Menu > Item**`` in README.md and docs/presenting.md) is found in JupyterLab's menus;
  Run > Run All Cells runs the notebook; no cell shows a traceback, plots are drawn, and
  moving a slider of the widget redraws its picture.
- ``test_slides_have_live_sliders``: the slideshow started exactly as the docs say
  (``make slides NB=01`` runs ``python -m instructor.slides --serve``) on a copy of notebook 01
  with the slide metadata applied; no request leaves the machine (that every slide fits the
  screen is tests/test_slide_decks.py's job); on the slide "Play: capacity and data size on a
  2-D set" the sliders are there, no code is shown, the arrow keys move a slider (not the slide) and
  the plot is redrawn.

Screenshots go to the test's temporary directory (or ``$COURSE_SCREENSHOTS``).

Marked ``browser`` (``make test-browser``). If Chromium is missing, the test installs it
with ``apt-get install -y chromium`` when it runs as root with apt, else it is skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/01_overfitting.ipynb"
DOCS = ("README.md", "docs/presenting.md")
PLAY_SLIDE = "Play: capacity and data size on a 2-D set"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RUN_ALL_TIMEOUT_S = 600  # the notebook's budget is 60 s; a shared CPU can be much slower
WIDGET_TIMEOUT_S = 120
SLIDES_TIMEOUT_S = 900  # Voila runs the whole notebook before it shows the first slide

pytestmark = pytest.mark.browser


def _chromium() -> str:
    """Debian's Chromium; installed with apt-get if missing and possible, else skip."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if Path(found).exists():
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        steps = (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"])
        for cmd in steps:
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
            if out.returncode != 0:
                pytest.skip(f"`{' '.join(cmd)}` failed: {out.stderr.strip()[-300:]}")
        if Path("/usr/bin/chromium").exists():
            return "/usr/bin/chromium"
    pytest.skip("no Chromium at /usr/bin/chromium and no way to install it here "
                "(run `apt-get install -y chromium` as root)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, server: subprocess.Popen, log: Path, timeout_s: float) -> None:
    """Wait until ``url`` answers (any HTTP status), or fail with the server's log."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # the server answers
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start ({url}):\n" + log.read_text()[-3000:])
            time.sleep(0.5)


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def doc_menu_paths() -> list[list[str]]:
    """Every ``**Menu > Item**`` the docs name, as [menu, item, ...]."""
    paths = []
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for match in re.finditer(r"\*\*([A-Z][^*>\n]*(?: > [^*>\n]+)+)\*\*", text):
            paths.append([part.strip() for part in match.group(1).split(" > ")])
    return paths


def lab_flags() -> list[str]:
    """The project's JupyterLab flags, as `make lab` passes them (the Makefile's LAB_FLAGS)."""
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^LAB_FLAGS := ((?:.*\\\n)*.*)$", make, re.M)
    assert found, "the Makefile has no LAB_FLAGS"
    text = found.group(1).replace("\\\n", " ").replace("$(CURDIR)", str(ROOT))
    return text.split()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[str]:
    """A JupyterLab server on a copy of the notebook; yields the notebook's URL (with token)."""
    if not (ROOT / NOTEBOOK).exists():
        pytest.skip(f"{NOTEBOOK} does not exist yet")
    settings = tmp_path / "lab-settings"
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    # every cell in the DOM (no virtual scrolling), so outputs can be inspected
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    for plugin, values in {"docmanager-extension/plugin": {"autosave": False}}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    # a copy: Run All in a browser must never write outputs into the committed notebook
    course = tmp_path / "course"
    (course / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / NOTEBOOK, course / NOTEBOOK)
    port, token = _free_port(), "course-browser-test"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={course}", f"--LabApp.user_settings_dir={settings}",
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", *lab_flags(),
           "--LabApp.extension_manager=readonly"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=course)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_http(f"{url}/api/status?token={token}", server, tmp_path / "jupyterlab.log", 120)
        yield f"{url}/lab/tree/{NOTEBOOK}?token={token}"
    finally:
        _stop(server)
        log.close()


PROMPTS_JS = """() => Array.from(document.querySelectorAll(
    '.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')).map(e => e.textContent.trim())"""


KERNEL_IDLE_JS = """() => { const bar = document.querySelector('#jp-main-statusbar');
    return bar !== null && /Python 3.*\\|\\s*Idle/.test(bar.textContent); }"""


def _wait_run_all(page, timeout_s: float) -> list[str]:  # noqa: ANN001
    """Wait until every code cell ran (or the run stopped) and the kernel is idle."""
    deadline, quiet = time.monotonic() + timeout_s, 0
    while time.monotonic() < deadline:
        prompts = page.evaluate(PROMPTS_JS)
        busy = any("*" in p for p in prompts)
        idle = page.evaluate(KERNEL_IDLE_JS)
        started = any(any(ch.isdigit() for ch in p) for p in prompts)
        quiet = quiet + 1 if (started and idle and not busy) else 0
        if quiet >= 3:
            return prompts
        time.sleep(1)
    raise AssertionError(f"Run All did not finish within {timeout_s} s: prompts "
                         f"{page.evaluate(PROMPTS_JS)}")


def test_run_all_and_move_a_widget(lab: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    chromium = _chromium()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                     headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        try:
            page.goto(lab, wait_until="domcontentloaded")
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
            page.wait_for_function(KERNEL_IDLE_JS, timeout=180_000)  # the kernel is up
            page.wait_for_timeout(3000)  # JupyterLab asks about news a moment after it opens
            page.screenshot(path=str(shots / "1-opened.png"))
            toasts = page.locator(".Toastify__toast").all_inner_texts()
            assert not any("news" in t.lower() for t in toasts), (
                f"JupyterLab's news pop-up is back (make lab's LAB_FLAGS): {toasts}")

            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
            try:  # should the kernel still be starting, JupyterLab asks which one to use
                page.locator(".jp-Dialog button.jp-mod-accept").click(timeout=3000)
            except sync_api.TimeoutError:
                pass
            prompts = _wait_run_all(page, RUN_ALL_TIMEOUT_S)
            page.screenshot(path=str(shots / "2-ran.png"), full_page=True)

            errors = [t for t in page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            ).all_inner_texts() if "Traceback" in t or "Error" in t]
            assert not errors, f"cells show errors:\n{errors[0][:3000]}"
            assert all(any(ch.isdigit() for ch in p) for p in prompts), \
                f"not every code cell ran: {prompts}"
            assert page.locator(".jp-OutputArea-output img").count() >= 3, "no plots drawn"

            widget = page.locator(".widget-interact").last
            widget.scroll_into_view_if_needed()
            picture = widget.locator(".jp-OutputArea-output img").first
            picture.wait_for(state="visible", timeout=WIDGET_TIMEOUT_S * 1000)
            before = picture.get_attribute("src")
            widget.screenshot(path=str(shots / "3-widget-before.png"))

            handle = widget.locator(".noUi-handle").last  # the last slider of the widget
            old = handle.get_attribute("aria-valuenow")
            handle.focus()
            handle.press("ArrowRight")
            if handle.get_attribute("aria-valuenow") == old:  # it was at its maximum
                handle.press("ArrowLeft")
            assert handle.get_attribute("aria-valuenow") != old, "the slider did not move"
            page.wait_for_function(
                """([el, src]) => { const img = el.querySelector('.jp-OutputArea-output img');
                                    return img !== null && img.getAttribute('src') !== src; }""",
                arg=[widget.element_handle(), before], timeout=WIDGET_TIMEOUT_S * 1000)
            widget.screenshot(path=str(shots / "4-widget-after.png"))
            errors = [t for t in widget.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            ).all_inner_texts() if "Traceback" in t]
            assert not errors, f"the widget raised:\n{errors[0][:3000]}"
        except Exception:
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()


@pytest.fixture
def slides(tmp_path: Path) -> Iterator[str]:
    """The slideshow of a copy of notebook 01, started the way `make slides NB=01` starts it."""
    if not (ROOT / NOTEBOOK).exists():
        pytest.skip(f"{NOTEBOOK} does not exist yet")
    import nbformat

    from instructor import slides as course_slides

    copy = tmp_path / "course" / NOTEBOOK
    copy.parent.mkdir(parents=True)
    nb = nbformat.read(ROOT / NOTEBOOK, as_version=4)
    course_slides.apply(nb)  # the integrator runs it over the final notebooks; a copy here
    nbformat.write(nb, copy)
    port = _free_port()
    # the command of the Makefile's `slides` target (tests/test_slides.py checks the Makefile)
    cmd = [sys.executable, "-m", "instructor.slides", "--serve", str(copy), "--port", str(port),
           "--no-browser"]
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    log_path = tmp_path / "voila.log"
    log = log_path.open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(f"{url}api/status", server, log_path, 120)
        yield url
    finally:
        _stop(server)
        log.close()


PRESENT_JS = """() => { const s = document.querySelector('.reveal .slides section.present h1, '
    + '.reveal .slides section.present h2, .reveal .slides section.present h3');
    return s === null ? '' : s.textContent.replace('\\u00b6', '').trim(); }"""

# the slide on screen: the inner <section> of a vertical stack, else the top-level one
CURRENT_JS = """() => document.querySelector('.reveal .slides > section.present > section.present')
    || document.querySelector('.reveal .slides > section.present')"""


def _go_to_slide(page, title: str, limit: int = 80) -> None:  # noqa: ANN001
    """Press Space (the lecturer's key) until the slide titled ``title`` is on screen."""
    seen = []
    for _ in range(limit):
        now = page.evaluate(PRESENT_JS)
        if now == title:
            return
        seen.append(now)
        page.keyboard.press("Space")
        page.wait_for_timeout(400)  # the slide transition
    raise AssertionError(f"no slide titled {title!r}; slides seen: {list(dict.fromkeys(seen))}")


def test_slides_have_live_sliders(slides: str, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    chromium = _chromium()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS,
                                     headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 720})  # a projector
        page.set_default_timeout(60_000)
        outside: list[str] = []  # the slides must work without internet: nothing leaves

        def block(route) -> None:  # noqa: ANN001
            outside.append(route.request.url)
            route.abort()

        page.route(lambda url: not url.startswith("http://127.0.0.1"), block)
        try:
            page.goto(slides, wait_until="commit", timeout=SLIDES_TIMEOUT_S * 1000)
            page.wait_for_function(  # the slides, or Voila's error page (fail at once)
                """() => document.querySelector('.reveal.ready') !== null
                         || /Internal Server Error|Traceback/.test(document.body?.innerText)""",
                timeout=SLIDES_TIMEOUT_S * 1000, polling=1000)
            assert page.locator(".reveal.ready").count() == 1, (
                "Voila failed:\n" + page.locator("body").inner_text()[-3000:])
            page.wait_for_timeout(1000)
            page.screenshot(path=str(shots / "slides-1-title.png"))
            text = page.locator(".reveal .slides").inner_text()
            assert "Traceback" not in text, "a cell failed in the slides:\n" + text[-3000:]

            # the slider slide: controls, no code, a slider that redraws the plot
            _go_to_slide(page, PLAY_SLIDE)
            current = page.locator(".reveal .slides section.present").last
            widget = current.locator(".widget-interact").first
            widget.wait_for(state="visible", timeout=WIDGET_TIMEOUT_S * 1000)
            assert widget.locator(".widget-slider").count() >= 2, "the sliders are missing"
            assert current.locator(".jp-CodeCell .jp-InputArea").count() == 0, (
                "the slide shows code; only cells tagged slide-code may")
            picture = widget.locator(".jp-OutputArea-output img").first
            picture.wait_for(state="visible", timeout=WIDGET_TIMEOUT_S * 1000)
            before = picture.get_attribute("src")
            page.screenshot(path=str(shots / "slides-4-play-before.png"))

            where = page.evaluate("() => location.hash")
            handle = widget.locator(".noUi-handle").first  # width of the hidden layers
            old = handle.get_attribute("aria-valuenow")
            handle.focus()
            handle.press("ArrowLeft")
            if handle.get_attribute("aria-valuenow") == old:  # it was at its minimum
                handle.press("ArrowRight")
            assert page.evaluate("() => location.hash") == where, (
                "an arrow key on the slider changed the slide")
            assert handle.get_attribute("aria-valuenow") != old, "the slider did not move"
            page.wait_for_function(
                """([el, src]) => { const img = el.querySelector('.jp-OutputArea-output img');
                                    return img !== null && img.getAttribute('src') !== src; }""",
                arg=[widget.element_handle(), before], timeout=WIDGET_TIMEOUT_S * 1000)
            page.wait_for_timeout(300)
            page.screenshot(path=str(shots / "slides-5-play-after.png"))
            after = picture.get_attribute("src")
            assert after and after != before, "the plot was not redrawn"
            errors = [t for t in widget.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
            ).all_inner_texts() if "Traceback" in t]
            assert not errors, f"the widget raised:\n{errors[0][:3000]}"
            assert not outside, f"the slides asked the internet for {outside}"
        except Exception:
            page.screenshot(path=str(shots / "slides-failure.png"), full_page=True)
            raise
        finally:
            browser.close()
