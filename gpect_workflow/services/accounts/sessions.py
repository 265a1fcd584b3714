"""Browser sessions that end server-side.

A session cookie is signed but self-contained: without server state, a copy taken before sign-out would
open the account until it expires. Each cookie therefore names the person's session generation
(``Person.get_id``), and is honoured only while that generation is current. Moving it on ends every
session of the person: on sign-out ("sign out everywhere"), a password change and deactivation.
Personal API tokens are separate: they are revoked one by one, and stop with deactivation.
"""

from __future__ import annotations

from ...models import Person
from ..context import session


def person_for_session(session_id: str) -> Person | None:
    """The active person a session cookie's id (``"<person id>:<generation>"``) names while its
    generation is current; ``None`` for an ended session, an inactive person or a malformed id."""
    person_id, _, generation = session_id.partition(":")
    if not person_id.isdigit() or not generation.isdigit():
        return None
    person = session().get(Person, int(person_id))
    if person is None or not person.is_active or person.session_generation != int(generation):
        return None
    return person


def end_sessions(person: Person) -> None:
    """End every session of the person, on every device (stored with the request's unit of work)."""
    person.session_generation = (person.session_generation or 0) + 1
    session().flush()
