"""Helpers of the end-to-end email tests that move time (test_time_travel.py, test_schedulers_concurrent.py).

* local instants in Paris, and the working calendar reminders and digests follow;
* an app wired to a real SMTP server (the ``smtp`` fixture of tests/smtp_server.py), tables emptied afterwards;
* the outbox as rows and the Message-ID each row must reach the SMTP server with;
* what the scheduler is expected to queue in a tick window, predicted from the pure engine
  (``task_slots`` and ``due_slots`` of gpect_workflow.engine.reminders), independently of the
  notifications layer that queues it for real.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from gpect_workflow.definitions import WorkflowDefinition
from gpect_workflow.engine.calendar import WorkingCalendar, calendar_for
from gpect_workflow.engine.reminders import ReminderKind, Slot, due_slots, task_slots
from gpect_workflow.models import (
    OPEN_TASK_STATUSES,
    OutboxMessage,
    Plan,
    PlanStage,
    PlanStatus,
    ReminderMode,
    StageStatus,
    Task,
)
from gpect_workflow.notifications.outbox import message_id
from gpect_workflow.services.context import session
from gpect_workflow.state import EXTENSION_NAME

from .conftest import empty_tables, make_app

PARIS = ZoneInfo("Europe/Paris")
FRENCH_CALENDAR = WorkingCalendar("FR")
BASE_URL = "http://gpect.test"
MAIL_DOMAIN = "gpect.test"
#: REMINDER_SEND_HOUR's default, also the hour every shipped definition names.
SEND_HOUR = time(8, 30)
#: How far ahead a daily digest looks.
DAILY_HORIZON = timedelta(days=7)


def paris(day: date, hour: int = 8, minute: int = 31) -> datetime:
    """A local instant in Paris."""
    return datetime.combine(day, time(hour, minute), PARIS)


def next_working_day(day: date) -> date:
    """``day`` when it is a French working day, otherwise the first one after it."""
    return FRENCH_CALENDAR.next_working_day(day)


@contextmanager
def mail_app(database_url: str, smtp_port: int) -> Iterator[Flask]:
    """An app on the pass's database that sends through the local SMTP server; tables emptied afterwards."""
    app = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_DEFAULT_SENDER="GPECT <no-reply@gpect.test>",
        MAIL_TIMEOUT_SECONDS=10,
        BASE_URL=BASE_URL,
    )
    with app.app_context():
        # Hundreds of ticks commit thousands of times: skip waiting for disk syncs (durability is not under test).
        engine = app.extensions[EXTENSION_NAME].db.engine
        sa.event.listen(engine, "connect", _NO_DISK_SYNC[engine.dialect.name])
        try:
            yield app
        finally:
            empty_tables(app)


def _sqlite_no_sync(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


def _postgres_no_sync(connection: Any, _record: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    connection.commit()


_NO_DISK_SYNC = {"sqlite": _sqlite_no_sync, "postgresql": _postgres_no_sync}


def outbox_rows(after_id: int = 0) -> list[OutboxMessage]:
    """Outbox rows with an id above ``after_id``, in id order."""
    query = sa.select(OutboxMessage).where(OutboxMessage.id > after_id).order_by(OutboxMessage.id)
    return list(session().scalars(query))


def expected_message_id(row: OutboxMessage) -> str:
    """The Message-ID the row must reach the SMTP server with (derived from its idempotency key)."""
    return message_id(row.idempotency_key, MAIL_DOMAIN)


# ----------------------------------------------------------------------------------------------------------------
# Prediction from the pure engine
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Member:
    """A person of the cast, as plain data (no ORM object to expire between transactions)."""

    id: int
    email: str
    name: str
    language: str
    mode: ReminderMode
    timezone: str = "Europe/Paris"


@dataclass(frozen=True, slots=True)
class ExpectedReminder:
    """A reminder or escalation a tick must queue: (email kind, task, recipient) and the engine's slot."""

    kind: str
    task_id: int
    recipient_id: int
    slot: Slot
    due: date


@dataclass(frozen=True, slots=True)
class ExpectedDigest:
    """A daily digest a tick must queue."""

    recipient_id: int
    day: date
    task_ids: frozenset[int]
    overdue: int


@dataclass(frozen=True, slots=True)
class OpenTask:
    """An open task of an open stage of an active plan, with what the engine needs to know about it."""

    id: int
    plan_id: int
    lead_id: int
    assignee_id: int
    stage_key: str
    task_key: str
    due: date
    slots: tuple[Slot, ...]
    escalate_after_days: int | None


def open_tasks(
    definitions: dict[str, WorkflowDefinition], people: dict[int, Member], *, opening: bool = False
) -> list[OpenTask]:
    """The tasks reminders may be about now: open, in an open stage of an active plan, with their slots.

    With ``opening``, the first stage of a scheduled plan counts as open too: the tick about to run opens
    the plan before it queues reminders.
    """
    in_open_stage = sa.and_(PlanStage.status == StageStatus.OPEN, Plan.status == PlanStatus.ACTIVE)
    if opening:
        in_open_stage = sa.or_(in_open_stage, sa.and_(PlanStage.position == 0, Plan.status == PlanStatus.SCHEDULED))
    query = (
        sa.select(Task, PlanStage.stage_key, Plan.definition_key, Plan.lead_id, Plan.timezone)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Task.status.in_(OPEN_TASK_STATUSES), in_open_stage)
        .order_by(Task.id)
    )
    found = []
    for task, stage_key, definition_key, lead_id, plan_zone in session().execute(query):
        definition = definitions[definition_key]
        stage_def = definition.stage(stage_key)
        task_def = next(t for t in stage_def.tasks if t.key == task.task_key)
        policy = definition.task_policy(stage_def, task_def)
        assignee_id = task.assignee_id or lead_id
        zone = ZoneInfo(people[assignee_id].timezone if assignee_id in people else plan_zone)
        slots = task_slots(task.due_date, policy, zone, calendar_for(definition.calendar), SEND_HOUR)
        found.append(
            OpenTask(
                task.id,
                task.plan_id,
                lead_id,
                assignee_id,
                stage_key,
                task.task_key,
                task.due_date,
                tuple(slots),
                policy.escalate_after_days,
            )
        )
    return found


def predict_reminders(
    tasks: list[OpenTask], since: datetime, until: datetime, people: dict[int, Member], referents: dict[int, int]
) -> list[ExpectedReminder]:
    """What a tick covering ``(since, until]`` must queue: coalesced reminders to immediate-mode assignees,
    escalations to the plan lead and the assignee's organisation referent (whatever their reminder mode)."""
    expected = []
    for task in tasks:
        for slot in due_slots(list(task.slots), since, until):
            if slot.kind is ReminderKind.ESCALATION:
                for target in sorted({task.lead_id, referents.get(task.assignee_id, task.lead_id)}):
                    expected.append(ExpectedReminder("escalation", task.id, target, slot, task.due))
            elif people[task.assignee_id].mode is ReminderMode.IMMEDIATE:
                expected.append(ExpectedReminder("reminder", task.id, task.assignee_id, slot, task.due))
    return expected


def predict_daily_digest(
    tasks: list[OpenTask], since: datetime, until: datetime, person: Member
) -> ExpectedDigest | None:
    """The daily digest of ``person`` a tick covering ``(since, until]`` must queue, if any.

    A daily digest leaves at the send hour of working days; after a window of several days, the one of
    the latest working day in it. It lists the person's open tasks late or due within seven days; a
    person with none gets nothing.
    """
    zone = ZoneInfo(person.timezone)
    day = until.astimezone(zone).date()
    while datetime.combine(day, SEND_HOUR, zone) > since:
        if datetime.combine(day, SEND_HOUR, zone) <= until and FRENCH_CALENDAR.is_working_day(day):
            mine = [t for t in tasks if t.assignee_id == person.id and t.due <= day + DAILY_HORIZON]
            if not mine:
                return None
            overdue = sum(1 for t in mine if t.due < day)
            return ExpectedDigest(person.id, day, frozenset(t.id for t in mine), overdue)
        day -= timedelta(days=1)
    return None


# ----------------------------------------------------------------------------------------------------------------
# Subjects
# ----------------------------------------------------------------------------------------------------------------


def _days(n: int, language: str) -> str:
    if language == "en":
        return f"{n} day{'s' if n != 1 else ''}"
    return f"{n} jour{'s' if n > 1 else ''}"


def reminder_subject_ending(language: str, days_left: int) -> tuple[str, str]:
    """How a reminder's subject must start and end in ``language`` for a task due in ``days_left`` days
    (negative: late by that many)."""
    if language == "en":
        if days_left < 0:
            return "Overdue: ", f"({_days(-days_left, language)})"
        phrase = "today" if days_left == 0 else "tomorrow" if days_left == 1 else f"in {_days(days_left, language)}"
        return "Reminder: ", f"due {phrase}"
    if days_left < 0:
        return "En retard\u00a0: ", f"({_days(-days_left, language)})"
    phrase = "aujourd'hui" if days_left == 0 else "demain" if days_left == 1 else f"dans {_days(days_left, language)}"
    return "Rappel\u00a0: ", f"à rendre {phrase}"


LINK = re.compile(re.escape(BASE_URL) + r"/links/(open_task|mark_done|more_time|digest_only)/[\w.-]+")
