"""Progress computed in SQL agrees with the engine's rule, in a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.engine.progress import TaskProgressFacts, progress
from gpect_workflow.models import Person, Plan, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.loading import plan_today
from gpect_workflow.services.plans.progress import plans_progress, stages_progress
from gpect_workflow.services.tasks.changes import change_task_status
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries


def _engine_progress(plan: Plan, stage_id: int | None = None) -> object:
    query = sa.select(Task).where(Task.plan_id == plan.id)
    if stage_id is not None:
        query = query.where(Task.stage_id == stage_id)
    tasks = session().scalars(query).all()
    return progress((TaskProgressFacts(t.status, t.weight, t.due_date) for t in tasks), plan_today(plan))


def test_sql_progress_matches_the_engine(app: Flask, definitions: None, dummy_lead: Person, clock: FrozenClock) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 10, 1))
    other = start_five_levers_plan(dummy_lead, date(2026, 11, 20), name="Autre plan")
    session().commit()
    tasks = {t.task_key: t for t in session().scalars(sa.select(Task).where(Task.plan_id == plan.id))}
    lead = dummy_lead
    change_task_status(lead, tasks["inventory-existing-studies"].id, TaskStatus.DONE)
    change_task_status(lead, tasks["employment-data"].id, TaskStatus.IN_PROGRESS)
    session().commit()
    clock.advance(timedelta(days=40))
    by_plan = plans_progress([plan, other])
    for each in (plan, other):
        assert by_plan[each.id] == _engine_progress(each)
    result = by_plan[plan.id]
    assert result.counts == {TaskStatus.DONE: 1, TaskStatus.IN_PROGRESS: 1, TaskStatus.TODO: 13}
    assert (result.weight_total, result.percent_done) == (25, 4)
    assert result.overdue >= 1 and result.days_late > 0
    by_stage = stages_progress([plan])
    for stage in plan.stages:
        assert by_stage[stage.id] == _engine_progress(plan, stage.id)


def test_progress_queries_do_not_grow_with_plans(app: Flask, definitions: None, dummy_lead: Person) -> None:
    plans = [start_five_levers_plan(dummy_lead, name=f"P{i}") for i in range(2)]
    session().commit()
    _load(plans)
    with count_queries() as small:
        plans_progress(plans)
        stages_progress(plans)
    plans += [start_five_levers_plan(dummy_lead, name=f"Q{i}") for i in range(8)]
    session().commit()
    _load(plans)
    with count_queries() as large:
        assert len(plans_progress(plans)) == 10
        stages_progress(plans)
    assert len(small) == len(large) == 2


def _load(plans: list[Plan]) -> None:
    """Reload the committed (expired) plans before counting, as a page would have them loaded."""
    for plan in plans:
        session().refresh(plan)
