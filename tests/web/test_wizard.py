"""The plan creation wizard: each step, its errors, inline creation, the preview against the stored plan,
and who may use it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.errors import ValidationError
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
    StageStatus,
    Task,
    Territory,
)
from gpect_workflow.refusals import NAME_LENGTH, PLAN_NAME_NEEDED, ROLES_UNMAPPED, Refusal
from gpect_workflow.services.context import session
from gpect_workflow.services.definitions import register_definitions
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.validation import DATE_MESSAGE, EMAIL_MESSAGE, SCHEDULE_MESSAGE, TIMEZONE_MESSAGE
from tests.conftest import WORKFLOWS, csrf_token, post_form, sign_in
from tests.query_count import count_queries

URL = "/plans/new"
FIVE_LEVERS = "gpect-five-levers:1"
#: The five-lever definition's roles and the kind of organisation that plays each in the tests.
ROLES = {
    "employment_service": ("France Travail Chartres", OrganisationKind.EMPLOYMENT_SERVICE),
    "region": ("Région Centre-Val de Loire", OrganisationKind.REGION),
    "chamber_of_commerce": ("CCI Eure-et-Loir", OrganisationKind.CHAMBER),
    "training_body": ("AFPA Chartres", OrganisationKind.TRAINING_BODY),
    "companies": ("Cosmetic Valley", OrganisationKind.CLUSTER),
}


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture(autouse=True)
def _registered(definitions: None) -> None:
    """Every test here needs the shipped definitions."""


@pytest.fixture
def lead(create_user: Any) -> Person:
    """A project lead of the Maison de l'Emploi on the Chartres territory."""
    person = create_user("claire.martin@example.org", PersonRole.LEAD, name="Claire Martin", language=Language.EN)
    session().commit()
    return person


@pytest.fixture
def partners(territory: Territory) -> dict[str, Person]:
    """One organisation of the territory per role with tasks, each with a contact (two for the region), and
    the prefecture whose member sits on the steering committee."""
    contacts = {}
    for role, (name, kind) in ROLES.items():
        organisation = ensure_organisation(name, kind, territory)
        email = f"{role.replace('_', '.')}@partners.example.org"
        contacts[role] = create_person(email, PersonRole.PARTNER, f"Contact {role}", organisation=organisation)
    prefecture = ensure_organisation("Préfecture d'Eure-et-Loir", OrganisationKind.OTHER, territory)
    contacts["steering_committee"] = create_person(
        "committee@prefecture.example.org", PersonRole.COMMITTEE, "Membre du comité", organisation=prefecture
    )
    region = contacts["region"].organisation
    contacts["region-second"] = create_person(
        "second@region.example.org", PersonRole.PARTNER, "Zoé Région", organisation=region
    )
    session().commit()
    return contacts


def details(territory: Territory, **changes: str) -> dict[str, str]:
    """The first step's fields, filled in."""
    return {
        "definition": FIVE_LEVERS,
        "territory_id": str(territory.id),
        "name": "GPECT Chartres 2027",
        "start_date": "2026-12-14",
        "timezone": "Europe/Paris",
        **changes,
    }


def role_fields(lead: Person, partners: dict[str, Person]) -> dict[str, Any]:
    """The roles step's fields: the lead's organisation for ``lead``, each partner's for its role."""
    fields: dict[str, Any] = {
        "role-lead-organisation": str(lead.organisation_id),
        "role-lead-people": [str(lead.id)],
    }
    for role in (*ROLES, "steering_committee"):
        fields[f"role-{role}-organisation"] = str(partners[role].organisation_id)
        fields[f"role-{role}-people"] = [str(partners[role].id)]
    return fields


def post(client: FlaskClient, action: str, fields: dict[str, Any]) -> Any:
    return post_form(client, URL, {**fields, "action": action})


def hidden(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)">', page)


def preview_dates(page: str) -> tuple[dict[str, tuple[date, date]], dict[str, date]]:
    """Stage windows and task due dates as the preview shows them (from their ``<time datetime>``)."""
    stages = {
        key: (date.fromisoformat(start), date.fromisoformat(end))
        for key, start, end in re.findall(
            r'data-stage="([^"]+)".*?class="stage-start" datetime="([^"]+)".*?class="stage-end" datetime="([^"]+)"',
            page,
            flags=re.S,
        )
    }
    tasks = {
        key: date.fromisoformat(due)
        for key, due in re.findall(r'<tr data-task="([^"]+)">.*?class="due" datetime="([^"]+)"', page, flags=re.S)
    }
    return stages, tasks


def plans() -> list[Plan]:
    session().expire_all()
    return list(session().scalars(sa.select(Plan)))


# Who may use the wizard.


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/plans/new")


@pytest.mark.parametrize("role", [PersonRole.PARTNER, PersonRole.COMMITTEE])
def test_partners_and_committee_members_may_not_create_plans(
    client: FlaskClient, create_user: Any, territory: Territory, role: PersonRole
) -> None:
    person = create_user("someone@example.org", role)
    session().commit()
    sign_in(client, person)
    assert client.get(URL).status_code == 403
    assert post(client, "confirm", details(territory)).status_code == 403
    assert post(client, "create-organisation:region", details(territory)).status_code == 403
    assert plans() == []


def test_a_lead_opens_the_first_step_with_defaults(client: FlaskClient, lead: Person, territory: Territory) -> None:
    sign_in(client, lead)
    response = client.get(URL)
    page = text(response)
    assert response.status_code == 200
    assert "New action plan" in page and 'aria-current="step"' in page
    assert "Territorial GPECT approach in five levers" in page and 'value="gpect-five-levers:1"' in page
    assert "Observe and analyse" in page and "Lead change" in page and "90 days planned" in page  # stages
    assert re.search(rf'<option value="{territory.id}" selected>Agglomération chartraine</option>', page)
    assert 'value="Europe/Paris"' in page and 'value="2026-11-30"' in page  # today in Paris
    assert "Claire Martin" in page and 'name="lead_id"' not in page  # a lead leads their plans


def test_definitions_are_described_in_the_page_language(client: FlaskClient, create_user: Any) -> None:
    person = create_user("chef@example.org", PersonRole.LEAD, language=Language.FR)
    session().commit()
    sign_in(client, person)
    page = text(client.get(URL))
    assert '<html lang="fr">' in page
    assert "Démarche GPECT territoriale en cinq leviers" in page and "Observer et analyser" in page
    assert "Territorial GPECT approach" not in page


def test_an_administrator_chooses_the_lead(
    client: FlaskClient, create_user: Any, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN, name="Admin", language=Language.EN)
    session().commit()
    sign_in(client, admin)
    page = text(client.get(URL))
    assert re.search(rf'<option value="{lead.id}">Claire Martin \(claire.martin@example.org\)</option>', page)
    assert f'<option value="{admin.id}"' not in page  # only project leads lead plans
    wrong = post(client, "to-roles", details(territory, lead_id=str(partners["region"].id)))
    assert wrong.status_code == 422 and "Choose the project lead from the list." in text(wrong)
    fields = {**details(territory, lead_id=str(lead.id)), **role_fields(lead, partners)}
    confirmed = post(client, "confirm", fields)
    assert confirmed.status_code == 302
    (plan,) = plans()
    assert plan.lead_id == lead.id


def test_earlier_versions_stay_available(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person], tmp_path: Path
) -> None:
    source = (WORKFLOWS / "gpect-five-levers.yaml").read_text(encoding="utf-8")
    newer = source.replace("\nversion: 1\n", "\nversion: 2\n").replace("duration_days: 90", "duration_days: 95", 1)
    (tmp_path / "gpect-five-levers-2.yaml").write_text(newer, encoding="utf-8")
    register_definitions([tmp_path])
    session().commit()
    sign_in(client, lead)
    page = text(client.get(URL))
    assert "version 2</span>" not in page and "version 2, latest" in page
    earlier = page[page.index("Earlier versions") :]
    assert 'value="gpect-five-levers:1"' in earlier and "version 1" in earlier
    fields = {**details(territory, definition="gpect-five-levers:1"), **role_fields(lead, partners)}
    assert re.search(r'value="gpect-five-levers:1" checked', text(post(client, "to-plan", fields)))
    assert post(client, "confirm", fields).status_code == 302
    (plan,) = plans()
    assert (plan.definition_key, plan.definition_version) == ("gpect-five-levers", 1)


# The first step.


def test_first_step_errors_are_shown_beside_their_fields_and_the_input_kept(
    client: FlaskClient, lead: Person, territory: Territory
) -> None:
    sign_in(client, lead)
    response = post(
        client,
        "to-roles",
        {"definition": "", "territory_id": "", "name": "  ", "start_date": "14/12/2026", "timezone": "Europe/Atlantis"},
    )
    page = text(response)
    assert response.status_code == 422
    assert 'id="definition-error" role="alert">Choose a workflow definition.</span>' in page
    assert 'id="territory_id-error" role="alert">Choose the territory the plan runs on.</span>' in page
    assert 'id="name-error" role="alert">Give the plan a name.</span>' in page
    assert 'id="start_date-error"' in page and 'value="14/12/2026"' in page
    assert 'id="timezone-error"' in page and 'value="Europe/Atlantis"' in page
    assert 'aria-invalid="true" aria-describedby="name-error"' in page
    assert plans() == []


def test_an_unregistered_definition_version_is_refused(client: FlaskClient, lead: Person, territory: Territory) -> None:
    sign_in(client, lead)
    response = post(client, "to-roles", details(territory, definition="gpect-five-levers:99"))
    assert response.status_code == 422 and "This definition version is not registered." in text(response)


def test_a_lead_cannot_start_a_plan_for_someone_else(
    client: FlaskClient, create_user: Any, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    other = create_user("other.lead@example.org", PersonRole.LEAD)
    session().commit()
    sign_in(client, lead)
    fields = {**details(territory, lead_id=str(other.id)), **role_fields(lead, partners)}
    assert post(client, "confirm", fields).status_code == 302
    (plan,) = plans()
    assert plan.lead_id == lead.id


# The roles step.


def test_the_roles_step_carries_the_details_and_maps_the_lead_role_to_the_lead(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    response = post(client, "to-roles", details(territory))
    page = text(response)
    assert response.status_code == 200
    assert hidden(page, "name") == ["GPECT Chartres 2027"] and hidden(page, "start_date") == ["2026-12-14"]
    for role in ("GPECT project lead", "Public employment service", "Regional council", "Steering committee"):
        assert role in page
    assert re.search(rf'<option value="{lead.organisation_id}" selected>', page)  # prefilled for the lead role
    assert re.search(rf'id="role-lead-people-{lead.id}" name="role-lead-people" value="{lead.id}" checked', page)
    assert "CCI Eure-et-Loir" in page and 'name="role-steering_committee-organisation"' in page


def test_showing_the_people_of_an_organisation_keeps_every_choice(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    region = partners["region"].organisation_id
    fields = {**details(territory), "role-region-organisation": str(region), "role-lead-organisation": ""}
    page = text(post(client, "refresh", fields))
    assert "Contact region" in page and "Zoé Région" in page
    assert re.search(rf'<option value="{region}" selected>', page)
    assert 'name="role-employment_service-people"' not in page  # no organisation chosen: nobody to pick


def test_unmapped_roles_and_strangers_are_refused_at_the_roles_step(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    elsewhere = ensure_territory("gien", "Pays du Giennois")
    foreign = ensure_organisation("Entreprise du Giennois", OrganisationKind.COMPANY, elsewhere)
    session().commit()
    sign_in(client, lead)
    fields = {
        **details(territory),
        **role_fields(lead, partners),
        "role-employment_service-organisation": "",
        "role-employment_service-people": [],
        "role-companies-organisation": str(foreign.id),
        "role-region-people": [str(partners["training_body"].id)],
    }
    response = post(client, "to-preview", fields)
    page = text(response)
    assert response.status_code == 422
    assert 'id="role-employment_service-organisation-error" role="alert">Choose the organisation that plays' in page
    assert 'id="role-companies-organisation-error" role="alert">Choose an organisation of the territory' in page
    assert 'id="role-region-people-error" role="alert">Choose people of the selected organisation.' in page
    assert hidden(page, "name") == ["GPECT Chartres 2027"]  # the first step's input is still carried
    assert (
        'name="role-steering_committee-organisation"' in page
        and "role-steering_committee-organisation-error" not in page
    )


def test_back_from_the_roles_keeps_both_steps(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {**details(territory), **role_fields(lead, partners)}
    page = text(post(client, "to-plan", fields))
    assert 'value="GPECT Chartres 2027"' in page and 'value="2026-12-14"' in page
    assert re.search(r'value="gpect-five-levers:1" checked', page)
    assert hidden(page, "role-region-organisation") == [str(partners["region"].organisation_id)]
    assert 'name="name"' in page and hidden(page, "name") == []  # shown as a field, not hidden
    again = text(post(client, "to-roles", {**details(territory), **role_fields(lead, partners)}))
    assert re.search(rf'<option value="{partners["region"].organisation_id}" selected>', again)


def test_regional_and_national_bodies_are_offered_on_every_territory(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    national = ensure_organisation("Opérateur de compétences national", OrganisationKind.OTHER, None)
    adviser = create_person("conseil@opco.example.org", PersonRole.PARTNER, "Nadia Conseil", organisation=national)
    session().commit()
    sign_in(client, lead)
    page = text(post(client, "to-roles", details(territory)))
    assert re.search(rf'<optgroup label="Regional and national bodies">\s*<option value="{national.id}">', page)
    fields = {
        **details(territory),
        **role_fields(lead, partners),
        "role-steering_committee-organisation": str(national.id),
        "role-steering_committee-people": [str(adviser.id)],
    }
    assert post(client, "confirm", fields).status_code == 302
    (plan,) = plans()
    committee = session().scalar(
        sa.select(RoleAssignment).where(
            RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == "steering_committee"
        )
    )
    assert committee is not None and committee.organisation_id == national.id


def test_the_roles_step_costs_the_same_queries_with_many_partners(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    token = csrf_token(client)

    def roles_step_queries(chosen: list[Organisation]) -> int:
        roles = {f"role-{role}-organisation": str(o.id) for role, o in zip(ROLES, chosen, strict=False)}
        session().expire_all()  # as a fresh request finds it
        with count_queries() as statements:
            response = client.post(URL, data={**details(territory), **roles, "action": "refresh", "csrf_token": token})
        assert response.status_code == 200 and "Salarié" in text(response)
        return len(statements)

    first = ensure_organisation("Entreprise 0", OrganisationKind.COMPANY, territory)
    create_person("p@entreprise0.example.org", PersonRole.PARTNER, "Salarié", organisation=first)
    session().commit()
    roles_step_queries([first])  # warms what a request memoises (the definition, read once)
    few = roles_step_queries([first])
    many = [first]
    for number in range(1, 40):
        organisation = ensure_organisation(f"Entreprise {number}", OrganisationKind.COMPANY, territory)
        many.append(organisation)
        for person in range(3):
            email = f"p{person}@entreprise{number}.example.org"
            create_person(email, PersonRole.PARTNER, f"Salarié {person}", organisation=organisation)
    session().commit()
    assert roles_step_queries(many) == few  # 40 more organisations, 5 of them chosen: the same queries


# Adding a missing organisation or person.


def test_a_missing_organisation_is_added_and_chosen_for_the_role(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {
        **details(territory),
        **role_fields(lead, partners),
        "new-organisation-companies-name": "Laboratoires Chartrains",
        "new-organisation-companies-kind": "company",
        "new-organisation-companies-email": "contact@labos-chartrains.example.org",
    }
    response = post(client, "create-organisation:companies", fields)
    page = text(response)
    assert response.status_code == 200
    session().expire_all()
    created = session().scalar(sa.select(Organisation).where(Organisation.name == "Laboratoires Chartrains"))
    assert created is not None and created.territory_id == territory.id and created.kind is OrganisationKind.COMPANY
    assert re.search(rf'<option value="{created.id}" selected>Laboratoires Chartrains</option>', page)
    assert "Laboratoires Chartrains was added to the directory and chosen for this role." in page
    assert 'value="contact@labos-chartrains.example.org"' not in page  # the sub-form is emptied
    assert re.search(rf'<option value="{partners["region"].organisation_id}" selected>', page)  # others kept
    assert plans() == []


def test_a_wrong_organisation_is_refused_in_place(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {
        **details(territory),
        **role_fields(lead, partners),
        "new-organisation-companies-name": "Entreprise sans type",
        "new-organisation-companies-kind": "",
    }
    response = post(client, "create-organisation:companies", fields)
    page = text(response)
    assert response.status_code == 422
    assert re.search(r'id="new-organisation-companies-kind-error" role="alert">Choose the kind of organisation.', page)
    assert 'value="Entreprise sans type"' in page
    assert re.search(r'<details class="inline-create" open>\s*<summary>Organisation missing', page)
    duplicate = post(
        client,
        "create-organisation:companies",
        {**fields, "new-organisation-companies-name": "CCI Eure-et-Loir", "new-organisation-companies-kind": "chamber"},
    )
    assert duplicate.status_code == 422 and 'id="new-organisation-companies-name-error"' in text(duplicate)
    assert (
        session().scalar(
            sa.select(sa.func.count()).select_from(Organisation).where(Organisation.name == "Entreprise sans type")
        )
        == 0
    )


def test_a_missing_person_is_added_to_the_chosen_organisation_and_chosen(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {
        **details(territory),
        **role_fields(lead, partners),
        "new-person-region-name": "Paul Région",
        "new-person-region-email": "Paul.Region@Region.example.org",
    }
    response = post(client, "create-person:region", fields)
    page = text(response)
    assert response.status_code == 200
    session().expire_all()
    paul = session().scalar(sa.select(Person).where(Person.email == "paul.region@region.example.org"))
    assert paul is not None and paul.role is PersonRole.PARTNER
    assert paul.organisation_id == partners["region"].organisation_id
    assert re.search(rf'value="{partners["region"].id}" checked', page)  # the earlier choice is kept
    assert re.search(rf'value="{paul.id}" checked', page)


def test_a_person_needs_a_chosen_organisation_and_a_known_address_chooses_its_person(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    """No "address already has an account" dead end: the person the address names is chosen instead."""
    sign_in(client, lead)
    fields = {
        **details(territory),
        "role-companies-organisation": "",
        "new-person-companies-name": "Personne",
        "new-person-companies-email": "personne@example.org",
    }
    response = post(client, "create-person:companies", fields)
    assert response.status_code == 422
    assert 'id="new-person-companies-organisation-error" role="alert">Choose the organisation first' in text(response)
    taken = {
        **fields,
        "role-companies-organisation": str(partners["companies"].organisation_id),
        "new-person-companies-email": partners["region"].email,
    }
    response = post(client, "create-person:companies", taken)
    page = text(response)
    region = partners["region"]
    assert response.status_code == 200 and "is already in the directory" in page
    assert re.search(rf'<option value="{region.organisation_id}" selected>', page)
    assert re.search(rf'value="{region.id}" checked', page)
    assert session().scalar(sa.select(sa.func.count()).select_from(Person).where(Person.name == "Personne")) == 0


# The preview and the confirmation.


def test_the_preview_shows_what_start_plan_then_stores(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {**details(territory), **role_fields(lead, partners)}
    fields["role-region-people"] = [str(partners["region-second"].id), str(partners["region"].id)]
    response = post(client, "to-preview", fields)
    page = text(response)
    assert response.status_code == 200 and plans() == []  # nothing is written before Confirm
    stages, tasks = preview_dates(page)
    assert list(stages) == ["observe", "experiment", "adapt", "articulate", "lead-change"]
    assert stages["observe"] == (date(2026, 12, 14), date(2027, 3, 14))
    # 15 working days from Monday 14 December 2026 skip two weekends, Christmas and New Year's Day.
    assert tasks["inventory-existing-studies"] == date(2027, 1, 6)
    assert "15 working days after the stage opens" in page and "30 days after the stage opens" in page
    assert "6 January 2027" in page and "(Europe/Paris)" in page and "public holidays (calendar: France)" in page
    assert re.search(r'data-task="fund-pilot">.*?<td>Zoé Région</td>', page, flags=re.S)  # first chosen person
    # 14 December is ahead: the plan will wait, unless the lead ticks the box (unticked at first).
    assert "its first stage opens on 14 December 2026 at 08:30" in page
    assert re.search(r'<input id="open-now" name="open_now" type="checkbox" value="yes"[^>]*>', page)
    assert 'id="open-now" name="open_now" type="checkbox" value="yes" checked' not in page

    confirmed = post(client, "confirm", {**fields})
    (plan,) = plans()
    assert confirmed.status_code == 302 and confirmed.headers["Location"].endswith(f"/plans/{plan.id}")
    stored_stages = session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id)).all()
    assert {s.stage_key: (s.planned_start_date, s.planned_end_date) for s in stored_stages} == stages
    stored_tasks = session().scalars(sa.select(Task).where(Task.plan_id == plan.id)).all()
    assert {t.task_key: t.due_date for t in stored_tasks} == tasks
    assert {t.task_key: t.assignee_id for t in stored_tasks}["fund-pilot"] == partners["region-second"].id
    assert (plan.name, plan.start_date, plan.timezone, plan.territory_id) == (
        "GPECT Chartres 2027",
        date(2026, 12, 14),
        "Europe/Paris",
        territory.id,
    )
    mapped = {a.role_key for a in session().scalars(sa.select(RoleAssignment).where(RoleAssignment.plan_id == plan.id))}
    assert mapped == {"lead", "steering_committee", *ROLES}
    assert plan.status is PlanStatus.SCHEDULED and {s.status for s in stored_stages} == {StageStatus.PENDING}
    with client.session_transaction() as cookie:
        flashed = [message for _, message in cookie["_flashes"]]
    assert flashed == ["The plan GPECT Chartres 2027 is scheduled: its first stage opens on 14 December 2026."]


def test_ticking_open_now_opens_the_first_lever_at_once(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {**details(territory), **role_fields(lead, partners), "open_now": "yes"}
    preview = text(post(client, "to-preview", fields))
    assert 'id="open-now" name="open_now" type="checkbox" value="yes" checked' in preview
    assert hidden(preview, "open_now") == [], "the box is on this step, not carried"
    assert hidden(text(post(client, "to-roles", fields)), "open_now") == ["yes"], "going back keeps the choice"

    assert post(client, "confirm", fields).status_code == 302
    (plan,) = plans()
    stages = session().scalars(sa.select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position))
    assert plan.status is PlanStatus.ACTIVE and plan.current_stage_key == "observe"
    assert [s.status for s in stages] == [StageStatus.OPEN] + [StageStatus.PENDING] * 4
    assert plan.start_date == date(2026, 12, 14), "the dates stay as planned"
    with client.session_transaction() as cookie:
        flashed = [message for _, message in cookie["_flashes"]]
    assert flashed == ["The plan GPECT Chartres 2027 has started: its first stage is open."]


def test_a_plan_starting_today_offers_no_choice_and_opens(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {**details(territory, start_date="2026-11-30"), **role_fields(lead, partners)}
    preview = text(post(client, "to-preview", fields))
    assert 'name="open_now"' not in preview and "Open the first lever now" not in preview
    assert post(client, "confirm", fields).status_code == 302
    (plan,) = plans()
    assert plan.status is PlanStatus.ACTIVE and plan.current_stage_key == "observe"


def test_the_plan_keeps_the_time_zone_chosen(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {**details(territory, timezone="America/Cayenne"), **role_fields(lead, partners)}
    assert "America/Cayenne" in text(post(client, "to-preview", fields))
    assert post(client, "confirm", fields).status_code == 302
    (plan,) = plans()
    assert plan.timezone == "America/Cayenne"


def test_back_from_the_preview_returns_to_the_roles_as_chosen(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {**details(territory), **role_fields(lead, partners)}
    preview = text(post(client, "to-preview", fields))
    assert hidden(preview, "role-training_body-people") == [str(partners["training_body"].id)]
    page = text(post(client, "to-roles", fields))
    assert re.search(rf'<option value="{partners["training_body"].organisation_id}" selected>', page)
    assert re.search(rf'value="{partners["training_body"].id}" checked', page)


def test_confirm_checks_every_step_again(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {**details(territory), **role_fields(lead, partners)}
    partners["region"].is_active = False  # deactivated between the preview and the confirmation
    session().commit()
    fields["role-region-people"] = [str(partners["region"].id)]
    response = post(client, "confirm", fields)
    assert response.status_code == 422 and 'id="role-region-people-error"' in text(response)
    response = post(client, "confirm", {**fields, "name": ""})
    assert response.status_code == 422 and 'id="name-error"' in text(response)
    assert plans() == []


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"name": [PLAN_NAME_NEEDED]}, 'id="name-error" role="alert">Give the plan a name.'),
        (
            {"roles": [ROLES_UNMAPPED]},
            'id="roles-error" role="alert">Map these roles to an organisation and at least one person: region.',
        ),
        ({"other": [NAME_LENGTH]}, 'id="form-error" role="alert">Give a name of 1 to 200 characters.'),
    ],
)
def test_start_plan_refusals_are_shown_at_their_step(
    client: FlaskClient,
    lead: Person,
    territory: Territory,
    partners: dict[str, Person],
    monkeypatch: pytest.MonkeyPatch,
    fields: dict[str, list[str]],
    shown: str,
) -> None:
    def refuse(*args: object) -> None:
        raise ValidationError(Refusal.INVALID_INPUT, fields, roles="region")

    monkeypatch.setattr("gpect_workflow.web.plans.wizard.start_plan", refuse)
    sign_in(client, lead)
    response = post(client, "confirm", {**details(territory), **role_fields(lead, partners)})
    assert response.status_code == 422 and shown in text(response)


def test_unknown_actions_are_bad_requests(client: FlaskClient, lead: Person, territory: Territory) -> None:
    sign_in(client, lead)
    assert post(client, "explode", details(territory)).status_code == 400
    assert post(client, "create-person:not-a-role", details(territory)).status_code == 400


def test_confirming_twice_starts_one_plan(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person], clock: FrozenClock
) -> None:
    sign_in(client, lead)
    fields = {**details(territory), **role_fields(lead, partners)}
    first = post(client, "confirm", fields)
    again = post(client, "confirm", fields)  # a double click, or the browser's back button and Confirm
    (plan,) = plans()
    assert first.headers["Location"] == again.headers["Location"] and again.headers["Location"].endswith(
        f"/plans/{plan.id}"
    )
    clock.advance(timedelta(minutes=11))
    post(client, "confirm", fields)  # later on, the same details are a new plan (the lead meant it)
    assert len(plans()) == 2


# The rules of stored values: time zone, dates, addresses.


@pytest.mark.parametrize("zone", ["right/UTC", "posixrules", "Mars/Olympus", "0"])
def test_a_zone_that_is_not_an_iana_name_stops_the_first_step(
    client: FlaskClient, lead: Person, territory: Territory, zone: str
) -> None:
    sign_in(client, lead)
    response = post(client, "to-roles", details(territory, timezone=zone))
    page = text(response)
    assert response.status_code == 422
    assert f'id="timezone-error" role="alert">{TIMEZONE_MESSAGE}</span>' in page and f'value="{zone}"' in page
    assert 'value="GPECT Chartres 2027"' in page and plans() == []


def test_a_start_date_out_of_range_or_a_schedule_past_it_stops_the_first_step(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    for typed, message in (
        ("9999-12-31", DATE_MESSAGE),
        ("1999-06-01", DATE_MESSAGE),
        ("2099-12-01", SCHEDULE_MESSAGE),
    ):
        response = post(client, "to-roles", details(territory, start_date=typed))
        page = text(response)
        assert response.status_code == 422, typed
        assert f'id="start_date-error" role="alert">{message}</span>' in page and f'value="{typed}"' in page
    confirmed = post(client, "confirm", {**details(territory, start_date="9999-12-31"), **role_fields(lead, partners)})
    assert confirmed.status_code == 422 and plans() == [], "confirming re-checks the first step"


def test_an_inline_person_whose_address_the_sender_could_not_use_is_refused(
    client: FlaskClient, lead: Person, territory: Territory, partners: dict[str, Person]
) -> None:
    sign_in(client, lead)
    fields = {
        **details(territory),
        **role_fields(lead, partners),
        "new-person-region-name": "Paul Région",
        "new-person-region-email": "paul@region.example.org\r\nbcc:x@y.org",
    }
    response = post(client, "create-person:region", fields)
    page = text(response)
    assert response.status_code == 422
    assert f'id="new-person-region-email-error" role="alert">{EMAIL_MESSAGE}' in page and 'value="Paul Région"' in page
    assert session().scalar(sa.select(sa.func.count()).select_from(Person).where(Person.name == "Paul Région")) == 0
    organisation = {
        **details(territory),
        "new-organisation-companies-name": "Labo local",
        "new-organisation-companies-kind": "company",
        "new-organisation-companies-email": "contact@labo.local",
    }
    response = post(client, "create-organisation:companies", organisation)
    assert response.status_code == 422
    assert f'id="new-organisation-companies-email-error" role="alert">{EMAIL_MESSAGE}' in text(response)
    assert session().scalar(sa.select(Organisation).where(Organisation.name == "Labo local")) is None
