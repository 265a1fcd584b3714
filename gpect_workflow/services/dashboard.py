"""The dashboard: what needs a person now: the gates awaiting their decision (first: a plan waits for
them), their overdue and soon-due tasks (``my_tasks``; left out for people who have no task at all, such
as most committee members), their plans, and the other gates waiting for a committee decision.

A fixed number of queries whatever the number of plans and tasks, so the dashboard costs the same with ten
plans or a hundred thousand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..engine.progress import Progress
from ..models import (
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    StageStatus,
)
from .access import can_start_plans, is_active_admin, plan_row_visible_to, plans_visible_to
from .committee.oversight import CommitteeRolesKey, committee_plan_ids, committee_roles_key
from .context import session
from .definitions import Definitions, definitions_for
from .paging import Page
from .plans.progress import plans_progress
from .tasks.mine import WorkItem, open_work_probe, urgent_work

#: How many plans and gates the dashboard shows before pointing to the full list.
DASHBOARD_LIMIT = 10
_STATUS_ORDER = {
    PlanStatus.ACTIVE: 0,
    PlanStatus.ON_HOLD: 1,
    PlanStatus.SCHEDULED: 2,
    PlanStatus.DRAFT: 3,
    PlanStatus.COMPLETED: 4,
    PlanStatus.CANCELLED: 5,
}


@dataclass(frozen=True, slots=True)
class PlanItem:
    """A plan with its current stage and progress."""

    plan: Plan
    current_stage: PlanStage | None
    progress: Progress


@dataclass(frozen=True, slots=True)
class GateItem:
    """A stage waiting for its committee's decision, and whether the reader may decide it."""

    stage: PlanStage
    plan: Plan
    can_decide: bool


@dataclass(frozen=True, slots=True)
class Dashboard:
    """What the dashboard shows a person."""

    #: The first of my overdue tasks and of those due soon, with their whole counts ("see all" on "my tasks").
    overdue: Page[WorkItem]
    due_soon: Page[WorkItem]
    plans: list[PlanItem]
    plans_total: int
    #: Gates awaiting a decision the person may take (their plans' committee; every gate for administrators).
    to_decide: list[GateItem]
    to_decide_total: int
    #: The other gates of the plans they may see, waiting for someone else's decision.
    gates: list[GateItem]
    gates_total: int
    definitions: Definitions
    can_start_plans: bool
    #: Whether the person has any open task at all: the task sections are left out for those who have none
    #: (a committee member's dashboard starts with the decisions awaiting them, not with empty lists). Asked
    #: by the statement that reads the person's plans (``_my_plans``), so it costs no statement of its own.
    has_tasks: bool = True


def dashboard(person: Person, limit: int = DASHBOARD_LIMIT) -> Dashboard:
    """The gates awaiting the person's decision, their overdue and soon-due tasks, their plans and the
    other gates awaiting a decision."""
    work = urgent_work(person, limit)
    overdue, due_soon = work.overdue, work.due_soon
    plans, plans_total, has_open_work = _my_plans(person, limit)
    (mine, mine_total), (others, others_total) = _waiting_gates(person, limit)
    definitions = definitions_for(
        [item.plan for item in overdue.items + due_soon.items]
        + [item.plan for item in plans]
        + [plan for _, plan in mine + others]
    )
    return Dashboard(
        overdue=overdue,
        due_soon=due_soon,
        plans=plans,
        plans_total=plans_total,
        to_decide=[GateItem(stage, plan, True) for stage, plan in mine],
        to_decide_total=mine_total,
        gates=[GateItem(stage, plan, False) for stage, plan in others],
        gates_total=others_total,
        definitions=definitions,
        can_start_plans=can_start_plans(person),
        has_tasks=has_open_work,
    )


#: The name of the reader's id in the dashboard's statements, each built once per process (``_plans_statement``,
#: ``_gates_statement``): built on every page, their expressions cost more Python than the database took to run
#: them. The reader's id is a bound parameter without a default, which every execution must give.
_PERSON = "gpect_person_id"


def _my_plans(person: Person, limit: int) -> tuple[list[PlanItem], int, bool]:
    """The plans I lead, take part in or oversee (all for administrators): active ones first, with their
    whole count (one statement: the count is a window over the plans before the limit), and whether I have
    any open task at all (``open_work_probe``, a column of the same statement).

    The probe rides with the plans: any open task of mine belongs to an active plan I see, so when I see no
    plan, and the statement returns no row, I have none. Asked as a statement of its own, it cost the
    dashboard a round trip, and its planning and execution in the ORM (about 1 ms at 10 plans)."""
    rows = list(session().execute(_plans_statement(is_active_admin(person), limit), {_PERSON: person.id}))
    progress = plans_progress([plan for plan, _, _, _ in rows])
    total = int(rows[0][2]) if rows else 0
    has_open_work = bool(rows[0][3]) if rows else False
    items = [PlanItem(plan, stage, progress.get(plan.id, Progress())) for plan, stage, _, _ in rows]
    return items, total, has_open_work


@lru_cache(maxsize=32)
def _plans_statement(admin: bool, limit: int) -> sa.Select[Plan, PlanStage, int, bool]:
    return _plans_only_statement(admin, limit).add_columns(open_work_probe(admin).label("has_open_work"))


def _plans_only_statement(admin: bool, limit: int) -> sa.Select[Plan, PlanStage, int]:
    if admin:
        return _every_plan_statement(limit)
    visible = Plan.id.in_(plans_visible_to(sa.bindparam(_PERSON, type_=sa.Integer), admin=False))
    order = (sa.case(_STATUS_ORDER, value=Plan.status), Plan.created_dt.desc(), Plan.id.desc())
    # The plans shown are chosen first, then joined to their current stage and territory: joined before the
    # limit, PostgreSQL matched every plan to its stage (a hash join of all stages) to keep ten.
    shown = (
        sa.select(Plan.id, sa.func.count().over().label("total")).where(visible).order_by(*order).limit(limit)
    ).subquery()
    whole_count: sa.ColumnElement[int] = shown.c.total
    return _with_current_stage(shown, whole_count, order)


def _every_plan_statement(limit: int) -> sa.Select[Plan, PlanStage, int]:
    """``_plans_statement`` of an administrator, who sees every plan: the newest ``limit`` plans of each status
    read from the index (status, creation) and ranked in the dashboard's order, and every plan counted apart
    (a scalar subquery of the same statement). Sorting every plan stored to keep ten, counted by a window over
    the sort, took 88 to 148 ms at 100,000 plans; ``IN (SELECT id FROM gpect_plans)`` had hashed them all."""
    newest = [
        sa.select(Plan.id, Plan.created_dt, sa.literal(rank).label("rank"))
        .where(Plan.status == status)
        .order_by(Plan.created_dt.desc(), Plan.id.desc())
        .limit(limit)
        .subquery()
        for status, rank in _STATUS_ORDER.items()
    ]
    ranked = sa.union_all(*(sa.select(part) for part in newest)).subquery()
    order = (ranked.c.rank, ranked.c.created_dt.desc(), ranked.c.id.desc())
    shown = sa.select(ranked.c.id, ranked.c.rank, ranked.c.created_dt).order_by(*order).limit(limit).subquery()
    every_plan: sa.ColumnElement[int] = sa.select(sa.func.count()).select_from(Plan).scalar_subquery()
    return _with_current_stage(shown, every_plan, (shown.c.rank, shown.c.created_dt.desc(), shown.c.id.desc()))


def _with_current_stage(
    shown: sa.Subquery, total: sa.ColumnElement[int], order: tuple[sa.ColumnElement[Any], ...]
) -> sa.Select[Plan, PlanStage, int]:
    """The plans ``shown`` (a subquery of their ids), each with its current stage and territory, and
    ``total``, in ``order``."""
    current = sa.and_(PlanStage.plan_id == Plan.id, PlanStage.stage_key == Plan.current_stage_key)
    return (
        sa.select(Plan, PlanStage, total)
        .join(shown, shown.c.id == Plan.id)
        .outerjoin(PlanStage, current)
        .options(joinedload(Plan.territory))
        .order_by(*order)
    )


#: A gate, the plan it belongs to.
_Gate = tuple[PlanStage, Plan]


def _waiting_gates(person: Person, limit: int) -> tuple[tuple[list[_Gate], int], tuple[list[_Gate], int]]:
    """Stages of active plans the person may see that wait for a committee decision, the oldest first, in two
    lists with their whole counts: those of the plans whose gates the person decides (their committee's;
    every plan for an active administrator, as ``access.plan_access`` decides each plan), then the others.

    One statement: the rows of both lists are numbered and counted apart (window functions partitioned by
    whose decision it is) and the first ``limit`` of each kept. Asked as two statements, one per list, the
    dashboard cost a statement more, and the database found the waiting gates of the reader's plans twice."""
    admin = is_active_admin(person)
    statement = _gates_statement(admin, () if admin else committee_roles_key(), limit)
    gates: dict[bool, list[_Gate]] = {True: [], False: []}
    totals = {True: 0, False: 0}
    for stage, plan, theirs, total in session().execute(statement, {_PERSON: person.id}):
        gates[bool(theirs)].append((stage, plan))
        totals[bool(theirs)] = int(total)
    return (gates[True], totals[True]), (gates[False], totals[False])


@lru_cache(maxsize=64)
def _gates_statement(admin: bool, roles: CommitteeRolesKey, limit: int) -> sa.Select[PlanStage, Plan, bool, int]:
    person_id = sa.bindparam(_PERSON, type_=sa.Integer)
    # An administrator decides at every gate: every waiting gate is theirs to decide.
    theirs: sa.ColumnElement[bool] = sa.true() if admin else Plan.id.in_(committee_plan_ids(person_id, dict(roles)))
    waiting = sa.and_(
        PlanStage.status == StageStatus.AWAITING_DECISION,
        Plan.status == PlanStatus.ACTIVE,
        plan_row_visible_to(person_id, admin=admin),
    )
    oldest_first = (PlanStage.planned_end_date, PlanStage.id)
    ranked = (
        sa.select(
            PlanStage.id.label("stage_id"),
            theirs.label("theirs"),
            sa.func.row_number().over(partition_by=theirs, order_by=oldest_first).label("position"),
            sa.func.count().over(partition_by=theirs).label("total"),
        )
        .join(Plan, Plan.id == PlanStage.plan_id)
        .where(waiting)
        .subquery()
    )
    return (
        sa.select(PlanStage, Plan, ranked.c.theirs, ranked.c.total)
        .join(ranked, ranked.c.stage_id == PlanStage.id)
        .join(Plan, Plan.id == PlanStage.plan_id)
        .where(ranked.c.position <= limit)
        .order_by(ranked.c.theirs.desc(), ranked.c.position)
    )
