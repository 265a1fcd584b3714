"""What steering committees oversee: which plans a person watches over, and how each of them is doing.

The committee page and the committee digest email read this one model, so that both say the same thing
about a plan. Who oversees what:

- a **committee member** oversees the plans where they are mapped to a role the plan's definition marks
  ``committee: true`` (the same rule as ``PlanAccess.can_decide``): only those plans, and only they receive
  the committee digest;
- a plan's **lead** oversees the plans they lead (they report to the committee and prepare its meetings),
  though only the committee decides at gates;
- an active **administrator** oversees every plan.

``plans_health`` reads everything in a fixed number of queries (six) whatever the number of plans, with
dates in each plan's time zone against the plan's today. Pass it a page of plans or a batch of a few
hundred: the plan ids travel as bound parameters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from ...definitions.model import Gate, IndicatorDirection, Lever
from ...engine.progress import Progress
from ...models import (
    OPEN_TASK_STATUSES,
    Decision,
    Event,
    Indicator,
    Measurement,
    Organisation,
    Person,
    Plan,
    PlanStage,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
)
from ..access import is_active_admin
from ..context import session
from ..definitions import all_definitions
from ..loading import plan_today
from ..paging import Page, paginate
from ..plans.listing import PlanFilters, filter_plans
from ..plans.progress import stages_and_plans_progress
from ..zones import zone_or_default

#: An open task late by more than this many days puts its (active) plan off track.
OFF_TRACK_LATE_DAYS = 7
#: The journal event written when a stage starts waiting for the committee (services/stages.py).
AWAITING_DECISION_EVENT = "stage_awaiting_decision"
#: Stages whose open tasks count as late work: a stage not yet opened has tasks nobody can work on yet
#: (their dates move when it opens; the delay shows as the current stage running past its end instead).
_WORKING_STAGES = (StageStatus.OPEN, StageStatus.AWAITING_DECISION)
#: The largest offset from UTC of any time zone: the latest "today" anywhere is UTC + 14 h.
_MAX_UTC_OFFSET = timedelta(hours=14)


class IndicatorState(StrEnum):
    """An indicator's latest value against its target."""

    ON_TARGET = "on_target"
    BELOW_TARGET = "below_target"
    #: Nothing measured yet: never counted as below target.
    NO_DATA = "no_data"
    #: Measured, but the definition sets no target to compare with.
    NO_TARGET = "no_target"


class OffTrackKind(StrEnum):
    """Why an active plan is off track."""

    #: Open tasks late by more than ``OFF_TRACK_LATE_DAYS`` days.
    TASKS_LATE = "tasks_late"
    #: The current stage is still open (or waiting at its gate) after its planned end date.
    STAGE_PAST_END = "stage_past_end"
    #: An indicator's latest value is below its target (one reason per indicator).
    INDICATOR_BELOW_TARGET = "indicator_below_target"


@dataclass(frozen=True, slots=True)
class StageHealth:
    """A stage of a plan: its window, state and progress, and how far past its planned end it runs."""

    id: int
    key: str
    position: int
    lever: Lever
    gate: Gate
    status: StageStatus
    planned_start: date
    planned_end: date
    decision: Decision | None
    progress: Progress
    is_current: bool
    #: Days between the planned end and the plan's today while the stage is open or waiting; 0 otherwise.
    days_past_end: int


@dataclass(frozen=True, slots=True)
class GateAwaiting:
    """A stage waiting for the committee's decision, and since when."""

    stage_id: int
    stage_key: str
    #: When the stage started waiting (UTC); ``None`` when the journal does not say (imported data).
    since: datetime | None
    #: Whole days waited, counted in the plan's time zone; ``None`` with ``since``.
    days_waiting: int | None


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
class IndicatorHealth:
    """An indicator's latest measurement against its target, given which direction is better."""

    id: int
    key: str
    title_fr: str
    title_en: str
    unit: str
    direction: IndicatorDirection
    target: float | None
    latest_value: float | None
    measured_on: date | None
    state: IndicatorState

    @property
    def is_below_target(self) -> bool:
        """Whether the latest value misses the target (never when nothing was measured)."""
        return self.state is IndicatorState.BELOW_TARGET

    def title(self, language: str) -> str:
        """The indicator's name in ``language`` (French unless English)."""
        return self.title_en if language == "en" else self.title_fr


@dataclass(frozen=True, slots=True)
class OffTrackReason:
    """One reason an active plan is off track, with what a reader needs to weigh it."""

    kind: OffTrackKind
    #: TASKS_LATE: how many tasks are late beyond the threshold.
    count: int = 0
    #: TASKS_LATE: the longest lateness in days; STAGE_PAST_END: days past the stage's planned end.
    days: int = 0
    #: STAGE_PAST_END: the stage's key.
    stage_key: str | None = None
    #: INDICATOR_BELOW_TARGET: the indicator's key.
    indicator_key: str | None = None


@dataclass(frozen=True, slots=True)
class PlanHealth:
    """How a plan is doing, as the steering committee sees it, on the plan's today."""

    plan: Plan
    today: date
    #: The plan's progress (services/progress.py: every task, overdue ones included).
    progress: Progress
    stages: tuple[StageHealth, ...]
    gates_awaiting: tuple[GateAwaiting, ...]
    #: Late open tasks of open or waiting stages, by partner organisation, the latest first.
    overdue_by_organisation: tuple[OrganisationLateness, ...]
    indicators: tuple[IndicatorHealth, ...]
    #: Empty unless the plan is active and off track.
    reasons: tuple[OffTrackReason, ...]

    @property
    def off_track(self) -> bool:
        """Whether the plan is active and has at least one reason to worry."""
        return bool(self.reasons)

    @property
    def current_stage(self) -> StageHealth | None:
        """The stage the plan is in (``None`` before start and after completion)."""
        return next((stage for stage in self.stages if stage.is_current), None)

    @property
    def indicators_below_target(self) -> tuple[IndicatorHealth, ...]:
        """The indicators whose latest value misses their target."""
        return tuple(indicator for indicator in self.indicators if indicator.is_below_target)

    @property
    def needs_attention(self) -> bool:
        """Whether the committee has something to look at: a gate to decide, a reason to worry, a missed target."""
        return bool(self.gates_awaiting or self.reasons or self.indicators_below_target)


# --- who oversees what ---------------------------------------------------------------------------------------


def committee_roles() -> dict[tuple[str, int], tuple[str, ...]]:
    """The committee role keys of every registered definition version, by (key, version) (one query).

    The parsed definitions also fill the memo ``get_definition`` reads, so titles cost no further query.
    """
    return {version: definition.committee_roles for version, definition in all_definitions().items()}


def sits_on_committee(roles: dict[tuple[str, int], tuple[str, ...]] | None = None) -> ColumnElement[bool]:
    """SQL condition over ``Plan`` and ``RoleAssignment``: the assignment is a committee role of the plan's
    definition version. ``roles`` as ``committee_roles()`` gives them (read when not given)."""
    roles = committee_roles() if roles is None else roles
    triples = [(key, version, role) for (key, version), keys in roles.items() for role in keys]
    if not triples:
        return sa.false()
    return sa.tuple_(Plan.definition_key, Plan.definition_version, RoleAssignment.role_key).in_(triples)


def committee_plan_ids(person: Person) -> sa.Select[tuple[int]]:
    """Ids of the plans whose steering committee ``person`` sits on (members are mapped at plan start)."""
    return (
        sa.select(RoleAssignment.plan_id)
        .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .join(Plan, Plan.id == RoleAssignment.plan_id)
        .where(RoleAssignmentMember.person_id == person.id, sits_on_committee())
        .correlate(None)  # self-contained, also inside a query over plans
    )


def overseen_plan_ids(person: Person) -> sa.Select[tuple[int]]:
    """Ids of the plans ``person`` oversees: every plan for an active administrator; otherwise the plans
    whose committee they sit on and the plans they lead."""
    if is_active_admin(person):
        return sa.select(Plan.id)
    return sa.select(Plan.id).where(sa.or_(Plan.lead_id == person.id, Plan.id.in_(committee_plan_ids(person))))


def _overseen(person: Person, filters: PlanFilters | None) -> sa.Select[tuple[Plan]]:
    return filter_plans(sa.select(Plan).where(Plan.id.in_(overseen_plan_ids(person))), filters or PlanFilters())


def _by_name(query: sa.Select[tuple[Plan]]) -> sa.Select[tuple[Plan]]:
    return query.options(joinedload(Plan.territory), joinedload(Plan.lead)).order_by(Plan.name, Plan.id)


def overseen_plans(person: Person, filters: PlanFilters | None = None, *, limit: int | None = None) -> list[Plan]:
    """The plans ``person`` oversees, filtered, by name, with territory and lead loaded (two queries)."""
    query = _by_name(_overseen(person, filters))
    if limit is not None:
        query = query.limit(limit)
    return list(session().scalars(query).unique())


def overseen_page(person: Person, filters: PlanFilters | None, page: int, per_page: int) -> Page[Plan]:
    """A page of the plans ``person`` oversees, filtered, by name; a page past the last shows the last."""
    query = _overseen(person, filters)
    return paginate(query, _by_name(query), page, per_page, keep_within=True)


def plans_that_may_need_attention(instant: datetime) -> sa.Select[tuple[int, int]]:
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
            PlanStage.status.in_(_WORKING_STAGES),
        )
    )
    past_end = (
        sa.select(PlanStage.plan_id, sa.literal(0))
        .join(Plan, sa.and_(Plan.id == PlanStage.plan_id, Plan.current_stage_key == PlanStage.stage_key))
        .where(PlanStage.status.in_(_WORKING_STAGES), PlanStage.planned_end_date < latest_today)
    )
    measured = (
        sa.select(Indicator.plan_id, sa.literal(0))
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Indicator.target.is_not(None))
    )
    parts = sa.union_all(waiting, late, past_end, measured).subquery()
    return sa.select(parts.c.plan_id, sa.func.max(parts.c.gate).label("gate_waiting")).group_by(parts.c.plan_id)


# --- health --------------------------------------------------------------------------------------------------


def indicator_state(direction: IndicatorDirection, latest: float | None, target: float | None) -> IndicatorState:
    """Where a value stands against a target: below it means under for ``increase``, over for ``decrease``."""
    if latest is None:
        return IndicatorState.NO_DATA
    if target is None:
        return IndicatorState.NO_TARGET
    below = latest < target if direction is IndicatorDirection.INCREASE else latest > target
    return IndicatorState.BELOW_TARGET if below else IndicatorState.ON_TARGET


def plans_health(plans: Sequence[Plan]) -> dict[int, PlanHealth]:
    """The health of each plan, by plan id, in four queries whatever the number of plans."""
    if not plans:
        return {}
    ids = [plan.id for plan in plans]
    stage_progress, plan_progress = stages_and_plans_progress(plans)
    stages, since = _stages(ids)
    late = _late_tasks(ids, plans)
    indicators = _indicators(ids)
    result = {}
    for plan in plans:
        today = plan_today(plan)
        stage_rows = [_stage_health(plan, stage, today, stage_progress) for stage in stages.get(plan.id, [])]
        gates = tuple(
            _gate(stage, since.get(stage.id), plan, today)
            for stage in stage_rows
            if stage.status is StageStatus.AWAITING_DECISION
        )
        lateness = _by_organisation(late.get(plan.id, []), today)
        measured = tuple(indicators.get(plan.id, []))
        result[plan.id] = PlanHealth(
            plan=plan,
            today=today,
            progress=plan_progress.get(plan.id, Progress()),
            stages=tuple(stage_rows),
            gates_awaiting=gates,
            overdue_by_organisation=lateness,
            indicators=measured,
            reasons=_reasons(plan, stage_rows, lateness, measured),
        )
    return result


def _stages(ids: list[int]) -> tuple[dict[int, list[PlanStage]], dict[int, datetime]]:
    """The plans' stages in order, and when each waiting one last started waiting (one query)."""
    query = (
        sa.select(PlanStage, _awaiting_since())
        .where(PlanStage.plan_id.in_(ids))
        .order_by(PlanStage.plan_id, PlanStage.position)
    )
    by_plan: dict[int, list[PlanStage]] = defaultdict(list)
    since: dict[int, datetime] = {}
    for stage, waiting_since in session().execute(query):
        by_plan[stage.plan_id].append(stage)
        if waiting_since is not None:
            since[stage.id] = waiting_since
    return by_plan, since


def _stage_health(plan: Plan, stage: PlanStage, today: date, progress: dict[int, Progress]) -> StageHealth:
    running = stage.status in _WORKING_STAGES
    return StageHealth(
        id=stage.id,
        key=stage.stage_key,
        position=stage.position,
        lever=stage.lever,
        gate=stage.gate,
        status=stage.status,
        planned_start=stage.planned_start_date,
        planned_end=stage.planned_end_date,
        decision=stage.decision,
        progress=progress.get(stage.id, Progress()),
        is_current=running and stage.stage_key == plan.current_stage_key,
        days_past_end=max((today - stage.planned_end_date).days, 0) if running else 0,
    )


def _awaiting_since() -> sa.ScalarSelect[datetime]:
    """When a waiting stage last started waiting (the journal's latest such event); null for the others."""
    return (
        sa.select(sa.func.max(Event.occurred_dt))
        .where(
            Event.plan_id == PlanStage.plan_id,  # the journal's index is by plan
            Event.stage_id == PlanStage.id,
            Event.kind == AWAITING_DECISION_EVENT,
            PlanStage.status == StageStatus.AWAITING_DECISION,
        )
        .correlate(PlanStage)
        .scalar_subquery()
    )


def _gate(stage: StageHealth, since: datetime | None, plan: Plan, today: date) -> GateAwaiting:
    waited = (today - since.astimezone(zone_or_default(plan.timezone)).date()).days if since else None
    return GateAwaiting(stage.id, stage.key, since, waited)


@dataclass(frozen=True, slots=True)
class _LateGroup:
    organisation_id: int | None
    organisation_name: str | None
    due_date: date
    tasks: int


def _late_tasks(ids: list[int], plans: Iterable[Plan]) -> dict[int, list[_LateGroup]]:
    """Open tasks of open or waiting stages that may be late, counted by plan, organisation and due date.

    Grouped by due date, not by lateness: each plan's today (its own time zone) is applied afterwards, so
    the query takes one date (the latest plan's today) rather than one per plan.
    """
    latest_today = max(plan_today(plan) for plan in plans)
    organisation_id = sa.func.coalesce(Person.organisation_id, RoleAssignment.organisation_id)
    query = (
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
            Task.plan_id.in_(ids),
            Task.status.in_(OPEN_TASK_STATUSES),
            Task.due_date < latest_today,
            PlanStage.status.in_(_WORKING_STAGES),
        )
        .group_by(Task.plan_id, organisation_id, Organisation.name, Task.due_date)
    )
    by_plan: dict[int, list[_LateGroup]] = defaultdict(list)
    for plan_id, org_id, org_name, due, count in session().execute(query):
        by_plan[plan_id].append(_LateGroup(org_id, org_name, due, int(count)))
    return by_plan


def _by_organisation(groups: list[_LateGroup], today: date) -> tuple[OrganisationLateness, ...]:
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


def _indicators(ids: list[int]) -> dict[int, list[IndicatorHealth]]:
    """Each indicator of the plans with its latest measurement (latest day, then latest recorded)."""
    ranked = (
        sa.select(
            Measurement.indicator_id,
            Measurement.value,
            Measurement.measured_on,
            sa.func.row_number()
            .over(
                partition_by=Measurement.indicator_id,
                order_by=(Measurement.measured_on.desc(), Measurement.id.desc()),
            )
            .label("rank"),
        )
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .where(Indicator.plan_id.in_(ids))
        .subquery()
    )
    query = (
        sa.select(Indicator, ranked.c.value, ranked.c.measured_on)
        .outerjoin(ranked, sa.and_(ranked.c.indicator_id == Indicator.id, ranked.c.rank == 1))
        .where(Indicator.plan_id.in_(ids))
        .order_by(Indicator.plan_id, Indicator.id)
    )
    by_plan: dict[int, list[IndicatorHealth]] = defaultdict(list)
    for indicator, value, measured_on in session().execute(query):
        by_plan[indicator.plan_id].append(
            IndicatorHealth(
                id=indicator.id,
                key=indicator.key,
                title_fr=indicator.title_fr,
                title_en=indicator.title_en,
                unit=indicator.unit,
                direction=indicator.direction,
                target=indicator.target,
                latest_value=value,
                measured_on=measured_on,
                state=indicator_state(indicator.direction, value, indicator.target),
            )
        )
    return by_plan


def _reasons(
    plan: Plan,
    stages: list[StageHealth],
    lateness: tuple[OrganisationLateness, ...],
    indicators: tuple[IndicatorHealth, ...],
) -> tuple[OffTrackReason, ...]:
    """Why an active plan is off track; a plan on hold, completed or cancelled is not "off track"."""
    if plan.status is not PlanStatus.ACTIVE:
        return ()
    reasons = []
    late = sum(row.late_beyond_threshold for row in lateness)
    if late:
        days = max(row.max_days_late for row in lateness)
        reasons.append(OffTrackReason(OffTrackKind.TASKS_LATE, count=late, days=days))
    current = next((stage for stage in stages if stage.is_current), None)
    if current is not None and current.days_past_end > 0:
        reasons.append(OffTrackReason(OffTrackKind.STAGE_PAST_END, days=current.days_past_end, stage_key=current.key))
    reasons += [
        OffTrackReason(OffTrackKind.INDICATOR_BELOW_TARGET, indicator_key=indicator.key)
        for indicator in indicators
        if indicator.is_below_target
    ]
    return tuple(reasons)
