"""A world of plans to search: several plans of the generic definition, each with its own partner and
organisation, a one-off task each, another lead's plan, an outsider and an administrator.

Plans are named "Plan <n> compétences Région", their one-off task "Atelier compétences numériques <n>"
(described as "Réunion avec la Région Centre"), each plan's partner works for "Structure <n> de l'emploi",
mapped to every role of that plan only. Which rows each person should find is worked out here from how the
world was built, not by the rules under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from gpect_workflow.models import OrganisationKind, Person, PersonRole, Plan, Task, Territory
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import get_definition
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.services.plans.changes import OneOffTask, add_one_off_task
from gpect_workflow.services.plans.starting import PlanRequest, RoleMapping, start_plan

PLAN_START = date(2026, 12, 1)


@dataclass
class World:
    """The plans and the people who search them."""

    lead: Person
    other_lead: Person
    admin: Person
    outsider: Person
    committee: Person
    plans: list[Plan] = field(default_factory=list)
    other_plan: Plan | None = None
    #: The partner of each plan (same order as ``plans``).
    partners: list[Person] = field(default_factory=list)
    one_off_tasks: list[Task] = field(default_factory=list)

    def people(self) -> dict[str, Person]:
        """Everyone who searches, by a name for test ids."""
        return {
            "lead": self.lead,
            "other_lead": self.other_lead,
            "admin": self.admin,
            "outsider": self.outsider,
            "committee": self.committee,
            "partner_of_one": self.partners[0],
            "partner_of_last": self.partners[-1],
        }

    def all_plans(self) -> list[Plan]:
        assert self.other_plan is not None
        return [*self.plans, self.other_plan]

    def plans_seen_by(self, person: Person) -> set[int]:
        """The plans ``person`` takes part in, from how the world was built."""
        if person.id == self.admin.id:
            return {plan.id for plan in self.all_plans()}
        if person.id == self.lead.id:
            return {plan.id for plan in self.plans}
        if self.other_plan is not None and person.id == self.other_lead.id:
            return {self.other_plan.id}
        if person.id == self.committee.id:
            return {self.plans[1].id}
        return {plan.id for plan, partner in zip(self.plans, self.partners, strict=True) if partner.id == person.id}


def _roles(definition_key: str, organisation_id: int, person_ids: list[int]) -> dict[str, RoleMapping]:
    return {role.key: RoleMapping(organisation_id, person_ids) for role in get_definition(definition_key, 1).roles}


def build_world(territory: Territory, lead: Person, size: int) -> World:
    """``size`` plans of ``lead`` (each with its own partner), and one of another lead."""
    world = World(
        lead=lead,
        other_lead=create_person(
            "autre.chef@example.org", PersonRole.LEAD, "Autre Chef", organisation=lead.organisation
        ),
        admin=create_person("admin@example.org", PersonRole.ADMIN, "Ada Admin"),
        outsider=create_person("outsider@example.org", PersonRole.PARTNER, "Oscar Dehors"),
        committee=create_person("comite@example.org", PersonRole.COMMITTEE, "Camille Comité"),
    )
    add_plans(world, territory, size)
    hidden = ensure_organisation("Organisme caché de la Région", OrganisationKind.OTHER, territory)
    hidden_partner = create_person("cache@example.org", PersonRole.PARTNER, "Caché", organisation=hidden)
    world.other_plan = start_plan(
        world.other_lead,
        PlanRequest(
            "Plan secret compétences Région",
            "gpect-five-levers",
            1,
            territory.id,
            world.other_lead.id,
            PLAN_START,
            _roles("gpect-five-levers", hidden.id, [hidden_partner.id]),
            open_now=True,
        ),
    )
    session().commit()
    return world


def add_plans(world: World, territory: Territory, count: int) -> None:
    """``count`` more plans of the world's lead, each with its own partner and organisation."""
    lead = world.lead
    first = len(world.plans) + 1
    for number in range(first, first + count):
        organisation = ensure_organisation(f"Structure {number} de l'emploi", OrganisationKind.OTHER, territory)
        partner = create_person(
            f"partenaire{number}@example.org", PersonRole.PARTNER, f"Partenaire {number}", organisation=organisation
        )
        people = [partner.id] + ([world.committee.id] if number == 2 else [])
        request = PlanRequest(
            f"Plan {number} compétences Région",
            "gpect-five-levers",
            1,
            territory.id,
            lead.id,
            PLAN_START,
            _roles("gpect-five-levers", organisation.id, people),
            open_now=True,
        )
        plan = start_plan(lead, request)
        stage = plan.stages[0]
        task = add_one_off_task(
            lead,
            plan.id,
            OneOffTask(
                stage.id,
                "lead",
                date(2026, 12, 20),
                title_fr=f"Atelier compétences numériques {number}",
                title_en=f"Digital skills workshop {number}",
                description="Réunion avec la Région Centre",
            ),
        )
        world.plans.append(plan)
        world.partners.append(partner)
        world.one_off_tasks.append(task)
    session().commit()
