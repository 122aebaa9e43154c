"""The course as a static website and a printable book (``make site``, ``make handouts``).

``python -m instructor.site build`` stages the course into ``build/site-src/`` and runs Sphinx
(MyST-NB, sphinx-book-theme: the engine of Jupyter Book 1; docs/site.md says why not Jupyter
Book 2) into ``build/site/``:

- every lecture and the appendix **executed**, taken from :mod:`instructor.executed` (the
  copies ``make test`` wrote; a stale one runs again, alone);
- a slider is shown as the static image of its default state, with a line saying how to play
  with it live; the widget view itself (which would need a widget manager from a CDN) is dropped;
- on every lecture and exercise page, launch links: JupyterLab on the class hub (nbgitpuller),
  Binder, Colab, built from ``COURSE_REPO_URL``, ``COURSE_BRANCH`` and ``COURSE_HUB_URL``;
- the exercises (``exercises/``, generated without solutions; not executed), the glossary and
  the docs; a table of contents in course order, previous / next, Sphinx's offline search;
- maths rendered at build time by KaTeX (node, ``site/node_modules``), whose style sheet and
  fonts are copied into the site: no page requests anything from the network.

``python -m instructor.site pdf`` prints each lecture page to ``build/book/NN_topic.pdf`` with
headless Chromium and the site's print style sheet (code wraps, tables are not cut).

Nothing runs at import.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from instructor import executed
from instructor.executed import without_widget_drawings
from instructor.nbgitpuller_link import link as nbgitpuller_link

__all__ = ["LaunchLinks", "build", "launch_links", "main", "pdf", "stage"]

ROOT = Path(__file__).resolve().parents[1]
SITE_DIR = ROOT / "site"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: cells with these tags are not on the site (the Colab install cell)
SKIP_TAGS = ("colab",)
WIDGET_NOTE = ("*A slider: the figure above shows its default setting. To move it and watch the "
               "plot change, run this lecture live (JupyterLab, Binder or Colab: the links at the "
               "top of the page).*")

DEFAULT_REPO = "https://github.com/OWNER/improving-deep-networks"
DEFAULT_HUB = "https://hub.example.edu"


class LaunchLinks(dict):
    """The three launch URLs of one notebook: ``hub``, ``binder``, ``colab``."""


def launch_links(path: str, *, repo: str, branch: str = "main", hub: str) -> LaunchLinks:
    """Launch URLs for the notebook at ``path`` (relative to the repository).

    Parameters
    ----------
    path : str
        ``notebooks/01_overfitting.ipynb``.
    repo : str
        The repository's https URL (``https://github.com/OWNER/REPO``).
    branch : str
        The branch the links open.
    hub : str
        The class hub's base URL.

    Returns
    -------
    LaunchLinks
    """
    parts = urlsplit(repo)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"repo must be an http(s) URL, got {repo!r}")
    slug = parts.path.strip("/").removesuffix(".git")
    lab = "lab/tree/" + path
    if parts.netloc == "github.com" and slug.count("/") == 1:
        binder = (f"https://mybinder.org/v2/gh/{slug}/{quote(branch, safe='')}"
                  f"?urlpath={quote(lab, safe='')}")
        colab = f"https://colab.research.google.com/github/{slug}/blob/{quote(branch)}/{path}"
    else:
        binder = (f"https://mybinder.org/v2/git/{quote(repo, safe='')}/{quote(branch, safe='')}"
                  f"?urlpath={quote(lab, safe='')}")
        colab = ""  # Colab opens notebooks from GitHub only
    return LaunchLinks(hub=nbgitpuller_link(hub, repo, branch=branch, path=path),
                       binder=binder, colab=colab)


def _launch_cell(links: LaunchLinks) -> Any:
    import nbformat

    items = [f'<a class="course-launch-hub" href="{links["hub"]}">JupyterLab on the class hub</a>',
             f'<a class="course-launch-binder" href="{links["binder"]}">Binder</a>']
    if links["colab"]:
        items.append(f'<a class="course-launch-colab" href="{links["colab"]}">Colab</a>')
    html = ('<div class="course-launch"><strong>Run it live:</strong> '
            + " ".join(items) + "</div>")
    cell = nbformat.v4.new_markdown_cell(html)
    cell.metadata["tags"] = ["course-launch"]
    return cell


def _is_title(cell: Any) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("# ")


def _widget_images(state: dict, model_id: str, seen: set | None = None) -> list[dict]:
    """The image outputs inside a widget, from the notebook's saved widget state.

    nbclient stores what an ``Output`` widget shows in the widget state, not in the cell; walk
    from the displayed model through its ``children`` to the ``OutputModel``s.
    """
    seen = set() if seen is None else seen
    if model_id in seen or model_id not in state:
        return []
    seen.add(model_id)
    model = state[model_id].get("state", {})
    found = [o for o in model.get("outputs", []) if "image/png" in o.get("data", {})]
    for child in model.get("children", []):
        if isinstance(child, str) and child.startswith("IPY_MODEL_"):
            found += _widget_images(state, child[len("IPY_MODEL_"):], seen)
    return found


def _widgets_to_images(nb: Any) -> int:
    """Replace each widget view by the image of its default state; return how many sliders.

    The image is the cell's own ``image/png`` output (the widget's static copy, or what nbval
    recorded of the plot) or else the image saved in the widget state of the notebook.
    """
    import nbformat

    state = (nb.metadata.get("widgets", {})
             .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    cells, count = [], 0
    for cell in nb.cells:
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        has_widget = any(WIDGET_MIME in o.get("data", {}) for o in cell.get("outputs", []))
        if not has_widget:
            continue
        count += 1
        cell.outputs = without_widget_drawings(cell.outputs)
        has_image = any("image/png" in o.get("data", {}) for o in cell.outputs)
        outputs = []
        for o in cell.outputs:
            data = o.get("data", {})
            if WIDGET_MIME in data:
                if not has_image:
                    for img in _widget_images(state, data[WIDGET_MIME].get("model_id", "")):
                        outputs.append(nbformat.v4.new_output(
                            "display_data", data={"image/png": img["data"]["image/png"]},
                            metadata=img.get("metadata", {})))
                data = {k: v for k, v in data.items()
                        if k not in (WIDGET_MIME, "text/plain")}
                if not data:
                    continue
                o["data"] = data
            outputs.append(o)
        cell.outputs = outputs
        note = nbformat.v4.new_markdown_cell(
            f'<p class="course-widget-note">{_md_inline(WIDGET_NOTE)}</p>')
        note.metadata["tags"] = ["course-widget-note"]
        cells.append(note)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return count


def _md_inline(text: str) -> str:
    return re.sub(r"^\*(.*)\*$", r"<em>\1</em>", text)


def _prepare(nb: Any, links: LaunchLinks | None, *, outputs: bool) -> dict[str, int]:
    nb.cells = [c for c in nb.cells
                if not set(c.get("metadata", {}).get("tags", [])) & set(SKIP_TAGS)]
    if not outputs:
        for c in nb.cells:
            if c.cell_type == "code":
                c.outputs, c.execution_count = [], None
    sliders = _widgets_to_images(nb)
    for c in nb.cells:  # a notebook's pointer to its exercise becomes a link to that page
        if c.cell_type == "markdown":
            c.source = re.sub(r"(?<!\[)`(\.\./exercises/[0-9A-Za-z_]+\.ipynb)`",
                              r"[`\1`](\1)", c.source)
    if links is not None:  # right under the title line
        launch = _launch_cell(links)
        title = next((c for c in nb.cells if _is_title(c)), None)
        if title is None:
            nb.cells.insert(0, launch)
        else:
            head, _, rest = title.source.lstrip().partition("\n")
            title.source = f"{head}\n\n{launch.source}\n\n{rest}"
    return {"sliders": sliders}


def _title(nb_or_md: Any, fallback: str) -> str:
    text = (nb_or_md if isinstance(nb_or_md, str)
            else "\n".join(c.source for c in nb_or_md.cells if c.cell_type == "markdown"))
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def _course_files(root: Path) -> dict[str, list[Path]]:
    nbs = root / "notebooks"
    return {
        "lectures": sorted(nbs.glob("[0-9][0-9]_*.ipynb")),
        "appendix": sorted(nbs.glob("appendix*.ipynb")),
        "exercises": sorted((root / "exercises").glob("[0-9][0-9]_*.ipynb")),
        "docs": sorted(p for p in (root / "docs").glob("*.md")),
    }


def _index(files: dict[str, list[Path]], root: Path) -> str:
    def toc(caption: str, docs: list[str]) -> str:
        return ("```{toctree}\n:caption: " + caption + "\n:maxdepth: 1\n\n"
                + "\n".join(docs) + "\n```\n")

    readme = (root / "README.md").read_text(encoding="utf-8")
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1].strip()  # the README's first section
    glossary = [f"docs/{p.stem}" for p in files["docs"] if p.stem == "glossary"]
    other_docs = [f"docs/{p.stem}" for p in files["docs"] if p.stem != "glossary"]
    return "\n".join([
        "# Improving deep networks", "",
        intro, "",
        "Read a lecture here, with its figures and measured claims; then run it live with the "
        "links at the top of each lecture (JupyterLab on the class hub, Binder or Colab), move "
        "its sliders and change its numbers. The search box finds any term in the course.", "",
        toc("Lectures", [f"notebooks/{p.stem}" for p in files["lectures"]]),
        toc("Appendix", [f"notebooks/{p.stem}" for p in files["appendix"]]),
        toc("Exercises (solutions are not on the site)",
            [f"exercises/{p.stem}" for p in files["exercises"]]),
        toc("Reference", glossary + other_docs),
    ])


def stage(out: Path, *, root: Path = ROOT, repo: str | None = None, branch: str | None = None,
          hub: str | None = None, execute: bool = True) -> dict[str, Any]:
    """Write the Sphinx source folder ``out`` from the course; return what it holds.

    Parameters
    ----------
    out : pathlib.Path
        The staging folder (emptied first).
    root : pathlib.Path
        The course checkout.
    repo, branch, hub : str, optional
        Launch links' repository, branch and hub (default: ``COURSE_REPO_URL``,
        ``COURSE_BRANCH``, ``COURSE_HUB_URL``, else the documented examples).
    execute : bool
        Execute notebooks whose executed copy is stale (``False``: fail on a stale one).

    Returns
    -------
    dict
        ``pages`` (the staged files), ``executed`` (seconds per notebook that ran here),
        ``waited`` (seconds spent waiting for this pytest session's nbval run to write a copy),
        ``sliders`` (count per lecture), ``links``.
    """
    import nbformat

    repo = repo or os.environ.get("COURSE_REPO_URL") or DEFAULT_REPO
    branch = branch or os.environ.get("COURSE_BRANCH") or "main"
    hub = hub or os.environ.get("COURSE_HUB_URL") or DEFAULT_HUB
    katex = SITE_DIR / "node_modules" / "katex" / "dist"
    if not (katex / "katex.min.js").is_file():
        raise FileNotFoundError(f"KaTeX is missing ({katex}); run `npm ci --prefix site` once")
    from sphinxcontrib.katex import katex_version

    npm_version = json.loads((katex.parent / "package.json").read_text())["version"]
    if npm_version != katex_version:
        raise RuntimeError(f"site/package.json has KaTeX {npm_version}, sphinxcontrib-katex "
                           f"renders with {katex_version}: pin that version in site/package.json")
    if out.exists():
        shutil.rmtree(out)
    (out / "_static" / "katex").mkdir(parents=True)
    shutil.copy2(SITE_DIR / "conf.py", out / "conf.py")
    shutil.copy2(SITE_DIR / "_static" / "course.css", out / "_static" / "course.css")
    shutil.copy2(katex / "katex.min.css", out / "_static" / "katex" / "katex.min.css")
    shutil.copytree(katex / "fonts", out / "_static" / "katex" / "fonts")

    files = _course_files(root)
    info: dict[str, Any] = {"pages": [], "executed": {}, "waited": {}, "sliders": {},
                            "links": {}}
    for src in files["lectures"] + files["appendix"]:
        copy = executed.executed_notebook(src, execute=False)
        if copy is None:
            if not execute:
                raise RuntimeError(f"{src.name}: no fresh executed copy (run make test or "
                                   "python -m instructor.executed)")
            waits = executed.is_expected(src)  # nbval is writing it in this pytest session
            start = time.perf_counter()
            copy = executed.executed_notebook(src)
            info["waited" if waits else "executed"][src.name] = round(
                time.perf_counter() - start, 1)
        nb = nbformat.read(copy, as_version=4)
        rel = f"notebooks/{src.name}"
        links = launch_links(rel, repo=repo, branch=branch, hub=hub)
        info["sliders"][src.name] = _prepare(nb, links, outputs=True)["sliders"]
        info["links"][rel] = dict(links)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        info["pages"].append(rel)
    for src in files["exercises"]:
        nb = nbformat.read(src, as_version=4)
        rel = f"exercises/{src.name}"
        links = launch_links(rel, repo=repo, branch=branch, hub=hub)
        _prepare(nb, links, outputs=False)
        info["links"][rel] = dict(links)
        (out / "exercises").mkdir(exist_ok=True)
        nbformat.write(nb, out / rel)
        info["pages"].append(rel)
    (out / "docs").mkdir()
    for src in files["docs"]:
        text = src.read_text(encoding="utf-8")
        # links into the repository that are not pages of the site go to the repository
        text = re.sub(r"\]\(\.\./(?!notebooks/|exercises/)([^)#\s]+)\)",
                      lambda m: f"]({repo.removesuffix('.git')}/blob/{branch}/{m.group(1)})",
                      text)
        (out / "docs" / src.name).write_text(text, encoding="utf-8")
        info["pages"].append(f"docs/{src.name}")
    (out / "index.md").write_text(_index(files, root), encoding="utf-8")
    footer = ("Built from the course's notebooks, executed on "
              f"{time.strftime('%Y-%m-%d')}. Launch links: {repo} ({branch}), hub {hub}.")
    (out / "site.json").write_text(json.dumps({
        "footer": footer}), encoding="utf-8")
    if repo == DEFAULT_REPO or hub == DEFAULT_HUB:
        print("note: launch links use the example repository / hub; set COURSE_REPO_URL and "
              "COURSE_HUB_URL (docs/site.md)", file=sys.stderr)
    return info


def build(out: Path, *, src: Path | None = None, execute: bool = True, quiet: bool = True,
          **links: str | None) -> dict[str, Any]:
    """Stage the course and build the website into ``out``; return :func:`stage`'s record.

    Sphinx rebuilds only what changed when ``src`` (default ``build/site-src``) and ``out`` are
    reused, but staging rewrites every page, so a build is a full (but execution-free) build.
    """
    src = Path(src) if src else ROOT / "build" / "site-src"
    start = time.perf_counter()
    info = stage(src, execute=execute, **links)
    staged = time.perf_counter()
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-j", "1", str(src), str(out)]
    if quiet:
        cmd.insert(3, "-q")
    subprocess.run(cmd, check=True)
    (out / ".nojekyll").write_text("")  # GitHub Pages: serve _static/ as it is
    info["seconds"] = {"stage": round(staged - start, 1),
                       "sphinx": round(time.perf_counter() - staged, 1)}
    return info


def pdf(site: Path, out: Path, *, pages: list[str] | None = None) -> list[Path]:
    """Print lecture pages of the built ``site`` to ``out/<page>.pdf`` with headless Chromium.

    Parameters
    ----------
    site : pathlib.Path
        The built website (``build/site``).
    out : pathlib.Path
        Folder of the PDFs.
    pages : list of str, optional
        Pages to print, relative to ``site`` (default: every lecture and the appendix).

    Returns
    -------
    list of pathlib.Path
    """
    from playwright.sync_api import sync_playwright

    site, out = Path(site).resolve(), Path(out)
    if pages is None:
        pages = sorted(p.relative_to(site).as_posix()
                       for p in (site / "notebooks").glob("*.html"))
    if not pages:
        raise FileNotFoundError(f"no lecture pages in {site}/notebooks; run make site first")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                       else r.abort())
            for rel in pages:
                page.goto((site / rel).as_uri(), wait_until="load")
                page.emulate_media(media="print")
                target = out / (Path(rel).stem + ".pdf")
                page.pdf(path=str(target), format="A4", print_background=True,
                         margin={"top": "14mm", "bottom": "14mm", "left": "12mm",
                                 "right": "12mm"})
                written.append(target)
        finally:
            browser.close()
    return written


def _chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    raise FileNotFoundError("Chromium not found (apt-get install chromium, or set CHROMIUM)")


def main(argv: list[str] | None = None) -> int:
    """``python -m instructor.site build [OUT]`` / ``pdf [SITE] [OUT]``."""
    parser = argparse.ArgumentParser(prog="python -m instructor.site",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="stage and build the website")
    b.add_argument("out", nargs="?", type=Path, default=ROOT / "build" / "site")
    b.add_argument("--no-execute", action="store_true",
                   help="fail instead of executing a notebook whose executed copy is stale")
    b.add_argument("--repo", help="launch links' repository (default $COURSE_REPO_URL)")
    b.add_argument("--branch", help="launch links' branch (default $COURSE_BRANCH or main)")
    b.add_argument("--hub", help="the class hub's URL (default $COURSE_HUB_URL)")
    p = sub.add_parser("pdf", help="print the lecture pages of a built site to PDF")
    p.add_argument("site", nargs="?", type=Path, default=ROOT / "build" / "site")
    p.add_argument("out", nargs="?", type=Path, default=ROOT / "build" / "book")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.cmd == "build":
        info = build(args.out, execute=not args.no_execute, repo=args.repo,
                     branch=args.branch, hub=args.hub)
        ran = ", ".join(f"{k} {v:.0f} s" for k, v in info["executed"].items()) or "none"
        print(f"site: {args.out}/index.html ({len(info['pages'])} pages; executed here: {ran}; "
              f"staging {info['seconds']['stage']:.0f} s, "
              f"sphinx {info['seconds']['sphinx']:.0f} s)")
    else:
        written = pdf(args.site, args.out)
        print(f"book: {len(written)} PDFs in {args.out}/ "
              f"({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
