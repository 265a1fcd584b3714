"""Progress of a stage or a plan: counts by status, percent done (weighted), lateness."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .states import FINISHED_TASK_STATUSES, OPEN_TASK_STATUSES, TaskStatus


@dataclass(frozen=True, slots=True)
class TaskProgressFacts:
    """What progress needs to know of a task."""

    status: TaskStatus
    weight: int
    due_date: date


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a set of tasks has come, as of a day."""

    counts: dict[TaskStatus, int] = field(default_factory=dict)
    total: int = 0
    weight_total: int = 0
    weight_finished: int = 0
    overdue: int = 0
    days_late: int = 0

    @property
    def percent_done(self) -> int:
        """Finished weight over total weight, rounded down to a whole percent (100 only when all is done)."""
        return 100 * self.weight_finished // self.weight_total if self.weight_total else 0


def progress(tasks: Iterable[TaskProgressFacts], today: date) -> Progress:
    """Progress of ``tasks`` on ``today`` (in the plan's time zone): done and skipped count as finished."""
    tasks = list(tasks)
    late = [(today - t.due_date).days for t in tasks if t.status in OPEN_TASK_STATUSES and t.due_date < today]
    return Progress(
        counts=dict(Counter(t.status for t in tasks)),
        total=len(tasks),
        weight_total=sum(t.weight for t in tasks),
        weight_finished=sum(t.weight for t in tasks if t.status in FINISHED_TASK_STATUSES),
        overdue=len(late),
        days_late=max(late, default=0),
    )
