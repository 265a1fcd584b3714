"""Load the demonstration data, idempotently: running it twice changes nothing the second time.

Plans are started through the plan service and then brought forward to where the demo shows them:
earlier stages closed (committee gates approved, with a recorded decision), the current stage open
with the tasks whose deadline has passed mostly done, one left overdue so that lateness shows.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..definitions.model import Gate
from ..models import (
    CommitteeDecision,
    Decision,
    Event,
    Language,
    Organisation,
    Person,
    Plan,
    PlanStage,
    StageStatus,
    Task,
    TaskStatus,
)
from ..services.context import now, session, state
from ..services.definitions import latest_definitions, register_definitions
from ..services.partners import create_person, ensure_organisation, ensure_territory, find_person
from ..services.plans import PlanRequest, RoleMapping, start_plan
from .data import DEMO_PASSWORD, ORGANISATIONS, PLANS, TERRITORIES, DemoPlan


def load_demo() -> list[str]:
    """Load territories, organisations, people and one plan per shipped definition; report what was done."""
    report = [f"definition {r.key} v{r.version}: {r.outcome}" for r in register_definitions(state().workflow_dirs)]
    territories = {code: ensure_territory(code, name, dept, "Centre-Val de Loire") for code, name, dept in TERRITORIES}
    organisations: dict[str, Organisation] = {}
    created_people = 0
    for spec in ORGANISATIONS:
        territory = territories[spec.territory] if spec.territory else None
        organisations[spec.ref] = organisation = ensure_organisation(spec.name, spec.kind, territory)
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
    today = now().astimezone(ZoneInfo("Europe/Paris")).date()
    request = PlanRequest(
        spec.name, spec.definition, version, territory_id, lead.id, today - timedelta(days=spec.started_days_ago), roles
    )
    plan = start_plan(lead, request)
    session().flush()
    _bring_forward(plan, lead, spec.closed_stages, today)
    return f"plan '{spec.name}': started, now at stage '{plan.current_stage_key}'"


def _person(email: str) -> Person:
    person = find_person(email)
    if person is None:
        raise LookupError(f"demo person {email} is missing")
    return person


def _at(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(16, 0), ZoneInfo(zone))


def _bring_forward(plan: Plan, lead: Person, closed_stages: int, today: date) -> None:
    stages = list(
        session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position))
    )
    for stage in stages[:closed_stages]:
        for task in stage.tasks:
            _complete(plan, task, lead, min(task.due_date, today))
        closed = _at(min(stage.planned_end_date, today), plan.timezone)
        stage.status, stage.closed_dt = StageStatus.CLOSED, closed
        if stage.gate is Gate.COMMITTEE:
            stage.decision = Decision.APPROVE
            session().add(
                CommitteeDecision(
                    plan_id=plan.id,
                    stage_id=stage.id,
                    decision=Decision.APPROVE,
                    minutes="Étape validée en comité de pilotage.",
                    decided_by_id=lead.id,
                    decided_dt=closed,
                )
            )
        _event(plan, lead, "stage_closed", StageStatus.OPEN, StageStatus.CLOSED, closed, stage=stage)
    current = stages[min(closed_stages, len(stages) - 1)]
    if current.status is not StageStatus.OPEN:
        current.status, current.opened_dt = StageStatus.OPEN, _at(current.planned_start_date, plan.timezone)
        _event(plan, lead, "stage_entered", StageStatus.PENDING, StageStatus.OPEN, current.opened_dt, stage=current)
    plan.current_stage_key = current.stage_key
    past_due = [task for task in current.tasks if task.due_date < today]
    for task in past_due[:-1]:
        _complete(plan, task, lead, task.due_date)
    if past_due:
        past_due[-1].status = TaskStatus.IN_PROGRESS
        _event(
            plan,
            lead,
            "task_status_changed",
            TaskStatus.TODO,
            TaskStatus.IN_PROGRESS,
            _at(past_due[-1].due_date - timedelta(days=5), plan.timezone),
            task=past_due[-1],
        )
    session().flush()


def _complete(plan: Plan, task: Task, lead: Person, day: date) -> None:
    done_at = _at(day, plan.timezone)
    task.status, task.completed_dt, task.started_dt = TaskStatus.DONE, done_at, done_at - timedelta(days=3)
    actor_id = task.assignee_id or lead.id
    _event(plan, None, "task_status_changed", TaskStatus.TODO, TaskStatus.DONE, done_at, task=task, actor_id=actor_id)


def _event(
    plan: Plan,
    actor: Person | None,
    kind: str,
    before: str,
    after: str,
    at: datetime | None,
    *,
    stage: PlanStage | None = None,
    task: Task | None = None,
    actor_id: int | None = None,
) -> None:
    session().add(
        Event(
            plan_id=plan.id,
            stage_id=stage.id if stage else (task.stage_id if task else None),
            task_id=task.id if task else None,
            actor_id=actor_id or (actor.id if actor else None),
            kind=kind,
            from_state=str(before),
            to_state=str(after),
            note="Données de démonstration",
            occurred_dt=at or now(),
        )
    )
