"""The slides: slide metadata from headings, code hidden unless tagged, the Voila slideshow setup.

The slideshow itself runs in a real browser in tests/test_browser.py (marked ``browser``).
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter, SlidesExporter
from traitlets.config import Config

from instructor import slides

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TEMPLATE_DIR = slides.TEMPLATES_ROOT / "voila" / "templates" / slides.TEMPLATE


def _nb() -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    colab = code("# Colab only")
    colab.metadata["tags"] = ["colab"]
    shown = code("claim(gap < 0.1, 'the gap is small')")
    shown.metadata["tags"] = ["slide-code"]
    note = md("Say why (a note).")
    note.metadata["tags"] = ["notes"]
    claim = code("print('claim holds')")
    claim.metadata["tags"] = ["notes"]
    only = md("## A derivation\n\nLong.")
    only.metadata["tags"] = ["notebook-only"]
    nb = nbformat.v4.new_notebook(cells=[
        md("# 99 · Title\n\nGoals."), colab, code("import numpy as np  # plumbing"),
        md("## A slide"), md("text"), md("### A sub-slide"), shown, md("#### not a slide"),
        md("##no space, not a heading"), note, claim, only, md("## Last | one")])
    nb.metadata["course"] = {"talk_plan": [{"section": "A slide", "minutes": 40},
                                           {"section": "Last | one", "minutes": 5}]}
    return nb


def test_slide_types_follow_headings_and_tags() -> None:
    nb = _nb()
    assert [slides.slide_type(c) for c in nb.cells] == [
        "slide", "skip", "-", "slide", "-", "subslide", "-", "-", "-", "notes", "notes", "skip",
        "slide"]


def test_sections_are_the_level_two_headings_on_the_slides() -> None:
    assert slides.sections(_nb()) == ["A slide", "Last | one"]  # not the notebook-only one


def test_check_talk_plan() -> None:
    nb = _nb()
    assert slides.check_talk_plan(nb) == []
    nb.metadata["course"]["talk_plan"][0]["minutes"] = 30
    assert slides.check_talk_plan(nb) == ["the minutes add up to 35, not 45"]
    nb.metadata["course"]["talk_plan"].reverse()
    assert any("order differs" in p for p in slides.check_talk_plan(nb))
    nb.metadata["course"]["talk_plan"] = [{"section": "A slide", "minutes": 45}]
    assert slides.check_talk_plan(nb) == ["sections not in the plan: ['Last | one']"]
    nb.metadata["course"]["talk_plan"] = [{"section": "A slide", "minutes": 45.0},
                                          {"section": "Gone", "minutes": 0}]
    found = slides.check_talk_plan(nb)
    assert any("no ## section on the slides: ['Gone']" in p for p in found), found
    assert any("'Gone' must be a positive whole number" in p for p in found), found
    assert slides.check_talk_plan(nbformat.v4.new_notebook()) == []  # no plan: nothing to check


def test_deck_puts_the_talk_plan_and_notes_in_the_speaker_notes() -> None:
    c = Config()
    c.SlidesExporter.preprocessors = ["instructor.slides.Deck"]
    html, _ = SlidesExporter(config=c, reveal_url_prefix="reveal").from_notebook_node(_nb())
    notes = re.findall(r'<aside class="notes">(.*?)</aside>', html, re.S)
    text = [re.sub(r"<[^>]+>|\s+", " ", n) for n in notes]
    assert any("Talk plan: 45 minutes" in t and "A slide" in t and "40" in t for t in text), text
    assert any("Time: 40 min" in t and "minutes 0-40 of 45" in t for t in text), text
    assert any("Time: 5 min" in t and "minutes 40-45 of 45" in t for t in text), text
    assert any("Say why" in t for t in text) and any("claim holds" not in t for t in text)
    assert "A derivation" not in html, "a notebook-only cell is on the slides"
    assert html.index("Talk plan") < html.index("A slide</h2>".replace("</h2>", ""))


def test_apply_is_idempotent_and_keeps_other_metadata() -> None:
    nb = _nb()
    nb.cells[2].metadata["slideshow"] = {"slide_type": "fragment"}
    nb.cells[3].metadata["keep"] = 1
    assert slides.apply(nb) is True
    assert slides.apply(nb) is False
    assert nb.cells[2].metadata["slideshow"]["slide_type"] == "-"
    assert nb.cells[3].metadata["keep"] == 1


def test_main_writes_only_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(_nb(), path)
    assert slides.main([str(path)]) == 0
    first = path.read_text(encoding="utf-8")
    assert json.loads(first)["cells"][0]["metadata"]["slideshow"]["slide_type"] == "slide"
    mtime = path.stat().st_mtime_ns
    assert slides.main([str(path)]) == 0
    assert path.stat().st_mtime_ns == mtime and path.read_text(encoding="utf-8") == first


def test_slides_show_code_only_of_cells_tagged_slide_code() -> None:
    c = Config()
    c.HTMLExporter.preprocessors = ["instructor.slides.Deck"]
    html, _ = HTMLExporter(config=c).from_notebook_node(_nb())
    assert "the gap is small" in html, "a cell tagged slide-code must show its code"
    assert "plumbing" not in html, "an untagged code cell must not show its code"
    plain, _ = HTMLExporter().from_notebook_node(_nb())
    assert "plumbing" in plain, "without the preprocessor (notebook, handouts) code stays"


def test_static_deck_shows_pictures_not_dead_widgets(tmp_path: Path) -> None:
    nb = _nb()
    view = {"application/vnd.jupyter.widget-view+json": {"model_id": "x", "version_major": 2,
                                                          "version_minor": 0},
            "text/plain": "interactive(...)"}
    nb.cells[2].outputs = [nbformat.v4.new_output("display_data", data={**view,
                                                                       "image/png": "iVBOR"}),
                           nbformat.v4.new_output("execute_result", data=dict(view),
                                                  execution_count=1)]
    nbformat.write(nb, tmp_path / "run.ipynb")
    deck = slides.static_deck(tmp_path / "run.ipynb", tmp_path / "decks")
    copy = nbformat.read(deck, as_version=4)
    assert copy.metadata["course_deck"] == {"static": True}
    out, _ = slides.Deck().preprocess(copy, {})
    (outputs,) = [c.outputs for c in out.cells if "plumbing" in c.source]
    assert len(outputs) == 1 and set(outputs[0]["data"]) == {"image/png", "text/plain"}
    live, _ = slides.Deck().preprocess(_nb(), {})  # a live deck keeps its widgets
    assert "course_deck" not in live.metadata


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_lecture_talk_plan(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    assert slides.talk_plan(nb) is not None, f"{path.name}: no metadata.course.talk_plan"
    assert slides.check_talk_plan(nb) == [], f"{path.name}: metadata.course.talk_plan"


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_lecture_slides_are_current(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    if slides.apply(nb):
        pytest.fail(f"{path.name}: slide metadata is stale; run "
                    f"`python -m instructor.slides {path.relative_to(ROOT)}`")


def test_serve_command_uses_the_course_template(tmp_path: Path) -> None:
    nb = tmp_path / "nb.ipynb"
    nbformat.write(_nb(), nb)
    cmd, env = slides.serve_command(nb, port=8999, open_browser=False)
    assert cmd[:3] == [sys.executable, "-m", "voila"] and str(nb) in cmd
    assert "--template=course-reveal" in cmd and "--Voila.ip=127.0.0.1" in cmd
    assert "--port=8999" in cmd and "--no-browser" in cmd and "--strip_sources=False" in cmd
    assert any(a.endswith("preprocessors=instructor.slides.Deck") for a in cmd)
    assert "--VoilaConfiguration.preheat_kernel=True" in cmd  # the notebook runs before the page
    assert f"--MappingKernelManager.cull_idle_timeout={slides.CULL_IDLE_S}" in cmd
    assert env["MATPLOTLIBRC"] == str(slides.MATPLOTLIBRC) and slides.MATPLOTLIBRC.is_file()
    static, _ = slides.serve_command(nb, port=8999, open_browser=False, preheat=False)
    assert not any("preheat" in a for a in static)
    assert env["JUPYTER_PATH"].split(os.pathsep)[0] == str(slides.TEMPLATES_ROOT)
    assert str(ROOT) in env["PYTHONPATH"].split(os.pathsep)
    with pytest.raises(FileNotFoundError, match="no notebook"):
        slides.serve_command(tmp_path / "missing.ipynb")


def test_template_is_complete_and_offline() -> None:
    conf = json.loads((TEMPLATE_DIR / "conf.json").read_text(encoding="utf-8"))
    assert conf["base_template"] == "reveal"
    index = (TEMPLATE_DIR / "index.html.j2").read_text(encoding="utf-8")
    for name in ("reveal.css", "theme/course.css"):
        assert (TEMPLATE_DIR / "static" / "reveal" / "dist" / name).is_file(), name
    assert (TEMPLATE_DIR / "static" / "reveal" / "LICENSE").is_file()
    assert "url_prefix" in index and "'theme': 'course'" in index
    theme = (TEMPLATE_DIR / "static" / "reveal" / "dist" / "theme" / "course.css").read_text()
    assert "http" not in theme and "@import" not in theme, "the theme must load nothing"


def test_voila_bundles_the_reveal_version_the_template_ships() -> None:
    voila = pytest.importorskip("voila")
    static = Path(sys.prefix) / "share" / "jupyter" / "voila" / "templates" / "base" / "static"
    bundle = static / "reveal.js"
    if not bundle.is_file():
        pytest.skip(f"voila {voila.__version__}: no reveal.js bundle at {bundle}")
    version = re.search(r'="(\d+\.\d+\.\d+)";function', bundle.read_text(encoding="utf-8"))
    readme = (TEMPLATE_DIR / "static" / "reveal" / "README.md").read_text(encoding="utf-8")
    assert version and f"reveal.js {version.group(1)}" in readme, (
        f"Voila bundles reveal.js {version and version.group(1)}; update the style sheet in "
        f"{TEMPLATE_DIR / 'static'} to match")


def test_find_notebook_by_number(tmp_path: Path) -> None:
    (tmp_path / "01_a.ipynb").write_text("{}")
    (tmp_path / "02_b.ipynb").write_text("{}")
    assert slides.find_notebook("01", tmp_path) == tmp_path / "01_a.ipynb"
    with pytest.raises(FileNotFoundError, match="NB='07' matches 0"):
        slides.find_notebook("07", tmp_path)


def test_make_slides_runs_the_module() -> None:
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^slides:.*\n((?:\t.*\n)+)", make, re.M)
    assert target, "the Makefile has no `slides` target"
    assert "-m instructor.slides --serve" in target.group(1)


def test_docs_name_the_slides_command_and_only_real_menus() -> None:
    from test_browser import doc_menu_paths

    paths = doc_menu_paths()
    assert ["Run", "Run All Cells"] in paths, paths
    assert not any("Reveal" in " ".join(p) for p in paths), paths
    for doc in ("README.md", "docs/presenting.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert "make slides NB=01" in text, f"{doc} must say how to start the slides"
        assert "Reveal Slideshow" not in text, f"{doc} still sends lecturers to jupyterlab-rise"


def test_the_decks_matplotlibrc_reaches_the_course_plots() -> None:
    """The deck's font sizes reach helpers.plots (functions and STYLE); the notebook keeps the
    course's sizes."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from helpers import plots

    runs = {"plain": {"xent": [1.0, 0.5], "val_xent": [1.0, 0.6]}}

    def sizes() -> tuple[float, float, float]:
        fig = plots.plot_history(runs, "xent")
        ax = fig.axes[0]
        found = (ax.xaxis.label.get_size(), ax.get_legend().get_texts()[0].get_size(),
                 fig.axes[0].get_xticklabels()[0].get_size())
        plt.close(fig)
        return found

    with mpl.rc_context():
        mpl.rcdefaults()  # the notebook: matplotlib's defaults
        assert dict(plots.STYLE)["axes.labelsize"] == 12
        assert sizes() == (12, 10, 12)
    deck = mpl.rc_params_from_file(str(slides.MATPLOTLIBRC), use_default_template=False)
    with mpl.rc_context(fname=str(slides.MATPLOTLIBRC)):
        assert plots.STYLE["axes.labelsize"] == deck["axes.labelsize"] > 12
        assert sizes() == (deck["axes.labelsize"], deck["legend.fontsize"],
                           deck["xtick.labelsize"])
