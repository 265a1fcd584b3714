"""The committee view and the committee's reports: what a member oversees, and only that."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from pypdf import PdfReader

from gpect_workflow.definitions.model import IndicatorDirection
from gpect_workflow.models import Indicator, Language, OrganisationKind, Person, PersonRole, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.measurements import record_measurement
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from tests.conftest import sign_in
from tests.engine_drive import committee_member
from tests.factories import at, finish
from tests.plan_helpers import map_every_role, start_five_levers_plan
from tests.query_count import count_queries


def plan_with_its_own_committee(lead: Person, name: str, email: str) -> Plan:
    """A plan whose steering committee is someone else than the shared test committee member."""
    territory_id = lead.organisation.territory_id
    roles = map_every_role("gpect-five-levers", 1, territory_id)
    council = ensure_organisation(f"Conseil {name}", OrganisationKind.REGION, None)
    member = create_person(email, PersonRole.COMMITTEE, f"Élu {name}", organisation=council)
    roles["steering_committee"] = RoleMapping(council.id, [member.id])
    return start_plan(lead, PlanRequest(name, "gpect-five-levers", 1, territory_id, lead.id, date(2026, 10, 1), roles))


@pytest.fixture
def plans(definitions: None, dummy_lead: Person, clock: Any) -> dict[str, Plan]:
    at(clock, date(2026, 10, 1))
    watched = start_five_levers_plan(dummy_lead, date(2026, 10, 1), name="Plan suivi – Chartres")
    other = plan_with_its_own_committee(dummy_lead, "Plan voisin – Dreux", "elu@dreux.example.org")
    session().commit()
    at(clock, date(2026, 10, 5))
    finish(watched, "inventory-existing-studies")
    surveyed = session().scalar(
        sa.select(Indicator).where(Indicator.plan_id == watched.id, Indicator.key == "companies-surveyed")
    )
    record_measurement(dummy_lead, surveyed.id, 9, date(2026, 10, 5), "CCI")
    session().commit()
    at(clock, date(2026, 11, 30))
    return {"watched": watched, "other": other}


def test_a_member_sees_the_plans_they_oversee_with_their_health(client: FlaskClient, plans: dict[str, Plan]) -> None:
    member = committee_member(plans["watched"])
    html = sign_in(client, member).get("/committee").get_data(as_text=True)
    assert "Plan suivi – Chartres" in html
    assert "Plan voisin – Dreux" not in html
    assert "hors trajectoire" in html  # tasks weeks late put the plan off track
    assert "Tâches en retard par structure partenaire" in html
    assert "Entreprises enquêtées" in html and "en retard sur la cible" in html
    assert 'data-date="2026-10-05" data-value="9"' in html  # the indicator's chart
    assert "chart-burnup" in html


def test_the_other_committee_sees_its_own_plan_only(client: FlaskClient, plans: dict[str, Plan]) -> None:
    elected = session().scalar(sa.select(Person).where(Person.email == "elu@dreux.example.org"))
    html = sign_in(client, elected).get("/committee").get_data(as_text=True)
    assert "Plan voisin – Dreux" in html and "Plan suivi – Chartres" not in html
    table = list(
        csv.reader(io.StringIO(client.get("/committee/report.csv").get_data().decode("utf-8-sig")), delimiter=";")
    )
    assert {row[0] for row in table[1:]} == {"Plan voisin – Dreux"}


def test_filters_narrow_the_plans(client: FlaskClient, plans: dict[str, Plan], create_user: Any) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    session().commit()
    sign_in(client, admin)
    both = client.get("/committee").get_data(as_text=True)
    assert "Plan suivi – Chartres" in both and "Plan voisin – Dreux" in both
    assert "Plan suivi" not in client.get("/committee?status=on_hold").get_data(as_text=True)
    assert "Plan suivi" not in client.get("/committee?territory=999999").get_data(as_text=True)
    assert "Plan suivi" in client.get("/committee?status=nonsense").get_data(as_text=True)


def test_the_committee_report_in_pdf_lists_the_overseen_plans(client: FlaskClient, plans: dict[str, Plan]) -> None:
    sign_in(client, committee_member(plans["watched"]))
    response = client.get("/committee/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="gpect-committee-2026-11-30.pdf"' in response.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Revue du comité de pilotage" in text and "Plan suivi – Chartres" in text
    assert "Plan voisin – Dreux" not in text


def test_a_partner_on_no_committee_oversees_nothing(client: FlaskClient, plans: dict[str, Plan]) -> None:
    assert client.get("/committee").status_code == 302
    partner = session().scalar(sa.select(Person).where(Person.email == "employment-service@partners.example.org"))
    sign_in(client, partner)
    html = client.get("/committee").get_data(as_text=True)
    assert "Vous ne suivez aucun plan" in html and "Plan suivi" not in html
    report = client.get("/committee/report.csv").get_data().decode("utf-8-sig")
    assert len(report.strip().splitlines()) == 1  # the headings only


def test_the_page_costs_the_same_queries_with_more_plans(
    client: FlaskClient, plans: dict[str, Plan], dummy_lead: Person
) -> None:
    member = committee_member(plans["watched"])
    sign_in(client, member)
    session().expire_all()
    with count_queries() as few:
        assert client.get("/committee").status_code == 200
    for number in range(6):
        start_five_levers_plan(dummy_lead, date(2026, 10, 1), name=f"Plan {number}")
    session().commit()
    sign_in(client, member)
    session().expire_all()
    with count_queries() as many:
        html = client.get("/committee").get_data(as_text=True)
    assert html.count('class="plan committee-plan') == 7
    assert len(many) == len(few), "\n\n".join(many)


def test_an_indicator_meant_to_go_down_and_above_its_target_is_behind_it_and_says_at_most(
    client: FlaskClient, plans: dict[str, Plan]
) -> None:
    """The status follows the direction: a value of 9 for a target of at most 5 is behind it, and the target
    reads with its comparison ("≤ 5 visé", "target ≤ 5"), never "below"."""
    surveyed = session().scalar(
        sa.select(Indicator).where(Indicator.plan_id == plans["watched"].id, Indicator.key == "companies-surveyed")
    )
    surveyed.direction, surveyed.target = IndicatorDirection.DECREASE, 5
    session().commit()
    member = committee_member(plans["watched"])
    french = sign_in(client, member).get("/committee").get_data(as_text=True)
    assert 'data-status="off_target">en retard sur la cible<' in french and "sous la cible" not in french
    assert "≤ 5 visé" in french and "hors cible" not in french
    member.language = Language.EN
    session().commit()
    english = client.get("/committee").get_data(as_text=True)
    assert 'data-status="off_target">behind target<' in english and "below target" not in english
    assert "target ≤ 5" in english and "off target<" not in english
