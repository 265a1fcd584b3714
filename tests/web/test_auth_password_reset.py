"""A forgotten password: a single-use, expiring link by email, the same answer whether the address exists."""

from __future__ import annotations

import re
import statistics
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import OutboxMessage, Person, PersonRole
from gpect_workflow.services.context import session

from ..conftest import csrf_token

PASSWORD = "correct horse battery"
NEW = "le vélo bleu de Chartres"


def _post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    token = csrf_token(client)
    g.pop("_login_user", None)
    return client.post(url, data={"csrf_token": token, **data}, buffered=True)  # closed: its email leaves


def _reset_links() -> list[str]:
    session().expire_all()
    query = sa.select(OutboxMessage.body_text).where(OutboxMessage.kind == "password_reset")
    return [path for text in session().scalars(query) for path in re.findall(r"http://gpect\.test(/links/\S+)", text)]


def _chef(create_user: Any) -> Person:
    person: Person = create_user("chef@example.org", PersonRole.LEAD, name="Chef", password=PASSWORD)
    session().commit()
    return person


#: A CSRF token's value in a form.
CSRF_VALUE = re.compile(r'(?<=name="csrf_token" )value="[^"]*"')


def test_the_answer_is_the_same_whether_the_address_has_an_account(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    _chef(create_user)
    create_user("partner@example.org")  # no password: signs in by link
    session().commit()
    emails = ("chef@example.org", "nobody@example.org", "partner@example.org")
    pages = [_post(client, "/login/forgot", {"email": email}) for email in emails]
    assert {page.status_code for page in pages} == {200}
    # The forms' CSRF tokens carry the second they were signed in: two answers a second apart differ there.
    texts = [
        CSRF_VALUE.sub('value="token"', page.get_data(as_text=True).replace(email, "X"))
        for page, email in zip(pages, emails, strict=True)
    ]
    assert texts[0] == texts[1] == texts[2] and "un lien pour en choisir un nouveau" in texts[0]
    assert len(_reset_links()) == 1


@pytest.mark.parametrize("path", ["/login/forgot", "/login/link"])
def test_asking_for_a_link_answers_in_the_same_time_whether_the_address_has_an_account(
    app: Flask, client: FlaskClient, create_user: Any, path: str
) -> None:
    """The answer leaves before the address is looked up, its email queued and sent: the time it takes tells
    nothing (median of 20 each, within 2x). The emails do leave, once each answer is closed."""
    app.config["LOGIN_LINKS_PER_HOUR"] = 1000
    _chef(create_user)
    session().commit()
    token = csrf_token(client)

    def seconds(email: str) -> float:
        started = time.perf_counter()
        answer = client.post(path, data={"csrf_token": token, "email": email})
        answer.get_data()
        elapsed = time.perf_counter() - started
        answer.close()  # as a server does once the answer is sent: now the email is queued
        return elapsed

    seconds("nobody@example.org")  # warm up
    timed = [(seconds("chef@example.org"), seconds("nobody@example.org")) for _ in range(20)]  # interleaved
    known, unknown = (statistics.median(column) for column in zip(*timed, strict=True))
    assert max(known, unknown) < 2 * min(known, unknown), (known, unknown)
    kind = "password_reset" if path == "/login/forgot" else "login_link"
    queued = session().scalar(sa.select(sa.func.count()).where(OutboxMessage.kind == kind))
    assert queued == 20


def test_the_link_sets_a_new_password_once_and_ends_every_session(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    _chef(create_user)
    other = app.test_client()
    assert _post(other, "/login", {"email": "chef@example.org", "password": PASSWORD}).status_code == 302
    _post(client, "/login/forgot", {"email": "chef@example.org"})
    [link] = _reset_links()
    g.pop("_login_user", None)
    assert 'name="new_password"' in client.get(link).get_data(as_text=True)
    weak = _post(client, link, {"new_password": "azertyuiop", "new_password_again": "azertyuiop"})
    assert weak.status_code == 422 and "les plus utilisés" in weak.get_data(as_text=True)
    done = _post(client, link, {"new_password": NEW, "new_password_again": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/login?reset=done"
    assert _post(client, link, {"new_password": NEW, "new_password_again": NEW}).status_code == 409  # used
    g.pop("_login_user", None)
    assert other.get("/my-tasks").status_code == 302  # the other session ended
    assert _post(client, "/login", {"email": "chef@example.org", "password": PASSWORD}).status_code == 401
    assert _post(client, "/login", {"email": "chef@example.org", "password": NEW}).status_code == 302


def test_the_link_expires_after_thirty_minutes(
    app: Flask, client: FlaskClient, create_user: Any, clock: FrozenClock
) -> None:
    _chef(create_user)
    _post(client, "/login/forgot", {"email": "chef@example.org"})
    [link] = _reset_links()
    clock.advance(timedelta(minutes=31))
    assert _post(client, link, {"new_password": NEW, "new_password_again": NEW}).status_code == 410
