"""Load the demonstration data, idempotently: running it twice changes nothing the second time.

Plans are started and then lived through with the real services on a clock set back in time, so the
demo's journal, decisions and dates are what the product itself would have written.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..clock import FrozenClock
from ..definitions.model import IndicatorDirection
from ..models import (
    FINISHED_TASK_STATUSES,
    OPEN_TASK_STATUSES,
    Decision,
    Indicator,
    Language,
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
from ..services.context import session, state
from ..services.definitions import get_definition, latest_definitions, register_definitions
from ..services.indicators.measurements import record_measurement
from ..services.partners.organisations import ensure_organisation, ensure_territory
from ..services.partners.people import create_person, find_person
from ..services.plans.starting import PlanRequest, RoleMapping, start_plan
from ..services.stages.progression import decide_gate
from ..services.tasks.changes import change_task_status
from .data import DEMO_PASSWORD, ORGANISATIONS, PLANS, REGION, TERRITORIES, DemoPlan

PARIS = ZoneInfo("Europe/Paris")
DECISION_MINUTES = "Étape validée en comité de pilotage : les livrables sont conformes, passage à l'étape suivante."


def load_demo() -> list[str]:
    """Load territories, organisations, people and one plan per shipped definition; report what was done."""
    report = [f"definition {r.key} v{r.version}: {r.outcome}" for r in register_definitions(state().workflow_dirs)]
    territories = {code: ensure_territory(code, name, dept, REGION) for code, name, dept in TERRITORIES}
    organisations: dict[str, Organisation] = {}
    created_people = 0
    for spec in ORGANISATIONS:
        territory = territories[spec.territory] if spec.territory else None
        organisation = ensure_organisation(spec.name, spec.kind, territory, region=spec.region)
        organisations[spec.ref] = organisation
        for person in spec.people:
            if find_person(person.email) is None:
                create_person(
                    person.email,
                    person.role,
                    person.name,
                    password=DEMO_PASSWORD,
                    organisation=organisation,
                    language=Language(person.language),
                    is_referent=person.is_referent,
                )
                created_people += 1
    report.append(f"{len(territories)} territories, {len(organisations)} organisations, {created_people} new people")
    versions = {record.key: record.version for record in latest_definitions()}
    for plan in PLANS:
        report.append(_load_plan(plan, versions[plan.definition], territories[plan.territory].id, organisations))
    return report


def _load_plan(spec: DemoPlan, version: int, territory_id: int, organisations: dict[str, Organisation]) -> str:
    if session().scalar(sa.select(Plan.id).where(Plan.name == spec.name)) is not None:
        return f"plan '{spec.name}': already there"
    lead = _person(spec.lead)
    roles = {
        role: RoleMapping(organisations[org].id, [_person(email).id for email in emails])
        for role, (org, emails) in spec.roles.items()
    }
    real_clock = state().clock
    today = real_clock.now().astimezone(PARIS).date()
    start = today - timedelta(days=spec.started_days_ago)
    history = CappedClock(_at(start, time(9, 0)), ceiling=real_clock.now() - timedelta(hours=1))
    state().clock = history
    try:
        request = PlanRequest(spec.name, spec.definition, version, territory_id, lead.id, start, roles)
        plan = start_plan(lead, request)
        _live_through(plan, lead, spec.closed_stages, today, history)
        if spec.awaiting_gate:
            _finish_open_stage(plan, history)
    finally:
        state().clock = real_clock
    _measure(plan, lead, start, today)  # values recorded as of today, measured on days of the plan's past
    return f"plan '{spec.name}': started {start.isoformat()}, now at stage '{plan.current_stage_key}'"


def _person(email: str) -> Person:
    person = find_person(email)
    if person is None:
        raise LookupError(f"demo person {email} is missing")
    return person


def _at(day: date, hour: time) -> datetime:
    return datetime.combine(day, hour, PARIS)


def _live_through(plan: Plan, lead: Person, closed_stages: int, today: date, history: FrozenClock) -> None:
    """Replay the plan's past through the services, on a clock set back in time.

    Stages before ``closed_stages`` are completed (tasks done by their assignees a little before they
    fall due, committee gates approved a week later); in the open stage, tasks already past due are done
    except the last one, left in progress and late, so that lateness shows.
    """
    while plan.status is PlanStatus.ACTIVE:
        stage = _current_stage(plan)
        if stage.position >= closed_stages:
            _work_open_stage(plan, stage, today, history)
            return
        if stage.status is StageStatus.AWAITING_DECISION:
            _move_to(history, history.now().astimezone(PARIS).date() + timedelta(days=7), time(14, 0))
            decide_gate(_committee_member(plan), stage.id, Decision.APPROVE, minutes=DECISION_MINUTES)
            continue
        task = _ready_tasks(stage)[0]
        _move_to(history, task.due_date - timedelta(days=2), time(16, 0))
        change_task_status(_assignee(task, lead), task.id, TaskStatus.DONE, note="Réalisé.")


def _work_open_stage(plan: Plan, stage: PlanStage, today: date, history: FrozenClock) -> None:
    lead = plan.lead
    past_due = [task for task in _stage_tasks(stage) if task.due_date < today]
    for task in past_due[:-1]:
        if task in _ready_tasks(stage):
            _move_to(history, task.due_date - timedelta(days=1), time(11, 0))
            change_task_status(_assignee(task, lead), task.id, TaskStatus.DONE, note="Réalisé.")
    if past_due and past_due[-1] in _ready_tasks(stage):
        _move_to(history, past_due[-1].due_date - timedelta(days=5), time(10, 0))
        change_task_status(_assignee(past_due[-1], lead), past_due[-1].id, TaskStatus.IN_PROGRESS)


def _finish_open_stage(plan: Plan, history: FrozenClock) -> None:
    """Finish every task of the open stage, so that a committee gate waits for its decision."""
    stage = _current_stage(plan)
    while stage.status is StageStatus.OPEN and (ready := _ready_tasks(stage)):
        _move_to(history, history.now().astimezone(PARIS).date() + timedelta(days=1), time(15, 0))
        change_task_status(_assignee(ready[0], plan.lead), ready[0].id, TaskStatus.DONE, note="Réalisé.")


#: Share of the target at the first measurement, by direction: far from it, as a plan starts.
_FIRST_SHARE = {IndicatorDirection.INCREASE: 0.3, IndicatorDirection.DECREASE: 2.0}
#: Share of the target at the latest measurement, by direction and whether the target is reached by then.
_LATEST_SHARE = {
    (IndicatorDirection.INCREASE, True): 1.1,
    (IndicatorDirection.INCREASE, False): 0.8,
    (IndicatorDirection.DECREASE, True): 0.8,
    (IndicatorDirection.DECREASE, False): 1.3,
}
#: Measurements per indicator: about one a month over the plan's life, at least three, at most six.
_FEWEST, _MOST = 3, 6


def _measure(plan: Plan, lead: Person, start: date, today: date) -> None:
    """Measurements of each indicator with a target, about monthly over the plan's past, approaching the
    target as a real plan would: in each plan the first indicator meant to go down stays above its target
    (behind it), the others alternate between reached and behind."""
    span = (today - start).days
    if span < _FEWEST:
        return
    count = max(_FEWEST, min(_MOST, span // 30))
    decreasing_seen = 0
    query = sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.target.is_not(None))
    for position, indicator in enumerate(session().scalars(query.order_by(Indicator.id))):
        assert indicator.target is not None
        if indicator.direction is IndicatorDirection.DECREASE:
            reached = decreasing_seen > 0
            decreasing_seen += 1
        else:
            reached = position % 2 == 0
        first, latest = _FIRST_SHARE[indicator.direction], _LATEST_SHARE[indicator.direction, reached]
        for step in range(1, count + 1):
            share = first + (latest - first) * (step - 1) / (count - 1)
            value = _rounded(indicator.target * share, indicator.unit)
            # spread over the plan's past, a day or two apart from one indicator to the next
            day = start + timedelta(days=max(0, span * step // count - 1 - position % 3))
            record_measurement(lead, indicator.id, value, day, "Tableau de bord du chef de projet")


def _rounded(value: float, unit: str) -> float:
    if unit in ("count", "people"):
        return float(round(value))
    if unit == "percent":
        return min(100.0, round(value, 1))
    return round(value, 2)


class CappedClock(FrozenClock):
    """The demo's clock: set back in time, moved forward by the demo, never past the real present."""

    def __init__(self, instant: datetime, ceiling: datetime) -> None:
        super().__init__(min(instant, ceiling))
        self.ceiling = ceiling

    def set(self, instant: datetime) -> None:
        """Move to ``instant``, or to the ceiling if that is earlier."""
        super().set(min(instant, self.ceiling))


def _move_to(history: FrozenClock, day: date, hour: time) -> None:
    """Move the demo clock forward to ``day`` at ``hour`` (never backward)."""
    target = _at(day, hour)
    if target > history.now():
        history.set(target)


def _current_stage(plan: Plan) -> PlanStage:
    query = sa.select(PlanStage).where(
        PlanStage.plan_id == plan.id, PlanStage.status.in_([StageStatus.OPEN, StageStatus.AWAITING_DECISION])
    )
    stage = session().scalar(query)
    assert stage is not None
    return stage


def _stage_tasks(stage: PlanStage) -> list[Task]:
    return list(session().scalars(sa.select(Task).where(Task.stage_id == stage.id).order_by(Task.due_date, Task.id)))


def _ready_tasks(stage: PlanStage) -> list[Task]:
    """Open tasks of the stage whose prerequisites are finished, soonest due first."""
    unfinished = sa.select(TaskDependency.task_id).join(Task, Task.id == TaskDependency.depends_on_id)
    unfinished = unfinished.where(Task.status.not_in(FINISHED_TASK_STATUSES))
    query = (
        sa.select(Task)
        .where(Task.stage_id == stage.id, Task.status.in_(OPEN_TASK_STATUSES), Task.id.not_in(unfinished))
        .order_by(Task.due_date, Task.id)
    )
    return list(session().scalars(query))


def _assignee(task: Task, lead: Person) -> Person:
    return session().get(Person, task.assignee_id) if task.assignee_id else lead  # type: ignore[return-value]


def _committee_member(plan: Plan) -> Person:
    definition = get_definition(plan.definition_key, plan.definition_version)
    query = (
        sa.select(Person)
        .join(RoleAssignmentMember, RoleAssignmentMember.person_id == Person.id)
        .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key.in_(definition.committee_roles))
        .order_by(Person.id)
    )
    member = session().scalars(query).first()
    if member is None:
        raise LookupError(f"plan '{plan.name}' has no committee member")
    return member
