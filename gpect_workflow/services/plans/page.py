"""What the plan and task pages show, read in a fixed number of queries whatever the plan's size.

The pages need more than a plan's rows: the titles its definition version gives them, who may do what
on each task (the same rules the services apply when the change is asked for), and the journal with
the names of the people in it. Everything is loaded in bulk here, so a plan of 50 tasks and a
thousand events costs the same number of queries as a plan of five.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import joinedload

from ...definitions import WorkflowDefinition
from ...definitions.model import TaskDef, Text
from ...engine.progress import Progress
from ...engine.rescheduling import Shift
from ...engine.tasks import TASK_TRANSITIONS, allowed_targets
from ...errors import InvalidTransition, NotFound
from ...models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    Event,
    Indicator,
    Organisation,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from ..access import is_worker, plan_access, require_view
from ..context import session
from ..definitions import get_definition
from ..indicators.measurements import plan_indicators
from ..loading import check_version, last_event
from ..tasks.changes import _check_stage_accepts, preview_deadline_move
from .listing import PlanDetail, plan_detail
from .progress import StageDates, stage_dates

#: Journal entries shown per page.
JOURNAL_PAGE_SIZE = 20
#: Notes shown on a task page (the newest).
NOTES_LIMIT = 50


@dataclass(frozen=True, slots=True)
class TaskRef:
    """Another task, as a link: its title, status and deadline."""

    id: int
    title: Text
    status: TaskStatus
    due_date: date


@dataclass(frozen=True, slots=True)
class TaskActions:
    """What the reader may do to a task now; the services check again when it is asked for."""

    status_targets: tuple[TaskStatus, ...] = ()
    #: The lead may start or finish it although the tasks it depends on are not finished.
    can_override: bool = False
    can_reassign: bool = False
    #: ``(person id, name)`` of the people the task may be given to.
    assignees: tuple[tuple[int, str], ...] = ()
    can_move_deadline: bool = False

    @property
    def any(self) -> bool:
        """Whether there is anything to offer at all."""
        return bool(self.status_targets) or self.can_reassign or self.can_move_deadline


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A task with everything its line on a page shows."""

    task: Task
    title: Text
    description: Text | None
    role_title: Text
    organisation: str | None
    dependencies: tuple[TaskRef, ...]
    days_late: int
    actions: TaskActions


@dataclass(frozen=True, slots=True)
class StageRow:
    """A stage of the timeline: where it stands, its dates, its gate and its tasks."""

    stage: PlanStage
    title: Text
    description: Text | None
    #: ``done``, ``current``, ``next``, ``upcoming`` or ``not_reached`` (a cancelled plan's later stages).
    place: str
    dates: StageDates
    progress: Progress
    tasks: list[TaskRow]


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


@dataclass(frozen=True, slots=True)
class JournalPage:
    """A page of the journal, newest first."""

    entries: list[JournalEntry]
    page: int
    has_more: bool


@dataclass(frozen=True, slots=True)
class PlanActions:
    """What the reader may do to the plan as a whole."""

    can_hold: bool = False
    can_resume: bool = False
    can_cancel: bool = False
    #: A scheduled plan may be opened before its start date.
    can_open: bool = False

    @property
    def any(self) -> bool:
        return self.can_hold or self.can_resume or self.can_cancel or self.can_open


@dataclass(frozen=True, slots=True)
class PlanPage:
    """Everything the plan page shows."""

    detail: PlanDetail
    definition: WorkflowDefinition
    stages: list[StageRow]
    indicators: list[Indicator]
    journal: JournalPage
    actions: PlanActions

    @property
    def plan(self) -> Plan:
        return self.detail.plan


@dataclass(frozen=True, slots=True)
class TaskPage:
    """Everything the task page shows."""

    detail: PlanDetail
    definition: WorkflowDefinition
    row: TaskRow
    stage: PlanStage
    stage_title: Text
    dependents: tuple[TaskRef, ...]
    notes: list[JournalEntry]
    journal: JournalPage

    @property
    def plan(self) -> Plan:
        return self.detail.plan


@dataclass(frozen=True, slots=True)
class ShiftLine:
    """A deadline a move would change, with the task's title."""

    task_id: int
    title: Text
    old: date
    new: date
    is_moved_task: bool


@dataclass
class _Roles:
    """The plan's role mapping: organisation and active members of each role."""

    organisations: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


def plan_page(person: Person, plan_id: int, journal_page: int = 1) -> PlanPage:
    """The plan as ``person`` may see it (``NotFound`` otherwise), with its tasks, indicators and journal."""
    detail = plan_detail(person, plan_id)
    plan = detail.plan
    definition = get_definition(plan.definition_key, plan.definition_version)
    tasks = list(
        session().scalars(
            sa.select(Task)
            .where(Task.plan_id == plan.id)
            .options(joinedload(Task.assignee))
            .order_by(Task.due_date, Task.id)
        )
    )
    depends_on = _dependencies(plan.id)
    roles = _roles(plan.id)
    by_id = {task.id: task for task in tasks}
    stages_by_id = {stage.id: stage for stage in detail.stages}
    rows: dict[int, list[TaskRow]] = {stage.id: [] for stage in detail.stages}
    for task in tasks:
        prerequisites = [by_id[i] for i in depends_on.get(task.id, ()) if i in by_id]
        row = _task_row(person, detail, definition, roles, task, stages_by_id[task.stage_id], prerequisites)
        rows[task.stage_id].append(row)
    indicators = plan_indicators(person, plan.id)
    journal = _journal(plan.id, journal_page, definition, {t.id: t.task_key for t in tasks}, detail.stages)
    return PlanPage(
        detail, definition, _stage_rows(detail, definition, rows), indicators, journal, _plan_actions(detail)
    )


def task_page(person: Person, task_id: int, journal_page: int = 1) -> TaskPage:
    """One task as ``person`` may see it (``NotFound`` for someone who may not see its plan)."""
    task = session().scalar(sa.select(Task).where(Task.id == task_id).options(joinedload(Task.assignee)))
    if task is None:
        raise NotFound("no such task")
    try:
        detail = plan_detail(person, task.plan_id)
    except NotFound as exc:
        raise NotFound("no such task") from exc
    definition = get_definition(detail.plan.definition_key, detail.plan.definition_version)
    prerequisites = _linked_tasks(TaskDependency.depends_on_id, TaskDependency.task_id, task.id)
    dependents = _linked_tasks(TaskDependency.task_id, TaskDependency.depends_on_id, task.id)
    stage = next(s for s in detail.stages if s.id == task.stage_id)
    row = _task_row(person, detail, definition, _roles(task.plan_id), task, stage, prerequisites)
    keys = {task.id: task.task_key}
    journal, notes = _task_journal(task, journal_page, definition, keys, detail.stages)
    return TaskPage(
        detail,
        definition,
        row,
        stage,
        definition.stage(stage.stage_key).title,
        tuple(_ref(_task_defs(definition), t) for t in dependents),
        notes,
        journal,
    )


def check_visible(person: Person, plan_id: int) -> None:
    """``NotFound`` unless ``person`` may see the plan: outsiders learn nothing, not even that it exists."""
    plan = session().get(Plan, plan_id)
    if plan is None:
        raise NotFound("no such plan")
    require_view(plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version)))


def plan_of_task(task_id: int) -> int:
    """The id of the plan a task belongs to (``NotFound`` when there is no such task)."""
    plan_id = session().scalar(sa.select(Task.plan_id).where(Task.id == task_id))
    if plan_id is None:
        raise NotFound("no such task")
    return int(plan_id)


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
    keys = dict(session().execute(sa.select(Task.id, Task.task_key).where(Task.id == event.task_id)).all())
    stages = list(session().scalars(sa.select(PlanStage).where(PlanStage.id == event.stage_id)))
    return _entries([event], definition, keys, stages)[0]


def preview_move(person: Person, task_id: int, new_due: date, expected_version: int | None) -> list[ShiftLine]:
    """What moving the task's deadline to ``new_due`` would change, with titles; nothing is changed.

    Raises what the move itself would raise, ``StaleObject`` included: a preview of a task someone
    changed since the person read it is not worth confirming.
    """
    shifts = preview_deadline_move(person, task_id, new_due)
    task = session().get(Task, task_id)
    assert task is not None
    check_version("task", task.version, expected_version, last_event(task.plan_id, task.id))
    return shift_lines(task_id, shifts)


def shift_lines(task_id: int, shifts: Sequence[Shift]) -> list[ShiftLine]:
    """The deadline changes of a move with the titles of the tasks they concern, the moved task first."""
    ids = [shift.task_id for shift in shifts]
    rows = session().execute(sa.select(Task.id, Task.task_key, Task.plan_id).where(Task.id.in_(ids))).all()
    if not rows:
        return []
    plan = session().get(Plan, rows[0].plan_id)
    assert plan is not None
    task_defs = _task_defs(get_definition(plan.definition_key, plan.definition_version))
    keys = {row.id: row.task_key for row in rows}
    return [
        ShiftLine(shift.task_id, task_defs[keys[shift.task_id]].title, shift.old, shift.new, shift.task_id == task_id)
        for shift in shifts
    ]


def _task_row(
    person: Person,
    detail: PlanDetail,
    definition: WorkflowDefinition,
    roles: _Roles,
    task: Task,
    stage: PlanStage,
    prerequisites: Sequence[Task],
) -> TaskRow:
    task_defs = _task_defs(definition)
    task_def = task_defs[task.task_key]
    late = (detail.today - task.due_date).days if task.status in OPEN_TASK_STATUSES else 0
    return TaskRow(
        task=task,
        title=task_def.title,
        description=task_def.description,
        role_title=definition.role(task.owner_role).title,
        organisation=roles.organisations.get(task.owner_role),
        dependencies=tuple(_ref(task_defs, t) for t in prerequisites),
        days_late=max(0, late),
        actions=_task_actions(person, detail, roles, task, stage, prerequisites),
    )


def _task_actions(
    person: Person, detail: PlanDetail, roles: _Roles, task: Task, stage: PlanStage, prerequisites: Sequence[Task]
) -> TaskActions:
    """The changes the services would accept from ``person`` on ``task`` (they decide again when asked)."""
    access = detail.access
    if detail.plan.status is not PlanStatus.ACTIVE:
        return TaskActions()
    lead = access.can_manage
    ready = all(t.status in FINISHED_TASK_STATUSES for t in prerequisites)
    targets: list[TaskStatus] = []
    if lead or is_worker(person, task, access):
        for target in allowed_targets(task.status, is_lead=lead):
            rule = TASK_TRANSITIONS[task.status, target]
            if _stage_accepts(stage, task.status, target) and (lead or ready or not rule.needs_dependencies):
                targets.append(target)
    open_task = task.status in OPEN_TASK_STATUSES
    return TaskActions(
        status_targets=tuple(targets),
        can_override=lead and not ready and bool(targets),
        can_reassign=lead and open_task,
        assignees=_assignees(detail, roles, task) if lead and open_task else (),
        can_move_deadline=lead and open_task,
    )


def _stage_accepts(stage: PlanStage, current: TaskStatus, target: TaskStatus) -> bool:
    try:
        _check_stage_accepts(stage, current, target)
    except InvalidTransition:
        return False
    return True


def _assignees(detail: PlanDetail, roles: _Roles, task: Task) -> tuple[tuple[int, str], ...]:
    """The members of the task's role, then the plan lead: who ``reassign_task`` accepts."""
    people = dict(roles.members.get(task.owner_role, []))
    lead = detail.plan.lead
    people.setdefault(lead.id, lead.name)
    return tuple(people.items())


def _plan_actions(detail: PlanDetail) -> PlanActions:
    if not detail.access.can_manage:
        return PlanActions()
    status = detail.plan.status
    return PlanActions(
        can_hold=status is PlanStatus.ACTIVE,
        can_resume=status is PlanStatus.ON_HOLD,
        can_cancel=status in (PlanStatus.SCHEDULED, PlanStatus.ACTIVE, PlanStatus.ON_HOLD),
        can_open=status is PlanStatus.SCHEDULED,
    )


def _stage_rows(detail: PlanDetail, definition: WorkflowDefinition, rows: dict[int, list[TaskRow]]) -> list[StageRow]:
    plan = detail.plan
    current = [s.position for s in detail.stages if s.status in (StageStatus.OPEN, StageStatus.AWAITING_DECISION)]
    result = []
    for stage in detail.stages:
        stage_def = definition.stage(stage.stage_key)
        result.append(
            StageRow(
                stage=stage,
                title=stage_def.title,
                description=stage_def.description,
                place=_place(stage, current[0] if current else None, plan.status),
                dates=stage_dates(stage, plan.timezone),
                progress=detail.stage_progress.get(stage.id, Progress()),
                tasks=rows.get(stage.id, []),
            )
        )
    return result


def _place(stage: PlanStage, current: int | None, plan_status: PlanStatus) -> str:
    if stage.status is StageStatus.CLOSED:
        return "done"
    if stage.status in (StageStatus.OPEN, StageStatus.AWAITING_DECISION):
        return "current"
    if plan_status is PlanStatus.CANCELLED:
        return "not_reached"
    if plan_status is PlanStatus.SCHEDULED:  # the first stage opens with the plan
        return "next" if stage.position == 0 else "upcoming"
    return "next" if current is not None and stage.position == current + 1 else "upcoming"


def _dependencies(plan_id: int) -> dict[int, list[int]]:
    """Task id → ids of the tasks it depends on, for one plan (one query)."""
    query = (
        sa.select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .join(Task, Task.id == TaskDependency.task_id)
        .where(Task.plan_id == plan_id)
        .order_by(TaskDependency.task_id, TaskDependency.depends_on_id)
    )
    result: dict[int, list[int]] = {}
    for task_id, depends_on_id in session().execute(query):
        result.setdefault(task_id, []).append(depends_on_id)
    return result


def _linked_tasks(
    wanted: sa.orm.InstrumentedAttribute[int], given: sa.orm.InstrumentedAttribute[int], task_id: int
) -> list[Task]:
    """The tasks at the ``wanted`` end of the dependencies whose ``given`` end is ``task_id`` (one query)."""
    query = (
        sa.select(Task).join(TaskDependency, wanted == Task.id).where(given == task_id).order_by(Task.due_date, Task.id)
    )
    return list(session().scalars(query))


def _roles(plan_id: int) -> _Roles:
    """Organisation and active members of each role of the plan (one query)."""
    query = (
        sa.select(RoleAssignment.role_key, Organisation.name, Person.id, Person.name, Person.is_active)
        .join(Organisation, Organisation.id == RoleAssignment.organisation_id)
        .outerjoin(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .outerjoin(Person, Person.id == RoleAssignmentMember.person_id)
        .where(RoleAssignment.plan_id == plan_id)
        .order_by(RoleAssignment.role_key, Person.name)
    )
    roles = _Roles()
    for role_key, organisation, person_id, name, active in session().execute(query):
        roles.organisations[role_key] = organisation
        members = roles.members.setdefault(role_key, [])
        if person_id is not None and active:
            members.append((person_id, name))
    return roles


def _journal(
    plan_id: int,
    page: int,
    definition: WorkflowDefinition,
    task_keys: dict[int, str],
    stages: Iterable[PlanStage],
) -> JournalPage:
    """A page of the plan's journal, newest first (two queries: events, then names)."""
    page = max(1, page)
    query = sa.select(Event).where(Event.plan_id == plan_id).order_by(Event.occurred_dt.desc(), Event.id.desc())
    events = list(session().scalars(query.limit(JOURNAL_PAGE_SIZE + 1).offset((page - 1) * JOURNAL_PAGE_SIZE)))
    shown = events[:JOURNAL_PAGE_SIZE]
    return JournalPage(_entries(shown, definition, task_keys, stages), page, len(events) > JOURNAL_PAGE_SIZE)


def _task_journal(
    task: Task, page: int, definition: WorkflowDefinition, task_keys: dict[int, str], stages: Iterable[PlanStage]
) -> tuple[JournalPage, list[JournalEntry]]:
    """A page of the task's journal and its notes, newest first (three queries)."""
    page = max(1, page)
    ordered = sa.select(Event).where(Event.task_id == task.id).order_by(Event.occurred_dt.desc(), Event.id.desc())
    offset = (page - 1) * JOURNAL_PAGE_SIZE
    events = list(session().scalars(ordered.limit(JOURNAL_PAGE_SIZE + 1).offset(offset)))
    notes = list(session().scalars(ordered.where(Event.note.is_not(None)).limit(NOTES_LIMIT)))
    shown = events[:JOURNAL_PAGE_SIZE]
    entries = _entries([*shown, *notes], definition, task_keys, stages)
    journal = JournalPage(entries[: len(shown)], page, len(events) > JOURNAL_PAGE_SIZE)
    return journal, entries[len(shown) :]


def _entries(
    events: Sequence[Event], definition: WorkflowDefinition, task_keys: dict[int, str], stages: Iterable[PlanStage]
) -> list[JournalEntry]:
    """Journal entries for ``events``, the names of the people in them read in one query."""
    wanted = {event.actor_id for event in events if event.actor_id is not None}
    for event in events:
        if event.kind == "task_reassigned":
            wanted.update(int(value) for value in (event.from_state, event.to_state) if value and value.isdigit())
    names = dict(session().execute(sa.select(Person.id, Person.name).where(Person.id.in_(wanted))).all())
    task_defs = _task_defs(definition)
    stage_keys = {stage.id: stage.stage_key for stage in stages}
    return [_entry(event, definition, names, task_defs, task_keys, stage_keys) for event in events]


def _entry(
    event: Event,
    definition: WorkflowDefinition,
    names: dict[int, str],
    task_defs: dict[str, TaskDef],
    task_keys: dict[int, str],
    stage_keys: dict[int, str],
) -> JournalEntry:
    task_key = task_keys.get(event.task_id) if event.task_id is not None else None
    stage_key = stage_keys.get(event.stage_id) if event.stage_id is not None else None
    cause = (event.data or {}).get("caused_by") if event.kind == "deadline_moved" else None
    reassigned = event.kind == "task_reassigned"
    return JournalEntry(
        event=event,
        actor_name=names.get(event.actor_id) if event.actor_id is not None else None,
        task_id=event.task_id,
        task_title=task_defs[task_key].title if task_key in task_defs else None,
        stage_title=_stage_title(definition, stage_key),
        from_name=_person_name(names, event.from_state) if reassigned else None,
        to_name=_person_name(names, event.to_state) if reassigned else None,
        cause_title=task_defs[cause].title if isinstance(cause, str) and cause in task_defs else None,
    )


def _person_name(names: dict[int, str], value: str | None) -> str | None:
    return names.get(int(value)) if value and value.isdigit() else None


def _stage_title(definition: WorkflowDefinition, stage_key: str | None) -> Text | None:
    if stage_key is None:
        return None
    try:
        return definition.stage(stage_key).title
    except KeyError:
        return None


def _task_defs(definition: WorkflowDefinition) -> dict[str, TaskDef]:
    """The definition's tasks by key, worked out once per definition version and request."""
    memo: dict[tuple[str, int], dict[str, TaskDef]] = g.setdefault("gpect_task_defs", {})
    key = (definition.key, definition.version)
    if key not in memo:
        memo[key] = {task.key: task for task in definition.tasks()}
    return memo[key]


def _ref(task_defs: dict[str, TaskDef], task: Task) -> TaskRef:
    return TaskRef(task.id, task_defs[task.task_key].title, task.status, task.due_date)
