"""The file protocol of :mod:`instructor.cgroup` for both cgroup versions, on a fake tree.

The real thing (a limit the kernel enforces) is tested in ``tests/test_hub.py`` on whatever
version the machine mounts; the course's test machine mounts the memory controller on
cgroup v1 only. These tests pin down what the code writes and reads under v2 as well, on a
directory laid out like the kernel's: they cannot show that a kernel enforces the limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from instructor import cgroup


def _fake_v2(base: Path, users: list[str]) -> cgroup.StudentGroups:
    """A cgroup2 directory with the files the kernel would create for the hub and ``users``."""
    (base / "cgroup.subtree_control").write_text("cpu\n")
    parent = base / cgroup.PARENT
    parent.mkdir()
    (parent / "cgroup.subtree_control").write_text("\n")
    for user in users:
        (parent / user).mkdir()
        (parent / user / "memory.swap.max").write_text("max\n")
        (parent / user / "cgroup.procs").write_text("")
    return cgroup.StudentGroups(base, 2)


def test_v2_enables_the_memory_controller_and_sets_memory_max(tmp_path: Path) -> None:
    groups = _fake_v2(tmp_path, ["alice"])
    group = groups.create("alice", 3 * 2**30)
    assert group == tmp_path / "course-hub" / "alice"
    # the controller is handed down: the hub's cgroup and course-hub both delegate it
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+memory"
    assert (tmp_path / "course-hub" / "cgroup.subtree_control").read_text() == "+memory"
    assert (group / "memory.max").read_text() == str(3 * 2**30)
    assert (group / "memory.swap.max").read_text() == "0"  # no escape into swap
    assert not (group / "memory.limit_in_bytes").exists()  # the v1 name is not written
    assert groups.limit("alice") == 3 * 2**30
    (group / "memory.max").write_text("max\n")
    assert groups.limit("alice") is None


def test_v2_already_delegated_memory_is_left_alone(tmp_path: Path) -> None:
    groups = _fake_v2(tmp_path, ["bob"])
    (tmp_path / "cgroup.subtree_control").write_text("cpu memory\n")
    groups.create("bob", 2**20)
    assert (tmp_path / "cgroup.subtree_control").read_text() == "cpu memory\n"


def test_v2_reads_usage_oom_kills_and_processes(tmp_path: Path) -> None:
    groups = _fake_v2(tmp_path, ["carol"])
    group = groups.create("carol", 2**30)
    (group / "memory.current").write_text("123456\n")
    (group / "memory.events").write_text("low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\n")
    assert groups.usage("carol") == 123456
    assert groups.oom_kills("carol") == 2
    groups.join("carol", 4242)
    assert groups.pids("carol") == [4242]
    assert not groups.remove("carol")  # a process is still in it
    assert group.exists()
    # (removing an emptied group needs the kernel: rmdir of a real cgroup drops its files)


def test_v1_writes_the_v1_names(tmp_path: Path) -> None:
    groups = cgroup.StudentGroups(tmp_path, 1)
    (tmp_path / cgroup.PARENT / "dan").mkdir(parents=True)
    (tmp_path / cgroup.PARENT / "dan" / "memory.memsw.limit_in_bytes").write_text("-1\n")
    (tmp_path / cgroup.PARENT / "dan" / "memory.oom_control").write_text(
        "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    group = groups.create("dan", 5 * 2**20)
    assert (group / "memory.limit_in_bytes").read_text() == str(5 * 2**20)
    assert (group / "memory.memsw.limit_in_bytes").read_text() == str(5 * 2**20)
    assert not (group / "memory.max").exists()
    assert not (tmp_path / "cgroup.subtree_control").exists()  # v1 has no delegation file
    assert groups.oom_kills("dan") == 1


@pytest.mark.parametrize("user", ["", "../hub", "a/b", ".hidden"])
def test_a_bad_user_name_is_refused(tmp_path: Path, user: str) -> None:
    with pytest.raises(ValueError, match="not a user name"):
        cgroup.StudentGroups(tmp_path, 2).path(user)


def test_a_limit_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be positive, got 0"):
        _fake_v2(tmp_path, ["eve"]).create("eve", 0)


def test_the_grader_keeps_its_groups_apart_from_the_hub(tmp_path: Path) -> None:
    groups = cgroup.StudentGroups(tmp_path, 1, parent_name="course-grader")
    (tmp_path / "course-grader" / "sandbox-1").mkdir(parents=True)
    group = groups.create("sandbox-1", 2**30)
    assert group == tmp_path / "course-grader" / "sandbox-1"
    assert groups.procs_file("sandbox-1") == group / "cgroup.procs"
    assert not (tmp_path / cgroup.PARENT).exists()  # the hub's folder is not touched
