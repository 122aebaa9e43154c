"""The test set in the lecture notebooks: each test split scored once in the whole course.

A notebook that scores a test set loads its data with its own ``test_split``, seals the
test part at once (``envelope = d.seal_test()``) and opens the envelope in one cell
(``envelope.open()``, which also refuses a second opening when the notebook runs). This
file reads the notebooks' code, as a reviewer would, and checks:

- every envelope is opened exactly once, and nothing else in a lecture scores or
  predicts on test data;
- two notebooks that score a test set use disjoint test splits (the images are loaded
  and compared, not only the arguments).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from helpers import config, data

ROOT = Path(__file__).resolve().parents[1]
LECTURES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCORING_CALL = re.compile(r"\b(evaluate|predict|predict_on_batch|test_on_batch)\s*\(")


def _code(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    out = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "colab" in cell.metadata.get("tags", []):
            continue
        # IPython magics are not Python: blank them out before parsing
        out.append("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                             for line in cell.source.splitlines()))
    return out


def _seals(path: Path) -> list[tuple[str, ast.Call]]:
    """(envelope name, the load call whose test part it seals) for each seal in a notebook."""
    cells = [ast.parse(src) for src in _code(path)]
    loads: dict[str, ast.Call] = {}
    found = []
    for tree in cells:
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                    and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Call):
                target, value = node.targets[0].id, node.value
                if isinstance(value.func, ast.Attribute) and value.func.attr.startswith("load_"):
                    loads[target] = value
                if isinstance(value.func, ast.Attribute) and value.func.attr == "seal_test":
                    owner = value.func.value
                    assert isinstance(owner, ast.Name) and owner.id in loads, (
                        f"{path.name}: seal_test() must be called on a Splits loaded in the "
                        f"notebook, got {ast.unparse(value)}")
                    found.append((target, loads[owner.id]))
    return found


def _opens(path: Path, name: str) -> int:
    pattern = re.compile(rf"\b{re.escape(name)}\.open\s*\(")
    return sum(len(pattern.findall(src)) for src in _code(path))


SEALING = {p.name: _seals(p) for p in LECTURES}


@pytest.mark.parametrize("path", LECTURES, ids=[p.name for p in LECTURES])
def test_each_envelope_is_opened_once_and_nothing_else_scores_test_data(path: Path) -> None:
    for name, _ in SEALING[path.name]:
        assert _opens(path, name) == 1, (
            f"{path.name}: the envelope {name!r} must be opened exactly once, "
            f"found {_opens(path, name)} opening(s)")
    envelopes = [name for name, _ in SEALING[path.name]]
    for k, src in enumerate(_code(path)):
        if any(re.search(rf"\b{re.escape(n)}\.open\s*\(", src) for n in envelopes):
            continue                          # the one cell that opens the envelope and scores
        for line in src.splitlines():
            if SCORING_CALL.search(line) and re.search(r"x_test|y_test|\.test\b|\"test\"", line):
                pytest.fail(f"{path.name}, code cell {k}: scores test data outside an "
                            f"envelope: {line.strip()}")


def test_at_most_one_envelope_per_notebook() -> None:
    many = {name: len(s) for name, s in SEALING.items() if len(s) > 1}
    assert not many, f"a notebook seals one test split, at most: {many}"


def test_the_scoring_notebooks_use_disjoint_test_splits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_PROFILE", "default")
    scoring = {name: s[0][1] for name, s in SEALING.items() if s}
    assert {"09_putting_it_together.ipynb", "10_ablation_and_tuning.ipynb"} <= set(scoring), (
        f"09 and 10 score a test set, each from its own envelope; found: {sorted(scoring)}")
    namespace = {"data": data, "PROFILE": config.profile()}
    images: dict[str, set[bytes]] = {}
    for name, call in scoring.items():
        loaded = eval(compile(ast.Expression(call), name, "eval"), namespace)  # the notebook's call
        x = np.asarray(loaded.x_test).reshape(len(loaded.x_test), -1)
        images[name] = {row.tobytes() for row in x}
        assert images[name], f"{name}: its test split is empty"
    names = sorted(images)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            shared = len(images[a] & images[b])
            assert shared == 0, f"{a} and {b} score {shared} of the same test images"
