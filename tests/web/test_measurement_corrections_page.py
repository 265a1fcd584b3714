"""Correcting and deleting a measurement from the indicators page; the status words on the pages."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.definitions.model import IndicatorDirection
from gpect_workflow.models import Event, Indicator, Language, Measurement, Person, PersonRole, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.measurements import record_measurement
from gpect_workflow.services.partners.people import find_person
from tests.conftest import post_form, sign_in
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


def url(plan: Plan, measurement: Measurement, suffix: str = "") -> str:
    return f"/plans/{plan.id}/indicators/{measurement.indicator_id}/measurements/{measurement.id}{suffix}"


def stored(measurement_id: int) -> tuple[float, date, str | None] | None:
    session().expire_all()
    found = session().get(Measurement, measurement_id)
    return (found.value, found.measured_on, found.source) if found else None


def test_the_lead_corrects_a_mistyped_value_from_its_row(
    client: FlaskClient, plan: Plan, dummy_lead: Person, mistyped: Measurement
) -> None:
    sign_in(client, dummy_lead)
    page = client.get(f"/plans/{plan.id}/indicators").get_data(as_text=True)
    assert f'action="{url(plan, mistyped)}"' in page and f'action="{url(plan, mistyped, "/delete")}"' in page
    assert f'id="m{mistyped.id}-value" name="value" type="text" inputmode="decimal"\n' in page
    assert 'value="1200"' in page and 'value="2026-11-20"' in page and 'value="Enquête CCI"' in page
    assert 'data-latest="true"' in page and 'data-status="on_target"' in page
    response = post_form(client, url(plan, mistyped), {"measured_on": "2026-11-20", "value": "12", "source": "CCI"})
    assert response.status_code == 302 and response.location.endswith(f"#indicator-{mistyped.indicator_id}")
    assert stored(mistyped.id) == (12, date(2026, 11, 20), "CCI")
    page = client.get(f"/plans/{plan.id}/indicators").get_data(as_text=True)
    assert "La valeur est corrigée" in page
    assert re.search(
        r'<circle class="point" data-latest="true"[^>]*fill="#a1231b" data-date="2026-11-20" data-value="12"', page
    )
    assert 'data-value="1200"' not in page
    assert 'data-status="off_target">en retard sur la cible<' in page, "12 companies for a target of 50"
    journal = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "A corrigé une valeur de «\u00a0Entreprises enquêtées\u00a0»" in journal
    assert "1\u202f200 le 20/11/2026 (source\u00a0: Enquête CCI, saisie par Claire Lead) est devenu 12" in journal


def test_a_wrong_correction_reopens_its_form_with_the_errors_beside_the_fields(
    client: FlaskClient, plan: Plan, dummy_lead: Person, mistyped: Measurement
) -> None:
    sign_in(client, dummy_lead)
    response = post_form(client, url(plan, mistyped), {"measured_on": "2026-11-20", "value": "2,5", "source": "X"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<details class="correct" open>' in html
    assert f'id="m{mistyped.id}-value-error"' in html and "un nombre entier" in html
    assert 'value="2,5"' in html and 'value="X"' in html
    response = post_form(client, url(plan, mistyped), {"measured_on": "pas une date", "value": "beaucoup"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="m{mistyped.id}-measured_on-error"' in html and f'id="m{mistyped.id}-value-error"' in html
    response = post_form(client, url(plan, mistyped), {"measured_on": "31/12/2100", "value": "12"})
    assert response.status_code == 422 and "entre 2000 et 2099" in response.get_data(as_text=True)
    response = post_form(client, url(plan, mistyped), {"measured_on": "2026-11-20", "value": "1", "source": "x" * 301})
    assert response.status_code == 422 and f'id="m{mistyped.id}-source-error"' in response.get_data(as_text=True)
    assert client.post(url(plan, mistyped), data={"measured_on": "2026-11-20", "value": "12"}).status_code == 400
    nul = post_form(client, url(plan, mistyped), {"measured_on": "2026-11-20", "value": "12", "source": "a\x00b"})
    assert nul.status_code == 400
    assert stored(mistyped.id) == (1200, date(2026, 11, 20), "Enquête CCI")


def test_deleting_asks_first_then_deletes_and_the_journal_keeps_the_value(
    client: FlaskClient, plan: Plan, dummy_lead: Person, mistyped: Measurement
) -> None:
    sign_in(client, dummy_lead)
    asked = post_form(client, url(plan, mistyped, "/delete"))
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert f'id="delete-confirmation-{mistyped.id}"' in html and "Oui, supprimer la valeur" in html
    assert stored(mistyped.id) is not None, "nothing is deleted before the confirmation"
    done = post_form(client, url(plan, mistyped, "/delete"), {"confirm": "yes"})
    assert done.status_code == 302 and stored(mistyped.id) is None
    journal = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "A supprimé une valeur de «\u00a0Entreprises enquêtées\u00a0»\u00a0: 1\u202f200 le 20/11/2026" in journal
    assert post_form(client, url(plan, mistyped, "/delete"), {"confirm": "yes"}).status_code == 404


def test_only_the_lead_and_active_admins_see_and_use_the_forms(
    client: FlaskClient, plan: Plan, mistyped: Measurement, create_user: Any
) -> None:
    partner = find_person("employment-service@partners.example.org")
    assert partner is not None
    sign_in(client, partner)
    page = client.get(f"/plans/{plan.id}/indicators").get_data(as_text=True)
    assert "Enquête CCI" in page and url(plan, mistyped) not in page and "Corriger" not in page
    assert post_form(client, url(plan, mistyped), {"measured_on": "2026-11-20", "value": "12"}).status_code == 403
    assert post_form(client, url(plan, mistyped, "/delete"), {"confirm": "yes"}).status_code == 403
    outsider = create_user("outsider@example.org", PersonRole.PARTNER)
    sign_in(client, outsider)
    assert post_form(client, url(plan, mistyped), {"measured_on": "2026-11-20", "value": "12"}).status_code == 404
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    sign_in(client, admin)
    assert post_form(client, url(plan, mistyped), {"measured_on": "2026-11-20", "value": "13"}).status_code == 302
    assert stored(mistyped.id) == (13, date(2026, 11, 20), None)
    assert session().scalars(sa.select(Event).where(Event.kind == "measurement_corrected")).one().actor_id == admin.id


def test_another_plans_or_indicators_measurement_is_not_found(
    client: FlaskClient, plan: Plan, dummy_lead: Person, mistyped: Measurement
) -> None:
    other = start_five_levers_plan(dummy_lead, date(2026, 11, 2), name="Autre plan")
    session().commit()
    sign_in(client, dummy_lead)
    form = {"measured_on": "2026-11-20", "value": "12"}
    wrong = [
        f"/plans/{other.id}/indicators/{mistyped.indicator_id}/measurements/{mistyped.id}",
        f"/plans/{other.id}/indicators/{indicator(other).id}/measurements/{mistyped.id}",
        f"/plans/{plan.id}/indicators/{indicator(plan, 'partners-involved').id}/measurements/{mistyped.id}",
        f"/plans/{plan.id}/indicators/{mistyped.indicator_id}/measurements/2147483647",
        f"/plans/{plan.id}/indicators/{mistyped.indicator_id}/measurements/99999999999",
    ]
    for path in wrong:
        assert post_form(client, path, form).status_code == 404, path
        assert post_form(client, path + "/delete", {"confirm": "yes"}).status_code == 404, path
    assert stored(mistyped.id) == (1200, date(2026, 11, 20), "Enquête CCI")


def test_pages_say_the_status_and_the_comparison_of_the_direction_in_both_languages(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    surveyed = indicator(plan)
    surveyed.direction, surveyed.target = IndicatorDirection.DECREASE, 120_000
    record_measurement(dummy_lead, surveyed.id, 131_500, date(2026, 11, 20))
    partners = indicator(plan, "partners-involved")
    record_measurement(dummy_lead, partners.id, 8, date(2026, 11, 20))  # exactly the target of at least 8
    session().commit()
    sign_in(client, dummy_lead)
    for path in (f"/plans/{plan.id}", f"/plans/{plan.id}/indicators", f"/plans/{plan.id}/report"):
        french = client.get(path).get_data(as_text=True)
        assert "≤ 120\u202f000 visé" in french and "≥ 8 visé" in french, path
        assert 'data-status="off_target">en retard sur la cible<' in french, path
        assert 'data-status="on_target">atteint<' in french, path
    chart = re.search(r'<svg [^>]*data-target="120000" data-status="off_target"', french)
    assert chart, "the chart says the status of the indicator meant to go down"
    dummy_lead.language = Language.EN
    session().commit()
    for path in (f"/plans/{plan.id}", f"/plans/{plan.id}/indicators", f"/plans/{plan.id}/report"):
        english = client.get(path).get_data(as_text=True)
        assert "target ≤ 120,000" in english and "target ≥ 8" in english, path
        assert 'data-status="off_target">behind target<' in english, path
        assert 'data-status="on_target">target reached<' in english, path
        assert "off target" not in english and "below target" not in english, path
    indicators_page = client.get(f"/plans/{plan.id}/indicators").get_data(as_text=True)
    assert ">target ≤ 120,000</text>" in indicators_page, "the chart's target line says its comparison"
    assert "20 Nov 2026 : 131,500 (behind target)" in indicators_page or "131,500 (behind target)" in indicators_page
    csv = client.get(f"/plans/{plan.id}/report.csv").get_data(as_text=True)
    assert "behind target (target ≤ 120,000)" in csv and "target reached (target ≥ 8)" in csv
