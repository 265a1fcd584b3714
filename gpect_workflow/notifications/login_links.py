"""The email that carries a sign-in link, and the limit that keeps it from flooding a mailbox.

Anyone may ask for a link for any address, and the page answers the same whether or not the address has
an account. Without a limit, a stranger could make the application send hundreds of emails to one
person. At most ``LOGIN_LINKS_PER_HOUR`` links leave for one person in any hour; further requests get the
same answer and send nothing, so the limit tells no one more than the page does.

The limit holds for requests that arrive together too, without a lock: a link's outbox key names the
person's latest link before it (``link_key``), so of two requests that counted the same links, only one
inserts its email; the other's key is taken, and it sends nothing.
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
    key = link_key("login", person.id, KIND)
    if key is None:
        return None
    recipient = recipients([person.id])[person.id]
    url = link_url("login", person.id)
    email = render_email(KIND, recipient.language, login_url=url, **common_context(recipient))
    inserted = enqueue([NewMessage(key, KIND, recipient.email, email.subject, email.text, email.html, person.id)])
    return key if inserted else None


def link_key(prefix: str, person_id: int, kind: str) -> str | None:
    """The outbox key of the person's next link of ``kind``, or ``None`` when ``LOGIN_LINKS_PER_HOUR`` of them
    were queued in the last hour (one statement).

    The key names the latest such link queued before (its id, 0 when none): the state the limit was judged
    on. Two requests judging the same state get the same key, and the outbox keeps one of them.
    """
    query = sa.select(
        sa.func.count().filter(OutboxMessage.created_dt > now() - WINDOW),
        sa.func.coalesce(sa.func.max(OutboxMessage.id), 0),
    ).where(OutboxMessage.recipient_id == person_id, OutboxMessage.kind == kind)
    recent, latest = session().execute(query).one()
    if recent >= int(current_app.config["LOGIN_LINKS_PER_HOUR"]):
        return None
    return f"{prefix}:r{person_id}:after{latest}"
