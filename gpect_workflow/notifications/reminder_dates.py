"""The few due dates worth looking at in a window of time: those whose reminder slots fall inside it.

Reminders leave at a local hour, so only a few calendar days can hold a slot inside a window, in the zones
people hear from us in; from them, each policy's offsets and its working-day adjustments give back the due
dates. Pure date arithmetic over the definitions: no query, so a tick's cost does not follow the plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..definitions import WorkflowDefinition
from ..definitions.model import ReminderPolicy
from ..engine.calendar import WorkingCalendar, calendar_for
from ..engine.reminders import ReminderKind, nominal_days
from ..services.plans.opening import opening_hour

#: Working-day adjustments never move a slot further than this (Christmas and a weekend, say).
MAX_ADJUSTMENT_DAYS = 6


def default_hour() -> time:
    """The application's send hour for policies that do not name one (scheduled plans open at it too)."""
    return opening_hour()


def _policies(definition: WorkflowDefinition) -> list[ReminderPolicy]:
    return [definition.task_policy(stage, task) for stage in definition.stages for task in stage.tasks]


def candidate_due_dates(
    since: datetime, until: datetime, definitions: Iterable[WorkflowDefinition], zones: set[ZoneInfo]
) -> set[date]:
    """The due dates a task may have to get a reminder slot inside the window (a small superset)."""
    result: set[date] = set()
    for definition in definitions:
        calendar = calendar_for(definition.calendar)
        policies = set(_policies(definition))
        hours = {policy.send_hour or default_hour() for policy in policies}
        slot_days = _slot_days(since, until, zones, hours)
        for policy in policies:
            result |= _due_dates_for(slot_days, policy, calendar)
    return result


def _slot_days(since: datetime, until: datetime, zones: set[ZoneInfo], hours: set[time]) -> set[date]:
    days: set[date] = set()
    for zone in zones:
        first, last = since.astimezone(zone).date(), until.astimezone(zone).date()
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            if any(since < datetime.combine(day, hour, zone) <= until for hour in hours):
                days.add(day)
    return days


def _due_dates_for(slot_days: set[date], policy: ReminderPolicy, calendar: WorkingCalendar) -> set[date]:
    """Exactly the due dates whose policy slots, after working-day adjustment, land on one of ``slot_days``."""
    probe = date(2000, 1, 1)
    offsets = [(kind, day - probe) for kind, _, day in nominal_days(probe, policy)]
    return {
        nominal - offset
        for day in slot_days
        for kind, offset in offsets
        for nominal in _nominal_days_landing_on(day, kind, calendar, bool(policy.working_days_only))
    }


def _nominal_days_landing_on(day: date, kind: ReminderKind, calendar: WorkingCalendar, working_only: bool) -> set[date]:
    """The days a policy may name that end up on ``day``: itself, and the non-working days moved onto it."""
    if not working_only:
        return {day}
    if not calendar.is_working_day(day):
        return set()
    step = timedelta(days=1 if kind in (ReminderKind.BEFORE_DUE, ReminderKind.ON_DUE) else -1)
    days, other = {day}, day + step
    while not calendar.is_working_day(other) and len(days) <= MAX_ADJUSTMENT_DAYS:
        days.add(other)
        other += step
    return days
