"""Sessions end server-side: a copy of a session cookie opens nothing once its session has ended."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.models import Person, PersonRole
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import update_person

from ..conftest import post_form

PASSWORD = "correct horse battery"


def _fresh_request() -> None:
    """The test client shares the test's app context, where Flask-Login caches the user and Flask-WTF the
    CSRF token: forget both, as a new request of another browser would."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def _signed_in_cookie(app: Flask, client: FlaskClient, person: Person) -> str:
    """Sign in through the form and return the session cookie a thief could copy."""
    _fresh_request()
    answer = post_form(client, "/login", {"email": person.email, "password": PASSWORD})
    assert answer.status_code == 302
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, client: FlaskClient, cookie: str) -> tuple[Any, Any]:
    """The task page and the API's plans, asked with a copied cookie as a fresh request would."""
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    _fresh_request()
    page = client.get("/my-tasks")
    _fresh_request()
    api = client.get("/api/v1/plans")
    _fresh_request()
    return page, api


def _person(create_user: Any, role: PersonRole = PersonRole.LEAD) -> Person:
    person: Person = create_user("chef@example.org", role, name="Chef", password=PASSWORD)
    session().commit()
    return person


def test_a_session_cookie_opens_pages_and_the_api_until_it_ends(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    person = _person(create_user)
    cookie = _signed_in_cookie(app, client, person)
    page, api = _replay(app, client, cookie)
    assert page.status_code == 200 and api.status_code == 200


def test_a_cookie_copied_before_sign_out_is_signed_out(app: Flask, client: FlaskClient, create_user: Any) -> None:
    person = _person(create_user)
    cookie = _signed_in_cookie(app, client, person)
    assert post_form(client, "/logout").status_code == 302
    page, api = _replay(app, client, cookie)
    assert page.status_code == 302 and page.headers["Location"].startswith("/login?next=")
    assert api.status_code == 401


def test_signing_out_ends_the_sessions_of_other_devices(app: Flask, create_user: Any) -> None:
    person = _person(create_user)
    laptop, phone = app.test_client(), app.test_client()
    laptop_cookie = _signed_in_cookie(app, laptop, person)
    _signed_in_cookie(app, phone, person)
    _fresh_request()
    assert post_form(phone, "/logout").status_code == 302
    page, api = _replay(app, laptop, laptop_cookie)
    assert page.status_code == 302 and api.status_code == 401


def test_deactivation_ends_the_person_s_sessions(app: Flask, client: FlaskClient, create_user: Any) -> None:
    person = _person(create_user, PersonRole.PARTNER)
    admin: Person = create_user("admin@example.org", PersonRole.ADMIN, name="Admin")
    cookie = _signed_in_cookie(app, client, person)
    update_person(admin, person.id, is_active=False)
    update_person(admin, person.id, is_active=True)  # reactivated: the old cookie stays ended
    session().commit()
    page, api = _replay(app, client, cookie)
    assert page.status_code == 302 and api.status_code == 401


def test_a_cookie_without_a_generation_is_signed_out(app: Flask, client: FlaskClient, create_user: Any) -> None:
    """Cookies opened before sessions had generations carry the bare id: they are asked to sign in again."""
    person = _person(create_user)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(person.id)
    _fresh_request()
    assert client.get("/my-tasks").status_code == 302
    _fresh_request()
    assert client.get("/api/v1/plans").status_code == 401
