"""Where finished results are kept: the resume state (a JSON file) or a gradebook.

A store has two methods (the seam a gradebook implements, e.g. a SQLite one)::

    get(student, notebook, digest, settings) -> dict | None
    put(student, notebook, digest, settings, result) -> None

``result`` is ``{"status": str, "seconds": float, "tasks": {key: {"points", "max",
"status", "message"}}}``; ``digest`` is the sha256 of the submitted file and ``settings`` a
hash of what else decides the result (the checks' fingerprint, the limits, the sandbox,
the student's variant). :func:`safe_result` is applied before a result is stored and after
it is read back: a stored result can always be written out (no lone surrogate, no control
character, no unbounded text), and a malformed one is not used.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Protocol

from instructor.grading.text import MESSAGE_CHARS, STATUS_CHARS, clean

__all__ = ["STATE_VERSION", "JsonStore", "Store", "safe_result"]

STATE_VERSION = 2


class Store(Protocol):
    def get(self, student: str, notebook: str, digest: str, settings: str) -> dict | None: ...

    def put(self, student: str, notebook: str, digest: str, settings: str,
            result: dict) -> None: ...


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0


def safe_result(result: Any) -> dict | None:
    """``result`` in the agreed shape with every string cleaned, or ``None`` if malformed."""
    if not isinstance(result, dict) or not isinstance(result.get("tasks"), dict):
        return None
    tasks = {}
    for key, task in result["tasks"].items():
        if not isinstance(task, dict):
            return None
        tasks[clean(key, 100)] = {"points": _number(task.get("points")),
                                  "max": _number(task.get("max")),
                                  "status": clean(task.get("status", ""), 40),
                                  "message": clean(task.get("message", ""), MESSAGE_CHARS)}
    return {"status": clean(result.get("status", ""), STATUS_CHARS),
            "seconds": _number(result.get("seconds")), "tasks": tasks}


class JsonStore:
    """``<out>.state.json``: finished notebooks, rewritten atomically after each one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, dict[str, Any]] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == STATE_VERSION and isinstance(data["entries"], dict):
                self.entries = data["entries"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass

    def get(self, student: str, notebook: str, digest: str, settings: str) -> dict | None:
        entry = self.entries.get(student, {}).get(notebook) \
            if isinstance(self.entries.get(student), dict) else None
        if isinstance(entry, dict) and entry.get("digest") == digest \
                and entry.get("settings") == settings:
            return safe_result(entry.get("result"))
        return None

    def put(self, student: str, notebook: str, digest: str, settings: str,
            result: dict) -> None:
        safe = safe_result(result)
        if safe is None:
            raise ValueError(f"not a result: {str(result)[:200]}")
        self.entries.setdefault(student, {})[notebook] = {
            "digest": digest, "settings": settings, "result": safe}
        text = json.dumps({"version": STATE_VERSION, "entries": self.entries},
                          ensure_ascii=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text, encoding="ascii")
        os.replace(tmp, self.path)
