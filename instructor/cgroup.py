"""One memory cgroup per student: a limit on everything a student runs, together.

``RLIMIT_DATA`` (set by :mod:`instructor.hub_config`) caps each process; a student who opens
three notebooks has three kernels, each under the cap. A memory cgroup caps their sum: the
hub makes one per student below its own cgroup, sets its limit, and the spawner moves the
student's server into it between ``fork`` and ``exec``; the server's kernels inherit it.
When the student's processes together exceed the limit, the kernel's OOM killer stops one
of *that student's* processes (usually the largest kernel; JupyterLab then says the kernel
died), and nobody else's.

Both cgroup versions are handled:

- v2 (unified; systemd machines): the student groups live below this process's own cgroup,
  which needs the ``memory`` controller delegated to it (a systemd service with
  ``Delegate=yes``, or root on a machine whose root cgroup it may write);
- v1: the ``memory`` hierarchy's directory for this process (``/proc/self/cgroup``).

:func:`available` says whether it works here, and why not; the hub falls back to the
per-process limit alone and says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["StudentGroups", "available", "own_memory_cgroup"]

#: the directory below the hub's own cgroup that holds one group per student
PARENT = "course-hub"
#: the group :func:`available` makes and removes to find out whether it can
PROBE = "hub-probe"


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, file-system type, super options) of every cgroup mount."""
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(rest) >= 3 and rest[0] in ("cgroup", "cgroup2"):
            out.append((fields[4], rest[0], rest[2]))
    return out


def own_memory_cgroup() -> tuple[Path, int] | None:
    """The directory of this process's memory cgroup and its version (1 or 2), or None."""
    lines = Path("/proc/self/cgroup").read_text().splitlines()
    mounts = _mounts()
    for line in lines:  # v1: "4:memory:/path"
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            for point, kind, opts in mounts:
                if kind == "cgroup" and "memory" in opts.split(","):
                    return Path(point) / path.lstrip("/"), 1
    for line in lines:  # v2: "0::/path"
        if line.startswith("0::"):
            for point, kind, _ in mounts:
                if kind == "cgroup2":
                    base = Path(point) / line[3:].lstrip("/")
                    if "memory" in (Path(point) / "cgroup.controllers").read_text().split():
                        return base, 2
    return None


@dataclass
class StudentGroups:
    """The student cgroups below ``base`` (a memory cgroup of version ``version``)."""

    base: Path
    version: int
    #: the directory below ``base`` that holds the groups (the grader uses its own)
    parent_name: str = PARENT

    @property
    def parent(self) -> Path:
        """The directory (``course-hub``) that holds one group per student."""
        return self.base / self.parent_name

    def path(self, user: str) -> Path:
        """The cgroup directory of ``user``."""
        if not user or "/" in user or user.startswith("."):
            raise ValueError(f"not a user name for a cgroup: {user!r}")
        return self.parent / user

    def _limit_file(self, group: Path) -> Path:
        return group / ("memory.limit_in_bytes" if self.version == 1 else "memory.max")

    def create(self, user: str, limit_bytes: int) -> Path:
        """Make (or reuse) ``user``'s group and set its memory limit; return its directory."""
        if limit_bytes < 1:
            raise ValueError(f"the memory limit must be positive, got {limit_bytes!r}")
        self.parent.mkdir(exist_ok=True)
        if self.version == 2:
            _enable_memory(self.base)  # may fail: see available()
            _enable_memory(self.parent)
        group = self.path(user)
        group.mkdir(exist_ok=True)
        self._limit_file(group).write_text(str(limit_bytes))
        swap = group / "memory.memsw.limit_in_bytes"  # v1 with swap accounting: RAM + swap
        if self.version == 1 and swap.exists():
            swap.write_text(str(limit_bytes))
        if self.version == 2 and (group / "memory.swap.max").exists():
            (group / "memory.swap.max").write_text("0")  # the limit is on memory, not swap
        return group

    def limit(self, user: str) -> int | None:
        """The memory limit of ``user``'s group in bytes (None: no limit)."""
        text = self._limit_file(self.path(user)).read_text().strip()
        return None if text == "max" else int(text)

    def usage(self, user: str) -> int:
        """The memory ``user``'s processes use now, in bytes (page cache included)."""
        name = "memory.usage_in_bytes" if self.version == 1 else "memory.current"
        return int((self.path(user) / name).read_text())

    def procs_file(self, user: str) -> Path:
        """The file a process id is written to, to move that process into ``user``'s group."""
        return self.path(user) / "cgroup.procs"

    def oom_kills(self, user: str) -> int:
        """How often the limit made the kernel kill one of ``user``'s processes."""
        if self.version == 2:
            for line in (self.path(user) / "memory.events").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
            return 0
        for line in (self.path(user) / "memory.oom_control").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def join(self, user: str, pid: int | None = None) -> None:
        """Move process ``pid`` (default: the caller) into ``user``'s group."""
        (self.path(user) / "cgroup.procs").write_text(str(pid or os.getpid()))

    def pids(self, user: str) -> list[int]:
        """The processes in ``user``'s group."""
        text = (self.path(user) / "cgroup.procs").read_text()
        return [int(p) for p in text.split()]

    def remove(self, user: str) -> bool:
        """Remove ``user``'s group if no process is left in it; True when it is gone."""
        group = self.path(user)
        if not group.exists():
            return True
        if self.pids(user):
            return False
        group.rmdir()
        return True

    def remove_all(self) -> list[str]:
        """Remove every empty student group and the parent; the users whose group stays."""
        if not self.parent.exists():
            return []
        left = [g.name for g in self.parent.iterdir() if g.is_dir() and not self.remove(g.name)]
        if not left:
            try:
                self.parent.rmdir()
            except OSError:
                left.append(self.parent_name)
        return left


def _enable_memory(group: Path) -> None:
    control = group / "cgroup.subtree_control"
    if "memory" not in control.read_text().split():
        control.write_text("+memory")


def available(parent: str = PARENT) -> tuple[StudentGroups | None, str]:
    """The groups below ``parent`` of this process, or None and the reason they cannot be used.

    Tries for real: makes a probe group with a limit, moves nothing into it, removes it.
    The hub keeps one group per student in ``course-hub``; the grader one per sandbox in
    ``course-grader`` (:mod:`instructor.sandbox`).
    """
    if os.geteuid() != 0:
        return None, "not root"
    found = own_memory_cgroup()
    if found is None:
        return None, "no memory cgroup controller is mounted"
    groups = StudentGroups(*found, parent_name=parent)
    try:
        groups.create(PROBE, 64 * 2**20)
        groups.remove(PROBE)
    except OSError as err:
        return None, f"cannot make a memory cgroup below {groups.base}: {err}"
    return groups, f"cgroup v{groups.version} below {groups.base}"
