"""Course-wide settings read from the environment, and the one seeding function.

``COURSE_SEED``
    Integer seed for Python, NumPy and TensorFlow (default ``0``).
``COURSE_PROFILE``
    ``default`` (students, tests: small data, short runs) or ``full``
    (instructors: more data and epochs, full MNIST if it is available).

Nothing is read at import; call :func:`seed` / :func:`profile` when you need them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["PROFILES", "Profile", "profile", "seed", "set_seed", "quiet_tensorflow"]

DEFAULT_SEED = 0


@dataclass(frozen=True)
class Profile:
    """Sizes of the experiments for one profile.

    Attributes
    ----------
    name : str
        ``"default"`` or ``"full"``.
    scale : float
        Multiplier applied by :meth:`epochs` and :meth:`n` to the notebook's sizes.
    full_mnist : bool
        Whether :func:`helpers.data.load_mnist` may try the 70,000-image
        ``keras.datasets`` MNIST (it falls back to the offline subset).
    """

    name: str
    scale: float
    full_mnist: bool

    def epochs(self, n: int) -> int:
        """Return ``n`` epochs scaled for this profile (at least 1)."""
        return max(1, round(n * self.scale))

    def n(self, n: int) -> int:
        """Return a sample count ``n`` scaled for this profile (at least 1)."""
        return max(1, round(n * self.scale))


PROFILES: dict[str, Profile] = {
    "default": Profile("default", 1.0, False),
    "full": Profile("full", 3.0, True),
}


def profile() -> Profile:
    """Return the profile named by ``COURSE_PROFILE`` (default ``"default"``).

    Raises
    ------
    ValueError
        If the variable holds a name that is not in :data:`PROFILES`.
    """
    name = os.environ.get("COURSE_PROFILE", "default").strip() or "default"
    if name not in PROFILES:
        raise ValueError(
            f"COURSE_PROFILE must be one of {sorted(PROFILES)}, got {name!r}"
        )
    return PROFILES[name]


def seed() -> int:
    """Return the seed from ``COURSE_SEED`` (default 0).

    Raises
    ------
    ValueError
        If the variable is not a non-negative integer.
    """
    raw = os.environ.get("COURSE_SEED", "").strip()
    if raw == "":
        return DEFAULT_SEED
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"COURSE_SEED must be a non-negative integer, got {raw!r}"
        ) from None
    if value < 0:
        raise ValueError(f"COURSE_SEED must be a non-negative integer, got {raw!r}")
    return value


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ start-up logs (call before TensorFlow is imported)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def set_seed(value: int | None = None) -> int:
    """Seed Python, NumPy and TensorFlow through ``keras.utils.set_random_seed``.

    Parameters
    ----------
    value : int, optional
        The seed. ``None`` (default) uses :func:`seed`, i.e. ``COURSE_SEED`` or 0.

    Returns
    -------
    int
        The seed that was set, so a notebook can print it.

    Examples
    --------
    >>> from helpers.config import set_seed
    >>> set_seed(3)
    3
    """
    if value is None:
        value = seed()
    from helpers import validate

    value = validate.integer("seed", value, 0)
    quiet_tensorflow()
    import keras

    keras.utils.set_random_seed(value)
    return value
