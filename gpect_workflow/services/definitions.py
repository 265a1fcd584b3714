"""Registering definition versions in the database and reading back the version a plan runs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Protocol, cast

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import defer

from ..definitions import WorkflowDefinition, load_definition_file, parse_definition
from ..definitions.files import definition_files
from ..definitions.model import Due, TaskDef, Text
from ..errors import DefinitionConflict, NotFound
from ..models import DefinitionRecord, Plan
from ..refusals import Refusal
from .context import now, session, state, transaction_memo


class RegistrationOutcome(StrEnum):
    """What registering a file did."""

    REGISTERED = "registered"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Registration:
    """The outcome of registering one definition file."""

    file: str
    key: str
    version: int
    outcome: RegistrationOutcome


def register_definitions(paths: Iterable[str | Path]) -> list[Registration]:
    """Register every definition under ``paths``; all or nothing.

    A file whose key and version are already registered with other content is refused: a plan keeps
    the version it started on, so a version's content must never change under it. Invalid files raise
    ``DefinitionError`` before anything is written.
    """
    definitions = [(str(path), load_definition_file(path)) for path in definition_files(paths)]
    existing = _existing_records({(d.key, d.version) for _, d in definitions})
    conflicts = [
        f"{file}: {d.key} version {d.version} is already registered with different content; "
        f"raise 'version' (the highest registered is {_highest_version(d.key)})"
        for file, d in definitions
        if (d.key, d.version) in existing and existing[d.key, d.version].content_hash != d.content_hash
    ]
    if conflicts:
        raise DefinitionConflict(Refusal.DEFINITION_CHANGED_WITHOUT_VERSION, details="\n".join(conflicts))
    return [_register(file, definition, existing) for file, definition in definitions]


def _existing_records(keys: set[tuple[str, int]]) -> dict[tuple[str, int], DefinitionRecord]:
    if not keys:
        return {}
    wanted = sa.tuple_(DefinitionRecord.key, DefinitionRecord.version).in_(list(keys))
    return {(r.key, r.version): r for r in session().scalars(sa.select(DefinitionRecord).where(wanted))}


def _highest_version(key: str) -> int:
    query = sa.select(sa.func.max(DefinitionRecord.version)).where(DefinitionRecord.key == key)
    return int(session().scalar(query) or 0)


def _register(
    file: str, definition: WorkflowDefinition, existing: dict[tuple[str, int], DefinitionRecord]
) -> Registration:
    if (definition.key, definition.version) in existing:
        return Registration(file, definition.key, definition.version, RegistrationOutcome.UNCHANGED)
    record = DefinitionRecord(
        key=definition.key,
        version=definition.version,
        content_hash=definition.content_hash,
        title_fr=definition.title.fr,
        title_en=definition.title.en,
        source=definition.source,
        source_file=Path(file).name,
        registered_dt=now(),
    )
    session().add(record)
    session().flush()
    return Registration(file, definition.key, definition.version, RegistrationOutcome.REGISTERED)


def list_definition_records() -> list[DefinitionRecord]:
    """Every registered definition version, by key then version; their parsed forms are in the process's
    cache afterwards (``definitions_of_records`` finds them there)."""
    return _read_records(sa.select(DefinitionRecord).order_by(DefinitionRecord.key, DefinitionRecord.version))


def _read_records(query: sa.Select[DefinitionRecord]) -> list[DefinitionRecord]:
    """The definition records ``query`` selects, in one statement that sends only the sources this process
    has not parsed yet, parsed into its cache.

    The pages that list or filter by definitions (dashboard, plans list, committee, new plan) read every
    version on each request. Each version's source, 5 to 14 KB of YAML stored compressed, came with it every
    time, though the process keeps a version's parsed form once read (``state().definitions``): 0.25 ms of
    the statement for six versions. The source is now sent only for a content hash the process does not
    hold, so a new version, or a database restored from elsewhere, is read as it is.
    """
    cached = state().definitions
    known = sorted({definition.content_hash for definition in cached.values()})
    source = sa.case((DefinitionRecord.content_hash.in_(known), sa.null()), else_=DefinitionRecord.source)
    rows = session().execute(query.options(defer(DefinitionRecord.source)).add_columns(source.label("unparsed")))
    records: list[DefinitionRecord] = []
    for row in rows:
        record, unparsed = cast(DefinitionRecord, row[0]), cast("str | None", row[1])
        if unparsed is not None:  # sent only for a content hash the process does not hold
            cached[record.key, record.version] = _parse_source(unparsed, record.source_file)
        records.append(record)
    return records


def definitions_of_records(records: Iterable[DefinitionRecord]) -> Definitions:
    """The parsed definitions of ``records``, by (key, version), as ``definition_versions`` gives them, once
    any version the process holds with another content hash than the record's is dropped from its cache (so
    it is read again). Those ``_read_records`` read are in the cache already: no statement."""
    cached = state().definitions
    pairs = []
    for record in records:
        pair = (record.key, record.version)
        held = cached.get(pair)
        if held is not None and held.content_hash != record.content_hash:
            del cached[pair]
        pairs.append(pair)
    return definition_versions(pairs)


def latest_definitions() -> list[DefinitionRecord]:
    """The highest registered version of each definition: what new plans start from (no query when
    ``all_definitions`` has read every version in this transaction already: the committee page needs both)."""
    records: list[DefinitionRecord] | None = transaction_memo("all_definitions").get("records")
    if records is not None:
        newest_of: dict[str, DefinitionRecord] = {}
        for record in records:
            if record.key not in newest_of or record.version > newest_of[record.key].version:
                newest_of[record.key] = record
        return [newest_of[key] for key in sorted(newest_of)]
    newest = (
        sa.select(DefinitionRecord.key, sa.func.max(DefinitionRecord.version).label("version"))
        .group_by(DefinitionRecord.key)
        .subquery()
    )
    query = (
        sa.select(DefinitionRecord)
        .join(newest, sa.and_(DefinitionRecord.key == newest.c.key, DefinitionRecord.version == newest.c.version))
        .order_by(DefinitionRecord.key)
    )
    return _read_records(query)


def latest_workflows() -> list[WorkflowDefinition]:
    """The highest registered version of each definition, parsed."""
    records = latest_definitions()
    parsed = definitions_of_records(records)
    return [parsed[record.key, record.version] for record in records]


def latest_version(key: str) -> int:
    """The highest registered version of definition ``key`` (``NotFound`` when none is registered)."""
    query = sa.select(sa.func.max(DefinitionRecord.version)).where(DefinitionRecord.key == key)
    version = session().scalar(query) if "\x00" not in key else None  # PostgreSQL cannot compare a NUL
    if version is None:
        raise NotFound(Refusal.NO_SUCH_DEFINITION, key=key)
    return int(version)


def get_definition(key: str, version: int) -> WorkflowDefinition:
    """The frozen definition ``key`` at ``version`` as registered (not as the file now reads).

    A registered version never changes (``register_definitions`` refuses new content under a registered
    version), so each process reads and parses it once: kept on the extension's state, it costs no
    statement afterwards, however many requests and tasks ask for it.
    """
    cached = state().definitions
    if (key, version) in cached:
        return cast(WorkflowDefinition, cached[key, version])
    memo: dict[tuple[str, int], WorkflowDefinition] = g.setdefault("gpect_definitions", {})
    if (key, version) not in memo:
        query = sa.select(DefinitionRecord).where(DefinitionRecord.key == key, DefinitionRecord.version == version)
        record = session().scalar(query)
        if record is None:
            raise NotFound(Refusal.NO_SUCH_DEFINITION_VERSION, key=key, version=version)
        memo[key, version] = definition_from_record(record)
    cached[key, version] = memo[key, version]
    return memo[key, version]


def all_definitions() -> dict[tuple[str, int], WorkflowDefinition]:
    """Every registered definition version, by (key, version): one query per transaction.

    For the readers that need them all (the tick, committee rights); it fills the memo ``get_definition``
    reads, so no later lookup in the same pass costs a query.
    """
    memo: dict[tuple[str, int], WorkflowDefinition] = g.setdefault("gpect_definitions", {})
    complete = transaction_memo("all_definitions")  # a version registered since is seen by the next one
    if "loaded" not in complete:
        records = _read_records(sa.select(DefinitionRecord))
        for pair, definition in definitions_of_records(records).items():
            memo.setdefault(pair, definition)
        complete["loaded"] = dict(memo)
        complete["records"] = records
    return dict(complete["loaded"])


#: Definition versions by (key, version).
Definitions = dict[tuple[str, int], WorkflowDefinition]


def definitions_for(plans: Iterable[Plan]) -> Definitions:
    """The definition versions ``plans`` run, read in one query."""
    return definition_versions({(plan.definition_key, plan.definition_version) for plan in plans})


def definition_versions(versions: Iterable[tuple[str, int]]) -> Definitions:
    """The registered definitions of these (key, version) pairs: those this process has not read yet in one
    query whatever their number, the others from the process's cache (as ``get_definition``) at no cost."""
    cached = state().definitions
    wanted = set(versions)
    found = {pair: cast(WorkflowDefinition, cached[pair]) for pair in wanted if pair in cached}
    missing = sorted(wanted - set(found))
    if missing:
        pairs = sa.tuple_(DefinitionRecord.key, DefinitionRecord.version).in_(missing)
        for record in session().scalars(sa.select(DefinitionRecord).where(pairs)):
            definition = definition_from_record(record)
            cached[record.key, record.version] = found[record.key, record.version] = definition
    return found


def task_definitions(definition: WorkflowDefinition) -> dict[str, TaskDef]:
    """The definition's tasks by key, worked out once per definition version and request."""
    memo: dict[tuple[str, int], dict[str, TaskDef]] = g.setdefault("gpect_task_defs", {})
    key = (definition.key, definition.version)
    if key not in memo:
        memo[key] = {task.key: task for task in definition.tasks()}
    return memo[key]


class TaskColumns(Protocol):
    """What ``task_definition`` reads of a task: a ``Task`` row, or the plain columns a pass selects."""

    @property
    def task_key(self) -> str: ...
    @property
    def is_one_off(self) -> bool: ...
    @property
    def title_fr(self) -> str | None: ...
    @property
    def title_en(self) -> str | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def owner_role(self) -> str: ...
    @property
    def due_date(self) -> date: ...


def task_definition(definition: WorkflowDefinition, task: TaskColumns) -> TaskDef:
    """What the task is, whatever shows it (pages, journal, emails, feeds, reports, the API).

    A definition task is the definition's entry; a one-off task, added by the lead to the running plan,
    is described by its own columns: its title in each language (the other one's when only one was given),
    its description, its owner role and its absolute deadline. ``KeyError`` for a key the definition lacks.
    """
    if not task.is_one_off:
        return task_definitions(definition)[task.task_key]
    french = task.title_fr or task.title_en or task.task_key
    english = task.title_en or task.title_fr or task.task_key
    description = Text(fr=task.description, en=task.description) if task.description else None
    return TaskDef(
        key=task.task_key,
        title=Text(fr=french, en=english),
        owner=task.owner_role,
        due=Due(on=task.due_date),
        description=description,
    )


def definitions_of_tasks(definition: WorkflowDefinition, tasks: Iterable[TaskColumns]) -> dict[str, TaskDef]:
    """The definition's tasks by key, with the given one-off tasks among them (their keys are the plan's own)."""
    found = dict(task_definitions(definition))
    found.update((task.task_key, task_definition(definition, task)) for task in tasks if task.is_one_off)
    return found


def definition_from_record(record: DefinitionRecord) -> WorkflowDefinition:
    """Parse a stored definition (cached: a version's source never changes)."""
    return _parse_source(record.source, record.source_file)


@lru_cache(maxsize=256)
def _parse_source(source: str, file: str) -> WorkflowDefinition:
    return parse_definition(source, file)
