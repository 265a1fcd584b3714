"""Our pages, API answers, static files and error pages carry the security headers; cookies carry their
flags; an https deployment adds HSTS and Secure cookies; a body over the limit is refused unread."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gpect_workflow.models import PersonRole
from gpect_workflow.services.context import session
from gpect_workflow.web.outbox import DETAIL_POLICY
from gpect_workflow.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import make_app, sign_in
from tests.test_extension import build_host
from tests.web.test_outbox_page import queue


def assert_protected(response: TestResponse) -> None:
    headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"] and "geolocation=()" in headers["Permissions-Policy"]
    assert len(headers.getlist("Content-Security-Policy")) == 1


@pytest.fixture
def failing_app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    broken = Blueprint("broken", __name__)

    @broken.route("/broken")
    def explode() -> str:
        raise RuntimeError("boom")

    app.register_blueprint(broken)
    yield app
    with app.app_context():
        app.extensions["gpect_workflow"].db.engine.dispose()


def test_a_page_an_api_answer_a_static_file_and_a_404_carry_the_headers(client: FlaskClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    for response in (
        page,
        client.get("/api/v1/health"),
        client.get("/api/v1/plans/1"),
        client.get("/no/such/page"),
    ):
        assert_protected(response)
    assert client.get("/no/such/page").status_code == 404
    with client.get("/static/gpect/gpect.css") as static:
        assert_protected(static)


def test_a_500_page_carries_the_headers(failing_app: Flask) -> None:
    with failing_app.app_context():
        response = failing_app.test_client().get("/broken")
    assert response.status_code == 500
    assert_protected(response)


def test_http_deployment_sends_no_hsts_and_no_secure_cookie(client: FlaskClient) -> None:
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers
    cookie = _session_cookie(response)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie


def test_https_deployment_sends_hsts_and_secure_lax_cookies(database_url: str) -> None:
    app = make_app(database_url, BASE_URL="https://gpect.example.org")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        client = app.test_client()
        response = client.get("/login", base_url="https://gpect.example.org")
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        cookie = _session_cookie(response)
        app.extensions["gpect_workflow"].db.engine.dispose()
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_secure_cookies_can_be_overridden(database_url: str) -> None:
    forced = make_app(database_url, SECURE_COOKIES=True)
    assert forced.config["SESSION_COOKIE_SECURE"] is True
    off = make_app(database_url, BASE_URL="https://gpect.example.org", SECURE_COOKIES=False)
    assert off.config["SESSION_COOKIE_SECURE"] is False
    for app in (forced, off):
        with app.app_context():
            app.extensions["gpect_workflow"].db.engine.dispose()


def _session_cookie(response: TestResponse) -> str:
    """The session's Set-Cookie header of the sign-in page, which puts the CSRF token in the session."""
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
    assert cookies, "the sign-in page stores its CSRF token in the session"
    return cookies[0]


def test_the_outbox_message_page_keeps_its_own_stricter_policy(client: FlaskClient, create_user: Any) -> None:
    admin = create_user("admin@example.org", PersonRole.ADMIN)
    (message_id,) = queue()
    session().commit()
    response = sign_in(client, admin).get(f"/outbox/{message_id}")
    assert response.status_code == 200
    assert response.headers.getlist("Content-Security-Policy") == [DETAIL_POLICY]
    assert "default-src 'none'" in DETAIL_POLICY and "frame-ancestors 'none'" in DETAIL_POLICY
    assert response.headers["X-Frame-Options"] == "DENY"


class _Endless(io.RawIOBase):
    """A request body that counts what is read of it, and would be 50 MB."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def tell(self) -> int:
        return 0

    def readinto(self, buffer: Any) -> int:
        size = len(buffer)
        buffer[:size] = b"x" * size
        self.read_bytes += size
        return size


@pytest.mark.parametrize("path", ["/language", "/partners/import", "/api/v1/plans"])
def test_a_50_mb_body_is_refused_413_unread(client: FlaskClient, path: str) -> None:
    body = _Endless()
    response = client.post(
        path,
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        environ_overrides={"CONTENT_LENGTH": str(50 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert_protected(response)
    if path.startswith("/api/"):
        assert response.is_json and response.get_json()["code"] == 413
    else:
        assert "Trop volumineux" in response.get_data(as_text=True) or "Too large" in response.get_data(as_text=True)


def test_a_hosts_own_pages_are_left_alone(tmp_path: Path) -> None:
    app, host_db = build_host(tmp_path)
    with app.app_context():
        client = app.test_client()
        host_page = client.get("/not-ours")
        assert "Content-Security-Policy" not in host_page.headers
        assert "X-Frame-Options" not in host_page.headers
        assert_protected(client.get("/gpect/login"))
        host_db.engine.dispose()
