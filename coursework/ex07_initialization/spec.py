"""The spec of exercise 07_initialization: its tasks, public inputs, grids and candidates."""

from __future__ import annotations

from typing import Any

import numpy as np

from coursework.engine.spec import Choice, RubricItem, Task

NOTEBOOK = "07_initialization"

TASKS = (
    Task(NOTEBOOK, 1, "Glorot and He standard deviations", 2),
    Task(NOTEBOOK, 2, "gradient norms layer by layer", 2),
    Task(NOTEBOOK, 3, "choose an initialization on validation", 2),
    Task(NOTEBOOK, 4, "too small, too large: read the gradients", 2, kind="written", rubric=(
        RubricItem("small", "Explains why 'small' hardly learns although its first-to-last "
                   "gradient ratio looks harmless, with their own numbers.", 1),
        RubricItem("large", "Explains what happens to 'large' at the start and after one step, "
                   "with their own numbers.", 0.5),
        RubricItem("glorot-he", "Says what Glorot and He choose, and why that avoids both "
                   "failures.", 0.5),
    )),
)


#: public inputs of task 1: (fan_in, fan_out) pairs
PUBLIC_INPUTS: dict[int, Any] = {1: [[784, 512], [64, 10]]}


def public_model(case: dict[str, Any]) -> Any:
    """The Keras model of a public case of task 2, with its given weights."""
    import keras

    layers = [keras.Input(shape=(case["sizes"][0],))]
    layers += [keras.layers.Dense(n, activation=a)
               for n, a in zip(case["sizes"][1:], case["activations"], strict=True)]
    model = keras.Sequential(layers)
    for layer, (w, b) in zip(model.layers, case["weights"], strict=True):
        layer.set_weights([np.asarray(w, "float32"), np.asarray(b, "float32")])
    return model


def _case2(seed: int, sizes: list[int], activations: list[str], n: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {"sizes": sizes, "activations": activations,
            "weights": [(rng.normal(0, 0.8, (a, b)).round(3), rng.normal(0, 0.1, b).round(3))
                        for a, b in zip(sizes[:-1], sizes[1:], strict=True)],
            "x": rng.normal(size=(n, sizes[0])).round(3), "y": rng.integers(0, sizes[-1], n)}


PUBLIC_INPUTS[2] = [_case2(5, [6, 5, 4, 3], ["tanh", "sigmoid", "linear"], 7)]


CHOICE = {3: Choice(runs="runs_init", best="best_init",
                     candidates=("small", "large", "glorot", "he"),
                     what="initialization", metric="val_xent", reads="initializer",
                     labels={"small": "RandomNormal(stddev=0.01)",
                             "large": "RandomNormal(stddev=1)",
                             "glorot": "GlorotNormal", "he": "HeNormal"})}
