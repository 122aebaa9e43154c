"""Probe notebooks in real kernels and record their answers in
tests/data/notebook_answers_before_units.json.gz (the record the engine test judges).

    PYTHONPATH=. .venv/bin/python tests/data/record_notebook_answers.py solutions/06_dropout ...

For each named notebook (``solutions/NN_topic`` or ``exercises/NN_topic``) it runs the notebook
without its check cells, then the probe, in one kernel (as tests/test_exercises.py does), and
prints each task whose verdict differs from the recorded one. With --write it stores the new
answers (and, with --verdicts, their verdicts too). Re-record a notebook only when the probe
reads something new (say why in the commit); the recorded verdicts change only where an issue
asks for a different verdict.

    PYTHONPATH=. .venv/bin/python tests/data/record_notebook_answers.py --rejudge [--write]

judges every recorded answer again (no kernel) and lists, or with --write stores, each verdict
that changed.
"""
import gzip
import json
import sys
import tempfile
import warnings
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from instructor import checks

warnings.simplefilter("ignore")
ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "tests" / "data" / "notebook_answers_before_units.json.gz"


def probe(name: str) -> dict:
    nb = nbformat.read(ROOT / f"{name}.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells
                if not (c.cell_type == "code" and "check" in c.metadata.get("tags", []))]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "answers.json"
        nb.cells.append(nbformat.v4.new_code_cell(checks.probe_source(name.split("/")[1],
                                                                      str(out))))
        NotebookClient(nb, timeout=900, allow_errors=True, kernel_name="python3",
                       resources={"metadata": {"path": tmp}}).execute()
        return json.loads(out.read_text(encoding="utf-8"))


with gzip.open(PATH, "rt", encoding="utf-8") as f:
    record = json.load(f)
names = [a for a in sys.argv[1:] if not a.startswith("--")]
if "--rejudge" in sys.argv:
    names = sorted(record)
    sys.argv.append("--verdicts")
for name in names:
    answers = record[name]["answers"] if "--rejudge" in sys.argv else probe(name)
    verdicts = {v.key: {"points": v.points, "status": v.status, "message": v.message}
                for v in checks.judge(name.split("/")[1], answers)}
    for key, v in verdicts.items():
        if v != record[name]["verdicts"].get(key):
            print("CHANGED", name, key, "\n  was:", record[name]["verdicts"].get(key),
                  "\n  now:", v)
    print("probed", name, {k: v["points"] for k, v in verdicts.items()}, flush=True)
    record[name]["answers"] = answers
    if "--verdicts" in sys.argv:
        record[name]["verdicts"] = verdicts
if "--write" in sys.argv:
    with gzip.open(PATH, "wt", encoding="utf-8") as f:
        json.dump(record, f, sort_keys=True)
