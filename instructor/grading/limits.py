"""What one notebook may use, in one place: :class:`Limits`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Limits", "MEMORY_MINIMUM", "limits_dict"]

#: the least memory a kernel needs to start
MEMORY_MINIMUM = 100 * 2**20


@dataclass(frozen=True)
class Limits:
    """What one notebook may use.

    Attributes
    ----------
    timeout : float
        Seconds for all the notebook's cells together.
    probe_timeout : float
        Seconds for the probe (the grader's questions) after them.
    memory : int
        Bytes for everything the notebook's processes hold together, shared memory and tmpfs
        files included (a memory cgroup where the machine gives one), and ``RLIMIT_DATA``.
    processes : int
        Processes at once (kernel, runner and whatever a cell starts).
    output : int
        Bytes: the largest file it may write, and the size of each writable place
        (``/sandbox/work``, ``/tmp``, ``/dev/shm``, ``/sandbox/out``).
    startup : float
        Seconds allowed beyond the two timeouts (kernel start, clean-up).
    notebook_bytes : int
        The largest submitted ``.ipynb`` file graded (larger: status ``too large``).
    cells : int
        The most cells a graded notebook may have (more: status ``too many cells``).
    parse_timeout : float
        Seconds the runner may take to parse the notebook (longer: ``parse time limit``).
    """

    timeout: float = 300.0
    probe_timeout: float = 60.0
    memory: int = int(2.5 * 2**30)
    processes: int = 64
    output: int = 256 * 2**20
    startup: float = 90.0
    notebook_bytes: int = 10 * 2**20
    cells: int = 2000
    parse_timeout: float = 30.0

    @property
    def wall(self) -> float:
        """Hard wall-clock limit of the whole sandbox, seconds."""
        return self.timeout + self.probe_timeout + self.startup + self.parse_timeout

    @property
    def cpu(self) -> int:
        """``RLIMIT_CPU`` of each process, seconds (two cores busy for the whole wall time)."""
        return int(2 * self.wall) + 1


def limits_dict(limits: Limits) -> dict[str, Any]:
    """``limits`` as plain data (what travels to a Dask worker)."""
    return asdict(limits)
