"""The dashboard at ``/``: my overdue and soon-due tasks, my plans, the gates awaiting a decision."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Person, PersonRole, Plan, PlanStage, StageStatus, Task, TaskStatus
from gpect_workflow.services.context import session
from gpect_workflow.services.dashboard import dashboard
from tests.conftest import sign_in
from tests.query_count import count_queries

from .work_helpers import (
    AFTER_CHRISTMAS,
    COMMITTEE,
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


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/"


def test_a_lead_sees_their_plans_with_stage_and_progress_and_may_start_one(
    client: FlaskClient, definitions: None, dummy_lead: Person
) -> None:
    in_english(dummy_lead)
    first = start(dummy_lead, "Cosmétique Chartres")
    second = start(dummy_lead, "Industrie Indre")
    finish(second, "inventory-existing-studies")
    session().commit()
    weights = session().execute(sa.select(Task.weight, Task.status).where(Task.plan_id == second.id)).all()
    percent = 100 * sum(w for w, status in weights if status is TaskStatus.DONE) // sum(w for w, _ in weights)
    page = text(sign_in(client, dummy_lead).get("/"))
    plans = section(page, "plans-title")
    assert "My plans" in plans and "(2)" in plans
    assert row_ids(plans, "plan") == [second.id, first.id], "newest first among active plans"
    second_row = row(plans, f"plan-{second.id}")
    assert f'href="/plans/{second.id}"' in second_row and "Industrie Indre" in second_row
    assert "Observe and analyse" in second_row and "Agglomération chartraine" in second_row
    assert percent > 0 and f'<progress max="100" value="{percent}"' in second_row
    assert 'value="0"' in row(plans, f"plan-{first.id}")
    assert 'href="/plans/new"' in page and "New plan" in page
    assert 'href="/plans"' in plans
    # The plans' lead holds none of their tasks (their lead role is someone else's): no empty task lists.
    assert 'id="overdue-title"' not in page and 'id="soon-title"' not in page
    assert "No stage of your plans is waiting" in section(page, "gates-title")


def test_my_overdue_and_soon_due_tasks_with_days_late_in_the_plans_time_zone(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    plan = start(dummy_lead, "Plan Chartres")
    lead_role, employment = person(LEAD_ROLE), person(EMPLOYMENT)
    in_english(lead_role, employment)
    session().commit()
    clock.set(AFTER_CHRISTMAS)

    page = text(sign_in(client, lead_role).get("/"))
    overdue = section(page, "overdue-title")
    inventory = task(plan, "inventory-existing-studies")
    assert row_ids(overdue, "task") == [inventory.id]
    line = row(overdue, f"task-{inventory.id}")
    assert "List existing studies and tools" in line and f'href="/tasks/{inventory.id}"' in line
    assert f'href="/plans/{plan.id}"' in line and "Plan Chartres" in line and "Observe and analyse" in line
    assert 'datetime="2026-12-22"' in line and '<span class="late days-late">6</span>' in line
    assert row_ids(section(page, "soon-title"), "task") == [], "shared diagnosis is due in February"
    assert 'href="/plans/new"' not in page, "partners do not start plans"

    page = text(sign_in(client, employment).get("/"))
    soon = section(page, "soon-title")
    data = task(plan, "employment-data")
    assert row_ids(soon, "task") == [data.id]
    assert '<td class="days-left">3</td>' in row(soon, f"task-{data.id}")
    assert row_ids(section(page, "overdue-title"), "task") == []


def test_due_dates_are_counted_in_each_plans_time_zone(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    paris = start(dummy_lead, "Plan métropole")
    noumea = start(dummy_lead, "Plan Nouméa", timezone="Pacific/Noumea")
    lead_role = person(LEAD_ROLE)
    in_english(lead_role)
    session().commit()
    paris_task, noumea_task = task(paris, "inventory-existing-studies"), task(noumea, "inventory-existing-studies")
    assert paris_task.due_date == noumea_task.due_date == date(2026, 12, 22)

    clock.set(datetime(2026, 12, 22, 13, 30, tzinfo=UTC))  # 14:30 on the 22nd in Paris, 00:30 on the 23rd in Nouméa
    page = text(sign_in(client, lead_role).get("/"))
    assert row_ids(section(page, "overdue-title"), "task") == [noumea_task.id]
    assert '<span class="late days-late">1</span>' in row(page, f"task-{noumea_task.id}")
    soon = section(page, "soon-title")
    assert row_ids(soon, "task") == [paris_task.id]
    assert '<td class="days-left">today</td>' in row(soon, f"task-{paris_task.id}")


def test_the_lists_read_only_tasks_due_by_the_latest_horizon_of_any_zone(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    """The overdue and soon-due lists read my open tasks due by the latest "today + 14 days" of any zone, not
    those due later (most of a lead's): a task due on Nouméa's last day of the horizon, a day after Paris's,
    is soon due there and later in Paris; whether I have open tasks at all is a probe of its own."""
    paris = start(dummy_lead, "Plan métropole")
    noumea = start(dummy_lead, "Plan Nouméa", timezone="Pacific/Noumea")
    for plan in (paris, noumea):
        task(plan, "inventory-existing-studies").due_date = date(2027, 1, 6)
    in_english(person(LEAD_ROLE))
    session().commit()
    clock.set(datetime(2026, 12, 22, 13, 30, tzinfo=UTC))  # the 22nd in Paris (horizon 5 January), the 23rd in Nouméa

    sign_in(client, person(LEAD_ROLE))
    with count_queries() as statements:
        page = text(client.get("/"))
    assert row_ids(section(page, "soon-title"), "task") == [task(noumea, "inventory-existing-studies").id]
    assert row_ids(section(page, "overdue-title"), "task") == []
    listing = [statement for statement in statements if "row_number() OVER" in statement and "gpect_tasks" in statement]
    assert len(listing) == 1 and re.search(r"gpect_tasks\.due_date <= (\?|%\(gpect_bound\)s)", listing[0]), listing

    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))  # nothing due within 14 days: the sections still show
    page = text(client.get("/"))
    assert "overdue-title" in page and row_ids(section(page, "soon-title"), "task") == []


def test_unassigned_tasks_belong_to_every_member_of_their_role(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    first, second = new_person("first@emploi.example.org"), new_person("second@emploi.example.org")
    plan = start(dummy_lead, "Plan partagé", {"employment_service": [first, second]})
    clock.set(AFTER_CHRISTMAS)
    data = task(plan, "employment-data")
    assert data.assignee_id == first.id
    session().commit()
    assert data.id in row_ids(text(sign_in(client, first).get("/")), "task")
    assert row_ids(text(sign_in(client, second).get("/")), "task") == [], "assigned to someone else of the role"

    data.assignee_id = None
    session().commit()
    assert data.id in row_ids(text(sign_in(client, first).get("/")), "task")
    assert data.id in row_ids(text(sign_in(client, second).get("/")), "task")
    # The usual employment-service contact, not in this plan's role, holds no task: no (empty) task lists at all.
    assert 'id="soon-title"' not in text(sign_in(client, person(EMPLOYMENT)).get("/"))
    # A month ahead, nothing is due within 14 days: the unassigned task, left to the role, still makes the
    # task sections show (empty) for its other member, who is assigned nothing.
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    page = text(sign_in(client, second).get("/"))
    assert 'id="overdue-title"' in page and row_ids(page, "task") == []


def test_gates_awaiting_a_decision_are_flagged_for_those_who_decide(
    client: FlaskClient, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    overseer = new_person("comite@prefecture.example.org", PersonRole.COMMITTEE)
    waiting = start(dummy_lead, "Plan en validation", {"steering_committee": [overseer]})
    other = start(dummy_lead, "Plan voisin", {"employment_service": [new_person("autre@emploi.example.org")]})
    finish_first_stage(waiting)
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    in_english(admin, dummy_lead, person(EMPLOYMENT))
    session().commit()
    stage = session().scalar(sa.select(PlanStage).where(PlanStage.plan_id == waiting.id, PlanStage.position == 0))
    assert stage is not None and stage.status is StageStatus.AWAITING_DECISION

    for decider in (overseer, admin):
        page = text(sign_in(client, decider).get("/"))
        mine = section(page, "decide-title")
        assert row_ids(mine, "gate") == [stage.id] and row_ids(section(page, "gates-title"), "gate") == []
        line = row(mine, f"gate-{stage.id}")
        assert "Yours to decide" in line and "Plan en validation" in line and "Observe and analyse" in line
        assert f'href="/stages/{stage.id}/review"' in line
    for onlooker in (dummy_lead, person(EMPLOYMENT)):
        page = text(sign_in(client, onlooker).get("/"))
        gates = section(page, "gates-title")
        assert row_ids(gates, "gate") == [stage.id] and 'aria-labelledby="decide-title"' not in page
        assert "Yours to decide" not in gates and "Waiting for the steering committee" in gates
    outsider = session().scalar(sa.select(Person).where(Person.email == "autre@emploi.example.org"))
    page = text(sign_in(client, outsider).get("/"))  # type: ignore[arg-type]
    assert row_ids(section(page, "gates-title"), "gate") == []
    assert row_ids(section(page, "plans-title"), "plan") == [other.id]

    overseer_page = text(sign_in(client, overseer).get("/"))
    plans = section(overseer_page, "plans-title")
    assert row_ids(plans, "plan") == [waiting.id], "a committee member sees the plans they oversee"
    assert "awaiting the committee" in row(plans, f"plan-{waiting.id}")
    # The committee member's dashboard starts with the decision awaiting them, the stage linked to its review,
    # and shows no task list: they hold no task.
    sections = re.findall(r'<section class="board-section" aria-labelledby="([^"]+)"', overseer_page)
    assert sections == ["decide-title", "gates-title", "plans-title"]
    assert f'<a href="/stages/{stage.id}/review">Observe and analyse</a>' in row(
        section(overseer_page, "decide-title"), f"gate-{stage.id}"
    )


def test_gates_awaiting_my_decision_come_first_in_a_section_of_their_own(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    """A member who sits on one plan's committee and is a partner in another: the gate they decide leads the
    page, before their late tasks; the other plan's gate waits below, for its own committee."""
    member = new_person("elu@agglo.example.org", PersonRole.COMMITTEE)
    theirs = start(dummy_lead, "Plan du comité", {"steering_committee": [member]})
    elsewhere = start(dummy_lead, "Plan partenaire", {"employment_service": [member]})
    finish_first_stage(theirs)
    finish(elsewhere, "inventory-existing-studies", "business-survey")
    clock.set(AFTER_CHRISTMAS + timedelta(days=30))  # the member's employment data is late in the other plan
    session().commit()
    page = text(sign_in(client, member).get("/"))
    mine, late, others = (section(page, title) for title in ("decide-title", "overdue-title", "gates-title"))
    stage = session().scalar(sa.select(PlanStage).where(PlanStage.plan_id == theirs.id, PlanStage.position == 0))
    assert stage is not None
    assert row_ids(mine, "gate") == [stage.id] and "Plan du comité" in mine and "Yours to decide" in mine
    assert row_ids(late, "task") == [task(elsewhere, "employment-data").id]
    assert row_ids(others, "gate") == [] and "No other stage of your plans is waiting" in others
    order = [page.index(f'aria-labelledby="{title}"') for title in ("decide-title", "overdue-title", "gates-title")]
    assert order == sorted(order), "the gates awaiting my decision come before my tasks"

    finish(elsewhere, "employment-data", "shared-diagnosis")  # the other plan waits for its own committee
    session().commit()
    page = text(sign_in(client, member).get("/"))
    other_stage = session().scalar(
        sa.select(PlanStage.id).where(PlanStage.plan_id == elsewhere.id, PlanStage.position == 0)
    )
    assert row_ids(section(page, "decide-title"), "gate") == [stage.id]
    assert row_ids(section(page, "gates-title"), "gate") == [other_stage]
    assert "Waiting for the steering committee" in row(section(page, "gates-title"), f"gate-{other_stage}")


def test_a_partner_sees_only_the_plans_they_take_part_in_and_admins_see_all(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    in_a, in_b = new_person("a@emploi.example.org"), new_person("b@emploi.example.org")
    plan_a = start(dummy_lead, "Plan A", {"employment_service": [in_a]})
    plan_b = start(dummy_lead, "Plan B", {"employment_service": [in_b]})
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    other_lead = create_user("autre.chef@example.org", PersonRole.LEAD, name="Autre chef")
    clock.set(AFTER_CHRISTMAS)
    session().commit()

    page = text(sign_in(client, in_a).get("/"))
    assert row_ids(section(page, "plans-title"), "plan") == [plan_a.id]
    assert row_ids(section(page, "soon-title"), "task") == [task(plan_a, "employment-data").id]
    assert "Plan B" not in page
    page = text(sign_in(client, in_b).get("/"))
    assert row_ids(section(page, "plans-title"), "plan") == [plan_b.id] and "Plan A" not in page
    assert set(row_ids(section(text(sign_in(client, admin).get("/")), "plans-title"), "plan")) == {
        plan_a.id,
        plan_b.id,
    }
    assert row_ids(section(text(sign_in(client, other_lead).get("/")), "plans-title"), "plan") == []


def test_an_administrator_s_plans_come_in_the_same_order_as_a_lead_s(
    client: FlaskClient, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    """An administrator's plans (each status's newest read from the index, every plan counted apart) come in the
    dashboard's order, active first, then on hold, scheduled, draft, completed and cancelled, each the newest
    first: the same as for the lead of every plan (the plans they see, sorted and counted by a window)."""
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    plans = [start(dummy_lead, f"Plan {number:02}") for number in range(14)]
    statuses = ["active", "on_hold", "scheduled", "draft", "completed", "cancelled", "on_hold"] * 2
    for number, (plan, status) in enumerate(zip(plans, statuses, strict=True)):
        session().execute(
            sa.update(Plan)
            .where(Plan.id == plan.id)
            .values(status=status, created_dt=datetime(2026, 11, 1, tzinfo=UTC) + timedelta(hours=number % 5))
        )
    session().commit()
    for limit in (1, 3, 10, 20):
        as_admin, as_lead = dashboard(admin, limit), dashboard(dummy_lead, limit)
        assert [item.plan.id for item in as_admin.plans] == [item.plan.id for item in as_lead.plans], limit
        assert as_admin.plans_total == as_lead.plans_total == 14
    first = [item.plan.status.value for item in dashboard(admin, 20).plans]
    assert (
        first
        == ["active"] * 2
        + ["on_hold"] * 4
        + ["scheduled", "scheduled", "draft", "draft"]
        + ["completed"] * 2
        + ["cancelled"] * 2
    )


def test_empty_dashboards_say_what_to_do(client: FlaskClient, dummy_lead: Person) -> None:
    partner = new_person("nouveau@example.org")
    in_english(dummy_lead)
    session().commit()
    lead_page = text(sign_in(client, dummy_lead).get("/"))
    assert "You have no action plan yet." in lead_page and "Start a plan" in lead_page
    assert 'href="/plans/new"' in lead_page
    partner_page = text(sign_in(client, partner).get("/"))
    assert "A project lead adds you when mapping the roles of a plan." in partner_page
    assert 'href="/plans/new"' not in partner_page
    # No task yet: no empty task lists, the menu still leads to "My tasks".
    assert 'id="overdue-title"' not in partner_page and "Nothing of yours falls due" not in partner_page
    assert 'href="/my-tasks"' in partner_page


def test_the_dashboard_costs_the_same_queries_with_10_and_200_plans(
    app: Flask, client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    """Every section grows with the plans (tasks, plans, gates); the query count does not."""
    app.config["PAGE_SIZE"] = 500  # every plan and gate on the page, so a per-row query would show
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    started = time.perf_counter()
    _add_plans(dummy_lead, 0, 10)
    readers = (admin, dummy_lead, person(LEAD_ROLE), person(COMMITTEE))
    clock.set(AFTER_CHRISTMAS)
    small = {reader.email: _count(client, reader) for reader in readers}
    _add_plans(dummy_lead, 10, 200)
    large = {reader.email: _count(client, reader) for reader in readers}
    assert large == small and min(small.values()) >= 6
    page = text(sign_in(client, person(COMMITTEE)).get("/"))
    assert len(row_ids(section(page, "decide-title"), "gate")) == 100, "half the plans wait at their gate"
    assert page.count('class="badge badge-decide"') == 100 and len(row_ids(section(page, "plans-title"), "plan")) == 200
    lead_role = text(sign_in(client, person(LEAD_ROLE)).get("/"))
    assert len(row_ids(section(lead_role, "overdue-title"), "task")) == 100, "the other half has a late inventory"
    app.config["PAGE_SIZE"] = 10
    bounded = {reader.email: _count(client, reader) for reader in readers}
    assert bounded == small, "the first rows of each section, the same statements"
    overdue = section(text(sign_in(client, person(LEAD_ROLE)).get("/")), "overdue-title")
    assert len(row_ids(overdue, "task")) == 10 and "(100)" in overdue
    assert 'href="/my-tasks#overdue-title"' in overdue and "(100)</a>" in overdue, "see all, with the count"
    committee = text(sign_in(client, person(COMMITTEE)).get("/"))
    deciding, plans = section(committee, "decide-title"), section(committee, "plans-title")
    assert len(row_ids(deciding, "gate")) == 10 and "(100)" in deciding, "the gates shown, and their whole count"
    assert "10 validations affichées sur 100" in deciding
    assert len(row_ids(plans, "plan")) == 10 and "(200)" in plans, "the plans shown, and their whole count"
    assert time.perf_counter() - started < 120


def _add_plans(lead: Person, first: int, end: int) -> None:
    """Plans numbered ``first`` to ``end - 1``; the even ones wait at their first gate (rows set in bulk)."""
    plans = [start(lead, f"Plan {number:03}") for number in range(first, end)]
    waiting = [plan.id for number, plan in zip(range(first, end), plans, strict=True) if number % 2 == 0]
    session().execute(
        sa.update(PlanStage)
        .where(PlanStage.plan_id.in_(waiting), PlanStage.position == 0)
        .values(status=StageStatus.AWAITING_DECISION)
    )
    first_stages = sa.select(PlanStage.id).where(PlanStage.plan_id.in_(waiting), PlanStage.position == 0)
    session().execute(
        sa.update(Task)
        .where(Task.stage_id.in_(first_stages))
        .values(status=TaskStatus.DONE, completed_dt=datetime(2026, 12, 20, tzinfo=UTC))
    )
    session().commit()


def _statements(client: FlaskClient, reader: Person) -> list[str]:
    sign_in(client, reader)
    assert client.get("/").status_code == 200  # warm-up: the signed-in person is cached after it
    session().expire_all()
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    return list(statements)


def _count(client: FlaskClient, reader: Person) -> int:
    return len(_statements(client, reader))


def test_the_dashboard_costs_the_same_queries_whether_or_not_a_task_is_due_soon(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    """Whether the task sections show is always asked, so a person with nothing due soon reads no fewer or
    more statements than one with tasks overdue."""
    start(dummy_lead, "Plan 000")
    session().commit()
    reader = person(LEAD_ROLE)
    quiet = _count(client, reader)
    assert "overdue-title" in text(client.get("/")), "open tasks, none due soon: the sections show, empty"
    clock.set(AFTER_CHRISTMAS)
    busy = _count(client, reader)
    page = text(client.get("/"))
    due = row_ids(section(page, "overdue-title"), "task") + row_ids(section(page, "soon-title"), "task")
    assert due, "now tasks are late or due within 14 days"
    assert quiet == busy


def test_whether_the_reader_has_open_tasks_is_asked_by_the_statement_of_their_plans(
    client: FlaskClient, clock: FrozenClock, definitions: None, dummy_lead: Person
) -> None:
    """The probe deciding whether the task sections show rides with the dashboard's plans (any open task of
    the reader's belongs to a plan they see): no statement of its own, for a reader with tasks, one whose
    tasks are all done, and one who sees no plan."""
    plan = start(dummy_lead, "Plan 000")
    session().commit()
    partner, stranger = person(EMPLOYMENT), new_person("stranger@example.org", PersonRole.PARTNER)
    session().commit()
    for reader, shows in ((partner, True), (stranger, False)):
        statements = _statements(client, reader)
        carriers = [statement for statement in statements if "AS has_open_work" in statement]
        assert len(carriers) == 1 and "gpect_plans.current_stage_key" in carriers[0], "with the plans"
        assert not [statement for statement in statements if statement.lstrip().startswith("SELECT (EXISTS")]
        assert ('id="overdue-title"' in text(client.get("/"))) is shows
    session().execute(
        sa.update(Task)
        .where(Task.plan_id == plan.id)
        .values(status=TaskStatus.DONE, completed_dt=datetime(2026, 12, 1, tzinfo=UTC))
    )
    session().commit()
    page = text(sign_in(client, partner).get("/"))
    assert 'id="overdue-title"' not in page and f'id="plan-{plan.id}"' in page, "their plan, no open task"


def test_both_lists_of_gates_come_from_one_statement_each_with_its_first_rows_and_whole_count(
    app: Flask, client: FlaskClient, definitions: None, dummy_lead: Person
) -> None:
    """A member who sits on twelve plans' committee and takes part in eleven others, every plan waiting at its
    first gate: each list shows its ten oldest gates and its own count, read together in one statement."""
    app.config["PAGE_SIZE"] = 10
    member = new_person("elue@region.example.org", PersonRole.COMMITTEE)
    theirs = [start(dummy_lead, f"Comité {number:02}", {"steering_committee": [member]}) for number in range(12)]
    others = [start(dummy_lead, f"Partenaire {number:02}", {"employment_service": [member]}) for number in range(11)]
    first_stages = {
        plan_id: stage_id
        for plan_id, stage_id in session().execute(
            sa.select(PlanStage.plan_id, PlanStage.id).where(
                PlanStage.plan_id.in_([plan.id for plan in theirs + others]), PlanStage.position == 0
            )
        )
    }
    session().execute(
        sa.update(PlanStage)
        .where(PlanStage.id.in_(list(first_stages.values())))
        .values(status=StageStatus.AWAITING_DECISION)
    )
    session().commit()

    sign_in(client, member)
    assert client.get("/").status_code == 200
    session().expire_all()
    with count_queries() as statements:
        page = text(client.get("/"))
    reading_gates = [
        statement for statement in statements if "ORDER BY gpect_plan_stages.planned_end_date" in statement
    ]
    assert len(reading_gates) == 1, reading_gates

    deciding, waiting = section(page, "decide-title"), section(page, "gates-title")
    assert row_ids(deciding, "gate") == [first_stages[plan.id] for plan in theirs[:10]]
    assert row_ids(waiting, "gate") == [first_stages[plan.id] for plan in others[:10]]
    assert "(12)" in deciding and "(11)" in waiting
    assert "10 of 12 gates shown" in deciding and "10 of 11 gates shown" in waiting
