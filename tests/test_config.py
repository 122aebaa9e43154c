"""helpers.config: COURSE_SEED, COURSE_PROFILE and set_seed."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import config


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COURSE_SEED", raising=False)
    monkeypatch.delenv("COURSE_PROFILE", raising=False)


def test_defaults() -> None:
    assert config.seed() == 0
    assert config.profile() is config.PROFILES["default"]
    assert config.profile().full_mnist is False


@pytest.mark.parametrize("raw, value", [("7", 7), (" 3 ", 3), ("", 0), ("0", 0)])
def test_seed_from_env(monkeypatch: pytest.MonkeyPatch, raw: str, value: int) -> None:
    monkeypatch.setenv("COURSE_SEED", raw)
    assert config.seed() == value


@pytest.mark.parametrize("raw", ["abc", "1.5", "-1", "0x10"])
def test_bad_seed_names_the_value(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("COURSE_SEED", raw)
    with pytest.raises(ValueError, match="COURSE_SEED") as err:
        config.seed()
    assert repr(raw) in str(err.value)


def test_set_seed_rejects_a_bad_env_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_SEED", "seven")
    with pytest.raises(ValueError, match="'seven'"):
        config.set_seed()


@pytest.mark.parametrize("name", ["default", "full", " full "])
def test_profile_from_env(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("COURSE_PROFILE", name)
    assert config.profile().name == name.strip()


@pytest.mark.parametrize("name", ["fast", "Full", "defualt"])
def test_bad_profile_names_the_value_and_the_choices(monkeypatch: pytest.MonkeyPatch,
                                                     name: str) -> None:
    monkeypatch.setenv("COURSE_PROFILE", name)
    with pytest.raises(ValueError, match="COURSE_PROFILE") as err:
        config.profile()
    assert repr(name) in str(err.value)
    assert "default" in str(err.value) and "full" in str(err.value)


def test_profile_scales_sizes() -> None:
    default, full = config.PROFILES["default"], config.PROFILES["full"]
    assert default.epochs(60) == 60 and default.n(1000) == 1000
    assert full.epochs(60) > 60 and full.n(1000) > 1000
    assert full.full_mnist
    assert default.epochs(0) == 1  # never zero epochs


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_set_seed_rejects_bad_values(bad: object) -> None:
    with pytest.raises(ValueError, match="seed must be an integer >= 0") as err:
        config.set_seed(bad)  # type: ignore[arg-type]
    assert repr(bad) in str(err.value)


def test_set_seed_returns_the_seed_and_reads_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.set_seed(5) == 5
    monkeypatch.setenv("COURSE_SEED", "11")
    assert config.set_seed() == 11


def test_set_seed_makes_numpy_python_and_tensorflow_reproducible() -> None:
    import random

    import keras

    def weights(seed: int) -> tuple[float, float, np.ndarray, np.ndarray]:
        config.set_seed(seed)
        a, b = random.random(), float(np.random.rand())
        c = keras.ops.convert_to_numpy(keras.random.normal((4,)))
        layer = keras.layers.Dense(3)
        layer.build((None, 2))
        return a, b, c, keras.ops.convert_to_numpy(layer.kernel)

    first, again, other = weights(1), weights(1), weights(2)
    for x, y in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, y)
    assert first[0] != other[0] and first[1] != other[1]
    assert not np.array_equal(first[2], other[2])
    assert not np.array_equal(first[3], other[3])


def test_quiet_tensorflow_does_not_override_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    config.quiet_tensorflow()
    import os

    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "0"
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"
