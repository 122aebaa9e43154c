"""Keras callbacks used in the course: behaviour added to ``fit`` as small objects.

Importing this module imports Keras (and TensorFlow); TensorFlow's C++ start-up
logs are silenced first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from helpers import config

config.quiet_tensorflow()
import keras  # noqa: E402

__all__ = ["LearningRateLogger", "LivePlot", "current_learning_rate"]


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
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every!r}")
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
