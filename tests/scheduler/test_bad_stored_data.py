"""Bad data already in the database never stops a scheduler pass (both databases).

The rules at every entry keep unknown time zones and impossible dates out; these rows are written behind
their back, as a hand-made SQL fix, an old import or a bug could. A pass meets them at a Monday's send hour
where reminders, escalations, digests, committee digests and scheduled plans' openings are all due: it
skips what depends on each bad value, does everything else, and tells the administrators once per problem;
``flask gpect tick`` run in its own process on the same data exits 0 and delivers every other email once.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import OutboxMessage, OutboxStatus, Person, PersonRole, Plan, PlanStatus, ReminderMode, Task
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.scheduler.runner import run_tick
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import create_person
from tests.plan_helpers import start_five_levers_plan
from tests.process_support import gpect_env, gpect_process
from tests.smtp_server import SmtpServer

PARIS = ZoneInfo("Europe/Paris")
#: A Monday: overdue reminders (plans of 1 December), escalations (plans of 15 December), daily digests and
#: the weekly committee digest all leave at its 08:30 send hour; scheduled plans starting that day open.
SEND_HOUR = datetime.combine(date(2027, 2, 22), time(8, 31), PARIS)
COMMITTEE = "steering-committee@partners.example.org"
DIGEST_TAKER = "chamber-of-commerce@partners.example.org"


def corrupt(model: type, row_id: int, **values: object) -> None:
    """Write values straight into a row, past every rule (the ORM's update, no validation)."""
    session().execute(sa.update(model).where(model.id == row_id).values(**values))  # type: ignore[attr-defined]


def person(email: str) -> Person:
    found = session().scalar(sa.select(Person).where(Person.email == email))
    assert found is not None
    return found


@pytest.fixture
def territory_of_plans(app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock) -> dict[str, Plan]:
    create_person("admin@gpect-admin.example.org", PersonRole.ADMIN, "Ada Admin")
    plans = {
        "good-december": start_five_levers_plan(dummy_lead, date(2026, 12, 1), "Plan sain 1"),
        "bad-zone": start_five_levers_plan(dummy_lead, date(2026, 12, 1), "Plan au fuseau inconnu"),
        "good-mid-december": start_five_levers_plan(dummy_lead, date(2026, 12, 15), "Plan sain 2"),
        "scheduled-good": start_five_levers_plan(dummy_lead, date(2027, 2, 22), "Plan programmé", open_now=False),
        "scheduled-bad": start_five_levers_plan(dummy_lead, date(2027, 2, 22), "Plan programmé cassé", open_now=False),
    }
    session().execute(sa.update(Person).where(Person.email == DIGEST_TAKER).values(reminder_mode=ReminderMode.DAILY))
    session().commit()
    return plans


def corrupt_the_territory(plans: dict[str, Plan]) -> None:
    """An unknown time zone on a plan, a scheduled plan and two people; a task due in the year 1."""
    corrupt(Plan, plans["bad-zone"].id, timezone="Mars/Olympus")
    corrupt(Plan, plans["scheduled-bad"].id, timezone="0")
    corrupt(Person, person(DIGEST_TAKER).id, timezone="Europe/Pariss")
    corrupt(Person, person(COMMITTEE).id, timezone="../../etc/passwd")
    first_task = session().scalar(sa.select(Task).where(Task.plan_id == plans["good-december"].id).limit(1))
    assert first_task is not None
    corrupt(Task, first_task.id, due_date=date(1, 1, 1))
    session().commit()


def test_a_pass_skips_what_bad_stored_values_touch_does_the_rest_and_tells_the_administrators_once(
    territory_of_plans: dict[str, Plan], clock: FrozenClock
) -> None:
    plans = territory_of_plans
    corrupt_the_territory(plans)

    clock.set(SEND_HOUR)
    report = tick()

    session().expire_all()
    by_plan = Counter(key.split(":")[0] for key in report.reminders)
    assert by_plan[f"p{plans['good-december'].id}"] > 0 and by_plan[f"p{plans['good-mid-december'].id}"] > 0
    assert by_plan[f"p{plans['bad-zone'].id}"] == 0, "a plan whose time zone is unknown gets no reminder"
    assert any(":escalation:" in key for key in report.reminders)
    assert report.digests == [], "the only digest taker has an unknown time zone"
    assert report.committee_digests == [], "the only committee member has an unknown time zone"
    assert session().get(Plan, plans["scheduled-good"].id).status is PlanStatus.ACTIVE  # type: ignore[union-attr]
    assert session().get(Plan, plans["scheduled-bad"].id).status is PlanStatus.SCHEDULED  # type: ignore[union-attr]

    alerts = session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "data_problems")).all()
    assert [alert.recipient_email for alert in alerts] == ["admin@gpect-admin.example.org"]
    text = alerts[0].body_text
    for where in ("Plan au fuseau inconnu", "Plan programmé cassé", DIGEST_TAKER, COMMITTEE):
        assert where in text, where
    for value in ('"Mars/Olympus"', '"0"', '"Europe/Pariss"', '"../../etc/passwd"'):
        assert value in text, value
    assert "flask gpect doctor" in text

    clock.set(SEND_HOUR + timedelta(minutes=1))
    again = tick()
    assert again.reminders == []
    count = session().scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == "data_problems"))
    assert count == 1, "the same problems are not announced twice"


@pytest.mark.slow
def test_a_tick_process_meeting_bad_stored_values_exits_0_and_delivers_every_other_email(
    territory_of_plans: dict[str, Plan], database_url: str, smtp: SmtpServer
) -> None:
    """The same data, as an operator meets it: ``flask gpect tick`` in its own process, a real SMTP server."""
    plans = territory_of_plans
    corrupt_the_territory(plans)

    process = gpect_process(gpect_env(database_url, smtp.port), "tick", "--at", SEND_HOUR.isoformat())
    output, _ = process.communicate(timeout=180)

    assert process.returncode == 0, output
    assert "left aside: plan" in output and "Mars/Olympus" in output, output
    session().expire_all()
    queued = session().scalars(sa.select(OutboxMessage)).all()
    due = {row.plan_id for row in queued if row.kind in ("reminder", "escalation")}
    assert due == {plans["good-december"].id, plans["good-mid-december"].id}, "every plan but the bad one"
    opened = {row.plan_id for row in queued if row.kind == "stage_opened"}
    assert plans["scheduled-good"].id in opened and plans["scheduled-bad"].id not in opened
    assert [row.recipient_email for row in queued if row.kind == "data_problems"] == ["admin@gpect-admin.example.org"]
    assert {row.status for row in queued} == {OutboxStatus.SENT}, Counter(row.status for row in queued)
    assert sorted(m.message_id for m in smtp.received) == sorted({m.message_id for m in smtp.received})
    assert len(smtp.received) == len(queued), "every email queued left, once"


def test_the_scheduler_process_logs_each_pass_s_counts_and_warns_of_what_it_left_aside(
    app: Flask, territory_of_plans: dict[str, Plan], clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """What an operator reads in the scheduler's log: the pass's counts at INFO, each value left aside and
    each failure at WARNING, not every message's key."""
    corrupt_the_territory(territory_of_plans)
    clock.set(SEND_HOUR)
    with caplog.at_level(logging.INFO, logger="gpect_workflow.scheduler.runner"):
        run_tick(app)
    logged = [(record.levelno, record.getMessage()) for record in caplog.records]
    infos = [message for level, message in logged if level == logging.INFO]
    warnings = [message for level, message in logged if level == logging.WARNING]
    assert any(message.startswith("queued ") and "reminder(s)" in message for message in infos), infos
    assert any(message.startswith("outbox: ") for message in infos), infos
    assert any("left aside: plan" in message and "Mars/Olympus" in message for message in warnings), warnings
    assert len([message for message in warnings if message.startswith("left aside:")]) == 4
    assert not any(":r" in message and message.startswith("p") for _, message in logged), "no message keys"
