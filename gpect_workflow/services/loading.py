"""Loading plans and tasks for a change: locked, fresh, and checked against the version the caller saw."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from ..errors import NotFound, StaleObject
from ..models import Event, Person, Plan, PlanStage, Task
from ..refusals import Refusal
from .context import now, session
from .zones import zone_or_default


def lock_plan(plan_id: int) -> Plan:
    """The plan, row-locked until commit (PostgreSQL) so that changes to one plan happen one at a time.

    Serialising per plan is what keeps two partners finishing the last two tasks of a stage at once
    from both missing the stage's exit.
    """
    query = sa.select(Plan).where(Plan.id == plan_id).with_for_update().execution_options(populate_existing=True)
    plan = session().scalar(query)
    if plan is None:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    return plan


def task_for_change(task_id: int) -> tuple[Plan, Task]:
    """The task and its plan, the plan locked first, the task read fresh after the lock."""
    plan_id = session().scalar(sa.select(Task.plan_id).where(Task.id == task_id))
    if plan_id is None:
        raise NotFound(Refusal.NO_SUCH_TASK)
    plan = lock_plan(plan_id)
    query = sa.select(Task).where(Task.id == task_id).execution_options(populate_existing=True)
    task = session().scalar(query)
    assert task is not None
    return plan, task


def stage_for_change(stage_id: int) -> tuple[Plan, PlanStage]:
    """The stage and its plan, the plan locked first."""
    plan_id = session().scalar(sa.select(PlanStage.plan_id).where(PlanStage.id == stage_id))
    if plan_id is None:
        raise NotFound(Refusal.NO_SUCH_STAGE)
    plan = lock_plan(plan_id)
    query = sa.select(PlanStage).where(PlanStage.id == stage_id).execution_options(populate_existing=True)
    stage = session().scalar(query)
    assert stage is not None
    return plan, stage


def check_version(kind: str, current: int, expected: int | None, last_change: Event | None) -> None:
    """Raise ``StaleObject`` when someone changed the object since the caller read version ``expected``.

    The refusal names who changed it; its parameters also say what (the journal event's kind and states)."""
    if expected is None or expected == current:
        return
    change: dict[str, str | None] = {"kind": kind}
    if last_change is not None:
        change.update(event=last_change.kind, from_state=last_change.from_state, to_state=last_change.to_state)
    actor = session().get(Person, last_change.actor_id) if last_change and last_change.actor_id else None
    if actor is None:
        raise StaleObject(Refusal.CHANGED_MEANWHILE_BY_SOMEONE, **change)
    raise StaleObject(Refusal.CHANGED_MEANWHILE, who=actor.name, **change)


def last_event(plan_id: int, task_id: int | None = None) -> Event | None:
    """The latest journal event of a plan (or of one of its tasks)."""
    query = sa.select(Event).where(Event.plan_id == plan_id)
    if task_id is not None:
        query = query.where(Event.task_id == task_id)
    return session().scalar(query.order_by(Event.occurred_dt.desc(), Event.id.desc()).limit(1))


def plan_today(plan: Plan) -> date:
    """Today in the plan's time zone: the day deadlines are compared with."""
    return now().astimezone(zone_or_default(plan.timezone)).date()
