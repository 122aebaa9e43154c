"""Per-student variants: ``HMAC-SHA256(course secret, student id)``, as hex.

The checks (:mod:`instructor.checks`) derive each student's hidden inputs from the variant
(``probe_source(nb, out_file, variant=...)``, ``judge(nb, answers, variant=...)``), so two
students' hidden cases differ and a shared answer table does not transfer. The secret is a
file (``--secret-file``; by default ``<out>.secret`` next to the CSV, created once with mode
0600): the same student always gets the same variant, in a resumed run and in a regrade.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

__all__ = ["load_secret", "variant"]


def load_secret(path: Path, *, create: bool = True) -> bytes:
    """The course secret in ``path``; made (32 random bytes, hex, mode 0600) if missing.

    Raises
    ------
    ValueError
        If the file is empty or shorter than 16 bytes (a secret that can be guessed).
    """
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another grader made it at the same moment: read theirs
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
    data = path.read_bytes().strip()
    if len(data) < 16:
        raise ValueError(f"the course secret {str(path)!r} must hold at least 16 bytes, "
                         f"it holds {len(data)}")
    return data


def variant(secret: bytes, student: str) -> str:
    """The student's variant: ``HMAC-SHA256(secret, student id)`` in hex."""
    return hmac.new(secret, student.encode("utf-8"), hashlib.sha256).hexdigest()
