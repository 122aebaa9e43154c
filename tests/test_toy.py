"""helpers.toy: the NumPy network behind the sliders."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers.data import make_2d
from helpers.toy import ToyMLP


def test_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 2)), rng.integers(0, 2, 20)
    net = ToyMLP((5, 4), l1=0.01, l2=0.02, seed=1)
    _, gW, _ = net.gradients(x, y)
    eps = 1e-6
    for i, j, k in [(0, 0, 0), (1, 2, 3), (2, 3, 1)]:
        net.W[i][j, k] += eps
        up = net.gradients(x, y)[0]
        net.W[i][j, k] -= 2 * eps
        down = net.gradients(x, y)[0]
        net.W[i][j, k] += eps
        assert (up - down) / (2 * eps) == pytest.approx(gW[i][j, k], rel=1e-4, abs=1e-7)


def test_learns_moons_and_l2_shrinks_weights() -> None:
    toy = make_2d("moons", n_train=100, n_val=300, n_test=0, noise=0.2)
    plain = ToyMLP((32, 32), seed=0).fit(toy.x_train, toy.y_train, steps=300)
    l2 = ToyMLP((32, 32), l2=0.01, seed=0).fit(toy.x_train, toy.y_train, steps=300)
    assert plain.accuracy(*toy.val) > 0.9
    assert sum(np.abs(W).sum() for W in l2.W) < 0.7 * sum(np.abs(W).sum() for W in plain.W)


def test_dropout_only_in_training() -> None:
    net = ToyMLP((16,), dropout=0.5, seed=0)
    x = np.ones((4, 2))
    assert np.array_equal(net(x), net(x))
    assert not np.array_equal(net._forward(x, True)[0], net._forward(x, True)[0])


def test_fast_enough_for_a_slider() -> None:
    toy = make_2d("moons", n_train=60, noise=0.3)
    start = time.perf_counter()
    ToyMLP((128, 128), dropout=0.5, seed=0).fit(toy.x_train, toy.y_train, steps=300)
    # A slider's whole budget is 2 s (retrain and redraw); a Keras model built and fitted
    # afresh takes about that alone on this CPU.
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("kwargs, word", [({"l2": -1}, "l2"), ({"dropout": 1.0}, "dropout"),
                                          ({"hidden": (0,)}, "widths")])
def test_bad_arguments_are_named(kwargs: dict, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        ToyMLP(**kwargs)


def test_bad_shape_is_named() -> None:
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        ToyMLP().fit(np.ones((3, 3)), np.zeros(3, int))
