"""The API's deadline moves: the deadline rule (422 with the range) and the stage changes in the answer."""

from __future__ import annotations

import pytest
from flask import Flask

from gpect_workflow.refusals import Refusal
from tests.api import test_api_contract as contract
from tests.api.test_api_contract import World, assert_error

world = contract.world
_dispose_engine_at_the_end = contract._dispose_engine_at_the_end


def stage_windows(world: World) -> dict[str, tuple[str, str]]:
    plan = world.get(f"plans/{world.plan.id}", "lead").get_json()
    return {s["key"]: (s["planned_start"], s["planned_end"]) for s in plan["stages"]}


@pytest.mark.parametrize(
    ("due", "refusal"),
    [
        ("2026-11-30", Refusal.DUE_DATE_OUTSIDE_PLAN),
        ("2020-01-01", Refusal.DUE_DATE_OUTSIDE_PLAN),
        ("2029-01-25", Refusal.DUE_DATE_OUTSIDE_PLAN),
        ("0001-01-01", None),
        ("9999-12-31", None),
    ],
)
def test_a_due_date_outside_the_plan_is_422_naming_the_range(world: World, due: str, refusal: Refusal | None) -> None:
    before = world.tasks()
    survey = before["business-survey"]
    answer = assert_error(world.patch(f"tasks/{survey['id']}", "lead", {"due_date": due}), 422, "due_date")
    if refusal is not None:
        assert answer["refusal"] == refusal
        assert answer["parameters"] == {"first": "2026-12-01", "last": "2029-01-24"}
        assert answer["errors"]["due_date"] == ["Choose a date from 2026-12-01 to 2029-01-24."]
        assert answer["message"] == "A deadline must fall between the plan's start, 2026-12-01, and 2029-01-24."
    after = world.tasks()
    assert {k: t["due_date"] for k, t in after.items()} == {k: t["due_date"] for k, t in before.items()}
    assert after["business-survey"]["version"] == survey["version"]


@pytest.mark.parametrize("due", [10**30, "1e30", "not a date", "2027-02-30", "2027-02-25\x00", None, [], {}])
def test_non_dates_are_422(world: World, due: object) -> None:
    survey = world.tasks()["business-survey"]
    assert_error(world.patch(f"tasks/{survey['id']}", "lead", {"due_date": due}), 422, "due_date")
    assert world.tasks()["business-survey"]["due_date"] == "2027-01-30"


def test_the_plan_start_and_the_horizon_edge_are_accepted(app: Flask, world: World) -> None:
    data = world.tasks()["employment-data"]
    answer = world.patch(f"tasks/{data['id']}", "lead", {"due_date": "2026-12-01"})
    assert answer.status_code == 200 and answer.get_json()["due_date"] == "2026-12-01"
    app.config["DEADLINE_HORIZON_DAYS"] = 0
    final = world.tasks()["final-review"]
    assert_error(world.patch(f"tasks/{final['id']}", "lead", {"due_date": "2028-01-26"}), 422, "due_date")
    edge = world.patch(f"tasks/{final['id']}", "lead", {"due_date": "2028-01-25"})
    assert edge.status_code == 200 and edge.get_json()["stage_changes"] == []


def test_the_answer_lists_the_deadlines_and_stages_the_move_changed(world: World) -> None:
    tasks = world.tasks()
    diagnosis = tasks["shared-diagnosis"]
    before = stage_windows(world)
    response = world.patch(
        f"tasks/{diagnosis['id']}", "lead", {"due_date": "2027-03-13", "version": diagnosis["version"]}
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["due_date"] == "2027-03-13" and response.headers["ETag"] == f'"{body["version"]}"'
    assert body["moved_deadlines"][0] == {"task_id": diagnosis["id"], "old": "2027-02-19", "new": "2027-03-13"}
    assert len(body["moved_deadlines"]) == 12
    observe, experiment, *rest = body["stage_changes"]
    assert observe == {
        "stage_id": observe["stage_id"],
        "key": "observe",
        "old_start": "2026-12-01",
        "new_start": "2026-12-01",
        "old_end": "2027-03-01",
        "new_end": "2027-03-13",
        "extended_days": 12,
        "later_stages_shifted_days": 12,
        "overlaps": None,
    }
    assert (experiment["key"], experiment["new_start"], experiment["new_end"]) == (
        "experiment",
        "2027-03-13",
        "2027-07-11",
    )
    assert [c["key"] for c in rest] == ["adapt", "articulate", "lead-change"]
    after = stage_windows(world)
    assert after["observe"] == (before["observe"][0], "2027-03-13") and after["experiment"][0] == "2027-03-13"
    moved = world.tasks()
    assert moved["design-pilot"]["due_date"] != tasks["design-pilot"]["due_date"]


def test_a_change_without_a_deadline_lists_nothing_moved(world: World) -> None:
    data = world.tasks()["employment-data"]
    body = world.patch(f"tasks/{data['id']}", "partner", {"status": "in_progress"}).get_json()
    assert body["status"] == "in_progress" and body["moved_deadlines"] == [] and body["stage_changes"] == []
