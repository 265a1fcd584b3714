"""A plan of the generic definition with everyone the plan and task pages serve, and page helpers.

Dates: the clock starts on Monday 30 November 2026 (Paris); the plan starts on 1 December 2026 and its
first stage ("Observe and analyse") is open with ``inventory-existing-studies`` (lead, due 22 Dec),
``employment-data`` (employment_service, 31 Dec), ``business-survey`` (chamber_of_commerce, 30 Jan,
after the inventory) and ``shared-diagnosis`` (lead, 19 Feb, after the two before).

Everyone reads the pages in English: the assertions read the English source strings, which hold
whether or not the French catalogue has them yet.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.models import (
    Event,
    Language,
    OrganisationKind,
    Person,
    PersonRole,
    Plan,
    RoleAssignmentMember,
    Task,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person, find_person
from gpect_workflow.services.plans.starting import PlanRequest, start_plan
from tests.conftest import post_form, sign_in
from tests.plan_helpers import map_every_role

PLAN_START = date(2026, 12, 1)


@dataclass
class Cast:
    """A running plan and the people who meet it."""

    plan: Plan
    lead: Person
    admin: Person
    #: Member of ``employment_service``: owns ``employment-data``.
    partner: Person
    #: Member of ``chamber_of_commerce``: owns ``business-survey``.
    chamber: Person
    #: Member of ``steering_committee``: sees the plan, owns none of its tasks.
    committee: Person
    #: A second member of ``employment_service``, someone to reassign to.
    colleague: Person
    #: A partner of another plan: may not see this one.
    outsider: Person
    #: Another project lead: may not see this plan either.
    other_lead: Person


def start_plan_of(
    lead: Person, key: str = "gpect-five-levers", name: str = "Plan de test", *, open_now: bool = True
) -> Plan:
    """A plan of definition ``key`` (version 1) with every role mapped, started on ``PLAN_START``: open at
    once, or scheduled for that day without ``open_now``."""
    territory_id = lead.organisation.territory_id if lead.organisation else None
    assert territory_id is not None
    roles = map_every_role(key, 1, territory_id)
    return start_plan(lead, PlanRequest(name, key, 1, territory_id, lead.id, PLAN_START, roles, open_now=open_now))


def english(email: str, role: PersonRole = PersonRole.PARTNER, name: str | None = None) -> Person:
    """A new person who reads the pages in English."""
    organisation = ensure_organisation("Organisation de test", OrganisationKind.OTHER, None)
    return create_person(email, role, name, organisation=organisation, language=Language.EN)


def mapped(email: str) -> Person:
    """One of the people ``map_every_role`` put in the plan's roles, switched to English."""
    person = find_person(email)
    assert person is not None, email
    person.language = Language.EN
    return person


@pytest.fixture(name="cast")
def cast_fixture(definitions: None, dummy_lead: Person) -> Cast:
    """The plan of the generic definition and its people (import ``cast_fixture`` to use ``cast``)."""
    dummy_lead.language = Language.EN
    plan = start_plan_of(dummy_lead)
    partner = mapped("employment-service@partners.example.org")
    colleague = english("colleague@partners.example.org", name="Colette Collègue")
    assignment = next(a for a in plan.role_assignments if a.role_key == "employment_service")
    session().add(RoleAssignmentMember(assignment_id=assignment.id, plan_id=plan.id, person_id=colleague.id))
    other_lead = english("other.lead@example.org", PersonRole.LEAD, "Otto Lead")
    other_lead.organisation_id = dummy_lead.organisation_id
    session().flush()
    cast = Cast(
        plan=plan,
        lead=dummy_lead,
        admin=english("admin@example.org", PersonRole.ADMIN, "Ada Admin"),
        partner=partner,
        chamber=mapped("chamber-of-commerce@partners.example.org"),
        committee=mapped("steering-committee@partners.example.org"),
        colleague=colleague,
        outsider=english("outsider@example.org", name="Oscar Outsider"),
        other_lead=other_lead,
    )
    session().commit()
    return cast


def task(plan: Plan, key: str) -> Task:
    """The plan's task ``key``, freshly read."""
    session().expire_all()
    found = session().scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.task_key == key))
    assert found is not None, key
    return found


def events(plan: Plan, kind: str | None = None, task_id: int | None = None) -> list[Event]:
    """The plan's journal, oldest first, optionally of one kind or one task."""
    query = sa.select(Event).where(Event.plan_id == plan.id)
    if kind is not None:
        query = query.where(Event.kind == kind)
    if task_id is not None:
        query = query.where(Event.task_id == task_id)
    return list(session().scalars(query.order_by(Event.occurred_dt, Event.id)))


def text(response: Any) -> str:
    """The page's HTML with entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def as_(client: FlaskClient, person: Person) -> FlaskClient:
    """The client signed in as ``person``."""
    return sign_in(client, person)


def post(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    """POST a form with the CSRF token, values as strings."""
    return post_form(client, url, {key: str(value) for key, value in data.items()})


def section(page: str, element_id: str) -> str:
    """The HTML of the element with ``element_id`` up to the next section (good enough for assertions)."""
    start = page.index(f'id="{element_id}"')
    end = page.find("<section", start)
    return page[start : end if end != -1 else len(page)]


def field_value(page: str, element_id: str) -> str:
    """The value attribute (or textarea content) of the control with ``element_id``."""
    textarea = re.search(rf'<textarea id="{re.escape(element_id)}"[^>]*>(.*?)</textarea>', page, re.S)
    if textarea:
        return textarea.group(1)
    control = re.search(rf'<input id="{re.escape(element_id)}"[^>]*value="([^"]*)"', page)
    assert control, f"no control {element_id}"
    return control.group(1)


def selected(page: str, element_id: str) -> str:
    """The value of the selected option of the list with ``element_id``."""
    block = re.search(rf'<select id="{re.escape(element_id)}".*?</select>', page, re.S)
    assert block, f"no list {element_id}"
    option = re.search(r'<option value="([^"]*)" selected>', block.group(0))
    assert option, f"nothing selected in {element_id}"
    return option.group(1)
