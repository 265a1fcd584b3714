"""Sign-in throttling: failed passwords counted per account and per client address, with locks that grow.

Each limit is a moving window (``10 per minute; 30 per hour``): once an account had as many failures as a
window allows, further attempts are refused before their password is checked — the right one too — until
the oldest failure leaves the window. Longer windows with higher counts make the lock grow for someone
who keeps guessing. The client address gets looser limits, since an office behind one address signs in
many people. Unknown addresses are counted like known ones, so a lock tells nothing about who has an
account. A successful sign-in forgets the account's failures.

Counts live in a storage of ``limits``, the library under Flask-Limiter: in memory for a single process (the
embedded default), or shared by every process and host through ``RATELIMIT_STORAGE_URI`` (Flask-Limiter's
key, e.g. ``redis://127.0.0.1:6379``). The counters are driven directly rather than through a
``flask_limiter.Limiter`` bound to the app: such a limiter checks every request of the app and takes the
host's own ``RATELIMIT_DEFAULT`` and ``RATELIMIT_APPLICATION`` limits from the configuration, which a host
already running Flask-Limiter would then see counted twice.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.errors import ConfigurationError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import ConfigurationError as GpectConfigurationError
from ..errors import ValidationError
from ..validation import normalise_email

_EXTENSION_KEY = "gpect_sign_in_limiter"
_NAMESPACE = "gpect-sign-in"


def init_throttle(app: Flask) -> None:
    """The counters' storage for ``app``: ``RATELIMIT_STORAGE_URI``, memory otherwise."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    storage, why_not = _moving_window_storage(uri)
    if storage is None:
        raise GpectConfigurationError(
            f"invalid configuration:\n  RATELIMIT_STORAGE_URI: {uri!r} cannot keep moving windows ({why_not}); "
            "use memory:// or redis://host:port"
        )
    app.extensions[_EXTENSION_KEY] = _Throttle(storage, MovingWindowRateLimiter(storage))


def _moving_window_storage(uri: str) -> tuple[Storage | None, str]:
    """The storage ``uri`` names, if it keeps moving windows; else ``None`` and why. ``limits`` refuses a
    store without them (memcached) with ``NotImplementedError`` when the strategy is built on it."""
    try:
        storage = storage_from_string(uri)
        if not isinstance(storage, Storage):
            return None, "an asynchronous storage"
        MovingWindowRateLimiter(storage)
    except (ConfigurationError, NotImplementedError) as limits_error:
        # For the operator's start-up error, in English like every configuration message; never on a page.
        return None, str(limits_error) or type(limits_error).__name__
    return storage, ""


@dataclass(frozen=True, slots=True)
class _Throttle:
    storage: Storage
    #: A moving window: "the 11th failure within any minute", not within a clock minute.
    strategy: MovingWindowRateLimiter


@dataclass(frozen=True, slots=True)
class Lock:
    """Why and for how long sign-in is refused."""

    retry_after_seconds: int


def _limiter() -> MovingWindowRateLimiter:
    throttle: _Throttle = current_app.extensions[_EXTENSION_KEY]
    return throttle.strategy


def _client_address() -> str:
    """The client's address (the proxy's own unless ``PROXY_FIX`` trusts its ``X-Forwarded-For``); an IPv6
    client by its /64 network, as one subscriber is given a whole /64 and could take a new address per
    attempt within it."""
    address = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _account_key(email: str) -> str:
    """The address as accounts are looked up (``normalise_email``), so that every spelling of one account's
    address (an internationalised domain typed in Unicode or as ``xn--``) counts against the same lock; an
    address the rule refuses is counted as typed, in lower case."""
    try:
        return normalise_email(email)
    except ValidationError:
        return email.strip().lower()


def _counters(email: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """Every limit this attempt is counted against, with the identifiers of its counter."""
    config = current_app.config
    account: tuple[str, ...] = (_NAMESPACE, "account", _account_key(email))
    address: tuple[str, ...] = (_NAMESPACE, "address", _client_address())
    return [(item, account) for item in parse_many(config["SIGN_IN_LIMITS_PER_ACCOUNT"])] + [
        (item, address) for item in parse_many(config["SIGN_IN_LIMITS_PER_ADDRESS"])
    ]


def sign_in_lock(email: str) -> Lock | None:
    """The lock on signing in as ``email`` from this client, if one of its windows is full."""
    limiter = _limiter()
    waits = [
        limiter.get_window_stats(item, *ids).reset_time - time.time()
        for item, ids in _counters(email)
        if not limiter.test(item, *ids)
    ]
    return Lock(retry_after_seconds=max(1, math.ceil(max(waits)))) if waits else None


def record_failure(email: str) -> None:
    """Count a wrong password against the account and the client address."""
    limiter = _limiter()
    for item, ids in _counters(email):
        limiter.hit(item, *ids)


def forget_failures(email: str) -> None:
    """A successful sign-in: the account's failures no longer count (the address's still do)."""
    limiter = _limiter()
    for item, ids in _counters(email):
        if ids[1] == "account":
            limiter.clear(item, *ids)


def reset_all(app: Flask) -> None:
    """Forget every count of an in-memory storage (for tests); a shared storage is left alone."""
    throttle: _Throttle | None = app.extensions.get(_EXTENSION_KEY)
    if throttle is not None and isinstance(throttle.storage, MemoryStorage):
        throttle.storage.reset()
