"""Late work in a plan, by partner organisation: what the committee asks partners about.

An open task of a stage that is open or waiting for its gate is late once its due date has passed in its
plan's time zone; late by more than ``OFF_TRACK_LATE_DAYS``, it puts an active plan off track.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

import sqlalchemy as sa

from ...models import OPEN_TASK_STATUSES, Organisation, Person, Plan, PlanStage, RoleAssignment, StageStatus, Task
from ..context import session
from ..loading import plan_today

#: An open task late by more than this many days puts its (active) plan off track.
OFF_TRACK_LATE_DAYS = 7
#: Stages whose open tasks count as late work: a stage not yet opened has tasks nobody can work on yet
#: (their dates move when it opens; the delay shows as the current stage running past its end instead).
WORKING_STAGES = (StageStatus.OPEN, StageStatus.AWAITING_DECISION)


@dataclass(frozen=True, slots=True)
class OrganisationLateness:
    """A partner organisation's late open tasks in one plan.

    The organisation is the assignee's, or the one mapped to the task's owning role when the task is
    unassigned (or its assignee belongs to no organisation); ``None`` when neither is known.
    """

    organisation_id: int | None
    organisation_name: str | None
    #: Open tasks past their due date.
    overdue: int
    #: Of those, the ones late by more than ``OFF_TRACK_LATE_DAYS`` days.
    late_beyond_threshold: int
    #: Days the oldest of them is late.
    max_days_late: int


@dataclass(frozen=True, slots=True)
class LateGroup:
    organisation_id: int | None
    organisation_name: str | None
    due_date: date
    tasks: int


def late_tasks(ids: list[int], plans: Iterable[Plan]) -> dict[int, list[LateGroup]]:
    """Open tasks of open or waiting stages that may be late, counted by plan, organisation and due date.

    Grouped by due date, not by lateness: each plan's today (its own time zone) is applied afterwards, so
    the query takes one date (the latest plan's today) rather than one per plan.
    """
    latest_today = max(plan_today(plan) for plan in plans)
    by_plan: dict[int, list[LateGroup]] = defaultdict(list)
    values = {"gpect_plan_ids": ids, "gpect_latest_today": latest_today}
    for plan_id, org_id, org_name, due, count in session().execute(_late_tasks_statement(), values):
        by_plan[plan_id].append(LateGroup(org_id, org_name, due, int(count)))
    return by_plan


@cache
def _late_tasks_statement() -> sa.Select[int, int | None, str | None, date, int]:
    """``late_tasks``' statement, built once per process (the committee page and digest read it); the plans
    and the day are bound parameters without defaults."""
    organisation_id = sa.func.coalesce(Person.organisation_id, RoleAssignment.organisation_id)
    return (
        sa.select(Task.plan_id, organisation_id, Organisation.name, Task.due_date, sa.func.count())
        .select_from(Task)
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .outerjoin(Person, Person.id == Task.assignee_id)
        .outerjoin(
            RoleAssignment,
            sa.and_(RoleAssignment.plan_id == Task.plan_id, RoleAssignment.role_key == Task.owner_role),
        )
        .outerjoin(Organisation, Organisation.id == organisation_id)
        .where(
            Task.plan_id.in_(sa.bindparam("gpect_plan_ids", expanding=True)),
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.due_date < sa.bindparam("gpect_latest_today", type_=sa.Date),
            PlanStage.status.in_(WORKING_STAGES),
        )
        .group_by(Task.plan_id, organisation_id, Organisation.name, Task.due_date)
    )


def by_organisation(groups: list[LateGroup], today: date) -> tuple[OrganisationLateness, ...]:
    totals: dict[tuple[int | None, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
    for group in groups:
        days = (today - group.due_date).days
        if days <= 0:
            continue
        total = totals[group.organisation_id, group.organisation_name]
        total[0] += group.tasks
        total[1] += group.tasks if days > OFF_TRACK_LATE_DAYS else 0
        total[2] = max(total[2], days)
    rows = [OrganisationLateness(org_id, name, *counts) for (org_id, name), counts in totals.items()]
    return tuple(sorted(rows, key=lambda row: (-row.max_days_late, -row.overdue, row.organisation_name or "")))
