"""The task page: the task in full, its links, notes and journal; who sees it and what they may do there."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Flask, g
from flask.testing import FlaskClient
from flask_babel import refresh

from gpect_workflow.models import Event, Language, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.tasks.changes import change_task_status, move_deadline
from tests.query_count import count_queries

from .plan_support import Cast, as_, cast_fixture, post, section, start_plan_of, task, text  # noqa: F401

DESCRIBED = """
key: described-tasks
version: 1
title: {fr: Démarche décrite, en: Described approach}
roles:
  lead:
    title: {fr: Chef de projet, en: Project lead}
  employment_service:
    title: {fr: Service public de l'emploi, en: Public employment service}
  steering_committee:
    title: {fr: Comité de pilotage, en: Steering committee}
    committee: true
stages:
  - key: observe
    lever: observe
    title: {fr: Observer, en: Observe}
    duration_days: 60
    gate: auto
    tasks:
      - key: gather-data
        title: {fr: Rassembler les données, en: Gather the data}
        description:
          fr: Extraire les demandeurs d'emploi du bassin par métier recherché.
          en: Extract the area's job seekers by sought occupation.
        owner: employment_service
        due_days: 20
      - key: write-note
        title: {fr: Rédiger la note, en: Write the note}
        owner: lead
        due_days: 40
        depends_on: [gather-data]
"""


def url(task_id: int) -> str:
    return f"/tasks/{task_id}"


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = client.get(url(data.id))
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next=/tasks/{data.id}"


def test_a_partner_sees_their_task_in_full(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    diagnosis = task(cast.plan, "shared-diagnosis")
    page = text(as_(client, cast.partner).get(url(data.id)))
    assert "<h1>Provide employment and job-seeker data" in page
    facts = section(page, "task-facts-title")
    assert f'href="/plans/{cast.plan.id}">Plan de test</a>' in facts
    assert "Observe and analyse" in facts and "Public employment service" in facts
    assert "Organisation employment_service" in facts and "Service public de l'emploi" in facts
    assert "31 December 2026" in facts and "to do" in facts
    links = section(page, "links-title")
    assert "No task: it can start at once." in links
    assert f'href="/tasks/{diagnosis.id}">Write the shared action-oriented diagnosis</a>' in links
    assert "Plans</a> ›" in page and f'href="/plans/{cast.plan.id}#stage-{data.stage_id}"' in page


def test_the_task_s_own_notes_and_journal(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    change_task_status(cast.partner, data.id, TaskStatus.BLOCKED, note="Extraction en attente de la DR")
    change_task_status(cast.partner, data.id, TaskStatus.TODO)
    move_deadline(cast.lead, data.id, date(2027, 1, 8), note="Délai accordé")
    change_task_status(cast.lead, task(cast.plan, "inventory-existing-studies").id, TaskStatus.BLOCKED, note="Autre")
    session().commit()
    page = text(as_(client, cast.partner).get(url(data.id)))
    notes = section(page, "notes-title")
    assert notes.index("Délai accordé") < notes.index("Extraction en attente de la DR"), "newest first"
    assert "Autre" not in notes, "another task's note"
    journal = section(page, "journal")
    assert journal.count("<time ") == 3
    assert "Moved the deadline of “Provide employment and job-seeker data” from 31 Dec 2026 to 8 Jan 2027" in journal
    assert "Moved “Provide employment and job-seeker data” from “blocked” to “to do”" in journal
    assert "Created the plan" not in journal and "List existing studies" not in journal
    assert "Reason given" not in section(page, "task-facts-title"), "unblocked: no reason stands"
    blocked = section(text(client.get(url(task(cast.plan, "inventory-existing-studies").id))), "task-facts-title")
    assert "Reason given" in blocked and "Autre" in blocked


def test_a_task_s_description_comes_from_its_definition(client: FlaskClient, cast: Cast, tmp_path: Path) -> None:
    (tmp_path / "described.yaml").write_text(DESCRIBED, encoding="utf-8")
    register_definitions([tmp_path])
    plan = start_plan_of(cast.lead, "described-tasks", "Plan décrit")
    session().commit()
    gather = task(plan, "gather-data")
    page = text(as_(client, cast.lead).get(url(gather.id)))
    assert "Extract the area's job seekers by sought occupation." in page
    cast.lead.language = Language.FR
    session().commit()
    refresh()  # the test's requests share one context, where Babel keeps the locale it chose
    page = text(client.get(url(gather.id)))
    assert "Extraire les demandeurs d'emploi du bassin par métier recherché." in page
    assert 'id="indicators-title"' not in text(client.get(f"/plans/{plan.id}")), "no indicator, no table"


def test_the_lead_gets_every_action_the_partner_only_the_status(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    lead_page = text(as_(client, cast.lead).get(url(data.id)))
    for action in ("status", "assignee", "deadline"):
        assert f'action="/tasks/{data.id}/{action}"' in lead_page
    assert 'name="return_to" value="task"' in lead_page
    assignees = re.findall(r'<option value="(\d+)"', section(lead_page, "actions-title").split("assignee_id")[1])
    assert set(map(int, assignees)) == {cast.partner.id, cast.colleague.id, cast.lead.id}
    partner_page = text(as_(client, cast.partner).get(url(data.id)))
    assert f'action="/tasks/{data.id}/status"' in partner_page
    assert "/assignee" not in partner_page and "/deadline" not in partner_page
    other = task(cast.plan, "business-survey")
    assert 'id="actions-title"' not in text(client.get(url(other.id))), "another role's task: read only"


def test_a_committee_member_reads_the_task_without_actions(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = as_(client, cast.committee).get(url(data.id))
    assert response.status_code == 200 and "Provide employment and job-seeker data" in text(response)
    assert 'id="actions-title"' not in text(response)


def test_people_outside_the_plan_get_a_404(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    for person in (cast.outsider, cast.other_lead):
        response = as_(client, person).get(url(data.id))
        assert response.status_code == 404 and "Provide employment" not in text(response)
    assert as_(client, cast.lead).get(url(987654)).status_code == 404


def test_a_finished_task_can_only_be_reopened_by_the_lead(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    change_task_status(cast.partner, data.id, TaskStatus.DONE)
    session().commit()
    assert 'id="actions-title"' not in text(as_(client, cast.partner).get(url(data.id)))
    lead_page = text(as_(client, cast.lead).get(url(data.id)))
    assert re.findall(r'<option value="([a-z_]+)"', section(lead_page, "actions-title")) == ["todo"]
    assert "/assignee" not in lead_page and "/deadline" not in lead_page


def _page_queries(client: FlaskClient, address: str) -> list[str]:
    g.pop("gpect_definitions", None)
    g.pop("gpect_task_defs", None)
    g.pop("_login_user", None)
    session().expire_all()
    with count_queries() as statements:
        response = client.get(address)
    assert response.status_code == 200
    return statements


def test_the_page_costs_the_same_queries_whatever_the_task_s_history(
    app: Flask, client: FlaskClient, cast: Cast
) -> None:
    quiet = task(cast.plan, "inventory-existing-studies")
    busy = task(cast.plan, "shared-diagnosis")  # two prerequisites, one dependent
    session().add_all(
        Event(
            plan_id=cast.plan.id,
            task_id=busy.id,
            actor_id=[cast.lead.id, cast.partner.id, cast.chamber.id][number % 3],
            kind="task_reassigned",
            from_state=str(cast.partner.id),
            to_state=str(cast.colleague.id),
            note=f"note {number}",
            occurred_dt=datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(minutes=number),
        )
        for number in range(80)
    )
    session().commit()
    as_(client, cast.lead)
    quiet_queries = _page_queries(client, url(quiet.id))
    busy_queries = _page_queries(client, url(busy.id))
    assert "Older entries" in text(client.get(url(busy.id)))
    # The same statements, but for the names of the people the busy journal names, read in one (the quiet
    # task's journal names nobody: no statement asks for no name).
    extra = [statement for statement in busy_queries if statement not in quiet_queries]
    assert len(busy_queries) == len(quiet_queries) + 1, (quiet_queries, busy_queries)
    assert len(extra) == 1 and extra[0].startswith("SELECT gpect_people.id, gpect_people.name"), extra
    # The task and its plan, the journal page, the discussion, the files, a pending delay request, the inbox count.
    assert len(quiet_queries) <= 22


def test_a_partner_acting_on_the_task_page_comes_back_to_it(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    response = post(
        as_(client, cast.partner),
        f"/tasks/{data.id}/status",
        {"status": "in_progress", "note": "", "expected_version": data.version, "return_to": "task"},
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{data.id}"
    assert "The task is now “in progress”." in text(client.get(url(data.id)))
    assert task(cast.plan, "employment-data").status is TaskStatus.IN_PROGRESS
