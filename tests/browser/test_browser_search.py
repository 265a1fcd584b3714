"""In a real browser, with JavaScript off: a lead types words without their accents into the header's search
box, reads the results grouped by kind with the words highlighted, opens a task from them; a partner of one
plan among several finds only that plan."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from gpect_workflow.models import Person, PersonRole, Territory
from gpect_workflow.services.accounts.passwords import hash_password
from gpect_workflow.services.context import session
from tests.browser.conftest import PASSWORD, sign_in_with_password
from tests.search_support import build_world


@pytest.fixture
def lead(definitions: None, create_user: Any) -> Person:
    person: Person = create_user("claire.martin@example.org", PersonRole.LEAD, name="Claire Martin", password=PASSWORD)
    return person


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_the_header_search_box_finds_what_a_person_may_see(
    page: Page, live_url: str, lead: Person, territory: Territory
) -> None:
    world = build_world(territory, lead, 3)
    world.partners[1].password_hash = hash_password(PASSWORD)
    session().commit()
    sign_in_with_password(page, live_url, lead.email)

    box = page.locator("header").get_by_role("search").get_by_role("searchbox")
    expect(box).to_have_accessible_name("Rechercher dans les plans, tâches, commentaires et structures")
    box.fill("competences region")
    box.press("Enter")

    expect(page).to_have_url(f"{live_url}/search?q=competences+region")
    expect(page.locator("#results-plans h2")).to_contain_text("(3)")
    expect(page.locator("#results-plans li")).to_have_count(3)
    expect(page.locator("#results-plans mark").first).to_have_text("compétences")
    expect(page.locator("#results-tasks li")).to_have_count(3)
    expect(page.locator("main")).not_to_contain_text("secret")

    page.locator("#results-tasks li a").first.click()
    expect(page.locator("main h1")).to_contain_text("Atelier compétences numériques")

    page.context.clear_cookies()
    sign_in_with_password(page, live_url, world.partners[1].email)
    box = page.locator("header").get_by_role("search").get_by_role("searchbox")
    box.fill("Région")
    box.press("Enter")
    expect(page.locator("#results-plans li")).to_have_count(1)
    expect(page.locator("#results-plans li a")).to_have_text("Plan 2 compétences Région")
