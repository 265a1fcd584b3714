"""In a real browser: a partner signs in from the link of a real email and marks a task done; the lead
sees the plan's progress move."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from playwright.sync_api import Page, expect
from werkzeug.security import generate_password_hash

from gpect_workflow.models import Person, TaskStatus
from gpect_workflow.services.context import session
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.factories import assignee, task
from tests.plan_helpers import start_five_levers_plan


def progress_of(page: Page, base_url: str, plan_name: str) -> str:
    page.goto(f"{base_url}/plans")
    row = page.locator("tr", has_text=plan_name)
    return row.locator(".percent").inner_text()


def test_a_partner_signs_in_from_an_email_and_marks_a_task_done(
    browser: Any, mail_served: str, definitions: None, dummy_lead: Person, smtp: Any
) -> None:
    plan = start_five_levers_plan(dummy_lead, date(2026, 11, 23), name="Plan compétences – Dreux")
    inventory = task(plan, "inventory-existing-studies")
    partner = assignee(inventory)
    dummy_lead.password_hash = generate_password_hash(PASSWORD)
    session().commit()

    lead_page = browser.new_context(locale="fr-FR").new_page()
    sign_in_with_password(lead_page, mail_served, dummy_lead.email)
    before = progress_of(lead_page, mail_served, plan.name)

    partner_page = browser.new_context(locale="fr-FR").new_page()
    partner_page.goto(f"{mail_served}/login")
    partner_page.locator("#link-email").fill(partner.email)
    partner_page.get_by_role("button", name="Recevoir un lien de connexion").click()
    expect(partner_page.get_by_role("status")).to_contain_text("lien de connexion vient")

    (mail,) = [
        received
        for received in smtp.received
        if received.recipients == [partner.email] and received.message["X-GPECT-Kind"] == "login_link"
    ]
    link = re.search(r"https?://\S+/links/login/\S+", mail.text)
    assert link, mail.text
    partner_page.goto(link.group(0))
    partner_page.get_by_role("button", name="Me connecter").click()
    expect(partner_page.locator("header.site")).to_contain_text(partner.name)

    partner_page.goto(f"{mail_served}/my-tasks")
    row = partner_page.locator("tr", has=partner_page.locator(f"#title-{inventory.id}"))
    row.get_by_role("button", name="Marquer comme faite").click()
    expect(partner_page.locator(".flash")).to_be_visible()
    session().expire_all()
    assert task(plan, "inventory-existing-studies").status is TaskStatus.DONE

    after = progress_of(lead_page, mail_served, plan.name)
    assert int(after.rstrip(" %")) > int(before.rstrip(" %")), (before, after)
