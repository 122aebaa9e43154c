"""JupyterHub's side of ``python -m instructor.hub``: the authenticator, the spawner, the config.

Imported by the ``jupyterhub`` process only (the lecturer's environment, which has JupyterHub).

- :class:`ClassListAuthenticator`: a student logs in with the username and password of their line
  in the class list. Chosen over JupyterHub's ``DummyAuthenticator`` with one shared password:
  with a shared password anyone could log in *as anyone* and open a classmate's files, which
  defeats the separate accounts. PAM would need real system passwords set and handed out.
- :class:`CourseSpawner`: JupyterHub's ``LocalProcessSpawner`` (one JupyterLab server per student,
  running as the student's Unix user, in their home) plus resource limits set between ``fork`` and
  ``exec``: the student's memory cgroup (:mod:`instructor.cgroup`: a limit on the server and all
  its kernels together; made when the server starts, removed when it stops), ``RLIMIT_DATA``
  (the process's private writable memory: heap, ``mmap``-ed arrays, thread stacks) per process,
  inherited by every kernel the server starts, and ``RLIMIT_NPROC``. ``RLIMIT_AS`` would not do:
  TensorFlow reserves far more address space than it uses (a kernel with 0.8 GB resident maps
  about 2.4 GB).
"""

from __future__ import annotations

import hmac
import os
import resource
from pathlib import Path
from typing import Any

from jupyterhub.auth import Authenticator
from jupyterhub.spawner import LocalProcessSpawner
from traitlets import Dict, Integer, Unicode

from instructor.cgroup import StudentGroups
from instructor.hub import read_class

__all__ = ["ClassListAuthenticator", "CourseSpawner", "configure", "limits_preexec"]


class ClassListAuthenticator(Authenticator):
    """Usernames and passwords from the class list (re-read at each login)."""

    class_list = Unicode(help="CSV file username,password (readable by root only)").tag(
        config=True)

    async def authenticate(self, handler: Any, data: dict[str, str]) -> str | None:  # noqa: D102
        name = (data.get("username") or "").strip().lower()
        password = data.get("password") or ""
        expected = read_class(Path(self.class_list)).get(name)
        if expected is None or not hmac.compare_digest(expected.encode(), password.encode()):
            self.log.warning("failed login for %r", name)
            return None
        return name


def limits_preexec(data_bytes: int, nproc: int) -> Any:
    """A function that sets the memory and process limits of the calling process (for preexec)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (data_bytes, data_bytes))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


class CourseSpawner(LocalProcessSpawner):
    """``LocalProcessSpawner`` with a memory limit per student, one per process, a process limit."""

    data_limit = Integer(0, help="RLIMIT_DATA of the server and its kernels, bytes").tag(
        config=True)
    nproc_limit = Integer(1024, help="RLIMIT_NPROC of the student (processes + threads)").tag(
        config=True)
    student_limit = Integer(0, help="memory of all the student's processes together, bytes "
                            "(0: none)").tag(config=True)
    cgroup = Dict(help="the memory cgroup below which each student gets one: base, version "
                  "(empty: none)").tag(config=True)

    def _groups(self) -> StudentGroups | None:
        if not self.cgroup or not self.student_limit:
            return None
        return StudentGroups(Path(self.cgroup["base"]), int(self.cgroup["version"]))

    async def start(self) -> Any:  # noqa: D102
        groups = self._groups()
        if groups is not None:
            groups.create(self.user.name, self.student_limit)
        return await super().start()

    async def stop(self, now: bool = False) -> None:  # noqa: D102
        await super().stop(now=now)
        groups = self._groups()
        if groups is not None and not groups.remove(self.user.name):
            self.log.info("memory cgroup of %s still has processes; removed when the hub stops",
                          self.user.name)

    def make_preexec_fn(self, name: str) -> Any:  # noqa: D102
        become_user = super().make_preexec_fn(name)
        limits = limits_preexec(self.data_limit, self.nproc_limit)
        groups = self._groups()

        def preexec() -> None:
            if groups is not None:
                groups.join(name)  # the server and every kernel it starts: one memory budget
            limits()  # while still root; inherited by the server and every kernel
            become_user()

        return preexec


def configure(c: Any, s: dict[str, Any]) -> None:
    """Fill a JupyterHub config object from the settings ``instructor.hub`` wrote."""
    from instructor.hub import parse_bytes

    state, runtime = Path(s["state"]), Path(s["runtime"])
    c.JupyterHub.bind_url = f"http://{s.get('ip', '127.0.0.1')}:{s['port']}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{s.get('hub_port') or _free()}"
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.get('proxy_api_port') or _free()}"
    c.ConfigurableHTTPProxy.command = [s["proxy"]]
    c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
    c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.cleanup_proxy = True
    c.JupyterHub.authenticator_class = ClassListAuthenticator
    c.ClassListAuthenticator.class_list = s["class_list"]
    c.Authenticator.allowed_users = set(s["users"])
    c.JupyterHub.spawner_class = CourseSpawner
    limit = parse_bytes(s["mem_limit"])
    c.CourseSpawner.data_limit = limit
    c.CourseSpawner.nproc_limit = int(s["nproc_limit"])
    if s.get("cgroup"):
        c.CourseSpawner.cgroup = dict(s["cgroup"])
        c.CourseSpawner.student_limit = parse_bytes(s.get("student_mem_limit") or s["mem_limit"])
    # shown to the server as MEM_LIMIT (what a student may use in all)
    c.Spawner.mem_limit = c.CourseSpawner.student_limit if s.get("cgroup") else limit
    c.Spawner.cmd = [str(runtime / "bin" / "python"), "-m", "jupyterhub.singleuser"]
    c.Spawner.args = ["--LabApp.news_url=None",
                      "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                      "--LabApp.extension_manager=readonly", *s.get("lab_args", [])]
    c.Spawner.notebook_dir = "~"
    c.Spawner.default_url = "/lab/tree/course/notebooks"
    c.Spawner.env_keep = ["LANG", "LC_ALL"]  # nothing of the lecturer's environment leaks
    c.Spawner.environment = {
        "PATH": f"{runtime / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    c.Spawner.start_timeout = 300  # a busy 2-core machine starting 30 servers at once
    c.Spawner.http_timeout = 300
    c.JupyterHub.log_level = os.environ.get("COURSE_HUB_LOG_LEVEL", "INFO")


def _free() -> int:
    from instructor.hub import free_port

    return free_port()
