"""The signed-in person's unread inbox count, read with the person when the request signs them in.

Every page's header shows the count (``web.inbox.header_unread``). The session's user loader
(``web.auth``) reads it in the statement that reads the person, and keeps it here for the request; the
header takes it from here, and counts with a statement of its own only when it is not here (a host's own
sign-in, an API token). Kept in the request's WSGI environment, which ends with the request.
"""

from __future__ import annotations

from flask import request

from ..models import Person

_KEY = "gpect.inbox_unread"


def remember_unread(person: Person, count: int) -> None:
    """Keep ``person``'s unread count for the rest of this request."""
    request.environ[_KEY] = (person.id, count)


def remembered_unread(person: Person) -> int | None:
    """``person``'s unread count as this request read it when signing them in, if it did."""
    known = request.environ.get(_KEY)
    return int(known[1]) if known and known[0] == person.id else None
