"""A sending pass's ledger: its claim checked and renewed, and each message's fate recorded as it happens.

Why a connection of its own, in autocommit: a message's fate must be durable the moment the SMTP server
answers, so that a crash re-sends at most the message in flight. One short statement per record, outside
the session's unit of work, costs one round trip and leaves nothing in the session to reload.

Every statement is fenced by the pass's claim token. A row whose claim expired and was taken by another
sender carries that sender's token: this pass then neither sends it (``hold`` answers no) nor records
over it. The claim is renewed while the pass sends, a third of its length before it would expire, so
rows waiting their turn are not taken either.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app

from ..models import OutboxMessage, OutboxStatus
from ..services.context import now, session
from .outbox import ClaimedMessage, claim_ttl
from .problems import DeliveryProblem, Diagnosis

log = logging.getLogger(__name__)

#: The first retry after a temporary failure comes this long after it; each further one twice as long...
BACKOFF_BASE = timedelta(minutes=1)
#: ... but never longer than this, so that mail leaves soon after a relay comes back.
BACKOFF_CAP = timedelta(minutes=30)

#: The outbox table, for Core statements (declarative types ``__table__`` as any FROM clause; it is a Table).
_TABLE = cast(sa.Table, OutboxMessage.__table__)
_CLAIM_RELEASED = {"claimed_until_dt": None, "claim_token": None}
#: Rows of the pass: still carrying its token, still being sent.
_MINE = (_TABLE.c.claim_token == sa.bindparam("token"), _TABLE.c.status == OutboxStatus.SENDING)
_ONE_OF_MINE = (_TABLE.c.id == sa.bindparam("message_id"), *_MINE)
_ATTEMPTED = _TABLE.c.attempts + 1

# The statements of the hot path, built once: a statement object caches its key, so each execution
# costs the driver's work, not SQLAlchemy's construction of the same statement for every message.
_HOLD = sa.update(_TABLE).where(*_ONE_OF_MINE).values(claimed_until_dt=sa.bindparam("until"))
_RENEW = sa.update(_TABLE).where(*_MINE).values(claimed_until_dt=sa.bindparam("until"))
_SENT = (
    sa.update(_TABLE)
    .where(*_ONE_OF_MINE)
    .values(
        status=OutboxStatus.SENT,
        sent_dt=sa.bindparam("instant"),
        failure_code=None,
        last_error=None,
        retrying_since_dt=None,
        attempts=_ATTEMPTED,
        **_CLAIM_RELEASED,
    )
)
_FAILED = (
    sa.update(_TABLE)
    .where(*_ONE_OF_MINE)
    .values(
        status=OutboxStatus.FAILED,
        failure_code=sa.bindparam("problem"),
        last_error=sa.bindparam("detail"),
        attempts=_ATTEMPTED,
        **_CLAIM_RELEASED,
    )
)
_RETRY = (
    sa.update(_TABLE)
    .where(*_ONE_OF_MINE)
    .values(
        status=OutboxStatus.PENDING,
        failure_code=sa.bindparam("problem"),
        last_error=sa.bindparam("detail"),
        retrying_since_dt=sa.bindparam("since"),
        next_attempt_dt=sa.bindparam("next_attempt"),
        attempts=_ATTEMPTED,
        **_CLAIM_RELEASED,
    )
)


@dataclass(frozen=True, slots=True)
class Failure:
    """A message that failed for good in this pass, and why (the administrators' notice lists them)."""

    message_id: int
    kind: str
    recipient_email: str
    problem: DeliveryProblem
    #: The technical detail: the relay's answer or the error ("" when none).
    detail: str

    @property
    def reason(self) -> str:
        """Why, in English, for operators' logs and the CLI."""
        return str(Diagnosis(self.problem, self.detail))


def retry_window() -> timedelta:
    """How long temporary failures are retried, from the first one (``OUTBOX_RETRY_FOR_HOURS``)."""
    return timedelta(hours=int(current_app.config["OUTBOX_RETRY_FOR_HOURS"]))


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt, after ``attempts`` attempts that failed for a temporary reason."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (1 << max(0, min(attempts - 1, 16))))


@contextmanager
def _without_waiting_for_the_disk(connection: sa.Connection) -> Iterator[None]:
    """On PostgreSQL, the ledger's commits do not wait for the disk (``synchronous_commit = off``).

    A commit that waits costs about twice as long, for every message. What it would protect against is a
    crash of the database server itself, after which it might forget the last fraction of a second of
    records: those few messages would go out again, with their Message-ID. A crash of the scheduler, the
    fault that matters here, loses no commit either way. SQLite's write-ahead log already syncs only at
    checkpoints (see ``extension._configure_sqlite``).
    """
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            connection.exec_driver_sql("RESET synchronous_commit")


class Ledger:
    """The records of one sending pass, fenced by its claim token (see the module's docstring)."""

    def __init__(self, token: str, connection: sa.Connection) -> None:
        self.token = token
        self._connection = connection
        self._ttl = claim_ttl()
        self._retry_window = retry_window()
        self._renewed = time.monotonic()

    @classmethod
    @contextmanager
    def opened(cls, token: str) -> Iterator[Ledger]:
        """A ledger on its own autocommit connection; what the pass leaves claimed is released at the end."""
        engine = session().get_bind(OutboxMessage.__mapper__)
        assert isinstance(engine, sa.Engine)  # the application's session is bound to its engine
        with engine.connect() as connection:
            ledger = cls(token, connection.execution_options(isolation_level="AUTOCOMMIT"))
            with _without_waiting_for_the_disk(connection):
                try:
                    yield ledger
                finally:
                    ledger._release_untouched()

    # --- the claim ----------------------------------------------------------------------------------------

    def hold(self, message_id: int) -> bool:
        """Whether this pass still holds ``message_id``: checked, and the row's claim renewed, just before
        it is sent. ``False`` when another sender took it after this pass's claim expired."""
        self._renew_when_due()
        until = now() + self._ttl
        return self._execute(_HOLD, message_id=message_id, until=until) == 1

    def _renew_when_due(self) -> None:
        """Renew the whole claim once a third of it has gone by (one statement for every row of the pass)."""
        if time.monotonic() - self._renewed < self._ttl.total_seconds() / 3:
            return
        self._execute(_RENEW, until=now() + self._ttl)
        self._renewed = time.monotonic()

    def _mine(self) -> tuple[sa.ColumnElement[bool], ...]:
        return (_TABLE.c.claim_token == self.token, _TABLE.c.status == OutboxStatus.SENDING)

    # --- fates --------------------------------------------------------------------------------------------

    def sent(self, message: ClaimedMessage) -> None:
        """The SMTP server accepted the message."""
        self._record(_SENT, message, instant=now())

    def failed(self, message: ClaimedMessage, diagnosis: Diagnosis) -> Failure:
        """The message cannot be delivered: refused for good, or impossible to build or address."""
        self._record(_FAILED, message, **_binds(diagnosis))
        return Failure(message.id, message.kind, message.recipient_email, diagnosis.problem, diagnosis.detail)

    def retry_later(self, message: ClaimedMessage, diagnosis: Diagnosis) -> Failure | None:
        """A temporary failure: back to the queue after a capped backoff, or failed (returned) once the retry
        window that began with its first temporary failure is over (the last failure's detail kept)."""
        instant = now()
        since = message.retrying_since_dt or instant
        if instant - since >= self._retry_window:
            return self.failed(message, _gave_up(diagnosis))
        next_attempt = instant + backoff(message.attempts + 1)
        self._record(_RETRY, message, **_binds(diagnosis), since=since, next_attempt=next_attempt)
        return None

    def release(self, diagnosis: Diagnosis, *, attempted: bool) -> list[Failure]:
        """Put every row this pass still holds back in the queue (the relay cannot be reached, or the
        connection broke): retried a minute later, or failed (returned) when past their retry window.

        ``attempted``: whether those rows count an attempt (the pass could not connect at all), or were
        only waiting their turn behind the message whose connection broke. Two statements.
        """
        instant = now()
        past_window = _TABLE.c.retrying_since_dt <= instant - self._retry_window
        gave_up = (
            sa.update(_TABLE)
            .where(*self._mine(), past_window)
            .values(status=OutboxStatus.FAILED, **_columns(_gave_up(diagnosis)), **_CLAIM_RELEASED)
            .returning(_TABLE.c.id, _TABLE.c.kind, _TABLE.c.recipient_email)
        )
        failures = [
            Failure(row[0], row[1], row[2], DeliveryProblem.GAVE_UP_AFTER_RETRIES, diagnosis.detail)
            for row in self._connection.execute(gave_up)
        ]
        again = (
            sa.update(_TABLE)
            .where(*self._mine())
            .values(
                status=OutboxStatus.PENDING,
                **_columns(diagnosis),
                next_attempt_dt=instant + BACKOFF_BASE,
                retrying_since_dt=sa.func.coalesce(_TABLE.c.retrying_since_dt, instant),
                attempts=_TABLE.c.attempts + (1 if attempted else 0),
                **_CLAIM_RELEASED,
            )
        )
        self._connection.execute(again)
        return failures

    def _release_untouched(self) -> None:
        """Give back at once the rows this pass claimed but did not get to (it stopped early): pending again,
        untouched, so that the next pass need not wait for the claim to expire."""
        statement = sa.update(_TABLE).where(*self._mine()).values(status=OutboxStatus.PENDING, **_CLAIM_RELEASED)
        try:
            self._connection.execute(statement)
        except sa.exc.SQLAlchemyError:
            log.exception("could not release the rest of the claim %s; it expires on its own", self.token)

    def _record(self, statement: sa.Update, message: ClaimedMessage, **values: object) -> None:
        if self._execute(statement, message_id=message.id, **values) != 1:
            log.warning(
                "outbox message %s was taken by another sender while this one sent it; its fate stays theirs",
                message.id,
            )

    def _execute(self, statement: sa.Update, **values: object) -> int:
        """Run one of the prepared statements for this pass's token; how many rows it changed."""
        return self._connection.execute(statement, {"token": self.token, **values}).rowcount


def _columns(diagnosis: Diagnosis) -> dict[str, str | None]:
    """The columns a diagnosis fills: its code, and its detail (``None`` when it has none)."""
    return {"failure_code": diagnosis.problem.value, "last_error": diagnosis.detail or None}


def _binds(diagnosis: Diagnosis) -> dict[str, str | None]:
    """The same values for the prepared statements, whose parameters cannot bear the columns' names."""
    return {"problem": diagnosis.problem.value, "detail": diagnosis.detail or None}


def _gave_up(diagnosis: Diagnosis) -> Diagnosis:
    """Temporary failures outlasted the retry window: the last one's detail stays to tell what they were."""
    return Diagnosis(DeliveryProblem.GAVE_UP_AFTER_RETRIES, diagnosis.detail)
