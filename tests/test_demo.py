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
