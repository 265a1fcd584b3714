"""The email that carries a link to choose a new password, for a person who forgot theirs.

It follows the sign-in link's rules (``login_links``): anyone may ask for any address and the page
answers the same, so at most ``LOGIN_LINKS_PER_HOUR`` such emails leave for one person in any hour. The
link is signed, valid 30 minutes and single-use (``links``); choosing the new password ends every session
of the person.
"""

from __future__ import annotations

from ..models import Person
from .links import link_url
from .login_links import link_key
from .outbox import NewMessage, enqueue
from .render import render_email
from .views import common_context, recipients

KIND = "password_reset"


def queue_password_reset(person: Person) -> str | None:
    """Queue a reset link for ``person``; its outbox key, or ``None`` when the hourly limit is reached.

    Joins the caller's transaction; the caller commits, then sends that one message at once.
    """
    key = link_key("reset", person.id, KIND)
    if key is None:
        return None
    recipient = recipients([person.id])[person.id]
    url = link_url("reset_password", person.id)
    email = render_email(KIND, recipient.language, reset_url=url, **common_context(recipient))
    inserted = enqueue([NewMessage(key, KIND, recipient.email, email.subject, email.text, email.html, person.id)])
    return key if inserted else None
