"""Telling the administrators which stored values a scheduler pass had to leave aside: once a day at most.

A pass that meets a value the rules refuse (a plan's or a person's unknown time zone, written behind the
rules' back) leaves aside what depends on it and goes on (``services.skips``). Someone must correct the
record: each active administrator gets one email a day, while such values are met, naming each record, the
value and what was left aside, and pointing to ``flask gpect doctor``, which lists every refused value.
The notices travel with the pass's other messages, in the same insert.
"""

from __future__ import annotations

from ..services.context import now
from ..services.skips import Skip
from ..services.urls import public_url
from .admin_notices import notices_to_administrators
from .outbox import NewMessage

NOTICE_KIND = "data_problems"


def data_problem_messages(skips: list[Skip]) -> list[NewMessage]:
    """The day's notice of ``skips`` to every active administrator (none when there is nothing to say).

    Keyed by the day (UTC): the first pass of a day that meets problems tells, later passes that day do not.
    """
    if not skips:
        return []
    return notices_to_administrators(
        NOTICE_KIND, now().date().isoformat(), {"skips": skips, "base_url": public_url("")}
    )
