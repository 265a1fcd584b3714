"""Labels of the partners directory's stored values, and the wording of its services' messages.

The tables are the services' (``services.partners.labels``: the import recognises the same words); pages
translate them with ``gettext`` when they show them.
"""

from __future__ import annotations

from flask_babel import gettext

from ...services.partners.importing.checking import Problem
from ...services.partners.importing.vocabulary import wording
from ...services.partners.labels import LANGUAGES, ORGANISATION_KINDS, PERSON_ROLES

__all__ = [
    "LANGUAGES",
    "ORGANISATION_KINDS",
    "PERSON_ROLES",
    "import_message",
    "kind_label",
    "language_label",
    "problem_message",
    "role_label",
]


def kind_label(kind: str | None) -> str:
    """The kind of organisation in the page's language."""
    return gettext(ORGANISATION_KINDS[kind]) if kind in ORGANISATION_KINDS else (kind or "")


def role_label(role: str | None) -> str:
    """A person's role in the page's language."""
    return gettext(PERSON_ROLES[role]) if role in PERSON_ROLES else (role or "")


def language_label(language: str | None) -> str:
    """A language, named in itself (as language switches do)."""
    return gettext(LANGUAGES[language]) if language in LANGUAGES else (language or "")


def import_message(code: str, params: dict[str, object] | None = None) -> str:
    """An import problem, action or note (a code of ``importing.vocabulary.MESSAGES``) in the page's language."""
    return wording(code, params, gettext)


def problem_message(problem: Problem) -> str:
    """One row problem in the page's language."""
    return import_message(problem.code, dict(problem.params))
