"""The course's gradebook: one SQLite file holding every submission, score, comment and change.

SQLite (the standard library's ``sqlite3``) in WAL mode with ``synchronous=FULL``: every write
is one transaction, so a crash at any moment leaves the file as it was after the last
committed write (nothing recorded is lost, nothing half-written is read). The schema carries
a version (``PRAGMA user_version``); a file of another version is refused with a message that
says which. Two teaching assistants may grade at once (two servers on one file, or two
browsers on one server): every rubric score carries a version number and a write names the
version it read; a write over a newer score is refused (:class:`StaleWrite`), never lost.

Tables (``SCHEMA``): ``students``, ``submissions`` (one row per distinct file collected),
``autograde`` (the grader's result dicts, keyed as the grader's store seam keys them),
``rubric_scores`` (checked rubric items and a comment per student and written task),
``comments`` (reusable comments per task), ``extensions``, ``overrides`` and ``audit`` (who
changed what, when, before and after).

:class:`Gradebook` also is the grader's store (the seam of ``instructor.grade.grade(...,
store=)``): :meth:`Gradebook.get` and :meth:`Gradebook.put`.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA", "SCHEMA_VERSION", "Gradebook", "GradebookError", "StaleWrite", "now"]

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE students (
    id        TEXT PRIMARY KEY,          -- the course's id: hub user name, folder name
    name      TEXT NOT NULL DEFAULT '',  -- shown only when the TA asks for names
    lms_id    TEXT UNIQUE,               -- Canvas user id (the number in its file names)
    sis_id    TEXT NOT NULL DEFAULT '',  -- Canvas "SIS Login ID" for the gradebook import
    hub_user  TEXT                       -- Unix account on the hub (default: id)
);
CREATE TABLE submissions (
    id            INTEGER PRIMARY KEY,
    student       TEXT NOT NULL REFERENCES students(id),
    notebook      TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('hub', 'lms', 'folder')),
    submitted_at  TEXT NOT NULL,         -- ISO 8601, UTC
    collected_at  TEXT NOT NULL,
    path          TEXT NOT NULL,         -- the snapshot (never the student's live file)
    note          TEXT NOT NULL DEFAULT '',
    UNIQUE (student, notebook, sha256)
);
CREATE TABLE autograde (
    student    TEXT NOT NULL,
    notebook   TEXT NOT NULL,
    digest     TEXT NOT NULL,            -- sha256 of the graded file (or 'missing')
    settings   TEXT NOT NULL,            -- hash of checks fingerprint + limits
    result     TEXT NOT NULL,            -- JSON {status, seconds, tasks: {key: {...}}}
    graded_at  TEXT NOT NULL,
    PRIMARY KEY (student, notebook, digest, settings)
);
CREATE TABLE rubric_scores (
    student     TEXT NOT NULL REFERENCES students(id),
    task        TEXT NOT NULL,           -- task key, e.g. 01_overfitting:task3
    items       TEXT NOT NULL,           -- JSON list of the checked rubric item ids
    comment     TEXT NOT NULL DEFAULT '',
    sha256      TEXT NOT NULL DEFAULT '',-- the submission the score was given to
    grader      TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL,        -- optimistic concurrency: +1 per write
    PRIMARY KEY (student, task)
);
CREATE TABLE comments (
    id    INTEGER PRIMARY KEY,
    task  TEXT NOT NULL,
    text  TEXT NOT NULL,
    UNIQUE (task, text)
);
CREATE TABLE extensions (
    student   TEXT NOT NULL REFERENCES students(id),
    notebook  TEXT NOT NULL,
    until     TEXT NOT NULL,             -- the student's own deadline, ISO 8601 UTC
    reason    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (student, notebook)
);
CREATE TABLE overrides (
    student   TEXT NOT NULL REFERENCES students(id),
    task      TEXT NOT NULL,
    points    REAL NOT NULL,
    reason    TEXT NOT NULL,
    grader    TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (student, task)
);
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    before  TEXT,
    after   TEXT
);
"""


class GradebookError(RuntimeError):
    """The gradebook cannot be used: locked, damaged, another schema version, bad input."""


class StaleWrite(GradebookError):
    """A score changed since it was read (another teaching assistant saved it first)."""


def now() -> str:
    """The current time, ISO 8601 UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _actor(actor: str | None) -> str:
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Gradebook:
    """One course's gradebook in the SQLite file ``path`` (created with its schema if missing).

    Parameters
    ----------
    path : path
        The SQLite file.
    actor : str, optional
        Who writes (the audit trail's "who"); default the login name.
    timeout : float
        Seconds to wait for another writer before :class:`GradebookError` says it is locked.

    Raises
    ------
    GradebookError
        The file is not a gradebook (damaged, half-written, another program's database) or
        its schema version is not this code's.
    """

    def __init__(self, path: str | Path, *, actor: str | None = None,
                 timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.actor = _actor(actor)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                      check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self.db.execute("PRAGMA synchronous = FULL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        except sqlite3.OperationalError as err:
            raise self._explain(err) from err
        except sqlite3.DatabaseError as err:
            raise GradebookError(
                f"{self.path} is not a readable gradebook ({err}): the file is damaged or "
                "not a SQLite database. Nothing was changed; restore it from a backup (or "
                "move it away and collect again: the snapshots are kept)") from err
        if mode.lower() != "wal":
            raise GradebookError(f"{self.path}: cannot switch to WAL mode (got {mode!r})")
        if version == 0 and tables == 0:
            with self.transaction():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        elif version != SCHEMA_VERSION:
            newer = "a newer" if version > SCHEMA_VERSION else "an older"
            raise GradebookError(
                f"{self.path} has schema version {version}, this code reads version "
                f"{SCHEMA_VERSION}: it was written by {newer} version of the course tools. "
                "Use the matching version of the course (git log instructor/ta/gradebook.py); "
                "nothing was changed")

    def _explain(self, err: sqlite3.Error) -> GradebookError:
        text = str(err)
        if "locked" in text or "busy" in text:
            return GradebookError(
                f"the gradebook {self.path} is locked by another process (a long write, or a "
                f"stuck program): {text}. Nothing was written; try again when it is done")
        return GradebookError(f"gradebook {self.path}: {text}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Gradebook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on any error)."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise self._explain(err) from err
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.OperationalError as err:
            self.db.execute("ROLLBACK")
            raise self._explain(err) from err

    def _audit(self, action: str, target: str, before: Any = None, after: Any = None) -> None:
        self.db.execute(
            "INSERT INTO audit (at, actor, action, target, before, after) VALUES (?,?,?,?,?,?)",
            (now(), self.actor, action, target,
             None if before is None else json.dumps(before, sort_keys=True),
             None if after is None else json.dumps(after, sort_keys=True)))

    # ------------------------------------------------------------ students

    def add_students(self, rows: Iterable[dict[str, str]]) -> int:
        """Insert or update students (``id`` and any of name, lms_id, sis_id, hub_user)."""
        count = 0
        with self.transaction():
            for row in rows:
                sid = row["id"]
                old = self.db.execute("SELECT * FROM students WHERE id=?", (sid,)).fetchone()
                new = {"id": sid, "name": row.get("name", ""),
                       "lms_id": row.get("lms_id") or None, "sis_id": row.get("sis_id", ""),
                       "hub_user": row.get("hub_user") or sid}
                if old is not None and dict(old) == new:
                    continue
                try:
                    self.db.execute(
                        "INSERT INTO students (id, name, lms_id, sis_id, hub_user) "
                        "VALUES (:id, :name, :lms_id, :sis_id, :hub_user) ON CONFLICT(id) DO "
                        "UPDATE SET name=:name, lms_id=:lms_id, sis_id=:sis_id, "
                        "hub_user=:hub_user", new)
                except sqlite3.IntegrityError as err:
                    raise GradebookError(f"student {sid!r}: {err} (two students with the "
                                         f"same LMS id {new['lms_id']!r}?)") from err
                self._audit("student", sid, None if old is None else dict(old), new)
                count += 1
        return count

    def students(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM students ORDER BY id")]

    def student(self, sid: str) -> dict[str, Any]:
        row = self.db.execute("SELECT * FROM students WHERE id=?", (sid,)).fetchone()
        if row is None:
            known = [s["id"] for s in self.students()]
            raise GradebookError(f"unknown student {sid!r}; the roster has {len(known)}: "
                                 f"{', '.join(known[:10])}{' ...' if len(known) > 10 else ''}")
        return dict(row)

    def by_lms_id(self, lms_id: str) -> str | None:
        row = self.db.execute("SELECT id FROM students WHERE lms_id=?", (lms_id,)).fetchone()
        return None if row is None else row["id"]

    # ------------------------------------------------------------ submissions

    def add_submission(self, student: str, notebook: str, sha256: str, source: str,
                       submitted_at: str, path: str, note: str = "") -> bool:
        """Record a collected file; ``False`` if this very file was collected already."""
        with self.transaction():
            return self._add_submission(student, notebook, sha256, source, submitted_at,
                                        path, note)

    def _add_submission(self, student: str, notebook: str, sha256: str, source: str,
                        submitted_at: str, path: str, note: str = "") -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO submissions (student, notebook, sha256, source, "
            "submitted_at, collected_at, path, note) VALUES (?,?,?,?,?,?,?,?)",
            (student, notebook, sha256, source, submitted_at, now(), path, note))
        if cur.rowcount:
            self._audit("collect", f"{student}/{notebook}", None,
                        {"sha256": sha256, "source": source, "submitted_at": submitted_at})
        return bool(cur.rowcount)

    def latest(self, student: str, notebook: str) -> dict[str, Any] | None:
        """The submission that counts: the last one submitted (then collected)."""
        row = self.db.execute(
            "SELECT * FROM submissions WHERE student=? AND notebook=? "
            "ORDER BY submitted_at DESC, id DESC LIMIT 1", (student, notebook)).fetchone()
        return None if row is None else dict(row)

    def submissions(self, notebook: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT * FROM submissions", ()
        if notebook is not None:
            query, args = query + " WHERE notebook=?", (notebook,)
        return [dict(r) for r in self.db.execute(query + " ORDER BY student, notebook, id",
                                                  args)]

    def last_seen(self, student: str, notebook: str) -> dict[str, Any] | None:
        """The submission collected last (whatever its submission time)."""
        row = self.db.execute(
            "SELECT * FROM submissions WHERE student=? AND notebook=? "
            "ORDER BY collected_at DESC, id DESC LIMIT 1", (student, notebook)).fetchone()
        return None if row is None else dict(row)

    # ------------------------------------------------------------ the grader's store seam

    def get(self, student: str, notebook: str, digest: str, settings: str) -> dict | None:
        """The grader's result for this file under these settings, if graded already."""
        row = self.db.execute(
            "SELECT result FROM autograde WHERE student=? AND notebook=? AND digest=? "
            "AND settings=?", (student, notebook, digest, settings)).fetchone()
        return None if row is None else json.loads(row["result"])

    def put(self, student: str, notebook: str, digest: str, settings: str,
            result: dict) -> None:
        """Record one graded notebook (one transaction: it is there or it is not)."""
        text = json.dumps(result, sort_keys=True, ensure_ascii=True)
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO autograde (student, notebook, digest, settings, "
                "result, graded_at) VALUES (?,?,?,?,?,?)",
                (student, notebook, digest, settings, text, now()))
            self._audit("autograde", f"{student}/{notebook}", None,
                        {"digest": digest, "status": result.get("status")})

    def autograde(self, student: str, notebook: str, digest: str) -> dict | None:
        """The latest autograde result of this file (any settings)."""
        row = self.db.execute(
            "SELECT result FROM autograde WHERE student=? AND notebook=? AND digest=? "
            "ORDER BY graded_at DESC, rowid DESC LIMIT 1",
            (student, notebook, digest)).fetchone()
        return None if row is None else json.loads(row["result"])

    def forget_autograde(self, student: str | None, notebook: str) -> int:
        """Drop autograde results (one student's, or a whole exercise's) so they are regraded."""
        with self.transaction():
            if student is None:
                cur = self.db.execute("DELETE FROM autograde WHERE notebook=?", (notebook,))
            else:
                cur = self.db.execute("DELETE FROM autograde WHERE student=? AND notebook=?",
                                      (student, notebook))
            self._audit("regrade", f"{student or '*'}/{notebook}", {"rows": cur.rowcount}, None)
            return cur.rowcount

    # ------------------------------------------------------------ rubric scores

    def score(self, student: str, task: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM rubric_scores WHERE student=? AND task=?",
                              (student, task)).fetchone()
        if row is None:
            return None
        out = dict(row)
        out["items"] = json.loads(out["items"])
        return out

    def scores(self, task: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT * FROM rubric_scores", ()
        if task is not None:
            query, args = query + " WHERE task=?", (task,)
        out = []
        for row in self.db.execute(query + " ORDER BY task, student", args):
            d = dict(row)
            d["items"] = json.loads(d["items"])
            out.append(d)
        return out

    def set_score(self, student: str, task: str, items: Iterable[str], comment: str, *,
                  expected_version: int, sha256: str = "") -> int:
        """Save a rubric score; ``expected_version`` is the version read (0: none yet).

        Returns the new version. Raises :class:`StaleWrite` if someone saved it meanwhile.
        """
        items = sorted(set(items))
        with self.transaction():
            old = self.db.execute("SELECT * FROM rubric_scores WHERE student=? AND task=?",
                                  (student, task)).fetchone()
            current = 0 if old is None else old["version"]
            if current != expected_version:
                raise StaleWrite(
                    f"{task} of this student was saved by {old['grader']} at "
                    f"{old['updated_at']} (version {current}) after you opened it (version "
                    f"{expected_version}); your change was not saved: reload, look, save again")
            new = {"items": items, "comment": comment, "sha256": sha256}
            if old is None:
                self.db.execute(
                    "INSERT INTO rubric_scores (student, task, items, comment, sha256, grader, "
                    "updated_at, version) VALUES (?,?,?,?,?,?,?,1)",
                    (student, task, json.dumps(items), comment, sha256, self.actor, now()))
            else:
                self.db.execute(
                    "UPDATE rubric_scores SET items=?, comment=?, sha256=?, grader=?, "
                    "updated_at=?, version=version+1 WHERE student=? AND task=? AND version=?",
                    (json.dumps(items), comment, sha256, self.actor, now(), student, task,
                     current))
            before = None if old is None else {"items": json.loads(old["items"]),
                                               "comment": old["comment"]}
            self._audit("rubric", f"{student}/{task}", before, new)
            return current + 1

    # ------------------------------------------------------------ comments, extensions, overrides

    def add_comment(self, task: str, text: str) -> None:
        text = text.strip()
        if not text:
            return
        with self.transaction():
            cur = self.db.execute("INSERT OR IGNORE INTO comments (task, text) VALUES (?,?)",
                                  (task, text))
            if cur.rowcount:
                self._audit("comment", task, None, text)

    def comments(self, task: str) -> list[str]:
        return [r["text"] for r in self.db.execute(
            "SELECT text FROM comments WHERE task=? ORDER BY id", (task,))]

    def set_extension(self, student: str, notebook: str, until: str, reason: str = "") -> None:
        with self.transaction():
            old = self.db.execute("SELECT until, reason FROM extensions WHERE student=? AND "
                                  "notebook=?", (student, notebook)).fetchone()
            if old is not None and (old["until"], old["reason"]) == (until, reason):
                return
            self.db.execute("INSERT OR REPLACE INTO extensions VALUES (?,?,?,?)",
                            (student, notebook, until, reason))
            self._audit("extension", f"{student}/{notebook}",
                        None if old is None else dict(old), {"until": until, "reason": reason})

    def extension(self, student: str, notebook: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM extensions WHERE student=? AND notebook=?",
                              (student, notebook)).fetchone()
        return None if row is None else dict(row)

    def set_override(self, student: str, task: str, points: float | None, reason: str) -> None:
        """Replace a task's points by hand (``None`` removes the override); a reason is required."""
        if points is not None and not reason.strip():
            raise GradebookError("an override needs a reason (it goes into the audit trail "
                                 "and the student's feedback)")
        with self.transaction():
            old = self.db.execute("SELECT points, reason FROM overrides WHERE student=? AND "
                                  "task=?", (student, task)).fetchone()
            if points is None:
                self.db.execute("DELETE FROM overrides WHERE student=? AND task=?",
                                (student, task))
            else:
                self.db.execute("INSERT OR REPLACE INTO overrides VALUES (?,?,?,?,?,?)",
                                (student, task, float(points), reason, self.actor, now()))
            self._audit("override", f"{student}/{task}", None if old is None else dict(old),
                        None if points is None else {"points": points, "reason": reason})

    def override(self, student: str, task: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM overrides WHERE student=? AND task=?",
                              (student, task)).fetchone()
        return None if row is None else dict(row)

    def audit(self, target: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT * FROM audit", ()
        if target is not None:
            query, args = query + " WHERE target=?", (target,)
        return [dict(r) for r in self.db.execute(query + " ORDER BY id", args)]

    def check(self) -> None:
        """``PRAGMA integrity_check``; :class:`GradebookError` if the file is damaged."""
        result = self.db.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise GradebookError(f"{self.path} is damaged: {result}")

