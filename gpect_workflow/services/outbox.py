"""The outbox as administrators read it (its page, the API, ``flask gpect outbox``): messages a page at a
time, one in full, the count of each status, and failed messages put back in the queue; the notices whose
emails could not be written, and giving them to the next pass again.

Queueing, claiming and sending are ``notifications.outbox`` and ``notifications.sender``; this module only
reads the rows and, for a retry, makes a failed one pending again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import defer

from ..errors import NotFound
from ..models import Announcement, OutboxMessage, OutboxStatus, Person, Plan
from ..refusals import Refusal
from .context import now, session
from .paging import Page, window, within


def retry(message_id_: int, *, force: bool = False) -> bool:
    """Put a failed message back in the queue (administrators); ``False`` when it is not failed."""
    message = session().get(OutboxMessage, message_id_)
    if message is None or (message.status is not OutboxStatus.FAILED and not force):
        return False
    message.status, message.next_attempt_dt, message.attempts = OutboxStatus.PENDING, now(), 0
    message.claimed_until_dt = message.claimed_by = message.claim_token = message.retrying_since_dt = None
    return True


def list_messages(status: OutboxStatus | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The latest messages, optionally of one status."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.created_dt.desc(), OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return list(session().scalars(query))


def retry_failed() -> int:
    """Put every failed message back in the queue at once (one statement); return how many."""
    result = session().execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .values(
            status=OutboxStatus.PENDING,
            next_attempt_dt=now(),
            attempts=0,
            claimed_until_dt=None,
            claimed_by=None,
            claim_token=None,
            retrying_since_dt=None,
        )
        .execution_options(synchronize_session=False)
    )
    session().expire_all()  # messages already loaded show their new state
    return int(getattr(result, "rowcount", 0) or 0)


def status_counts() -> dict[OutboxStatus, int]:
    """How many messages each status holds, every status present (one grouped query)."""
    query = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update({OutboxStatus(status): int(count) for status, count in session().execute(query)})
    return counts


@dataclass(frozen=True, slots=True)
class MessagePage(Page[OutboxMessage]):
    """A page of the outbox (messages of the chosen status, of any status without one), newest first, with
    the count of every status."""

    counts: dict[OutboxStatus, int] = field(default_factory=dict)
    status: OutboxStatus | None = None

    @property
    def messages(self) -> list[OutboxMessage]:
        """The messages of the page."""
        return self.items


def message_page(status: OutboxStatus | None, page: int, per_page: int, *, keep_within: bool = True) -> MessagePage:
    """One page of messages (bodies and attachments left in the database), and the counts: two queries.

    A page past the last shows the last (``keep_within``: the outbox page), or is empty (the API).
    """
    counts = status_counts()
    total = counts[status] if status is not None else sum(counts.values())
    page = within(page, total, per_page) if keep_within else max(page, 1)
    query = (
        sa.select(OutboxMessage)
        .options(
            defer(OutboxMessage.body_text, raiseload=True),
            defer(OutboxMessage.body_html, raiseload=True),
            defer(OutboxMessage.attachments, raiseload=True),
        )
        .order_by(OutboxMessage.created_dt.desc(), OutboxMessage.id.desc())
    )
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return MessagePage(list(session().scalars(window(query, page, per_page))), page, per_page, total, counts, status)


@dataclass(frozen=True, slots=True)
class MessageDetail:
    """One message in full, with the names of its recipient and plan when they are ours."""

    message: OutboxMessage
    recipient_name: str | None
    plan_name: str | None


def message_detail(message_id_: int) -> MessageDetail:
    """A message, its recipient's and plan's names (one query); ``NotFound`` when there is none."""
    query = (
        sa.select(OutboxMessage, Person.name, Plan.name)
        .outerjoin(Person, Person.id == OutboxMessage.recipient_id)
        .outerjoin(Plan, Plan.id == OutboxMessage.plan_id)
        .where(OutboxMessage.id == message_id_)
    )
    row = session().execute(query).first()
    if row is None:
        raise NotFound(Refusal.NO_SUCH_MESSAGE)
    return MessageDetail(row[0], row[1], row[2])


# --- Notices that could not be written ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FailedNotice:
    """An announcement whose emails could not be written (``notifications.announcements``)."""

    id: int
    #: The kind of the emails it was to write (``stage_opened``...), named like the messages.
    kind: str
    plan_id: int | None
    plan_name: str | None
    failed_dt: datetime
    last_error: str | None


@dataclass(frozen=True, slots=True)
class FailedNotices:
    """The latest failed notices, and how many there are in all."""

    notices: list[FailedNotice]
    total: int


def failed_notices(limit: int = 20) -> FailedNotices:
    """The ``limit`` latest announcements given up because their emails could not be written, and the count of
    all of them: two queries on a partial index of the failed ones, whatever the number of announcements."""
    total = int(session().scalar(sa.select(sa.func.count()).where(Announcement.failed_dt.is_not(None))) or 0)
    query = (
        sa.select(
            Announcement.id,
            Announcement.kind,
            Announcement.plan_id,
            Plan.name,
            Announcement.failed_dt,
            Announcement.last_error,
        )
        .outerjoin(Plan, Plan.id == Announcement.plan_id)
        .where(Announcement.failed_dt.is_not(None))
        .order_by(Announcement.failed_dt.desc(), Announcement.id.desc())
        .limit(limit)
    )
    notices = [
        FailedNotice(row_id, kind, plan_id, plan_name, failed_dt, error)
        for row_id, kind, plan_id, plan_name, failed_dt, error in session().execute(query)
        if failed_dt is not None  # always: the query asks for failed ones
    ]
    return FailedNotices(notices, total)


def retry_failed_notices() -> int:
    """Give every failed announcement to the next pass again (its cause fixed); how many (one statement).

    The emails keep their keys: a person who did get one of them (a failure after some were queued cannot
    happen, an announcement's messages commit together) is never written to twice."""
    result = session().execute(
        sa.update(Announcement)
        .where(Announcement.failed_dt.is_not(None))
        .values(failed_dt=None, last_error=None, claim_token=None, claimed_until_dt=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
