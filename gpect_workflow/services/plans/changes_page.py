"""What the page that changes a running plan shows: its name, its roles as mapped now (the committee's among
them), the organisations and people it may map them to, its stages that take new tasks, its tasks."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ...definitions import WorkflowDefinition
from ...definitions.model import Text
from ...models import Organisation, Person, Plan, PlanStage, StageStatus, Task, TaskStatus
from ...refusals import Refusal
from ..access import plan_access, require
from ..context import session
from ..definitions import get_definition, task_definition
from ..loading import plan_today
from .detail import check_visible
from .roles import RoleLine, role_lines
from .wizard import partner_organisations


@dataclass(frozen=True, slots=True)
class TaskChoice:
    """A task of the plan: what it is called, where it is, whether it can be removed."""

    task: Task
    title: Text
    stage_title: Text
    removable: bool


@dataclass(frozen=True, slots=True)
class PlanChanges:
    """Everything the page needs."""

    plan: Plan
    definition: WorkflowDefinition
    roles: list[RoleLine]
    organisations: list[Organisation]
    stages: list[tuple[PlanStage, Text]]
    tasks: list[TaskChoice]
    today_iso: str

    def role(self, key: str) -> RoleLine | None:
        """The line of role ``key`` (``None`` for a key the definition lacks)."""
        return next((line for line in self.roles if line.key == key), None)

    def people(self) -> list[Person]:
        """The active people of the organisations offered, organisation by organisation."""
        return [p for o in self.organisations for p in o.people if p.is_active]


def plan_changes(actor: Person, plan_id: int) -> PlanChanges:
    """The page for the plan's lead or an active administrator (``NotFound`` for who may not see the plan,
    ``PermissionDenied`` for who may see but not change it)."""
    check_visible(actor, plan_id)
    plan = session().get(Plan, plan_id)
    assert plan is not None
    definition = get_definition(plan.definition_key, plan.definition_version)
    require(plan_access(actor, plan, definition).can_manage, Refusal.LEAD_CHANGES_PLANS)
    stages = list(
        session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position))
    )
    titles = {stage.id: definition.stage(stage.stage_key).title for stage in stages}
    tasks = session().scalars(sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.due_date, Task.id))
    return PlanChanges(
        plan=plan,
        definition=definition,
        roles=role_lines(plan, definition),
        organisations=partner_organisations(plan.territory_id),
        stages=[(s, titles[s.id]) for s in stages if s.status in (StageStatus.OPEN, StageStatus.PENDING)],
        tasks=[
            TaskChoice(
                t,
                task_definition(definition, t).title,
                titles[t.stage_id],
                t.is_one_off and t.status is TaskStatus.TODO and t.started_dt is None,
            )
            for t in tasks
        ],
        today_iso=plan_today(plan).isoformat(),
    )
