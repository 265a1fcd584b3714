"""The page's message catalogue, looked up once per rendered template instead of once per message.

Flask-Babel's Jinja callables ask ``get_translations()`` for every ``_()`` of a template: four lookups of
the application and request contexts each time, about 7 µs, against 0.1 µs for the catalogue's own
``ugettext``. A plan page says a few hundred messages, so these lookups were a tenth of its time.

Here a context processor reads the catalogue once when ``render_template`` starts (under whatever
``force_locale`` is in force then: an email rendered in its reader's language gets that language's), and
the callables installed in Jinja read it from the template's context. A macro imported without the
caller's context has no such variable and asks Flask-Babel as before: the same words, at the former cost.

``_()``, the most frequent call (two hundred on a plan page), goes straight to the catalogue: Jinja's own
``_`` resolves ``gettext`` in the context and calls it through two ``Context.call`` (5 µs a message in all);
``translate`` does what Jinja's "new style" ``gettext`` does (``Markup`` under autoescaping, then ``%`` with
the variables, so they are escaped) in one call. ``tests/web/test_catalogue.py`` compares the two.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from .labels import label

#: The template variable holding the catalogue of the page being rendered.
CATALOGUE = "gpect_catalogue"


def init_catalogue(app: Flask) -> None:
    """Give every template its catalogue, and let Jinja's ``_``, ``ngettext``, ``pgettext``,
    ``npgettext`` and our ``label`` read it (after Flask-Babel, whose callables these replace)."""
    app.context_processor(_catalogue_of_the_page)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        gettext=_gettext, ngettext=_ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    app.jinja_env.globals["_"] = translate
    app.jinja_env.globals["label"] = page_label


def _catalogue_of_the_page() -> dict[str, Any]:
    return {CATALOGUE: get_translations()}


def catalogue(context: Context) -> Any:
    """The catalogue ``render_template`` read for this template, or Flask-Babel's current one."""
    found = context.get(CATALOGUE)
    return found if found is not None else get_translations()


@pass_context
def _gettext(context: Context, string: str) -> str:
    return catalogue(context).ugettext(string)


@pass_context
def translate(context: Context, string: str, **variables: Any) -> str:
    """Jinja's ``_`` with the "new style" rules of ``jinja2.ext``: the page's translation of ``string``, as
    ``Markup`` when the template escapes, formatted with ``variables`` (always, so ``%%`` is ``%``)."""
    translated = catalogue(context).ugettext(string)
    if context.eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables  # Markup % stays Markup: the variables are escaped once


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    return catalogue(context).ungettext(singular, plural, number)


@pass_context
def _pgettext(context: Context, text_context: str, string: str) -> str:
    return catalogue(context).upgettext(text_context, string)


@pass_context
def _npgettext(context: Context, text_context: str, singular: str, plural: str, number: int) -> str:
    return catalogue(context).unpgettext(text_context, singular, plural, number)


@pass_context
def page_label(context: Context, kind: str, value: object) -> str:
    """``labels.label`` for templates: the readable name of a stored value, from the page's catalogue."""
    return label(kind, value, catalogue(context).ugettext)
