"""python -m instructor.release: the student bundle holds no answer, installs and runs.

The bundle is written once per test session. "No answer" is checked three ways, on every
text file of the bundle: no line of solution code (the code between the solution markers
of solutions/, and the text of the markdown answers), no hidden check (no line of
instructor/checks that is not also public in helpers/, no reference implementation, no
instructor file), no answer key (no multiple choice is left; no line of a written task's
model answer). Then a fresh virtual environment installs the bundle and
runs one exercise with its public checks.

The fresh environment is made fast: ``python -m venv --without-pip``, a ``.pth`` file that
points at this environment's site-packages (TensorFlow and Jupyter are not reinstalled),
then this environment's pip installs the bundle into it with
``--no-deps --no-build-isolation`` (a regular, non-editable install of ``helpers`` only).
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from coursework.engine import written
from instructor import checks, release
from instructor import make_exercises as mx

ROOT = Path(__file__).resolve().parents[1]


def _norm(line: str) -> str:
    return " ".join(line.split())


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        nb = nbformat.reads(text, as_version=4)
        return [_norm(ln) for c in nb.cells for ln in c.source.split("\n")]
    return [_norm(ln) for ln in text.split("\n")]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "course"
    assert release.main([str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def bundle_lines(bundle: Path) -> dict[str, set[str]]:
    return {str(p.relative_to(bundle)): set(_lines(p))
            for p in sorted(bundle.rglob("*")) if p.is_file()}


# --------------------------------------------------------------------------- what is in it


def test_bundle_has_what_a_student_needs(bundle: Path) -> None:
    names = {p.name for p in bundle.iterdir()}
    assert names == {"notebooks", "exercises", "helpers", "coursework", "docs",
                     "environment.yml", "pyproject.toml", "README.md", "Makefile", ".gitignore"}
    for folder in ("notebooks", "exercises"):
        assert sorted(p.name for p in (bundle / folder).glob("*.ipynb")) == sorted(
            p.name for p in (ROOT / folder).glob("*.ipynb"))
    for nb in checks.notebooks():  # every unit's public parts, none of its hidden ones
        unit = bundle / "coursework" / f"ex{nb}"
        assert sorted(p.name for p in unit.iterdir()) == [
            "__init__.py", "public.py", "spec.py", "tables.py"], unit
    assert not (bundle / "coursework" / "engine" / "judge.py").exists()
    assert not list(bundle.rglob("test_*.py")) and not list(bundle.rglob("hidden.py"))
    readme = (bundle / "README.md").read_text(encoding="utf-8")
    for words in ("Install", "make lab", "Self-check", "Hand in", "hidden checks"):
        assert words in readme
    import tomllib

    project = tomllib.loads((bundle / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["setuptools"]["packages"] == [
        "helpers", "coursework", "coursework.engine",
        *(f"coursework.ex{nb}" for nb in checks.notebooks())]
    assert "optional-dependencies" not in project["project"]


def test_no_solutions_no_instructor_no_tests(bundle: Path) -> None:
    for p in bundle.rglob("*"):
        rel = p.relative_to(bundle).as_posix()
        assert not re.search(r"(^|/)(solutions|instructor|tests|\.ci)(/|$)", rel), rel
        if p.suffix == ".py":
            assert rel.startswith(("helpers/", "coursework/")), rel
    text = "\n".join("\n".join(v) for v in _all_text(bundle).values())
    assert "solutions/" not in text and "import instructor" not in text
    assert "from instructor" not in text


def _all_text(bundle: Path) -> dict[str, list[str]]:
    return {str(p.relative_to(bundle)): _lines(p) for p in bundle.rglob("*") if p.is_file()}


def test_every_relative_link_resolves_inside_the_bundle(bundle: Path) -> None:
    for nb_path in bundle.rglob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"\]\(([^)#\s]+)\)", cell.source):
                if "://" in target or target.startswith("mailto:") or "/" not in target \
                        and not target.endswith((".ipynb", ".md")):
                    continue
                assert (nb_path.parent / target).exists(), f"{nb_path.name}: {target}"


# --------------------------------------------------------------------------- no answers


def _solution_lines() -> set[str]:
    """Normalized non-trivial lines of the solutions' answers (code and markdown)."""
    out: set[str] = set()
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            tags = cell.metadata.get("tags", [])
            if cell.cell_type == "markdown":
                answer = cell.source if "solution" in tags else \
                    cell.source.split("**Answer:**", 1)[1] if "**Answer:**" in cell.source else ""
                out |= {_norm(ln) for ln in answer.split("\n") if len(_norm(ln)) > 20}
                continue
            inside = "solution" in tags
            for line in cell.source.split("\n"):
                if mx.BEGIN.match(line):
                    inside = True
                elif mx.END.match(line):
                    inside = "solution" in tags
                elif inside and len(_norm(line)) > 12:
                    out.add(_norm(line))
    return out


def _is_statement(line: str) -> bool:
    try:
        ast.parse(line)
    except SyntaxError:
        return False
    return True


def test_no_line_of_solution_code(bundle_lines: dict[str, set[str]]) -> None:
    solution = _solution_lines()
    assert len(solution) > 50
    # a fragment (a continuation line, not a statement of its own) that the lectures also
    # show is taught there, not given away here
    lectures = {ln for p in (ROOT / "notebooks").glob("*.ipynb") for ln in _lines(p)}
    taught = {ln for ln in solution & lectures if not _is_statement(ln)}
    assert len(taught) <= 3, taught
    for name, lines in bundle_lines.items():
        leaked = (lines & solution) - taught
        assert not leaked, f"{name} holds solution lines: {sorted(leaked)[:5]}"


def _hidden_lines() -> set[str]:
    """Lines of the hidden side (instructor/checks, the units' hidden.py, the judges' engine)
    that no public file (helpers, the units' public parts, a lecture) also holds."""
    hidden_files = [*(ROOT / "instructor" / "checks").glob("*.py"),
                    *(ROOT / "coursework").glob("*/hidden.py"),
                    ROOT / "coursework" / "engine" / "judge.py"]
    public_files = [p for p in (ROOT / "coursework").rglob("*.py") if p not in hidden_files
                    and not p.name.startswith("test") and p.name != "testing.py"]
    public = {ln for p in [*(ROOT / "helpers").rglob("*.py"), *public_files] for ln in _lines(p)}
    public |= {ln for p in (ROOT / "notebooks").glob("*.ipynb") for ln in _lines(p)}
    hidden = {ln for p in hidden_files for ln in _lines(p)}
    return {ln for ln in hidden - public if len(ln) >= 25 and not ln.startswith("#")}


def test_no_hidden_check(bundle_lines: dict[str, set[str]]) -> None:
    hidden = _hidden_lines()
    assert len(hidden) > 300
    for name, lines in bundle_lines.items():
        leaked = lines & hidden
        assert not leaked, f"{name} holds hidden-check lines: {sorted(leaked)[:5]}"


def test_no_reference_implementation(bundle: Path) -> None:
    refs = {name for nb in checks.notebooks() for name in vars(checks.module(nb))
            if name.endswith("_ref")}
    assert len(refs) >= 10
    for path in bundle.rglob("*.py"):
        defined = {n.name for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(n, ast.FunctionDef)}
        assert not defined & refs, path


def test_no_answer_key(bundle: Path) -> None:
    """No multiple choice is left to leak a key (issue 22: they became written answers), and
    the model answers of the written tasks stay in the solutions."""
    text = "\n".join("\n".join(v) for v in _all_text(bundle).values())
    answers = 0
    for nb in checks.notebooks():
        assert not hasattr(checks.module(nb), "ANSWER_KEY"), nb
        cells = nbformat.read(ROOT / "solutions" / f"{nb}.ipynb", as_version=4).cells
        for task in checks.tasks(nb):
            if task.kind != "written":
                continue
            start, end = written.task_section(cells, task.number)
            answer, _ = written.answer_text(cells[start:end])
            assert len(answer.split()) >= 40, (nb, task.number)  # a model answer is there
            answers += 1
            for line in answer.split("\n"):
                assert len(line) < 30 or line.strip() not in text, (nb, line)
    assert answers >= 5  # 01, 03, 05, 06 and 08 at least


# --------------------------------------------------------------------------- the command


def test_refuses_a_non_empty_folder_unless_forced(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert release.main([str(out)]) == 2
    assert "not empty" in capsys.readouterr().err and (out / "mine.txt").exists()
    assert release.main([str(out), "--force"]) == 0
    assert not (out / "mine.txt").exists() and (out / "helpers").is_dir()
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert release.main([str(out), "--force"]) == 0  # deterministic
    assert first == {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (tmp_path / "file").write_text("x")
    assert release.main([str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="not a copy of the course"):
        release.build(tmp_path / "new", root=tmp_path)
    assert release.main([str(ROOT)]) == 2  # never into the course itself


# --------------------------------------------------------------------------- install and run

RUNNER = """
import json, sys
import nbformat
from nbclient import NotebookClient

nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": sys.argv[2]}}).execute()
outs = [[o.get("text", "") if o.output_type == "stream" else o.get("ename", "")
         for o in c.get("outputs", [])] for c in nb.cells if c.cell_type == "code"]
print(json.dumps(outs))
"""


def test_bundle_installs_and_an_exercise_runs_in_a_fresh_venv(bundle: Path,
                                                               tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "course_main_env.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--quiet",
                    "--no-deps", "--no-build-isolation", "--no-index", str(bundle)],
                   check=True, capture_output=True, text=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if p and Path(p).resolve() != ROOT)}
    where = subprocess.run(
        [py, "-c", "import coursework, helpers, importlib.util as u; print(helpers.__file__); "
                   "print(u.find_spec('instructor')); print(coursework.__file__); "
                   "print(u.find_spec('coursework.ex03_momentum.hidden'))"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env).stdout.split("\n")
    assert where[0].startswith(site) and where[1] == "None"
    assert where[2].startswith(site) and where[3] == "None"

    # a student's exercise 03 (the stubs replaced by answers), run in the new environment
    exercise = nbformat.read(bundle / "exercises" / "03_momentum.ipynb", as_version=4)
    solution = nbformat.read(ROOT / "solutions" / "03_momentum.ipynb", as_version=4)
    for ex, sol in zip(exercise.cells, solution.cells, strict=True):
        if "raise NotImplementedError" in ex.source:
            ex.source = sol.source.replace("### BEGIN SOLUTION", "#").replace(
                "### END SOLUTION", "#")
    exercise.cells.insert(0, nbformat.v4.new_code_cell(
        "import sys, helpers\nprint(sys.prefix, helpers.__file__)"))
    work = tmp_path / "work"
    work.mkdir()
    nbformat.write(exercise, work / "03_momentum.ipynb")
    (tmp_path / "run.py").write_text(RUNNER)
    done = subprocess.run([py, str(tmp_path / "run.py"), str(work / "03_momentum.ipynb"),
                           str(work)], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    outs = json.loads(done.stdout.strip().splitlines()[-1])
    assert outs[0][0].split() == [str(venv), str(Path(site, "helpers", "__init__.py"))]
    text = "\n".join("".join(o) for o in outs)
    assert "Error" not in text, text
    assert "✔ Task 1 (a momentum step by hand)" in text and "hidden checks try more" in text
    assert "[2 points]" not in text  # a passing public check awards nothing
    # task 2 is a written answer; a kernel started outside Jupyter cannot see the saved file
    assert "scored by the grader" not in text and "cannot see your saved notebook" in text
