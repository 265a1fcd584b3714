"""How each plan is doing, as its steering committee sees it: stages, gates awaiting a decision, late work
by partner organisation (``lateness``), indicators against their targets, and the reasons an active plan is
off track.

``plans_health`` reads everything in a fixed number of queries whatever the number of plans, with dates in
each plan's time zone against the plan's today. Pass it a page of plans or a batch of a few hundred: the plan
ids travel as bound parameters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from functools import cache

import sqlalchemy as sa

from ...definitions.model import Gate, IndicatorDirection, Lever
from ...engine.progress import Progress
from ...models import (
    Decision,
    Event,
    Indicator,
    Measurement,
    Plan,
    PlanStage,
    PlanStatus,
    StageStatus,
)
from ..context import session
from ..indicators.status import IndicatorStatus, indicator_status, latest_measurement
from ..loading import plan_today
from ..plans.progress import stages_and_plans_progress
from ..zones import zone_or_default
from .lateness import WORKING_STAGES, OrganisationLateness, by_organisation, late_tasks

#: The journal event written when a stage starts waiting for the committee (services/stages.py).
AWAITING_DECISION_EVENT = "stage_awaiting_decision"


class OffTrackKind(StrEnum):
    """Why an active plan is off track."""

    #: Open tasks late by more than ``OFF_TRACK_LATE_DAYS`` days.
    TASKS_LATE = "tasks_late"
    #: The current stage is still open (or waiting at its gate) after its planned end date.
    STAGE_PAST_END = "stage_past_end"
    #: An indicator's latest value is behind its target, following its direction (one reason per indicator).
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
    status: IndicatorStatus

    @property
    def is_off_target(self) -> bool:
        """Whether the latest value misses the target (never when nothing was measured)."""
        return self.status is IndicatorStatus.OFF_TARGET

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
    def indicators_off_target(self) -> tuple[IndicatorHealth, ...]:
        """The indicators whose latest value misses their target."""
        return tuple(indicator for indicator in self.indicators if indicator.is_off_target)

    @property
    def needs_attention(self) -> bool:
        """Whether the committee has something to look at: a gate to decide, a reason to worry, a missed target."""
        return bool(self.gates_awaiting or self.reasons or self.indicators_off_target)


def plans_health(
    plans: Sequence[Plan], indicators_of: Mapping[int, Sequence[Indicator]] | None = None
) -> dict[int, PlanHealth]:
    """The health of each plan, by plan id, in four queries whatever the number of plans; three when
    ``indicators_of`` gives each plan's indicators with their measurements loaded (a page that draws their
    charts has read them: each indicator's latest measurement is then taken from them)."""
    if not plans:
        return {}
    ids = [plan.id for plan in plans]
    stage_progress, plan_progress = stages_and_plans_progress(plans)
    stages, since = _stages(ids)
    late = late_tasks(ids, plans)
    indicators = _indicators(ids) if indicators_of is None else _indicators_from(indicators_of)
    result = {}
    for plan in plans:
        today = plan_today(plan)
        stage_rows = [_stage_health(plan, stage, today, stage_progress) for stage in stages.get(plan.id, [])]
        gates = tuple(
            _gate(stage, since.get(stage.id), plan, today)
            for stage in stage_rows
            if stage.status is StageStatus.AWAITING_DECISION
        )
        lateness = by_organisation(late.get(plan.id, []), today)
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
    by_plan: dict[int, list[PlanStage]] = defaultdict(list)
    since: dict[int, datetime] = {}
    for stage, waiting_since in session().execute(_stages_statement(), {"gpect_plan_ids": ids}):
        by_plan[stage.plan_id].append(stage)
        if waiting_since is not None:
            since[stage.id] = waiting_since
    return by_plan, since


@cache
def _stages_statement() -> sa.Select[PlanStage, datetime]:
    """``_stages``' statement, built once per process; the plans are a bound parameter without a default."""
    return (
        sa.select(PlanStage, _awaiting_since())
        .where(PlanStage.plan_id.in_(sa.bindparam("gpect_plan_ids", expanding=True)))
        .order_by(PlanStage.plan_id, PlanStage.position)
    )


def _stage_health(plan: Plan, stage: PlanStage, today: date, progress: dict[int, Progress]) -> StageHealth:
    running = stage.status in WORKING_STAGES
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
    # The columns of a subquery are untyped: the annotation says what this one selects.
    query: sa.Select[Indicator, float | None, date | None] = (
        sa.select(Indicator, ranked.c.value, ranked.c.measured_on)
        .outerjoin(ranked, sa.and_(ranked.c.indicator_id == Indicator.id, ranked.c.rank == 1))
        .where(Indicator.plan_id.in_(ids))
        .order_by(Indicator.plan_id, Indicator.id)
    )
    by_plan: dict[int, list[IndicatorHealth]] = defaultdict(list)
    for indicator, value, measured_on in session().execute(query):
        by_plan[indicator.plan_id].append(_indicator_health(indicator, value, measured_on))
    return by_plan


def _indicators_from(indicators_of: Mapping[int, Sequence[Indicator]]) -> dict[int, list[IndicatorHealth]]:
    """``_indicators`` from indicators already read with their measurements: the latest is the one of the
    latest day, then the latest recorded (the highest id), as the query ranks them."""
    by_plan: dict[int, list[IndicatorHealth]] = defaultdict(list)
    for plan_id, indicators in indicators_of.items():
        for indicator in sorted(indicators, key=lambda found: found.id):
            latest = latest_measurement(indicator)
            value, measured_on = (latest.value, latest.measured_on) if latest is not None else (None, None)
            by_plan[plan_id].append(_indicator_health(indicator, value, measured_on))
    return by_plan


def _indicator_health(indicator: Indicator, value: float | None, measured_on: date | None) -> IndicatorHealth:
    return IndicatorHealth(
        id=indicator.id,
        key=indicator.key,
        title_fr=indicator.title_fr,
        title_en=indicator.title_en,
        unit=indicator.unit,
        direction=indicator.direction,
        target=indicator.target,
        latest_value=value,
        measured_on=measured_on,
        status=indicator_status(indicator.direction, value, indicator.target),
    )


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
        if indicator.is_off_target
    ]
    return tuple(reasons)
