"""Words of the plan and task pages: journal events as sentences, instants, people.

Stored values (statuses, levers, units) are named by ``web.labels.label`` from the one vocabulary;
the sentences here use the same words. Refusals are told by ``web.refusals``, by their code.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import format_datetime, gettext

from ...definitions.model import Text
from ...services.journal import JournalEntry
from ...services.tasks.page import MovePreview
from ...vocabulary import N_
from ..i18n import counted, current_language, localized, long_date, short_date
from ..i18n import number as written_number
from ..labels import label, options


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
        decision = label("decision", (event.data or {}).get("decision", ""))
        return gettext("Recorded the committee's decision on “%(stage)s”: %(decision)s", stage=stage, decision=decision)
    if kind == "task_status_changed" and (event.data or {}).get("closed_with_stage"):
        return gettext("Marked “%(task)s” not applicable: an optional task left open when its stage closed", task=task)
    if kind == "task_status_changed":
        return gettext(
            "Moved “%(task)s” from “%(from)s” to “%(to)s”",
            task=task,
            **{"from": label("task_status", before), "to": label("task_status", after)},
        )
    if kind == "task_reassigned":
        return _reassigned_sentence(entry, task)
    if kind in ("deadline_moved", "more_time_requested"):
        return _deadline_sentence(entry, task)
    if kind in _DELAY_SENTENCES:
        dates = {"from": _day(event.from_state), "to": _day(event.to_state)}
        return gettext(_DELAY_SENTENCES[kind], task=task, **dates)
    if kind in _MERGE_SENTENCES:
        data = event.data or {}
        return gettext(_MERGE_SENTENCES[kind], source=data.get("from_name", "–"), target=data.get("into_name", "–"))
    if kind == "plan_renamed":
        data = event.data or {}
        return gettext(
            "Renamed the plan from “%(from)s” to “%(to)s”",
            **{"from": str(data.get("from", "–")), "to": str(data.get("to", "–"))},
        )
    if kind == "role_remapped":
        return gettext(
            "Mapped the role “%(role)s” to %(people)s", role=_title(entry.role_title), people=entry.to_name or "–"
        )
    if kind == "one_off_task_added":
        return gettext("Added the one-off task “%(task)s”", task=task)
    if kind == "one_off_task_removed":
        return gettext("Removed the one-off task “%(task)s”", task=task)
    if kind == "stage_dates_changed":
        return _stage_dates_sentence(entry, stage)
    if kind == "deadlines_shifted":
        days = (event.data or {}).get("days", 0)
        return counted(
            "Moved every open deadline by %(num)s day, the time spent on hold",
            "Moved every open deadline by %(num)s days, the time spent on hold",
            _whole(days),
        )
    if kind in _COMMENT_SENTENCES:
        on_task = entry.task_id is not None
        sentences = _COMMENT_SENTENCES[kind]
        return gettext(sentences[0], task=task) if on_task else gettext(sentences[1], stage=stage)
    if kind in ("measurement_corrected", "measurement_deleted"):
        return _measurement_sentence(event.kind, event.data or {})
    if kind in _EVIDENCE_SENTENCES:
        name = str((event.data or {}).get("name") or "–")
        on_task = event.task_id is not None
        return gettext(_EVIDENCE_SENTENCES[kind][on_task], name=name, task=task, stage=stage)
    return gettext("%(kind)s: %(from)s → %(to)s", kind=kind, **{"from": before or "–", "to": after or "–"})


_STAGE_SENTENCES = {
    "stage_entered": N_("Opened the stage “%(stage)s”"),
    "stage_awaiting_decision": N_("The stage “%(stage)s” awaits the steering committee's decision"),
    "stage_closed": N_("Closed the stage “%(stage)s”"),
    "stage_reopened": N_("Reopened the stage “%(stage)s”"),
}
_DELAY_SENTENCES = {
    "delay_requested": N_("Asked for the deadline of “%(task)s” to move from %(from)s to %(to)s"),
    "delay_withdrawn": N_("Withdrew the request to move the deadline of “%(task)s” to %(from)s"),
    "delay_accepted": N_("Accepted the request to move the deadline of “%(task)s” from %(from)s to %(to)s"),
    "delay_refused": N_("Refused the request to move the deadline of “%(task)s” from %(from)s to %(to)s"),
}
#: A comment's journal events: (on a task, on a gate review).
_COMMENT_SENTENCES = {
    "comment_added": (N_("Commented on “%(task)s”"), N_("Commented on the gate review of “%(stage)s”")),
    "comment_edited": (
        N_("Changed a comment on “%(task)s”"),
        N_("Changed a comment on the gate review of “%(stage)s”"),
    ),
    "comment_deleted": (
        N_("Deleted a comment on “%(task)s”"),
        N_("Deleted a comment on the gate review of “%(stage)s”"),
    ),
}
_MERGE_SENTENCES = {
    "organisation_merged": N_("Merged the organisation “%(source)s”, entered twice, into “%(target)s”"),
    "person_merged": N_("Merged %(source)s, entered twice, into %(target)s"),
}
#: A file added or deleted: on the gate review of a stage (``False``), or on a task (``True``).
_EVIDENCE_SENTENCES = {
    "evidence_added": {
        False: N_("Added the file “%(name)s” to the gate review of “%(stage)s”"),
        True: N_("Added the file “%(name)s” to “%(task)s”"),
    },
    "evidence_deleted": {
        False: N_("Deleted the file “%(name)s” from the gate review of “%(stage)s”"),
        True: N_("Deleted the file “%(name)s” from “%(task)s”"),
    },
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
        **{"from": label("plan_status", before), "to": label("plan_status", after)},
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
        return counted(
            "Asked for %(num)s more day on “%(task)s” (%(from)s → %(to)s)",
            "Asked for %(num)s more days on “%(task)s” (%(from)s → %(to)s)",
            _whole(days),
            task=task,
            **dates,
        )
    if (event.data or {}).get("rework"):
        return gettext("Gave “%(task)s” a new deadline for the rework: %(from)s → %(to)s", task=task, **dates)
    if entry.cause_title is not None:
        return gettext(
            "Moved the deadline of “%(task)s” from %(from)s to %(to)s, following “%(cause)s”",
            task=task,
            cause=localized(entry.cause_title),
            **dates,
        )
    return gettext("Moved the deadline of “%(task)s” from %(from)s to %(to)s", task=task, **dates)


def _measurement_sentence(kind: str, data: dict[str, Any]) -> str:
    """A corrected or deleted measurement, with what it was: value, date, source and who recorded it."""
    english = current_language() == "en"
    indicator = str(data.get("indicator_title_en" if english else "indicator_title_fr") or "")
    before = _measurement_words(data.get("before"))
    if kind == "measurement_deleted":
        return gettext("Deleted a value of “%(indicator)s”: %(before)s", indicator=indicator, before=before)
    return gettext(
        "Corrected a value of “%(indicator)s”: %(before)s became %(after)s",
        indicator=indicator,
        before=before,
        after=_measurement_words(data.get("after"), with_recorder=False),
    )


def _measurement_words(values: object, with_recorder: bool = True) -> str:
    """ "1 200 on 15/03/2026 (source: INSEE, recorded by Anne Martin)" from a journal event's data."""
    if not isinstance(values, dict):
        return "–"
    value = values.get("value")
    number = written_number(value) if isinstance(value, int | float) else "–"
    words = gettext("%(value)s on %(day)s", value=number, day=_day(str(values.get("measured_on") or "")))
    details = []
    if values.get("source"):
        details.append(gettext("source: %(source)s", source=values["source"]))
    if with_recorder and values.get("recorded_by"):
        details.append(gettext("recorded by %(name)s", name=values["recorded_by"]))
    return f"{words} ({', '.join(details)})" if details else words


def _whole(value: object) -> int:
    """A number of days from an event's data (0 when the stored value is not one)."""
    return value if isinstance(value, int) else 0


def _title(text: Text | None) -> str:
    return localized(text) if text is not None else "–"


def _day(value: str | None) -> str:
    try:
        return short_date(date.fromisoformat(value or ""))
    except ValueError:
        return value or "–"


def status_options(targets: tuple[object, ...]) -> list[tuple[str, str]]:
    """``(value, label)`` of the statuses a task may move to, for a list to choose from."""
    return options("task_target", targets)


def finished(progress: object) -> int:
    """How many tasks of a progress count are done or skipped."""
    counts = getattr(progress, "counts", {})
    return int(counts.get("done", 0)) + int(counts.get("skipped", 0))


def _stage_dates_sentence(entry: JournalEntry, stage: str) -> str:
    """A stage's planned window that followed a deadline move: its new end, or its shift."""
    before, after = (entry.event.from_state or "/").split("/", 1), (entry.event.to_state or "/").split("/", 1)
    data = entry.event.data or {}
    if data.get("extended_days"):
        return gettext(
            "The stage “%(stage)s” now ends on %(to)s instead of %(from)s, its tasks running later",
            stage=stage,
            **{"from": _day(before[1]), "to": _day(after[1])},
        )
    return counted(
        "Moved the stage “%(stage)s” by %(num)s day (now %(start)s – %(end)s): an earlier stage ends later",
        "Moved the stage “%(stage)s” by %(num)s days (now %(start)s – %(end)s): an earlier stage ends later",
        _whole(data.get("shifted_days", 0)),
        stage=stage,
        start=_day(after[0]),
        end=_day(after[1]),
    )


def stage_move_sentences(preview: MovePreview) -> list[str]:
    """What a previewed deadline move does to the stages, one sentence per stage that would end later."""
    sentences = []
    for line in preview.extended:
        change = line.change
        dates = {"stage": localized(line.title), "new": long_date(change.new_end), "old": long_date(change.old_end)}
        if change.later_shifted_by:
            sentence = counted(
                "The stage “%(stage)s” will end on %(new)s instead of %(old)s; the following stages move by "
                "%(num)s day.",
                "The stage “%(stage)s” will end on %(new)s instead of %(old)s; the following stages move by "
                "%(num)s days.",
                change.later_shifted_by,
                **dates,
            )
        elif line.overlapped_title is not None:
            sentence = gettext(
                "The stage “%(stage)s” will end on %(new)s instead of %(old)s; it would then overlap the stage "
                "“%(next)s”, which keeps its dates.",
                next=localized(line.overlapped_title),
                **dates,
            )
        else:
            sentence = gettext("The stage “%(stage)s” will end on %(new)s instead of %(old)s.", **dates)
        sentences.append(sentence)
    if preview.carried:
        sentences.append(
            counted(
                "%(num)s deadline of the following stages moves with them.",
                "%(num)s deadlines of the following stages move with them.",
                preview.carried,
            )
        )
    return sentences
