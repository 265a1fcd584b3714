"""Where absolute links point: ``BASE_URL`` when set, else the address the app is served at, never a forged host."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gpect_workflow.models import Language, PersonRole
from gpect_workflow.services.context import session
from gpect_workflow.services.urls import public_host, public_url
from tests.conftest import post_form, sign_in

ROOT = Path(__file__).resolve().parents[2]
FEED_URL = re.compile(r'id="calendar-url"[^>]*value="([^"]+)"')


def calendar_address(client: FlaskClient, served_at: str) -> str:
    """The calendar feed address shown on the preferences page requested at ``served_at``."""
    assert post_form(client, "/preferences/calendar").status_code == 302
    match = FEED_URL.search(html.unescape(client.get("/preferences", base_url=served_at).get_data(as_text=True)))
    assert match, "the preferences page shows the calendar address"
    return match.group(1)


@pytest.fixture
def me_signed_in(app: Flask, client: FlaskClient, create_user: Any) -> FlaskClient:
    me = create_user("me@example.org", PersonRole.PARTNER, language=Language.EN)
    session().commit()
    sign_in(client, me)
    return client


def test_without_base_url_the_calendar_address_follows_the_port_the_app_is_served_at(
    app: Flask, me_signed_in: FlaskClient
) -> None:
    app.config["BASE_URL"] = None
    address = calendar_address(me_signed_in, "http://127.0.0.1:5077")
    assert address.startswith("http://127.0.0.1:5077/calendar/"), address
    assert me_signed_in.get(address.removeprefix("http://127.0.0.1:5077")).status_code == 200


def test_a_set_base_url_wins_over_the_request_s_address(app: Flask, me_signed_in: FlaskClient) -> None:
    app.config["BASE_URL"] = "https://gpect.example.org/"
    assert calendar_address(me_signed_in, "http://127.0.0.1:5077").startswith("https://gpect.example.org/calendar/")


def test_a_forged_host_does_not_reach_links(app: Flask, me_signed_in: FlaskClient) -> None:
    """A sign-in link mailed to someone must not point at whatever ``Host`` the requester sent."""
    app.config["BASE_URL"] = None
    address = calendar_address(me_signed_in, "http://evil.example")
    assert address.startswith("http://127.0.0.1:5000/calendar/"), address


def test_a_trusted_host_is_followed_and_others_are_refused(app: Flask, me_signed_in: FlaskClient) -> None:
    app.config.update(BASE_URL=None, TRUSTED_HOSTS=["gpect.example.org", "localhost"])
    assert calendar_address(me_signed_in, "https://gpect.example.org").startswith("https://gpect.example.org/")
    refused = me_signed_in.get("/preferences", base_url="http://evil.example")
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("localhost:8080", "http://localhost:8080/plans/3"),
        ("[::1]:5077", "http://[::1]:5077/plans/3"),
        ("127.0.0.2:5000", "http://127.0.0.2:5000/plans/3"),
        ("10.0.0.1:5000", "http://127.0.0.1:5000/plans/3"),
        ("example.org", "http://127.0.0.1:5000/plans/3"),
    ],
)
def test_only_loopback_hosts_are_followed_without_trusted_hosts(app: Flask, host: str, expected: str) -> None:
    app.config["BASE_URL"] = None
    with app.test_request_context("/", base_url=f"http://{host}"):
        assert public_url("/plans/3") == expected


def test_outside_a_request_links_use_the_default_served_address(app: Flask) -> None:
    app.config["BASE_URL"] = None
    assert public_url("/plans/3") == "http://127.0.0.1:5000/plans/3"
    app.config["BASE_URL"] = "https://gpect.example.org"
    assert public_url("") == "https://gpect.example.org"


def test_message_and_calendar_domains_do_not_follow_a_request(app: Flask) -> None:
    """An event keeps its UID whichever address the feed was fetched at."""
    app.config["BASE_URL"] = None
    with app.test_request_context("/", base_url="http://localhost:5077"):
        assert public_host() == "127.0.0.1"
    app.config["BASE_URL"] = "https://gpect.example.org"
    with app.test_request_context("/", base_url="http://localhost:5077"):
        assert public_host() == "gpect.example.org"


@pytest.mark.parametrize(
    ("variables", "address"),
    [(["PORT=5077"], "http://127.0.0.1:5077"), (["PORT=8000", "HOST=0.0.0.0"], "http://127.0.0.1:8000")],
)
def test_make_run_gives_the_app_the_address_it_serves_at(variables: list[str], address: str) -> None:
    """``make run PORT=5077`` writes links with 5077, unless ``GPECT_BASE_URL`` says otherwise."""
    shown = subprocess.run(
        ["make", "-n", "-s", "run", "VENV=/nonexistent", *variables],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"GPECT_BASE_URL=${{GPECT_BASE_URL:-{address}}}" in shown
    assert "(partner)" in shown, "the demo accounts printed include a partner's"
