"""What the text of lectures 00-05 and the appendix says: the fixes a reader relied on, kept.

Milliseconds each; execution (and every measured claim) is nbval's job.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [ROOT / "notebooks" / n for n in (
    "00_start_here.ipynb", "01_overfitting.ipynb", "02_l1_l2_regularization.ipynb",
    "03_momentum.ipynb", "04_learning_rate_decay.ipynb", "05_early_stopping.ipynb",
    "appendix_keras3.ipynb")]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_no_jargon_no_debug_lines(path: Path) -> None:
    nb = _read(path)
    text = "\n".join(c.source for c in nb.cells)
    assert not re.search(r"seed article|\b[Ss]eed 00[0-3]", text), (
        f"{path.name}: say 'the source article' or name it, not 'seed article' / 'seed 00N'")
    assert "redraw took" not in text, f"{path.name}: a debug print of the widget's latency"


@pytest.mark.parametrize("path", NOTEBOOKS[:-1], ids=[p.name for p in NOTEBOOKS[:-1]])
def test_every_test_set_mention_names_both_scoring_notebooks(path: Path) -> None:
    text = _markdown(_read(path))
    assert "at the very end (notebook 09)" not in text and "scored once, in notebook 09" not in text
    for block in re.split(r"\n\s*\n|\n(?=\|)|\n(?=- )", text):
        if "test" in block and re.search(r"\b09\b", block):
            assert re.search(r"\b10\b", block), f"{path.name}: {block!r} must name 10 as well as 09"


@pytest.mark.parametrize("name", ["01_overfitting.ipynb", "02_l1_l2_regularization.ipynb"])
def test_gap_means_the_accuracy_gap(name: str) -> None:
    text = _markdown(_read(ROOT / "notebooks" / name))
    assert "accuracy gap" in text, f"{name}: say that 'gap' is the accuracy gap"
    assert not re.search(r"\\text\{gap\} = \\mathrm\{xent\}", text), (
        f"{name}: gap is not a cross-entropy")
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    assert "training accuracy minus validation accuracy" in glossary
    assert "cross-entropy gap" in glossary


def test_02_names_the_selection_metric_and_the_adamw_normalization() -> None:
    text = _markdown(_read(ROOT / "notebooks" / "02_l1_l2_regularization.ipynb"))
    assert "selects on validation accuracy" in text
    assert r"d \propto 1/\sqrt{T}" in text
    assert "the AdamW paper's advice to scale the decay with the length" not in text


def test_03_epsilon_is_divided() -> None:
    text = _markdown(_read(ROOT / "notebooks" / "03_momentum.ipynb"))
    assert r"\epsilon/\sqrt{1-\beta_2^k}" in text and r"\epsilon\sqrt{1-\beta_2^k}" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_talk_plan_and_speaker_notes(path: Path) -> None:
    nb = _read(path)
    plan = nb.metadata.get("course", {}).get("talk_plan")
    heads = [c.source.split("\n", 1)[0][3:].strip() for c in nb.cells
             if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert plan and [p["section"] for p in plan] == heads, (
        f"{path.name}: one talk-plan entry per ## section")
    assert sum(p["minutes"] for p in plan) == 45, f"{path.name}: the talk plan must fill 45 minutes"
    section, with_notes = None, set()
    for c in nb.cells:
        if c.cell_type == "markdown" and c.source.startswith("## "):
            section = c.source.split("\n", 1)[0]
        if "notes" in c.metadata.get("tags", []):
            with_notes.add(section)
    without = [h for h in heads if f"## {h}" not in with_notes and h != "Exercises"]
    assert not without, f"{path.name}: sections without speaker notes: {without}"
