"""A scheduled plan's page: it says when the plan opens, its lead may open it now (a POST with CSRF), nobody
may work on its tasks before, and it may still be cancelled."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from gpect_workflow.models import OutboxMessage, Plan, PlanStatus, TaskStatus
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.plans.opening import open_plan_now

from .plan_support import Cast, as_, cast_fixture, events, post, section, start_plan_of, task, text  # noqa: F401

NOTICE = "Scheduled: opens on 1 December 2026"


@pytest.fixture
def plan(cast: Cast) -> Plan:
    """A second plan of the same people, created on 30 November for 1 December: scheduled."""
    scheduled = start_plan_of(cast.lead, name="Plan programmé", open_now=False)
    session().commit()
    assert scheduled.status is PlanStatus.SCHEDULED
    return scheduled


def fresh(plan: Plan) -> Plan:
    session().expire_all()
    found = session().get(Plan, plan.id)
    assert found is not None
    return found


def stage_opened_emails(plan: Plan) -> int:
    return session().query(OutboxMessage).filter_by(plan_id=plan.id, kind="stage_opened").count()


def test_the_page_says_when_the_plan_opens_and_offers_its_lead_to_open_it_now(
    client: FlaskClient, cast: Cast, plan: Plan
) -> None:
    page = text(as_(client, cast.lead).get(f"/plans/{plan.id}"))
    assert '<span class="status plan-status-scheduled">scheduled</span>' in page
    assert NOTICE in section(page, "plan-scheduled") and "starts at 08:30 that day (Europe/Paris)" in page
    actions = section(page, "plan-actions")
    assert f'action="/plans/{plan.id}/open"' in actions and ">Open now</button>" in actions
    assert 'name="csrf_token"' in actions and "Cancel the plan" in actions and "Put on hold" not in actions
    assert "Next stage" in section(page, "stages-title"), "its first stage opens with it"
    assert "<summary>Act" not in page, "no task can be acted on yet"
    assert "Created the plan, to open on its start date" in page

    partner_page = text(as_(client, cast.partner).get(f"/plans/{plan.id}"))
    assert NOTICE in partner_page and 'id="plan-actions"' not in partner_page and "Open now" not in partner_page


def test_only_the_lead_or_an_administrator_opens_it_and_only_with_csrf(
    client: FlaskClient, cast: Cast, plan: Plan
) -> None:
    for person in (cast.partner, cast.committee, cast.chamber):
        assert post(as_(client, person), f"/plans/{plan.id}/open", {}).status_code == 403, person.email
    for person in (cast.outsider, cast.other_lead):
        assert post(as_(client, person), f"/plans/{plan.id}/open", {}).status_code == 404, person.email
    without_token = as_(client, cast.lead).post(f"/plans/{plan.id}/open", data={"expected_version": plan.version})
    assert without_token.status_code == 400
    assert fresh(plan).status is PlanStatus.SCHEDULED and stage_opened_emails(plan) == 0

    response = post(as_(client, cast.lead), f"/plans/{plan.id}/open", {"expected_version": fresh(plan).version})
    assert response.status_code == 302 and response.headers["Location"] == f"/plans/{plan.id}"
    assert fresh(plan).status is PlanStatus.ACTIVE
    deliver_announcements()  # the scheduler's pass renders what the request announced
    assert stage_opened_emails(plan) > 0
    (change,) = events(plan, "plan_status_changed")
    assert (change.from_state, change.to_state, change.actor_id) == ("scheduled", "active", cast.lead.id)
    page = text(client.get(f"/plans/{plan.id}"))
    assert "The plan is open: its first stage has started and its partners are told." in page
    assert "Opened the plan: its first stage has started" in page
    assert NOTICE not in page and "Open now" not in page and "Put on hold" in page

    again = post(client, f"/plans/{plan.id}/open", {})
    assert again.status_code == 409 and "Only a plan waiting for its start date can be opened early." in text(again)


def test_an_administrator_opens_it_too(client: FlaskClient, cast: Cast, plan: Plan) -> None:
    assert post(as_(client, cast.admin), f"/plans/{plan.id}/open", {}).status_code == 302
    assert fresh(plan).status is PlanStatus.ACTIVE


def test_opening_a_plan_changed_meanwhile_says_who_changed_it(client: FlaskClient, cast: Cast, plan: Plan) -> None:
    seen = fresh(plan).version
    open_plan_now(cast.admin, plan.id)
    session().commit()
    response = post(as_(client, cast.lead), f"/plans/{plan.id}/open", {"expected_version": seen})
    assert response.status_code == 409
    assert "This plan was changed since you opened the page, by Ada Admin" in text(response)


def test_its_tasks_wait_for_it_to_open(client: FlaskClient, cast: Cast, plan: Plan) -> None:
    data = task(plan, "employment-data")
    form = {"status": "done", "note": "", "expected_version": data.version, "return_to": "plan"}
    response = post(as_(client, cast.partner), f"/tasks/{data.id}/status", form)
    assert response.status_code == 409
    assert "The plan has not opened yet: nothing can be done before its start date." in text(response)
    assert task(plan, "employment-data").status is TaskStatus.TODO


def test_a_scheduled_plan_may_be_cancelled_after_confirmation(client: FlaskClient, cast: Cast, plan: Plan) -> None:
    as_(client, cast.lead)
    asked = post(client, f"/plans/{plan.id}/cancel", {"note": "Reporté", "expected_version": plan.version})
    assert asked.status_code == 200 and "Cancel this plan for good?" in text(asked)
    done = post(client, f"/plans/{plan.id}/cancel", {"note": "Reporté", "confirm": "yes"})
    assert done.status_code == 302 and fresh(plan).status is PlanStatus.CANCELLED
    page = text(client.get(f"/plans/{plan.id}"))
    assert NOTICE not in page and 'id="plan-actions"' not in page


def test_lists_and_dashboards_name_the_scheduled_status(client: FlaskClient, cast: Cast, plan: Plan) -> None:
    as_(client, cast.lead)
    dashboard = text(client.get("/"))
    assert '<span class="status plan-status-scheduled">scheduled</span>' in dashboard
    assert dashboard.index("Plan de test") < dashboard.index("Plan programmé"), "open plans come first"
    listed = text(client.get("/plans?status=scheduled"))
    assert '<option value="scheduled" selected>scheduled</option>' in listed
    assert "Plan programmé" in listed and "Plan de test" not in listed
    committee = text(as_(client, cast.committee).get("/committee"))
    assert '<option value="scheduled">scheduled</option>' in committee and "Plan programmé" in committee
