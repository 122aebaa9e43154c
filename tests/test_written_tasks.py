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

