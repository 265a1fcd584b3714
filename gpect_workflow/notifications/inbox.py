"""Inbox entries: each email to a person of ours is also a line of their inbox (``/inbox``).

The entry is written by ``outbox.enqueue`` with the email itself, for the rows actually inserted (a message
queued twice is one email, so one entry): on PostgreSQL in the messages' own statement, on SQLite in one
more whatever the number of messages, so a send hour of thousands of reminders stays within the tick's
statement budget. Its title is the email's subject,
already in the recipient's language; its link is the page the email is about.

An email queued to leave later (``send_at``) enters the inbox from that time, not before: the inbox tells
what the mailbox tells, and a reminder held for the recipient's send hour should not be read in the
application hours earlier, then again in the mailbox as news.

Administrative emails are no part of the inbox: a sign-in link or a password reset is a key, not news
(and an entry would outlive its use), and the notices to administrators about failed emails and data to
correct already have their own pages (the outbox, ``flask gpect doctor``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from ..models import InboxEntry
from ..services.context import session

if TYPE_CHECKING:
    from .outbox import NewMessage

#: The kinds of email that are no part of the inbox (see the module's docstring); every other kind sent to
#: a person of ours is, so a new kind of email reaches the inbox without being listed anywhere.
NOT_IN_INBOX = frozenset({"login_link", "password_reset", "delivery_failures", "data_problems", "notice_failures"})

_TABLE = cast(sa.Table, InboxEntry.__table__)
#: The columns an entry is inserted with, in the order of the PostgreSQL statement.
_INSERTED = ("person_id", "kind", "title", "link_path", "plan_id", "task_id", "created_dt", "visible_from_dt")
#: Titles are subjects; the column is as long as the outbox's subject.
_TITLE_LENGTH = 300


def goes_to_inbox(message: NewMessage) -> bool:
    """Whether ``message`` is also an inbox entry: it goes to a person of ours and is not administrative."""
    return message.recipient_id is not None and message.kind not in NOT_IN_INBOX


#: The pages an inbox entry leads to, under the UI's prefix (the UI's routes; emails' links are signed
#: ``links`` instead, for readers not signed in).
MY_TASKS_PATH = "/my-tasks"
COMMITTEE_PATH = "/committee"


def task_path(task_id: int) -> str:
    """The task's page."""
    return f"/tasks/{task_id}"


def plan_path(plan_id: int) -> str:
    """The plan's page."""
    return f"/plans/{plan_id}"


def review_path(stage_id: int) -> str:
    """The gate review page of a stage."""
    return f"/stages/{stage_id}/review"


def default_link_path(plan_id: int | None, task_id: int | None) -> str | None:
    """The page an email is about when its builder named none: its task's, else its plan's."""
    if task_id is not None:
        return task_path(task_id)
    if plan_id is not None:
        return plan_path(plan_id)
    return None


def entry_rows(messages: Sequence[NewMessage], instant: datetime) -> list[dict[str, Any]]:
    """The inbox entries of ``messages`` that go to an inbox, each with its message's ``idempotency_key``
    (to keep only those of the messages actually inserted); a key listed twice gives one entry."""
    rows: dict[str, dict[str, Any]] = {}
    for message in messages:
        if goes_to_inbox(message) and message.idempotency_key not in rows:
            rows[message.idempotency_key] = {"idempotency_key": message.idempotency_key, **_row(message, instant)}
    return list(rows.values())


def record_entries(rows: Sequence[dict[str, Any]], inserted: Collection[str]) -> int:
    """Write the entries (``entry_rows``) of the messages ``inserted`` (their keys); return how many.

    One statement (none when no entry is due), joining the caller's transaction. PostgreSQL writes them in
    the messages' own statement instead (``entries_cte``).
    """
    keys = set(inserted)
    kept = [{name: row[name] for name in _INSERTED} for row in rows if row["idempotency_key"] in keys]
    if kept:
        session().execute(sa.insert(_TABLE), kept)
    return len(kept)


def _row(message: NewMessage, instant: datetime) -> dict[str, Any]:
    return {
        "person_id": message.recipient_id,
        "kind": message.kind,
        "title": message.subject[:_TITLE_LENGTH],
        "link_path": message.link_path or default_link_path(message.plan_id, message.task_id),
        "plan_id": message.plan_id,
        "task_id": message.task_id,
        "created_dt": instant,
        "visible_from_dt": max(message.send_at or instant, instant),
    }


@lru_cache(maxsize=1)
def entries_cte(inserted: str) -> str:
    """On PostgreSQL, a common table expression that writes the entries (``:entries``, one JSON parameter)
    of the messages the CTE ``inserted`` returns the keys of: the messages and their entries are one
    statement, so a send hour costs no statement more for the inbox."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    columns = ", ".join(_INSERTED)
    record = ", ".join(f"{name} {_TABLE.c[name].type.compile(dialect=dialect)}" for name in _INSERTED)
    return (
        f"INSERT INTO {_TABLE.name} ({columns}) SELECT {', '.join(f'e.{name}' for name in _INSERTED)}"
        f" FROM json_to_recordset(CAST(:entries AS json)) AS e(idempotency_key TEXT, {record})"
        f" JOIN {inserted} ON {inserted}.idempotency_key = e.idempotency_key"
    )
