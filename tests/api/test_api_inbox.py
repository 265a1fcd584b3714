"""The API's inbox: the caller's own notifications, paged, newest first; one or all marked read; another
person's entry is 404 and stays unread."""

from __future__ import annotations

import sqlalchemy as sa

from gpect_workflow.models import InboxEntry
from gpect_workflow.notifications.outbox import NewMessage, enqueue
from gpect_workflow.refusals import Refusal
from gpect_workflow.services.context import session
from tests.api import test_api_contract as contract
from tests.api.test_api_contract import World, assert_error

world = contract.world
_dispose_engine_at_the_end = contract._dispose_engine_at_the_end


def notify(world: World, who: str, number: int) -> None:
    person = world.people[who]
    enqueue(
        [
            NewMessage(f"api:{n}:r{person.id}", "reminder", person.email, f"Rappel {n}", "T.\n", None, person.id)
            for n in range(number)
        ]
    )
    session().commit()


def test_the_inbox_lists_my_notifications_paged_with_the_unread_count(world: World) -> None:
    notify(world, "partner", 3)
    answer = world.get("inbox?per_page=2", "partner")
    assert answer.status_code == 200
    body = answer.get_json()
    # The plan's start emailed the partner their first stage's tasks: 4 entries in all, all unread.
    assert (body["total"], body["pages"], body["unread"], len(body["items"])) == (4, 2, 4, 2)
    first = body["items"][0]
    assert first["kind"] == "reminder" and first["title"] == "Rappel 2" and first["read_at"] is None
    assert set(first) == {"id", "kind", "title", "link_path", "plan_id", "task_id", "at", "read_at"}
    last = world.get("inbox?page=2&per_page=2", "partner").get_json()["items"][-1]
    assert last["kind"] == "stage_opened" and last["link_path"] == f"/plans/{world.plan.id}"
    assert world.get("inbox", "outsider").get_json() == {
        "items": [],
        "page": 1,
        "per_page": 25,
        "total": 0,
        "pages": 1,
        "unread": 0,
    }


def test_one_and_then_all_are_marked_read(world: World) -> None:
    notify(world, "partner", 2)
    entry = world.get("inbox", "partner").get_json()["items"][0]
    answer = world.post(f"inbox/{entry['id']}/read", "partner")
    assert answer.status_code == 200 and answer.get_json()["read_at"] is not None
    again = world.post(f"inbox/{entry['id']}/read", "partner").get_json()
    assert again["read_at"] == answer.get_json()["read_at"], "marking it again changes nothing"
    assert world.get("inbox", "partner").get_json()["unread"] == 2
    assert world.post("inbox/read-all", "partner").get_json() == {"marked": 2}
    assert world.get("inbox", "partner").get_json()["unread"] == 0
    assert world.post("inbox/read-all", "partner").get_json() == {"marked": 0}


def test_another_persons_entry_is_404_and_stays_unread(world: World) -> None:
    theirs = world.get("inbox", "partner").get_json()["items"][0]
    for who in ("lead", "admin", "outsider", "committee", "chamber"):
        body = assert_error(world.post(f"inbox/{theirs['id']}/read", who), 404)
        assert body["refusal"] == Refusal.NO_SUCH_INBOX_ENTRY
    world.post("inbox/read-all", "lead")
    assert session().scalar(sa.select(InboxEntry.read_dt).where(InboxEntry.id == theirs["id"])) is None
    assert world.get("inbox", "partner").get_json()["unread"] == 1


def test_without_a_token_it_is_401_and_bad_pages_are_422(world: World) -> None:
    assert world.get("inbox").status_code == 401
    assert world.post("inbox/read-all", None).status_code == 401
    for query in ("page=0", "page=10000000000000000000000000000000", "per_page=1000", "page=x", "other=1"):
        assert_error(world.get(f"inbox?{query}", "partner"), 422)
    assert world.post("inbox/2147483648/read", "partner").status_code == 404
