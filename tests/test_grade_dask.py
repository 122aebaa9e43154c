"""A real Dask scheduler and two workers on 127.0.0.1 grade a class exactly like --jobs 1.

Needs the Debian package ``bubblewrap`` (``apt-get install -y bubblewrap``): the sandbox
runs on every worker.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from instructor import grade as g
from instructor import sandbox as sb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from test_grader import make_class  # noqa: E402
from test_hostile import load_fake_checks  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="needs bubblewrap: apt-get install -y bubblewrap")
DASK = str(Path(sys.executable).with_name("dask"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL,
                              stderr=(logs / "scheduler.log").open("w"))]
    for k in range(2):
        procs.append(subprocess.Popen(
            [DASK, "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
             "--no-dashboard", "--name", f"w{k}"], stdout=subprocess.DEVNULL,
            stderr=(logs / f"worker{k}.log").open("w")))
    from distributed import Client
    with Client(address, timeout="60s") as client:
        client.wait_for_workers(2, timeout=120)
    yield address
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def test_dask_workers_grade_like_one_job(cluster: str, tmp_path: Path) -> None:
    subs = tmp_path / "submissions"
    make_class(subs, small=True)
    limits = sb.Limits(timeout=8, probe_timeout=10, startup=60)
    outs = {}
    for name, kwargs in {"one": {"jobs": 1}, "dask": {"scheduler": cluster},
                         "local": {"scheduler": "local", "jobs": 2}}.items():
        (tmp_path / name).mkdir()
        outs[name] = tmp_path / name / "grades.csv"
        start = time.perf_counter()
        g.grade(subs, outs[name], limits=limits, checks=load_fake_checks(),
                progress=lambda _: None, **kwargs)
        print(f"{name}: {time.perf_counter() - start:.1f} s")
    one = outs["one"].read_text(encoding="utf-8")
    assert "alice,2,1,3,ok" in one
    assert outs["dask"].read_text(encoding="utf-8") == one
    assert outs["local"].read_text(encoding="utf-8") == one
