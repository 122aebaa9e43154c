"""Insert or update the "Colab" cell of lecture notebooks (idempotent).

The cell installs the course when the notebook runs on Google Colab and does nothing
anywhere else (a local clone, Binder, the tests). On Colab it clones the repository
named by the environment variable ``COURSE_REPO_URL`` and pip-installs it; when the
variable is unset it stops with an instruction instead of guessing a URL.

It becomes the first code cell of the notebook (right after the title), tagged
``colab``; running the tool again replaces that cell's source, never adds a second one:

    python -m instructor.colab_cell notebooks/09_putting_it_together.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

TAG = "colab"

#: The source of the cell. Kept importable so that the tests can execute it.
SOURCE = '''\
# Colab only: install the course. Anywhere else this cell does nothing.
import os
import sys

if "google.colab" in sys.modules:
    import importlib
    import subprocess

    url = os.environ.get("COURSE_REPO_URL", "").strip()
    if not url:
        raise RuntimeError(
            "This notebook needs the course's code. Put the git URL of the course "
            "repository in COURSE_REPO_URL and run this cell again, for example in a "
            "new cell above:\\n    %env COURSE_REPO_URL=https://github.com/OWNER/REPO.git"
        )
    where = "/content/improving-deep-networks"
    if not os.path.isdir(where):
        subprocess.run(["git", "clone", "--depth", "1", url, where], check=True)
    # Colab already has TensorFlow, Keras, NumPy, scikit-learn, matplotlib and ipywidgets:
    # install the course without touching them (--no-deps), then the one missing package.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", where], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "mlxtend>=0.23"], check=True)
    importlib.invalidate_caches()
    os.chdir(os.path.join(where, "notebooks"))
'''


def make_cell() -> nbformat.NotebookNode:
    """A new Colab cell: tagged ``colab``, hidden in slide mode."""
    cell = nbformat.v4.new_code_cell(SOURCE)
    cell.metadata["tags"] = [TAG]
    cell.metadata["slideshow"] = {"slide_type": "skip"}
    return cell


def apply(nb: nbformat.NotebookNode) -> bool:
    """Insert the Colab cell into ``nb``, or update the one it has.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A notebook (version 4); changed in place.

    Returns
    -------
    bool
        Whether the notebook changed.
    """
    tagged = [i for i, c in enumerate(nb.cells) if TAG in c.metadata.get("tags", [])]
    if tagged:
        first, extra = tagged[0], tagged[1:]
        changed = bool(extra) or nb.cells[first].source != SOURCE
        for i in reversed(extra):
            del nb.cells[i]
        cell = nb.cells[first]
        cell.source = SOURCE
        cell.cell_type = "code"
        return changed
    index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"), len(nb.cells))
    nb.cells.insert(index, make_cell())
    return True


def main(paths: list[str]) -> int:
    """Apply the Colab cell to every notebook in ``paths``; print what changed."""
    if not paths:
        print(__doc__)
        return 2
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        if apply(nb):
            nbformat.write(nb, path)
            print(f"{Path(path).name}: colab cell written")
        else:
            print(f"{Path(path).name}: colab cell already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
