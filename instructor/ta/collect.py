"""Collect submissions into the gradebook: from the hub, an LMS bulk download, or a folder.

::

    python -m instructor.ta --course course.toml collect --hub [--exercise NB ...]
    python -m instructor.ta --course course.toml collect --lms submissions.zip --exercise NB
    python -m instructor.ta --course course.toml collect --folder DIR [--exercise NB ...]

Each file is copied (snapshotted) into ``snapshots/<student>/<notebook>/<sha256>.ipynb``; the
gradebook records its hash, source, submission time and collection time. The live file
is never graded and never changed. Submission times:

- **hub**: a file still equal to the one handed out (``course.release``) is not a submission;
  otherwise the file's modification time, but never earlier than the collection at which a
  different version of it was last seen (a student can set a file's mtime, not undo a
  collection): collect at the deadline and the snapshot is the proof;
- **LMS** (Canvas "Download Submissions" zip): the time each file carries in the zip, read
  in ``course.lms_timezone``; Canvas's ``LATE`` marker is recorded as a note;
- **folder**: the file's modification time.

Everything is checked before anything is written (an unknown student, a corrupt zip, a file
that is not a notebook are errors naming the file); then the snapshots are written and the
gradebook rows committed in one transaction.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import re
import stat
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from instructor.ta.config import Course
from instructor.ta.gradebook import Gradebook, GradebookError

__all__ = ["CANVAS_NAME", "CollectError", "Found", "collect_folder", "collect_hub",
           "collect_lms", "open_gradebook", "record"]

NOTEBOOK_CAP = 20_000_000

#: Canvas bulk download: ``<name>[_LATE]_<user id>_<submission id>_<original file name>``;
#: a resubmitted file's name may end ``-1``, ``-2`` (Canvas renames repeats).
CANVAS_NAME = re.compile(r"^(?P<key>[^_/]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_"
                         r"(?P<file>[^/]+)$")


class CollectError(GradebookError):
    """Input that cannot be collected (nothing was written)."""


@dataclass
class Found:
    """One file to record."""

    student: str
    notebook: str
    data: bytes
    submitted_at: datetime
    source: str
    note: str = ""


def open_gradebook(course: Course, actor: str | None = None) -> Gradebook:
    """The course's gradebook, with the roster and extensions of course.toml synced in."""
    book = Gradebook(course.gradebook, actor=actor)
    book.add_students(course.roster)
    for ext in course.extensions:
        book.set_extension(ext["student"], ext["exercise"], ext["until"].isoformat(),
                           ext["reason"])
    return book


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _check_notebook(data: bytes, where: str) -> None:
    if len(data) > NOTEBOOK_CAP:
        raise CollectError(f"{where}: larger than {NOTEBOOK_CAP // 1_000_000} MB")


def _read_regular(path: Path, owner: int | None = None) -> tuple[bytes, float] | None:
    """Bytes and mtime of a regular file (owned by ``owner`` if given), never following a
    link; None if it is not one."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > NOTEBOOK_CAP or \
                (owner is not None and info.st_uid != owner):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(NOTEBOOK_CAP + 1), info.st_mtime
    finally:
        os.close(fd)


def record(book: Gradebook, course: Course, found: list[Found]) -> list[str]:
    """Snapshot the files, then record them in one transaction; returns what happened."""
    lines = []
    rows = []
    for item in found:
        book.student(item.student)  # unknown: an error before anything is written
        digest = hashlib.sha256(item.data).hexdigest()
        folder = course.snapshots / item.student / item.notebook
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        snap = folder / f"{digest}.ipynb"
        if not snap.exists():
            tmp = folder / f".{digest}.tmp"
            tmp.write_bytes(item.data)
            tmp.chmod(0o600)
            os.replace(tmp, snap)
        rows.append((item, digest, snap))
    with book.transaction():
        for item, digest, snap in rows:
            submitted = item.submitted_at
            if item.source == "hub":
                seen = book.last_seen(item.student, item.notebook)
                if seen is not None and seen["sha256"] != digest:
                    floor = datetime.fromisoformat(seen["collected_at"])
                    if submitted < floor:
                        submitted = floor
                        item.note = (item.note + "; " if item.note else "") + \
                            "changed after the previous collection (its mtime is earlier)"
            new = book._add_submission(item.student, item.notebook, digest, item.source,
                                       _iso(submitted), str(snap), item.note)
            lines.append(f"{item.student}/{item.notebook}: "
                         f"{'new' if new else 'unchanged'} ({item.source}, submitted "
                         f"{_iso(submitted)}{', ' + item.note if item.note else ''})")
    return lines


def _home(user: str, course: Course) -> Path:
    try:
        return Path(pwd.getpwnam(user).pw_dir)
    except KeyError:
        return course.hub_homes / user


def collect_hub(book: Gradebook, course: Course, notebooks: list[str]) -> list[str]:
    """Snapshot ``~<hub_user>/course/exercises/<notebook>.ipynb`` of every student."""
    found, lines = [], []
    blank = {}
    for nb in notebooks:
        handed = None if course.release is None else \
            _read_regular(course.release / "exercises" / f"{nb}.ipynb")
        blank[nb] = None if handed is None else hashlib.sha256(handed[0]).hexdigest()
    for student in book.students():
        user = student["hub_user"] or student["id"]
        home = _home(user, course)
        try:
            uid: int | None = pwd.getpwnam(user).pw_uid
        except KeyError:
            uid = None
        for nb in notebooks:
            path = home / "course" / "exercises" / f"{nb}.ipynb"
            if path.parent.resolve() != (home.resolve() / "course" / "exercises"):
                lines.append(f"{student['id']}/{nb}: {path.parent} leads out of the "
                             "student's home (a link): not collected")
                continue
            got = _read_regular(path, uid)
            if got is None:
                if path.is_symlink() or path.exists():
                    lines.append(f"{student['id']}/{nb}: {path} is not a regular file of "
                                 "the student: not collected")
                continue
            data, mtime = got
            _check_notebook(data, str(path))
            if hashlib.sha256(data).hexdigest() == blank[nb]:
                lines.append(f"{student['id']}/{nb}: the notebook as handed out: not submitted")
                continue
            found.append(Found(student["id"], nb, data,
                               datetime.fromtimestamp(mtime, timezone.utc), "hub"))
    return lines + record(book, course, found)


def _exercise_of(name: str, notebooks: list[str]) -> str | None:
    stem = re.sub(r"(-\d+)?\.ipynb$", "", name)
    for nb in notebooks:
        if stem == nb or stem.endswith("_" + nb) or stem == nb.split("_", 1)[-1]:
            return nb
    return None


def collect_lms(book: Gradebook, course: Course, archive: Path, notebooks: list[str]
                ) -> list[str]:
    """A Canvas "Download Submissions" zip of one assignment (``notebooks``: its exercise;
    several: each file's name decides)."""
    try:
        zf = zipfile.ZipFile(archive)
    except FileNotFoundError:
        raise CollectError(f"{archive} does not exist") from None
    except (zipfile.BadZipFile, OSError) as err:
        raise CollectError(f"{archive} is not a readable zip ({err}); download it again. "
                           "Nothing was collected") from None
    found, problems, lines = [], [], []
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = info.filename.rsplit("/", 1)[-1]
            m = CANVAS_NAME.match(name)
            if not name.endswith(".ipynb"):
                lines.append(f"{info.filename}: not a notebook, skipped")
                continue
            if m is None:
                problems.append(f"{info.filename}: not a Canvas submission name "
                                "(<name>[_LATE]_<user id>_<submission id>_<file>)")
                continue
            student = book.by_lms_id(m["user"])
            if student is None:
                problems.append(f"{info.filename}: unknown Canvas user id {m['user']} "
                                f"({m['key']}); add it to the roster's lms_id column")
                continue
            nb = notebooks[0] if len(notebooks) == 1 else _exercise_of(m["file"], notebooks)
            if nb is None:
                problems.append(f"{info.filename}: which exercise? give --exercise")
                continue
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
                problems.append(f"{info.filename}: cannot be read from the zip ({err})")
                continue
            _check_notebook(data, info.filename)
            when = datetime(*info.date_time, tzinfo=course.lms_timezone)
            found.append(Found(student, nb, data, when, "lms",
                               "Canvas marked it LATE" if m["late"] else ""))
    if problems:
        raise CollectError(f"{archive}: nothing was collected, {len(problems)} problem(s):\n  "
                           + "\n  ".join(problems))
    return lines + record(book, course, found)


def collect_folder(book: Gradebook, course: Course, folder: Path, notebooks: list[str]
                   ) -> list[str]:
    """``<folder>/<student>/<notebook>.ipynb`` with the files' modification times."""
    if not folder.is_dir():
        raise CollectError(f"folder {folder} does not exist")
    ids = {s["id"] for s in book.students()}
    found, problems, lines = [], [], []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if not entry.is_dir() or entry.is_symlink():
            lines.append(f"{entry.name}: not a student folder, skipped")
            continue
        if entry.name not in ids:
            problems.append(f"{entry}: unknown student {entry.name!r} (not in the roster)")
            continue
        for nb in notebooks:
            path = entry / f"{nb}.ipynb"
            if not path.exists() and not path.is_symlink():
                continue
            got = _read_regular(path)
            if got is None:
                problems.append(f"{path}: not a regular file (or larger than 20 MB)")
                continue
            found.append(Found(entry.name, nb, got[0],
                               datetime.fromtimestamp(got[1], timezone.utc), "folder"))
    if problems:
        raise CollectError(f"{folder}: nothing was collected, {len(problems)} problem(s):\n  "
                           + "\n  ".join(problems))
    return lines + record(book, course, found)
