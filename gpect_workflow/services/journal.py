"""The journal: one event per change (who, when, from what to what), written here and read back here.

Pages read it a page at a time, newest first, each event with the names and titles a sentence about it
needs, read in bulk: a journal of a thousand events costs the same number of queries as one of five.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..definitions import WorkflowDefinition
from ..definitions.model import TaskDef, Text
from ..models import Event, Person, Plan, PlanStage, Task
from .context import now, session
from .definitions import get_definition, task_definition, task_definitions
from .paging import counted_page

#: Journal entries shown per page.
JOURNAL_PAGE_SIZE = 20

#: Notes shown on a task page (the newest).
NOTES_LIMIT = 50

#: Journal kinds of the comments of a task or gate review (``services.comments``): written, changed, deleted.
COMMENT_ADDED = "comment_added"
COMMENT_EDITED = "comment_edited"
COMMENT_DELETED = "comment_deleted"
COMMENT_KINDS = (COMMENT_ADDED, COMMENT_EDITED, COMMENT_DELETED)


def record(
    plan: Plan,
    kind: str,
    actor: Person | None,
    from_state: str | None = None,
    to_state: str | None = None,
    *,
    stage: PlanStage | None = None,
    task: Task | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Add one journal event for ``plan`` (``actor`` ``None`` means the scheduler)."""
    event = Event(
        plan_id=plan.id,
        stage_id=stage.id if stage else (task.stage_id if task else None),
        task_id=task.id if task else None,
        actor_id=actor.id if actor else None,
        kind=kind,
        from_state=str(from_state) if from_state is not None else None,
        to_state=str(to_state) if to_state is not None else None,
        note=note.strip() if note and note.strip() else None,
        data=data,
        occurred_dt=now(),
    )
    session().add(event)
    return event


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journal event with the names and titles a sentence about it needs."""

    event: Event
    actor_name: str | None
    task_id: int | None
    task_title: Text | None
    stage_title: Text | None
    #: For reassignments: the names of the people the task went from and to.
    from_name: str | None = None
    to_name: str | None = None
    #: For moves caused by another task's deadline: that task's title.
    cause_title: Text | None = None
    #: For a role mapped again: the role's title (the people it went to are in ``to_name``).
    role_title: Text | None = None


@dataclass(frozen=True, slots=True)
class JournalPage:
    """A page of the journal, newest first, and how many entries the whole journal has."""

    entries: list[JournalEntry]
    page: int
    total: int

    @property
    def has_more(self) -> bool:
        """Whether older entries follow on further pages."""
        return self.page * JOURNAL_PAGE_SIZE < self.total

    @property
    def first(self) -> int:
        """The position of the page's first entry in the journal, from 1 (0 when it is empty)."""
        return (self.page - 1) * JOURNAL_PAGE_SIZE + 1 if self.entries else 0

    @property
    def last(self) -> int:
        """The position of the page's last entry in the journal."""
        return (self.page - 1) * JOURNAL_PAGE_SIZE + len(self.entries)


def last_change(plan_id: int, task_id: int | None = None) -> JournalEntry | None:
    """The latest change of a task, or of the plan itself (events not about one task), as a journal entry.

    What a person who was about to overwrite it is told: who changed it, when, and how.
    """
    query = sa.select(Event).where(Event.plan_id == plan_id)
    query = query.where(Event.task_id == task_id) if task_id is not None else query.where(Event.task_id.is_(None))
    event = session().scalar(query.order_by(Event.occurred_dt.desc(), Event.id.desc()).limit(1))
    if event is None:
        return None
    plan = session().get(Plan, plan_id)
    assert plan is not None
    definition = get_definition(plan.definition_key, plan.definition_version)
    tasks = session().scalars(sa.select(Task).where(Task.id == event.task_id))
    stages = list(session().scalars(sa.select(PlanStage).where(PlanStage.id == event.stage_id)))
    return journal_entries([event], definition, {t.id: task_definition(definition, t) for t in tasks}, stages)[0]


def plan_journal(
    plan_id: int,
    page: int,
    definition: WorkflowDefinition,
    task_defs: dict[int, TaskDef],
    stages: Iterable[PlanStage],
) -> JournalPage:
    """A page of the plan's journal, newest first, a page past the end showing the last one (two queries: the
    events counted with them, then names, when they name anybody)."""
    query = sa.select(Event).where(Event.plan_id == plan_id).order_by(Event.occurred_dt.desc(), Event.id.desc())
    found = counted_page(query, page, JOURNAL_PAGE_SIZE)
    return JournalPage(journal_entries(found.items, definition, task_defs, stages), found.page, found.total)


def task_journal(
    task: Task, page: int, definition: WorkflowDefinition, task_defs: dict[int, TaskDef], stages: Iterable[PlanStage]
) -> tuple[JournalPage, list[JournalEntry]]:
    """A page of the task's journal and its notes, newest first, a page past the end showing the last one
    (three queries: the events counted with them, the notes, then names, when they name anybody)."""
    ordered = sa.select(Event).where(Event.task_id == task.id).order_by(Event.occurred_dt.desc(), Event.id.desc())
    found = counted_page(ordered, page, JOURNAL_PAGE_SIZE)
    shown = found.items
    notes = list(session().scalars(ordered.where(Event.note.is_not(None)).limit(NOTES_LIMIT)))
    entries = journal_entries([*shown, *notes], definition, task_defs, stages)
    journal = JournalPage(entries[: len(shown)], found.page, found.total)
    return journal, entries[len(shown) :]


def journal_entries(
    events: Sequence[Event], definition: WorkflowDefinition, task_defs: dict[int, TaskDef], stages: Iterable[PlanStage]
) -> list[JournalEntry]:
    """Journal entries for ``events``, the names of the people in them read in one query (none when the
    events name nobody)."""
    wanted = {event.actor_id for event in events if event.actor_id is not None}
    for event in events:
        if event.kind == "task_reassigned":
            wanted.update(int(value) for value in (event.from_state, event.to_state) if value and value.isdigit())
        if event.kind == "role_remapped":
            wanted.update(_people_of(event))
    names = (
        dict(session().execute(sa.select(Person.id, Person.name).where(Person.id.in_(wanted))).all()) if wanted else {}
    )
    by_key = {**task_definitions(definition), **{task.key: task for task in task_defs.values()}}
    stage_keys = {stage.id: stage.stage_key for stage in stages}
    return [_entry(event, definition, names, by_key, task_defs, stage_keys) for event in events]


def _entry(
    event: Event,
    definition: WorkflowDefinition,
    names: dict[int, str],
    by_key: dict[str, TaskDef],
    task_defs: dict[int, TaskDef],
    stage_keys: dict[int, str],
) -> JournalEntry:
    task_def = task_defs.get(event.task_id) if event.task_id is not None else None
    stage_key = stage_keys.get(event.stage_id) if event.stage_id is not None else None
    cause = (event.data or {}).get("caused_by") if event.kind == "deadline_moved" else None
    reassigned = event.kind == "task_reassigned"
    if event.kind == "role_remapped":
        return JournalEntry(
            event=event,
            actor_name=names.get(event.actor_id) if event.actor_id is not None else None,
            task_id=None,
            task_title=None,
            stage_title=None,
            to_name=", ".join(names[p] for p in _people_of(event) if p in names) or None,
            role_title=_role_title(definition, (event.data or {}).get("role")),
        )
    return JournalEntry(
        event=event,
        actor_name=names.get(event.actor_id) if event.actor_id is not None else None,
        task_id=event.task_id,
        task_title=task_def.title if task_def else _removed_title(event),
        stage_title=_stage_title(definition, stage_key),
        from_name=_person_name(names, event.from_state) if reassigned else None,
        to_name=_person_name(names, event.to_state) if reassigned else None,
        cause_title=by_key[cause].title if isinstance(cause, str) and cause in by_key else None,
    )


def _people_of(event: Event) -> list[int]:
    """The people a role was mapped to, from a ``role_remapped`` event's data."""
    people = (event.data or {}).get("to_people")
    return [p for p in people if isinstance(p, int)] if isinstance(people, list) else []


def _role_title(definition: WorkflowDefinition, role_key: object) -> Text | None:
    try:
        return definition.role(role_key).title if isinstance(role_key, str) else None
    except KeyError:
        return None


def _removed_title(event: Event) -> Text | None:
    """The title a removed one-off task had: its addition and removal keep it in their event (the row is gone)."""
    data = event.data or {}
    title = data.get("title_fr") or data.get("title_en")
    if event.kind not in ("one_off_task_added", "one_off_task_removed") or not isinstance(title, str):
        return None
    return Text(fr=title, en=str(data.get("title_en") or title))


def _person_name(names: dict[int, str], value: str | None) -> str | None:
    return names.get(int(value)) if value and value.isdigit() else None


def _stage_title(definition: WorkflowDefinition, stage_key: str | None) -> Text | None:
    if stage_key is None:
        return None
    try:
        return definition.stage(stage_key).title
    except KeyError:
        return None
