"""Indicators of a plan and the measurements leads record against them."""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ...errors import NotFound, ValidationError
from ...models import Indicator, Measurement, Person, Plan
from ...refusals import Refusal
from ...validation import DATE_MESSAGE, NUMBER_MESSAGE, date_problem, number_problem
from ...vocabulary import N_
from ..access import PlanAccess, plan_access, require, require_view
from ..context import now, session
from ..definitions import get_definition
from ..journal import record
from ..loading import lock_plan, plan_today, read_again


def plan_indicators(person: Person, plan_id: int) -> list[Indicator]:
    """The plan's indicators with their measurements in date order (for anyone who may see the plan)."""
    plan = _plan(plan_id)
    require_view(plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version)))
    query = (
        sa.select(Indicator)
        .where(Indicator.plan_id == plan_id)
        .options(selectinload(Indicator.measurements))
        .order_by(Indicator.id)
    )
    return list(session().scalars(query))


def indicators_of_plans(plan_ids: list[int]) -> dict[int, list[Indicator]]:
    """Each plan's indicators with their measurements, by plan id (every id present), in one query whatever
    the number of plans: for pages and reports over plans the reader was already shown."""
    found: dict[int, list[Indicator]] = {plan_id: [] for plan_id in plan_ids}
    if not plan_ids:
        return found
    for indicator in session().scalars(_indicators_statement(), {"gpect_plan_ids": plan_ids}):
        found[indicator.plan_id].append(indicator)
    return found


@cache
def _indicators_statement() -> sa.Select[Indicator]:
    """``indicators_of_plans``' statement, built once per process (the plan and committee pages read it on
    every request); the plans are a bound parameter without a default."""
    return (
        sa.select(Indicator)
        .where(Indicator.plan_id.in_(sa.bindparam("gpect_plan_ids", expanding=True)))
        .options(selectinload(Indicator.measurements))
        .order_by(Indicator.id)
    )


def plan_for_indicators(person: Person, plan_id: int) -> tuple[Plan, PlanAccess]:
    """The plan and what ``person`` may do to it, for its indicators page (``NotFound`` unless they see it)."""
    plan = _plan(plan_id)
    access = plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version))
    require_view(access)
    return plan, access


def get_indicator(person: Person, indicator_id: int) -> Indicator:
    """One indicator, for someone who may see its plan."""
    indicator = session().get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(Refusal.NO_SUCH_INDICATOR)
    plan = _plan(indicator.plan_id)
    try:
        require_view(plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version)))
    except NotFound as exc:
        raise NotFound(Refusal.NO_SUCH_INDICATOR) from exc
    return indicator


def record_measurement(
    person: Person, indicator_id: int, value: float, measured_on: date, source: str | None = None
) -> Measurement:
    """Record a value of an indicator (the plan lead or an administrator)."""
    indicator = get_indicator(person, indicator_id)
    plan = _plan(indicator.plan_id)
    access = plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version))
    require(access.can_manage, Refusal.LEAD_RECORDS_INDICATORS)
    problems = _problems(indicator, plan, value, measured_on, source)
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    measurement = Measurement(
        indicator_id=indicator.id,
        value=value,
        measured_on=measured_on,
        source=(source or "").strip() or None,
        recorded_by_id=person.id,
        recorded_dt=now(),
    )
    session().add(measurement)
    session().flush()
    return measurement


def get_measurement(person: Person, indicator_id: int, measurement_id: int, plan_id: int | None = None) -> Measurement:
    """One measurement of the indicator (of the plan, when given), for someone who may see the plan: any
    other measurement, another indicator's or another plan's, is ``NotFound``."""
    indicator = get_indicator(person, indicator_id)
    if plan_id is not None and indicator.plan_id != plan_id:
        raise NotFound(Refusal.NO_SUCH_INDICATOR)
    measurement = session().get(Measurement, measurement_id)
    if measurement is None or measurement.indicator_id != indicator.id:
        raise NotFound(Refusal.NO_SUCH_MEASUREMENT)
    return measurement


def correct_measurement(
    person: Person,
    indicator_id: int,
    measurement_id: int,
    value: float,
    measured_on: date,
    source: str | None = None,
    *,
    plan_id: int | None = None,
) -> Measurement:
    """Correct a recorded value, its date or its source (the plan lead or an administrator), under the
    rules of recording; the journal keeps the old value, date, source and who recorded it."""
    measurement = _measurement_for_change(person, indicator_id, measurement_id, plan_id)
    indicator = measurement.indicator
    plan = _managed_plan(person, indicator)
    problems = _problems(indicator, plan, value, measured_on, source)
    if problems:
        raise ValidationError(Refusal.INVALID_INPUT, problems)
    before = _journal_values(measurement)
    measurement.value = value
    measurement.measured_on = measured_on
    measurement.source = (source or "").strip() or None
    after = _journal_values(measurement)
    data = {**_journal_indicator(indicator, measurement), "before": before, "after": after}
    record(plan, "measurement_corrected", person, data=data)
    session().flush()
    return measurement


def delete_measurement(person: Person, indicator_id: int, measurement_id: int, *, plan_id: int | None = None) -> None:
    """Delete a recorded value (the plan lead or an administrator); the journal keeps what it was."""
    measurement = _measurement_for_change(person, indicator_id, measurement_id, plan_id)
    indicator = measurement.indicator
    plan = _managed_plan(person, indicator)
    data = {**_journal_indicator(indicator, measurement), "before": _journal_values(measurement)}
    record(plan, "measurement_deleted", person, data=data)
    session().delete(measurement)
    session().flush()


def _measurement_for_change(person: Person, indicator_id: int, measurement_id: int, plan_id: int | None) -> Measurement:
    """The measurement read again once its plan is locked (``lock_plan``): two corrections sent at once then
    journal each the value the other left, and a correction of a value deleted meanwhile is ``NotFound``
    (without the lock, the second journalled the same "before" as the first, or failed on a vanished row)."""
    measurement = get_measurement(person, indicator_id, measurement_id, plan_id)
    lock_plan(measurement.indicator.plan_id)
    if read_again(Measurement, measurement_id) is None:
        raise NotFound(Refusal.NO_SUCH_MEASUREMENT)
    return measurement


def _managed_plan(person: Person, indicator: Indicator) -> Plan:
    plan = _plan(indicator.plan_id)
    access = plan_access(person, plan, get_definition(plan.definition_key, plan.definition_version))
    require(access.can_manage, Refusal.LEAD_RECORDS_INDICATORS)
    return plan


def _journal_indicator(indicator: Indicator, measurement: Measurement) -> dict[str, object]:
    return {
        "indicator_id": indicator.id,
        "indicator_key": indicator.key,
        "indicator_title_fr": indicator.title_fr,
        "indicator_title_en": indicator.title_en,
        "measurement_id": measurement.id,
    }


def _journal_values(measurement: Measurement) -> dict[str, object]:
    """What the journal keeps of a measurement: value, day, source, and who recorded it (by name too,
    should that person leave)."""
    recorder = session().get(Person, measurement.recorded_by_id) if measurement.recorded_by_id else None
    return {
        "value": measurement.value,
        "measured_on": measurement.measured_on.isoformat(),
        "source": measurement.source,
        "recorded_by_id": measurement.recorded_by_id,
        "recorded_by": recorder.name if recorder else None,
    }


def _problems(
    indicator: Indicator, plan: Plan, value: float, measured_on: date, source: str | None
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    value_problem = measured_value_problem(indicator, value)
    if value_problem:
        problems["value"] = [value_problem]
    day_problem = _measured_on_problem(plan, measured_on)
    if day_problem:
        problems["measured_on"] = [day_problem]
    if source is not None and len(source) > 300:
        problems["source"] = [N_("at most 300 characters")]
    elif source is not None and "\x00" in source:
        problems["source"] = [N_("must not contain NUL characters")]
    return problems


def measured_value_problem(indicator: Indicator, value: float) -> str | None:
    """Why ``value`` cannot be a measurement of ``indicator`` (an English message marked for translation), or
    ``None``: the rule the form, the API and each line of an imported file share."""
    if not math.isfinite(value):
        return N_("give a finite number")
    if number_problem(value):
        return NUMBER_MESSAGE
    if indicator.unit == "percent" and not 0 <= value <= 100:
        return N_("a percentage is between 0 and 100")
    if indicator.unit in ("count", "people") and (value < 0 or value != int(value)):
        return N_("a count is a whole number, 0 or more")
    return None


def _measured_on_problem(plan: Plan, measured_on: date) -> str | None:
    """The date rule first (every stored date obeys it), then the plan's own bounds."""
    if date_problem(measured_on):
        return DATE_MESSAGE
    if measured_on > plan_today(plan) + timedelta(days=1):
        return N_("a measurement cannot be in the future")
    if measured_on < plan.start_date - timedelta(days=366):
        return N_("more than a year before the plan started")
    return None


def _plan(plan_id: int) -> Plan:
    plan = session().get(Plan, plan_id)
    if plan is None:
        raise NotFound(Refusal.NO_SUCH_PLAN)
    return plan
