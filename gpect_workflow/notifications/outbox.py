"""The outbox: messages written in the transaction that decides them, claimed and sent afterwards.

Each message has a unique idempotency key, so inserting the same reminder twice, from two ticks or two
scheduler processes, leaves one row. A sending pass claims rows for a limited time (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL) under a token of its own, so several processes never take the same row; the pass
renews its claim while it sends and checks its token before each message (``notifications.ledger``). A
process that dies holding a claim loses nothing: the claim expires and another sender takes the row again,
sending it with the same Message-ID.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import socket
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from ..models import OutboxMessage, OutboxStatus
from ..services.context import now, session
from .inbox import entries_cte, entry_rows, record_entries

#: The outbox table, for Core statements (declarative types ``__table__`` as any FROM clause; it is a Table).
_TABLE = cast(sa.Table, OutboxMessage.__table__)


def claim_ttl() -> timedelta:
    """How long a sending pass holds the rows it claimed (``OUTBOX_CLAIM_SECONDS``) before it renews them."""
    return timedelta(seconds=int(current_app.config["OUTBOX_CLAIM_SECONDS"]))


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue."""

    idempotency_key: str
    kind: str
    recipient_email: str
    subject: str
    body_text: str
    body_html: str | None
    recipient_id: int | None = None
    plan_id: int | None = None
    task_id: int | None = None
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    send_at: datetime | None = None
    #: The page of the application the email is about (``/tasks/12``, ``/stages/3/review``), under the UI's
    #: prefix: where its inbox entry leads. Without it, the entry leads to the task's page, else the plan's.
    link_path: str | None = None


def message_id(idempotency_key: str, domain: str) -> str:
    """The Message-ID of a message: derived from its key, so a re-send is recognisably the same email."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def enqueue(messages: Sequence[NewMessage]) -> list[str]:
    """Insert the messages not queued before, and the inbox entries of those inserted that go to a person
    of ours (``notifications.inbox``); return the keys actually inserted.

    On PostgreSQL the rows travel as one JSON parameter expanded by ``json_to_recordset``: a send hour of
    thousands of reminders is still one statement (a multi-row ``VALUES`` would be split into batches
    under the server's limit of 65,535 parameters), the inbox entries written by the same statement.
    SQLite, the embedded default, takes them as an ordinary multi-row insert, and the entries in one more.
    """
    if not messages:
        return []
    instant = now()
    rows = [_row(message, instant) for message in messages]
    entries = entry_rows(messages, instant)
    if session().get_bind().dialect.name == "postgresql":
        return _insert_from_json(rows, entries)
    inserted = _insert_sqlite(rows)
    record_entries(entries, inserted)
    return inserted


def _insert_sqlite(rows: list[dict[str, Any]]) -> list[str]:
    statement = (
        sqlite.insert(_TABLE)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(_TABLE.c.idempotency_key)
    )
    # A Core insert: one multi-row statement (up to SQLite's limit of variables, about 2,300 rows), where
    # the ORM's would split the rows by which columns are null.
    return list(session().scalars(statement, rows))


def queued_keys(keys: Collection[str]) -> set[str]:
    """Which of ``keys`` are in the outbox already (one statement: the keys travel as one parameter)."""
    if not keys:
        return set()
    if session().get_bind().dialect.name == "postgresql":
        wanted = OutboxMessage.idempotency_key == sa.any_(sa.cast(sa.bindparam("keys", list(keys)), ARRAY(sa.Text)))
    else:
        listed: sa.Select[str] = sa.select(sa.column("value")).select_from(
            sa.func.json_each(sa.bindparam("keys", json.dumps(list(keys))))
        )
        wanted = OutboxMessage.idempotency_key.in_(listed)
    return set(session().scalars(sa.select(OutboxMessage.idempotency_key).where(wanted)))


#: The columns ``_row`` fills, in the order of the PostgreSQL statement.
_INSERTED = (
    "idempotency_key",
    "kind",
    "recipient_id",
    "recipient_email",
    "plan_id",
    "task_id",
    "subject",
    "body_text",
    "body_html",
    "attachments",
    "status",
    "attempts",
    "next_attempt_dt",
    "created_dt",
)


@lru_cache(maxsize=2)
def _json_insert_sql(with_entries: bool) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    table = _TABLE
    columns = ", ".join(_INSERTED)
    record = ", ".join(f"{name} {table.c[name].type.compile(dialect=dialect)}" for name in _INSERTED)
    insert = (
        f"INSERT INTO {table.name} ({columns}) SELECT {columns}"
        f" FROM json_to_recordset(CAST(:rows AS json)) AS r({record})"
        " ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key"
    )
    if not with_entries:
        return insert
    # The entries' insert, a data-modifying CTE, runs whether or not the final SELECT reads it.
    return f"WITH inserted AS ({insert}), entries AS ({entries_cte('inserted')}) SELECT idempotency_key FROM inserted"


def _insert_from_json(rows: list[dict[str, Any]], entries: list[dict[str, Any]]) -> list[str]:
    params = {"rows": _json(rows)}
    if entries:
        params["entries"] = _json(entries)
    return list(session().scalars(sa.text(_json_insert_sql(bool(entries))), params))


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=_json_value, ensure_ascii=False, separators=(",", ":"))


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot queue a {type(value).__name__} value")


def _row(message: NewMessage, instant: datetime) -> dict[str, Any]:
    attachments = [
        {"filename": a.filename, "content_type": a.content_type, "data": base64.b64encode(a.data).decode()}
        for a in message.attachments
    ]
    return {
        "idempotency_key": message.idempotency_key,
        "kind": message.kind,
        "recipient_id": message.recipient_id,
        "recipient_email": message.recipient_email,
        "plan_id": message.plan_id,
        "task_id": message.task_id,
        "subject": message.subject,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "attachments": attachments or None,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_dt": message.send_at or instant,
        "created_dt": instant,
    }


def claimer_name() -> str:
    """Who is claiming: host and process id, shown to operators."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _due_ids(instant: datetime, limit: int, keys: Collection[str] | None = None) -> sa.ScalarSelect[int]:
    """The ids of up to ``limit`` messages due at ``instant`` (only those of ``keys`` when given), oldest
    first, locked and skipping locked rows: pending and due, or being sent under an expired claim (its
    sender died)."""
    due = sa.or_(
        sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_dt <= instant),
        sa.and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until_dt < instant),
    )
    if keys is not None:
        due = sa.and_(due, OutboxMessage.idempotency_key.in_(list(keys)))
    return (
        sa.select(OutboxMessage.id)
        .where(due)
        .order_by(OutboxMessage.next_attempt_dt, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """A message a sending pass holds: what building, sending and recording its fate need, read at claim time.

    Plain values, not ORM objects: the pass records each message's fate in a transaction of its own, and
    nothing it holds must be reloaded after those commits.
    """

    id: int
    idempotency_key: str
    kind: str
    recipient_email: str
    subject: str
    body_text: str
    body_html: str | None
    attachments: list[dict[str, Any]] | None
    attempts: int
    retrying_since_dt: datetime | None


_CLAIMED_COLUMNS = tuple(_TABLE.c[name] for name in ClaimedMessage.__slots__)


def new_claim_token() -> str:
    """A sending pass's fencing token: random, so no two passes (or hosts) ever share one."""
    return secrets.token_hex(16)


def claim(
    limit: int, claimer: str, keys: Collection[str] | None = None, *, token: str | None = None
) -> list[ClaimedMessage]:
    """Claim up to ``limit`` messages due for sending (pending and due, or with an expired claim).

    One statement: the due rows are picked and locked (``SKIP LOCKED`` on PostgreSQL, so concurrent
    senders take different rows), marked as being sent by ``claimer`` under ``token`` until the claim
    expires, and returned in id order. A row taken from a sender whose claim expired gets the new token, so
    that sender's later checks and records no longer match it.
    """
    instant = now()
    statement = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(_due_ids(instant, limit, keys)))
        .values(
            status=OutboxStatus.SENDING,
            claimed_until_dt=instant + claim_ttl(),
            claimed_by=claimer,
            claim_token=token or new_claim_token(),
        )
        .returning(*_CLAIMED_COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows = session().execute(statement)
    return sorted((ClaimedMessage(**row._mapping) for row in rows), key=lambda message: message.id)


def capture_due(limit: int, keys: Collection[str] | None = None) -> int:
    """Keep up to ``limit`` due messages as captured, unsent (no SMTP server configured); return how many.

    One statement, bodies left in the database: the captured rows are what ``flask gpect outbox`` and the
    outbox page show.
    """
    instant = now()
    statement = (
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(_due_ids(instant, limit, keys)))
        .values(
            status=OutboxStatus.CAPTURED,
            sent_dt=instant,
            attempts=OutboxMessage.attempts + 1,
            claimed_until_dt=None,
            claimed_by=None,
            claim_token=None,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    captured = list(session().scalars(statement))
    session().expire_all()  # messages already loaded show their new state
    return len(captured)


def attachments_of(message: OutboxMessage | ClaimedMessage) -> list[Attachment]:
    """The stored attachments of a message."""
    return [
        Attachment(item["filename"], item["content_type"], base64.b64decode(item["data"]))
        for item in message.attachments or []
    ]


def due_count(until: datetime) -> int:
    """How many pending messages are due for sending by ``until`` (what a dry run would send)."""
    query = (
        sa.select(sa.func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_dt <= until)
    )
    return int(session().scalar(query) or 0)
