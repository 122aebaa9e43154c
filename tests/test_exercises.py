"""exercises/ is generated from solutions/, holds no solution, and fails its checks in words."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from coursework.engine import units, written
from instructor import checks
from instructor import make_exercises as mx

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = ROOT / "exercises"
NAMES = [p.stem for p in SOLUTIONS]


def _cells(path: Path) -> list[nbformat.NotebookNode]:
    return nbformat.read(path, as_version=4).cells


def _solution_lines(source: str) -> list[str]:
    """The non-trivial lines between the markers of a code cell."""
    lines, inside = [], False
    for line in source.split("\n"):
        if mx.BEGIN.match(line):
            inside = True
        elif mx.END.match(line):
            inside = False
        elif inside and len(line.strip()) > 12:
            lines.append(line.strip())
    return lines


def test_there_is_one_solution_and_one_exercise_per_lecture() -> None:
    assert NAMES == units.notebooks()
    assert sorted(p.stem for p in EXERCISES.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_committed_exercise_is_what_the_generator_writes(path: Path) -> None:
    committed = (EXERCISES / path.name).read_text(encoding="utf-8")
    assert committed == mx.render(path), (
        f"exercises/{path.name} differs from the generated copy: run `make exercises`")


def test_generator_check_mode_reports_no_drift() -> None:
    assert mx.generate(ROOT / "solutions", EXERCISES, check=True) == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_exercise_holds_no_solution(path: Path) -> None:
    solution, exercise = _cells(path), _cells(EXERCISES / path.name)
    assert len(solution) == len(exercise)
    text = "\n".join(c.source for c in exercise)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    code = {ln.strip() for c in exercise if c.cell_type == "code" for ln in c.source.split("\n")}
    for cell in solution:
        for line in _solution_lines(cell.source):
            assert line not in code, f"solution line left in the exercise: {line!r}"
    for s, e in zip(solution, exercise, strict=True):
        if s.cell_type == "markdown" and "**Answer:**" in s.source:
            assert e.source.endswith("**Answer:** " + mx.ANSWER_PROMPT)
        if e.cell_type == "code":
            assert e.outputs == [] and e.execution_count is None


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_every_task_has_a_stub_and_a_check_cell(path: Path) -> None:
    exercise = _cells(EXERCISES / path.name)
    code = "\n".join(c.source for c in exercise if c.cell_type == "code")
    for task in units.tasks(path.stem):
        number = task.number
        if task.kind == "written":  # the answer cell, left empty for the learner
            where = written.task_section(exercise, number)
            assert where is not None, number
            text, has_cell = written.answer_text(exercise[where[0]:where[1]])
            assert has_cell and text == "", number
        else:
            assert re.search(rf'raise NotImplementedError\("Task {number}: ', code), number
        call = f'check_task("{path.stem}", {number}, globals())'
        checks = [c for c in exercise if call in c.source]
        assert len(checks) == 1 and "check" in checks[0].metadata.get("tags", [])


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_exercise_code_is_valid_python(path: Path) -> None:
    for i, cell in enumerate(_cells(EXERCISES / path.name)):
        if cell.cell_type == "code":
            lines = [ln for ln in cell.source.split("\n") if not ln.startswith("%")]
            ast.parse("\n".join(lines), filename=f"{path.name}, cell {i}")


def test_solutions_start_with_the_set_up_cell() -> None:
    for path in SOLUTIONS:
        first = next(c for c in _cells(path) if c.cell_type == "code")
        assert first.source.startswith("%matplotlib inline\nfrom helpers import config\n"
                                       "SEED = config.set_seed()")


# --------------------------------------------------------------------------- the generator


def test_stub_keeps_the_lines_around_the_markers() -> None:
    source = ("def f(x):\n    y = 2\n    ### BEGIN SOLUTION: square it\n    return x * x\n"
              "    ### END SOLUTION\n\n\nprint(f(3))")
    quoted = mx.strip_solutions('### BEGIN SOLUTION: x = "a\\b"\nx = 1\n### END SOLUTION', 1)
    assert quoted == 'raise NotImplementedError("Task 1: x = \\"a\\\\b\\"")'
    assert eval(compile(quoted.replace("raise ", ""), "stub", "eval")).args == (
        'Task 1: x = "a\\b"',)
    assert mx.strip_solutions(source, task=4) == (
        'def f(x):\n    y = 2\n    raise NotImplementedError("Task 4: square it")\n\n\n'
        "print(f(3))")


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1",
    "x = 1\n### END SOLUTION",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
])
def test_unbalanced_markers_are_an_error(source: str) -> None:
    with pytest.raises(ValueError, match="SOLUTION"):
        mx.strip_solutions(source, where="nb, cell 3")


def test_markdown_answers_and_solution_cells_are_replaced() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("## Task 2 · Why?\n\nExplain.\n\n**Answer:** Because."),
        nbformat.v4.new_markdown_cell("The secret", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("x = 42", metadata={"tags": ["solution", "keep"]}),
    ]
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="42")]
    ex = mx.make_exercise(nb)
    assert ex.cells[0].source == "## Task 2 · Why?\n\nExplain.\n\n**Answer:** *Your answer here.*"
    assert ex.cells[1].source == mx.ANSWER_PROMPT and "tags" not in ex.cells[1].metadata
    assert ex.cells[2].source == 'raise NotImplementedError("Task 2: replace this line with '\
        'your code")'
    assert ex.cells[2].outputs == [] and ex.cells[2].metadata["tags"] == ["keep"]
    assert nb.cells[2].source == "x = 42"  # the solution is not changed


def test_cli_writes_checks_and_removes_stale(tmp_path: Path) -> None:
    src, dst = tmp_path / "solutions", tmp_path / "exercises"
    src.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "### BEGIN SOLUTION\nx = 1\n### END SOLUTION")])
    nbformat.write(nb, src / "01_a.ipynb")
    assert mx.main([str(src), str(dst)]) == 0
    first = (dst / "01_a.ipynb").read_bytes()
    assert mx.main([str(src), str(dst), "--check"]) == 0
    (dst / "99_stale.ipynb").write_text("{}")
    assert mx.main([str(src), str(dst), "--check"]) == 1
    assert mx.main([str(src), str(dst)]) == 0
    assert not (dst / "99_stale.ipynb").exists()
    assert (dst / "01_a.ipynb").read_bytes() == first  # deterministic
    assert mx.main([str(tmp_path / "missing"), str(dst)]) == 2


# --------------------------------------------------------------------------- run an exercise


def test_unsolved_exercise_fails_its_checks_in_words(tmp_path: Path) -> None:
    """Run exercises/03_momentum.ipynb as a student who solved nothing, in a kernel started
    as a Jupyter server starts it (``JPY_SESSION_NAME``: the saved notebook, which the
    check of a written task reads)."""
    import os

    from nbclient import NotebookClient

    saved = tmp_path / "03_momentum.ipynb"
    shutil.copyfile(EXERCISES / "03_momentum.ipynb", saved)
    nb = nbformat.read(saved, as_version=4)
    NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute(
        env={**os.environ, "JPY_SESSION_NAME": str(saved)})
    checks = [c for c in nb.cells if "check" in c.metadata.get("tags", [])]
    assert len(checks) == len(units.tasks("03_momentum"))
    for number, cell in enumerate(checks, start=1):
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert len(errors) == 1, cell.outputs
        err = errors[0]
        assert err.ename == "NotSolvedError"
        assert err.evalue.startswith(f"Task {number} (")
        if units.tasks("03_momentum")[number - 1].kind == "written":
            assert "03_momentum.ipynb" in err.evalue and "**Answer:**" in err.evalue
            continue
        assert "NotImplementedError" in err.evalue or "is not defined" in err.evalue
        # shown as one readable sentence, not a traceback through helpers
        assert len(err.traceback) == 1 and err.traceback[0].startswith("✘ NotSolvedError")
    stubs = [c for c in nb.cells if 'raise NotImplementedError("Task' in c.source]
    assert all(o.ename == "NotImplementedError" for c in stubs for o in c.outputs
               if o.output_type == "error")


# --------------------------------------------------------------------------- hidden checks


def _grade_in_kernel(path: Path, tmp_path: Path, allow_errors: bool) -> list[checks.Verdict]:
    """Run the notebook without its check cells, then the probe, in one real kernel."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells
                if not (c.cell_type == "code" and "check" in c.metadata.get("tags", []))]
    out = tmp_path / "answers.json"
    nb.cells.append(nbformat.v4.new_code_cell(checks.probe_source(path.stem, str(out))))
    NotebookClient(nb, timeout=600, allow_errors=allow_errors, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = out.read_text(encoding="utf-8")
    assert len(text) < 5_000_000, "the probe's answers must stay small"
    return checks.judge(path.stem, json.loads(text))


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_solution_scores_full_marks_in_a_kernel(path: Path, tmp_path: Path) -> None:
    verdicts = _grade_in_kernel(path, tmp_path, allow_errors=False)
    assert [v.key for v in verdicts] == [t.key for t in checks.tasks(path.stem)
                                         if t.kind == "code"]  # a TA grades written tasks
    for v in verdicts:
        assert (v.status, v.points) == ("pass", v.max_points), v.message


@pytest.mark.parametrize("path", SOLUTIONS, ids=NAMES)
def test_exercise_scores_zero_and_says_not_solved(path: Path, tmp_path: Path) -> None:
    verdicts = _grade_in_kernel(EXERCISES / path.name, tmp_path, allow_errors=True)
    for v in verdicts:
        assert (v.status, v.points) == ("not solved", 0), v.message
        assert "not solved" in v.message
