"""Argument checks shared by every helper: each error names the argument and its bad value.

One place for the rules, so ``build_mlp(dropout=1.0)`` and ``ToyMLP(dropout=1.0)`` fail with
the same sentence: ``ValueError: dropout must be a rate in [0, 1), got 1.0``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

__all__ = ["integer", "number", "one_of", "rate"]

T = TypeVar("T")


def integer(name: str, value: object, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) ``>= minimum``.

    Raises
    ------
    ValueError
        ``"{name} must be an integer >= {minimum}, got {value!r}"``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _is_real(value: object) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
            and math.isfinite(value))


def number(name: str, value: object, minimum: float = 0.0, *, strict: bool = False) -> float:
    """``value`` as a ``float`` if it is a finite number ``>= minimum`` (``>`` if ``strict``).

    Raises
    ------
    ValueError
        ``"{name} must be a number >= {minimum}, got {value!r}"``.
    """
    if not _is_real(value) or value < minimum or (strict and value == minimum):
        raise ValueError(f"{name} must be a number {'>' if strict else '>='} {minimum:g}, "
                         f"got {value!r}")
    return float(value)  # type: ignore[arg-type]


def rate(name: str, value: object) -> float:
    """``value`` as a ``float`` if it is a rate in ``[0, 1)`` (dropout, label noise).

    Raises
    ------
    ValueError
        ``"{name} must be a rate in [0, 1), got {value!r}"``.
    """
    if not _is_real(value) or not 0 <= value < 1:  # type: ignore[operator]
        raise ValueError(f"{name} must be a rate in [0, 1), got {value!r}")
    return float(value)  # type: ignore[arg-type]


def one_of(name: str, value: T, options: Sequence[Any]) -> T:
    """``value`` if it is one of ``options``.

    Raises
    ------
    ValueError
        ``"{name} must be one of {options}, got {value!r}"``.
    """
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value
