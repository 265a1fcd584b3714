"""The tick: one pass of the scheduler as of an instant.

It covers the time since the previous pass (kept in ``gpect_scheduler_runs``, locked so that two
processes ticking together take turns): first opens the scheduled plans whose start came (their
stage-opened emails announced with them), then queues the reminders, escalations, digests and committee
digests whose time came, commits, then renders the pending announcements (what users' changes recorded
they must tell: stages opened and closed, gates, deadlines moved...) into the outbox, and sends what is due
in the outbox. Any number of passes, in any
number of processes, after any downtime, queue each message once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app

from ..notifications.announcements import AnnouncementReport, deliver_announcements, pending_announcements
from ..notifications.committee_digest import committee_digest_messages
from ..notifications.data_alerts import data_problem_messages
from ..notifications.digests import digest_messages
from ..notifications.outbox import due_count, enqueue
from ..notifications.reminders import due_reminder_messages
from ..notifications.sender import SendReport, send_pending
from ..services.context import now
from ..services.plans.opening import open_due_plans
from ..services.scheduler_runs import NEVER, lock_run, mark_covered
from ..services.skips import Skip, skipped
from ..services.unit_of_work import commit, rollback

log = logging.getLogger(__name__)

#: How far back the very first pass looks (a fresh installation does not replay history).
FIRST_PASS_LOOKBACK = timedelta(days=1)


@dataclass
class TickReport:
    """What a pass did (or, dry, would do)."""

    since: datetime
    until: datetime
    #: Scheduled plans opened (``<id> <name>``).
    opened: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)
    committee_digests: list[str] = field(default_factory=list)
    #: Reminders due but left for the next pass (more than ``REMINDERS_PER_PASS``).
    reminders_left: int = 0
    pending: int = 0
    sending: SendReport | None = None
    announcements: AnnouncementReport | None = None
    #: Announcements waiting for a pass (dry run: what it would render).
    announcements_pending: int = 0
    #: Whether announcements waited when the pass began, or it recorded some (opening plans).
    announcements_waiting: bool = True
    dry_run: bool = False
    #: Stored values the pass could not use, and so left aside what depends on them.
    skipped: list[Skip] = field(default_factory=list)

    def log_lines(self) -> list[tuple[int, str]]:
        """What the scheduler process logs of a pass, with the level of each line: every count, and every
        failure or value left aside as a warning; not the keys of each message queued (``lines`` has them)."""
        return [(level, text) for level, text, detail in self._facts() if not detail or level == logging.WARNING]

    def lines(self) -> list[str]:
        """A human summary, one line per fact (details indented under the fact they belong to)."""
        return [f"  {text}" if detail else text for _, text, detail in self._facts()]

    def _facts(self) -> list[tuple[int, str, bool]]:
        """``(log level, text, whether it details the fact before it)`` of each line of the summary."""
        info, warning = logging.INFO, logging.WARNING
        verb = "would queue" if self.dry_run else "queued"
        facts = [
            (info, f"window {self.since.isoformat()} → {self.until.isoformat()}", False),
            (info, f"{'would open' if self.dry_run else 'opened'} {len(self.opened)} plan(s)", False),
            *[(info, f"plan {plan}", True) for plan in self.opened],
            (info, f"{verb} {len(self.reminders)} reminder(s) and {len(self.digests)} digest(s)", False),
            (info, f"{verb} {len(self.committee_digests)} committee digest(s)", False),
        ]
        if self.reminders_left:
            facts.append((info, f"left {self.reminders_left} reminder(s) for the next pass", False))
        facts += [
            (
                warning,
                f"left aside: {item.subject} {item.subject_id} ({item.label!r}): {item.field} {item.value!r}, "
                f"{item.reason}",
                False,
            )
            for item in self.skipped
        ]
        facts += [(info, key, True) for key in self.reminders + self.digests + self.committee_digests]
        if self.announcements is not None:
            facts.append((info, f"announcements: {self.announcements}", False))
            facts += [
                (warning, f"failed: announcement {i} ({kind}): {error}", True)
                for i, kind, error in self.announcements.failed
            ]
        elif self.dry_run:
            facts.append((info, f"announcements: {self.announcements_pending} waiting (not rendered: dry run)", False))
        if self.sending is not None:
            facts.append((info, f"outbox: {self.sending}", False))
            facts += [(warning, f"failed: {error}", True) for error in self.sending.errors]
        else:
            facts.append((info, f"outbox: {self.pending} message(s) due for sending (not sent: dry run)", False))
        return facts


def tick(*, dry_run: bool = False, send: bool = True) -> TickReport:
    """One pass as of the clock's instant; with ``dry_run`` nothing is written or sent.

    A stored value the rules refuse leaves aside only what depends on it (``services.skips``), and the
    administrators hear of it. Should queueing fail all the same, what is already queued is still sent
    before the error is raised: a bug in one part of a pass never keeps the outbox from draining.
    """
    until = now()
    report = TickReport(until, until, dry_run=dry_run)
    try:
        _queue_what_is_due(until, report)
    except Exception:
        rollback()
        if send and not dry_run:
            log.exception("the pass could not queue what was due; it sends what is queued, then stops")
            report.announcements = deliver_announcements()
            report.sending = send_pending()
        raise
    if dry_run:
        report.pending = due_count(until)
        report.announcements_pending = pending_announcements()
        rollback()
        return report
    commit()
    if report.announcements_waiting:
        report.announcements = deliver_announcements()
    if send:
        report.sending = send_pending()
    return report


def announce_and_send() -> TickReport:
    """Render the pending announcements and send what is due, without the rest of a tick: what the embedded
    scheduler runs when a request that recorded an announcement wakes it."""
    report = TickReport(now(), now())
    report.announcements = deliver_announcements()
    report.sending = send_pending()
    return report


def _queue_what_is_due(until: datetime, report: TickReport) -> None:
    """Open the plans due, then render and queue (in one statement) every message due up to ``until``."""
    covered, reminders_covered, announcements_waiting = lock_run()
    report.announcements_waiting = announcements_waiting
    since = until - FIRST_PASS_LOOKBACK if covered == NEVER else covered
    reminders_since = min(since, reminders_covered or since)
    report.since = since
    report.opened = [f"{plan.id} {plan.name}" for plan in open_due_plans(until)]
    report.announcements_waiting = report.announcements_waiting or bool(report.opened)
    if reminders_since >= until:
        return
    reminders = due_reminder_messages(reminders_since, until, current_app.config["REMINDERS_PER_PASS"])
    # Rendered by kind, inserted together: one statement however many messages are due.
    produced = {
        "reminders": reminders.messages,
        "digests": digest_messages(since, until) if since < until else [],
        "committee_digests": committee_digest_messages(since, until) if since < until else [],
    }
    report.skipped = skipped()
    alerts = data_problem_messages(report.skipped)
    queued = set(enqueue([message for messages in produced.values() for message in messages] + alerts))
    for name, messages in produced.items():
        setattr(report, name, [m.idempotency_key for m in messages if m.idempotency_key in queued])
    report.reminders_left = reminders.left
    # Reminders left for the next pass keep their window open: it goes on with those not queued yet.
    mark_covered(max(since, until), reminders_since if reminders.left else None)
