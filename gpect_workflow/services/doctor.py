"""What is wrong with an installation: stored values the current rules refuse (what ``flask gpect doctor``
lists), and whether the database answers at all (the API's health check).

Every entry now checks addresses, time zones and dates with ``gpect_workflow.validation``, but rows
written before, by another tool or by hand were not: one such value stops each scheduler pass or email
that reads it. This service finds them, and only reads. Each table is scanned by one query whose rows
arrive in chunks (``yield_per``: a server-side cursor on PostgreSQL), so memory stays bounded at any size;
each value is judged by the same ``*_problem`` function the entries' rules are the twins of.

Dates are read as text (``YYYY-MM-DD``), not as ``date`` objects: a year the database holds but Python
cannot (PostgreSQL takes years past 9999 and before 1) would otherwise stop the scan instead of being
reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..models import Indicator, Measurement, Organisation, OutboxMessage, OutboxStatus, Person, Plan, Task
from ..validation import date_problem, email_problem, number_problem, timezone_problem
from .context import session

#: Rows fetched from the database at a time.
CHUNK_SIZE = 1000
#: Outbox messages the sender will still address (those sent, captured or failed are history).
UNSENT = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass(frozen=True, slots=True)
class Finding:
    """One stored value the rules refuse: where it is, what it is, and why it is refused."""

    table: str
    row_id: int
    #: Whose or what value it is, for a person to find it: a person's or plan's name, a task's key...
    label: str
    field: str
    value: object
    reason: str


def database_status() -> str:
    """``ok`` when the database answers, else the name of the error it gave (the API's health check)."""
    try:
        session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        return type(error).__name__
    return "ok"


def stored_value_problems(chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """Every stored address, time zone, date and number the current rules refuse, table by table, in id order."""
    for table, query in _scans():
        checked = [column.key for column in query.selected_columns if column.key in _RULES]
        for row in session().execute(query, execution_options={"yield_per": chunk_size}):
            for name in checked:
                value = getattr(row, name)
                reason = _RULES[name](value) if value is not None else None
                if reason is not None:
                    yield Finding(table, row.row_id, row.label, name, value, reason)


def _day_text_problem(text: str) -> str | None:
    """The date rule on a date read as text (see the module's docstring)."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return "not a date the application can read"
    return date_problem(day)


#: The rule each checked column obeys, by the name the scans select it under.
_RULES: dict[str, Callable[[Any], str | None]] = {
    "email": email_problem,
    "recipient_email": email_problem,
    "timezone": timezone_problem,
    "start_date": _day_text_problem,
    "due_date": _day_text_problem,
    "measured_on": _day_text_problem,
    "value": number_problem,
    "target": number_problem,
}


def _scans() -> Iterator[tuple[str, sa.Select[Any]]]:
    """Each table to scan and the one query reading it: ``row_id``, ``label`` and the checked columns."""
    yield Person.__tablename__, _rows(Person.id, Person.name, Person.email, Person.timezone)
    yield (
        Organisation.__tablename__,
        _rows(Organisation.id, Organisation.name, Organisation.email).where(Organisation.email.is_not(None)),
    )
    yield Plan.__tablename__, _rows(Plan.id, Plan.name, Plan.timezone, _text(Plan.start_date))
    yield (
        Task.__tablename__,
        _rows(Task.id, Plan.name + " / " + Task.task_key, _text(Task.due_date)).join(Plan, Plan.id == Task.plan_id),
    )
    yield (
        Measurement.__tablename__,
        _rows(Measurement.id, Plan.name + " / " + Indicator.key, _text(Measurement.measured_on), Measurement.value)
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .join(Plan, Plan.id == Indicator.plan_id),
    )
    yield (
        Indicator.__tablename__,
        _rows(Indicator.id, Plan.name + " / " + Indicator.key, Indicator.target)
        .join(Plan, Plan.id == Indicator.plan_id)
        .where(Indicator.target.is_not(None)),
    )
    yield (
        OutboxMessage.__tablename__,
        _rows(OutboxMessage.id, OutboxMessage.subject, OutboxMessage.recipient_email).where(
            OutboxMessage.status.in_(UNSENT)
        ),
    )


def _rows(row_id: Any, label: Any, *checked: Any) -> sa.Select[Any]:
    """The query of a scan, in id order: the row's id, a label a person recognises, the checked columns."""
    return sa.select(row_id.label("row_id"), label.label("label"), *checked).order_by(row_id)


def _text(column: Any) -> sa.ColumnElement[str]:
    """A date column as ``YYYY-MM-DD`` text under its own name, whatever the year (``to_char`` on PostgreSQL,
    whose text cast follows the session's DateStyle; SQLite holds the text already)."""
    if session().get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM-DD").label(column.key)
    return sa.cast(column, sa.String).label(column.key)
