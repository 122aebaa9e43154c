"""helpers.models, helpers.training and helpers.callbacks (one tiny training run each)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import config, data, models, training

config.quiet_tensorflow()
keras = pytest.importorskip("keras")


@pytest.fixture(scope="module")
def digits() -> data.Splits:
    """Small, fast, offline: 300 training and 100 validation 8x8 digits."""
    return data.load_digits(n_train=300, n_val=100, n_test=100)


def _small(n_in: int = 64, **kwargs: object) -> keras.Model:
    config.set_seed(0)
    return models.compile_classifier(models.build_mlp(n_in, (32,), 10, **kwargs),
                                     optimizer="adam", learning_rate=3e-3)


# ----------------------------------------------------------------------- models


def test_build_mlp_layers_and_counts() -> None:
    m = models.build_mlp(784, (512, 256), 10, name="big net")
    assert m.name == "big_net" and m.output_shape == (None, 10)
    assert models.count_params(m) == 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10
    assert models.dense_flops(m) == 2 * (784 * 512 + 512 * 256 + 256 * 10)
    assert m.layers[-1].name == "logits" and m.layers[-1].activation.__name__ == "linear"
    assert models.build_mlp(4, (2,), 2, name="small net, more data").name == "small_net_more_data"


def test_build_mlp_dropout_and_batch_norm() -> None:
    m = models.build_mlp(20, (16, 8), 3, dropout=0.5, batch_norm=True)
    kinds = [type(layer).__name__ for layer in m.layers]
    assert kinds == ["Dense", "BatchNormalization", "Activation", "Dropout"] * 2 + ["Dense"]
    assert all(not layer.use_bias for layer in m.layers[:-1] if hasattr(layer, "use_bias"))
    assert m.layers[3].rate == 0.5


def test_penalties_on_kernels_not_biases() -> None:
    m = models.build_mlp(20, (16,), 3, l1=1e-4, l2=1e-3)
    for layer in m.layers:
        reg = layer.kernel_regularizer
        assert isinstance(reg, keras.regularizers.L1L2)
        assert np.isclose(reg.l1, 1e-4) and np.isclose(reg.l2, 1e-3)
        assert layer.bias_regularizer is None
    assert isinstance(models.build_mlp(20, (16,), 3, l2=0.01).layers[0].kernel_regularizer,
                      keras.regularizers.L2)
    assert isinstance(models.build_mlp(20, (16,), 3, l1=0.01).layers[0].kernel_regularizer,
                      keras.regularizers.L1)
    assert models.build_mlp(20, (16,), 3).layers[0].kernel_regularizer is None


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": (64, 0)}, r"hidden must be a sequence of positive integers, got \(64, 0\)"),
    ({"hidden": (64.0,)}, r"hidden must be .* got \(64.0,\)"),
    ({"activation": "relu6"}, r"activation must be one of .*got 'relu6'"),
    ({"dropout": 1.0}, r"dropout must be a rate in \[0, 1\), got 1.0"),
    ({"dropout": -0.1}, r"got -0.1"),
    ({"n_classes": 1}, r"n_classes must be an integer >= 2, got 1"),
    ({"input_dim": 0}, r"input_dim must be an integer >= 1, got 0"),
    ({"l2": -1.0}, r"l2 must be a number >= 0, got -1.0"),
    ({"l1": "0.1"}, r"l1 must be a number >= 0, got '0.1'"),
])
def test_build_mlp_errors_name_the_value(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        models.build_mlp(**kwargs)  # type: ignore[arg-type]


def test_compile_classifier_metrics_and_optimizer() -> None:
    m = models.compile_classifier(models.build_mlp(4, (8,), 3), "SGD", learning_rate=0.05)
    assert isinstance(m.optimizer, keras.optimizers.SGD)
    assert np.isclose(float(m.optimizer.learning_rate.numpy()), 0.05)
    m.evaluate(np.zeros((2, 4), np.float32), np.zeros(2), verbose=0)
    assert {"accuracy", "xent"} <= set(m.metrics_names) | {
        mm.name for metric in m.metrics for mm in getattr(metric, "metrics", [metric])}
    opt = keras.optimizers.RMSprop(1e-3)
    assert models.compile_classifier(models.build_mlp(4, (8,), 3), opt).optimizer is opt


def test_compile_classifier_unknown_optimizer() -> None:
    with pytest.raises(ValueError, match=r"optimizer must be one of .*'adam'.*got 'adagrad'"):
        models.compile_classifier(models.build_mlp(4, (8,), 3), "adagrad")


# ----------------------------------------------------------------------- train


def test_train_records_history_and_never_uses_the_test_split(digits: data.Splits) -> None:
    poisoned = data.Splits(digits.x_train, digits.y_train, digits.x_val, digits.y_val,
                           np.full_like(digits.x_test, np.nan), -np.ones_like(digits.y_test),
                           n_classes=10, name="digits")
    run = training.train(_small(), poisoned, epochs=4, batch_size=32, name="plain")
    assert run.name == "plain" and run.epochs == 4 and run.seconds > 0
    expected = {"loss", "accuracy", "xent", "val_loss", "val_accuracy", "val_xent"}
    assert expected <= set(run.history)
    assert all(len(v) == 4 for v in run.history.values())
    assert all(np.isfinite(v).all() for v in run.history.values())
    assert run.last("xent") < run.history["xent"][0], "4 epochs of Adam must lower the loss"
    # no penalty: the loss is the cross-entropy metric
    np.testing.assert_allclose(run.history["loss"], run.history["xent"], rtol=1e-4)
    assert run.best("val_accuracy") == max(run.history["val_accuracy"])
    assert run.best("val_xent") == min(run.history["val_xent"])
    assert run.history["val_xent"][run.best_epoch() - 1] == run.best("val_xent")
    with pytest.raises(KeyError, match=r"'val_acc' was not recorded; recorded: \["):
        run.last("val_acc")


def test_xent_metric_excludes_the_penalty(digits: data.Splits) -> None:
    l2 = training.train(_small(l2=0.01), digits, epochs=1, batch_size=64)
    assert l2.history["loss"][0] > l2.history["xent"][0] + 0.01


def test_compare_reseeds_each_model(digits: data.Splits) -> None:
    def build() -> keras.Model:
        return models.compile_classifier(models.build_mlp(64, (16,), 10), learning_rate=3e-3)

    runs = training.compare({"plain": build, "l2": build}, digits, epochs=2, seed=3,
                            batch_size=64)
    assert list(runs) == ["plain", "l2"] and runs["l2"].name == "l2"
    assert runs["plain"].history == runs["l2"].history  # same seed, same model: same numbers


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
    ({"epochs": 2.0}, "epochs must be an integer >= 1, got 2.0"),
    ({"epochs": 1, "batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
])
def test_train_argument_errors(digits: data.Splits, kwargs: dict[str, object],
                               message: str) -> None:
    with pytest.raises(ValueError, match=message):
        training.train(_small(), digits, **kwargs)  # type: ignore[arg-type]


def test_train_needs_a_compiled_model(digits: data.Splits) -> None:
    with pytest.raises(ValueError, match="the model is not compiled"):
        training.train(models.build_mlp(64, (8,), 10), digits, epochs=1)


def test_train_with_a_model_for_other_inputs(digits: data.Splits) -> None:
    with pytest.raises(ValueError, match=r"the model expects inputs of shape \(784,\) "
                       r"but the data has \(64,\)"):
        training.train(_small(784), digits, epochs=1)
    cnn_shaped = data.load_digits(n_train=50, n_val=20, n_test=0, flatten=False)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(64,\) .* \(8, 8, 1\)"):
        training.train(_small(64), cnn_shaped, epochs=1)


def test_train_with_integer_features(digits: data.Splits) -> None:
    ints = data.Splits((digits.x_train * 16).astype(np.int64), digits.y_train, digits.x_val,
                       digits.y_val, digits.x_test, digits.y_test, n_classes=10)
    with pytest.raises(ValueError, match="features must be floating point, got dtype int64"):
        training.train(_small(), ints, epochs=1)


def test_datasets_batches_and_reshuffles(digits: data.Splits) -> None:
    train_ds, val_ds = training.datasets(digits, batch_size=64)
    first = [y.numpy() for _, y in train_ds]
    second = np.concatenate([y.numpy() for _, y in train_ds])
    assert [len(b) for b in first] == [64] * 4 + [300 - 256]
    assert sorted(np.concatenate(first)) == sorted(digits.y_train)  # every sample, once
    assert not np.array_equal(np.concatenate(first), second)  # a new order every epoch
    assert [len(y) for _, y in val_ds] == [100]


def test_fit_steps_trains_a_toy_problem() -> None:
    toy = data.make_2d("moons", n_train=100, n_val=100, n_test=0, noise=0.1)
    m = models.compile_classifier(models.build_mlp(2, (32, 32), 2), learning_rate=0.01)
    before = m.evaluate(*toy.val, verbose=0, return_dict=True)["accuracy"]
    training.fit_steps(m, *toy.train, steps=150)
    after = m.evaluate(*toy.val, verbose=0, return_dict=True)["accuracy"]
    assert int(m.optimizer.iterations.numpy()) == 150
    assert after > max(before, 0.8)


@pytest.mark.parametrize("kwargs, message", [
    ({"steps": 0}, "steps must be an integer >= 1, got 0"),
    ({"steps": True}, "steps must be an integer >= 1, got True"),
    ({"steps": 5, "y": np.zeros(3, dtype=int)}, "x and y differ in length: 10 != 3"),
])
def test_fit_steps_errors(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"x": np.zeros((10, 2), np.float32), "y": np.zeros(10, dtype=int)}
    args.update(kwargs)
    m = models.compile_classifier(models.build_mlp(2, (4,), 2))
    with pytest.raises(ValueError, match=message):
        training.fit_steps(m, args.pop("x"), args.pop("y"), **args)  # type: ignore[arg-type]


# ----------------------------------------------------------------------- Run helpers


def _fake(history: dict[str, list[float]]) -> training.Run:
    return training.Run("fake", history, model=None)


def test_run_last_best_and_epochs_to_reach() -> None:
    run = _fake({"xent": [1.0, 0.5, 0.09, 0.2], "val_accuracy": [0.5, 0.8, 0.95, 0.9]})
    assert run.epochs == 4 and run.last("xent") == 0.2
    assert run.best("xent") == 0.09 and run.best("val_accuracy") == 0.95
    assert run.best_epoch("xent") == 3 and run.best_epoch("val_accuracy") == 3
    assert training.epochs_to_reach(run, "xent", 0.5) == 2
    assert training.epochs_to_reach(run, "xent", 0.1) == 3
    assert training.epochs_to_reach(run, "val_accuracy", 0.8) == 2
    assert training.epochs_to_reach(run, "xent", 0.01) is None


def test_summary_table() -> None:
    runs = {"plain": _fake({"accuracy": [0.5, 1.0], "val_accuracy": [0.7, 0.6],
                            "val_xent": [0.9, 1.2]}),
            "dropout": _fake({"accuracy": [0.4, 0.9], "val_accuracy": [0.7, 0.8],
                              "val_xent": [0.8, 0.7]})}
    lines = training.summary_table(runs).splitlines()
    assert "val_accuracy (last)" in lines[0] and len(lines) == 4
    assert lines[2].split() == ["plain", "1.000", "1.000", "0.600", "0.700", "1.200", "0.900"]
    assert lines[3].startswith("dropout")


# ----------------------------------------------------------------------- callbacks


def test_learning_rate_logger_follows_a_schedule_and_exposes_the_typo(
        digits: data.Splits) -> None:
    from helpers.callbacks import LearningRateLogger, current_learning_rate

    schedule = keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=5, decay_rate=0.5)
    m = _small()
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule),
              loss=m.loss, metrics=["accuracy"])
    run = training.train(m, digits, epochs=2, batch_size=100, callbacks=[LearningRateLogger()])
    np.testing.assert_allclose(run.history["lr"], [0.01 * 0.5 ** (3 / 5), 0.01 * 0.5 ** (6 / 5)],
                               rtol=1e-5)
    assert np.isclose(current_learning_rate(m.optimizer), 0.01 * 0.5 ** (6 / 5), rtol=1e-5)

    m = _small()
    m.optimizer.learninig_rate = 0.5  # the seed article's typo: a new, unused attribute
    run = training.train(m, digits, epochs=2, batch_size=100, callbacks=[LearningRateLogger()])
    np.testing.assert_allclose(run.history["lr"], [3e-3, 3e-3], rtol=1e-6)


def test_live_plot_rejects_a_bad_period() -> None:
    from helpers.callbacks import LivePlot

    with pytest.raises(ValueError, match="every must be an integer >= 1, got 0"):
        LivePlot(every=0)
