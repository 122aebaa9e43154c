"""Public self-checks of exercise 10 (ablation and tuning). Hidden checks: hidden.py.

Task 1 is checked by its properties (range, a uniform logarithm, draws from ``rng``); task 2
is a decide task: the learner's own runs say which learning rate is best.
"""

from __future__ import annotations

import numpy as np

from coursework.engine.selfcheck import Ctx


def log_uniform_problem(values: np.ndarray, low: float, high: float, size: int) -> str:
    """``""`` when ``values`` look like ``size`` draws log-uniform on [low, high], else why not.

    With ``size`` in the thousands a uniform logarithm puts about half of the draws below
    the geometric midpoint ``sqrt(low * high)``; a uniform draw on [low, high] puts almost
    none there.
    """
    if values.shape != (size,):
        return f"expected {size} values, got an array of shape {values.shape}"
    if not np.all(np.isfinite(values)):
        return "some values are not finite"
    if values.min() < low * (1 - 1e-9) or values.max() > high * (1 + 1e-9):
        return (f"the values run from {values.min():.3g} to {values.max():.3g}, outside "
                f"[{low:g}, {high:g}]: draw the exponent between log10(low) and log10(high)")
    below = float(np.mean(values < np.sqrt(low * high)))
    linear = (np.sqrt(low * high) - low) / (high - low)
    if abs(below - linear) < 0.05 and abs(below - 0.5) > 0.1:
        return (f"only {below:.0%} of the draws fall below the geometric midpoint "
                f"{np.sqrt(low * high):.3g}: that is a uniform draw on [low, high]. Draw the "
                "LOGARITHM uniformly: 10 ** rng.uniform(log10(low), log10(high), size).")
    if abs(below - 0.5) > 0.05:
        return (f"{below:.0%} of the draws fall below the geometric midpoint "
                f"{np.sqrt(low * high):.3g}; on a log scale it should be about half")
    return ""


def check_1(c: Ctx) -> str:
    low, high, n = 1e-5, 1e-1, 4000
    got = c.array("log_uniform(rng, 1e-5, 1e-1, 4000)",
                  c.call("log_uniform", np.random.default_rng(0), low, high, n), (n,))
    problem = log_uniform_problem(np.asarray(got, dtype=float), low, high, n)
    if problem:
        c.fail(problem)
    again = np.asarray(c.call("log_uniform", np.random.default_rng(0), low, high, n), dtype=float)
    other = np.asarray(c.call("log_uniform", np.random.default_rng(1), low, high, n), dtype=float)
    if not np.array_equal(again, got) or np.array_equal(other, got):
        c.fail("the draws do not come from `rng`: the same generator state should give the "
               "same values, another one other values. Use rng.uniform, not np.random.")
    return "log_uniform draws uniformly in the logarithm, from rng."
