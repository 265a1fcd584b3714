"""Deriving the reminders due in a window of time and queueing them in the outbox.

The window is ``(since, until]``: the time since the last tick. Reminders leave at a local hour, so only
a few calendar days can hold a slot inside a window; from them and the policies' offsets come the few
due dates worth looking at (``reminder_dates``), and one indexed query fetches the open tasks due on
those dates. The cost of a tick therefore follows the reminders due, not the number of plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from ..definitions import WorkflowDefinition
from ..engine.calendar import calendar_for
from ..engine.reminders import ReminderKind, Slot, due_slots, task_slots
from ..models import (
    OPEN_TASK_STATUSES,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    ReminderMode,
    StageStatus,
    Task,
)
from ..services.context import now, session
from ..services.definitions import all_definitions, get_definition, task_definition
from ..services.zones import person_zone, plan_zone, zone_or_default
from .inbox import task_path
from .outbox import NewMessage, queued_keys
from .reminder_dates import candidate_due_dates, default_hour
from .render import render_email
from .views import (
    PlanView,
    Recipient,
    TaskView,
    active_rhythms,
    calendar_attachment,
    common_context,
    definition_task_view,
    plan_views,
    recipients_and_referents,
    task_links,
)


@dataclass(frozen=True, slots=True)
class DueTask:
    """What a reminder says of its task: read as plain columns, not ORM objects (thousands at a send hour)."""

    id: int
    plan_id: int
    task_key: str
    owner_role: str
    version: int
    due_date: date
    assignee_id: int | None
    #: A one-off task's own columns (``task_definition`` reads them); the definition's tasks have none.
    is_one_off: bool = False
    title_fr: str | None = None
    title_en: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class DuePlan:
    """What a reminder needs of its plan."""

    id: int
    name: str
    lead_id: int
    definition_key: str
    definition_version: int
    timezone: str


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A slot that came in the window, for a task and a recipient."""

    task: DueTask
    stage_key: str
    plan: DuePlan
    slot: Slot
    recipient_id: int


@dataclass(frozen=True, slots=True)
class ReminderBatch:
    """The reminders a pass rendered, and how many due ones it left for the next pass."""

    messages: list[NewMessage]
    left: int = 0


def due_reminder_messages(since: datetime, until: datetime, limit: int | None) -> ReminderBatch:
    """The reminders and escalations whose slot came in ``(since, until]``, not queued yet, rendered.

    Those already in the outbox (an earlier pass over the same window) are left out before rendering,
    and at most ``limit`` are rendered: a send hour of thousands is spread over a few passes, each of a
    bounded time and memory. The queries are the same whatever the number of reminders.
    """
    definitions = _active_definitions()
    if not definitions:
        return ReminderBatch([])
    due_dates = candidate_due_dates(since, until, definitions, _recipient_zones())
    if not due_dates:
        return ReminderBatch([])
    due = list(_due_reminders(since, until, due_dates))
    people, referents = recipients_and_referents(
        {d.recipient_id for d in due} | {d.plan.lead_id for d in due},
        {d.recipient_id for d in due if d.slot.kind is ReminderKind.ESCALATION},
    )
    planned = _planned(due, people, referents)
    queued = queued_keys([item.key for item in planned])
    todo = [item for item in planned if item.key not in queued]
    rendered = todo if limit is None else todo[:limit]
    plans = plan_views({item.due.plan.id for item in rendered})
    messages = [message for item in rendered if (message := _render(item, people, plans)) is not None]
    return ReminderBatch(messages, len(todo) - len(rendered))


def _active_definitions() -> list[WorkflowDefinition]:
    """The registered definition versions (a few; read once per pass): the due dates worth looking at
    come from their policies, and the due tasks' query then keeps those of active plans."""
    return list(all_definitions().values())


def _recipient_zones() -> set[ZoneInfo]:
    """The zones people hear from us in (and the default one); a person whose zone breaks the rule is left
    aside, and the pass says so."""
    zones = {person_zone(person.id, person.timezone, person.email) for person in active_rhythms()}
    return {zone for zone in zones if zone is not None} | {ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])}


#: What ``_due_reminders`` selects, column by column.
_DueRows = sa.Select[
    int,
    int,
    str,
    str,
    int,
    date,
    int | None,
    str,
    str,
    int,
    str,
    int,
    str,
    str | None,
    str | None,
    bool,
    str | None,
    str | None,
    str | None,
]


def _due_reminders(since: datetime, until: datetime, due_dates: set[date]) -> Iterable[DueReminder]:
    # SQLAlchemy types the first ten columns of a select only: the cast says what all of this one's are
    # (the task, its stage key, its plan, then the assignee's time zone and address, missing without one).
    query = cast(
        _DueRows,
        sa.select(
            Task.id,
            Task.plan_id,
            Task.task_key,
            Task.owner_role,
            Task.version,
            Task.due_date,
            Task.assignee_id,
            PlanStage.stage_key,
            Plan.name,
            Plan.lead_id,
            Plan.definition_key,
            Plan.definition_version,
            Plan.timezone,
            Person.timezone,
            Person.email,
            Task.is_one_off,
            Task.title_fr,
            Task.title_en,
            Task.description,
        )
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .join(Plan, Plan.id == Task.plan_id)
        .outerjoin(Person, Person.id == Task.assignee_id)
        .where(
            Task.due_date.in_(sorted(due_dates)),
            Task.status.in_(OPEN_TASK_STATUSES),
            PlanStage.status == StageStatus.OPEN,
            Plan.status == PlanStatus.ACTIVE,
        ),
    )
    plans: dict[int, DuePlan] = {}
    rows = (
        (
            DueTask(*row[:7], *row[15:19]),
            row[7],
            plans.get(row[1]) or plans.setdefault(row[1], DuePlan(row[1], *row[8:13])),
            row[13],
            row[14],
        )
        for row in session().execute(query)
    )
    hour = default_hour()
    # Tasks of one definition due on one day in one time zone share their slots: at a busy send hour
    # thousands of tasks have a handful of due dates, so the slots are worked out once for each.
    slots_of: dict[tuple[object, ...], list[Slot]] = {}
    for task, stage_key, plan, assignee_zone, assignee_email in rows:
        # Deadlines are days in the plan's zone: a plan whose zone breaks the rule is left aside (the pass
        # says so). An assignee whose own zone breaks it gets nothing (``_render``), but the slots of their
        # task follow the plan's zone, so the lead's escalation still leaves.
        zone = plan_zone(plan.id, plan.timezone, plan.name)
        if zone is None:
            continue
        if assignee_zone is not None:
            zone = person_zone(task.assignee_id, assignee_zone, assignee_email) or zone  # type: ignore[arg-type]
        zone_name = zone.key
        # A one-off task's key is its plan's own: its shape is kept apart from other plans' tasks.
        shape: tuple[object, ...] = (
            plan.definition_key,
            plan.definition_version,
            stage_key,
            task.task_key,
            task.due_date,
            zone_name,
        )
        shape = (*shape, plan.id) if task.is_one_off else shape
        slots = slots_of.get(shape)
        if slots is None:
            definition = get_definition(plan.definition_key, plan.definition_version)
            stage_def = definition.stage(stage_key)
            task_def = task_definition(definition, task)
            policy = definition.task_policy(stage_def, task_def)
            calendar = calendar_for(definition.calendar)
            slots = slots_of[shape] = list(task_slots(task.due_date, policy, zone, calendar, hour))
        for slot in due_slots(slots, since, until):
            yield DueReminder(task, stage_key, plan, slot, task.assignee_id or plan.lead_id)


@dataclass(frozen=True, slots=True)
class _Planned:
    """A message to write: a due slot for one recipient (the escalations have two: lead and referent)."""

    key: str
    due: DueReminder
    recipient_id: int
    escalation: bool


def _planned(due: list[DueReminder], people: dict[int, Recipient], referents: dict[int, int]) -> list[_Planned]:
    """What to send for each due slot, in a stable order (escalations first: they are always sent)."""
    planned: list[_Planned] = []
    for item in due:
        if item.slot.kind is ReminderKind.ESCALATION:
            targets = {item.plan.lead_id, referents.get(item.recipient_id, item.plan.lead_id)}
            planned += [_Planned(_key(item, "escalation", t), item, t, True) for t in sorted(targets) if t in people]
        elif item.recipient_id in people and people[item.recipient_id].reminder_mode is ReminderMode.IMMEDIATE:
            planned.append(
                _Planned(_key(item, item.slot.kind.value, item.recipient_id), item, item.recipient_id, False)
            )
    planned.sort(key=lambda p: (not p.escalation, p.due.task.due_date, p.key))
    return planned


def _render(item: _Planned, people: dict[int, Recipient], plans: dict[int, PlanView]) -> NewMessage | None:
    """The message of ``item``; ``None`` when its recipient's time zone breaks the rule (left aside, said)."""
    recipient = people[item.recipient_id]
    if person_zone(recipient.id, recipient.timezone, recipient.email) is None:
        return None
    if item.escalation:
        return _escalation(item.due, people[item.recipient_id], people.get(item.due.recipient_id), plans)
    return _reminder(item.due, people[item.recipient_id], plans)


def _task_view(item: DueReminder, language: str) -> TaskView:
    task, plan = item.task, item.plan
    definition = get_definition(plan.definition_key, plan.definition_version)
    return definition_task_view(
        definition,
        task.id,
        task.version,
        task_definition(definition, task),
        task.owner_role,
        task.due_date,
        item.stage_key,
        language,
    )


def _key(item: DueReminder, kind: str, recipient_id: int) -> str:
    return f"p{item.plan.id}:t{item.task.id}:{kind}:{item.slot.occurrence}:r{recipient_id}"


def _local_today(recipient: Recipient, item: DueReminder) -> date:
    """Today for the recipient: the text says how things stand when it leaves, not when its slot was due
    (after downtime the two differ). ``_render`` checked the recipient's zone."""
    return now().astimezone(zone_or_default(recipient.timezone)).date()


def _reminder(item: DueReminder, recipient: Recipient, plans: dict[int, PlanView]) -> NewMessage:
    plan = plans[item.plan.id]
    task = _task_view(item, recipient.language)
    days = (item.task.due_date - _local_today(recipient, item)).days
    moment = "before" if days > 0 else "today" if days == 0 else "late"
    links = task_links(recipient.id, item.task.id)
    email = render_email(
        "reminder",
        recipient.language,
        plan=plan,
        task=task,
        moment=moment,
        days_left=max(days, 0),
        days_late=max(-days, 0),
        **links,
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
        attachments=[calendar_attachment([task], item.plan.name, recipient.id, {item.task.id: links["open_url"]})],
        link_path=task_path(item.task.id),
    )


def _escalation(
    item: DueReminder, recipient: Recipient, assignee: Recipient | None, plans: dict[int, PlanView]
) -> NewMessage:
    task = _task_view(item, recipient.language)
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
        link_path=task_path(item.task.id),
    )
