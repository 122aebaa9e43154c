"""Shared test configuration.

- ``--run-slow`` enables tests marked ``slow`` (the notebooks under other seeds), and
  ``--run-full`` those marked ``full`` (lectures and solutions under ``COURSE_PROFILE=full``).
- Every test runs with TensorFlow's logs silenced and with a private data cache,
  so tests never depend on (or damage) the user's cache.
- The whole session is offline (``COURSE_OFFLINE=1``, unless already set): ``tests/offline``
  goes on ``PYTHONPATH``, so every Python process the tests start (xdist workers, notebook
  kernels, JupyterLab) fails at once on a connection off this machine instead of hanging
  (see ``tests/offline/course_offline.py``). Loopback stays open for Jupyter's ZMQ.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The network guard, for this process and (through PYTHONPATH/sitecustomize) its children.
OFFLINE_DIR = ROOT / "tests" / "offline"
os.environ.setdefault("COURSE_OFFLINE", "1")
_paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
if str(OFFLINE_DIR) not in _paths:
    os.environ["PYTHONPATH"] = os.pathsep.join([str(OFFLINE_DIR), *_paths])
if str(OFFLINE_DIR) not in sys.path:
    sys.path.insert(0, str(OFFLINE_DIR))
import course_offline  # noqa: E402

course_offline.install_from_env()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="run tests marked slow (notebooks under several seeds)")
    parser.addoption("--run-live", action="store_true", default=False,
                     help="run tests marked live (a live slide deck: make test-live)")
    parser.addoption("--run-full", action="store_true", default=False,
                     help="run tests marked full (notebooks under COURSE_PROFILE=full)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gates = {"slow": ("--run-slow", "make test-seeds"), "full": ("--run-full", "make test-full"),
             "live": ("--run-live", "make test-live")}
    for marker, (option, target) in gates.items():
        if config.getoption(option):
            continue
        skip = pytest.mark.skip(reason=f"{marker}: run with {option} ({target})")
        for item in items:
            if item.get_closest_marker(marker) is not None:
                item.add_marker(skip)


@pytest.fixture
def tmp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty data cache directory."""
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def pytest_configure(config: pytest.Config) -> None:
    """Executed copies of the notebooks nbval runs (instructor/executed.py; consumers reuse them).

    Tests marked ``executed`` read those copies; they are moved after the notebooks' items.
    """
    from instructor.executed import NbvalRecorder

    if not config.pluginmanager.has_plugin("executed-notebooks"):
        config.pluginmanager.register(NbvalRecorder(), "executed-notebooks")
