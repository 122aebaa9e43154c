"""What the lecture room relies on: the Colab cell, slide metadata, the Binder environment."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


from instructor import colab_cell  # noqa: E402


class _Recorder:
    """Stands in for subprocess.run and os.chdir: records, never runs anything."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.chdirs: list[str] = []

    def run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        self.calls.append(list(args))
        return subprocess.CompletedProcess(args, 0)

    def chdir(self, path: str) -> None:
        self.chdirs.append(path)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> _Recorder:
    rec = _Recorder()
    monkeypatch.setattr(subprocess, "run", rec.run)
    monkeypatch.setattr(os, "chdir", rec.chdir)
    return rec


def _run_cell() -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        exec(compile(colab_cell.SOURCE, "<colab cell>", "exec"), {})
    return out.getvalue()


def test_colab_cell_does_nothing_outside_colab(recorder: _Recorder,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    monkeypatch.setenv("COURSE_REPO_URL", "https://example.invalid/course.git")
    assert _run_cell() == ""
    assert recorder.calls == [] and recorder.chdirs == [], "outside Colab nothing may run"


def test_colab_cell_without_url_says_what_to_do(recorder: _Recorder,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.colab", ModuleType("google.colab"))
    monkeypatch.delenv("COURSE_REPO_URL", raising=False)
    with pytest.raises(RuntimeError, match="COURSE_REPO_URL"):
        _run_cell()
    assert recorder.calls == [], "without a URL nothing is cloned or installed"


def test_colab_cell_clones_and_installs(recorder: _Recorder,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "google.colab", ModuleType("google.colab"))
    monkeypatch.setenv("COURSE_REPO_URL", "https://example.invalid/course.git")
    monkeypatch.setattr(os.path, "isdir", lambda p: False)
    _run_cell()
    clone, install = recorder.calls[0], recorder.calls[1]
    assert clone[:2] == ["git", "clone"] and "https://example.invalid/course.git" in clone
    assert install[1:4] == ["-m", "pip", "install"] and clone[-1] in install
    assert recorder.chdirs and recorder.chdirs[-1].endswith("notebooks")


def test_apply_is_idempotent() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · Title"),
                                         nbformat.v4.new_code_cell("from helpers import config")])
    assert colab_cell.apply(nb) is True
    assert colab_cell.apply(nb) is False
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].source == colab_cell.SOURCE and code[0].metadata["tags"] == ["colab"]
    assert nb.cells[0].cell_type == "markdown", "the title stays the first cell"
    code[0].source = "old version"
    assert colab_cell.apply(nb) is True and code[0].source == colab_cell.SOURCE
    assert sum("colab" in c.metadata.get("tags", []) for c in nb.cells) == 1


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_colab_cell_is_current(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "colab" in c.metadata.get("tags", [])]
    if not cells:
        pytest.skip("no colab cell (yet)")
    assert len(cells) == 1 and cells[0].source == colab_cell.SOURCE, (
        f"{path.name}: run `python -m instructor.colab_cell {path.relative_to(ROOT)}`")
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code is cells[0], f"{path.name}: the colab cell must be the first code cell"


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_every_cell_has_slide_metadata(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    missing = [i for i, c in enumerate(cells)
               if "slide_type" not in c.get("metadata", {}).get("slideshow", {})]
    assert not missing, (f"{path.name}: cells {missing} lack slide metadata; "
                         "run python -m instructor.slides")
    assert cells[0]["metadata"]["slideshow"]["slide_type"] == "slide", (
        f"{path.name}: the title cell must open a slide")


def test_environment_mirrors_pyproject() -> None:
    yaml = pytest.importorskip("yaml")
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    deps = env["dependencies"]
    assert "python=3.11" in deps, "Binder must get the Python version the course is tested on"
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def norm(req: str) -> str:
        return req.replace(" ", "").replace('"', "'")

    wanted = {norm(r) for r in project["dependencies"]}
    have = {norm(r) for r in pip if not r.startswith("-")}
    assert wanted == have, (
        f"environment.yml and pyproject.toml differ: only in pyproject {sorted(wanted - have)}, "
        f"only in environment.yml {sorted(have - wanted)}")
    assert any(r.startswith("-e") and r.split()[-1] == "." for r in pip), (
        "environment.yml must install the course itself (`-e .`)")
