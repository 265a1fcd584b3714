"""The API answers as its spec says where the spec and the parsing could differ: a required body, strict
booleans, an empty ``If-Match``, and error paths that name one place of the body each."""

from __future__ import annotations

import pytest

from gpect_workflow.api.errors import field_errors
from tests.api import test_api_contract as contract
from tests.api.test_api_contract import World, assert_error, roles_body

#: The contract's plan, its people and their tokens.
world = contract.world

FIVE_LEVERS = "gpect-five-levers"


@pytest.mark.parametrize("path", ["organisations/{organisation}", "people/{person}", "tasks/{task}"])
def test_a_change_without_a_body_is_invalid_as_the_spec_requires_one(world: World, path: str) -> None:
    ids = {
        "organisation": world.people["lead"].organisation_id,
        "person": world.people["lead"].id,
        "task": world.tasks()["employment-data"]["id"],
    }
    answer = assert_error(world.call("PATCH", path.format(**ids), "admin"), 422, "_request")
    assert answer["errors"]["_request"] == ["A JSON body is required."]
    assert_error(world.call("POST", "organisations", "admin"), 422, "_request")


@pytest.mark.parametrize("value", [0, 1, "true", "yes", None])
def test_booleans_are_json_booleans_only(world: World, value: object) -> None:
    body = {"email": "referent@example.org", "role": "partner", "is_referent": value}
    assert_error(world.post("people", "admin", body), 422, "is_referent")
    accepted = world.post("people", "admin", {**body, "is_referent": True})
    assert accepted.status_code == 201 and accepted.get_json()["is_referent"] is True


def test_an_empty_if_match_counts_as_absent(world: World) -> None:
    task = world.tasks()["employment-data"]
    started = world.patch(f"tasks/{task['id']}", "partner", {"status": "in_progress"}, headers={"If-Match": ""})
    assert started.status_code == 200, started.get_json()
    done = world.patch(f"tasks/{task['id']}", "partner", {"status": "done"}, headers={"If-Match": "  "})
    assert done.status_code == 200, done.get_json()
    for header in ("²", "9" * 5000, '"99999999999"'):
        assert_error(
            world.patch(f"tasks/{task['id']}", "partner", {"status": "done"}, headers={"If-Match": header}), 400
        )


def test_a_dictionary_key_is_named_in_brackets_in_an_error_path(world: World) -> None:
    body = {
        "name": "Plan aux rôles vides",
        "definition_key": FIVE_LEVERS,
        "territory_id": world.territory.id,
        "start_date": "2027-01-04",
        "roles": {**roles_body(world.roles), "": {"organisation_id": 1, "person_ids": [1]}},
    }
    answer = assert_error(world.post("plans", "lead", body), 422, 'roles[""].key')
    assert not any(".." in path for path in answer["errors"])


def test_error_paths_join_fields_with_dots_and_quote_keys_a_dot_cannot_carry() -> None:
    messages = {"json": {"roles": {"": {"key": ["Too short."]}, "a.b": {"value": {"person_ids": {0: ["Bad."]}}}}}}
    assert field_errors(messages) == {'roles[""].key': ["Too short."], 'roles["a.b"].value.person_ids.0': ["Bad."]}
    assert field_errors({"json": {"_request": ["A JSON body is required."]}}) == {
        "_request": ["A JSON body is required."]
    }


def test_a_caller_without_credentials_gets_401_before_the_body_is_judged(world: World) -> None:
    invalid = {"email": "0@0.com", "role": "lead", "timezone": ""}
    assert_error(world.post("people", None, invalid), 401)
    assert_error(world.call("PATCH", f"tasks/{world.tasks()['employment-data']['id']}", None), 401)


def test_an_unknown_query_parameter_is_invalid_where_the_spec_lists_them(world: World) -> None:
    assert_error(world.get("people?colour=blue", "admin"), 422, "colour")
    assert world.get("people?organisation_id=1", "admin").status_code == 200
