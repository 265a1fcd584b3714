"""Working-day arithmetic: weekends and public holidays (from the ``holidays`` package) skipped."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from ..definitions.model import Calendar


class WorkingCalendar:
    """Tells working days apart for one country (and subdivision), and counts in them."""

    def __init__(self, country: str = "FR", subdivision: str | None = None) -> None:
        self._holidays = holidays.country_holidays(country, subdiv=subdivision)

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday."""
        return day.weekday() < 5 and day not in self._holidays

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself when ``count`` is 0)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """``day`` if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


@lru_cache(maxsize=32)
def calendar_for(calendar: Calendar) -> WorkingCalendar:
    """The working calendar of a definition (built once per country and subdivision)."""
    return WorkingCalendar(calendar.country, calendar.subdivision)
