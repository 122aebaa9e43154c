"""The decks in a real browser: every slide of every lecture fits 1280 x 720; a live deck is ready
in seconds and leaves no kernel behind.

- ``test_every_slide_fits``: the lectures as *static* decks (:func:`instructor.slides.static_deck`
  of the executed notebooks that ``make test`` already made, :func:`instructor.slides.executed`),
  served by one Voila server with the course's template; Chromium at 1280 x 720 visits every
  slide and checks that it does not scroll (fits the height), that nothing on it is wider than
  the slide, and that it shows no error output. All misfits of all lectures are listed at once.
- ``test_live_deck``: a small deck with a widget served the way ``make slides`` serves a lecture
  (preheated kernel, culling): the page uses the preheated kernel, the first slide shows within
  :data:`FIRST_SLIDE_S` (scaled by the machine's load), the notes and the talk plan are in the
  speaker notes, ``notebook-only`` cells are not on the slides, D switches the dark theme, a
  slider redraws its plot within :data:`REDRAW_S` (scaled), closed tabs leave no kernel, and the
  server's memory stays flat over ten open / close cycles.

Marked ``browser``; screenshots go to ``$COURSE_SCREENSHOTS`` or the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from test_browser import CHROMIUM_ARGS, _chromium, _free_port, _stop, _wait_http

from instructor import slides
from instructor.executed import without_widget_drawings

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDTH, HEIGHT = 1280, 720
#: budgets of COURSE.md, on a quiet machine; multiplied by the load per core when busier
FIRST_SLIDE_S = 5.0
REDRAW_S = 2.0
#: growth of the server's resident memory over ten open / close cycles that counts as flat
FLAT_MB = 60

pytestmark = [pytest.mark.browser, pytest.mark.executed]


def _load_factor() -> float:
    """How much busier than its cores the machine is (1 on a quiet machine)."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return max(1.0, load / (os.cpu_count() or 1))


def _shots(tmp_path: Path) -> Path:
    shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _serve(target: Path, tmp_path: Path, *, preheat: bool) -> tuple[subprocess.Popen, str, Path]:
    port = _free_port()
    cmd, env = slides.serve_command(target, port, open_browser=False, preheat=preheat)
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    log_path = tmp_path / f"voila-{port}.log"
    server = subprocess.Popen(cmd, stdout=log_path.open("w"), stderr=subprocess.STDOUT, env=env,
                              cwd=target if target.is_dir() else target.parent)
    url = f"http://127.0.0.1:{port}/"
    _wait_http(f"{url}api/status", server, log_path, 120)
    return server, url, log_path


# what is on the slide now: the inner <section> of a vertical stack, else the top-level one
CURRENT_JS = """() => document.querySelector('.reveal .slides > section.present > section.present')
    || document.querySelector('.reveal .slides > section.present')"""

# every slide as [h, v] (v = -1: a slide without sub-slides)
INDICES_JS = """() => Array.from(document.querySelectorAll('.reveal .slides > section')).flatMap(
    (s, h) => { const inner = s.querySelectorAll(':scope > section');
                return inner.length ? Array.from(inner, (_, v) => [h, v]) : [[h, -1]]; })"""

MEASURE_JS = """(s) => {
    const box = s.getBoundingClientRect(), scale = box.width / s.offsetWidth || 1;
    const title = (s.querySelector('h1, h2, h3') || {textContent: '(no heading)'})
        .textContent.replace('\\u00b6', '').trim();
    const wide = [];
    for (const el of s.querySelectorAll('pre, table, img, .jp-RenderedHTMLCommon > *, '
                                        + '.widget-interact, mjx-container')) {
        if (el.closest('aside.notes')) continue;
        const r = el.getBoundingClientRect();
        if (r.width > 0 && (r.right - box.right) / scale > 2) {
            wide.push(el.tagName.toLowerCase() + ' ' + Math.round(r.width / scale) + ' px: '
                      + (el.innerText || el.getAttribute('src') || '').slice(0, 60));
        }
        if (el.scrollWidth > el.clientWidth + 2 && el.tagName === 'PRE') {
            wide.push('pre scrolls sideways: ' + el.innerText.slice(0, 60));
        }
    }
    const errors = Array.from(s.querySelectorAll(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], "
        + ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"))
        .filter(e => !e.closest('aside.notes') && /Traceback|Error/.test(e.innerText))
        .map(e => e.innerText.slice(0, 200));
    return {title, height: s.scrollHeight, visible: s.clientHeight, wide, errors};
}"""


def walk_deck(page, url: str, shots: Path | None = None) -> list[str]:  # noqa: ANN001
    """Visit every slide of the deck at ``url``; return what does not fit, in words."""
    page.goto(url, wait_until="commit", timeout=600_000)
    page.wait_for_function(
        """() => document.querySelector('.reveal.ready') !== null
                 || /Internal Server Error|Traceback/.test(document.body?.innerText)""",
        timeout=600_000, polling=500)
    assert page.locator(".reveal.ready").count() == 1, (
        "Voila failed:\n" + page.locator("body").inner_text()[-3000:])
    page.wait_for_timeout(500)
    problems = []
    for n, (h, v) in enumerate(page.evaluate(INDICES_JS), start=1):
        page.evaluate(f"() => {{ location.hash = '#/{h}' + ({v} >= 0 ? '/{v}' : ''); }}")
        page.wait_for_function(
            """([h, v]) => { const s = document.querySelector('.reveal .slides > section.present');
                return s !== null && Array.from(s.parentNode.children).indexOf(s) === h; }""",
            arg=[h, v], timeout=10_000)
        page.wait_for_timeout(250)  # layout, pictures, formulas
        found = page.evaluate(MEASURE_JS, page.evaluate_handle(CURRENT_JS))
        where = f"slide {n} {found['title']!r}"
        if found["height"] > found["visible"] + 1 or found["height"] > HEIGHT + 1:
            problems.append(f"{where}: {found['height']} px tall (the slide has {HEIGHT})")
        problems += [f"{where}: wider than the slide: {w}" for w in found["wide"]]
        problems += [f"{where}: error output: {e}" for e in found["errors"]]
        if shots is not None:
            page.screenshot(path=str(shots / f"slide-{n:02d}.png"))
    return problems


@pytest.fixture(scope="module")
def static_decks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One Voila server over static decks of every lecture (executed once, by make test)."""
    if not LECTURES:
        pytest.skip("no lecture notebooks")
    tmp = tmp_path_factory.mktemp("decks")
    folder = tmp / "decks"
    for lecture in LECTURES:
        slides.static_deck(slides.executed(lecture), folder, lecture.name)
    server, url, _ = _serve(folder, tmp, preheat=False)
    try:
        yield url, tmp
    finally:
        _stop(server)


@pytest.mark.parametrize("lecture", LECTURES, ids=[p.stem for p in LECTURES])
def test_every_slide_fits(static_decks: tuple[str, Path], lecture: Path, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    url, _ = static_decks
    shots = _shots(tmp_path) / lecture.stem
    shots.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS,
                                     headless=True)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.route(lambda u: not u.startswith("http://127.0.0.1"), lambda r: r.abort())
        try:
            problems = walk_deck(page, f"{url}voila/render/{lecture.name}", shots)
        finally:
            browser.close()
    assert not problems, f"{lecture.name}: slides that do not fit {WIDTH}x{HEIGHT}:\n" + \
        "\n".join(problems)


def test_pdf_carries_every_slide_figure_and_formula(static_decks: tuple[str, Path],
                                                    tmp_path: Path) -> None:
    """``make slides-pdf``'s print of lecture 01: a page per slide, every figure of the slides,
    formulas typeset (no TeX source left in the text)."""
    pypdf = pytest.importorskip("pypdf")
    pytest.importorskip("playwright.sync_api")
    lecture = next((p for p in LECTURES if p.name.startswith("01_")), LECTURES[0])
    url, _ = static_decks
    pdf = slides.print_pdf(f"{url}voila/render/{lecture.name}", tmp_path / "deck.pdf",
                           chromium=_chromium())
    nb = nbformat.read(slides.executed(lecture), as_version=4)
    shown = [c for c in nb.cells if slides.slide_type(c) not in ("skip", "notes")]
    n_slides = sum(slides.slide_type(c) in ("slide", "subslide") for c in shown)
    # as the deck shows them: a slider's drawings recorded by nbval are not shown twice
    n_figures = sum("image/png" in o.get("data", {}) for c in shown
                    for o in without_widget_drawings(c.get("outputs", [])))
    n_formulas = sum(c.source.count("$") for c in shown if c.cell_type == "markdown")
    reader = pypdf.PdfReader(pdf)
    text = "\n".join(page.extract_text() for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    print(f"{lecture.name}: {len(reader.pages)} pages, {images} images, "
          f"{n_formulas // 2} inline/display formula delimiters pairs in the markdown")
    assert len(reader.pages) == n_slides, (len(reader.pages), n_slides)  # each fits one page
    assert images == n_figures > 0, f"{images} images in the PDF, {n_figures} on the slides"
    raw = re.findall(r"\$|\\[A-Za-z]{2,}", text)
    assert not raw, f"raw TeX in the PDF: {raw[:5]}"
    if n_formulas:
        assert re.search("[\u2200-\u22ff\u0391-\u03c9]", text), "no typeset maths symbol"


# --------------------------------------------------------------------------- a live deck

def _tiny_deck(path: Path) -> Path:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell

    def tagged(cell: nbformat.NotebookNode, tag: str) -> nbformat.NotebookNode:
        cell.metadata["tags"] = [tag]
        return cell

    nb = nbformat.v4.new_notebook(cells=[
        md("# 98 · A live deck\n\nOne goal."),
        code("import ipywidgets\nimport matplotlib.pyplot as plt\n"
             "from helpers.widgets import interactive_plot"),
        md("## Text"), md("A short line."),
        tagged(md("Say why this matters (a note)."), "notes"),
        tagged(md("NOTEBOOK-ONLY derivation"), "notebook-only"),
        md("## Play"),
        code("def show(k=1):\n    fig, ax = plt.subplots(figsize=(6, 3))\n"
             "    ax.plot([0, 1], [0, k])\n    ax.set_title(f'k = {k}')\n\n"
             "_ = interactive_plot(show, k=ipywidgets.IntSlider(value=1, min=1, max=3, "
             "description='k'))"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["course"] = {"talk_plan": [{"section": "Text", "minutes": 30},
                                           {"section": "Play", "minutes": 15}]}
    nbformat.write(nb, path)
    return path


def _kernel_procs(server: subprocess.Popen) -> list:
    import psutil

    found = []
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(
                    child.cmdline()):
                found.append(child)
        except psutil.Error:  # ended meanwhile
            continue
    return found


def _kernels(server: subprocess.Popen) -> int:
    return len(_kernel_procs(server))


def _rss_mb(server: subprocess.Popen) -> float:
    import psutil

    return psutil.Process(server.pid).memory_info().rss / 1e6


def _state(server: subprocess.Popen, log: Path) -> str:
    """What the server and its kernels are doing, for a failure message."""
    import psutil

    lines = [f"load average {os.getloadavg()}"]
    for k in _kernel_procs(server):
        try:
            cpu = k.cpu_times()
            lines.append(f"kernel pid {k.pid}: {k.status()}, up {time.time() - k.create_time():.0f}"
                         f" s, cpu {cpu.user + cpu.system:.1f} s")
        except psutil.Error:
            continue
    tail = [ln for ln in log.read_text().splitlines()
            if ln.strip() and "favicon" not in ln and "not trusted" not in ln][-25:]
    return "\n".join(lines + ["voila log (end):", *tail])


def _close(tab) -> None:  # noqa: ANN001
    """Leave the page as a closing tab does (its unload handler runs), then close it."""
    tab.goto("about:blank")
    tab.close()


def _wait(predicate, timeout_s: float, what: str, explain=None) -> float:  # noqa: ANN001
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"{what}: not within {timeout_s:.0f} s"
                                 + ("\n" + explain() if explain else ""))
        time.sleep(0.5)
    return time.monotonic() - start


def _pool_kernel_ready(url: str, log: Path) -> bool:
    """The kernel waiting in Voila's pool has run the notebook and is idle.

    Voila logs "filled" when the pool's kernel has *started*; the notebook then runs in it.
    A page opened before that run ends waits for it (the cold-start time, not the preheated
    one), so the first-slide budget is measured once the kernel is idle twice in a row, one
    second apart, with no activity in between.
    """
    import json
    import urllib.request

    text = log.read_text()
    started = re.findall(r"Kernel started: ([0-9a-f-]{36})", text)
    if not started or "Executing notebook" not in text.split(started[-1], 1)[1]:
        return False
    seen = []
    for _ in range(2):
        with urllib.request.urlopen(f"{url}api/kernels/{started[-1]}", timeout=10) as r:
            model = json.load(r)
        seen.append((model["execution_state"], model["last_activity"]))
        time.sleep(1)
    return seen[0] == seen[1] and seen[0][0] == "idle"


# Gated (make test-live, --run-live), not in make test. Under load (two busy loops on top of other
# work, load per core 5-6) a page that takes the pool's kernel can hang for good (first seen
# with kernels still running the deck, later also with an idle one): with voila --debug, the
# kernel ran the deck to the end (its
# display_data, comm messages, status idle) but the page never got the rest of the HTML and never
# opened its websocket ("Connecting to kernel" never logged for it), so .reveal.ready never shows:
# the fault is in Voila 0.5.13's hand-over of a preheated kernel to the page's request
# (VoilaHandler.get_generator: rendered_cache, render_task, the continued generator), not in the
# kernel. Seen in 2 of 6 runs of this test (with the old waits at the first page, 10 min until
# killed; in cycle 1) and at the 3rd opening of a stress loop (a harness, 2 tabs at once). Each
# tab now opens once the pool's kernel is idle, which does NOT prevent it: of 3 runs since, two
# passed (152 s, 92 s) and one hung in cycle 4 with a kernel that had been idle before the tab
# opened.
# The passing runs under the busy loops took 95-226 s (152 s and 226 s at load 5.5 and 6.2 per
# core, over the 3 minutes a make test item may take); without them (load 4.9 per core) 59 s.
@pytest.mark.live
def test_live_deck(tmp_path: Path) -> None:
    """Budgets: :data:`FIRST_SLIDE_S` and :data:`REDRAW_S` hold on a quiet machine; on a
    busy one they are multiplied by the load per core (1-minute load average / cores, at
    least 1), so the assertion is the quiet budget when the machine is quiet and the same
    ratio to the machine's load otherwise."""
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = _shots(tmp_path)
    nb = _tiny_deck(tmp_path / "98_live.ipynb")
    server, url, log = _serve(nb, tmp_path, preheat=True)

    def explain() -> str:
        return _state(server, log)

    try:
        _wait(lambda: _pool_kernel_ready(url, log), 300, "the preheated kernel's run", explain)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS,
                                         headless=True)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            factor = _load_factor()
            start = time.monotonic()
            page.goto(url, wait_until="commit")
            try:
                page.wait_for_selector(".reveal.ready", state="visible", timeout=180_000)
            except sync_api.TimeoutError:
                page.screenshot(path=str(shots / "live-0-not-ready.png"))
                raise AssertionError("the first slide did not show within 180 s; the page: "
                                     + page.evaluate("() => document.readyState + ' | ' + "
                                                     "document.body.innerText.slice(-300)")
                                     + "\n" + explain()) from None
            first = time.monotonic() - start
            print(f"first slide after {first:.2f} s (load per core {factor:.1f})")
            assert "Using pre-heated kernel" in log.read_text(), "the page ran the notebook"
            assert first <= FIRST_SLIDE_S * factor, (
                f"first slide after {first:.1f} s > {FIRST_SLIDE_S} s x load {factor:.1f}")
            page.screenshot(path=str(shots / "live-1-title.png"))

            notes = " ".join(page.locator("aside.notes").all_text_contents())
            assert "Talk plan: 45 minutes" in notes and "Time: 30 min" in notes, notes
            assert "Say why this matters" in notes
            assert not page.locator("aside.notes").first.is_visible(), "notes on the slide"
            assert "NOTEBOOK-ONLY" not in page.locator(".reveal .slides").inner_text()
            page.keyboard.press("d")
            assert page.evaluate("() => document.documentElement.classList.contains("
                                 "'course-dark')"), "D did not switch to the dark theme"
            page.keyboard.press("d")

            page.evaluate("() => { location.hash = '#/2'; }")
            widget = page.locator(".reveal section.present .widget-interact").first
            picture = widget.locator(".jp-OutputArea-output img").first
            picture.wait_for(state="visible", timeout=120_000)
            before = picture.get_attribute("src")
            handle = widget.locator(".noUi-handle").first
            handle.focus()
            start = time.monotonic()
            handle.press("ArrowRight")
            page.wait_for_function(
                """([el, src]) => { const img = el.querySelector('.jp-OutputArea-output img');
                                    return img !== null && img.getAttribute('src') !== src; }""",
                arg=[widget.element_handle(), before], timeout=120_000, polling=50)
            redraw = time.monotonic() - start
            print(f"widget redraw {redraw:.2f} s")
            assert redraw <= REDRAW_S * factor, f"redraw {redraw:.2f} s > {REDRAW_S} s x {factor}"
            page.screenshot(path=str(shots / "live-2-play.png"))

            # closed tabs leave no kernel: two tabs, closed as a person closes them. Each tab is
            # opened once the pool's kernel has run the deck (the preheated case the budget is
            # about; see the note at the marker for the hang this does not prevent)
            _wait(lambda: _pool_kernel_ready(url, log), 300, "the refilled kernel's run", explain)
            second = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            second.goto(url, wait_until="commit")
            second.wait_for_selector(".widget-interact", state="attached", timeout=300_000)
            for tab in (page, second):
                _close(tab)
            gone = _wait(lambda: _kernels(server) <= 1, 120, "the kernels of the closed tabs",
                         explain)
            print(f"kernels of two closed tabs shut down after {gone:.1f} s")

            # ten open / close cycles: the server's memory stays flat, kernels do not pile up
            rss = [_rss_mb(server)]
            most = 0
            for cycle in range(10):
                _wait(lambda: _pool_kernel_ready(url, log), 300,
                      f"cycle {cycle + 1}: the refilled kernel's run", explain)
                tab = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                tab.goto(url, wait_until="commit")
                try:
                    tab.wait_for_selector(".widget-interact", state="attached",
                                          timeout=300_000)
                except sync_api.TimeoutError:
                    raise AssertionError(f"cycle {cycle + 1}: no widget within 300 s\n"
                                         + explain()) from None
                most = max(most, _kernels(server))
                _close(tab)
                _wait(lambda: _kernels(server) <= 1, 90, f"cycle {cycle + 1}: the kernel of "
                      "the closed tab", explain)
                rss.append(_rss_mb(server))
            print("server memory over ten cycles (MB):", [round(r) for r in rss])
            assert most <= 2, f"{most} kernels at once: closed tabs' kernels pile up"
            assert rss[-1] - rss[1] <= FLAT_MB, f"the server grew {rss[-1] - rss[1]:.0f} MB"
            browser.close()
    finally:
        _stop(server)
    assert not re.search(r"Traceback", log.read_text()), log.read_text()[-3000:]
