"""Starting plans from a definition version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ... import signals
from ...definitions import WorkflowDefinition
from ...definitions.model import Gate
from ...engine.plans import starts_later
from ...engine.schedule import PlannedStage, plan_schedule
from ...errors import PermissionDenied, ValidationError
from ...models import (
    Indicator,
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
from ...refusals import (
    COMMITTEE_UNMAPPED,
    PLAN_NAME_NEEDED,
    ROLES_UNMAPPED,
    UNKNOWN_PERSON,
    UNKNOWN_TERRITORY,
    Refusal,
)
from ...validation import SCHEDULE_MESSAGE, check_date, check_timezone, collect, date_problem
from ..access import can_start_plans
from ..context import now, sender, session
from ..definitions import get_definition
from ..journal import record
from ..stages.progression import advance_if_ready


@dataclass(frozen=True, slots=True)
class RoleMapping:
    """Who plays a definition role in a plan: an organisation and one or more of its people."""

    organisation_id: int
    person_ids: Sequence[int]


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """Everything needed to start a plan."""

    name: str
    definition_key: str
    definition_version: int
    territory_id: int
    lead_id: int
    start_date: date
    roles: Mapping[str, RoleMapping]
    timezone: str = "Europe/Paris"
    #: Open the first stage now even though the start date is still ahead (the lead's early start).
    open_now: bool = False


def start_plan(actor: Person, request: PlanRequest) -> Plan:
    """Create a plan, its stages, tasks and indicators; open its first stage, or schedule the plan.

    Every role that owns a task must be mapped, otherwise the error lists the missing roles. Due
    dates are computed in the plan's calendar from its start date. A plan whose start date is still
    ahead in its time zone is created *scheduled*, every stage pending and nobody told yet: the
    scheduler opens it on that day (``plans.opening``), so partners hear of it when there is
    something to do, not weeks before. ``request.open_now`` opens it at once all the same.
    """
    require_plan_starter(actor)
    definition = get_definition(request.definition_key, request.definition_version)
    _check_request(definition, request)
    request = replace(request, timezone=check_timezone(request.timezone))
    scheduled = not request.open_now and waits_for_start(request.start_date, request.timezone)
    plan = _new_plan(request, PlanStatus.SCHEDULED if scheduled else PlanStatus.ACTIVE)
    schedule = planned_schedule(definition, request.start_date)
    stages = _create_stages(definition, plan, schedule)
    _create_tasks(definition, plan, stages, request.roles, schedule)
    _create_role_assignments(plan, request.roles)
    _create_indicators(definition, plan)
    record(plan, "plan_created", actor, None, plan.status)
    session().flush()
    signals.plan_created.send(sender(), plan=plan, actor=actor)
    if not scheduled:
        open_first_stage(plan, stages[definition.stages[0].key], actor)
    return plan


def waits_for_start(start_date: date, timezone: str) -> bool:
    """Whether a plan starting on ``start_date`` would be created scheduled: the day is after today in
    ``timezone``. The wizard asks it to offer opening the first stage at once."""
    return starts_later(start_date, now().astimezone(ZoneInfo(timezone)).date())


def open_first_stage(plan: Plan, stage: PlanStage, actor: Person | None) -> None:
    """Open the first stage of an active plan on its planned dates, tell its people, apply its exit rule.

    Used at creation and when a scheduled plan opens: either way the stage opens as planned (its due
    dates are those the lead confirmed), the ``stage_entered`` signal queues the stage-opened emails, and
    a first stage of optional tasks only closes at once.
    """
    stage.status, stage.opened_dt = StageStatus.OPEN, now()
    plan.current_stage_key = stage.stage_key
    record(plan, "stage_entered", actor, StageStatus.PENDING, StageStatus.OPEN, stage=stage)
    session().flush()
    signals.stage_entered.send(sender(), plan=plan, stage=stage, actor=actor)
    advance_if_ready(plan, stage, actor)


def require_plan_starter(actor: Person) -> None:
    """Only project leads and administrators start plans (and open the wizard that does)."""
    if not can_start_plans(actor):
        raise PermissionDenied(Refusal.PLAN_STARTERS_ONLY)


def first_assignee(mapping: RoleMapping | None) -> int | None:
    """Who a role's tasks are assigned to when a plan starts: the first person mapped to the role."""
    return mapping.person_ids[0] if mapping and mapping.person_ids else None


def planned_schedule(definition: WorkflowDefinition, start_date: date) -> list[PlannedStage]:
    """The stage windows and task due dates of a plan of ``definition`` starting on ``start_date``.

    ``start_plan`` stores exactly this, and the plan creation wizard previews it, so what a lead confirms
    is what the plan gets. Dates are days in the plan's time zone; working days follow the definition's
    calendar.
    """
    return plan_schedule(definition, start_date)


def check_start_date(definition: WorkflowDefinition, start_date: date) -> date:
    """``start_date`` when it and the schedule it gives (stage windows, due dates) obey the date rule: every
    date a plan stores is in the supported range, not only the one typed."""
    check_date(start_date, "start_date")
    for stage in planned_schedule(definition, start_date):
        if any(date_problem(day) for day in (stage.start, stage.end, *stage.due_dates.values())):
            raise ValidationError(Refusal.SCHEDULE_OUT_OF_RANGE, {"start_date": [SCHEDULE_MESSAGE]})
    return start_date


def needs_committee(definition: WorkflowDefinition) -> bool:
    """Whether a stage of ``definition`` ends with a committee decision: then someone must sit on it."""
    return any(stage.gate is Gate.COMMITTEE for stage in definition.stages)


def has_committee(definition: WorkflowDefinition, roles: Mapping[str, Sequence[int]]) -> bool:
    """Whether an active person is mapped to one of the definition's committee roles (``roles``: the
    people mapped to each role). A plan whose gates need a committee cannot start without one: its first
    gate would wait for a decision nobody is asked for."""
    people = {person_id for key in definition.committee_roles for person_id in roles.get(key, ())}
    if not people:
        return False
    query = sa.select(Person.id).where(Person.id.in_(people), Person.is_active.is_(True)).limit(1)
    return session().scalar(query) is not None


def _check_committee(definition: WorkflowDefinition, request: PlanRequest) -> None:
    mapped = {key: mapping.person_ids for key, mapping in request.roles.items()}
    if needs_committee(definition) and not has_committee(definition, mapped):
        raise ValidationError(
            Refusal.COMMITTEE_NEEDED, {"roles": [COMMITTEE_UNMAPPED]}, roles=", ".join(definition.committee_roles)
        )


def _check_request(definition: WorkflowDefinition, request: PlanRequest) -> None:
    """Refuse a request with every problem found; a missing committee alone has its own code."""
    problems: dict[str, list[str]] = {}
    owners = sorted({task.owner for task in definition.tasks()})
    missing = [role for role in owners if role not in request.roles or not request.roles[role].person_ids]
    if missing:
        problems["roles"] = [ROLES_UNMAPPED]
    unknown = sorted(set(request.roles) - {role.key for role in definition.roles})
    if unknown:
        problems.setdefault("roles", []).append(f"not roles of this definition: {', '.join(unknown)}")
    if not request.name.strip():
        problems["name"] = [PLAN_NAME_NEEDED]
    collect(problems, check_timezone, request.timezone)
    collect(problems, check_start_date, definition, request.start_date)
    if session().get(Territory, request.territory_id) is None:
        problems["territory_id"] = [UNKNOWN_TERRITORY]
    if session().get(Person, request.lead_id) is None:
        problems["lead_id"] = [UNKNOWN_PERSON]
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems, roles=", ".join(missing))
    _check_committee(definition, request)


def _new_plan(request: PlanRequest, status: PlanStatus) -> Plan:
    instant = now()
    plan = Plan(
        name=request.name.strip(),
        definition_key=request.definition_key,
        definition_version=request.definition_version,
        territory_id=request.territory_id,
        lead_id=request.lead_id,
        timezone=request.timezone,
        start_date=request.start_date,
        status=status,
        created_dt=instant,
        updated_dt=instant,
    )
    session().add(plan)
    session().flush()
    return plan


def _create_stages(definition: WorkflowDefinition, plan: Plan, schedule: list[PlannedStage]) -> dict[str, PlanStage]:
    stages: dict[str, PlanStage] = {}
    for position, (stage_def, planned) in enumerate(zip(definition.stages, schedule, strict=True)):
        stage = PlanStage(
            plan_id=plan.id,
            stage_key=stage_def.key,
            position=position,
            lever=stage_def.lever,
            gate=stage_def.gate,
            status=StageStatus.PENDING,
            planned_start_date=planned.start,
            planned_end_date=planned.end,
        )
        session().add(stage)
        stages[stage_def.key] = stage
    session().flush()
    return stages


def _create_tasks(
    definition: WorkflowDefinition,
    plan: Plan,
    stages: dict[str, PlanStage],
    roles: Mapping[str, RoleMapping],
    planned: list[PlannedStage],
) -> None:
    schedule = {stage.key: stage for stage in planned}
    tasks: dict[str, Task] = {}
    for stage_def in definition.stages:
        for task_def in stage_def.tasks:
            tasks[task_def.key] = Task(
                plan_id=plan.id,
                stage_id=stages[stage_def.key].id,
                task_key=task_def.key,
                owner_role=task_def.owner,
                assignee_id=first_assignee(roles.get(task_def.owner)),
                due_date=schedule[stage_def.key].due_dates[task_def.key],
                status=TaskStatus.TODO,
                weight=task_def.weight,
                is_required=task_def.required,
                updated_dt=now(),
            )
    session().add_all(tasks.values())
    session().flush()
    session().add_all(
        TaskDependency(task_id=tasks[task_def.key].id, depends_on_id=tasks[dependency].id)
        for task_def in definition.tasks()
        for dependency in task_def.depends_on
    )


def _create_role_assignments(plan: Plan, roles: Mapping[str, RoleMapping]) -> None:
    for role_key, mapping in roles.items():
        assignment = RoleAssignment(plan_id=plan.id, role_key=role_key, organisation_id=mapping.organisation_id)
        session().add(assignment)
        session().flush()
        session().add_all(
            RoleAssignmentMember(assignment_id=assignment.id, plan_id=plan.id, person_id=person_id)
            for person_id in dict.fromkeys(mapping.person_ids)
        )


def _create_indicators(definition: WorkflowDefinition, plan: Plan) -> None:
    session().add_all(
        Indicator(
            plan_id=plan.id,
            key=indicator.key,
            title_fr=indicator.title.fr,
            title_en=indicator.title.en,
            unit=indicator.unit,
            target=indicator.target,
            direction=indicator.direction,
        )
        for indicator in definition.indicators
    )
