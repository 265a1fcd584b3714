"""Reading plans, tasks and partners as a given person may see them: one place for visibility."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from ...engine.progress import Progress
from ...errors import NotFound
from ...models import (
    OPEN_TASK_STATUSES,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    Task,
    Territory,
)
from ..access import PlanAccess, plan_access, require_view, visible_plans
from ..context import now, session
from ..definitions import Definitions, definition_from_record, get_definition, list_definition_records
from ..loading import plan_today
from ..paging import Page, paginate
from ..zones import known_zone
from .progress import plans_progress, stages_progress


@dataclass(frozen=True, slots=True)
class PlanFilters:
    """Filters of plan lists; ``None`` means any."""

    territory_id: int | None = None
    definition_key: str | None = None
    status: PlanStatus | None = None
    stage_key: str | None = None
    late: bool | None = None


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """A plan and its progress: a row of a list, as the API answers it."""

    plan: Plan
    progress: Progress


@dataclass(frozen=True, slots=True)
class StageSummary:
    """A stage of a plan and its progress."""

    stage: PlanStage
    progress: Progress


@dataclass(frozen=True, slots=True)
class PlanList(Page[Plan]):
    """A page of plans with their progress."""

    #: Progress by plan id.
    progress: dict[int, Progress] = field(default_factory=dict)

    @property
    def plans(self) -> list[Plan]:
        """The plans of the page, newest first."""
        return self.items

    @property
    def summaries(self) -> list[PlanSummary]:
        """Each plan of the page with its progress."""
        return [PlanSummary(plan, self.progress.get(plan.id, Progress())) for plan in self.items]


def list_plans(person: Person, filters: PlanFilters, page: int = 1, per_page: int = 25) -> PlanList:
    """A page of the plans the person may see, filtered, newest first (three queries whatever the size).

    A page past the last is empty: the plans page sends its reader to the last one, the API answers it.
    """
    query = filter_plans(sa.select(Plan).where(Plan.id.in_(visible_plans(person))), filters)
    ordered = query.options(joinedload(Plan.territory), joinedload(Plan.lead)).order_by(
        Plan.created_dt.desc(), Plan.id.desc()
    )
    found = paginate(query, ordered, page, per_page)
    return PlanList(found.items, found.page, found.per_page, found.total, plans_progress(found.items))


def filter_plans(query: sa.Select[tuple[Plan]], filters: PlanFilters) -> sa.Select[tuple[Plan]]:
    """``query`` over plans narrowed by ``filters`` (the plans list's, the committee's, the API's)."""
    if filters.territory_id is not None:
        query = query.where(Plan.territory_id == filters.territory_id)
    if filters.definition_key is not None:
        query = query.where(Plan.definition_key == filters.definition_key)
    if filters.status is not None:
        query = query.where(Plan.status == filters.status)
    if filters.stage_key is not None:
        query = query.where(Plan.current_stage_key == filters.stage_key)
    if filters.late is not None:
        today = _plan_today()
        late = sa.exists().where(Task.plan_id == Plan.id, Task.status.in_(OPEN_TASK_STATUSES), Task.due_date < today)
        query = query.where(late if filters.late else ~late)
    return query


def _plan_today() -> ColumnElement[date]:
    """Today in each plan's time zone, as SQL over ``Plan.timezone`` (as progress counts overdue tasks)."""
    instant = now()
    default = sa.literal(instant.astimezone(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])).date(), sa.Date)
    # A stored name the rule refuses (an old row) counts in the default zone, like the pages read it.
    zones = {
        name: zone for name in session().scalars(sa.select(Plan.timezone).distinct()) if (zone := known_zone(name))
    }
    if not zones:
        return default
    whens = [
        (Plan.timezone == name, sa.literal(instant.astimezone(zone).date(), sa.Date)) for name, zone in zones.items()
    ]
    return sa.case(*whens, else_=default)


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
    plan = session().scalar(
        sa.select(Plan)
        .where(Plan.id == plan_id)
        .options(joinedload(Plan.territory), joinedload(Plan.lead), selectinload(Plan.stages))
    )
    if plan is None:
        raise NotFound("no such plan")
    access = plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version))
    require_view(access)
    empty = Progress()
    return PlanDetail(
        plan,
        list(plan.stages),
        stages_progress([plan]),
        plans_progress([plan]).get(plan.id, empty),
        access,
        plan_today(plan),
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
        raise NotFound("no such task")
    try:
        plan_detail(person, task.plan_id)
    except NotFound as exc:
        raise NotFound("no such task") from exc
    return task
