"""The demonstration data: seed territories and partners, one plan per shipped action, at different stages."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask

from gpect_workflow.definitions.model import IndicatorDirection
from gpect_workflow.demo.loader import load_demo
from gpect_workflow.models import (
    CommitteeDecision,
    Decision,
    Indicator,
    Person,
    Plan,
    PlanStage,
    StageStatus,
    Task,
    TaskStatus,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.status import IndicatorStatus, status_of

from .conftest import WORKFLOWS


def test_one_plan_per_shipped_definition_at_different_stages(app: Flask) -> None:
    load_demo()
    session().commit()
    plans = session().scalars(sa.select(Plan)).all()
    assert sorted(p.definition_key for p in plans) == sorted(path.stem for path in WORKFLOWS.glob("*.yaml"))
    positions = set()
    waiting = 0
    for plan in plans:
        stages = session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id)).all()
        current = [s for s in stages if s.status in (StageStatus.OPEN, StageStatus.AWAITING_DECISION)]
        assert len(current) == 1 and current[0].stage_key == plan.current_stage_key
        positions.add(current[0].position)
        waiting += current[0].status is StageStatus.AWAITING_DECISION
        for closed in (s for s in stages if s.status is StageStatus.CLOSED):
            tasks = session().scalars(sa.select(Task).where(Task.stage_id == closed.id)).all()
            assert all(
                t.status is TaskStatus.DONE or (t.status is TaskStatus.SKIPPED and not t.is_required) for t in tasks
            )
    assert len(positions) >= 3
    assert waiting == 1, "the demo shows a gate waiting for its steering committee"


def test_committee_gates_passed_have_decisions_and_people_are_fictitious(app: Flask) -> None:
    load_demo()
    session().commit()
    approved = session().scalars(sa.select(CommitteeDecision.decision)).all()
    assert approved and set(approved) == {Decision.APPROVE}
    emails = session().scalars(sa.select(Person.email)).all()
    assert all(email.endswith("example.org") for email in emails)
    referents = session().scalars(sa.select(Person).where(Person.is_referent)).all()
    assert len({p.organisation_id for p in referents}) == len(referents)


def test_demo_history_is_written_by_the_services_and_never_in_the_future(app: Flask) -> None:
    from gpect_workflow.models import Event
    from gpect_workflow.services.context import now

    load_demo()
    session().commit()
    events = session().scalars(sa.select(Event)).all()
    assert max(event.occurred_dt for event in events) < now()
    kinds = {event.kind for event in events}
    assert {"plan_created", "stage_entered", "task_status_changed", "stage_closed", "gate_decided"} <= kinds
    late = session().scalars(sa.select(Task).where(Task.status == TaskStatus.IN_PROGRESS)).all()
    assert late, "the demo shows at least one task in progress"


def test_indicators_with_a_target_have_measurements_from_the_plans_past(app: Flask) -> None:
    load_demo()
    session().commit()
    indicators = session().scalars(sa.select(Indicator).where(Indicator.target.is_not(None))).all()
    assert indicators
    for indicator in indicators:
        days = sorted(m.measured_on for m in indicator.measurements)
        assert 3 <= len(days) <= 6 and days == sorted(set(days))
        plan = session().get(Plan, indicator.plan_id)
        assert plan is not None and plan.start_date <= days[0] and days[-1] < date(2026, 11, 30) + timedelta(days=1)
        if (date(2026, 11, 30) - plan.start_date).days >= 120:
            assert (days[-1] - days[0]).days >= 90, "about monthly over several months, not all on one day"
    statuses = {(indicator.direction, status_of(indicator)) for indicator in indicators}
    assert (IndicatorDirection.INCREASE, IndicatorStatus.ON_TARGET) in statuses
    assert (IndicatorDirection.INCREASE, IndicatorStatus.OFF_TARGET) in statuses
    assert (IndicatorDirection.DECREASE, IndicatorStatus.OFF_TARGET) in statuses, "one meant to go down is above"
    above = [i for i in indicators if i.direction is IndicatorDirection.DECREASE and status_of(i).value == "off_target"]
    assert all(max(i.measurements, key=lambda m: m.measured_on).value > (i.target or 0) for i in above)


def test_regional_bodies_serve_the_whole_region_and_each_role_is_held_by_its_kind_of_organisation(app: Flask) -> None:
    """The Région, the DREETS and France Travail's regional office act on every territory of Centre-Val de Loire,
    so every demo plan's wizard offers them; the demo plans map each role to an organisation of the right kind."""
    from gpect_workflow.demo.data import PLANS
    from gpect_workflow.models import Organisation, OrganisationKind, OrganisationScope, RoleAssignment
    from gpect_workflow.services.plans.wizard import partner_organisations

    load_demo()
    session().commit()
    organisations = {o.name: o for o in session().scalars(sa.select(Organisation))}
    for name in (
        "Région Centre-Val de Loire",
        "DREETS Centre-Val de Loire (ex-Direccte)",
        "France Travail Centre-Val de Loire (Direction régionale)",
    ):
        found = organisations[name]
        assert (found.scope, found.region, found.territory_id) == (
            OrganisationScope.REGION,
            "Centre-Val de Loire",
            None,
        )
    assert organisations["Administration GPECT Workflow"].scope is OrganisationScope.NATIONAL
    assert organisations["France Travail Chartres"].scope is OrganisationScope.TERRITORY
    assert len({(o.name, o.scope) for o in organisations.values()}) == len(organisations), "no name twice"
    kinds = {
        "chamber_of_commerce": OrganisationKind.CHAMBER,
        "chambers": OrganisationKind.CHAMBER,
        "employment_service": OrganisationKind.EMPLOYMENT_SERVICE,
        "region": OrganisationKind.REGION,
        "direccte": OrganisationKind.STATE_SERVICE,
        "training_body": OrganisationKind.TRAINING_BODY,
        "cluster": OrganisationKind.CLUSTER,
    }
    for plan in session().scalars(sa.select(Plan)):
        offered = {o.id: o for o in partner_organisations(plan.territory_id)}
        assert organisations["Région Centre-Val de Loire"].id in offered
        for assignment in session().scalars(sa.select(RoleAssignment).where(RoleAssignment.plan_id == plan.id)):
            assert assignment.organisation_id in offered, (plan.name, assignment.role_key)
            if assignment.role_key in kinds:
                assert offered[assignment.organisation_id].kind is kinds[assignment.role_key], assignment.role_key
            people = {member.person_id for member in assignment.members}
            assert people <= {p.id for p in offered[assignment.organisation_id].people}, assignment.role_key
    assert len(PLANS) == len(session().scalars(sa.select(Plan)).all())
