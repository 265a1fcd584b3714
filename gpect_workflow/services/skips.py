"""What a scheduler pass leaves aside because a stored value cannot be processed, and why.

The rules at every entry (``gpect_workflow.validation``) keep unknown time zones out. A value written
behind their back (by hand in SQL, by an old import, by a bug) must still not stop the reminders of
everyone else: the code of a pass asks for a zone through ``zones.plan_zone`` or ``zones.person_zone``,
which answer ``None`` for a value the rule refuses, and the caller leaves aside what depends on it (that
plan's reminders, that person's digest). Each skip is logged and kept for the pass's transaction, so the
tick can tell the administrators (``notifications.data_alerts``); ``flask gpect doctor`` lists every
stored value the rules refuse, whether or not a pass met it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .context import transaction_memo

log = logging.getLogger(__name__)

#: What a pass leaves aside, by the kind of record whose value it cannot use: deadlines are days in the
#: plan's zone, and a person hears from us at an hour of theirs; neither can be guessed.
LEFT_ASIDE = {
    "plan": "its reminders, escalations and opening",
    "person": "the reminders, escalations and digests addressed to them",
}


@dataclass(frozen=True, slots=True)
class Skip:
    """A stored value a pass could not use, and where it is."""

    #: ``plan`` or ``person``.
    subject: str
    subject_id: int
    #: What an administrator looks the record up by: the plan's name, the person's address.
    label: str
    #: The column, e.g. ``timezone``.
    field: str
    value: str
    #: Why the rule refuses it, in plain English (for the log).
    reason: str


def skip(item: Skip) -> None:
    """Log and keep ``item`` for this pass (once per record and field)."""
    memo = transaction_memo("skipped")
    identity = (item.subject, item.subject_id, item.field)
    if identity in memo:
        return
    memo[identity] = item
    log.warning(
        "scheduler pass: %s %s (%s) has %s=%r (%s); %s are left aside",
        item.subject,
        item.subject_id,
        item.label,
        item.field,
        item.value,
        item.reason,
        LEFT_ASIDE[item.subject],
    )


def skipped() -> list[Skip]:
    """What this pass (its transaction) left aside so far, in the order it met them."""
    return list(transaction_memo("skipped").values())
