"""Set RISE slide metadata from the headings of lecture notebooks (idempotent).

A markdown cell that starts with ``#`` or ``##`` opens a slide, ``###`` a sub-slide;
every other cell continues the current slide; the Colab install cell is skipped.
Run after editing a notebook:

    python -m instructor.slides notebooks/*.ipynb solutions/*.ipynb
"""

from __future__ import annotations

import sys

import nbformat


def slide_type(cell: nbformat.NotebookNode) -> str:
    if "colab" in cell.metadata.get("tags", []):
        return "skip"  # the Colab install cell is no part of the talk
    if cell.cell_type == "markdown":
        first = cell.source.lstrip().split("\n", 1)[0]
        if first.startswith("### "):
            return "subslide"
        if first.startswith(("# ", "## ")):
            return "slide"
    return "-"


def main(paths: list[str]) -> None:
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            cell.metadata.setdefault("slideshow", {})["slide_type"] = slide_type(cell)
        nbformat.write(nb, path)


if __name__ == "__main__":
    main(sys.argv[1:])
