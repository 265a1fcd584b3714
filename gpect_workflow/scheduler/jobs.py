"""The tick: one pass of the scheduler as of an instant.

It covers the time since the previous pass (kept in ``gpect_scheduler_runs``, locked so that two
processes ticking together take turns): queues the reminders, escalations, digests and committee
digests whose time came, commits, then sends what is due in the outbox. Any number of passes, in any
number of processes, after any downtime, queue each message once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..models import OutboxMessage, OutboxStatus, SchedulerRun
from ..notifications.committee_digest import queue_committee_digests
from ..notifications.digests import queue_digests
from ..notifications.reminders import queue_due_reminders
from ..notifications.sender import SendReport, send_pending
from ..services.context import now, session

TICK = "tick"
#: What a job that never ran has covered.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
#: How far back the very first pass looks (a fresh installation does not replay history).
FIRST_PASS_LOOKBACK = timedelta(days=1)


@dataclass
class TickReport:
    """What a pass did (or, dry, would do)."""

    since: datetime
    until: datetime
    reminders: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    committee_digests: list[str] = field(default_factory=list)
    pending: int = 0
    sending: SendReport | None = None
    dry_run: bool = False

    def lines(self) -> list[str]:
        """A human summary, one line per fact."""
        verb = "would queue" if self.dry_run else "queued"
        lines = [
            f"window {self.since.isoformat()} → {self.until.isoformat()}",
            f"{verb} {len(self.reminders)} reminder(s) and {len(self.digests)} digest(s)",
            f"{verb} {len(self.committee_digests)} committee digest(s)",
        ]
        lines += [f"  {key}" for key in self.reminders + self.digests + self.committee_digests]
        if self.sending is not None:
            lines.append(f"outbox: {self.sending}")
            lines += [f"  failed: {error}" for error in self.sending.errors]
        else:
            lines.append(f"outbox: {self.pending} message(s) due for sending (not sent: dry run)")
        return lines


def tick(*, dry_run: bool = False, send: bool = True) -> TickReport:
    """One pass as of the clock's instant; with ``dry_run`` nothing is written or sent."""
    until = now()
    run = _lock_run()
    since = until - FIRST_PASS_LOOKBACK if run.covered_until_dt == NEVER else run.covered_until_dt
    report = TickReport(since, until, dry_run=dry_run)
    if since < until:
        report.reminders = queue_due_reminders(since, until)
        report.digests = queue_digests(since, until)
        report.committee_digests = queue_committee_digests(since, until)
        run.covered_until_dt, run.ran_dt = until, until
    if dry_run:
        report.pending = _due_count(until)
        session().rollback()
        return report
    session().commit()
    if send:
        report.sending = send_pending()
    return report


def _lock_run() -> SchedulerRun:
    dialect = session().get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SchedulerRun)
    session().execute(insert.values(name=TICK, covered_until_dt=NEVER, ran_dt=NEVER).on_conflict_do_nothing())
    query = sa.select(SchedulerRun).where(SchedulerRun.name == TICK).with_for_update()
    run = session().scalar(query.execution_options(populate_existing=True))
    assert run is not None
    return run


def _due_count(until: datetime) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_dt <= until)
    )
    return int(session().scalar(query) or 0)
