"""The notification inbox as its owner reads it (the ``/inbox`` page, its header count, the API): a page of
entries, newest first; the unread count; an entry opened (read, and where it leads); all marked read.

Entries are written with their emails (``notifications.inbox``); this module only reads them and marks them
read. A person reads only their own: another's entry is ``NotFound``, as if it did not exist. An entry
shows from its ``visible_from_dt`` (an email queued to leave later enters the inbox when it leaves).
Every function costs a fixed number of statements whatever the number of entries.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..errors import NotFound
from ..models import InboxEntry, Person
from ..refusals import Refusal
from .context import now, session
from .paging import Page, paginate

#: The header counts unread entries up to this many, and shows more as "99+": a count that never grows
#: with the size of the inbox.
UNREAD_CAP = 99


def _visible(person: Person) -> sa.ColumnElement[bool]:
    return sa.and_(InboxEntry.person_id == person.id, InboxEntry.visible_from_dt <= now())


def inbox_page(person: Person, page: int, per_page: int, *, keep_within: bool = True) -> Page[InboxEntry]:
    """One page of the person's entries, newest first (two statements: the count, the page)."""
    query = sa.select(InboxEntry).where(_visible(person))
    ordered = query.order_by(InboxEntry.visible_from_dt.desc(), InboxEntry.id.desc())
    return paginate(query, ordered, page, per_page, keep_within=keep_within)


def unread_count(person: Person, cap: int = UNREAD_CAP) -> int:
    """How many of the person's entries are unread, counted up to ``cap + 1`` (one statement, on an index of
    the unread entries): more than ``cap`` reads as "cap+"."""
    return int(session().scalar(sa.select(unread_count_of(person.id, cap))) or 0)


def unread_count_of(
    person_id: int | sa.BindParameter[int], cap: int = UNREAD_CAP, instant: sa.ColumnElement[datetime] | None = None
) -> sa.ScalarSelect[int]:
    """``unread_count`` as a scalar subquery, for a statement that reads the person anyway (signing in a
    request: ``accounts.sessions``); the person and the instant (now when not given) may be bound
    parameters, in a statement built once."""
    shown_by = now() if instant is None else instant
    visible = sa.and_(InboxEntry.person_id == person_id, InboxEntry.visible_from_dt <= shown_by)
    unread = sa.select(InboxEntry.id).where(visible, InboxEntry.read_dt.is_(None)).limit(cap + 1)
    return sa.select(sa.func.count()).select_from(unread.subquery()).scalar_subquery()


def get_entry(person: Person, entry_id: int) -> InboxEntry:
    """The person's entry ``entry_id``; ``NotFound`` for another's, one not shown yet, or none."""
    entry = session().scalar(sa.select(InboxEntry).where(InboxEntry.id == entry_id, _visible(person)))
    if entry is None:
        raise NotFound(Refusal.NO_SUCH_INBOX_ENTRY)
    return entry


def open_entry(person: Person, entry_id: int) -> InboxEntry:
    """The person's entry, marked read (if it was not): opening it twice changes nothing more."""
    entry = get_entry(person, entry_id)
    if entry.read_dt is None:
        entry.read_dt = now()
        session().flush()
    return entry


def mark_all_read(person: Person) -> int:
    """Mark every unread entry the person sees as read (one statement); return how many."""
    result = session().execute(
        sa.update(InboxEntry)
        .where(_visible(person), InboxEntry.read_dt.is_(None))
        .values(read_dt=now())
        .execution_options(synchronize_session=False)
    )
    session().expire_all()  # entries already loaded show their new state
    return int(getattr(result, "rowcount", 0) or 0)
