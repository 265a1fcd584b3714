"""Browser tests: Debian's Chromium, driven by Playwright, against the app served from a thread.

The served app is the pass's shared app (same database, same frozen clock), so a test prepares data
through the services, commits, and then drives the browser. Emails link to the served address.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests.browser.serving import serve_in_thread

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PASSWORD = "browser-test-password-2026"


def chromium_path() -> str:
    """Debian's Chromium (``apt-get install chromium``); ``GPECT_CHROMIUM`` names another binary."""
    configured = os.environ.get("GPECT_CHROMIUM")
    if configured:
        return configured
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.exists(candidate):
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    raise pytest.UsageError("browser tests need Chromium: apt-get install -y chromium (or set GPECT_CHROMIUM)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """French by default, as the product's users; a desktop-sized window."""
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def served(shared_app: Flask) -> Iterator[str]:
    """The shared app served on a free local port, in a thread, for the pass."""
    with serve_in_thread(shared_app, "gpect-browser-server") as base_url:
        yield base_url


@pytest.fixture
def live_url(app: Flask, served: str) -> str:
    """The served address, with emails' links pointing at it for this test."""
    app.config["BASE_URL"] = served
    return served


@pytest.fixture
def page(page: Page) -> Page:
    """Playwright's page, failing fast rather than waiting 30 s for what is not there."""
    page.set_default_timeout(10_000)
    return page


def sign_in_with_password(page: Page, base_url: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base_url}/login")
    page.locator("input[name=email]").first.fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()


@pytest.fixture
def mail_served(app: Flask, database_url: str, smtp: Any) -> Iterator[str]:
    """A second app on the same database that sends its emails to the test SMTP server, served for the test.

    Flask-Mail reads its settings when it is set up, so sending needs an app of its own; its pages
    and its links share the database, the clock and the address the browser uses.
    """
    from tests.conftest import make_app

    mailing = make_app(
        database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.port,
        MAIL_DEFAULT_SENDER="GPECT <no-reply@gpect.test>",
        MAIL_TIMEOUT_SECONDS=5,
    )
    mailing.extensions["gpect_workflow"].clock = app.extensions["gpect_workflow"].clock
    try:
        with serve_in_thread(mailing, "gpect-mail-server") as base_url:
            mailing.config["BASE_URL"] = base_url
            yield base_url
    finally:
        with mailing.app_context():
            db = mailing.extensions["gpect_workflow"].db
            db.session.remove()
            db.engine.dispose()
