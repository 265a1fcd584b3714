"""My tasks: the tasks that are the person's, open and lately finished, with the changes one click makes.

A task is the person's when it is assigned to them, or unassigned and owned by a role they hold in the plan,
in plans they may see (``access``). The "my tasks" page lists them by urgency and the dashboard shows
the overdue and soon-due ones; either costs a fixed number of queries whatever the number of plans and tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from ...engine.tasks import TASK_TRANSITIONS, allowed_targets
from ...models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
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
from ..access import is_active_admin, visible_plans
from ..context import now, session
from ..definitions import Definitions, definitions_for
from ..loading import plan_today
from ..zones import zone_or_default

#: "Due soon" means within this many days, in the plan's time zone.
HORIZON_DAYS = 14
#: Finished tasks stay on "my tasks" this many days.
RECENT_DAYS = 14
#: The status changes offered in one click on lists (the others need a form: a reason, an override).
QUICK_TARGETS = (TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.BLOCKED)


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


def my_tasks(person: Person) -> MyTasks:
    """All my open tasks (with the changes I may make in one click) and those finished in the last days."""
    work = open_work(person)
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


def _work_query(person: Person) -> sa.Select[Task, Plan, str]:
    return (
        sa.select(Task, Plan, PlanStage.stage_key)
        .join(Plan, Plan.id == Task.plan_id)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .where(is_mine(person), Plan.id.in_(visible_plans(person)))
    )


def open_work(person: Person, due_until: date | None = None) -> list[WorkItem]:
    """My open tasks of open stages of active plans (those I can work on), by deadline."""
    query = _work_query(person).where(
        Task.status.in_(OPEN_TASK_STATUSES),
        PlanStage.status == StageStatus.OPEN,
        Plan.status == PlanStatus.ACTIVE,
    )
    if due_until is not None:
        query = query.where(Task.due_date <= due_until)
    rows = session().execute(query.order_by(Task.due_date, Plan.name, Task.id))
    return [WorkItem(task, plan, stage_key, plan_today(plan)) for task, plan, stage_key in rows]


def has_open_work(person: Person) -> bool:
    """Whether the person has any open task of an open stage of an active plan, whenever it falls due (one
    ``EXISTS`` query)."""
    query = _work_query(person).where(
        Task.status.in_(OPEN_TASK_STATUSES),
        PlanStage.status == StageStatus.OPEN,
        Plan.status == PlanStatus.ACTIVE,
    )
    return bool(session().scalar(sa.select(query.exists())))


def _recently_finished(person: Person) -> list[WorkItem]:
    since = now() - timedelta(days=RECENT_DAYS)
    query = _work_query(person).where(Task.status.in_(FINISHED_TASK_STATUSES), Task.completed_dt >= since)
    rows = session().execute(query.order_by(Task.completed_dt.desc(), Task.id.desc()))
    return [WorkItem(task, plan, stage_key, plan_today(plan)) for task, plan, stage_key in rows]


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
