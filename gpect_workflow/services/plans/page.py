"""What the plan page shows, read in a fixed number of queries whatever the plan's size.

The page needs more than a plan's rows: the titles its definition version gives them, who may do what on
each task (``tasks.page``: the same rules the services apply when the change is asked for), its indicators
and the journal with the names of the people in it (``journal``). Everything is loaded in bulk, so a plan of
50 tasks and a thousand events costs the same number of queries as a plan of five.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ...definitions import WorkflowDefinition
from ...definitions.model import Text
from ...engine.progress import Progress
from ...models import Indicator, Person, Plan, PlanStage, PlanStatus, StageStatus, Task, TaskDependency
from ..context import session
from ..definitions import get_definition, task_definition
from ..indicators.measurements import indicators_of_plans
from ..journal import JournalPage, plan_journal
from ..tasks.page import TaskRow, plan_roles, task_row
from .detail import PlanDetail, plan_detail
from .progress import StageDates, stage_dates


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


def plan_page(person: Person, plan_id: int, journal_page: int = 1) -> PlanPage:
    """The plan as ``person`` may see it (``NotFound`` otherwise), with its tasks, indicators and journal."""
    detail = plan_detail(person, plan_id)
    plan = detail.plan
    definition = get_definition(plan.definition_key, plan.definition_version)
    tasks = list(session().scalars(_tasks_statement(), {_PLAN: plan.id}))
    depends_on = _dependencies(plan.id)
    roles = plan_roles(plan.id)
    by_id = {task.id: task for task in tasks}
    stages_by_id = {stage.id: stage for stage in detail.stages}
    rows: dict[int, list[TaskRow]] = {stage.id: [] for stage in detail.stages}
    for task in tasks:
        prerequisites = [by_id[i] for i in depends_on.get(task.id, ()) if i in by_id]
        row = task_row(person, detail, definition, roles, task, stages_by_id[task.stage_id], prerequisites)
        rows[task.stage_id].append(row)
    indicators = indicators_of_plans([plan.id])[plan.id]  # the reader may see the plan: ``plan_detail`` checked
    journal = plan_journal(
        plan.id, journal_page, definition, {t.id: task_definition(definition, t) for t in tasks}, detail.stages
    )
    return PlanPage(
        detail, definition, _stage_rows(detail, definition, rows), indicators, journal, _plan_actions(detail)
    )


#: The name of the plan's id in the statements built once per process (``_tasks_statement``,
#: ``_dependencies_statement``): built on every page, they cost more Python than the database took to run
#: them. A bound parameter without a default, which every execution gives.
_PLAN = "gpect_plan_id"


@cache
def _tasks_statement() -> sa.Select[Task]:
    return (
        sa.select(Task)
        .where(Task.plan_id == sa.bindparam(_PLAN))
        .options(joinedload(Task.assignee))
        .order_by(Task.due_date, Task.id)
    )


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
    result: dict[int, list[int]] = {}
    for task_id, depends_on_id in session().execute(_dependencies_statement(), {_PLAN: plan_id}):
        result.setdefault(task_id, []).append(depends_on_id)
    return result


@cache
def _dependencies_statement() -> sa.Select[int, int]:
    return (
        sa.select(TaskDependency.task_id, TaskDependency.depends_on_id)
        .join(Task, Task.id == TaskDependency.task_id)
        .where(Task.plan_id == sa.bindparam(_PLAN))
        .order_by(TaskDependency.task_id, TaskDependency.depends_on_id)
    )
