"""Password sign-in: the same answer in the same time whether or not the account exists, and stored hashes
upgraded to argon2."""

from __future__ import annotations

import statistics
import time
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from gpect_workflow.models import Person, PersonRole
from gpect_workflow.services.context import session

from ..conftest import csrf_token

PASSWORD = "correct horse battery"


def _attempt(client: FlaskClient, token: str, email: str, password: str) -> Any:
    g.pop("_login_user", None)
    return client.post("/login", data={"csrf_token": token, "email": email, "password": password})


def _median_seconds(client: FlaskClient, token: str, emails: tuple[str, ...], rounds: int = 20) -> list[float]:
    """The median time of a wrong password for each of ``emails``, tried in turn round after round, so that
    whatever else loads the machine weighs on every address alike."""
    times: list[list[float]] = [[] for _ in emails]
    for _ in range(rounds):
        for index, email in enumerate(emails):
            started = time.perf_counter()
            answer = _attempt(client, token, email, "not the password")
            times[index].append(time.perf_counter() - started)
            assert answer.status_code == 401
    return [statistics.median(each) for each in times]


def test_a_known_and_an_unknown_address_get_the_same_answer_in_the_same_time(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    app.config["SIGN_IN_LIMITS_PER_ACCOUNT"] = app.config["SIGN_IN_LIMITS_PER_ADDRESS"] = "1000 per minute"
    create_user("chef@example.org", PersonRole.LEAD, password=PASSWORD)
    session().commit()
    token = csrf_token(client)
    known_page = _attempt(client, token, "chef@example.org", "not the password").get_data(as_text=True)
    unknown_page = _attempt(client, token, "nobody@example.org", "not the password").get_data(as_text=True)
    assert known_page.replace("chef@", "X@") == unknown_page.replace("nobody@", "X@")
    known, unknown = _median_seconds(client, token, ("chef@example.org", "nobody@example.org"))
    assert max(known, unknown) < 2 * min(known, unknown), (known, unknown)


def test_an_inactive_account_or_one_without_a_password_is_refused_like_a_wrong_password(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    create_user("partner@example.org")
    create_user("gone@example.org", password=PASSWORD).is_active = False
    session().commit()
    token = csrf_token(client)
    assert _attempt(client, token, "partner@example.org", "").status_code == 401
    assert _attempt(client, token, "gone@example.org", PASSWORD).status_code == 401


def test_new_passwords_are_hashed_with_argon2id(app: Flask, create_user: Any) -> None:
    person: Person = create_user("chef@example.org", PersonRole.LEAD, password=PASSWORD)
    assert person.password_hash is not None and person.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("method", ["pbkdf2:sha256", "scrypt"])
def test_a_weaker_hash_is_upgraded_to_argon2_at_the_next_successful_sign_in(
    app: Flask, client: FlaskClient, create_user: Any, method: str
) -> None:
    person: Person = create_user("chef@example.org", PersonRole.LEAD)
    person.password_hash = old = generate_password_hash(PASSWORD, method=method)
    session().commit()
    token = csrf_token(client)
    assert _attempt(client, token, "chef@example.org", "not the password").status_code == 401
    session().refresh(person)
    assert person.password_hash == old  # a wrong password changes nothing
    assert _attempt(client, token, "chef@example.org", PASSWORD).status_code == 302
    session().refresh(person)
    assert person.password_hash is not None and person.password_hash.startswith("$argon2id$")
    g.pop("_login_user", None)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert _attempt(client, csrf_token(client), "chef@example.org", PASSWORD).status_code == 302
