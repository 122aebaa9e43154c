"""Claim checks: every teaching claim in a notebook ends in one of these.

:func:`claim` is an ``assert`` that speaks: it prints what was measured when the
claim holds, and raises :class:`ClaimError` with the claim and the numbers when
it does not, so a failing test reads like the sentence that stopped being true.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ClaimError", "claim"]


class ClaimError(AssertionError):
    """A claim of the course did not hold on this run."""


def _fmt(values: dict[str, Any]) -> str:
    parts = []
    for k, v in values.items():
        parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
    return ", ".join(parts)


def claim(holds: bool, statement: str, **measured: Any) -> None:
    """Check a claim of the course.

    Parameters
    ----------
    holds : bool
        The comparison that makes the claim true, written out in the notebook,
        e.g. ``gap_l2 < gap_plain - 0.05``.
    statement : str
        The claim in words.
    **measured
        The numbers behind it, printed either way.

    Raises
    ------
    ClaimError
        If ``holds`` is false.

    Examples
    --------
    >>> claim(0.1 < 0.3, "L2 narrows the gap", gap_l2=0.1, gap_plain=0.3)
    ✔ L2 narrows the gap (gap_l2=0.1, gap_plain=0.3)
    """
    numbers = _fmt(measured)
    if not bool(holds):
        raise ClaimError(f"claim failed: {statement} ({numbers})")
    print(f"✔ {statement}" + (f" ({numbers})" if numbers else ""))
