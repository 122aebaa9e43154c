"""The course served to a room by JupyterHub (``python -m instructor.hub``, ``make hub``).

Unit tests: the class list, memory sizes, the memory limit really stops a process, foreign
accounts are refused. The classroom test (root, npm, Chromium; marked ``classroom``) starts the
hub on a free port of 127.0.0.1 with three students, logs the three in with headless Chromium,
opens lecture 00 in each, runs all cells in the three at the same time and checks the plots;
then checks that one student can read neither another's files nor the lecturer's, that kernels
run under the memory limit, and that stopping the hub leaves no process behind. It records the
memory and CPU each student costs (``$COURSE_HUB_MEASURE``: a JSON file; docs/classroom.md).
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from instructor import hub

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/00_start_here.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# ---------------------------------------------------------------- unit tests


def test_class_list_round_trip(tmp_path: Path) -> None:
    users = hub.write_class(tmp_path / "class.csv", 12)
    assert list(users)[:2] == ["student01", "student02"] and len(users) == 12
    assert stat.S_IMODE((tmp_path / "class.csv").stat().st_mode) == 0o600, \
        "passwords must be readable by the lecturer only"
    assert hub.read_class(tmp_path / "class.csv") == users
    assert len(set(users.values())) == 12
    with pytest.raises(FileExistsError):  # never overwrites a class list handed out already
        hub.write_class(tmp_path / "class.csv", 3)


@pytest.mark.parametrize("text, message", [
    ("Root,pw\n", "'Root'"),
    ("ann,pw\nann,pw2\n", "twice"),
    ("ann,\n", "empty password"),
    ("ann\n", "username,password"),
    ("# nobody\n", "no student"),
])
def test_class_list_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "c.csv").write_text(text)
    with pytest.raises(ValueError, match=message):
        hub.read_class(tmp_path / "c.csv")


def test_parse_bytes() -> None:
    assert hub.parse_bytes("2.5G") == int(2.5 * 2**30)
    assert hub.parse_bytes("800M") == 800 * 2**20 and hub.parse_bytes("1024") == 1024
    with pytest.raises(ValueError, match="'lots'"):
        hub.parse_bytes("lots")


def test_memory_limit_stops_a_process_that_exceeds_it() -> None:
    """The limit the spawner sets (RLIMIT_DATA, before it becomes the student) is enforced."""
    hub_config = pytest.importorskip("instructor.hub_config")
    code = ("import numpy as np, sys\n"
            "small = np.ones(100 * 2**20 // 8)\n"   # 100 MB: fine
            "try:\n    big = np.ones(600 * 2**20 // 8)\n"   # 600 MB: over the limit
            "except MemoryError:\n    sys.exit(3)\n")
    limited = subprocess.run([sys.executable, "-c", code], timeout=120,
                             preexec_fn=hub_config.limits_preexec(400 * 2**20, 4096))
    assert limited.returncode == 3, "600 MB were allocated under a 400 MB limit"
    free = subprocess.run([sys.executable, "-c", code], timeout=120)
    assert free.returncode == 0, "without the limit the same code must run"


def test_student_memory_cgroup_caps_all_their_processes_together() -> None:
    """Two processes of one student, each under the student's limit alone, together over it: the
    kernel kills in that student's group (at least one of the two; a CI run saw both killed when
    the survivor's page cache was charged too), while a process outside the group holding the same
    memory at the same time is untouched."""
    from instructor import cgroup

    groups, why = cgroup.available()
    if groups is None:
        pytest.skip(f"no memory cgroup here: {why}")
    user = f"t{secrets.token_hex(3)}"
    group = groups.create(user, 400 * 2**20)
    try:
        assert groups.limit(user) == 400 * 2**20 and group.parent == groups.parent
        code = ("import numpy as np, sys, time\nx = np.ones(250 * 2**20 // 8)\n"
                "print('held', flush=True)\ntime.sleep(20)\n")
        alone = subprocess.run([sys.executable, "-c", code.replace("20)", "1)")], timeout=120,
                               preexec_fn=lambda: groups.join(user), stdout=subprocess.PIPE)
        assert alone.returncode == 0, "250 MB alone fit under 400 MB"
        outside = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
        first = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                 preexec_fn=lambda: groups.join(user))
        first.stdout.readline()          # the first one holds its 250 MB before the second starts
        second = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                  preexec_fn=lambda: groups.join(user))
        codes = sorted(p.wait(120) for p in (first, second))
        assert -signal.SIGKILL in codes and set(codes) <= {-signal.SIGKILL, 0}, \
            f"2 x 250 MB under 400 MB: exit codes {codes}"
        assert outside.wait(120) == 0, "a process outside the student's group was hit"
        assert groups.oom_kills(user) >= 1
        assert groups.pids(user) == []
    finally:
        assert groups.remove(user)
    assert not groups.path(user).exists()
    with pytest.raises(ValueError, match="'../x'"):
        groups.path("../x")


def test_foreign_accounts_are_refused() -> None:
    with pytest.raises(PermissionError, match="'root'"):
        hub.ensure_user("root")
    with pytest.raises(PermissionError, match="'root'"):
        hub.remove_user("root")


def test_the_repository_is_private() -> None:
    assert ROOT.resolve() in hub.private_paths()


# ---------------------------------------------------------------- the classroom


def _chromium() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if Path(found).exists():
        return found
    if IS_ROOT and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
            subprocess.run(cmd, capture_output=True, env=env, timeout=1200)
        if Path("/usr/bin/chromium").exists():
            return "/usr/bin/chromium"
    pytest.skip("no Chromium at /usr/bin/chromium (apt-get install -y chromium)")


PROMPTS_JS = """() => Array.from(document.querySelectorAll(
    '.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')).map(e => e.textContent.trim())"""
KERNEL_IDLE_JS = """() => { const bar = document.querySelector('#jp-main-statusbar');
    return bar !== null && /Python 3.*\\|\\s*Idle/.test(bar.textContent); }"""


def _ran_all(page) -> bool:  # noqa: ANN001
    prompts = page.evaluate(PROMPTS_JS)
    return (bool(prompts) and all(any(ch.isdigit() for ch in p) for p in prompts)
            and not any("*" in p for p in prompts) and page.evaluate(KERNEL_IDLE_JS))


def _usage(uids: dict[str, int]) -> dict[str, dict[str, float]]:
    """Resident memory (GB) and CPU seconds of every process of each student."""
    psutil = pytest.importorskip("psutil")
    out = {name: {"rss_gb": 0.0, "cpu_s": 0.0, "processes": 0} for name in uids}
    by_uid = {uid: name for name, uid in uids.items()}
    for p in psutil.process_iter(["uids", "memory_info", "cpu_times"]):
        try:
            name = by_uid.get(p.info["uids"].real)
            if name is None or p.info["memory_info"] is None:
                continue
            out[name]["rss_gb"] += p.info["memory_info"].rss / 1e9
            t = p.info["cpu_times"]
            out[name]["cpu_s"] += t.user + t.system
            out[name]["processes"] += 1
        except (psutil.Error, TypeError, AttributeError):
            continue
    return out


def _as_student(entry: pwd.struct_passwd, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/usr/bin/python3", "-c", code], user=entry.pw_uid,
                          group=entry.pw_gid, extra_groups=[], capture_output=True, text=True,
                          env={"HOME": entry.pw_dir, "PATH": "/usr/bin:/bin"}, cwd="/",
                          timeout=60)


def _denied(entry: pwd.struct_passwd, action: str) -> bool:
    code = (f"import os\ntry:\n    {action}\nexcept PermissionError:\n    print('denied')\n"
            "else:\n    print('allowed')\n")
    done = _as_student(entry, code)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip() == "denied"


@pytest.mark.classroom
def test_three_students_run_a_lecture_at_once(tmp_path: Path) -> None:
    if not IS_ROOT or shutil.which("useradd") is None:
        pytest.skip("the hub creates Unix accounts: run as root with useradd")
    if shutil.which("npm") is None:
        pytest.skip("npm is needed for configurable-http-proxy (apt-get install -y npm)")
    pytest.importorskip("jupyterhub")
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = _chromium()
    psutil = pytest.importorskip("psutil")

    tag = secrets.token_hex(2)
    names = [f"t{tag}{c}" for c in "abc"]  # unique: other test runs may share the machine
    passwords = {n: secrets.token_urlsafe(8) for n in names}
    base = Path(tempfile.mkdtemp(prefix="course-hub-", dir="/tmp"))  # reachable by students
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    class_csv = base / "class.csv"
    class_csv.write_text("".join(f"{n},{p}\n" for n, p in passwords.items()))
    class_csv.chmod(0o600)
    port = hub.free_port()
    url = f"http://127.0.0.1:{port}"
    repo_mode = stat.S_IMODE(ROOT.stat().st_mode)
    shots = Path(os.environ.get("COURSE_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    log_path = tmp_path / "hub.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "instructor.hub", "start", "--class", str(class_csv),
         "--port", str(port), "--root", str(base / "srv"), "--home-base", str(base / "home")],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    spawned: set[int] = set()
    measures: dict[str, object] = {}
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                urllib.request.urlopen(f"{url}/hub/health", timeout=5)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, \
                    log_path.read_text()[-4000:]
                time.sleep(1)
        entries = {n: pwd.getpwnam(n) for n in names}
        uids = {n: e.pw_uid for n, e in entries.items()}
        for e in entries.values():  # every cell in the DOM, so outputs can be counted
            settings = (Path(e.pw_dir) / ".jupyter/lab/user-settings/@jupyterlab"
                        / "notebook-extension/tracker.jupyterlab-settings")
            settings.parent.mkdir(parents=True, exist_ok=True)
            settings.write_text(json.dumps({"windowingMode": "none"}))
            for p in [Path(e.pw_dir) / ".jupyter", *(Path(e.pw_dir) / ".jupyter").rglob("*")]:
                os.chown(p, e.pw_uid, e.pw_gid)
        hub_rss = sum(p.memory_info().rss for p in
                      [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(True)]
                      if p.uids().real == 0) / 1e9

        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            pages = {}
            try:
                for n in names:
                    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                    page.set_default_timeout(120_000)
                    page.goto(f"{url}/hub/login")
                    page.fill("#username_input", n)
                    page.fill("#password_input", passwords[n])
                    page.click("#login_submit")
                    pages[n] = page
                for n, page in pages.items():  # servers start side by side
                    page.wait_for_url(re.compile(rf"/user/{n}/lab"), timeout=600_000)
                    page.goto(f"{url}/user/{n}/lab/tree/course/{NOTEBOOK}")
                for page in pages.values():
                    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=300_000)
                    page.wait_for_function(KERNEL_IDLE_JS, timeout=300_000)
                idle = _usage(uids)
                for page in pages.values():
                    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
                    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
                t0 = time.monotonic()
                peak = {n: 0.0 for n in names}
                stop = threading.Event()

                def sample() -> None:
                    while not stop.is_set():
                        for n, u in _usage(uids).items():
                            peak[n] = max(peak[n], u["rss_gb"])
                        time.sleep(0.5)

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                pending, finished = set(names), {}
                while pending and time.monotonic() - t0 < 900:
                    for n in sorted(pending):
                        if _ran_all(pages[n]):
                            finished[n] = time.monotonic() - t0
                            pending.discard(n)
                    time.sleep(1)
                stop.set()
                sampler.join()
                after = _usage(uids)
                for n, page in pages.items():
                    page.screenshot(path=str(shots / f"hub-{n}.png"), full_page=True)
                assert not pending, f"Run All did not finish for {sorted(pending)}"
                for n, page in pages.items():
                    errors = [t for t in page.locator(
                        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                    ).all_inner_texts() if "Traceback" in t or "Error" in t]
                    assert not errors, f"{n}: {errors[0][:2000]}"
                    assert page.locator(".jp-OutputArea-output img").count() >= 1, \
                        f"{n} sees no plot"
            finally:
                browser.close()
        measures = {
            "students": len(names), "lecture": NOTEBOOK, "hub_and_proxy_rss_gb": hub_rss,
            "run_all_s": finished, "idle": idle, "peak_rss_gb": peak, "after": after,
            "cpu_s_run_all": {n: after[n]["cpu_s"] - idle[n]["cpu_s"] for n in names},
            "cpu_count": os.cpu_count(),
        }
        out = Path(os.environ.get("COURSE_HUB_MEASURE", tmp_path / "hub-measure.json"))
        out.write_text(json.dumps(measures, indent=1))

        # each student has a private copy of the course
        a, b = entries[names[0]], entries[names[1]]
        own = Path(a.pw_dir) / "course" / NOTEBOOK
        assert own.stat().st_uid == a.pw_uid
        assert stat.S_IMODE(Path(a.pw_dir).stat().st_mode) == 0o700
        assert not _denied(a, f"open({str(own)!r}).read()"), "a student must read their own files"
        # ... and nobody else's, nor the lecturer's
        b_home = Path(b.pw_dir)
        solution = next((ROOT / "solutions").glob("*.ipynb"))
        for what, action in {
            "B's notebook": f"open({str(b_home / 'course' / NOTEBOOK)!r}).read()",
            "B's home": f"os.listdir({str(b_home)!r})",
            "a file in B's home": f"open({str(b_home / 'planted.txt')!r}, 'w')",
            "the repository's instructor/": f"os.listdir({str(ROOT / 'instructor')!r})",
            "a solution": f"open({str(solution)!r}).read()",
            "the lecturer's home": f"os.listdir({str(Path.home())!r})",
        }.items():
            assert _denied(a, action), f"student A can reach {what}"
        # every student process (server and kernels) runs under the memory limits: its own,
        # and its student's memory cgroup when the machine lets the hub make one
        from instructor import cgroup

        limit = hub.parse_bytes(hub.MEM_LIMIT)
        groups, _ = cgroup.available()
        kernels = 0
        for p in psutil.process_iter(["uids", "cmdline"]):
            if p.info["uids"] and p.info["uids"].real in uids.values():
                spawned.add(p.pid)
                assert _data_limit(p.pid) == (limit, limit), p.info["cmdline"]
                kernels += "ipykernel_launcher" in " ".join(p.info["cmdline"] or [])
                if groups is not None:
                    owner = next(n for n, u in uids.items() if u == p.info["uids"].real)
                    assert p.pid in groups.pids(owner), (owner, p.info["cmdline"])
        assert kernels >= len(names), "each student has a kernel"
        if groups is not None:
            for n in names:
                assert groups.limit(n) == hub.parse_bytes(hub.STUDENT_MEM_LIMIT)
                measures.setdefault("cgroup_usage_gb", {})[n] = groups.usage(n) / 1e9
        spawned |= {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)  # the hub stops its servers and its proxy
            try:
                proc.wait(180)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(30)
        log.close()
        alive = [p for p in spawned if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        left = {n: hub.student_pids(pwd.getpwnam(n).pw_uid) for n in names
                if _exists(n)}
        mode_after = stat.S_IMODE(ROOT.stat().st_mode)
        for pid in alive:  # only what this test started
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for n in names:
            if _exists(n):
                hub.remove_user(n)
        shutil.rmtree(base, ignore_errors=True)
    assert not alive, f"processes left after the hub stopped: {alive}"
    from instructor import cgroup

    groups, _ = cgroup.available()
    if groups is not None:
        assert not any(groups.path(n).exists() for n in names), "student cgroups left behind"
    assert not any(left.values()), f"student processes left: {left}"
    assert mode_after == repo_mode, "the repository's permissions were not restored"
    assert measures, "no measurement"


def _data_limit(pid: int) -> tuple[int, int]:
    """Soft and hard RLIMIT_DATA of a process, from /proc (prlimit may be refused here)."""
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max data size"):
            soft, hard = line.split()[3:5]
            return (int(soft), int(hard))
    raise AssertionError(f"/proc/{pid}/limits has no data size line")


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
