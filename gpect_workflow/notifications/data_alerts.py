"""Telling the administrators which stored values a scheduler pass had to leave aside: once a day at most.

A pass that meets a value the rules refuse (a plan's or a person's unknown time zone, written behind the
rules' back) leaves aside what depends on it and goes on (``services.skips``). Someone must correct the
record: each active administrator gets one email a day, while such values are met, naming each record, the
value and what was left aside, and pointing to ``flask gpect doctor``, which lists every refused value.
The notices travel with the pass's other messages, in the same insert.
"""

from __future__ import annotations

import logging

from ..services.context import now
from ..services.skips import Skip
from ..services.urls import public_url
from .outbox import NewMessage
from .render import render_email
from .views import administrators, common_context

log = logging.getLogger(__name__)

NOTICE_KIND = "data_problems"


def data_problem_messages(skips: list[Skip]) -> list[NewMessage]:
    """The day's notice of ``skips`` to every active administrator (none when there is nothing to say).

    Keyed by the day (UTC): the first pass of a day that meets problems tells, later passes that day do not.
    """
    if not skips:
        return []
    admins = administrators()
    if not admins:
        log.warning("%d stored value(s) were left aside and there is no active administrator to tell", len(skips))
        return []
    base = public_url("")
    day = now().date().isoformat()
    messages = []
    for admin in admins.values():
        email = render_email(NOTICE_KIND, admin.language, skips=skips, base_url=base, **common_context(admin))
        key = f"{NOTICE_KIND}:r{admin.id}:{day}"
        messages.append(NewMessage(key, NOTICE_KIND, admin.email, email.subject, email.text, email.html, admin.id))
    return messages
