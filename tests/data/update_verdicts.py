"""Re-judge every named case of the units and list (or, with --write, record) each verdict
that differs from tests/data/verdicts_before_units.json.

    PYTHONPATH=. .venv/bin/python tests/data/update_verdicts.py [--write]

The record is the verdicts before the exercises became units; change it only where an issue
asks for a different verdict, in a commit that says why (and lists what this prints).
A written task (issue 22) has public outcomes only (a teaching assistant grades it: no
hidden verdict); the cases no unit names any more (a multiple choice that became a
written task) are listed as GONE and dropped with --write.
"""
import importlib
import json
import sys
import warnings

from coursework.engine import testing, units

warnings.simplefilter("ignore")

path = "tests/data/verdicts_before_units.json"
data = json.load(open(path))
before = data["cases"]
changed = []
named = set()
for nb in units.notebooks():
    mod = importlib.import_module(f"coursework.{units.folder(nb)}.test_unit")
    for n, case in mod.CASES.items():
        for name, ns in testing.named_namespaces(nb, n, case).items():
            named.add(name)
            want = before.setdefault(name, {"public": None, "hidden": None})
            pub = testing.public_outcome(nb, n, ns)
            if pub != want.get("public"):
                changed.append(("PUBLIC", name, want["public"], pub))
                want["public"] = pub
            if case.judged_here:
                v = testing.graded(nb, ns)[n]
                got = {"points": v.points, "status": v.status, "message": v.message}
                if got != want.get("hidden"):
                    changed.append(("HIDDEN", name, want["hidden"], got))
                    want["hidden"] = got
            elif isinstance(case, testing.WrittenCase) and want.get("hidden") is not None:
                changed.append(("HIDDEN", name, want["hidden"], None))
                want["hidden"] = None
for name in sorted(set(before) - named):
    changed.append(("GONE", name, before.pop(name), None))
for c in changed:
    print(c[0], c[1], "\n  was:", c[2], "\n  now:", c[3])
if "--write" in sys.argv:
    json.dump(data, open(path, "w"), indent=1, sort_keys=True, ensure_ascii=False)
