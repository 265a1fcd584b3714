"""Calendar attachments for deadlines: one all-day event per task, with a stable UID.

The UID depends only on the task, and SEQUENCE grows with the task's version, so a calendar that
received an earlier file replaces the entry when the deadline moves instead of adding a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//GPECT Workflow//Deadlines//FR"


def task_uid(task_id: int, domain: str) -> str:
    """The calendar UID of a task's deadline."""
    return f"gpect-task-{task_id}@{domain}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """A task deadline to put in a calendar."""

    task_id: int
    version: int
    title: str
    plan_name: str
    due: date
    url: str


def deadlines_ics(deadlines: list[Deadline], *, domain: str, stamp: datetime) -> bytes:
    """An iCalendar file with each deadline as an all-day event."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for deadline in deadlines:
        event = Event()
        event.add("uid", task_uid(deadline.task_id, domain))
        event.add("sequence", deadline.version)
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due + timedelta(days=1))
        event.add("summary", f"{deadline.title} – {deadline.plan_name}")
        event.add("url", deadline.url)
        event.add("description", deadline.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
