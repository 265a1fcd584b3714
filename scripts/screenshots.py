"""Regenerate the screenshots of the main pages into ``docs/screenshots/`` (``make screenshots``).

The demo is loaded into a throw-away SQLite database, the app is served from a thread, and Debian's
Chromium (driven by Playwright) signs in as the demo's project lead, committee member and
administrator and photographs each page. Nothing outside a temporary folder and ``docs/screenshots``
is written. ``GPECT_CHROMIUM`` names another Chromium binary.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gpect_workflow import create_app  # noqa: E402
from gpect_workflow.demo.data import DEMO_PASSWORD  # noqa: E402
from gpect_workflow.demo.loader import load_demo  # noqa: E402
from gpect_workflow.migration_config import alembic_config  # noqa: E402
from gpect_workflow.models import Person, Plan, PlanStage, StageStatus, Task  # noqa: E402
from gpect_workflow.notifications.announcements import deliver_announcements  # noqa: E402
from gpect_workflow.services.context import session  # noqa: E402

OUTPUT = ROOT / "docs" / "screenshots"
LEAD = "claire.martin@mee-chartres.example.org"
COMMITTEE = "marc.lefebvre@region.example.org"
ADMIN = "admin@gpect.example.org"


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gpect-screenshots-") as folder:
        app = create_app(
            {
                "SECRET_KEY": secrets.token_hex(32),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite3",
                "SCHEDULER_ENABLED": False,
            }
        )
        with app.app_context():
            command.upgrade(alembic_config(), "head")
            load_demo()
            session().commit()
            deliver_announcements()  # the demo's notices rendered, as `flask gpect demo` does: the inbox shows them
            targets = _targets()
        with _served(app) as base_url, sync_playwright() as playwright:
            app.config["BASE_URL"] = base_url
            browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
            try:
                _photograph(browser, base_url, targets)
            finally:
                browser.close()
    print(f"screenshots written to {OUTPUT.relative_to(ROOT)}/")


def _targets() -> dict[str, str]:
    """Paths of the pages to photograph, found in the demo data."""
    lead = session().scalar(sa.select(Person).where(Person.email == LEAD))
    assert lead is not None, "the demo's project lead is missing"
    plan = session().scalar(sa.select(Plan).where(Plan.lead_id == lead.id).order_by(Plan.id))
    assert plan is not None
    task = session().scalar(sa.select(Task).where(Task.plan_id == plan.id).order_by(Task.due_date.desc()))
    awaiting = session().scalar(
        sa.select(PlanStage).where(PlanStage.status == StageStatus.AWAITING_DECISION).order_by(PlanStage.id)
    )
    reviewed = awaiting or session().scalar(
        sa.select(PlanStage).where(PlanStage.plan_id == plan.id).order_by(PlanStage.position)
    )
    assert task is not None and reviewed is not None
    return {
        "plan": f"/plans/{plan.id}",
        "task": f"/tasks/{task.id}",
        "indicators": f"/plans/{plan.id}/indicators",
        "report": f"/plans/{plan.id}/report",
        "gate": f"/stages/{reviewed.id}/review",
    }


def _photograph(browser: Browser, base_url: str, targets: dict[str, str]) -> None:
    with _signed_in(browser, base_url, LEAD) as page:
        _shoot(page, base_url, "/", "dashboard")
        _shoot(page, base_url, "/plans", "plans-list")
        _shoot(page, base_url, targets["plan"], "plan", full_page=True)
        _shoot(page, base_url, targets["task"], "task")
        _shoot(page, base_url, "/my-tasks", "my-tasks")
        _shoot(page, base_url, targets["indicators"], "indicators", full_page=True)
        _shoot(page, base_url, targets["report"], "report", full_page=True)
        _shoot(page, base_url, "/plans/new", "wizard")
        _shoot(page, base_url, "/preferences", "preferences")
        _shoot(page, base_url, "/inbox", "inbox")
        _shoot(page, base_url, "/search?q=diagnostic", "search")
    with _signed_in(browser, base_url, COMMITTEE) as page:
        _shoot(page, base_url, "/committee", "committee", full_page=True)
        _shoot(page, base_url, targets["gate"], "gate-review", full_page=True)
    with _signed_in(browser, base_url, ADMIN) as page:
        _shoot(page, base_url, "/partners", "partners")
        _shoot(page, base_url, "/outbox", "outbox")
    with _signed_in(browser, base_url, LEAD, locale="en-GB") as page:
        page.goto(f"{base_url}/")
        page.get_by_role("button", name="English").click()
        _shoot(page, base_url, "/", "dashboard-en")
        page.get_by_role("button", name="Français").click()


@contextmanager
def _signed_in(browser: Browser, base_url: str, email: str, locale: str = "fr-FR") -> Iterator[Page]:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_load_state()
    try:
        yield page
    finally:
        context.close()


def _shoot(page: Page, base_url: str, path: str, name: str, full_page: bool = False) -> None:
    response = page.goto(f"{base_url}{path}")
    if response is None or response.status >= 400:
        raise SystemExit(f"{path} answered {response.status if response else 'nothing'}: no screenshot {name}")
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=full_page)
    print(f"  {name}.png  ({path})")


@contextmanager
def _served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _chromium() -> str:
    found = os.environ.get("GPECT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise SystemExit("Chromium is needed: apt-get install -y chromium (or set GPECT_CHROMIUM)")
    return found


if __name__ == "__main__":
    main()
