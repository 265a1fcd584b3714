"""Which reminders a task has, and which one is due as of an instant.

Reminders are derived from state, never stored as timers. A task's policy (task over stage over
definition) gives its *slots*: days before the due date, the due date, every N days overdue up to M
times, and one escalation after K days overdue. Each slot leaves at the send hour in the recipient's
time zone; with ``working_days_only`` a slot falling on a weekend or public holiday moves to the
previous working day when it announces a deadline, to the next one when it chases a late task.

After downtime several slots may have passed: only the latest of the reminder series is sent (its text
is written from the task's state at that moment), and the escalation on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ..definitions.model import ReminderPolicy
from .calendar import WorkingCalendar


class ReminderKind(StrEnum):
    """The kinds of reminder slots."""

    BEFORE_DUE = "before_due"
    ON_DUE = "on_due"
    OVERDUE = "overdue"
    ESCALATION = "escalation"


#: Slots that announce a deadline move to the previous working day; the others to the next.
_ANNOUNCING = (ReminderKind.BEFORE_DUE, ReminderKind.ON_DUE)


@dataclass(frozen=True, slots=True)
class Slot:
    """One reminder of a task: its kind, an occurrence label unique for the task's due date, when it leaves."""

    kind: ReminderKind
    occurrence: str
    day: date
    at: datetime


def nominal_days(due: date, policy: ReminderPolicy) -> list[tuple[ReminderKind, str, date]]:
    """The days the policy names for a task due on ``due``, before any working-day adjustment."""
    days = [(ReminderKind.BEFORE_DUE, f"d-{n}", due - timedelta(days=n)) for n in policy.before_days or ()]
    if policy.on_due:
        days.append((ReminderKind.ON_DUE, "d0", due))
    every, count = policy.overdue_every_days, policy.overdue_max or 0
    if every:
        days.extend((ReminderKind.OVERDUE, f"late-{k}", due + timedelta(days=k * every)) for k in range(1, count + 1))
    if policy.escalate_after_days:
        days.append((ReminderKind.ESCALATION, "escalation", due + timedelta(days=policy.escalate_after_days)))
    return days


def adjust_day(day: date, kind: ReminderKind, calendar: WorkingCalendar) -> date:
    """Move a slot off non-working days: earlier for announcements, later for chasers."""
    step = timedelta(days=-1 if kind in _ANNOUNCING else 1)
    while not calendar.is_working_day(day):
        day += step
    return day


def task_slots(
    due: date, policy: ReminderPolicy, zone: ZoneInfo, calendar: WorkingCalendar, default_hour: time
) -> list[Slot]:
    """Every slot of a task due on ``due``, for a recipient in ``zone``, in time order."""
    hour = policy.send_hour or default_hour
    slots = []
    for kind, occurrence, day in nominal_days(due, policy):
        if policy.working_days_only:
            day = adjust_day(day, kind, calendar)
        at = datetime.combine(day, hour, zone)
        slots.append(Slot(kind, f"{due.isoformat()}:{occurrence}", day, at))
    return sorted(slots, key=lambda slot: (slot.at, slot.kind != ReminderKind.ESCALATION))


def due_slots(slots: list[Slot], since: datetime, until: datetime) -> list[Slot]:
    """The slots to send for a tick covering ``(since, until]``: coalesced to what still makes sense.

    Of the reminder series (before due, on due, overdue) only the latest slot that has come is kept,
    and only if it came inside the window; the escalation is kept if it came inside the window.
    """
    came = [slot for slot in slots if slot.at <= until]
    reminders = [slot for slot in came if slot.kind is not ReminderKind.ESCALATION]
    escalations = [slot for slot in came if slot.kind is ReminderKind.ESCALATION]
    chosen = [reminders[-1]] if reminders else []
    chosen += escalations[-1:]
    return [slot for slot in chosen if slot.at > since]
