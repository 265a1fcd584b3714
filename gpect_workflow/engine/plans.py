"""Plan life-cycle rules: open, hold, resume, cancel, complete; and when a scheduled plan opens."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from ..errors import InvalidTransition
from ..refusals import Refusal
from .states import PlanStatus

P = PlanStatus

PLAN_TRANSITIONS: dict[tuple[PlanStatus, PlanStatus], str] = {
    (P.SCHEDULED, P.ACTIVE): "open",
    (P.SCHEDULED, P.CANCELLED): "cancel",
    (P.ACTIVE, P.ON_HOLD): "hold",
    (P.ON_HOLD, P.ACTIVE): "resume",
    (P.ACTIVE, P.CANCELLED): "cancel",
    (P.ON_HOLD, P.CANCELLED): "cancel",
    (P.ACTIVE, P.COMPLETED): "complete",
}

#: No time zone is more than 14 hours ahead of UTC (Pacific/Kiritimati): on the UTC day D, no plan's local
#: day is later than D + 1, so no plan starting later than that can be due to open.
_LATEST_LOCAL_DAY_AHEAD = timedelta(days=1)


def check_plan_change(current: PlanStatus, target: PlanStatus) -> None:
    """Refuse a plan status change the life cycle does not allow (a repeated click is told it is done already)."""
    if current is target:
        raise InvalidTransition(Refusal.PLAN_ALREADY_IN_STATUS, current=current)
    if (current, target) not in PLAN_TRANSITIONS:
        raise InvalidTransition(Refusal.PLAN_CANNOT_GO, current=current, target=target)


def check_plan_opening(status: PlanStatus) -> None:
    """Only a scheduled plan opens: a plan on hold resumes, which is another change."""
    if PLAN_TRANSITIONS.get((status, P.ACTIVE)) != "open":
        raise InvalidTransition(Refusal.ONLY_SCHEDULED_PLANS_OPEN)


def check_plan_active(status: PlanStatus) -> None:
    """Work on tasks and stages happens only while the plan is active."""
    if status is PlanStatus.ACTIVE:
        return
    if status is P.ON_HOLD:
        raise InvalidTransition(Refusal.PLAN_ON_HOLD)
    if status is P.SCHEDULED:
        raise InvalidTransition(Refusal.PLAN_NOT_OPEN_YET)
    raise InvalidTransition(Refusal.PLAN_ENDED)


def hold_shift(held_on: date, resumed_on: date) -> timedelta:
    """How far open deadlines move when a plan resumes with its deadlines shifted: the days on hold."""
    return max(timedelta(0), resumed_on - held_on)


def starts_later(start_date: date, today: date) -> bool:
    """Whether a plan created ``today`` waits, scheduled, for its ``start_date`` (both days in its time zone).

    A plan starting today or in the past opens at once, as before: there is work to do already.
    """
    return start_date > today


def opening_moment(start_date: date, hour: time, zone: tzinfo) -> datetime:
    """When a scheduled plan opens: at the morning send ``hour`` of its start date, in its time zone.

    The stage-opened emails then arrive with the day's reminders, not in the middle of the night.
    """
    return datetime.combine(start_date, hour, zone)


def latest_start_due(until: datetime) -> date:
    """The latest start date a plan in any time zone may have if its opening moment came by ``until``.

    A cheap bound for a database query; the exact moment is checked with ``opening_moment``.
    """
    return until.astimezone(UTC).date() + _LATEST_LOCAL_DAY_AHEAD
