"""The outbox under real faults, on both databases, against a real SMTP server (aiosmtpd) in the test process.

* a poisoned row (an address or a subject the rules refuse, stored behind their back; bytes that cannot be
  decoded) fails alone, with its reason: the rest of the pass is delivered once, the tick exits 0, and the
  administrators get one notice;
* an absent relay delays mail, it does not fail it: six hours of outage, then every message leaves once;
  past ``OUTBOX_RETRY_FOR_HOURS`` messages fail and the administrators are told;
* a connection that breaks in the middle of a pass, and a relay that refuses our sender, fail nothing;
* the claim is a fence: a pass whose claim was taken over neither sends nor records what it no longer holds.

The same faults with several real scheduler processes and ``kill -9`` are in ``test_scheduler_faults.py``.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import OutboxMessage, OutboxStatus, PersonRole
from gpect_workflow.notifications.ledger import BACKOFF_CAP, Ledger
from gpect_workflow.notifications.outbox import NewMessage, claim, claim_ttl, enqueue
from gpect_workflow.notifications.problems import DeliveryProblem, Diagnosis
from gpect_workflow.notifications.sender import _TimedConnection, send_pending
from gpect_workflow.services.catalogue import french
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import database_kind
from tests.process_support import gpect_env, gpect_process
from tests.smtp_server import SmtpServer
from tests.time_travel_support import BASE_URL, expected_message_id, mail_app, outbox_rows

INSTANT = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
ADMIN = "admin@gpect-admin.example.org"


@pytest.fixture
def app(database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    with mail_app(database_url, smtp.port) as app:
        app.extensions[EXTENSION_NAME].clock = FrozenClock(INSTANT)
        create_person(ADMIN, PersonRole.ADMIN, "Alice Admin")
        session().commit()
        yield app


@pytest.fixture
def clock(app: Flask) -> FrozenClock:
    frozen = app.extensions[EXTENSION_NAME].clock
    assert isinstance(frozen, FrozenClock)
    return frozen


def queue(prefix: str, count: int) -> list[str]:
    """Queue ``count`` messages, each to its own address; their idempotency keys."""
    messages = [
        NewMessage(f"{prefix}:{n}", "reminder", f"{prefix}-{n}@partners.example.org", f"Rappel {n}", "Texte.\n", None)
        for n in range(count)
    ]
    keys = enqueue(messages)
    session().commit()
    assert len(keys) == count
    return keys


def poison(key: str, **values: object) -> None:
    """Store values in a queued row directly, as a bug or a hand-made import could, bypassing every rule."""
    session().execute(sa.update(OutboxMessage).where(OutboxMessage.idempotency_key == key).values(**values))
    session().commit()


def rows(prefix: str = "") -> list[OutboxMessage]:
    session().expire_all()
    return [row for row in outbox_rows() if row.idempotency_key.startswith(prefix)]


def delivered(smtp: SmtpServer, prefix: str) -> Counter[str]:
    """How many times each message of ``prefix`` reached the server, by Message-ID."""
    wanted = {expected_message_id(row): row.idempotency_key for row in rows(prefix)}
    return Counter(wanted[m.message_id] for m in smtp.received if m.message_id in wanted)


def notices() -> list[OutboxMessage]:
    return [row for row in rows("delivery_failures:")]


# --- one poisoned message fails alone ----------------------------------------------------------------------------


def tick_process(database_url: str, smtp_port: int, at: datetime) -> subprocess.CompletedProcess[str]:
    """``flask --app wsgi gpect tick --at <at>`` in its own process, as an operator or cron runs it."""
    process = gpect_process(gpect_env(database_url, smtp_port), "tick", "--at", at.isoformat())
    output, _ = process.communicate(timeout=180)
    return subprocess.CompletedProcess(process.args, process.returncode, output, "")


@pytest.mark.slow
def test_a_poisoned_address_among_500_fails_alone_and_the_tick_exits_0(
    app: Flask, database_url: str, smtp: SmtpServer
) -> None:
    keys = queue("batch", 500)
    poisoned = keys[250]
    poison(poisoned, recipient_email="victim@example.org\r\nbcc:everyone@example.org")

    first = tick_process(database_url, smtp.port, INSTANT)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "sent 499" in first.stdout and "failed 1" in first.stdout, first.stdout
    copies = delivered(smtp, "batch:")
    assert len(copies) == 499 and set(copies.values()) == {1}
    assert poisoned not in copies
    assert all("everyone@example.org" not in m.recipients for m in smtp.received)
    (bad,) = [row for row in rows("batch:") if row.status is OutboxStatus.FAILED]
    assert bad.idempotency_key == poisoned
    assert bad.failure_code == DeliveryProblem.ADDRESS_UNUSABLE
    assert bad.last_error is not None and "U+000D" in bad.last_error and "address rule" not in bad.last_error
    assert {row.status for row in rows("batch:") if row.idempotency_key != poisoned} == {OutboxStatus.SENT}
    (notice,) = notices()
    assert notice.recipient_email == ADMIN and notice.status is OutboxStatus.PENDING

    second = tick_process(database_url, smtp.port, INSTANT + timedelta(minutes=1))
    assert second.returncode == 0, second.stdout + second.stderr
    assert delivered(smtp, "batch:") == copies, "nothing of the batch is sent again"
    (mail,) = [m for m in smtp.received if m.recipients == [ADMIN]]
    assert mail.subject == "1 courriel n'a pas pu être envoyé"
    assert "victim@example.org\\r\\nbcc:everyone@example.org" in mail.text, "the bad value shown, line breaks visible"
    assert "enfreint la règle des adresses" in mail.text and "address rule" not in mail.text, "the code, in French"
    assert "U+000D" in mail.text and f"{BASE_URL}/outbox?status=failed" in mail.text
    assert [row.status for row in notices()] == [OutboxStatus.SENT]


UNUSABLE, UNBUILDABLE = DeliveryProblem.ADDRESS_UNUSABLE, DeliveryProblem.MESSAGE_UNBUILDABLE
#: Each poison, and the code its failure is stored with.
POISONS = {
    "line break in the address": ({"recipient_email": "victim@example.org\r\nbcc:x@example.org"}, UNUSABLE),
    "domain IDNA cannot encode": ({"recipient_email": "a@" + "é" * 64 + ".fr"}, UNUSABLE),
    "address not in ASCII": ({"recipient_email": "élodie@mairie.example.org"}, UNUSABLE),
    "NUL in the address": pytest.param(
        {"recipient_email": "a\x00b@example.org"},
        UNUSABLE,
        marks=pytest.mark.skipif(
            database_kind() == "postgres", reason="PostgreSQL refuses NUL in text: such a row cannot exist there"
        ),
    ),
    "no address at all": ({"recipient_email": ""}, UNUSABLE),
    "line break in the subject": (
        {"subject": "Rappel\r\nBcc: everyone@example.org"},
        DeliveryProblem.SUBJECT_UNUSABLE,
    ),
    "attachment that is not base64": (
        {"attachments": [{"filename": "a.ics", "content_type": "text/calendar", "data": "%%% not base64 %%%"}]},
        UNBUILDABLE,
    ),
    "attachment without a name": ({"attachments": [{"content_type": "text/calendar", "data": ""}]}, UNBUILDABLE),
}


@pytest.mark.parametrize(("values", "problem"), POISONS.values(), ids=POISONS.keys())
def test_each_kind_of_poison_fails_its_message_alone_with_a_reason(
    app: Flask, smtp: SmtpServer, values: dict[str, object], problem: DeliveryProblem
) -> None:
    keys = queue("mixed", 12)
    poison(keys[5], **values)
    report = send_pending()
    assert (report.sent, report.failed, report.retried) == (11, 1, 0), report
    (bad,) = [row for row in rows("mixed:") if row.status is OutboxStatus.FAILED]
    assert bad.idempotency_key == keys[5] and bad.last_error and bad.attempts == 1
    assert bad.failure_code == problem, bad.last_error
    assert [failure.problem for failure in report.failures] == [problem]
    assert len(smtp.received) == 11 and len({m.message_id for m in smtp.received}) == 11
    assert send_pending().sent == 1, "the next pass sends the administrators' notice, and nothing else"
    assert [m.recipients for m in smtp.received[11:]] == [[ADMIN]]
    assert french(problem.words) in smtp.received[11].text, "the French administrator reads the code in French"


def test_the_administrators_hear_at_most_once_an_hour(app: Flask, smtp: SmtpServer, clock: FrozenClock) -> None:
    create_person("second.admin@gpect-admin.example.org", PersonRole.ADMIN, "Bob Admin", language="en")  # type: ignore[arg-type]
    session().commit()
    for minute, prefix in enumerate(("a", "b", "c")):
        clock.set(INSTANT + timedelta(minutes=minute * 10))
        keys = queue(prefix, 3)
        poison(keys[0], recipient_email=f"bad\r\n{prefix}@example.org")
        send_pending()
    sent_notices = {row.recipient_email: row for row in notices()}
    assert set(sent_notices) == {ADMIN, "second.admin@gpect-admin.example.org"}, "one an hour each"
    english = [m for m in smtp.received if m.recipients == ["second.admin@gpect-admin.example.org"]]
    assert [m.subject for m in english] == ["1 email could not be sent"]
    clock.set(INSTANT + timedelta(hours=1))
    keys = queue("d", 2)
    poison(keys[1], recipient_email="")
    send_pending()
    assert len(notices()) == 4, "a new hour, a new notice"
    assert [row.status for row in rows() if row.kind != "delivery_failures"].count(OutboxStatus.FAILED) == 4


def test_a_failed_notice_does_not_announce_itself(app: Flask, smtp: SmtpServer) -> None:
    session().execute(sa.text("UPDATE gpect_people SET email = :bad"), {"bad": "admin\r\n@example.org"})
    session().commit()
    keys = queue("x", 2)
    poison(keys[0], recipient_email="")
    send_pending()
    assert send_pending().failed == 1, "the notice to the broken administrator address fails in turn"
    assert send_pending().sent + send_pending().failed == 0
    assert len(notices()) == 1


# --- outages delay, they do not fail ------------------------------------------------------------------------------


def test_a_relay_down_for_six_hours_then_back_delivers_every_message_once(
    app: Flask, smtp: SmtpServer, clock: FrozenClock
) -> None:
    queue("outage", 96)
    smtp.stop()
    for minutes in range(0, 6 * 60 + 1, 10):
        clock.set(INSTANT + timedelta(minutes=minutes))
        report = send_pending()
        assert report.failed == 0, report
    waiting = rows("outage:")
    assert {row.status for row in waiting} == {OutboxStatus.PENDING}
    assert all(row.retrying_since_dt == INSTANT for row in waiting)
    assert {row.failure_code for row in waiting} == {DeliveryProblem.RELAY_UNREACHABLE}
    assert all("ConnectionRefusedError" in (row.last_error or "") for row in waiting), "the error, as detail"
    assert max(row.next_attempt_dt for row in waiting) <= clock.now() + BACKOFF_CAP

    smtp.start()
    clock.set(INSTANT + timedelta(hours=6, minutes=5))
    report = send_pending()
    assert report.sent == 96, report
    assert set(delivered(smtp, "outage:").values()) == {1} and len(delivered(smtp, "outage:")) == 96
    assert all(row.status is OutboxStatus.SENT and row.retrying_since_dt is None for row in rows("outage:"))
    assert notices() == [], "nothing failed: nobody is alarmed"


def test_past_the_retry_window_an_outage_fails_the_messages_and_the_administrators_are_told(
    app: Flask, smtp: SmtpServer, clock: FrozenClock
) -> None:
    app.config["OUTBOX_RETRY_FOR_HOURS"] = 2
    queue("long", 5)
    smtp.stop()
    clock.set(INSTANT)
    assert send_pending().failed == 0
    clock.set(INSTANT + timedelta(hours=1, minutes=59))
    assert send_pending().failed == 0
    clock.set(INSTANT + timedelta(hours=2))
    report = send_pending()
    assert report.failed == 5
    assert all(
        row.status is OutboxStatus.FAILED
        and row.failure_code == DeliveryProblem.GAVE_UP_AFTER_RETRIES
        and "ConnectionRefusedError" in (row.last_error or "")
        for row in rows("long:")
    )
    assert [row.recipient_email for row in notices()] == [ADMIN]


def test_a_temporary_refusal_retries_with_a_capped_backoff_then_fails_past_the_window(
    app: Flask, smtp: SmtpServer, clock: FrozenClock
) -> None:
    app.config["OUTBOX_RETRY_FOR_HOURS"] = 3
    queue("busy", 1)
    waits = []
    while True:
        smtp.answer_next("451 4.2.1 Mailbox busy, try again later")
        report = send_pending()
        (row,) = rows("busy:")
        if row.status is OutboxStatus.FAILED:
            break
        assert report.retried == 1
        assert (row.failure_code, row.last_error) == (
            DeliveryProblem.RELAY_DEFERRED,
            "451 4.2.1 Mailbox busy, try again later",
        )
        waits.append(row.next_attempt_dt - clock.now())
        clock.set(row.next_attempt_dt)
    assert waits[:6] == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 30)]
    assert max(waits) == BACKOFF_CAP
    assert row.failure_code == DeliveryProblem.GAVE_UP_AFTER_RETRIES
    assert row.last_error == "451 4.2.1 Mailbox busy, try again later", "the last failure's detail"
    assert smtp.received == []


def test_a_connection_broken_mid_pass_fails_nothing_and_the_next_pass_sends_the_rest_once(
    app: Flask, smtp: SmtpServer, clock: FrozenClock
) -> None:
    queue("broken", 10)
    smtp.answer_next("250 OK", "250 OK", "250 OK", "421 4.3.2 Service shutting down, closing channel")
    smtp.handler.close_after_answers = True
    report = send_pending()
    assert report.sent == 3 and report.failed == 0, report
    statuses = Counter(row.status for row in rows("broken:"))
    assert statuses == {OutboxStatus.SENT: 3, OutboxStatus.PENDING: 7}
    waiting = [row for row in rows("broken:") if row.status is OutboxStatus.PENDING]
    codes = Counter(row.failure_code for row in waiting)
    assert codes == {DeliveryProblem.RELAY_DEFERRED: 1, DeliveryProblem.CONNECTION_LOST: 6}, "the 421, then the lost"
    clock.set(INSTANT + timedelta(minutes=2))
    smtp.handler.close_after_answers = False
    assert send_pending().sent == 7
    copies = delivered(smtp, "broken:")
    assert len(copies) == 10 and set(copies.values()) == {1}


def test_a_relay_gone_when_the_connection_is_renewed_sends_nothing_twice(
    app: Flask, smtp: SmtpServer, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``MAIL_MAX_EMAILS`` messages the sender opens a new connection. The relay gone at that moment
    delays the messages left; the last one it accepted stays sent (it is not put back in the queue)."""
    queue("renewed", 3)
    monkeypatch.setattr(app.extensions["mail"], "max_emails", 2)
    opened = 0
    configure_host = _TimedConnection.configure_host

    def second_refused(connection: _TimedConnection) -> object:
        nonlocal opened
        opened += 1
        if opened == 2:
            raise ConnectionRefusedError(111, "Connection refused")
        return configure_host(connection)

    monkeypatch.setattr(_TimedConnection, "configure_host", second_refused)
    report = send_pending()
    assert (report.sent, report.failed) == (2, 0), report
    assert Counter(row.status for row in rows("renewed:")) == {OutboxStatus.SENT: 2, OutboxStatus.PENDING: 1}
    clock.set(INSTANT + timedelta(minutes=2))
    assert send_pending().sent == 1
    copies = delivered(smtp, "renewed:")
    assert len(copies) == 3 and set(copies.values()) == {1}


def test_a_relay_that_refuses_our_sender_delays_everything_and_fails_nothing(
    app: Flask, smtp: SmtpServer, clock: FrozenClock
) -> None:
    queue("sender", 4)
    smtp.handler.refuse_sender = "550 5.7.1 Relaying denied for no-reply@gpect.test"
    report = send_pending()
    assert report.failed == 0 and report.sent == 0
    assert {row.status for row in rows("sender:")} == {OutboxStatus.PENDING}
    assert all("Relaying denied" in (row.last_error or "") for row in rows("sender:"))
    assert {row.failure_code for row in rows("sender:")} == {DeliveryProblem.SENDER_REFUSED}
    smtp.handler.refuse_sender = None
    clock.set(INSTANT + timedelta(minutes=5))
    assert send_pending().sent == 4
    assert all(row.failure_code is None and row.last_error is None for row in rows("sender:")), "sent: no failure"


def test_a_recipient_the_relay_refuses_fails_alone_with_its_code(app: Flask, smtp: SmtpServer) -> None:
    keys = queue("rcpt", 3)
    smtp.handler.refuse_recipients = {"rcpt-1@partners.example.org": "550 5.1.1 User unknown"}
    report = send_pending()
    assert (report.sent, report.failed) == (2, 1), report
    (bad,) = [row for row in rows("rcpt:") if row.status is OutboxStatus.FAILED]
    assert bad.idempotency_key == keys[1]
    assert (bad.failure_code, bad.last_error) == (DeliveryProblem.RELAY_REFUSED_RECIPIENT, "550 5.1.1 User unknown")


# --- the claim is a fence -----------------------------------------------------------------------------------------


def test_a_pass_whose_claim_was_taken_over_neither_sends_nor_records_those_messages(
    app: Flask, smtp: SmtpServer, clock: FrozenClock
) -> None:
    queue("fence", 4)
    stale = claim(10, "slow-host:1", token="a" * 32)
    session().commit()
    # The slow pass's claim expires before it gets to the messages; another pass takes and sends them.
    clock.set(INSTANT + claim_ttl() + timedelta(seconds=1))
    assert send_pending().sent == 4
    with Ledger.opened("a" * 32) as late:
        assert not any(late.hold(message.id) for message in stale)
        late.failed(stale[0], Diagnosis(DeliveryProblem.SEND_FAILED, "the slow pass thinks it failed"))
        late.sent(stale[1])
    assert {row.status for row in rows("fence:")} == {OutboxStatus.SENT}
    assert all(row.last_error is None and row.failure_code is None and row.attempts == 1 for row in rows("fence:"))
    assert len(smtp.received) == 4


def test_a_pass_renews_its_claim_while_it_sends(app: Flask, smtp: SmtpServer, clock: FrozenClock) -> None:
    queue("renew", 3)
    app.config.update(OUTBOX_CLAIM_SECONDS=60, MAIL_TIMEOUT_SECONDS=10)
    held = claim(10, "this-host:1", token="b" * 32)
    session().commit()
    with Ledger.opened("b" * 32) as ledger:
        clock.set(INSTANT + timedelta(seconds=50))
        ledger._renewed -= 30  # a third of the claim has gone by
        assert ledger.hold(held[0].id)
        session().expire_all()
        until = {row.id: row.claimed_until_dt for row in rows("renew:")}
        assert set(until.values()) == {INSTANT + timedelta(seconds=110)}, "every row of the pass, not only the next"
    assert {row.status for row in rows("renew:")} == {OutboxStatus.PENDING}, "what a pass did not get to is released"
