"""My private calendar feed: ``/calendar/<token>.ics``, and the buttons that create, renew or revoke it.

The feed needs no session (calendar applications have none): the token in the address is the
credential. An unknown, renewed or revoked address answers 404, so it tells nothing about who had it.

Caching: the body holds nothing that changes between two requests unless a deadline does (DTSTAMP is
the task's last change, not the time of the request), so it carries a strong ``ETag`` and answers a
calendar's ``If-None-Match`` with 304. ``Cache-Control: private, no-cache`` keeps shared caches from
storing a personal feed and makes every poll revalidate, so a revoked address stops working at the next
poll. No ``Last-Modified`` is sent: a task leaving the feed (done, reassigned) changes no date the feed
still shows, so a date could not tell a calendar that the feed changed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user
from icalendar import Calendar, Event
from werkzeug.wrappers import Response

from ...models import Person
from ...notifications.ics import PRODID, task_uid
from ...services.accounts.calendar_feed import (
    FeedDeadline,
    feed_deadlines,
    feed_token,
    person_for_feed,
    renew_feed,
    revoke_feed,
)
from ...services.urls import public_host, public_url
from ..auth import signed_in
from ..i18n import force_locale

CONTENT_TYPE = "text/calendar; charset=utf-8"
#: How often calendars are asked to poll (RFC 7986 REFRESH-INTERVAL, and Outlook's X-PUBLISHED-TTL).
REFRESH = timedelta(hours=4)


def register(blueprint: Blueprint) -> None:
    """Add the feed and its preference buttons to the UI blueprint."""
    blueprint.add_url_rule("/calendar/<token>.ics", view_func=calendar_feed)
    blueprint.add_url_rule("/preferences/calendar", view_func=renew_calendar, methods=["POST"])
    blueprint.add_url_rule("/preferences/calendar/revoke", view_func=revoke_calendar, methods=["POST"])


def feed_url(person: Person) -> str | None:
    """The absolute address of the person's feed, or ``None`` when they have none."""
    token = feed_token(person)
    return public_url(f"/calendar/{token}.ics") if token else None


def calendar_feed(token: str) -> Response:
    """The deadlines of the token's owner as an iCalendar feed (404 for any address not current)."""
    person = person_for_feed(token)
    if person is None:
        abort(404)
    with force_locale(person.language.value):
        body = _calendar(person, feed_deadlines(person))
    response = Response(body, content_type=CONTENT_TYPE)
    response.headers["Content-Disposition"] = 'inline; filename="gpect.ics"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.add_etag()
    return response.make_conditional(request)


def _calendar(person: Person, deadlines: list[FeedDeadline]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    name = gettext("GPECT deadlines – %(name)s", name=person.name)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT4H")
    domain = public_host()
    for deadline in deadlines:
        calendar.add_component(_event(deadline, domain))
    return bytes(calendar.to_ical())


def _event(deadline: FeedDeadline, domain: str) -> Event:
    """An all-day event on the due date, with the same UID as the .ics files attached to emails."""
    url = public_url(f"/tasks/{deadline.task_id}")
    event = Event()
    event.add("uid", task_uid(deadline.task_id, domain))
    event.add("sequence", deadline.version)
    event.add("dtstamp", deadline.updated_dt)
    event.add("last-modified", deadline.updated_dt)
    event.add("dtstart", deadline.due_date)
    event.add("dtend", deadline.due_date + timedelta(days=1))
    event.add("summary", f"{deadline.title} – {deadline.plan_name}")
    lines = (
        gettext("Action plan: %(name)s", name=deadline.plan_name),
        gettext("Stage: %(name)s", name=deadline.stage_title),
        gettext("Role: %(name)s", name=deadline.role_title),
        gettext("Task page: %(url)s", url=url),
    )
    event.add("description", "\n".join(lines))
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    return event


@signed_in(back_to="gpect.preferences")
def renew_calendar() -> Any:
    """Create my feed address, or replace it with a new one (the previous one stops working at once)."""
    had_one = current_user.calendar_feed_secret is not None
    renew_feed(current_user)
    if had_one:
        flash(gettext("Your calendar address was renewed. The previous address no longer works."))
    else:
        flash(gettext("Your calendar address was created. Add it to your calendar application."))
    return redirect(url_for("gpect.preferences", _anchor="calendar"))


@signed_in(back_to="gpect.preferences")
def revoke_calendar() -> Any:
    """Stop my feed address; calendars subscribed to it get nothing more."""
    revoke_feed(current_user)
    flash(gettext("Your calendar address was revoked. It no longer works."))
    return redirect(url_for("gpect.preferences", _anchor="calendar"))
