"""Where an organisation acts, on the pages: the directory's form, listing and filter, look-alike warnings, and
the wizard offering region-wide bodies and choosing the person a known address names."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from gpect_workflow.models import (
    Language,
    Organisation,
    OrganisationKind,
    Person,
    PersonRole,
    Territory,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from tests.conftest import post_form, sign_in

CENTRE = "Centre-Val de Loire"
NEW = "/partners/organisations/new"
WIZARD = "/plans/new"


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model: type[Any], *conditions: Any) -> int:
    session().expire_all()
    return session().scalar(sa.select(sa.func.count()).select_from(model).where(*conditions)) or 0


@pytest.fixture
def lead(create_user: Any, territory: Territory) -> Person:
    """An English-speaking lead (pages in the source language), with a second territory in Bretagne."""
    ensure_territory("rennes", "Rennes Métropole", "35", "Bretagne")
    person = create_user("lead@example.org", PersonRole.LEAD, name="Claire Lead", language=Language.EN)
    session().commit()
    return person


@pytest.fixture
def region(lead: Person) -> Organisation:
    organisation = ensure_organisation("Région Centre-Val de Loire", OrganisationKind.REGION, None, region=CENTRE)
    create_person("marc@region.example.org", PersonRole.COMMITTEE, "Marc Lefebvre", organisation=organisation)
    session().commit()
    return organisation


def test_the_form_files_an_organisation_region_wide_and_the_directory_shows_and_filters_it(
    client: FlaskClient, lead: Person
) -> None:
    sign_in(client, lead)
    form = text(client.get(NEW))
    assert 'name="scope" value="region"' in form and f'<option value="{CENTRE}">' in form
    created = post_form(client, NEW, {"name": "DREETS", "kind": "state_service", "scope": "region", "region": CENTRE})
    assert created.status_code == 302
    dreets = session().scalar(sa.select(Organisation).where(Organisation.name == "DREETS"))
    assert dreets is not None and (dreets.scope, dreets.region, dreets.territory_id) == ("region", CENTRE, None)
    page = text(client.get(f"/partners/organisations/{dreets.id}"))
    assert f"Whole region: {CENTRE}" in page
    listing = text(client.get("/partners", query_string={"scope": "region"}))
    assert ">DREETS</a>" in listing and ">Maison de l'Emploi</a>" not in listing
    listing = text(client.get("/partners", query_string={"scope": "territory"}))
    assert ">DREETS</a>" not in listing and ">Maison de l'Emploi</a>" in listing
    assert "DREETS" in text(client.get("/partners", query_string={"scope": "<script>"}))  # ignored, like other filters


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"scope": "galaxy"}, "scope", "Choose where the organisation acts"),
        ({"scope": "territory", "territory_id": ""}, "territory_id", "Choose the territory the organisation serves."),
        ({"scope": "region", "region": ""}, "region", "Choose the region the organisation serves."),
        ({"scope": "region", "region": "Atlantide"}, "region", "No territory lies in this region."),
        ({"scope": "region", "region": "R" * 5000}, "region", "No territory lies in this region."),
    ],
)
def test_a_scope_without_its_place_re_renders_the_form_with_the_fields_message(
    client: FlaskClient, lead: Person, fields: dict[str, str], field: str, message: str
) -> None:
    sign_in(client, lead)
    response = post_form(client, NEW, {"name": "Placé", "kind": "other", **fields})
    page = text(response)
    assert response.status_code == 422 and 'value="Placé"' in page
    assert re.search(rf'id="{field}-error"[^>]*>{re.escape(message)}', page)
    assert count(Organisation, Organisation.name == "Placé") == 0


def test_a_nul_byte_in_the_region_is_refused_and_nothing_is_stored(client: FlaskClient, lead: Person) -> None:
    sign_in(client, lead)
    response = post_form(client, NEW, {"name": "Placé", "kind": "other", "scope": "region", "region": "Centre\x00"})
    assert response.status_code in (400, 422) and count(Organisation, Organisation.name == "Placé") == 0


def test_a_look_alike_warns_naming_the_existing_one_then_saves_when_confirmed(
    client: FlaskClient, lead: Person, territory: Territory, region: Organisation
) -> None:
    sign_in(client, lead)
    fields = {
        "name": "Region Centre Val-de-Loire",
        "kind": "region",
        "scope": "territory",
        "territory_id": str(territory.id),
    }
    warned = post_form(client, NEW, fields)
    page = text(warned)
    assert warned.status_code == 422
    assert "Région Centre-Val de Loire is already in the directory and acts on the same place" in page
    assert f'href="/partners/organisations/{region.id}"' in page and 'name="confirm" value="yes"' in page
    assert count(Organisation, Organisation.name == "Region Centre Val-de-Loire") == 0
    saved = post_form(client, NEW, {**fields, "confirm": "yes"})
    assert saved.status_code == 302 and count(Organisation, Organisation.name == "Region Centre Val-de-Loire") == 1


def test_the_person_form_warns_of_a_namesake_and_points_to_the_account_an_address_names(
    client: FlaskClient, lead: Person, region: Organisation
) -> None:
    sign_in(client, lead)
    fields = {"email": "m.lefebvre@region.example.org", "name": "MARC LEFÈBVRE", "role": "partner", "language": "fr"}
    fields |= {"timezone": "Europe/Paris", "organisation_id": str(region.id)}
    warned = post_form(client, "/partners/people/new", fields)
    assert (
        warned.status_code == 422
        and "Marc Lefebvre <marc@region.example.org> is already in this organisation" in text(warned)
    )
    assert count(Person, Person.email == "m.lefebvre@region.example.org") == 0
    known = post_form(client, "/partners/people/new", {**fields, "email": "Marc@Region.example.org"})
    assert known.status_code == 422 and "This address is already the account of Marc Lefebvre" in text(known)
    assert post_form(client, "/partners/people/new", {**fields, "confirm": "yes"}).status_code == 302
    assert count(Person, Person.email == "m.lefebvre@region.example.org") == 1


# --- The wizard ------------------------------------------------------------------------------------------------


@pytest.fixture
def wizard_fields(definitions: None, territory: Territory) -> dict[str, str]:
    return {
        "definition": "gpect-five-levers:1",
        "territory_id": str(territory.id),
        "name": "GPECT Chartres 2027",
        "start_date": "2026-12-14",
        "timezone": "Europe/Paris",
    }


def test_the_wizard_offers_region_wide_bodies_of_the_plans_region_only(
    client: FlaskClient, lead: Person, region: Organisation, wizard_fields: dict[str, str]
) -> None:
    bretagne = ensure_organisation("Région Bretagne", OrganisationKind.REGION, None, region="Bretagne")
    session().commit()
    sign_in(client, lead)
    page = text(post_form(client, WIZARD, {**wizard_fields, "action": "to-roles"}))
    group = page.split('<optgroup label="Regional and national bodies">')[1].split("</optgroup>")[0]
    assert f'<option value="{region.id}">Région Centre-Val de Loire</option>' in group
    assert "Région Bretagne" not in page
    chosen = {**wizard_fields, "role-steering_committee-organisation": str(bretagne.id), "action": "to-preview"}
    refused = post_form(client, WIZARD, chosen)
    assert refused.status_code == 422 and 'id="role-steering_committee-organisation-error"' in text(refused)


def test_the_wizard_warns_of_a_look_alike_organisation_and_uses_it_on_request(
    client: FlaskClient, lead: Person, region: Organisation, wizard_fields: dict[str, str]
) -> None:
    sign_in(client, lead)
    typed = {
        **wizard_fields,
        "new-organisation-region-name": "REGION centre val de loire",
        "new-organisation-region-kind": "region",
    }
    warned = post_form(client, WIZARD, {**typed, "action": "create-organisation:region"})
    page = text(warned)
    assert warned.status_code == 422 and "Use Région Centre-Val de Loire" in page
    assert f'name="new-organisation-region-similar" value="{region.id}"' in page
    used = post_form(
        client,
        WIZARD,
        {**typed, "new-organisation-region-similar": str(region.id), "action": "use-organisation:region"},
    )
    page = text(used)
    assert used.status_code == 200 and f'<option value="{region.id}" selected>' in page
    assert "Marc Lefebvre" in page and count(Organisation) == 2
    foreign = ensure_organisation(
        "Ailleurs", OrganisationKind.OTHER, ensure_territory("rennes", "Rennes", "35", "Bretagne")
    )
    session().commit()
    hostile = post_form(
        client,
        WIZARD,
        {**typed, "new-organisation-region-similar": str(foreign.id), "action": "use-organisation:region"},
    )
    assert hostile.status_code == 400
    created = post_form(
        client, WIZARD, {**typed, "new-organisation-region-confirm": "yes", "action": "create-organisation:region"}
    )
    assert created.status_code == 200 and count(Organisation, Organisation.name == "REGION centre val de loire") == 1


def test_the_wizard_chooses_the_regional_person_an_address_names_for_the_committee(
    client: FlaskClient, lead: Person, region: Organisation, wizard_fields: dict[str, str]
) -> None:
    sign_in(client, lead)
    typed = {
        **wizard_fields,
        "new-person-steering_committee-name": "Marc",
        "new-person-steering_committee-email": "MARC@region.example.org",
    }
    response = post_form(client, WIZARD, {**typed, "action": "create-person:steering_committee"})
    page = text(response)
    marc = session().scalar(sa.select(Person).where(Person.email == "marc@region.example.org"))
    assert marc is not None
    assert (
        response.status_code == 200 and "Marc Lefebvre is already in the directory (Région Centre-Val de Loire)" in page
    )
    assert re.search(
        rf'name="role-steering_committee-organisation"[^>]*>.*?<option value="{region.id}" selected>', page, re.S
    )
    assert (
        f'id="role-steering_committee-people-{marc.id}" name="role-steering_committee-people" value="{marc.id}" checked'
        in page
    )
    assert count(Person) == 2
