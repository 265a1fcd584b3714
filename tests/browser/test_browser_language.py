"""In a real browser: signing in with a password, and switching the language of the pages."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from gpect_workflow.models import Language, Person, PersonRole
from gpect_workflow.services.context import session
from tests.browser.conftest import PASSWORD, sign_in_with_password


def test_a_lead_signs_in_and_switches_to_english_and_back(page: Page, live_url: str, create_user: Any) -> None:
    lead = create_user("lead@example.org", PersonRole.LEAD, name="Claire Martin", password=PASSWORD)
    session().commit()

    sign_in_with_password(page, live_url, lead.email)
    expect(page.locator("header.site")).to_contain_text("Claire Martin")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    session().expire_all()
    assert session().get(Person, lead.id).language is Language.EN  # emails follow the switch

    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def test_a_visitor_reads_the_sign_in_page_in_the_language_they_pick(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/login")
    expect(page.locator("h1")).to_have_text("Se connecter à GPECT Workflow")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Sign in to GPECT Workflow")
    expect(page).to_have_url(f"{live_url}/login")
