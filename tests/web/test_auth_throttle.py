"""Sign-in throttling: failed passwords per account and per client address lock signing in for a while."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask, g
from flask.testing import FlaskClient

from gpect_workflow.models import PersonRole
from gpect_workflow.services.accounts.passwords import check_password
from gpect_workflow.services.context import session
from gpect_workflow.web import auth

from ..conftest import csrf_token, make_app

PASSWORD = "correct horse battery"
REDIS_URI = "redis://127.0.0.1:6379"


def _attempt(client: FlaskClient, email: str, password: str, address: str = "127.0.0.1") -> Any:
    """A sign-in attempt as a new request (the test client shares the test's app context, where Flask-Login
    caches the user and Flask-WTF the CSRF token)."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    data = {"csrf_token": csrf_token(client), "email": email, "password": password}
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def chef(app: Flask, create_user: Any) -> str:
    create_user("chef@example.org", PersonRole.LEAD, password=PASSWORD)
    session().commit()
    return "chef@example.org"


def test_the_eleventh_failure_within_a_minute_is_refused_and_so_is_the_right_password(
    client: FlaskClient, chef: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []

    def counting(person: Any, password: str) -> bool:
        checked.append(password)
        return check_password(person, password)

    monkeypatch.setattr(auth, "check_password", counting)
    for _ in range(10):
        assert _attempt(client, chef, "not the password").status_code == 401
    assert len(checked) == 10
    refused = _attempt(client, chef, "not the password")
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    assert "Trop de tentatives" in refused.get_data(as_text=True)
    right = _attempt(client, chef, PASSWORD)
    assert right.status_code == 429
    assert len(checked) == 10, "a locked sign-in checked a password"
    g.pop("_login_user", None)
    assert client.get("/my-tasks").status_code == 302  # not signed in


def test_every_spelling_of_an_account_s_address_counts_against_one_lock(
    app: Flask, client: FlaskClient, create_user: Any
) -> None:
    """An internationalised domain reaches the same account typed in Unicode (composed or not) or as
    ``xn--``: the failures of all these spellings add up."""
    create_user("chef@exämple.org", PersonRole.LEAD, password=PASSWORD)
    session().commit()
    spellings = ["chef@exämple.org", "chef@exa\u0308mple.org", "CHEF@xn--exmple-cua.org"]
    for number in range(10):
        assert _attempt(client, spellings[number % 3], "not the password").status_code == 401
    for spelling in spellings:
        assert _attempt(client, spelling, PASSWORD).status_code == 429


def test_an_unknown_address_is_locked_alike(client: FlaskClient, app: Flask) -> None:
    for _ in range(10):
        assert _attempt(client, "nobody@example.org", "guess").status_code == 401
    assert _attempt(client, "nobody@example.org", "guess").status_code == 429


def test_the_lock_ends_with_its_window(app: Flask, client: FlaskClient, chef: str) -> None:
    app.config["SIGN_IN_LIMITS_PER_ACCOUNT"] = "3 per 2 seconds"
    for _ in range(3):
        assert _attempt(client, chef, "not the password").status_code == 401
    assert _attempt(client, chef, PASSWORD).status_code == 429
    time.sleep(2.1)
    assert _attempt(client, chef, PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_the_account_s_failures(app: Flask, client: FlaskClient, chef: str) -> None:
    for _ in range(9):
        assert _attempt(client, chef, "not the password").status_code == 401
    assert _attempt(client, chef, PASSWORD).status_code == 302
    other = app.test_client()
    for _ in range(10):
        assert _attempt(other, chef, "not the password").status_code == 401


def test_one_client_address_is_limited_across_accounts(app: Flask, client: FlaskClient, chef: str) -> None:
    app.config["SIGN_IN_LIMITS_PER_ADDRESS"] = "5 per minute"
    for number in range(5):
        assert _attempt(client, f"guess{number}@example.org", "guess", "203.0.113.7").status_code == 401
    assert _attempt(client, chef, PASSWORD, "203.0.113.7").status_code == 429
    assert _attempt(client, chef, PASSWORD, "198.51.100.9").status_code == 302


def test_an_ipv6_client_is_limited_by_its_64_network(app: Flask, client: FlaskClient, chef: str) -> None:
    app.config["SIGN_IN_LIMITS_PER_ADDRESS"] = "5 per minute"
    for number in range(5):
        assert _attempt(client, f"guess{number}@example.org", "guess", f"2001:db8:0:7::{number + 1}").status_code == 401
    assert _attempt(client, chef, PASSWORD, "2001:db8:0:7:ffff::99").status_code == 429
    assert _attempt(client, chef, PASSWORD, "2001:db8:0:8::1").status_code == 302


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URI, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")


@pytest.fixture
def second_process(database_url: str) -> Iterator[Flask]:
    """Another app on the same database sharing the counts through Redis, as another worker would."""
    _redis_or_skip()
    other = make_app(database_url, RATELIMIT_STORAGE_URI=REDIS_URI)
    yield other
    with other.app_context():
        other.extensions["sqlalchemy"].engine.dispose()


def test_counts_kept_in_redis_are_shared_by_every_process(app: Flask, second_process: Flask, create_user: Any) -> None:
    email = f"chef-{uuid.uuid4().hex}@example.org"  # the Redis may serve others: a key no one else counts
    create_user(email, PersonRole.LEAD, password=PASSWORD)
    session().commit()
    first = make_app(app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_STORAGE_URI=REDIS_URI)
    try:
        for number in range(10):
            worker = first if number % 2 else second_process
            with worker.app_context():
                assert _attempt(worker.test_client(), email, "not the password", "192.0.2.1").status_code == 401
        with first.app_context():
            assert _attempt(first.test_client(), email, PASSWORD, "192.0.2.2").status_code == 429
    finally:
        with first.app_context():
            first.extensions["sqlalchemy"].engine.dispose()


def test_a_store_that_cannot_keep_moving_windows_is_refused_at_start_up(database_url: str) -> None:
    from gpect_workflow.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        make_app(database_url, RATELIMIT_STORAGE_URI="bogus://somewhere")
