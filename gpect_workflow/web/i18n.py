"""Languages of the pages: Flask-Babel, our catalogues, and how a page picks French or English.

A page speaks, in this order: the language the signed-in person chose in their preferences, the one a
visitor picked with the language switch, the browser's ``Accept-Language`` between French and English,
and French. Dates and numbers follow the same choice; times are shown in the person's time zone.

When the host application already runs Flask-Babel, our catalogue directory is added to its own, so
both sets of messages are found under the one ``messages`` domain.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_date as babel_format_date
from flask import Blueprint, Flask, g, has_app_context, redirect, request, session, url_for
from flask_babel import (
    Babel,
    force_locale,
    get_babel,
    get_locale,
    get_translations,
    gettext,
    refresh,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import formats
from ..models import Language
from ..resources import translations_dir
from ..services.partners.people import update_person
from .catalogue import init_catalogue
from .navigation import menu

#: The languages we speak; French first, the default of French public bodies.
LANGUAGES = tuple(language.value for language in Language)
DEFAULT_LANGUAGE = "fr"
#: Where the language switch keeps a visitor's choice before sign-in.
SESSION_KEY = "gpect_language"
#: Where Flask-Babel keeps the request's locale on ``g`` (``flask_babel._get_current_context``).
_BABEL_NAMESPACE = "_flask_babel"

__all__ = ["LANGUAGES", "force_locale", "gettext", "init_i18n", "page_language", "register"]


def init_i18n(app: Flask) -> None:
    """Set up Flask-Babel with our catalogues, or add them to the host's Flask-Babel."""
    directory = str(translations_dir())
    if "babel" in app.extensions:
        directories = get_babel(app).translation_directories
        if directory not in directories:
            directories.append(directory)
    else:
        app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config.get("DEFAULT_LANGUAGE", DEFAULT_LANGUAGE))
        app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", directory)
        Babel(app, locale_selector=page_language, timezone_selector=_page_timezone)
    app.before_request(_forget_cached_locale)
    app.jinja_env.globals.update(
        page_language=page_language,
        current_language=current_language,
        languages=LANGUAGES,
        localized=localized,
        long_date=long_date,
        short_date=short_date,
        number=number,
        decimal=number,
        gpect_menu=menu,
    )
    init_catalogue(app)


def _forget_cached_locale() -> None:
    """Flask-Babel caches the locale in the app context, which outlives a request wherever one is kept
    (a host's long-lived context, the test client): each request chooses its language afresh."""
    refresh()


def page_language() -> str:
    """The language of the current page: preference, then switch, then browser, then French."""
    if current_user and current_user.is_authenticated:
        language = getattr(current_user, "language", None)
        if language is not None:
            return str(getattr(language, "value", language))
    chosen = session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def _page_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return getattr(current_user, "timezone", None)
    return None


def current_language() -> str:
    """The language Babel renders in right now (follows ``force_locale``); French outside a request.

    Flask-Babel keeps the locale it chose for the request, or the one ``force_locale`` put in force, in its
    namespace on ``g``; this reads it there with one lookup of the application context, where
    ``get_locale()`` takes three lookups of ``g`` (1.7 µs against 0.2 µs). Dates, numbers and titles ask
    for the language at every row, a few hundred times a page. Before Flask-Babel has chosen, and outside
    an application context, it asks ``get_locale()`` itself (``tests/web/test_catalogue.py`` keeps the two
    in step, ``force_locale`` included).
    """
    if has_app_context():
        chosen = getattr(getattr(g._get_current_object(), _BABEL_NAMESPACE, None), "babel_locale", None)
        if chosen is not None:
            return _supported(chosen.language)
    locale = get_locale()
    return _supported(locale.language) if locale is not None else DEFAULT_LANGUAGE


def _supported(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def localized(texts: Any) -> str:
    """The French or English side of a definition's two-language text, following the page's language."""
    if texts is None:
        return ""
    return str(getattr(texts, current_language(), None) or getattr(texts, DEFAULT_LANGUAGE, ""))


def long_date(day: date | datetime | None) -> str:
    """A date written out in the page's language: ``1er novembre 2026``, ``1 November 2026``."""
    if day is None:
        return ""
    return formats.long_date(_as_date(day), current_language())


def short_date(day: date | datetime | None) -> str:
    """A compact date in the page's language: ``30/11/2026`` or ``30 Nov 2026``."""
    if day is None:
        return ""
    language = current_language()
    pattern = "dd/MM/y" if language == "fr" else "d MMM y"
    return babel_format_date(_as_date(day), pattern, locale=formats.locale_of(language))


def counted(singular: str, plural: str, count: int, **variables: object) -> str:
    """``ngettext`` with the count written as the reader writes numbers (``1 250``, ``1,250``).

    Flask-Babel's ``ngettext`` puts the bare integer in ``%(num)s``; counts shown to people follow the
    page's language like every other number.
    """
    message = get_translations().ungettext(singular, plural, count)
    return str(message % {"num": number(count), **variables})


def number(value: int | float | Decimal, pattern: str | None = None) -> str:
    """A number as the reader writes it (``1 250,5``, ``1,250.5``), as Flask-Babel's ``format_decimal`` would
    write it, through ``formats.written_number``: once per value and language, ``1E30`` past Babel's range."""
    return formats.written_number(value, current_language(), pattern)


def _as_date(day: date | datetime) -> date:
    return day.date() if isinstance(day, datetime) else day


def register(blueprint: Blueprint) -> None:
    """Add the language switch to the UI blueprint."""
    blueprint.add_url_rule("/language", view_func=switch_language, methods=["POST"])


def switch_language() -> Response:
    """Switch the page language; a signed-in person's preference is saved too, so emails follow."""
    language = request.form.get("language", "")
    if language in LANGUAGES:
        session[SESSION_KEY] = language
        if current_user.is_authenticated and current_user.language.value != language:
            update_person(current_user, current_user.id, language=Language(language))
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("gpect.dashboard")
    return redirect(target)
