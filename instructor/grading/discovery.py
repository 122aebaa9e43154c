"""The class: ``SUBMISSIONS/<student>/<notebook>.ipynb``, student ids and safe file names."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from instructor.grading.text import ID_CHARS, clean

__all__ = ["Student", "find_students", "student_id"]


@dataclass
class Student:
    """One student folder.

    Attributes
    ----------
    folder : str
        The folder's name as the file system gave it (may hold undecodable bytes).
    id : str
        The student's id: the folder name as clean text; the key of every output.
    stem : str
        The file name (without suffix) of this student's feedback: safe and unique.
    files : dict
        ``{notebook: path}``.
    problem : str or None
        Why this student cannot be graded (an id that collides with another folder's).
    """

    folder: str
    id: str
    files: dict[str, Path] = field(default_factory=dict)
    stem: str = ""
    problem: str | None = None

    @property
    def raw(self) -> bytes:
        return os.fsencode(self.folder)


def student_id(folder: str) -> str:
    """A folder name as an id: undecodable bytes as ``\\xNN``, then :func:`clean`."""
    text = os.fsencode(folder).decode("utf-8", errors="backslashreplace")
    return clean(text, ID_CHARS) or "?"


def _stem(student: Student) -> str:
    slug = re.sub(r"[^\w.-]+", "_", student.id)[:50].strip("._-") or "student"
    if slug != student.id:
        slug += "-" + hashlib.sha256(student.raw).hexdigest()[:10]
    return slug


def find_students(root: Path, say: Callable[[str], None] = lambda _: None) -> list[Student]:
    """Every student folder of ``root``, sorted, with a unique id and file name each.

    Hidden entries (``.ipynb_checkpoints``) are skipped; stray files are reported. Two folders
    whose ids are the same (``é`` composed and decomposed, a name cut at :data:`ID_CHARS`)
    both get a ``problem`` naming the other folder: neither can be told apart in the outputs.
    """
    students: list[Student] = []
    for entry in sorted(root.iterdir(), key=lambda p: os.fsencode(p.name)):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir() or entry.is_symlink():
            say(f"skipped {student_id(entry.name)}: not a student folder "
                "(expected <student>/<notebook>.ipynb)")
            continue
        files = {}
        for f in sorted(entry.glob("*.ipynb")):
            if not f.name.startswith("."):
                files[f.stem] = f
        students.append(Student(entry.name, student_id(entry.name), files))
    by_id: dict[str, list[Student]] = {}
    for s in students:
        by_id.setdefault(s.id, []).append(s)
    for same in by_id.values():
        if len(same) > 1:
            names = " and ".join(clean(repr(s.raw)[1:], 100) for s in same)
            for s in same:
                s.problem = (f"not graded: the folders {names} give the same student id; "
                             "rename one")
    stems: dict[str, list[Student]] = {}
    for s in students:
        s.stem = _stem(s)
        stems.setdefault(s.stem.casefold(), []).append(s)
    for same in stems.values():  # case-insensitive file systems, or a repeated slug
        if len(same) > 1:
            for s in same:
                if not s.stem.endswith(hashlib.sha256(s.raw).hexdigest()[:10]):
                    s.stem += "-" + hashlib.sha256(s.raw).hexdigest()[:10]
    return students
