"""The step-level callbacks of notebook 04: StepLoss and the learning-rate range test."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import config, data, models, training

keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def digits() -> data.Splits:
    """300 training and 100 validation 8x8 digits: offline, fast."""
    return data.load_digits(n_train=300, n_val=100, n_test=100)


def _sgd(rate: object) -> keras.Model:
    config.set_seed(0)
    return models.compile_classifier(models.build_mlp(64, (32,), 10),
                                     optimizer=keras.optimizers.SGD(learning_rate=rate))


def test_step_loss_records_every_step_and_the_rate_of_a_schedule(digits: data.Splits) -> None:
    from helpers.callbacks import StepLoss

    schedule = keras.optimizers.schedules.PolynomialDecay(0.1, decay_steps=6, end_learning_rate=0.0)
    cb = StepLoss(digits.x_train[:50], digits.y_train[:50])
    model = _sgd(schedule)
    training.train(model, digits, epochs=2, batch_size=100, callbacks=[cb])
    assert len(cb.rates) == len(cb.losses) == 6                      # 3 steps per epoch, 2 epochs
    np.testing.assert_allclose(cb.rates, 0.1 * (1 - np.arange(6) / 6), rtol=1e-5)
    xent = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    final = float(xent(digits.y_train[:50], model(digits.x_train[:50], training=False)))
    # the loss of the weights after the step
    assert cb.losses[-1] == pytest.approx(final, rel=1e-5)
    assert cb.losses[-1] < cb.losses[0]


def test_step_loss_rejects_mismatched_probe() -> None:
    from helpers.callbacks import StepLoss

    with pytest.raises(ValueError, match="equal length, got 3 and 2"):
        StepLoss(np.zeros((3, 64)), np.zeros(2))


def test_range_test_raises_the_rate_exponentially_and_stops_at_the_blow_up(
        digits: data.Splits) -> None:
    from helpers.callbacks import LearningRateRangeTest

    test = LearningRateRangeTest(digits.x_train[:100], digits.y_train[:100],
                                 min_lr=1e-3, max_lr=1e3, steps=40)
    training.train(_sgd(1e-3), digits, epochs=20, batch_size=30, callbacks=[test])
    rates = np.asarray(test.rates)
    np.testing.assert_allclose(rates, test.schedule[:len(rates)], rtol=1e-5)
    np.testing.assert_allclose(rates[1:] / rates[:-1], 10 ** (6 / 39), rtol=1e-4)
    assert len(rates) < 40, "a rate of 1000 must blow the loss up before the end"
    last = test.losses[-1]
    assert not np.isfinite(last) or last > 4 * min(test.losses)


def test_range_test_stops_after_its_steps(digits: data.Splits) -> None:
    from helpers.callbacks import LearningRateRangeTest

    test = LearningRateRangeTest(digits.x_train[:100], digits.y_train[:100],
                                 min_lr=1e-4, max_lr=1e-3, steps=5)
    run = training.train(_sgd(1e-4), digits, epochs=10, batch_size=100, callbacks=[test])
    assert len(test.rates) == len(test.losses) == 5
    assert run.epochs == 2                       # 3 steps per epoch: stopped in the second epoch


@pytest.mark.parametrize("kwargs, message", [
    ({"min_lr": 0.0}, "need 0 < min_lr < max_lr"),
    ({"min_lr": 1.0, "max_lr": 0.1}, "need 0 < min_lr < max_lr"),
    ({"steps": 1}, "steps must be an integer >= 2, got 1"),
    ({"stop_factor": 1.0}, "stop_factor must be a number > 1, got 1.0"),
])
def test_range_test_rejects_bad_settings(kwargs: dict[str, float], message: str) -> None:
    from helpers.callbacks import LearningRateRangeTest

    with pytest.raises(ValueError, match=message):
        LearningRateRangeTest(np.zeros((2, 64)), np.zeros(2), **kwargs)
