"""Starting a plan: roles mapped, schedule computed in the plan's calendar, first stage opened."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.errors import PermissionDenied, ValidationError
from gpect_workflow.models import (
    Event,
    Indicator,
    Person,
    PersonRole,
    PlanStatus,
    RoleAssignment,
    StageStatus,
    Task,
    TaskDependency,
    TaskStatus,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition
from gpect_workflow.services.plans.listing import PlanFilters, list_plans
from gpect_workflow.services.plans.starting import PlanRequest
from tests.conftest import START
from tests.plan_helpers import map_every_role, start_five_levers_plan
from tests.query_count import count_queries
from tests.refusing import field_words


@pytest.fixture(autouse=True)
def _registered(definitions: None) -> None:
    """Every test here needs the shipped definitions."""


def test_plan_starts_with_first_stage_open_and_due_dates(dummy_lead: Person) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 12, 14))
    session().commit()
    assert plan.status is PlanStatus.ACTIVE and plan.current_stage_key == "observe"
    statuses = [(s.stage_key, s.status) for s in plan.stages]
    assert statuses[0] == ("observe", StageStatus.OPEN)
    assert {status for _, status in statuses[1:]} == {StageStatus.PENDING}
    assert plan.stages[0].opened_dt == START
    assert [(s.planned_start_date, s.planned_end_date) for s in plan.stages[:2]] == [
        (date(2026, 12, 14), date(2027, 3, 14)),
        (date(2027, 3, 14), date(2027, 7, 12)),
    ]
    due = {t.task_key: t.due_date for t in session().scalars(sa.select(Task).where(Task.plan_id == plan.id))}
    # 15 working days from Monday 14 December 2026 skip two weekends and Christmas and New Year's Day.
    assert due["inventory-existing-studies"] == date(2027, 1, 6)
    assert due["employment-data"] == date(2027, 1, 13)


def test_tasks_dependencies_roles_indicators_and_journal(dummy_lead: Person) -> None:
    plan = start_five_levers_plan(dummy_lead)
    session().commit()
    tasks = session().scalars(sa.select(Task).where(Task.plan_id == plan.id)).all()
    assert len(tasks) == 15 and {t.status for t in tasks} == {TaskStatus.TODO}
    assert all(t.assignee_id is not None for t in tasks)
    by_key = {t.task_key: t for t in tasks}
    assert by_key["business-survey"].weight == 3 and not by_key["company-feedback"].is_required
    dependencies = session().execute(sa.select(TaskDependency.task_id, TaskDependency.depends_on_id)).all()
    assert (by_key["shared-diagnosis"].id, by_key["business-survey"].id) in dependencies
    expected = sum(len(task.depends_on) for task in get_definition("gpect-five-levers", 1).tasks())
    assert len(dependencies) == expected == 13
    roles = session().scalars(sa.select(RoleAssignment.role_key).where(RoleAssignment.plan_id == plan.id)).all()
    assert "steering_committee" in roles
    indicators = session().scalars(sa.select(Indicator).where(Indicator.plan_id == plan.id)).all()
    assert {(i.key, i.target) for i in indicators} == {("partners-involved", 8), ("companies-surveyed", 50)}
    kinds = session().scalars(sa.select(Event.kind).where(Event.plan_id == plan.id).order_by(Event.id)).all()
    assert kinds == ["plan_created", "stage_entered"]


def test_missing_roles_are_all_listed(dummy_lead: Person) -> None:
    territory_id = dummy_lead.organisation.territory_id  # type: ignore[union-attr]
    roles = map_every_role("gpect-five-levers", 1, territory_id)
    for missing in ("region", "companies"):
        del roles[missing]
    request = PlanRequest("Plan", "gpect-five-levers", 1, territory_id, dummy_lead.id, date(2026, 12, 1), roles)
    from gpect_workflow.services.plans.starting import start_plan

    with pytest.raises(ValidationError) as error:
        start_plan(dummy_lead, request)
    assert field_words(error.value)["roles"] == [
        "Map these roles to an organisation and at least one person: companies, region."
    ]


def test_bad_time_zone_and_name_are_reported_together(dummy_lead: Person) -> None:
    from gpect_workflow.services.plans.starting import start_plan

    territory_id = dummy_lead.organisation.territory_id  # type: ignore[union-attr]
    roles = map_every_role("gpect-five-levers", 1, territory_id)
    request = PlanRequest(
        " ", "gpect-five-levers", 1, territory_id, dummy_lead.id, date(2026, 12, 1), roles, "Mars/Olympus"
    )
    with pytest.raises(ValidationError) as error:
        start_plan(dummy_lead, request)
    assert set(error.value.fields) == {"name", "timezone"}


def test_partners_cannot_start_plans(create_user: Any, dummy_lead: Person) -> None:
    partner = create_user("partner@example.org", PersonRole.PARTNER)
    with pytest.raises(PermissionDenied):
        start_five_levers_plan(partner)


def test_overview_pages(app: Flask, dummy_lead: Person) -> None:
    for number in range(3):
        start_five_levers_plan(dummy_lead, name=f"Plan {number}")
    session().commit()
    first = list_plans(dummy_lead, PlanFilters(), 1, per_page=2)
    assert (first.total, first.pages, [p.name for p in first.plans]) == (3, 2, ["Plan 2", "Plan 1"])
    last = list_plans(dummy_lead, PlanFilters(), first.pages, per_page=2)
    assert last.page == 2 and [p.name for p in last.plans] == ["Plan 0"]


def test_a_page_of_plans_is_chosen_and_counted_in_one_statement(app: Flask, dummy_lead: Person) -> None:
    """The page and its whole count come from one statement (a window over the plans), then the page's
    progress: two in all. A page past the end stays empty (the API answers it as asked), with the whole count,
    counted apart: it has no row to carry the count."""
    for number in range(3):
        start_five_levers_plan(dummy_lead, name=f"Plan {number}")
    session().commit()
    session().expire_all()
    assert dummy_lead.role is PersonRole.LEAD  # the reader read again before counting
    with count_queries() as statements:
        second = list_plans(dummy_lead, PlanFilters(), 2, per_page=2)
    assert len(statements) == 2, statements
    assert (second.page, second.total, [p.name for p in second.plans]) == (2, 3, ["Plan 0"])
    with count_queries() as statements:
        beyond = list_plans(dummy_lead, PlanFilters(), 5, per_page=2)
    assert (beyond.page, beyond.total, beyond.plans) == (5, 3, [])
    assert len(statements) == 2, statements  # the empty page, then its count (no progress to read)


def test_an_administrator_s_page_is_read_from_the_index_and_the_plans_counted_apart(
    app: Flask, dummy_lead: Person, create_user: Any
) -> None:
    """An administrator sees every plan: the page (newest first) and the count are two statements, then the
    page's progress; a page past the end is empty with the whole count, as for anyone."""
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    for number in range(3):
        start_five_levers_plan(dummy_lead, name=f"Plan {number}")
    session().commit()
    session().expire_all()
    assert admin.role is PersonRole.ADMIN  # the reader read again before counting
    with count_queries() as statements:
        first = list_plans(admin, PlanFilters(), 1, per_page=2)
    assert len(statements) == 3, statements
    assert (first.page, first.total, [p.name for p in first.plans]) == (1, 3, ["Plan 2", "Plan 1"])
    assert [p.name for p in list_plans(admin, PlanFilters(), 2, per_page=2).plans] == ["Plan 0"]
    beyond = list_plans(admin, PlanFilters(), 5, per_page=2)
    assert (beyond.page, beyond.total, beyond.plans) == (5, 3, [])


def test_overview_shows_only_plans_the_person_may_see(app: Flask, dummy_lead: Person, create_user: Any) -> None:
    start_five_levers_plan(dummy_lead, name="Plan de Claire")
    other_lead = create_user("autre@example.org", PersonRole.LEAD)
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    session().commit()
    assert [p.name for p in list_plans(dummy_lead, PlanFilters()).plans] == ["Plan de Claire"]
    assert list_plans(other_lead, PlanFilters()).plans == []
    assert [p.name for p in list_plans(admin, PlanFilters()).plans] == ["Plan de Claire"]
    partner = session().scalar(sa.select(Person).where(Person.email == "employment-service@partners.example.org"))
    assert [p.name for p in list_plans(partner, PlanFilters()).plans] == ["Plan de Claire"]  # type: ignore[arg-type]
