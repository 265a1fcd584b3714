"""A person's own work: their tasks, their plans, and the gates waiting for a committee decision.

"My tasks" follows the permission rules of ``permissions``: the tasks assigned to the person, and the
unassigned tasks owned by a role the person holds in the plan, in plans the person may see. Every
function runs a fixed number of queries whatever the number of plans and tasks, so the dashboard and
the "my tasks" page cost the same with ten plans or a hundred thousand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql.elements import ColumnElement

from ..definitions import WorkflowDefinition
from ..engine.progress import Progress
from ..engine.tasks import TASK_TRANSITIONS, allowed_targets
from ..models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    DefinitionRecord,
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
    Territory,
)
from .context import now, session
from .definitions import definition_from_record, list_definition_records
from .permissions import can_start_plans, is_active_admin
from .progress import plans_progress
from .queries import visible_plans
from .zones import zone_or_default

#: "Due soon" means within this many days, in the plan's time zone.
HORIZON_DAYS = 14
#: Finished tasks stay on "my tasks" this many days.
RECENT_DAYS = 14
#: The status changes offered in one click on lists (the others need a form: a reason, an override).
QUICK_TARGETS = (TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.BLOCKED)
#: How many plans and gates the dashboard shows before pointing to the full list.
DASHBOARD_LIMIT = 10
#: The largest offset from UTC of any time zone (Pacific/Kiritimati): no plan's today is later than now + 14 h.
_LATEST_OFFSET = timedelta(hours=14)
_STATUS_ORDER = {
    PlanStatus.ACTIVE: 0,
    PlanStatus.ON_HOLD: 1,
    PlanStatus.SCHEDULED: 2,
    PlanStatus.DRAFT: 3,
    PlanStatus.COMPLETED: 4,
    PlanStatus.CANCELLED: 5,
}

Definitions = dict[tuple[str, int], WorkflowDefinition]


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One of my tasks with its plan and stage, as of today in the plan's time zone."""

    task: Task
    plan: Plan
    stage_key: str
    today: date
    #: The status changes offered in one click (only those the engine allows this person now).
    actions: tuple[TaskStatus, ...] = ()
    #: How many tasks this one waits for (unfinished prerequisites).
    waiting_on: int = 0

    @property
    def finished_on(self) -> date | None:
        """The day the task was finished, in the plan's time zone."""
        done = self.task.completed_dt
        return done.astimezone(zone_or_default(self.plan.timezone)).date() if done else None

    @property
    def is_open(self) -> bool:
        return self.task.status in OPEN_TASK_STATUSES

    @property
    def days_left(self) -> int:
        """Days until the deadline (negative once it has passed)."""
        return (self.task.due_date - self.today).days

    @property
    def days_late(self) -> int:
        """Days past the deadline of an open task (0 when not late)."""
        return max(-self.days_left, 0) if self.is_open else 0


@dataclass(frozen=True, slots=True)
class PlanItem:
    """A plan with its current stage and progress."""

    plan: Plan
    current_stage: PlanStage | None
    progress: Progress


@dataclass(frozen=True, slots=True)
class GateItem:
    """A stage waiting for its committee's decision, and whether the reader may decide it."""

    stage: PlanStage
    plan: Plan
    can_decide: bool


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What the dashboard shows a person."""

    overdue: list[WorkItem]
    due_soon: list[WorkItem]
    plans: list[PlanItem]
    plans_total: int
    gates: list[GateItem]
    gates_total: int
    definitions: Definitions
    can_start_plans: bool


@dataclass(frozen=True, slots=True)
class MyTasks:
    """My tasks, grouped as the "my tasks" page shows them."""

    overdue: list[WorkItem] = field(default_factory=list)
    due_soon: list[WorkItem] = field(default_factory=list)
    later: list[WorkItem] = field(default_factory=list)
    recently_finished: list[WorkItem] = field(default_factory=list)
    definitions: Definitions = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.later or self.recently_finished)


@dataclass(frozen=True, slots=True)
class PlanListChoices:
    """What the plans list may be filtered by, for one person."""

    #: Territories of the plans the person may see, by name.
    territories: list[Territory]
    #: Every registered definition version, by key and version.
    definitions: Definitions


def plan_list_choices(person: Person) -> PlanListChoices:
    """The territories and definitions the plans list offers as filters (two queries)."""
    territories = sa.select(Plan.territory_id).where(Plan.id.in_(visible_plans(person)))
    query = sa.select(Territory).where(Territory.id.in_(territories)).order_by(Territory.name, Territory.id)
    records = list_definition_records()
    return PlanListChoices(
        list(session().scalars(query)),
        {(record.key, record.version): definition_from_record(record) for record in records},
    )


def is_mine(person: Person) -> ColumnElement[bool]:
    """Tasks that are the person's: assigned to them, or unassigned and owned by a role they hold in the plan."""
    holds_owner_role = (
        sa.select(RoleAssignment.id)
        .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .where(
            RoleAssignment.plan_id == Task.plan_id,
            RoleAssignment.role_key == Task.owner_role,
            RoleAssignmentMember.person_id == person.id,
        )
        .exists()
    )
    return sa.or_(Task.assignee_id == person.id, sa.and_(Task.assignee_id.is_(None), holds_owner_role))


def dashboard(person: Person, limit: int = DASHBOARD_LIMIT) -> Dashboard:
    """The person's overdue and soon-due tasks, their plans and the gates awaiting a decision."""
    latest_today = (now() + _LATEST_OFFSET).date()
    work = _open_work(person, due_until=latest_today + timedelta(days=HORIZON_DAYS))
    plans, plans_total = _my_plans(person, limit)
    waiting, gates_total = _waiting_gates(person, limit)
    definitions = definitions_for(
        [item.plan for item in work] + [item.plan for item in plans] + [plan for _, plan in waiting]
    )
    gates = _flag_deciders(person, waiting, definitions)
    return Dashboard(
        overdue=[item for item in work if item.days_late],
        due_soon=[item for item in work if 0 <= item.days_left <= HORIZON_DAYS],
        plans=plans,
        plans_total=plans_total,
        gates=gates,
        gates_total=gates_total,
        definitions=definitions,
        can_start_plans=can_start_plans(person),
    )


def my_tasks(person: Person) -> MyTasks:
    """All my open tasks (with the changes I may make in one click) and those finished in the last days."""
    work = _open_work(person)
    waiting = _unfinished_prerequisites([item.task.id for item in work])
    work = [_with_actions(person, item, waiting.get(item.task.id, 0)) for item in work]
    finished = _recently_finished(person)
    return MyTasks(
        overdue=[item for item in work if item.days_late],
        due_soon=[item for item in work if 0 <= item.days_left <= HORIZON_DAYS],
        later=[item for item in work if item.days_left > HORIZON_DAYS],
        recently_finished=finished,
        definitions=definitions_for([item.plan for item in work + finished]),
    )


def quick_actions(status: TaskStatus, *, is_lead: bool, dependencies_done: bool) -> tuple[TaskStatus, ...]:
    """The one-click changes the engine allows from ``status``; starting or finishing waits for prerequisites."""
    return tuple(
        target
        for target in allowed_targets(status, is_lead=is_lead)
        if target in QUICK_TARGETS and (dependencies_done or not TASK_TRANSITIONS[status, target].needs_dependencies)
    )


def definitions_for(plans: Iterable[Plan]) -> Definitions:
    """The definition versions the plans run, read in one query."""
    wanted = {(plan.definition_key, plan.definition_version) for plan in plans}
    if not wanted:
        return {}
    query = sa.select(DefinitionRecord).where(
        sa.tuple_(DefinitionRecord.key, DefinitionRecord.version).in_(sorted(wanted))
    )
    return {(record.key, record.version): definition_from_record(record) for record in session().scalars(query)}


def _today(plan: Plan) -> date:
    return now().astimezone(zone_or_default(plan.timezone)).date()


def _work_query(person: Person) -> sa.Select[tuple[Task, Plan, str]]:
    return (
        sa.select(Task, Plan, PlanStage.stage_key)
        .join(Plan, Plan.id == Task.plan_id)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .where(is_mine(person), Plan.id.in_(visible_plans(person)))
    )


def _open_work(person: Person, due_until: date | None = None) -> list[WorkItem]:
    """My open tasks of open stages of active plans (those I can work on), by deadline."""
    query = _work_query(person).where(
        Task.status.in_(OPEN_TASK_STATUSES),
        PlanStage.status == StageStatus.OPEN,
        Plan.status == PlanStatus.ACTIVE,
    )
    if due_until is not None:
        query = query.where(Task.due_date <= due_until)
    rows = session().execute(query.order_by(Task.due_date, Plan.name, Task.id))
    return [WorkItem(task, plan, stage_key, _today(plan)) for task, plan, stage_key in rows]


def _recently_finished(person: Person) -> list[WorkItem]:
    since = now() - timedelta(days=RECENT_DAYS)
    query = _work_query(person).where(Task.status.in_(FINISHED_TASK_STATUSES), Task.completed_dt >= since)
    rows = session().execute(query.order_by(Task.completed_dt.desc(), Task.id.desc()))
    return [WorkItem(task, plan, stage_key, _today(plan)) for task, plan, stage_key in rows]


def _unfinished_prerequisites(task_ids: Sequence[int]) -> dict[int, int]:
    if not task_ids:
        return {}
    prerequisite = aliased(Task)
    query = (
        sa.select(TaskDependency.task_id, sa.func.count())
        .join(prerequisite, prerequisite.id == TaskDependency.depends_on_id)
        .where(TaskDependency.task_id.in_(task_ids), prerequisite.status.not_in(FINISHED_TASK_STATUSES))
        .group_by(TaskDependency.task_id)
    )
    return {task_id: int(count) for task_id, count in session().execute(query)}


def _with_actions(person: Person, item: WorkItem, waiting_on: int) -> WorkItem:
    is_lead = is_active_admin(person) or item.plan.lead_id == person.id
    actions = quick_actions(item.task.status, is_lead=is_lead, dependencies_done=not waiting_on)
    return WorkItem(item.task, item.plan, item.stage_key, item.today, actions, waiting_on)


def _my_plans(person: Person, limit: int) -> tuple[list[PlanItem], int]:
    """The plans I lead, take part in or oversee (all for administrators): active ones first."""
    visible = Plan.id.in_(visible_plans(person))
    total = int(session().scalar(sa.select(sa.func.count()).select_from(Plan).where(visible)) or 0)
    current = sa.and_(PlanStage.plan_id == Plan.id, PlanStage.stage_key == Plan.current_stage_key)
    query = (
        sa.select(Plan, PlanStage)
        .outerjoin(PlanStage, current)
        .where(visible)
        .options(joinedload(Plan.territory))
        .order_by(sa.case(_STATUS_ORDER, value=Plan.status), Plan.created_dt.desc(), Plan.id.desc())
        .limit(limit)
    )
    rows = list(session().execute(query))
    progress = plans_progress([plan for plan, _ in rows])
    return [PlanItem(plan, stage, progress.get(plan.id, Progress())) for plan, stage in rows], total


def _waiting_gates(person: Person, limit: int) -> tuple[list[tuple[PlanStage, Plan]], int]:
    """Stages of active plans the person may see that wait for a committee decision, the oldest first."""
    waiting = sa.and_(
        PlanStage.status == StageStatus.AWAITING_DECISION,
        Plan.status == PlanStatus.ACTIVE,
        Plan.id.in_(visible_plans(person)),
    )
    total = int(session().scalar(sa.select(sa.func.count()).select_from(PlanStage).join(Plan).where(waiting)) or 0)
    if not total:
        return [], 0
    query = (
        sa.select(PlanStage, Plan)
        .join(Plan, Plan.id == PlanStage.plan_id)
        .where(waiting)
        .order_by(PlanStage.planned_end_date, PlanStage.id)
        .limit(limit)
    )
    return [(stage, plan) for stage, plan in session().execute(query)], total


def _flag_deciders(person: Person, waiting: list[tuple[PlanStage, Plan]], definitions: Definitions) -> list[GateItem]:
    """The gates with whether the person may decide them (administrators, the plan's committee), those first."""
    if not waiting:
        return []
    held: dict[int, set[str]] = {}
    if not is_active_admin(person):
        query = (
            sa.select(RoleAssignment.plan_id, RoleAssignment.role_key)
            .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
            .where(
                RoleAssignmentMember.person_id == person.id,
                RoleAssignment.plan_id.in_([plan.id for _, plan in waiting]),
            )
        )
        for plan_id, role_key in session().execute(query):
            held.setdefault(plan_id, set()).add(role_key)

    def may_decide(plan: Plan) -> bool:
        committee = definitions[plan.definition_key, plan.definition_version].committee_roles
        return is_active_admin(person) or bool(held.get(plan.id, set()) & set(committee))

    gates = [GateItem(stage, plan, may_decide(plan)) for stage, plan in waiting]
    return sorted(gates, key=lambda gate: not gate.can_decide)
