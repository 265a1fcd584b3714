"""Readable names of stored values (levers, statuses, decisions...), in the page's language.

Values are stored as keys (``in_progress``); pages show ``label("task_status", task.status)``, which
reads the English source below through the catalogue, so French pages say ``en cours``.
"""

from __future__ import annotations

from enum import Enum

from flask_babel import gettext

from ..vocabulary import N_

LEVERS = {
    "observe": N_("Observe and analyse"),
    "experiment": N_("Experiment and evaluate"),
    "adapt": N_("Adapt the interventions"),
    "articulate": N_("Articulate the partners"),
    "lead_change": N_("Lead change"),
}
PLAN_STATUSES = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "active": N_("active"),
    "on_hold": N_("on hold"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
}
STAGE_STATUSES = {
    "pending": N_("upcoming"),
    "open": N_("in progress"),
    "awaiting_decision": N_("awaiting decision"),
    "closed": N_("closed"),
}
TASK_STATUSES = {
    "todo": N_("to do"),
    "in_progress": N_("in progress"),
    "blocked": N_("blocked"),
    "done": N_("done"),
    "skipped": N_("not applicable"),
}
GATES = {
    "auto": N_("closes when its tasks are done"),
    "committee": N_("steering committee decision"),
}
DECISIONS = {
    "approve": N_("approved"),
    "rework": N_("rework requested"),
    "hold": N_("put on hold"),
}
INDICATOR_UNITS = {
    "count": N_("count"),
    "people": N_("people"),
    "percent": N_("%"),
    "euro": N_("euros"),
    "days": N_("days"),
    "hours": N_("hours"),
}
DIRECTIONS = {
    "increase": N_("higher is better"),
    "decrease": N_("lower is better"),
}

_KINDS: dict[str, dict[str, str]] = {
    "lever": LEVERS,
    "plan_status": PLAN_STATUSES,
    "stage_status": STAGE_STATUSES,
    "task_status": TASK_STATUSES,
    "gate": GATES,
    "decision": DECISIONS,
    "unit": INDICATOR_UNITS,
    "direction": DIRECTIONS,
}


def label(kind: str, value: object) -> str:
    """The readable name of a stored ``value`` of ``kind`` in the page's language (the key if unknown)."""
    key = str(value.value if isinstance(value, Enum) else value)
    source = _KINDS[kind].get(key)
    return gettext(source) if source is not None else key


def translated(mapping: dict[str, str]) -> dict[str, str]:
    """A whole mapping of this module, translated for the current page."""
    return {key: gettext(source) for key, source in mapping.items()}
