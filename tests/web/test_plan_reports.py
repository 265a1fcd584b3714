"""A plan's review report: CSV rows, the printable page with its charts, and the PDF's text."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from pypdf import PdfReader

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Decision, Indicator, Language, Person, PersonRole, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.measurements import record_measurement
from gpect_workflow.services.partners.people import update_person
from gpect_workflow.services.stages.progression import decide_gate
from tests.conftest import sign_in
from tests.engine_drive import committee_member
from tests.factories import at, finish, stage
from tests.plan_helpers import start_five_levers_plan


@pytest.fixture
def plan(definitions: None, dummy_lead: Person, clock: FrozenClock) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 12, 1), name="Plan emplois – Chartres")
    session().commit()
    at(clock, date(2026, 12, 2))
    finish(started, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")
    surveyed = session().scalar(
        sa.select(Indicator).where(Indicator.plan_id == started.id, Indicator.key == "companies-surveyed")
    )
    record_measurement(dummy_lead, surveyed.id, 12, date(2026, 12, 2), "Enquête CCI")
    at(clock, date(2026, 12, 9))
    record_measurement(dummy_lead, surveyed.id, 31, date(2026, 12, 9), "Enquête CCI")
    decide_gate(committee_member(started), stage(started, "observe").id, Decision.APPROVE, minutes="Diagnostic validé")
    session().commit()
    at(clock, date(2027, 1, 20))
    return started


def rows(response: Any) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_csv_lists_stages_tasks_indicators_and_decisions(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    response = sign_in(client, dummy_lead).get(f"/plans/{plan.id}/report.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="gpect-plan-{plan.id}-2027-01-20.csv"' in response.headers["Content-Disposition"]
    table = rows(response)
    assert table[0][:5] == ["Plan", "Type", "Étape", "Élément", "Statut"]
    by_kind: dict[str, list[list[str]]] = {}
    for row in table[1:]:
        assert row[0] == "Plan emplois – Chartres"
        by_kind.setdefault(row[1], []).append(row)
    assert [row[3] for row in by_kind["étape"]][:2] == ["Observer et analyser", "Expérimenter et évaluer"]
    assert by_kind["étape"][0][4] == "terminée" and by_kind["étape"][0][12] == "100"
    survey = next(row for row in by_kind["tâche"] if row[3].startswith("Enquête"))
    assert survey[4] == "faite" and survey[10] == "2026-12-02"
    surveyed = next(row for row in by_kind["indicateur"] if row[3] == "Entreprises enquêtées")
    assert surveyed[13:18] == ["31", "50", "nombre", "2026-12-09", "en retard sur la cible (≥ 50 visé)"]
    assert by_kind["décision"][0][3] == "validée" and by_kind["décision"][0][18] == "Diagnostic validé"
    late = [row for row in by_kind["tâche"] if row[11]]
    assert late and all(int(row[11]) > 0 for row in late)


def test_the_csv_speaks_english_to_an_english_reader(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    update_person(dummy_lead, dummy_lead.id, language=Language.EN)
    session().commit()
    table = rows(sign_in(client, dummy_lead).get(f"/plans/{plan.id}/report.csv"))
    assert table[0][:5] == ["Plan", "Row type", "Stage", "Item", "Status"]
    assert any(
        row[1] == "indicator" and row[3] == "Companies surveyed" and row[17] == "behind target (target ≥ 50)"
        for row in table
    )


def test_the_printable_page_carries_the_charts_with_their_values(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    html = sign_in(client, dummy_lead).get(f"/plans/{plan.id}/report").get_data(as_text=True)
    assert "Rapport de revue" in html and "Fait le 20 janvier 2027" in html
    assert "/static/gpect/report.css" in html and "<style" not in html and "style=" not in html
    svgs = [ET.fromstring(part[: part.index("</svg>") + 6]) for part in ["<svg" + p for p in html.split("<svg")[1:]]]
    values = {
        svg.get("class"): [c.get("data-value") for c in svg.iter("{http://www.w3.org/2000/svg}circle")] for svg in svgs
    }
    assert values["chart chart-burnup"] == ["4"]
    indicator_charts = [svg for svg in svgs if svg.get("data-target") == "50"]
    assert [c.get("data-value") for c in indicator_charts[0].iter("{http://www.w3.org/2000/svg}circle")] == ["12", "31"]
    assert f'href="/plans/{plan.id}/report.pdf"' in html


def test_the_pdf_holds_the_report_text(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    response = sign_in(client, dummy_lead).get(f"/plans/{plan.id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Plan emplois – Chartres" in text
    assert "Fait le 20 janvier 2027" in text
    assert "Entreprises enquêtées" in text and "Diagnostic validé" in text
    pages = PdfReader(io.BytesIO(response.get_data())).pages
    assert f"1 / {len(pages)}" in pages[0].extract_text(), "each page says its number out of the count"


def test_reports_are_for_people_who_may_see_the_plan(client: FlaskClient, plan: Plan, create_user: Any) -> None:
    assert client.get(f"/plans/{plan.id}/report.csv").status_code == 302
    outsider = create_user("outsider@example.org", PersonRole.LEAD)
    session().commit()
    sign_in(client, outsider)
    for suffix in ("", ".csv", ".pdf"):
        assert client.get(f"/plans/{plan.id}/report{suffix}").status_code == 404
