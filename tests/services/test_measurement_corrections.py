"""Correcting and deleting a recorded measurement: who may, under the rules of recording, kept in the journal."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from gpect_workflow.errors import NotFound, PermissionDenied, ValidationError
from gpect_workflow.models import Event, Indicator, Measurement, Person, PersonRole, Plan
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.measurements import (
    correct_measurement,
    delete_measurement,
    get_measurement,
    record_measurement,
)
from gpect_workflow.services.indicators.status import IndicatorStatus, status_of
from gpect_workflow.services.partners.people import find_person
from tests.plan_helpers import start_five_levers_plan


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 11, 2))
    session().commit()
    return started


def indicator(plan: Plan, key: str = "companies-surveyed") -> Indicator:
    found = session().scalar(sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.key == key))
    assert found is not None
    return found


@pytest.fixture
def mistyped(plan: Plan, dummy_lead: Person) -> Measurement:
    measurement = record_measurement(dummy_lead, indicator(plan).id, 1200, date(2026, 11, 20), "Enquête CCI")
    session().commit()
    return measurement


def events(plan: Plan, kind: str) -> list[Event]:
    query = sa.select(Event).where(Event.plan_id == plan.id, Event.kind == kind).order_by(Event.id)
    return list(session().scalars(query))


def test_the_lead_corrects_a_mistyped_value_and_the_journal_keeps_the_old_one(
    plan: Plan, dummy_lead: Person, mistyped: Measurement
) -> None:
    surveyed = indicator(plan)
    assert status_of(surveyed) is IndicatorStatus.ON_TARGET, "1 200 companies for a target of 50"
    corrected = correct_measurement(dummy_lead, surveyed.id, mistyped.id, 12, date(2026, 11, 21), "  Enquête  ")
    session().commit()
    assert (corrected.value, corrected.measured_on, corrected.source) == (12, date(2026, 11, 21), "Enquête")
    assert corrected.recorded_by_id == dummy_lead.id, "who recorded it first stays"
    session().expire_all()
    assert status_of(indicator(plan)) is IndicatorStatus.OFF_TARGET
    [event] = events(plan, "measurement_corrected")
    assert event.actor_id == dummy_lead.id
    assert event.data == {
        "indicator_id": surveyed.id,
        "indicator_key": "companies-surveyed",
        "indicator_title_fr": surveyed.title_fr,
        "indicator_title_en": surveyed.title_en,
        "measurement_id": mistyped.id,
        "before": {
            "value": 1200,
            "measured_on": "2026-11-20",
            "source": "Enquête CCI",
            "recorded_by_id": dummy_lead.id,
            "recorded_by": "Claire Lead",
        },
        "after": {
            "value": 12,
            "measured_on": "2026-11-21",
            "source": "Enquête",
            "recorded_by_id": dummy_lead.id,
            "recorded_by": "Claire Lead",
        },
    }


def test_deleting_keeps_what_the_measurement_was(plan: Plan, dummy_lead: Person, mistyped: Measurement) -> None:
    surveyed_id, measurement_id = indicator(plan).id, mistyped.id
    delete_measurement(dummy_lead, surveyed_id, measurement_id)
    session().commit()
    assert session().get(Measurement, measurement_id) is None
    [event] = events(plan, "measurement_deleted")
    assert event.actor_id == dummy_lead.id and event.data is not None
    assert event.data["before"]["value"] == 1200 and event.data["before"]["source"] == "Enquête CCI"
    assert event.data["measurement_id"] == measurement_id
    with pytest.raises(NotFound) as gone:
        delete_measurement(dummy_lead, surveyed_id, measurement_id)
    assert gone.value.refusal is Refusal.NO_SUCH_MEASUREMENT


def test_an_active_administrator_may_and_an_inactive_one_may_not(
    plan: Plan, create_user: Any, mistyped: Measurement
) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Ada Admin")
    correct_measurement(admin, indicator(plan).id, mistyped.id, 12, date(2026, 11, 20))
    session().commit()
    assert events(plan, "measurement_corrected")[0].actor_id == admin.id
    admin.is_active = False
    session().commit()
    with pytest.raises((PermissionDenied, NotFound)):
        correct_measurement(admin, indicator(plan).id, mistyped.id, 13, date(2026, 11, 20))
    session().rollback()
    with pytest.raises((PermissionDenied, NotFound)):
        delete_measurement(admin, indicator(plan).id, mistyped.id)
    session().rollback()
    assert session().get(Measurement, mistyped.id) is not None


def test_a_partner_of_the_plan_and_a_committee_member_may_not(
    plan: Plan, mistyped: Measurement, create_user: Any
) -> None:
    partner = find_person("employment-service@partners.example.org")
    member = create_user("member@example.org", PersonRole.COMMITTEE)
    assert partner is not None
    with pytest.raises(PermissionDenied) as refused:
        correct_measurement(partner, indicator(plan).id, mistyped.id, 12, date(2026, 11, 20))
    assert refused.value.refusal is Refusal.LEAD_RECORDS_INDICATORS
    session().rollback()
    with pytest.raises(PermissionDenied):
        delete_measurement(partner, indicator(plan).id, mistyped.id)
    session().rollback()
    with pytest.raises((PermissionDenied, NotFound)):
        correct_measurement(member, indicator(plan).id, mistyped.id, 12, date(2026, 11, 20))
    session().rollback()
    assert session().get(Measurement, mistyped.id).value == 1200  # type: ignore[union-attr]
    assert not events(plan, "measurement_corrected") and not events(plan, "measurement_deleted")


def test_another_indicators_or_another_plans_measurement_is_not_found(
    plan: Plan, dummy_lead: Person, mistyped: Measurement
) -> None:
    other_plan = start_five_levers_plan(dummy_lead, date(2026, 11, 2), name="Autre plan")
    session().commit()
    elsewhere = [indicator(plan, "partners-involved").id, indicator(other_plan).id]
    for indicator_id in elsewhere:
        with pytest.raises(NotFound) as missing:
            correct_measurement(dummy_lead, indicator_id, mistyped.id, 12, date(2026, 11, 20))
        assert missing.value.refusal is Refusal.NO_SUCH_MEASUREMENT
        with pytest.raises(NotFound):
            delete_measurement(dummy_lead, indicator_id, mistyped.id)
    with pytest.raises(NotFound):  # the right indicator, but named under another plan
        get_measurement(dummy_lead, indicator(plan).id, mistyped.id, plan_id=other_plan.id)
    with pytest.raises(NotFound):
        get_measurement(dummy_lead, indicator(plan).id, 2_147_483_647)
    assert session().get(Measurement, mistyped.id).value == 1200  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("value", "day", "source", "field"),
    [
        (math.inf, date(2026, 11, 20), None, "value"),
        (math.nan, date(2026, 11, 20), None, "value"),
        (2.5, date(2026, 11, 20), None, "value"),  # a count is a whole number
        (-1, date(2026, 11, 20), None, "value"),
        (12, date(2100, 1, 1), None, "measured_on"),
        (12, date(1999, 12, 31), None, "measured_on"),
        (12, date(2027, 6, 1), None, "measured_on"),  # in the future
        (12, date(2026, 11, 20), "x" * 301, "source"),
        (12, date(2026, 11, 20), "a\x00b", "source"),
    ],
)
def test_a_correction_is_refused_as_a_recording_would_be(
    plan: Plan, dummy_lead: Person, mistyped: Measurement, value: float, day: date, source: str | None, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        correct_measurement(dummy_lead, indicator(plan).id, mistyped.id, value, day, source)
    assert set(refused.value.fields) == {field}
    session().rollback()
    assert session().get(Measurement, mistyped.id).value == 1200  # type: ignore[union-attr]
    assert not events(plan, "measurement_corrected")
