"""Unit tests of helpers.models.reinitialize (reusing one compiled model, notebook 09)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import config, data, models

config.quiet_tensorflow()
keras = pytest.importorskip("keras")


def _bn_model() -> keras.Model:
    config.set_seed(0)
    return models.compile_classifier(models.build_mlp(64, (16,), 10, batch_norm=True),
                                     optimizer="adam", learning_rate=3e-3)


def test_reinitialize_redraws_weights_resets_optimizer_and_keeps_the_rate() -> None:
    d = data.load_digits(n_train=200, n_val=50, n_test=50)
    m = _bn_model()
    models.reinitialize(m, seed=5)
    start = [w.copy() for w in m.get_weights()]
    m.fit(d.x_train, d.y_train, epochs=2, batch_size=50, verbose=0)
    assert int(m.optimizer.iterations.numpy()) == 8
    trained = m.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(start, trained, strict=True))
    bn = next(layer for layer in m.layers if isinstance(layer, keras.layers.BatchNormalization))
    assert not np.allclose(bn.moving_mean.numpy(), 0.0)

    models.reinitialize(m, seed=5)
    for a, b in zip(start, m.get_weights(), strict=True):   # same seed, same weights
        np.testing.assert_allclose(a, b)
    assert int(m.optimizer.iterations.numpy()) == 0
    assert all(not np.any(v.numpy()) for v in m.optimizer.variables
               if v is not m.optimizer.learning_rate)
    assert float(m.optimizer.learning_rate.numpy()) == pytest.approx(3e-3)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.0)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 1.0)

    models.reinitialize(m, seed=6)                      # another seed, other weights
    assert not np.allclose(start[0], m.get_weights()[0])
    # and training again from the same start retraces nothing and reproduces the run
    models.reinitialize(m, seed=5)
    m.fit(d.x_train, d.y_train, epochs=2, batch_size=50, verbose=0, shuffle=False)
    again = m.get_weights()
    models.reinitialize(m, seed=5)
    m.fit(d.x_train, d.y_train, epochs=2, batch_size=50, verbose=0, shuffle=False)
    for a, b in zip(again, m.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_reinitialize_reaches_nested_models_and_names_an_unbuilt_model() -> None:
    config.set_seed(0)
    inner = keras.Sequential([keras.layers.Dense(4)], name="inner")
    outer = keras.Sequential([keras.Input((3,)), inner, keras.layers.Dense(2)])
    before = inner.layers[0].kernel.numpy().copy()
    models.reinitialize(outer, seed=9)
    assert not np.allclose(before, inner.layers[0].kernel.numpy())
    with pytest.raises(ValueError, match="not built"):
        models.reinitialize(keras.Sequential([keras.layers.Dense(2)], name="lazy"))
