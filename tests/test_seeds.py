"""Every claim holds for any seed, not for one lucky seed (``make test-seeds``).

``make test`` runs the notebooks under the default seed (nbval). This re-runs every
lecture notebook in a fresh kernel under ``COURSE_SEED=1`` and ``2``; a claim check
that fails (:class:`helpers.checks.ClaimError`) fails the test with the claim's sentence
and numbers. Slow (about a minute per notebook and seed): marked ``slow``, skipped
unless ``--run-slow``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from instructor.bench import find_notebooks, run_notebook

NOTEBOOKS = find_notebooks()
SEEDS = (1, 2)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_claims_hold_under_other_seeds(path: Path, seed: int,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_SEED", str(seed))  # the kernel inherits the environment
    result = run_notebook(path, timeout=300, measure=False)
    if result.error and result.error.startswith("ClaimError"):
        pytest.fail(f"{path.name} under COURSE_SEED={seed}: {result.error}", pytrace=False)
    assert result.error is None, f"{path.name} under COURSE_SEED={seed} failed: {result.error}"
