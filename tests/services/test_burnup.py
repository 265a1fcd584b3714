"""A plan's burn-up follows the journal: tasks finished day by day, and reopened ones taken back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Decision, Person, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.burnup import plan_burnup, sample_days
from gpect_workflow.services.plans.progress import plans_progress
from gpect_workflow.services.stages.progression import decide_gate
from tests.engine_drive import committee_member
from tests.factories import at, finish, stage
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    return started


def test_the_burnup_counts_finished_tasks_on_each_sampled_day(plan: Plan, clock: FrozenClock) -> None:
    total = sum(len(s.tasks) for s in plan.stages)
    at(clock, date(2026, 12, 3))
    finish(plan, "inventory-existing-studies")
    at(clock, date(2026, 12, 10))
    finish(plan, "employment-data", "business-survey")
    at(clock, date(2026, 12, 20))

    burnup = plan_burnup(plan)

    assert burnup.days == [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 20)]
    assert burnup.done == [0, 1, 3, 3]
    assert burnup.total == [total] * 4 and total > 3


def test_a_task_reopened_for_rework_leaves_the_count_on_that_day(plan: Plan, clock: FrozenClock) -> None:
    at(clock, date(2026, 12, 2))
    finish(plan, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")
    at(clock, date(2026, 12, 9))
    decide_gate(committee_member(plan), stage(plan, "observe").id, Decision.REWORK, reopen=["business-survey"])
    session().commit()
    at(clock, date(2026, 12, 16))

    burnup = plan_burnup(plan)

    assert burnup.days == [date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 16)]
    assert burnup.done == [0, 4, 3, 3]


def test_a_plan_that_has_not_started_has_no_burnup(plan: Plan, clock: FrozenClock) -> None:
    at(clock, date(2026, 11, 20))
    assert plan_burnup(plan).days == []


def test_the_burnup_costs_two_queries_however_long_the_plan(plan: Plan, clock: FrozenClock) -> None:
    at(clock, date(2026, 12, 2))
    finish(plan, "inventory-existing-studies", "employment-data")
    at(clock, date(2027, 6, 1))
    session().expire_all()
    plan = session().get(Plan, plan.id)
    with count_queries() as statements:
        burnup = plan_burnup(plan)
    assert len(statements) == 2
    assert burnup.done[-1] == 2


def test_the_plan_s_progress_gives_the_burnup_its_total_and_spares_a_query(plan: Plan, clock: FrozenClock) -> None:
    """Pages that show the plan's progress have counted its tasks: given that count, the burn-up is the
    same, in one query."""
    at(clock, date(2026, 12, 3))
    finish(plan, "inventory-existing-studies")
    at(clock, date(2026, 12, 20))
    total = plans_progress([plan])[plan.id].total
    counted = plan_burnup(plan)
    with count_queries() as statements:
        given = plan_burnup(plan, total=total)
    assert len(statements) == 1
    assert given == counted and given.total[-1] == total


def test_long_plans_are_sampled_coarser_but_end_on_the_last_day() -> None:
    days = sample_days(date(2026, 1, 1), date(2029, 1, 1))
    assert len(days) <= 61 and days[-1] == date(2029, 1, 1)
    assert days[1] - days[0] >= timedelta(days=7)
