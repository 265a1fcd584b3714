"""Starting plans in tests with every task-owning role mapped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from blinker import Signal

from gpect_workflow.models import OrganisationKind, Person, PersonRole, Plan
from gpect_workflow.services.definitions import get_definition
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person, find_person
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan


def map_every_role(definition_key: str, version: int, territory_id: int) -> dict[str, RoleMapping]:
    """One organisation and one person per role of the definition."""
    roles = {}
    for role in get_definition(definition_key, version).roles:
        organisation = ensure_organisation(f"Organisation {role.key}", OrganisationKind.OTHER, None)
        email = f"{role.key.replace('_', '-')}@partners.example.org"
        person = find_person(email) or create_person(
            email, PersonRole.PARTNER, role.title.fr, organisation=organisation
        )
        roles[role.key] = RoleMapping(organisation.id, [person.id])
    return roles


def start_five_levers_plan(
    lead: Person,
    start: date = date(2026, 12, 1),
    name: str = "Plan de test",
    *,
    open_now: bool = True,
    timezone: str = "Europe/Paris",
) -> Plan:
    """A plan of the generic definition, version 1, on the lead's organisation's territory.

    Open from the start whatever its start date, unless ``open_now`` is false: a plan starting later then
    waits, scheduled.
    """
    territory_id = lead.organisation.territory_id if lead.organisation else None
    assert territory_id is not None
    roles = map_every_role("gpect-five-levers", 1, territory_id)
    request = PlanRequest(name, "gpect-five-levers", 1, territory_id, lead.id, start, roles, timezone, open_now)
    return start_plan(lead, request)


@contextmanager
def received(signal: Signal) -> Iterator[list[dict[str, Any]]]:
    """The keyword arguments of every send of ``signal`` while the block runs."""
    calls: list[dict[str, Any]] = []

    def receiver(sender: object, **kwargs: Any) -> None:
        calls.append(kwargs)

    signal.connect(receiver)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)
