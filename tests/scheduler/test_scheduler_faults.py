"""Real ``gpect scheduler`` processes under faults, against PostgreSQL and a real SMTP server (PostgreSQL only).

* ``kill -9`` of a scheduler in the middle of a 1,000-message send, three times, each time restarted: no
  message is lost, and each crash sends at most one message twice (the one in flight);
* three schedulers and a relay that takes 0.5 s a message, with claims shorter than a pass's send: no
  message is lost, none is sent twice.

The processes run as production runs them (``flask --app wsgi gpect scheduler``), with the system clock,
configured from the environment; the SMTP server runs in the test process (aiosmtpd).
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.models import OutboxMessage, OutboxStatus
from gpect_workflow.notifications.outbox import NewMessage, enqueue
from gpect_workflow.services.context import session
from tests.conftest import database_kind
from tests.process_support import gpect_env, gpect_process
from tests.smtp_server import SlowHandler, SmtpServer
from tests.time_travel_support import expected_message_id, mail_app, outbox_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        database_kind() != "postgres",
        reason="real scheduler processes racing for rows need PostgreSQL's row locks; these run once, there",
    ),
]

#: Claims of a few seconds (at least 6 × the SMTP timeout), so that a killed scheduler's claim expires soon.
CLAIM_SECONDS = 6
MAIL_TIMEOUT_SECONDS = 1


class Schedulers:
    """``gpect scheduler`` processes started by a test; all stopped at the end, whatever happens."""

    def __init__(self, database_url: str, smtp_port: int, send_limit: int) -> None:
        self.env = gpect_env(
            database_url,
            smtp_port,
            MAIL_TIMEOUT_SECONDS=MAIL_TIMEOUT_SECONDS,
            OUTBOX_CLAIM_SECONDS=CLAIM_SECONDS,
            OUTBOX_SEND_LIMIT=send_limit,
            SCHEDULER_INTERVAL_SECONDS=1,
        )
        self.started: list[subprocess.Popen[str]] = []
        #: What the stopped processes wrote (both streams).
        self.output = ""

    def start(self) -> subprocess.Popen[str]:
        process = gpect_process(self.env, "scheduler")
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.started:
            try:
                output, _ = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            self.output += output or ""


@pytest.fixture
def app(database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    with mail_app(database_url, smtp.port) as app:
        yield app


def queue(prefix: str, count: int) -> set[str]:
    """Queue ``count`` messages, each to its own address; the Message-IDs they must arrive with."""
    messages = [
        NewMessage(f"{prefix}:{n}", "reminder", f"{prefix}-{n}@partners.example.org", f"Rappel {n}", "Texte.\n", None)
        for n in range(count)
    ]
    assert len(enqueue(messages)) == count
    session().commit()
    return {expected_message_id(row) for row in outbox_rows()}


def statuses() -> Counter[OutboxStatus]:
    session().commit()  # see what the schedulers committed
    return Counter(session().scalars(sa.select(OutboxMessage.status)))


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_kill_9_in_the_middle_of_a_send_three_times_loses_nothing_and_resends_at_most_one_a_crash(
    app: Flask, database_url: str, smtp: SmtpServer
) -> None:
    expected = queue("crash", 1000)
    schedulers = Schedulers(database_url, smtp.port, send_limit=2000)
    crashes = 0
    try:
        for threshold in (150, 450, 750):
            victim = schedulers.start()
            wait_until(lambda threshold=threshold: len(smtp.received) >= threshold, 120, f"{threshold} messages")
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            assert victim.returncode == -signal.SIGKILL
            crashes += 1
            assert statuses()[OutboxStatus.SENT] < 1000, "the crash came before the end of the send"
        schedulers.start()
        wait_until(lambda: statuses()[OutboxStatus.SENT] == 1000, 180, "every message recorded as sent")
    finally:
        schedulers.stop_all()
    copies = Counter(m.message_id for m in smtp.received)
    assert set(copies) == expected, f"{len(expected - set(copies))} message(s) lost"
    twice = sum(n - 1 for n in copies.values())
    assert twice <= crashes, f"{twice} duplicate(s) after {crashes} crashes: {Counter(copies.values())}"


def test_three_schedulers_a_slow_relay_and_claims_shorter_than_a_send_deliver_each_message_once(
    app: Flask, database_url: str, smtp: SmtpServer
) -> None:
    smtp.handler = SlowHandler(delay=0.5)
    smtp.stop()
    smtp.start()
    expected = queue("slow", 40)
    # A pass takes up to 20 messages: 10 s of sending, longer than its 6-second claim. Two schedulers take
    # everything; the third, idle, ticks every second and would take over whatever claim lapsed.
    schedulers = Schedulers(database_url, smtp.port, send_limit=20)
    try:
        for _ in range(3):
            schedulers.start()
        wait_until(lambda: statuses()[OutboxStatus.SENT] == 40, 120, "every message recorded as sent")
    finally:
        schedulers.stop_all()
    copies = Counter(m.message_id for m in smtp.received)
    assert set(copies) == expected, f"{len(expected - set(copies))} message(s) lost"
    assert max(copies.values()) == 1, f"sent twice: {[mid for mid, n in copies.items() if n > 1]}"
    senders = Counter(row.claimed_by for row in outbox_rows())
    assert len(senders) >= 2, f"the schedulers shared the work: {senders}"
    assert all(row.attempts == 1 for row in outbox_rows())
    # The fence alone would keep the count right; renewal must keep every claim alive, so none is taken over.
    assert "taken over by another sender" not in schedulers.output, schedulers.output[-2000:]
