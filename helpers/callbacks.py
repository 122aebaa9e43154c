"""Keras callbacks used in the course: behaviour added to ``fit`` as small objects.

Importing this module imports Keras (and TensorFlow); TensorFlow's C++ start-up
logs are silenced first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import config, validate

config.quiet_tensorflow()
import keras  # noqa: E402

__all__ = [
    "LearningRateLogger",
    "LearningRateRangeTest",
    "LivePlot",
    "StepLoss",
    "current_learning_rate",
]


def current_learning_rate(optimizer: keras.optimizers.Optimizer) -> float:
    """The learning rate ``optimizer`` uses at its current step.

    Works for a constant rate and for a ``LearningRateSchedule`` (evaluated at
    ``optimizer.iterations``).
    """
    lr = optimizer.learning_rate
    if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
        lr = lr(optimizer.iterations)
    return float(np.asarray(keras.ops.convert_to_numpy(lr)))


class LearningRateLogger(keras.callbacks.Callback):
    """Record the rate the optimizer *actually* uses, once per epoch, as ``history["lr"]``.

    Because it reads the optimizer's own state, a typo such as
    ``optimizer.learninig_rate = 0.1`` (which creates a new, unused attribute)
    shows up as a flat line instead of passing silently.
    """

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["lr"] = current_learning_rate(self.model.optimizer)


class LivePlot(keras.callbacks.Callback):
    """Redraw one figure in place every ``every`` epochs while a model trains.

    Parameters
    ----------
    metric : str
        History key to draw; its ``val_`` twin is drawn dashed.
    every : int
        Redraw period in epochs.
    name : str
        Label (and colour) of the curve.
    """

    def __init__(self, metric: str = "xent", every: int = 5, name: str = "model") -> None:
        super().__init__()
        validate.integer("every", every)
        self.metric, self.every, self.name = metric, every, name
        self.seen: dict[str, list[float]] = {}
        self.handle: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        from IPython.display import display

        self.seen = {}
        self.handle = display(display_id=True)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for k, v in (logs or {}).items():
            self.seen.setdefault(k, []).append(float(v))
        if (epoch + 1) % self.every == 0 or epoch + 1 == self.params.get("epochs"):
            self._draw()

    def _draw(self) -> None:
        import matplotlib.pyplot as plt

        from helpers.plots import plot_history

        fig = plot_history({self.name: self.seen}, metric=self.metric)
        if self.handle is not None:
            self.handle.update(fig)
        plt.close(fig)


class StepLoss(keras.callbacks.Callback):
    """Record, after every optimizer step, the rate used and the loss on a fixed probe batch.

    The ``loss`` Keras reports during an epoch is a running mean over the batches
    seen so far; a spike in a single step hides in it. This callback measures the
    cross-entropy of the current weights on the same probe images after every step.

    Parameters
    ----------
    x, y : numpy.ndarray
        The probe batch (for example 256 training images and their labels).

    Attributes
    ----------
    rates : list of float
        The learning rate of each step.
    losses : list of float
        The probe cross-entropy after each step.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        super().__init__()
        if len(x) != len(y) or len(x) == 0:
            raise ValueError("x and y must be non-empty and of equal length, "
                             f"got {len(x)} and {len(y)}")
        self.x, self.y = np.asarray(x), np.asarray(y)
        self.xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.rates: list[float] = []
        self.losses: list[float] = []

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.rates.append(current_learning_rate(self.model.optimizer))

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        logits = self.model(self.x, training=False)
        self.losses.append(float(keras.ops.convert_to_numpy(self.xent(self.y, logits))))


class LearningRateRangeTest(StepLoss):
    """The learning-rate range test: raise the rate exponentially, step by step, and watch the loss.

    Step ``k`` of ``steps`` uses ``min_lr * (max_lr / min_lr) ** (k / (steps - 1))``.
    Training stops when the probe loss exceeds ``stop_factor`` times the lowest loss
    seen so far, or stops being finite: the rate has become too large. Plot
    ``losses`` against ``rates`` on a log axis and pick a rate below the blow-up.
    The optimizer's ``learning_rate`` must be a number, not a schedule.

    Parameters
    ----------
    x, y : numpy.ndarray
        Probe batch, as for :class:`StepLoss`.
    min_lr, max_lr : float
        First and last rate, ``0 < min_lr < max_lr``.
    steps : int
        Number of steps from ``min_lr`` to ``max_lr`` (at least 2).
    stop_factor : float
        Stop when the loss exceeds this multiple of the best loss (> 1).

    Examples
    --------
    >>> test = LearningRateRangeTest(x[:256], y[:256], min_lr=1e-4, max_lr=10, steps=100)
    >>> run = training.train(model, data, epochs=7, callbacks=[test])  # doctest: +SKIP
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, *, min_lr: float = 1e-4, max_lr: float = 10.0,
                 steps: int = 100, stop_factor: float = 4.0) -> None:
        super().__init__(x, y)
        if not 0 < min_lr < max_lr:
            raise ValueError(f"need 0 < min_lr < max_lr, got min_lr={min_lr!r}, max_lr={max_lr!r}")
        validate.integer("steps", steps, 2)
        validate.number("stop_factor", stop_factor, 1, strict=True)
        self.schedule = min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))
        self.stop_factor = float(stop_factor)

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        k = len(self.rates)
        if k >= len(self.schedule):
            self.model.stop_training = True
            return
        self.model.optimizer.learning_rate.assign(float(self.schedule[k]))
        super().on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if len(self.losses) == len(self.rates):   # past the last rate: nothing was set
            return
        super().on_train_batch_end(batch, logs)
        last = self.losses[-1]
        if not np.isfinite(last) or last > self.stop_factor * min(self.losses):
            self.model.stop_training = True
