"""The course's standard networks, and how big they are.

:func:`build_mlp` builds every fully connected network of the course, so that
lectures differ only in the option they teach (``l2=...``, ``dropout=...``,
``batch_norm=True``). :func:`compile_classifier` compiles it with the loss and
metrics the course compares: accuracy and cross-entropy *as a metric* (``"xent"``),
which, unlike ``loss``, contains no regularization penalty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from helpers import config, validate

if TYPE_CHECKING:
    import keras

__all__ = ["build_mlp", "compile_classifier", "count_params", "dense_flops", "reinitialize"]

ACTIVATIONS = ("relu", "sigmoid", "tanh", "elu", "gelu", "linear")


def _regularizer(l1: float, l2: float) -> Any:
    import keras

    l1, l2 = validate.number("l1", l1), validate.number("l2", l2)
    if l1 and l2:
        return keras.regularizers.L1L2(l1=l1, l2=l2)
    if l1:
        return keras.regularizers.L1(l1)
    if l2:
        return keras.regularizers.L2(l2)
    return None


def build_mlp(
    input_dim: int = 784,
    hidden: Sequence[int] = (512, 256),
    n_classes: int = 10,
    *,
    activation: str = "relu",
    dropout: float = 0.0,
    batch_norm: bool = False,
    l1: float = 0.0,
    l2: float = 0.0,
    name: str | None = None,
) -> keras.Sequential:
    """Build a fully connected classifier that outputs logits.

    Parameters
    ----------
    input_dim : int
        Number of input features (784 for flattened MNIST, 2 for a 2-D set).
    hidden : sequence of int
        Width of each hidden layer, e.g. ``(512, 256)``.
    n_classes : int
        Number of outputs (logits; use ``from_logits=True`` in the loss).
    activation : str
        Activation of the hidden layers, one of ``ACTIVATIONS``.
    dropout : float
        Dropout rate after every hidden layer, in [0, 1).
    batch_norm : bool
        Insert ``BatchNormalization`` between each hidden ``Dense`` and its
        activation (the ``Dense`` then has no bias: BN's beta replaces it).
    l1, l2 : float
        Penalty factors on the hidden and output kernels (never on biases).
    name : str, optional
        Model name, used for colours and legends.

    Returns
    -------
    keras.Sequential
        An uncompiled, built model.

    Examples
    --------
    >>> from helpers.models import build_mlp
    >>> build_mlp(784, (64,), dropout=0.5).count_params()
    50890
    """
    config.quiet_tensorflow()
    import keras

    input_dim = validate.integer("input_dim", input_dim)
    widths = list(hidden)
    if any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in widths):
        raise ValueError(f"hidden must be a sequence of positive integers, got {hidden!r}")
    validate.one_of("activation", activation, ACTIVATIONS)
    dropout = validate.rate("dropout", dropout)
    n_classes = validate.integer("n_classes", n_classes, 2)
    reg = _regularizer(l1, l2)
    layers: list[Any] = [keras.Input(shape=(input_dim,))]
    for width in widths:
        if batch_norm:
            layers += [
                keras.layers.Dense(width, use_bias=False, kernel_regularizer=reg),
                keras.layers.BatchNormalization(),
                keras.layers.Activation(activation),
            ]
        else:
            layers.append(keras.layers.Dense(width, activation=activation, kernel_regularizer=reg))
        if dropout:
            layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(n_classes, kernel_regularizer=reg, name="logits"))
    # Keras accepts only letters, digits and _ . - in names: "small net, more data" is fine here.
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name or "mlp").strip("_") or "mlp"
    return keras.Sequential(layers, name=safe)


def compile_classifier(
    model: keras.Model,
    optimizer: Any = "adam",
    *,
    learning_rate: float | None = None,
    loss: Any = None,
    jit_compile: bool | str = "auto",
) -> keras.Model:
    """Compile ``model`` for integer labels and logits, with the course's metrics.

    Parameters
    ----------
    model : keras.Model
        A model whose last layer outputs logits.
    optimizer : str or keras.optimizers.Optimizer
        ``"adam"``, ``"sgd"``, ``"rmsprop"`` or an optimizer object.
    learning_rate : float, optional
        Learning rate when ``optimizer`` is a string (Keras' default otherwise).
    loss : callable, optional
        The training loss ``loss(y_true, logits)``; default: sparse categorical
        cross-entropy from logits. The ``xent`` metric stays the plain cross-entropy,
        so that models trained on different losses compare on the same number.

    Returns
    -------
    keras.Model
        The same model, compiled with metrics ``accuracy`` and ``xent``
        (cross-entropy without any penalty: compare models on it, not on ``loss``).
    """
    import keras

    if isinstance(optimizer, str):
        known = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD,
                 "rmsprop": keras.optimizers.RMSprop}
        validate.one_of("optimizer", optimizer.lower(), sorted(known))
        kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
        optimizer = known[optimizer.lower()](**kwargs)
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True) if loss is None else loss,
        metrics=[
            "accuracy",
            keras.metrics.SparseCategoricalCrossentropy(from_logits=True, name="xent"),
        ],
        jit_compile=jit_compile,
    )
    return model


def count_params(model: keras.Model) -> int:
    """Number of trainable parameters (weights and biases) of ``model``."""
    return int(sum(int(w.numpy().size) for w in model.trainable_weights))


def dense_flops(model: keras.Model) -> int:
    """Floating-point operations of one forward pass of one sample through the Dense layers.

    A Dense layer with ``n_in`` inputs and ``n_out`` units does ``n_in * n_out``
    multiplications and as many additions: ``2 * n_in * n_out`` FLOPs
    (biases and activations are negligible and not counted).
    """
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            n_in, n_out = layer.kernel.shape
            total += 2 * int(n_in) * int(n_out)
    return total


_INITIALIZED = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance")


def _layers(model: Any) -> list[Any]:
    """Every layer of ``model``, nested models (such as a ``Sequential`` block) flattened."""
    out = []
    for layer in getattr(model, "layers", []):
        out.append(layer)
        out.extend(_layers(layer))
    return out


def reinitialize(model: keras.Model, seed: int | None = None) -> keras.Model:
    """Give a built, compiled model fresh initial weights and a fresh optimizer, in place.

    Building and tracing a new Keras model costs about a second or two; training
    the *same* compiled model again from new initial weights costs nothing extra.
    Every kernel, bias, BN scale/shift and BN moving statistic is drawn again
    from its layer's initializer, and the optimizer's step counter and moment
    estimates are set to zero (its learning rate is kept).

    Parameters
    ----------
    model : keras.Model
        A built model (compiled or not).
    seed : int, optional
        Seed set (through :func:`helpers.config.set_seed`) before drawing;
        ``None`` uses ``COURSE_SEED``.

    Returns
    -------
    keras.Model
        The same model, so that calls can be chained.

    Examples
    --------
    >>> from helpers.models import build_mlp, compile_classifier, reinitialize
    >>> m = compile_classifier(build_mlp(4, (8,), 3))
    >>> reinitialize(m, seed=1) is m
    True
    """
    if not getattr(model, "built", False):
        raise ValueError(f"the model {getattr(model, 'name', model)!r} is not built yet")
    seed = config.set_seed(seed)
    import keras
    import numpy as np

    # A Keras 3 initializer fixes its seed when it is created and draws the same values on
    # every call, so each weight gets a new initializer of the same kind with a new seed.
    rng = np.random.default_rng(seed)
    for layer in _layers(model):
        for name in _INITIALIZED:
            var = getattr(layer, name, None)
            init = getattr(layer, f"{name}_initializer", None)
            if isinstance(var, keras.Variable) and init is not None:
                cfg = init.get_config()
                if "seed" in cfg:
                    cfg["seed"] = int(rng.integers(2**31 - 1))
                var.assign(type(init).from_config(cfg)(var.shape, dtype=var.dtype))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        rate = getattr(optimizer, "learning_rate", None)
        for var in optimizer.variables:
            if var is not rate:
                var.assign(keras.ops.zeros(var.shape, dtype=var.dtype))
    return model
