"""Who is calling the API: a personal token (``Authorization: Bearer``) or the browser session."""

from __future__ import annotations

from typing import cast

from flask import request

from ..models import Person
from ..services.accounts.sessions import person_for_session
from ..services.accounts.tokens import person_for_token
from .common import abort

SESSION_USER_KEY = "_user_id"
_CACHE_KEY = "gpect.api_person"


def api_person() -> Person:
    """The authenticated person, or a 401 answer telling how to authenticate (found once per request: the
    blueprints ask before parsing, the views again)."""
    # Kept in the request's environ, not ``g``: an app context may outlive a request (tests share one).
    if _CACHE_KEY in request.environ:
        return cast(Person, request.environ[_CACHE_KEY])
    # A request that names a token is judged by it alone: a bad token never falls back to the cookie.
    person = _from_bearer() if request.headers.get("Authorization") else _from_session()
    if person is None:
        abort(401, message="authenticate with 'Authorization: Bearer <token>' (flask gpect tokens create EMAIL)")
    request.environ[_CACHE_KEY] = person
    return person


def _from_bearer() -> Person | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return person_for_token(token.strip())


def _from_session() -> Person | None:
    """The person of a signed-in browser session (Flask-Login keeps the id in the session).

    A cookie travels with any request a browser makes, so changes made with it must carry the page's
    CSRF token in ``X-CSRFToken``; tokens in a header need no such check.
    """
    from flask import session as cookie
    from flask_wtf.csrf import ValidationError as CSRFError
    from flask_wtf.csrf import validate_csrf

    session_id = cookie.get(SESSION_USER_KEY)
    if not isinstance(session_id, str):
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except CSRFError:
            abort(403, message="a change made with the session cookie needs the page's X-CSRFToken header")
    return person_for_session(session_id)
