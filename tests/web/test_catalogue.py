"""Templates read the page's catalogue once per render (``web/catalogue.py``), and still speak the language
in force when they are rendered: the page's, or an email's under ``force_locale``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale, format_decimal, refresh

from gpect_workflow.services.plans.burnup import Burnup
from gpect_workflow.web import catalogue, i18n
from gpect_workflow.web.charts import burnup_svg

WORDS = (
    "{{ _('Partners') }}|{{ label('task_status', 'done') }}|{{ ngettext('%(num)s byte', '%(num)s bytes', 3) }}"
    "|{{ label('task_status', 'unheard-of') }}"
)


def render(app: Flask, source: str, language: str) -> str:
    with app.test_request_context("/", headers={"Accept-Language": language}):
        refresh()  # as every request does first: the test's app context outlives the request
        return render_template_string(source)


def test_templates_speak_the_page_s_language(app: Flask) -> None:
    assert render(app, WORDS, "fr") == "Partenaires|faite|3 octets|unheard-of"
    assert render(app, WORDS, "en") == "Partners|done|3 bytes|unheard-of"


def test_a_template_rendered_under_force_locale_speaks_that_language(app: Flask) -> None:
    """An email rendered during a French request in its English reader's language."""
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        refresh()
        with force_locale("en"):
            english = render_template_string(WORDS)
        french = render_template_string(WORDS)
    assert english == "Partners|done|3 bytes|unheard-of"
    assert french == "Partenaires|faite|3 octets|unheard-of"


def test_a_template_asks_flask_babel_for_its_catalogue_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hundred messages, one lookup: Flask-Babel's lookup costs about 7 µs, so once per message it was a
    tenth of a plan page's time."""
    asked: list[Any] = []
    lookup = catalogue.get_translations

    def counted() -> Any:
        asked.append(True)
        return lookup()

    monkeypatch.setattr(catalogue, "get_translations", counted)
    source = "{% for _i in range(50) %}{{ _('Partners') }}{{ label('task_status', 'done') }}{% endfor %}"
    assert render(app, source, "fr") == "Partenairesfaite" * 50
    assert len(asked) == 1


def test_a_template_without_the_page_s_context_still_translates(app: Flask) -> None:
    """A template rendered without ``render_template`` (no context processor) asks Flask-Babel each time."""
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        refresh()
        assert app.jinja_env.from_string(WORDS).render() == "Partenaires|faite|3 octets|unheard-of"


@pytest.mark.parametrize("value", [0, 7, 1250, 1250.5, 0.125, -3.75, 10**12, Decimal("1234.50")])
def test_numbers_are_written_as_flask_babel_writes_them_in_each_language(
    app: Flask, value: int | float | Decimal
) -> None:
    """``i18n.number`` remembers each value's text per language (a committee page's charts write the same
    axis values again and again); it writes exactly what Flask-Babel's ``format_decimal`` writes."""
    for language in ("fr", "en", "fr"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            refresh()
            assert i18n.number(value) == format_decimal(value)
            with force_locale("en" if language == "fr" else "fr"):
                assert i18n.number(value) == format_decimal(value)


def test_a_number_follows_the_page_s_language(app: Flask) -> None:
    assert render(app, "{{ number(1250.5) }}|{{ decimal(1250.5) }}", "en") == "1,250.5|1,250.5"
    assert render(app, "{{ number(1250.5) }}|{{ decimal(1250.5) }}", "fr") == "1\u202f250,5|1\u202f250,5"


def test_the_charts_fixed_words_follow_the_page_s_language(app: Flask) -> None:
    """Translated once per language, not once per chart: a French page after an English one says French."""
    burnup = Burnup(days=[date(2026, 12, 1), date(2026, 12, 2)], done=[0, 1], total=[4, 4])
    for language, words in (("en", "Tasks finished over time"), ("fr", "Tâches terminées au fil du temps")):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            refresh()
            assert words in burnup_svg(burnup)


def test_a_number_too_large_for_babel_is_written_in_scientific_notation(app: Flask) -> None:
    """Babel's decimal format stops at 28 digits (it raises); 10^30 is written ``1E30`` instead of failing."""
    assert render(app, "{{ number(10**30) }}|{{ decimal(-2.5e40) }}", "en") == "1E30|-2.5E40"
    assert render(app, "{{ number(1e30) }}|{{ decimal(-2.5e40) }}", "fr") == "1E30|-2,5E40"


@pytest.mark.parametrize(
    "source",
    [
        "{{ _('Partners') }}",
        "{{ _('Progress of %(plan)s', plan='<b>Plan & co</b>') }}",
        "{{ _('%(percent)s%%', percent=42) }}",
        "{{ _('Not a message of ours: <i>kept</i> & %%') }}",
        "{% autoescape false %}{{ _('Progress of %(plan)s', plan='<b>x</b>') }}{% endautoescape %}",
        "{{ _('Progress of %(plan)s', plan=markup) }}",
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_underscore_writes_what_jinja_s_new_style_gettext_writes(app: Flask, source: str, language: str) -> None:
    """``catalogue.translate`` replaces Jinja's ``_`` (one call instead of three): the same text, the same
    escaping of the variables, markup kept, ``%%`` read as ``%``, with and without autoescaping."""
    from markupsafe import Markup

    jinja_style = source.replace("_(", "gettext(")  # Jinja's newstyle wrapper around the same catalogue
    with app.test_request_context("/", headers={"Accept-Language": language}):
        refresh()
        ours = render_template_string(source, markup=Markup("<em>ok</em>"))
        theirs = render_template_string(jinja_style, markup=Markup("<em>ok</em>"))
    assert ours == theirs
    assert "<b>Plan" not in ours or "autoescape false" in source


def test_the_page_s_language_is_flask_babel_s_in_every_state(app: Flask) -> None:
    """``i18n.current_language`` reads Flask-Babel's chosen locale directly; it must say what ``get_locale``
    says: before and after the choice, under ``force_locale`` and after it, and
    in the scheduler's application context under ``force_locale``."""
    from flask_babel import get_locale

    def babel_says() -> str:
        locale = get_locale()
        return locale.language if locale is not None and locale.language in i18n.LANGUAGES else "fr"

    for browser in ("en", "fr", "de"):
        with app.test_request_context("/", headers={"Accept-Language": browser}):
            refresh()
            assert i18n.current_language() == babel_says()  # before Flask-Babel chose, then after
            assert i18n.current_language() == babel_says()
            for forced in ("en", "fr", "de"):
                with force_locale(forced):
                    assert i18n.current_language() == babel_says()
                assert i18n.current_language() == babel_says()
    with app.app_context(), force_locale("en"):  # an email rendered by the scheduler, in its reader's language
        assert i18n.current_language() == babel_says() == "en"
