"""Changing my password from my preferences: the current one first, the rule, other sessions ended."""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.models import Person, PersonRole
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import find_person

from ..conftest import csrf_token

PASSWORD = "correct horse battery"
NEW = "le vélo bleu de Chartres"


def _fresh() -> None:
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def _post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    _fresh()
    token = csrf_token(client)
    _fresh()
    return client.post(url, data={"csrf_token": token, **data})


def _sign_in(client: FlaskClient, email: str, password: str) -> Any:
    return _post(client, "/login", {"email": email, "password": password})


def _change(client: FlaskClient, current: str, new: str, again: str | None = None) -> Any:
    data = {"current_password": current, "new_password": new, "new_password_again": new if again is None else again}
    return _post(client, "/preferences/password", data)


def _get(client: FlaskClient, url: str) -> Any:
    _fresh()
    return client.get(url)


def _chef(create_user: Any) -> Person:
    person: Person = create_user("chef@example.org", PersonRole.LEAD, name="Chef", password=PASSWORD)
    session().commit()
    return person


def test_changing_my_password_ends_my_other_sessions_and_keeps_this_one(app: Flask, create_user: Any) -> None:
    _chef(create_user)
    laptop, phone = app.test_client(), app.test_client()
    assert _sign_in(laptop, "chef@example.org", PASSWORD).status_code == 302
    assert _sign_in(phone, "chef@example.org", PASSWORD).status_code == 302
    stolen = phone.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert stolen is not None
    changed = _change(laptop, PASSWORD, NEW)
    assert changed.status_code == 200 and "Votre mot de passe est modifié" in changed.get_data(as_text=True)
    assert _get(laptop, "/my-tasks").status_code == 200
    assert _get(phone, "/my-tasks").status_code == 302
    phone.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen.value)
    assert _get(phone, "/api/v1/plans").status_code == 401
    assert _sign_in(phone, "chef@example.org", PASSWORD).status_code == 401
    assert _sign_in(phone, "chef@example.org", NEW).status_code == 302


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    person = _chef(create_user)
    before = person.password_hash
    assert _sign_in(client, "chef@example.org", PASSWORD).status_code == 302
    wrong = _change(client, "not my password", NEW)
    assert wrong.status_code == 422 and "pas votre mot de passe actuel" in wrong.get_data(as_text=True)
    weak = _change(client, PASSWORD, "azertyuiop")
    assert weak.status_code == 422
    differ = _change(client, PASSWORD, NEW, "another sentence entirely")
    assert differ.status_code == 422
    session().expire_all()
    stored = find_person("chef@example.org")
    assert stored is not None and stored.password_hash == before
    assert _get(client, "/my-tasks").status_code == 200  # still signed in


def test_guessing_the_current_password_is_throttled(app: Flask, client: FlaskClient, create_user: Any) -> None:
    _chef(create_user)
    app.config["SIGN_IN_LIMITS_PER_ACCOUNT"] = "3 per minute"
    assert _sign_in(client, "chef@example.org", PASSWORD).status_code == 302
    for _ in range(3):
        assert _change(client, "a guess at it", NEW).status_code == 422
    assert _change(client, PASSWORD, NEW).status_code == 429


def test_a_person_without_a_password_sees_no_password_form(app: Flask, client: FlaskClient, create_user: Any) -> None:
    from ..conftest import sign_in

    partner: Person = create_user("partner@example.org")
    session().commit()
    html = sign_in(client, partner).get("/preferences").get_data(as_text=True)
    assert 'name="current_password"' not in html
