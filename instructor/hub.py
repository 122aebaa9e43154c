"""The course served to a room by JupyterHub, from the lecturer's machine, with one command.

``make hub`` (as root: it creates Unix accounts) runs ``python -m instructor.hub start``, which

1. reads the class list (``class.csv``: ``username,password`` per line; created with random
   passwords for ``--students N`` students when missing, readable by root only);
2. builds a read-only runtime for the students under ``--root`` (default ``/srv/course-hub``):
   a virtual environment made with a Python every user may run, holding the packages of the
   lecturer's ``.venv`` (hard links, so it costs no disk) and the course's ``helpers`` package
   (but not ``instructor/``), plus a world-readable copy of ``notebooks/`` and ``exercises/``;
3. creates one Unix user per student (home ``0700``, own group) and puts a private copy of the
   course in ``~/course`` (never overwriting a student's work on a later start);
4. takes the lecturer's files out of the students' reach: the repository (``instructor/``,
   ``solutions/``, ``.git``) and the lecturer's home get no permissions for "others" while the
   hub runs (restored when it stops); a git directory outside the repository is reported;
5. installs ``configurable-http-proxy`` with npm into ``.hub/node_modules`` if missing;
6. starts JupyterHub on ``127.0.0.1:PORT``: students log in with their class-list password, each
   gets a JupyterLab server running as their own Unix user, with a memory limit per student
   (a memory cgroup holding the server and all its kernels, :mod:`instructor.cgroup`) and one
   per process (:mod:`instructor.hub_config`); Ctrl-C stops the hub, every student server and
   the proxy.

``python -m instructor.hub remove --class class.csv`` deletes the accounts and their homes after
the course. Only accounts this tool created (marked in their GECOS field) are ever touched: a
class list naming ``root`` or the lecturer is refused.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from instructor import sizes

__all__ = ["GECOS", "HubSettings", "MEM_LIMIT", "STUDENT_MEM_LIMIT", "read_class", "write_class",
           "main"]

ROOT = Path(__file__).resolve().parents[1]

#: the GECOS field of every account this tool creates; no other account is ever used or removed
GECOS = "improving-deep-networks hub student"

#: memory per kernel process: the course's budget for one kernel (COURSE.md; docs/benchmark.md
#: measures a peak of about 1.1 GB)
MEM_LIMIT = "2.5G"

#: memory per student, all their processes together (a memory cgroup): two lecture kernels at
#: the benchmark's peak (0.9-1.1 GB each) plus the server (0.2 GB with a fresh kernel), or one
#: kernel up to the 2.5 GB budget with the server
STUDENT_MEM_LIMIT = "3G"

#: processes and threads per student (TensorFlow starts dozens of threads per kernel)
NPROC_LIMIT = 1024

#: configurable-http-proxy from npm (JupyterHub's default proxy)
PROXY_PACKAGE = "configurable-http-proxy@5.3.0"

COURSE_DIRS = ("notebooks", "exercises")
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


# ---------------------------------------------------------------- class list


def read_class(path: Path) -> dict[str, str]:
    """``username -> password`` from a CSV class list (``username,password``; ``#`` comments).

    Raises ``ValueError`` naming the line of a bad username, an empty password or a duplicate.
    """
    users: dict[str, str] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        for lineno, row in enumerate(csv.reader(fh), 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) != 2:
                raise ValueError(f"{path}:{lineno}: expected `username,password`, got {row!r}")
            name, password = row[0].strip(), row[1].strip()
            if name == "username" and lineno == 1:
                continue  # a header line
            if not USERNAME.fullmatch(name):
                raise ValueError(f"{path}:{lineno}: username {name!r} must be lower-case letters, "
                                 "digits, '-' or '_', start with a letter, at most 31 characters")
            if not password:
                raise ValueError(f"{path}:{lineno}: user {name!r} has an empty password")
            if name in users:
                raise ValueError(f"{path}:{lineno}: user {name!r} is listed twice")
            users[name] = password
    if not users:
        raise ValueError(f"{path}: the class list names no student")
    return users


def write_class(path: Path, students: int, prefix: str = "student") -> dict[str, str]:
    """Write a class list of ``students`` users ``student01``... with random passwords (0600)."""
    if students < 1:
        raise ValueError(f"students must be at least 1, got {students}")
    width = max(2, len(str(students)))
    users = {f"{prefix}{i:0{width}d}": secrets.token_urlsafe(6) for i in range(1, students + 1)}
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["username", "password"])
        w.writerows(users.items())
    return users


# ---------------------------------------------------------------- memory sizes


#: one parser for sizes, shared with the grader (powers of 1024: "2.5G" = 2.5 GiB)
parse_bytes = sizes.parse_bytes


# ---------------------------------------------------------------- accounts


def _is_ours(entry: pwd.struct_passwd) -> bool:
    return entry.pw_gecos.split(",")[0] == GECOS


def ensure_user(name: str, home_base: Path = Path("/home")) -> pwd.struct_passwd:
    """The Unix account of a student: created if missing (own group, home 0700).

    Raises ``PermissionError`` if ``name`` is an existing account this tool did not create.
    """
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home_base / name),
                        "--shell", "/bin/bash", "--comment", GECOS, "--user-group", name],
                       check=True, capture_output=True, text=True)
        entry = pwd.getpwnam(name)
    if not _is_ours(entry):
        raise PermissionError(f"account {name!r} exists and was not created by the course hub "
                              f"(GECOS {entry.pw_gecos!r}); rename the student in the class list")
    home = Path(entry.pw_dir)
    home.mkdir(mode=0o700, exist_ok=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chmod(home, 0o700)
    return entry


def give_course(entry: pwd.struct_passwd, course: Path) -> Path:
    """Copy the course into ``~/course`` of a student, once: their work is never overwritten."""
    dest = Path(entry.pw_dir) / "course"
    for d in COURSE_DIRS:
        if not (course / d).is_dir() or (dest / d).exists():
            continue
        shutil.copytree(course / d, dest / d)
    for path in [dest, *dest.rglob("*")]:
        os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)
    return dest


def student_pids(uid: int) -> list[int]:
    """Process ids of every process running as ``uid``."""
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if d.stat().st_uid == uid:
                    pids.append(int(d.name))
            except OSError:
                continue
    return pids


def stop_processes(uid: int, timeout: float = 10.0) -> list[int]:
    """Terminate (then kill) every process of a student account, by process id."""
    pids = student_pids(uid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while student_pids(uid) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in student_pids(uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def remove_user(name: str) -> bool:
    """Delete a student account this tool created, its processes and its home."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return False
    if not _is_ours(entry):
        raise PermissionError(f"refusing to remove {name!r}: not an account of the course hub")
    stop_processes(entry.pw_uid)
    subprocess.run(["userdel", "--remove", name], check=True, capture_output=True, text=True)
    return True


# ---------------------------------------------------------------- runtime and course


def world_usable(path: Path) -> bool:
    """Whether a user with no special rights can reach and read (and run) ``path``."""
    path = Path(os.path.realpath(path))
    for parent in reversed(path.parents):
        if not parent.stat().st_mode & stat.S_IXOTH:
            return False
    mode = path.stat().st_mode
    return bool(mode & stat.S_IROTH) and (not stat.S_ISDIR(mode) or bool(mode & stat.S_IXOTH))


def _base_python() -> Path:
    """A Python of the running version that every user can run (the lecturer's may be private)."""
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [Path(sys._base_executable), Path(sys.base_prefix) / "bin" / f"python{version}",
                  Path(f"/usr/bin/python{version}"), Path(f"/usr/local/bin/python{version}")]
    for c in candidates:
        if c.exists() and world_usable(c):
            return c
    raise RuntimeError(f"no Python {version} that students may run (tried "
                       f"{', '.join(map(str, candidates))}); install python{version} system-wide")


def _link_tree(src: Path, dest: Path) -> None:
    """Copy ``src`` into ``dest`` with hard links (no disk used), or a plain copy across disks."""
    done = subprocess.run(["cp", "-a", "--link", str(src), str(dest)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        subprocess.run(["cp", "-a", str(src), str(dest)], check=True)


def build_runtime(runtime: Path, source_prefix: Path = Path(sys.prefix),
                  root: Path = ROOT) -> Path:
    """The students' Python environment: readable by all, owned by root, without ``instructor/``.

    A fresh venv of a world-usable Python of the same version, filled with hard links to the
    packages of ``source_prefix`` (the lecturer's ``.venv``: ``lib``, ``share``, ``etc``); console
    scripts get a shebang pointing at the runtime; the editable install of the repository is
    replaced by a copy of ``helpers/``. Rebuilt from scratch on every start (a few seconds).
    """
    if source_prefix == Path(sys.base_prefix):
        raise RuntimeError("run the hub from the course's virtual environment (.venv/bin/python)")
    shutil.rmtree(runtime, ignore_errors=True)
    runtime.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(_base_python()), "-m", "venv", "--without-pip", str(runtime)], check=True)
    for entry in source_prefix.iterdir():
        if entry.name in ("bin", "pyvenv.cfg", "lib64", "include"):
            continue
        _link_tree(entry, runtime)
    old = str(source_prefix)
    for script in (source_prefix / "bin").iterdir():
        dest = runtime / "bin" / script.name
        if script.is_symlink() or dest.exists() or not script.is_file():
            continue
        with script.open("rb") as fh:
            first = fh.readline()
        if first.startswith(b"#!") and old.encode() in first:
            text = script.read_bytes().replace(first, f"#!{runtime}/bin/python\n".encode(), 1)
            dest.write_bytes(text)
            dest.chmod(0o755)
    site = next((runtime / "lib").glob("python3*/site-packages"))
    for junk in [*site.glob("__editable__*improving_deep_networks*"),
                 *site.glob("improving_deep_networks-*.dist-info"),
                 *site.glob("_improving_deep_networks*.pth")]:
        shutil.rmtree(junk) if junk.is_dir() else junk.unlink()
    for pth in site.glob("*.pth"):  # a leftover path entry into the lecturer's repository
        if str(root) in pth.read_text(errors="replace"):
            pth.unlink()
    shutil.copytree(root / "helpers", site / "helpers",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # no "get notified about Jupyter news?" pop-up in 30 students' JupyterLabs
    overrides = runtime / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = json.loads(overrides.read_text()) if overrides.exists() else {}
    settings.setdefault("@jupyterlab/apputils-extension:notification", {})["fetchNews"] = "false"
    overrides.unlink(missing_ok=True)  # a hard link into the lecturer's .venv: never edit it
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps(settings, indent=1), encoding="utf-8")
    subprocess.run([str(runtime / "bin" / "python"), "-m", "compileall", "-q",
                    str(site / "helpers")], check=False)
    for path in [runtime, *runtime.rglob("*")]:
        if not path.is_symlink():
            mode = path.lstat().st_mode
            if mode & stat.S_IRUSR and not mode & stat.S_IROTH:
                path.chmod(mode | stat.S_IRGRP | stat.S_IROTH
                           | (stat.S_IXGRP | stat.S_IXOTH if mode & stat.S_IXUSR else 0))
    return runtime


def install_course(dest: Path, root: Path = ROOT) -> Path:
    """A world-readable, read-only copy of the student files (no solutions, no instructor/)."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for d in COURSE_DIRS:
        if (root / d).is_dir():
            shutil.copytree(root / d, dest / d,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return dest


# ---------------------------------------------------------------- the lecturer's files


def _git_dir(root: Path) -> Path | None:
    done = subprocess.run(["git", "-C", str(root), "rev-parse", "--git-common-dir"],
                          capture_output=True, text=True)
    if done.returncode != 0:
        return None
    path = Path(done.stdout.strip())
    return path if path.is_absolute() else (root / path).resolve()


def private_paths(root: Path = ROOT) -> list[Path]:
    """What students must not read: the repository and the lecturer's home."""
    homes = {Path.home()}
    for var in ("SUDO_USER", "USER"):
        name = os.environ.get(var)
        if name:
            try:
                homes.add(Path(pwd.getpwnam(name).pw_dir))
            except KeyError:
                pass
    paths = [root.resolve(), *sorted(h.resolve() for h in homes if h.is_dir() and h != Path("/"))]
    return list(dict.fromkeys(paths))


def protect(paths: list[Path]) -> dict[Path, int]:
    """Remove every permission of "others" on ``paths``; returns the old modes to restore."""
    changed = {}
    for p in paths:
        mode = p.stat().st_mode
        if mode & 0o007:
            changed[p] = stat.S_IMODE(mode)
            p.chmod(stat.S_IMODE(mode) & ~0o007)
    return changed


def restore(changed: dict[Path, int]) -> None:
    """Put back the modes :func:`protect` changed."""
    for p, mode in changed.items():
        try:
            p.chmod(mode)
        except OSError:
            pass


# ---------------------------------------------------------------- proxy and config


def install_proxy(dest: Path = ROOT / ".hub") -> Path:
    """``configurable-http-proxy`` from npm into ``dest/node_modules`` (once); returns its path."""
    exe = dest / "node_modules" / ".bin" / "configurable-http-proxy"
    if exe.exists():
        return exe
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: apt-get install -y nodejs npm (Node.js >= 20)")
    dest.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--prefix", str(dest), "--no-fund", "--no-audit",
                           "--no-save", "--loglevel=error", PROXY_PACKAGE],
                          capture_output=True, text=True)
    if done.returncode != 0 or not exe.exists():
        raise RuntimeError(f"npm install {PROXY_PACKAGE} failed:\n{done.stderr[-2000:]}")
    return exe


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class HubSettings:
    """Everything :mod:`instructor.hub_config` needs, written as JSON next to the hub's state."""

    port: int
    class_list: str
    runtime: str
    state: str
    proxy: str
    mem_limit: str = MEM_LIMIT
    student_mem_limit: str = STUDENT_MEM_LIMIT
    #: the memory cgroup that holds the student groups: {"base": dir, "version": 1 or 2}, or None
    cgroup: dict | None = None
    nproc_limit: int = NPROC_LIMIT
    ip: str = "127.0.0.1"
    users: list[str] = field(default_factory=list)
    lab_args: list[str] = field(default_factory=list)

    def write(self, path: Path) -> Path:
        """The JSON settings and the ``jupyterhub_config.py`` that reads them."""
        path.mkdir(parents=True, exist_ok=True)
        (path / "settings.json").write_text(json.dumps(self.__dict__, indent=1),
                                            encoding="utf-8")
        config = path / "jupyterhub_config.py"
        config.write_text(
            "# written by python -m instructor.hub; edit instructor/hub_config.py instead\n"
            "import json, pathlib\n"
            "from instructor.hub_config import configure\n"
            "configure(c, json.loads(pathlib.Path(__file__).with_name('settings.json')"
            ".read_text()))\n", encoding="utf-8")
        return config


# ---------------------------------------------------------------- commands


def prepare(class_list: Path, hub_root: Path, *, home_base: Path = Path("/home"),
            students: int = 3) -> tuple[dict[str, str], Path, Path]:
    """Class list, runtime, course copy, accounts: everything before the hub starts."""
    if os.geteuid() != 0:
        raise PermissionError("the hub creates Unix accounts and runs servers as them: run it as "
                              "root (sudo make hub)")
    if not class_list.exists():
        write_class(class_list, students)
        print(f"wrote a class list of {students} students with random passwords: {class_list} "
              "(readable by root only; hand each student their line)")
    users = read_class(class_list)
    hub_root.mkdir(parents=True, exist_ok=True)
    hub_root.chmod(0o755)
    runtime = build_runtime(hub_root / "runtime")
    course = install_course(hub_root / "course")
    state = hub_root / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    state.chmod(0o700)
    for name in users:
        give_course(ensure_user(name, home_base), course)
    return users, runtime, state


def start(args: argparse.Namespace) -> int:
    """``start``: prepare, protect, run JupyterHub until Ctrl-C / SIGTERM, clean up."""
    parse_bytes(args.mem_limit)
    parse_bytes(args.student_mem_limit)
    from instructor import cgroup

    groups, why = cgroup.available()
    if groups is None:
        print(f"warning: no memory limit per student ({why}); each process keeps its own limit "
              f"of {args.mem_limit}", file=sys.stderr)
    else:
        print(f"memory per student: {args.student_mem_limit} ({why})")
    users, runtime, state = prepare(args.class_list, args.root, home_base=args.home_base,
                                    students=args.students)
    proxy = install_proxy(args.proxy_dir)
    port = args.port or free_port()
    settings = HubSettings(port=port, class_list=str(args.class_list.resolve()),
                           runtime=str(runtime), state=str(state), proxy=str(proxy),
                           mem_limit=args.mem_limit, student_mem_limit=args.student_mem_limit,
                           cgroup=None if groups is None else {"base": str(groups.base),
                                                               "version": groups.version},
                           users=sorted(users), ip=args.ip,
                           lab_args=list(args.lab_arg or []))
    config = settings.write(state)
    changed = protect(private_paths()) if args.protect else {}
    for p in changed:
        print(f"students cannot read {p} while the hub runs (mode restored at the end)")
    git = _git_dir(ROOT)
    if git is not None and ROOT.resolve() not in [git, *git.parents] and world_usable(git):
        print(f"warning: the repository's git directory {git} (history with the solutions) is "
              "readable by every user; chmod o-rwx it or serve from a plain clone",
              file=sys.stderr)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                           cwd=state, env=env)
    print(f"JupyterHub: http://{args.ip}:{port}/  ({len(users)} students; Ctrl-C stops it)",
          flush=True)

    def forward(signum: int, _frame: object) -> None:
        if hub.poll() is None:
            hub.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        code = hub.wait()
    finally:
        if hub.poll() is None:
            hub.terminate()
            try:
                hub.wait(60)
            except subprocess.TimeoutExpired:
                hub.kill()
        for name in users:  # nothing of a student may outlive the hub
            try:
                stop_processes(pwd.getpwnam(name).pw_uid)
            except KeyError:
                pass
        if groups is not None:
            left = groups.remove_all()
            if left:
                print(f"memory cgroups still in use, not removed: {left}", file=sys.stderr)
        restore(changed)
    return code


def main(argv: list[str] | None = None) -> int:
    """Command line, see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="start the hub (as root)")
    p.add_argument("--class", dest="class_list", type=Path, default=Path("class.csv"),
                   help="class list username,password (created if missing)")
    p.add_argument("--students", type=int, default=3,
                   help="size of the class list created when it is missing")
    p.add_argument("--port", type=int, default=8000, help="0: a free port")
    p.add_argument("--ip", default="127.0.0.1",
                   help="address students connect to; the room's network: this machine's "
                        "address on it (plain HTTP: a trusted network only)")
    p.add_argument("--root", type=Path, default=Path("/srv/course-hub"))
    p.add_argument("--home-base", type=Path, default=Path("/home"))
    p.add_argument("--proxy-dir", type=Path, default=ROOT / ".hub")
    p.add_argument("--mem-limit", default=MEM_LIMIT,
                   help="memory per kernel / server process (RLIMIT_DATA), e.g. 2.5G (= 2.5 GiB)")
    p.add_argument("--student-mem-limit", default=STUDENT_MEM_LIMIT,
                   help="memory per student, server and kernels together (a memory cgroup; "
                        "K/M/G are powers of 1024)")
    p.add_argument("--no-protect", dest="protect", action="store_false",
                   help="leave the permissions of the repository and the lecturer's home alone")
    p.add_argument("--lab-arg", action="append",
                   help="extra argument for every student's JupyterLab (repeatable)")
    p = sub.add_parser("remove", help="delete the students' accounts and homes (as root)")
    p.add_argument("--class", dest="class_list", type=Path, default=Path("class.csv"))
    p = sub.add_parser("proxy", help="install configurable-http-proxy with npm")
    p.add_argument("--proxy-dir", type=Path, default=ROOT / ".hub")
    p = sub.add_parser("class", help="write a class list with random passwords")
    p.add_argument("--students", type=int, required=True)
    p.add_argument("--out", type=Path, default=Path("class.csv"))
    p.add_argument("--prefix", default="student")
    args = parser.parse_args(argv)
    if args.command == "start":
        return start(args)
    if args.command == "remove":
        for name in read_class(args.class_list):
            print(f"{name}: {'removed' if remove_user(name) else 'no such account'}")
        return 0
    if args.command == "proxy":
        print(install_proxy(args.proxy_dir))
        return 0
    users = write_class(args.out, args.students, args.prefix)
    print(f"{args.out}: {len(users)} students")
    return 0


if __name__ == "__main__":
    sys.exit(main())
