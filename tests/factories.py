"""Looking up and driving a started plan's rows in tests: shared so every test reads them the same way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Person, Plan, PlanStage, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.tasks.changes import change_task_status


def task(plan: Plan, key: str) -> Task:
    """The plan's task ``key`` (it must exist: a misspelt key fails here, naming it)."""
    found = session().scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.task_key == key))
    assert found is not None, key
    return found


def stage(plan: Plan, key: str) -> PlanStage:
    """The plan's stage ``key``."""
    found = session().scalar(sa.select(PlanStage).where(PlanStage.plan_id == plan.id, PlanStage.stage_key == key))
    assert found is not None, key
    return found


def assignee(of: Task) -> Person:
    """The person a task is assigned to (the started plans of the tests assign every task)."""
    person = session().get(Person, of.assignee_id)
    assert person is not None
    return person


def finish(plan: Plan, *keys: str) -> None:
    """Each task marked done by its assignee through the service, and committed, as one request would."""
    for key in keys:
        change_task_status(assignee(task(plan, key)), task(plan, key).id, TaskStatus.DONE)
        session().commit()


def at(clock: FrozenClock, day: date) -> None:
    """Move the frozen clock to ``day``, mid-morning UTC (the same calendar day in Europe)."""
    clock.set(datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC))
