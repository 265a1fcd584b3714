"""Signed, expiring links in emails, so partners act without logging in.

A link carries who it is for, what it does and on what (a task), signed with the application's secret
and stamped with the clock's time. State-changing links are single-use: their token id is recorded when
used, and a second use is refused. Tampered, expired, reused or misdirected links raise ``LinkError``
with a reason the page can show.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer, want_bytes
from sqlalchemy.exc import IntegrityError

from ..models import UsedLink
from ..services.context import now, session
from ..services.urls import public_url


@dataclass(frozen=True, slots=True)
class Purpose:
    """What a link may do, for how long, and whether once only."""

    name: str
    max_age: timedelta
    single_use: bool


PURPOSES = {
    purpose.name: purpose
    for purpose in (
        Purpose("open_task", timedelta(days=30), single_use=False),
        Purpose("review_gate", timedelta(days=30), single_use=False),
        Purpose("mark_done", timedelta(days=14), single_use=True),
        Purpose("more_time", timedelta(days=14), single_use=True),
        Purpose("digest_only", timedelta(days=60), single_use=True),
        Purpose("login", timedelta(minutes=30), single_use=True),
        Purpose("reset_password", timedelta(minutes=30), single_use=True),
    )
}


class LinkError(Exception):
    """A link that cannot be used; ``reason`` is one of tampered, expired, used."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LinkClaim:
    """What a valid link says."""

    purpose: str
    person_id: int
    task_id: int | None
    token_id: str
    #: The stage a gate review link is about.
    stage_id: int | None = None


class _ClockSigner(TimestampSigner):
    """Timestamps from the application's clock, so tests and ``tick --at`` move link ages too.

    The derived key is kept per secret and salt: itsdangerous derives it again (one more HMAC) for every
    signature, and a send-hour tick signs a few links for each of thousands of emails.
    """

    def get_timestamp(self) -> int:
        return int(now().timestamp())

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        cache_key = (secret, self.salt, self.key_derivation)
        derived = _DERIVED_KEYS.get(cache_key)
        if derived is None:
            derived = _DERIVED_KEYS[cache_key] = super().derive_key(secret)
        return derived


#: Derived keys by (secret, salt, derivation): a handful of purposes for one or two secrets.
_DERIVED_KEYS: dict[tuple[bytes, bytes, str], bytes] = {}


class _ClockSerializer(URLSafeTimedSerializer):
    default_signer = _ClockSigner


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


@lru_cache(maxsize=64)
def _serializer_for(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return _ClockSerializer(secret_key, salt=f"gpect-link-{purpose}")


def make_token(purpose: str, person_id: int, task_id: int | None = None, stage_id: int | None = None) -> str:
    """A signed token for ``purpose`` on behalf of ``person_id`` (and about ``task_id`` or ``stage_id``)."""
    payload: dict[str, object] = {"p": person_id, "t": task_id, "j": secrets.token_urlsafe(12)}
    if stage_id is not None:
        payload["s"] = stage_id
    return str(_serializer(purpose).dumps(payload))


def link_url(purpose: str, person_id: int, task_id: int | None = None, stage_id: int | None = None) -> str:
    """The absolute URL of a link, under the configured public address."""
    return public_url(f"/links/{purpose}/{make_token(purpose, person_id, task_id, stage_id)}")


def read_token(purpose: str, token: str) -> LinkClaim:
    """Check a token's signature, age and (for single-use links) that it was not used yet."""
    spec = PURPOSES.get(purpose)
    if spec is None:
        raise LinkError("tampered")
    try:
        payload = _serializer(purpose).loads(token, max_age=int(spec.max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except BadSignature as exc:
        raise LinkError("tampered") from exc
    stage_id = payload.get("s")
    claim = LinkClaim(purpose, int(payload["p"]), payload["t"], str(payload["j"]), int(stage_id) if stage_id else None)
    if spec.single_use and session().get(UsedLink, claim.token_id) is not None:
        raise LinkError("used")
    return claim


def consume(claim: LinkClaim) -> None:
    """Record a single-use link as used, in the transaction of the change it makes."""
    if not PURPOSES[claim.purpose].single_use:
        return
    # A plain insert, no savepoint (SQLite would commit a savepoint opened first): a duplicate key means
    # someone used the link first, and the caller's unit of work is rolled back whole.
    session().add(UsedLink(token_id=claim.token_id, purpose=claim.purpose, person_id=claim.person_id, used_dt=now()))
    try:
        session().flush()
    except IntegrityError as exc:
        raise LinkError("used") from exc
