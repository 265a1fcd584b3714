"""Task use cases: status changes, reassignment, deadline moves (with a preview) and the stages they move.

Delay requests (a partner asking the lead to move a deadline) live in ``delay_requests``; an accepted one
moves the deadline through ``reschedule`` here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from ... import signals
from ...definitions import WorkflowDefinition
from ...engine.plans import check_plan_active
from ...engine.rescheduling import Shift, StageChange, StageWindow, TaskDate, plan_deadline_move, plan_stage_changes
from ...engine.tasks import check_task_change
from ...errors import InvalidTransition, NotFound, StaleObject, ValidationError
from ...models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    DelayRequest,
    DelayStatus,
    Person,
    Plan,
    PlanStage,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from ...refusals import NOT_A_MEMBER_OF_THE_ROLE, Refusal
from ...validation import SCHEDULE_MESSAGE, date_problem
from ..access import PlanAccess, access_with_roles, is_worker, require
from ..context import now, sender, session
from ..definitions import get_definition
from ..journal import record
from ..loading import TaskForChange, check_version, last_event, lock_task_for_change
from ..stages.progression import advance_if_ready
from .deadlines import check_due_date


def change_task_status(
    actor: Person,
    task_id: int,
    target: TaskStatus,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    override_dependencies: bool = False,
) -> Task:
    """Move a task to ``target`` (start, finish, block, unblock, skip, reopen), then apply the stage's exit rule."""
    loaded, _, access = _task_change(actor, task_id, expected_version)
    plan, task, stage = loaded.plan, loaded.task, loaded.stage
    check_stage_accepts(stage, task.status, target)
    change = check_task_change(
        task.status,
        target,
        is_lead=access.can_manage,
        is_worker=is_worker(actor, task, access),
        reason=note,
        dependencies_done=not loaded.has_dependencies or _dependencies_done(task),
        override=override_dependencies,
    )
    _apply_status(task, target)
    if loaded.has_pending_delay and target in FINISHED_TASK_STATUSES:
        _close_pending_delay(task)
    task.status_reason = note.strip() if note and target is not TaskStatus.IN_PROGRESS else None
    data = {"overrode_dependencies": True} if change.overrides_dependencies else None
    record(plan, "task_status_changed", actor, change.source, target, task=task, note=note, data=data)
    _flush()
    signals.task_status_changed.send(
        sender(),
        task=task,
        from_status=change.source,
        to_status=target,
        actor=actor,
        note=note,
        overrode_dependencies=change.overrides_dependencies,
    )
    if stage.status is StageStatus.AWAITING_DECISION and target is TaskStatus.TODO:
        stage.status = StageStatus.OPEN
        record(plan, "stage_reopened", actor, StageStatus.AWAITING_DECISION, StageStatus.OPEN, stage=stage, note=note)
    advance_if_ready(plan, stage, actor)
    _flush()
    return task


def _close_pending_delay(task: Task) -> None:
    """A finished task needs no more time: its pending delay request leaves the lead's lists, closed (one
    statement, only for a task that has one, which the lock's statement said)."""
    session().execute(
        sa.update(DelayRequest)
        .where(DelayRequest.task_id == task.id, DelayRequest.status == DelayStatus.PENDING)
        .values(status=DelayStatus.CLOSED, answered_dt=now())
    )


def reassign_task(actor: Person, task_id: int, assignee_id: int, *, expected_version: int | None = None) -> Task:
    """Give the task to another member of its owning role (the lead's call)."""
    loaded, _, access = _task_change(actor, task_id, expected_version)
    plan, task = loaded.plan, loaded.task
    require(access.can_manage, Refusal.LEAD_REASSIGNS)
    if task.status in FINISHED_TASK_STATUSES:
        raise InvalidTransition(Refusal.FINISHED_TASK_NOT_REASSIGNED)
    if assignee_id not in role_members(plan, task.owner_role) and assignee_id != plan.lead_id:
        raise ValidationError(Refusal.INVALID_INPUT, {"assignee_id": [NOT_A_MEMBER_OF_THE_ROLE]})
    previous = task.assignee_id
    task.assignee, task.updated_dt = session().get(Person, assignee_id), now()
    record(plan, "task_reassigned", actor, str(previous), str(assignee_id), task=task)
    _flush()
    signals.task_reassigned.send(sender(), task=task, previous_assignee_id=previous, actor=actor)
    return task


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    """A task once changed, and what its deadline move changed (``None`` when the deadline stayed)."""

    task: Task
    move: DeadlineMove | None = None


def update_task(
    actor: Person,
    task_id: int,
    *,
    assignee_id: int | None = None,
    due_date: date | None = None,
    status: TaskStatus | None = None,
    note: str | None = None,
    override_dependencies: bool = False,
    expected_version: int | None = None,
) -> TaskUpdate:
    """Reassign the task, move its deadline and change its status, in this order, as one change (the API's
    PATCH): the version the person read is checked once, by the first of them; the task is returned fresh,
    with what the deadline move changed."""
    task, move = None, None
    if assignee_id is not None:
        task = reassign_task(actor, task_id, assignee_id, expected_version=expected_version)
        expected_version = None
    if due_date is not None:
        move = reschedule(actor, task_id, due_date, note=note, expected_version=expected_version)
        expected_version = None
    if status is not None:
        task = change_task_status(
            actor,
            task_id,
            status,
            note=note,
            expected_version=expected_version,
            override_dependencies=override_dependencies,
        )
    task = task or session().get(Task, task_id)
    assert task is not None
    session().refresh(task)
    return TaskUpdate(task, move)


def role_members(plan: Plan, role_key: str) -> set[int]:
    """Ids of the people mapped to ``role_key`` in the plan."""
    query = (
        sa.select(RoleAssignmentMember.person_id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == role_key)
    )
    return set(session().scalars(query))


@dataclass(frozen=True, slots=True)
class DeadlineMove:
    """Everything a deadline move changes: the task and its dependents (``shifts``, the task first), the
    stages whose planned window follows them, and the deadlines carried with a shifted stage."""

    shifts: list[Shift]
    stages: list[StageChange] = field(default_factory=list)
    carried: list[Shift] = field(default_factory=list)


def preview_deadline_move(actor: Person, task_id: int, new_due: date) -> list[Shift]:
    """What moving the deadline would change to deadlines, the task first, without changing anything."""
    return preview_reschedule(actor, task_id, new_due).shifts


def preview_reschedule(actor: Person, task_id: int, new_due: date) -> DeadlineMove:
    """What moving the deadline would change, deadlines and stages, without changing anything."""
    loaded, definition, access = _task_change(actor, task_id, None)
    plan, task = loaded.plan, loaded.task
    require(access.can_manage, Refusal.LEAD_MOVES_DEADLINES)
    return _deadline_move(plan, task, definition, new_due)


def move_deadline(
    actor: Person, task_id: int, new_due: date, *, note: str | None = None, expected_version: int | None = None
) -> list[Shift]:
    """Move a task's deadline; dependents that would fall due before it shift too (or not, per definition)."""
    return reschedule(actor, task_id, new_due, note=note, expected_version=expected_version).shifts


def reschedule(
    actor: Person,
    task_id: int,
    new_due: date,
    *,
    note: str | None = None,
    expected_version: int | None = None,
    told_apart: frozenset[int] = frozenset(),
) -> DeadlineMove:
    """Move a task's deadline: its dependents shift with it (or not, per definition), a stage its tasks now
    run past ends with them, and the later stages shift (or not, per definition).

    ``told_apart``: people who hear of this task's new deadline by another email (the requester of an
    accepted delay request), so the ``deadline_moved`` email does not tell them twice."""
    loaded, definition, access = _task_change(actor, task_id, expected_version)
    plan, task = loaded.plan, loaded.task
    require(access.can_manage, Refusal.LEAD_MOVES_DEADLINES)
    move = _deadline_move(plan, task, definition, new_due)
    changed = [*move.shifts, *move.carried]
    tasks = {t.id: t for t in session().scalars(sa.select(Task).where(Task.id.in_([s.task_id for s in changed])))}
    instant = now()
    for shift in move.shifts:
        moved = tasks[shift.task_id]
        moved.due_date, moved.updated_dt = shift.new, instant
        cause = None if shift.task_id == task.id else task.task_key
        record(
            plan,
            "deadline_moved",
            actor,
            shift.old.isoformat(),
            shift.new.isoformat(),
            task=moved,
            note=note,
            data={"caused_by": cause} if cause else None,
        )
    for shift in move.carried:
        tasks[shift.task_id].due_date, tasks[shift.task_id].updated_dt = shift.new, instant
    _follow_stages(plan, task, actor, move)
    _flush()
    signals.deadline_moved.send(sender(), plan=plan, shifts=move.shifts, actor=actor, note=note, told_apart=told_apart)
    return move


def _follow_stages(plan: Plan, task: Task, actor: Person, move: DeadlineMove) -> None:
    """Store the stages' new planned windows, each journaled with what it carried."""
    if not move.stages:
        return
    stages = {s.id: s for s in session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id))}
    carried_by_stage: dict[int, int] = {}
    stage_of = {
        row.id: row.stage_id
        for row in session().execute(sa.select(Task.id, Task.stage_id).where(Task.plan_id == plan.id))
    }
    for shift in move.carried:
        carried_by_stage[stage_of[shift.task_id]] = carried_by_stage.get(stage_of[shift.task_id], 0) + 1
    for change in move.stages:
        stage = stages[change.stage_id]
        stage.planned_start_date, stage.planned_end_date = change.new_start, change.new_end
        record(
            plan,
            "stage_dates_changed",
            actor,
            f"{change.old_start.isoformat()}/{change.old_end.isoformat()}",
            f"{change.new_start.isoformat()}/{change.new_end.isoformat()}",
            stage=stage,
            data={
                "caused_by": task.task_key,
                "extended_days": change.extended_by,
                "shifted_days": (change.new_start - change.old_start).days,
                "tasks": carried_by_stage.get(change.stage_id, 0),
            },
        )


def _deadline_move(plan: Plan, task: Task, definition: WorkflowDefinition, new_due: date) -> DeadlineMove:
    """Every change the move makes, the task's deadline first; the chosen date obeys the deadline rule,
    every date it carries the supported range."""
    if task.status in FINISHED_TASK_STATUSES:
        raise InvalidTransition(Refusal.FINISHED_TASK_KEEPS_ITS_DEADLINE)
    check_due_date(plan, new_due)
    rows = (
        session()
        .execute(sa.select(Task.id, Task.stage_id, Task.due_date, Task.status).where(Task.plan_id == plan.id))
        .all()
    )
    shifts = _planned_shifts(plan, task, definition, new_due, rows)
    stage_rows = session().scalars(
        sa.select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position)
    )
    windows = [
        StageWindow(s.id, s.stage_key, s.planned_start_date, s.planned_end_date, s.status is StageStatus.CLOSED)
        for s in stage_rows
    ]
    dates = [TaskDate(r.id, r.stage_id, r.due_date, r.status is TaskStatus.TODO) for r in rows]
    new_dates = {shift.task_id: shift.new for shift in shifts}
    stages, carried = plan_stage_changes(windows, dates, new_dates, task.id, definition.stages_policy)
    # A dependent also carried with its stage takes the later of its two dates.
    later = {shift.task_id: shift.new for shift in carried}
    carried = [shift for shift in carried if shift.task_id not in new_dates]
    shifts = [Shift(s.task_id, s.old, max(s.new, later.get(s.task_id, s.new))) for s in shifts]
    if any(date_problem(day) for change in stages for day in (change.new_start, change.new_end)) or any(
        date_problem(shift.new) for shift in (*shifts, *carried)
    ):
        raise ValidationError(Refusal.SCHEDULE_OUT_OF_RANGE, {"due_date": [SCHEDULE_MESSAGE]})
    return DeadlineMove(shifts, stages, carried)


def _planned_shifts(
    plan: Plan, task: Task, definition: WorkflowDefinition, new_due: date, rows: Sequence[Any]
) -> list[Shift]:
    due = {row.id: row.due_date for row in rows}
    movable = {row.id for row in rows if row.status in OPEN_TASK_STATUSES}
    dependents: dict[int, list[int]] = {}
    links = sa.select(TaskDependency.task_id, TaskDependency.depends_on_id).join(
        Task, Task.id == TaskDependency.task_id
    )
    for dependent, prerequisite in session().execute(links.where(Task.plan_id == plan.id)):
        dependents.setdefault(prerequisite, []).append(dependent)
    return plan_deadline_move(due, dependents, movable, task.id, new_due, definition.dependents_policy)


def _task_change(
    actor: Person, task_id: int, expected_version: int | None
) -> tuple[TaskForChange, WorkflowDefinition, PlanAccess]:
    """The task, plan and stage locked and the person's roles in the plan read with them (one statement),
    the version checked (the journal read only to explain a conflict)."""
    loaded = lock_task_for_change(task_id, actor)
    plan, task = loaded.plan, loaded.task
    definition = get_definition(plan.definition_key, plan.definition_version)
    assert loaded.reader_role_keys is not None  # asked for with ``actor``
    access = access_with_roles(actor, plan, definition, loaded.reader_role_keys)
    if not access.can_view:
        raise NotFound(Refusal.NO_SUCH_TASK)
    check_plan_active(plan.status)
    check_version("task", task.version, expected_version, lambda: last_event(plan.id, task.id))
    return loaded, definition, access


def task_for_request(actor: Person, task_id: int) -> tuple[Plan, Task, PlanAccess]:
    """The task and its plan locked for a change other services make around it (a delay request), and the
    person's access: the same checks as a status change, with no version to compare."""
    loaded, _, access = _task_change(actor, task_id, None)
    return loaded.plan, loaded.task, access


def check_stage_accepts(stage: PlanStage, current: TaskStatus, target: TaskStatus) -> None:
    reopening = target is TaskStatus.TODO and current in FINISHED_TASK_STATUSES
    if stage.status is StageStatus.OPEN or (stage.status is StageStatus.AWAITING_DECISION and reopening):
        return
    if stage.status is StageStatus.PENDING:
        raise InvalidTransition(Refusal.STAGE_NOT_OPEN_YET)
    raise InvalidTransition(Refusal.STAGE_CLOSED)


def _dependencies_done(task: Task) -> bool:
    query = (
        sa.select(sa.func.count())
        .select_from(TaskDependency)
        .join(Task, Task.id == TaskDependency.depends_on_id)
        .where(TaskDependency.task_id == task.id, Task.status.not_in(FINISHED_TASK_STATUSES))
    )
    return not session().scalar(query)


def _apply_status(task: Task, target: TaskStatus) -> None:
    instant = now()
    if target is TaskStatus.IN_PROGRESS and task.started_dt is None:
        task.started_dt = instant
    if target in FINISHED_TASK_STATUSES:
        task.completed_dt = instant
        task.started_dt = task.started_dt or instant
    elif target is TaskStatus.TODO:
        task.completed_dt = None
    task.status, task.updated_dt = target, instant


def _flush() -> None:
    try:
        session().flush()
    except StaleDataError as exc:
        raise StaleObject(Refusal.CHANGED_AT_THE_SAME_TIME) from exc
