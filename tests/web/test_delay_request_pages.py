"""Delay request pages: the partner asks from the task page, the lead sees pending requests on the dashboard,
the plan page and the task page (with what accepting would shift), accepts or refuses; the requester
withdraws. Outsiders get 404, partners cannot answer, hostile input is a clear 422, the dashboard costs the
same statements with 1 or 40 pending requests."""

from __future__ import annotations

import html
from datetime import date

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.models import DelayRequest, DelayStatus, Person, PersonRole, Plan, Task
from gpect_workflow.services.context import now, session
from gpect_workflow.services.tasks.delay_requests import ask_for_delay
from tests.conftest import post_form, sign_in
from tests.factories import task
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    return started


def text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def worker(plan: Plan) -> Person:
    found = session().get(Person, task(plan, "employment-data").assignee_id)
    assert found is not None
    return found


def pending(plan: Plan) -> DelayRequest:
    request = ask_for_delay(worker(plan), task(plan, "employment-data").id, date(2027, 3, 20), "Données en retard")
    session().commit()
    return request


def test_the_partner_asks_from_the_task_page(client: FlaskClient, plan: Plan) -> None:
    data = task(plan, "employment-data")
    sign_in(client, worker(plan))
    page = text(client.get(f"/tasks/{data.id}"))
    assert f'action="/tasks/{data.id}/delay-requests"' in page and "Demander plus de temps au chef de projet" in page
    sent = post_form(client, f"/tasks/{data.id}/delay-requests", {"due_date": "2027-02-10", "reason": "Attente"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/tasks/{data.id}#delay-requests")
    stored = session().scalar(sa.select(DelayRequest))
    assert stored is not None and stored.due_date == date(2027, 2, 10) and stored.reason == "Attente"
    again = text(client.get(f"/tasks/{data.id}"))
    assert "Retirer ma demande" in again and f'action="/tasks/{data.id}/delay-requests"' not in again
    second = post_form(client, f"/tasks/{data.id}/delay-requests", {"due_date": "2027-02-12", "reason": "Encore"})
    assert second.status_code == 409
    assert session().scalar(sa.select(sa.func.count()).select_from(DelayRequest)) == 1


def test_the_lead_sees_previews_and_accepts(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    request = pending(plan)
    sign_in(client, dummy_lead)
    board = text(client.get("/"))
    assert f'id="delay-request-row-{request.id}"' in board and "Données en retard" in board
    assert f'id="delay-request-row-{request.id}"' in text(client.get(f"/plans/{plan.id}"))
    page = text(client.get(f"/tasks/{request.task_id}"))
    assert "Échéances que l'acceptation changerait" in page
    assert "20/03/2027" in page and "en dépend" in page, "the preview lists the dependents shifted"
    accepted = post_form(client, f"/delay-requests/{request.id}/accept", {"note": ""})
    assert accepted.status_code == 302
    session().expire_all()
    assert task(plan, "employment-data").due_date == date(2027, 3, 20)
    stored = session().get(DelayRequest, request.id)
    assert stored is not None and stored.status is DelayStatus.ACCEPTED
    assert 'id="delay-request-row-' not in text(client.get("/"))
    answered_again = post_form(client, f"/delay-requests/{request.id}/refuse", {"reason": "Non"})
    assert answered_again.status_code == 409 and "déjà reçu une réponse" in text(answered_again)


def test_the_lead_refuses_with_a_reason(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    request = pending(plan)
    sign_in(client, dummy_lead)
    empty = post_form(client, f"/delay-requests/{request.id}/refuse", {"reason": " "})
    assert empty.status_code == 422 and "Dites pourquoi vous refusez la demande." in text(empty)
    refused = post_form(client, f"/delay-requests/{request.id}/refuse", {"reason": "Comité le 5 janvier"})
    assert refused.status_code == 302
    session().expire_all()
    stored = session().get(DelayRequest, request.id)
    assert stored is not None and stored.status is DelayStatus.REFUSED and stored.answer_reason == "Comité le 5 janvier"
    assert task(plan, "employment-data").due_date == date(2026, 12, 31)


def test_the_requester_withdraws(client: FlaskClient, plan: Plan) -> None:
    request = pending(plan)
    sign_in(client, worker(plan))
    assert post_form(client, f"/delay-requests/{request.id}/withdraw").status_code == 302
    session().expire_all()
    stored = session().get(DelayRequest, request.id)
    assert stored is not None and stored.status is DelayStatus.WITHDRAWN


def test_a_partner_cannot_answer_their_own_request(client: FlaskClient, plan: Plan) -> None:
    request = pending(plan)
    sign_in(client, worker(plan))
    assert "Accepter" not in text(client.get(f"/tasks/{request.task_id}")).split("delay-requests-title")[1][:2000]
    assert post_form(client, f"/delay-requests/{request.id}/accept").status_code == 403
    assert post_form(client, f"/delay-requests/{request.id}/refuse", {"reason": "x"}).status_code == 403
    session().expire_all()
    assert session().get(DelayRequest, request.id).status is DelayStatus.PENDING  # type: ignore[union-attr]


def test_outsiders_get_404_everywhere(client: FlaskClient, plan: Plan, create_user: object) -> None:
    request = pending(plan)
    outsider = create_user("outsider@example.org", PersonRole.LEAD)  # type: ignore[operator]
    session().commit()
    sign_in(client, outsider)
    assert client.get(f"/tasks/{request.task_id}").status_code == 404
    assert (
        post_form(
            client, f"/tasks/{request.task_id}/delay-requests", {"due_date": "2027-02-10", "reason": "x"}
        ).status_code
        == 404
    )
    for action in ("accept", "refuse", "withdraw"):
        assert post_form(client, f"/delay-requests/{request.id}/{action}", {"reason": "x"}).status_code == 404
    assert post_form(client, "/delay-requests/999999/accept").status_code == 404
    assert "delay-request-row" not in text(client.get("/"))


@pytest.mark.parametrize(
    ("due_date", "reason", "status"),
    [
        ("1" + "0" * 30, "Raison", 422),
        ("2027-02-10\x00", "Raison", 400),  # NUL: the pages' one rule, a clear 400
        ("9999-12-31", "Raison", 422),
        ("2026-11-01", "Raison", 422),  # before the plan's start (and past)
        ("2030-01-01", "Raison", 422),  # beyond the deadline horizon
        ("2027-02-10", "a\x00b", 400),
        ("2027-02-10", "x" * 5000, 422),
        ("2027-02-10", "\r\n", 422),
        ("", "", 422),
    ],
)
def test_hostile_input_is_a_clear_error(
    client: FlaskClient, plan: Plan, due_date: str, reason: str, status: int
) -> None:
    data = task(plan, "employment-data")
    sign_in(client, worker(plan))
    response = post_form(client, f"/tasks/{data.id}/delay-requests", {"due_date": due_date, "reason": reason})
    assert response.status_code == status
    if status == 422:
        assert 'class="field has-error"' in response.get_data(as_text=True)
    assert session().scalar(sa.select(sa.func.count()).select_from(DelayRequest)) == 0


def test_cr_lf_in_a_reason_stays_in_the_body(client: FlaskClient, plan: Plan) -> None:
    data = task(plan, "employment-data")
    sign_in(client, worker(plan))
    sent = post_form(client, f"/tasks/{data.id}/delay-requests", {"due_date": "2027-02-10", "reason": "a\r\nBcc: x@y"})
    assert sent.status_code == 302
    stored = session().scalar(sa.select(DelayRequest))
    assert stored is not None and stored.reason == "a\nBcc: x@y"


def test_forms_need_the_csrf_token(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    request = pending(plan)
    sign_in(client, dummy_lead)
    assert client.post(f"/delay-requests/{request.id}/accept").status_code == 400
    session().expire_all()
    assert session().get(DelayRequest, request.id).status is DelayStatus.PENDING  # type: ignore[union-attr]


def _requests(plan_ids: list[int], count: int) -> None:
    tasks = list(session().scalars(sa.select(Task).where(Task.plan_id.in_(plan_ids)).order_by(Task.id).limit(count)))
    assert len(tasks) == count
    for item in tasks:
        assert item.assignee_id is not None
        session().add(
            DelayRequest(
                plan_id=item.plan_id,
                task_id=item.id,
                requester_id=item.assignee_id,
                current_due_date=item.due_date,
                due_date=date(2027, 12, 1),
                reason="Raison",
                status=DelayStatus.PENDING,
                created_dt=now(),
            )
        )
    session().commit()


def _dashboard_statements(client: FlaskClient, lead: Person) -> int:
    sign_in(client, lead)
    assert client.get("/").status_code == 200
    session().expire_all()
    with count_queries() as statements:
        page = client.get("/")
    assert page.status_code == 200
    return len(statements)


def test_the_dashboard_costs_the_same_with_1_or_40_pending_requests(
    client: FlaskClient, definitions: None, dummy_lead: Person
) -> None:
    plans = [start_five_levers_plan(dummy_lead, date(2026, 12, 1), f"Plan {n}") for n in range(3)]
    session().commit()
    _requests([plans[0].id], 1)
    one = _dashboard_statements(client, dummy_lead)
    session().execute(sa.delete(DelayRequest))
    session().commit()
    _requests([p.id for p in plans], 40)
    forty = _dashboard_statements(client, dummy_lead)
    assert one == forty
    assert "40" in text(client.get("/")).split('id="delay-requests-pending-title">')[1][:200]
