"""Telling the administrators which emails failed for good, and why: at most one notice an hour each.

A message fails for good when the SMTP server refuses it permanently (5xx), when it cannot be built or
addressed (a stored address the rules refuse, say), or when temporary failures outlast
``OUTBOX_RETRY_FOR_HOURS``. Partners never see such a failure: the administrators must. Each of them
gets one email listing the failures of the sending pass, keyed by the hour, so a relay that refuses
everything does not flood them; the outbox page (``/outbox?status=failed``) always shows every failed
message. A failed notice never announces itself.
"""

from __future__ import annotations

import logging

from ..models import OutboxStatus
from ..services.context import now
from ..services.outbox import status_counts
from ..services.urls import public_url
from .ledger import Failure
from .outbox import NewMessage, enqueue
from .render import render_email
from .views import administrators, common_context

log = logging.getLogger(__name__)

NOTICE_KIND = "delivery_failures"
#: Failures listed in one notice; the others are counted, and all are on the outbox page.
LISTED = 20


def alert_administrators(failures: list[Failure]) -> list[str]:
    """Queue a notice of ``failures`` to every active administrator, unless one went this hour; the keys queued.

    Joins the caller's transaction.
    """
    failures = [failure for failure in failures if failure.kind != NOTICE_KIND]
    if not failures:
        return []
    admins = administrators()
    if not admins:
        log.warning("%d email(s) failed for good and there is no active administrator to tell", len(failures))
        return []
    context = {
        "failures": failures[:LISTED],
        "count": len(failures),
        "unlisted": max(0, len(failures) - LISTED),
        "total_failed": status_counts()[OutboxStatus.FAILED],
        "outbox_url": public_url("/outbox?status=failed"),
    }
    hour = now().strftime("%Y-%m-%dT%H")
    messages = []
    for admin in admins.values():
        email = render_email(NOTICE_KIND, admin.language, **context, **common_context(admin))
        key = f"{NOTICE_KIND}:r{admin.id}:{hour}"
        messages.append(NewMessage(key, NOTICE_KIND, admin.email, email.subject, email.text, email.html, admin.id))
    return enqueue(messages)
