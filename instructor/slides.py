"""The lecture notebooks as slides: slide metadata from the headings, and a slideshow server.

Set the slide metadata (idempotent; run it after editing a notebook)::

    python -m instructor.slides notebooks/*.ipynb solutions/*.ipynb

A markdown cell that starts with ``#`` or ``##`` opens a slide, ``###`` a sub-slide; every
other cell continues the current slide; the Colab install cell (tag ``colab``) is skipped.

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

import nbformat
from nbconvert.preprocessors import Preprocessor

#: the folder that holds ``voila/templates/course-reveal`` (a Jupyter data directory)
TEMPLATES_ROOT = Path(__file__).resolve().parent / "jupyter-data"
TEMPLATE = "course-reveal"
#: a code cell with this tag shows its code on the slide (by default only its output)
SHOW_CODE_TAG = "slide-code"
DEFAULT_PORT = 8866


def slide_type(cell: nbformat.NotebookNode) -> str:
    """The reveal.js slide type of a cell, from its heading or tags."""
    if "colab" in cell.metadata.get("tags", []):
        return "skip"  # the Colab install cell is no part of the talk
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


class SlideCode(Preprocessor):  # type: ignore[misc]
    """nbconvert/Voila preprocessor: hide the code of every code cell not tagged ``slide-code``.

    The cell still runs and its output (plot, widget, printed check) stays on the slide.
    """

    def preprocess_cell(self, cell, resources, index):  # noqa: ANN001, ANN201
        if cell.cell_type == "code" and SHOW_CODE_TAG not in cell.metadata.get("tags", []):
            cell.metadata.setdefault("transient", {})["remove_source"] = True
        return cell, resources


def serve_command(notebook: str | os.PathLike[str], port: int = DEFAULT_PORT,
                  open_browser: bool = True) -> tuple[list[str], dict[str, str]]:
    """The command and environment that present ``notebook`` as live slides on 127.0.0.1.

    Raises
    ------
    FileNotFoundError
        If ``notebook`` does not exist.
    """
    path = Path(notebook)
    if not path.is_file():
        raise FileNotFoundError(f"no notebook {str(notebook)!r}")
    cmd = [sys.executable, "-m", "voila", str(path), f"--template={TEMPLATE}",
           "--Voila.ip=127.0.0.1", f"--port={port}", "--Voila.port_retries=0",
           "--strip_sources=False", "--show_tracebacks=True",
           "--VoilaExporter.preprocessors=instructor.slides.SlideCode"]  # not __main__
    if not open_browser:
        cmd.append("--no-browser")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(TEMPLATES_ROOT), os.environ.get("JUPYTER_PATH", "")) if p)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # the kernel imports `helpers` and `instructor` from the repository, installed or not
    root = str(TEMPLATES_ROOT.parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return cmd, env


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
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    if args.serve:
        if len(args.notebooks) != 1:
            parser.error("--serve takes one notebook")
        cmd, env = serve_command(find_notebook(args.notebooks[0]), args.port,
                                 not args.no_browser)
        print(f"slides on http://127.0.0.1:{args.port}/ (the notebook runs first; "
              "Ctrl+C stops the server)", flush=True)
        os.execvpe(cmd[0], cmd, env)  # replaces this process: Ctrl+C reaches Voila directly
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        if apply(nb):
            nbformat.write(nb, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
