"""The API's comments: under a task and under a stage's gate review; change and delete one's own within the
edit window; 404 for people outside the plan, 403 for someone else's comment; JSON errors with field messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Comment, Event
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.context import session
from tests.api import test_api_contract as contract
from tests.api.test_api_contract import World, assert_error

world = contract.world
_dispose_engine_at_the_end = contract._dispose_engine_at_the_end


def task_url(world: World, key: str = "employment-data") -> str:
    return f"tasks/{world.tasks()[key]['id']}/comments"


def gate_url(world: World) -> str:
    return f"plans/{world.plan.id}/stages/observe/comments"


def add(world: World, who: str, body: str = "Which year are the figures from?", url: str | None = None) -> Any:
    response = world.post(url or task_url(world), who, {"body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_the_plan_s_people_comment_on_a_task_and_read_the_comments_in_order(world: World) -> None:
    first = add(world, "partner", "  Which year?\r\nSee https://example.org/data  ")
    assert first["body"] == "Which year?\nSee https://example.org/data" and first["deleted"] is False
    assert first["author_id"] == world.people["partner"].id and first["task_id"] and first["stage_id"] is None
    add(world, "lead", "2025, the latest.")
    listed = world.get(task_url(world), "committee").get_json()
    assert [c["body"] for c in listed["items"]] == ["Which year?\nSee https://example.org/data", "2025, the latest."]
    assert listed["total"] == 2 and listed["pages"] == 1
    assert world.get(f"comments/{first['id']}", "chamber").get_json()["body"] == first["body"]


def test_the_plan_s_people_comment_on_a_gate_review(world: World) -> None:
    comment = add(world, "committee", "Any survey figures yet?", gate_url(world))
    assert comment["task_id"] is None and comment["stage_id"]
    listed = world.get(gate_url(world), "partner").get_json()
    assert [c["id"] for c in listed["items"]] == [comment["id"]]
    assert world.get(task_url(world), "lead").get_json()["items"] == [], "a gate's comments are not a task's"
    assert_error(world.get(f"plans/{world.plan.id}/stages/nowhere/comments", "lead"), 404)


def test_people_outside_the_plan_get_404_from_every_comment_endpoint(world: World) -> None:
    on_task = add(world, "partner")
    on_gate = add(world, "partner", "Mine", gate_url(world))
    for path in (task_url(world), gate_url(world)):
        assert_error(world.get(path, "outsider"), 404)
        assert_error(world.post(path, "outsider", {"body": "Hello"}), 404)
    for comment in (on_task, on_gate):
        assert_error(world.get(f"comments/{comment['id']}", "outsider"), 404)
        assert_error(world.patch(f"comments/{comment['id']}", "outsider", {"body": "Changed"}), 404)
        assert_error(world.call("DELETE", f"comments/{comment['id']}", "outsider"), 404)
    assert_error(world.get("tasks/2147483647/comments", "lead"), 404)
    assert_error(world.get("comments/2147483647", "lead"), 404)
    assert [c.body for c in session().scalars(sa.select(Comment).order_by(Comment.id))] == [
        "Which year are the figures from?",
        "Mine",
    ]


def test_only_the_author_changes_or_deletes_a_comment(world: World) -> None:
    comment = add(world, "partner")
    for who in ("lead", "admin", "committee"):
        body = assert_error(world.patch(f"comments/{comment['id']}", who, {"body": "Changed"}), 403)
        assert body["refusal"] == Refusal.COMMENT_AUTHOR_ONLY
        assert_error(world.call("DELETE", f"comments/{comment['id']}", who), 403)
    assert world.get(f"comments/{comment['id']}", "lead").get_json()["body"] == comment["body"]


def test_the_author_changes_and_deletes_within_the_window_with_versions(world: World, clock: FrozenClock) -> None:
    comment = add(world, "partner")
    url = f"comments/{comment['id']}"
    clock.advance(timedelta(minutes=15))
    changed = world.patch(url, "partner", {"body": "Which year?", "version": 1})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"2"'
    assert changed.get_json()["edited_at"] and changed.get_json()["body"] == "Which year?"
    stale = assert_error(world.patch(url, "partner", {"body": "Again", "version": 1}), 409)
    assert stale["refusal"] == Refusal.CHANGED_MEANWHILE_BY_SOMEONE
    assert_error(world.call("DELETE", url, "partner", headers={"If-Match": '"1"'}), 412)
    deleted = world.call("DELETE", url, "partner", headers={"If-Match": '"2"'})
    assert deleted.status_code == 200 and deleted.get_json()["deleted"] is True and deleted.get_json()["body"] is None
    gone = assert_error(world.patch(url, "partner", {"body": "Back"}), 409)
    assert gone["refusal"] == Refusal.COMMENT_DELETED
    kinds = session().scalars(sa.select(Event.kind).where(Event.kind.like("comment_%")).order_by(Event.id))
    assert list(kinds) == ["comment_added", "comment_edited", "comment_deleted"]


def test_after_the_window_a_change_is_a_coded_refusal(app: Flask, world: World, clock: FrozenClock) -> None:
    comment = add(world, "partner")
    clock.advance(timedelta(minutes=15, seconds=1))
    refused = assert_error(world.patch(f"comments/{comment['id']}", "partner", {"body": "Changed"}), 409)
    assert refused["refusal"] == Refusal.COMMENT_EDIT_WINDOW_PASSED and refused["parameters"] == {"minutes": 15}
    assert refused["message"] == "A comment may be changed or deleted only in the 15 minutes after it was written."
    assert_error(world.call("DELETE", f"comments/{comment['id']}", "partner"), 409)
    app.config["COMMENT_EDIT_MINUTES"] = 60
    assert world.call("DELETE", f"comments/{comment['id']}", "partner").status_code == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a\x00b", "must not contain NUL characters"),
        ("a\x1bb", "Remove the control characters from this text."),
        ("x" * 1_000_000, "Write at most 2000 characters."),
        ("x" * 2001, "Write at most 2000 characters."),
        (" \r\n\t ", "Write a comment."),
        ("", "Write a comment."),
        (None, None),
        (10**30, None),
        (["a"], None),
    ],
)
def test_hostile_bodies_are_422_with_the_field_s_message(world: World, body: Any, message: str | None) -> None:
    answer = assert_error(world.post(task_url(world), "partner", {"body": body}), 422, "body")
    if message is not None:
        assert message in answer["errors"]["body"]
    assert_error(world.post(task_url(world), "partner", {"body": "ok", "extra": 1}), 422, "extra")
    assert_error(world.post(task_url(world), "partner", {}), 422, "body")
    assert session().scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_script_and_javascript_links_are_kept_as_plain_text(world: World) -> None:
    hostile = "<script>alert(1)</script> javascript:alert(2)"
    assert add(world, "partner", hostile)["body"] == hostile


def test_the_spec_documents_the_comment_endpoints(world: World) -> None:
    spec = world.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/tasks/{task_id}/comments"])
    assert {"get", "post"} <= set(paths["/api/v1/plans/{plan_id}/stages/{stage_key}/comments"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/comments/{comment_id}"])
    body = spec["components"]["schemas"]["CommentCreate"]["properties"]["body"]
    assert body["maxLength"] == 2000
