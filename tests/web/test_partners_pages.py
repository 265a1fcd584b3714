"""The partners directory pages: reading by role, filters and search, forms, and the CSV import."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.models import Language, Organisation, OrganisationKind, Person, PersonRole, Territory
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.importing.reading import MAX_FILE_BYTES, example_csv, read_csv
from gpect_workflow.services.partners.organisations import ensure_organisation, ensure_territory
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.validation import EMAIL_MESSAGE, TIMEZONE_MESSAGE
from gpect_workflow.web.partners import importing as partners_import
from tests.conftest import csrf_token, post_form, sign_in
from tests.plan_helpers import start_five_levers_plan
from tests.query_count import count_queries

DATA = Path(__file__).resolve().parent.parent / "data" / "partners"
ROLES = ("admin", "lead", "partner", "committee")


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def people(create_user: Any, territory: Territory) -> dict[str, Person]:
    """One person of each role, English speakers (so pages speak the source language), in the default organisation."""
    made = {
        role: create_user(f"{role}@example.org", PersonRole(role), name=f"{role.title()} Person", language=Language.EN)
        for role in ROLES
    }
    session().commit()
    return made


def as_(client: FlaskClient, person: Person) -> FlaskClient:
    return sign_in(client, person)


def organisation_named(name: str) -> Organisation | None:
    session().expire_all()
    return session().scalar(sa.select(Organisation).where(Organisation.name == name))


def person_with(email: str) -> Person | None:
    session().expire_all()
    return session().scalar(sa.select(Person).where(Person.email == email))


# --------------------------------------------------------------------------------------------------------------
# Who may see what
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/partners",
        "/partners/organisations/1",
        "/partners/organisations/new",
        "/partners/people/new",
        "/partners/import",
        "/partners/import/example.csv",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=") and url.split("/")[1] in response.headers["Location"]


def test_anonymous_posts_change_nothing(client: FlaskClient, people: dict[str, Person]) -> None:
    response = post_form(client, "/partners/organisations/new", {"name": "Ghost", "kind": "other"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert organisation_named("Ghost") is None


@pytest.mark.parametrize("who", ROLES)
def test_everyone_signed_in_reads_the_directory(client: FlaskClient, people: dict[str, Person], who: str) -> None:
    page = text(as_(client, people[who]).get("/partners"))
    assert "Partners directory" in page and "Maison de l'Emploi" in page and "Agglomération chartraine" in page
    managing = who in ("admin", "lead")
    assert ("Add an organisation" in page) is managing and ("/partners/import" in page) is managing
    assert ("/partners/people/" in page and "/edit" in page) is (who == "admin"), "only administrators edit people"


def test_a_partner_sees_only_the_people_of_their_plans(
    client: FlaskClient, definitions: None, people: dict[str, Person], create_user: Any
) -> None:
    plan = start_five_levers_plan(people["lead"])
    partner = session().scalar(sa.select(Person).where(Person.email == "employment-service@partners.example.org"))
    assert partner is not None
    partner.language = Language.EN
    session().commit()
    seen = text(as_(client, partner).get("/partners"))
    assert "Lead Person" in seen and "chamber-of-commerce@partners.example.org" in seen
    assert "Admin Person" not in seen and "Committee Person" not in seen
    assert "You see the people of the plans you take part in." in seen
    mde = organisation_named("Maison de l'Emploi")
    assert mde is not None
    organisation = text(as_(client, partner).get(f"/partners/organisations/{mde.id}"))
    assert "Lead Person" in organisation and "Partner Person" not in organisation
    assert re.search(r"<dt>People</dt><dd>1</dd>", organisation), "counts only the people the partner may see"
    everyone = text(as_(client, people["committee"]).get(f"/partners/organisations/{mde.id}"))
    assert re.search(r"<dt>People</dt><dd>4</dd>", everyone) and "Admin Person" in everyone
    assert plan.id


@pytest.mark.parametrize("who", ("partner", "committee"))
def test_partners_and_committee_members_get_no_forms_and_forged_posts_are_refused(
    client: FlaskClient, people: dict[str, Person], who: str
) -> None:
    as_(client, people[who])
    mde = organisation_named("Maison de l'Emploi")
    assert mde is not None
    page = text(client.get(f"/partners/organisations/{mde.id}"))
    assert "Edit the organisation" not in page and "Add a person" not in page
    for url in (
        "/partners/organisations/new",
        f"/partners/organisations/{mde.id}/edit",
        "/partners/people/new",
        f"/partners/people/{people['partner'].id}/edit",
        "/partners/import",
        "/partners/import/example.csv",
    ):
        assert client.get(url).status_code == 403, url
    forged = {
        "/partners/organisations/new": {"name": "Forged", "kind": "other"},
        f"/partners/organisations/{mde.id}/edit": {"name": "Forged", "kind": "other"},
        "/partners/people/new": {"email": "forged@example.org", "role": "partner", "language": "fr"},
        f"/partners/people/{people['partner'].id}/edit": {"name": "Forged", "role": "admin", "language": "fr"},
        "/partners/import/confirm": {"upload": "x", "mode": "valid_rows"},
    }
    for url, data in forged.items():
        assert post_form(client, url, data).status_code == 403, url
    response = upload(client, example_csv())
    assert response.status_code == 403
    assert organisation_named("Forged") is None and person_with("forged@example.org") is None
    assert session().get(Person, people["partner"].id).role is PersonRole.PARTNER  # type: ignore[union-attr]
    assert organisation_named("Maison de l'Emploi") is not None


def test_a_missing_organisation_is_404(client: FlaskClient, people: dict[str, Person]) -> None:
    as_(client, people["lead"])
    assert client.get("/partners/organisations/999999").status_code == 404
    assert client.get("/partners/organisations/999999/edit").status_code == 404
    as_(client, people["admin"])
    assert client.get("/partners/people/999999/edit").status_code == 404


# --------------------------------------------------------------------------------------------------------------
# Filters, search, grouping, pages
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def directory(people: dict[str, Person], territory: Territory) -> dict[str, Any]:
    lochois = ensure_territory("lochois", "Lochois et Sud Touraine", "37")
    region = ensure_organisation("Région Centre-Val de Loire", OrganisationKind.REGION, None)
    cci = ensure_organisation("CCI Touraine", OrganisationKind.CHAMBER, lochois)
    loches = ensure_organisation("Mission locale de Loches", OrganisationKind.YOUTH_SERVICE, lochois)
    create_person(
        "helene@region.example.org", PersonRole.COMMITTEE, "Hélène Garnier", organisation=region, is_referent=True
    )
    create_person("paul@cci.example.org", PersonRole.PARTNER, "Paul Durand", organisation=cci, language=Language.EN)
    create_person("zoe@ml.example.org", PersonRole.PARTNER, "Zoé 100%_Dupré", organisation=loches)
    session().commit()
    return {"lochois": lochois, "region": region, "cci": cci, "loches": loches, "chartres": territory}


def organisation_rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/partners/organisations/\d+">([^<]+)</a></th>', page)


def people_rows(page: str) -> list[str]:
    return [name.strip() for name in re.findall(r'<th scope="row">([^<]+)(?:<span|</th>)', page)]


def test_organisations_are_grouped_by_territory_with_kind_people_and_referent(
    client: FlaskClient, directory: dict[str, Any], people: dict[str, Person]
) -> None:
    page = text(as_(client, people["lead"]).get("/partners"))
    assert organisation_rows(page) == [
        "Maison de l'Emploi",
        "CCI Touraine",
        "Mission locale de Loches",
        "Région Centre-Val de Loire",
    ]
    groups = re.findall(r'<th scope="rowgroup" colspan="4">([^<]+)</th>', page)
    assert groups == ["Agglomération chartraine", "Lochois et Sud Touraine", "National"]
    region = page[page.index("Région Centre-Val de Loire</a>") :]
    assert re.match(
        r"Région Centre-Val de Loire</a></th>\s*<td>Region</td>\s*<td>1</td>\s*<td>Hélène Garnier</td>", region
    )
    assert "Chamber (commerce, trades, agriculture)" in page and "Youth service (Mission locale)" in page
    assert people_rows(page) == [
        "Admin Person",
        "Committee Person",
        "Hélène Garnier",
        "Lead Person",
        "Partner Person",
        "Paul Durand",
        "Zoé 100%_Dupré",
    ]
    paul = page[page.index("Paul Durand") :]
    assert re.search(r"paul@cci.example.org.*CCI Touraine.*<td>Partner</td>\s*<td>English</td>", paul, re.S)


def test_filters_by_territory_kind_and_search(
    client: FlaskClient, directory: dict[str, Any], people: dict[str, Person]
) -> None:
    as_(client, people["committee"])

    def listed(**query: Any) -> tuple[list[str], list[str]]:
        page = text(client.get("/partners", query_string=query))
        return organisation_rows(page), people_rows(page)

    lochois = directory["lochois"].id
    assert listed(territory=lochois) == (
        ["CCI Touraine", "Mission locale de Loches"],
        ["Paul Durand", "Zoé 100%_Dupré"],
    )
    assert listed(territory="none") == (["Région Centre-Val de Loire"], ["Hélène Garnier"])
    assert listed(kind="chamber") == (["CCI Touraine"], ["Paul Durand"])
    assert listed(territory=lochois, kind="region") == ([], [])
    assert listed(q="mission") == (["Mission locale de Loches"], [])
    assert listed(q="DURAND") == ([], ["Paul Durand"])
    assert listed(q="ml.example") == ([], ["Zoé 100%_Dupré"]), "people are found by address too"
    assert listed(q="100%_") == ([], ["Zoé 100%_Dupré"]) and listed(q="%") == ([], ["Zoé 100%_Dupré"]), "no wildcards"
    everything = listed()
    assert listed(territory="nonsense", kind="castle") == everything, "values that mean nothing are ignored"
    page = text(client.get("/partners", query_string={"territory": lochois, "kind": "chamber", "q": "cci"}))
    assert f'<option value="{lochois}" selected>' in page and '<option value="chamber" selected>' in page
    assert 'value="cci"' in page and "Clear the filters" in page


def test_long_lists_come_a_page_at_a_time_keeping_the_filters(
    app: Flask, client: FlaskClient, people: dict[str, Person], territory: Territory
) -> None:
    app.config["PAGE_SIZE"] = 3
    for number in range(1, 8):
        organisation = ensure_organisation(f"Entreprise {number:02d}", OrganisationKind.COMPANY, territory)
        create_person(
            f"salarie{number:02d}@example.org", PersonRole.PARTNER, f"Salarié {number:02d}", organisation=organisation
        )
    session().commit()
    as_(client, people["lead"])
    first = text(client.get("/partners", query_string={"kind": "company"}))
    assert organisation_rows(first) == ["Entreprise 01", "Entreprise 02", "Entreprise 03"]
    assert "Page 1 of 3" in first and "Next page" in first
    assert re.search(r'href="/partners\?[^"]*kind=company[^"]*"', first) and re.search(
        r'href="/partners\?[^"]*[?&]page=2', first
    )
    third = text(client.get("/partners", query_string={"kind": "company", "page": 3, "people_page": 2}))
    assert organisation_rows(third) == ["Entreprise 07"] and "Page 3 of 3" in third
    assert people_rows(third) == ["Salarié 04", "Salarié 05", "Salarié 06"]
    assert re.search(r'href="/partners\?[^"]*people_page=3', third) and re.search(
        r'href="/partners\?[^"]*kind=company', third
    )
    beyond = text(client.get("/partners", query_string={"kind": "company", "page": 99}))
    assert organisation_rows(beyond) == ["Entreprise 07"], "a page past the end shows the last one"
    organisation = organisation_named("Maison de l'Emploi")
    assert organisation is not None
    members = text(client.get(f"/partners/organisations/{organisation.id}", query_string={"page": 2}))
    assert people_rows(members) == ["Partner Person"] and "Page 2 of 2" in members


def _fill(territory: Territory, start: int, stop: int) -> None:
    for number in range(start, stop):
        organisation = ensure_organisation(f"Organisation {number:03d}", OrganisationKind.OTHER, territory)
        create_person(
            f"p{number:03d}@example.org",
            PersonRole.PARTNER,
            f"Personne {number:03d}",
            organisation=organisation,
            is_referent=True,
        )
    session().commit()


@pytest.mark.parametrize("who", ("lead", "partner"))
def test_the_directory_costs_the_same_queries_with_10_or_200_organisations(
    client: FlaskClient, people: dict[str, Person], territory: Territory, who: str
) -> None:
    as_(client, people[who])
    _fill(territory, 0, 10)
    g.pop("_login_user", None)  # each request signs its person in, as on a server
    with count_queries() as small:
        assert client.get("/partners").status_code == 200
    _fill(territory, 10, 200)
    session().expire_all()
    g.pop("_login_user", None)
    with count_queries() as large:
        page = client.get("/partners")
    assert page.status_code == 200 and len(large) == len(small), (len(small), len(large))
    assert len(large) <= 10


# --------------------------------------------------------------------------------------------------------------
# Organisation forms
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ("lead", "admin"))
def test_leads_and_administrators_add_organisations(
    client: FlaskClient, people: dict[str, Person], territory: Territory, who: str
) -> None:
    as_(client, people[who])
    form = text(client.get("/partners/organisations/new"))
    assert 'name="csrf_token"' in form and '<label for="name">' in form and '<label for="kind">' in form
    response = post_form(
        client,
        "/partners/organisations/new",
        {
            "name": "  Cosmetic Valley ",
            "kind": "cluster",
            "territory_id": str(territory.id),
            "email": "Contact@Cosmetic.example.org",
        },
    )
    organisation = organisation_named("Cosmetic Valley")
    assert organisation is not None
    assert response.status_code == 302 and response.headers["Location"] == f"/partners/organisations/{organisation.id}"
    assert (organisation.kind, organisation.territory_id, organisation.email) == (
        OrganisationKind.CLUSTER,
        territory.id,
        "contact@cosmetic.example.org",
    )
    page = text(client.get(response.headers["Location"]))
    assert "The organisation Cosmetic Valley was added to the directory." in page and "Cluster" in page


def test_organisation_form_errors_are_shown_in_place_with_the_input_kept(
    client: FlaskClient, people: dict[str, Person], territory: Territory
) -> None:
    as_(client, people["lead"])
    response = post_form(
        client, "/partners/organisations/new", {"name": "", "kind": "castle", "territory_id": "x", "email": "nope"}
    )
    page = text(response)
    assert response.status_code == 422
    assert re.search(r'id="kind-error"[^>]*role="alert">Choose a kind of organisation from the list.', page)
    assert re.search(r'id="territory_id-error"[^>]*role="alert">Unknown territory.', page)
    assert 'value="nope"' in page
    response = post_form(client, "/partners/organisations/new", {"name": "", "kind": "company", "email": "nope"})
    page = text(response)
    assert response.status_code == 422 and '<option value="company" selected>' in page
    assert re.search(r'id="name-error"[^>]*>Give a name of 1 to 200 characters.', page)
    assert re.search(rf'id="email-error"[^>]*>{re.escape(EMAIL_MESSAGE)}', page)
    assert 'aria-invalid="true" aria-describedby="email-error"' in page
    response = post_form(
        client,
        "/partners/organisations/new",
        {"name": "Maison de l'Emploi", "kind": "company", "territory_id": str(territory.id)},
    )
    assert response.status_code == 422
    assert "An organisation of this name already serves the same territory, region or country." in text(response)
    assert 'value="Maison de l\'Emploi"' in text(response)
    assert session().scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1


def test_leads_change_organisations_and_a_taken_name_is_422(
    client: FlaskClient, people: dict[str, Person], directory: dict[str, Any]
) -> None:
    as_(client, people["lead"])
    cci = directory["cci"]
    form = text(client.get(f"/partners/organisations/{cci.id}/edit"))
    assert 'value="CCI Touraine"' in form and '<option value="chamber" selected>' in form
    taken = post_form(
        client,
        f"/partners/organisations/{cci.id}/edit",
        {"name": "Mission locale de Loches", "kind": "chamber", "territory_id": str(directory["lochois"].id)},
    )
    assert (
        taken.status_code == 422
        and "An organisation of this name already serves the same territory, region or country." in text(taken)
    )
    assert 'value="Mission locale de Loches"' in text(taken)
    saved = post_form(
        client,
        f"/partners/organisations/{cci.id}/edit",
        {"name": "CCI Touraine (Loches)", "kind": "employers_group", "territory_id": "", "email": "cci@example.org"},
    )
    assert saved.status_code == 302
    changed = session().get(Organisation, cci.id)
    assert changed is not None
    assert (changed.name, changed.kind, changed.territory_id, changed.email) == (
        "CCI Touraine (Loches)",
        OrganisationKind.EMPLOYERS_GROUP,
        None,
        "cci@example.org",
    )


# --------------------------------------------------------------------------------------------------------------
# Person forms
# --------------------------------------------------------------------------------------------------------------


def test_leads_add_people_to_an_organisation(
    client: FlaskClient, people: dict[str, Person], directory: dict[str, Any]
) -> None:
    as_(client, people["lead"])
    loches = directory["loches"]
    organisation_page = text(client.get(f"/partners/organisations/{loches.id}"))
    assert f"/partners/people/new?organisation_id={loches.id}" in organisation_page
    form = text(client.get("/partners/people/new", query_string={"organisation_id": loches.id}))
    assert f'<option value="{loches.id}" selected>Mission locale de Loches</option>' in form
    assert "CCI Touraine" in form, "the organisation's territory is listed"
    assert '<option value="admin"' not in form, "leads do not create administrators"
    response = post_form(
        client,
        f"/partners/people/new?organisation_id={loches.id}",
        {
            "email": "Nina.Conseil@ML.example.org",
            "name": "Nina Conseil",
            "organisation_id": str(loches.id),
            "role": "partner",
            "language": "en",
            "is_referent": "1",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/partners/organisations/{loches.id}"
    nina = person_with("nina.conseil@ml.example.org")
    assert nina is not None
    assert (nina.name, nina.organisation_id, nina.role, nina.language, nina.is_referent) == (
        "Nina Conseil",
        loches.id,
        PersonRole.PARTNER,
        Language.EN,
        True,
    )
    assert "Nina Conseil was added to the directory." in text(client.get(response.headers["Location"]))


def test_the_person_form_lists_the_organisations_of_one_territory(
    client: FlaskClient, people: dict[str, Person], directory: dict[str, Any]
) -> None:
    as_(client, people["lead"])
    nothing = text(client.get("/partners/people/new"))
    assert (
        "Choose a territory above to list its organisations." in nothing
        and "CCI Touraine" not in nothing.split("organisation_id")[1]
    )
    lochois = text(client.get("/partners/people/new", query_string={"territory": directory["lochois"].id}))
    assert "CCI Touraine</option>" in lochois and "Mission locale de Loches</option>" in lochois
    assert "Maison de l'Emploi</option>" not in lochois
    nonsense = text(client.get("/partners/people/new", query_string={"territory": "abc"}))
    assert "Choose a territory above to list its organisations." in nonsense
    national = text(client.get("/partners/people/new", query_string={"territory": "none"}))
    assert "Région Centre-Val de Loire</option>" in national and "CCI Touraine</option>" not in national


def test_person_form_errors_are_shown_in_place_with_the_input_kept(
    client: FlaskClient, people: dict[str, Person], directory: dict[str, Any]
) -> None:
    as_(client, people["lead"])
    region = directory["region"]
    cases = [
        ({"email": "not-an-address", "name": "Kept Name"}, "email", EMAIL_MESSAGE),
        ({"email": "Paul@CCI.example.org", "name": "Kept Name"}, "email", "This address already has an account."),
        ({"email": "", "name": "Kept Name"}, "email", "An email address is required."),
        ({"email": "x@example.org", "name": "Kept Name", "role": "king"}, "role", "Choose a role from the list."),
        (
            {"email": "x@example.org", "name": "Kept Name", "organisation_id": str(region.id), "is_referent": "1"},
            "is_referent",
            "This organisation already has a referent.",
        ),
        ({"email": "x@example.org", "name": "N" * 201}, "name", "Give a name of 1 to 200 characters."),
    ]
    for data, field, message in cases:
        response = post_form(client, "/partners/people/new", {"role": "partner", "language": "fr", **data})
        page = text(response)
        assert response.status_code == 422, data
        assert re.search(rf'id="{field}-error"[^>]*role="alert">{re.escape(message)}', page), (field, message)
        assert f'value="{data["name"]}"' in page and f'value="{data["email"]}"' in page
    assert person_with("x@example.org") is None and person_with("not-an-address") is None


def test_leads_may_not_create_administrators_but_administrators_may(
    client: FlaskClient, people: dict[str, Person]
) -> None:
    data = {"email": "boss@example.org", "name": "Boss", "role": "admin", "language": "fr"}
    assert post_form(as_(client, people["lead"]), "/partners/people/new", data).status_code == 403
    assert person_with("boss@example.org") is None
    form = text(as_(client, people["admin"]).get("/partners/people/new"))
    assert '<option value="admin"' in form
    assert post_form(client, "/partners/people/new", data).status_code == 302
    boss = person_with("boss@example.org")
    assert boss is not None and boss.role is PersonRole.ADMIN and boss.organisation_id is None


def test_administrators_edit_people_and_leads_may_not(
    client: FlaskClient, people: dict[str, Person], directory: dict[str, Any]
) -> None:
    partner = people["partner"]
    as_(client, people["lead"])
    assert client.get(f"/partners/people/{partner.id}/edit").status_code == 403
    assert (
        post_form(
            client, f"/partners/people/{partner.id}/edit", {"name": "By the lead", "role": "partner", "language": "fr"}
        ).status_code
        == 403
    )
    as_(client, people["admin"])
    form = text(client.get(f"/partners/people/{partner.id}/edit"))
    assert (
        "partner@example.org" in form
        and 'value="Partner Person"' in form
        and 'name="is_active" value="1" checked' in form
    )
    cci = directory["cci"]
    data = {
        "name": "Partner Moved",
        "organisation_id": str(cci.id),
        "role": "committee",
        "language": "en",
        "is_active": "1",
    }
    response = post_form(client, f"/partners/people/{partner.id}/edit", data)
    assert response.status_code == 302 and response.headers["Location"] == f"/partners/organisations/{cci.id}"
    moved = person_with("partner@example.org")
    assert moved is not None
    assert (moved.name, moved.organisation_id, moved.role, moved.language, moved.is_active) == (
        "Partner Moved",
        cci.id,
        PersonRole.COMMITTEE,
        Language.EN,
        True,
    )
    refused = post_form(
        client,
        f"/partners/people/{partner.id}/edit",
        {**data, "organisation_id": str(directory["region"].id), "is_referent": "1", "name": "Second Referent"},
    )
    assert refused.status_code == 422 and "This organisation already has a referent." in text(refused)
    assert 'value="Second Referent"' in text(refused)
    empty = post_form(client, f"/partners/people/{partner.id}/edit", {**data, "name": ""})
    assert empty.status_code == 422 and re.search(r'id="name-error"', text(empty))
    assert person_with("partner@example.org").name == "Partner Moved"  # type: ignore[union-attr]


def test_an_administrator_sees_and_corrects_a_time_zone_stored_past_the_rule(
    client: FlaskClient, people: dict[str, Person]
) -> None:
    """The notice of data to correct links here: the bad value shows with the rule's message, ready to fix."""
    partner = people["partner"]
    session().execute(sa.update(Person).where(Person.id == partner.id).values(timezone="Mars/Olympus"))
    session().commit()
    as_(client, people["admin"])
    form = client.get(f"/partners/people/{partner.id}/edit")
    page = text(form)
    assert form.status_code == 200 and 'value="Mars/Olympus"' in page
    assert re.search(rf'id="timezone-error"[^>]*role="alert">{re.escape(TIMEZONE_MESSAGE)}', page)
    data = {"name": partner.name, "role": "partner", "language": "fr", "is_active": "1"}
    refused = post_form(client, f"/partners/people/{partner.id}/edit", {**data, "timezone": "Europe/Pariss"})
    assert refused.status_code == 422 and 'value="Europe/Pariss"' in text(refused)
    fixed = post_form(client, f"/partners/people/{partner.id}/edit", {**data, "timezone": "Pacific/Noumea"})
    assert fixed.status_code == 302
    assert person_with("partner@example.org").timezone == "Pacific/Noumea"  # type: ignore[union-attr]
    post_form(client, f"/partners/people/{partner.id}/edit", {**data, "timezone": ""})
    assert person_with("partner@example.org").timezone == "Pacific/Noumea", "left empty, it stays"  # type: ignore[union-attr]


def test_a_new_person_gets_the_time_zone_typed_or_the_default(client: FlaskClient, people: dict[str, Person]) -> None:
    as_(client, people["lead"])
    assert 'name="timezone" list="timezones" value="Europe/Paris"' in text(client.get("/partners/people/new"))
    base = {"name": "Nouvelle Personne", "role": "partner", "language": "fr"}
    post_form(client, "/partners/people/new", {**base, "email": "reunion@example.org", "timezone": "Indian/Reunion"})
    post_form(client, "/partners/people/new", {**base, "email": "paris@example.org", "timezone": ""})
    assert person_with("reunion@example.org").timezone == "Indian/Reunion"  # type: ignore[union-attr]
    assert person_with("paris@example.org").timezone == "Europe/Paris"  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------------------------
# CSV import
# --------------------------------------------------------------------------------------------------------------


def upload(client: FlaskClient, data: bytes, filename: str = "contacts.csv", **fields: str) -> Any:
    form = {"csrf_token": csrf_token(client), "file": (io.BytesIO(data), filename), **fields}
    response = client.post("/partners/import", data=form, content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()  # the test client spools large bodies to a temporary file
    return response


def chunks_of(page: str) -> list[str]:
    return re.findall(r'name="upload" value="([^"]+)"', page)


def confirm(client: FlaskClient, chunks: list[str], mode: str = "valid_rows") -> Any:
    form = {"csrf_token": csrf_token(client), "upload": chunks, "mode": mode}
    return client.post("/partners/import/confirm", data=form, content_type="multipart/form-data")


@pytest.fixture
def lochois(people: dict[str, Person]) -> Territory:
    territory = ensure_territory("lochois", "Lochois et Sud Touraine", "37")
    session().commit()
    return territory


def test_the_import_page_documents_the_format_and_serves_an_example(
    client: FlaskClient, people: dict[str, Person], lochois: Territory
) -> None:
    as_(client, people["lead"])
    page = text(client.get("/partners/import"))
    for column in ("organisation", "kind", "scope", "territory", "region", "name", "email", "role", "language"):
        assert f"<code>{column}</code>" in page
    assert "<code>employment_service</code>" in page and "<code>lochois</code>" in page
    assert "Rows with errors are never imported." in page and "nothing at all is imported" in page
    assert 'enctype="multipart/form-data"' in page and '<label for="file">' in page
    assert 'name="update_existing"' not in page, "leads do not update people"
    assert 'name="update_existing"' in text(as_(client, people["admin"]).get("/partners/import"))
    example = client.get("/partners/import/example.csv")
    assert example.status_code == 200 and example.mimetype == "text/csv"
    assert "attachment" in example.headers["Content-Disposition"]
    assert example.data == example_csv() and len(read_csv(example.data).rows) == 8


def test_upload_preview_confirm_and_summary(
    client: FlaskClient, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(partners_import, "CHUNK", 500)  # the file travels in several hidden fields
    as_(client, people["lead"])
    preview = upload(client, (DATA / "utf8-bom-semicolon.csv").read_bytes(), "mde.csv")
    page = text(preview)
    assert preview.status_code == 200 and "Preview of the import" in page
    assert "File: mde.csv" in page and "UTF-8 with BOM" in page and "separator: semicolon" in page
    assert "Organisations to create: 3" in page and "People to create: 4" in page
    assert "Rows with errors, not imported: 0" in page
    line4 = page[page.index('id="line-4"') : page.index('id="line-5"')]
    assert "Julie Petit" in line4 and "Organisation created on line 3" in line4 and "New person, created" in line4
    line3 = page[page.index('id="line-3"') : page.index('id="line-4"')]
    assert "Employment service (France Travail)" in line3 and "New organisation, created" in line3
    assert person_with("julie.petit@francetravail.example.org") is None, "the preview saves nothing"
    chunks = chunks_of(page)
    assert len(chunks) > 1 and 'name="mode" value="all_or_nothing"' in page, "no errors: no choice to make"

    done = confirm(client, chunks, "all_or_nothing")
    assert done.status_code == 302 and done.headers["Location"] == "/partners/import/done"
    summary = text(client.get("/partners/import/done"))
    assert "Import done" in summary and "Organisations created: 3" in summary and "People created: 4" in summary
    assert client.get("/partners/import/done").status_code == 302, "the summary is shown once"
    julie = person_with("julie.petit@francetravail.example.org")
    assert julie is not None and julie.organisation is not None and julie.organisation.name == "France Travail Chartres"
    assert julie.role is PersonRole.PARTNER and julie.language is Language.FR

    replay = confirm(client, chunks, "all_or_nothing")
    assert replay.status_code == 409, "confirming the same preview twice finds a changed directory"
    assert "The directory changed since your preview" in text(replay) and "People to create: 0" in text(replay)
    assert (
        session().scalar(sa.select(sa.func.count()).select_from(Person).where(Person.email.like("%francetravail%")))
        == 2
    )


def test_rows_with_errors_are_listed_and_left_out(client: FlaskClient, people: dict[str, Person]) -> None:
    as_(client, people["lead"])
    response = upload(client, (DATA / "errors.csv").read_bytes())
    page = text(response)
    assert response.status_code == 200 and "Rows with errors, not imported: 9" in page
    assert "Line 3, column email: “not-an-address” is not an email address." in page
    assert "Line 4, column kind: Unknown kind “castle”" in page
    assert "Line 5, column territory: Unknown territory “atlantis”" in page
    assert "Line 7, column email: This address is already on line 2 of the file." in page
    assert (
        "Line 8, column organisation: A value is required." in page
        and "Line 8, column name: A value is required." in page
    )
    assert (
        "Line 9, column role: Unknown role “king”" in page and "Line 10, column language: Unknown language “de”" in page
    )
    assert "Line 11, column kind: The same organisation has another kind on line 2." in page
    assert 'class="row-error"' in page and 'href="#line-3"' in page
    assert 'name="mode" value="valid_rows" checked' in page and 'value="all_or_nothing"' in page

    chunks = chunks_of(page)
    refused = confirm(client, chunks, "all_or_nothing")
    assert (
        refused.status_code == 422
        and "Nothing was imported: you chose to import only if no row has an error" in text(refused)
    )
    assert organisation_named("Mission locale de Chartres") is None

    assert confirm(client, chunks, "valid_rows").status_code == 302
    summary = text(client.get("/partners/import/done"))
    assert "People created: 2" in summary and "Rows with errors, left out: 9" in summary
    organisation = organisation_named("Mission locale de Chartres")
    assert organisation is not None and organisation.kind is OrganisationKind.YOUTH_SERVICE
    assert {person.email for person in organisation.people} == {"ok.person@example.org", "valid.too@example.org"}


def test_a_french_excel_file_in_windows_1252(client: FlaskClient, people: dict[str, Person]) -> None:
    as_(client, people["lead"])
    page = text(upload(client, (DATA / "windows-1252-french-excel.csv").read_bytes()))
    assert "encoding: Windows-1252" in page and "Zoé Dupré" in page and "Lycée Jehan de Beauce; GRETA" in page
    assert confirm(client, chunks_of(page)).status_code == 302
    zoe = person_with("zoe.dupre@cci28.example.org")
    assert zoe is not None and zoe.name == "Zoé Dupré" and zoe.organisation.kind is OrganisationKind.CHAMBER  # type: ignore[union-attr]


def test_files_that_cannot_be_read_are_refused_with_a_clear_message(
    client: FlaskClient, people: dict[str, Person]
) -> None:
    as_(client, people["lead"])
    cases = [
        (
            b"organisation;name;email\n" + b"x" * MAX_FILE_BYTES,
            "The file is larger than 1 MB: split it into several files.",
        ),
        (b"name;email\nA;a@example.org\n", "Missing from the first line: organisation."),
        (b"organisation;name;email\nO;\x81\x8d;a@example.org\n", "The characters of the file could not be read."),
        (b"", "The file is empty."),
    ]
    for data, message in cases:
        response = upload(client, data)
        page = text(response)
        assert response.status_code == 422 and message in page, message
        assert re.search(r'id="file-error"[^>]*role="alert"', page)
    no_file = client.post(
        "/partners/import", data={"csrf_token": csrf_token(client)}, content_type="multipart/form-data"
    )
    assert no_file.status_code == 422 and "Choose a CSV file to import." in text(no_file)


def test_the_previewed_file_cannot_be_tampered_with_nor_replayed_by_someone_else(
    client: FlaskClient, people: dict[str, Person]
) -> None:
    as_(client, people["lead"])
    chunks = chunks_of(text(upload(client, example_csv())))
    tampered = [chunks[0][:-3] + ("AAA" if not chunks[0].endswith("AAA") else "BBB"), *chunks[1:]]
    for forged in (tampered, ["not-a-token"], []):
        response = confirm(client, forged)
        assert response.status_code == 422 and "This preview has expired or is not valid" in text(response)
    response = confirm(as_(client, people["admin"]), chunks)
    assert response.status_code == 422, "a preview belongs to the person who made it"
    assert session().scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1


def test_a_preview_expires(client: FlaskClient, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch) -> None:
    as_(client, people["lead"])
    chunks = chunks_of(text(upload(client, example_csv())))
    monkeypatch.setattr(partners_import, "PREVIEW_MAX_AGE", -1)
    response = confirm(client, chunks)
    assert response.status_code == 422 and "This preview has expired or is not valid" in text(response)


def test_administrators_update_people_already_in_the_directory(client: FlaskClient, people: dict[str, Person]) -> None:
    as_(client, people["admin"])
    data = (
        b"organisation;territory;name;email;language\n"
        b"Maison de l'Emploi;chartres-metropole;Renamed Partner;partner@example.org;fr\n"
    )
    skipped = text(upload(client, data))
    assert "Already in the directory: left unchanged" in skipped
    page = text(upload(client, data, update_existing="1"))
    assert "People to update: 1" in page and "Already in the directory: updated (name, language)" in page
    assert confirm(client, chunks_of(page)).status_code == 302
    partner = person_with("partner@example.org")
    assert partner is not None and (partner.name, partner.language) == ("Renamed Partner", Language.FR)


def test_a_failure_while_saving_imports_nothing(
    client: FlaskClient, people: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gpect_workflow.services.partners.importing import applying

    as_(client, people["lead"])
    chunks = chunks_of(text(upload(client, (DATA / "utf8-bom-semicolon.csv").read_bytes())))
    real_create = applying.create_person_as

    def concurrent_signup(actor: Person, email: str, *args: Any, **kwargs: Any) -> Person:
        if email.startswith("julie"):
            create_person(email, PersonRole.PARTNER, "Signed up meanwhile")
        return real_create(actor, email, *args, **kwargs)

    monkeypatch.setattr(applying, "create_person_as", concurrent_signup)
    response = confirm(client, chunks, "all_or_nothing")
    page = text(response)
    assert response.status_code == 409 and "Nothing was imported: saving line 4 failed" in page
    assert (
        organisation_named("France Travail Chartres") is None
        and person_with("claire.martin@mde-chartres.example.org") is None
    )


# --------------------------------------------------------------------------------------------------------------
# Addresses the sender could not use (the address rule of every entry)
# --------------------------------------------------------------------------------------------------------------

#: Addresses that would break an email's headers or envelope, or that no relay can deliver.
HOSTILE_EMAILS = {
    "header injection": "victim@example.org\r\nbcc:x@y.org",
    "domain IDNA cannot encode": "a@" + "é" * 64 + ".fr",
    "special-use domain": "contact@mairie.local",
    "unicode local part": "josé@example.org",
}


@pytest.mark.parametrize("email", HOSTILE_EMAILS.values(), ids=HOSTILE_EMAILS.keys())
def test_the_person_form_refuses_an_address_the_sender_could_not_use(
    client: FlaskClient, people: dict[str, Person], directory: dict[str, Any], email: str
) -> None:
    as_(client, people["lead"])
    typed = {"email": email, "name": "Kept Name", "role": "partner", "language": "en"}
    response = post_form(client, "/partners/people/new", {**typed, "organisation_id": str(directory["loches"].id)})
    page = text(response)
    assert response.status_code == 422
    assert re.search(rf'id="email-error"[^>]*role="alert">{re.escape(EMAIL_MESSAGE)}', page)
    assert f'value="{email}"' in page and 'value="Kept Name"' in page, "what was typed is shown again"
    assert session().scalar(sa.select(sa.func.count()).select_from(Person).where(Person.name == "Kept Name")) == 0


def test_the_address_rule_speaks_french_on_french_pages(client: FlaskClient, people: dict[str, Person]) -> None:
    people["lead"].language = Language.FR
    session().commit()
    as_(client, people["lead"])
    data = {"email": HOSTILE_EMAILS["header injection"], "name": "Nom", "role": "partner", "language": "fr"}
    page = text(post_form(client, "/partners/people/new", data))
    assert "Saisissez une adresse électronique valide, par exemple prenom.nom@organisation.fr." in page
    organisation = post_form(
        client, "/partners/organisations/new", {"name": "X", "kind": "other", "email": "a@b.local"}
    )
    assert organisation.status_code == 422 and "Saisissez une adresse électronique valide" in text(organisation)


@pytest.mark.parametrize("email", HOSTILE_EMAILS.values(), ids=HOSTILE_EMAILS.keys())
def test_the_organisation_forms_refuse_an_address_the_sender_could_not_use(
    client: FlaskClient, people: dict[str, Person], directory: dict[str, Any], email: str
) -> None:
    as_(client, people["lead"])
    created = post_form(client, "/partners/organisations/new", {"name": "Kept", "kind": "company", "email": email})
    assert created.status_code == 422 and re.search(rf'id="email-error"[^>]*>{re.escape(EMAIL_MESSAGE)}', text(created))
    assert f'value="{email}"' in text(created) and organisation_named("Kept") is None
    cci = directory["cci"]
    changed = post_form(
        client,
        f"/partners/organisations/{cci.id}/edit",
        {"name": "CCI Touraine", "kind": "chamber", "territory_id": str(directory["lochois"].id), "email": email},
    )
    assert changed.status_code == 422 and re.search(rf'id="email-error"[^>]*>{re.escape(EMAIL_MESSAGE)}', text(changed))
    assert organisation_named("CCI Touraine").email is None  # type: ignore[union-attr]


def test_the_import_reports_rows_whose_address_the_sender_could_not_use_and_imports_none_of_them(
    client: FlaskClient, people: dict[str, Person]
) -> None:
    as_(client, people["lead"])
    rows = [
        "organisation;kind;name;email",
        'Mission locale A;youth_service;Alice Injection;"victim@example.org\r\nbcc:x@y.org"',
        f"Mission locale B;youth_service;Bruno Accents;a@{'é' * 64}.fr",
        "Mission locale C;youth_service;Chloé Valide;Chloe.Valide@Example.org",
    ]
    page = text(upload(client, "\r\n".join(rows).encode("utf-8")))
    assert "Rows with errors, not imported: 2" in page
    assert "Line 2, column email: “victim@example.org\r\nbcc:x@y.org” is not an email address." in page
    assert f"Line 4, column email: “a@{'é' * 64}.fr” is not an email address." in page
    assert confirm(client, chunks_of(page), "valid_rows").status_code == 302
    assert organisation_named("Mission locale A") is None and organisation_named("Mission locale B") is None
    names = set(session().scalars(sa.select(Person.name).where(Person.name.in_(["Alice Injection", "Bruno Accents"]))))
    assert names == set()
    chloe = person_with("chloe.valide@example.org")
    assert chloe is not None and chloe.organisation.name == "Mission locale C"  # type: ignore[union-attr]
