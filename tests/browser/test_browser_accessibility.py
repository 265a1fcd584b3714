"""The accessibility audit (RGAA 4.1, that is WCAG 2.1 AA): every page, as each demo role sees it, in French.

With the demo loaded, each role signs in and walks its pages at 1280 px (a desktop) and 390 px (a phone):
dashboard, plans (filtered too), plan and task pages, my tasks, the wizard's steps, the partners directory
with its forms and CSV import, indicators and their import, the committee view, gate review, review
report, outbox, preferences, sign-in, the pages of the links in emails (open, confirm, done, and the
refusals: expired, used, tampered) and the error pages (400, 403, 404, 405, 409, 500). Forms are also
audited as they come back with errors. On each page axe-core (``vendor/axe.min.js``, every rule it runs by
default, none turned off) must find nothing serious or critical, and the layout must fit the screen (see
``audit.py``). ``GPECT_AUDIT_SCREENSHOTS=folder`` keeps a screenshot of every page audited.

The demo is loaded once for the module, into an app of the module's own (``walks.serve_demo``); the walks
are shared with the other tests that read every page (``walks.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser

from gpect_workflow.models import Language, Person, Task
from gpect_workflow.services.context import session
from tests.browser.audit import Auditor, prepare
from tests.browser.walks import WALKS, WIDTHS, Site, serve_demo, sign_in


@pytest.fixture(scope="module")
def site(database_url: str) -> Iterator[Site]:
    with serve_demo(database_url) as served:
        yield served


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{width}px" for width in WIDTHS])
@pytest.mark.parametrize("who", list(WALKS))
def test_every_page_is_accessible_and_fits_the_screen(browser: Browser, site: Site, who: str, width: int) -> None:
    email, walk = WALKS[who]
    context = prepare(browser.new_context(locale="fr-FR", viewport={"width": width, "height": 900}))
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        auditor = Auditor(page, site.base_url, width, who)
        if email is not None:
            sign_in(page, site.base_url, email)
        walk(auditor, site, WIDTHS.index(width))
    finally:
        context.close()
    assert not auditor.problems, auditor.report()


def test_pages_have_an_icon_which_also_answers_at_favicon_ico(browser: Browser, site: Site) -> None:
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{site.base_url}/login")
        icon = page.locator('head link[rel="icon"]')
        assert icon.get_attribute("type") == "image/svg+xml"
        linked = page.request.get(f"{site.base_url}{icon.get_attribute('href')}")
        asked = page.request.get(f"{site.base_url}/favicon.ico")  # as browsers ask, redirects followed
        assert linked.ok and asked.ok and asked.url == linked.url
        assert asked.headers["content-type"].startswith("image/svg+xml") and asked.body().startswith(b"<svg")
    finally:
        context.close()


def test_the_pages_of_links_lead_onward_in_english_too(browser: Browser, site: Site) -> None:
    """A person who reads English gets the link pages in English, with the same ways onward."""
    with site.app.app_context():
        reader = session().scalar(sa.select(Person).where(Person.language == Language.EN).order_by(Person.id))
        assert reader is not None
        task = session().scalar(sa.select(Task.id).where(Task.assignee_id == reader.id).order_by(Task.id))
        assert task is not None
        reader_id = reader.id
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        page.goto(site.base_url + site.link("open_task", reader_id, task))
        assert page.locator("html").get_attribute("lang") == "en"
        onward = page.get_by_role("navigation", name="Where next?")
        for name in ("Open the task in GPECT Workflow", "See all my tasks", "Back to the home page"):
            assert onward.get_by_role("link", name=name).count() == 1, name
        response = page.goto(f"{site.base_url}/links/mark_done/not-a-token")
        assert response is not None and response.status == 400
        assert page.get_by_role("link", name="Sign in to see my tasks").count() == 1
        assert page.get_by_role("link", name="Back to the home page").count() == 1
    finally:
        context.close()
