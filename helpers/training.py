"""Training runs, side-by-side comparisons and the callbacks the course uses.

:func:`train` is a thin wrapper over ``model.fit`` (the benchmark holds it to at
most 10% overhead): it trains on the training split, validates on the
validation split, never touches the test split, and returns a :class:`Run`.
Behaviour is added the Keras way, as callbacks (:mod:`helpers.callbacks`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from helpers import config, validate

if TYPE_CHECKING:
    import keras

    from helpers.data import Splits

__all__ = [
    "Run",
    "datasets",
    "fit_steps",
    "compare",
    "epochs_to_reach",
    "summary_table",
    "train",
]


@dataclass
class Run:
    """The result of one training run.

    Attributes
    ----------
    name : str
        Label of the run (colour and legend in plots).
    history : dict of str to list of float
        Per-epoch values: ``loss``, ``accuracy``, ``xent`` and their ``val_`` twins.
    model : keras.Model
        The trained model.
    seconds : float
        Wall time of ``fit``.
    """

    name: str
    history: dict[str, list[float]]
    model: Any = field(repr=False)
    seconds: float = 0.0

    @property
    def epochs(self) -> int:
        """Number of epochs actually trained."""
        return len(next(iter(self.history.values()), []))

    def last(self, key: str) -> float:
        """Value of ``key`` after the last epoch."""
        return float(self._series(key)[-1])

    def best(self, key: str) -> float:
        """Best value of ``key`` (max for accuracies, min for losses)."""
        s = self._series(key)
        return float(np.max(s) if "acc" in key else np.min(s))

    def best_epoch(self, key: str = "val_xent") -> int:
        """1-based epoch at which ``key`` was best."""
        s = self._series(key)
        return int(np.argmax(s) if "acc" in key else np.argmin(s)) + 1

    def _series(self, key: str) -> np.ndarray:
        if key not in self.history:
            raise KeyError(f"{key!r} was not recorded; recorded: {sorted(self.history)}")
        return np.asarray(self.history[key], dtype=float)


def _check_data(model: Any, data: Splits) -> None:
    x = data.x_train
    expected = tuple(model.input_shape[1:]) if hasattr(model, "input_shape") else None
    if x.dtype.kind != "f":
        raise ValueError(f"features must be floating point, got dtype {x.dtype}")
    if expected is not None and tuple(x.shape[1:]) != expected:
        raise ValueError(
            f"the model expects inputs of shape {expected} but the data has {tuple(x.shape[1:])}; "
            "use load_mnist(flatten=True) for an MLP and flatten=False for a CNN"
        )


def datasets(data: Splits, batch_size: int = 64) -> tuple[Any, Any]:
    """``tf.data`` pipelines of the training and validation splits.

    The training set is cached in memory and reshuffled every epoch (seeded by
    :func:`helpers.config.set_seed`); the validation set is evaluated in large
    batches. Feeding ``fit`` these instead of NumPy arrays removes most of
    Keras' per-epoch overhead, which dominates on small data sets.
    """
    import tensorflow as tf

    n = len(data.x_train)
    train_ds = (
        tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train))
        .cache()
        .shuffle(n, reshuffle_each_iteration=True)
        .batch(batch_size)
        .prefetch(2)
    )
    val_ds = tf.data.Dataset.from_tensor_slices((data.x_val, data.y_val)).batch(1000).cache()
    return train_ds, val_ds


def fit_steps(
    model: keras.Model, x: np.ndarray, y: np.ndarray, *, steps: int, batch_size: int | None = None
) -> keras.Model:
    """Train a compiled ``model`` for a number of optimizer steps, as one short ``fit`` call.

    Made for sliders: on a small set (such as a 2-D toy problem) a few hundred
    steps take about a second, so a widget can retrain within its 2-second budget.

    Parameters
    ----------
    model : keras.Model
        Compiled model.
    x, y : numpy.ndarray
        Training data.
    steps : int
        Number of optimizer steps.
    batch_size : int, optional
        Mini-batch size; default: the whole set (full-batch gradient descent).
    """
    import tensorflow as tf

    validate.integer("steps", steps)
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} != {len(y)}")
    ds = (tf.data.Dataset.from_tensor_slices((x, y)).cache()
          .shuffle(len(x), reshuffle_each_iteration=True).batch(batch_size or len(x)).repeat())
    model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return model


def train(
    model: keras.Model,
    data: Splits,
    *,
    epochs: int,
    batch_size: int = 64,
    callbacks: Iterable[Any] = (),
    name: str | None = None,
    verbose: int = 0,
    **fit_kwargs: Any,
) -> Run:
    """Fit a compiled ``model`` on ``data.train``, validating on ``data.val``.

    Parameters
    ----------
    model : keras.Model
        A compiled model (see :func:`helpers.models.compile_classifier`).
    data : Splits
        The data; its test split is not used.
    epochs : int
        Number of epochs (callbacks such as ``EarlyStopping`` may stop earlier).
    batch_size : int
        Mini-batch size.
    callbacks : iterable of keras.callbacks.Callback
        Passed to ``fit``.
    name : str, optional
        Name of the run; defaults to the model's name.
    verbose : int
        Passed to ``fit`` (0: silent).
    **fit_kwargs
        Anything else ``model.fit`` accepts.

    Returns
    -------
    Run
    """
    validate.integer("epochs", epochs)
    validate.integer("batch_size", batch_size)
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        raise ValueError("the model is not compiled: call compile_classifier(model) first")
    _check_data(model, data)
    train_ds, val_ds = datasets(data, batch_size)
    start = time.perf_counter()
    hist = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=epochs,
        callbacks=list(callbacks),
        verbose=verbose,
        shuffle=False,  # the dataset reshuffles itself every epoch
        **fit_kwargs,
    )
    seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    return Run(name or model.name, history, model, seconds)


def compare(
    builders: Mapping[str, Callable[[], keras.Model]],
    data: Splits,
    *,
    epochs: int,
    seed: int | None = None,
    **train_kwargs: Any,
) -> dict[str, Run]:
    """Train several models under the same seed and data; return their runs by name.

    Each builder is called after re-seeding with the same seed, so the models
    start from comparable initial weights and batch orders.

    Parameters
    ----------
    builders : mapping of str to callable
        ``{"name": function returning a compiled model}``.
    data : Splits
        Shared data.
    epochs : int
        Epochs for every model.
    seed : int, optional
        Seed; ``None`` uses ``COURSE_SEED``.
    **train_kwargs
        Passed to :func:`train`.
    """
    runs: dict[str, Run] = {}
    for name, build in builders.items():
        config.set_seed(seed)
        runs[name] = train(build(), data, epochs=epochs, name=name, **train_kwargs)
    return runs


def epochs_to_reach(run: Run, key: str, target: float) -> int | None:
    """First epoch (1-based) at which ``key`` reaches ``target``, or None if it never does.

    "Reach" means ``<= target`` for losses and ``>= target`` for accuracies.
    """
    s = run._series(key)
    hit = s >= target if "acc" in key else s <= target
    idx = np.flatnonzero(hit)
    return int(idx[0]) + 1 if idx.size else None


def summary_table(runs: Mapping[str, Run], keys: Iterable[str] = (
        "accuracy", "val_accuracy", "val_xent")) -> str:
    """A plain-text table of last and best values per run, for printing."""
    keys = list(keys)
    head = f"{'model':<16}" + "".join(f"{k + ' (last)':>22}{'best':>8}" for k in keys)
    lines = [head, "-" * len(head)]
    for name, run in runs.items():
        row = f"{name:<16}"
        for k in keys:
            row += f"{run.last(k):>22.3f}{run.best(k):>8.3f}"
        lines.append(row)
    return "\n".join(lines)
