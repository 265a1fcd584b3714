"""Hostile values in every page address, query parameter and form field: refused, never a server error.

The routes come from the app's own URL map, so a page added later is crawled without a change here.
Each GET page is asked for as each demo role, with every URL variable and every known query parameter
set to a hostile value in turn (NUL, a number past any column, negative and zero ids, a long string, a
path climbing out, a script); every POST route receives the same in every form field the pages show.
An answer may refuse (400, 403, 404, 422), redirect or succeed, but never fail (5xx), and an HTML
answer never carries the script unescaped. One app, the demo loaded once for the module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from html import unescape
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from gpect_workflow.clock import FrozenClock
from gpect_workflow.demo.loader import load_demo
from gpect_workflow.models import (
    ApiToken,
    Comment,
    DelayRequest,
    EvidenceFile,
    InboxEntry,
    Indicator,
    Measurement,
    Organisation,
    OutboxMessage,
    Person,
    Plan,
    PlanStage,
    Task,
)
from gpect_workflow.services.accounts.tokens import create_token
from gpect_workflow.services.context import session
from gpect_workflow.services.partners.people import find_person
from gpect_workflow.state import EXTENSION_NAME
from tests.conftest import START, csrf_token, empty_tables, sign_in

SCRIPT = "<script>alert(1)</script>"
HOSTILE = ["\x00", str(10**30), "-1", "0", "x" * 5000, "../", SCRIPT]
#: The values that failed pages before they read inputs as the API does: tried one field at a time.
CRASHING = ("\x00", str(10**30))
#: One person of each role of the demo.
ROLES = {
    "admin": "admin@gpect.example.org",
    "lead": "claire.martin@mee-chartres.example.org",
    "partner": "nicolas.roux@francetravail.example.org",
    "committee": "sophie.renard@dreets.example.org",
}
#: Query parameters the pages read (filters, page numbers, return addresses), including those only a longer
#: list than the demo's would link to; the crawl adds every parameter the pages' links and GET forms carry.
QUERY_PARAMETERS = (
    "page",
    "journal_page",
    "people_page",
    "comments_page",
    "overdue_page",
    "soon_page",
    "later_page",
    "finished_page",
    "q",
    "territory",
    "kind",
    "scope",
    "definition",
    "stage",
    "status",
    "next",
    "organisation_id",
    "lead",
    "late",
)
#: Routes outside the crawl: static files, and signing out (it would end the crawl's session).
SKIPPED = {"static", "gpect.static", "favicon", "gpect.logout"}


@dataclass
class Demo:
    app: Flask
    people: dict[str, int]
    #: A real value for each URL variable, so that a route is reached with one hostile variable at a time.
    known: dict[str, str]


@pytest.fixture(scope="module")
def demo(shared_app: Flask) -> Iterator[Demo]:
    """The demo loaded once; tables emptied when the module ends."""
    shared_app.extensions[EXTENSION_NAME].clock = FrozenClock(START)
    with shared_app.app_context():
        load_demo()
        people = {}
        for role, email in ROLES.items():
            person = find_person(email)
            assert person is not None
            people[role] = person.id
            create_token(person, f"crawl {role}")
        session().commit()

        def first(model: Any) -> str:
            return str(session().scalar(sa.select(sa.func.min(model.id))) or 1)

        known = {
            "plan_id": first(Plan),
            "task_id": first(Task),
            "stage_id": first(PlanStage),
            "indicator_id": first(Indicator),
            "measurement_id": first(Measurement),
            "file_id": first(EvidenceFile),
            "request_id": first(DelayRequest),
            "comment_id": first(Comment),
            "organisation_id": first(Organisation),
            "person_id": first(Person),
            "message_id": first(OutboxMessage),
            "entry_id": first(InboxEntry),
            "token_id": first(ApiToken),
            # A merge's target that names nothing: the crawl's confirmations are refused, the demo stays whole.
            "target_id": "2147483647",
            "purpose": "login",
            "token": "abc",
            "filename": "gpect.css",
            "role_key": "lead",  # every definition has it
        }
        session().remove()
    try:
        yield Demo(shared_app, people, known)
    finally:
        with shared_app.app_context():
            empty_tables(shared_app)


def _ui_rules(app: Flask, method: str) -> list[Rule]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if method in (rule.methods or ()) and rule.endpoint not in SKIPPED and not rule.rule.startswith("/api")
    ]


def _urls(rule: Rule, known: dict[str, str]) -> Iterator[str]:
    """The rule's address with each variable in turn hostile, the others real (or the real one alone)."""
    variables = sorted(rule.arguments)
    cases = [dict(known)] + [{**known, name: value} for name in variables for value in HOSTILE]
    for values in cases:
        path = rule.rule
        for name in variables:
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(values[name], safe=""), path)
        yield path


def _client(demo: Demo, role: str) -> FlaskClient:
    client = demo.app.test_client()
    with demo.app.app_context():
        person = session().get(Person, demo.people[role])
        assert person is not None
        sign_in(client, person)
    return client


def _check(send: Callable[[], Any], what: str, failures: list[str]) -> None:
    """Note ``what`` in ``failures`` when its answer failed or echoed the script (all are reported at once).

    The test app propagates a view's exception rather than answering 500: that counts as a failure too.
    """
    try:
        response = send()
    except Exception as error:
        failures.append(f"{what} -> {type(error).__name__}: {str(error)[:120]}")
        return
    if response.status_code >= 500:
        failures.append(f"{what} -> {response.status_code}")
    elif response.mimetype == "text/csv" and not urlsplit(response.request.url).path.endswith(".csv"):
        # The CSV exports are the routes ending .csv, each cell of each checked by test_csv_exports.py.
        failures.append(f"{what} answers text/csv outside the CSV exports")
    elif response.mimetype == "text/html" and "<script>alert(1)" in response.get_data(as_text=True):
        failures.append(f"{what} echoes the script")


def _page_parameters(client: FlaskClient, demo: Demo) -> set[str]:
    """The query parameters the pages use themselves: those of their links and of their GET forms' fields."""
    names: set[str] = set()
    for rule in _ui_rules(demo.app, "GET"):
        page = client.get(next(_urls(rule, demo.known)))
        if page.mimetype != "text/html":
            continue
        html = page.get_data(as_text=True)
        for link in re.findall(r'href="([^"]*\?[^"]*)"', html):
            names.update(parse_qs(urlsplit(unescape(link)).query, keep_blank_values=True))
        for form in re.findall(r'<form\b(?![^>]*method="post")[^>]*>(.*?)</form>', html, re.DOTALL | re.IGNORECASE):
            names.update(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', form))
    return names - {"csrf_token"}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_no_get_page_fails_on_hostile_addresses_or_query_parameters(demo: Demo, role: str) -> None:
    """Each variable alone, then each value in every query parameter at once; as the administrator (who
    reaches every page) every value and each parameter alone, as the others the crashing values only, to
    keep the crawl fast."""
    client, failures = _client(demo, role), []
    parameters = sorted(set(QUERY_PARAMETERS) | _page_parameters(client, demo))
    for rule in _ui_rules(demo.app, "GET"):
        for url in _urls(rule, demo.known):
            _check(partial(client.get, url), f"{role} GET {url[:80]!r}", failures)
        plain = next(_urls(rule, demo.known))
        if plain.endswith(".pdf"):
            continue  # the PDF reads the filters of its HTML page, crawled beside it, and is slow to draw
        for value in HOSTILE if role == "admin" else CRASHING:
            every = dict.fromkeys(parameters, value)
            _check(partial(client.get, plain, query_string=every), f"{role} GET {plain}?*={value[:40]!r}", failures)
        if role == "admin":
            for name in parameters:
                for value in CRASHING:
                    what = f"GET {plain}?{name}={value!r}"
                    _check(partial(client.get, plain, query_string={name: value}), what, failures)
    assert not failures, "\n".join(failures)


def _form_fields(client: FlaskClient, demo: Demo) -> set[str]:
    """The names of every field of every form the GET pages show."""
    names: set[str] = set()
    for rule in _ui_rules(demo.app, "GET"):
        page = client.get(next(_urls(rule, demo.known)))
        if page.mimetype != "text/html":
            continue
        html = page.get_data(as_text=True)
        names.update(re.findall(r'<(?:input|select|textarea|button)[^>]*\bname="([^"]+)"', html))
    return names - {"csrf_token"}


@pytest.mark.parametrize("role", ["admin", "lead", "partner"])
def test_no_form_fails_on_hostile_fields(demo: Demo, role: str) -> None:
    """Every value in every field at once, to every POST address (its variables hostile too); one field at a
    time as the administrator, the two crashing kinds of value only."""
    client, failures = _client(demo, role), []
    fields = _form_fields(client, demo)
    token = csrf_token(client)
    for rule in _ui_rules(demo.app, "POST"):
        for url in _urls(rule, demo.known):
            for value in HOSTILE:
                every = {"csrf_token": token, **dict.fromkeys(fields, value)}
                _check(partial(client.post, url, data=every), f"{role} POST {url[:80]} *={value[:40]!r}", failures)
        plain = next(_urls(rule, demo.known))
        if role == "admin":
            for name in sorted(fields):
                for value in CRASHING:
                    one = {"csrf_token": token, name: value}
                    _check(partial(client.post, plain, data=one), f"POST {plain} {name}={value!r}", failures)
    assert not failures, "\n".join(failures)
