"""Run one submitted notebook and the grader's probe; the only grading code inside the sandbox.

::

    python sandbox_run.py JOB.json

This file runs *inside* the sandbox (:mod:`instructor.sandbox` binds it read-only, alone,
at ``/sandbox/run.py``), so it imports nothing from ``instructor`` or ``helpers``: only the
standard library, nbformat and nbclient. It decides no points. ``JOB.json`` says::

    {"notebook": path, "probe": python source, "workdir": path, "answers": path,
     "channel": fd, "timeout": s, "probe_timeout": s, "max_cells": n,
     "answers_cap": bytes, "limits": {"data": bytes, "cpu": s, "fsize": bytes,
     "nproc": n or null}}

The runner

1. makes itself non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``): no process it starts can open
   its file descriptors through ``/proc``, read or write its memory, or trace it (they have no
   capabilities); the ``channel`` is a pipe to the grader, closed on exec, so no student
   process ever holds it: what arrives on it was written by this runner;
2. lowers its own resource limits (inherited by the kernel and everything it starts;
   soft = hard, so no student code can raise them again);
3. parses the notebook here, in the sandbox, under its caps (at most ``max_cells`` cells);
4. keeps the notebook's code cells except the check cells (tag ``check``: every cell the
   student wrote runs) and runs them in a fresh ``python3`` kernel, going on past cells
   that raise, within ``timeout`` seconds for all of them (a cell still running then is
   interrupted);
5. runs the probe (which writes the answers file) within ``probe_timeout`` seconds, and
   sends the answers file's text (at most ``answers_cap`` bytes, a regular file) with the
   final status;
6. sends its status (one JSON line) before every cell, so that the grader outside knows
   where the notebook was even if everything here is killed.

Outputs are not kept (a flood of prints costs time, not memory): only errors are. The
answers were written by the kernel, which ran student code: the grader judges them as data.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import stat
import subprocess
import sys
import time
from typing import Any

MAX_TEXT = 300
PR_SET_DUMPABLE = 4


def is_check_cell(cell: Any) -> bool:
    """Whether ``cell`` is a check cell (tag ``check``): not run at grading, the probe decides."""
    return cell.get("cell_type") == "code" and \
        "check" in (cell.get("metadata", {}).get("tags") or [])


def set_limits(limits: dict[str, Any]) -> None:
    """Lower this process's limits (soft = hard): memory, CPU, file size, processes, core."""
    table = {"data": resource.RLIMIT_DATA, "cpu": resource.RLIMIT_CPU,
             "fsize": resource.RLIMIT_FSIZE, "nproc": resource.RLIMIT_NPROC}
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, which in table.items():
        value = limits.get(name)
        if value:
            resource.setrlimit(which, (int(value), int(value)))


def not_dumpable() -> bool:
    """Make this process non-dumpable (Linux); whether it worked."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def read_capped(path: str, cap: int) -> str | None:
    """The text of ``path`` if it is a regular file of at most ``cap`` bytes (no link, no FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return None
        data = os.read(fd, cap + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) > cap:
        return None
    return data.decode("utf-8", errors="replace")


def _client(nb: Any, workdir: str) -> Any:
    from nbclient import NotebookClient

    class Client(NotebookClient):
        timed_out = False

        async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
            self.timed_out = True
            return await super()._async_handle_timeout(timeout, cell)

        def output(self, outs: list, msg: dict, display_id: Any, cell_index: int) -> Any:
            if msg.get("msg_type") != "error":
                return None  # prints, plots, widgets: not needed to grade, never stored
            return super().output(outs, msg, display_id, cell_index)

    return Client(nb, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
                  error_on_timeout={"ename": "Timeout", "evalue": "", "traceback": []},
                  startup_timeout=90, shutdown_kernel="immediate",
                  resources={"metadata": {"path": workdir}})


def _error(cell: Any) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            value = str(out.get("evalue", "")).strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0] if value else ''}"[:MAX_TEXT]
    return None


def _responds(client: Any, seconds: int = 5) -> bool:
    """Whether the kernel runs a trivial cell within ``seconds`` (after an interrupt)."""
    import nbformat

    client.timed_out = False
    client.timeout = seconds
    client.execute_cell(nbformat.v4.new_code_cell("pass"), 0)
    return not client.timed_out


def _parse(job: dict[str, Any], status: dict[str, Any]) -> Any:
    """The notebook, or ``None`` with ``status`` saying why it cannot run."""
    import nbformat

    try:
        with open(job["notebook"], "rb") as f:
            text = f.read().decode("utf-8")
        raw = json.loads(text)
        cells = raw.get("cells") if isinstance(raw, dict) else None
        if not isinstance(cells, list):
            raise ValueError("no list of cells")
        if len(cells) > int(job["max_cells"]):
            status.update(state="too many cells", cells=len(cells))
            return None
        return nbformat.reads(text, as_version=4)
    except Exception as err:  # not UTF-8, not JSON, not a notebook
        status.update(state="unreadable", error=type(err).__name__)
        return None


def run(job: dict[str, Any], send: Any) -> dict[str, Any]:
    """Run the notebook and the probe as ``job`` says, ``send``-ing the status; return it."""
    import nbformat

    # nbformat loads its schema on the first parse: a fixed cost, not the notebook's
    nbformat.reads(nbformat.writes(nbformat.v4.new_notebook()), as_version=4)
    status: dict[str, Any] = {"state": "parsing", "cell": None, "error": None,
                              "error_cell": None, "probe": "not run", "cell_seconds": 0.0}

    def save() -> None:
        send(status)

    save()
    nb = _parse(job, status)
    if nb is None:
        status["finished"] = True
        save()
        return status
    status["state"] = "starting"  # the parse clock stops here, not after nbclient's import
    save()
    cells = [(i + 1, c) for i, c in enumerate(nb.cells)
             if c.get("cell_type") == "code" and not is_check_cell(c)]
    run_nb = nbformat.v4.new_notebook()
    run_nb.cells = [nbformat.v4.new_code_cell(c.get("source", "")) for _, c in cells]
    run_nb.cells.append(nbformat.v4.new_code_cell(job["probe"]))
    client = _client(run_nb, job["workdir"])
    start = time.monotonic()
    try:
        with client.setup_kernel(stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL):
            status["state"] = "running"
            start = time.monotonic()  # the timeout is for the cells, not the kernel start
            deadline = start + float(job["timeout"])
            for k, (number, _) in enumerate(cells):
                status["cell"] = number
                save()
                left = deadline - time.monotonic()
                if left < 1:
                    status["state"] = "timeout"
                    break
                client.timeout = max(1, int(left))
                client.execute_cell(run_nb.cells[k], k)
                if client.timed_out:
                    status["state"] = "timeout"
                    break
                err = _error(run_nb.cells[k])
                if err and status["error"] is None:
                    status["error"], status["error_cell"] = err, number
            status["cell_seconds"] = time.monotonic() - start
            if status["state"] == "running":
                status["state"] = "done"
                status["cell"] = None
            elif not _responds(client, min(15, int(job["probe_timeout"]))):
                status["probe"] = "kernel busy"  # the cell ignored the interrupt
                status["finished"] = True
                save()
                return status
            status["probe"] = "running"
            save()
            client.timed_out = False
            client.timeout = max(1, int(job["probe_timeout"]))
            client.execute_cell(run_nb.cells[-1], len(cells))
            status["probe"] = "timeout" if client.timed_out else "done"
    except Exception as err:  # the kernel died (os._exit, a signal, a limit) or never started
        status["kernel_died"] = f"{type(err).__name__}: {err}"[:MAX_TEXT]
    status["cell_seconds"] = status["cell_seconds"] or time.monotonic() - start
    status["answers"] = read_capped(job["answers"], int(job["answers_cap"]))
    status["finished"] = True
    save()
    return status


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        job = json.load(f)
    channel = int(job["channel"])
    os.set_inheritable(channel, False)
    not_dumpable()
    set_limits(job.get("limits", {}))
    os.chdir(job["workdir"])

    def send(status: dict[str, Any]) -> None:
        data = (json.dumps(status, ensure_ascii=True) + "\n").encode("ascii")
        while data:
            data = data[os.write(channel, data):]

    run(job, send)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
