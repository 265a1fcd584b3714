"""Every page in French, as each demo role sees it: no English sentence of the application may show.

The product's readers are French public bodies: a label, a message or a refusal that escaped translation
reads as unfinished. Each demo role (administrator, project lead, partner, committee member, and a visitor
not signed in, who opens the links in emails) walks its pages in a browser set to French (``walks.py``,
the walks of the accessibility audit, at one width): dashboard, plans, plan and task pages, my tasks, the
wizard's steps, partners and their forms, indicators, committee pages, reports, outbox, preferences, the
pages of the links in emails with their refusals, the error pages, and forms sent back with their errors.
Walks of this module's own add what each role does (a plan held, resumed, created, opened, cancelled; a
task changed; a gate decided; preferences saved...), each page an action leads to read with its message,
and the calendar feed as calendars show it. A partner also walks in a browser set to English: the
person's language wins. The visible text of each page, with its folded parts opened, its title and the
labels given to assistive technologies, goes through ``english_in`` and ``english_labels``
(``tests/language_check.py``); every finding is listed with its page.

Data shown as it is is left out: it is nobody's translation. Here that is a relay's answer kept in the
outbox, and the emails the outbox lists for people who read English (written in their language, as
they should be). ``KNOWN_ENGLISH`` names, with their reasons, the English that other work is to remove.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from gpect_workflow.clock import FrozenClock
from gpect_workflow.models import Language, OutboxMessage, Person
from gpect_workflow.notifications.links import PURPOSES
from gpect_workflow.services.context import session, state
from tests.browser.walks import (
    ADMIN,
    COMMITTEE,
    LEAD,
    PARTNER,
    WALKS,
    Reader,
    Site,
    serve_demo,
    sign_in,
    submit,
    walk_the_wizard,
)
from tests.language_check import english_in, english_labels

WIDTH = 1280
#: The properties of a calendar feed that calendars show people.
CALENDAR_TEXT = frozenset({"NAME", "X-WR-CALNAME", "SUMMARY", "DESCRIPTION", "LOCATION"})

#: English the pages show today that belongs to work under way elsewhere, each with its reason. Remove an
#: entry once that work lands; the test then guards the page again.
KNOWN_ENGLISH: dict[str, str] = {}

#: The text a page shows, as a reader and a screen reader meet it: the body with every ``<details>`` opened
#: (closed again afterwards, as a walk may open one itself) and the title; and one by one, the short texts
#: of its elements with the labels, titles, alternatives and placeholders given to them, for the short
#: messages (a button, a heading) that read as English only whole; the text of charts, and the column
#: headers stacked tables show on a phone. Text marked as another language (the language switch's
#: "English") and codes shown as codes (``<code>region</code>``, a value files may use) are left out.
READ_PAGE = """() => {
  const closed = [...document.querySelectorAll('details:not([open])')];
  closed.forEach((details) => { details.open = true; });
  const text = [document.title, document.body.innerText];
  const labels = [document.title];
  for (const element of document.body.querySelectorAll('*:not(script):not(style)')) {
    const marked = element.closest('[lang]');
    if (marked && marked.lang !== 'fr') continue;
    const own = element.innerText === undefined ? '' : element.innerText.trim();
    const code = element.matches('code') ? element : element.querySelector(':scope > code');
    const onlyCode = code && code.innerText.trim() === own;  // a code (`region`) is data, not an English word
    if (own && own.length <= 60 && !onlyCode) labels.push(own);
    for (const name of ['aria-label', 'title', 'alt', 'placeholder', 'value']) {
      const value = element.getAttribute(name);
      if (value && (name !== 'value' || element.matches('input[type=submit], input[type=button]'))) {
        text.push(value);
        labels.push(value);
      }
    }
  }
  for (const element of document.querySelectorAll('svg title, svg desc, svg text')) {
    text.push(element.textContent);
    labels.push(element.textContent.trim());
  }
  for (const element of document.querySelectorAll('[style*="--label-"]')) {
    for (const match of element.getAttribute('style').matchAll(/--label-\\d+:\\s*"([^"]*)"/g)) {
      labels.push(match[1]);
    }
  }
  closed.forEach((details) => { details.open = false; });
  return {text: text.join('\\n'), labels: labels};
}"""


@dataclass
class FrenchReader:
    """Reads the pages one person sees, and keeps the English found on them."""

    page: Page
    base_url: str
    who: str
    #: Data shown as it is, left out of the text read.
    ignore: tuple[str, ...] = ()
    problems: list[str] = field(default_factory=list)
    read: list[str] = field(default_factory=list)

    def visit(self, path: str, status: int = 200, name: str | None = None, **options: Any) -> None:
        """Open ``path``, expect ``status``, and read the page."""
        response = self.page.goto(self.base_url + path)
        self.expect_status(response.status if response else None, status, name or path)
        self.check(name or path, **options)

    def expect_status(self, got: int | None, expected: int, name: str) -> None:
        if got != expected:
            self.problems.append(f"[{self.who}] {name}: answered {got}, expected {expected}")

    def check(self, name: str, one_line_headers: bool = False) -> None:
        """Read the page shown now under ``name``: it must say it is French, and show no English."""
        self.read.append(name)
        self.page.wait_for_load_state()
        language = self.page.evaluate("document.documentElement.lang")
        if language != "fr":
            self.problems.append(f"[{self.who}] {name}: the page is in {language!r}, not 'fr'")
        shown = self.page.evaluate(READ_PAGE)
        leaks = english_in(shown["text"], ignore=self.ignore) + english_labels(shown["labels"], ignore=self.ignore)
        for leak in leaks:
            self.problems.append(f"[{self.who}] {name}: {leak.reason}: {leak.text!r}")

    def read_calendar(self, name: str, ics: str) -> None:
        """Read what a calendar shows of a feed (its name, events' titles and descriptions): French too."""
        self.read.append(name)
        unfolded = ics.replace("\r\n ", "").replace("\r\n", "\n")
        shown = [
            value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";")
            for key, _, value in (line.partition(":") for line in unfolded.splitlines())
            if key.split(";")[0] in CALENDAR_TEXT
        ]
        for leak in english_in("\n".join(shown), ignore=self.ignore):
            self.problems.append(f"[{self.who}] {name}: {leak.reason}: {leak.text!r}")

    def expect_links(self, name: str, *hrefs: str) -> None:
        """The links onward are the audit's business; reading only needs the pages they lead to."""

    def report(self) -> str:
        return f"English on {len(self.problems)} occasion(s), {len(self.read)} page(s) read:\n" + "\n".join(
            self.problems
        )


def walk_every_link(reader: Reader, site: Site, index: int) -> None:
    """The links of emails the visitor's walk leaves aside: more time and digest, confirmed, used, expired."""
    person, task = site.link_tasks[1]
    confirm = reader.page.locator("main form button[type=submit]")
    for purpose, task_of_link in (("more_time", task), ("digest_only", None)):
        link = site.link(purpose, person, task_of_link)
        reader.visit(link, name=f"link: {purpose}")
        if purpose == "more_time":  # a reason longer than the journal keeps: the page again, with why
            day = reader.page.locator("#due_date").get_attribute("min") or ""
            reader.page.locator("#due_date").fill(day)
            reader.page.locator("#reason").fill("Trop long. " * 200)
            submit(reader, confirm, 422, "link: more_time, with errors")
            reader.page.locator("#due_date").fill(day)
            reader.page.locator("#reason").fill("Les données arrivent la semaine prochaine.")
        submit(reader, confirm, 200, f"link: {purpose}, confirmed")
        reader.visit(link, 409, name=f"link refused: {purpose}, already used")
        too_old = PURPOSES[purpose].max_age + timedelta(days=1)
        expired = site.link(purpose, person, task_of_link, age=too_old)
        reader.visit(expired, 410, name=f"link refused: {purpose}, expired")
        reader.visit(f"/links/{purpose}/not-a-token", 400, name=f"link refused: {purpose}, tampered")


def walk_unusual_errors(reader: Reader, site: Site, index: int) -> None:
    """Pages a visitor meets by chance: signing in asked for, an HTTP error no page plans for."""
    for path in ("/my-tasks", f"/plans/{site.ids['cosmetics']}", "/outbox", "/preferences"):
        reader.visit(path, name=f"{path}, not signed in: the sign-in page")
    # A byte range beyond a file's end.
    reader.page.set_extra_http_headers({"Range": "bytes=99999999-"})
    try:
        reader.visit("/static/gpect/gpect.css", 416, name="error 416")
    finally:
        reader.page.set_extra_http_headers({})


def _press(reader: Reader, form: str, name: str, status: int = 200) -> None:
    """Press the submit button of the page's ``form`` (a CSS selector) and read the page it leads to."""
    submit(reader, reader.page.locator(f"{form} button[type=submit]").first, status, name)


def walk_lead_actions(reader: Reader, site: Site, index: int) -> None:
    """What a lead does that the audit's walk leaves aside (a plan created too), each told on the page it leads to."""
    ids, page = site.ids, reader.page
    reader.visit(f"/plans/{ids['task_plan']}", name="plan page")
    _press(reader, 'form[action$="/cancel"]', "plan page, cancelling to confirm")
    page.locator('form[action$="/hold"] textarea[name=note]').fill("Pause pendant la réorganisation")
    _press(reader, 'form[action$="/hold"]', "plan page, put on hold")
    _press(reader, 'form[action$="/resume"]', "plan page, resumed")
    reader.visit(f"/tasks/{ids['task']}", name="task page")
    page.locator("main select[name=status]").select_option("in_progress")
    _press(reader, 'main form[action$="/status"]', "task page, refused: prerequisites unfinished", 409)
    page.locator("main select[name=status]").select_option("in_progress")
    page.locator("main input[name=override_dependencies]").check()
    page.locator("main textarea[name=note]").first.fill("Démarrage anticipé, validé en comité")
    _press(reader, 'main form[action$="/status"]', "task page, status changed")
    reader.visit(f"/tasks/{ids['task']}", name="task page")
    page.locator("main select[name=assignee_id]").select_option(index=0)
    _press(reader, 'main form[action$="/assignee"]', "task page, reassigned")
    page.locator("main input[name=due_date]").first.fill("2027-04-30")
    _press(reader, 'main form[action$="/deadline"]', "task page, deadline preview")
    _press(reader, "main section.preview form", "task page, deadline moved")
    reader.visit(f"/plans/{ids['indicator_plan']}/indicators", name="indicators")
    page.locator("form.record-value input[name=measured_on]").first.fill("2026-11-30")
    page.locator("form.record-value input[name=value]").first.fill("12")
    _press(reader, "form.record-value", "indicators, value recorded")
    walk_the_wizard(reader, site)
    submit(reader, page.locator("button[name=action][value=confirm]"), 200, "wizard, plan created")
    _press(reader, 'form[action$="/open"]', "plan page, opened before its start date")
    _press(reader, 'form[action$="/cancel"]', "plan page, cancelling to confirm")
    _press(reader, "#cancel-confirmation form", "plan page, cancelled")
    reader.visit("/plans?status=cancelled", name="plans, cancelled")


def walk_partner_actions(reader: FrenchReader, site: Site, index: int) -> None:
    """What a partner does: a task blocked, preferences saved (with a mistake first), a calendar address."""
    page = reader.page
    reader.visit("/my-tasks", name="my tasks")
    page.locator("main form.block-form input[name=note]").first.fill("En attente des chiffres")
    _press(reader, "main form.block-form", "my tasks, task blocked")
    reader.visit("/preferences", name="preferences")
    page.locator("#timezone").fill("Mars/Olympus")
    submit(reader, page.locator('form[action$="/preferences"] button[type=submit]'), 422, "preferences, with errors")
    page.locator("#timezone").fill("Europe/Paris")
    _press(reader, 'form[action$="/preferences"]', "preferences, saved")
    _press(reader, 'form[action$="/preferences/calendar"]', "preferences, calendar address created")
    feed = page.request.get(page.locator("#calendar-url").input_value())
    reader.read_calendar("calendar feed (.ics)", feed.text())
    _press(reader, 'form[action$="/preferences/calendar"]', "preferences, calendar address renewed")
    _press(reader, 'form[action$="/preferences/calendar/revoke"]', "preferences, calendar address revoked")


def walk_committee_actions(reader: Reader, site: Site, index: int) -> None:
    """A committee member puts the awaiting gate's plan on hold, without minutes: the journal tells it."""
    page = reader.page
    reader.visit(f"/stages/{site.ids['awaiting_stage']}/review", name="gate review")
    page.locator("input[name=decision][value=hold]").check()
    _press(reader, "form:has([name=decision])", "gate review, plan held")
    reader.visit(f"/plans/{site.ids['cosmetics']}", name="plan page, held by the committee")


def walk_lead_after_the_hold(reader: Reader, site: Site, index: int) -> None:
    """Ten days later the lead resumes the plan the committee held, its deadlines moved by the days on hold."""
    page = reader.page
    with site.app.app_context():
        clock = state().clock
        assert isinstance(clock, FrozenClock)
        present = clock.now()
        clock.set(present + timedelta(days=10))
    try:
        reader.visit(f"/plans/{site.ids['cosmetics']}", name="plan page, on hold")
        page.locator('form[action$="/resume"] input[name=shift_deadlines]').check()
        _press(reader, 'form[action$="/resume"]', "plan page, resumed with its deadlines moved")
    finally:
        clock.set(present)


def walk_administrator_actions(reader: Reader, site: Site, index: int) -> None:
    """An administrator adds an organisation, sends failed emails again and revokes an API token."""
    ids, page = site.ids, reader.page
    reader.visit("/partners/organisations/new", name="new organisation form")
    page.locator("#name").fill("Maison de l'emploi de Dreux")
    page.locator("#kind").select_option(index=1)
    page.locator("#territory_id").select_option(str(ids["territory"]))
    _press(reader, "main form[method=post]", "new organisation, added")
    reader.visit(f"/partners/people/{ids['partner']}/edit", name="person form")
    _press(reader, "main form[method=post]", "person form, saved")
    reader.visit(f"/outbox/{ids['failed_message']}", name="outbox message, failed")
    _press(reader, 'form[action$="/retry"]', "outbox message, sent again")
    reader.visit("/preferences", name="preferences")
    page.locator("#token-name").fill("Tableau de bord régional")
    _press(reader, "form:has(#token-name)", "preferences, new API token")
    _press(reader, 'form[action*="/tokens/"][action$="/revoke"]', "preferences, API token revoked")


FRENCH_WALKS = {
    **WALKS,
    "visitor, every link": (None, walk_every_link),
    "visitor, by chance": (None, walk_unusual_errors),
    "project lead, actions": (LEAD, walk_lead_actions),
    "partner, actions": (PARTNER, walk_partner_actions),
    "committee member, actions": (COMMITTEE, walk_committee_actions),
    "project lead, after the committee's hold": (LEAD, walk_lead_after_the_hold),
    "administrator, actions": (ADMIN, walk_administrator_actions),
}


@pytest.fixture(scope="module")
def site(database_url: str) -> Iterator[Site]:
    with serve_demo(database_url) as served:
        yield served


@pytest.fixture(scope="module")
def shown_as_it_is(site: Site) -> tuple[str, ...]:
    """Text the pages show as it is stored, English by right, and the known English of ``KNOWN_ENGLISH``.

    A relay's answer kept in the outbox is shown whole on its message's page and cut short at a word in
    the list, so each of its word-long beginnings is left out. The subjects and bodies of the emails to
    people who read English are in English, as they should be.
    """
    shown: list[str] = list(KNOWN_ENGLISH)
    with site.app.app_context():
        for error in session().scalars(
            sa.select(OutboxMessage.last_error).where(OutboxMessage.last_error.is_not(None))
        ):
            words = (error or "").split(" ")
            shown.extend(" ".join(words[:count]) for count in range(3, len(words) + 1))
        for message in session().scalars(
            sa.select(OutboxMessage)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .where(Person.language == Language.EN)
        ):
            shown.extend([message.subject, message.body_text])
    return tuple(shown)


@pytest.mark.parametrize("who", list(FRENCH_WALKS))
def test_every_page_reads_in_french(browser: Browser, site: Site, shown_as_it_is: tuple[str, ...], who: str) -> None:
    email, walk = FRENCH_WALKS[who]
    problems, report = _walk_in(browser, site, shown_as_it_is, "fr-FR", who, email, walk)
    assert not problems, report


def test_a_person_who_reads_french_reads_french_in_an_english_browser(
    browser: Browser, site: Site, shown_as_it_is: tuple[str, ...]
) -> None:
    """The person's language, French, wins over the browser's: a partner on a borrowed computer reads French."""
    email, walk = WALKS["partner"]
    problems, report = _walk_in(browser, site, shown_as_it_is, "en-GB", "partner, English browser", email, walk)
    assert not problems, report


def _walk_in(
    browser: Browser,
    site: Site,
    shown_as_it_is: tuple[str, ...],
    locale: str,
    who: str,
    email: str | None,
    walk: Callable[[Any, Site, int], None],
) -> tuple[list[str], str]:
    """Walk as ``who`` in a browser set to ``locale``; what was found, and its report."""
    context = browser.new_context(locale=locale, viewport={"width": WIDTH, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        reader = FrenchReader(page, site.base_url, who, shown_as_it_is)
        if email is not None:
            sign_in(page, site.base_url, email)
        walk(reader, site, 0)
    finally:
        context.close()
    return reader.problems, reader.report()
