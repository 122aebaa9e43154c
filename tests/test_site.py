"""The course website and book (instructor/site.py, ``make site``, ``make handouts``).

- Fast unit tests: launch links are well-formed URLs; a slider's widget view becomes the image
  of its default state plus a line saying how to play with it live; the Colab cell goes.
- ``test_site_offline``: the site is built from the executed copies the nbval run of
  ``make test`` wrote (marker ``executed``: it runs after the notebooks, and waits for a copy the
  other xdist worker is still writing; it never runs a lecture that nbval runs). Then headless
  Chromium opens it from ``file://`` (as from a USB stick) with every other request blocked and
  recorded: each lecture page shows as many figures as its executed notebook has images, KaTeX
  maths where its text has maths, no raw ``$$`` and no KaTeX error, launch links to the hub
  (nbgitpuller), Binder and Colab, previous / next links; the search page finds "label
  smoothing" (lecture 10) and "Nesterov" (lecture 03); no request leaves the page. Printed
  (print media), no code block or table is wider than the page, and a lecture prints to a PDF.

Screenshots (1280x720 and a 390x844 phone): the test's temporary folder or
``$COURSE_SCREENSHOTS``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

from instructor import executed, site

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) + sorted(
    (ROOT / "notebooks").glob("appendix*.ipynb"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SEARCHES = {"label smoothing": "10_ablation_and_tuning", "Nesterov": "03_momentum"}
SHOT_PAGES = ("index.html", "notebooks/03_momentum.html", "exercises/06_dropout.html")


# ---------------------------------------------------------------- fast unit tests

def test_launch_links_are_well_formed() -> None:
    links = site.launch_links("notebooks/03_momentum.ipynb", repo="https://github.com/me/course",
                              branch="main", hub="https://hub.example.org")
    hub = urlsplit(links["hub"])
    assert (hub.scheme, hub.netloc, hub.path) == (
        "https", "hub.example.org", "/hub/user-redirect/git-pull")
    q = parse_qs(hub.query)
    assert q["repo"] == ["https://github.com/me/course"] and q["branch"] == ["main"]
    assert q["urlpath"] == ["lab/tree/course/notebooks/03_momentum.ipynb"]
    assert links["binder"] == ("https://mybinder.org/v2/gh/me/course/main"
                               "?urlpath=lab%2Ftree%2Fnotebooks%2F03_momentum.ipynb")
    assert links["colab"] == ("https://colab.research.google.com/github/me/course/blob/main/"
                              "notebooks/03_momentum.ipynb")
    other = site.launch_links("notebooks/x.ipynb", repo="https://git.example.org/a/b.git",
                              hub="https://hub.example.org")
    assert other["binder"].startswith("https://mybinder.org/v2/git/https%3A%2F%2Fgit.example.org")
    assert other["colab"] == "", "Colab opens GitHub notebooks only"
    with pytest.raises(ValueError, match="http"):
        site.launch_links("x.ipynb", repo="git@github.com:me/course", hub="https://h")


def test_slider_becomes_its_default_image_with_a_note() -> None:
    cell = nbformat.v4.new_code_cell("interactive_plot(show, lam=slider)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        site.WIDGET_MIME: {"model_id": "abc", "version_major": 2, "version_minor": 0},
        "text/plain": "interactive(...)", "image/png": "iVBORw0KGgo="})]
    colab = nbformat.v4.new_code_cell("!pip install course")
    colab.metadata["tags"] = ["colab"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · T\n\nGoals."),
                                         colab, cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    links = site.launch_links("notebooks/01.ipynb", repo="https://github.com/me/c", hub="https://h")
    assert site._prepare(nb, links, outputs=True) == {"sliders": 1}
    assert [c.source for c in nb.cells if "pip install" in c.source] == []
    assert nb.cells[0].source.startswith("# 01 · T\n\n<div class=\"course-launch\">")
    assert list(nb.cells[1].outputs[0]["data"]) == ["image/png"]
    assert "course-widget-note" in nb.cells[2].source and "live" in nb.cells[2].source
    assert "widgets" not in nb.metadata, "widget state would pull a widget manager from a CDN"


def test_slider_with_its_own_image_shows_it_once() -> None:
    """nbval records the plot drawn inside the widget's Output too; only the widget's copy stays."""
    cell = nbformat.v4.new_code_cell("interactive_plot(show, lam=slider)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": "AAAA", "text/plain": "<F>"}),
        nbformat.v4.new_output("display_data", data={
            site.WIDGET_MIME: {"model_id": "m"}, "text/plain": "VBox", "image/png": "BBBB"}),
        nbformat.v4.new_output("stream", name="stdout", text="redraw took 0.1 s\n")]
    nb = nbformat.v4.new_notebook(cells=[cell])
    site._prepare(nb, None, outputs=True)
    assert [o.get("data", {}).get("image/png") for o in nb.cells[0].outputs] == ["BBBB", None]


def test_slider_image_from_the_widget_state() -> None:
    """nbclient keeps an Output widget's plot in the widget state, not in the cell."""
    cell = nbformat.v4.new_code_cell("interactive_plot(show, lam=slider)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        site.WIDGET_MIME: {"model_id": "box"}, "text/plain": "VBox(...)"})]
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_o"]}},
        "s": {"model_name": "FloatSliderModel", "state": {"value": 0.1}},
        "o": {"model_name": "OutputModel", "state": {"outputs": [{
            "output_type": "display_data", "metadata": {},
            "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}}]}}}}}
    assert site._prepare(nb, None, outputs=True) == {"sliders": 1}
    assert [o["data"] for o in nb.cells[0].outputs] == [{"image/png": "iVBORw0KGgo="}]


# ---------------------------------------------------------------- the built site

def _npm_katex() -> None:
    if (site.SITE_DIR / "node_modules" / "katex" / "dist" / "katex.min.css").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is missing: the site needs KaTeX from npm (npm ci --prefix site)")
    subprocess.run([npm, "ci", "--prefix", str(site.SITE_DIR), "--no-audit", "--no-fund"],
                   check=True, capture_output=True, timeout=600)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    if shutil.which("node") is None:
        pytest.skip("node is missing: KaTeX renders the maths at build time with node")
    _npm_katex()
    tmp = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    info = site.build(tmp / "html", src=tmp / "src")
    info["total"] = time.perf_counter() - start
    print(f"site built in {info['total']:.0f} s: {info['seconds']}, waited {info['waited']}, "
          f"executed here {info['executed']}")
    return tmp / "html", info, tmp / "src"


def _chromium() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        pytest.skip("no Chromium at /usr/bin/chromium (apt-get install -y chromium)")
    return found


def _count_images(nb_path: Path) -> int:
    nb = nbformat.read(nb_path, as_version=4)
    return sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
               for o in c.outputs)


def _has_maths(nb_path: Path) -> bool:
    nb = nbformat.read(nb_path, as_version=4)
    return any("$" in c.source for c in nb.cells if c.cell_type == "markdown")


pytestmark = pytest.mark.executed


def test_site_offline(built: tuple[Path, dict, Path], tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    html, info, src = built
    in_session = [p.name for p in LECTURES if executed.is_expected(p)]
    ran_again = sorted(set(in_session) & set(info["executed"]))
    assert not ran_again, f"the site ran lectures the nbval run executes: {ran_again}"
    shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)

    outside: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            ctx = browser.new_context(viewport={"width": 1280, "height": 720})
            ctx.route(lambda url: not url.startswith("file:"),
                      lambda route: (outside.append(route.request.url), route.abort()))
            page = ctx.new_page()
            page.set_default_timeout(60_000)
            for nb in LECTURES:
                staged = src / "notebooks" / nb.name
                page.goto((html / "notebooks" / (nb.stem + ".html")).as_uri())
                name = nb.stem
                images = page.locator("div.cell_output img").count()
                want = _count_images(staged)
                if images != want or (want == 0 and name[:2].isdigit()):  # every lecture plots
                    problems.append(f"{name}: {images} figures shown, executed copy has {want}")
                text = page.locator("article").inner_text()
                if "$$" in text:
                    problems.append(f"{name}: raw $$ in the page text")
                if _has_maths(staged) and page.locator(".katex").count() == 0:
                    problems.append(f"{name}: maths in the notebook, none rendered")
                if page.locator(".katex-error").count():
                    problems.append(f"{name}: KaTeX errors: "
                                    f"{page.locator('.katex-error').first.inner_text()}")
                hrefs = {k: page.locator(f"a.course-launch-{k}").get_attribute("href")
                         for k in ("hub", "binder", "colab")}
                expect = info["links"][f"notebooks/{nb.name}"]
                if hrefs != expect:
                    problems.append(f"{name}: launch links {hrefs} != {expect}")
                for k, url in hrefs.items():
                    parts = urlsplit(url or "")
                    if parts.scheme != "https" or not parts.netloc or nb.name not in url:
                        problems.append(f"{name}: {k} link is not a URL to the notebook: {url}")
                if page.locator(".prev-next-area a").count() == 0:
                    problems.append(f"{name}: no previous / next links")
                if "widget-view+json" in page.content():
                    problems.append(f"{name}: a widget view is left in the page")
            if not sum(info["sliders"].values()):
                problems.append("no slider found in any lecture (interactive_plot cells)")
            for query, target in SEARCHES.items():
                page.goto((html / "search.html").as_uri() + "?q=" + query.replace(" ", "+"))
                page.wait_for_function(
                    "() => document.querySelectorAll('#search-results li').length > 0"
                    " || /did not match|no results|didn't match/i.test("
                    "document.querySelector('#search-results')?.innerText || '')",
                    timeout=60_000)
                found = [a.get_attribute("href") or ""
                         for a in page.locator("#search-results li a").all()]
                if not any(target in h for h in found):
                    problems.append(f"search {query!r} does not find {target}: {found[:5]}")
            page.screenshot(path=str(shots / "site-desk-search-nesterov.png"))
            for width, height, tag in ((1280, 720, "desk"), (390, 844, "phone")):
                view = browser.new_context(viewport={"width": width, "height": height})
                view.route(lambda url: not url.startswith("file:"),
                           lambda route: (outside.append(route.request.url), route.abort()))
                p = view.new_page()
                p.set_default_timeout(120_000)  # a busy machine loads slowly
                for rel in SHOT_PAGES:
                    p.goto((html / rel).as_uri())
                    p.screenshot(path=str(shots / f"site-{tag}-{Path(rel).stem}.png"))
                    if tag == "phone" and p.evaluate(
                            "document.documentElement.scrollWidth > window.innerWidth + 2"):
                        problems.append(f"{rel}: wider than a phone's screen")
                view.close()

            # printed on A4 (186 mm between the margins = 703 CSS px): nothing runs off the page
            printed = browser.new_page(viewport={"width": 703, "height": 1000})
            printed.route(lambda url: not url.startswith("file:"),
                          lambda route: (outside.append(route.request.url), route.abort()))
            for rel in ("notebooks/03_momentum.html", "notebooks/10_ablation_and_tuning.html"):
                printed.goto((html / rel).as_uri())
                printed.emulate_media(media="print")
                too_wide = printed.evaluate(
                    """() => [...document.querySelectorAll('article *')]
                           .filter(e => !e.closest('.katex-mathml') &&
                                        !(e.closest('svg') && e.tagName !== 'svg'))
                           .filter(e => e.getBoundingClientRect().width > 0 &&
                                   (e.getBoundingClientRect().right > window.innerWidth + 2 ||
                                    (['PRE', 'TABLE'].includes(e.tagName) &&
                                     e.scrollWidth > e.clientWidth + 2)))
                           .map(e => e.tagName + ': ' + (e.innerText || '').slice(0, 60))""")
                if too_wide:
                    problems.append(f"{rel} printed: cut at the right margin: {too_wide[:3]}")
        finally:
            browser.close()
    pdfs = site.pdf(html, tmp_path / "book", pages=["notebooks/03_momentum.html"])
    data = pdfs[0].read_bytes()
    if not data.startswith(b"%PDF") or data.count(b"/Type /Page") < 2:
        problems.append(f"{pdfs[0].name}: not a multi-page PDF")
    shutil.copy2(pdfs[0], shots / pdfs[0].name)
    assert not outside, f"the site requested the network: {sorted(set(outside))[:10]}"
    assert not problems, "\n".join(problems)
