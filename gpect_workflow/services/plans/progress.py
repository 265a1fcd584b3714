"""Progress of plans and stages computed in SQL, so lists cost one query whatever their length.

The figures agree with ``engine.progress.progress`` (tested): done and skipped count as finished,
percent done is weighted, a task is overdue when still open after its due date in the plan's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa

from ...engine.progress import Progress
from ...models import FINISHED_TASK_STATUSES, OPEN_TASK_STATUSES, Plan, PlanStage, Task, TaskStatus
from ..context import now, session
from ..zones import zone_or_default


@dataclass(frozen=True, slots=True)
class StageDates:
    """A stage's planned window against what really happened."""

    planned_start: date
    planned_end: date
    opened_on: date | None
    closed_on: date | None


def plans_progress(plans: Sequence[Plan]) -> dict[int, Progress]:
    """Progress of each plan, by plan id (one query)."""
    return _progress_by(Task.plan_id, plans)


def stages_progress(plans: Sequence[Plan]) -> dict[int, Progress]:
    """Progress of each stage of the given plans, by stage id (one query)."""
    return _progress_by(Task.stage_id, plans)


def stages_and_plans_progress(plans: Sequence[Plan]) -> tuple[dict[int, Progress], dict[int, Progress]]:
    """Progress of each stage, by stage id, and of each plan, by plan id, in one query.

    Every task belongs to a stage, so a plan's figures are the sums of its stages' (its lateness the
    largest): pages and digests that show both read the tasks once.
    """
    if not plans:
        return {}, {}
    by_stage: dict[int, Progress] = {}
    stages_of: dict[int, list[Progress]] = {}
    for row in _progress_rows((Task.plan_id, Task.stage_id), plans):
        by_stage[row.stage_id] = _from_row(row)
        stages_of.setdefault(row.plan_id, []).append(by_stage[row.stage_id])
    return by_stage, {plan_id: _summed(parts) for plan_id, parts in stages_of.items()}


def _summed(parts: list[Progress]) -> Progress:
    counts: dict[TaskStatus, int] = {}
    for part in parts:
        for status, count in part.counts.items():
            counts[status] = counts.get(status, 0) + count
    return Progress(
        counts=counts,
        total=sum(part.total for part in parts),
        weight_total=sum(part.weight_total for part in parts),
        weight_finished=sum(part.weight_finished for part in parts),
        overdue=sum(part.overdue for part in parts),
        days_late=max((part.days_late for part in parts), default=0),
    )


def stage_dates(stage: PlanStage, timezone: str) -> StageDates:
    """Planned against actual dates of a stage, in the plan's time zone."""
    zone = zone_or_default(timezone)
    return StageDates(
        stage.planned_start_date,
        stage.planned_end_date,
        stage.opened_dt.astimezone(zone).date() if stage.opened_dt else None,
        stage.closed_dt.astimezone(zone).date() if stage.closed_dt else None,
    )


def _progress_by(key: sa.orm.InstrumentedAttribute[int], plans: Sequence[Plan]) -> dict[int, Progress]:
    if not plans:
        return {}
    return {row.key: _from_row(row) for row in _progress_rows((key,), plans)}


def _progress_rows(
    keys: tuple[sa.orm.InstrumentedAttribute[int], ...], plans: Sequence[Plan]
) -> sa.Result[*tuple[Any, ...]]:
    """The tasks' figures of ``plans`` grouped by ``keys``. Overdue is decided by today in each plan's time
    zone (plans span time zones): the plans are grouped by their today, and each group's day is given to
    ``_progress_statement``'s parameters."""
    instant = now()
    days: dict[date, list[int]] = {}
    for plan in plans:
        days.setdefault(instant.astimezone(zone_or_default(plan.timezone)).date(), []).append(plan.id)
    values: dict[str, Any] = {_PLANS: [plan.id for plan in plans], _ELSE_DAY: instant.date()}
    for index, (day, ids) in enumerate(days.items()):
        values[f"{_DAY}{index}"] = day
        values[f"{_DAY_PLANS}{index}"] = ids
    return session().execute(_progress_statement(tuple(key.key for key in keys), len(days)), values)


#: The names of ``_progress_statement``'s bound parameters.
_PLANS = "gpect_plans"
_DAY = "gpect_day_"
_DAY_PLANS = "gpect_day_plans_"
_ELSE_DAY = "gpect_else_day"


@lru_cache(maxsize=32)
def _progress_statement(keys: tuple[str, ...], days: int) -> sa.Select[*tuple[Any, ...]]:
    """The statement of ``_progress_rows``, built once per process for each grouping and number of distinct
    "todays" (built on every page, the expression cost about as much Python as the database took to run
    it). "Today" is a ``CASE``: the plans of the n-th group (``gpect_day_plans_<n>``) are on day
    ``gpect_day_<n>``."""
    columns_by_key = {"plan_id": Task.plan_id, "stage_id": Task.stage_id}
    whens = [
        (
            Task.plan_id.in_(sa.bindparam(f"{_DAY_PLANS}{index}", expanding=True)),
            sa.bindparam(f"{_DAY}{index}", type_=sa.Date),
        )
        for index in range(days)
    ]
    today = sa.case(*whens, else_=sa.bindparam(_ELSE_DAY, type_=sa.Date))
    is_open = Task.status.in_(OPEN_TASK_STATUSES)
    overdue = sa.and_(is_open, Task.due_date < today)
    grouped = [columns_by_key[key] for key in keys]
    columns = [
        *(column.label(column.key if len(keys) > 1 else "key") for column in grouped),
        sa.func.count().label("total"),
        sa.func.sum(Task.weight).label("weight_total"),
        sa.func.sum(sa.case((Task.status.in_(FINISHED_TASK_STATUSES), Task.weight), else_=0)).label("weight_finished"),
        sa.func.sum(sa.case((overdue, 1), else_=0)).label("overdue"),
        sa.func.min(sa.case((overdue, Task.due_date))).label("oldest_overdue"),
        sa.func.max(today).label("today"),
        *(sa.func.sum(sa.case((Task.status == status, 1), else_=0)).label(status.value) for status in TaskStatus),
    ]
    return sa.select(*columns).where(Task.plan_id.in_(sa.bindparam(_PLANS, expanding=True))).group_by(*grouped)


def _from_row(row: sa.Row[*tuple[Any, ...]]) -> Progress:
    oldest, today = row.oldest_overdue, row.today
    if isinstance(oldest, str):  # SQLite returns dates computed in expressions as text
        oldest = date.fromisoformat(oldest)
    if isinstance(today, str):
        today = date.fromisoformat(today)
    return Progress(
        counts={status: int(getattr(row, status.value)) for status in TaskStatus if getattr(row, status.value)},
        total=int(row.total),
        weight_total=int(row.weight_total or 0),
        weight_finished=int(row.weight_finished or 0),
        overdue=int(row.overdue or 0),
        days_late=(today - oldest).days if oldest else 0,
    )
