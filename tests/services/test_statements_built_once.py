"""Statements built once per process (the pages' hottest reads): each reader still reads their own rows.

The dashboard, "my tasks" and the delay lists build their statements once, with the reader's id, the days
and the pages as bound parameters, and reuse them for every reader. These tests read the same lists for two
leads one after the other, so that the second reads through the statement built for the first, and check
that a statement executed without its reader fails instead of answering for someone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Person, PersonRole, Plan
from gpect_workflow.services import access
from gpect_workflow.services import dashboard as dashboard_service
from gpect_workflow.services.context import session
from gpect_workflow.services.dashboard import dashboard
from gpect_workflow.services.partners.organisations import ensure_territory
from gpect_workflow.services.plans.listing import plan_list_choices
from gpect_workflow.services.plans.starting import PlanRequest, start_plan
from gpect_workflow.services.tasks import mine
from gpect_workflow.services.tasks.delay_requests import ask_for_delay, pending_for_manager
from gpect_workflow.services.tasks.mine import my_tasks
from tests.factories import task
from tests.plan_helpers import map_every_role, start_five_levers_plan


@pytest.fixture
def two_leads(definitions: None, create_user: object) -> tuple[tuple[Person, Plan], tuple[Person, Plan]]:
    """Two leads with a plan each; the first lead also holds a task of their own plan."""
    first = create_user("first-lead@example.org", PersonRole.LEAD, name="Première")  # type: ignore[operator]
    second = create_user("second-lead@example.org", PersonRole.LEAD, name="Seconde")  # type: ignore[operator]
    first_plan = start_five_levers_plan(first, date(2026, 12, 1), name="Plan de la première")
    second_plan = start_five_levers_plan(second, date(2026, 12, 1), name="Plan de la seconde")
    task(first_plan, "employment-data").assignee_id = first.id
    session().commit()
    return (first, first_plan), (second, second_plan)


def test_each_lead_reads_their_own_plans_and_tasks_through_the_same_statements(
    two_leads: tuple[tuple[Person, Plan], tuple[Person, Plan]],
) -> None:
    (first, first_plan), (second, second_plan) = two_leads
    dashboard_service._plans_statement.cache_clear()
    mine._open_paged.cache_clear()

    first_board, first_tasks = dashboard(first), my_tasks(first)
    second_board, second_tasks = dashboard(second), my_tasks(second)

    assert [item.plan.id for item in first_board.plans] == [first_plan.id]
    assert [item.plan.id for item in second_board.plans] == [second_plan.id]
    first_open = [item.task.id for item in first_tasks.overdue.items + first_tasks.due_soon.items]
    first_open += [item.task.id for item in first_tasks.later.items]
    assert first_open == [task(first_plan, "employment-data").id]
    assert second_tasks.is_empty
    # The second lead's lists were read through the statements built for the first.
    assert dashboard_service._plans_statement.cache_info().hits >= 1
    assert mine._open_paged.cache_info().hits >= 1


def test_a_statement_built_once_refuses_to_run_without_its_reader(
    two_leads: tuple[tuple[Person, Plan], tuple[Person, Plan]],
) -> None:
    """No default reader: a caller that forgot the reader's id gets an error, not someone's plans."""
    (first, _), _ = two_leads
    dashboard(first)
    with pytest.raises(sa.exc.StatementError, match="gpect_person_id"):
        session().execute(dashboard_service._plans_statement(False, dashboard_service.DASHBOARD_LIMIT))


def test_each_lead_answers_the_delay_requests_of_their_own_plans(
    two_leads: tuple[tuple[Person, Plan], tuple[Person, Plan]],
) -> None:
    (first, _), (second, second_plan) = two_leads
    asked = task(second_plan, "employment-data")
    asker = session().get(Person, asked.assignee_id)
    assert asker is not None
    ask_for_delay(asker, asked.id, date(2027, 1, 20), "Les données arrivent en janvier.")
    session().commit()

    assert pending_for_manager(first).total == 0  # builds the statement
    found = pending_for_manager(second)
    assert [item.task.id for item in found.items] == [asked.id]
    assert found.total == 1


def test_the_territory_filter_offers_the_territories_of_the_plans_each_reader_sees(
    definitions: None, create_user: Any
) -> None:
    """Asked of each territory through one statement per kind of reader: a lead is offered their plans'
    territories only, an administrator every territory holding a plan, a territory without one is left out."""
    first = create_user("first-lead@example.org", PersonRole.LEAD, name="Première")
    second = create_user("second-lead@example.org", PersonRole.LEAD, name="Seconde")
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    indre = ensure_territory("indre", "Indre", "36", "Centre-Val de Loire")
    ensure_territory("cher", "Cher", "18", "Centre-Val de Loire")  # no plan there
    start_five_levers_plan(first, date(2026, 12, 1), name="Plan chartrain")
    roles = map_every_role("gpect-five-levers", 1, indre.id)
    request = PlanRequest("Plan de l'Indre", "gpect-five-levers", 1, indre.id, second.id, date(2026, 12, 1), roles)
    start_plan(second, request)
    session().commit()

    assert [t.name for t in plan_list_choices(first).territories] == ["Agglomération chartraine"]
    assert [t.name for t in plan_list_choices(second).territories] == ["Indre"]
    assert [t.name for t in plan_list_choices(admin).territories] == ["Agglomération chartraine", "Indre"]


def test_today_is_each_plan_s_own_even_through_one_statement_and_a_stored_zone_the_rule_refuses(
    definitions: None, create_user: Any, clock: FrozenClock
) -> None:
    """The days of the zones are parameters of the statement built once: each plan's task is judged by its
    own plan's today. At noon UTC on 10 December it is already 11 December in Kiritimati (UTC+14), so the
    same deadline is overdue there and due today in Paris; a plan whose stored zone the rule refuses (an old
    row) is read in the default zone, Paris, and harms nobody's list."""
    lead = create_user("lead-zones@example.org", PersonRole.LEAD, name="Léa")
    paris = start_five_levers_plan(lead, date(2026, 12, 1), name="Plan parisien")
    kiritimati = start_five_levers_plan(
        lead, date(2026, 12, 1), name="Plan du Pacifique", timezone="Pacific/Kiritimati"
    )
    elsewhere = start_five_levers_plan(lead, date(2026, 12, 1), name="Plan d'ailleurs")
    for plan in (paris, kiritimati, elsewhere):
        mine_now = task(plan, "employment-data")
        mine_now.assignee_id, mine_now.due_date = lead.id, date(2026, 12, 10)
    session().flush()
    session().execute(sa.update(Plan).where(Plan.id == elsewhere.id).values(timezone="Mars/Olympus_Mons"))
    session().commit()
    clock.set(datetime(2026, 12, 10, 12, 0, tzinfo=UTC))

    found = my_tasks(lead)
    board = dashboard(lead)

    expected_overdue = [task(kiritimati, "employment-data").id]
    expected_soon = {task(paris, "employment-data").id, task(elsewhere, "employment-data").id}
    assert [item.task.id for item in found.overdue.items] == expected_overdue
    assert {item.task.id for item in found.due_soon.items} == expected_soon
    assert [item.task.id for item in board.overdue.items] == expected_overdue
    assert {item.task.id for item in board.due_soon.items} == expected_soon


def test_the_plan_row_check_sees_the_plans_the_visible_set_holds(
    two_leads: tuple[tuple[Person, Plan], tuple[Person, Plan]], create_user: Any
) -> None:
    """``access.plan_row_visible_to`` (checked on each task's plan row, for "my tasks") and ``plans_visible_to``
    (the set the plans list starts from) name the same plans for everyone: leads, the people of the plans'
    roles, someone of no plan, and an administrator."""
    (first, _), _ = two_leads
    outsider = create_user("nobody@example.org", PersonRole.PARTNER, name="Personne")
    third = start_five_levers_plan(first, date(2026, 12, 1), name="Plan mené par la première")
    third.lead_id = create_user("third-lead@example.org", PersonRole.LEAD, name="Troisième").id
    session().commit()  # the first lead now leads one plan and takes part in another only through its roles
    people = set(session().scalars(sa.select(Person.id)))
    assert outsider.id in people and len(people) > 4
    for person_id in people:
        for admin in (False, True):
            by_row = set(
                session().scalars(sa.select(Plan.id).where(access.plan_row_visible_to(person_id, admin=admin)))
            )
            by_set = set(
                session().scalars(
                    sa.select(Plan.id).where(Plan.id.in_(access.plans_visible_to(person_id, admin=admin)))
                )
            )
            assert by_row == by_set, (person_id, admin)
    members = set(session().execute(sa.text("SELECT person_id, plan_id FROM gpect_role_assignment_members")))
    leads = set(session().execute(sa.select(Plan.lead_id, Plan.id)))
    assert members - leads and leads - members, "some plans are seen through a role only, some by leading only"
