"""Stage exit rules and gate decisions.

A stage whose required tasks are all done or skipped is ready to leave: an ``auto`` gate closes it and
opens the next stage, a ``committee`` gate makes it wait for a decision. The committee approves (the
stage closes), asks for rework (named tasks of the stage reopen, the stage opens again) or holds (the
plan goes on hold, the stage keeps waiting). Closing the last stage completes the plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..definitions.model import Gate
from ..errors import InvalidTransition, ValidationError
from ..refusals import NOT_TASKS_OF_THE_STAGE, ONLY_REWORK_REOPENS, REWORK_NEEDS_TASKS, Refusal
from .states import FINISHED_TASK_STATUSES, Decision, StageStatus, TaskStatus


@dataclass(frozen=True, slots=True)
class TaskFacts:
    """What the exit rule needs to know of a task."""

    key: str
    status: TaskStatus
    is_required: bool


def unfinished_required(tasks: Iterable[TaskFacts]) -> list[str]:
    """Keys of the required tasks that are neither done nor skipped."""
    return [task.key for task in tasks if task.is_required and task.status not in FINISHED_TASK_STATUSES]


def status_when_ready(gate: Gate) -> StageStatus:
    """Where a stage goes once its required tasks are finished: closed, or waiting for the committee."""
    return StageStatus.CLOSED if gate is Gate.AUTO else StageStatus.AWAITING_DECISION


def check_decision(status: StageStatus, decision: Decision, reopen: Iterable[str], stage_tasks: Iterable[str]) -> None:
    """Check a gate decision; rework must name tasks of the stage, the others none."""
    if status is not StageStatus.AWAITING_DECISION:
        raise InvalidTransition(Refusal.STAGE_NOT_AWAITING_DECISION)
    reopen, known = list(reopen), set(stage_tasks)
    if decision is Decision.REWORK and not reopen:
        raise ValidationError(Refusal.INVALID_INPUT, {"reopen": [REWORK_NEEDS_TASKS]})
    if decision is not Decision.REWORK and reopen:
        raise ValidationError(Refusal.INVALID_INPUT, {"reopen": [ONLY_REWORK_REOPENS]})
    unknown = sorted(set(reopen) - known)
    if unknown:
        raise ValidationError(Refusal.INVALID_INPUT, {"reopen": [NOT_TASKS_OF_THE_STAGE]}, unknown=", ".join(unknown))


def stage_after_decision(decision: Decision) -> StageStatus:
    """The stage's status after a decision."""
    return {
        Decision.APPROVE: StageStatus.CLOSED,
        Decision.REWORK: StageStatus.OPEN,
        Decision.HOLD: StageStatus.AWAITING_DECISION,
    }[decision]
