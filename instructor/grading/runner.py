"""Sandboxes run on threads of this machine, or on a Dask cluster."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import as_completed as futures_completed
from typing import Any

from instructor import sandbox as sb

__all__ = ["Runner"]


class Runner:
    """Runs :func:`instructor.sandbox.run_submission` jobs with threads, or on Dask."""

    def __init__(self, jobs: int, scheduler: str | None) -> None:
        self.client = self.cluster = self.pool = None
        if scheduler is None:
            self.pool = ThreadPoolExecutor(max_workers=jobs)
            return
        try:
            from distributed import Client, LocalCluster
        except ImportError as err:
            raise RuntimeError("--scheduler needs Dask: pip install -e '.[grading]' "
                               "(the grader's machine and every worker)") from err
        try:
            if scheduler == "local":
                self.cluster = LocalCluster(n_workers=jobs, threads_per_worker=1,
                                            dashboard_address=":0")
                self.client = Client(self.cluster)
            else:
                self.client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as err:
            raise RuntimeError(f"cannot reach the Dask scheduler at {scheduler!r}: {err}"
                               ) from err

    def run(self, tasks: list[tuple[Any, tuple]]) -> Iterator[tuple[Any, dict | BaseException]]:
        """``(job, result)`` as each finishes; ``result`` is the exception if the job raised."""
        by_future = {}
        for job, args in tasks:
            if self.client is not None:
                future = self.client.submit(sb.run_submission, *args, pure=False)
            else:
                future = self.pool.submit(sb.run_submission, *args)
            by_future[future] = job
        if self.client is not None:
            from distributed import as_completed
            done: Iterable = as_completed(list(by_future))
        else:
            done = futures_completed(list(by_future))
        for future in done:
            try:
                result = future.result()
            except Exception as err:  # one job's failure is its student's status
                result = err
            yield by_future[future], result

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
