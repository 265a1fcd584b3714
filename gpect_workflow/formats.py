"""Dates written out for a reader, the same in pages and emails, by Babel's data for their language.

French writes the first day of a month as an ordinal (``1er novembre 2026``), which Babel's patterns
do not: the pages (``web.i18n``) and the emails (``notifications.render``) both go through here so
they cannot drift apart.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date


def long_date(day: date, language: str) -> str:
    """``3 décembre 2026``, ``1er décembre 2026`` / ``3 December 2026``, ``1 December 2026``."""
    written = format_date(day, "d MMMM y", locale=language)
    if language == "fr" and day.day == 1:
        return "1er" + written[1:]
    return written
