"""In a real browser, with JavaScript off: a lead sets up a plan on a territory of Centre-Val de Loire and gives
its roles to the region-wide Région, whose committee member already has an account: typing the Région's name
again warns and uses the existing one, typing the member's address chooses them, and the plan starts with them
on its steering committee."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from gpect_workflow.models import (
    Language,
    Organisation,
    OrganisationKind,
    Person,
    PersonRole,
    Plan,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
    Territory,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.partners import create_person, ensure_organisation
from tests.browser.conftest import PASSWORD, sign_in_with_password

#: Roles with tasks played by organisations of the territory, and their contact.
LOCAL = {
    "employment_service": ("France Travail Chartres", OrganisationKind.EMPLOYMENT_SERVICE, "Julie Durand"),
    "chamber_of_commerce": ("CCI Eure-et-Loir", OrganisationKind.CHAMBER, "Sophie Bernard"),
    "training_body": ("AFPA Chartres", OrganisationKind.TRAINING_BODY, "Karim Benali"),
    "companies": ("Laboratoires Chartrains", OrganisationKind.COMPANY, "Inès Morel"),
}
REGION = "Région Centre-Val de Loire"


@pytest.fixture
def directory(territory: Territory) -> dict[str, Person]:
    """The territory's partners, and the Région serving all Centre-Val de Loire with its two people."""
    for index, (name, kind, contact) in enumerate(LOCAL.values()):
        organisation = ensure_organisation(name, kind, territory)
        create_person(f"contact{index}@partners.example.org", PersonRole.PARTNER, contact, organisation=organisation)
    region = ensure_organisation(REGION, OrganisationKind.REGION, None, region=territory.region)
    return {
        "officer": create_person(
            "helene.garnier@region.example.org", PersonRole.PARTNER, "Hélène Garnier", organisation=region
        ),
        "member": create_person(
            "marc.lefebvre@region.example.org", PersonRole.COMMITTEE, "Marc Lefebvre", organisation=region
        ),
    }


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_lead_gives_the_committee_to_the_regions_existing_member(
    page: Page, live_url: str, definitions: None, create_user: Any, directory: dict[str, Person]
) -> None:
    lead = create_user(
        "claire.martin@example.org", PersonRole.LEAD, name="Claire Martin", password=PASSWORD, language=Language.EN
    )
    session().commit()
    sign_in_with_password(page, live_url, lead.email)

    page.goto(f"{live_url}/plans/new")
    page.get_by_role("radio", name="Territorial GPECT approach in five levers").check()
    page.get_by_label("Name of the plan").fill("GPECT Chartres 2027")
    page.get_by_label("Start date").fill("2026-12-14")
    page.get_by_role("button", name="Next: roles and partners").click()
    expect(page.locator("main h2")).to_have_text("Roles and partners")

    # The Région is offered among the regional and national bodies of a plan of its region.
    regional = page.locator("#role-region-organisation optgroup[label='Regional and national bodies'] option")
    expect(regional).to_have_text([REGION])
    for role, (organisation, _, _) in LOCAL.items():
        page.locator(f"#role-{role}-organisation").select_option(label=organisation)

    # Adding the Région again, spelt another way, warns and uses the one in the directory.
    region_role = page.locator("#role-region")
    region_role.get_by_text("Organisation missing? Add it to the directory").click()
    region_role.get_by_label("Name of the organisation").fill("Region Centre Val-de-Loire")
    region_role.get_by_label("Kind of organisation").select_option("region")
    region_role.get_by_role("button", name="Add the organisation").click()
    region_role = page.locator("#role-region")
    expect(region_role.locator(".similar-warning")).to_contain_text(f"{REGION} is already in the directory")
    region_role.get_by_role("button", name=f"Use {REGION}").click()
    region_role = page.locator("#role-region")
    expect(region_role.get_by_role("status")).to_contain_text(f"{REGION} is chosen for this role")
    expect(region_role.get_by_label("Organisation", exact=True)).to_have_value(
        str(directory["officer"].organisation_id)
    )
    region_role.get_by_label("Hélène Garnier").check()
    for _, _, contact in LOCAL.values():
        page.get_by_label(contact).check()

    # The committee member already has an account: their address chooses them, with the Région.
    committee = page.locator("#role-steering_committee")
    committee.get_by_text("Person missing? Add them to the organisation chosen above").click()
    committee.get_by_label("Full name").fill("Marc Lefebvre")
    committee.get_by_label("Email address", exact=True).fill("Marc.Lefebvre@region.example.org")
    committee.get_by_role("button", name="Add the person").click()
    committee = page.locator("#role-steering_committee")
    expect(committee.get_by_role("status")).to_contain_text(f"Marc Lefebvre is already in the directory ({REGION})")
    expect(committee.get_by_label("Marc Lefebvre")).to_be_checked()
    expect(page.locator("#role-region").get_by_label("Hélène Garnier")).to_be_checked()  # earlier choices are kept
    page.get_by_role("button", name="Next: preview the schedule").click()

    expect(page.locator("main h2")).to_have_text("Schedule and confirmation")
    page.get_by_label("Open the first lever now").check()
    page.get_by_role("button", name="Confirm and start the plan").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(live_url)}/plans/\d+$"))
    session().expire_all()
    plan = session().scalar(sa.select(Plan).where(Plan.name == "GPECT Chartres 2027"))
    assert plan is not None and plan.status is PlanStatus.ACTIVE
    query = (
        sa.select(RoleAssignment.organisation_id, RoleAssignmentMember.person_id)
        .join(RoleAssignmentMember, RoleAssignmentMember.assignment_id == RoleAssignment.id)
        .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == "steering_committee")
    )
    member = directory["member"]
    assert session().execute(query).all() == [(member.organisation_id, member.id)]
    names = session().scalars(sa.select(Organisation.name).where(Organisation.name.ilike("region%"))).all()
    assert names == [], "no second Région was added"
    assert session().scalar(sa.select(sa.func.count()).select_from(Person)) == 7, "nobody was added"
