"""Rendering an email of a given kind in the recipient's language: subject, plain text and HTML.

Templates live in ``templates/gpect_workflow/emails/<language>/``: ``<kind>.subject.txt``,
``<kind>.txt`` and ``<kind>.html`` (the HTML ones extend ``_base.html``). A host application can
override any of them like any other template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from flask import current_app
from jinja2 import Environment

from ..formats import long_date
from ..services.catalogue import english, french

LANGUAGES = ("fr", "en")
#: Where email templates are, under the application's template folders.
EMAIL_TEMPLATES = "gpect_workflow/emails/"

#: Every email kind and what it is for.
KINDS: dict[str, str] = {
    "reminder": "a task falls due soon, today, or is late",
    "escalation": "a task is late beyond the escalation delay: the lead (and referent) are told",
    "digest": "a person's daily or weekly summary of their deadlines",
    "stage_opened": "a stage opened: each assignee gets their tasks and deadlines",
    "stage_closed": "a stage closed",
    "gate_awaiting": "a stage waits for the steering committee's decision",
    "gate_decided": "the committee decided at a gate",
    "plan_status": "a plan was put on hold, resumed, completed or cancelled",
    "deadline_moved": "deadlines moved, the person's tasks among them",
    "delay_requested": "a partner asks the lead to move a task's deadline to a date, with a reason",
    "delay_accepted": "the lead accepted a partner's delay request: the deadline moved",
    "delay_refused": "the lead refused a partner's delay request, with a reason",
    "role_assigned": "a person now plays a role in a running plan (or sits on its committee), with their tasks",
    "comment_added": "someone commented on a task or a gate review the person is concerned by",
    "login_link": "a person asked for a link to sign in without a password",
    "password_reset": "a person who forgot their password asked for a link to choose a new one",
    "committee_digest": "a committee member's weekly (or daily) summary: gates to decide, plans off track, indicators",
    "delivery_failures": "administrators: emails that failed for good, and why (at most one notice an hour)",
    "data_problems": "administrators: stored values a scheduler pass had to leave aside (at most one notice a day)",
    "notice_failures": "administrators: changes whose emails could not be written, and why (at most one an hour)",
}


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """An email ready for the outbox."""

    subject: str
    text: str
    html: str


_BLANKS = re.compile(r"[ \t\r\n\f\v]+")


def render_email(kind: str, language: str, **context: Any) -> RenderedEmail:
    """Render ``kind`` in ``language`` (French when the language is not one we speak).

    Templates write their own sentences in their language; a stored code's words that are messages of the
    catalogue (``vocabulary``) reach them through ``translated``, so that the email and the pages name it alike.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    language = language if language in LANGUAGES else "fr"
    context = {
        "language": language,
        "long_date": lambda day: long_date(day, language),
        "translated": french if language == "fr" else english,
        **context,
    }
    folder = f"{EMAIL_TEMPLATES}{language}/{kind}"
    # One line: line breaks and runs of blanks become one space; a no-break space (French typography) stays.
    subject = _BLANKS.sub(" ", _render(f"{folder}.subject.txt", context)).strip(" ")
    return RenderedEmail(subject, _render(f"{folder}.txt", context).strip() + "\n", _render(f"{folder}.html", context))


def compile_email_templates() -> int:
    """Compile every email template (each kind in each language, and the layouts and macros they extend
    and import) into the environment's cache, as a scheduler does when it starts; returns how many."""
    environment = _environment()
    names = [name for name in environment.list_templates() if name.startswith(EMAIL_TEMPLATES)]
    for name in names:
        environment.get_template(name)
    return len(names)


def _render(name: str, context: dict[str, Any]) -> str:
    """Render a template of the application's Jinja environment with exactly ``context``.

    Not ``flask.render_template``: emails use neither the request nor the pages' context processors
    (menus, language switch), which would cost more than the email itself at a send hour of thousands.
    Templates are still looked up through the application, so a host can override them.
    """
    return _environment().get_template(name).render(context)


_ENVIRONMENTS: WeakKeyDictionary[Environment, Environment] = WeakKeyDictionary()


def _environment() -> Environment:
    """The application's Jinja environment for emails: same loader, filters and settings, no globals.

    Email templates import their macros (``{% import ... as ui %}``); Jinja checks, at each import, the
    importing context's globals against the imported template's, which with Flask's globals costs more
    than rendering the macros. Emails use none of those globals (no request, no ``url_for``).
    """
    pages = current_app.jinja_env
    emails = _ENVIRONMENTS.get(pages)
    if emails is None:
        emails = pages.overlay()
        emails.globals = {}
        _ENVIRONMENTS[pages] = emails
    return emails
