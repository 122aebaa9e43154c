"""The lecture notebooks as slides: slide metadata from the headings, and a slideshow server.

Set the slide metadata (idempotent; run it after editing a notebook)::

    python -m instructor.slides notebooks/*.ipynb solutions/*.ipynb

A markdown cell that starts with ``#`` or ``##`` opens a slide, ``###`` a sub-slide; every
other cell continues the current slide; the Colab install cell (tag ``colab``) is skipped.
Cell tags (the notebook view is unchanged by them):

- ``notes``: the cell (markdown, or a code cell's output) is a speaker note of the current slide,
  hidden on the slide and shown in reveal.js's speaker view (key ``S``);
- ``notebook-only``: the cell is not on the slides at all (it still runs);
- ``slide-code``: a code cell that shows its code on the slide (others show only their output).

The talk plan, ``metadata["course"]["talk_plan"]``: a list of ``{"section": "<## heading text>",
"minutes": N}``, one per ``##`` section on the slides, in order, adding up to
:data:`LECTURE_MINUTES`. The deck shows it in the speaker notes (:class:`Deck`): the whole plan on
the title slide, each section's minutes on its slide; :func:`check_talk_plan` validates it.

Present a notebook (what ``make slides NB=01`` runs)::

    python -m instructor.slides --serve notebooks/01_overfitting.ipynb [--port 8866] [--no-browser]

This starts Voila on 127.0.0.1 with the course's reveal.js template
(``instructor/jupyter-data/voila/templates/course-reveal``): Voila runs the notebook in a fresh
kernel, then shows it as slides whose widgets are live (moving a slider redraws the plot).
Slides show the markdown and the outputs -- the idea, the plot, the claim's check -- and no
code, except cells tagged ``slide-code`` (:class:`SlideCode`). Slides taller than the screen
scroll. Everything is served locally: no internet needed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from nbconvert.preprocessors import Preprocessor

from instructor.executed import WIDGET_VIEW, without_widget_drawings

#: the folder that holds ``voila/templates/course-reveal`` (a Jupyter data directory)
TEMPLATES_ROOT = Path(__file__).resolve().parent / "jupyter-data"
TEMPLATE = "course-reveal"
#: a code cell with this tag shows its code on the slide (by default only its output)
SHOW_CODE_TAG = "slide-code"
#: a cell with this tag is a speaker note of the current slide
NOTES_TAG = "notes"
#: a cell with this tag is not on the slides
NOTEBOOK_ONLY_TAG = "notebook-only"
#: one lecture slot, minutes: what a talk plan adds up to
LECTURE_MINUTES = 45
DEFAULT_PORT = 8866


def slide_type(cell: nbformat.NotebookNode) -> str:
    """The reveal.js slide type of a cell, from its heading or tags."""
    tags = cell.metadata.get("tags", [])
    if "colab" in tags or NOTEBOOK_ONLY_TAG in tags:
        return "skip"  # the Colab install cell is no part of the talk, nor notebook-only cells
    if NOTES_TAG in tags:
        return "notes"
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith("### "):
            return "subslide"
        if first.startswith(("# ", "## ")):
            return "slide"
    return "-"


def apply(nb: nbformat.NotebookNode) -> bool:
    """Set every cell's slide type; return whether anything changed."""
    changed = False
    for cell in nb.cells:
        show = cell.metadata.setdefault("slideshow", {})
        wanted = slide_type(cell)
        if show.get("slide_type") != wanted:
            show["slide_type"] = wanted
            changed = True
    return changed


def sections(nb: nbformat.NotebookNode) -> list[str]:
    """The ``##`` headings on the slides, in order (the text after ``## ``)."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "markdown" or slide_type(cell) != "slide":
            continue
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith("## "):
            out.append(first[3:].strip())
    return out


def talk_plan(nb: nbformat.NotebookNode) -> list[dict[str, Any]] | None:
    """``metadata["course"]["talk_plan"]``, or None when the notebook has none."""
    plan = nb.metadata.get("course", {}).get("talk_plan")
    return None if plan is None else list(plan)


def check_talk_plan(nb: nbformat.NotebookNode,
                    minutes: int = LECTURE_MINUTES) -> list[str]:
    """What is wrong with the notebook's talk plan, in words (empty: nothing, or no plan).

    The plan must list every ``##`` section on the slides, in order, each with a positive
    whole number of minutes, adding up to ``minutes``.
    """
    plan = talk_plan(nb)
    if plan is None:
        return []
    problems = []
    bad = [e for e in plan if not isinstance(e, dict) or set(e) != {"section", "minutes"}]
    if bad:
        return [f"each entry must be {{'section': ..., 'minutes': ...}}, got {bad[0]!r}"]
    listed = [str(e["section"]) for e in plan]
    have = sections(nb)
    if listed != have:
        missing = [h for h in have if h not in listed]
        extra = [s for s in listed if s not in have]
        what = []
        if missing:
            what.append(f"sections not in the plan: {missing}")
        if extra:
            what.append(f"plan entries that are no ## section on the slides: {extra}")
        if not what:
            what.append(f"the order differs: the plan has {listed}, the slides {have}")
        problems.append("; ".join(what))
    for e in plan:
        m = e["minutes"]
        if isinstance(m, bool) or not isinstance(m, int) or m <= 0:
            problems.append(f"minutes of {e['section']!r} must be a positive whole number, "
                            f"got {m!r}")
    total = sum(e["minutes"] for e in plan if isinstance(e["minutes"], int | float))
    if total != minutes:
        problems.append(f"the minutes add up to {total}, not {minutes}")
    return problems


def _note(text: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata["tags"] = [NOTES_TAG]
    cell.metadata["slideshow"] = {"slide_type": "notes"}
    return cell


def plan_notes(nb: nbformat.NotebookNode) -> dict[int, str]:
    """Speaker notes from the talk plan: {index of the cell the note follows: markdown}.

    The whole plan follows the title (the first ``#`` heading); each section's minutes, with
    when it starts and ends in the lecture, follow its ``##`` heading.
    """
    plan = talk_plan(nb)
    if not plan:
        return {}
    total = sum(int(e.get("minutes", 0)) for e in plan)
    start, when = 0, {}
    for e in plan:
        when[str(e["section"])] = (start, start + int(e["minutes"]))
        start += int(e["minutes"])
    out: dict[int, str] = {}
    titled = False
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or slide_type(cell) != "slide":
            continue
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith("# ") and not titled:
            titled = True
            rows = "\n".join(f"| {s.replace('|', '/')} | {b[1] - b[0]} | {b[0]}-{b[1]} |"
                             for s, b in when.items())
            out[i] = (f"**Talk plan: {total} minutes**\n\n| section | minutes | from-to |\n"
                      f"| --- | --- | --- |\n{rows}")
        elif first.startswith("## ") and first[3:].strip() in when:
            a, b = when[first[3:].strip()]
            out[i] = f"**Time: {b - a} min** (minutes {a}-{b} of {total})"
    return out


class Deck(Preprocessor):  # type: ignore[misc]
    """nbconvert/Voila preprocessor that turns a lecture notebook into the course's deck.

    - every cell's slide type from its heading and tags (:func:`slide_type`), so that the deck
      is right even when the notebook's stored metadata is stale;
    - the code of every code cell not tagged ``slide-code`` is hidden; the cell still runs and
      its output (plot, widget, printed check) stays on the slide;
    - the talk plan as speaker notes (:func:`plan_notes`).
    """

    def preprocess(self, nb, resources):  # noqa: ANN001, ANN201
        try:
            notes = plan_notes(nb)
        except (KeyError, TypeError, ValueError):  # a malformed plan: check_talk_plan says why
            notes = {}
        static = bool((nb.metadata.get("course_deck") or {}).get("static"))
        cells = []
        for i, cell in enumerate(nb.cells):
            cell.metadata.setdefault("slideshow", {})["slide_type"] = slide_type(cell)
            if cell.cell_type == "code" and SHOW_CODE_TAG not in cell.metadata.get("tags", []):
                cell.metadata.setdefault("transient", {})["remove_source"] = True
            if static and cell.cell_type == "code":  # no kernel holds these widgets: a picture
                kept = []
                for out in without_widget_drawings(cell.get("outputs", [])):
                    data = out.get("data", {})
                    if WIDGET_VIEW in data:
                        del data[WIDGET_VIEW]
                        if set(data) <= {"text/plain"}:
                            continue  # a widget with no picture: nothing to show
                    kept.append(out)
                cell.outputs = kept
            cells.append(cell)
            if i in notes:
                cells.append(_note(notes[i]))
        nb.cells = cells
        return nb, resources


#: the earlier name of :class:`Deck`
SlideCode = Deck


#: matplotlib settings for the deck's kernel (bigger labels on the slides, not in the notebook)
MATPLOTLIBRC = TEMPLATES_ROOT / "slides-matplotlibrc"
#: seconds a kernel whose page is closed may stay idle before the server shuts it down
CULL_IDLE_S = 60
#: seconds a kernel that no page has connected to yet is kept before it may be culled, counted
#: from the first cull check that sees it, which can be while it still waits in Voila's pool: a
#: kernel in the pool or still running the notebook must outlive a lecturer's pause and a slow
#: execution (seen under make test: a preheated kernel culled after 182 s while its page waited)
CONNECT_GRACE_S = 900


class DeckKernelManager(AsyncMappingKernelManager):  # type: ignore[misc]
    """Jupyter's kernel manager, culling as :func:`serve_command` needs it.

    A preheated kernel waits in Voila's pool (never culled there); when a page takes it, its last
    activity may lie long ago and the page has not connected yet. Such a kernel gets
    :data:`CONNECT_GRACE_S` from the first cull check after it left the pool before the usual
    rule (idle for ``cull_idle_timeout`` with no connection) applies; a kernel whose page has
    connected once is culled as usual after the page is gone.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._deck_seen: dict[str, float] = {}
        self._deck_connected: set[str] = set()

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        import time

        if self._kernel_connections.get(kernel_id, 0) > 0:
            self._deck_connected.add(kernel_id)
        elif kernel_id not in self._deck_connected:
            seen = self._deck_seen.setdefault(kernel_id, time.monotonic())
            if time.monotonic() - seen < CONNECT_GRACE_S:
                return
        await super().cull_kernel_if_idle(kernel_id)


def serve_command(notebook: str | os.PathLike[str], port: int = DEFAULT_PORT,
                  open_browser: bool = True, *, preheat: bool = True
                  ) -> tuple[list[str], dict[str, str]]:
    """The command and environment that present ``notebook`` as live slides on 127.0.0.1.

    Voila runs the notebook in a kernel *before* anyone opens the page (a preheated kernel,
    ``preheat``; one kept in reserve, refilled after each opening), so the first slide shows at
    once; a kernel whose page was closed is shut down (on the page's unload, and after
    :data:`CULL_IDLE_S` s without a connection at the latest). An executed copy made by
    :func:`static_deck` is shown without running it (no kernel kept in reserve).

    Raises
    ------
    FileNotFoundError
        If ``notebook`` does not exist.
    """
    path = Path(notebook)
    if not (path.is_file() or path.is_dir()):  # a folder: each notebook at /voila/render/NAME
        raise FileNotFoundError(f"no notebook {str(notebook)!r}")
    cmd = [sys.executable, "-m", "voila", str(path), f"--template={TEMPLATE}",
           "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
           "--strip_sources=False", "--show_tracebacks=True",
           "--VoilaExporter.preprocessors=instructor.slides.Deck",  # not __main__
           f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_S}",
           "--MappingKernelManager.cull_interval=10",
           "--MappingKernelManager.cull_connected=False",
           "--VoilaConfiguration.multi_kernel_manager_class="
           "instructor.slides.DeckKernelManager"]
    if preheat:
        cmd += ["--VoilaConfiguration.preheat_kernel=True",
                "--VoilaConfiguration.default_pool_size=1"]
    if not open_browser:
        cmd.append("--no-browser")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(TEMPLATES_ROOT), os.environ.get("JUPYTER_PATH", "")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["MATPLOTLIBRC"] = str(MATPLOTLIBRC)
    # the kernel imports `helpers` and `instructor` from the repository, installed or not
    root = str(TEMPLATES_ROOT.parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return cmd, env


def executed(path: str | os.PathLike[str]) -> Path:
    """An executed copy of the lecture ``path``, from ``instructor.executed``'s cache (the nbval
    run of ``make test`` writes it; executed here only when it is missing or stale)."""
    from instructor.executed import executed_notebook

    found = executed_notebook(Path(path))
    assert found is not None  # execute=True never returns None
    return Path(found)


def static_deck(executed_path: str | os.PathLike[str], folder: str | os.PathLike[str],
                name: str | None = None) -> Path:
    """Copy an executed notebook into ``folder`` marked as a deck that is shown, not run.

    Served with :func:`serve_command` (``preheat=False``), it shows the stored outputs at once:
    for the layout tests, the PDF, and a deck without live widgets. Widgets show the picture of
    their first state (``helpers.widgets.interactive_plot`` stores one).
    """
    nb = nbformat.read(executed_path, as_version=4)
    nb.metadata["course_deck"] = {"static": True}
    out = Path(folder) / (name or Path(executed_path).name)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


#: seconds the PDF waits for the page to typeset its formulas
TYPESET_S = 120
#: JS: the text of the slides' markdown that formulas left as TeX (empty: every formula typeset)
RAW_TEX_JS = r"""() => {
    const raw = [], tex = /\$|\\[(\[]|\\[A-Za-z]{2,}/;
    for (const md of document.querySelectorAll('.reveal .slides .jp-RenderedMarkdown')) {
        const walk = document.createTreeWalker(md, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            if (n.parentElement.closest('mjx-container, code, pre, aside.notes')) continue;
            if (tex.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 60));
        }
    }
    return raw;
}"""


def print_pdf(page_url: str, out: str | os.PathLike[str], *,
              chromium: str = "/usr/bin/chromium", timeout_s: float = 600) -> Path:
    """Print the deck at ``page_url`` (a served static deck) to ``out`` with Chromium.

    Opens the deck in reveal.js's print view (``?print-pdf``: each slide on a page of its own,
    a taller slide continued on the next page), waits until the outputs are drawn, every picture
    is loaded and every formula typeset (MathJax, in the page), then prints one slide per page.

    Raises
    ------
    RuntimeError
        If formulas are still raw TeX after :data:`TYPESET_S` (named in the message).
    """
    import time

    from playwright.sync_api import sync_playwright

    out = Path(out)
    sep = "&" if "?" in page_url else "?"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(page_url + sep + "print-pdf", wait_until="commit",
                      timeout=timeout_s * 1000)
            page.wait_for_selector(".reveal.ready", state="attached", timeout=timeout_s * 1000)
            # Voila shows the cells once every output is drawn; then pictures and formulas
            page.wait_for_function(
                "() => { const r = document.querySelector('#rendered_cells');"
                " return r !== null && getComputedStyle(r).display !== 'none'; }",
                timeout=timeout_s * 1000, polling=500)
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.reveal img'))"
                ".every(i => i.complete && i.naturalWidth > 0)",
                timeout=timeout_s * 1000, polling=500)
            wait_tex = min(timeout_s, TYPESET_S)
            deadline = time.monotonic() + wait_tex
            while raw := page.evaluate(RAW_TEX_JS):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"formulas not typeset after {wait_tex:.0f} s: {raw[:3]}")
                page.wait_for_timeout(500)
            page.wait_for_timeout(1000)  # the last layout pass
            # reveal's pages are the slide plus its margin (1331 x 747 for 1280 x 720)
            width, height = page.evaluate(
                "() => { const p = document.querySelector('.pdf-page');"
                " return [p.offsetWidth, p.offsetHeight]; }")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), width=f"{width}px", height=f"{height}px",
                     print_background=True)
        finally:
            browser.close()
    return out


def write_pdf(notebook: str | os.PathLike[str], out: str | os.PathLike[str] | None = None,
              *, chromium: str = "/usr/bin/chromium", timeout_s: float = 600,
              executed_copy: str | os.PathLike[str] | None = None) -> Path:
    """The slides of a lecture as a PDF: Chromium's print of the deck, one slide per page.

    The deck is the executed copy (:func:`executed`, no second run) served as a static deck
    (its figures are the notebook's: the deck's bigger plot labels need a live deck) and
    printed by :func:`print_pdf`: every figure, formulas typeset, a slide taller than the page
    continued on the next page instead of being cut.

    ``executed_copy``: an executed notebook to print instead of the cache's copy.

    Returns
    -------
    pathlib.Path
        The PDF (default ``build/slides/<notebook>.slides.pdf``).
    """
    import socket
    import subprocess
    import tempfile
    import time
    import urllib.error
    import urllib.request

    path = Path(notebook)
    out = Path(out) if out is not None else (
        TEMPLATES_ROOT.parents[1] / "build" / "slides" / f"{path.stem}.slides.pdf")
    with tempfile.TemporaryDirectory(prefix="slides-pdf-") as tmp:
        done = executed(path) if executed_copy is None else Path(executed_copy)
        deck = static_deck(done, Path(tmp) / "deck", path.name)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        cmd, env = serve_command(deck, port, open_browser=False, preheat=False)
        env.update(JUPYTER_RUNTIME_DIR=str(Path(tmp) / "runtime"),
                   JUPYTER_CONFIG_DIR=str(Path(tmp) / "config"))
        with open(Path(tmp) / "voila.log", "w") as log:
            server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            url = f"http://127.0.0.1:{port}/"
            deadline = time.monotonic() + 120
            while True:
                try:
                    urllib.request.urlopen(url + "api/status", timeout=5).close()
                    break
                except urllib.error.HTTPError:  # the server answers
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the slide server did not start: " + (
                            Path(tmp) / "voila.log").read_text()[-2000:]) from None
                    time.sleep(0.5)
            print_pdf(url, out, chromium=chromium, timeout_s=timeout_s)
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    return out


def find_notebook(spec: str, folder: str | os.PathLike[str] = "notebooks") -> Path:
    """``"01"`` or a path -> the notebook's path.

    Raises
    ------
    FileNotFoundError
        If no notebook, or more than one, matches ``spec``.
    """
    if Path(spec).is_file():
        return Path(spec)
    found = sorted(Path(folder).glob(f"{spec}_*.ipynb")) if spec else []
    if len(found) != 1:
        raise FileNotFoundError(f"NB={spec!r} matches {len(found)} notebooks in {folder}/ "
                                "(give a number such as 01, or a path)")
    return found[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.slides", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+",
                        help="notebooks to update; with --serve: one notebook (a path or 01)")
    parser.add_argument("--serve", action="store_true", help="present as live slides (Voila)")
    parser.add_argument("--static", action="store_true",
                        help="with --serve: show the executed copy (no live widgets, no run)")
    parser.add_argument("--pdf", action="store_true",
                        help="write the slides of one notebook as a PDF (see --out)")
    parser.add_argument("--out", help="with --pdf: the PDF's path")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    if args.pdf:
        if len(args.notebooks) != 1:
            parser.error("--pdf takes one notebook")
        print(f"slides PDF: {write_pdf(find_notebook(args.notebooks[0]), args.out)}")
        return 0
    if args.serve:
        if len(args.notebooks) != 1:
            parser.error("--serve takes one notebook")
        target = find_notebook(args.notebooks[0])
        if args.static:
            target = static_deck(executed(target), TEMPLATES_ROOT.parents[1] / "build" /
                                 "slides" / "static", target.name)
        cmd, env = serve_command(target, args.port, not args.no_browser,
                                 preheat=not args.static)
        print(f"slides on http://127.0.0.1:{args.port}/ (the notebook runs before the first "
              "page opens; Ctrl+C stops the server)", flush=True)
        os.execvpe(cmd[0], cmd, env)  # replaces this process: Ctrl+C reaches Voila directly
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        if apply(nb):
            nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
