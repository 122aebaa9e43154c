"""The Keras 3 appendix follows the lecture notebooks' format (tests/test_notebook_format.py).

It is not a numbered lecture, so the glob of those tests skips it; these are the same
conventions, minus the ban on `tf.keras`, `lr=` and the seed's typo, which the appendix
runs on purpose to show them failing. nbval executes it with the lectures.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from instructor import colab_cell, slides

ROOT = Path(__file__).resolve().parents[1]
APPENDIX = ROOT / "notebooks" / "appendix_keras3.ipynb"


def _nb() -> nbformat.NotebookNode:
    return nbformat.read(APPENDIX, as_version=4)


def test_stored_without_outputs_and_valid() -> None:
    nb = _nb()
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"cells {dirty} have stored outputs; run nbstripout"


def test_title_setup_claims_and_notice() -> None:
    nb = _nb()
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    code = [c for c in nb.cells
            if c.cell_type == "code" and "colab" not in c.metadata.get("tags", [])]
    assert "config.set_seed(" in code[0].source, "the first code cell must seed"
    assert "claim(" in "\n".join(c.source for c in code)
    assert any("What to notice" in c.source for c in nb.cells if c.cell_type == "markdown")


def test_colab_cell_and_slide_metadata_are_current() -> None:
    nb = _nb()
    assert not colab_cell.apply(nb), "run python -m instructor.colab_cell on the appendix"
    wrong = [i for i, c in enumerate(nb.cells)
             if c.metadata.get("slideshow", {}).get("slide_type") != slides.slide_type(c)]
    assert not wrong, f"cells {wrong}: run python -m instructor.slides on the appendix"


def test_start_here_points_to_the_appendix() -> None:
    text = (ROOT / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8")
    assert "appendix_keras3.ipynb" in text
