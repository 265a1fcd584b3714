"""The rule every deadline a person sets obeys, whatever the entry (task page, plan page, API).

A task's due date falls from the plan's start date to ``DEADLINE_HORIZON_DAYS`` (365 unless configured)
after the plan's planned end, the planned end of its last stage. Both ends are allowed. A date outside is
refused with ``due_date_outside_plan``, naming the range. The supported range of stored dates
(``validation.check_date``, 2000-2099) is checked first and still bounds everything.

Dates derived from the one a person chose (dependents shifted with it, tasks carried with a later stage)
are held to the supported range only: they follow the person's date, and the plan's end moves with them.
Plans created from their definition take their dates from it, not from this rule; the shifts the
application makes itself (a plan resumed after a hold, which moves the stages too; a stage opening later
than planned, which dates its tasks from the real opening) are not refused either.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from ...errors import ValidationError
from ...models import Plan, PlanStage
from ...refusals import DUE_DATE_RANGE, Refusal
from ...validation import LAST_DAY, check_date
from ..context import session


def horizon_days() -> int:
    """How many days after the plan's planned end a deadline may fall (``DEADLINE_HORIZON_DAYS``)."""
    return int(current_app.config["DEADLINE_HORIZON_DAYS"])


def due_date_window(plan: Plan) -> tuple[date, date]:
    """The first and the last day a deadline of ``plan`` may be set to (both allowed)."""
    planned_end = session().scalar(
        sa.select(PlanStage.planned_end_date)
        .where(PlanStage.plan_id == plan.id)
        .order_by(PlanStage.position.desc())
        .limit(1)
    )
    end = planned_end or plan.start_date
    last = end + timedelta(days=horizon_days()) if (LAST_DAY - end).days > horizon_days() else LAST_DAY
    return plan.start_date, last


def check_due_date(plan: Plan, day: date, field: str = "due_date") -> date:
    """``day`` when a task of ``plan`` may fall due on it, else ``ValidationError`` naming the allowed range."""
    check_date(day, field)
    first, last = due_date_window(plan)
    if not first <= day <= last:
        raise ValidationError(Refusal.DUE_DATE_OUTSIDE_PLAN, {field: [DUE_DATE_RANGE]}, first=first, last=last)
    return day
