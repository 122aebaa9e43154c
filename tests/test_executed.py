"""instructor.executed: the key of an executed copy, the cache, and the copies nbval writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from instructor import executed

ROOT = Path(__file__).resolve().parents[1]


def _course(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "course"
    (root / "helpers").mkdir(parents=True)
    (root / "helpers" / "__init__.py").write_text("X = 1\n")
    nb = root / "01_tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 01 · Tiny"),
        nbformat.v4.new_code_cell("print(6 * 7)"),
        nbformat.v4.new_code_cell(
            "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([0, 1]); plt.show()"),
    ]), nb)
    return root, nb


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COURSE_EXECUTED_DIR", str(tmp_path / "executed"))
    monkeypatch.setattr(executed, "_EXPECTED", set())
    return tmp_path / "executed"


def test_key_follows_notebook_helpers_profile_and_seed(tmp_path: Path) -> None:
    root, nb = _course(tmp_path)
    env = {"COURSE_PROFILE": "default", "COURSE_SEED": "0"}
    base = executed.cache_key(nb, root=root, env=env)
    assert executed.cache_key(nb, root=root, env=env) == base, "the key must be deterministic"
    assert executed.cache_key(nb, root=root, env={}) == base, "unset = default profile, seed 0"
    assert executed.cache_key(nb, root=root, env={**env, "COURSE_SEED": "1"}) != base
    assert executed.cache_key(nb, root=root, env={**env, "COURSE_PROFILE": "full"}) != base
    (root / "helpers" / "__init__.py").write_text("X = 2\n")
    changed_helpers = executed.cache_key(nb, root=root, env=env)
    assert changed_helpers != base, "a change in helpers/ must invalidate the copy"
    (root / "helpers" / "new.py").write_text("")
    assert executed.cache_key(nb, root=root, env=env) != changed_helpers, "a new helpers file too"
    before = executed.cache_key(nb, root=root, env=env)
    nb.write_text(nb.read_text().replace("6 * 7", "6 * 8"))
    assert executed.cache_key(nb, root=root, env=env) != before


def test_execute_false_never_runs_and_copy_is_reused(tmp_path: Path, cache: Path) -> None:
    _, nb = _course(tmp_path)
    assert executed.executed_notebook(nb, execute=False) is None
    copy = executed.executed_notebook(nb)
    assert copy is not None and copy.is_relative_to(cache)
    out = nbformat.read(copy, as_version=4)
    assert out.cells[1].outputs[0]["text"].strip() == "42"
    assert "image/png" in out.cells[2].outputs[0]["data"]
    assert out.metadata["executed"]["key"] == executed.cache_key(nb)
    mtime = copy.stat().st_mtime_ns
    assert executed.executed_notebook(nb) == copy and copy.stat().st_mtime_ns == mtime, \
        "an unchanged notebook must not run again"
    assert executed.executed_notebook(nb, execute=False) == copy
    nb.write_text(nb.read_text().replace("6 * 7", "6 * 8"))
    assert executed.executed_notebook(nb, execute=False) is None, "a changed notebook is stale"


def test_consumer_waits_for_nbval_and_stops_on_its_failure(tmp_path: Path, cache: Path) -> None:
    _, nb = _course(tmp_path)
    executed.expect(nb)
    with pytest.raises(TimeoutError, match="no executed copy appeared"):
        executed.executed_notebook(nb, wait=0.3)
    executed._write_failure(nb.resolve(), executed.cache_key(nb), "Cell 1 failed")
    with pytest.raises(executed.NotebookFailed, match="Cell 1 failed"):
        executed.executed_notebook(nb, wait=5)
    with pytest.raises(FileNotFoundError, match="no such notebook"):
        executed.executed_notebook(tmp_path / "missing.ipynb")


def test_failing_notebook_raises_and_leaves_no_copy(tmp_path: Path, cache: Path) -> None:
    nb = tmp_path / "broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("raise ValueError('boom')")]), nb)
    with pytest.raises(executed.NotebookFailed, match="boom"):
        executed.executed_notebook(nb)
    assert executed.executed_notebook(nb, execute=False) is None


def test_nbval_run_writes_the_copy(tmp_path: Path, cache: Path) -> None:
    _, nb = _course(tmp_path)
    (nb.parent / "conftest.py").write_text(
        "from instructor.executed import NbvalRecorder\n"
        "def pytest_configure(config):\n"
        "    config.pluginmanager.register(NbvalRecorder(), 'executed-notebooks')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]), "COURSE_EXECUTED_DIR": str(cache)}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--nbval-lax", "--nbval-current-env", nb.name],
                         cwd=nb.parent, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    copy = executed.executed_notebook(nb, execute=False)
    assert copy is not None, "nbval ran every cell, so the copy must exist"
    out = nbformat.read(copy, as_version=4)
    nbformat.validate(out)
    assert out.metadata["executed"]["by"] == "nbval"
    assert out.cells[1].outputs[0]["text"].strip() == "42"
    assert "image/png" in out.cells[2].outputs[0]["data"]


def test_notebooks_run_first_and_consumers_last(tmp_path: Path, cache: Path) -> None:
    """The collection order ``loadscope`` dispatches: notebook cells, other tests, consumers."""
    _, path = _course(tmp_path)
    nb = nbformat.read(path, as_version=4)

    class IPyNbCell:  # what nbval's items look like to the recorder
        def __init__(self, n: int) -> None:
            self.name, self.parent = f"cell{n}", type("File", (), {"path": path, "nb": nb})()

        def get_closest_marker(self, name: str) -> None:
            return None

    class Test:
        def __init__(self, name: str, consumer: bool) -> None:
            self.name, self.consumer = name, consumer

        def get_closest_marker(self, name: str) -> object:
            return object() if name == "executed" and self.consumer else None

    items = [Test("consumer", True), Test("plain", False), IPyNbCell(1), IPyNbCell(2),
             Test("other", False)]
    executed.NbvalRecorder().pytest_collection_modifyitems(items)
    assert [i.name for i in items] == ["cell1", "cell2", "plain", "other", "consumer"]
    assert executed.is_expected(path)
