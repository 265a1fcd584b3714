"""My tasks at ``/my-tasks``: grouped by urgency, with one-click status changes checked by the engine."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Decision, Person, PersonRole, Plan, PlanStage, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.stages.progression import decide_gate
from gpect_workflow.services.tasks.changes import change_task_status
from tests.conftest import post_form, sign_in
from tests.query_count import count_queries

from .work_helpers import (
    AFTER_CHRISTMAS,
    CHAMBER,
    EMPLOYMENT,
    LEAD_ROLE,
    finish,
    finish_first_stage,
    in_english,
    new_person,
    person,
    row,
    row_ids,
    section,
    start,
    task,
    text,
)

URL = "/my-tasks"


def fresh(work: Task) -> Task:
    session().expire_all()
    found = session().get(Task, work.id)
    assert found is not None
    return found


def buttons(page: str, work: Task) -> list[str]:
    """The statuses the row's one-click forms ask for."""
    return re.findall(r'name="status" value="(\w+)"', row(page, f"task-{work.id}"))


def change(client: FlaskClient, work: Task, status: str, **fields: str) -> Any:
    return post_form(client, f"/my-tasks/{work.id}/status", {"status": status, "version": str(work.version), **fields})


def flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-(\w+)" role="status">', page)


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, definitions: None, dummy_lead: Person) -> None:
    plan = start(dummy_lead, "Plan")
    session().commit()
    assert client.get(URL).headers["Location"] == "/login?next=/my-tasks"
    work = task(plan, "employment-data")
    response = change(client, work, "in_progress")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/my-tasks"
    assert fresh(work).status is TaskStatus.TODO


def test_my_tasks_are_grouped_overdue_due_soon_later_and_recently_finished(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    mine = new_person("moi@emploi.example.org")
    plan = start(dummy_lead, "Plan Chartres", {"lead": [mine], "employment_service": [mine]})
    clock.set(AFTER_CHRISTMAS - timedelta(days=10))  # 18 December: the employment data is delivered early
    finish(plan, "employment-data")
    clock.set(AFTER_CHRISTMAS)
    session().commit()

    page = text(sign_in(client, mine).get(URL))
    inventory, data, diagnosis = (
        task(plan, key) for key in ("inventory-existing-studies", "employment-data", "shared-diagnosis")
    )
    assert row_ids(section(page, "overdue-title"), "task") == [inventory.id]
    assert '<span class="late days-late">6</span>' in row(page, f"task-{inventory.id}")
    assert row_ids(section(page, "soon-title"), "task") == []
    assert row_ids(section(page, "later-title"), "task") == [diagnosis.id], "a stage not yet open is not listed"
    finished = section(page, "finished-title")
    assert row_ids(finished, "task") == [data.id] and "18 Dec 2026" in finished
    assert "Provide employment and job-seeker data" in finished and 'href="/plans/' in finished

    clock.advance(timedelta(days=7))  # 4 January: 17 days after it was finished
    page = text(sign_in(client, mine).get(URL))
    assert row_ids(section(page, "finished-title"), "task") == []
    assert "business-survey" not in page, "owned by the chamber of commerce"


def test_an_unassigned_task_is_every_member_s_of_its_role_open_then_finished(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    first, second = new_person("first@emploi.example.org"), new_person("second@emploi.example.org")
    plan = start(dummy_lead, "Plan partagé", {"employment_service": [first, second]})
    elsewhere = start(dummy_lead, "Plan voisin", {"employment_service": [first]})
    clock.set(AFTER_CHRISTMAS)
    data, away = task(plan, "employment-data"), task(elsewhere, "employment-data")
    data.assignee_id = away.assignee_id = None
    session().commit()

    def lists(reader: Person) -> tuple[list[int], list[int]]:
        page = text(sign_in(client, reader).get(URL))
        finished = row_ids(section(page, "finished-title"), "task") if 'id="finished-title"' in page else []
        return _open_rows(client), finished

    assert lists(first) == ([data.id, away.id], []), "both plans' unassigned tasks of a role they hold"
    assert lists(second) == ([data.id], []), "not the one of a plan where they do not hold the role"
    chamber = lists(person(CHAMBER))[0]
    assert task(plan, "business-survey").id in chamber and not {data.id, away.id} & set(chamber), "another role's"

    change_task_status(dummy_lead, data.id, TaskStatus.DONE)  # finished, still assigned to nobody
    session().commit()
    assert lists(first) == ([away.id], [data.id]) and lists(second) == ([], [data.id])

    with count_queries() as log:
        sign_in(client, second).get(URL)
    listed = [statement for statement in log if "row_number() OVER" in statement]
    assert len(listed) == 2 and all("UNION ALL" in statement for statement in listed), (
        "the tasks assigned to me and those left to my roles are read apart, each on its own index"
    )


def test_only_the_changes_the_engine_allows_are_offered(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    mine = new_person("moi@cci.example.org")
    plan = start(dummy_lead, "Plan", {"chamber_of_commerce": [mine], "employment_service": [mine]})
    session().commit()
    sign_in(client, mine)
    survey, data = task(plan, "business-survey"), task(plan, "employment-data")
    page = text(client.get(URL))
    assert buttons(page, data) == ["in_progress", "done", "blocked"]
    assert buttons(page, survey) == ["blocked"], "the inventory it depends on is not done yet"
    assert "Waiting for 1 earlier task to be finished." in row(page, f"task-{survey.id}")

    assert change(client, data, "in_progress").status_code == 302
    page = text(client.get(URL))
    assert buttons(page, fresh(data)) == ["done", "blocked"]
    assert change(client, fresh(data), "blocked", note="Données en attente de l'Insee").status_code == 302
    page = text(client.get(URL))
    assert buttons(page, fresh(data)) == ["in_progress"]
    assert "Resume" in row(page, f"task-{data.id}") and "Données en attente de l'Insee" in row(page, f"task-{data.id}")


def test_one_click_start_done_and_blocked_change_the_database(
    client: FlaskClient, definitions: None, dummy_lead: Person
) -> None:
    mine = new_person("moi@emploi.example.org")
    plan = start(dummy_lead, "Plan", {"employment_service": [mine]})
    session().commit()
    sign_in(client, mine)
    data = task(plan, "employment-data")

    started = change(client, data, "in_progress")
    assert started.status_code == 302 and started.headers["Location"] == URL
    data = fresh(data)
    assert data.status is TaskStatus.IN_PROGRESS and data.started_dt is not None
    page = text(client.get(URL))
    assert "“Provide employment and job-seeker data” is now in progress." in page and flashes(page) == ["message"]

    assert change(client, data, "done").status_code == 302
    data = fresh(data)
    assert data.status is TaskStatus.DONE and data.completed_dt is not None
    page = text(client.get(URL))
    assert "is now done." in page and row_ids(section(page, "finished-title"), "task") == [data.id]

    tailor = task(plan, "tailor-offer")  # adapt stage: not open yet, so not listed and not changeable
    assert tailor.id not in row_ids(page, "task")
    refused = change(client, tailor, "in_progress")
    assert refused.status_code == 409 and "This task's stage has not opened yet." in text(refused)
    assert fresh(tailor).status is TaskStatus.TODO


def test_blocking_needs_a_reason_and_keeps_what_was_typed_on_errors(
    client: FlaskClient, definitions: None, dummy_lead: Person
) -> None:
    mine = new_person("moi@emploi.example.org")
    plan = start(dummy_lead, "Plan", {"employment_service": [mine]})
    session().commit()
    sign_in(client, mine)
    data = task(plan, "employment-data")

    missing = change(client, data, "blocked", note="   ")
    page = text(missing)
    assert missing.status_code == 422 and "Say why the task is blocked" in page and flashes(page) == ["error"]
    assert fresh(data).status is TaskStatus.TODO

    stale_version = data.version
    assert change(client, data, "in_progress").status_code == 302
    stale = post_form(
        client,
        f"/my-tasks/{data.id}/status",
        {"status": "blocked", "version": str(stale_version), "note": "Attente de l'extraction"},
    )
    page = text(stale)
    assert stale.status_code == 409 and "Someone changed this task since you opened the page" in page
    assert 'value="Attente de l\'extraction"' in page and 'aria-invalid="true"' in page, "the reason is kept"
    data = fresh(data)
    assert data.status is TaskStatus.IN_PROGRESS and data.status_reason is None

    blocked = change(client, data, "blocked", note="Attente de l'extraction")
    assert blocked.status_code == 302
    data = fresh(data)
    assert data.status is TaskStatus.BLOCKED and data.status_reason == "Attente de l'extraction"


def test_a_note_longer_than_the_journal_keeps_is_refused_not_cut(
    client: FlaskClient, definitions: None, dummy_lead: Person
) -> None:
    mine = new_person("moi@emploi.example.org")
    plan = start(dummy_lead, "Plan", {"employment_service": [mine]})
    session().commit()
    sign_in(client, mine)
    data = task(plan, "employment-data")
    refused = change(client, data, "blocked", note="x" * 2001)
    assert refused.status_code == 422 and "Write at most 2000 characters." in text(refused)
    assert fresh(data).status is TaskStatus.TODO
    assert change(client, data, "blocked", note="x" * 2000).status_code == 302
    assert fresh(data).status_reason == "x" * 2000


def test_invalid_and_unknown_changes_are_refused(client: FlaskClient, definitions: None, dummy_lead: Person) -> None:
    mine = new_person("moi@cci.example.org")
    plan = start(dummy_lead, "Plan", {"chamber_of_commerce": [mine]})
    session().commit()
    sign_in(client, mine)
    survey = task(plan, "business-survey")
    early = change(client, survey, "done")
    assert early.status_code == 409 and "The tasks this one depends on are not finished yet." in text(early)
    assert fresh(survey).status is TaskStatus.TODO
    assert change(client, survey, "skipped").status_code == 400, "skipping is not a one-click change"
    assert change(client, survey, "whatever").status_code == 400
    assert post_form(client, "/my-tasks/999999/status", {"status": "done"}).status_code == 404


def test_people_change_only_tasks_they_work_on(
    client: FlaskClient, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    in_a, in_b = new_person("a@emploi.example.org"), new_person("b@emploi.example.org")
    plan_a = start(dummy_lead, "Plan A", {"employment_service": [in_a]})
    start(dummy_lead, "Plan B", {"employment_service": [in_b]})
    session().commit()
    data_a = task(plan_a, "employment-data")

    page = text(sign_in(client, in_b).get(URL))
    assert data_a.id not in row_ids(page, "task") and "Plan A" not in page
    assert change(client, data_a, "done").status_code == 404, "a partner of plan B is told nothing of plan A"
    chamber = person(CHAMBER)
    assert change(sign_in(client, chamber), data_a, "done").status_code == 403, "another role of the same plan"
    assert fresh(data_a).status is TaskStatus.TODO


def test_every_role_gets_its_own_list(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    overseer = new_person("comite@prefecture.example.org", PersonRole.COMMITTEE)
    plan = start(dummy_lead, "Plan", {"lead": [dummy_lead], "steering_committee": [overseer]})
    in_english(admin, dummy_lead, person(EMPLOYMENT))
    clock.set(AFTER_CHRISTMAS)
    session().commit()

    lead_page = text(sign_in(client, dummy_lead).get(URL))
    inventory = task(plan, "inventory-existing-studies")
    assert row_ids(section(lead_page, "overdue-title"), "task") == [inventory.id]
    assert buttons(lead_page, inventory) == ["in_progress", "done", "blocked"], "no skip in one click, even for leads"
    partner_page = text(sign_in(client, person(EMPLOYMENT)).get(URL))
    assert row_ids(section(partner_page, "soon-title"), "task") == [task(plan, "employment-data").id]
    for nobody in (admin, overseer):
        page = text(sign_in(client, nobody).get(URL))
        assert "You have no task to do." in page and row_ids(page, "task") == []

    assert change(sign_in(client, dummy_lead), inventory, "done").status_code == 302
    assert fresh(inventory).status is TaskStatus.DONE


def _open_rows(client: FlaskClient) -> list[int]:
    """The ids of the tasks the open lists (overdue, due soon, later) show."""
    page = text(client.get(URL))
    return [
        task_id
        for title in ("overdue-title", "soon-title", "later-title")
        if f'aria-labelledby="{title}"' in page
        for task_id in row_ids(section(page, title), "task")
    ]


def test_the_open_lists_follow_the_stages_as_they_wait_reopen_close_and_open(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    """The lists read the tasks' copy of their stage's status (kept by the database's triggers): it must follow
    every change the services make, in the same transaction as the change."""
    overseer = new_person("comite@prefecture.example.org", PersonRole.COMMITTEE)
    plan = start(dummy_lead, "Plan Dreux", {"lead": [dummy_lead], "steering_committee": [overseer]})
    clock.set(AFTER_CHRISTMAS)
    session().commit()
    inventory, diagnosis, design, evaluation = (
        task(plan, key) for key in ("inventory-existing-studies", "shared-diagnosis", "design-pilot", "evaluate-pilot")
    )
    observe = session().scalar(
        sa.select(PlanStage).where(PlanStage.plan_id == plan.id, PlanStage.stage_key == "observe")
    )
    assert observe is not None
    sign_in(client, dummy_lead)
    assert sorted(_open_rows(client)) == sorted([inventory.id, diagnosis.id]), "the experiment stage is not open yet"

    finish_first_stage(plan)  # the observe stage waits for its committee
    session().commit()
    assert _open_rows(client) == []

    decide_gate(overseer, observe.id, Decision.REWORK, reopen=["shared-diagnosis"])
    session().commit()
    assert _open_rows(client) == [diagnosis.id], "the stage is open again with the task reopened"

    finish(plan, "shared-diagnosis")
    decide_gate(overseer, observe.id, Decision.APPROVE)
    session().commit()
    assert sorted(_open_rows(client)) == sorted([design.id, evaluation.id]), "the next stage opened"


def test_my_tasks_costs_the_same_queries_with_10_and_200_plans(
    app: Flask, client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    app.config["PAGE_SIZE"] = 500  # every task on the page, so a per-row query would show
    started = time.perf_counter()
    _add_plans(dummy_lead, 0, 10)
    clock.set(AFTER_CHRISTMAS)
    reader = person(LEAD_ROLE)
    small = _count(client, reader)
    _add_plans(dummy_lead, 10, 200)
    large = _count(client, reader)
    assert large == small and small >= 4
    page = text(sign_in(client, reader).get(URL))
    assert len(row_ids(section(page, "overdue-title"), "task")) == 100
    assert len(row_ids(section(page, "later-title"), "task")) == 200
    assert len(row_ids(section(page, "finished-title"), "task")) == 100
    app.config["PAGE_SIZE"] = 25
    assert _count(client, reader) == small, "paged, the same statements"
    assert time.perf_counter() - started < 120


def test_each_list_is_paged_with_its_count_and_keeps_the_other_lists_pages(
    app: Flask, client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    app.config["PAGE_SIZE"] = 20
    _add_plans(dummy_lead, 0, 50)
    clock.set(AFTER_CHRISTMAS)
    reader = person(LEAD_ROLE)
    in_english(reader)
    session().commit()
    sign_in(client, reader)
    first = text(client.get(URL))
    overdue = section(first, "overdue-title")
    first_ids = row_ids(overdue, "task")
    assert len(first_ids) == 20 and "(25)" in overdue and "1–20 of 25" in overdue
    later = section(first, "later-title")
    assert len(row_ids(later, "task")) == 20 and "1–20 of 50" in later
    assert 'href="/my-tasks?later_page=2#later-title"' in later

    second = text(client.get(URL + "?overdue_page=2&later_page=3"))
    overdue = section(second, "overdue-title")
    assert len(row_ids(overdue, "task")) == 5 and "21–25 of 25" in overdue
    assert not set(row_ids(overdue, "task")) & set(first_ids), "the next rows, none again"
    later = section(second, "later-title")
    assert "41–50 of 50" in later and len(row_ids(later, "task")) == 10
    previous = re.search(r'<a rel="prev" href="(/my-tasks\?[^"]*)"', later)
    assert previous and "later_page=2" in previous.group(1), later
    assert "overdue_page=2" in previous.group(1), "the other list keeps its page"
    every = set()
    for number in (1, 2):
        every |= set(row_ids(section(text(client.get(f"{URL}?overdue_page={number}")), "overdue-title"), "task"))
    assert len(every) == 25, "two pages show every overdue task once"

    assert client.get(f"{URL}?overdue_page=%00").status_code == 400, "a NUL byte is refused, as everywhere"
    for hostile in ("99999999999999999999", "-3", "abc", "10" * 30, "2%0D%0A", "1e9"):
        response = client.get(f"{URL}?overdue_page={hostile}&finished_page={hostile}")
        assert response.status_code == 200, hostile
        shown = row_ids(section(text(response), "overdue-title"), "task")
        assert shown and set(shown) <= every, hostile


def _add_plans(lead: Person, first: int, end: int) -> None:
    """Plans numbered ``first`` to ``end - 1``; in the even ones the inventory was done (rows set in bulk)."""
    plans: list[Plan] = [start(lead, f"Plan {number:03}") for number in range(first, end)]
    done = [plan.id for number, plan in zip(range(first, end), plans, strict=True) if number % 2 == 0]
    session().execute(
        sa.update(Task)
        .where(Task.plan_id.in_(done), Task.task_key == "inventory-existing-studies")
        .values(status=TaskStatus.DONE, completed_dt=datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    )
    session().commit()


def _count(client: FlaskClient, reader: Person) -> int:
    sign_in(client, reader)
    assert client.get(URL).status_code == 200  # warm-up: the signed-in person is cached after it
    session().expire_all()
    with count_queries() as statements:
        assert client.get(URL).status_code == 200
    return len(statements)
