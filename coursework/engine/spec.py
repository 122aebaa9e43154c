"""The one schema of a task, and of a decide task, as every unit's ``spec.py`` declares them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Choice", "RubricItem", "Task"]


@dataclass(frozen=True)
class RubricItem:
    """One item of a written task's rubric: what a teaching assistant ticks.

    Attributes
    ----------
    id : str
        Short, stable identifier (``"names-the-leak"``), unique within the task.
    text : str
        What the answer must say or do, in words.
    points : float
        Points when the item is ticked.
    """

    id: str
    text: str
    points: float


@dataclass(frozen=True)
class Task:
    """One graded task of an exercise.

    Attributes
    ----------
    notebook : str
        Exercise name without ``.ipynb``, e.g. ``"02_l1_l2_regularization"``.
    number : int
        Task number in that notebook (1-based).
    title : str
        Short title, used in the notebook's heading, messages and CSV headers.
    points : int
        Points for a fully correct answer (the hidden checks may give partial credit).
    kind : str
        ``"code"`` (judged from what the probe reads) or ``"written"`` (prose, graded with
        the rubric by a teaching assistant).
    rubric : tuple of RubricItem
        The rubric of a written task; empty for a code task.
    """

    notebook: str
    number: int
    title: str
    points: int
    kind: str = "code"
    rubric: tuple[RubricItem, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("code", "written"):
            raise ValueError(f"kind must be one of 'code', 'written', got {self.kind!r}")

    @property
    def key(self) -> str:
        """Column name in the grades CSV, e.g. ``"02_l1_l2_regularization:task1"``."""
        return f"{self.notebook}:task{self.number}"


@dataclass(frozen=True)
class Choice:
    """What a decide task asks for: the learner runs candidates and chooses on validation.

    Attributes
    ----------
    runs : str
        Name of the learner's dict ``{candidate: Run}``.
    best : str
        Name of the learner's choice.
    candidates : list
        The values to try (numbers, strings, or tuples of them).
    metric : str
        ``"val_xent"`` (lower is better) or ``"val_accuracy"`` (higher is better).
    what : str
        The hyperparameter in words, for messages ("lambda", "dropout rate").
    data : dict
        Keyword arguments of :func:`helpers.data.load_digits` for the re-evaluation.
    restored : bool
        The runs restore their best weights (early stopping): the model scores the best
        epoch of its history, not the last.
    within : float, optional
        The rule "the smallest candidate whose record is within ``within`` of the best
        record" instead of "the best record".
    reads : str or tuple of str, optional
        How to read back, from each run's model, the hyperparameter it was built or compiled
        with: a reader of :data:`coursework.engine.probe.READERS` (``"l2"``, ``"dropout"``,
        ``"momentum"``, ``"learning_rate"``, ``"initializer"``, ``"batch_norm"``,
        ``"units"``), one per part of a tuple candidate. None: not read back.
    labels : dict, optional
        What the reader reads for each candidate, when that is not the candidate itself
        (``{"he": "HeNormal", ...}``).
    done : str, optional
        What the public check says when every property holds, formatted with ``best``
        (default: "<best> = {best} is the best by your own validation records, ...").
    """

    runs: str
    best: str
    candidates: Sequence[Any]
    metric: str = "val_xent"
    what: str = "value"
    data: Mapping[str, Any] = field(default_factory=dict)
    restored: bool = False
    within: float | None = None
    reads: str | tuple[str, ...] | None = None
    labels: Mapping[Any, Any] = field(default_factory=dict)
    done: str | None = None

    @property
    def higher_is_better(self) -> bool:
        return "acc" in self.metric
