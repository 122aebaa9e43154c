"""Every claim holds for any seed and under both profiles, not for one lucky run.

``make test`` runs the notebooks under the default seed and profile (nbval). Two slower
runs repeat them in fresh kernels; a claim check that fails
(:class:`helpers.claims.ClaimError`) fails the test with the claim's sentence and numbers:

- ``make test-seeds``: every lecture under ``COURSE_SEED=1`` and ``2`` (marked ``slow``,
  skipped unless ``--run-slow``);
- ``make test-full``: every lecture and every solution under ``COURSE_PROFILE=full``
  (three times the data and epochs; marked ``full``, skipped unless ``--run-full``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from instructor.bench import ROOT, find_notebooks, run_notebook

NOTEBOOKS = find_notebooks()
SOLUTIONS = find_notebooks(folder=ROOT / "solutions")
SEEDS = (1, 2)


def _run(path: Path, setting: str) -> None:
    result = run_notebook(path, timeout=900, measure=False)
    if result.error and result.error.startswith("ClaimError"):
        pytest.fail(f"{path.name} under {setting}: {result.error}", pytrace=False)
    assert result.error is None, f"{path.name} under {setting} failed: {result.error}"


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_claims_hold_under_other_seeds(path: Path, seed: int,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_SEED", str(seed))  # the kernel inherits the environment
    _run(path, f"COURSE_SEED={seed}")


@pytest.mark.full
@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS,
                         ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS + SOLUTIONS])
def test_claims_hold_under_the_full_profile(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_PROFILE", "full")
    _run(path, "COURSE_PROFILE=full")
