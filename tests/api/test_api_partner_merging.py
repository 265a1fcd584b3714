"""Merging duplicates through the API: administrators only, JSON refusals (403, 404, 422), what moved in the answer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gpect_workflow.models import Event, Organisation, OrganisationKind, Person, PersonRole, RoleAssignment
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.organisations import ensure_organisation
from gpect_workflow.services.partners.people import create_person
from tests.api import test_api_contract as contract
from tests.api.test_api_contract import World, assert_error

#: The contract's world (an administrator, a plan's lead, partners and committee, each with a token).
world = contract.world


def _region_twice(world: World) -> tuple[int, int]:
    """The plan's region role mapped to a duplicate region; the ids of the duplicate and of the one kept."""
    kept = ensure_organisation("Région Centre-Val de Loire", OrganisationKind.REGION, None)
    region = session().scalar(
        sa.select(RoleAssignment).where(RoleAssignment.plan_id == world.plan.id, RoleAssignment.role_key == "region")
    )
    assert region is not None
    duplicate = region.organisation_id
    session().commit()
    return duplicate, kept.id


@pytest.mark.parametrize("who", ["lead", "partner", "committee", "outsider"])
def test_only_administrators_merge(world: World, who: str) -> None:
    duplicate, kept = _region_twice(world)
    body = assert_error(world.post(f"organisations/{duplicate}/merge-into/{kept}", who), 403)
    assert body["refusal"] == "administrators_merge"
    partner, chamber = world.people["partner"].id, world.people["chamber"].id
    body = assert_error(world.post(f"people/{partner}/merge-into/{chamber}", who), 403)
    assert body["refusal"] == "administrators_merge"
    assert assert_error(world.post(f"organisations/{duplicate}/merge-into/{kept}", None), 401)
    session().expire_all()
    assert session().get(Organisation, duplicate) is not None


def test_an_administrator_merges_an_organisation_and_is_told_what_moved(world: World) -> None:
    duplicate, kept = _region_twice(world)
    response = world.post(f"organisations/{duplicate}/merge-into/{kept}", "admin")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["source_id"] == duplicate and body["target"]["id"] == kept
    assert (body["plans"], body["mappings"], body["people"]) == (1, 1, 1)
    assert body["dropped_referent"] is None
    assert world.get(f"organisations/{duplicate}", "admin").status_code == 404
    again = assert_error(world.post(f"organisations/{duplicate}/merge-into/{kept}", "admin"), 404)
    assert again["refusal"] == "no_such_organisation"
    session().expire_all()
    kinds = session().scalars(sa.select(Event.kind).where(Event.plan_id == world.plan.id))
    assert "organisation_merged" in set(kinds)


def test_an_administrator_merges_a_person_and_their_token_moves_with_them(world: World) -> None:
    partner, chamber = world.people["partner"], world.people["chamber"]
    partner_id, chamber_id = partner.id, chamber.id
    response = world.post(f"people/{partner_id}/merge-into/{chamber_id}", "admin")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["source_id"] == partner_id and body["target"]["id"] == chamber_id
    assert body["source_email"] == "employment-service@partners.example.org"
    assert body["memberships"] == 1 and body["tokens"] == 1 and body["plans"] == 1
    # The duplicate's token now acts as the person kept.
    assert world.get("people/" + str(chamber_id), "partner").status_code == 200
    assert world.get("people/" + str(partner_id), "admin").status_code == 404
    assert assert_error(world.post(f"people/{partner_id}/merge-into/{chamber_id}", "admin"), 404)["refusal"] == (
        "no_such_person"
    )


def test_refused_and_hostile_merges_answer_json(world: World) -> None:
    duplicate, kept = _region_twice(world)
    admin = world.people["admin"].id
    itself = assert_error(world.post(f"organisations/{kept}/merge-into/{kept}", "admin"), 422)
    assert itself["refusal"] == "merge_into_itself"
    assert assert_error(world.post(f"people/{admin}/merge-into/{admin}", "admin"), 422)["refusal"] == (
        "merge_into_itself"
    )
    own = assert_error(world.post(f"people/{admin}/merge-into/{world.people['lead'].id}", "admin"), 403)
    assert own["refusal"] == "merge_own_account"
    for path in (
        f"organisations/{10**30}/merge-into/{kept}",
        f"organisations/{duplicate}/merge-into/{10**30}",
        f"organisations/{duplicate}/merge-into/0",
        f"organisations/{duplicate}/merge-into/-1",
        f"people/{2**31}/merge-into/{admin}",
        f"people/{admin}/merge-into/%00",
    ):
        assert_error(world.post(path, "admin"), 404)
    unknown = assert_error(world.post(f"organisations/{2**31 - 1}/merge-into/{kept}", "admin"), 404)
    assert unknown["refusal"] == "no_such_organisation"
    assert world.get(f"organisations/{duplicate}/merge-into/{kept}", "admin").status_code == 405
    session().expire_all()
    assert session().get(Organisation, duplicate) is not None


def test_a_merge_leaves_no_row_naming_the_duplicate(world: World) -> None:
    """The whole plan's worth of references (roles, tasks, journal, tokens) moves: the delete cannot fail."""
    lead = world.people["lead"]
    twin = create_person("claire.bis@example.org", PersonRole.LEAD, "Claire (bis)")
    session().commit()
    twin_id, lead_id = twin.id, lead.id
    response = world.post(f"people/{lead_id}/merge-into/{twin_id}", "admin")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["plans_led"] == 1 and response.get_json()["events"] >= 1
    session().expire_all()
    assert session().get(Person, lead_id) is None
    assert world.get(f"plans/{world.plan.id}", "lead").status_code == 200  # the lead's token acts as the twin
