"""What a steering committee reviews, plan by plan: stages, tasks, indicators, decisions, burn-up.

The reports (CSV, printable page, PDF) are drawn from these records, in whichever language the
reader speaks: titles keep both languages (``Text``), statuses stay as stored values. Loading is
batched: the same number of queries for one plan or fifty, so a committee's export stays quick.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ...definitions.model import Text
from ...engine.progress import Progress
from ...errors import NotFound
from ...models import (
    OPEN_TASK_STATUSES,
    CommitteeDecision,
    Indicator,
    Person,
    Plan,
    PlanStage,
    RoleAssignment,
    Task,
)
from ...refusals import Refusal
from ..access import visible_plans
from ..context import session
from ..definitions import definitions_of_tasks, get_definition
from ..evidence.files import EvidenceLine, files_of_plans
from ..indicators.measurements import indicators_of_plans
from ..indicators.status import IndicatorStatus, latest_measurement, status_of
from ..loading import plan_today
from ..plans.burnup import Burnup, plans_burnup
from ..plans.progress import plans_progress, stages_progress


@dataclass(frozen=True)
class StageLine:
    stage: PlanStage
    title: Text
    percent: int


@dataclass(frozen=True)
class TaskLine:
    task: Task
    stage_title: Text
    title: Text
    role_title: Text
    assignee: str | None
    organisation: str | None
    days_late: int
    completed_on: date | None


@dataclass(frozen=True)
class IndicatorLine:
    indicator: Indicator
    latest_value: float | None
    latest_on: date | None
    #: Where the latest value stands against the target (``services.indicators.status``).
    status: IndicatorStatus


@dataclass(frozen=True)
class DecisionLine:
    decision: CommitteeDecision
    stage_title: Text
    decided_by: str


@dataclass(frozen=True)
class PlanReview:
    plan: Plan
    definition_title: Text
    today: date
    percent: int
    stages: list[StageLine]
    tasks: list[TaskLine]
    indicators: list[IndicatorLine]
    decisions: list[DecisionLine]
    burnup: Burnup
    #: The evidence files of the plan's tasks and gate reviews, oldest first.
    files: list[EvidenceLine] = field(default_factory=list)

    @property
    def late_tasks(self) -> list[TaskLine]:
        return [line for line in self.tasks if line.days_late > 0]


def plan_review(person: Person, plan_id: int) -> PlanReview:
    """One plan's review, for someone who may see the plan (others are told it does not exist)."""
    reviews = plan_reviews(person, [plan_id])
    if not reviews:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    return reviews[0]


def plan_reviews(person: Person, plan_ids: Sequence[int]) -> list[PlanReview]:
    """The reviews of the plans among ``plan_ids`` that ``person`` may see, in the order given."""
    if not plan_ids:
        return []
    plans = list(
        session().scalars(
            sa.select(Plan)
            .where(Plan.id.in_(list(plan_ids)), Plan.id.in_(visible_plans(person)))
            .options(joinedload(Plan.territory), joinedload(Plan.lead), selectinload(Plan.stages))
        )
    )
    order = {plan_id: position for position, plan_id in enumerate(plan_ids)}
    plans.sort(key=lambda plan: order[plan.id])
    if not plans:
        return []
    ids = [plan.id for plan in plans]
    tasks = _tasks_by_plan(ids)
    organisations = _role_organisations(ids)
    indicators = indicators_of_plans(ids)
    decisions = _decisions_by_plan(ids)
    progress = plans_progress(plans)
    stage_progress = stages_progress(plans)
    burnups = plans_burnup(plans)
    files = files_of_plans(
        ids, {plan.id: get_definition(plan.definition_key, plan.definition_version) for plan in plans}
    )
    return [
        _review(
            plan,
            tasks[plan.id],
            organisations,
            indicators[plan.id],
            decisions[plan.id],
            progress,
            stage_progress,
            burnups[plan.id],
            files.get(plan.id, []),
        )
        for plan in plans
    ]


def _review(
    plan: Plan,
    tasks: list[Task],
    organisations: dict[tuple[int, str], str],
    indicators: list[Indicator],
    decisions: list[CommitteeDecision],
    progress: dict[int, Progress],
    stage_progress: dict[int, Progress],
    burnup: Burnup,
    files: list[EvidenceLine],
) -> PlanReview:
    definition = get_definition(plan.definition_key, plan.definition_version)
    today = plan_today(plan)
    stage_titles = {stage.key: stage.title for stage in definition.stages}
    task_titles = definitions_of_tasks(definition, tasks)
    role_titles = {role.key: role.title for role in definition.roles}
    stages_by_id = {stage.id: stage for stage in plan.stages}
    fallback = Text(fr="", en="")
    task_lines = [
        TaskLine(
            task=task,
            stage_title=stage_titles.get(stages_by_id[task.stage_id].stage_key, fallback),
            title=task_titles[task.task_key].title
            if task.task_key in task_titles
            else Text(task.task_key, task.task_key),
            role_title=role_titles.get(task.owner_role, Text(fr=task.owner_role, en=task.owner_role)),
            assignee=task.assignee.name if task.assignee else None,
            organisation=(
                task.assignee.organisation.name
                if task.assignee and task.assignee.organisation
                else organisations.get((plan.id, task.owner_role))
            ),
            days_late=(today - task.due_date).days
            if task.status in OPEN_TASK_STATUSES and task.due_date < today
            else 0,
            completed_on=task.completed_dt.date() if task.completed_dt else None,
        )
        for task in sorted(tasks, key=lambda task: (stages_by_id[task.stage_id].position, task.due_date, task.id))
    ]
    return PlanReview(
        plan=plan,
        definition_title=definition.title,
        today=today,
        percent=_percent(progress.get(plan.id)),
        stages=[
            StageLine(stage, stage_titles.get(stage.stage_key, fallback), _percent(stage_progress.get(stage.id)))
            for stage in plan.stages
        ],
        tasks=task_lines,
        indicators=[indicator_line(indicator) for indicator in indicators],
        decisions=[
            DecisionLine(
                decision,
                stage_titles.get(stages_by_id[decision.stage_id].stage_key, fallback),
                decision.decided_by.name if decision.decided_by else "",
            )
            for decision in decisions
        ],
        burnup=burnup,
        files=files,
    )


def _percent(progress: Progress | None) -> int:
    return progress.percent_done if progress is not None else 0


def indicator_line(indicator: Indicator) -> IndicatorLine:
    """The indicator with its latest measurement and how it stands against its target."""
    latest = latest_measurement(indicator)
    if latest is None:
        return IndicatorLine(indicator, None, None, status_of(indicator))
    return IndicatorLine(indicator, latest.value, latest.measured_on, status_of(indicator))


def _tasks_by_plan(ids: list[int]) -> dict[int, list[Task]]:
    found: dict[int, list[Task]] = defaultdict(list)
    query = (
        sa.select(Task).where(Task.plan_id.in_(ids)).options(joinedload(Task.assignee).joinedload(Person.organisation))
    )
    for task in session().scalars(query):
        found[task.plan_id].append(task)
    return found


def _role_organisations(ids: list[int]) -> dict[tuple[int, str], str]:
    query = (
        sa.select(RoleAssignment)
        .where(RoleAssignment.plan_id.in_(ids))
        .options(joinedload(RoleAssignment.organisation))
    )
    return {(row.plan_id, row.role_key): row.organisation.name for row in session().scalars(query)}


def _decisions_by_plan(ids: list[int]) -> dict[int, list[CommitteeDecision]]:
    found: dict[int, list[CommitteeDecision]] = defaultdict(list)
    query = (
        sa.select(CommitteeDecision)
        .where(CommitteeDecision.plan_id.in_(ids))
        .options(joinedload(CommitteeDecision.decided_by))
        .order_by(CommitteeDecision.decided_dt, CommitteeDecision.id)
    )
    for decision in session().scalars(query):
        found[decision.plan_id].append(decision)
    return found
