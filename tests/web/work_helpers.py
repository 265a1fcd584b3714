"""Plans, people and page fragments for the dashboard, plans list and "my tasks" tests.

Dates: the clock starts on Monday 30 November 2026; a plan of the generic definition started on
1 December 2026 has its first stage open with these tasks (role → due date):
``inventory-existing-studies`` (lead, 22 Dec), ``employment-data`` (employment_service, 31 Dec),
``business-survey`` (chamber_of_commerce, 30 Jan, after the inventory), ``shared-diagnosis`` (lead,
19 Feb, after the two before).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from gpect_workflow.models import Language, OrganisationKind, Person, PersonRole, Plan, Task, TaskStatus, Territory
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person, find_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan
from gpect_workflow.services.tasks.changes import change_task_status
from tests.plan_helpers import map_every_role

FIVE_LEVERS = "gpect-five-levers"
PLAN_START = date(2026, 12, 1)
#: Monday 28 December 2026, 09:00 in Paris: the inventory (due 22 Dec) is 6 days late, the employment
#: data (31 Dec) falls due in 3 days, the business survey (30 Jan) later.
AFTER_CHRISTMAS = datetime(2026, 12, 28, 8, 0, tzinfo=UTC)
#: The people ``map_every_role`` puts in every role of every plan.
LEAD_ROLE = "lead@partners.example.org"
EMPLOYMENT = "employment-service@partners.example.org"
CHAMBER = "chamber-of-commerce@partners.example.org"
COMMITTEE = "steering-committee@partners.example.org"


def start(
    lead: Person,
    name: str,
    people: dict[str, list[Person]] | None = None,
    territory: Territory | None = None,
    timezone: str = "Europe/Paris",
) -> Plan:
    """A plan of the generic definition; ``people`` replaces the members of some roles."""
    territory_id = territory.id if territory else lead.organisation.territory_id  # type: ignore[union-attr]
    roles = map_every_role(FIVE_LEVERS, 1, territory_id)
    for role, members in (people or {}).items():
        roles[role] = RoleMapping(roles[role].organisation_id, [member.id for member in members])
    request = PlanRequest(name, FIVE_LEVERS, 1, territory_id, lead.id, PLAN_START, roles, timezone, open_now=True)
    return start_plan(lead, request)


def person(email: str) -> Person:
    found = find_person(email)
    assert found is not None, email
    return found


def new_person(email: str, role: PersonRole = PersonRole.PARTNER, name: str | None = None) -> Person:
    """Someone who reads the pages in English (the assertions below read English words)."""
    organisation = ensure_organisation("Organisation de test", OrganisationKind.OTHER, None)
    return create_person(email, role, name or email.split("@")[0], organisation=organisation, language=Language.EN)


def in_english(*people: Person) -> None:
    for someone in people:
        someone.language = Language.EN
    session().flush()


def task(plan: Plan, key: str) -> Task:
    found = session().scalar(sa.select(Task).where(Task.plan_id == plan.id, Task.task_key == key))
    assert found is not None, key
    return found


def finish(plan: Plan, *keys: str) -> None:
    """Mark the tasks done through the service, each by its assignee."""
    for key in keys:
        work = task(plan, key)
        actor = session().get(Person, work.assignee_id)
        assert actor is not None
        change_task_status(actor, work.id, TaskStatus.DONE)


def finish_first_stage(plan: Plan) -> None:
    """Finish the observe stage: its committee gate then waits for a decision."""
    finish(plan, "inventory-existing-studies", "employment-data", "business-survey", "shared-diagnosis")


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def section(page: str, title_id: str) -> str:
    """The part of a page inside ``<section aria-labelledby="title_id">``."""
    match = re.search(rf'<section[^>]*aria-labelledby="{title_id}"[^>]*>(.*?)</section>', page, re.S)
    assert match, f"no section {title_id}"
    return match.group(1)


def row(page: str, row_id: str) -> str:
    """The table row with ``id="row_id"``."""
    match = re.search(rf'<tr[^>]*id="{row_id}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row {row_id}"
    return match.group(1)


def row_ids(page: str, prefix: str) -> list[int]:
    """Ids of the rows ``id="<prefix>-<id>"`` in page order."""
    return [int(found) for found in re.findall(rf'<tr[^>]*id="{prefix}-(\d+)"', page)]
