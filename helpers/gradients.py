"""How big the signals of a network are, layer by layer.

Going forward, each layer's output should keep roughly the size of its input;
coming back, each layer's gradient should keep roughly the size of the one above.
Initialization decides whether they do (notebook 07). Two ways to measure it:

- :func:`layer_stats` measures a Keras model on one batch: the standard deviation
  of every ``Dense`` layer's output and the norm of the loss gradient with respect
  to every ``Dense`` kernel;
- :func:`random_mlp` and :func:`numpy_layer_stats` do the same for a plain NumPy
  network. They answer in milliseconds, so a slider can redraw on every move
  (building a new Keras model costs about a second). A test checks that both give
  the same numbers on the same weights.

Examples
--------
>>> import numpy as np
>>> from helpers.gradients import numpy_layer_stats, random_mlp
>>> rng = np.random.default_rng(0)
>>> x, y = rng.normal(size=(256, 100)), rng.integers(0, 10, 256)
>>> he = numpy_layer_stats(random_mlp([100] + [100] * 8 + [10], init="he"), x, y)
>>> small = numpy_layer_stats(random_mlp([100] + [100] * 8 + [10], init=0.01), x, y)
>>> bool(he.activation_std[-2] > 0.5 and small.activation_std[-2] < 1e-6)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers import validate

__all__ = ["ACTIVATIONS", "INITS", "LayerStats", "init_std", "layer_stats",
           "numpy_layer_stats", "random_mlp"]

#: hidden-layer activations the NumPy network knows
ACTIVATIONS = ("relu", "sigmoid", "tanh", "linear")
#: named initializations: the variance of a kernel entry with n_in inputs and n_out outputs
INITS = {
    "glorot": "2 / (n_in + n_out)",  # Glorot & Bengio 2010 (Keras' default, as glorot_uniform)
    "he": "2 / n_in",                # He et al. 2015, for ReLU
    "lecun": "1 / n_in",             # LeCun 1998, for SELU and linear layers
}


@dataclass(frozen=True)
class LayerStats:
    """Statistics of one forward and one backward pass, one entry per ``Dense`` layer.

    Attributes
    ----------
    activation_std : numpy.ndarray
        Standard deviation (over the batch and the units) of each layer's output:
        the hidden layers after their activation, then the logits.
    gradient_norm : numpy.ndarray
        Norm (Frobenius) of the gradient of the mean cross-entropy with respect to
        each layer's kernel, first layer first.
    loss : float
        Mean cross-entropy of the batch.
    """

    activation_std: np.ndarray
    gradient_norm: np.ndarray
    loss: float

    @property
    def first_over_last(self) -> float:
        """Gradient norm of the first kernel divided by that of the last (the output layer)."""
        return float(self.gradient_norm[0] / self.gradient_norm[-1])


def layer_stats(model: Any, x: np.ndarray, y: np.ndarray) -> LayerStats:
    """Activation spread and kernel-gradient norm of every ``Dense`` layer of a Keras model.

    Parameters
    ----------
    model : keras.Model
        A model with an ``Input`` whose last layer outputs logits, such as
        :func:`helpers.models.build_mlp`. Each ``Dense`` layer's output (after its own
        ``activation``) is measured.
    x : numpy.ndarray
        One batch of inputs.
    y : numpy.ndarray
        Its integer labels.

    Returns
    -------
    LayerStats
        Measured in training mode, on the mean cross-entropy (``from_logits=True``).
    """
    import keras
    import tensorflow as tf

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense:
        raise ValueError(f"model {model.name!r} has no Dense layer to measure")
    if len(x) != len(y):
        raise ValueError(f"x and y differ in length: {len(x)} != {len(y)}")
    if dense[-1].output is not model.outputs[0]:
        raise ValueError(f"the last Dense layer of {model.name!r} must be its output (the logits)")
    probe = keras.Model(model.inputs[0], [layer.output for layer in dense])
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    kernels = [layer.kernel for layer in dense]
    with tf.GradientTape() as tape:
        outputs = probe(tf.convert_to_tensor(x), training=True)
        loss = loss_fn(y, outputs[-1])
    grads = tape.gradient(loss, kernels)
    return LayerStats(
        activation_std=np.array([float(np.std(o)) for o in outputs]),
        gradient_norm=np.array([float(tf.norm(g)) for g in grads]),
        loss=float(loss),
    )


def init_std(init: str | float, n_in: int, n_out: int) -> float:
    """Standard deviation of a kernel entry under a named initialization.

    Parameters
    ----------
    init : str or float
        ``"glorot"``, ``"he"`` or ``"lecun"`` (variances in :data:`INITS`), or a
        fixed standard deviation such as ``0.01``.
    n_in, n_out : int
        Inputs and outputs of the layer (fan-in and fan-out).

    Examples
    --------
    >>> init_std("he", 200, 10)
    0.1
    """
    validate.integer("n_in", n_in), validate.integer("n_out", n_out)
    if isinstance(init, str):
        variances = {"glorot": 2 / (n_in + n_out), "he": 2 / n_in, "lecun": 1 / n_in}
        if init not in variances:
            raise ValueError(f"init must be one of {sorted(variances)} or a number, got {init!r}")
        return float(np.sqrt(variances[init]))
    if isinstance(init, bool) or not np.isfinite(init) or init <= 0:
        raise ValueError(f"a fixed init must be a standard deviation > 0, got {init!r}")
    return float(init)


def random_mlp(
    widths: Sequence[int], *, init: str | float = "he", gain: float = 1.0, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random weights of a fully connected network: normal kernels, zero biases.

    Parameters
    ----------
    widths : sequence of int
        ``[n_inputs, hidden_1, ..., hidden_k, n_classes]``.
    init : str or float
        See :func:`init_std`.
    gain : float
        Multiplies every standard deviation (1: the named initialization itself).
    seed : int
        Seed of the random generator.

    Returns
    -------
    list of (kernel, bias)
        Kernel ``k`` has shape ``(widths[k], widths[k + 1])``.
    """
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise ValueError(f"widths must be at least two positive sizes, got {widths}")
    validate.number("gain", gain, 0, strict=True)
    rng = np.random.default_rng(seed)
    return [(rng.normal(0.0, gain * init_std(init, a, b), size=(a, b)), np.zeros(b))
            for a, b in zip(widths[:-1], widths[1:], strict=True)]


def _activation(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The activation of ``z`` and its derivative."""
    if name == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(z.dtype)
    if name == "sigmoid":
        s = 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + exp(-z)), without overflow
        return s, s * (1.0 - s)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1.0 - t**2
    return z, np.ones_like(z)


def numpy_layer_stats(
    weights: Sequence[tuple[np.ndarray, np.ndarray]],
    x: np.ndarray,
    y: np.ndarray,
    *,
    activation: str = "relu",
) -> LayerStats:
    """The same measurements as :func:`layer_stats`, for a NumPy network.

    Forward pass through ``activation(x W + b)`` for every hidden layer and plain
    ``x W + b`` for the last one (logits), softmax cross-entropy, then
    backpropagation written out. Arrays keep the floating-point type of ``x``
    (``float32`` is twice as fast; integer input becomes ``float64``).

    Parameters
    ----------
    weights : sequence of (kernel, bias)
        For example from :func:`random_mlp`, or a Keras model's ``get_weights()`` in pairs.
    x : numpy.ndarray
        Inputs, shape ``(n, n_inputs)``.
    y : numpy.ndarray
        Integer labels, shape ``(n,)``.
    activation : str
        Hidden-layer activation, one of :data:`ACTIVATIONS`.

    Returns
    -------
    LayerStats
    """
    from threadpoolctl import threadpool_limits

    validate.one_of("activation", activation, ACTIVATIONS)
    # Small matrices: one BLAS thread is faster than waking a pool (and much faster on a busy CPU).
    with threadpool_limits(limits=1, user_api="blas"):
        return _numpy_layer_stats(weights, x, y, activation)


def _numpy_layer_stats(weights: Sequence[tuple[np.ndarray, np.ndarray]], x: np.ndarray,
                       y: np.ndarray, activation: str) -> LayerStats:
    h, y = np.asarray(x), np.asarray(y)
    if h.dtype.kind != "f":
        h = h.astype(float)
    if h.ndim != 2 or h.shape[1] != weights[0][0].shape[0] or len(h) != len(y):
        raise ValueError(f"x must have shape (n, {weights[0][0].shape[0]}) and y shape (n,), "
                         f"got {h.shape} and {y.shape}")
    inputs, slopes, stds = [], [], []
    for k, (w, b) in enumerate(weights):
        inputs.append(h)
        z = h @ w.astype(h.dtype, copy=False) + b.astype(h.dtype, copy=False)
        if k < len(weights) - 1:
            h, slope = _activation(activation, z)
            slopes.append(slope)
        else:
            h = z
        stds.append(float(h.std()))
    # softmax cross-entropy and its gradient with respect to the logits
    n = len(y)
    shifted = h - h.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = float(-log_p[np.arange(n), y].mean())
    delta = np.exp(log_p)                                       # softmax probabilities
    delta[np.arange(n), y] -= 1.0
    delta /= n
    norms = [0.0] * len(weights)
    for k in reversed(range(len(weights))):
        norms[k] = float(np.linalg.norm(inputs[k].T @ delta))   # dL/dW_k = a_{k-1}^T delta_k
        if k:   # back through W_k, then through the slope f' of the layer below
            delta = (delta @ weights[k][0].T.astype(h.dtype, copy=False)) * slopes[k - 1]
    return LayerStats(np.array(stds), np.array(norms), loss)
