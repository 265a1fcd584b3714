"""Words of the plan and task pages: stored values as labels, journal events as sentences, refusals.

Stored values (statuses, levers, units, event kinds) are English keys; the reader sees them translated
into the page's language. Refusals are told by
``web.refusals``, by their code.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_datetime, gettext

from ...definitions.model import Text
from ...services.journal import JournalEntry
from ...vocabulary import N_
from .. import labels
from ..i18n import current_language, localized, short_date

TASK_STATUSES = {
    "todo": N_("to do"),
    "in_progress": N_("in progress"),
    "blocked": N_("blocked"),
    "done": N_("done"),
    "skipped": N_("not applicable"),
}
#: What the button or option that moves a task to a status says.
TASK_TARGETS = {
    "todo": N_("Back to “to do”"),
    "in_progress": N_("Start (in progress)"),
    "blocked": N_("Mark as blocked"),
    "done": N_("Mark as done"),
    "skipped": N_("Not applicable (skip)"),
}
PLAN_STATUSES = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "active": N_("under way"),
    "on_hold": N_("on hold"),
    "completed": N_("completed"),
    "cancelled": N_("cancelled"),
}
STAGE_STATUSES = {
    "pending": N_("stage not started"),
    "open": N_("stage in progress"),
    "awaiting_decision": N_("awaiting the committee's decision"),
    "closed": N_("stage finished"),
}
#: Where a stage stands on the timeline.
STAGE_PLACES = {
    "done": N_("Finished stage"),
    "current": N_("Current stage"),
    "next": N_("Next stage"),
    "upcoming": N_("Upcoming stage"),
    "not_reached": N_("Stage not reached"),
}
LEVERS = labels.LEVERS  # one list of lever names for every page
DECISIONS = {
    "approve": N_("approved"),
    "rework": N_("sent back for rework"),
    "hold": N_("plan put on hold"),
}
UNITS = {
    "count": N_("number"),
    "people": N_("people"),
    "hours": N_("hours"),
    "days": N_("days"),
}
#: Units written the same in every language.
UNIT_SYMBOLS = {"percent": "%", "euro": "€"}


def label(labels: dict[str, str], value: object) -> str:
    """The translated label of a stored value (the value itself when it has none)."""
    key = str(getattr(value, "value", value))
    return gettext(labels[key]) if key in labels else key


def unit(value: str) -> str:
    """An indicator's unit as the reader writes it."""
    return UNIT_SYMBOLS.get(value) or label(UNITS, value)


def when(instant: datetime) -> str:
    """An instant in the reader's time zone and language, to the minute."""
    pattern = "dd/MM/y HH:mm" if current_language() == "fr" else "d MMM y, HH:mm"
    return format_datetime(instant, pattern)


def indicator_name(indicator: object) -> str:
    """An indicator's name in the page's language."""
    english = current_language() == "en"
    return str(getattr(indicator, "title_en" if english else "title_fr"))


def actor(entry: JournalEntry) -> str:
    """Who made a change: a person, or the application itself (the scheduler)."""
    if entry.event.actor_id is None:
        return gettext("GPECT Workflow (automatic)")
    return entry.actor_name or gettext("a former user")


def describe(entry: JournalEntry) -> str:
    """What a journal event did, as a sentence in the reader's language."""
    event = entry.event
    task, stage = _title(entry.task_title), _title(entry.stage_title)
    before, after = event.from_state, event.to_state
    kind = event.kind
    if kind == "plan_created":
        if after == "scheduled":
            return gettext("Created the plan, to open on its start date")
        return gettext("Created the plan")
    if kind == "plan_status_changed":
        return _plan_status_sentence(before, after)
    if kind in _STAGE_SENTENCES:
        return gettext(_STAGE_SENTENCES[kind], stage=stage)
    if kind == "gate_decided":
        decision = label(DECISIONS, (event.data or {}).get("decision", ""))
        return gettext("Recorded the committee's decision on “%(stage)s”: %(decision)s", stage=stage, decision=decision)
    if kind == "task_status_changed" and (event.data or {}).get("closed_with_stage"):
        return gettext("Marked “%(task)s” not applicable: an optional task left open when its stage closed", task=task)
    if kind == "task_status_changed":
        return gettext(
            "Moved “%(task)s” from “%(from)s” to “%(to)s”",
            task=task,
            **{"from": label(TASK_STATUSES, before), "to": label(TASK_STATUSES, after)},
        )
    if kind == "task_reassigned":
        return _reassigned_sentence(entry, task)
    if kind in ("deadline_moved", "more_time_requested"):
        return _deadline_sentence(entry, task)
    if kind == "deadlines_shifted":
        days = (event.data or {}).get("days", 0)
        return gettext("Moved every open deadline by %(days)s days, the time spent on hold", days=days)
    return gettext("%(kind)s: %(from)s → %(to)s", kind=kind, **{"from": before or "–", "to": after or "–"})


_STAGE_SENTENCES = {
    "stage_entered": N_("Opened the stage “%(stage)s”"),
    "stage_awaiting_decision": N_("The stage “%(stage)s” awaits the steering committee's decision"),
    "stage_closed": N_("Closed the stage “%(stage)s”"),
    "stage_reopened": N_("Reopened the stage “%(stage)s”"),
}
_PLAN_SENTENCES = {
    "on_hold": N_("Put the plan on hold"),
    "cancelled": N_("Cancelled the plan"),
    "completed": N_("The plan is completed"),
}


def _plan_status_sentence(before: str | None, after: str | None) -> str:
    if after == "active" and before == "on_hold":
        return gettext("Resumed the plan")
    if after == "active" and before == "scheduled":
        return gettext("Opened the plan: its first stage has started")
    if after in _PLAN_SENTENCES:
        return gettext(_PLAN_SENTENCES[after])
    return gettext(
        "Changed the plan's status from “%(from)s” to “%(to)s”",
        **{"from": label(PLAN_STATUSES, before), "to": label(PLAN_STATUSES, after)},
    )


def _reassigned_sentence(entry: JournalEntry, task: str) -> str:
    if entry.from_name:
        return gettext(
            "Gave “%(task)s” to %(to)s instead of %(from)s",
            task=task,
            **{"to": entry.to_name or "–", "from": entry.from_name},
        )
    return gettext("Gave “%(task)s” to %(to)s", task=task, to=entry.to_name or "–")


def _deadline_sentence(entry: JournalEntry, task: str) -> str:
    event = entry.event
    dates = {"from": _day(event.from_state), "to": _day(event.to_state)}
    if event.kind == "more_time_requested":
        days = (event.data or {}).get("days", 0)
        return gettext("Asked for %(days)s more days on “%(task)s” (%(from)s → %(to)s)", days=days, task=task, **dates)
    if entry.cause_title is not None:
        return gettext(
            "Moved the deadline of “%(task)s” from %(from)s to %(to)s, following “%(cause)s”",
            task=task,
            cause=localized(entry.cause_title),
            **dates,
        )
    return gettext("Moved the deadline of “%(task)s” from %(from)s to %(to)s", task=task, **dates)


def _title(text: Text | None) -> str:
    return localized(text) if text is not None else "–"


def _day(value: str | None) -> str:
    try:
        return short_date(date.fromisoformat(value or ""))
    except ValueError:
        return value or "–"


def status_options(targets: tuple[object, ...]) -> list[tuple[str, str]]:
    """``(value, label)`` of the statuses a task may move to, for a list to choose from."""
    return [(str(getattr(target, "value", target)), label(TASK_TARGETS, target)) for target in targets]


def finished(progress: object) -> int:
    """How many tasks of a progress count are done or skipped."""
    counts = getattr(progress, "counts", {})
    return int(counts.get("done", 0)) + int(counts.get("skipped", 0))
