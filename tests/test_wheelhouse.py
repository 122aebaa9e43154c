"""The offline room: a wheelhouse for this machine's platform and Python, a fresh venv installed
from it with the network cut (a new network namespace: ``unshare -n``), and a lecture run there.

The build needs PyPI (and uv); the install and the notebook run have no network at all.
Marked ``classroom``: it takes minutes (docs/classroom.md gives the measured time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from instructor import wheelhouse

ROOT = Path(__file__).resolve().parents[1]
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"
NOTEBOOK = "notebooks/00_start_here.ipynb"


def _online_env() -> dict[str, str]:
    """The environment without the test session's network guard: building needs PyPI."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["COURSE_OFFLINE"] = "0"
    return env


def test_requirements_are_pyprojects() -> None:
    reqs = wheelhouse.requirements()
    names = {r.split(";")[0].split(">")[0].split("<")[0].split("=")[0].strip() for r in reqs}
    # the student's runtime, not only the course's libraries
    assert {"jupyterlab", "ipykernel", "ipywidgets", "tensorflow-cpu", "tensorflow"} <= names


def test_unknown_platform_and_version_are_named() -> None:
    with pytest.raises(ValueError, match="'amiga'"):
        wheelhouse.build(Path("/nonexistent"), ["amiga"], ["3.11"])
    with pytest.raises(ValueError, match="'311'"):
        wheelhouse.build(Path("/nonexistent"), ["linux"], ["311"])


def test_student_wheel_has_helpers_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in _online_env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("PYTHONPATH", raising=False)
    wheel = wheelhouse.student_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "helpers/config.py" in names
    assert not [n for n in names if n.startswith(("instructor/", "solutions/", "tests/"))], (
        "the student's wheel must not carry the grader or the answers")


def _unshare_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    done = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return done.returncode == 0


@pytest.mark.classroom
def test_offline_install_runs_a_lecture(tmp_path: Path) -> None:
    if not _unshare_works():
        pytest.skip("needs `unshare -n` (root, or user namespaces) and iproute2's `ip`")
    house = tmp_path / "wheelhouse"
    env = _online_env()
    done = subprocess.run([sys.executable, "-m", "instructor.wheelhouse", "--out", str(house),
                           "--platform", "linux-x86_64", "--python", PYTHON],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    tag = f"linux-x86_64-cp{PYTHON.replace('.', '')}"
    assert (house / "requirements" / f"{tag}.txt").exists(), done.stdout
    assert any(p.name.startswith("tensorflow_cpu-") for p in (house / "wheels").iterdir())
    assert not (house / "course" / "solutions").exists()

    # A student machine without network: a fresh network namespace has only a loopback
    # (brought up: Jupyter's kernel talks to its client over 127.0.0.1).
    target = tmp_path / "student"
    offline = {k: v for k, v in env.items() if not k.startswith(("PIP_", "UV_"))}
    # PIP_CONFIG_FILE: no find-links or index of this machine's pip.conf may fill a gap
    offline.update(HOME=str(tmp_path / "home"), PIP_NO_CACHE_DIR="1", TF_CPP_MIN_LOG_LEVEL="2",
                   PIP_CONFIG_FILE=os.devnull,
                   COURSE_CACHE_DIR=str(tmp_path / "cache"), PYTHON=sys._base_executable)
    (tmp_path / "home").mkdir()
    script = (f"ip link set lo up && sh {house}/install-offline.sh {target} && "
              f"cd {target} && .venv/bin/python -m jupyter nbconvert --to notebook --execute "
              f"--ExecutePreprocessor.timeout=600 --output-dir {tmp_path / 'out'} {NOTEBOOK}")
    done = subprocess.run(["unshare", "-n", "sh", "-c", script], env=offline,
                          capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert (target / "exercises").is_dir() and (target / NOTEBOOK).exists()
    ran = (tmp_path / "out" / Path(NOTEBOOK).name).read_text(encoding="utf-8")
    assert '"output_type": "error"' not in ran
    assert "image/png" in ran, "the lecture drew no plot"
    site = next((target / ".venv" / "lib").glob("python3*/site-packages"))
    assert (site / "helpers").is_dir() and not (site / "instructor").exists()
