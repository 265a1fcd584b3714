"""Daily and weekly digests for the people who chose them instead of one email per reminder.

A digest leaves at the send hour in the person's time zone: every working day for a daily digest, on
Mondays (or the first working day of the week) for a weekly one. It lists the person's open tasks that
are late or fall due within the horizon, the stage gates awaiting a decision of a steering committee
they sit on (first: the plan waits for them), and the comments written since their last digest on the tasks
and gate reviews they are concerned by (``notifications.comments``); a person with nothing to list gets no
email. The gates and the comments are read in one statement, whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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
from ..services.zones import known_zone, person_zone
from .comments import comment_item, digest_comments_select, is_concerned_row
from .inbox import MY_TASKS_PATH
from .links import link_url
from .outbox import NewMessage
from .reminder_dates import default_hour
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
    starts = {person_id: _comments_since(mode, day, zone, since) for person_id, (day, mode, zone) in due.items()}
    gates, comments = _gates_and_comments(list(due), min(starts.values()), until)
    # Read with the people due (``active_rhythms``, once per pass): the recipients cost no extra statement.
    people = {person.id: person.recipient() for person in active_rhythms() if person.id in due}
    plans = plan_views({plan.id for _, _, plan in tasks})
    messages = []
    for person_id, (day, mode, _zone) in due.items():
        mine = [(t, k, p) for t, k, p in tasks if t.assignee_id == person_id and t.due_date <= day + HORIZON[mode]]
        awaiting = [row for row in gates if row.person_id == person_id]
        said = [row for row in comments if row.person_id == person_id and row.created_dt > starts[person_id]]
        if (mine or awaiting or said) and person_id in people:
            messages.append(_digest(people[person_id], mode, day, mine, plans, awaiting, said))
    return messages


def _gates_and_comments(
    person_ids: list[int], comments_since: datetime, until: datetime
) -> tuple[list[Any], list[Any]]:
    """The gates of running plans awaiting a committee each person sits on, and the comments written in
    ``(comments_since, until]`` that concern them (``notifications.comments``): one statement for both, each row
    of one person, once."""
    roles = committee_roles()
    gates: Any = (
        sa.select(
            sa.literal_column("'gate'").label("kind"),
            RoleAssignmentMember.person_id,
            RoleAssignment.role_key,
            Plan.id,
            Plan.name,
            Plan.definition_key,
            Plan.definition_version,
            Plan.lead_id,
            PlanStage.id,
            PlanStage.stage_key,
            *_NO_COMMENT,
        )
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .join(Plan, Plan.id == RoleAssignment.plan_id)
        .join(PlanStage, PlanStage.plan_id == Plan.id)
        .where(
            RoleAssignmentMember.person_id.in_(person_ids),
            PlanStage.status == StageStatus.AWAITING_DECISION,
            Plan.status == PlanStatus.ACTIVE,
        )
    )
    query: sa.CompoundSelect[Any] = sa.union_all(digest_comments_select(person_ids, comments_since, until), gates)
    found_gates: dict[tuple[int, int], Any] = {}
    found_comments: dict[tuple[int, int], Any] = {}
    for row in session().execute(query):
        committee = roles.get((row.definition_key, row.definition_version), ())
        if row.kind == "gate" and row.role_key in committee:
            found_gates[row.person_id, row.stage_id] = row
        elif row.kind == "comment" and is_concerned_row(row, committee):
            found_comments[row.person_id, row.comment_id] = row
    return (
        sorted(found_gates.values(), key=lambda row: row.stage_id),
        sorted(found_comments.values(), key=lambda row: (row.created_dt, row.comment_id)),
    )


#: The comment columns of ``digest_comments_select``, empty in a gate's row of ``_gates_and_comments``.
_NO_COMMENT = (
    sa.cast(sa.null(), sa.Integer),
    sa.cast(sa.null(), sa.String),
    sa.cast(sa.null(), sa.Boolean),
    sa.cast(sa.null(), sa.String),
    sa.cast(sa.null(), sa.String),
    sa.cast(sa.null(), sa.Text),
    sa.cast(sa.null(), sa.String),
    sa.cast(sa.null(), sa.Date),
    sa.cast(sa.null(), sa.Integer),
    sa.cast(sa.null(), sa.Integer),
    sa.cast(sa.null(), sa.Text),
    sa.cast(sa.null(), sa.String),
    sa.cast(sa.null(), sa.DateTime(timezone=True)),
)


def _comments_since(mode: ReminderMode, day: date, zone_name: str, since: datetime) -> datetime:
    """When the person's last digest left: the send time of the latest digest day before ``day`` that came no
    later than ``since`` (a digest day inside this pass's window was not sent: this one replaces it). Their
    digest lists the comments written after it."""
    zone = known_zone(zone_name)
    assert zone is not None  # ``_people_due`` keeps only the people whose zone is known
    hour = default_hour()
    for back in range(1, MAX_CATCH_UP_DAYS + 8):
        candidate = day - timedelta(days=back)
        sent = datetime.combine(candidate, hour, zone)
        if sent <= since and digest_day(mode, candidate):
            return sent
    return datetime.combine(day - timedelta(days=MAX_CATCH_UP_DAYS + 8), hour, zone)


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


def _digest(recipient, mode: ReminderMode, day: date, tasks, plans, awaiting=(), said=()) -> NewMessage:  # type: ignore[no-untyped-def]
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
        gates=[_gate_item(recipient, row) for row in awaiting],
        comments=[comment_item(recipient, row) for row in said],
        **common_context(recipient),
    )
    key = f"digest:{mode.value}:r{recipient.id}:{day.isoformat()}"
    return NewMessage(
        key, "digest", recipient.email, email.subject, email.text, email.html, recipient.id, link_path=MY_TASKS_PATH
    )


def _gate_item(recipient, row: Any) -> GateItem:  # type: ignore[no-untyped-def]
    """A ``_gates_and_comments`` gate row as the recipient's digest lists it."""
    title, _ = stage_titles(row, get_definition(row.definition_key, row.definition_version), recipient.language)
    return GateItem(row.plan_name, title, link_url("review_gate", recipient.id, stage_id=row.stage_id))
