"""The comparisons the public checks and the judges share: one ``close``."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["close"]


def close(a: Any, b: Any, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """Equal within tolerance, of the same shape, and all finite.

    Examples
    --------
    >>> close([1.0, 2.0], [1.0, 2.0 + 1e-9]), close(float("nan"), float("nan"))
    (True, False)
    """
    try:
        a, b = np.asarray(a, float), np.asarray(b, float)
        return a.shape == b.shape and bool(np.all(np.isfinite(a))) and \
            bool(np.allclose(a, b, rtol=rtol, atol=atol))
    except (TypeError, ValueError, OverflowError):
        return False
