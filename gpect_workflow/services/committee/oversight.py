"""What steering committees oversee: which plans a person watches over (how each is doing: ``health``).

The committee page and the committee digest email read this one model, so that both say the same thing
about a plan. Who oversees what:

- a **committee member** oversees the plans where they are mapped to a role the plan's definition marks
  ``committee: true`` (the same rule as ``PlanAccess.can_decide``): only those plans, and only they receive
  the committee digest;
- a plan's **lead** oversees the plans they lead (they report to the committee and prepare its meetings),
  though only the committee decides at gates;
- an active **administrator** oversees every plan.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, joinedload
from sqlalchemy.sql.elements import ColumnElement

from ...models import (
    OPEN_TASK_STATUSES,
    Indicator,
    Measurement,
    Person,
    Plan,
    PlanStage,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
)
from ..access import is_active_admin
from ..context import session
from ..definitions import all_definitions
from ..paging import Page, counted_page_of_keys, paginate
from ..plans.listing import PlanFilters, filter_plans
from .lateness import OFF_TRACK_LATE_DAYS, WORKING_STAGES


def committee_roles() -> dict[tuple[str, int], tuple[str, ...]]:
    """The committee role keys of every registered definition version, by (key, version) (one query).

    The parsed definitions also fill the memo ``get_definition`` reads, so titles cost no further query.
    """
    return {version: definition.committee_roles for version, definition in all_definitions().items()}


def sits_on_committee(
    roles: dict[tuple[str, int], tuple[str, ...]] | None = None,
    role_key: sa.ColumnElement[str] | InstrumentedAttribute[str] = RoleAssignment.role_key,
) -> ColumnElement[bool]:
    """SQL condition over ``Plan`` and a role key (``RoleAssignment``'s by default; a member's copy, say): the
    role is a committee role of the plan's definition version. ``roles`` as ``committee_roles()`` gives them
    (read when not given)."""
    roles = committee_roles() if roles is None else roles
    triples = [(key, version, role) for (key, version), keys in roles.items() for role in keys]
    if not triples:
        return sa.false()
    return sa.tuple_(Plan.definition_key, Plan.definition_version, role_key).in_(triples)


#: The committee role keys of every definition version, as ``committee_roles`` gives them, in a form that
#: can key a statement built once (``committee_roles_key``).
CommitteeRolesKey = tuple[tuple[tuple[str, int], tuple[str, ...]], ...]


def committee_roles_key() -> CommitteeRolesKey:
    """``committee_roles()`` as a sorted tuple: statements built once per process for each set of committee
    roles (``committee_plan_ids(..., roles=dict(key))``) are found again by it."""
    return tuple(sorted(committee_roles().items()))


def committee_plan_ids(
    person: Person | sa.BindParameter[int], roles: dict[tuple[str, int], tuple[str, ...]] | None = None
) -> sa.Select[int]:
    """Ids of the plans whose steering committee ``person`` sits on (members are mapped at plan start).

    Read from the person's memberships alone, which name their plan and role (migrations 0021, 0023): the
    index (person, plan, role key) answers it, whatever the number of plans stored. A role key that every
    definition having it marks ``committee`` (the usual ``steering_committee``) is a committee role whatever
    the plan's definition, so the plans are not read to check it; when a key is marked in some definitions and
    not in others, the plans' definitions decide.

    ``person`` may be a bound parameter standing for a person's id, and ``roles`` given (``committee_roles``'
    read when not), for a statement built once.
    """
    roles = committee_roles() if roles is None else roles
    person_id = person if isinstance(person, sa.BindParameter) else person.id
    everywhere, somewhere = _committee_role_keys(roles)
    member = RoleAssignmentMember
    query = (
        sa.select(member.plan_id)
        .where(member.person_id == person_id)
        .correlate(None)  # self-contained, also inside a query over plans
    )
    if somewhere:  # the plan's definition decides
        return query.join(Plan, Plan.id == member.plan_id).where(sits_on_committee(roles, member.role_key))
    return query.where(member.role_key.in_(everywhere)) if everywhere else query.where(sa.false())


def _committee_role_keys(roles: dict[tuple[str, int], tuple[str, ...]]) -> tuple[list[str], list[str]]:
    """The committee role keys that are committee roles in every definition version having a role of that
    key, and those that are committee roles in some versions only."""
    marked = {key for keys in roles.values() for key in keys}
    having: dict[str, set[bool]] = {}
    for version, definition in all_definitions().items():
        for role in definition.roles:
            having.setdefault(role.key, set()).add(role.key in roles.get(version, ()))
    everywhere = sorted(key for key in marked if having.get(key) == {True})
    return everywhere, sorted(marked - set(everywhere))


def overseen_plan_ids(person: Person) -> sa.Select[int] | sa.CompoundSelect[int]:
    """Ids of the plans ``person`` oversees: every plan for an active administrator; otherwise the plans
    whose committee they sit on and the plans they lead (a union of the two lookups, each on its index)."""
    if is_active_admin(person):
        return sa.select(Plan.id)
    return sa.select(Plan.id).where(Plan.lead_id == person.id).union(committee_plan_ids(person))


def _overseen(person: Person, filters: PlanFilters | None) -> sa.Select[Plan]:
    # An administrator oversees every plan: no condition (``IN (SELECT id FROM gpect_plans)`` had PostgreSQL
    # hash the id of every plan stored first).
    overseen = sa.true() if is_active_admin(person) else Plan.id.in_(overseen_plan_ids(person))
    return filter_plans(sa.select(Plan).where(overseen), filters or PlanFilters())


def _by_name(query: sa.Select[Plan]) -> sa.Select[Plan]:
    return query.options(joinedload(Plan.territory), joinedload(Plan.lead)).order_by(Plan.name, Plan.id)


def overseen_plans(person: Person, filters: PlanFilters | None = None, *, limit: int | None = None) -> list[Plan]:
    """The plans ``person`` oversees, filtered, by name, with territory and lead loaded (two queries)."""
    query = _by_name(_overseen(person, filters))
    if limit is not None:
        query = query.limit(limit)
    return list(session().scalars(query).unique())


def overseen_page(person: Person, filters: PlanFilters | None, page: int, per_page: int) -> Page[Plan]:
    """A page of the plans ``person`` oversees, filtered, by name; a page past the last shows the last.

    For a reader who oversees some plans, one statement, counted by a window over the rows: the plans
    overseen are found once, not once to count them and once more for the page, and only the page's plans are
    joined to their territory and lead. An administrator oversees every plan: the page is read from the index
    of plans by name and the plans counted apart, where a window would read every plan stored to count them."""
    if is_active_admin(person):
        query = filter_plans(sa.select(Plan), filters or PlanFilters())
        return paginate(query, _by_name(query), page, per_page, keep_within=True)
    chosen = _overseen(person, filters).with_only_columns(Plan.id).order_by(Plan.name, Plan.id)
    return counted_page_of_keys(chosen, _by_name(sa.select(Plan)), Plan.id, page, per_page)


#: The largest offset from UTC of any time zone: the latest "today" anywhere is UTC + 14 h.
_MAX_UTC_OFFSET = timedelta(hours=14)


def plans_that_may_need_attention(instant: datetime) -> sa.Select[int, int]:
    """Plans that may have something for the committee at ``instant`` (any status): rows of ``plan_id`` and
    ``gate_waiting`` (1 when a stage of the plan waits for a decision, else 0).

    A cheap superset of ``PlanHealth.needs_attention``, for picking plans among many before
    ``plans_health`` decides exactly: a gate waiting, an open task of an open stage that may be late
    beyond the threshold, a current stage that may be past its end (each plan's today is at most the
    latest date on Earth), an indicator with a target and a measurement. Each part starts from the
    problems (late open tasks by their partial index), so the cost follows them, not the plans.
    """
    latest_today = (instant.astimezone(UTC) + _MAX_UTC_OFFSET).date()
    waiting = sa.select(PlanStage.plan_id, sa.literal(1).label("gate")).where(
        PlanStage.status == StageStatus.AWAITING_DECISION
    )
    late = (
        sa.select(Task.plan_id, sa.literal(0))
        .join(PlanStage, PlanStage.id == Task.stage_id)
        .where(
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.due_date < latest_today - timedelta(days=OFF_TRACK_LATE_DAYS),
            PlanStage.status.in_(WORKING_STAGES),
        )
    )
    past_end = (
        sa.select(PlanStage.plan_id, sa.literal(0))
        .join(Plan, sa.and_(Plan.id == PlanStage.plan_id, Plan.current_stage_key == PlanStage.stage_key))
        .where(PlanStage.status.in_(WORKING_STAGES), PlanStage.planned_end_date < latest_today)
    )
    measured = (
        sa.select(Indicator.plan_id, sa.literal(0))
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Indicator.target.is_not(None))
    )
    parts = sa.union_all(waiting, late, past_end, measured).subquery()
    return sa.select(parts.c.plan_id, sa.func.max(parts.c.gate).label("gate_waiting")).group_by(parts.c.plan_id)
