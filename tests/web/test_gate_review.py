"""The gate review page: evidence, the committee's decision, its notifications, and who may do what."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import (
    CommitteeDecision,
    Decision,
    Event,
    OutboxMessage,
    Person,
    PersonRole,
    Plan,
    PlanStatus,
    StageStatus,
    TaskStatus,
)
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status
from tests.conftest import post_form, sign_in
from tests.engine_drive import committee_member
from tests.factories import assignee, finish, stage, task
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries

OBSERVE_TASKS = ("inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 11, 2))
    session().commit()
    finish(started, "inventory-existing-studies", "employment-data", "business-survey")
    diagnosis = task(started, "shared-diagnosis")
    change_task_status(
        assignee(diagnosis), diagnosis.id, TaskStatus.DONE, note="Résultats : https://docs.example.org/enquete.pdf."
    )
    session().commit()
    assert stage(started, "observe").status is StageStatus.AWAITING_DECISION
    return started


def gate_decided_recipients(plan: Plan) -> set[str]:
    query = sa.select(OutboxMessage.recipient_email).where(
        OutboxMessage.plan_id == plan.id, OutboxMessage.kind == "gate_decided"
    )
    return set(session().scalars(query))


def test_a_committee_member_reads_the_evidence_with_links(client: FlaskClient, plan: Plan) -> None:
    observe = stage(plan, "observe")
    html = sign_in(client, committee_member(plan)).get(f"/stages/{observe.id}/review").get_data(as_text=True)
    assert "Revue de validation" in html
    assert '<a href="https://docs.example.org/enquete.pdf" rel="noopener noreferrer nofollow"' in html
    assert "Entreprises enquêtées" in html  # the indicator snapshot
    assert 'name="decision" value="approve"' in html


def test_approving_closes_the_stage_opens_the_next_and_tells_the_lead_and_assignees(
    client: FlaskClient, plan: Plan, dummy_lead: Person
) -> None:
    observe, member = stage(plan, "observe"), committee_member(plan)
    people = {assignee(task(plan, key)).email for key in OBSERVE_TASKS} | {dummy_lead.email}
    sign_in(client, member)
    response = post_form(
        client, f"/stages/{observe.id}/decision", {"decision": "approve", "minutes": "Diagnostic partagé validé"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/plans/{plan.id}")
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.CLOSED
    assert stage(plan, "experiment").status is StageStatus.OPEN
    recorded = session().scalar(sa.select(CommitteeDecision).where(CommitteeDecision.stage_id == observe.id))
    assert (
        recorded is not None and recorded.decided_by_id == member.id and recorded.minutes == "Diagnostic partagé validé"
    )
    deliver_announcements()  # the scheduler's pass renders what the change announced
    assert gate_decided_recipients(plan) == people
    html = client.get(f"/stages/{observe.id}/review").get_data(as_text=True)
    assert "validée" in html and "Diagnostic partagé validé" in html and 'name="decision"' not in html


def html_text(page: str) -> str:
    import html

    return html.unescape(page)


def test_rework_reopens_the_chosen_tasks(client: FlaskClient, plan: Plan) -> None:
    observe = stage(plan, "observe")
    sign_in(client, committee_member(plan))
    response = post_form(
        client,
        f"/stages/{observe.id}/decision",
        {"decision": "rework", "reopen": "business-survey", "minutes": "Élargir l'enquête aux TPE"},
    )
    assert response.status_code == 302
    session().expire_all()
    assert task(plan, "business-survey").status is TaskStatus.TODO
    assert task(plan, "employment-data").status is TaskStatus.DONE
    assert stage(plan, "observe").status is StageStatus.OPEN


def test_the_form_offers_each_tasks_rework_date_and_keeps_the_one_typed(
    client: FlaskClient, plan: Plan, clock: FrozenClock
) -> None:
    clock.set(datetime(2027, 2, 15, 9, 0, tzinfo=UTC))  # 15 February in Paris: the survey is 45 days late
    observe, survey = stage(plan, "observe"), task(plan, "business-survey")
    sign_in(client, committee_member(plan))
    html = client.get(f"/stages/{observe.id}/review").get_data(as_text=True)
    assert f'id="due-{survey.id}" name="due_date.business-survey" value="2027-04-16"' in html  # + 60 days
    response = post_form(
        client,
        f"/stages/{observe.id}/decision",
        {"decision": "rework", "reopen": "business-survey", "due_date.business-survey": "2027-03-31"},
    )
    assert response.status_code == 302
    session().expire_all()
    assert task(plan, "business-survey").due_date == date(2027, 3, 31)
    (moved,) = session().scalars(sa.select(Event).where(Event.plan_id == plan.id, Event.kind == "deadline_moved"))
    assert (moved.from_state, moved.to_state, moved.data) == ("2027-01-01", "2027-03-31", {"rework": True})
    journal = html_text(client.get(f"/plans/{plan.id}").get_data(as_text=True))
    assert "a new deadline for the rework" in journal or "nouvelle échéance pour la reprise" in journal


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2027-02-14", "Choisissez une date à partir d'aujourd'hui"),
        ("2026-11-01", "Choisissez une date à partir du début du plan."),
        ("9999-12-31", "Saisissez une date comprise entre 2000 et 2099."),
        ("31/03/2027", "Saisissez une date, par exemple 2027-01-04."),
        ("9" * 5000, "Saisissez une date, par exemple 2027-01-04."),
    ],
)
def test_a_rework_date_in_the_past_or_not_a_date_is_refused_beside_the_task(
    client: FlaskClient, plan: Plan, clock: FrozenClock, typed: str, message: str
) -> None:
    clock.set(datetime(2027, 2, 15, 9, 0, tzinfo=UTC))
    observe, survey = stage(plan, "observe"), task(plan, "business-survey")
    sign_in(client, committee_member(plan))
    data = {"decision": "rework", "reopen": "business-survey", "due_date.business-survey": typed, "minutes": "À revoir"}
    response = post_form(client, f"/stages/{observe.id}/decision", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="due-{survey.id}-error"' in html and message in html.replace("&#39;", "'")
    assert (
        ">À revoir</textarea>" in html
        and f'id="reopen-{survey.id}" name="reopen" value="business-survey" checked' in html
    )
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.AWAITING_DECISION
    assert task(plan, "business-survey").due_date == date(2027, 1, 1)


def test_a_control_character_in_a_rework_date_is_refused_whole(client: FlaskClient, plan: Plan) -> None:
    observe = stage(plan, "observe")
    sign_in(client, committee_member(plan))
    data = {"decision": "rework", "reopen": "business-survey", "due_date.business-survey": "2027-03-31\x00"}
    assert post_form(client, f"/stages/{observe.id}/decision", data).status_code == 400
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.AWAITING_DECISION


def test_a_date_given_to_a_task_not_chosen_is_ignored(client: FlaskClient, plan: Plan) -> None:
    observe = stage(plan, "observe")
    sign_in(client, committee_member(plan))
    data = {"decision": "approve", "due_date.business-survey": "2020-01-01", "due_date.nowhere": "x"}
    assert post_form(client, f"/stages/{observe.id}/decision", data).status_code == 302
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.CLOSED


def test_hold_suspends_the_plan(client: FlaskClient, plan: Plan) -> None:
    sign_in(client, committee_member(plan))
    assert post_form(client, f"/stages/{stage(plan, 'observe').id}/decision", {"decision": "hold"}).status_code == 302
    session().expire_all()
    assert session().get(Plan, plan.id).status is PlanStatus.ON_HOLD
    held = (
        session()
        .scalars(
            sa.select(Event)
            .where(Event.plan_id == plan.id, Event.kind == "plan_status_changed")
            .order_by(Event.id.desc())
        )
        .first()
    )
    assert held is not None and held.to_state == "on_hold"
    assert held.note is None, "no minutes, no note: a stored sentence would show in English to French readers"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"minutes": "Sans décision"}, "Choisissez une décision."),
        (
            {"decision": "rework", "minutes": "Sans décision"},
            "Choisissez au moins une tâche de cette étape à reprendre.",
        ),
    ],
)
def test_an_incomplete_decision_is_refused_and_the_minutes_kept(
    client: FlaskClient, plan: Plan, data: dict[str, str], message: str
) -> None:
    observe = stage(plan, "observe")
    sign_in(client, committee_member(plan))
    response = post_form(client, f"/stages/{observe.id}/decision", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and ">Sans décision</textarea>" in html
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.AWAITING_DECISION
    assert session().scalar(sa.select(sa.func.count()).select_from(CommitteeDecision)) == 0


def test_a_decision_taken_meanwhile_answers_409_and_keeps_the_input(client: FlaskClient, plan: Plan) -> None:
    observe, member = stage(plan, "observe"), committee_member(plan)
    decide_gate(member, observe.id, Decision.APPROVE, minutes="Décidé en séance")
    session().commit()
    sign_in(client, member)
    response = post_form(client, f"/stages/{observe.id}/decision", {"decision": "hold", "minutes": "Mon avis"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Décidé en séance" in html and "Mon avis" in html


def test_partners_read_but_may_not_decide_and_outsiders_see_nothing(
    client: FlaskClient, plan: Plan, create_user: Any
) -> None:
    observe = stage(plan, "observe")
    assert client.get(f"/stages/{observe.id}/review").status_code == 302
    partner = assignee(task(plan, "employment-data"))
    sign_in(client, partner)
    html = client.get(f"/stages/{observe.id}/review").get_data(as_text=True)
    assert "Revue de validation" in html and 'name="decision"' not in html
    assert post_form(client, f"/stages/{observe.id}/decision", {"decision": "approve"}).status_code == 403
    outsider = create_user("elsewhere@example.org", PersonRole.COMMITTEE)
    session().commit()
    sign_in(client, outsider)
    assert client.get(f"/stages/{observe.id}/review").status_code == 404
    assert post_form(client, f"/stages/{observe.id}/decision", {"decision": "approve"}).status_code == 404
    session().expire_all()
    assert stage(plan, "observe").status is StageStatus.AWAITING_DECISION


def test_the_review_costs_the_same_queries_however_many_notes(client: FlaskClient, plan: Plan) -> None:
    observe, member = stage(plan, "observe"), committee_member(plan)
    sign_in(client, member)
    session().expire_all()
    with count_queries() as before:
        client.get(f"/stages/{observe.id}/review")
    decide_gate(member, observe.id, Decision.REWORK, minutes="Reprendre", reopen=["inventory-existing-studies"])
    session().commit()
    inventory = task(plan, "inventory-existing-studies")
    for round_ in range(5):
        for status in (TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED):
            change_task_status(assignee(inventory), inventory.id, status, note=f"Note {round_} {status}")
            session().commit()
    sign_in(client, member)
    session().expire_all()
    with count_queries() as after:
        client.get(f"/stages/{observe.id}/review")
    assert len(after) == len(before), "\n\n".join(after)
