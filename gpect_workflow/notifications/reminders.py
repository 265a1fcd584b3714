"""Deriving the reminders due in a window of time and queueing them in the outbox.

The window is ``(since, until]``: the time since the last tick. Reminders leave at a local hour, so only
a few calendar days can hold a slot inside a window; from them and the policies' offsets come the few
due dates worth looking at, and one indexed query fetches the open tasks due on those dates. The cost
of a tick therefore follows the reminders due, not the number of plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from ..definitions import WorkflowDefinition
from ..definitions.model import ReminderPolicy
from ..engine.calendar import WorkingCalendar, calendar_for
from ..engine.reminders import ReminderKind, Slot, due_slots, nominal_days, task_slots
from ..models import (
    OPEN_TASK_STATUSES,
    DefinitionRecord,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    ReminderMode,
    StageStatus,
    Task,
)
from ..services.context import now, session
from ..services.definitions import get_definition
from .outbox import NewMessage, enqueue
from .render import render_email
from .views import (
    PlanView,
    Recipient,
    calendar_attachment,
    common_context,
    plan_views,
    recipients,
    task_links,
    task_view,
)

#: Reminders rendered and inserted together.
CHUNK = 500
#: Working-day adjustments never move a slot further than this (Christmas and a weekend, say).
MAX_ADJUSTMENT_DAYS = 6


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A slot that came in the window, for a task and a recipient."""

    task: Task
    stage_key: str
    plan: Plan
    slot: Slot
    recipient_id: int


def default_hour() -> time:
    """The application's send hour for policies that do not name one."""
    hours, minutes = current_app.config["REMINDER_SEND_HOUR"].split(":")
    return time(int(hours), int(minutes))


def queue_due_reminders(since: datetime, until: datetime) -> list[str]:
    """Queue the reminders and escalations whose slot came in ``(since, until]``; return the keys queued."""
    definitions = _active_definitions()
    if not definitions:
        return []
    due_dates = candidate_due_dates(since, until, definitions, _recipient_zones())
    if not due_dates:
        return []
    due = list(_due_reminders(since, until, due_dates))
    queued: list[str] = []
    for start in range(0, len(due), CHUNK):  # render and insert a chunk at a time: memory stays bounded
        queued += enqueue(_messages(due[start : start + CHUNK]))
    return queued


def _active_definitions() -> list[WorkflowDefinition]:
    """Definition versions some active plan runs: a scan of the few definitions, probing plans by index."""
    running = sa.exists().where(
        Plan.definition_key == DefinitionRecord.key,
        Plan.definition_version == DefinitionRecord.version,
        Plan.status == PlanStatus.ACTIVE,
    )
    query = sa.select(DefinitionRecord.key, DefinitionRecord.version).where(running)
    return [get_definition(key, version) for key, version in session().execute(query)]


def _recipient_zones() -> set[str]:
    query = sa.select(Person.timezone).where(Person.is_active).distinct()
    return set(session().scalars(query)) | {current_app.config["DEFAULT_TIMEZONE"]}


def _policies(definition: WorkflowDefinition) -> list[ReminderPolicy]:
    return [definition.task_policy(stage, task) for stage in definition.stages for task in stage.tasks]


def candidate_due_dates(
    since: datetime, until: datetime, definitions: Iterable[WorkflowDefinition], zones: set[str]
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


def _slot_days(since: datetime, until: datetime, zones: set[str], hours: set[time]) -> set[date]:
    days: set[date] = set()
    for zone_name in zones:
        zone = ZoneInfo(zone_name)
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


def _due_reminders(since: datetime, until: datetime, due_dates: set[date]) -> Iterable[DueReminder]:
    query = (
        sa.select(Task, PlanStage.stage_key, Plan, Person.timezone)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .join(Plan, Plan.id == Task.plan_id)
        .outerjoin(Person, Person.id == Task.assignee_id)
        .where(
            Task.due_date.in_(sorted(due_dates)),
            Task.status.in_(OPEN_TASK_STATUSES),
            PlanStage.status == StageStatus.OPEN,
            Plan.status == PlanStatus.ACTIVE,
        )
    )
    for task, stage_key, plan, zone in session().execute(query):
        definition = get_definition(plan.definition_key, plan.definition_version)
        stage_def = definition.stage(stage_key)
        task_def = next(t for t in stage_def.tasks if t.key == task.task_key)
        policy = definition.task_policy(stage_def, task_def)
        calendar = calendar_for(definition.calendar)
        slots = task_slots(task.due_date, policy, ZoneInfo(zone or plan.timezone), calendar, default_hour())
        for slot in due_slots(slots, since, until):
            yield DueReminder(task, stage_key, plan, slot, task.assignee_id or plan.lead_id)


def _messages(due: list[DueReminder]) -> list[NewMessage]:
    people = recipients({d.recipient_id for d in due} | {d.plan.lead_id for d in due})
    modes = dict(session().execute(sa.select(Person.id, Person.reminder_mode).where(Person.id.in_(list(people)))).all())
    referents = _referents({d.recipient_id for d in due if d.slot.kind is ReminderKind.ESCALATION})
    people |= recipients(referents.values())
    plans = plan_views(d.plan.id for d in due)
    messages: list[NewMessage] = []
    for item in due:
        if item.slot.kind is ReminderKind.ESCALATION:
            targets = {item.plan.lead_id, referents.get(item.recipient_id, item.plan.lead_id)}
            messages += [
                _escalation(item, people[t], people.get(item.recipient_id), plans) for t in targets if t in people
            ]
        elif item.recipient_id in people and modes.get(item.recipient_id) is ReminderMode.IMMEDIATE:
            messages.append(_reminder(item, people[item.recipient_id], plans))
    return messages


def _referents(person_ids: set[int]) -> dict[int, int]:
    """For each person, the referent of their organisation (when there is one and it is someone else)."""
    if not person_ids:
        return {}
    referent = sa.orm.aliased(Person)
    query = (
        sa.select(Person.id, referent.id)
        .join(referent, sa.and_(referent.organisation_id == Person.organisation_id, referent.is_referent))
        .where(Person.id.in_(person_ids), referent.id != Person.id, referent.is_active)
    )
    return dict(session().execute(query).all())


def _key(item: DueReminder, kind: str, recipient_id: int) -> str:
    return f"p{item.plan.id}:t{item.task.id}:{kind}:{item.slot.occurrence}:r{recipient_id}"


def _local_today(recipient: Recipient, item: DueReminder) -> date:
    """Today for the recipient: the text says how things stand when it leaves, not when its slot was due
    (after downtime the two differ)."""
    return now().astimezone(ZoneInfo(recipient.timezone)).date()


def _reminder(item: DueReminder, recipient: Recipient, plans: dict[int, PlanView]) -> NewMessage:
    plan = plans[item.plan.id]
    task = task_view(item.task, item.stage_key, item.plan, recipient.language)
    days = (item.task.due_date - _local_today(recipient, item)).days
    moment = "before" if days > 0 else "today" if days == 0 else "late"
    email = render_email(
        "reminder",
        recipient.language,
        plan=plan,
        task=task,
        moment=moment,
        days_left=max(days, 0),
        days_late=max(-days, 0),
        **task_links(recipient.id, item.task.id),
        **common_context(recipient),
    )
    return NewMessage(
        _key(item, item.slot.kind.value, recipient.id),
        "reminder",
        recipient.email,
        email.subject,
        email.text,
        email.html,
        recipient.id,
        item.plan.id,
        item.task.id,
        attachments=[calendar_attachment([task], item.plan.name, recipient.id)],
    )


def _escalation(
    item: DueReminder, recipient: Recipient, assignee: Recipient | None, plans: dict[int, PlanView]
) -> NewMessage:
    task = task_view(item.task, item.stage_key, item.plan, recipient.language)
    days_late = max((_local_today(recipient, item) - item.task.due_date).days, 1)
    email = render_email(
        "escalation",
        recipient.language,
        plan=plans[item.plan.id],
        task=task,
        assignee_name=assignee.name if assignee else None,
        assignee_organisation=assignee.organisation if assignee else None,
        days_late=days_late,
        open_url=task_links(recipient.id, item.task.id)["open_url"],
        **common_context(recipient),
    )
    return NewMessage(
        _key(item, "escalation", recipient.id),
        "escalation",
        recipient.email,
        email.subject,
        email.text,
        email.html,
        recipient.id,
        item.plan.id,
        item.task.id,
    )
