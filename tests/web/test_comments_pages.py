"""Comments on the task and gate review pages: who may write, change and delete them, what the discussion
shows (comments between status changes, links made safe), hostile input, and a fixed cost per page."""

from __future__ import annotations

import gc
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Comment, Event, Language, TaskStatus
from gpect_workflow.services.comments import comment_on_gate, comment_on_task
from gpect_workflow.services.context import session
from gpect_workflow.services.tasks.changes import change_task_status
from tests.query_count import count_queries

from .plan_support import Cast, as_, cast_fixture, post, section, task, text  # noqa: F401


def _comments(task_id: int | None = None) -> list[Comment]:
    session().expire_all()
    query = sa.select(Comment).order_by(Comment.id)
    if task_id is not None:
        query = query.where(Comment.task_id == task_id)
    return list(session().scalars(query))


def _stage_id(cast: Cast) -> int:
    return task(cast.plan, "employment-data").stage_id


def test_a_partner_comments_on_a_task_and_sees_it_between_the_status_changes(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    data = task(cast.plan, "employment-data")
    change_task_status(cast.partner, data.id, TaskStatus.IN_PROGRESS, note="On it")
    session().commit()
    clock.advance(timedelta(minutes=5))
    response = post(
        as_(client, cast.partner),
        f"/tasks/{data.id}/comments",
        {"body": "Which year?\r\nSee https://example.org/data."},
    )
    (comment,) = _comments(data.id)
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{data.id}#comment-{comment.id}"
    assert comment.body == "Which year?\nSee https://example.org/data." and comment.author_id == cast.partner.id
    clock.advance(timedelta(minutes=5))
    change_task_status(cast.partner, data.id, TaskStatus.BLOCKED, note="Waiting for the files")
    session().commit()

    page = text(as_(client, cast.lead).get(f"/tasks/{data.id}"))
    discussion = section(page, "comments")
    started = discussion.index("On it")
    said = discussion.index("Which year?")
    blocked = discussion.index("Waiting for the files")
    assert started < said < blocked, "the comment sits between the two status changes, oldest first"
    assert 'href="https://example.org/data" rel="noopener noreferrer nofollow"' in discussion
    assert "Which year?<br>See" in discussion
    assert "Change or delete this comment" not in discussion, "only the author may change it"
    kinds = [e.kind for e in session().scalars(sa.select(Event).where(Event.task_id == data.id))]
    assert "comment_added" in kinds


def test_a_gate_review_takes_comments_from_the_plan_s_people(client: FlaskClient, cast: Cast) -> None:
    stage_id = _stage_id(cast)
    response = post(as_(client, cast.committee), f"/stages/{stage_id}/comments", {"body": "Any survey figures yet?"})
    (comment,) = _comments()
    assert comment.stage_id == stage_id and comment.task_id is None
    assert response.headers["Location"] == f"/stages/{stage_id}/review#comment-{comment.id}"
    page = text(as_(client, cast.lead).get(f"/stages/{stage_id}/review"))
    assert "Any survey figures yet?" in section(page, "comments")


def test_people_outside_the_plan_get_404_on_every_comment_page(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    stage_id = _stage_id(cast)
    on_task = comment_on_task(cast.partner, data.id, "Mine")
    on_gate = comment_on_gate(cast.partner, stage_id, "Mine too")
    session().commit()
    for person in (cast.outsider, cast.other_lead):
        signed = as_(client, person)
        assert signed.get(f"/tasks/{data.id}").status_code == 404
        assert signed.get(f"/stages/{stage_id}/review").status_code == 404
        assert post(signed, f"/tasks/{data.id}/comments", {"body": "Hello"}).status_code == 404
        assert post(signed, f"/stages/{stage_id}/comments", {"body": "Hello"}).status_code == 404
        for comment in (on_task, on_gate):
            assert post(signed, f"/comments/{comment.id}/edit", {"body": "Changed"}).status_code == 404
            assert post(signed, f"/comments/{comment.id}/delete", {}).status_code == 404
        assert post(signed, f"/tasks/{data.id}/comments", {"body": ""}).status_code == 404, "404 before the input"
    assert [c.body for c in _comments()] == ["Mine", "Mine too"]


def test_only_the_author_changes_or_deletes_a_comment(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    comment = comment_on_task(cast.partner, data.id, "Mine")
    session().commit()
    for person in (cast.lead, cast.colleague, cast.admin):
        signed = as_(client, person)
        assert post(signed, f"/comments/{comment.id}/edit", {"body": "Changed"}).status_code == 403
        assert post(signed, f"/comments/{comment.id}/delete", {}).status_code == 403
    assert _comments()[0].body == "Mine" and _comments()[0].deleted_dt is None


def test_the_author_changes_then_deletes_their_comment_within_the_window(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    data = task(cast.plan, "employment-data")
    comment = comment_on_task(cast.partner, data.id, "Frist")
    session().commit()
    signed = as_(client, cast.partner)
    page = text(signed.get(f"/tasks/{data.id}"))
    assert "Change or delete this comment" in section(page, "comments")
    clock.advance(timedelta(minutes=14))
    response = post(signed, f"/comments/{comment.id}/edit", {"body": "First", "expected_version": 1})
    assert response.status_code == 302
    assert _comments()[0].body == "First" and _comments()[0].edited_dt is not None
    stale = post(signed, f"/comments/{comment.id}/delete", {"expected_version": 1})
    assert stale.status_code == 409 and "Someone changed this" in text(stale)
    assert post(signed, f"/comments/{comment.id}/delete", {"expected_version": 2}).status_code == 302
    deleted = _comments()[0]
    assert deleted.deleted_dt is not None and deleted.body == ""
    discussion = section(text(signed.get(f"/tasks/{data.id}")), "comments")
    assert "Comment deleted" in discussion and "First" not in discussion
    kinds = [e.kind for e in session().scalars(sa.select(Event).where(Event.task_id == data.id).order_by(Event.id))]
    assert kinds[-3:] == ["comment_added", "comment_edited", "comment_deleted"]
    again = post(signed, f"/comments/{comment.id}/edit", {"body": "Back"})
    assert again.status_code == 409 and "This comment was deleted" in text(again)


def test_after_the_window_a_change_is_refused_in_the_reader_s_language(
    app: Flask, client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    app.config["COMMENT_EDIT_MINUTES"] = 10
    data = task(cast.plan, "employment-data")
    comment = comment_on_task(cast.partner, data.id, "Mine")
    session().commit()
    clock.advance(timedelta(minutes=11))
    signed = as_(client, cast.partner)
    assert "Change or delete this comment" not in section(text(signed.get(f"/tasks/{data.id}")), "comments")
    refused = post(signed, f"/comments/{comment.id}/edit", {"body": "Changed"})
    assert refused.status_code == 409
    assert "A comment may be changed or deleted only in the 10 minutes after it was written." in text(refused)
    assert "Changed" in text(refused), "the typed text is kept"
    cast.partner.language = Language.FR
    session().commit()
    refused = post(as_(client, cast.partner), f"/comments/{comment.id}/delete", {})
    assert refused.status_code == 409
    assert "Un commentaire ne peut être modifié ou supprimé que dans les 10 minutes" in text(refused)
    assert _comments()[0].body == "Mine" and _comments()[0].deleted_dt is None


def test_hostile_comments_get_a_clear_refusal_or_are_shown_as_text(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    signed = as_(client, cast.partner)
    url = f"/tasks/{data.id}/comments"
    assert post(signed, url, {"body": "a\x00b"}).status_code == 400
    assert post(signed, url, {"body": "a\x07b"}).status_code == 400
    too_long = post(signed, url, {"body": "x" * 1_000_000})
    assert too_long.status_code in (413, 422)
    just_over = post(signed, url, {"body": "x" * 2001})
    assert just_over.status_code == 422 and "Write at most 2000 characters." in text(just_over)
    empty = post(signed, url, {"body": " \r\n "})
    assert empty.status_code == 422 and "Write a comment." in text(empty)
    assert _comments() == []
    hostile = "<script>alert(1)</script> javascript:alert(2) http://ok.example.org/a?b=1&c=<x>"
    assert post(signed, url, {"body": hostile}).status_code == 302
    discussion = section(text_raw(signed.get(f"/tasks/{data.id}")), "comments")
    assert "<script>alert(1)" not in discussion and "&lt;script&gt;alert(1)&lt;/script&gt;" in discussion
    assert 'href="javascript' not in discussion and "javascript:alert(2)" in discussion
    assert '<a href="http://ok.example.org/a?b=1&amp;c=" rel="noopener noreferrer nofollow"' in discussion


def text_raw(response: object) -> str:
    return response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_the_task_page_costs_the_same_statements_with_1_and_50_comments(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    signed = as_(client, cast.partner)

    def statements() -> int:
        session().expire_all()
        gc.collect()  # rows the test no longer holds leave the session now, not whenever a cycle is collected
        with count_queries() as found:
            assert signed.get(f"/tasks/{data.id}").status_code == 200
        return len(found)

    comment_on_task(cast.partner, data.id, "One")
    session().commit()
    statements()  # the first request of the test also reads the person signed in
    one = statements()
    for number in range(49):
        comment_on_task(cast.lead if number % 2 else cast.chamber, data.id, f"Comment {number}")
    session().commit()
    statements()  # as above: the test's own writes leave the session as a request would not
    assert statements() == one
    stage_id = data.stage_id

    def gate_statements() -> int:
        session().expire_all()
        gc.collect()  # rows the test no longer holds leave the session now, not whenever a cycle is collected
        with count_queries() as found:
            assert signed.get(f"/stages/{stage_id}/review").status_code == 200
        return len(found)

    comment_on_gate(cast.partner, stage_id, "One")
    session().commit()
    gate_statements()  # the first reading of the gate review page warms what a request keeps
    few = gate_statements()
    for number in range(49):
        comment_on_gate(cast.lead, stage_id, f"Gate comment {number}")
    session().commit()
    gate_statements()  # as above: the test's own writes leave the session as a request would not
    many = gate_statements()
    assert few == many


def test_comment_forms_need_the_csrf_token(client: FlaskClient, cast: Cast) -> None:
    data = task(cast.plan, "employment-data")
    signed = as_(client, cast.partner)
    assert signed.post(f"/tasks/{data.id}/comments", data={"body": "No token"}).status_code == 400
    comment = comment_on_task(cast.partner, data.id, "Mine")
    session().commit()
    assert signed.post(f"/comments/{comment.id}/delete", data={}).status_code == 400
    assert [c.body for c in _comments()] == ["Mine"]


def test_a_long_discussion_is_read_a_page_at_a_time_newest_page_first(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    data = task(cast.plan, "employment-data")
    for number in range(51):
        clock.advance(timedelta(minutes=1))
        comment_on_task(cast.lead, data.id, f"Message number {number:02d}")
    session().commit()
    signed = as_(client, cast.partner)
    latest = section(text(signed.get(f"/tasks/{data.id}")), "comments")
    assert "Message number 50" in latest and "Message number 01" in latest and "Message number 00" not in latest
    assert latest.index("Message number 01") < latest.index("Message number 50"), "oldest first within the page"
    assert f"/tasks/{data.id}?comments_page=2#comments" in latest
    earlier = section(text(signed.get(f"/tasks/{data.id}?comments_page=2")), "comments")
    assert "Message number 00" in earlier and "Message number 01" not in earlier
    assert f"/tasks/{data.id}?comments_page=1#comments" in earlier
