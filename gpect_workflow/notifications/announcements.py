"""Announcements: what a change must tell people, recorded in its transaction and rendered by a later pass.

A receiver of a service's signal (``notices``) does not render emails in the user's transaction: it
records one small row, ``announce(kind, plan, payload)``, with the ids and values its emails will need as
they are at that moment. The scheduler's pass (``deliver_announcements``, before it sends) claims the
pending rows, like the outbox claims messages, and turns each into outbox messages with the builder
registered for its kind (``@announcer(kind)``), under the same idempotency keys as before.

Why it is safe: the row commits with the change, so a crash between the commit and the pass loses
nothing; a claim carries a token and an expiry, so two scheduler processes never render one announcement
at the same time, and one that died holding it lets the next pass take it again; an announcement's
messages and its ``done`` mark commit together, fenced by the token, and the outbox's keys keep a message
from being queued twice whatever happens. A builder that fails (bad stored data, a missing row) fails
its announcement alone: rolled back, marked failed with the error, logged, and the pass goes on; the
administrators get an email (``notice_alerts``, once an hour) and the outbox page lists it.

Where the embedded scheduler runs in this process, a request that recorded an announcement wakes it once
committed (``unit_of_work.after_commit``), so the emails leave within seconds rather than at the next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa

from ..models import Announcement, Plan
from ..services.context import now, session, state
from ..services.unit_of_work import after_commit
from .notice_alerts import alert_administrators_of_notices
from .outbox import NewMessage, claim_ttl, enqueue, new_claim_token

log = logging.getLogger(__name__)

#: Builds an announcement's messages from its plan (read afresh by the pass) and its recorded payload.
Builder = Callable[[Plan, dict[str, Any]], Sequence[NewMessage]]

#: Builders by kind: every kind an announcement may have. Receivers register theirs with ``@announcer``.
BUILDERS: dict[str, Builder] = {}

#: Announcements one pass renders at most; the rest wait for the next pass.
PER_PASS = 500
#: How long a done announcement is kept (its emails are in the outbox; an operator may still look it up),
#: before a pass deletes it.
DONE_KEPT = timedelta(days=30)

_TABLE = cast(sa.Table, Announcement.__table__)


def announcer(kind: str) -> Callable[[Builder], Builder]:
    """Register ``function`` as the builder of announcements of ``kind`` (one builder a kind)."""

    def register(function: Builder) -> Builder:
        if BUILDERS.get(kind, function) is not function:
            raise RuntimeError(f"announcements of kind {kind!r} already have a builder")
        BUILDERS[kind] = function
        return function

    return register


def announce(kind: str, plan: Plan, payload: dict[str, Any]) -> None:
    """Record, in the current transaction, that ``kind`` must be announced about ``plan``.

    ``payload`` holds plain JSON values (ids, dates as ISO text, notes): what the builder needs as it is
    now, not as it will be when the pass runs. Once the change commits, the embedded scheduler (if it
    runs in this process) is woken to render and send it.
    """
    if kind not in BUILDERS:
        raise KeyError(f"no builder for announcements of kind {kind!r}")
    session().add(Announcement(kind=kind, plan_id=plan.id, payload=payload, created_dt=now()))
    wake = state().wake_announcer
    if wake is not None:
        after_commit(_woken(wake))


def _woken(wake: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            wake()
        except Exception:  # the next tick renders it anyway
            log.exception("could not wake the scheduler for new announcements")

    return run


@dataclass
class AnnouncementReport:
    """What a pass did with the pending announcements."""

    rendered: int = 0
    messages: int = 0
    #: Announcements taken over by another pass after this one's claim expired (left to it).
    taken_over: int = 0
    #: ``(announcement id, kind, error)`` of those whose builder failed.
    failed: list[tuple[int, str, str]] = field(default_factory=list)
    #: Announcements done more than ``DONE_KEPT`` ago, deleted by the pass.
    forgotten: int = 0

    def __str__(self) -> str:
        text = f"rendered {self.rendered} announcement(s) into {self.messages} message(s), failed {len(self.failed)}"
        text += f", taken over {self.taken_over}" if self.taken_over else ""
        return text + (f", deleted {self.forgotten} done more than {DONE_KEPT.days} days ago" if self.forgotten else "")


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    kind: str
    plan_id: int | None
    payload: dict[str, Any]


def deliver_announcements(limit: int = PER_PASS) -> AnnouncementReport:
    """Turn pending announcements into outbox messages; one transaction per announcement.

    Commits. Never raises for one announcement's sake: its failure is recorded on its row and logged.
    """
    report = AnnouncementReport()
    token = new_claim_token()
    claimed = _claim(limit, token)
    session().commit()
    for item in claimed:
        _deliver(item, token, report)
    if report.failed:
        _alert(report.failed)
    report.forgotten = forget_done_announcements(limit)
    return report


def forget_done_announcements(limit: int = PER_PASS) -> int:
    """Delete up to ``limit`` announcements done more than ``DONE_KEPT`` ago, the oldest first, and commit;
    how many were deleted.

    Nothing reads a done announcement again (its emails are in the outbox, its change in the journal): kept,
    the table would grow by a row for every change ever made. Each pass that renders announcements deletes
    at most as many as it may render, from the index of done ones, so the table keeps about a month of
    changes whatever the years. Failed ones stay for the outbox page, pending ones for the next pass. A
    failure here is logged and leaves the rows for the next pass: the pass's emails are already queued."""
    old = (
        sa.select(_TABLE.c.id)
        .where(_TABLE.c.done_dt.is_not(None), _TABLE.c.done_dt < now() - DONE_KEPT)
        .order_by(_TABLE.c.done_dt)
        .limit(limit)
    )
    try:
        result = session().execute(sa.delete(_TABLE).where(_TABLE.c.id.in_(old.scalar_subquery())))
        session().commit()
    except Exception:
        session().rollback()
        log.exception("done announcements could not be deleted; the next pass tries again")
        return 0
    return int(cast(sa.CursorResult[Any], result).rowcount)


def _alert(failed: list[tuple[int, str, str]]) -> None:
    """Tell the administrators (once an hour); a failure to do so is logged, the outbox page still shows it."""
    try:
        alert_administrators_of_notices(failed)
        session().commit()
    except Exception:
        session().rollback()
        log.exception("the administrators could not be told of %s notice(s) that failed", len(failed))


def _claim(limit: int, token: str) -> list[_Claimed]:
    """Claim up to ``limit`` pending announcements (or ones whose claim expired), oldest first, in one
    statement; locked rows are skipped (PostgreSQL), so concurrent passes take different ones."""
    instant = now()
    pending = sa.and_(
        _TABLE.c.done_dt.is_(None),
        _TABLE.c.failed_dt.is_(None),
        sa.or_(_TABLE.c.claimed_until_dt.is_(None), _TABLE.c.claimed_until_dt < instant),
    )
    due = sa.select(_TABLE.c.id).where(pending).order_by(_TABLE.c.id).limit(limit).with_for_update(skip_locked=True)
    statement = (
        sa.update(_TABLE)
        .where(_TABLE.c.id.in_(due.scalar_subquery()))
        .values(claim_token=token, claimed_until_dt=instant + claim_ttl())
        .returning(_TABLE.c.id, _TABLE.c.kind, _TABLE.c.plan_id, _TABLE.c.payload)
    )
    rows = session().execute(statement)
    return sorted((_Claimed(**row._mapping) for row in rows), key=lambda item: item.id)


def _deliver(item: _Claimed, token: str, report: AnnouncementReport) -> None:
    try:
        messages = _build(item)
        queued = enqueue(messages)
        if not _finish(item.id, token, done_dt=now()):
            session().rollback()
            report.taken_over += 1
            return
        session().commit()
    except Exception as error:
        session().rollback()
        log.exception("announcement %s (%s) could not be rendered; it is marked failed", item.id, item.kind)
        detail = f"{type(error).__name__}: {error}"[:2000]
        report.failed.append((item.id, item.kind, detail))
        _finish(item.id, token, failed_dt=now(), last_error=detail)
        session().commit()
        return
    report.rendered += 1
    report.messages += len(queued)


def _build(item: _Claimed) -> Sequence[NewMessage]:
    builder = BUILDERS.get(item.kind)
    if builder is None:
        raise LookupError(f"no builder for announcements of kind {item.kind!r}")
    plan = session().get(Plan, item.plan_id) if item.plan_id is not None else None
    if plan is None:
        raise LookupError(f"plan {item.plan_id} not found")
    return builder(plan, item.payload)


def _finish(announcement_id: int, token: str, **values: object) -> bool:
    """Mark the announcement done or failed, if this pass still holds it; whether it did."""
    statement = (
        sa.update(_TABLE)
        .where(_TABLE.c.id == announcement_id, _TABLE.c.claim_token == token)
        .values(claim_token=None, claimed_until_dt=None, **values)
    )
    return cast(sa.CursorResult[Any], session().execute(statement)).rowcount == 1


def pending_announcements() -> int:
    """How many announcements wait for a pass (what a dry run reports)."""
    query = sa.select(sa.func.count()).where(_TABLE.c.done_dt.is_(None), _TABLE.c.failed_dt.is_(None))
    return int(session().scalar(query) or 0)
