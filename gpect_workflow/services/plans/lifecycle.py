"""Holding, resuming and cancelling plans."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ... import signals
from ...engine.plans import check_plan_change, hold_shift
from ...models import OPEN_TASK_STATUSES, Person, Plan, PlanStage, PlanStatus, StageStatus, Task
from ...refusals import Refusal
from ..access import plan_access, require
from ..context import now, sender, session
from ..definitions import get_definition
from ..journal import record
from ..loading import check_version, last_event, lock_plan, plan_today
from ..zones import zone_or_default


def put_on_hold(plan: Plan, actor: Person | None, note: str | None) -> None:
    """Put a locked, active plan on hold (a lead's choice or a committee's decision)."""
    _change_status(plan, PlanStatus.ON_HOLD, actor, note)
    plan.on_hold_since_dt = now()
    session().flush()


def hold_plan(actor: Person, plan_id: int, note: str | None = None, expected_version: int | None = None) -> Plan:
    """The lead puts the plan on hold: no task or stage changes until it resumes."""
    plan = _managed_plan(actor, plan_id, expected_version)
    put_on_hold(plan, actor, note)
    return plan


def resume_plan(
    actor: Person, plan_id: int, *, shift_deadlines: bool, note: str | None = None, expected_version: int | None = None
) -> Plan:
    """Resume a plan on hold, optionally moving every open deadline by the days spent on hold."""
    plan = _managed_plan(actor, plan_id, expected_version)
    held_since = plan.on_hold_since_dt
    _change_status(plan, PlanStatus.ACTIVE, actor, note)
    plan.on_hold_since_dt = None
    if shift_deadlines and held_since is not None:
        _shift_open_deadlines(plan, held_since.astimezone(zone_or_default(plan.timezone)).date(), actor)
    session().flush()
    return plan


def cancel_plan(actor: Person, plan_id: int, note: str | None = None, expected_version: int | None = None) -> Plan:
    """Cancel the plan for good; its history stays."""
    plan = _managed_plan(actor, plan_id, expected_version)
    _change_status(plan, PlanStatus.CANCELLED, actor, note)
    session().flush()
    return plan


def _managed_plan(actor: Person, plan_id: int, expected_version: int | None) -> Plan:
    plan = lock_plan(plan_id)
    definition = get_definition(plan.definition_key, plan.definition_version)
    access = plan_access(actor, plan, definition)
    require(access.can_manage, Refusal.LEAD_HOLDS_PLANS)
    check_version("plan", plan.version, expected_version, lambda: last_event(plan.id))
    return plan


def _change_status(plan: Plan, target: PlanStatus, actor: Person | None, note: str | None) -> None:
    before = plan.status
    check_plan_change(before, target)
    plan.status, plan.updated_dt = target, now()
    record(plan, "plan_status_changed", actor, before, target, note=note)
    session().flush()
    signals.plan_status_changed.send(sender(), plan=plan, from_status=before, to_status=target, actor=actor, note=note)


def _shift_open_deadlines(plan: Plan, held_on: date, actor: Person) -> None:
    delta = hold_shift(held_on, plan_today(plan))
    if not delta:
        return
    tasks = session().scalars(sa.select(Task).where(Task.plan_id == plan.id, Task.status.in_(OPEN_TASK_STATUSES)))
    shifted = 0
    for task in tasks:
        task.due_date += delta
        shifted += 1
    for stage in session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id)):
        if stage.status is not StageStatus.CLOSED:
            stage.planned_end_date += delta
            if stage.status is StageStatus.PENDING:
                stage.planned_start_date += delta
    # No note: the journal tells the days from ``data`` in the reader's language.
    record(plan, "deadlines_shifted", actor, data={"days": delta.days, "tasks": shifted})
