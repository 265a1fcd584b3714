"""Emails to the administrators about what went wrong in the background (failed emails, data to correct).

Partners never see a failure of the scheduler or of the relay; someone must. Each active administrator
gets the notice in their own language, keyed by its ``occasion`` (an hour, a day), so that however many
passes meet the same trouble, a notice leaves once per occasion.
"""

from __future__ import annotations

import logging
from typing import Any

from ..services.access import active_administrators
from ..services.context import session
from .outbox import NewMessage
from .render import render_email
from .views import Recipient, common_context, recipients

log = logging.getLogger(__name__)


def administrators() -> dict[int, Recipient]:
    """The active administrators, as recipients (one query for the ids, one for the recipients)."""
    return recipients(session().scalars(active_administrators()))


def notices_to_administrators(kind: str, occasion: str, context: dict[str, Any]) -> list[NewMessage]:
    """The ``kind`` email rendered for every active administrator, keyed ``<kind>:r<id>:<occasion>``."""
    admins = administrators()
    if not admins:
        log.warning("a %s notice has no active administrator to go to", kind)
    messages = []
    for admin in admins.values():
        email = render_email(kind, admin.language, **context, **common_context(admin))
        key = f"{kind}:r{admin.id}:{occasion}"
        messages.append(NewMessage(key, kind, admin.email, email.subject, email.text, email.html, admin.id))
    return messages
