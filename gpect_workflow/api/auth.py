"""Who is calling the API: a personal token (``Authorization: Bearer``) or the browser session."""

from __future__ import annotations

from flask import g, request
from flask_smorest import abort

from ..models import Person
from ..services.context import session
from ..services.tokens import person_for_token

SESSION_USER_KEY = "_user_id"


def api_person() -> Person:
    """The authenticated person, or a 401 answer telling how to authenticate."""
    cached = g.get("gpect_api_person")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    person = _from_bearer() or _from_session()
    if person is None:
        abort(401, message="authenticate with 'Authorization: Bearer <token>' (flask gpect tokens create EMAIL)")
    g.gpect_api_person = person
    return person


def _from_bearer() -> Person | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return person_for_token(token.strip())


def _from_session() -> Person | None:
    """The person of a signed-in browser session (Flask-Login keeps the id in the session)."""
    from flask import session as cookie

    person_id = cookie.get(SESSION_USER_KEY)
    if person_id is None:
        return None
    person = session().get(Person, int(person_id))
    return person if person is not None and person.is_active else None
