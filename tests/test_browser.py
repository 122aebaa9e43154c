"""A learner's session in a real browser: JupyterLab, Run All, then play with a widget.

JupyterLab starts on a free local port; headless Chromium (Debian's ``/usr/bin/chromium``,
never a browser download) is driven by Playwright. The test opens
``notebooks/01_overfitting.ipynb``, runs all cells from the Run menu, waits for the
kernel, checks that no cell shows a traceback and that plots are drawn, moves a slider
of the notebook's widget and waits for the widget's picture to change. Screenshots go
to the test's temporary directory (or ``$COURSE_SCREENSHOTS``).

Marked ``browser`` (``make test-browser``). If Chromium is missing, the test installs it
with ``apt-get install -y chromium`` when it runs as root with apt, else it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/01_overfitting.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RUN_ALL_TIMEOUT_S = 600  # the notebook's budget is 60 s; a shared CPU can be much slower
WIDGET_TIMEOUT_S = 120

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
    for plugin, values in {"apputils-extension/notification": {"fetchNews": "false"},
                           "docmanager-extension/plugin": {"autosave": False}}.items():
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
           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
           "--LabApp.extension_manager=readonly"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=course)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n"
                                + (tmp_path / "jupyterlab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield f"{url}/lab/tree/{NOTEBOOK}?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
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
            page.screenshot(path=str(shots / "1-opened.png"))

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
