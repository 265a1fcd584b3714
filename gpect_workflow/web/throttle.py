"""Sign-in throttling: failed passwords counted per account and per client address, with locks that grow.

Each limit is a moving window (``10 per minute; 30 per hour``): once an account had as many failures as a
window allows, further attempts are refused before their password is checked — the right one too — until
the oldest failure leaves the window. Longer windows with higher counts make the lock grow for someone
who keeps guessing. The client address gets looser limits, since an office behind one address signs in
many people. Unknown addresses are counted like known ones, so a lock tells nothing about who has an
account. A successful sign-in forgets the account's failures.

Counts live in Flask-Limiter's storage: in memory for a single process (the embedded default), or shared
by every process and host through ``RATELIMIT_STORAGE_URI`` (e.g. ``redis://127.0.0.1:6379``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

_EXTENSION_KEY = "gpect_sign_in_limiter"
_NAMESPACE = "gpect-sign-in"


def init_throttle(app: Flask) -> None:
    """A Flask-Limiter of our own on ``app``, its storage from ``RATELIMIT_STORAGE_URI`` (memory otherwise)."""
    limiter = Limiter(
        get_remote_address,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
        strategy="moving-window",  # "the 11th failure within any minute", not within a clock minute
        key_prefix=_NAMESPACE,
    )
    limiter.init_app(app)
    app.extensions[_EXTENSION_KEY] = limiter


@dataclass(frozen=True, slots=True)
class Lock:
    """Why and for how long sign-in is refused."""

    retry_after_seconds: int


def _limiter() -> Limiter | None:
    limiter: Limiter | None = current_app.extensions.get(_EXTENSION_KEY)
    return limiter if limiter is not None and limiter.enabled else None


def _counters(email: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """Every limit this attempt is counted against, with the identifiers of its counter."""
    config = current_app.config
    account: tuple[str, ...] = (_NAMESPACE, "account", email.strip().lower())
    address: tuple[str, ...] = (_NAMESPACE, "address", get_remote_address())
    return [(item, account) for item in parse_many(config["SIGN_IN_LIMITS_PER_ACCOUNT"])] + [
        (item, address) for item in parse_many(config["SIGN_IN_LIMITS_PER_ADDRESS"])
    ]


def sign_in_lock(email: str) -> Lock | None:
    """The lock on signing in as ``email`` from this client, if one of its windows is full."""
    limiter = _limiter()
    if limiter is None:
        return None
    waits = [
        limiter.limiter.get_window_stats(item, *ids).reset_time - time.time()
        for item, ids in _counters(email)
        if not limiter.limiter.test(item, *ids)
    ]
    return Lock(retry_after_seconds=max(1, math.ceil(max(waits)))) if waits else None


def record_failure(email: str) -> None:
    """Count a wrong password against the account and the client address."""
    limiter = _limiter()
    if limiter is not None:
        for item, ids in _counters(email):
            limiter.limiter.hit(item, *ids)


def forget_failures(email: str) -> None:
    """A successful sign-in: the account's failures no longer count (the address's still do)."""
    limiter = _limiter()
    if limiter is not None:
        for item, ids in _counters(email):
            if ids[1] == "account":
                limiter.limiter.clear(item, *ids)


def reset_all(app: Flask) -> None:
    """Forget every count (for tests and ``flask`` shells): the storage is emptied."""
    limiter: Limiter | None = app.extensions.get(_EXTENSION_KEY)
    if limiter is not None and limiter.enabled:
        limiter.reset()
