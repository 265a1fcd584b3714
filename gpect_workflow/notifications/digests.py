"""Daily and weekly digests for the people who chose them instead of one email per reminder.

A digest leaves at the send hour in the person's time zone: every working day for a daily digest, on
Mondays (or the first working day of the week) for a weekly one. It lists the person's open tasks that
are late or fall due within the horizon, and the stage gates awaiting a decision of a steering committee
they sit on (first: the plan waits for them); a person with nothing to list gets no email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..engine.calendar import WorkingCalendar
from ..models import (
    OPEN_TASK_STATUSES,
    Plan,
    PlanStage,
    PlanStatus,
    ReminderMode,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
)
from ..services.committee.oversight import committee_roles
from ..services.context import session
from ..services.definitions import get_definition
from ..services.zones import person_zone
from .inbox import MY_TASKS_PATH
from .links import link_url
from .outbox import NewMessage
from .reminders import default_hour
from .render import render_email
from .views import active_rhythms, common_context, plan_views, stage_titles, task_links, task_view

#: How far back a pass looks for a digest day it missed.
MAX_CATCH_UP_DAYS = 15
HORIZON = {ReminderMode.DAILY: timedelta(days=7), ReminderMode.WEEKLY: timedelta(days=14)}
_FRENCH_CALENDAR = WorkingCalendar("FR")


@dataclass(frozen=True, slots=True)
class GateItem:
    """A stage gate awaiting the decision of a committee the person sits on."""

    plan_name: str
    stage_title: str
    review_url: str


@dataclass(frozen=True, slots=True)
class DigestItem:
    task: object
    plan_name: str
    days_left: int
    days_late: int
    open_url: str
    done_url: str
    more_time_url: str


def digest_day(person_mode: ReminderMode, day: date, calendar: WorkingCalendar = _FRENCH_CALENDAR) -> bool:
    """Whether a digest of this mode leaves on ``day``."""
    if not calendar.is_working_day(day):
        return False
    if person_mode is ReminderMode.DAILY:
        return True
    monday = day - timedelta(days=day.weekday())
    return day == calendar.next_working_day(monday)


def digest_messages(since: datetime, until: datetime) -> list[NewMessage]:
    """The digests whose send time came in ``(since, until]``, rendered, not yet queued."""
    due = _people_due(since, until)
    if not due:
        return []
    horizon_end = max(until.date() + HORIZON[mode] for _, mode, _ in due.values())
    tasks = _open_tasks(list(due), horizon_end)
    gates = _awaiting_gates(list(due))
    # Read with the people due (``active_rhythms``, once per pass): the gates' query costs no extra statement.
    people = {person.id: person.recipient() for person in active_rhythms() if person.id in due}
    plans = plan_views({plan.id for _, _, plan in tasks})
    messages = []
    for person_id, (day, mode, _zone) in due.items():
        mine = [(t, k, p) for t, k, p in tasks if t.assignee_id == person_id and t.due_date <= day + HORIZON[mode]]
        awaiting = [(stage, plan) for member, stage, plan in gates if member == person_id]
        if (mine or awaiting) and person_id in people:
            messages.append(_digest(people[person_id], mode, day, mine, plans, awaiting))
    return messages


def _awaiting_gates(person_ids: list[int]) -> list[tuple[int, PlanStage, Plan]]:
    """(member, stage, plan) for each gate of a running plan awaiting a committee the member sits on."""
    roles = committee_roles()
    query = (
        sa.select(RoleAssignmentMember.person_id, RoleAssignment.role_key, PlanStage, Plan)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .join(Plan, Plan.id == RoleAssignment.plan_id)
        .join(PlanStage, PlanStage.plan_id == Plan.id)
        .where(
            RoleAssignmentMember.person_id.in_(person_ids),
            PlanStage.status == StageStatus.AWAITING_DECISION,
            Plan.status == PlanStatus.ACTIVE,
        )
        .order_by(PlanStage.id)
    )
    found: dict[tuple[int, int], tuple[int, PlanStage, Plan]] = {}
    for member, role_key, stage, plan in session().execute(query):
        if role_key in roles.get((plan.definition_key, plan.definition_version), ()):
            found[member, stage.id] = (member, stage, plan)
    return list(found.values())


def _people_due(since: datetime, until: datetime) -> dict[int, tuple[date, ReminderMode, str]]:
    hour, result = default_hour(), {}
    for person in active_rhythms():
        if person.reminder_mode not in HORIZON:
            continue
        person_id, mode, zone_name = person.id, person.reminder_mode, person.timezone
        zone = person_zone(person.id, zone_name, person.email)
        if zone is None:
            continue
        day = until.astimezone(zone).date()
        # The latest digest day whose send time came in the window: after downtime, a missed Monday's
        # weekly digest still leaves (once), a missed daily one is replaced by the latest.
        for back in range(min(MAX_CATCH_UP_DAYS, (until - since).days + 2)):
            candidate = day - timedelta(days=back)
            if since < datetime.combine(candidate, hour, zone) <= until and digest_day(mode, candidate):
                result[person_id] = (candidate, mode, zone_name)
                break
    return result


def _open_tasks(person_ids: list[int], until_day: date) -> list[tuple[Task, str, Plan]]:
    query = (
        sa.select(Task, PlanStage.stage_key, Plan)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            Task.assignee_id.in_(person_ids),
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.due_date <= until_day,
            PlanStage.status == StageStatus.OPEN,
            Plan.status == PlanStatus.ACTIVE,
        )
        .order_by(Task.due_date, Task.id)
    )
    return [(task, key, plan) for task, key, plan in session().execute(query)]


def _digest(recipient, mode: ReminderMode, day: date, tasks, plans, awaiting=()) -> NewMessage:  # type: ignore[no-untyped-def]
    items = [
        DigestItem(
            task=task_view(task, key, plan, recipient.language),
            plan_name=plan.name,
            days_left=max((task.due_date - day).days, 0),
            days_late=max((day - task.due_date).days, 0),
            **task_links(recipient.id, task.id),
        )
        for task, key, plan in tasks
    ]
    items.sort(key=lambda item: (-item.days_late, item.days_left))
    email = render_email(
        "digest",
        recipient.language,
        period=mode.value,
        items=items,
        overdue_count=sum(1 for item in items if item.days_late),
        gates=[_gate_item(recipient, stage, plan) for stage, plan in awaiting],
        **common_context(recipient),
    )
    key = f"digest:{mode.value}:r{recipient.id}:{day.isoformat()}"
    return NewMessage(
        key, "digest", recipient.email, email.subject, email.text, email.html, recipient.id, link_path=MY_TASKS_PATH
    )


def _gate_item(recipient, stage: PlanStage, plan: Plan) -> GateItem:  # type: ignore[no-untyped-def]
    title, _ = stage_titles(stage, get_definition(plan.definition_key, plan.definition_version), recipient.language)
    return GateItem(plan.name, title, link_url("review_gate", recipient.id, stage_id=stage.id))
