"""Telling the administrators which emails failed for good, and why: at most one notice an hour each.

A message fails for good when the SMTP server refuses it permanently (5xx), when it cannot be built or
addressed (a stored address the rules refuse, say), or when temporary failures outlast
``OUTBOX_RETRY_FOR_HOURS``. Partners never see such a failure: the administrators must. Each of them
gets one email listing the failures of the sending pass, keyed by the hour, so a relay that refuses
everything does not flood them; the outbox page (``/outbox?status=failed``) always shows every failed
message. A failed notice never announces itself.
"""

from __future__ import annotations

from ..models import OutboxStatus
from ..services.context import now
from ..services.outbox import status_counts
from ..services.urls import public_url
from .admin_notices import notices_to_administrators
from .ledger import Failure
from .outbox import enqueue

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
    context = {
        "failures": failures[:LISTED],
        "count": len(failures),
        "unlisted": max(0, len(failures) - LISTED),
        "total_failed": status_counts()[OutboxStatus.FAILED],
        "outbox_url": public_url("/outbox?status=failed"),
    }
    return enqueue(notices_to_administrators(NOTICE_KIND, now().strftime("%Y-%m-%dT%H"), context))
