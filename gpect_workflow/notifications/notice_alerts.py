"""Telling the administrators which notices could not be written: at most one email an hour each.

A change a user saves records an announcement; the scheduler's pass writes its emails
(``announcements``). When that fails (a row the emails need is gone, a stored value breaks a rule), the
announcement is given up alone and the pass goes on: the change stands, but the people it concerns were
not told. Someone must be: each active administrator gets one email an hour while such failures happen,
and the outbox page lists every failed notice, with a way to give them all to the next pass again once
the cause is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ..models import Announcement, Plan
from ..services.context import now, session
from ..services.urls import public_url
from .admin_notices import notices_to_administrators
from .outbox import enqueue

NOTICE_KIND = "notice_failures"
#: Failures listed in one email; the others are counted, and all are on the outbox page.
LISTED = 20


@dataclass(frozen=True, slots=True)
class NoticeFailure:
    """A notice given up, as the email names it."""

    kind: str
    plan_name: str | None
    detail: str


def alert_administrators_of_notices(failed: list[tuple[int, str, str]]) -> list[str]:
    """Queue an email about ``failed`` ``(announcement id, kind, error)`` to every active administrator, unless
    one went this hour; the keys queued. Joins the caller's transaction."""
    if not failed:
        return []
    listed = failed[:LISTED]
    query = (
        sa.select(Announcement.id, Plan.name)
        .join(Plan, Plan.id == Announcement.plan_id)
        .where(Announcement.id.in_([announcement_id for announcement_id, _, _ in listed]))
    )
    plan_names: dict[int, str] = {announcement_id: name for announcement_id, name in session().execute(query)}
    context = {
        "failures": [NoticeFailure(kind, plan_names.get(item_id), detail) for item_id, kind, detail in listed],
        "count": len(failed),
        "unlisted": len(failed) - len(listed),
        "outbox_url": public_url("/outbox#failed-notices"),
    }
    return enqueue(notices_to_administrators(NOTICE_KIND, now().strftime("%Y-%m-%dT%H"), context))
