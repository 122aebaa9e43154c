"""Run one submitted notebook in a sandbox and bring back its answers as untrusted text.

:func:`run_submission` is what every grading job does, on this machine or on a Dask
worker. It makes a private temporary folder, starts :mod:`instructor.sandbox_run` (the
runner: nbclient and a kernel) inside bubblewrap, watches the process tree from outside,
kills all of it at the end, and returns plain data: the probe's answers file as text
(size-capped, not parsed: the caller parses it with ``json.loads`` and judges it in its
own process) and a status string.

Inside the sandbox (``bwrap``):

- no network (a network namespace of its own: its loopback is not the host's);
- read-only: the system (``/usr``), the Python installation and the virtual environment,
  the ``helpers`` package; nothing else of the host: not the submissions, not
  ``solutions/``, not ``instructor/`` (masked if it lies inside the environment), not the
  outputs, not the user's home;
- writable: ``/sandbox/work`` (the working directory, HOME) and ``/tmp``, both
  size-capped tmpfs, and ``/sandbox/out`` (where the probe writes its answers), a private
  host folder;
- a pid namespace (everything in it dies when its first process does), no capabilities,
  a new session, ``--die-with-parent``; the runner lowers its own rlimits (memory
  ``RLIMIT_DATA``, CPU, file size, and the process count when not root), inherited by all.

Outside, a watchdog polls the tree every 0.1 s and kills it on a wall-time limit, on the
sum of its resident memory, on its number of processes, or on the size of ``/sandbox/out``.
With ``sandbox=False`` (``--no-sandbox``) the same runner and watchdog run without
bubblewrap: limits and clean-up, but no isolation.
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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

__all__ = ["INSTALL_HINT", "Limits", "SandboxUnavailable", "read_capped", "run_submission",
           "sandbox_problem"]

RUNNER = Path(__file__).with_name("sandbox_run.py")
#: the sandbox's own folder: the runner, the job, the submission, work/ (the working
#: directory and HOME) and out/ (the answers)
INSIDE = "/sandbox"
#: where the probe writes inside the sandbox
OUT_FILE = f"{INSIDE}/out/answers.json"
INSTALL_HINT = ("bubblewrap (bwrap) is needed to grade untrusted notebooks: "
                "`sudo apt-get install -y bubblewrap` (Debian/Ubuntu) or "
                "`sudo dnf install bubblewrap` (Fedora); or pass --no-sandbox to run the "
                "notebooks unisolated (only for notebooks you trust)")
ANSWERS_CAP = 5_000_000
STATUS_CAP = 100_000
POLL_S = 0.1
#: set by the grader when it is interrupted: every running sandbox is killed at once
STOP = threading.Event()
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf",
             "localtime", "fonts")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or does not work on this machine."""


@dataclass(frozen=True)
class Limits:
    """What one notebook may use.

    Attributes
    ----------
    timeout : float
        Seconds for all the notebook's cells together.
    probe_timeout : float
        Seconds for the probe (the grader's questions) after them.
    memory : int
        Bytes: the sum of the resident memory of all its processes, and ``RLIMIT_DATA``.
    processes : int
        Processes at once (kernel, runner and whatever a cell starts).
    output : int
        Bytes: the largest file it may write, each tmpfs, and everything in ``out/``.
    startup : float
        Seconds allowed beyond the two timeouts (kernel start, clean-up).
    """

    timeout: float = 300.0
    probe_timeout: float = 60.0
    memory: int = 2_500_000_000
    processes: int = 64
    output: int = 256_000_000
    startup: float = 90.0

    @property
    def wall(self) -> float:
        """Hard wall-clock limit of the whole sandbox, seconds."""
        return self.timeout + self.probe_timeout + self.startup

    @property
    def cpu(self) -> int:
        """``RLIMIT_CPU`` of each process, seconds (two cores busy for the whole wall time)."""
        return int(2 * self.wall) + 1


def sandbox_problem() -> str | None:
    """``None`` if bubblewrap works here, else what is wrong and how to install it."""
    exe = shutil.which("bwrap")
    if exe is None:
        return INSTALL_HINT
    try:
        done = subprocess.run([exe, "--unshare-net", "--unshare-pid", "--die-with-parent",
                               "--ro-bind", "/", "/", "--proc", "/proc", "true"],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bwrap does not run here ({err}); {INSTALL_HINT}"
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip()
        return (f"bwrap does not work here ({why}): user namespaces may be disabled "
                "(sysctl kernel.unprivileged_userns_clone=1); or pass --no-sandbox")
    return None


def read_capped(path: Path, cap: int) -> str | None:
    """The text of ``path`` if it is a regular file of at most ``cap`` bytes, else ``None``.

    Never follows a symbolic link and never blocks on a FIFO: the file was written by a
    process that ran student code.
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
            "--hostname", "sandbox", "--proc", "/proc", "--dev", "/dev"]
    # the private places first: the read-only binds below may lie under /tmp
    for place in ("/tmp", f"{INSIDE}/work"):
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
    for name in ("instructor", "coursework"):  # the hidden checks, if pip put them in the venv
        hidden = _package_dir(name)
        if hidden is not None and any(hidden.is_relative_to(b) for b in bound):
            args += ["--tmpfs", str(hidden)]
    args += ["--ro-bind", str(RUNNER), f"{INSIDE}/run.py",
             "--ro-bind", str(private / "job.json"), f"{INSIDE}/job.json",
             "--ro-bind", str(private / "submission.ipynb"), f"{INSIDE}/submission.ipynb",
             "--bind", str(private / "out"), f"{INSIDE}/out", "--chdir", f"{INSIDE}/work",
             "--clearenv"]
    for key, value in _env(f"{INSIDE}/work", "/tmp", str(Path(sys.prefix) / "bin")).items():
        args += ["--setenv", key, value]
    return [*args, sys.executable, f"{INSIDE}/run.py", f"{INSIDE}/job.json"]


def _tree(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        root = psutil.Process(proc.pid)
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return []


def _memory(procs: list[psutil.Process]) -> int:
    total = 0
    for p in procs:
        try:
            info = p.memory_info()
            total += info.rss - getattr(info, "shared", 0)
        except psutil.Error:
            pass
    return total


def _folder_size(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


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


def _watch(proc: subprocess.Popen, out: Path, limits: Limits) -> str | None:
    """Wait for the sandbox to end; kill it on a limit and return which one, else ``None``."""
    start = time.monotonic()
    seen: dict[int, psutil.Process] = {}
    last_size_check = 0.0
    reason = None
    while proc.poll() is None:
        procs = _tree(proc)
        seen.update((p.pid, p) for p in procs)
        now = time.monotonic()
        if STOP.is_set():
            reason = "grader interrupted"
        elif now - start > limits.wall:
            reason = "timeout"
        elif _memory(procs) > limits.memory:
            reason = "memory limit"
        elif len(procs) > limits.processes + 2:  # + the outer bwrap and its init
            reason = "process limit"
        elif now - last_size_check > 1.0:
            last_size_check = now
            if _folder_size(out) > limits.output:
                reason = "output limit"
        if reason:
            break
        time.sleep(POLL_S)
    _kill(proc, list(seen.values()))
    return reason


def _status(reason: str | None, status: dict[str, Any] | None, answers: bool) -> str:
    """One line for the CSV, from the watchdog's verdict and the runner's (untrusted) status."""
    status = status if isinstance(status, dict) else {}
    cell = status.get("cell")
    where = f" in cell {cell}" if isinstance(cell, int) else ""
    error = str(status.get("error") or "")
    if reason:
        return f"{reason}{where}" if reason != "output limit" else reason
    if status.get("state") == "timeout":
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
        return f"error in cell {status['error_cell']} ({error})"[:200]
    if not answers:
        return "no answers"
    return "ok"


def run_submission(notebook: bytes, probe: str, limits: Limits | dict[str, Any],
                   sandbox: bool = True, out_file: str | None = None) -> dict[str, Any]:
    """Run ``notebook`` and ``probe`` isolated; return plain data.

    Parameters
    ----------
    notebook : bytes
        The submitted ``.ipynb`` file.
    probe : str
        Python source run after the notebook's cells; it writes the answers to
        ``out_file`` (:data:`OUT_FILE` in the sandbox).
    limits : Limits or dict
        What the notebook may use (a dict of :class:`Limits` fields, e.g. from Dask).
    sandbox : bool
        ``False``: no bubblewrap (``--no-sandbox``).
    out_file : str, optional
        Where ``probe`` writes without the sandbox (ignored in it): a
        path under the system's temporary folder chosen by the caller (whose folder
        must not exist yet).

    Returns
    -------
    dict
        ``answers`` (the probe's file as text, or ``None``), ``status`` (``"ok"``,
        ``"error in cell 3 (...)"``, ``"timeout in cell 4"``, ``"memory limit"``,
        ``"kernel died in cell 2"``, ...), ``seconds`` (wall time of the whole job) and
        ``cell_seconds`` (the runner's time in the notebook's cells, untrusted).

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
    try:
        out = private / "out"
        out.mkdir()
        (private / "submission.ipynb").write_bytes(notebook)
        inside = Path(INSIDE) if sandbox else private
        work = str(inside / "work")
        job = {"notebook": str(inside / "submission.ipynb"), "probe": probe, "workdir": work,
               "status": str(inside / "out" / "status.json"),
               "timeout": limits.timeout, "probe_timeout": limits.probe_timeout,
               "limits": {"data": limits.memory, "cpu": limits.cpu, "fsize": limits.output,
                          "nproc": limits.processes if sandbox and os.geteuid() else None}}
        (private / "job.json").write_text(json.dumps(job), encoding="utf-8")
        if sandbox:
            cmd, env = _bwrap_args(private, limits), None
        else:
            (private / "work").mkdir()
            (private / "tmp").mkdir()
            cmd = [sys.executable, str(RUNNER), str(private / "job.json")]
            env = _env(work, str(private / "tmp"), str(Path(sys.prefix) / "bin"))
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        reason = _watch(proc, out, limits)
        text = read_capped(out / "status.json", STATUS_CAP)
        try:
            status = json.loads(text) if text else None
        except ValueError:
            status = None
        answers = read_capped(out / "answers.json", ANSWERS_CAP)
        cell_seconds = status.get("cell_seconds") if isinstance(status, dict) else None
        return {"answers": answers, "status": _status(reason, status, answers is not None),
                "seconds": time.perf_counter() - start,
                "cell_seconds": cell_seconds if isinstance(cell_seconds, float) else None}
    finally:
        _remove(private)


def _remove(folder: Path) -> None:
    """Delete ``folder`` even if the notebook made parts of it unreadable."""
    def fix(func: Any, path: str, _: Any) -> None:
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass

    shutil.rmtree(folder, onerror=fix)


def limits_dict(limits: Limits) -> dict[str, Any]:
    """``limits`` as plain data (what travels to a Dask worker)."""
    return asdict(limits)
