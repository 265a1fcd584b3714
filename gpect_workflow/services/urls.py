"""The application's public address: absolute links in emails, calendars and pages, and its host name.

A link that leaves the application (an email, a calendar, a notice to administrators) cannot be relative:
it is built from ``BASE_URL`` (the address people reach the application at) and the UI's URL prefix, here
and nowhere else.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from .context import state


def public_url(path: str) -> str:
    """The absolute address of ``path`` (``/plans/3``; ``""`` for the application's root) under the public
    address and the UI's prefix."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}{state().url_prefix}{path}"


def public_host() -> str:
    """The host of the public address: the domain of Message-IDs and calendar UIDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "gpect.local"
