"""Written tasks at grading (issue 22): no autograde points; the grades CSV and the feedback
say that a teaching assistant grades them (the fixture's task 3; the real units' written
tasks are tested in coursework/engine/test_engine.py and each unit's test_unit.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from instructor.grading import verdicts
from instructor.grading.verdicts import TEACHING_ASSISTANT

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ta_fixture as fx  # noqa: E402


def test_a_written_task_is_the_teaching_assistants_in_every_outcome() -> None:
    right = json.dumps({"task1": [6.0, -14.0, 5.0], "task2": 42})
    for answers in (right, None, "{not json"):
        tasks, _ = verdicts.judge(fx, fx.NAME, answers)
        t3 = tasks[f"{fx.NAME}:task3"]
        assert (t3["points"], t3["max"], t3["status"]) == (0.0, 3.0, TEACHING_ASSISTANT)
        assert "teaching assistant grades it with the rubric (3 points)" in t3["message"]
    tasks, _ = verdicts.judge(fx, fx.NAME, right)
    assert tasks[f"{fx.NAME}:task1"]["points"] == 2.0
    # a notebook that did not run: its code tasks say why, the written one stays the TA's
    empty = verdicts.empty(fx, fx.NAME, "the notebook timed out")
    assert empty[f"{fx.NAME}:task1"]["message"] == "the notebook timed out"
    assert empty[f"{fx.NAME}:task3"]["status"] == TEACHING_ASSISTANT



def test_a_real_unit_with_a_written_task_is_judged_the_same_way() -> None:
    from instructor import checks

    written = [(nb, t) for nb in checks.notebooks() for t in checks.tasks(nb)
               if t.kind == "written"]
    assert written, "no exercise has a written task"
    for nb, t in written:
        assert t.key not in {v.key for v in checks.judge(nb, {"notebook": nb, "tasks": {}})}
        tasks, _ = verdicts.judge(checks, nb, json.dumps({"notebook": nb, "tasks": {}}))
        assert tasks[t.key]["status"] == TEACHING_ASSISTANT and tasks[t.key]["points"] == 0


def test_the_ta_reads_every_real_written_answer() -> None:
    """The rubric page's reader finds the model answer in each solution and an empty answer
    (no problem) in each released exercise."""
    from instructor import checks
    from instructor.ta import answers

    root = Path(__file__).resolve().parents[1]
    for nb in checks.notebooks():
        for t in checks.tasks(nb):
            if t.kind != "written":
                continue
            model = answers.extract((root / "solutions" / f"{nb}.ipynb").read_bytes(), t.number)
            blank = answers.extract((root / "exercises" / f"{nb}.ipynb").read_bytes(), t.number)
            assert len(model.text.split()) >= 40 and not model.problem, (nb, t.number)
            assert blank.empty and not blank.problem, (nb, t.number)
            assert 2 <= len(t.rubric) <= 3 and sum(r.points for r in t.rubric) == t.points
