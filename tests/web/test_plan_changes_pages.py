"""The page that changes a running plan, and a one-off task's own title wherever a task is shown."""

from __future__ import annotations

import html
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.models import (
    Language,
    Organisation,
    Person,
    PersonRole,
    Plan,
    RoleAssignment,
    RoleAssignmentMember,
    Task,
)
from gpect_workflow.services.accounts.calendar_feed import renew_feed
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.changes import OneOffTask, add_one_off_task
from tests.conftest import post_form, sign_in
from tests.factories import assignee, stage, task
from tests.plan_helpers import start_five_levers_plan

START = date(2026, 12, 1)
FRENCH, ENGLISH = "Visiter le salon de l'emploi", "Visit the job fair"


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, START)
    for person in session().scalars(sa.select(Person)):
        person.language = Language.EN  # the pages speak the reader's language: these tests read English
    session().commit()
    return started


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    return post_form(client, url, {k: v if isinstance(v, list) else str(v) for k, v in data.items()})


def add_fair(plan: Plan, lead: Person) -> Task:
    new = OneOffTask(stage(plan, "observe").id, "employment_service", START + timedelta(days=20), FRENCH, ENGLISH)
    added = add_one_off_task(lead, plan.id, new)
    session().commit()
    return added


def test_lead_sees_the_change_area_and_the_page(plan: Plan, dummy_lead: Person, client: FlaskClient) -> None:
    sign_in(client, dummy_lead)
    assert 'id="plan-changes"' in text(client.get(f"/plans/{plan.id}"))
    page = text(client.get(f"/plans/{plan.id}/changes"))
    for anchor in ('id="rename"', 'id="role-employment_service"', 'id="add-task"', 'id="remove-task"'):
        assert anchor in page


def test_partner_and_other_lead_may_not_open_the_page(plan: Plan, client: FlaskClient, create_user: Any) -> None:
    partner = assignee(task(plan, "inventory-existing-studies"))
    sign_in(client, partner)
    assert 'id="plan-changes"' not in text(client.get(f"/plans/{plan.id}"))
    assert client.get(f"/plans/{plan.id}/changes").status_code == 403
    assert post(client, f"/plans/{plan.id}/changes/name", {"name": "Pris"}).status_code == 403
    other = create_user("other-lead@example.org", PersonRole.LEAD)
    sign_in(client, other)
    assert client.get(f"/plans/{plan.id}/changes").status_code == 404
    assert post(client, f"/plans/{plan.id}/changes/name", {"name": "Pris"}).status_code == 404
    assert session().get(Plan, plan.id).name == "Plan de test"  # type: ignore[union-attr]


def test_rename_form(plan: Plan, dummy_lead: Person, client: FlaskClient) -> None:
    sign_in(client, dummy_lead)
    url = f"/plans/{plan.id}/changes/name"
    response = post(client, url, {"name": "Nouveau nom", "expected_version": plan.version})
    assert response.status_code == 302
    session().refresh(plan)
    assert plan.name == "Nouveau nom"
    assert "Renamed the plan from “Plan de test” to “Nouveau nom”" in text(client.get(f"/plans/{plan.id}"))
    too_long = post(client, url, {"name": "x" * 201, "expected_version": plan.version})
    assert too_long.status_code == 422 and "x" * 201 in text(too_long)  # typed value kept, error beside it
    assert post(client, url, {"name": "nul\x00", "expected_version": plan.version}).status_code == 400
    stale = post(client, url, {"name": "Encore", "expected_version": plan.version - 1})
    assert stale.status_code == 409 and "Claire Lead" in text(stale)
    assert client.post(url, data={"name": "Sans jeton"}).status_code == 400  # no CSRF token


def test_role_form_hands_tasks_to_the_new_person(plan: Plan, dummy_lead: Person, client: FlaskClient) -> None:
    studies = task(plan, "inventory-existing-studies")
    role = studies.owner_role
    organisation_id = next(a.organisation_id for a in plan.role_assignments if a.role_key == role)
    organisation = session().get(Organisation, organisation_id)
    new = create_person("nina@partners.example.org", PersonRole.PARTNER, "Nina Nouvelle", organisation=organisation)
    new.language = Language.EN
    session().commit()
    sign_in(client, dummy_lead)
    url = f"/plans/{plan.id}/changes/roles/{role}"
    wrong = post(client, url, {"organisation": organisation_id, "people": [], "expected_version": plan.version})
    assert wrong.status_code == 422 and "Choose 1 to 50 active people" in text(wrong)
    response = post(
        client, url, {"organisation": organisation_id, "people": [str(new.id)], "expected_version": plan.version}
    )
    assert response.status_code == 302
    session().refresh(studies)
    assert studies.assignee_id == new.id
    assert "Mapped the role" in text(client.get(f"/plans/{plan.id}")) and "Nina Nouvelle" in text(
        client.get(f"/plans/{plan.id}")
    )
    assert post(client, f"/plans/{plan.id}/changes/roles/nobody", {"organisation": "1"}).status_code == 404


def test_add_and_remove_task_forms(plan: Plan, dummy_lead: Person, client: FlaskClient) -> None:
    sign_in(client, dummy_lead)
    url = f"/plans/{plan.id}/changes/tasks"
    values = {
        "stage": stage(plan, "observe").id,
        "title_fr": FRENCH,
        "owner_role": "employment_service",
        "due_date": "2026-12-20",
        "required": "yes",
        "expected_version": plan.version,
    }
    early = post(client, url, {**values, "due_date": "2026-11-01"})
    assert early.status_code == 422 and "Choose a date from 1 Dec 2026 to" in text(early) and FRENCH in text(early)
    assert post(client, url, {**values, "due_date": "n'importe"}).status_code == 422
    assert post(client, url, {**values, "depends_on": ["99999999999999999999"]}).status_code == 422
    assert post(client, url, values).status_code == 302
    added = session().scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.is_one_off.is_(True)))
    assert added is not None and added.title_fr == FRENCH
    session().refresh(plan)
    remove = f"/plans/{plan.id}/changes/tasks/{added.id}/remove"
    assert post(client, remove, {"expected_version": plan.version}).status_code == 302
    assert session().scalar(sa.select(Task).where(Task.id == added.id)) is None
    journal = text(client.get(f"/plans/{plan.id}"))
    assert f"Added the one-off task “{FRENCH}”" in journal and f"Removed the one-off task “{FRENCH}”" in journal
    studies = task(plan, "inventory-existing-studies")
    session().refresh(plan)
    refused = post(client, f"/plans/{plan.id}/changes/tasks/{studies.id}/remove", {"expected_version": plan.version})
    assert refused.status_code == 409 and "comes from the plan's definition" in text(refused)


def test_one_off_title_everywhere_a_task_is_shown(
    plan: Plan, dummy_lead: Person, client: FlaskClient, app: Flask
) -> None:
    added = add_fair(plan, dummy_lead)
    worker = session().get(Person, added.assignee_id)
    assert worker is not None
    sign_in(client, dummy_lead)
    places = {
        "plan page (tasks and journal)": f"/plans/{plan.id}",
        "task page": f"/tasks/{added.id}",
        "plan report": f"/plans/{plan.id}/report",
        "plan report CSV": f"/plans/{plan.id}/report.csv",
        "gate review": f"/stages/{added.stage_id}/review",
    }
    for place, url in places.items():
        response = client.get(url)
        assert response.status_code == 200, place
        body = response.get_data().decode("utf-8-sig")
        assert FRENCH in html.unescape(body) or ENGLISH in html.unescape(body), place
    assert "Added the one-off task “" in text(client.get(f"/plans/{plan.id}"))
    api = client.get(f"/api/v1/plans/{plan.id}/tasks").get_json()
    (item,) = [i for i in api["items"] if i["id"] == added.id]
    assert item["title"] == {"fr": FRENCH, "en": ENGLISH} and item["one_off"] is True
    sign_in(client, worker)
    assert FRENCH in text(client.get("/my-tasks")) or ENGLISH in text(client.get("/my-tasks"))
    token = renew_feed(worker)
    session().commit()
    g.pop("_login_user", None)
    feed = app.test_client().get(f"/calendar/{token}.ics").get_data(as_text=True).replace("\r\n ", "")
    assert FRENCH in feed or ENGLISH in feed


def test_gate_review_names_the_committee_or_asks_for_one(plan: Plan, dummy_lead: Person, client: FlaskClient) -> None:
    observe = stage(plan, "observe")
    sign_in(client, dummy_lead)
    page = text(client.get(f"/stages/{observe.id}/review"))
    assert "The plan's steering committee:" in page and "Change who sits on the steering committee" in page
    definition = get_definition(plan.definition_key, plan.definition_version)
    ids = (
        session()
        .scalars(
            sa.select(RoleAssignment.id).where(
                RoleAssignment.plan_id == plan.id, RoleAssignment.role_key.in_(definition.committee_roles)
            )
        )
        .all()
    )
    session().execute(sa.delete(RoleAssignmentMember).where(RoleAssignmentMember.assignment_id.in_(ids)))
    session().commit()
    page = text(client.get(f"/stages/{observe.id}/review"))
    assert "No committee is mapped: map one." in page
    (committee_role,) = definition.committee_roles
    assert f"/plans/{plan.id}/changes#role-{committee_role}" in page
