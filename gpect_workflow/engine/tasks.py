"""The task state machine: which changes are allowed, to whom, and what they require.

``todo → in_progress → done`` is the ordinary path (``todo → done`` in one step too, for a partner who
reports work already finished). ``blocked`` needs a reason; ``skipped`` and reopening a finished task
are the lead's, with a reason. Starting or finishing a task whose dependencies are not done is refused
unless the lead overrides it, and the override is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidTransition, PermissionDenied, ValidationError
from ..refusals import REASON_NEEDED, Refusal
from .states import TaskStatus

T = TaskStatus


@dataclass(frozen=True, slots=True)
class TaskRule:
    """What one transition requires."""

    #: Only the plan lead (or an administrator) may make it.
    lead_only: bool = False
    #: A reason must be given (and is journaled).
    needs_reason: bool = False
    #: The task's dependencies must be done (or skipped) first, unless the lead overrides.
    needs_dependencies: bool = False


TASK_TRANSITIONS: dict[tuple[TaskStatus, TaskStatus], TaskRule] = {
    (T.TODO, T.IN_PROGRESS): TaskRule(needs_dependencies=True),
    (T.TODO, T.DONE): TaskRule(needs_dependencies=True),
    (T.IN_PROGRESS, T.DONE): TaskRule(needs_dependencies=True),
    (T.IN_PROGRESS, T.TODO): TaskRule(),
    (T.TODO, T.BLOCKED): TaskRule(needs_reason=True),
    (T.IN_PROGRESS, T.BLOCKED): TaskRule(needs_reason=True),
    (T.BLOCKED, T.TODO): TaskRule(),
    (T.BLOCKED, T.IN_PROGRESS): TaskRule(needs_dependencies=True),
    (T.TODO, T.SKIPPED): TaskRule(lead_only=True, needs_reason=True),
    (T.IN_PROGRESS, T.SKIPPED): TaskRule(lead_only=True, needs_reason=True),
    (T.BLOCKED, T.SKIPPED): TaskRule(lead_only=True, needs_reason=True),
    (T.DONE, T.TODO): TaskRule(lead_only=True, needs_reason=True),
    (T.SKIPPED, T.TODO): TaskRule(lead_only=True, needs_reason=True),
}


@dataclass(frozen=True, slots=True)
class TaskChange:
    """An allowed change, and whether it went through on the lead's dependency override."""

    source: TaskStatus
    target: TaskStatus
    overrides_dependencies: bool


def allowed_targets(current: TaskStatus, *, is_lead: bool) -> list[TaskStatus]:
    """The statuses a task in ``current`` may move to, for a lead or for another worker."""
    return [
        target
        for (source, target), rule in TASK_TRANSITIONS.items()
        if source is current and (is_lead or not rule.lead_only)
    ]


def check_task_change(
    current: TaskStatus,
    target: TaskStatus,
    *,
    is_lead: bool,
    is_worker: bool,
    reason: str | None,
    dependencies_done: bool,
    override: bool = False,
) -> TaskChange:
    """Check a task status change; raise ``InvalidTransition``, ``PermissionDenied`` or ``ValidationError``.

    ``is_lead``: the actor leads the plan or administers the application. ``is_worker``: the actor is
    the assignee or a member of the owning role. ``override``: the lead asks to ignore unfinished
    dependencies.
    """
    if current is target:
        raise InvalidTransition(Refusal.TASK_ALREADY_IN_STATUS, current=current)
    rule = TASK_TRANSITIONS.get((current, target))
    if rule is None:
        raise InvalidTransition(Refusal.TASK_CANNOT_GO, current=current, target=target)
    if not is_lead and (rule.lead_only or not is_worker):
        if rule.lead_only:
            raise PermissionDenied(Refusal.LEAD_ONLY_TRANSITION, current=current, target=target)
        raise PermissionDenied(Refusal.WORKERS_CHANGE_TASKS)
    if rule.needs_reason and not (reason and reason.strip()):
        raise ValidationError(Refusal.INVALID_INPUT, {"note": [REASON_NEEDED]})
    if override and not is_lead:
        raise PermissionDenied(Refusal.LEAD_OVERRIDES_DEPENDENCIES)
    overrides = rule.needs_dependencies and not dependencies_done
    if overrides and not override:
        raise InvalidTransition(Refusal.DEPENDENCIES_NOT_DONE)
    return TaskChange(current, target, overrides)
