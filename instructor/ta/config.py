"""The instructor's config file, ``course.toml``: roster, deadlines, extensions, late policy.

::

    [course]
    roster = "roster.csv"          # id,name,lms_id,sis_id,hub_user (a header line)
    gradebook = "gradebook.sqlite" # default: next to this file
    snapshots = "snapshots"        # every collected file, content-addressed, never changed
    hub_homes = "/home"            # where the hub's students live: <hub_homes>/<user>/course/
    release = "/srv/course-hub/course"  # the copy handed out: a file equal to it is not a
                                        # submission (a student who never opened it: missing)
    lms_timezone = "UTC"           # the zone of the times inside an LMS zip
    secret = "course.secret"       # the grader's per-student variants derive from it (made
                                   # once, mode 0600; keep it: a new one changes every variant)

    [late]
    penalty_per_day = 0.10         # share of the exercise's points per day (or part) late
    cap = 0.50                     # the most a late submission loses
    grace_minutes = 15             # late by less than this is on time

    [exercises."01_overfitting"]
    deadline = "2026-12-01T23:59:00+01:00"   # ISO 8601 with a UTC offset (or Z)

    [[extensions]]
    student = "s07"
    exercise = "01_overfitting"
    until = "2026-12-04T23:59:00+01:00"      # or: days = 3
    reason = "medical"

Paths are relative to the file. Every mistake is a :class:`ConfigError` naming the key, the
value and what is expected; nothing is written before the whole file has been read.
"""

from __future__ import annotations

import csv
import math
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["ConfigError", "Course", "LatePolicy", "load", "parse_time"]


class ConfigError(ValueError):
    """A mistake in course.toml or the roster, named."""


def parse_time(value: Any, what: str) -> datetime:
    """An aware datetime from TOML (a datetime or an ISO 8601 string with an offset)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"{what} = {value!r} is not a date and time; write it as ISO "
                              "8601 with a UTC offset, e.g. \"2026-12-01T23:59:00+01:00\"")\
                from None
    if not isinstance(value, datetime):
        raise ConfigError(f"{what} = {value!r} is not a date and time; write it as ISO 8601 "
                          "with a UTC offset, e.g. \"2026-12-01T23:59:00+01:00\"")
    if value.tzinfo is None:
        raise ConfigError(f"{what} = {value.isoformat()!r} has no UTC offset: add one "
                          "(+01:00, Z) so that the deadline means the same everywhere")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class LatePolicy:
    """Penalty per day (or part of a day) late, a cap, a grace period."""

    penalty_per_day: float = 0.1
    cap: float = 0.5
    grace: timedelta = timedelta(minutes=15)

    def days_late(self, submitted: datetime, deadline: datetime) -> int:
        """Whole days late, counting a started day, after the grace period (0: on time)."""
        over = submitted - deadline
        if over <= self.grace:
            return 0
        return math.ceil(over / timedelta(days=1))

    def penalty(self, days: int) -> float:
        """Share of the exercise's points lost."""
        return min(self.cap, days * self.penalty_per_day)


@dataclass
class Course:
    """The parsed course.toml."""

    path: Path
    gradebook: Path
    snapshots: Path
    hub_homes: Path
    release: Path | None
    secret: Path
    lms_timezone: ZoneInfo
    late: LatePolicy
    deadlines: dict[str, datetime]
    roster: list[dict[str, str]]
    extensions: list[dict[str, Any]] = field(default_factory=list)

    def deadline(self, notebook: str) -> datetime:
        if notebook not in self.deadlines:
            raise ConfigError(f"{self.path}: no deadline for exercise {notebook!r}; add "
                              f"[exercises.\"{notebook}\"] deadline = \"...\" (known: "
                              f"{sorted(self.deadlines)})")
        return self.deadlines[notebook]


def _number(table: dict, key: str, default: float, low: float, high: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not low <= value <= high:
        raise ConfigError(f"{where}.{key} = {value!r}: expected a number from {low} to {high}")
    return float(value)


def read_roster(path: Path) -> list[dict[str, str]]:
    """``id,name,lms_id,sis_id,hub_user`` rows (only ``id`` required); errors name the line."""
    if not path.is_file():
        raise ConfigError(f"roster {path} does not exist (one line per student: "
                          "id,name,lms_id,sis_id,hub_user with a header)")
    rows, seen = [], {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise ConfigError(f"{path}: the first line must name the columns, with 'id' "
                              f"(got {reader.fieldnames})")
        for n, row in enumerate(reader, start=2):
            sid = (row.get("id") or "").strip()
            if not sid or sid.startswith(".") or "/" in sid or sid != sid.strip():
                raise ConfigError(f"{path}, line {n}: student id {sid!r} is empty or not a "
                                  "plain name")
            if sid in seen:
                raise ConfigError(f"{path}, line {n}: student {sid!r} twice (line {seen[sid]})")
            seen[sid] = n
            rows.append({k: (row.get(k) or "").strip() for k in
                         ("id", "name", "lms_id", "sis_id", "hub_user")})
    if not rows:
        raise ConfigError(f"{path}: no student")
    return rows


def load(path: str | Path, *, known_exercises: list[str] | None = None) -> Course:
    """Read and check ``course.toml`` (and its roster)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"course file {path} does not exist") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from None
    base = path.resolve().parent
    course = data.get("course", {})
    late = data.get("late", {})
    policy = LatePolicy(
        penalty_per_day=_number(late, "penalty_per_day", 0.1, 0, 1, "late"),
        cap=_number(late, "cap", 0.5, 0, 1, "late"),
        grace=timedelta(minutes=_number(late, "grace_minutes", 15, 0, 7 * 24 * 60, "late")))
    try:
        zone = ZoneInfo(course.get("lms_timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"course.lms_timezone = {course.get('lms_timezone')!r} is not a time "
                          "zone name (e.g. 'Europe/Berlin', 'UTC')") from None
    deadlines = {}
    for name, table in (data.get("exercises") or {}).items():
        if known_exercises is not None and name not in known_exercises:
            raise ConfigError(f"[exercises.\"{name}\"]: no such exercise; the gradable ones "
                              f"are {known_exercises}")
        if not isinstance(table, dict) or "deadline" not in table:
            raise ConfigError(f"[exercises.\"{name}\"] needs deadline = \"...\"")
        deadlines[name] = parse_time(table["deadline"], f"exercises.\"{name}\".deadline")
    roster = read_roster(base / course.get("roster", "roster.csv"))
    ids = {r["id"] for r in roster}
    extensions = []
    for n, ext in enumerate(data.get("extensions") or [], start=1):
        where = f"extensions[{n}]"
        student, exercise = ext.get("student"), ext.get("exercise")
        if student not in ids:
            raise ConfigError(f"{where}: student {student!r} is not in the roster")
        if exercise not in deadlines:
            raise ConfigError(f"{where}: exercise {exercise!r} has no deadline "
                              f"(known: {sorted(deadlines)})")
        if ("until" in ext) == ("days" in ext):
            raise ConfigError(f"{where}: give either until = \"...\" or days = N")
        if "until" in ext:
            until = parse_time(ext["until"], f"{where}.until")
        else:
            days = _number(ext, "days", 0, 0, 365, where)
            until = deadlines[exercise] + timedelta(days=days)
        extensions.append({"student": student, "exercise": exercise, "until": until,
                           "reason": str(ext.get("reason", ""))})
    return Course(path=path, gradebook=base / course.get("gradebook", "gradebook.sqlite"),
                  snapshots=base / course.get("snapshots", "snapshots"),
                  hub_homes=Path(course.get("hub_homes", "/home")),
                  release=base / course["release"] if course.get("release") else None,
                  secret=base / course.get("secret", "course.secret"), lms_timezone=zone,
                  late=policy, deadlines=deadlines, roster=roster, extensions=extensions)
