"""instructor.handouts: executed notebooks rendered to HTML (a tiny notebook, a few seconds)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from instructor import handouts


def _notebook(path: Path, *cells: nbformat.NotebookNode) -> Path:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def test_handout_has_outputs_and_an_image(tmp_path: Path) -> None:
    src = tmp_path / "notebooks"
    src.mkdir()
    colab = nbformat.v4.new_code_cell("print('colab cell ran')")
    colab.metadata["tags"] = ["colab"]
    nb_path = _notebook(
        src / "01_tiny.ipynb",
        nbformat.v4.new_markdown_cell("# 01 · A tiny lecture"),
        colab,
        nbformat.v4.new_code_cell("print(6 * 7, 'is the answer')"),
        nbformat.v4.new_code_cell(
            "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
            "plt.plot([0, 1], [1, 0])\nplt.show()"
        ),
    )
    before = nb_path.read_text()
    out = tmp_path / "handouts"
    assert handouts.main([str(src), str(out), "--timeout", "120"]) == 0

    page = (out / "01_tiny.html").read_text(encoding="utf-8")
    assert "42 is the answer" in page, "the handout lacks the executed cell's output"
    assert "data:image/png;base64," in page, "the handout lacks the embedded figure"
    assert "colab cell" not in page, "cells tagged 'colab' belong in no handout"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="01_tiny.html"' in index and "A tiny lecture" in index
    assert nb_path.read_text() == before, "rendering must not modify the notebook"


def test_failing_notebook_is_reported(tmp_path: Path) -> None:
    nb_path = _notebook(tmp_path / "02_broken.ipynb",
                        nbformat.v4.new_code_cell("raise ValueError('boom')"))
    out = tmp_path / "handouts"
    assert handouts.main([str(nb_path), str(out)]) == 1
    assert "boom" in (out / "02_broken.html").read_text(encoding="utf-8")
    assert "failed" in (out / "index.html").read_text(encoding="utf-8")


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such notebook"):
        handouts.render(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="no notebooks"):
        handouts.render(tmp_path, tmp_path / "out")
    with pytest.raises(ValueError, match="timeout"):
        handouts.render_notebook(tmp_path / "x.ipynb", tmp_path, timeout=0)
