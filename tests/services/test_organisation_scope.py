"""Where an organisation acts: the scope rules, what a plan's territory is offered, look-alike names and the
address typed in the wizard that is already someone's."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from gpect_workflow.errors import PermissionDenied, ValidationError
from gpect_workflow.models import Organisation, OrganisationKind, OrganisationScope, Person, PersonRole, Territory
from gpect_workflow.refusals import (
    NAME_TAKEN,
    REGION_NEEDED,
    REGION_NOT_FOR_SCOPE,
    SIMILAR_ORGANISATION,
    SIMILAR_PERSON,
    TERRITORY_NEEDED,
    TERRITORY_NOT_FOR_SCOPE,
    UNKNOWN_REGION,
    UNKNOWN_SCOPE,
    UNKNOWN_TERRITORY,
    Refusal,
)
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.names import normalised_name
from gpect_workflow.services.partners.organisations import (
    create_organisation,
    ensure_organisation,
    ensure_territory,
    list_regions,
    similar_organisation,
    update_organisation,
)
from gpect_workflow.services.partners.people import create_person, create_person_as
from gpect_workflow.services.plans.wizard import add_organisation, add_person, partner_organisations

CENTRE = "Centre-Val de Loire"
REGION = OrganisationKind.REGION


# --- Names folded for comparison -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Région Centre-Val de Loire", "Region Centre Val-de-Loire"),
        ("Région Centre-Val de Loire", "  RÉGION   centre – val de loire. "),
        ("Chambre de commerce (CCI) d'Eure-et-Loir", "chambre de commerce cci d eure et loir"),
        ("Œuvre d'Éducation", "oeuvre d education"),
        ("Ｆｒａｎｃｅ Travail", "france travail"),  # full-width letters fold to their plain forms
    ],
)
def test_names_alike_fold_to_the_same_words(one: str, other: str) -> None:
    assert normalised_name(one) == normalised_name(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [("France Travail Chartres", "France Travail Dreux"), ("CCI 28", "CCI 36"), ("Région Centre", "Région Centre-Val")],
)
def test_names_that_differ_by_a_word_or_a_number_stay_apart(one: str, other: str) -> None:
    assert normalised_name(one) != normalised_name(other)


def test_folding_is_total_on_hostile_text() -> None:
    assert normalised_name("") == "" and normalised_name("\x00 !?") == ""
    assert normalised_name("a\x00b") == "a b"
    assert normalised_name("x" * 10_000) == "x" * 10_000


# --- The places ------------------------------------------------------------------------------------------------


@pytest.fixture
def places(app: Any, territory: Territory) -> dict[str, Territory]:
    """Chartres (the test territory) and Gien in Centre-Val de Loire, Rennes in Bretagne."""
    return {
        "chartres": territory,
        "gien": ensure_territory("giennois", "Giennois", "45", CENTRE),
        "rennes": ensure_territory("rennes", "Rennes Métropole", "35", "Bretagne"),
    }


@pytest.fixture
def lead(create_user: Any) -> Person:
    return create_user("lead@example.org", PersonRole.LEAD, name="Claire Lead")


def test_an_organisation_acts_on_a_territory_a_region_or_the_country(
    lead: Person, places: dict[str, Territory]
) -> None:
    local = create_organisation(lead, "CCI Eure-et-Loir", OrganisationKind.CHAMBER, places["chartres"].id)
    regional = create_organisation(lead, "Région", REGION, None, scope="region", region=CENTRE)
    national = create_organisation(lead, "Opco", OrganisationKind.OTHER, None)
    assert (local.scope, local.territory_id, local.region) == (OrganisationScope.TERRITORY, places["chartres"].id, None)
    assert (regional.scope, regional.territory_id, regional.region) == (OrganisationScope.REGION, None, CENTRE)
    assert (national.scope, national.territory_id, national.region) == (OrganisationScope.NATIONAL, None, None)
    assert list_regions() == ["Bretagne", CENTRE]


@pytest.mark.parametrize(
    ("place", "field", "message"),
    [
        ({"scope": "galaxy"}, "scope", UNKNOWN_SCOPE),
        ({"scope": "territory"}, "territory_id", TERRITORY_NEEDED),
        ({"scope": "territory", "territory_id": 2_000_000_000}, "territory_id", UNKNOWN_TERRITORY),
        ({"scope": "region"}, "region", REGION_NEEDED),
        ({"scope": "region", "region": "Atlantide"}, "region", UNKNOWN_REGION),
        ({"scope": "region", "region": CENTRE, "territory_id": "chartres"}, "territory_id", TERRITORY_NOT_FOR_SCOPE),
        ({"scope": "national", "region": CENTRE}, "region", REGION_NOT_FOR_SCOPE),
        ({"scope": "national", "territory_id": "chartres"}, "territory_id", TERRITORY_NOT_FOR_SCOPE),
    ],
)
def test_a_scope_without_its_place_or_with_another_is_refused_on_that_field(
    lead: Person, places: dict[str, Territory], place: dict[str, Any], field: str, message: str
) -> None:
    if place.get("territory_id") == "chartres":
        place = {**place, "territory_id": places["chartres"].id}
    territory_id = place.pop("territory_id", None)
    with pytest.raises(ValidationError) as refused:
        create_organisation(lead, "Placé", OrganisationKind.OTHER, territory_id, **place)
    assert refused.value.fields[field] == [message]
    assert session().scalar(sa.select(Organisation.id).where(Organisation.name == "Placé")) is None


def test_a_name_is_unique_within_its_scope_only(lead: Person, places: dict[str, Territory]) -> None:
    create_organisation(lead, "Mission locale", OrganisationKind.YOUTH_SERVICE, places["chartres"].id)
    create_organisation(lead, "Mission locale", OrganisationKind.YOUTH_SERVICE, places["rennes"].id)
    with pytest.raises(ValidationError) as taken:
        create_organisation(lead, "Mission locale", OrganisationKind.YOUTH_SERVICE, places["chartres"].id)
    assert taken.value.fields == {"name": [NAME_TAKEN]}
    create_organisation(lead, "Conseil", REGION, None, scope="region", region="Bretagne")
    with pytest.raises(ValidationError):
        create_organisation(lead, "Conseil", REGION, None, scope="region", region="Bretagne", allow_similar=True)
    create_organisation(lead, "Conseil", REGION, None, scope="region", region=CENTRE, allow_similar=True)


def test_a_partner_may_not_add_an_organisation(create_user: Any, places: dict[str, Territory]) -> None:
    partner = create_user("partner@example.org", PersonRole.PARTNER)
    with pytest.raises(PermissionDenied):
        create_organisation(partner, "Mine", OrganisationKind.OTHER, None, scope="region", region=CENTRE)


def test_changing_the_scope_clears_the_place_it_does_not_use(lead: Person, places: dict[str, Territory]) -> None:
    dreets = create_organisation(lead, "DREETS", OrganisationKind.STATE_SERVICE, places["chartres"].id)
    update_organisation(lead, dreets.id, scope="region", region=CENTRE)
    assert (dreets.scope, dreets.territory_id, dreets.region) == (OrganisationScope.REGION, None, CENTRE)
    update_organisation(lead, dreets.id, territory_id=places["gien"].id)
    assert (dreets.scope, dreets.territory_id, dreets.region) == (OrganisationScope.TERRITORY, places["gien"].id, None)
    update_organisation(lead, dreets.id, scope="national")
    assert (dreets.scope, dreets.territory_id, dreets.region) == (OrganisationScope.NATIONAL, None, None)
    with pytest.raises(ValidationError) as refused:
        update_organisation(lead, dreets.id, scope="region", region="Atlantide")
    assert refused.value.fields == {"region": [UNKNOWN_REGION]}


# --- What a plan's territory is offered ------------------------------------------------------------------------


def test_a_plan_is_offered_its_territorys_bodies_its_regions_and_the_countrys(
    lead: Person, places: dict[str, Territory]
) -> None:
    chartres, gien, rennes = places["chartres"], places["gien"], places["rennes"]
    ensure_organisation("CCI Eure-et-Loir", OrganisationKind.CHAMBER, chartres)
    ensure_organisation("GRETA du Loiret", OrganisationKind.TRAINING_BODY, gien)
    ensure_organisation("Région Centre-Val de Loire", REGION, None, region=CENTRE)
    ensure_organisation("Région Bretagne", REGION, None, region="Bretagne")
    ensure_organisation("Opco national", OrganisationKind.OTHER, None)

    def offered(territory: Territory) -> list[str]:
        return [organisation.name for organisation in partner_organisations(territory.id)]

    assert offered(chartres) == [
        "CCI Eure-et-Loir",
        "Maison de l'Emploi",
        "Opco national",
        "Région Centre-Val de Loire",
    ]
    assert offered(gien) == ["GRETA du Loiret", "Opco national", "Région Centre-Val de Loire"]
    assert offered(rennes) == ["Opco national", "Région Bretagne"]
    outside = ensure_territory("nowhere", "Sans région", None, None)
    assert offered(outside) == ["Opco national"]


# --- Look-alikes ------------------------------------------------------------------------------------------------


def test_a_look_alike_on_an_overlapping_place_is_refused_naming_it_unless_confirmed(
    lead: Person, places: dict[str, Territory]
) -> None:
    region = create_organisation(lead, "Région Centre-Val de Loire", REGION, None, scope="region", region=CENTRE)
    with pytest.raises(ValidationError) as similar:
        create_organisation(lead, "Region Centre Val-de-Loire", REGION, places["chartres"].id)
    assert similar.value.refusal is Refusal.SIMILAR_IN_DIRECTORY
    assert similar.value.fields == {"name": [SIMILAR_ORGANISATION]}
    assert similar.value.params == {"similar": "Région Centre-Val de Loire", "similar_id": region.id}
    with pytest.raises(ValidationError):  # a national body overlaps the region too
        create_organisation(lead, "REGION centre-val de loire", REGION, None)
    with pytest.raises(ValidationError):  # and a region-wide one overlaps a territory's body of the region
        create_organisation(lead, "maison de l emploi", OrganisationKind.OTHER, None, scope="region", region=CENTRE)
    # Another region, or a territory of another region, does not overlap.
    create_organisation(lead, "Region Centre Val-de-Loire", REGION, places["rennes"].id)
    create_organisation(lead, "Maison de l'Emploi", OrganisationKind.OTHER, None, scope="region", region="Bretagne")
    confirmed = create_organisation(
        lead, "Region Centre Val-de-Loire", REGION, places["chartres"].id, allow_similar=True
    )
    assert confirmed.scope is OrganisationScope.TERRITORY
    assert similar_organisation("région centre val de loire", OrganisationScope.NATIONAL, None, None) is not None


def test_renaming_to_a_look_alike_is_refused_but_keeping_ones_own_name_is_not(
    lead: Person, places: dict[str, Territory]
) -> None:
    create_organisation(lead, "France Travail Chartres", OrganisationKind.EMPLOYMENT_SERVICE, places["chartres"].id)
    other = create_organisation(lead, "Pôle emploi", OrganisationKind.EMPLOYMENT_SERVICE, places["chartres"].id)
    with pytest.raises(ValidationError) as similar:
        update_organisation(lead, other.id, name="FRANCE-TRAVAIL  chartres")
    assert similar.value.refusal is Refusal.SIMILAR_IN_DIRECTORY
    update_organisation(lead, other.id, email="contact@example.org")  # unchanged name and place: no warning
    update_organisation(lead, other.id, name="France Travail, Chartres", allow_similar=True)
    assert other.name == "France Travail, Chartres"


def test_a_person_like_someone_of_the_same_organisation_is_refused_unless_confirmed(
    lead: Person, places: dict[str, Territory]
) -> None:
    region = ensure_organisation("Région Centre-Val de Loire", REGION, None, region=CENTRE)
    marc = create_person("marc@region.example.org", PersonRole.COMMITTEE, "Marc Lefèbvre", organisation=region)
    with pytest.raises(ValidationError) as similar:
        create_person_as(
            lead, "m.lefebvre@region.example.org", PersonRole.PARTNER, "marc LEFEBVRE", organisation_id=region.id
        )
    assert similar.value.refusal is Refusal.SIMILAR_IN_DIRECTORY and similar.value.fields == {"name": [SIMILAR_PERSON]}
    assert similar.value.params["similar_id"] == marc.id
    other = ensure_organisation("DREETS", OrganisationKind.STATE_SERVICE, None, region=CENTRE)
    create_person_as(lead, "marc@dreets.example.org", PersonRole.PARTNER, "Marc Lefebvre", organisation_id=other.id)
    twin = create_person_as(
        lead, "m.lefebvre@region.example.org", PersonRole.PARTNER, "Marc Lefebvre", True, organisation_id=region.id
    )
    assert twin.organisation_id == region.id


# --- The wizard's inline creations -----------------------------------------------------------------------------


def test_the_wizard_finds_the_person_an_address_names_instead_of_refusing(
    lead: Person, places: dict[str, Territory]
) -> None:
    region = ensure_organisation("Région Centre-Val de Loire", REGION, None, region=CENTRE)
    marc = create_person("marc@region.example.org", PersonRole.COMMITTEE, "Marc Lefebvre", organisation=region)
    offered = partner_organisations(places["chartres"].id)
    local = next(organisation for organisation in offered if organisation.scope is OrganisationScope.TERRITORY)
    found = add_person(lead, local, "Marc L.", " MARC@Region.example.org ", offered)
    assert found.existing and found.person.id == marc.id
    assert session().scalar(sa.select(sa.func.count()).select_from(Person)) == 2, "nobody created"
    with pytest.raises(ValidationError) as elsewhere:  # not offered on a territory of Bretagne
        add_person(lead, None, "", "marc@region.example.org", partner_organisations(places["rennes"].id))
    assert list(elsewhere.value.fields) == ["email"] and "Marc Lefebvre" in elsewhere.value.params["similar"]
    marc.is_active = False
    with pytest.raises(ValidationError):
        add_person(lead, local, "", "marc@region.example.org", offered)
    new = add_person(lead, local, "Nina Neuve", "nina@example.org", offered)
    assert not new.existing and new.person.organisation_id == local.id


def test_the_wizard_warns_of_an_organisation_like_one_the_territory_may_use(
    lead: Person, places: dict[str, Territory]
) -> None:
    region = ensure_organisation("Région Centre-Val de Loire", REGION, None, region=CENTRE)
    with pytest.raises(ValidationError) as similar:
        add_organisation(lead, places["chartres"], "Region Centre Val-de-Loire", "region", "")
    assert similar.value.params["similar_id"] == region.id
    added = add_organisation(lead, places["chartres"], "Region Centre Val-de-Loire", "region", "", allow_similar=True)
    assert added.territory_id == places["chartres"].id and added.scope is OrganisationScope.TERRITORY
