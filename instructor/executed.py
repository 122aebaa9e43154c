"""Executed copies of the course's notebooks, cached under ``build/executed/``.

The lectures are committed without outputs. Several consumers need them executed: the course
website (``make site``), the slide decks, the book. Running a lecture costs up to a minute, so
every notebook is executed once per change and its executed copy reused:

- :func:`executed_notebook` returns the executed copy of a notebook (lectures, the appendix,
  exercises, solutions), executing it in a fresh kernel only when no fresh copy exists.
- A copy is *fresh* when its **key** matches: the sha256 of the source notebook's bytes, the
  sources of ``helpers/`` (the code the notebook imports), ``COURSE_PROFILE`` and
  ``COURSE_SEED``, the Python version and the versions of the packages that shape the outputs
  (see :data:`VERSIONED`). Change any of them and the notebook runs again; change one notebook
  and only that notebook runs again.
- The nbval run of ``make test`` writes these copies as it executes the lectures
  (:class:`NbvalRecorder`, registered by ``tests/conftest.py``): when every code cell of a
  notebook ran and passed, its outputs (text, images, widget views) are written with the key.

The rule for consumers inside one pytest session (``make test`` runs ``-n 2 --dist loadscope``,
so a notebook's cells may be running on the other worker):

1. a fresh copy on disk is used as it is;
2. if the notebook's nbval items are in this session (the recorder registered them with
   :func:`expect`), the consumer waits for the copy (polling, at most ``COURSE_EXECUTED_WAIT``
   seconds, default 1200); if nbval reports a failed cell of that notebook the wait ends with a
   :class:`NotebookFailed` error naming the cell;
3. otherwise the consumer executes the notebook itself (nbclient) and writes the copy.

Tests that consume executed notebooks carry the marker ``executed``; the recorder puts the
notebooks' items first and these tests last, so under ``loadscope`` the notebooks run early,
the other tests keep both workers busy meanwhile, and a consumer's scope is dispatched after
every notebook scope (it never waits for items queued behind it on the same worker).

Command line: ``python -m instructor.executed notebooks/*.ipynb`` executes what is stale
(``--check`` only lists stale copies, exit 1 when one is stale).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["VERSIONED", "NbvalRecorder", "NotebookFailed", "build_dir", "cache_key",
           "executed_notebook", "execute", "expect", "is_expected", "fresh_copy", "main",
           "write_copy"]

ROOT = Path(__file__).resolve().parents[1]

#: distributions whose version is part of the key (missing ones count as "-")
VERSIONED = ("tensorflow-cpu", "tensorflow", "keras", "numpy", "matplotlib", "ipywidgets",
             "scikit-learn", "mlxtend", "ipykernel")

#: bump when the layout of the executed copies changes
FORMAT = 1

_EXPECTED: set[Path] = set()


class NotebookFailed(RuntimeError):
    """The notebook's execution (in nbval or here) raised in one of its cells."""


def build_dir() -> Path:
    """Folder of the executed copies: ``$COURSE_EXECUTED_DIR`` or ``<repo>/build/executed``."""
    env = os.environ.get("COURSE_EXECUTED_DIR")
    return Path(env) if env else ROOT / "build" / "executed"


def _helpers_digest(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "helpers").rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "-"


def cache_key(path: Path, *, root: Path | None = None, env: dict[str, str] | None = None) -> str:
    """The key of a notebook's executed copy (hex sha256).

    Parameters
    ----------
    path : pathlib.Path
        The source notebook.
    root : pathlib.Path, optional
        The course folder whose ``helpers/`` the notebook imports (default: this checkout).
    env : dict, optional
        Environment to read ``COURSE_PROFILE`` / ``COURSE_SEED`` from (default ``os.environ``).

    Returns
    -------
    str
    """
    root = ROOT if root is None else Path(root)
    env = os.environ if env is None else env
    parts = {
        "format": FORMAT,
        "notebook": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
        "helpers": _helpers_digest(root),
        "profile": env.get("COURSE_PROFILE", "") or "default",
        "seed": env.get("COURSE_SEED", "") or "0",
        "python": f"{sys.version_info[0]}.{sys.version_info[1]}",
        "versions": {d: _version(d) for d in VERSIONED},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _copy_path(path: Path) -> Path:
    path = Path(path).resolve()
    try:
        rel = path.relative_to(ROOT)
    except ValueError:  # a notebook outside the course: keep copies of equal names apart
        tag = hashlib.sha256(str(path.parent).encode()).hexdigest()[:10]
        rel = Path("_other") / tag / path.name
    return build_dir() / rel


def _key_file(copy: Path) -> Path:
    return copy.with_name(copy.name + ".key")


def _failed_file(copy: Path) -> Path:
    return copy.with_name(copy.name + ".failed")


def fresh_copy(path: Path, key: str | None = None) -> Path | None:
    """The executed copy of ``path`` if one with the current key exists, else ``None``."""
    copy = _copy_path(path)
    key = key or cache_key(path)
    kf = _key_file(copy)
    if copy.is_file() and kf.is_file() and kf.read_text().strip() == key:
        return copy
    return None


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a site built from it is served to others
    os.replace(tmp, target)


def write_copy(path: Path, nb: Any, key: str, *, by: str) -> Path:
    """Write an executed notebook node as the copy of ``path`` under ``key``; return its path."""
    import nbformat

    copy = _copy_path(path)
    nb.metadata["executed"] = {"key": key, "source": Path(path).name, "by": by,
                               "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    _atomic_write(copy, nbformat.writes(nb))
    _atomic_write(_key_file(copy), key + "\n")
    _failed_file(copy).unlink(missing_ok=True)
    return copy


def _write_failure(path: Path, key: str, message: str) -> None:
    _atomic_write(_failed_file(_copy_path(path)), json.dumps({"key": key, "error": message}))


def _failure(path: Path, key: str) -> str | None:
    f = _failed_file(_copy_path(path))
    try:
        data = json.loads(f.read_text())
    except (OSError, ValueError):
        return None
    return data.get("error", "failed") if data.get("key") == key else None


def expect(path: Path) -> None:
    """Declare that this pytest session's nbval items will execute ``path`` (see module doc)."""
    _EXPECTED.add(Path(path).resolve())


def is_expected(path: Path) -> bool:
    """Whether this pytest session's nbval items execute ``path`` (see :func:`expect`)."""
    return Path(path).resolve() in _EXPECTED


def execute(path: Path, *, timeout: int = 600) -> Path:
    """Execute ``path`` in a fresh kernel (its folder as working directory); write its copy.

    Raises
    ------
    NotebookFailed
        If a cell raises or times out (a ``.failed`` marker is written next to the copy).
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    path = Path(path).resolve()
    key = cache_key(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        msg = f"{path.name}: {str(err).strip().splitlines()[-1] if str(err).strip() else err!r}"
        _write_failure(path, key, msg)
        raise NotebookFailed(msg) from err
    return write_copy(path, nb, key, by="nbclient")


def executed_notebook(path: Path | str, *, execute: bool = True,
                      wait: float | None = None) -> Path | None:
    """The executed copy of a notebook, from the cache when its key is unchanged.

    Parameters
    ----------
    path : pathlib.Path or str
        A notebook (lecture, appendix, exercise, solution).
    execute : bool
        ``True``: return a fresh copy, waiting for nbval or executing the notebook when needed
        (see the module's rule). ``False``: never execute or wait; return the fresh copy or
        ``None`` when there is none.
    wait : float, optional
        Seconds to wait for a copy that this session's nbval run is writing (default
        ``$COURSE_EXECUTED_WAIT`` or 1200).

    Returns
    -------
    pathlib.Path or None
        The executed copy (``None`` only with ``execute=False``).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    NotebookFailed
        If the notebook fails (here or in this session's nbval run).
    TimeoutError
        If nbval did not write the copy within ``wait`` seconds.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no such notebook: {path}")
    key = cache_key(path)
    copy = fresh_copy(path, key)
    if copy is not None or not execute:
        return copy
    if path in _EXPECTED:
        limit = float(os.environ.get("COURSE_EXECUTED_WAIT", "1200")) if wait is None else wait
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            copy = fresh_copy(path, key)
            if copy is not None:
                return copy
            error = _failure(path, key)
            if error:
                raise NotebookFailed(f"nbval failed on {path.name}: {error}")
            time.sleep(1.0)
        raise TimeoutError(f"{path.name}: its nbval items are in this session but no executed "
                           f"copy appeared within {limit:.0f} s")
    return globals()["execute"](path)


class NbvalRecorder:
    """A pytest plugin: writes the executed copy of each notebook nbval runs completely.

    It collects every nbval cell item's outputs (``item.test_outputs``) per notebook; when the
    last code cell of a notebook has run and every cell passed, the notebook is written with its
    outputs and the key computed at collection time. A failed cell writes a ``.failed`` marker,
    so consumers waiting in the other xdist worker stop waiting. It also moves tests marked
    ``executed`` to the end of the collection (see the module doc).
    """

    def __init__(self) -> None:
        self._cells: dict[Path, int] = {}
        self._keys: dict[Path, str] = {}
        self._outputs: dict[Path, dict[int, list]] = {}
        self._failed: set[Path] = set()

    @staticmethod
    def _nb_path(item: Any) -> Path | None:
        if type(item).__name__ != "IPyNbCell":
            return None
        return Path(str(item.parent.path)).resolve()

    def pytest_collection_modifyitems(self, items: list) -> None:
        counts: dict[Path, int] = {}
        for item in items:
            nb = self._nb_path(item)
            if nb is not None:
                counts[nb] = counts.get(nb, 0) + 1
        for nb, n in counts.items():
            code = sum(c.cell_type == "code" for c in items_parent_nb(items, nb).cells)
            if n == code:  # only notebooks run completely yield a copy
                self._cells[nb] = n
                self._keys[nb] = cache_key(nb)
                expect(nb)
        # the notebooks first (their copies are ready early), then the other tests (they keep
        # both workers busy meanwhile), the consumers last
        consumer = [i.get_closest_marker("executed") is not None for i in items]
        notebook = [self._nb_path(i) is not None for i in items]
        items[:] = ([i for i, nb in zip(items, notebook, strict=True) if nb]
                    + [i for i, nb, c in zip(items, notebook, consumer, strict=True)
                       if not nb and not c]
                    + [i for i, c in zip(items, consumer, strict=True) if c])

    def pytest_runtest_makereport(self, item: Any, call: Any) -> None:
        nb = self._nb_path(item)
        if nb is None or nb not in self._cells or nb in self._failed:
            return
        if call.when == "setup" and call.excinfo is None:
            return
        if call.when not in ("setup", "call"):
            return
        outs = self._outputs.setdefault(nb, {})
        if call.excinfo is not None:
            import pytest

            if not call.excinfo.errisinstance(pytest.skip.Exception):
                self._failed.add(nb)
                self._outputs.pop(nb, None)
                _write_failure(nb, self._keys[nb], f"{item.nodeid} failed")
                return
            outs[item.cell_num] = []  # a cell nbval skips (tag nbval-skip) has no outputs
        else:
            outs[item.cell_num] = [_output_node(o) for o in (item.test_outputs or [])]
        if len(outs) == self._cells[nb]:
            self._write(nb, item.parent.nb, outs)

    def _write(self, nb_path: Path, nb: Any, outs: dict[int, list]) -> None:
        import copy as _copy

        nb = _copy.deepcopy(nb)
        n = 0
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = outs[n]
                cell.execution_count = n + 1
                for o in cell.outputs:
                    if o.get("output_type") == "execute_result":
                        o["execution_count"] = n + 1
                n += 1
        write_copy(nb_path, nb, self._keys[nb_path], by="nbval")
        del self._outputs[nb_path]


def items_parent_nb(items: list, nb: Path) -> Any:
    """The parsed notebook (nbval's ``IPyNbFile.nb``) of the items of ``nb``."""
    for item in items:
        if type(item).__name__ == "IPyNbCell" and Path(str(item.parent.path)).resolve() == nb:
            return item.parent.nb
    raise KeyError(nb)


def _output_node(out: Any) -> Any:
    """An nbformat output from nbval's record of one iopub message."""
    import nbformat

    kind = out.get("output_type")
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=out.get("name", "stdout"),
                                      text=out.get("text", ""))
    if kind == "error":
        return nbformat.v4.new_output("error", ename=out.get("ename", ""),
                                      evalue=out.get("evalue", ""),
                                      traceback=list(out.get("traceback", [])))
    node = nbformat.v4.new_output(kind, data=dict(out.get("data", {})),
                                  metadata=dict(out.get("metadata", {})))
    if kind == "execute_result":
        node["execution_count"] = out.get("execution_count")
    return node


def main(argv: list[str] | None = None) -> int:
    """``python -m instructor.executed NB...``: execute the stale ones (``--check``: list them)."""
    parser = argparse.ArgumentParser(prog="python -m instructor.executed",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="only list stale copies")
    args = parser.parse_args(argv)
    stale = 0
    for nb in args.notebooks:
        copy = executed_notebook(nb, execute=False)
        if copy is not None:
            print(f"{nb}: fresh ({copy})")
            continue
        stale += 1
        if args.check:
            print(f"{nb}: stale")
            continue
        start = time.perf_counter()
        copy = executed_notebook(nb)
        print(f"{nb}: executed in {time.perf_counter() - start:.0f} s ({copy})", flush=True)
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def without_widget_drawings(outputs: list) -> list:
    """A slider cell's outputs without the plots its ``Output`` widget drew while drawing its
    first state, when the widget's own display carries the picture (``image/png`` beside the
    widget view, as ``helpers.widgets.interactive_plot`` makes it).

    nbval records those drawings as outputs of the cell (nbclient keeps them in the widget
    state), so an executed copy from the nbval run would otherwise show the plot twice.
    """
    own = next((i for i, o in enumerate(outputs)
                if WIDGET_VIEW in o.get("data", {}) and "image/png" in o["data"]), None)
    if own is None:
        return list(outputs)
    return [o for i, o in enumerate(outputs) if i >= own or not (
        o.get("output_type") == "display_data" and "image/png" in o.get("data", {}))]
