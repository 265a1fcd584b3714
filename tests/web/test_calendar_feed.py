"""My private calendar feed: the address in my preferences, what the feed lists, and revoking or renewing it."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from icalendar import Calendar

from gpect_workflow.models import (
    Language,
    Person,
    PersonRole,
    Plan,
    PlanStatus,
    RoleAssignment,
    RoleAssignmentMember,
    Task,
    TaskStatus,
)
from gpect_workflow.notifications.ics import task_uid
from gpect_workflow.services.accounts.calendar_feed import feed_token, renew_feed
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import find_person
from gpect_workflow.services.plans.starting import PlanRequest, start_plan
from tests.conftest import post_form, sign_in
from tests.plan_helpers import map_every_role, start_five_levers_plan
from tests.query_count import count_queries

EMPLOYMENT = "employment-service@partners.example.org"
FEED_URL = re.compile(r'id="calendar-url"[^>]*value="(http://gpect\.test/calendar/([^"]+)\.ics)"')


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def anonymous(app: Flask) -> FlaskClient:
    """A client with no session, as a calendar application is."""
    g.pop("_login_user", None)
    return app.test_client()


def person(email: str) -> Person:
    found = find_person(email)
    assert found is not None
    return found


def parse(response: Any) -> Calendar:
    assert response.status_code == 200, response.status_code
    return Calendar.from_ical(response.get_data())


def events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def open_tasks(plan: Plan, role: str) -> list[Task]:
    query = sa.select(Task).where(
        Task.plan_id == plan.id, Task.owner_role == role, Task.status.in_(["todo", "in_progress", "blocked"])
    )
    return list(session().scalars(query.order_by(Task.due_date, Task.id)))


def add_to_role(plan: Plan, role: str, member: Person) -> None:
    assignment = session().scalar(
        sa.select(RoleAssignment).where(RoleAssignment.plan_id == plan.id, RoleAssignment.role_key == role)
    )
    assert assignment is not None
    session().add(RoleAssignmentMember(assignment_id=assignment.id, plan_id=plan.id, person_id=member.id))


def feed_path(member: Person) -> str:
    token = feed_token(member)
    assert token
    return f"/calendar/{token}.ics"


# --- The address in my preferences ------------------------------------------------------------------------------


def test_anonymous_people_cannot_create_or_revoke_an_address(client: FlaskClient) -> None:
    for url in ("/preferences/calendar", "/preferences/calendar/revoke"):
        response = post_form(client, url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_create_shows_an_absolute_address_that_is_stored_nowhere(
    app: Flask, client: FlaskClient, create_user: Any, definitions: None, dummy_lead: Person
) -> None:
    me = create_user("me@example.org", PersonRole.PARTNER, name="Me", language=Language.EN)
    session().commit()
    sign_in(client, me)
    page = text(client.get("/preferences"))
    assert "You have no calendar address." in page and "Create my calendar address" in page
    assert not FEED_URL.search(page)

    created = post_form(client, "/preferences/calendar")
    assert created.status_code == 302 and created.headers["Location"].endswith("/preferences#calendar")
    page = text(client.get("/preferences"))
    assert "Your calendar address was created." in page
    match = FEED_URL.search(page)
    assert match, "the address is shown, absolute under BASE_URL"
    url, token = match.groups()
    assert "Renew the address" in page and "Revoke the address" in page
    assert text(client.get("/preferences")).count(url) == 1, "the address stays visible to its owner"

    row = session().execute(sa.text("SELECT * FROM gpect_people WHERE id = :id"), {"id": me.id}).mappings().one()
    secret = token.split("-", 1)[1]
    assert not [column for column, value in row.items() if isinstance(value, str) and secret in value]
    assert row["calendar_feed_secret"] and row["calendar_feed_secret"] not in token, "only a secret it derives from"
    assert row["calendar_feed_created_dt"] is not None
    assert anonymous(app).get(url.removeprefix("http://gpect.test")).status_code == 200


def test_renewing_or_revoking_makes_the_old_address_answer_404(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    me = create_user("me@example.org", PersonRole.PARTNER, language=Language.EN)
    session().commit()
    sign_in(client, me)
    post_form(client, "/preferences/calendar")
    first = FEED_URL.search(text(client.get("/preferences"))).group(1)  # type: ignore[union-attr]
    first_path = first.removeprefix("http://gpect.test")
    assert anonymous(app).get(first_path).status_code == 200

    sign_in(client, me)
    post_form(client, "/preferences/calendar")
    page = text(client.get("/preferences"))
    assert "Your calendar address was renewed. The previous address no longer works." in page
    second = FEED_URL.search(page).group(1)  # type: ignore[union-attr]
    second_path = second.removeprefix("http://gpect.test")
    assert second != first
    assert anonymous(app).get(first_path).status_code == 404, "the renewed address is gone, and says nothing"
    assert anonymous(app).get(second_path).status_code == 200

    sign_in(client, me)
    post_form(client, "/preferences/calendar/revoke")
    page = text(client.get("/preferences"))
    assert "Your calendar address was revoked." in page and not FEED_URL.search(page)
    assert anonymous(app).get(second_path).status_code == 404
    session().expire_all()
    assert session().get(Person, me.id).calendar_feed_secret is None  # type: ignore[union-attr]


def test_forged_addresses_answer_404(app: Flask, create_user: Any) -> None:
    me = create_user("me@example.org", PersonRole.PARTNER)
    other = create_user("other@example.org", PersonRole.PARTNER)
    token = renew_feed(me)
    renew_feed(other)
    session().commit()
    client = anonymous(app)
    _, mac = token.split("-", 1)
    forged = [
        f"{other.id}-{mac}",  # my signature on someone else's id
        f"{me.id}-{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        f"{me.id}-",
        f"{me.id}",
        "not-a-token",
        f"99999999999-{mac}",  # beyond any id
        f"{me.id + 1000}-{mac}",
    ]
    for candidate in forged:
        assert client.get(f"/calendar/{candidate}.ics").status_code == 404, candidate
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_a_deactivated_person_has_no_feed(app: Flask, create_user: Any) -> None:
    me = create_user("me@example.org", PersonRole.PARTNER)
    token = renew_feed(me)
    me.is_active = False
    session().commit()
    assert anonymous(app).get(f"/calendar/{token}.ics").status_code == 404


# --- What the feed lists ----------------------------------------------------------------------------------------


def test_the_feed_lists_my_open_deadlines_and_no_one_elses(
    app: Flask, definitions: None, dummy_lead: Person, create_user: Any
) -> None:
    plan = start_five_levers_plan(dummy_lead)
    advisor = person(EMPLOYMENT)
    advisor.language = Language.EN
    colleague = create_user("colleague@example.org", PersonRole.PARTNER, language=Language.FR)
    add_to_role(plan, "employment_service", colleague)
    mine = open_tasks(plan, "employment_service")
    assert len(mine) >= 3
    task = next(task for task in mine if task.task_key == "employment-data")
    done = mine[-1]
    assert done is not task
    done.status = TaskStatus.DONE
    handed = open_tasks(plan, "region")[0]
    handed.assignee_id = advisor.id  # assigned to me outside my role
    task.assignee_id = None  # left to the role: anyone of it may take it
    cancelled = start_five_levers_plan(dummy_lead, name="Plan annulé")
    cancelled.status = PlanStatus.CANCELLED
    token = renew_feed(advisor)
    session().commit()

    response = anonymous(app).get(f"/calendar/{token}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = parse(response)
    found = events(calendar)
    expected = {item.id for item in mine if item is not done} | {handed.id}
    assert set(found) == {task_uid(task_id, "gpect.test") for task_id in expected}
    assert "GPECT deadlines" in str(calendar["X-WR-CALNAME"])

    event = found[task_uid(task.id, "gpect.test")]
    assert event.decoded("DTSTART") == task.due_date and event.decoded("DTEND") == task.due_date + timedelta(days=1)
    assert type(event.decoded("DTSTART")) is date and event["DTSTART"].params["VALUE"] == "DATE", "all-day"
    assert str(event["SUMMARY"]) == "Provide employment and job-seeker data – Plan de test"
    description = str(event["DESCRIPTION"])
    assert f"Task page: http://gpect.test/tasks/{task.id}" in description
    assert "Stage: Observe and analyse" in description and "Role: Public employment service" in description
    assert str(event["URL"]) == f"http://gpect.test/tasks/{task.id}"
    assert int(event["SEQUENCE"]) == task.version

    # The colleague holds the role: the feed lists what "my tasks" lists, the role's task nobody was given, in
    # French; the tasks given to me are mine, not theirs.
    colleague_feed = events(parse(anonymous(app).get(f"/calendar/{renew_feed(colleague)}.ics")))
    assert set(colleague_feed) == {task_uid(task.id, "gpect.test")}
    summary = str(colleague_feed[task_uid(task.id, "gpect.test")]["SUMMARY"])
    assert summary == "Fournir les données emploi et demandeurs d'emploi – Plan de test"


def test_someone_with_no_task_gets_an_empty_but_valid_calendar(app: Flask, create_user: Any) -> None:
    me = create_user("me@example.org", PersonRole.COMMITTEE)
    token = renew_feed(me)
    session().commit()
    calendar = parse(anonymous(app).get(f"/calendar/{token}.ics"))
    assert calendar.walk("VEVENT") == [] and str(calendar["VERSION"]) == "2.0"


def test_uids_are_stable_and_an_unchanged_feed_answers_304(app: Flask, definitions: None, dummy_lead: Person) -> None:
    plan = start_five_levers_plan(dummy_lead)
    advisor = person(EMPLOYMENT)
    token = renew_feed(advisor)
    session().commit()
    client = anonymous(app)
    first = client.get(f"/calendar/{token}.ics")
    second = client.get(f"/calendar/{token}.ics")
    assert first.get_data() == second.get_data(), "nothing in the feed depends on the time of the request"
    assert "private" in first.headers["Cache-Control"] and "no-cache" in first.headers["Cache-Control"]
    etag = first.headers["ETag"]
    assert etag and "Last-Modified" not in first.headers
    unchanged = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and not unchanged.get_data()

    task = open_tasks(plan, "employment_service")[0]
    task.due_date += timedelta(days=10)
    session().commit()
    moved = client.get(f"/calendar/{token}.ics", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    event = events(parse(moved))[task_uid(task.id, "gpect.test")]
    assert event.decoded("DTSTART") == task.due_date and int(event["SEQUENCE"]) == task.version > 1
    assert set(events(parse(first))) == set(events(parse(moved))), "the same UIDs: calendars update, not duplicate"


def test_the_feed_costs_the_same_queries_whatever_the_number_of_tasks(
    app: Flask, definitions: None, dummy_lead: Person
) -> None:
    start_five_levers_plan(dummy_lead)
    advisor = person(EMPLOYMENT)
    token = renew_feed(advisor)
    session().commit()
    client = anonymous(app)

    def measure() -> tuple[int, int]:
        with count_queries() as statements:
            response = client.get(f"/calendar/{token}.ics")
        return len(statements), len(parse(response).walk("VEVENT"))

    few_queries, few_events = measure()
    territory_id = dummy_lead.organisation.territory_id  # type: ignore[union-attr]
    for number in range(4):
        start_five_levers_plan(dummy_lead, start=date(2027, 1, 4) + timedelta(days=number), name=f"Plan {number}")
    roles = map_every_role("chartres-cosmetics-training", 1, territory_id)
    start = date(2027, 2, 1)
    start_plan(
        dummy_lead,
        PlanRequest(
            "Chartres", "chartres-cosmetics-training", 1, territory_id, dummy_lead.id, start, roles, open_now=True
        ),
    )
    session().commit()
    many_queries, many_events = measure()
    assert many_events > 4 * few_events
    assert many_queries == few_queries <= 4
