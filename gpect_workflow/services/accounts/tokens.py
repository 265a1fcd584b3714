"""Personal API tokens: created for a person, shown once, stored as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from ...errors import NotFound, ValidationError
from ...models import ApiToken, Person
from ...refusals import TOKEN_NAME_LENGTH, Refusal
from ..context import now, session

TOKEN_PREFIX = "gpect_"
#: ``last_used_dt`` is refreshed at most this often, so reading the API does not write on every call.
LAST_USED_GRANULARITY = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(person: Person, name: str) -> tuple[ApiToken, str]:
    """A new token for ``person``; the plain token is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(Refusal.INVALID_INPUT, {"name": [TOKEN_NAME_LENGTH]})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(person_id=person.id, name=name, token_hash=_hash(plain), prefix=plain[:12], created_dt=now())
    session().add(token)
    session().flush()
    return token, plain


def person_for_token(plain: str) -> Person | None:
    """The active person a valid, unrevoked token belongs to."""
    query = sa.select(ApiToken).where(ApiToken.token_hash == _hash(plain), ApiToken.revoked_dt.is_(None))
    token = session().scalar(query)
    if token is None or not token.person.is_active:
        return None
    instant = now()
    if token.last_used_dt is None or instant - token.last_used_dt > LAST_USED_GRANULARITY:
        token.last_used_dt = instant  # stored with the request's unit of work
        session().flush()
    return token.person


def list_tokens(person: Person) -> list[ApiToken]:
    """The person's tokens, newest first (revoked ones included, marked)."""
    query = sa.select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.created_dt.desc())
    return list(session().scalars(query))


def revoke_token(person: Person, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens."""
    token = session().get(ApiToken, token_id)
    if token is None or token.person_id != person.id:
        raise NotFound(Refusal.NO_SUCH_TOKEN)
    token.revoked_dt = token.revoked_dt or now()
    session().flush()
    return token
