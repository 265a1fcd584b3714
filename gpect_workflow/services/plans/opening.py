"""Scheduled plans opening: on their start date at the morning send hour, or sooner when the lead says.

A plan created before its start date waits *scheduled* (``start_plan``): its stages are pending and
nobody has been told. The scheduler's tick opens the plans whose moment came (``open_due_plans``); the
plan's lead or an administrator may open one sooner (``open_plan_now``). Either way the plan opens as
``start_plan`` opens a plan starting today: its first stage opens on its planned dates, the journal says
so, and the ``stage_entered`` signal queues the stage-opened emails in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, time

import sqlalchemy as sa
from flask import current_app

from ...engine.plans import check_plan_opening, latest_start_due, opening_moment
from ...models import Person, Plan, PlanStage, PlanStatus
from ...refusals import Refusal
from ..access import plan_access, require
from ..context import now, session
from ..definitions import get_definition
from ..journal import record
from ..loading import check_version, last_event, lock_plan
from ..zones import plan_zone, zone_or_default
from .starting import open_first_stage

#: Plans one tick opens at most; the others open at the next tick (a minute later by default).
OPEN_LIMIT = 100


def opening_hour() -> time:
    """The local hour scheduled plans open at: the reminder send hour (``REMINDER_SEND_HOUR``), so that
    the stage-opened emails arrive in the morning, with the day's reminders."""
    hours, minutes = current_app.config["REMINDER_SEND_HOUR"].split(":")
    return time(int(hours), int(minutes))


def opens_at(plan: Plan) -> datetime:
    """The instant a scheduled plan opens: the opening hour of its start date, in its time zone."""
    return opening_moment(plan.start_date, opening_hour(), zone_or_default(plan.timezone))


def due_plans(until: datetime, *, limit: int = OPEN_LIMIT) -> list[int]:
    """Ids of the scheduled plans whose opening moment came by ``until``, longest waiting first, at most
    ``limit`` of them.

    One query on the status index: the database keeps the plans starting by the UTC day after ``until``
    (none later can be due, whatever its time zone), and the exact moment, which depends on each plan's
    time zone, is checked here. Rows are read in batches and reading stops once ``limit`` plans are due,
    rather than cutting with ``LIMIT``: a plan starting tomorrow in Guadeloupe, not due yet, must not keep
    one starting tomorrow in Nouméa, due already, out of the batch.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    hour, due = opening_hour(), []
    query = (
        sa.select(Plan.id, Plan.start_date, Plan.timezone, Plan.name)
        .where(Plan.status == PlanStatus.SCHEDULED, Plan.start_date <= latest_start_due(until))
        .order_by(Plan.start_date, Plan.id)
        .execution_options(yield_per=limit)
    )
    result = session().execute(query)
    try:
        for plan_id, start_date, zone_name, name in result:
            zone = plan_zone(plan_id, zone_name, name)  # no zone, no moment: it waits, and we say so
            if zone is not None and opening_moment(start_date, hour, zone) <= until:
                due.append(plan_id)
                if len(due) == limit:
                    break
    finally:
        result.close()
    return due


def open_due_plans(until: datetime, *, limit: int = OPEN_LIMIT) -> list[Plan]:
    """Open, as the scheduler, the scheduled plans whose moment came by ``until``; return them.

    At most ``limit`` plans per call, so that a tick's cost stays bounded; the others open at the next
    tick. A plan whose start date passed while the scheduler was down opens at the first tick after.
    Flushes only: the tick commits, with the stage-opened emails the opening queued.
    """
    opened = []
    for plan_id in due_plans(until, limit=limit):
        plan = lock_plan(plan_id)
        if plan.status is PlanStatus.SCHEDULED:  # its lead may have opened or cancelled it meanwhile
            open_scheduled_plan(plan, None)
            opened.append(plan)
    return opened


def open_plan_now(actor: Person, plan_id: int, expected_version: int | None = None) -> Plan:
    """The lead (or an administrator) opens a scheduled plan before its start date: partners start early.

    The plan keeps the dates the lead confirmed; only the first stage opens sooner.
    """
    plan = lock_plan(plan_id)
    definition = get_definition(plan.definition_key, plan.definition_version)
    require(plan_access(actor, plan, definition).can_manage, Refusal.LEAD_OPENS_EARLY)
    check_version("plan", plan.version, expected_version, lambda: last_event(plan.id))
    open_scheduled_plan(plan, actor)
    return plan


def open_scheduled_plan(plan: Plan, actor: Person | None) -> None:
    """Make a locked, scheduled plan active and open its first stage (``actor`` ``None``: the scheduler).

    The journal records the status change; no ``plan_status_changed`` signal is sent, as that one tells
    everyone on the plan it was held, resumed, cancelled or completed: the stage-opened emails say it all.
    """
    check_plan_opening(plan.status)
    before = plan.status
    plan.status, plan.updated_dt = PlanStatus.ACTIVE, now()
    record(plan, "plan_status_changed", actor, before, PlanStatus.ACTIVE)
    query = sa.select(PlanStage).where(PlanStage.plan_id == plan.id, PlanStage.position == 0)
    first = session().scalar(query)
    assert first is not None, "every plan has a first stage"
    open_first_stage(plan, first, actor)
