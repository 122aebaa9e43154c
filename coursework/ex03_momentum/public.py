"""Public self-checks of exercise 03 (momentum). Hidden checks: hidden.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from coursework.engine.selfcheck import Ctx
from coursework.ex03_momentum.spec import PUBLIC_INPUTS, RATE_GRIDS
from coursework.ex03_momentum.tables import EXPECTED


def walk(step: Callable[..., Any], curvature: list[float], start: list[float], lr: float,
         beta: float, steps: int) -> np.ndarray:
    """Where ``steps`` calls of ``step(w, v, grad, lr, beta)`` lead from ``start``, v = 0."""
    w, v = np.array(start, dtype=float), np.zeros(len(start))
    for _ in range(steps):
        w, v = step(w, v, np.array(curvature) * w, lr, beta)
        w = np.asarray(w, dtype=float)
    return w


def check_1(c: Ctx) -> str:
    got = c.call("momentum_step", np.array([1.0, -2.0]), np.zeros(2), np.array([0.5, 1.0]),
                 0.1, 0.9)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        c.fail(f"momentum_step should return a pair (w_new, v_new), got {got!r:.80}.")
    c.array("momentum_step(...)[0]", got[0], (2,))
    for case, table in zip(PUBLIC_INPUTS[1], EXPECTED[1], strict=True):
        end = walk(lambda *a: c.call("momentum_step", *a), **case)
        c.compare(end, table, f"w after {case['steps']} steps on f(w) = (w0² + 25·w1²)/2 "
                              "from (-1.5, 0.5)")
    return "momentum_step follows v ← βv − η∇f, w ← w + v."


# --------------------------------------------------------------------------- task 3


def _tuned(c: Ctx) -> dict[tuple[str, int], tuple[float, int]]:
    """``tuned`` in the form the task asks for; fail in words otherwise."""
    tuned = c.get("tuned")
    want = {(o, a) for o in RATE_GRIDS for a in (0, 45)}
    if not isinstance(tuned, dict) or set(tuned) != want:
        keys = sorted(tuned) if isinstance(tuned, dict) else type(tuned).__name__
        c.fail(f"`tuned` should be a dict with the keys {sorted(want)}, got {keys}.")
    out = {}
    for key, value in tuned.items():
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            c.fail(f"tuned[{key}] should be a pair (best_rate, steps), got {value!r:.80}.")
        rate, steps = value
        on_grid = isinstance(rate, (int, float, np.floating)) and not isinstance(rate, bool) \
            and any(np.isclose(rate, r) for r in RATE_GRIDS[key[0]])
        if not on_grid:
            c.fail(f"tuned[{key}]: the rate {rate!r} is not in the grid of {key[0]}, "
                   f"{RATE_GRIDS[key[0]]}.")
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
            c.fail(f"tuned[{key}]: the number of steps should be an integer, got {steps!r}.")
        out[key] = (float(rate), int(steps))
    return out


def check_3(c: Ctx) -> str:
    tuned = _tuned(c)
    from helpers.landscapes import Quadratic, steps_to_reach

    for (opt, angle), (rate, steps) in sorted(tuned.items()):
        bowl = Quadratic(curvatures=(1.0, 100.0), angle=angle)
        counts = {}
        for lr in RATE_GRIDS[opt]:
            path = c.call("run_path", opt, bowl, lr)
            counts[lr] = steps_to_reach(np.asarray(path, dtype=float), bowl, 1e-3)
        reached = {lr: k for lr, k in counts.items() if k is not None}
        if not reached:
            c.fail(f"with your run_path no rate of the {opt} grid reaches f < 1e-3 on the "
                   f"valley at angle {angle}: check momentum_step (Task 1).")
        fewest = min(reached, key=lambda lr: (reached[lr], lr))
        if (rate, steps) != (fewest, reached[fewest]):
            c.fail(f"tuned[{(opt, angle)}] = {(rate, steps)}, but your own run_path gives "
                   f"{reached[fewest]} steps with the rate {fewest:g}, the fewest of the grid "
                   f"(steps per rate: {counts}). Keep the rate with the fewest steps; a rate "
                   "that never gets there (None) loses.")
    if tuned[("momentum", 0)][1] != tuned[("momentum", 45)][1]:
        c.fail("momentum takes a different number of steps on the two valleys, but turning the "
               "valley turns every gradient with it: did every run start at start(angle)?")
    if not tuned[("adam", 45)][1] > tuned[("adam", 0)][1]:
        c.fail("Adam should need more steps on the rotated valley than on the aligned one: "
               "did you run the rotated valley with angle=45?")
    return ("momentum does not notice the rotation; Adam, even with its best rate, needs "
            f"{tuned[('adam', 45)][1]} steps instead of {tuned[('adam', 0)][1]}.")
