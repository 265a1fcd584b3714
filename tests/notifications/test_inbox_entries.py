"""Every email to a person is also an entry of their inbox, leading to the page it is about; administrative
emails are not. Each kind of email is produced by its real builder (a plan started, a send hour ticked, a
gate decided...), and the entries are read back from the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import (
    Decision,
    InboxEntry,
    Organisation,
    OutboxMessage,
    Person,
    PersonRole,
    ReminderMode,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.notifications.data_alerts import data_problem_messages
from gpect_workflow.notifications.delivery_alerts import alert_administrators
from gpect_workflow.notifications.inbox import NOT_IN_INBOX
from gpect_workflow.notifications.ledger import Failure
from gpect_workflow.notifications.login_links import queue_login_link
from gpect_workflow.notifications.notice_alerts import alert_administrators_of_notices
from gpect_workflow.notifications.outbox import NewMessage, enqueue
from gpect_workflow.notifications.password_reset import queue_password_reset
from gpect_workflow.notifications.problems import DeliveryProblem
from gpect_workflow.notifications.render import KINDS
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.services.comments import comment_on_task
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.lifecycle import hold_plan
from gpect_workflow.services.plans.roles import RoleChange, remap_role
from gpect_workflow.services.skips import Skip
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status, move_deadline
from gpect_workflow.services.tasks.delay_requests import accept_delay_request, ask_for_delay, refuse_delay_request
from tests.conftest import sign_in
from tests.plan_helpers import start_five_levers_plan
from tests.web.plan_support import Cast, cast_fixture, task  # noqa: F401

PARIS = ZoneInfo("Europe/Paris")
#: Monday 22 February 2027, 08:30 in Paris: a send hour with overdue reminders, an escalation, a partner's
#: daily digest and the weekly committee digest (as ``tests/scheduler/test_tick_cost.py``).
SEND_HOUR = datetime.combine(date(2027, 2, 22), time(8, 30), PARIS)
OBSERVE_TASKS = ("inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")


def send_hour(cast: Cast, clock: FrozenClock) -> None:
    start_five_levers_plan(cast.lead, date(2026, 12, 15), "Plan du 15")
    chamber = session().get(Person, cast.chamber.id)
    assert chamber is not None
    chamber.reminder_mode = ReminderMode.DAILY
    session().commit()
    clock.set(SEND_HOUR)
    tick()


def finish_first_stage(cast: Cast, clock: FrozenClock) -> None:
    for key in OBSERVE_TASKS:
        work = task(cast.plan, key)
        assert work.assignee is not None
        change_task_status(work.assignee, work.id, TaskStatus.DONE)
    session().commit()


def approve_first_stage(cast: Cast, clock: FrozenClock) -> None:
    finish_first_stage(cast, clock)
    stage_id = task(cast.plan, "employment-data").stage_id
    decide_gate(cast.committee, stage_id, Decision.APPROVE, minutes="Validé.")
    session().commit()


def hold(cast: Cast, clock: FrozenClock) -> None:
    hold_plan(cast.lead, cast.plan.id, "En attente du financement.")
    session().commit()


def move(cast: Cast, clock: FrozenClock) -> None:
    work = task(cast.plan, "employment-data")
    move_deadline(cast.lead, work.id, work.due_date + timedelta(days=3))
    session().commit()


def ask_for_time(cast: Cast, clock: FrozenClock) -> int:
    work = task(cast.plan, "employment-data")
    request = ask_for_delay(cast.partner, work.id, work.due_date + timedelta(days=5), "Les fichiers arrivent.")
    session().commit()
    return request.id


def accept_time(cast: Cast, clock: FrozenClock) -> None:
    accept_delay_request(cast.lead, ask_for_time(cast, clock))
    session().commit()


def comment(cast: Cast, clock: FrozenClock) -> None:
    comment_on_task(cast.partner, task(cast.plan, "employment-data").id, "Les chiffres de 2025 suffisent-ils ?")
    session().commit()


def refuse_time(cast: Cast, clock: FrozenClock) -> None:
    refuse_delay_request(cast.lead, ask_for_time(cast, clock), "Le comité se réunit avant.")
    session().commit()


def remap(cast: Cast, clock: FrozenClock) -> None:
    assignment = next(a for a in cast.plan.role_assignments if a.role_key == "employment_service")
    organisation = session().get(Organisation, assignment.organisation_id)
    newcomer = create_person("newcomer@partners.example.org", PersonRole.PARTNER, "Nina", organisation=organisation)
    remap_role(cast.lead, cast.plan.id, "employment_service", RoleChange(assignment.organisation_id, [newcomer.id]))
    session().commit()


def sign_in_link(cast: Cast, clock: FrozenClock) -> None:
    queue_login_link(cast.partner)
    session().commit()


def reset(cast: Cast, clock: FrozenClock) -> None:
    queue_password_reset(cast.partner)
    session().commit()


def failures(cast: Cast, clock: FrozenClock) -> None:
    failure = Failure(1, "reminder", "x@example.org", DeliveryProblem.RELAY_REFUSED_RECIPIENT, "550 unknown")
    alert_administrators([failure])
    session().commit()


def data_problems(cast: Cast, clock: FrozenClock) -> None:
    skip = Skip("person", cast.partner.id, cast.partner.email, "timezone", "Mars/Olympus", "unknown zone")
    enqueue(data_problem_messages([skip]))
    session().commit()


def notice_failures(cast: Cast, clock: FrozenClock) -> None:
    alert_administrators_of_notices([(1, "stage_opened", "LookupError: stage 12 not found")])
    session().commit()


def nothing(cast: Cast, clock: FrozenClock) -> None:
    """The plan's start (in ``cast``) already emailed its first stage's assignees."""


#: What makes each kind of email leave, and the page its entries lead to (``{plan}``, ``{task}``: the
#: message's own plan and task; ``None`` for kinds that are no part of the inbox).
CASES: dict[str, tuple[Callable[[Cast, FrozenClock], None], str | None]] = {
    "reminder": (send_hour, "/tasks/{task}"),
    "escalation": (send_hour, "/tasks/{task}"),
    "digest": (send_hour, "/my-tasks"),
    "committee_digest": (send_hour, "/committee"),
    "stage_opened": (nothing, "/plans/{plan}"),
    "stage_closed": (approve_first_stage, "/plans/{plan}"),
    "gate_awaiting": (finish_first_stage, r"/stages/\d+/review"),
    "gate_decided": (approve_first_stage, r"/stages/\d+/review"),
    "plan_status": (hold, "/plans/{plan}"),
    "deadline_moved": (move, "/tasks/\\d+|/plans/{plan}"),
    "delay_requested": (ask_for_time, "/tasks/{task}"),
    "delay_accepted": (accept_time, "/tasks/{task}"),
    "delay_refused": (refuse_time, "/tasks/{task}"),
    "comment_added": (comment, r"/tasks/{task}#comment-\d+"),
    "role_assigned": (remap, "/plans/{plan}"),
    "login_link": (sign_in_link, None),
    "password_reset": (reset, None),
    "delivery_failures": (failures, None),
    "data_problems": (data_problems, None),
    "notice_failures": (notice_failures, None),
}


def test_every_kind_of_email_is_covered() -> None:
    assert set(CASES) == set(KINDS), "a new kind of email: say here whether it reaches the inbox, and where"
    assert {kind for kind, (_, link) in CASES.items() if link is None} == NOT_IN_INBOX


@pytest.fixture
def admin(cast: Cast) -> Person:
    return cast.admin


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_email_to_a_person_is_an_entry_of_their_inbox_leading_to_its_page(
    app: Flask, client: FlaskClient, cast: Cast, clock: FrozenClock, admin: Person, kind: str
) -> None:
    drive, link = CASES[kind]
    drive(cast, clock)
    deliver_announcements()  # the scheduler's pass renders what the requests announced
    session().expire_all()
    messages = list(session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)))
    assert messages and all(message.recipient_id for message in messages), f"the scenario sends {kind} to people"
    entries = list(session().scalars(sa.select(InboxEntry).where(InboxEntry.kind == kind)))
    if link is None:
        assert entries == [], f"{kind} is administrative: no inbox entry"
        return
    by_person = {(entry.person_id, entry.title): entry for entry in entries}
    assert len(entries) == len(by_person) == len(messages), "one entry per email"
    for message in messages:
        entry = by_person[message.recipient_id, message.subject]
        assert (entry.plan_id, entry.task_id, entry.read_dt) == (message.plan_id, message.task_id, None)
        assert entry.visible_from_dt == message.next_attempt_dt == entry.created_dt
        pattern = link.format(plan=message.plan_id, task=message.task_id)
        assert entry.link_path and re.fullmatch(pattern, entry.link_path), (entry.link_path, pattern)
    # The page each entry leads to opens for its owner.
    entry = entries[0]
    owner = session().get(Person, entry.person_id)
    assert owner is not None
    response = sign_in(client, owner).get(f"/inbox/{entry.id}/open", follow_redirects=True)
    assert response.status_code == 200 and response.request.path == entry.link_path.split("#")[0]


def test_a_message_queued_twice_is_one_entry_and_one_without_a_person_none(cast: Cast) -> None:
    message = NewMessage("twice", "reminder", cast.partner.email, "Rappel", "Texte.\n", None, cast.partner.id)
    stranger = NewMessage("stranger", "reminder", "someone@example.org", "Rappel", "Texte.\n", None)
    assert set(enqueue([message, message, stranger])) == {"twice", "stranger"}
    enqueue([message])
    session().commit()
    titles = list(session().scalars(sa.select(InboxEntry.person_id).where(InboxEntry.title == "Rappel")))
    assert titles == [cast.partner.id]


def test_an_entry_of_a_message_without_a_page_leads_to_its_task_or_plan(cast: Cast) -> None:
    work = task(cast.plan, "employment-data")
    enqueue(
        [
            NewMessage(
                "t", "comment", cast.lead.email, "Sur la tâche", "T.\n", None, cast.lead.id, cast.plan.id, work.id
            ),
            NewMessage("p", "comment", cast.lead.email, "Sur le plan", "T.\n", None, cast.lead.id, cast.plan.id),
            NewMessage("n", "comment", cast.lead.email, "Sur rien", "T.\n", None, cast.lead.id),
        ]
    )
    session().commit()
    rows = session().execute(sa.select(InboxEntry.title, InboxEntry.link_path).where(InboxEntry.kind == "comment"))
    links = {title: path for title, path in rows}
    assert links == {"Sur la tâche": f"/tasks/{work.id}", "Sur le plan": f"/plans/{cast.plan.id}", "Sur rien": None}


def test_an_email_queued_for_later_enters_the_inbox_then(cast: Cast) -> None:
    later = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    enqueue([NewMessage("later", "reminder", cast.lead.email, "Plus tard", "T.\n", None, cast.lead.id, send_at=later)])
    session().commit()
    entry = session().scalar(sa.select(InboxEntry).where(InboxEntry.title == "Plus tard"))
    assert entry is not None and entry.visible_from_dt == later and entry.created_dt < later


def test_an_administrator_gets_no_entry_for_a_notice_but_does_for_a_reminder(cast: Cast) -> None:
    assert cast.admin.role is PersonRole.ADMIN
    failures(cast, FrozenClock(datetime(2026, 12, 1, tzinfo=UTC)))
    assert (
        session().scalar(
            sa.select(sa.func.count()).select_from(InboxEntry).where(InboxEntry.person_id == cast.admin.id)
        )
        == 0
    )
    enqueue([NewMessage("r", "reminder", cast.admin.email, "Rappel", "T.\n", None, cast.admin.id)])
    assert (
        session().scalar(
            sa.select(sa.func.count()).select_from(InboxEntry).where(InboxEntry.person_id == cast.admin.id)
        )
        == 1
    )
