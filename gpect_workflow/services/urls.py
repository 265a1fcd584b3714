"""The application's public address: absolute links in emails, calendars and pages, and its host name.

A link that leaves the application (an email, a calendar, a notice to administrators) cannot be relative:
it is built here and nowhere else, from the address people reach the application at, under the UI's prefix.

That address is ``BASE_URL`` when the operator sets it. Without it, links follow the address the app is
served at: ``make run`` passes its ``HOST``/``PORT`` as ``BASE_URL``; during a request, the request's own
address (the forwarded one behind a trusted proxy, see ``PROXY_FIX``) is used, but only for a loopback host
or one of ``TRUSTED_HOSTS`` — a forged ``Host`` header must not put a stranger's address into a sign-in
link mailed to someone else. Otherwise (a scheduler pass, a command) ``DEFAULT_SERVED_AT``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request
from werkzeug.sansio.utils import host_is_trusted

from ..config import DEFAULT_SERVED_AT
from .context import state

#: Host names that only ever reach the machine itself: a request naming one cannot send links elsewhere.
_LOOPBACK_NAMES = frozenset({"localhost"})


def public_base() -> str:
    """The address the application is reached at, without a trailing slash (see the module's docstring)."""
    configured = current_app.config.get("BASE_URL")
    if configured:
        return str(configured).rstrip("/")
    if has_request_context() and _followable(request.host):
        return request.host_url.rstrip("/")
    return DEFAULT_SERVED_AT


def public_url(path: str) -> str:
    """The absolute address of ``path`` (``/plans/3``; ``""`` for the application's root) under the public
    address and the UI's prefix."""
    return f"{public_base()}{state().url_prefix}{path}"


def public_host() -> str:
    """The domain of Message-IDs and calendar UIDs: ``BASE_URL``'s host, never a request's, so that an event
    keeps its UID whichever address the calendar feed was fetched at."""
    return urlsplit(current_app.config.get("BASE_URL") or DEFAULT_SERVED_AT).hostname or "gpect.local"


def _followable(host: str) -> bool:
    """Whether links may follow a request's ``host`` (``name`` or ``name:port``)."""
    trusted = current_app.config.get("TRUSTED_HOSTS")
    if trusted and host_is_trusted(host, list(trusted)):
        return True
    name = urlsplit(f"//{host}").hostname or ""
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
