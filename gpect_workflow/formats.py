"""Dates and numbers written out for a reader, the same in pages, exports and emails, by Babel's data for
their language.

French writes the first day of a month as an ordinal (``1er novembre 2026``), which Babel's patterns
do not, and Babel's decimal format raises past 28 digits: the pages (``web.i18n``), the exports and the
emails (``notifications``) all go through here so they cannot drift apart.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_scientific


@lru_cache(maxsize=4096)
def long_date(day: date, language: str) -> str:
    """``3 décembre 2026``, ``1er décembre 2026`` / ``3 December 2026``, ``1 December 2026``.

    Kept per day and language: a send hour writes a few thousand dates, most of them the same few weeks,
    and Babel parses the locale and the pattern for each.
    """
    written = format_date(day, "d MMMM y", locale=language)
    if language == "fr" and day.day == 1:
        return "1er" + written[1:]
    return written


@lru_cache(maxsize=4096)
def written_number(value: int | float | Decimal, language: str, pattern: str | None = None) -> str:
    """``1 250,5`` / ``1,250.5`` (or Babel's ``pattern``, such as ``0.##`` for exports without grouping);
    in scientific notation (``1E30``) for a value too large for Babel's decimal arithmetic.

    The rules refuse a measurement or target beyond 15 digits, but one already stored (by an older version,
    by hand) must harm only itself: it is shown ``1E30``, never a server error on every page, export and
    digest that writes it. Each value is formatted once per language and pattern: charts write the same
    axis values on every chart of a page.
    """
    locale = locale_of(language)
    try:
        return format_decimal(value, format=pattern, locale=locale)
    except InvalidOperation:
        return format_scientific(value, locale=locale)


@lru_cache(maxsize=16)
def locale_of(language: str) -> Locale:
    """Babel's locale of a language, parsed once: lists write a date per row, and parsing the name each
    time cost more than formatting the date."""
    return Locale.parse(language)
