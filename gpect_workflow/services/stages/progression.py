"""Stages moving on: exit rules applied after task changes, gate decisions, the next stage opening."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from ... import signals
from ...definitions import WorkflowDefinition
from ...definitions.model import DueFrom
from ...engine.plans import check_plan_active, check_plan_change
from ...engine.schedule import stage_due_dates
from ...engine.stages import TaskFacts, check_decision, stage_after_decision, status_when_ready, unfinished_required
from ...errors import NotFound, ValidationError
from ...models import (
    OPEN_TASK_STATUSES,
    CommitteeDecision,
    Decision,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    StageStatus,
    Task,
    TaskStatus,
)
from ...refusals import DUE_DATE_RANGE, REWORK_DATE_BEFORE_START, REWORK_DATE_NOT_REOPENED, REWORK_DATE_PAST, Refusal
from ...validation import check_date, collect
from ..access import plan_access, require
from ..context import now, sender, session
from ..definitions import get_definition
from ..journal import record
from ..loading import plan_today, stage_for_change
from ..plans.lifecycle import put_on_hold
from ..tasks.deadlines import due_date_window


def next_stage(plan: Plan, stage: PlanStage) -> PlanStage | None:
    """The plan's stage after ``stage``, if any."""
    return session().scalar(_NEXT_STAGE, {"gpect_plan_id": plan.id, "gpect_position": stage.position})


#: ``next_stage``'s statement, built once (a stage closes on a task change: it is on the user's click).
_NEXT_STAGE = (
    sa.select(PlanStage)
    .where(PlanStage.plan_id == sa.bindparam("gpect_plan_id"), PlanStage.position > sa.bindparam("gpect_position"))
    .order_by(PlanStage.position)
    .limit(1)
)


def stage_of_plan(plan_id: int, stage_key: str) -> int:
    """The id of the plan's stage ``stage_key`` (``NotFound`` when the plan has none of that key)."""
    if "\x00" in stage_key:  # PostgreSQL cannot even compare a NUL: no such stage
        raise NotFound(Refusal.NO_SUCH_STAGE)
    query = sa.select(PlanStage.id).where(PlanStage.plan_id == plan_id, PlanStage.stage_key == stage_key)
    stage_id = session().scalar(query)
    if stage_id is None:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    return int(stage_id)


def stage_tasks(stage: PlanStage) -> list[Task]:
    """The stage's tasks, freshly read."""
    return list(session().scalars(_STAGE_TASKS, {"gpect_stage_id": stage.id}))


#: ``stage_tasks``' statement, built once.
_STAGE_TASKS = (
    sa.select(Task)
    .where(Task.stage_id == sa.bindparam("gpect_stage_id"))
    .order_by(Task.id)
    .execution_options(populate_existing=True)
)


def advance_if_ready(plan: Plan, stage: PlanStage, actor: Person | None) -> None:
    """Apply the stage's exit rule after its tasks changed: close it (auto) or wait for the committee.

    Loops because a newly opened stage whose tasks are all optional is ready at once.
    """
    current: PlanStage | None = stage
    # The current stage's tasks as the exit rule reads them, when known without a statement (a stage just
    # opened: its tasks were read to date them).
    known: list[TaskFacts] | None = None
    while current is not None and current.status is StageStatus.OPEN and plan.status is PlanStatus.ACTIVE:
        facts = _task_facts(current) if known is None else known
        if unfinished_required(facts):
            return
        if status_when_ready(current.gate) is StageStatus.AWAITING_DECISION:
            _await_decision(plan, current, actor)
            return
        current, known = _close_and_open_next(plan, current, actor, facts)


#: What the exit rule reads of a stage's tasks: plain columns, no task objects built for it (built once: it
#: runs on every task change).
_TASK_FACTS = (
    sa.select(Task.task_key, Task.status, Task.is_required)
    .where(Task.stage_id == sa.bindparam("gpect_stage_id"))
    .order_by(Task.id)
)


def _task_facts(stage: PlanStage) -> list[TaskFacts]:
    """What the exit rule reads of the stage's tasks."""
    return [TaskFacts(*row) for row in session().execute(_TASK_FACTS, {"gpect_stage_id": stage.id})]


def _await_decision(plan: Plan, stage: PlanStage, actor: Person | None) -> None:
    stage.status = StageStatus.AWAITING_DECISION
    record(plan, "stage_awaiting_decision", actor, StageStatus.OPEN, StageStatus.AWAITING_DECISION, stage=stage)
    session().flush()
    signals.stage_awaiting_decision.send(sender(), plan=plan, stage=stage, actor=actor)


def close_and_open_next(plan: Plan, stage: PlanStage, actor: Person | None) -> PlanStage | None:
    """Close ``stage``; open the next one with its due dates counted from today, or complete the plan.

    Optional tasks still open are skipped with the stage, so a closed stage holds no open work.
    """
    return _close_and_open_next(plan, stage, actor, None)[0]


def _close_and_open_next(
    plan: Plan, stage: PlanStage, actor: Person | None, facts: list[TaskFacts] | None
) -> tuple[PlanStage | None, list[TaskFacts] | None]:
    """``close_and_open_next``, given what the exit rule read of the stage's tasks (``facts``: the tasks are
    read again only when one is still open, to skip it), and answering the opened stage's tasks as the exit
    rule reads them."""
    if facts is None or any(fact.status in OPEN_TASK_STATUSES for fact in facts):
        for task in stage_tasks(stage):
            if task.status in OPEN_TASK_STATUSES:
                _skip_with_stage(plan, task, actor)
    before = stage.status
    stage.status, stage.closed_dt = StageStatus.CLOSED, now()
    record(plan, "stage_closed", actor, before, StageStatus.CLOSED, stage=stage)
    session().flush()
    signals.stage_closed.send(sender(), plan=plan, stage=stage, actor=actor)
    following = next_stage(plan, stage)
    if following is None:
        _complete(plan, actor)
        return None, None
    opened, tasks = _open_stage(plan, following, actor)
    return opened, [TaskFacts(task.task_key, task.status, task.is_required) for task in tasks]


def open_stage(plan: Plan, stage: PlanStage, actor: Person | None) -> PlanStage:
    """Open ``stage`` today: tasks counted from the stage opening get their due dates from today."""
    return _open_stage(plan, stage, actor)[0]


def _open_stage(plan: Plan, stage: PlanStage, actor: Person | None) -> tuple[PlanStage, list[Task]]:
    """``open_stage``, answering the stage's tasks too (read to date them)."""
    definition = get_definition(plan.definition_key, plan.definition_version)
    opening = plan_today(plan)
    tasks = _count_from_opening(plan, stage, definition, opening)
    stage.status, stage.opened_dt = StageStatus.OPEN, now()
    plan.current_stage_key = stage.stage_key
    plan.updated_dt = now()
    record(
        plan,
        "stage_entered",
        actor,
        StageStatus.PENDING,
        StageStatus.OPEN,
        stage=stage,
        data={"opened_on": opening.isoformat()},
    )
    session().flush()
    signals.stage_entered.send(sender(), plan=plan, stage=stage, actor=actor)
    return stage, tasks


def _skip_with_stage(plan: Plan, task: Task, actor: Person | None) -> None:
    # No note in words: the journal tells why in its reader's language, from ``closed_with_stage``.
    before, reason = task.status, None
    task.status, task.status_reason, task.completed_dt, task.updated_dt = TaskStatus.SKIPPED, reason, now(), now()
    record(
        plan,
        "task_status_changed",
        actor,
        before,
        TaskStatus.SKIPPED,
        task=task,
        note=reason,
        data={"closed_with_stage": True},
    )
    session().flush()
    signals.task_status_changed.send(
        sender(),
        task=task,
        from_status=before,
        to_status=TaskStatus.SKIPPED,
        actor=actor,
        note=reason,
        overrode_dependencies=False,
    )


def _count_from_opening(plan: Plan, stage: PlanStage, definition: WorkflowDefinition, opening: date) -> list[Task]:
    """Re-date the tasks counted from the stage opening now that it really opens; the stage's tasks.

    A task still on its planned date is recomputed from the real opening (working days included); one
    whose deadline was moved meanwhile keeps its move and shifts by the opening's delay. Tasks due
    from the plan start or on an absolute date keep their dates.
    """
    stage_def = definition.stage(stage.stage_key)
    planned = stage_due_dates(definition, stage_def, plan.start_date, stage.planned_start_date)
    actual = stage_due_dates(definition, stage_def, plan.start_date, opening)
    counted = {t.key for t in stage_def.tasks if t.due.on is None and t.due.counted_from is DueFrom.STAGE_OPENING}
    tasks = stage_tasks(stage)
    for task in tasks:
        if task.task_key not in counted or task.status not in OPEN_TASK_STATUSES:
            continue
        if task.due_date == planned[task.task_key]:
            task.due_date = actual[task.task_key]
        else:
            task.due_date += opening - stage.planned_start_date
    return tasks


def _complete(plan: Plan, actor: Person | None) -> None:
    check_plan_change(plan.status, PlanStatus.COMPLETED)
    plan.status, plan.current_stage_key, plan.updated_dt = PlanStatus.COMPLETED, None, now()
    record(plan, "plan_status_changed", actor, PlanStatus.ACTIVE, PlanStatus.COMPLETED)
    session().flush()
    signals.plan_status_changed.send(
        sender(), plan=plan, from_status=PlanStatus.ACTIVE, to_status=PlanStatus.COMPLETED, actor=actor, note=None
    )


def decide_gate(
    actor: Person,
    stage_id: int,
    decision: Decision,
    *,
    minutes: str | None = None,
    reopen: Sequence[str] = (),
    due_dates: Mapping[str, date] | None = None,
) -> CommitteeDecision:
    """Record a committee decision at a stage gate and apply it.

    Approve closes the stage and opens the next (or completes the plan); rework reopens the named tasks
    of the stage, each with a new due date, and opens the stage again; hold puts the plan on hold, the
    stage still waiting. A reopened task's due date is the one given in ``due_dates`` (from today on,
    not before the plan's start), else ``rework_due_dates``'s default: a reopened task is never late the
    moment rework is asked.
    """
    plan, stage = stage_for_change(stage_id)
    definition = get_definition(plan.definition_key, plan.definition_version)
    require(plan_access(actor, plan, definition).can_decide, Refusal.COMMITTEE_DECIDES)
    check_plan_active(plan.status)
    tasks = stage_tasks(stage)
    check_decision(stage.status, decision, reopen, [t.task_key for t in tasks])
    reopened = [t for t in tasks if t.task_key in set(reopen)]
    new_dates = {**rework_due_dates(plan, stage, reopened), **_checked_dates(plan, reopen, due_dates or {})}
    decided = CommitteeDecision(
        plan_id=plan.id,
        stage_id=stage.id,
        decision=decision,
        minutes=minutes,
        reopened_task_keys=list(reopen) or None,
        decided_by_id=actor.id,
        decided_dt=now(),
    )
    session().add(decided)
    stage.decision = decision
    data: dict[str, object] = {"decision": str(decision), "reopen": list(reopen)}
    if reopened:
        data["due_dates"] = {key: day.isoformat() for key, day in new_dates.items()}
    record(
        plan,
        "gate_decided",
        actor,
        stage.status,
        stage_after_decision(decision),
        stage=stage,
        note=minutes,
        data=data,
    )
    for task in reopened:
        _redate_for_rework(plan, task, new_dates[task.task_key], actor)
    session().flush()
    signals.gate_decided.send(sender(), plan=plan, stage=stage, decision=decided, actor=actor)
    _apply_decision(plan, stage, decision, reopened, actor, minutes)
    return decided


def reopened_due_dates(decision: CommitteeDecision) -> dict[str, date]:
    """The due date of each task ``decision`` reopened for rework, by task key (empty for other decisions)."""
    keys = decision.reopened_task_keys or []
    if not keys:
        return {}
    query = sa.select(Task.task_key, Task.due_date).where(Task.stage_id == decision.stage_id, Task.task_key.in_(keys))
    return {key: day for key, day in session().execute(query)}


def rework_due_dates(plan: Plan, stage: PlanStage, tasks: Sequence[Task]) -> dict[str, date]:
    """The due date each task gets by default when reopened for rework today, by task key.

    Today in the plan's time zone plus the time the plan's schedule first gave the task: its planned due
    date minus its stage's planned start (as the definition counts it, working days included), nothing
    for a task due on that day or before. The task had that long to do the work the first time; a
    deadline moved since does not count, so the default does not grow with delays. Never before today.
    """
    definition = get_definition(plan.definition_key, plan.definition_version)
    planned = stage_due_dates(definition, definition.stage(stage.stage_key), plan.start_date, stage.planned_start_date)
    today = plan_today(plan)
    allowed = {key: max(day - stage.planned_start_date, timedelta(0)) for key, day in planned.items()}
    return {task.task_key: max(today + allowed.get(task.task_key, timedelta(0)), plan.start_date) for task in tasks}


def _checked_dates(plan: Plan, reopen: Sequence[str], due_dates: Mapping[str, date]) -> dict[str, date]:
    """The due dates given for reopened tasks, each from today on and not before the plan's start."""
    problems: dict[str, list[str]] = {}
    strangers = sorted(set(due_dates) - set(reopen))
    if strangers:
        problems["due_dates"] = [REWORK_DATE_NOT_REOPENED]
    today = plan_today(plan)
    first, last = due_date_window(plan)
    for key, day in due_dates.items():
        field = f"due_dates.{key}"
        if key in strangers or collect(problems, check_date, day, field) is None:
            continue
        if day < plan.start_date:
            problems[field] = [REWORK_DATE_BEFORE_START]
        elif day < today:
            problems[field] = [REWORK_DATE_PAST]
        elif day > last:
            problems[field] = [DUE_DATE_RANGE]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems, unknown=", ".join(strangers), first=first, last=last)
    return dict(due_dates)


def _redate_for_rework(plan: Plan, task: Task, due: date, actor: Person) -> None:
    """Give a reopened task its new due date, journaled as a deadline move the decision caused."""
    if due == task.due_date:
        return
    before, task.due_date = task.due_date, due
    record(
        plan,
        "deadline_moved",
        actor,
        before.isoformat(),
        due.isoformat(),
        task=task,
        data={"rework": True},
    )


def _apply_decision(
    plan: Plan,
    stage: PlanStage,
    decision: Decision,
    reopen: list[Task],
    actor: Person,
    minutes: str | None,
) -> None:
    if decision is Decision.APPROVE:
        following = close_and_open_next(plan, stage, actor)
        if following is not None:
            advance_if_ready(plan, following, actor)
    elif decision is Decision.REWORK:
        stage.status = StageStatus.OPEN
        for task in reopen:
            _reopen_for_rework(plan, task, actor, minutes)
        session().flush()
        advance_if_ready(plan, stage, actor)
    else:
        # The minutes, if any, are the note: the journal's gate decision already says who held the plan,
        # and a stored sentence would reach French pages and emails in English.
        put_on_hold(plan, actor, minutes)


def _reopen_for_rework(plan: Plan, task: Task, actor: Person, minutes: str | None) -> None:
    before = task.status
    task.status, task.completed_dt, task.status_reason, task.updated_dt = TaskStatus.TODO, None, minutes, now()
    record(plan, "task_status_changed", actor, before, TaskStatus.TODO, task=task, note=minutes, data={"rework": True})
    session().flush()
    signals.task_status_changed.send(
        sender(),
        task=task,
        from_status=before,
        to_status=TaskStatus.TODO,
        actor=actor,
        note=minutes,
        overrode_dependencies=False,
    )
