"""In a real browser, JavaScript off: a partner reads their inbox: the unread count in the header, an entry
opened lands on its task and the count goes down, then everything is marked read."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import Browser, expect
from werkzeug.security import generate_password_hash

from gpect_workflow.models import InboxEntry, Person
from gpect_workflow.notifications.announcements import deliver_announcements
from gpect_workflow.services.context import session
from gpect_workflow.services.tasks.changes import move_deadline
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.factories import assignee, task
from tests.plan_helpers import start_five_levers_plan


def test_a_partner_reads_their_inbox_without_javascript(
    browser: Browser, live_url: str, definitions: None, dummy_lead: Person
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 12, 1), name="Plan compétences – Chartres")
    session().commit()
    data = task(plan, "employment-data")
    move_deadline(dummy_lead, data.id, data.due_date + timedelta(days=7))  # the partner is told, by email
    partner = assignee(data)
    partner.password_hash = generate_password_hash(PASSWORD)
    session().commit()
    deliver_announcements()  # the scheduler's pass renders what the changes announced

    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in_with_password(page, live_url, partner.email)
    count = page.locator("header .inbox-link .unread-count")
    expect(count).to_have_text("2")  # the first stage's opening, then the deadline moved

    page.locator("header .inbox-link").click()
    expect(page.locator("h1")).to_contain_text("Notifications")
    entries = page.locator(".inbox-entry")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("Échéance déplacée")  # newest first
    expect(page.locator(".inbox-entry.unread")).to_have_count(2)

    entries.first.get_by_role("link").click()
    expect(page).to_have_url(f"{live_url}/tasks/{data.id}")
    expect(page.locator("h1")).to_contain_text("Fournir les données emploi")
    expect(count).to_have_text("1")

    page.locator("header .inbox-link").click()
    expect(page.locator(".inbox-entry.unread")).to_have_count(1)
    page.get_by_role("button", name="Tout marquer comme lu").click()
    expect(page.locator(".flash")).to_contain_text("Notifications marquées comme lues\u00a0: 1.")
    expect(page.locator(".inbox-entry.unread")).to_have_count(0)
    expect(count).to_have_count(0)
    session().expire_all()
    unread = sa.select(sa.func.count()).select_from(InboxEntry).where(InboxEntry.person_id == partner.id)
    assert session().scalar(unread.where(InboxEntry.read_dt.is_(None))) == 0
    assert session().scalar(unread) == 2
    context.close()
