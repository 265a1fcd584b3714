"""The API's changes to a running plan: rename, map a role (the committee's too), add and remove one-off tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.models import Event, Organisation, OutboxMessage, PersonRole, Task
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import create_person
from gpect_workflow.state import EXTENSION_NAME
from tests.api import test_api_contract as contract
from tests.api.test_api_contract import World, assert_error
from tests.conftest import PLAN_START

#: The contract tests' plan, people and tokens (a fixture).
world = contract.world


@pytest.fixture(autouse=True, scope="module")
def _dispose_engine_at_the_end(shared_app: Flask) -> Iterator[None]:
    yield
    with shared_app.app_context():
        shared_app.extensions[EXTENSION_NAME].db.engine.dispose()


def plan_version(world: World) -> int:
    return int(world.get(f"plans/{world.plan.id}", "lead").get_json()["version"])


def stage_id(world: World, key: str = "observe") -> int:
    plan = world.get(f"plans/{world.plan.id}", "lead").get_json()
    return int(next(s["id"] for s in plan["stages"] if s["key"] == key))


def one_off_body(world: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "stage_id": stage_id(world),
        "title_fr": "Visiter le salon de l'emploi",
        "title_en": "Visit the job fair",
        "owner_role": "employment_service",
        "due_date": "2026-12-20",
    }
    return {**body, **overrides}


def test_lead_renames_with_if_match_and_gets_the_new_etag(world: World) -> None:
    version = plan_version(world)
    response = world.patch(
        f"plans/{world.plan.id}", "lead", {"name": "Nouveau nom"}, headers={"If-Match": f'"{version}"'}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["name"] == "Nouveau nom" and response.headers["ETag"] == f'"{version + 1}"'
    stale = world.patch(f"plans/{world.plan.id}", "lead", {"name": "Autre"}, headers={"If-Match": f'"{version}"'})
    assert_error(stale, 412)
    assert_error(world.patch(f"plans/{world.plan.id}", "lead", {"name": "Autre", "version": version}), 409)
    assert world.get(f"plans/{world.plan.id}", "lead").get_json()["name"] == "Nouveau nom"


@pytest.mark.parametrize(
    "body", [{"name": "nul\x00"}, {"name": ""}, {"name": "x" * 201}, {"name": "ok", "extra": 1}, {}]
)
def test_rename_refuses_hostile_names(world: World, body: dict[str, Any]) -> None:
    assert world.patch(f"plans/{world.plan.id}", "lead", body).status_code == 422


@pytest.mark.parametrize("who", ["partner", "committee", "outsider"])
def test_only_the_lead_and_admins_change_the_plan(world: World, who: str) -> None:
    expected = 403
    plan = world.plan.id
    assert world.patch(f"plans/{plan}", who, {"name": "Pris"}).status_code == expected
    assert world.post(f"plans/{plan}/tasks", who, one_off_body(world)).status_code == expected
    body = {"organisation_id": world.roles["region"].organisation_id, "person_ids": [world.people[who].id]}
    assert world.call("PUT", f"plans/{plan}/roles/region", who, json=body).status_code == expected
    assert world.patch(f"plans/{plan}", "admin", {"name": "Par l'administration"}).status_code == 200


def test_other_lead_is_403(world: World, create_user: Any) -> None:
    from gpect_workflow.services.accounts.tokens import create_token

    other = create_user("other-lead@example.org", PersonRole.LEAD)
    world.tokens["other"] = create_token(other, "other")[1]
    session().commit()
    assert world.patch(f"plans/{world.plan.id}", "other", {"name": "Pris"}).status_code == 403
    assert world.patch("plans/2147483647", "lead", {"name": "Pris"}).status_code == 404
    assert world.patch("plans/99999999999999999999999999999", "lead", {"name": "Pris"}).status_code == 404


def test_role_remap_hands_over_and_emails_the_newcomer(world: World) -> None:
    role = "employment_service"
    organisation = session().get(Organisation, world.roles[role].organisation_id)
    newcomer = create_person("nina@partners.example.org", PersonRole.PARTNER, "Nina", organisation=organisation)
    session().commit()
    before = {k: t for k, t in world.tasks().items() if t["owner_role"] == role and t["status"] != "done"}
    body = {"organisation_id": organisation.id, "person_ids": [newcomer.id], "open_tasks_to": None}  # type: ignore[union-attr]
    version = plan_version(world)
    response = world.call(
        "PUT", f"plans/{world.plan.id}/roles/{role}", "lead", json=body, headers={"If-Match": f'"{version}"'}
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "role_key": role,
        "organisation_id": organisation.id,  # type: ignore[union-attr]
        "person_ids": [newcomer.id],
        "plan_version": version + 1,
    }
    after = world.tasks()
    assert before and all(after[key]["assignee_id"] == newcomer.id for key in before)
    deliver_announcements()  # the scheduler's pass renders what the change announced
    messages = session().scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "role_assigned")).all()
    assert [m.recipient_email for m in messages] == ["nina@partners.example.org"]
    assert session().scalar(sa.select(sa.func.count()).select_from(Event).where(Event.kind == "role_remapped")) == 1
    stale = world.call(
        "PUT", f"plans/{world.plan.id}/roles/{role}", "lead", json=body, headers={"If-Match": f'"{version}"'}
    )
    assert_error(stale, 412)


def test_committee_is_remapped_through_the_api(world: World, create_user: Any) -> None:
    organisation_id = world.roles["steering_committee"].organisation_id
    organisation = session().get(Organisation, organisation_id)
    member = create_person("comite@partners.example.org", PersonRole.COMMITTEE, "Côme", organisation=organisation)
    session().commit()
    body = {"organisation_id": organisation_id, "person_ids": [member.id]}
    assert world.call("PUT", f"plans/{world.plan.id}/roles/steering_committee", "lead", json=body).status_code == 200
    observe = stage_id(world)
    decision = world.post(f"plans/{world.plan.id}/stages/observe/decisions", "committee", {"decision": "approve"})
    assert decision.status_code == 404, (observe, decision.get_json())  # the former member no longer sees the plan


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"organisation_id": 10**30, "person_ids": [1]}, 422),
        ({"organisation_id": 1, "person_ids": []}, 422),
        ({"organisation_id": 1, "person_ids": [10**30]}, 422),
        ({"organisation_id": 1, "person_ids": [1], "open_tasks_to": "x"}, 422),
    ],
)
def test_role_remap_refuses_hostile_bodies(world: World, body: dict[str, Any], status: int) -> None:
    assert world.call("PUT", f"plans/{world.plan.id}/roles/region", "lead", json=body).status_code == status


def test_role_remap_of_an_unknown_role_or_foreign_people(world: World) -> None:
    body = {"organisation_id": world.roles["region"].organisation_id, "person_ids": [world.people["outsider"].id]}
    response = world.call("PUT", f"plans/{world.plan.id}/roles/region", "lead", json=body)
    assert assert_error(response, 422, "roles.region.people")["refusal"] == "invalid_input"
    unknown = world.call("PUT", f"plans/{world.plan.id}/roles/nobody", "lead", json=body)
    assert assert_error(unknown, 404)["refusal"] == "no_such_role"


def test_one_off_task_is_added_with_its_title_and_removed(world: World) -> None:
    version = plan_version(world)
    response = world.post(
        f"plans/{world.plan.id}/tasks", "lead", one_off_body(world), headers={"If-Match": f'"{version}"'}
    )
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    assert task["one_off"] is True and task["key"] == "oneoff-1" and task["required"] is True and task["weight"] == 1
    assert task["title"] == {"fr": "Visiter le salon de l'emploi", "en": "Visit the job fair"}
    assert response.headers["ETag"] == f'"{version + 1}"'
    assert world.get(f"tasks/{task['id']}", "partner").get_json()["title"]["en"] == "Visit the job fair"
    stale = world.call(
        "DELETE", f"plans/{world.plan.id}/tasks/{task['id']}", "lead", headers={"If-Match": f'"{version}"'}
    )
    assert_error(stale, 412)
    removed = world.call("DELETE", f"plans/{world.plan.id}/tasks/{task['id']}", "lead")
    assert removed.status_code == 204
    assert session().get(Task, task["id"]) is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"title_fr": "", "title_en": ""},
        {"title_fr": "nul\x00"},
        {"description": "x" * 2001},
        {"owner_role": "nobody"},
        {"due_date": (PLAN_START.replace(day=1)).replace(month=11).isoformat()},
        {"depends_on": [2147483647]},
        {"depends_on": [10**30]},
        {"weight": 0},
        {"required": "yes"},
        {"stage_id": 10**30},
        {"surprise": True},
    ],
)
def test_one_off_task_refuses_hostile_input(world: World, overrides: dict[str, Any]) -> None:
    response = world.post(f"plans/{world.plan.id}/tasks", "lead", one_off_body(world, **overrides))
    assert response.status_code == 422, response.get_json()
    assert not session().scalars(sa.select(Task).where(Task.is_one_off.is_(True))).all()


def test_another_plans_tasks_and_stages_are_refused(world: World) -> None:
    from gpect_workflow.services.plans.starting import PlanRequest, start_plan

    lead = world.people["lead"]
    request = PlanRequest(
        "Autre", "gpect-five-levers", 1, world.territory.id, lead.id, PLAN_START, world.roles, open_now=True
    )
    other = start_plan(lead, request)
    session().commit()
    foreign = session().scalars(sa.select(Task.id).where(Task.plan_id == other.id)).first()
    response = world.post(f"plans/{world.plan.id}/tasks", "lead", one_off_body(world, depends_on=[foreign]))
    assert_error(response, 422, "depends_on")
    foreign_stage = world.get(f"plans/{other.id}", "lead").get_json()["stages"][0]["id"]
    assert_error(world.post(f"plans/{world.plan.id}/tasks", "lead", one_off_body(world, stage_id=foreign_stage)), 404)
    assert_error(world.call("DELETE", f"plans/{world.plan.id}/tasks/{foreign}", "lead"), 404)


def test_definition_tasks_and_started_one_off_tasks_stay(world: World) -> None:
    studies = world.tasks()["inventory-existing-studies"]
    refused = world.call("DELETE", f"plans/{world.plan.id}/tasks/{studies['id']}", "lead")
    assert assert_error(refused, 409)["refusal"] == "definition_tasks_stay"
    added = world.post(f"plans/{world.plan.id}/tasks", "lead", one_off_body(world)).get_json()
    assert world.patch(f"tasks/{added['id']}", "partner", {"status": "in_progress"}).status_code == 200
    started = world.call("DELETE", f"plans/{world.plan.id}/tasks/{added['id']}", "lead")
    assert assert_error(started, 409)["refusal"] == "one_off_task_started"


def test_no_task_is_added_to_a_closed_stage(world: World) -> None:
    observe = session().scalar(
        sa.text("SELECT id FROM gpect_plan_stages WHERE plan_id = :p AND stage_key = 'observe'"), {"p": world.plan.id}
    )
    session().execute(sa.text("UPDATE gpect_plan_stages SET status = 'closed' WHERE id = :s"), {"s": observe})
    session().commit()
    response = world.post(f"plans/{world.plan.id}/tasks", "lead", one_off_body(world))
    assert assert_error(response, 409)["refusal"] == "one_off_tasks_in_open_stages"
