"""Scheduler processes deleting done announcements together, and one killed in the middle (PostgreSQL only).

Each pass that renders announcements deletes up to ``PER_PASS`` of those done more than ``DONE_KEPT`` ago
(``notifications.announcements.forget_done_announcements``), one statement in its own transaction. Real
processes, as production runs them (``flask --app wsgi gpect tick --at ...``):

* three ticks started at the same moment over 1,300 old done announcements: each deletes at most
  ``PER_PASS``, none fails, the counts they report are the rows gone, and the recent, failed and pending
  announcements stay; later passes delete the rest;
* a tick killed (SIGKILL) while its deletion waits for a row another transaction holds: nothing of its
  deletion happened (the database rolled it back), and the next pass deletes as if it never ran.

A pending announcement held by an unexpired claim of another pass keeps "announcements waiting" true, so
that every pass renders (none) and deletes, whichever process runs first.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.models import Announcement
from gpect_workflow.notifications.announcements import DONE_KEPT, PER_PASS
from gpect_workflow.services.context import session
from tests.conftest import START, database_kind
from tests.process_support import Processes, finish, gpect_env, processes_fixture  # noqa: F401 - the fixture
from tests.smtp_server import SmtpServer
from tests.time_travel_support import mail_app

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        database_kind() != "postgres",
        reason="needs PostgreSQL: concurrent passes and a deletion waiting on a row lock; SQLite has one writer "
        "at a time",
    ),
]

#: The instant of the passes, and how many old done announcements they find.
AT = START + timedelta(days=60)
OLD = 1_300
RECENT = 20
FAILED = 3
DELETED = re.compile(r"deleted (\d+) done more than \d+ days ago")


@pytest.fixture
def app(database_url: str, smtp: SmtpServer) -> Iterator[Flask]:
    with mail_app(database_url, smtp.port) as app:
        yield app


def deleted_by(output: str) -> int:
    """The done announcements a pass says it deleted (0 when it says nothing of them)."""
    counts = [int(n) for n in DELETED.findall(output)]
    assert len(counts) <= 1, output
    return counts[0] if counts else 0


def seed(old: int) -> list[int]:
    """``old`` announcements done more than ``DONE_KEPT`` before ``AT`` (one second apart, the oldest first),
    ``RECENT`` done within it, ``FAILED`` failed long ago, and one pending under another pass's unexpired
    claim; the ids of the old ones, oldest first."""
    session().execute(sa.delete(Announcement))
    long_ago = AT - DONE_KEPT - timedelta(days=10)
    rows = [
        {"kind": "plan_status", "payload": {"n": n}, "created_dt": long_ago, "done_dt": long_ago + timedelta(seconds=n)}
        for n in range(old)
    ]
    rows += [
        {"kind": "plan_status", "payload": {}, "created_dt": AT, "done_dt": AT - timedelta(days=5, seconds=n)}
        for n in range(RECENT)
    ]
    rows += [
        {"kind": "stage_closed", "payload": {}, "created_dt": long_ago, "failed_dt": long_ago, "last_error": "KeyError"}
        for _ in range(FAILED)
    ]
    rows.append(
        {"kind": "plan_status", "payload": {}, "created_dt": AT, "claimed_until_dt": AT + timedelta(hours=1)}
        | {"claim_token": "another-pass"}
    )
    session().execute(sa.insert(Announcement), rows)
    session().commit()
    old_ids = session().scalars(
        sa.select(Announcement.id).where(Announcement.done_dt < AT - DONE_KEPT).order_by(Announcement.done_dt)
    )
    return list(old_ids)


def remaining() -> tuple[int, int, int, int]:
    """Old done, recent done, failed and pending announcements in the database now."""
    session().commit()  # a fresh snapshot
    old_done = sa.and_(Announcement.done_dt.is_not(None), Announcement.done_dt < AT - DONE_KEPT)
    recent = sa.and_(Announcement.done_dt.is_not(None), Announcement.done_dt >= AT - DONE_KEPT)
    pending = sa.and_(Announcement.done_dt.is_(None), Announcement.failed_dt.is_(None))
    counts = [
        session().scalar(sa.select(sa.func.count()).select_from(Announcement).where(condition))
        for condition in (old_done, recent, Announcement.failed_dt.is_not(None), pending)
    ]
    return (int(counts[0] or 0), int(counts[1] or 0), int(counts[2] or 0), int(counts[3] or 0))


def test_three_passes_deleting_together_delete_each_announcement_once(
    app: Flask, database_url: str, smtp: SmtpServer, processes: Processes
) -> None:
    seed(OLD)
    passes = [processes.tick(gpect_env(database_url, smtp.port), AT) for _ in range(3)]
    outputs = [finish(process) for process in passes]

    assert [process.returncode for process in passes] == [0, 0, 0], outputs
    assert not [output for output in outputs if "could not be deleted" in output], outputs
    counts = [deleted_by(output) for output in outputs]
    assert all(count <= PER_PASS for count in counts), counts
    assert sum(counts) >= PER_PASS, ("every pass ran its deletion", counts)
    assert remaining() == (OLD - sum(counts), RECENT, FAILED, 1), "each row deleted once, by the pass that said so"

    later = AT
    while remaining()[0]:
        later += timedelta(minutes=1)
        before = remaining()[0]
        output = finish(processes.tick(gpect_env(database_url, smtp.port), later))
        assert deleted_by(output) == min(before, PER_PASS), output
    assert remaining() == (0, RECENT, FAILED, 1), "the recent, failed and pending ones stay"


def test_a_pass_killed_while_deleting_deletes_nothing_and_the_next_one_does_it(
    app: Flask, database_url: str, smtp: SmtpServer, processes: Processes
) -> None:
    old_ids = seed(PER_PASS + 200)
    blocker = sa.create_engine(database_url)
    try:
        # pg_stat_activity is read once per transaction: the watcher reads it outside any (autocommit).
        with blocker.connect() as holding, blocker.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
            # The oldest old announcement is locked by another transaction: the pass's deletion waits on it,
            # holding the locks of the rows it reached already.
            holding.execute(sa.text("SELECT id FROM gpect_announcements WHERE id = :id FOR UPDATE"), {"id": old_ids[0]})
            victim = processes.tick(gpect_env(database_url, smtp.port), AT)
            deadline = time.monotonic() + 60
            while not _deletion_waiting(watcher):
                assert victim.poll() is None, f"the pass ended before it could be killed:\n{finish(victim)}"
                assert time.monotonic() < deadline, "the pass's deletion never waited on the locked row"
                time.sleep(0.05)
            victim.send_signal(signal.SIGKILL)
            finish(victim)
            assert victim.returncode == -signal.SIGKILL
            holding.rollback()  # the row is free: the orphaned deletion runs on, its client gone
            deadline = time.monotonic() + 60
            while _deletion_running(watcher):
                assert time.monotonic() < deadline, "the killed pass's deletion never ended"
                time.sleep(0.05)
    finally:
        blocker.dispose()

    assert remaining() == (PER_PASS + 200, RECENT, FAILED, 1), "nothing of the killed pass's deletion happened"
    first = finish(processes.tick(gpect_env(database_url, smtp.port), AT + timedelta(minutes=1)))
    assert deleted_by(first) == PER_PASS, first
    second = finish(processes.tick(gpect_env(database_url, smtp.port), AT + timedelta(minutes=2)))
    assert deleted_by(second) == 200, second
    assert remaining() == (0, RECENT, FAILED, 1)


def _deletion_activity(connection: sa.Connection, waiting: bool) -> bool:
    condition = " AND wait_event_type = 'Lock'" if waiting else ""
    found = connection.execute(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()"
            " AND query LIKE 'DELETE FROM gpect_announcements%' AND state = 'active'" + condition
        )
    )
    return bool(found.scalar())


def _deletion_waiting(connection: sa.Connection) -> bool:
    """Whether a pass's deletion of done announcements waits on a row lock now."""
    return _deletion_activity(connection, waiting=True)


def _deletion_running(connection: sa.Connection) -> bool:
    """Whether a deletion of done announcements still runs (the killed pass's, orphaned)."""
    return _deletion_activity(connection, waiting=False)
