"""A running plan changes, then time passes: the reminders go to the people who hold the role now (not to
those who left it), once each, the lead's one-off task included; the newcomer is told of their role first.

Real SMTP server, real database, the scheduler's ticks through the CLI at moving instants.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import (
    Organisation,
    OrganisationKind,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    RoleAssignment,
    Task,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.changes import OneOffTask, add_one_off_task
from gpect_workflow.services.plans.roles import RoleChange, remap_role
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import WORKFLOWS
from tests.plan_helpers import start_five_levers_plan
from tests.smtp_server import SmtpServer
from tests.time_travel_support import expected_message_id, mail_app, outbox_rows, paris

PLAN_START = date(2026, 12, 1)
ROLE = "employment_service"
LEAVER = "employment-service@partners.example.org"
NEWCOMER = "nina.nouvelle@partners.example.org"
FAIR_FR, FAIR_EN = "Visiter le salon de l'emploi", "Visit the job fair"


@pytest.fixture
def app(database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    with mail_app(database_url, smtp.port) as app:
        yield app


def tick(app: Flask, instant: datetime) -> None:
    session().commit()
    result = app.test_cli_runner().invoke(args=["gpect", "tick", "--at", instant.isoformat()])
    assert result.exit_code == 0, result.output


def start(app: Flask) -> tuple[int, int]:
    """The plan, open on its start date; its lead's id."""
    clock = app.extensions[EXTENSION_NAME].clock
    assert isinstance(clock, FrozenClock)
    clock.set(paris(PLAN_START - timedelta(days=1), 16, 0))
    register_definitions([WORKFLOWS])
    territory = ensure_territory("t-changes", "Territoire des changements", "28")
    organisation = ensure_organisation("Agglomération", OrganisationKind.OTHER, territory)
    lead = create_person("lead@changes.example.org", PersonRole.LEAD, "Léa Lead", organisation=organisation)
    plan = start_five_levers_plan(lead, PLAN_START)
    session().commit()
    return plan.id, lead.id


def test_reminders_follow_the_new_holder_and_the_one_off_task_once_each(app: Flask, smtp: SmtpServer) -> None:
    plan_id, lead_id = start(app)
    tick(app, paris(PLAN_START, 15, 0))
    clock = app.extensions[EXTENSION_NAME].clock
    changed_at = paris(PLAN_START + timedelta(days=1), 10, 0)
    clock.set(changed_at)
    lead = session().get(Person, lead_id)
    plan = session().get(Plan, plan_id)
    assert lead is not None and plan is not None
    assignment = session().scalar(
        sa.select(RoleAssignment).where(RoleAssignment.plan_id == plan_id, RoleAssignment.role_key == ROLE)
    )
    assert assignment is not None
    organisation = session().get(Organisation, assignment.organisation_id)
    newcomer = create_person(NEWCOMER, PersonRole.PARTNER, "Nina Nouvelle", organisation=organisation)
    leaver_tasks = set(session().scalars(sa.select(Task.id).where(Task.plan_id == plan_id, Task.owner_role == ROLE)))
    remap_role(
        lead, plan_id, ROLE, RoleChange(assignment.organisation_id, [newcomer.id]), expected_version=plan.version
    )
    observe = next(stage for stage in plan.stages if stage.stage_key == "observe")
    fair = add_one_off_task(
        lead, plan_id, OneOffTask(observe.id, ROLE, date(2026, 12, 18), FAIR_FR, FAIR_EN), expected_version=plan.version
    )
    fair_id = fair.id
    assert fair.assignee_id == newcomer.id
    session().commit()
    before = len(smtp.received)
    tick(app, changed_at + timedelta(minutes=5))
    told = [m for m in smtp.received[before:] if m.message["X-GPECT-Kind"] == "role_assigned"]
    assert [m.recipients for m in told] == [[NEWCOMER]]
    assert "/links/open_task/" in told[0].part("text/plain")  # a signed link to each of their tasks

    day = PLAN_START + timedelta(days=2)
    while day <= date(2027, 1, 8):
        tick(app, paris(day, 8, 31))
        day += timedelta(days=1)

    after_change = [m for m in smtp.received[before:]]
    reminders = [m for m in after_change if m.message["X-GPECT-Kind"] == "reminder"]
    assert not [m for m in after_change if LEAVER in m.recipients], "the person who left the role still hears"
    rows = [r for r in outbox_rows() if r.kind == "reminder" and r.task_id in leaver_tasks | {fair_id}]
    assert rows and {r.recipient_email for r in rows} == {NEWCOMER}
    keys = Counter(r.idempotency_key for r in rows)
    assert all(count == 1 for count in keys.values())
    ids = Counter(m.message_id for m in reminders)
    assert all(count == 1 for count in ids.values()), "a reminder reached the server twice"
    assert {expected_message_id(r) for r in rows} <= set(ids)
    fair_rows = [r for r in rows if r.task_id == fair_id]
    assert len(fair_rows) >= 3, [r.idempotency_key for r in fair_rows]  # before due, on due, overdue
    fair_mails = [m for m in reminders if m.message_id in {expected_message_id(r) for r in fair_rows}]
    assert fair_mails and all(FAIR_FR in m.part("text/plain") for m in fair_mails)
    sent = session().scalars(sa.select(OutboxMessage).where(OutboxMessage.task_id == fair_id)).all()
    assert {m.recipient_email for m in sent if m.kind == "reminder"} == {NEWCOMER}
