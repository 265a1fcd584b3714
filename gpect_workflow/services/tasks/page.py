"""What the task page shows, and the task lines of the plan page: a task with what the reader may do to it.

Who may do what on each task follows the rules the services apply when the change is asked for; titles come
from the plan's definition version; the journal and the notes of the task come from ``journal``. A fixed
number of queries whatever the size of the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ...definitions import WorkflowDefinition
from ...definitions.model import Text
from ...engine.rescheduling import Shift, StageChange
from ...engine.tasks import TASK_TRANSITIONS, allowed_targets
from ...errors import InvalidTransition, NotFound
from ...models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    Organisation,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
    Task,
    TaskDependency,
    TaskStatus,
)
from ...refusals import Refusal
from ..access import is_worker
from ..context import session
from ..definitions import get_definition, task_definition
from ..journal import JournalEntry, JournalPage, task_journal
from ..loading import check_version, last_event
from ..plans.detail import PlanDetail, plan_detail
from .changes import check_stage_accepts, preview_reschedule


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


@dataclass(frozen=True, slots=True)
class StageLine:
    """A stage whose planned window a move would change, with its title and the next stage's."""

    change: StageChange
    title: Text
    #: The stage the changed one would now overlap (the ``keep`` policy), else ``None``.
    overlapped_title: Text | None


@dataclass(frozen=True, slots=True)
class MovePreview:
    """What a deadline move would change: deadlines (the task first), stages, and tasks carried with them."""

    lines: list[ShiftLine]
    stages: list[StageLine]
    carried: int

    @property
    def extended(self) -> list[StageLine]:
        """The stages that would end later because their own tasks run past their end."""
        return [line for line in self.stages if line.change.extended_by]


@dataclass
class PlanRoles:
    """The plan's role mapping: organisation and active members of each role."""

    organisations: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[tuple[int, str]]] = field(default_factory=dict)


def task_page(person: Person, task_id: int, journal_page: int = 1) -> TaskPage:
    """One task as ``person`` may see it (``NotFound`` for someone who may not see its plan)."""
    task = session().scalar(sa.select(Task).where(Task.id == task_id).options(joinedload(Task.assignee)))
    if task is None:
        raise NotFound(Refusal.NO_SUCH_TASK)
    try:
        detail = plan_detail(person, task.plan_id)
    except NotFound as exc:
        raise NotFound(Refusal.NO_SUCH_TASK) from exc
    definition = get_definition(detail.plan.definition_key, detail.plan.definition_version)
    prerequisites = linked_tasks(TaskDependency.depends_on_id, TaskDependency.task_id, task.id)
    dependents = linked_tasks(TaskDependency.task_id, TaskDependency.depends_on_id, task.id)
    stage = next(s for s in detail.stages if s.id == task.stage_id)
    row = task_row(person, detail, definition, plan_roles(task.plan_id), task, stage, prerequisites)
    journal, notes = task_journal(
        task, journal_page, definition, {task.id: task_definition(definition, task)}, detail.stages
    )
    return TaskPage(
        detail,
        definition,
        row,
        stage,
        definition.stage(stage.stage_key).title,
        tuple(task_ref(definition, t) for t in dependents),
        notes,
        journal,
    )


def preview_move(person: Person, task_id: int, new_due: date, expected_version: int | None) -> MovePreview:
    """What moving the task's deadline to ``new_due`` would change, with titles; nothing is changed.

    Raises what the move itself would raise, ``StaleObject`` included: a preview of a task someone
    changed since the person read it is not worth confirming.
    """
    move = preview_reschedule(person, task_id, new_due)
    task = session().get(Task, task_id)
    assert task is not None
    check_version("task", task.version, expected_version, lambda: last_event(task.plan_id, task.id))
    return MovePreview(shift_lines(task_id, move.shifts), stage_lines(task.plan_id, move.stages), len(move.carried))


def stage_lines(plan_id: int, changes: Sequence[StageChange]) -> list[StageLine]:
    """The stage changes of a move with the titles of the stages they concern."""
    if not changes:
        return []
    plan = session().get(Plan, plan_id)
    assert plan is not None
    definition = get_definition(plan.definition_key, plan.definition_version)
    return [
        StageLine(
            change,
            definition.stage(change.key).title,
            definition.stage(change.overlaps).title if change.overlaps else None,
        )
        for change in changes
    ]


def shift_lines(task_id: int, shifts: Sequence[Shift]) -> list[ShiftLine]:
    """The deadline changes of a move with the titles of the tasks they concern, the moved task first."""
    ids = [shift.task_id for shift in shifts]
    tasks = {task.id: task for task in session().scalars(sa.select(Task).where(Task.id.in_(ids)))}
    if not tasks:
        return []
    plan = session().get(Plan, next(iter(tasks.values())).plan_id)
    assert plan is not None
    definition = get_definition(plan.definition_key, plan.definition_version)
    return [
        ShiftLine(
            shift.task_id,
            task_definition(definition, tasks[shift.task_id]).title,
            shift.old,
            shift.new,
            shift.task_id == task_id,
        )
        for shift in shifts
    ]


def task_row(
    person: Person,
    detail: PlanDetail,
    definition: WorkflowDefinition,
    roles: PlanRoles,
    task: Task,
    stage: PlanStage,
    prerequisites: Sequence[Task],
) -> TaskRow:
    task_def = task_definition(definition, task)
    late = (detail.today - task.due_date).days if task.status in OPEN_TASK_STATUSES else 0
    return TaskRow(
        task=task,
        title=task_def.title,
        description=task_def.description,
        role_title=definition.role(task.owner_role).title,
        organisation=roles.organisations.get(task.owner_role),
        dependencies=tuple(task_ref(definition, t) for t in prerequisites),
        days_late=max(0, late),
        actions=_task_actions(person, detail, roles, task, stage, prerequisites),
    )


def _task_actions(
    person: Person, detail: PlanDetail, roles: PlanRoles, task: Task, stage: PlanStage, prerequisites: Sequence[Task]
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
        check_stage_accepts(stage, current, target)
    except InvalidTransition:
        return False
    return True


def _assignees(detail: PlanDetail, roles: PlanRoles, task: Task) -> tuple[tuple[int, str], ...]:
    """The members of the task's role, then the plan lead: who ``reassign_task`` accepts."""
    people = dict(roles.members.get(task.owner_role, []))
    lead = detail.plan.lead
    people.setdefault(lead.id, lead.name)
    return tuple(people.items())


def linked_tasks(
    wanted: sa.orm.InstrumentedAttribute[int], given: sa.orm.InstrumentedAttribute[int], task_id: int
) -> list[Task]:
    """The tasks at the ``wanted`` end of the dependencies whose ``given`` end is ``task_id`` (one query)."""
    query = (
        sa.select(Task).join(TaskDependency, wanted == Task.id).where(given == task_id).order_by(Task.due_date, Task.id)
    )
    return list(session().scalars(query))


def plan_roles(plan_id: int) -> PlanRoles:
    """Organisation and active members of each role of the plan (one query)."""
    roles = PlanRoles()
    for role_key, organisation, person_id, name, active in session().execute(
        _plan_roles_statement(), {"gpect_plan_id": plan_id}
    ):
        roles.organisations[role_key] = organisation
        members = roles.members.setdefault(role_key, [])
        if person_id is not None and active:
            members.append((person_id, name))
    return roles


@cache
def _plan_roles_statement() -> sa.Select[str, str, int, str, bool]:
    """``plan_roles``' statement, built once per process (the plan and task pages read it on every request);
    the plan is a bound parameter without a default."""
    return (
        sa.select(RoleAssignment.role_key, Organisation.name, Person.id, Person.name, Person.is_active)
        .join(Organisation, Organisation.id == RoleAssignment.organisation_id)
        .outerjoin(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .outerjoin(Person, Person.id == RoleAssignmentMember.person_id)
        .where(RoleAssignment.plan_id == sa.bindparam("gpect_plan_id"))
        .order_by(RoleAssignment.role_key, Person.name)
    )


def task_ref(definition: WorkflowDefinition, task: Task) -> TaskRef:
    return TaskRef(task.id, task_definition(definition, task).title, task.status, task.due_date)
