"""Render executed notebooks to HTML handouts, for reading without running anything.

Each notebook is executed top to bottom in a fresh kernel (as Run All would), with a
time limit per cell, and written as ``<out>/<notebook name>.html`` with its outputs and
figures embedded; ``<out>/index.html`` lists them. A notebook that fails still gets a
handout (showing the error) and is marked as failed in the index and in the exit status.

Command line (``make handouts``)::

    python -m instructor.handouts notebooks handouts [--timeout 600] [--kernel python3]

Nothing runs at import: everything happens in :func:`render` and :func:`main`.
"""

from __future__ import annotations

import argparse
import html
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Handout", "main", "render", "render_notebook", "write_index"]

#: cells with this tag (the Colab install cell) are left out of handouts
SKIP_TAGS = ("colab",)


@dataclass
class Handout:
    """One rendered notebook.

    Attributes
    ----------
    source : pathlib.Path
        The notebook.
    html : pathlib.Path
        The handout written for it.
    title : str
        The notebook's first heading.
    seconds : float
        Wall time of the execution.
    error : str
        Empty when every cell ran; otherwise the first line of the error.
    """

    source: Path
    html: Path
    title: str
    seconds: float
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the notebook ran without an error."""
        return not self.error


def _title(nb: Any, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def render_notebook(
    path: Path, out_dir: Path, *, timeout: int = 600, kernel: str | None = None
) -> Handout:
    """Execute one notebook in a fresh kernel and write its HTML handout.

    Parameters
    ----------
    path : pathlib.Path
        The notebook; it runs with its own folder as working directory, and the file
        itself is not modified.
    out_dir : pathlib.Path
        Folder of the handout (created if needed).
    timeout : int
        Seconds allowed per cell.
    kernel : str, optional
        Kernel name; default: the notebook's own kernelspec (``python3``).

    Returns
    -------
    Handout
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    kwargs: dict[str, Any] = {
        "timeout": timeout,
        "resources": {"metadata": {"path": str(path.parent)}},  # run in the notebook's folder
    }
    if kernel:
        kwargs["kernel_name"] = kernel
    client = NotebookClient(nb, **kwargs)
    error = ""
    start = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        lines = [ln for ln in str(err).splitlines() if ln.strip()]
        error = next((ln for ln in reversed(lines) if "Error" in ln), lines[-1] if lines else "")
        error = error.strip()[:300] or err.__class__.__name__
    seconds = time.perf_counter() - start

    exporter = HTMLExporter()
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(SKIP_TAGS), enabled=True), enabled=True
    )
    body, _ = exporter.from_notebook_node(nb)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / (path.stem + ".html")
    target.write_text(body, encoding="utf-8")
    return Handout(path, target, _title(nb, path.stem), seconds, error)


def write_index(handouts: list[Handout], out_dir: Path) -> Path:
    """Write ``index.html``: one link per handout, with its run time and status."""
    rows = []
    for h in handouts:
        status = "ok" if h.ok else f"failed: {html.escape(h.error)}"
        rows.append(
            f'<li><a href="{html.escape(h.html.name)}">{html.escape(h.title)}</a> '
            f"<small>({h.seconds:.0f} s, {status})</small></li>"
        )
    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Improving deep networks: handouts</title></head>\n<body>\n"
        "<h1>Improving deep networks: handouts</h1>\n"
        f"<p>Executed notebooks, rendered {time.strftime('%Y-%m-%d')}. Read them without "
        "running anything; to experiment, open the notebooks themselves.</p>\n"
        "<ol>\n" + "\n".join(rows) + "\n</ol>\n</body></html>\n"
    )
    target = out_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    return target


def render(
    src: Path, out_dir: Path, *, timeout: int = 600, kernel: str | None = None
) -> list[Handout]:
    """Render every ``NN_*.ipynb`` in ``src`` (or the one notebook ``src``) and the index.

    Parameters
    ----------
    src : pathlib.Path
        A folder of notebooks, or one notebook.
    out_dir : pathlib.Path
        Where the HTML files go.
    timeout : int
        Seconds allowed per cell.
    kernel : str, optional
        Kernel name (default: each notebook's own).

    Returns
    -------
    list of Handout
        In the order of the notebooks' names.

    Raises
    ------
    FileNotFoundError
        If ``src`` does not exist or holds no notebook.
    """
    src, out_dir = Path(src), Path(out_dir)
    if src.is_file():
        paths = [src]
    elif src.is_dir():
        paths = sorted(src.glob("[0-9][0-9]_*.ipynb")) or sorted(src.glob("*.ipynb"))
    else:
        raise FileNotFoundError(f"no such notebook or folder: {src}")
    if not paths:
        raise FileNotFoundError(f"no notebooks (*.ipynb) in {src}")
    handouts = []
    for p in paths:
        h = render_notebook(p, out_dir, timeout=timeout, kernel=kernel)
        print(f"{p.name}: {h.seconds:.0f} s, {'ok' if h.ok else 'FAILED: ' + h.error}",
              flush=True)
        handouts.append(h)
    write_index(handouts, out_dir)
    return handouts


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m instructor.handouts SRC OUT``; exit 1 if a notebook failed."""
    parser = argparse.ArgumentParser(prog="python -m instructor.handouts",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("src", type=Path, help="folder of notebooks (or one notebook)")
    parser.add_argument("out", type=Path, help="folder for the HTML handouts")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell (600)")
    parser.add_argument("--kernel", default=None, help="kernel name (default: the notebook's)")
    args = parser.parse_args(argv)
    handouts = render(args.src, args.out, timeout=args.timeout, kernel=args.kernel)
    failed = [h.source.name for h in handouts if not h.ok]
    print(f"{len(handouts) - len(failed)} of {len(handouts)} handouts in {args.out}/"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
