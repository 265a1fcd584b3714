"""One plan as a person may see it: its stages with their progress, its progress, what the reader may do.

Pages and the API start from here; someone who may not see the plan is told it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ...engine.progress import Progress
from ...errors import NotFound
from ...models import Person, Plan, PlanStage, Task
from ...refusals import Refusal
from ..access import PlanAccess, access_with_roles, plan_access, require_view, role_keys_in, split_role_keys
from ..context import session
from ..definitions import get_definition
from ..loading import plan_today
from .progress import stages_and_plans_progress


@dataclass(frozen=True, slots=True)
class StageSummary:
    """A stage of a plan and its progress."""

    stage: PlanStage
    progress: Progress


@dataclass(frozen=True, slots=True)
class PlanDetail:
    """A plan with its stages, their progress, the plan's progress and what the reader may do."""

    plan: Plan
    stages: list[PlanStage]
    stage_progress: dict[int, Progress]
    progress: Progress
    access: PlanAccess
    today: date

    @property
    def stage_summaries(self) -> list[StageSummary]:
        """Each stage, in order, with its progress."""
        return [StageSummary(stage, self.stage_progress.get(stage.id, Progress())) for stage in self.stages]


def plan_detail(person: Person, plan_id: int) -> PlanDetail:
    """One plan as the person may see it (``NotFound`` otherwise)."""
    found = session().execute(_plan_statement(), {"gpect_plan_id": plan_id, "gpect_person_id": person.id}).first()
    if found is None:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    plan, role_keys = found
    definition = get_definition(plan.definition_key, plan.definition_version)
    access = access_with_roles(person, plan, definition, split_role_keys(role_keys))
    require_view(access)
    by_stage, by_plan = stages_and_plans_progress([plan])
    return PlanDetail(plan, list(plan.stages), by_stage, by_plan.get(plan.id, Progress()), access, plan_today(plan))


@cache
def _plan_statement() -> sa.Select[Plan, str | None]:
    """``plan_detail``'s statement, built once per process (with its loader options, building it cost more
    Python than the database took to run it); the plan and the reader are bound parameters without defaults.

    The keys of the roles the reader holds in the plan come with it (``role_keys_in``): the plan and task
    pages and the API's plan and task endpoints need them to decide what the reader may see and do, and read
    apart (``plan_access``) they cost one statement more on each."""
    return (
        sa.select(Plan, role_keys_in(sa.bindparam("gpect_person_id", type_=sa.Integer), Plan.id))
        .where(Plan.id == sa.bindparam("gpect_plan_id"))
        .options(joinedload(Plan.territory), joinedload(Plan.lead), selectinload(Plan.stages))
    )


def plan_tasks(person: Person, plan_id: int) -> list[Task]:
    """The plan's tasks in stage then due-date order, for someone who may see the plan."""
    plan_detail(person, plan_id)
    query = (
        sa.select(Task)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .where(Task.plan_id == plan_id)
        .options(joinedload(Task.assignee))
        .order_by(PlanStage.position, Task.due_date, Task.id)
    )
    return list(session().scalars(query))


def get_task(person: Person, task_id: int) -> Task:
    """One task, for someone who may see its plan."""
    task = session().get(Task, task_id)
    if task is None:
        raise NotFound(Refusal.NO_SUCH_TASK)
    try:
        plan_detail(person, task.plan_id)
    except NotFound as exc:
        raise NotFound(Refusal.NO_SUCH_TASK) from exc
    return task


def check_visible(person: Person, plan_id: int) -> None:
    """``NotFound`` unless ``person`` may see the plan: outsiders learn nothing, not even that it exists."""
    plan = session().get(Plan, plan_id)
    if plan is None:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    require_view(plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version)))


def plan_of_task(task_id: int) -> int:
    """The id of the plan a task belongs to (``NotFound`` when there is no such task)."""
    plan_id = session().scalar(sa.select(Task.plan_id).where(Task.id == task_id))
    if plan_id is None:
        raise NotFound(Refusal.NO_SUCH_TASK)
    return int(plan_id)
