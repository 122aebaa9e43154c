"""Per-student variants and the store seam of :func:`instructor.grade.grade`.

Needs the Debian package ``bubblewrap`` (``apt-get install -y bubblewrap``): the sandbox.

The checks here are a stand-in written for this file (not ``tests/hostile/fakechecks.py``):
one task whose hidden input is derived from the variant the grader passes
(``probe_source(nb, out_file, variant=...)``, ``judge(nb, answers, variant=...)``, HELPERS.md
convention 1). A student who copies another's answers (a table of their hidden inputs) earns
nothing; the variant is ``HMAC-SHA256(secret, student id)``, stable across runs, and part of
what makes a stored result valid; the store is any object with ``get`` / ``put``
(convention 2).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from instructor import grade as g
from instructor import sandbox as sb

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None,
                                reason="needs bubblewrap: apt-get install -y bubblewrap")
NB = "var_ex"
SECRET = b"0123456789abcdef0123456789abcdef"


@dataclass(frozen=True)
class Task:
    notebook: str
    number: int
    title: str
    points: int

    @property
    def key(self) -> str:
        return f"{self.notebook}:task{self.number}"


@dataclass(frozen=True)
class Verdict:
    key: str
    points: float
    status: str
    message: str


class VariantChecks:
    """One task: ``double(x)`` on hidden inputs derived from the variant."""

    def __init__(self) -> None:
        self.probed: dict[str, str | None] = {}
        self.judged: list[str | None] = []

    @staticmethod
    def hidden(variant: str | None) -> list[int]:
        if variant is None:
            return [3, 4]
        return [int(variant[k:k + 6], 16) % 100_000 for k in (0, 6)]

    def notebooks(self) -> list[str]:
        return [NB]

    def tasks(self, notebook: str) -> list[Task]:
        return [Task(NB, 1, "double", 2)]

    def probe_source(self, notebook: str, out_file: str, *, variant: str | None = None) -> str:
        self.probed[out_file + str(len(self.probed))] = variant
        return (f"import json\nwith open({out_file!r}, 'w') as f:\n"
                f"    json.dump([double(x) for x in {self.hidden(variant)!r}], f)\n")

    def judge(self, notebook: str, answers: object, *, variant: str | None = None
              ) -> list[Verdict]:
        self.judged.append(variant)
        right = answers == [2 * x for x in self.hidden(variant)]
        return [Verdict(f"{NB}:task1", 2 if right else 0, "pass" if right else "fail",
                        "hidden inputs: " + ("passed" if right else "failed"))]

    def fingerprint(self, notebook: str) -> str:
        return "v1"


class DictStore:
    """A store in memory that records every call (what a gradebook gets from the grader)."""

    def __init__(self, answer: dict | None = None) -> None:
        self.data: dict = {}
        self.gets: list[tuple] = []
        self.puts: list[tuple] = []
        self.answer = answer

    def get(self, student, notebook, digest, settings):
        self.gets.append((student, notebook, digest, settings))
        if self.answer is not None:
            return self.answer
        return self.data.get((student, notebook, digest, settings))

    def put(self, student, notebook, digest, settings, result):
        self.puts.append((student, notebook, digest, settings, result))
        self.data[(student, notebook, digest, settings)] = result


def _variant(student: str) -> str:
    return hmac.new(SECRET, student.encode(), hashlib.sha256).hexdigest()


def _write(path: Path, source: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), path)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("variants")
    subs = base / "subs"
    alice_inputs = VariantChecks.hidden(_variant("alice"))
    _write(subs / "alice" / f"{NB}.ipynb", "def double(x):\n    return 2 * x")
    table = {x: 2 * x for x in alice_inputs}  # what alice's hidden cases want, shared
    _write(subs / "bob" / f"{NB}.ipynb", f"TABLE = {table!r}\ndef double(x):\n"
                                          "    return TABLE.get(x, 0)")
    (base / "course.secret").write_bytes(SECRET)
    checks, store = VariantChecks(), DictStore()
    limits = sb.Limits(timeout=20, probe_timeout=15, startup=60)
    g.grade(subs, base / "out" / "grades.csv", jobs=2, limits=limits, checks=checks,
            store=store, secret_file=base / "course.secret", progress=lambda _: None)
    with (base / "out" / "grades.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return {"base": base, "subs": subs, "checks": checks, "store": store, "rows": rows,
            "limits": limits}


def test_variants_are_hmac_of_the_student_id(run: dict) -> None:
    checks = run["checks"]
    assert sorted(checks.probed.values()) == sorted([_variant("alice"), _variant("bob")])
    assert sorted(checks.judged) == sorted([_variant("alice"), _variant("bob")])
    assert VariantChecks.hidden(_variant("alice")) != VariantChecks.hidden(_variant("bob"))


def test_shared_answers_do_not_transfer(run: dict) -> None:
    assert run["rows"]["alice"]["total"] == "2"
    assert run["rows"]["bob"]["total"] == "0"  # alice's table, bob's hidden inputs


def test_the_store_seam_gets_the_agreed_result(run: dict) -> None:
    puts = {p[0]: p for p in run["store"].puts}
    assert sorted(puts) == ["alice", "bob"]
    student, notebook, digest, settings, result = puts["alice"]
    assert notebook == NB and len(digest) == 64 and len(settings) == 64
    assert set(result) == {"status", "seconds", "tasks"} and result["status"] == "ok"
    assert result["tasks"] == {f"{NB}:task1": {"points": 2.0, "max": 2.0, "status": "pass",
                                               "message": "hidden inputs: passed"}}
    assert puts["alice"][3] != puts["bob"][3]  # the variant is part of the settings


def test_same_secret_same_variant_other_secret_regrades(run: dict) -> None:
    base, subs, store = run["base"], run["subs"], run["store"]
    checks = VariantChecks()
    g.grade(subs, base / "again" / "grades.csv", checks=checks, store=store,
            limits=run["limits"], secret_file=base / "course.secret", progress=lambda _: None)
    assert checks.probed == {} and len(store.puts) == 2  # all resumed: nothing ran again
    (base / "other.secret").write_bytes(b"another secret of 32 bytes......")
    cached = {"status": "ok", "seconds": 1.0, "tasks": {}}
    spy = DictStore(answer=cached)
    g.grade(subs, base / "other" / "grades.csv", checks=VariantChecks(), store=spy,
            limits=run["limits"], secret_file=base / "other.secret", progress=lambda _: None)
    before = {p[0]: p[3] for p in store.puts}
    after = {s[0]: s[3] for s in spy.gets}
    assert all(after[k] != before[k] for k in before)  # another secret: other settings


def test_secret_default_file_and_place(tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    _write(subs / "carol" / f"{NB}.ipynb", "x = 1")
    with pytest.raises(ValueError, match="must not be inside the submissions folder"):
        g.grade(subs, tmp_path / "g.csv", checks=VariantChecks(), sandbox=False,
                secret_file=subs / "s", progress=lambda _: None,
                store=DictStore(answer={"status": "ok", "seconds": 0.0, "tasks": {}}))
    g.grade(subs, tmp_path / "g.csv", checks=VariantChecks(), sandbox=False,
            progress=lambda _: None,
            store=DictStore(answer={"status": "ok", "seconds": 0.0, "tasks": {}}))
    secret = tmp_path / "g.secret"
    assert secret.stat().st_mode & 0o777 == 0o600 and len(secret.read_bytes().strip()) == 64
    first = secret.read_bytes()
    g.grade(subs, tmp_path / "g.csv", checks=VariantChecks(), sandbox=False,
            progress=lambda _: None,
            store=DictStore(answer={"status": "ok", "seconds": 0.0, "tasks": {}}))
    assert secret.read_bytes() == first  # made once
