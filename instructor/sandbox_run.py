"""Run one submitted notebook and the grader's probe; the only grading code inside the sandbox.

::

    python sandbox_run.py JOB.json

This file runs *inside* the sandbox (:mod:`instructor.sandbox` binds it read-only, alone,
at ``/grader/run.py``), so it imports nothing from ``instructor`` or ``helpers``: only the
standard library, nbformat and nbclient. It decides no points. ``JOB.json`` says::

    {"notebook": path, "probe": python source, "workdir": path, "status": path,
     "timeout": s, "probe_timeout": s, "limits": {"data": bytes, "cpu": s, "fsize": bytes,
     "nproc": n or null}}

The runner

1. lowers its own resource limits (inherited by the kernel and everything it starts;
   soft = hard, so no student code can raise them again);
2. keeps the notebook's code cells, without the self-check cells, and runs them in a
   fresh ``python3`` kernel, going on past cells that raise, within ``timeout`` seconds
   for all of them (a cell still running then is interrupted);
3. runs the probe (which writes the answers file) within ``probe_timeout`` seconds;
4. writes ``status`` (JSON) after every cell, so that the grader outside knows where the
   notebook was even if everything here is killed.

Outputs are not kept (a flood of prints costs time, not memory): only errors are.
``status`` is written by a process that ran student code, so the grader treats it as
untrusted data (size-capped, ``json.loads``, used for the status column only).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

CHECK_PATTERNS = ("check_task(", "helpers.selfcheck")
MAX_TEXT = 300


def is_check_cell(cell: Any) -> bool:
    """Whether ``cell`` is a self-check cell (not run at grading: the probe decides)."""
    if cell.get("cell_type") != "code":
        return False
    if "check" in cell.get("metadata", {}).get("tags", []):
        return True
    return any(p in cell.get("source", "") for p in CHECK_PATTERNS)


def set_limits(limits: dict[str, Any]) -> None:
    """Lower this process's limits (soft = hard): memory, CPU, file size, processes, core."""
    table = {"data": resource.RLIMIT_DATA, "cpu": resource.RLIMIT_CPU,
             "fsize": resource.RLIMIT_FSIZE, "nproc": resource.RLIMIT_NPROC}
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, which in table.items():
        value = limits.get(name)
        if value:
            resource.setrlimit(which, (int(value), int(value)))


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


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Run the notebook and the probe as ``job`` says; return the final status."""
    import nbformat

    status: dict[str, Any] = {"state": "starting", "cell": None, "error": None,
                              "error_cell": None, "probe": "not run", "cell_seconds": 0.0}

    def save() -> None:
        tmp = job["status"] + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(status, f)
        os.replace(tmp, job["status"])

    save()
    nb = nbformat.read(job["notebook"], as_version=4)
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
    status["finished"] = True
    save()
    return status


def main(argv: list[str]) -> int:
    with open(argv[1], encoding="utf-8") as f:
        job = json.load(f)
    set_limits(job.get("limits", {}))
    os.chdir(job["workdir"])
    run(job)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
