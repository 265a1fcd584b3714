"""The indicators page: charts, one value by form, many from a spreadsheet file (all or nothing)."""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.models import Indicator, Measurement, Person, PersonRole, Plan
from gpect_workflow.services.context import session
from gpect_workflow.services.indicators.importing import parse_number, read_measurements
from tests.conftest import csrf_token, post_form, sign_in
from tests.plan_helpers import start_five_levers_plan


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 11, 2))
    session().commit()
    return started


def indicator(plan: Plan, key: str) -> Indicator:
    found = session().scalar(sa.select(Indicator).where(Indicator.plan_id == plan.id, Indicator.key == key))
    assert found is not None
    return found


def values(plan: Plan) -> list[tuple[str, date, float, str | None]]:
    query = (
        sa.select(Indicator.key, Measurement.measured_on, Measurement.value, Measurement.source)
        .join(Indicator)
        .where(Indicator.plan_id == plan.id)
        .order_by(Measurement.measured_on, Indicator.key)
    )
    return [tuple(row) for row in session().execute(query)]  # type: ignore[misc]


def upload(client: FlaskClient, plan: Plan, content: bytes) -> Any:
    data = {"csrf_token": csrf_token(client), "file": (__import__("io").BytesIO(content), "valeurs.csv")}
    return client.post(f"/plans/{plan.id}/indicators/import", data=data, content_type="multipart/form-data")


def test_the_lead_records_a_value_and_sees_it_on_the_chart(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    surveyed = indicator(plan, "companies-surveyed")
    sign_in(client, dummy_lead)
    response = post_form(
        client,
        f"/plans/{plan.id}/indicators/{surveyed.id}/measurements",
        {"measured_on": "2026-11-20", "value": "17", "source": "Enquête CCI"},
    )
    assert response.status_code == 302
    assert values(plan) == [("companies-surveyed", date(2026, 11, 20), 17.0, "Enquête CCI")]
    html = client.get(f"/plans/{plan.id}/indicators").get_data(as_text=True)
    assert "La valeur est enregistrée." in html
    assert 'data-date="2026-11-20" data-value="17"' in html
    assert 'data-target="50"' in html
    plan_page = client.get(f"/plans/{plan.id}").get_data(as_text=True)  # the plan page charts them too
    assert 'data-date="2026-11-20" data-value="17"' in plan_page and "chart chart-burnup" in plan_page


def test_a_wrong_value_is_shown_beside_its_field_and_the_input_kept(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    surveyed = indicator(plan, "companies-surveyed")
    sign_in(client, dummy_lead)
    response = post_form(
        client,
        f"/plans/{plan.id}/indicators/{surveyed.id}/measurements",
        {"measured_on": "2026-11-20", "value": "2,5", "source": "Estimation"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "un nombre entier" in html  # a count is a whole number, in French
    assert 'value="2,5"' in html and 'value="Estimation"' in html
    assert values(plan) == []


def test_a_partner_reads_the_indicators_but_cannot_record(client: FlaskClient, plan: Plan) -> None:
    partner = session().scalar(sa.select(Person).where(Person.email == "employment-service@partners.example.org"))
    assert partner is not None
    sign_in(client, partner)
    html = client.get(f"/plans/{plan.id}/indicators").get_data(as_text=True)
    assert "Entreprises enquêtées" in html and "Enregistrer une valeur" not in html
    surveyed = indicator(plan, "companies-surveyed")
    forged = post_form(
        client, f"/plans/{plan.id}/indicators/{surveyed.id}/measurements", {"measured_on": "2026-11-20", "value": "3"}
    )
    assert forged.status_code == 403
    assert upload(client, plan, b"indicator;date;value\ncompanies-surveyed;2026-11-20;3\n").status_code == 403
    assert values(plan) == []


def test_outsiders_and_visitors_do_not_see_the_page(client: FlaskClient, plan: Plan, create_user: Any) -> None:
    assert client.get(f"/plans/{plan.id}/indicators").status_code == 302
    sign_in(client, create_user("other@example.org", PersonRole.LEAD))
    assert client.get(f"/plans/{plan.id}/indicators").status_code == 404


def test_a_spreadsheet_is_previewed_then_recorded_in_one_go(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    content = (
        "Indicateur;Date;Valeur;Source\r\n"
        "companies-surveyed;15/11/2026;12;Enquête CCI\r\n"
        "Partenaires impliqués;2026-11-20;6;Comité\r\n"
    ).encode("cp1252")
    sign_in(client, dummy_lead)
    preview = upload(client, plan, content)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "2 valeurs seront enregistrées." in html and values(plan) == []
    encoded = re.search(r'name="content" value="([^"]+)"', html)
    assert encoded and base64.b64decode(encoded.group(1)) == content
    confirmed = post_form(client, f"/plans/{plan.id}/indicators/import/confirm", {"content": encoded.group(1)})
    assert confirmed.status_code == 302
    assert values(plan) == [
        ("companies-surveyed", date(2026, 11, 15), 12.0, "Enquête CCI"),
        ("partners-involved", date(2026, 11, 20), 6.0, "Comité"),
    ]


def test_a_file_with_a_wrong_line_names_it_and_records_nothing(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    content = (
        b"indicator,date,value\ncompanies-surveyed,2026-11-15,12\nbudget,2026-11-16,3\npartners-involved,32/11/2026,4\n"
    )
    sign_in(client, dummy_lead)
    preview = upload(client, plan, content)
    assert preview.status_code == 422
    html = preview.get_data(as_text=True)
    assert (
        "Indicateur «\u00a0budget\u00a0» inconnu\u00a0: utilisez l&#39;un de ceux-ci\u00a0: "
        "«\u00a0Partenaires impliqués\u00a0» (partners-involved), «\u00a0Entreprises enquêtées\u00a0» "
        "(companies-surveyed)." in html
    )
    assert "Date illisible «\u00a032/11/2026\u00a0»" in html
    assert "Enregistrer ces valeurs" not in html
    # A forged confirmation of the wrong file is refused too, and records nothing.
    forged = post_form(
        client, f"/plans/{plan.id}/indicators/import/confirm", {"content": base64.b64encode(content).decode()}
    )
    assert forged.status_code == 422
    assert values(plan) == []


def test_a_value_refused_by_the_recording_rules_refuses_the_whole_file(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    content = b"indicator;date;value\ncompanies-surveyed;2026-11-15;12\ncompanies-surveyed;2027-05-01;20\n"
    sign_in(client, dummy_lead)
    confirmed = post_form(
        client, f"/plans/{plan.id}/indicators/import/confirm", {"content": base64.b64encode(content).decode()}
    )
    assert confirmed.status_code == 422
    assert values(plan) == []


@pytest.mark.parametrize("typed", ["9999-12-31", "31/12/1999", "0001-01-01"])
def test_a_date_out_of_the_supported_range_is_refused_beside_its_field(
    client: FlaskClient, plan: Plan, dummy_lead: Person, typed: str
) -> None:
    surveyed = indicator(plan, "companies-surveyed")
    sign_in(client, dummy_lead)
    response = post_form(
        client, f"/plans/{plan.id}/indicators/{surveyed.id}/measurements", {"measured_on": typed, "value": "17"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Saisissez une date comprise entre 2000 et 2099." in html
    assert f'value="{typed}"' in html and values(plan) == []


def test_a_spreadsheet_line_dated_out_of_the_supported_range_is_named_in_the_preview(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    content = b"indicator;date;value\ncompanies-surveyed;2026-11-15;12\ncompanies-surveyed;31/12/9999;20\n"
    sign_in(client, dummy_lead)
    preview = upload(client, plan, content)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422 and "Saisissez une date comprise entre 2000 et 2099." in html
    assert "Enregistrer ces valeurs" not in html
    forged = post_form(
        client, f"/plans/{plan.id}/indicators/import/confirm", {"content": base64.b64encode(content).decode()}
    )
    assert forged.status_code == 422 and values(plan) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [("12,5", 12.5), ("12.5", 12.5), ("1\u202f250", 1250.0), ("1 250,5", 1250.5), ("abc", None), ("nan", None)],
)
def test_numbers_are_read_the_french_way_too(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_headings_are_required(plan: Plan, dummy_lead: Person) -> None:
    parsed = read_measurements(b"key;when\nx;y\n", [])
    assert not parsed.is_valid and "indicator, date, value" in str(parsed.errors[0])
    assert str(read_measurements(b"", []).errors[0]) == "The file is empty."


def test_files_are_read_as_strictly_as_the_partner_import() -> None:
    """The one CSV reader: tab separators and UTF-16 are read; NUL and undecodable bytes are refused."""
    tabbed = read_measurements("indicator\tdate\tvalue\nx\t31/12/2026\t3\n".encode("utf-16"), [])
    assert str(tabbed.rows[0].errors[0]) == "Unknown indicator “x”."
    for content in (b"indicator;date;value\nx;31/12/2026;\x003\n", b"indicator;date;value\n\x81;31/12/2026;3\n"):
        (problem,) = read_measurements(content, []).errors
        assert str(problem).startswith("The characters of the file could not be read.")


def test_a_value_beyond_fifteen_digits_is_refused_by_the_form_and_the_file(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    """A float holds 15 significant digits exactly: the largest count recordable is 999,999,999,999,999."""
    surveyed = indicator(plan, "companies-surveyed")
    sign_in(client, dummy_lead)
    path = f"/plans/{plan.id}/indicators/{surveyed.id}/measurements"
    for typed in (str(10**30), "1 000 000 000 000 000", "-1e16"):
        response = post_form(client, path, {"measured_on": "2026-11-20", "value": typed, "source": ""})
        assert response.status_code == 422, typed
        html = response.get_data(as_text=True)
        assert "indiquez un nombre entre −999 999 999 999 999 et 999 999 999 999 999" in html, typed
        assert f'value="{typed}"' in html
    assert values(plan) == []
    largest = post_form(client, path, {"measured_on": "2026-11-20", "value": "999 999 999 999 999", "source": ""})
    assert largest.status_code == 302
    assert values(plan) == [("companies-surveyed", date(2026, 11, 20), 999_999_999_999_999.0, None)]

    content = f"indicator;date;value\ncompanies-surveyed;2026-11-21;12\ncompanies-surveyed;2026-11-22;{10**30}\n"
    preview = upload(client, plan, content.encode()).get_data(as_text=True)
    assert "Certaines lignes sont erronées" in preview and "Enregistrer ces valeurs" not in preview
    line = re.search(r"<tr>\s*<th scope=\"row\">3</th>.*?</tr>", preview, re.S)
    assert line is not None and "indiquez un nombre entre" in line.group(0), "the preview names the line"
    counted = upload(client, plan, b"indicator;date;value\ncompanies-surveyed;2026-11-21;2,5\n").get_data(as_text=True)
    assert "un nombre entier" in counted, "the preview applies the recording rules to each line"
    confirmed = post_form(
        client,
        f"/plans/{plan.id}/indicators/import/confirm",
        {"content": base64.b64encode(content.encode()).decode()},
    )
    assert confirmed.status_code == 422
    assert "indiquez un nombre entre" in confirmed.get_data(as_text=True)
    assert len(values(plan)) == 1, "the file is one transaction: its good line is not recorded either"


def test_a_huge_value_already_stored_harms_no_page_and_no_export(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    """A value of 10^30 written before the rule (or by hand) is shown ``1E30``: Babel's decimal format raises
    past 28 digits, and every page, chart and CSV export that writes the value goes through one formatter."""
    surveyed = indicator(plan, "companies-surveyed")
    sign_in(client, dummy_lead)
    form = {"measured_on": "2026-11-20", "value": "3", "source": "Saisie erronée"}
    assert post_form(client, f"/plans/{plan.id}/indicators/{surveyed.id}/measurements", form).status_code == 302
    session().execute(sa.update(Measurement).values(value=1e30))
    session().execute(sa.update(Indicator).where(Indicator.id == surveyed.id).values(target=-2.5e40))
    session().commit()
    pages = (f"/plans/{plan.id}/indicators", f"/plans/{plan.id}", "/committee", f"/plans/{plan.id}/report")
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "1E30" in response.get_data(as_text=True), url
    for url in (f"/plans/{plan.id}/report.csv", "/committee/report.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "1E30" in response.get_data(as_text=True), url
