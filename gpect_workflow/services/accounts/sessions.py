"""Browser sessions that end server-side.

A session cookie is signed but self-contained: without server state, a copy taken before sign-out would
open the account until it expires. Each cookie therefore names the person's session generation
(``Person.get_id``), and is honoured only while that generation is current. Moving it on ends every
session of the person: on sign-out ("sign out everywhere"), a password change and deactivation.
Personal API tokens are separate: they are revoked one by one, and stop with deactivation.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa

from ...models import Person
from ..context import now, session
from ..inbox import unread_count_of


def person_for_session(session_id: str) -> Person | None:
    """The active person a session cookie's id (``"<person id>:<generation>"``) names while its
    generation is current; ``None`` for an ended session, an inactive person or a malformed id."""
    found = _ids(session_id)
    if found is None:
        return None
    person = session().get(Person, found[0])
    return person if _current(person, found[1]) else None


def person_and_unread_for_session(session_id: str) -> tuple[Person, int] | None:
    """``person_for_session`` and the person's unread inbox count (``inbox.unread_count``), in one statement:
    every page of the web UI shows the count in its header, so reading it with the person saves a round
    trip per page."""
    found = _ids(session_id)
    if found is None:
        return None
    row = session().execute(_person_and_unread(), {_PERSON: found[0], _NOW: now()}).first()
    if row is None or not _current(row[0], found[1]):
        return None
    return row[0], int(row[1] or 0)


#: The names of ``_person_and_unread``'s bound parameters.
_PERSON = "gpect_person_id"
_NOW = "gpect_now"


@cache
def _person_and_unread() -> sa.Select[Person, int]:
    """``person_and_unread_for_session``'s statement, built once per process: it runs on every page, and
    building it cost more Python than the database took to run it."""
    person_id = sa.bindparam(_PERSON, type_=sa.Integer)
    unread = unread_count_of(person_id, instant=sa.bindparam(_NOW))  # typed by the column it is compared to
    return sa.select(Person, unread).where(Person.id == person_id)


def _ids(session_id: str) -> tuple[int, int] | None:
    person_id, _, generation = session_id.partition(":")
    if not person_id.isdigit() or not generation.isdigit():
        return None
    return int(person_id), int(generation)


def _current(person: Person | None, generation: int) -> bool:
    return person is not None and person.is_active and person.session_generation == generation


def end_sessions(person: Person) -> None:
    """End every session of the person, on every device (stored with the request's unit of work)."""
    person.session_generation = (person.session_generation or 0) + 1
    session().flush()
