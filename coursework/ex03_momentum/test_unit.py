"""Exercise 03's checks on right answers, stubs and typical mistakes (coursework.engine.testing)."""

from __future__ import annotations

import numpy as np

from coursework import check_task
from coursework.engine.testing import (
    Case,
    UnitTests,
    WrittenCase,
    best_key,
    carrying,
    fake_run,
    graded,
    mistakes,
)
from coursework.ex03_momentum.spec import CHOICE, RATE_GRIDS
from helpers.landscapes import Quadratic, steps_to_reach

NOTEBOOK = "03_momentum"


def momentum_ok(w, v, g, lr, beta):
    v = beta * v - lr * g
    return w + v, v


def momentum_torch_style(w, v, g, lr, beta):  # another convention, same trajectory
    v = beta * v + g
    return w - lr * v, v


# --------------------------------------------------------------------------- the rotated valley


def _adam(w, state, g, lr, k, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * state.get("m", 0.0) + (1 - beta1) * g
    v = beta2 * state.get("v", 0.0) + (1 - beta2) * g**2
    state["m"], state["v"] = m, v
    return w - lr * (m / (1 - beta1**k)) / (np.sqrt(v / (1 - beta2**k)) + eps)


def _start(angle):
    t = np.deg2rad(angle)
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) @ np.array([-4.0, 1.0])


def run_path_ok(optimizer, loss, lr, steps=1000, start=_start):
    w, v, state = start(loss.angle), np.zeros(2), {}
    path = [w]
    for k in range(1, steps + 1):
        if optimizer == "momentum":
            w, v = momentum_ok(w, v, loss.grad(w), lr, 0.9)
        else:
            w = _adam(w, state, loss.grad(w), lr, k)
        path.append(w)
        if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
            break
    return np.array(path)


def run_path_unrotated(optimizer, loss, lr, steps=1000):
    return run_path_ok(optimizer, loss, lr, steps, start=lambda angle: np.array([-4.0, 1.0]))


def tune(run_path) -> dict:
    out = {}
    for angle in (0, 45):
        loss = Quadratic(curvatures=(1.0, 100.0), angle=angle)
        for opt, grid in RATE_GRIDS.items():
            steps = {lr: steps_to_reach(run_path(opt, loss, lr), loss, 1e-3) for lr in grid}
            reached = {lr: k for lr, k in steps.items() if k is not None}
            best = min(reached, key=reached.get)
            out[(opt, angle)] = (best, reached[best])
    return out


TUNED = tune(run_path_ok)
TUNED_UNROTATED = tune(run_path_unrotated)
SLOW = dict(TUNED)
SLOW[("adam", 45)] = ([lr for lr in RATE_GRIDS["adam"] if lr != TUNED[("adam", 45)][0]][0],
                      TUNED[("adam", 45)][1])

RUNS = carrying({0.0: fake_run(0.5), 0.5: fake_run(1.5), 0.9: fake_run(4.0),
                 0.99: fake_run(3.5)}, CHOICE[4])
RUNS_LEAK = carrying({k: fake_run(r.model.strength, 0.3, part="test") for k, r in RUNS.items()},
                     CHOICE[4])


CASES = {
    1: Case({"momentum_step": momentum_ok}, mistakes(
        ({"momentum_step": lambda w, v, g, lr, b: (w - lr * g, v)}, "plain SGD"),
        ({"momentum_step": lambda w, v, g, lr, b: (w + b * v + lr * g, b * v + lr * g)},
         "uphill"),
        ({"momentum_step": lambda w, v, g, lr, b: (w + v, b * v - lr * g)}, "NEW velocity"),
        ({"momentum_step": lambda w, v, g, lr, b: w - lr * g}, "pair"),
    )),
    2: WrittenCase("SGD zig-zags across the steep direction and crawls along the flat one; "
                   "momentum's velocity builds up along the flat direction, so fewer steps."),
    3: Case({"tuned": TUNED, "run_path": run_path_ok}, mistakes(
        ({"tuned": SLOW, "run_path": run_path_ok}, "fewest of the grid"),
        ({"tuned": TUNED_UNROTATED, "run_path": run_path_unrotated}, "start(angle)"),
        ({"tuned": list(TUNED.items()), "run_path": run_path_ok}, "should be a dict"),
    )),
    4: Case({"runs_momentum": RUNS, "best_momentum": 0.9}, mistakes(
        ({"runs_momentum": carrying(RUNS, CHOICE[4], 0.99), "best_momentum": 0.9},
         "every run was trained with the same momentum"),
        ({"runs_momentum": RUNS, "best_momentum": 0.99}, "the best momentum is 0.9"),
        ({"runs_momentum": RUNS_LEAK, "best_momentum": best_key(RUNS_LEAK)},
         "matches the TEST split"),
        ({"runs_momentum": list(RUNS.values()), "best_momentum": 0.9}, "should be a dict"),
    )),
}


class TestUnit(UnitTests):
    NOTEBOOK, CASES = NOTEBOOK, CASES


def test_other_conventions_of_momentum_pass() -> None:
    assert check_task(NOTEBOOK, 1, {"momentum_step": momentum_torch_style}) == 2
    assert graded(NOTEBOOK, {"momentum_step": momentum_torch_style})[1].points == 2
