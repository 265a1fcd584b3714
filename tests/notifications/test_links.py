"""Signed links in emails: open, mark done, ask for time, go digest-only; tampered, expired, reused refused."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Event, Language, OutboxMessage, Person, Plan, ReminderMode, TaskStatus
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.notifications.links import LinkError, link_url, make_token, read_token
from gpect_workflow.services.context import session
from tests.conftest import post_form
from tests.factories import task
from tests.plan_helpers import start_five_levers_plan


@pytest.fixture
def plan(definitions: None, dummy_lead: Person) -> Plan:
    started = start_five_levers_plan(dummy_lead, date(2026, 12, 1))
    session().commit()
    return started


def text(response: object) -> str:
    """The page's text with HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def path(url: str) -> str:
    return url.removeprefix("http://gpect.test")


def test_open_task_link_shows_the_task_and_its_actions(client: FlaskClient, plan: Plan) -> None:
    data = task(plan, "employment-data")
    page = client.get(path(link_url("open_task", data.assignee_id, data.id)))  # type: ignore[arg-type]
    shown = text(page)
    assert page.status_code == 200
    assert "Fournir les données emploi et demandeurs d'emploi" in shown and "Plan de test" in shown
    assert "31 décembre 2026" in shown
    assert "/links/mark_done/" in shown and "/links/more_time/" in shown


def test_mark_done_asks_first_then_acts_once_as_the_recipient(client: FlaskClient, plan: Plan) -> None:
    data = task(plan, "employment-data")
    url = path(link_url("mark_done", data.assignee_id, data.id))  # type: ignore[arg-type]
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Confirmer" in text(confirm)
    assert task(plan, "employment-data").status is TaskStatus.TODO, "reading a link changes nothing"
    done = post_form(client, url, {"note": "Transmis par courriel"})
    assert done.status_code == 200 and "faite" in text(done)
    session().expire_all()
    assert task(plan, "employment-data").status is TaskStatus.DONE
    event = session().scalar(sa.select(Event).where(Event.task_id == data.id).order_by(Event.id.desc()))
    assert event is not None and event.actor_id == data.assignee_id and event.note == "Transmis par courriel"
    again = post_form(client, url)
    assert again.status_code == 409 and "déjà été utilisé" in text(again)


def test_tampered_and_expired_links_are_refused_with_a_clear_page(
    client: FlaskClient, plan: Plan, clock: FrozenClock
) -> None:
    data = task(plan, "employment-data")
    url = path(link_url("mark_done", data.assignee_id, data.id))  # type: ignore[arg-type]
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    response = client.get(tampered)
    assert response.status_code == 400 and "n'est pas valide" in text(response)
    other_purpose = url.replace("/mark_done/", "/more_time/")
    assert client.get(other_purpose).status_code == 400, "a token signed for one purpose is useless for another"
    clock.advance(timedelta(days=15))
    expired = post_form(client, url)
    assert expired.status_code == 410 and "expiré" in text(expired)
    assert task(plan, "employment-data").status is TaskStatus.TODO


def test_more_time_request_reaches_the_lead(client: FlaskClient, plan: Plan, dummy_lead: Person) -> None:
    data = task(plan, "employment-data")
    url = path(link_url("more_time", data.assignee_id, data.id))  # type: ignore[arg-type]
    form = client.get(url).get_data(as_text=True)
    assert 'name="due_date"' in form and 'name="reason"' in form
    response = post_form(client, url, {"due_date": "2027-01-14", "reason": "Données publiées le 10 janvier"})
    assert response.status_code == 200
    session().expire_all()
    event = session().scalar(sa.select(Event).where(Event.kind == "delay_requested"))
    assert event is not None and event.to_state == "2027-01-14" and event.note == "Données publiées le 10 janvier"
    assert not session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "delay_requested")).all()
    deliver_announcements()  # the scheduler's pass renders what the request announced
    (notice,) = session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "delay_requested")).all()
    assert notice.recipient_email == dummy_lead.email and "10 janvier" in notice.body_text


def test_more_time_link_on_a_finished_task_says_so_in_the_readers_language(client: FlaskClient, plan: Plan) -> None:
    data = task(plan, "inventory-existing-studies")
    post_form(client, path(link_url("mark_done", data.assignee_id, data.id)))  # type: ignore[arg-type]
    url = path(link_url("more_time", data.assignee_id, data.id))  # type: ignore[arg-type]
    page = client.get(url)
    shown = text(page)
    assert page.status_code == 200 and 'name="due_date"' not in shown
    assert "La tâche est terminée\u00a0: il n'y a plus besoin de temps supplémentaire." in shown
    person = session().get(Person, data.assignee_id)
    assert person is not None
    person.language = Language.EN
    session().commit()
    english = text(client.get(url))
    assert "The task is finished: no more time is needed." in english and 'name="due_date"' not in english
    refused = post_form(client, url, {"due_date": "2027-01-14", "reason": "x"})
    assert refused.status_code == 409 and "The task is finished" in text(refused)


def test_failed_action_keeps_the_link_usable_and_says_why(client: FlaskClient, plan: Plan) -> None:
    survey = task(plan, "business-survey")  # its dependency is not done
    url = path(link_url("mark_done", survey.assignee_id, survey.id))  # type: ignore[arg-type]
    refused = post_form(client, url)
    assert refused.status_code == 409 and "Les tâches dont celle-ci dépend ne sont pas encore terminées." in text(
        refused
    )
    inventory = task(plan, "inventory-existing-studies")
    post_form(client, path(link_url("mark_done", inventory.assignee_id, inventory.id)))  # type: ignore[arg-type]
    assert post_form(client, url).status_code == 200, "the refused attempt did not use the link up"


def test_a_note_longer_than_the_journal_keeps_is_refused_and_the_link_stays_usable(
    client: FlaskClient, plan: Plan
) -> None:
    data = task(plan, "employment-data")
    url = path(link_url("more_time", data.assignee_id, data.id))  # type: ignore[arg-type]
    refused = post_form(client, url, {"due_date": "2027-01-14", "reason": "x" * 2001})
    assert refused.status_code == 422 and "2000" in text(refused)
    assert session().scalar(sa.select(Event).where(Event.kind == "delay_requested")) is None
    assert post_form(client, url, {"due_date": "2027-01-14", "reason": "x" * 2000}).status_code == 200


def test_digest_only_link_switches_the_mode(client: FlaskClient, plan: Plan) -> None:
    data = task(plan, "employment-data")
    person = session().get(Person, data.assignee_id)
    assert person is not None and person.reminder_mode is ReminderMode.IMMEDIATE
    url = path(link_url("digest_only", person.id))
    assert post_form(client, url).status_code == 200
    session().expire_all()
    assert session().get(Person, person.id).reminder_mode is ReminderMode.DAILY  # type: ignore[union-attr]


def test_tokens_name_their_person_and_task(app: Flask, plan: Plan) -> None:
    token = make_token("open_task", 7, 42)
    claim = read_token("open_task", token)
    assert (claim.person_id, claim.task_id) == (7, 42)
    with pytest.raises(LinkError) as error:
        read_token("open_task", token + "x")
    assert error.value.reason == "tampered"
