"""The class report for the lecturer: one self-contained HTML page with inline plots.

Per task, the distribution of points over the students who submitted; which tasks (the
autograded checks) and which rubric items most students missed; how many submissions were
late or missing. Images are PNGs inlined as ``data:`` URLs: the page opens offline.
"""

from __future__ import annotations

import base64
import html
import io
from collections import Counter
from pathlib import Path
from typing import Any

from instructor.ta.marks import ExerciseMark

__all__ = ["write_report"]


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def write_report(marks: dict[str, list[ExerciseMark]], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    e = html.escape
    notebooks = sorted({m.notebook for ms in marks.values() for m in ms})
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Class report</title>"
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "img{max-width:100%}td,th{border:1px solid #bbb;padding:.2em .5em}"
             "table{border-collapse:collapse}</style></head><body>",
             f"<h1>Class report: {len(marks)} students</h1>"]
    for nb in notebooks:
        ems = [m for ms in marks.values() for m in ms if m.notebook == nb]
        status = Counter(m.status for m in ems)
        handed = [m for m in ems if m.status != "missing"]
        parts.append(f"<h2>{e(nb)}</h2><p>on time {status['on time']}, late "
                     f"{status['late']}, missing {status['missing']}</p>")
        if not handed:
            continue
        tasks = handed[0].tasks
        fig, axes = plt.subplots(1, len(tasks), figsize=(3.2 * len(tasks), 2.6),
                                 squeeze=False)
        for ax, t in zip(axes[0], tasks, strict=True):
            pts = [next(x.points for x in m.tasks if x.key == t.key) for m in handed]
            ax.hist(pts, bins=[i / 2 - 0.25 for i in range(int(t.max * 2) + 2)],
                    color="#4477aa")
            ax.set_title(f"{t.key.split(':')[-1]} ({t.kind})", fontsize=9)
            ax.set_xlabel("points")
            ax.set_ylabel("students")
        fig.suptitle(f"{nb}: points per task (students who submitted)", fontsize=10, y=1.06)
        parts.append(f"<img alt='points per task' src='{_png(fig)}'>")
        missed = []
        for t in tasks:
            short = sum(1 for m in handed
                        for x in m.tasks if x.key == t.key and x.points < x.max)
            missed.append((f"{t.key.split(':')[-1]}: {t.title}"[:40], short / len(handed)))
            for item_id, text, _p, _ok in t.items:
                miss = sum(1 for m in handed for x in m.tasks if x.key == t.key
                           for i in x.items if i[0] == item_id and not i[3])
                missed.append((f"{t.key.split(':')[-1]} rubric: {text}"[:40],
                               miss / len(handed)))
        missed.sort(key=lambda x: x[1])
        fig, ax = plt.subplots(figsize=(7, 0.35 * len(missed) + 1))
        ax.barh([m[0] for m in missed], [m[1] for m in missed], color="#cc6677")
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of students who submitted that missed it")
        ax.set_title(f"{nb}: tasks without full points and rubric items not met", fontsize=10)
        parts.append(f"<img alt='most missed' src='{_png(fig)}'>")
        parts.append("<table><tr><th>missed</th><th>share</th></tr>" + "".join(
            f"<tr><td>{e(name)}</td><td>{share:.0%}</td></tr>"
            for name, share in reversed(missed)) + "</table>")
    parts.append("</body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
