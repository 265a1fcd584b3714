"""In a real browser, with JavaScript off: a project lead creates a plan with the wizard, from the generic
five-lever definition, adding a missing partner on the way, checks the schedule preview and confirms."""

from __future__ import annotations

import re
from datetime import date
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
    PlanStage,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
    StageStatus,
    Task,
    Territory,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.partners import create_person, ensure_organisation
from tests.browser.conftest import PASSWORD, sign_in_with_password

#: Roles with tasks, the organisation of the territory that plays each, and its contact.
PARTNERS = {
    "employment_service": ("France Travail Chartres", OrganisationKind.EMPLOYMENT_SERVICE, "Julie Durand"),
    "region": ("Région Centre-Val de Loire", OrganisationKind.REGION, "Marc Lefèvre"),
    "chamber_of_commerce": ("CCI Eure-et-Loir", OrganisationKind.CHAMBER, "Sophie Bernard"),
    "training_body": ("AFPA Chartres", OrganisationKind.TRAINING_BODY, "Karim Benali"),
}
STAGES = ("Observe and analyse", "Experiment and evaluate", "Adapt the interventions")
#: Who sits on the steering committee that decides at the definition's gates.
COMMITTEE = ("Préfecture d'Eure-et-Loir", "Hélène Garnier")
NO_COMMITTEE = "Stages of this plan end with a committee decision: choose at least one person to decide."


@pytest.fixture
def partners(territory: Territory) -> None:
    for index, (name, kind, contact) in enumerate(PARTNERS.values()):
        organisation = ensure_organisation(name, kind, territory)
        create_person(f"contact{index}@partners.example.org", PersonRole.PARTNER, contact, organisation=organisation)
    prefecture = ensure_organisation(COMMITTEE[0], OrganisationKind.OTHER, territory)
    create_person("helene.garnier@prefecture.example.org", PersonRole.COMMITTEE, COMMITTEE[1], organisation=prefecture)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_a_lead_creates_a_plan_with_the_wizard(
    page: Page, live_url: str, definitions: None, create_user: Any, partners: None
) -> None:
    lead = create_user(
        "claire.martin@example.org", PersonRole.LEAD, name="Claire Martin", password=PASSWORD, language=Language.EN
    )
    session().commit()
    sign_in_with_password(page, live_url, lead.email)

    # 1. The definition and the plan.
    page.goto(f"{live_url}/plans/new")
    expect(page.locator("h1")).to_have_text("New action plan")
    page.get_by_role("radio", name="Territorial GPECT approach in five levers").check()
    page.get_by_label("Name of the plan").fill("GPECT Chartres 2027")
    expect(page.get_by_label("Territory", exact=True)).to_have_value(str(lead.organisation.territory_id))
    page.get_by_label("Start date").fill("2026-12-14")
    expect(page.get_by_label("Time zone of the plan")).to_have_value("Europe/Paris")
    page.get_by_role("button", name="Next: roles and partners").click()

    # 2. The roles: the lead's role is already theirs; the others are chosen, one partner is added.
    expect(page.locator("main h2")).to_have_text("Roles and partners")
    expect(page.locator("#role-lead-people-" + str(lead.id))).to_be_checked()
    for role, (organisation, _, _) in PARTNERS.items():
        page.locator(f"#role-{role}-organisation").select_option(label=organisation)
    page.locator("#role-region").get_by_role("button", name="Show its people").click()
    for _, _, contact in PARTNERS.values():
        page.get_by_label(contact).check()

    companies = page.locator("#role-companies")
    companies.get_by_text("Organisation missing? Add it to the directory").click()
    companies.get_by_label("Name of the organisation").fill("Laboratoires Chartrains")
    companies.get_by_label("Kind of organisation").select_option("company")
    companies.get_by_role("button", name="Add the organisation").click()
    companies = page.locator("#role-companies")
    expect(companies.get_by_role("status")).to_contain_text("Laboratoires Chartrains was added to the directory")
    expect(companies.get_by_label("Organisation", exact=True)).to_have_value(re.compile(r"\d+"))
    companies.get_by_text("Person missing? Add them to the organisation chosen above").click()
    companies.get_by_label("Full name").fill("Inès Morel")
    companies.get_by_label("Email address", exact=True).fill("ines.morel@labos-chartrains.example.org")
    companies.get_by_role("button", name="Add the person").click()
    expect(page.get_by_label("Inès Morel")).to_be_checked()
    for _, _, contact in PARTNERS.values():  # the choices made before the additions are kept
        expect(page.get_by_label(contact)).to_be_checked()

    # The committee left out: its gates would wait for nobody, so the step refuses, beside the committee role.
    committee = page.locator("#role-steering_committee")
    expect(committee).to_contain_text("required: the steering committee decides at stage gates")
    page.get_by_role("button", name="Next: preview the schedule").click()
    expect(page.locator("main h2")).to_have_text("Roles and partners")
    committee = page.locator("#role-steering_committee")
    expect(committee).to_contain_text(NO_COMMITTEE)
    expect(committee.get_by_label("Organisation", exact=True)).to_have_attribute("aria-invalid", "true")
    for _, _, contact in PARTNERS.values():  # nothing chosen is lost
        expect(page.get_by_label(contact)).to_be_checked()
    session().expire_all()
    assert session().scalar(sa.select(sa.func.count()).select_from(Plan)) == 0
    committee.get_by_label("Organisation", exact=True).select_option(label=COMMITTEE[0])
    committee.get_by_role("button", name="Show its people").click()
    page.get_by_label(COMMITTEE[1]).check()
    page.get_by_role("button", name="Next: preview the schedule").click()

    # 3. The preview: every stage's window and every task's due date, as the plan will get them.
    expect(page.locator("main h2")).to_have_text("Schedule and confirmation")
    for title in STAGES:
        expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()
    first_task = page.locator('tr[data-task="inventory-existing-studies"]')
    expect(first_task).to_contain_text("6 January 2027")  # 15 working days: Christmas and New Year skipped
    expect(first_task).to_contain_text("15 working days after the stage opens")
    expect(page.locator('tr[data-task="company-feedback"]')).to_contain_text("Inès Morel")
    shown = {
        row.get_attribute("data-task"): date.fromisoformat(row.locator("time.due").get_attribute("datetime") or "")
        for row in page.locator("tr[data-task]").all()
    }
    session().expire_all()
    assert session().scalar(sa.select(sa.func.count()).select_from(Plan)) == 0  # nothing stored before Confirm
    # 14 December is ahead: the plan will wait for it, unless the lead ticks the box (left unticked here).
    expect(page.locator("#opening")).to_contain_text("its first stage opens on 14 December 2026 at 08:30")
    expect(page.get_by_label("Open the first lever now")).not_to_be_checked()
    page.get_by_role("button", name="Confirm and start the plan").click()

    # The plan's page, with its schedule.
    expect(page).to_have_url(re.compile(rf"{re.escape(live_url)}/plans/\d+$"))
    session().expire_all()
    plan = session().scalar(sa.select(Plan).where(Plan.name == "GPECT Chartres 2027"))
    assert plan is not None and page.url.endswith(f"/plans/{plan.id}")
    assert (plan.lead_id, plan.start_date, plan.timezone) == (lead.id, date(2026, 12, 14), "Europe/Paris")
    stored = {t.task_key: t.due_date for t in session().scalars(sa.select(Task).where(Task.plan_id == plan.id))}
    assert stored == shown
    stages = session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id)).all()
    assert len(stages) == 5
    members = (
        session()
        .scalars(
            sa.select(RoleAssignmentMember.person_id)
            .join(RoleAssignment, RoleAssignment.id == RoleAssignmentMember.assignment_id)
            .where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == "steering_committee")
        )
        .all()
    )
    helene = session().scalar(sa.select(Person).where(Person.name == COMMITTEE[1]))
    assert helene is not None and members == [helene.id]
    added = session().scalar(sa.select(Organisation).where(Organisation.name == "Laboratoires Chartrains"))
    ines = session().scalar(sa.select(Person).where(Person.name == "Inès Morel"))
    assert added is not None and ines is not None and ines.organisation_id == added.id
    expect(page.locator("h1")).to_contain_text("GPECT Chartres 2027")
    for title in STAGES:
        expect(page.locator("main").get_by_text(title).first).to_be_visible()

    # Scheduled until 14 December; the lead opens it early from its page.
    assert plan.status is PlanStatus.SCHEDULED and {s.status for s in stages} == {StageStatus.PENDING}
    expect(page.locator("#plan-scheduled")).to_contain_text("Scheduled: opens on 14 December 2026")
    page.get_by_role("button", name="Open now").click()
    expect(page.locator(".flash")).to_contain_text("The plan is open")
    expect(page.locator("#plan-scheduled")).to_have_count(0)
    session().expire_all()
    assert session().get(Plan, plan.id).status is PlanStatus.ACTIVE  # type: ignore[union-attr]
