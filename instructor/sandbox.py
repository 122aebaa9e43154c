"""Run one submitted notebook in a sandbox and bring back its answers as untrusted text.

:func:`run_submission` is what every grading job does, on this machine or on a Dask
worker. It makes a private temporary folder, starts :mod:`instructor.sandbox_run` (the
runner: nbclient and a kernel) inside bubblewrap and a memory cgroup of its own, reads the
runner's status and the probe's answers from a pipe, watches the process tree from outside,
kills all of it at the end, removes the folder and the cgroup, and returns plain data: the
answers as text (size-capped, not parsed: the caller parses it with ``json.loads`` and
judges it in its own process) and a status string.

Inside the sandbox (``bwrap``):

- no network (a network namespace of its own: its loopback is not the host's);
- read-only: the system (``/usr``), the Python installation and the virtual environment,
  the ``helpers`` package, ``/dev``; nothing else of the host: not the submissions, not
  ``solutions/``, not the hidden checks (:data:`HIDDEN_PACKAGES`, masked if they lie inside
  the environment), not the outputs, not the user's home;
- writable: ``/sandbox/work`` (the working directory, HOME), ``/tmp``, ``/dev/shm`` and
  ``/sandbox/out`` (where the probe writes its answers), each a tmpfs of at most
  ``Limits.output`` bytes; no host folder at all;
- a pid namespace (everything in it dies when its first process does), no capabilities,
  a new session, ``--die-with-parent``; the runner lowers its own rlimits (memory
  ``RLIMIT_DATA``, CPU, file size, and the process count when not root), inherited by all.

Memory: a memory cgroup per sandbox (:mod:`instructor.cgroup`, v1 or v2) limits everything
its processes hold, shared memory and tmpfs files included; when the kernel's OOM killer
acts in it, the watchdog names the status "memory limit". Where no cgroup can be made (not
root, no delegated controller), the watchdog sums each process's anonymous and shared
resident memory and the space used in the sandbox's tmpfs mounts. Outside, the watchdog
polls every 0.1 s and kills the tree on a wall-time limit, on memory, on its number of
processes, or on a parse that takes too long. With ``sandbox=False`` (``--no-sandbox``) the
same runner, cgroup and watchdog run without bubblewrap: limits and clean-up, no isolation;
its folder is counted by blocks (``st_blocks``), so reserved space counts.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psutil

from instructor import cgroup
from instructor.grading.limits import Limits, limits_dict

__all__ = ["HIDDEN_PACKAGES", "INSTALL_HINT", "Limits", "SandboxUnavailable", "limits_dict",
           "read_capped", "remove_tree", "run_submission", "sandbox_problem"]

RUNNER = Path(__file__).with_name("sandbox_run.py")
#: the sandbox's own folder: the runner, the job, the submission, work/ (the working
#: directory and HOME) and out/ (the answers)
INSIDE = "/sandbox"
#: where the probe writes inside the sandbox
OUT_FILE = f"{INSIDE}/out/answers.json"
#: what is never visible in the sandbox (the hidden checks): package names, or absolute
#: paths of folders; each is masked by an empty read-only tmpfs when it lies inside a mount
#: of the sandbox (nothing else of the host is mounted). The one place to change if they move.
HIDDEN_PACKAGES: tuple[str, ...] = ("instructor", "coursework")
INSTALL_HINT = ("bubblewrap (bwrap) is needed to grade untrusted notebooks: "
                "`sudo apt-get install -y bubblewrap` (Debian/Ubuntu) or "
                "`sudo dnf install bubblewrap` (Fedora); or pass --no-sandbox to run the "
                "notebooks unisolated (only for notebooks you trust)")
ANSWERS_CAP = 5_000_000
#: the longest line the runner may send (its status with the answers, JSON-escaped)
LINE_CAP = 8 * ANSWERS_CAP
POLL_S = 0.1
#: the cgroup folder (below the grader's own memory cgroup) that holds one group per sandbox
CGROUP_PARENT = "course-grader"
#: set by the grader when it is interrupted: every running sandbox is killed at once
STOP = threading.Event()
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf",
             "localtime", "fonts")
#: the writable places in the sandbox, each a tmpfs of Limits.output bytes
WRITABLE = ("/tmp", f"{INSIDE}/work", f"{INSIDE}/out")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work on this machine."""


def sandbox_problem() -> str | None:
    """``None`` if bubblewrap works here, else what is wrong and how to install it."""
    exe = shutil.which("bwrap")
    if exe is None:
        return INSTALL_HINT
    try:
        done = subprocess.run([exe, "--unshare-net", "--unshare-pid", "--die-with-parent",
                               "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
                               "--size", "1048576", "--tmpfs", "/dev/shm", "true"],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bwrap does not run here ({err}); {INSTALL_HINT}"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip()
        return (f"bwrap does not work here ({why}): user namespaces may be disabled "
                "(sysctl kernel.unprivileged_userns_clone=1), or bwrap is older than 0.5 "
                "(no --size); or pass --no-sandbox")
    return None


def read_capped(path: Path, cap: int) -> str | None:
    """The text of ``path`` if it is a regular file of at most ``cap`` bytes, else ``None``.

    Never follows a symbolic link and never blocks on a FIFO.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return None
        data = os.read(fd, cap + 1)
    finally:
        os.close(fd)
    if len(data) > cap:
        return None
    return data.decode("utf-8", errors="replace")


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def _env(home: str, tmp: str, bin_dir: str) -> dict[str, str]:
    env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": home,
           "LANG": "C.UTF-8", "TMPDIR": tmp, "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": f"{tmp}/matplotlib", "IPYTHONDIR": f"{tmp}/ipython",
           "JUPYTER_RUNTIME_DIR": f"{tmp}/jupyter", "JUPYTER_DATA_DIR": f"{tmp}/jupyter",
           "JUPYTER_CONFIG_DIR": f"{tmp}/jupyter", "COURSE_CACHE_DIR": f"{tmp}/cache",
           "TF_CPP_MIN_LOG_LEVEL": "2", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("COURSE_PROFILE", "COURSE_SEED"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def _bwrap_args(private: Path, limits: Limits) -> list[str]:
    """The bubblewrap command line: what the sandbox sees, and nothing else."""
    args = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev",
            # /dev's own tmpfs is read-only; its shm is a capped tmpfs like every other
            "--size", str(limits.output), "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    # the private places first: the read-only binds below may lie under /tmp
    for place in WRITABLE:
        args += ["--size", str(limits.output), "--tmpfs", place]
    for top in ("bin", "sbin", "lib", "lib32", "lib64"):
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    bound = [Path("/usr")]
    for name in ETC_FILES:
        if (Path("/etc") / name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    helpers = _package_dir("helpers")
    for extra in (Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(),
                  Path(sys.executable).resolve().parent, helpers):
        if extra is not None and not any(extra.is_relative_to(b) for b in bound):
            bound.append(extra)
    for path in bound:
        args += ["--ro-bind", str(path), str(path)]
    for name in HIDDEN_PACKAGES:  # the hidden checks, if pip put them in the environment
        hidden = Path(name).resolve() if name.startswith("/") else _package_dir(name)
        if hidden is not None and any(hidden.is_relative_to(b) for b in bound):
            args += ["--tmpfs", str(hidden), "--remount-ro", str(hidden)]
    args += ["--ro-bind", str(RUNNER), f"{INSIDE}/run.py",
             "--ro-bind", str(private / "job.json"), f"{INSIDE}/job.json",
             "--ro-bind", str(private / "submission.ipynb"), f"{INSIDE}/submission.ipynb",
             "--chdir", f"{INSIDE}/work", "--clearenv"]
    env = _env(f"{INSIDE}/work", "/tmp", str(Path(sys.prefix).resolve() / "bin"))
    if helpers is not None:
        env["PYTHONPATH"] = str(helpers.parent)  # the helpers this grader imports
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, _python(), f"{INSIDE}/run.py", f"{INSIDE}/job.json"]


def _python() -> str:
    """This environment's interpreter by a path that exists in the sandbox (links resolved)."""
    return str(Path(sys.prefix).resolve() / "bin" / Path(sys.executable).name)


# ---------------------------------------------------------------- memory cgroups

_GROUPS: list[tuple[cgroup.StudentGroups | None, str]] = []
_GROUPS_LOCK = threading.Lock()


def memory_groups() -> tuple[cgroup.StudentGroups | None, str]:
    """The grader's sandbox cgroups (``course-grader``), or None and why (found once)."""
    with _GROUPS_LOCK:
        if not _GROUPS:
            try:
                _GROUPS.append(cgroup.available(CGROUP_PARENT))
            except OSError as err:
                _GROUPS.append((None, f"cannot read the cgroups: {err}"))
        return _GROUPS[0]


def remove_empty_groups() -> list[str]:
    """Remove the ``course-grader`` cgroup folder if no sandbox is left in it; what stays."""
    groups, _ = memory_groups()
    if groups is None:
        return []
    try:
        groups.parent.rmdir()  # fails while a sandbox (of any grader) still has its group
    except FileNotFoundError:
        pass
    except OSError:
        return sorted(p.name for p in groups.parent.iterdir() if p.is_dir())
    return []


class _Group:
    """One sandbox's memory cgroup (or nothing, where the machine gives none)."""

    def __init__(self, limit: int) -> None:
        self.groups, _ = memory_groups()
        self.name = f"sandbox-{uuid.uuid4().hex[:16]}"
        if self.groups is not None:
            try:
                self.groups.create(self.name, limit)
            except OSError:
                self.groups = None

    def wrap(self, cmd: list[str]) -> list[str]:
        """``cmd`` started inside the group (the shell joins it, then becomes ``cmd``)."""
        if self.groups is None:
            return cmd
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"',
                str(self.groups.procs_file(self.name)), *cmd]

    def oom_kills(self) -> int:
        if self.groups is None:
            return 0
        try:
            return self.groups.oom_kills(self.name)
        except (OSError, ValueError):
            return 0

    def kill_and_remove(self) -> bool:
        """Kill every process left in the group and remove it; whether it is gone."""
        if self.groups is None:
            return True
        for _ in range(300):  # up to 30 s: 200 killed forks leave the group slowly under load
            try:
                pids = self.groups.pids(self.name)
            except OSError:
                return not self.groups.path(self.name).exists()
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            try:
                if self.groups.remove(self.name):
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        return False


# ---------------------------------------------------------------- watching


def _tree(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        root = psutil.Process(proc.pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _resident(pid: int) -> int:
    """Anonymous and shared (shm, tmpfs-mapped) resident bytes of ``pid``; files excluded."""
    total = 0
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssShmem:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return total


def _tmpfs_used(pid: int) -> int:
    """Bytes in the sandbox's writable tmpfs mounts, seen through ``/proc/PID/root``."""
    total = 0
    for place in (*WRITABLE, "/dev/shm"):
        try:
            st = os.statvfs(f"/proc/{pid}/root{place}")
            total += (st.f_blocks - st.f_bfree) * st.f_frsize
        except OSError:
            pass
    return total


def _memory(procs: list[psutil.Process], sandbox: bool) -> int:
    """The fallback's count when there is no cgroup: resident memory plus tmpfs files."""
    total = sum(_resident(p.pid) for p in procs)
    if sandbox:
        host = os.stat("/")
        for p in procs[1:]:  # the first process whose root is the sandbox's, not the host's
            try:
                root = os.stat(f"/proc/{p.pid}/root/")
            except OSError:
                continue
            if (root.st_dev, root.st_ino) != (host.st_dev, host.st_ino):
                total += _tmpfs_used(p.pid)
                break
    return total


def disk_usage(folder: Path, most_entries: int = 200_000) -> int:
    """Bytes ``folder`` holds on disk (``st_blocks``: reserved space counts), without recursion.

    Paths too long to name and entries beyond ``most_entries`` are not counted.
    """
    total, seen = 0, 0
    stack = [str(folder)]
    while stack and seen < most_entries:
        top = stack.pop()
        try:
            with os.scandir(top) as entries:
                for entry in entries:
                    seen += 1
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += st.st_blocks * 512
                    if stat.S_ISDIR(st.st_mode):
                        stack.append(entry.path)
        except OSError:
            continue
    return total


class _Channel:
    """Reads the runner's status lines from the pipe; keeps the last complete one."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.last: dict[str, Any] | None = None
        self.first_parse: float | None = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    self._take(line)
                if len(buffer) > LINE_CAP:
                    buffer = b""  # never kept: the runner sends no such line
        except OSError:
            pass
        finally:
            os.close(self.fd)

    def _take(self, line: bytes) -> None:
        try:
            status = json.loads(line)
        except ValueError:
            return
        if isinstance(status, dict):
            if status.get("state") == "parsing" and self.first_parse is None:
                self.first_parse = time.monotonic()
            self.last = status

    @property
    def finished(self) -> bool:
        """Whether the runner sent its final status (nothing more is needed from it)."""
        return isinstance(self.last, dict) and self.last.get("finished") is True

    @property
    def parsing(self) -> bool:
        return isinstance(self.last, dict) and self.last.get("state") == "parsing"

    def close(self) -> dict[str, Any] | None:
        self.thread.join(timeout=10)
        return self.last


def _kill(proc: subprocess.Popen, seen: list[psutil.Process]) -> None:
    """Kill the sandbox: its process group, the outer bwrap and every process ever seen."""
    for victim in seen:
        try:
            victim.kill()
        except psutil.Error:
            pass
    try:
        os.killpg(proc.pid, 9)
    except OSError:
        pass
    proc.kill()
    proc.wait()
    psutil.wait_procs(seen, timeout=5)


def _watch(proc: subprocess.Popen, channel: _Channel, group: _Group, out: Path | None,
           limits: Limits, sandbox: bool) -> str | None:
    """Wait for the sandbox to end; kill it on a limit and return which one, else ``None``."""
    start = time.monotonic()
    seen: dict[int, psutil.Process] = {}
    last_size_check = 0.0
    reason = None
    while proc.poll() is None:
        procs = _tree(proc)
        seen.update((p.pid, p) for p in procs)
        now = time.monotonic()
        if len(procs) > limits.processes + 3:  # + the shell, the outer bwrap and its init
            reason = "process limit"  # checked first: a busy watchdog may next see "finished"
            break
        if channel.finished:
            break  # the runner is done: what is left is shutting down, killed below
        if STOP.is_set():
            reason = "grader interrupted"
        elif now - start > limits.wall:
            reason = "timeout"
        elif group.oom_kills():
            reason = "memory limit"
        elif group.groups is None and _memory(procs, sandbox) > limits.memory:
            reason = "memory limit"
        elif channel.parsing and channel.first_parse is not None \
                and now - channel.first_parse > limits.parse_timeout:
            reason = "parse time limit"
        elif out is not None and now - last_size_check > 1.0:
            last_size_check = now
            if disk_usage(out) > limits.output:
                reason = "output limit"
        if reason:
            break
        time.sleep(POLL_S)
    _kill(proc, list(seen.values()))
    if reason is None and group.oom_kills():
        reason = "memory limit"  # the OOM killer stopped a process and the runner went on
    return reason


def _status(reason: str | None, status: dict[str, Any] | None, limits: Limits) -> str:
    """One line for the CSV, from the watchdog's verdict and the runner's status."""
    status = status if isinstance(status, dict) else {}
    cell = status.get("cell")
    where = f" in cell {cell}" if isinstance(cell, int) and not isinstance(cell, bool) else ""
    error = str(status.get("error") or "")
    if reason in ("output limit", "parse time limit"):
        return reason
    if reason:
        return f"{reason}{where}"
    state = status.get("state")
    if state == "unreadable":
        return f"unreadable ({error})"
    if state == "too many cells":
        return f"too many cells ({status.get('cells')}, the limit is {limits.cells})"
    if state == "timeout":
        return f"timeout{where}"
    if status.get("kernel_died"):
        if "MemoryError" in error:
            return f"memory limit in cell {status.get('error_cell')}"
        return f"kernel died{where}"
    if status.get("probe") in ("timeout", "kernel busy"):
        return "the grader's questions timed out"
    if not status:
        return "sandbox failed"
    if not status.get("finished"):
        return f"killed{where}"  # by a cell: the runner itself was signalled
    if isinstance(status.get("error_cell"), int):
        return f"error in cell {status['error_cell']} ({error})"
    if not isinstance(status.get("answers"), str):
        return "no answers"
    return "ok"


def run_submission(notebook: bytes, probe: str, limits: Limits | dict[str, Any],
                   sandbox: bool = True, out_file: str | None = None) -> dict[str, Any]:
    """Run ``notebook`` and ``probe`` isolated; return plain data.

    Parameters
    ----------
    notebook : bytes
        The submitted ``.ipynb`` file (parsed by the runner, in the sandbox).
    probe : str
        Python source run after the notebook's cells; it writes the answers to
        ``out_file`` (:data:`OUT_FILE` in the sandbox).
    limits : Limits or dict
        What the notebook may use (a dict of :class:`Limits` fields, e.g. from Dask).
    sandbox : bool
        ``False``: no bubblewrap (``--no-sandbox``).
    out_file : str, optional
        Where ``probe`` writes without the sandbox (ignored in it): a path under the
        system's temporary folder chosen by the caller (whose folder must not exist yet).

    Returns
    -------
    dict
        ``answers`` (the probe's file as text, or ``None``), ``status`` (``"ok"``,
        ``"error in cell 3 (...)"``, ``"timeout in cell 4"``, ``"memory limit in cell 2"``,
        ``"kernel died in cell 2"``, ``"unreadable (...)"``, ``"too many cells (...)"``, ...;
        student text in it is not yet cleaned), ``seconds`` (wall time of the whole job) and
        ``cell_seconds`` (the runner's time in the notebook's cells).

    Raises
    ------
    SandboxUnavailable
        If ``sandbox`` is true and bubblewrap is not installed.
    """
    start = time.perf_counter()
    limits = limits if isinstance(limits, Limits) else Limits(**limits)
    if sandbox and shutil.which("bwrap") is None:
        raise SandboxUnavailable(INSTALL_HINT)
    if sandbox:
        out_file = OUT_FILE
        private = Path(tempfile.mkdtemp(prefix="grade-"))
    else:
        if out_file is None:
            out_file = str(Path(tempfile.gettempdir()) / f"grade-{uuid.uuid4().hex}" /
                           "out" / "answers.json")
        private = Path(out_file).parent.parent
        private.mkdir(mode=0o700)  # fails if it exists: never a folder someone prepared
    group: _Group | None = None
    read_end = write_end = -1
    try:
        (private / "submission.ipynb").write_bytes(notebook)
        inside = Path(INSIDE) if sandbox else private
        work = str(inside / "work")
        read_end, write_end = os.pipe()
        job = {"notebook": str(inside / "submission.ipynb"), "probe": probe, "workdir": work,
               "answers": out_file, "channel": write_end, "answers_cap": ANSWERS_CAP,
               "max_cells": limits.cells,
               "timeout": limits.timeout, "probe_timeout": limits.probe_timeout,
               "limits": {"data": limits.memory, "cpu": limits.cpu, "fsize": limits.output,
                          "nproc": limits.processes if os.geteuid() else None}}
        (private / "job.json").write_text(json.dumps(job), encoding="utf-8")
        if sandbox:
            cmd, env = _bwrap_args(private, limits), None
        else:
            for name in ("out", "work", "tmp"):
                (private / name).mkdir()
            cmd = [sys.executable, str(RUNNER), str(private / "job.json")]
            env = _env(work, str(private / "tmp"), str(Path(sys.prefix) / "bin"))
        group = _Group(limits.memory)
        proc = subprocess.Popen(group.wrap(cmd), env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True, pass_fds=(write_end,))
        os.close(write_end)
        write_end = -1
        channel = _Channel(read_end)
        read_end = -1  # the channel's thread closes it
        reason = _watch(proc, channel, group, None if sandbox else private, limits, sandbox)
        group.kill_and_remove()
        status = channel.close()
        answers = status.get("answers") if isinstance(status, dict) else None
        cell_seconds = status.get("cell_seconds") if isinstance(status, dict) else None
        return {"answers": answers if isinstance(answers, str) else None,
                "status": _status(reason, status, limits),
                "seconds": time.perf_counter() - start,
                "cell_seconds": cell_seconds if isinstance(cell_seconds, float) else None}
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
        if group is not None:
            group.kill_and_remove()
        try:
            remove_tree(private)
        except OSError:
            pass  # never lose the result for it; the folder is private to this grader


def remove_tree(folder: Path) -> None:
    """Delete ``folder`` and everything in it, however deep, without recursion.

    A directory's children are moved up into ``folder`` (``rename`` relative to open
    directory descriptors: no path grows long) and the emptied directory removed, until
    ``folder`` is empty: each entry moves once, and at most two directories are open.
    Unreadable directories are made readable first (they belong to the grader).
    """
    try:
        top = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return
    except OSError:
        try:
            os.unlink(folder)  # a symbolic link or a file: remove that, never its target
        except OSError:
            pass
        return
    try:
        while True:
            names = os.listdir(top)
            if not names:
                break
            for name in names:
                try:
                    st = os.stat(name, dir_fd=top, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if not stat.S_ISDIR(st.st_mode):
                    os.unlink(name, dir_fd=top)
                    continue
                try:
                    os.rmdir(name, dir_fd=top)
                    continue
                except OSError:
                    pass
                os.chmod(name, 0o700, dir_fd=top)
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=top)
                try:
                    for child in os.listdir(sub):
                        os.rename(child, f"{uuid.uuid4().hex}", src_dir_fd=sub, dst_dir_fd=top)
                finally:
                    os.close(sub)
                os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    os.rmdir(folder)
