"""The measurements import in French as well as English: column names and indicator titles, any case or accents."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from gpect_workflow.models import Indicator, Person, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.importing import Localised, read_measurements
from gpect_workflow.services.indicators.measurements import plan_indicators
from tests.conftest import sign_in
from tests.plan_helpers import start_five_levers_plan
from tests.web.test_indicators_page import upload

ENGLISH = b"indicator;date;value;source\ncompanies-surveyed;15/11/2026;12;CCI\npartners-involved;2026-11-20;6;\n"
FRENCH = (
    "INDICATEUR;Date;Valeur;SOURCE\nEntreprises enquêtées;15/11/2026;12;CCI\npartenaires impliques;2026-11-20;6;\n"
).encode("cp1252")


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 11, 2))
    session().commit()
    return started


def read(content: bytes, indicators: list[Indicator]) -> list[tuple[str, date | None, float | None, str | None]]:
    parsed = read_measurements(content, indicators)
    assert parsed.is_valid, [str(error) for row in parsed.rows for error in row.errors] + list(map(str, parsed.errors))
    return [(row.indicator.key, row.measured_on, row.value, row.source) for row in parsed.rows if row.indicator]


def test_french_headers_and_titles_in_any_case_read_as_the_english_file(plan: Plan, dummy_lead: Person) -> None:
    indicators = plan_indicators(dummy_lead, plan.id)
    assert (
        read(FRENCH, indicators)
        == read(ENGLISH, indicators)
        == [
            ("companies-surveyed", date(2026, 11, 15), 12.0, "CCI"),
            ("partners-involved", date(2026, 11, 20), 6.0, None),
        ]
    )


def test_an_unknown_indicator_lists_the_plans_indicators_in_each_language(plan: Plan, dummy_lead: Person) -> None:
    parsed = read_measurements(b"indicateur;date;valeur\nbudget;15/11/2026;3\n", plan_indicators(dummy_lead, plan.id))
    (problem,) = parsed.rows[0].errors
    accepted = problem.values["accepted"]
    assert isinstance(accepted, Localised)
    assert "«\u00a0Entreprises enquêtées\u00a0» (companies-surveyed)" in accepted.in_language("fr")
    assert str(problem).startswith("Unknown indicator “budget”: use one of “")
    assert "(companies-surveyed)" in str(problem)


def test_missing_columns_are_named_in_the_readers_language(plan: Plan, dummy_lead: Person) -> None:
    (problem,) = read_measurements(b"indicateur;quand\nx;y\n", []).errors
    assert str(problem) == "Missing from the first line: date, value (expected indicator;date;value;source)."
    assert problem.values["columns"].in_language("fr") == "date, valeur"  # type: ignore[attr-defined]


def test_the_page_shows_the_example_and_help_in_french(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    sign_in(client, dummy_lead)
    page = client.get(f"/plans/{plan.id}/indicators").get_data(as_text=True)
    assert "indicateur;date;valeur;source\ncompanies-surveyed;31/12/2026;42;" in page
    assert "avec les colonnes indicateur, date, valeur et source (facultative)" in page
    preview = upload(client, plan, FRENCH)
    assert preview.status_code == 200 and "2 valeurs seront enregistrées." in preview.get_data(as_text=True)
