"""The notification inbox page: the owner's entries newest first, the header's unread count, an entry opened
(read, and on to its page), all marked read; another person's entry is 404; its cost does not grow."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import InboxEntry, Language, OutboxMessage, Person
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.notifications.outbox import NewMessage, enqueue
from gpect_workflow.services.context import now, session
from tests.query_count import count_queries

from .plan_support import Cast, as_, cast_fixture, post, task, text  # noqa: F401


@pytest.fixture(autouse=True)
def _plan_started_and_announced(cast: Cast) -> None:
    """The plan of ``cast`` started and its notices rendered by the pass, as the scheduler does."""
    deliver_announcements()
    session().commit()


def entries(person: Person) -> list[InboxEntry]:
    session().expire_all()
    query = sa.select(InboxEntry).where(InboxEntry.person_id == person.id).order_by(InboxEntry.id)
    return list(session().scalars(query))


def unread_badge(page: str) -> str | None:
    """The header's unread count as shown, or ``None`` when it shows none."""
    match = re.search(r'class="inbox-link"[^>]*>[^<]*<span class="unread-count">([^<]+)</span>', page)
    return match.group(1) if match else None


def notify(person: Person, number: int = 1, *, prefix: str = "test", **values: Any) -> None:
    """``number`` reminders to ``person`` (subjects numbered from 1), queued and committed."""
    enqueue(
        [
            NewMessage(
                f"{prefix}:{n}:r{person.id}",
                values.get("kind", "reminder"),
                person.email,
                values.get("subject", f"Reminder {n}"),
                "Text.\n",
                None,
                person.id,
                link_path=values.get("link_path", "/my-tasks"),
                send_at=values.get("send_at"),
            )
            for n in range(1, number + 1)
        ]
    )
    session().commit()


# --- What it shows --------------------------------------------------------------------------------------------


def test_anonymous_visitors_sign_in_first(client: FlaskClient, cast: Cast) -> None:
    assert client.get("/inbox").headers["Location"] == "/login?next=/inbox"
    entry = entries(cast.partner)[0]
    assert client.get(f"/inbox/{entry.id}/open").headers["Location"] == f"/login?next=/inbox/{entry.id}/open"
    assert entries(cast.partner)[0].read_dt is None


def test_the_stage_opening_email_is_in_the_assignees_inbox_with_the_count_in_the_header(
    client: FlaskClient, cast: Cast
) -> None:
    mine = entries(cast.partner)
    assert [entry.kind for entry in mine] == ["stage_opened"]
    theirs = sa.and_(OutboxMessage.recipient_id == cast.partner.id, OutboxMessage.kind == "stage_opened")
    outbox = session().scalar(sa.select(OutboxMessage).where(theirs))
    assert outbox is not None and mine[0].title == outbox.subject and mine[0].link_path == f"/plans/{cast.plan.id}"
    page = text(as_(client, cast.partner).get("/inbox"))
    assert unread_badge(page) == "1"
    assert outbox.subject in page and "Stage opened" in page and f'href="/inbox/{mine[0].id}/open"' in page
    # The committee member got no email of the opening: an empty inbox, and no count in the header.
    page = text(as_(client, cast.committee).get("/inbox"))
    assert unread_badge(page) is None and "Nothing here yet" in page and "Mark all as read" not in page


def test_entries_are_newest_first_and_paged(app: Flask, client: FlaskClient, cast: Cast, clock: FrozenClock) -> None:
    app.config["PAGE_SIZE"] = 2
    for n in range(3):
        clock.advance(timedelta(minutes=1))
        notify(cast.committee, prefix=f"p{n}", subject=f"Subject {n}")
    first = text(as_(client, cast.committee).get("/inbox"))
    assert first.index("Subject 2") < first.index("Subject 1") and "Subject 0" not in first
    assert "Page 1 of 2" in first and 'href="/inbox?page=2"' in first
    second = text(client.get("/inbox?page=2"))
    assert "Subject 0" in second and "Subject 2" not in second
    assert "Page 2 of 2" in text(client.get("/inbox?page=99999999999999999999")), "a page past the last shows the last"


def test_the_header_count_stops_at_99_plus(client: FlaskClient, cast: Cast) -> None:
    notify(cast.committee, 120)
    page = text(as_(client, cast.committee).get("/"))
    assert unread_badge(page) == "99+"
    assert "(120)" in text(client.get("/inbox"))


def test_the_header_count_is_read_with_the_signed_in_person(client: FlaskClient, cast: Cast) -> None:
    """Every page shows the count: the request reads it in the statement that reads the person its session
    cookie names, not in a statement of its own (as a server does, the person is not cached from before)."""
    notify(cast.partner, 3)
    as_(client, cast.partner)
    for address in ("/", "/preferences", "/inbox"):
        g.pop("_login_user", None)
        session().expire_all()
        with count_queries() as statements:
            page = text(client.get(address))
        assert unread_badge(page) == "4", address
        unread = [statement for statement in statements if "read_dt IS NULL" in statement]
        assert len(unread) == 1 and "FROM gpect_people" in unread[0], (address, unread)


def test_an_email_queued_for_later_enters_the_inbox_when_it_leaves(
    client: FlaskClient, cast: Cast, clock: FrozenClock
) -> None:
    notify(cast.committee, send_at=now() + timedelta(hours=3), subject="Later")
    page = text(as_(client, cast.committee).get("/inbox"))
    assert "Later" not in page and unread_badge(page) is None
    entry = entries(cast.committee)[0]
    assert as_(client, cast.committee).get(f"/inbox/{entry.id}/open").status_code == 404, "not shown yet"
    clock.advance(timedelta(hours=3))
    page = text(client.get("/inbox"))
    assert "Later" in page and unread_badge(page) == "1"


# --- Opening and marking read ---------------------------------------------------------------------------------


def test_opening_an_entry_marks_it_read_and_goes_to_its_page(client: FlaskClient, cast: Cast) -> None:
    work = task(cast.plan, "employment-data")
    notify(cast.partner, link_path=f"/tasks/{work.id}")
    opened = entries(cast.partner)[-1]
    as_(client, cast.partner)
    assert unread_badge(text(client.get("/inbox"))) == "2"
    response = client.get(f"/inbox/{opened.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{work.id}"
    assert entries(cast.partner)[-1].read_dt is not None
    page = text(client.get(response.headers["Location"]))
    assert unread_badge(page) == "1"
    read_at = entries(cast.partner)[-1].read_dt
    assert client.get(f"/inbox/{opened.id}/open").status_code == 302
    assert entries(cast.partner)[-1].read_dt == read_at, "opening it again changes nothing"


def test_mark_all_read_is_a_form_with_csrf(client: FlaskClient, cast: Cast) -> None:
    notify(cast.partner, 3)
    as_(client, cast.partner)
    assert client.post("/inbox/read-all").status_code == 400, "no CSRF token, no change"
    assert all(entry.read_dt is None for entry in entries(cast.partner))
    response = post(client, "/inbox/read-all", {})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    page = text(client.get("/inbox"))
    assert "Notifications marked as read: 4." in page and unread_badge(page) is None
    assert all(entry.read_dt is not None for entry in entries(cast.partner))
    assert all(entry.read_dt is None for entry in entries(cast.lead)), "only the reader's own"


def test_another_persons_entry_is_not_found_and_stays_unread(client: FlaskClient, cast: Cast) -> None:
    theirs = entries(cast.partner)[0]
    for person in (cast.lead, cast.admin, cast.outsider, cast.committee):
        response = as_(client, person).get(f"/inbox/{theirs.id}/open")
        assert response.status_code == 404, person.email
        assert theirs.title not in text(client.get("/inbox"))
    assert entries(cast.partner)[0].read_dt is None
    assert as_(client, cast.partner).get("/inbox/2147483647/open").status_code == 404


@pytest.mark.parametrize("path", ["//evil.example.org/x", "https://evil.example.org/", None])
def test_an_entry_never_leads_off_the_site(client: FlaskClient, cast: Cast, path: str | None) -> None:
    enqueue([NewMessage(f"odd:{path}", "custom", cast.committee.email, "Odd", "Text.\n", None, cast.committee.id)])
    session().execute(sa.update(InboxEntry).where(InboxEntry.title == "Odd").values(link_path=path))
    session().commit()
    entry = entries(cast.committee)[0]
    assert as_(client, cast.committee).get(f"/inbox/{entry.id}/open").headers["Location"] == "/inbox"


# --- Languages and cost ---------------------------------------------------------------------------------------


def test_the_page_speaks_french(client: FlaskClient, cast: Cast) -> None:
    cast.committee.language = Language.FR
    session().commit()
    notify(cast.committee, kind="gate_awaiting", subject="Décision attendue")
    notify(cast.committee, kind="comment_added", subject="Nouveau commentaire", prefix="comment")
    page = text(as_(client, cast.committee).get("/inbox"))
    assert "<h1>Notifications" in page and "Tout marquer comme lu" in page
    assert "En attente de la décision du comité" in page and "Nouveau" in page
    assert "Commentaire ·" in page and "comment_added" not in page
    assert re.search(r'class="inbox-link"[^>]*>Notifications', page)
    post(client, "/inbox/read-all", {})
    assert "Notifications marquées comme lues\u00a0: 2." in text(client.get("/inbox"))


def test_the_page_costs_the_same_statements_with_1_or_200_entries(app: Flask, client: FlaskClient, cast: Cast) -> None:
    app.config["PAGE_SIZE"] = 50
    notify(cast.committee, 1, prefix="small")
    as_(client, cast.committee)
    assert client.get("/inbox").status_code == 200  # warm-up: the signed-in person is cached after it
    session().expire_all()
    with count_queries() as small:
        assert client.get("/inbox").status_code == 200
    notify(cast.committee, 199, prefix="large")
    session().expire_all()
    with count_queries() as large:
        page = text(client.get("/inbox"))
    assert page.count('class="inbox-entry unread"') == 50 and "(200)" in page
    assert len(large) == len(small), (small, large)
