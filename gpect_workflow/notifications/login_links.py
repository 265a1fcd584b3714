"""The email that carries a sign-in link, and the limit that keeps it from flooding a mailbox.

Anyone may ask for a link for any address, and the page answers the same whether or not the address has
an account. Without a limit, a stranger could make the application send hundreds of emails to one
person. At most ``LOGIN_LINKS_PER_HOUR`` links leave for one person in any hour; further requests get the
same answer and send nothing, so the limit tells no one more than the page does.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..models import OutboxMessage, Person
from ..services.context import now, session
from .links import link_url
from .outbox import NewMessage, enqueue
from .render import render_email
from .views import common_context, recipients

KIND = "login_link"
WINDOW = timedelta(hours=1)


def queue_login_link(person: Person) -> str | None:
    """Queue a sign-in link for ``person``; its outbox key, or ``None`` when the hourly limit is reached.

    Joins the caller's transaction; the caller commits, then sends that one message at once
    (``send_pending(keys=[key])``): a person waiting at the sign-in page cannot wait for the scheduler.
    """
    if links_sent_lately(person.id) >= int(current_app.config["LOGIN_LINKS_PER_HOUR"]):
        return None
    recipient = recipients([person.id])[person.id]
    url = link_url("login", person.id)
    email = render_email(KIND, recipient.language, login_url=url, **common_context(recipient))
    key = f"login:r{person.id}:{url[-16:]}"
    enqueue([NewMessage(key, KIND, recipient.email, email.subject, email.text, email.html, person.id)])
    return key


def links_sent_lately(person_id: int, kind: str = KIND) -> int:
    """Links of ``kind`` (sign-in by default) queued for the person in the last hour (one indexed count)."""
    query = sa.select(sa.func.count()).where(
        OutboxMessage.recipient_id == person_id,
        OutboxMessage.kind == kind,
        OutboxMessage.created_dt > now() - WINDOW,
    )
    return int(session().scalar(query) or 0)
