"""A plan's task burn-up: how many tasks were finished on each day, against how many there are.

Built from the journal rather than from the tasks' current state, so a task reopened by a committee
for rework counts as finished until the day it was reopened, as the committee saw it then. Two
queries per call whatever the number and size of the plans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

import sqlalchemy as sa

from ...models import Event, Plan, Task, TaskStatus
from ..context import session
from ..loading import plan_today
from ..zones import zone_or_default

FINISHED = frozenset({TaskStatus.DONE.value, TaskStatus.SKIPPED.value})
#: At most this many points, so a long plan still draws a readable line.
MAX_POINTS = 60


@dataclass(frozen=True)
class Burnup:
    """Finished tasks (``done``) and all tasks (``total``) on each of ``days``."""

    days: list[date]
    done: list[int]
    total: list[int]


def plan_burnup(plan: Plan, until: date | None = None, *, total: int | None = None) -> Burnup:
    """The plan's burn-up from its start to ``until`` (the plan's today by default), weekly or coarser;
    ``total``: its number of tasks, when the caller has counted them already (its progress)."""
    return plans_burnup([plan], until, totals=None if total is None else {plan.id: total})[plan.id]


def plans_burnup(
    plans: Sequence[Plan], until: date | None = None, *, totals: Mapping[int, int] | None = None
) -> dict[int, Burnup]:
    """The burn-up of each plan, in two queries whatever the number of plans and tasks; one when ``totals``
    gives each plan's number of tasks (pages that show the plans' progress have counted them)."""
    if not plans:
        return {}
    ids = [plan.id for plan in plans]
    if totals is None:
        totals = dict(
            session()
            .execute(sa.select(Task.plan_id, sa.func.count()).where(Task.plan_id.in_(ids)).group_by(Task.plan_id))
            .all()
        )
    changes: dict[int, list[tuple[datetime, int, bool]]] = {plan_id: [] for plan_id in ids}
    for plan_id, task_id, to_state, occurred in session().execute(_changes_statement(), {"gpect_plan_ids": ids}):
        assert task_id is not None  # the query keeps the events of tasks
        changes[plan_id].append((occurred, task_id, to_state in FINISHED))
    return {plan.id: _burnup(plan, until, totals.get(plan.id, 0), changes[plan.id]) for plan in plans}


@cache
def _changes_statement() -> sa.Select[int, int | None, str | None, datetime]:
    """The tasks' status changes of some plans (``gpect_plan_ids``, a bound parameter without a default), in
    order: built once per process, for the plan and committee pages read them on every request."""
    return (
        sa.select(Event.plan_id, Event.task_id, Event.to_state, Event.occurred_dt)
        .where(
            Event.plan_id.in_(sa.bindparam("gpect_plan_ids", expanding=True)),
            Event.kind == "task_status_changed",
            Event.task_id.is_not(None),
        )
        .order_by(Event.occurred_dt, Event.id)
    )


def _burnup(plan: Plan, until: date | None, total: int, changes: list[tuple[datetime, int, bool]]) -> Burnup:
    last = until or plan_today(plan)
    if last < plan.start_date:
        return Burnup([], [], [])
    zone = zone_or_default(plan.timezone)
    timeline = [(occurred.astimezone(zone).date(), task_id, finished) for occurred, task_id, finished in changes]
    days = sample_days(plan.start_date, last)
    finished_now: dict[int, bool] = {}
    done: list[int] = []
    position = 0
    for day in days:
        while position < len(timeline) and timeline[position][0] <= day:
            _, task_id, finished = timeline[position]
            finished_now[task_id] = finished
            position += 1
        done.append(sum(finished_now.values()))
    return Burnup(days, done, [total] * len(days))


def sample_days(first: date, last: date) -> list[date]:
    """Days from ``first`` to ``last`` at a regular step (a week at least), always ending on ``last``."""
    span = (last - first).days
    step = max(7, -(-span // MAX_POINTS))
    days = [first + timedelta(days=offset) for offset in range(0, span, step)]
    days.append(last)
    return days
