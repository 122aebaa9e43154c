"""Structure of the course's notebooks: what a learner, lecturer and grader rely on.

These run in milliseconds and say which notebook breaks which convention
(CONTRIBUTING.md). Execution of the notebooks is nbval's job.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
ALL = LECTURES + SOLUTIONS + EXERCISES
WIDGET_LECTURES = {"01", "02", "03", "04", "06", "07"}


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.name}" for p in paths]


def _code(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells
            if c.cell_type == "code" and "colab" not in c.metadata.get("tags", [])]


def test_the_course_has_its_notebooks() -> None:
    names = [p.name[:2] for p in LECTURES]
    assert names[:2] == ["00", "01"], f"lecture notebooks found: {names}"
    assert names == sorted(set(names)), f"numbers must be unique and ordered: {names}"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_stored_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have stored outputs; run nbstripout"


@pytest.mark.parametrize("path", LECTURES + SOLUTIONS, ids=_ids(LECTURES + SOLUTIONS))
def test_title_then_setup_cell(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    first_md = next(c for c in nb.cells if c.cell_type == "markdown")
    assert first_md.source.startswith("# "), f"{path.name}: must open with a '# ' title"
    setup = _code(nb)[0].source
    assert "config.set_seed(" in setup, (
        f"{path.name}: the first code cell must seed through helpers.config.set_seed"
    )


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_lecture_conventions(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in _code(nb))
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "claim(" in code, f"{path.name}: every lecture checks its claims with claim(...)"
    assert not re.search(r"\btf\.keras\b", code), f"{path.name}: use `import keras` (Keras 3)"
    assert not re.search(r"\blr\s*=", code), f"{path.name}: Keras 3 spells it learning_rate"
    assert "What to notice" in text, f"{path.name}: needs a 'What to notice' cell"
    if path.name[:2] != "00":
        assert re.search(r"\$\$|\$[^$]+\$", text), f"{path.name}: the idea in LaTeX is missing"
    if path.name[:2] in WIDGET_LECTURES:
        assert "interactive_plot(" in code, f"{path.name}: needs a widget (interactive_plot)"
    if path.name[:2] != "04":
        assert "learninig" not in code, f"{path.name}: the seed's typo belongs to notebook 04 only"


@pytest.mark.parametrize("path", LECTURES[1:], ids=_ids(LECTURES[1:]))
def test_lecture_points_to_its_exercises(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    last = [c for c in nb.cells if c.cell_type == "markdown"][-1].source
    target = f"../exercises/{path.name}"
    assert target in last, f"{path.name}: the last cell must point to {target}"
    assert (ROOT / "exercises" / path.name).exists(), f"{target} does not exist"
    assert (ROOT / "solutions" / path.name).exists(), f"solutions/{path.name} does not exist"


@pytest.mark.parametrize("path", LECTURES, ids=_ids(LECTURES))
def test_slide_metadata(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    missing = [i for i, c in enumerate(nb["cells"])
               if "slide_type" not in c.get("metadata", {}).get("slideshow", {})]
    assert not missing, (f"{path.name}: cells {missing} lack slide metadata; "
                         "run python -m instructor.slides")


def test_readme_lists_every_lecture() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    absent = [p.name for p in LECTURES if p.name not in readme]
    assert not absent, f"README's notebook table lacks {absent}"
