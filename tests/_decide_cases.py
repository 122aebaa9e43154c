"""Cases of the tasks where the learner runs an experiment and decides (branch `exercises`).

Imported by tests/test_selfcheck.py into its table (right answer, stub, typical mistakes,
hidden verdicts). The runs are made up: a stand-in model that looks each digit up and
puts a logit of a chosen strength on its class (wrong for a chosen share of the digits),
and histories whose last ``val_xent`` is exactly what that model scores on the validation
split, so the checks' re-evaluation applies. No TensorFlow here except for 07's task 2.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from helpers import data
from helpers.optim import Quadratic, steps_to_reach
from helpers.training import Run

_FLAT = data.load_digits()
_IMAGES = data.load_digits(flatten=False)


def _key(row: np.ndarray) -> bytes:
    return np.asarray(row, dtype=np.float32).reshape(-1).tobytes()


_LABELS = {_key(x): int(y) for part in ("train", "val", "test")
           for x, y in zip(*_FLAT.get(part), strict=True)}


class LookupModel:
    """Puts logit ``strength`` on each digit's class; on a share ``wrong`` of them, on the
    next class instead (which digits: fixed by their pixels)."""

    def __init__(self, strength: float, wrong: float = 0.0) -> None:
        self.strength, self.wrong = strength, wrong

    def predict(self, x: Any, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        x = np.asarray(x)
        out = np.zeros((len(x), 10))
        for i, row in enumerate(x):
            k = _key(row)
            label = _LABELS[k]
            if (zlib.crc32(k) % 1000) / 1000 < self.wrong:
                label = (label + 1) % 10
            out[i, label] = self.strength
        return out


def _scores(model: LookupModel, part: str, images: bool = False) -> tuple[float, float]:
    x, y = (_IMAGES if images else _FLAT).get(part)
    z = model.predict(x)
    z = z - z.max(1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(1, keepdims=True))
    return float(-lp[np.arange(len(y)), y].mean()), float(np.mean(z.argmax(1) == y))


def fake_run(strength: float, wrong: float = 0.0, *, part: str = "val", epochs: int = 3,
             images: bool = False, penalty: float = 0.0, before: float = 0.3) -> Run:
    """A run whose last val_xent / val_accuracy are what its model scores on ``part``."""
    model = LookupModel(strength, wrong)
    xent, acc = _scores(model, part, images)
    val_xent = [xent + before * (epochs - 1 - i) for i in range(epochs)]
    hist = {"xent": [v / 2 for v in val_xent], "val_xent": val_xent,
            "val_loss": [v + penalty for v in val_xent],
            "accuracy": [min(1.0, acc + 0.05)] * epochs,
            "val_accuracy": [acc - 0.01 * (epochs - 1 - i) for i in range(epochs)]}
    return Run("fake", hist, model)


def es_run(strength: float, patience: int, best_epoch: int) -> Run:
    """An early-stopped run restored to its best epoch: val_xent is lowest at ``best_epoch``
    and the run stops ``patience`` epochs later."""
    model = LookupModel(strength)
    best, _ = _scores(model, "val")
    n = best_epoch + patience
    val_xent = [best + 0.05 * abs(i + 1 - best_epoch) + (0.2 if i + 1 < best_epoch else 0.0)
                for i in range(n)]
    return Run("es", {"xent": val_xent, "val_xent": val_xent, "val_loss": val_xent,
                      "val_accuracy": [0.8] * n}, model)


def _best(runs: dict, metric: str = "val_xent") -> Any:
    last = {k: r.history[metric][-1] for k, r in runs.items()}
    return (max if "acc" in metric else min)(last, key=last.get)


def _worst(runs: dict, metric: str = "val_xent") -> Any:
    last = {k: r.history[metric][-1] for k, r in runs.items()}
    return (min if "acc" in metric else max)(last, key=last.get)


# --------------------------------------------------------------------------- generic decide tasks

RUNS01 = {4: fake_run(0.5), 16: fake_run(4.0), 64: fake_run(3.0)}
RUN_BIG = fake_run(1.0)
RUNS02 = {0.0: fake_run(1.0), 1e-4: fake_run(0.8, penalty=0.5), 1e-3: fake_run(4.0, penalty=2.0),
          1e-2: fake_run(2.5, penalty=3.0)}
RUNS03 = {0.0: fake_run(0.5), 0.5: fake_run(1.5), 0.9: fake_run(4.0), 0.99: fake_run(3.5)}
RUNS04 = {0.01: fake_run(0.5), 0.1: fake_run(2.5), 1.0: fake_run(4.0), 10.0: fake_run(0.0)}
RUNS04[10.0].history["val_xent"][-1] = float("nan")
RUNS06 = {0.0: fake_run(1.0), 0.2: fake_run(1.5), 0.5: fake_run(4.0), 0.7: fake_run(3.0)}
RUNS07 = {"small": fake_run(0.0), "large": fake_run(0.0), "glorot": fake_run(2.0),
          "he": fake_run(4.0)}
RUNS07["large"].history["val_xent"][-1] = float("nan")
RUNS08 = {(False, 0.1): fake_run(0.0, 0.9), (False, 1.0): fake_run(0.0, 0.9),
          (True, 0.1): fake_run(5.0, 0.05), (True, 1.0): fake_run(5.0, 0.15)}
RUNS05 = {1: es_run(1.0, 1, 5), 3: es_run(3.0, 3, 12), 10: es_run(3.02, 10, 20)}


def _test_split(runs: dict) -> dict:
    """The same runs, but recorded on the test split: the leak the check must name."""
    out = {}
    for k, r in runs.items():
        m = r.model
        out[k] = fake_run(m.strength, m.wrong, part="test")
    return out


RUNS03_LEAK = {k: fake_run(r.model.strength, 0.3, part="test") for k, r in RUNS03.items()}

DECIDE_CASES: list[tuple[str, int, dict, list[tuple[dict, str]]]] = [
    ("01_overfitting", 4, {"runs_width": RUNS01, "best_width": 16, "run_big": RUN_BIG}, [
        ({"runs_width": RUNS01, "best_width": 4, "run_big": RUN_BIG}, "the best width is 16"),
        ({"runs_width": {4: RUNS01[4], 16: RUNS01[16]}, "best_width": 16, "run_big": RUN_BIG},
         "no run for width 64"),
        ({"runs_width": RUNS01, "best_width": 256, "run_big": RUN_BIG},
         "not one of the candidates"),
    ]),
    ("02_l1_l2_regularization", 4, {"runs_l2": RUNS02, "best_l2": 1e-3}, [
        ({"runs_l2": RUNS02, "best_l2": 0.0}, "val_loss, which includes the penalty"),
        ({"runs_l2": {str(k): v for k, v in RUNS02.items()}, "best_l2": "0.001"},
         "key each run by its lambda"),
        ({"runs_l2": RUNS02, "best_l2": _worst(RUNS02)}, "the worst value"),
    ]),
    ("03_momentum", 4, {"runs_momentum": RUNS03, "best_momentum": 0.9}, [
        ({"runs_momentum": RUNS03, "best_momentum": 0.99}, "the best momentum is 0.9"),
        ({"runs_momentum": RUNS03_LEAK, "best_momentum": _best(RUNS03_LEAK)},
         "matches the TEST split"),
        ({"runs_momentum": list(RUNS03.values()), "best_momentum": 0.9}, "should be a dict"),
    ]),
    ("04_learning_rate_decay", 4, {"runs_lr": RUNS04, "best_lr": 1.0}, [
        ({"runs_lr": RUNS04, "best_lr": 10.0}, "diverged (NaN)"),
        ({"runs_lr": RUNS04, "best_lr": 0.1}, "the best initial rate is 1"),
    ]),
    ("05_early_stopping", 4, {"runs_patience": RUNS05, "best_patience": 3}, [
        ({"runs_patience": RUNS05, "best_patience": 10}, "you took the best record"),
        ({"runs_patience": RUNS05, "best_patience": 1}, "the rule picks patience 3"),
        ({"runs_patience": {**RUNS05, 3: fake_run(3.0, before=-0.05)}, "best_patience": 3},
         "restore the best weights"),
    ]),
    ("06_dropout", 4, {"runs_rate": RUNS06, "best_rate": 0.5}, [
        ({"runs_rate": RUNS06, "best_rate": 0.7}, "the best dropout rate is 0.5"),
        ({"runs_rate": {**RUNS06, 0.9: fake_run(1.0)}, "best_rate": 0.5},
         "not among the candidates"),
    ]),
    ("08_batch_normalization", 4, {"runs_bn": RUNS08, "best_bn": (True, 0.1)}, [
        ({"runs_bn": RUNS08, "best_bn": (True, 1.0)}, "the best setting is (True, 0.1)"),
        ({"runs_bn": RUNS08, "best_bn": _worst(RUNS08, "val_accuracy")}, "the worst value"),
        ({"runs_bn": RUNS08, "best_bn": True}, "not one of the candidates"),
    ]),
    ("07_initialization", 3, {"runs_init": RUNS07, "best_init": "he"}, [
        ({"runs_init": RUNS07, "best_init": "large"}, "diverged (NaN)"),
        ({"runs_init": RUNS07, "best_init": "glorot"}, "the best initialization is 'he'"),
    ]),
]

# --------------------------------------------------------------------------- 03: the rotated valley


def _momentum(w, v, g, lr, beta):
    v = beta * v - lr * g
    return w + v, v


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
            w, v = _momentum(w, v, loss.grad(w), lr, 0.9)
        else:
            w = _adam(w, state, loss.grad(w), lr, k)
        path.append(w)
        if not np.all(np.isfinite(w)) or np.abs(w).max() > 1e6:
            break
    return np.array(path)


def run_path_unrotated(optimizer, loss, lr, steps=1000):
    return run_path_ok(optimizer, loss, lr, steps, start=lambda angle: np.array([-4.0, 1.0]))


GRIDS = {"momentum": [0.002, 0.005, 0.01, 0.02], "adam": [0.03, 0.1, 0.3, 1.0]}


def tune(run_path) -> dict:
    out = {}
    for angle in (0, 45):
        loss = Quadratic(curvatures=(1.0, 100.0), angle=angle)
        for opt, grid in GRIDS.items():
            steps = {lr: steps_to_reach(run_path(opt, loss, lr), loss, 1e-3) for lr in grid}
            reached = {lr: k for lr, k in steps.items() if k is not None}
            best = min(reached, key=reached.get)
            out[(opt, angle)] = (best, reached[best])
    return out


TUNED = tune(run_path_ok)
TUNED_UNROTATED = tune(run_path_unrotated)
_slow = dict(TUNED)
_rate = [lr for lr in GRIDS["adam"] if lr != TUNED[("adam", 45)][0]][0]
_slow[("adam", 45)] = (_rate, TUNED[("adam", 45)][1])

DECIDE_CASES.append(("03_momentum", 3, {"tuned": TUNED, "run_path": run_path_ok}, [
    ({"tuned": _slow, "run_path": run_path_ok}, "fewest of the grid"),
    ({"tuned": TUNED_UNROTATED, "run_path": run_path_unrotated}, "start(angle)"),
    ({"tuned": list(TUNED.items()), "run_path": run_path_ok}, "should be a dict"),
]))

# --------------------------------------------------------------------------- 07: by hand


def glorot_ok(fan_in, fan_out):
    return (2 / (fan_in + fan_out)) ** 0.5


def he_ok(fan_in):
    return (2 / fan_in) ** 0.5


def grad_norms_ok(model, x, y):
    import keras
    import tensorflow as tf

    kernels = [layer.kernel for layer in model.layers]
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x))
    return [float(tf.norm(g)) for g in tape.gradient(loss, kernels)]


def grad_norms_summed(model, x, y):
    return [v * len(y) for v in grad_norms_ok(model, x, y)]


def grad_norms_with_biases(model, x, y):
    import keras
    import tensorflow as tf

    weights = [w for layer in model.layers for w in (layer.kernel, layer.bias)]
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x))
    return [float(tf.norm(g)) for g in tape.gradient(loss, weights)]


DECIDE_CASES += [
    ("07_initialization", 1, {"glorot_std": glorot_ok, "he_std": he_ok}, [
        ({"glorot_std": lambda a, b: 2 / (a + b), "he_std": he_ok}, "the variance"),
        ({"glorot_std": lambda a, b: (6 / (a + b)) ** 0.5, "he_std": he_ok}, "Glorot-uniform"),
        ({"glorot_std": glorot_ok, "he_std": lambda a: (1 / a) ** 0.5}, "LeCun"),
    ]),
    ("07_initialization", 2, {"kernel_grad_norms": grad_norms_ok}, [
        ({"kernel_grad_norms": grad_norms_summed}, "summed over the samples"),
        ({"kernel_grad_norms": grad_norms_with_biases}, "leave the biases out"),
        ({"kernel_grad_norms": lambda m, x, y: grad_norms_ok(m, x, y)[::-1]},
         "from the last layer to the first"),
    ]),
]

# --------------------------------------------------------------------------- 09: the ablation

_STRENGTH = {"full": 3.0, "no dropout": 2.9, "no augmentation": 2.95, "neither": 1.5}
RUNS09 = {(name, i): fake_run(s + 0.1 * i, images=True) for name, s in _STRENGTH.items()
          for i in (0, 1)}


def ablation_answer(runs: dict) -> dict[str, Any]:
    last = {k: r.history["val_xent"][-1] for k, r in runs.items()}
    names = list(_STRENGTH)
    mean = {n: (last[(n, 0)] + last[(n, 1)]) / 2 for n in names}
    noise = max(abs(last[(n, 0)] - last[(n, 1)]) for n in names)
    effect = {"dropout": mean["no dropout"] - mean["full"],
              "augmentation": mean["no augmentation"] - mean["full"],
              "both": mean["neither"] - mean["full"]}
    return {"runs_ablation": runs, "mean_val_xent": mean, "noise": noise, "effect": effect,
            "helps": sorted(k for k, v in effect.items() if v > noise)}


GOOD09 = ablation_answer(RUNS09)
assert GOOD09["helps"] == ["both"], GOOD09
DECIDE_CASES.append(("09_putting_it_together", 4, GOOD09, [
    ({**GOOD09, "effect": {k: -v for k, v in GOOD09["effect"].items()}}, "signs are flipped"),
    ({**GOOD09, "helps": sorted(GOOD09["effect"])}, "not evidence"),
    ({**GOOD09, "noise": 0.0}, "largest |val_xent(seed 0) - val_xent(seed 1)|"),
    ({**GOOD09, "runs_ablation": {k: v for k, v in RUNS09.items() if k[1] == 0}},
     "no run for configuration and seed"),
]))

# --------------------------------------------------------------------------- 10: log scale, search

from helpers.selfcheck.ex10_ablation_and_tuning import RATES  # noqa: E402


def log_uniform_ok(rng: np.random.Generator, low: float, high: float, size: int) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size))  # another right way


DECIDE_CASES.append(("10_ablation_and_tuning", 1, {"log_uniform": log_uniform_ok}, [
    ({"log_uniform": lambda rng, lo, hi, n: rng.uniform(lo, hi, n)}, "uniform draw on [low, high]"),
    ({"log_uniform": lambda rng, lo, hi, n: 10 ** rng.uniform(np.log(lo), np.log(hi), n)},
     "outside"),
    ({"log_uniform": lambda rng, lo, hi, n: 10 ** np.random.default_rng(7).uniform(
        np.log10(lo), np.log10(hi), n)}, "from `rng`"),
]))

_SMALLEST = min(RATES)
_STRENGTH10 = (3.0, 4.0, 2.0, 1.0, 3.5)
RUNS10 = {r: fake_run(0.5 if r == _SMALLEST else s)
          for r, s in zip(RATES, _STRENGTH10, strict=True)}
BEST10 = _best(RUNS10)
assert BEST10 != _SMALLEST
DECIDE_CASES.append(("10_ablation_and_tuning", 2, {"runs_search": RUNS10, "best_lr": BEST10}, [
    ({"runs_search": RUNS10, "best_lr": _worst(RUNS10)}, "the worst value"),
    ({"runs_search": {round(k, 3): v for k, v in RUNS10.items()}, "best_lr": round(BEST10, 3)},
     "key each run by its learning rate, the value itself"),
    ({"runs_search": RUNS10, "best_lr": 0.05}, "not one of the candidates"),
]))
