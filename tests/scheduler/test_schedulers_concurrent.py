"""Scheduler processes racing on one outbox, and one killed mid-batch (PostgreSQL only).

Real processes, as production runs them (``flask --app wsgi gpect tick --at ...``), against the pass's
PostgreSQL database and a real SMTP server in the test process:

* two ticks started at the same moment, several rounds of a few hundred queued messages: each message
  reaches the SMTP server exactly once and every row ends ``sent``;
* a tick killed (SIGKILL) while it sends to a slow SMTP server: once its claim has expired
  (``OUTBOX_CLAIM_SECONDS``) another tick sends every message; none is lost, and at most the message in
  flight goes out again, with the same Message-ID (as docs/reminders.md says).
"""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask

from gpect_workflow.definitions import load_definition_file
from gpect_workflow.models import OrganisationKind, OutboxStatus, PersonRole
from gpect_workflow.notifications.outbox import NewMessage, claim_ttl, enqueue
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from tests.conftest import START, WORKFLOWS, database_kind
from tests.process_support import Processes, finish, gpect_env, processes_fixture  # noqa: F401 - the fixture
from tests.smtp_server import SlowHandler, SmtpServer
from tests.time_travel_support import expected_message_id, mail_app, outbox_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        database_kind() != "postgres",
        reason="needs PostgreSQL: concurrent senders rely on row locks (FOR UPDATE SKIP LOCKED); SQLite has "
        "one writer at a time and no row locks, so there is no race to test",
    ),
]

#: Messages queued per round, and rounds, for the race between two processes.
MESSAGES_PER_ROUND = 300
ROUNDS = 3
#: Plans started together for the race on queuing reminders.
PLANS = 25
#: Messages one tick sends at most: below a round's count, so each round needs both processes.
SEND_LIMIT = 200


def tick_env(database_url: str, smtp_port: int) -> dict[str, str]:
    """The environment of a tick on the pass's database, sending to the local SMTP server, ``SEND_LIMIT`` at most."""
    return gpect_env(database_url, smtp_port, OUTBOX_SEND_LIMIT=SEND_LIMIT)


@pytest.fixture
def app(database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    with mail_app(database_url, smtp.port) as app:
        yield app


def queue(prefix: str, count: int) -> list[str]:
    """Queue ``count`` messages, each to its own address; return their idempotency keys."""
    messages = [
        NewMessage(
            f"{prefix}:{n}",
            "test",
            f"{prefix.replace(':', '-')}-{n}@example.org",
            f"Message {n} of {prefix}",
            f"Body of message {n} of {prefix}.\n",
            None,
        )
        for n in range(count)
    ]
    keys = enqueue(messages)
    session().commit()
    assert len(keys) == count
    return keys


def test_two_processes_ticking_together_deliver_each_message_once(
    app: Flask, database_url: str, smtp: SmtpServer, processes: Processes
) -> None:
    senders_per_round = []
    for round_ in range(ROUNDS):
        keys = queue(f"race:r{round_}", MESSAGES_PER_ROUND)
        at = START + timedelta(hours=1 + round_)
        first = processes.tick(tick_env(database_url, smtp.port), at)
        second = processes.tick(tick_env(database_url, smtp.port), at)
        outputs = [finish(first), finish(second)]
        assert first.returncode == 0 and second.returncode == 0, outputs
        rows = [r for r in outbox_rows() if r.idempotency_key in set(keys)]
        assert {r.status for r in rows} == {OutboxStatus.SENT}, Counter(r.status for r in rows)
        assert all(r.attempts == 1 for r in rows)
        senders_per_round.append(Counter(r.claimed_by for r in rows))
        expected = {expected_message_id(r) for r in rows}
        got = Counter(m.message_id for m in smtp.received if m.message_id in expected)
        assert set(got) == expected, f"round {round_}: {len(expected - set(got))} message(s) never delivered"
        twice = {mid: n for mid, n in got.items() if n > 1}
        assert not twice, f"round {round_}: {len(twice)} message(s) delivered more than once"
        session().commit()
    assert len(smtp.received) == ROUNDS * MESSAGES_PER_ROUND
    # The race was real: in some round both processes sent part of the messages.
    assert any(len(senders) == 2 for senders in senders_per_round), senders_per_round


def test_two_processes_on_plans_due_together_queue_and_send_each_email_once(
    app: Flask, database_url: str, smtp: SmtpServer, processes: Processes
) -> None:
    """Plans started together: their stage-opened notices wait in the outbox and their first reminders come due
    at the same hour; two processes tick at that hour, each queuing and sending what it finds."""
    register_definitions([WORKFLOWS])
    territory = ensure_territory("concurrent", "Territoire concurrent")
    organisation = ensure_organisation("Maison de l'Emploi", OrganisationKind.EMPLOYMENT_HOUSE, territory)
    lead = create_person("lead@concurrent.example.org", PersonRole.LEAD, organisation=organisation)
    partner = create_person("partner@concurrent.example.org", PersonRole.PARTNER, organisation=organisation)
    member = create_person("copil@concurrent.example.org", PersonRole.COMMITTEE, organisation=organisation)
    definition = load_definition_file(WORKFLOWS / "gpect-five-levers.yaml")
    roles = {role.key: RoleMapping(organisation.id, [lead.id]) for role in definition.roles}
    roles["employment_service"] = RoleMapping(organisation.id, [partner.id])
    roles["steering_committee"] = RoleMapping(organisation.id, [member.id])
    plans = [
        start_plan(
            lead,
            PlanRequest(f"Plan {n}", definition.key, 1, territory.id, lead.id, date(2026, 12, 1), roles, open_now=True),
        )
        for n in range(PLANS)
    ]
    session().commit()
    # 24 December 2026, 08:31 in Paris: employment-data (due 31 December) has its d-7 reminder in every plan.
    at = datetime(2026, 12, 24, 7, 31, tzinfo=UTC)
    first = processes.tick(tick_env(database_url, smtp.port), at)
    second = processes.tick(tick_env(database_url, smtp.port), at)
    outputs = [finish(first), finish(second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    session().commit()
    rows = outbox_rows()
    kinds = Counter(r.kind for r in rows)
    assert kinds == {"stage_opened": 2 * len(plans), "reminder": len(plans)}, kinds
    assert {r.status for r in rows} == {OutboxStatus.SENT}, Counter(r.status for r in rows)
    got = Counter(m.message_id for m in smtp.received)
    assert set(got) == {expected_message_id(r) for r in rows}
    assert max(got.values()) == 1, "a message was delivered twice"
    assert sum(int(n) for out in outputs for n in re.findall(r"queued (\d+) reminder", out)) == len(plans)


def test_process_killed_mid_batch_loses_nothing_and_resends_with_the_same_message_id(
    app: Flask, database_url: str, smtp: SmtpServer, processes: Processes
) -> None:
    smtp.handler = SlowHandler(delay=0.2)
    smtp.stop()
    smtp.start()
    keys = queue("killed", 30)
    killed_at = START + timedelta(hours=1)
    victim = processes.tick(tick_env(database_url, smtp.port), killed_at)
    deadline = time.monotonic() + 60
    while len(smtp.received) < 5:
        assert victim.poll() is None, f"the tick ended before it could be killed:\n{finish(victim)}"
        assert time.monotonic() < deadline, "the tick never started sending"
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    finish(victim)
    assert victim.returncode == -signal.SIGKILL
    time.sleep(0.5)  # a message whose data had fully arrived is still accepted by the (slow) server
    delivered_before = len(smtp.received)
    assert 5 <= delivered_before < len(keys)
    session().commit()
    rows = outbox_rows()
    statuses = Counter(r.status for r in rows)
    assert set(statuses) == {OutboxStatus.SENT, OutboxStatus.SENDING}, statuses
    # Each message the server accepted was recorded at once, but perhaps the one in flight; the others stay
    # claimed until the claim expires.
    assert delivered_before - 1 <= statuses[OutboxStatus.SENT] <= delivered_before, (statuses, delivered_before)

    # While the claim holds, another tick leaves the rows alone.
    smtp.handler.delay = 0.0
    still_claimed = processes.tick(tick_env(database_url, smtp.port), killed_at + claim_ttl() - timedelta(seconds=30))
    assert "sent 0" in finish(still_claimed)
    assert len(smtp.received) == delivered_before

    # Once it expired, the next tick sends everything.
    rescuer = processes.tick(tick_env(database_url, smtp.port), killed_at + claim_ttl() + timedelta(seconds=1))
    output = finish(rescuer)
    assert rescuer.returncode == 0, output
    session().commit()
    rows = outbox_rows()
    assert {r.status for r in rows} == {OutboxStatus.SENT}, Counter(r.status for r in rows)
    by_address = {r.recipient_email: r for r in rows}
    copies = Counter(m.recipients[0] for m in smtp.received)
    assert set(copies) == set(by_address), "a message was lost"
    assert all(n in (1, 2) for n in copies.values()), copies
    resent = [address for address, n in copies.items() if n == 2]
    assert len(resent) <= 1, "only the message in flight when the process died may go out twice"
    for message in smtp.received:
        assert message.message_id == expected_message_id(by_address[message.recipients[0]]), (
            "a re-sent message must keep its Message-ID"
        )
