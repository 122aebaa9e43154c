"""helpers.gradients: per-layer activation and gradient statistics (Keras and the NumPy twin)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers import config
from helpers.gradients import init_std, layer_stats, numpy_layer_stats, random_mlp

config.quiet_tensorflow()
keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
X = RNG.uniform(0, 1, size=(64, 30)).astype("float32")
X64 = X.astype("float64")
Y = RNG.integers(0, 10, 64)


def _keras_mlp(activation: str, init: str, depth: int = 4) -> keras.Model:
    config.set_seed(0)
    layers = [keras.Input(shape=(30,))]
    layers += [keras.layers.Dense(20, activation=activation, kernel_initializer=init,
                                  bias_initializer="random_normal") for _ in range(depth)]
    layers.append(keras.layers.Dense(10, kernel_initializer=init))
    return keras.Sequential(layers)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_numpy_twin_measures_what_keras_measures(activation: str) -> None:
    model = _keras_mlp(activation, "he_normal")
    w = model.get_weights()
    pairs = list(zip(w[::2], w[1::2], strict=True))
    k, n = layer_stats(model, X, Y), numpy_layer_stats(pairs, X, Y, activation=activation)
    assert k.activation_std.shape == k.gradient_norm.shape == (5,)
    np.testing.assert_allclose(n.activation_std, k.activation_std, rtol=1e-4)
    np.testing.assert_allclose(n.gradient_norm, k.gradient_norm, rtol=1e-3)
    assert n.loss == pytest.approx(k.loss, rel=1e-5)


def test_gradient_norms_match_finite_differences() -> None:
    weights = random_mlp([30, 12, 12, 10], init="glorot", seed=3)
    base = numpy_layer_stats(weights, X64, Y, activation="tanh")
    eps = 1e-6
    for layer in range(3):
        w = weights[layer][0]
        grad = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            w[idx] += eps
            up = numpy_layer_stats(weights, X64, Y, activation="tanh").loss
            w[idx] -= 2 * eps
            down = numpy_layer_stats(weights, X64, Y, activation="tanh").loss
            w[idx] += eps
            grad[idx] = (up - down) / (2 * eps)
        assert np.linalg.norm(grad) == pytest.approx(base.gradient_norm[layer], rel=1e-5)


def test_variance_scaling_keeps_relu_signals_and_bad_scales_do_not() -> None:
    x = RNG.normal(size=(256, 128))
    y = RNG.integers(0, 10, 256)
    widths = [128] + [128] * 12 + [10]
    he = numpy_layer_stats(random_mlp(widths, init="he"), x, y)
    small = numpy_layer_stats(random_mlp(widths, init="he", gain=0.5), x, y)
    large = numpy_layer_stats(random_mlp(widths, init="he", gain=2.0), x, y)
    hidden = slice(0, -1)
    assert np.ptp(np.log10(he.activation_std[hidden])) < 0.3          # within a factor of 2
    assert small.activation_std[-2] < 1e-3 * small.activation_std[0]  # 0.5 ** 11, about 5e-4
    assert large.activation_std[-2] > 1e3 * large.activation_std[0]   # 2 ** 11, about 2e3
    assert 0.1 < he.first_over_last < 10


def test_sigmoid_gradients_vanish_towards_the_first_layer() -> None:
    x = RNG.uniform(0, 1, size=(256, 64))
    y = RNG.integers(0, 10, 256)
    weights = random_mlp([64] + [64] * 10 + [10], init="glorot")
    stats = numpy_layer_stats(weights, x, y, activation="sigmoid")
    assert stats.first_over_last < 1e-4
    assert np.all(np.diff(np.log(stats.gradient_norm[:-1])) > 0)  # growing towards the output


def test_init_std_formulas() -> None:
    assert init_std("glorot", 300, 100) == pytest.approx(np.sqrt(2 / 400))
    assert init_std("he", 50, 7) == pytest.approx(0.2)
    assert init_std("lecun", 25, 7) == pytest.approx(0.2)
    assert init_std(0.01, 5, 5) == 0.01
    w = random_mlp([400, 300], init="he", seed=0)[0][0]
    assert w.std() == pytest.approx(np.sqrt(2 / 400), rel=0.01)


@pytest.mark.parametrize("call, word", [
    (lambda: init_std("xavier", 3, 3), "init"),
    (lambda: init_std(-0.1, 3, 3), "standard deviation"),
    (lambda: random_mlp([3]), "widths"),
    (lambda: random_mlp([3, 2], gain=0), "gain"),
    (lambda: numpy_layer_stats(random_mlp([3, 2]), np.ones((4, 3)), np.zeros(4, int),
                               activation="softplus"), "activation"),
    (lambda: numpy_layer_stats(random_mlp([3, 2]), np.ones((4, 5)), np.zeros(4, int)), "shape"),
])
def test_bad_arguments_are_named(call: object, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        call()


def test_keras_stats_need_logits_last() -> None:
    model = keras.Sequential([keras.Input(shape=(30,)), keras.layers.Dense(10),
                              keras.layers.Softmax()])
    with pytest.raises(ValueError, match="logits"):
        layer_stats(model, X, Y)


def test_fast_enough_for_a_slider() -> None:
    x = RNG.uniform(0, 1, size=(256, 784))          # the slider of notebook 07: 256 digits,
    y = RNG.integers(0, 10, 256)                    # up to 30 layers of 128, float64
    seconds = []
    for _ in range(3):
        # CPU time of this process (BLAS runs on one thread here): what the computation costs,
        # not how long a busy machine makes it wait
        start = time.process_time()
        numpy_layer_stats(random_mlp([784] + [128] * 30 + [10]), x, y, activation="sigmoid")
        seconds.append(time.process_time() - start)
    # the slider's whole budget is 2 s, plotting included
    assert min(seconds) < 0.5
