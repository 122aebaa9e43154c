"""A submission's bytes: read once, size-capped, never parsed in the grader's process.

The notebook is parsed inside the sandbox (:mod:`instructor.sandbox_run`), under the
sandbox's caps and its parse-time limit: a 17 MB notebook of 178,000 cells costs the
grader nothing but reading its bytes (and is refused unread if larger than the cap).
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Job", "read_submission"]


@dataclass
class Job:
    """One student's notebook to grade (or already decided: missing, too large ...)."""

    student: str  # the student's id
    notebook: str
    stem: str = ""  # the student's unique file name (ids of two folders may collide)
    data: bytes | None = None
    digest: str = ""
    status: str | None = None  # set when there is nothing to run
    variant: str | None = None
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.student}/{self.notebook}"


def read_submission(job: Job, path: Path | None, cap: int) -> None:
    """Fill ``job.data`` and ``job.digest``, or decide ``job.status`` (nothing to run)."""
    if path is None:
        job.status, job.digest = "missing", "missing"
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as err:
        why = "not a regular file" if path.is_symlink() else err.strerror
        job.status, job.digest = f"unreadable ({why})", "unreadable"
        return
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            job.status, job.digest = "unreadable (not a regular file)", "unreadable"
            return
        if info.st_size > cap:
            job.status, job.digest = _too_large(info.st_size, cap), f"size {info.st_size}"
            return
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        job.status, job.digest = f"unreadable ({err.strerror})", "unreadable"
        return
    finally:
        os.close(fd)
    data = b"".join(chunks)
    job.digest = hashlib.sha256(data).hexdigest()
    if len(data) > cap:
        job.status = _too_large(len(data), cap)
        return
    job.data = data


def _too_large(size: int, cap: int) -> str:
    return f"too large ({size / 2**20:.1f} MB, the limit is {cap / 2**20:g} MB)"
