"""One parser for sizes given on a command line or in a config: ``"2.5G"`` -> bytes.

K, M, G and T are powers of 1024 (``"2.5G"`` = 2.5 GiB = 2684354560 bytes), with or without
``i`` and ``B`` (``2.5GiB``, ``800MB``); a bare number is bytes. The grader
(``--memory``, ``--max-notebook``) and the hub (``--mem-limit``) both read sizes with it, so
one string always means one number.
"""

from __future__ import annotations

import re

__all__ = ["parse_bytes"]


def parse_bytes(text: str | int, *, minimum: int = 0, what: str = "size") -> int:
    """``"2.5G"`` -> 2684354560 (K, M, G, T are powers of 1024; a bare number is bytes).

    Raises
    ------
    ValueError
        If ``text`` does not look like a size, or names fewer than ``minimum`` bytes.
    """
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)i?B?\s*", str(text), re.IGNORECASE)
    if not m:
        raise ValueError(f"{what} must look like '2.5G' or '800M' (powers of 1024), "
                         f"got {text!r}")
    power = " KMGT".index(m.group(2).upper() or " ")
    value = int(float(m.group(1)) * 1024**power)
    if value < minimum:
        raise ValueError(f"{what} must be at least {minimum // 2**20}M, got {text!r}")
    return value
