"""The API's delay requests: the partner asks and withdraws, the lead lists, previews, accepts and refuses;
outsiders get 404, partners cannot answer, hostile input is 422 with field messages."""

from __future__ import annotations

from typing import Any

import pytest

from gpect_workflow.refusals import Refusal
from tests.api import test_api_contract as contract
from tests.api.test_api_contract import World, assert_error

world = contract.world
_dispose_engine_at_the_end = contract._dispose_engine_at_the_end


def ask(world: World, who: str = "partner", **body: Any) -> Any:
    data = world.tasks()["employment-data"]
    payload = {"due_date": "2027-03-20", "reason": "Les chiffres sortent le 15 mars."} | body
    return world.post(f"tasks/{data['id']}/delay-requests", who, payload)


def test_the_partner_asks_and_the_lead_accepts(world: World) -> None:
    asked = ask(world)
    assert asked.status_code == 201, asked.get_json()
    request = asked.get_json()
    assert request["status"] == "pending" and request["due_date"] == "2027-03-20"
    assert request["current_due_date"] == "2026-12-31" and request["requester_id"] == world.people["partner"].id
    listed = world.get(f"plans/{world.plan.id}/delay-requests?status=pending", "lead").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == request["id"]
    preview = world.get(f"delay-requests/{request['id']}/preview", "lead")
    assert preview.status_code == 200
    moved = preview.get_json()["moved_deadlines"]
    assert moved[0] == {"task_id": request["task_id"], "old": "2026-12-31", "new": "2027-03-20"} and len(moved) > 1
    assert world.tasks()["employment-data"]["due_date"] == "2026-12-31", "a preview writes nothing"
    accepted = world.post(f"delay-requests/{request['id']}/accept", "lead", {"note": "D'accord."})
    assert accepted.status_code == 200, accepted.get_json()
    answer = accepted.get_json()
    assert answer["request"]["status"] == "accepted" and answer["request"]["answer_reason"] == "D'accord."
    assert answer["moved_deadlines"] == moved
    assert world.tasks()["employment-data"]["due_date"] == "2027-03-20"
    assert world.get(f"plans/{world.plan.id}/delay-requests", "lead").get_json()["total"] == 0
    assert world.get(f"plans/{world.plan.id}/delay-requests?status=all", "lead").get_json()["total"] == 1


def test_the_lead_refuses_with_a_reason(world: World) -> None:
    request = ask(world).get_json()
    assert_error(world.post(f"delay-requests/{request['id']}/refuse", "lead", {}), 422, "reason")
    assert_error(world.post(f"delay-requests/{request['id']}/refuse", "lead", {"reason": " "}), 422, "reason")
    refused = world.post(f"delay-requests/{request['id']}/refuse", "lead", {"reason": "Comité le 5 janvier."})
    assert refused.status_code == 200 and refused.get_json()["status"] == "refused"
    again = assert_error(world.post(f"delay-requests/{request['id']}/accept", "lead", {}), 409)
    assert again["refusal"] == Refusal.DELAY_REQUEST_ANSWERED
    assert world.tasks()["employment-data"]["due_date"] == "2026-12-31"


def test_a_second_pending_request_is_409_and_withdrawing_makes_room(world: World) -> None:
    ask(world)
    second = assert_error(ask(world, due_date="2027-03-25"), 409)
    assert second["refusal"] == Refusal.DELAY_ALREADY_PENDING
    data = world.tasks()["employment-data"]
    assert_error(world.call("DELETE", f"tasks/{data['id']}/delay-requests", "lead"), 403)
    withdrawn = world.call("DELETE", f"tasks/{data['id']}/delay-requests", "partner")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert_error(world.call("DELETE", f"tasks/{data['id']}/delay-requests", "partner"), 404)
    assert ask(world, due_date="2027-03-25").status_code == 201


def test_who_may_answer(world: World) -> None:
    request = ask(world).get_json()
    for who in ("partner", "chamber", "committee"):
        refused = assert_error(world.post(f"delay-requests/{request['id']}/accept", who, {}), 403)
        assert refused["refusal"] == Refusal.LEAD_ANSWERS_DELAY_REQUESTS
        assert_error(world.post(f"delay-requests/{request['id']}/refuse", who, {"reason": "Non"}), 403)
    assert world.post(f"delay-requests/{request['id']}/accept", "admin", {}).status_code == 200


def test_outsiders_get_404_for_every_endpoint(world: World) -> None:
    request = ask(world).get_json()
    task_id = request["task_id"]
    for response in (
        world.post(f"tasks/{task_id}/delay-requests", "outsider", {"due_date": "2027-03-20", "reason": "x"}),
        world.call("DELETE", f"tasks/{task_id}/delay-requests", "outsider"),
        world.get(f"plans/{world.plan.id}/delay-requests", "outsider"),
        world.get(f"delay-requests/{request['id']}", "outsider"),
        world.get(f"delay-requests/{request['id']}/preview", "outsider"),
        world.post(f"delay-requests/{request['id']}/accept", "outsider", {}),
        world.post(f"delay-requests/{request['id']}/refuse", "outsider", {"reason": "x"}),
        world.get("delay-requests/2147483647", "lead"),
    ):
        assert_error(response, 404)
    assert world.get(f"delay-requests/{request['id']}", "chamber").status_code == 200, "people of the plan see it"
    assert world.get(f"delay-requests/{request['id']}").status_code == 401


def test_a_finished_task_takes_no_request(world: World) -> None:
    inventory = world.tasks()["inventory-existing-studies"]
    assert world.patch(f"tasks/{inventory['id']}", "lead", {"status": "done"}).status_code == 200
    body = {"due_date": "2027-03-20", "reason": "x"}
    refused = assert_error(world.post(f"tasks/{inventory['id']}/delay-requests", "lead", body), 409)
    assert refused["refusal"] == Refusal.FINISHED_TASK_NEEDS_NO_TIME


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_date": 10**30}, "due_date"),
        ({"due_date": "1e30"}, "due_date"),
        ({"due_date": "2027-03-20\x00"}, "due_date"),
        ({"due_date": "9999-12-31"}, "due_date"),
        ({"due_date": "2026-11-01"}, "due_date"),  # before the plan's start, in the past
        ({"due_date": "2026-12-15"}, "due_date"),  # not after the current deadline
        ({"due_date": "2031-01-01"}, "due_date"),  # beyond the deadline horizon
        ({"reason": "a\x00b"}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"reason": "\r\n"}, "reason"),
        ({"reason": None}, "reason"),
        ({"extra": 1}, "extra"),
    ],
)
def test_hostile_input_is_422_with_field_messages(world: World, body: dict[str, Any], field: str) -> None:
    assert_error(ask(world, **body), 422, field)
    assert world.get(f"plans/{world.plan.id}/delay-requests?status=all", "lead").get_json()["total"] == 0


def test_cr_lf_in_a_reason_is_kept_as_line_breaks(world: World) -> None:
    asked = ask(world, reason="Ligne 1\r\nBcc: someone@example.org")
    assert asked.status_code == 201 and asked.get_json()["reason"] == "Ligne 1\nBcc: someone@example.org"


@pytest.mark.parametrize("query", ["status=nope", "page=0", "per_page=1000", "unknown=1", "status=pending\x00"])
def test_bad_list_queries_are_422(world: World, query: str) -> None:
    assert_error(world.get(f"plans/{world.plan.id}/delay-requests?{query}", "lead"), 422)


def test_the_endpoints_are_in_the_openapi_document(world: World) -> None:
    paths = world.get("/api/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/tasks/{task_id}/delay-requests",
        "/api/v1/plans/{plan_id}/delay-requests",
        "/api/v1/delay-requests/{request_id}",
        "/api/v1/delay-requests/{request_id}/preview",
        "/api/v1/delay-requests/{request_id}/accept",
        "/api/v1/delay-requests/{request_id}/refuse",
    ):
        assert path in paths, path
