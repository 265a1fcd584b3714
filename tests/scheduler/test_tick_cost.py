"""What a tick costs in SQL: the same statements with few or many plans and messages due.

DESIGN §8 asks for the same number of queries at every size, at most 20 on PostgreSQL (a partner's digest
lists the gates awaiting a committee they sit on in a query of its own, and takes its recipients from the
people the pass reads anyway; on SQLite 21, since each email to a person is also an entry of their inbox,
written there in one more statement for all of them, where PostgreSQL writes them in the messages'
statement): the reminders, escalations, digests and committee digests of a send hour are read in a fixed
number of queries, inserted in one statement, and sent (here: captured) in one more. ``benchmarks/tick.py``
measures the same thing at 100,000 plans on PostgreSQL; this test keeps it true on both databases at every
commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import InboxEntry, OutboxMessage, OutboxStatus, Person, ReminderMode
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.scheduler.jobs import tick
from gpect_workflow.services.context import session
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries

PARIS = ZoneInfo("Europe/Paris")
#: A Monday in plans started on 1 or 15 December 2026 with nothing done: at its 08:30 send hour leave an
#: overdue reminder (plans of the 1st), an escalation (plans of the 15th), the daily digest of a partner
#: who chose one and the weekly committee digest.
SEND_HOUR = datetime.combine(date(2027, 2, 22), time(8, 30), PARIS)
STARTS = (date(2026, 12, 1), date(2026, 12, 15))
#: The most statements a send-hour pass may run, by database (see the module's docstring).
MAX_STATEMENTS = {"postgresql": 20, "sqlite": 21}


def send_hour_tick(lead: Person, plans: int, clock: FrozenClock) -> tuple[list[str], Counter[str]]:
    """Start ``plans`` plans, make one partner take a daily digest, tick at the send hour; return the
    statements of the tick and the messages it queued, by kind."""
    for number in range(plans):
        start_five_levers_plan(lead, STARTS[number % 2], f"Plan {number}")
    session().execute(
        sa.update(Person)
        .where(Person.email == "chamber-of-commerce@partners.example.org")
        .values(reminder_mode=ReminderMode.DAILY)
    )
    session().commit()
    deliver_announcements()  # the plans' stage-opened notices: their starts' work, not the send hour's
    clock.set(SEND_HOUR)
    session().expire_all()
    with count_queries() as statements:
        report = tick()
    queued = report.reminders + report.digests + report.committee_digests
    captured = session().scalars(sa.select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.CAPTURED))
    kinds = Counter(message.kind for message in captured if message.idempotency_key in queued)
    assert sum(kinds.values()) == len(queued), "every message queued by the pass is captured by it"
    return statements, kinds


def test_a_send_hour_tick_costs_the_same_statements_for_few_and_many_plans(
    app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    few, few_kinds = send_hour_tick(dummy_lead, 2, clock)
    session().execute(sa.delete(OutboxMessage))
    session().execute(sa.text("DELETE FROM gpect_scheduler_runs"))
    session().commit()
    clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=PARIS))
    many, many_kinds = send_hour_tick(dummy_lead, 6, clock)

    for kinds in (few_kinds, many_kinds):
        assert {"reminder", "escalation", "digest", "committee_digest"} <= set(kinds), kinds
    assert many_kinds["reminder"] > few_kinds["reminder"] and many_kinds["escalation"] > few_kinds["escalation"]
    database = session().get_bind().dialect.name
    assert len(few) == len(many) <= MAX_STATEMENTS[database], "\n".join(["few:", *few, "", "many:", *many])
    inserts = [s for s in many if "INSERT INTO GPECT_OUTBOX_MESSAGES" in s.upper()]
    assert len(inserts) == 1, inserts
    entries = [s for s in many if "INSERT INTO GPECT_INBOX_ENTRIES" in s.upper()]
    assert len(entries) == 1 and (entries == inserts) == (database == "postgresql"), entries
    assert session().scalar(sa.select(sa.func.count()).select_from(InboxEntry)) >= sum(many_kinds.values())


def test_a_busy_send_hour_goes_on_over_the_next_passes_without_losing_or_doubling(
    app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock
) -> None:
    """With more reminders due than a pass renders, the next passes (a minute apart) queue the rest, the
    escalations first; the digests of the window leave once; the result is what one large pass queues."""
    app.config["REMINDERS_PER_PASS"] = 4
    for number in range(4):
        start_five_levers_plan(dummy_lead, STARTS[number % 2], f"Plan {number}")
    session().commit()
    clock.set(SEND_HOUR)
    passes = []
    while not passes or passes[-1].reminders_left:
        report = tick()
        passes.append(report)
        assert len(report.reminders) <= 4
        clock.advance(timedelta(minutes=1))
        assert len(passes) < 10, "the backlog must shrink at every pass"
    assert len(passes) >= 2 and passes[0].reminders_left == sum(len(p.reminders) for p in passes[1:])
    keys = [key for report in passes for key in report.reminders]
    escalations = {key for key in keys if ":escalation:" in key}
    assert escalations and escalations <= set(passes[0].reminders), "escalations go first"
    assert f"left {passes[0].reminders_left} reminder(s) for the next pass" in passes[0].lines()
    assert len(keys) == len(set(keys))
    committee = [key for report in passes for key in report.committee_digests]
    assert len(committee) == len(set(committee)) >= 1 and not passes[1].committee_digests

    # The same plans ticked in one pass with no limit queue exactly the same reminders.
    spread = set(keys)
    session().execute(sa.delete(OutboxMessage))
    session().execute(sa.text("DELETE FROM gpect_scheduler_runs"))
    session().commit()
    app.config["REMINDERS_PER_PASS"] = 1000
    clock.set(SEND_HOUR)
    assert set(tick().reminders) == spread
