"""The states of plans, stages and tasks, and the committee decisions: closed sets, named once.

They live in the engine because the rules are about them; the models store them and re-export them.
"""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    """Where an action plan is in its life."""

    DRAFT = "draft"
    #: Created before its start date: every stage waits until the plan opens on that day.
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class StageStatus(StrEnum):
    """Where a stage of a plan is: not yet opened, open, waiting at its gate, or closed."""

    PENDING = "pending"
    OPEN = "open"
    AWAITING_DECISION = "awaiting_decision"
    CLOSED = "closed"


class TaskStatus(StrEnum):
    """A task's state; ``done`` and ``skipped`` let a stage close."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"
    SKIPPED = "skipped"


#: Statuses of tasks that still need work: what reminders and "overdue" look at.
OPEN_TASK_STATUSES: tuple[TaskStatus, ...] = (TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
#: Statuses that count as finished for a stage's exit rule.
FINISHED_TASK_STATUSES: tuple[TaskStatus, ...] = (TaskStatus.DONE, TaskStatus.SKIPPED)


class Decision(StrEnum):
    """A steering committee's decision at a stage gate."""

    APPROVE = "approve"
    REWORK = "rework"
    HOLD = "hold"
