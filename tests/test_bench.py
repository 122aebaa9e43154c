"""instructor.bench: the budget table on fake numbers, and one real run on tiny notebooks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import pytest

from instructor import bench
from instructor.bench import NotebookResult, WrapperResult

INFO = {"cpu": "Test CPU 3000", "cores": "2", "memory": "8.0 GB", "os": "Linux 6",
        "python": "3.11.7", "tensorflow": "2.21.0", "keras": "3.15.1", "profile": "default",
        "seed": "0", "load": "5.0"}
WHEN = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.timezone.utc)


def _fake_results() -> list[NotebookResult]:
    return [
        NotebookResult("00_start_here.ipynb", 21.04, 0.61, cpu_seconds=30.04),
        NotebookResult("01_overfitting.ipynb", 58.9, 1.2, {"capacity": 1.5, "noise": 0.25}),
        NotebookResult("02_l1_l2.ipynb", 75.3, 2.7, {"lam": 2.4}),
        NotebookResult("03_optimizers.ipynb", 12.0, None, error="ClaimError: claim failed: x"),
    ]


def test_problems_and_over_budget_on_fake_numbers() -> None:
    ok, fine, over, broken = _fake_results()
    assert ok.problems() == [] and ok.widget_seconds is None and ok.slowest_widget is None
    assert fine.problems() == [] and fine.widget_seconds == 1.5
    assert fine.slowest_widget == "capacity"
    assert over.problems() == ["Run All 75.3 s > 60 s", "memory 2.70 GB > 2.5 GB",
                               "widget 'lam' 2.40 s > 2 s"]
    assert broken.problems() == ["error: ClaimError: claim failed: x"]
    fast = WrapperResult([3.0, 2.9, 3.4], [6.0, 5.0, 5.5], epochs=20, n_train=1000)
    slow = WrapperResult([6.0, 6.2], [5.0, 5.2])
    assert fast.ratio == pytest.approx(3.0 / 5.5) and fast.problems() == []
    assert slow.ratio == pytest.approx(6.1 / 5.1)
    assert slow.problems() == ["training wrapper 1.20 x plain fit > 1.10"]
    found = bench.over_budget(_fake_results(), slow)
    assert found == ["02_l1_l2.ipynb: Run All 75.3 s > 60 s",
                     "02_l1_l2.ipynb: memory 2.70 GB > 2.5 GB",
                     "02_l1_l2.ipynb: widget 'lam' 2.40 s > 2 s",
                     "03_optimizers.ipynb: error: ClaimError: claim failed: x",
                     "training wrapper: training wrapper 1.20 x plain fit > 1.10"]
    assert bench.over_budget(_fake_results()[:2], fast) == []


def test_budgets_are_those_of_the_course() -> None:
    assert (bench.RUN_ALL_S, bench.MEMORY_GB, bench.WIDGET_S, bench.WRAPPER_RATIO) == (
        60, 2.5, 2, 1.10)
    # 60 s on a host 1.6x slower than the reference = 37.5 s there, in calibration units
    assert bench.SLOW_HOST == 1.6
    assert bench.BOUND_CALIBRATIONS * bench.CALIBRATION_REF_S == pytest.approx(37.5)


def test_calibration_bound_on_fake_numbers() -> None:
    cal = bench.Calibration([2.1, 1.9, 2.0])
    assert cal.median == 2.0
    bound_s = bench.BOUND_CALIBRATIONS * 2.0
    within = NotebookResult("01_a.ipynb", bound_s - 1.0)
    over = NotebookResult("02_b.ipynb", bound_s + 1.0)
    assert within.problems(2.0) == [] and within.in_calibrations(2.0) == pytest.approx(
        (bound_s - 1.0) / 2.0)
    assert bound_s + 1.0 < bench.RUN_ALL_S and over.problems(None) == []  # under 60 s
    (problem,) = [p for p in over.problems(2.0) if "calibration" in p]
    assert problem.startswith(f"Run All {(bound_s + 1.0) / 2.0:.1f} x calibration > "
                              f"{bench.BOUND_CALIBRATIONS:.1f}")
    # a slower machine (calibration twice as long) may take twice as long
    assert NotebookResult("02_b.ipynb", bound_s + 1.0).problems(4.0) == []
    text = bench.format_report([within, over], None, INFO, when=WHEN, calibration=cal)
    assert "**2.00 s** (median of 2.10, 1.90, 2.00" in text
    assert f"the bound, **{bench.BOUND_CALIBRATIONS:.1f}**" in text
    row = next(line for line in text.splitlines() if line.startswith("| 02_b"))
    assert f"| {(bound_s + 1.0) / 2.0:.1f} |" in row and "x calibration" in row
    assert "02_b.ipynb: Run All" in "\n".join(bench.over_budget([over], None, None, cal))


def test_report_table_on_fake_numbers() -> None:
    wrapper = WrapperResult([3.0, 2.9, 3.4], [6.0, 5.0, 5.5], epochs=20, n_train=1000)
    text = bench.format_report(_fake_results(), wrapper, INFO, when=WHEN)
    lines = text.splitlines()
    assert lines[0].startswith("# Benchmark")
    assert "2025-01-02 03:04 UTC" in text
    assert "Test CPU 3000, 2 cores, 8.0 GB RAM" in text
    assert "TensorFlow 2.21.0, Keras 3.15.1" in text
    assert "load average at the start: 5.0 (busier than its cores" in text
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in lines if line.startswith("| 0")}
    assert rows["00_start_here.ipynb"] == ["21.0", "-", "30.0", "0.61", "-", "ok"]
    assert rows["01_overfitting.ipynb"] == ["58.9", "-", "-", "1.20", "1.50 (`capacity`)", "ok"]
    assert rows["02_l1_l2.ipynb"][:5] == ["75.3", "-", "-", "2.70", "2.40"]
    assert rows["02_l1_l2.ipynb"][5].startswith("**Run All 75.3 s > 60 s; memory")
    assert rows["03_optimizers.ipynb"] == ["12.0", "-", "-", "-", "-",
                                           "**error: ClaimError: claim failed: x**"]
    assert (f"| *budget* | *≤ 60* | *≤ {bench.BOUND_CALIBRATIONS:.1f}* | | *≤ 2.5* | *≤ 2* | |"
            in lines)
    assert "| `helpers.training.train` | 3.00 | 3.00, 2.90, 3.40 |" in lines
    assert "| plain `model.fit` | 5.50 | 6.00, 5.00, 5.50 |" in lines
    assert "Ratio wrapper / plain fit: **0.55** (budget ≤ 1.10): ok." in text
    over = lines[lines.index("## Over budget"):]
    assert "- 02_l1_l2.ipynb: Run All 75.3 s > 60 s" in over
    assert "- 03_optimizers.ipynb: error: ClaimError: claim failed: x" in over
    # every table row has the same number of columns
    table = [line for line in lines if line.startswith("| ") and "ipynb" in line]
    assert {line.count("|") - line.count("\\|") for line in table} == {8}


def test_report_without_wrapper_and_within_budget() -> None:
    text = bench.format_report(_fake_results()[:2], None, {**INFO, "load": "0.5"}, when=WHEN)
    assert "Not measured in this run." in text
    assert "Nothing: every measurement is within budget." in text
    assert "busier" not in text


def test_error_text_cannot_break_the_table() -> None:
    r = NotebookResult("04_x.ipynb", 1.0, error="ValueError: a | b")
    row = next(line for line in bench.format_report([r], None, INFO).splitlines()
               if line.startswith("| 04_x"))
    assert "a \\| b" in row


def test_main_check_flag_sets_the_exit_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(bench, "find_notebooks", lambda names: [Path(r.name) for r in
                                                                _fake_results()])
    monkeypatch.setattr(bench, "run_notebook", lambda path, timeout: next(
        r for r in _fake_results() if r.name == path.name))
    monkeypatch.setattr(bench, "measure_wrapper", lambda **kw: WrapperResult([1.0], [2.0]))
    monkeypatch.setattr(bench, "_measure_grading", lambda: None)
    monkeypatch.setattr(bench, "measure_calibration", lambda: bench.Calibration([10.0]))
    out = tmp_path / "docs" / "benchmark.md"
    assert bench.main(["--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "OVER BUDGET" in err and "02_l1_l2.ipynb: widget 'lam' 2.40 s > 2 s" in err
    assert "02_l1_l2.ipynb" in out.read_text()
    assert bench.main(["--out", str(out), "--check"]) == 1
    monkeypatch.setattr(bench, "find_notebooks", lambda names: [Path("00_start_here.ipynb")])
    assert bench.main(["--check"]) == 0
    assert "within budget" in capsys.readouterr().err


def test_find_notebooks(tmp_path: Path) -> None:
    for name in ("00_a.ipynb", "01_b.ipynb", "notes.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in bench.find_notebooks(folder=tmp_path)] == ["00_a.ipynb",
                                                                       "01_b.ipynb"]
    assert [p.name for p in bench.find_notebooks(["01"], folder=tmp_path)] == ["01_b.ipynb"]
    assert bench.find_notebooks([str(tmp_path / "notes.ipynb")]) == [tmp_path / "notes.ipynb"]
    with pytest.raises(FileNotFoundError, match="no notebook matches '07'"):
        bench.find_notebooks(["07"], folder=tmp_path)


# ----------------------------------------------------------------------- a real run

TINY = [
    "import numpy as np\nblock = np.ones(300_000_000 // 8)  # 300 MB, touched",
    "import time\nimport ipywidgets\nimport matplotlib.pyplot as plt\n"
    "from helpers.widgets import interactive_plot\n\n"
    "def show(k=1):\n    time.sleep(0.3 if k > 1 else 0.0)\n"
    "    plt.plot([0, 1], [0, k])\n\n"
    "interactive_plot(show, k=ipywidgets.IntSlider(value=1, min=1, max=3))",
]


def _notebook(path: Path, sources: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# tiny")]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def test_bench_runs_tiny_notebooks(tmp_path: Path) -> None:
    good = _notebook(tmp_path / "01_tiny.ipynb", TINY)
    bad = _notebook(tmp_path / "02_broken.ipynb", ["x = 1", "raise ValueError('on purpose')",
                                                   "never = 1"])
    before = good.read_text()
    out = tmp_path / "benchmark.md"
    assert bench.main([str(good), str(bad), "--skip-wrapper", "--skip-grading", "--out", str(out),
                       "--timeout", "120", "--skip-calibration"]) == 0
    assert good.read_text() == before, "the benchmark must not modify the notebook"
    text = out.read_text()
    row = next(line for line in text.splitlines() if line.startswith("| 01_tiny"))
    seconds, _, cpu, peak, widget, status = (c.strip() for c in row.split("|")[2:-1])
    assert 0 < float(seconds) < 120 and 0 < float(cpu) and status == "ok"
    assert 0.3 <= float(peak) < 2.5, "the 300 MB array must show in the peak memory"
    assert 0.3 <= float(widget) < 2.0, "the slow redraw (k > 1) must be the one reported"
    broken = next(line for line in text.splitlines() if line.startswith("| 02_broken"))
    assert "error: ValueError: on purpose" in broken
    assert bench.main([str(bad), "--skip-wrapper", "--skip-grading", "--skip-calibration",
                       "--check"]) == 1


# ----------------------------------------------------------------------- grading

def test_grading_section_on_fake_numbers() -> None:
    from instructor.bench_grading import GradingBench

    fine = GradingBench(8, {1: 40.0, 2: 24.0}, [10.0, 12.0], [9.5, 10.5], [2.0, 3.0, 4.0])
    slow = GradingBench(8, {1: 40.0}, [13.0], [10.0], [])
    assert fine.per_minute(1) == 12.0 and fine.per_minute(2) == 20.0
    assert fine.ratio == pytest.approx(1.1) and fine.problems() == []
    assert slow.problems() == ["sandbox overhead 1.30 x > 1.15"]
    text = bench.format_report([], None, INFO, when=WHEN, grading=fine)
    assert "| throughput, `--jobs 2` (notebooks / minute) | 20.0 |" in text
    assert "| sandbox / no sandbox, total time | 1.10 |" in text
    assert "| fixed cost per notebook beyond its cells, median (s) | 3.0 |" in text
    assert "Sandbox overhead 1.10 (budget ≤ 1.15): ok." in text
    assert bench.over_budget([], None, slow) == ["grading: sandbox overhead 1.30 x > 1.15"]


@pytest.mark.skipif(__import__("shutil").which("bwrap") is None,
                    reason="needs bubblewrap: apt-get install -y bubblewrap")
def test_grading_measured_on_a_tiny_class(tmp_path: Path) -> None:
    import sys

    from instructor import bench_grading, sandbox

    sys.path.insert(0, str(Path(__file__).parent))
    from test_hostile import load_fake_checks

    for k in range(2):
        (tmp_path / f"s{k}").mkdir()
        _notebook(tmp_path / f"s{k}" / "fake_ex.ipynb",
                  ["def double(x):\n    return 2 * x", "import time\ntime.sleep(1)"])
    result = bench_grading.measure_grading(tmp_path, load_fake_checks(),
                                           sandbox.Limits(timeout=30, probe_timeout=10))
    assert result.notebooks == 2 and set(result.jobs_seconds) == {1, 2}
    assert len(result.sandbox_seconds) == len(result.plain_seconds) == 2
    # each notebook's cells ran a second; the rest is the fixed cost
    assert all(0 < f < s - 0.9 for f, s in zip(result.fixed_seconds, result.sandbox_seconds,
                                                    strict=True))
    assert 0.5 < result.ratio < 3
